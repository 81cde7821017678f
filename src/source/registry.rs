//! An image in a registry (`ghcr.io/org/app:1.4`, `host:5000/app@sha256:…`).
//!
//! The manifest (through a multi-platform index when there is one) and the
//! config are fetched first; the config's diff IDs are the layer cache's
//! keys, so cached layers are never downloaded. The other layers stream
//! from the registry straight into the layer scanner, several at once,
//! each checked against both its blob digest and its diff ID; a download
//! that breaks off is started over with backoff.

use super::layout::{image_artifact, MAX_META_SIZE};
use super::{Collected, LayerJobs, Source};
use crate::cache::LayerCache;
use crate::error::{json_problem, Error, Result};
use crate::image::config::{ImageConfig, ImageIndex, ImageManifest, Platform};
use crate::image::layer::HeldBytes;
use crate::inventory::Wants;
use crate::inventory::{scan_layer, LayerScan};
use crate::registry::{Options, Session};
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE,
};
use oci_client::RegistryOperation;
use std::io;
use std::sync::Arc;

/// Layers downloaded at once: downloads wait on the network more than on
/// the CPU, so more than the core count.
const CONCURRENT_LAYERS: usize = 4;

/// Indexes can nest; real ones nest once. Bound it anyway.
const MAX_INDEX_DEPTH: usize = 4;

const MANIFEST_TYPES: &[&str] = &[
    OCI_IMAGE_MEDIA_TYPE,
    IMAGE_MANIFEST_MEDIA_TYPE,
    OCI_IMAGE_INDEX_MEDIA_TYPE,
    IMAGE_MANIFEST_LIST_MEDIA_TYPE,
];

pub struct Registry {
    reference: String,
    platform: Platform,
    options: Options,
    cache: Option<Arc<LayerCache>>,
}

impl Registry {
    /// `platform` is `os/arch[/variant]`.
    pub fn new(
        reference: &str,
        platform: &str,
        options: Options,
        cache: Option<Arc<LayerCache>>,
    ) -> Result<Self> {
        Ok(Registry {
            reference: reference.to_string(),
            platform: parse_platform(platform)?,
            options,
            cache,
        })
    }
}

impl Source for Registry {
    fn collect(&self, wants: &Wants) -> Result<Collected> {
        self.collect_pinned(wants).map(|(collected, _)| collected)
    }
}

