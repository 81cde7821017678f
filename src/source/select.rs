//! Choosing one image inside a docker-archive or OCI layout: read
//! `manifest.json` (docker) or `index.json` (OCI), pick the image by tag,
//! and find its config and layer blobs.

use crate::error::{json_problem, Error, Result};
use crate::image::config::{
    blob_path, Descriptor, DockerManifestEntry, ImageConfig, ImageIndex, ImageManifest,
};
use sha2::{Digest, Sha256};

/// Reads the small metadata files of an image bundle by path.
pub(super) trait MetaFiles {
    /// The file's content, or `None` when the bundle has no such file.
    fn read_meta(&self, path: &str) -> Result<Option<Vec<u8>>>;
}

/// The image chosen from a bundle.
pub(super) struct SelectedImage {
    pub config: ImageConfig,
    /// `sha256:` of the config blob: the image ID.
    pub config_digest: String,
    /// Paths of the layer blobs inside the bundle, bottom layer first.
    pub layer_paths: Vec<String>,
    /// The tag it was chosen by, else its first tag.
    pub reference: Option<String>,
}

/// The platform picked from a multi-platform index when there is a choice.
const DEFAULT_PLATFORM: (&str, &str) = ("linux", "amd64");

/// Picks the image named `reference` (or the only image) from the bundle.
pub(super) fn select_image(
    files: &dyn MetaFiles,
    input: &str,
    reference: Option<&str>,
) -> Result<SelectedImage> {
    if let Some(raw) = files.read_meta("manifest.json")? {
        return from_docker_manifest(files, input, reference, &raw);
    }
    if let Some(raw) = files.read_meta("index.json")? {
        return from_oci_index(files, input, reference, &raw);
    }
    Err(Error::input(
        input,
        "not a docker-archive or OCI image (no manifest.json or index.json inside)",
    ))
}

fn from_docker_manifest(
    files: &dyn MetaFiles,
    input: &str,
    reference: Option<&str>,
    raw: &[u8],
) -> Result<SelectedImage> {
    let entries: Vec<DockerManifestEntry> = parse_json(input, "manifest.json", raw)?;
    let names = |e: &DockerManifestEntry| e.repo_tags.clone().unwrap_or_default();
    let chosen = choose(input, reference, &entries, names)?;
    let config_raw = read_required(files, input, &chosen.config)?;
    Ok(SelectedImage {
        config: parse_json(input, &chosen.config, &config_raw)?,
        config_digest: sha256(&config_raw),
        layer_paths: chosen.layers.clone(),
        reference: tag_of(reference, names(chosen)),
    })
}

fn from_oci_index(
    files: &dyn MetaFiles,
    input: &str,
    reference: Option<&str>,
    raw: &[u8],
) -> Result<SelectedImage> {
    let index: ImageIndex = parse_json(input, "index.json", raw)?;
    let chosen = choose(input, reference, &index.manifests, Descriptor::ref_names)?;
    let tag = tag_of(reference, chosen.ref_names());
    let manifest = resolve_manifest(files, input, chosen)?;
    let config_path = descriptor_path(input, &manifest.config)?;
    let config_raw = read_required(files, input, &config_path)?;
    let layer_paths = manifest
        .layers
        .iter()
        .map(|l| descriptor_path(input, l))
        .collect::<Result<Vec<_>>>()?;
    Ok(SelectedImage {
        config: parse_json(input, &config_path, &config_raw)?,
        config_digest: sha256(&config_raw),
        layer_paths,
        reference: tag,
    })
}

/// The reference an image was chosen by, else its first name.
fn tag_of(reference: Option<&str>, names: Vec<String>) -> Option<String> {
    reference
        .map(str::to_string)
        .or_else(|| names.into_iter().next())
}

