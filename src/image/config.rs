//! The JSON documents that describe an image: the image config, and the
//! manifests of docker-archive (`manifest.json`) and OCI (`index.json`,
//! image manifests and indexes).

use serde::Deserialize;
use std::collections::BTreeMap;

/// The image config (OCI image-spec `config.json`, same in Docker).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageConfig {
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub architecture: Option<String>,
    pub rootfs: RootFs,
    #[serde(default)]
    pub history: Vec<History>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RootFs {
    pub diff_ids: Vec<String>,
}

/// One step of the image's build. Steps with `empty_layer` made no layer,
/// so history and layers line up only after skipping them.
#[derive(Debug, Clone, Deserialize)]
pub struct History {
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

impl ImageConfig {
    /// The build step (`created_by`) that made each layer, in layer order.
    pub fn layer_commands(&self) -> Vec<Option<String>> {
        let mut commands: Vec<Option<String>> = self
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone())
            .collect();
        commands.resize(self.rootfs.diff_ids.len(), None);
        commands
    }
}

/// One image in a docker-archive's `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerManifestEntry {
    pub config: String,
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

/// A content descriptor (OCI image-spec).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// `os/arch` or `os/arch/variant`, as `--platform` takes it.
impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        match &self.variant {
            Some(v) => write!(f, "/{v}"),
            None => Ok(()),
        }
    }
}

/// An OCI image index (`index.json`, or a multi-platform index blob).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageIndex {
    pub manifests: Vec<Descriptor>,
}

/// An OCI (or Docker v2) image manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct ImageManifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

impl Descriptor {
    /// Whether this descriptor points at an index rather than an image.
    pub fn is_index(&self) -> bool {
        self.media_type.ends_with("image.index.v1+json")
            || self.media_type.ends_with("manifest.list.v2+json")
    }

    /// The names an image is known by in an OCI layout.
    pub fn ref_names(&self) -> Vec<String> {
        [
            "io.containerd.image.name",
            "org.opencontainers.image.ref.name",
        ]
        .iter()
        .filter_map(|k| self.annotations.get(*k).cloned())
        .collect()
    }

    /// `blobs/<algorithm>/<hex>`, the blob's path inside a layout, or `None`
    /// for a malformed digest (which must not become a path).
    pub fn blob_path(&self) -> Option<String> {
        blob_path(&self.digest)
    }
}

/// `blobs/<algorithm>/<hex>` for a digest, rejecting anything that is not a
/// plain `alg:hex` pair.
pub fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (ok(alg) && ok(hex)).then(|| format!("blobs/{alg}/{hex}"))
}

#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub diff_id: String,
    /// The build step that made the layer (`RUN apt-get install …`).
    pub created_by: Option<String>,
}