impl Registry {
    /// [`Source::collect`], plus the digest the reference resolved to (the
    /// index or manifest a deployment pins), which `scangate manifests`
    /// reports beside each finding.
    pub fn collect_pinned(&self, wants: &Wants) -> Result<(Collected, String)> {
        let session = Session::connect(&self.reference, &self.options, RegistryOperation::Pull)?;
        let (manifest, pinned) = self.image_manifest(&session)?;
        let config_raw = session.small_blob(&manifest.config.digest, MAX_META_SIZE)?;
        let config: ImageConfig = serde_json::from_slice(&config_raw).map_err(|e| {
            Error::input(
                &self.reference,
                format!("invalid image config: {}", json_problem(&e)),
            )
        })?;
        let diff_ids = &config.rootfs.diff_ids;
        if diff_ids.len() != manifest.layers.len() {
            return Err(Error::input(
                &self.reference,
                format!(
                    "the image has {} layers but its config lists {} diff IDs",
                    manifest.layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        let names: Vec<String> = manifest.layers.iter().map(|l| l.digest.clone()).collect();
        let held = HeldBytes::default();
        let scan_one =
            |i: usize| scan_remote_layer(&session, &names[i], &diff_ids[i], wants, &held);
        let jobs = LayerJobs {
            names: &names,
            diff_ids,
            wants,
            cache: self.cache.as_deref(),
            held: &held,
        };
        let layers = jobs.scan(CONCURRENT_LAYERS, &scan_one)?;
        let collected = Collected {
            artifact: image_artifact(
                self.reference.clone(),
                Some(self.reference.clone()),
                &config,
                manifest.config.digest.clone(),
            ),
            layers,
        };
        Ok((collected, pinned))
    }

    /// The image manifest for the chosen platform, and the digest of the
    /// first manifest fetched (the index, for a multi-platform image).
    fn image_manifest(&self, session: &Session) -> Result<(ImageManifest, String)> {
        let mut reference = session.reference.clone();
        let mut pinned = None;
        for _ in 0..MAX_INDEX_DEPTH {
            let (raw, digest) = session.manifest(&reference, MANIFEST_TYPES)?;
            let pinned = pinned.get_or_insert(digest).clone();
            let value: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
                Error::input(
                    &self.reference,
                    format!("invalid manifest: {}", json_problem(&e)),
                )
            })?;
            if value.get("manifests").is_none() {
                let manifest = serde_json::from_value(value).map_err(|e| {
                    Error::input(
                        &self.reference,
                        format!("invalid image manifest: {}", json_problem(&e)),
                    )
                })?;
                return Ok((manifest, pinned));
            }
            let index: ImageIndex = serde_json::from_value(value).map_err(|e| {
                Error::input(
                    &self.reference,
                    format!("invalid image index: {}", json_problem(&e)),
                )
            })?;
            let digest = self.pick_platform(&index)?;
            reference = reference.clone_with_digest(digest);
        }
        Err(Error::input(
            &self.reference,
            "image indexes nest too deeply",
        ))
    }

    fn pick_platform(&self, index: &ImageIndex) -> Result<String> {
        let wanted = &self.platform;
        let found = index.manifests.iter().find(|d| {
            d.platform.as_ref().is_some_and(|p| {
                p.os == wanted.os
                    && p.architecture == wanted.architecture
                    && (wanted.variant.is_none() || p.variant == wanted.variant)
            })
        });
        if let Some(d) = found {
            return Ok(d.digest.clone());
        }
        let available: Vec<String> = index
            .manifests
            .iter()
            .filter_map(|d| d.platform.as_ref())
            // Attestation manifests (buildx provenance) are unknown/unknown.
            .filter(|p| p.os != "unknown")
            .map(ToString::to_string)
            .collect();
        Err(Error::Usage(format!(
            "{}: no {wanted} image; it has: {} (choose with --platform)",
            self.reference,
            if available.is_empty() {
                "no platform information".to_string()
            } else {
                available.join(", ")
            }
        )))
    }
}

/// Downloads and scans one layer, starting over when the download breaks
/// off (not when its content is wrong).
fn scan_remote_layer(
    session: &Session,
    digest: &str,
    diff_id: &str,
    wants: &Wants,
    held: &HeldBytes,
) -> Result<LayerScan> {
    let mut attempt = 0;
    loop {
        let mut blob = session.blob(digest)?;
        let scanned = scan_layer(&mut blob, wants, Some(diff_id), held).and_then(|scan| {
            // Read to the end so the blob digest is checked even when the
            // decompressor stopped before the last byte.
            io::copy(&mut blob, &mut io::sink())?;
            Ok(scan)
        });
        match scanned {
            Ok(scan) => return Ok(scan),
            Err(e) if blob.broken() && attempt < Session::RESTARTS => {
                attempt += 1;
                let delay = Session::backoff(attempt);
                tracing::warn!("layer {diff_id}: {e}; starting it over in {delay:?}");
                std::thread::sleep(delay);
            }
            Err(e) => {
                // A download that does not match its digest explains an
                // unreadable layer better than the tar error it caused.
                let message = match io::copy(&mut blob, &mut io::sink()) {
                    Err(digest) if !blob.broken() => digest.to_string(),
                    _ => e.to_string(),
                };
                return Err(Error::Layer {
                    layer: diff_id.to_string(),
                    message,
                });
            }
        }
    }
}

fn parse_platform(text: &str) -> Result<Platform> {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [os, arch] | [os, arch, _] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
            os: os.to_string(),
            architecture: arch.to_string(),
            variant: parts
                .get(2)
                .filter(|v| !v.is_empty())
                .map(|v| v.to_string()),
        }),
        _ => Err(Error::Usage(format!(
            "--platform {text:?}: expected os/arch or os/arch/variant, e.g. linux/arm64/v8"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_platform;

    #[test]
    fn platforms_have_two_or_three_parts() {
        let p = parse_platform("linux/arm64/v8").expect("valid");
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()),
            ("linux", "arm64", Some("v8"))
        );
        assert!(parse_platform("linux").is_err());
        assert!(parse_platform("linux//").is_err());
    }
}