/// Follows a descriptor to an image manifest, stepping through a
/// multi-platform index (picking linux/amd64, else the only entry).
fn resolve_manifest(
    files: &dyn MetaFiles,
    input: &str,
    desc: &Descriptor,
) -> Result<ImageManifest> {
    let mut desc = desc.clone();
    // Indexes can nest; real ones nest once. Bound it anyway.
    for _ in 0..4 {
        let path = descriptor_path(input, &desc)?;
        let raw = read_required(files, input, &path)?;
        let is_index = desc.is_index()
            || serde_json::from_slice::<serde_json::Value>(&raw)
                .ok()
                .is_some_and(|v| v.get("manifests").is_some());
        if !is_index {
            return parse_json(input, &path, &raw);
        }
        let index: ImageIndex = parse_json(input, &path, &raw)?;
        desc = pick_platform(input, &index)?.clone();
    }
    Err(Error::input(input, "image indexes nest too deeply"))
}

fn pick_platform<'a>(input: &str, index: &'a ImageIndex) -> Result<&'a Descriptor> {
    let images: Vec<&Descriptor> = index
        .manifests
        .iter()
        // Attestation manifests (buildx provenance) have platform unknown/unknown.
        .filter(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown"))
        .collect();
    let (os, arch) = DEFAULT_PLATFORM;
    if let Some(d) = images.iter().find(|d| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == os && p.architecture == arch)
    }) {
        return Ok(d);
    }
    match images.as_slice() {
        [only] => Ok(only),
        _ => {
            let platforms: Vec<String> = images
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(ToString::to_string)
                .collect();
            Err(Error::input(
                input,
                format!(
                    "no {os}/{arch} image in the index; it has: {}",
                    platforms.join(", ")
                ),
            ))
        }
    }
}

/// Chooses the entry whose names include `reference`, or the only entry.
fn choose<'a, T>(
    input: &str,
    reference: Option<&str>,
    entries: &'a [T],
    names: impl Fn(&T) -> Vec<String>,
) -> Result<&'a T> {
    let listing = || {
        let all: Vec<String> = entries.iter().flat_map(&names).collect();
        if all.is_empty() {
            "none of its images is tagged".to_string()
        } else {
            format!("its images are tagged: {}", all.join(", "))
        }
    };
    match reference {
        Some(wanted) => entries
            .iter()
            .find(|e| names(e).iter().any(|n| name_matches(n, wanted)))
            .ok_or_else(|| {
                Error::Usage(format!("{input}: no image tagged {wanted}; {}", listing()))
            }),
        None => match entries {
            [only] => Ok(only),
            [] => Err(Error::input(input, "the archive holds no image")),
            _ => Err(Error::Usage(format!(
                "{input} holds {} images; choose one with --ref TAG ({})",
                entries.len(),
                listing()
            ))),
        },
    }
}

/// `app:1` matches `app:1`, `docker.io/library/app:1`, and an OCI ref name
/// that is only the tag (`1`).
fn name_matches(name: &str, wanted: &str) -> bool {
    if name == wanted {
        return true;
    }
    let short = name
        .strip_prefix("docker.io/library/")
        .or_else(|| name.strip_prefix("docker.io/"))
        .unwrap_or(name);
    short == wanted
        || (!name.contains(':') && wanted.rsplit_once(':').is_some_and(|(_, tag)| tag == name))
}

fn descriptor_path(input: &str, d: &Descriptor) -> Result<String> {
    blob_path(&d.digest)
        .ok_or_else(|| Error::input(input, format!("malformed digest {:?}", d.digest)))
}

fn read_required(files: &dyn MetaFiles, input: &str, path: &str) -> Result<Vec<u8>> {
    files
        .read_meta(path)?
        .ok_or_else(|| Error::input(input, format!("{path} is referenced but missing")))
}

fn parse_json<T: serde::de::DeserializeOwned>(input: &str, path: &str, raw: &[u8]) -> Result<T> {
    serde_json::from_slice(raw).map_err(|e| {
        Error::input(
            format!("{input}: {path}"),
            format!("invalid JSON: {}", json_problem(&e)),
        )
    })
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn tags_match_with_or_without_the_docker_hub_prefix() {
        assert!(name_matches("app:1", "app:1"));
        assert!(name_matches("docker.io/library/app:1", "app:1"));
        assert!(name_matches("1", "app:1"));
        assert!(!name_matches("app:2", "app:1"));
        assert!(!name_matches("other:1", "app:1"));
    }
}
