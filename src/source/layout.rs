//! An image bundle unpacked into a directory: an OCI image layout
//! (`oci-layout`, `index.json`, `blobs/`) or an extracted docker-archive.

use super::select::{select_image, MetaFiles};
use super::{scan_layers_parallel, Artifact, ArtifactKind, Collected, LayerInfo, Source};
use crate::cache::LayerCache;
use crate::error::{Error, Result};
use crate::image::layer::normalize;
use crate::inventory::Wants;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Metadata files larger than this are refused rather than read: real
/// manifests and configs are kilobytes.
pub(super) const MAX_META_SIZE: u64 = 8 * 1024 * 1024;

pub struct LayoutDir {
    root: PathBuf,
    reference: Option<String>,
    cache: Option<Arc<LayerCache>>,
}

impl LayoutDir {
    pub fn new(root: &Path, reference: Option<&str>) -> Self {
        LayoutDir {
            root: root.to_path_buf(),
            reference: reference.map(str::to_string),
            cache: None,
        }
    }

    /// Reads layers the cache holds from the cache instead.
    pub fn with_cache(mut self, cache: Option<Arc<LayerCache>>) -> Self {
        self.cache = cache;
        self
    }

    /// Opens a bundle member, refusing names that would leave the layout
    /// directory, links that point out of it, and anything but a regular
    /// file (see [`super::safe_open`]). `Ok(None)` when it does not exist.
    fn member(&self, path: &str) -> Result<Option<File>> {
        let relative = normalize(path.as_bytes()).ok_or_else(|| {
            Error::input(
                self.root.display(),
                format!("refusing member path {path:?}"),
            )
        })?;
        super::safe_open::open_member(&self.root, &relative)
    }
}

impl MetaFiles for LayoutDir {
    fn read_meta(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(file) = self.member(path)? else {
            return Ok(None);
        };
        let shown = self.root.join(path);
        read_bounded(file, MAX_META_SIZE)
            .map_err(|e| Error::io(shown.display(), e))?
            .ok_or_else(|| {
                Error::input(
                    shown.display(),
                    format!(
                        "larger than {} MiB: not image metadata",
                        MAX_META_SIZE >> 20
                    ),
                )
            })
            .map(Some)
    }
}

impl Source for LayoutDir {
    fn collect(&self, wants: &Wants) -> Result<Collected> {
        let input = self.root.display().to_string();
        let image = select_image(self, &input, self.reference.as_deref())?;
        let diff_ids = &image.config.rootfs.diff_ids;
        if diff_ids.len() != image.layer_paths.len() {
            return Err(Error::input(
                &input,
                format!(
                    "the image has {} layers but its config lists {} diff IDs",
                    image.layer_paths.len(),
                    diff_ids.len()
                ),
            ));
        }
        let open = |path: &str| -> Result<Box<dyn Read + Send>> {
            match self.member(path)? {
                Some(file) => Ok(Box::new(file)),
                None => Err(Error::input(
                    self.root.join(path).display(),
                    "layer blob is referenced but missing",
                )),
            }
        };
        let layers = scan_layers_parallel(
            &image.layer_paths,
            diff_ids,
            wants,
            &open,
            self.cache.as_deref(),
        )?;
        Ok(Collected {
            artifact: image_artifact(input, image.reference, &image.config, image.config_digest),
            layers,
        })
    }
}

/// Reads at most `max` bytes; `None` when there is more (a manifest or
/// config that large is not one, and a cut one must not be parsed).
pub(super) fn read_bounded(reader: impl Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut content = Vec::new();
    reader.take(max + 1).read_to_end(&mut content)?;
    Ok((content.len() as u64 <= max).then_some(content))
}

/// The artifact description shared by every image source.
pub(super) fn image_artifact(
    name: String,
    reference: Option<String>,
    config: &crate::image::config::ImageConfig,
    digest: String,
) -> Artifact {
    let layers = config
        .rootfs
        .diff_ids
        .iter()
        .zip(config.layer_commands())
        .map(|(diff_id, created_by)| LayerInfo {
            diff_id: diff_id.clone(),
            created_by,
        })
        .collect();
    Artifact {
        name,
        reference,
        kind: ArtifactKind::Image,
        digest: Some(digest),
        layers,
    }
}
