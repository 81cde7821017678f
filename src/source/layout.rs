//! An image bundle unpacked into a directory: an OCI image layout
//! (`oci-layout`, `index.json`, `blobs/`) or an extracted docker-archive.

use super::select::{select_image, MetaFiles};
use super::{scan_layers_parallel, Artifact, ArtifactKind, Collected, LayerInfo, Source};
use crate::cache::LayerCache;
use crate::error::{Error, Result};
use crate::image::layer::normalize;
use crate::inventory::Want;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Metadata files larger than this are refused rather than read: real
/// manifests and configs are kilobytes.
pub(super) const MAX_META_SIZE: u64 = 16 * 1024 * 1024;

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

    /// The host path of a bundle member, refusing names that would leave
    /// the layout directory.
    fn member(&self, path: &str) -> Result<PathBuf> {
        normalize(path.as_bytes())
            .map(|p| self.root.join(p))
            .ok_or_else(|| {
                Error::input(
                    self.root.display(),
                    format!("refusing member path {path:?}"),
                )
            })
    }
}

impl MetaFiles for LayoutDir {
    fn read_meta(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let full = self.member(path)?;
        let file = match File::open(&full) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(full.display(), e)),
        };
        let mut content = Vec::new();
        file.take(MAX_META_SIZE)
            .read_to_end(&mut content)
            .map_err(|e| Error::io(full.display(), e))?;
        Ok(Some(content))
    }
}

impl Source for LayoutDir {
    fn collect(&self, wants: &[Want]) -> Result<Collected> {
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
            let full = self.member(path)?;
            let file = File::open(&full).map_err(|e| Error::io(full.display(), e))?;
            Ok(Box::new(file))
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
