//! Builds container images in code, so tests need no binary fixtures.
//!
//! An [`ImageBuilder`] is a list of [`Layer`]s plus tags; a layer is a list
//! of tar entries. Every tar header is written by hand with mtime 0, uid/gid
//! 0 and fixed modes, so an image's bytes — and therefore its config digest
//! and layer diff_ids — are the same on every run.
//!
//! Writers: [`ImageBuilder::docker_archive`] (the `docker save` format,
//! optionally compressed as a whole), [`ImageBuilder::oci_layout`] (an
//! OCI image layout directory) and [`ImageBuilder::oci_archive`] (a tar of
//! that layout). The free functions of the same names write several images
//! into one archive; [`docker_archive_oci`] writes Docker 25+'s `docker save`
//! (an OCI layout plus `manifest.json`) and [`oci_layout_multi_platform`] a
//! multi-platform index.
//!
//! Hostile inputs: [`Layer::raw_file`] writes any name bytes (`../evil`,
//! `/abs/evil`), [`Layer::truncated`] and [`Layer::corrupted`] damage the
//! archive's copy of a layer while the config keeps the intact diff_id.

use flate2::write::GzEncoder;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Hex sha256 of some bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The OCI layer media type for this compression.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }

    fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Compression::None => data.to_vec(),
            Compression::Gzip => gzip(data),
            Compression::Zstd => zstd::encode_all(data, 3).expect("zstd"),
        }
    }
}

/// Gzip with a fixed header (no name, mtime 0), so output is deterministic.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// One tar entry. `name` is written verbatim into the header, which is how
/// the hostile names (`../evil`, `/abs/evil`) get in.
#[derive(Debug, Clone)]
struct Entry {
    name: Vec<u8>,
    kind: tar::EntryType,
    mode: u32,
    data: Vec<u8>,
    link: Vec<u8>,
}

/// One image layer: tar entries in order, and how the blob is compressed.
#[derive(Debug, Clone)]
pub struct Layer {
    entries: Vec<Entry>,
    compression: Compression,
    damage: Option<Damage>,
}

/// How an archive's copy of a layer blob is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damage {
    /// Only the first half is stored.
    Truncated,
    /// The middle byte is flipped.
    FlippedByte,
}

impl Default for Layer {
    fn default() -> Self {
        Layer::new()
    }
}

impl Layer {
    /// An empty, uncompressed layer.
    pub fn new() -> Self {
        Layer {
            entries: Vec::new(),
            compression: Compression::None,
            damage: None,
        }
    }

    fn push(
        mut self,
        name: &[u8],
        kind: tar::EntryType,
        mode: u32,
        data: &[u8],
        link: &[u8],
    ) -> Self {
        self.entries.push(Entry {
            name: name.to_vec(),
            kind,
            mode,
            data: data.to_vec(),
            link: link.to_vec(),
        });
        self
    }

    /// A regular file, mode 0644. `path` is relative (`etc/os-release`).
    pub fn file(self, path: &str, data: impl AsRef<[u8]>) -> Self {
        self.file_mode(path, data, 0o644)
    }

    /// A regular file with an explicit mode.
    pub fn file_mode(self, path: &str, data: impl AsRef<[u8]>, mode: u32) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Regular,
            mode,
            data.as_ref(),
            b"",
        )
    }

    /// A directory (the name gets the conventional trailing slash).
    pub fn dir(self, path: &str) -> Self {
        let name = format!("{}/", path.trim_end_matches('/'));
        self.push(name.as_bytes(), tar::EntryType::Directory, 0o755, b"", b"")
    }

    /// A symlink `path -> target`; the target is stored verbatim (relative,
    /// absolute or escaping).
    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Symlink,
            0o777,
            b"",
            target.as_bytes(),
        )
    }

    /// A hardlink `path` to `target`, an earlier entry's name in the archive.
    pub fn hardlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Link,
            0o644,
            b"",
            target.as_bytes(),
        )
    }

    /// An AUFS/OCI whiteout deleting `path` from the layers below:
    /// writes the empty file `dir/.wh.NAME`.
    pub fn whiteout(self, path: &str) -> Self {
        let wh = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.file(&wh, b"")
    }

    /// An opaque marker: `dir/.wh..wh..opq` hides everything the layers below
    /// have under `dir` (entries of this same layer stay).
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{}/.wh..wh..opq", dir.trim_end_matches('/')), b"")
    }

    /// A regular file whose header name is exactly these bytes, unvalidated:
    /// `../evil`, `/abs/evil`. The tar crate's safe API refuses such names.
    pub fn raw_file(self, name: impl AsRef<[u8]>, data: impl AsRef<[u8]>) -> Self {
        self.push(
            name.as_ref(),
            tar::EntryType::Regular,
            0o644,
            data.as_ref(),
            b"",
        )
    }

    /// A symlink whose header name is exactly these bytes.
    pub fn raw_symlink(self, name: impl AsRef<[u8]>, target: &str) -> Self {
        self.push(
            name.as_ref(),
            tar::EntryType::Symlink,
            0o777,
            b"",
            target.as_bytes(),
        )
    }

    /// An entry of any type with this name and data, written as it is: a
    /// GNU long-name entry (`L`) or PAX header (`x`) of any size.
    pub fn special(self, name: &str, kind: tar::EntryType, data: impl AsRef<[u8]>) -> Self {
        self.push(name.as_bytes(), kind, 0o644, data.as_ref(), b"")
    }

    /// Sets the blob compression.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// Shorthand for `.compression(Compression::Gzip)`.
    pub fn gzip(self) -> Self {
        self.compression(Compression::Gzip)
    }

    /// Shorthand for `.compression(Compression::Zstd)`.
    pub fn zstd(self) -> Self {
        self.compression(Compression::Zstd)
    }

    /// Writes only the first half of the blob into archives (the config
    /// still lists the complete layer's diff_id): a truncated download.
    pub fn truncated(mut self) -> Self {
        self.damage = Some(Damage::Truncated);
        self
    }

    /// Stores the blob with its middle byte flipped (the config still lists
    /// the intact layer's diff_id): corruption that a tar reader alone may
    /// not notice.
    pub fn corrupted(mut self) -> Self {
        self.damage = Some(Damage::FlippedByte);
        self
    }

    /// The uncompressed layer tar. Names longer than the 100-byte header
    /// field are written as Docker (Go's archive/tar) writes them: split into
    /// the ustar `prefix` field when possible, else as a PAX `path` record.
    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for e in &self.entries {
            let (mut h, name) = if e.name.len() <= 100 {
                (tar::Header::new_gnu(), e.name.as_slice())
            } else if let Some(split) = ustar_split(&e.name) {
                let mut h = tar::Header::new_ustar();
                let prefix = &e.name[..split];
                h.as_ustar_mut().unwrap().prefix[..prefix.len()].copy_from_slice(prefix);
                (h, &e.name[split + 1..])
            } else {
                b.append_pax_extensions([("path", e.name.as_slice())])
                    .unwrap();
                (tar::Header::new_ustar(), &e.name[..100])
            };
            let old = h.as_old_mut();
            old.name = [0; 100];
            old.name[..name.len()].copy_from_slice(name);
            h.set_entry_type(e.kind);
            h.set_mode(e.mode);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h.set_size(e.data.len() as u64);
            if !e.link.is_empty() {
                h.set_link_name_literal(&e.link).expect("link name fits");
            }
            h.set_cksum();
            b.append(&h, e.data.as_slice()).unwrap();
        }
        b.into_inner().unwrap()
    }

    /// `sha256:<hex>` of the uncompressed tar, as the image config lists it.
    pub fn diff_id(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.tar()))
    }

    /// The blob as built (compressed; the intact one, even if damaged).
    pub fn blob(&self) -> Vec<u8> {
        self.compression.compress(&self.tar())
    }

    /// `sha256:<hex>` of the intact blob, its name in an OCI layout.
    pub fn blob_digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.blob()))
    }

    /// The bytes an archive holds for this layer (damaged if asked for).
    fn stored_blob(&self) -> Vec<u8> {
        let mut blob = self.blob();
        let mid = blob.len() / 2;
        match self.damage {
            None => {}
            Some(Damage::Truncated) => blob.truncate(mid),
            Some(Damage::FlippedByte) => blob[mid] ^= 0x01,
        }
        blob
    }
}

/// Where to split a long name between the ustar `prefix` (at most 155
/// bytes) and `name` (at most 100) fields: at a `/`, which is dropped.
fn ustar_split(name: &[u8]) -> Option<usize> {
    (0..name.len())
        .filter(|&i| name[i] == b'/')
        .find(|&i| i <= 155 && name.len() - i - 1 <= 100 && i + 1 < name.len())
}

/// A container image: layers bottom-up, tags, platform.
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    tags: Vec<String>,
    layers: Vec<Layer>,
    architecture: String,
    /// `(created_by, empty_layer)` entries of the config's history; when
    /// empty, one `test layer N` entry per layer.
    history: Vec<(String, bool)>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        ImageBuilder::new()
    }
}

impl ImageBuilder {
    /// An image with no layers and no tags, linux/amd64.
    pub fn new() -> Self {
        ImageBuilder {
            tags: Vec::new(),
            layers: Vec::new(),
            architecture: "amd64".to_string(),
            history: Vec::new(),
        }
    }

    /// Adds a history entry that made a layer (`created_by` as a builder
    /// writes it: `RUN /bin/sh -c … # buildkit`). Once any entry is given,
    /// the history is exactly the entries given, in order.
    pub fn history(mut self, created_by: &str) -> Self {
        self.history.push((created_by.to_string(), false));
        self
    }

    /// Adds a history entry that made no layer (`ENV`, `USER`, `CMD` …).
    pub fn empty_history(mut self, created_by: &str) -> Self {
        self.history.push((created_by.to_string(), true));
        self
    }

    /// Adds a tag (`app:1`).
    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_string());
        self
    }

    /// Sets the platform architecture (`amd64`, `arm64`).
    pub fn architecture(mut self, arch: &str) -> Self {
        self.architecture = arch.to_string();
        self
    }

    /// Adds a layer on top.
    pub fn layer(mut self, layer: Layer) -> Self {
        self.layers.push(layer);
        self
    }

    /// The layers, bottom-up.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// `sha256:...` diff_ids, bottom-up.
    pub fn diff_ids(&self) -> Vec<String> {
        self.layers.iter().map(Layer::diff_id).collect()
    }

    /// The image config blob (deterministic: keys sorted, no timestamps).
    pub fn config(&self) -> Vec<u8> {
        let history: Vec<Value> = if self.history.is_empty() {
            (0..self.layers.len())
                .map(|i| json!({"created_by": format!("test layer {}", i + 1)}))
                .collect()
        } else {
            self.history
                .iter()
                .map(|(created_by, empty)| match empty {
                    true => json!({"created_by": created_by, "empty_layer": true}),
                    false => json!({"created_by": created_by}),
                })
                .collect()
        };
        let config = json!({
            "architecture": self.architecture,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": self.diff_ids()},
            "history": history,
        });
        serde_json::to_vec(&config).unwrap()
    }

    /// `sha256:<hex>` of the config blob: the image ID, the report's digest.
    pub fn config_digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.config()))
    }

    /// Writes a `docker save` archive holding this image.
    pub fn docker_archive(&self, path: &Path) {
        docker_archive(path, &[self], Compression::None)
    }

    /// Writes a gzip-compressed `docker save` archive (`.tar.gz`).
    pub fn docker_archive_gz(&self, path: &Path) {
        docker_archive(path, &[self], Compression::Gzip)
    }

    /// Writes an OCI image layout directory holding this image.
    pub fn oci_layout(&self, dir: &Path) {
        oci_layout(dir, &[self])
    }

    /// Writes an OCI archive (a tar of the layout) holding this image.
    pub fn oci_archive(&self, path: &Path) {
        oci_archive(path, &[self])
    }

    /// The OCI manifest of this image.
    fn oci_manifest(&self) -> Vec<u8> {
        let config = self.config();
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| {
                json!({
                    "mediaType": l.compression.oci_media_type(),
                    "digest": l.blob_digest(),
                    "size": l.blob().len(),
                })
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": format!("sha256:{}", sha256_hex(&config)),
                "size": config.len(),
            },
            "layers": layers,
        });
        serde_json::to_vec(&manifest).unwrap()
    }
}

/// A tar being assembled in memory from (name, bytes) files, deterministic.
struct TarFiles(tar::Builder<Vec<u8>>);

impl TarFiles {
    fn new() -> Self {
        TarFiles(tar::Builder::new(Vec::new()))
    }

    fn file(&mut self, name: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_size(data.len() as u64);
        self.0.append_data(&mut h, name, data).unwrap();
    }

    fn dir(&mut self, name: &str) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_mtime(0);
        h.set_size(0);
        self.0.append_data(&mut h, name, &[][..]).unwrap();
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner().unwrap()
    }
}

/// Writes a `docker save` archive with several images (each with its own
/// tags): `manifest.json`, `<config hex>.json`, `<blob hex>/layer.tar`
/// (the blob as built: compressed layers keep their compression, as
/// `docker load` accepts), and `repositories`. `whole` compresses the
/// archive as a whole (docker loads plain, gzip and zstd saves).
pub fn docker_archive(path: &Path, images: &[&ImageBuilder], whole: Compression) {
    let mut t = TarFiles::new();
    let mut written = std::collections::HashSet::new();
    let mut manifest = Vec::new();
    let mut repositories = serde_json::Map::new();
    for img in images {
        let mut layer_paths = Vec::new();
        for layer in &img.layers {
            let dir = sha256_hex(&layer.blob());
            let name = format!("{dir}/layer.tar");
            if written.insert(name.clone()) {
                t.dir(&format!("{dir}/"));
                t.file(&format!("{dir}/VERSION"), b"1.0");
                t.file(&name, &layer.stored_blob());
            }
            layer_paths.push(name);
        }
        let config = img.config();
        let config_name = format!("{}.json", sha256_hex(&config));
        if written.insert(config_name.clone()) {
            t.file(&config_name, &config);
        }
        for tag in &img.tags {
            let (repo, tag_name) = tag.rsplit_once(':').unwrap_or((tag, "latest"));
            let top = layer_paths
                .last()
                .map(|p| p.trim_end_matches("/layer.tar").to_string());
            let entry = repositories
                .entry(repo.to_string())
                .or_insert_with(|| json!({}));
            entry[tag_name] = json!(top.unwrap_or_default());
        }
        manifest.push(json!({
            "Config": config_name,
            // `docker save IMAGE_ID` writes null for an untagged image.
            "RepoTags": if img.tags.is_empty() { Value::Null } else { json!(img.tags) },
            "Layers": layer_paths,
        }));
    }
    t.file("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    t.file("repositories", &serde_json::to_vec(&repositories).unwrap());
    std::fs::write(path, whole.compress(&t.finish())).unwrap();
}

/// Writes a `docker save` archive the way Docker 25+ does: an OCI layout
/// (`oci-layout`, `index.json`, `blobs/sha256/...`) whose `manifest.json`
/// points into `blobs/`. In `index.json`, Docker annotates each manifest
/// with `io.containerd.image.name` (`docker.io/library/app:1`) and
/// `org.opencontainers.image.ref.name` (the tag alone: `1`).
pub fn docker_archive_oci(path: &Path, images: &[&ImageBuilder]) {
    let mut files = oci_layout_files(images);
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": images.iter().flat_map(|img| {
            let manifest = img.oci_manifest();
            img.tags.iter().map(move |tag| {
                let (repo, t) = tag.rsplit_once(':').unwrap_or((tag, "latest"));
                let full = if repo.contains('/') {
                    format!("docker.io/{repo}:{t}")
                } else {
                    format!("docker.io/library/{repo}:{t}")
                };
                json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": format!("sha256:{}", sha256_hex(&manifest)),
                    "size": manifest.len(),
                    "annotations": {
                        "io.containerd.image.name": full,
                        "org.opencontainers.image.ref.name": t,
                    },
                })
            })
        }).collect::<Vec<_>>(),
    });
    files.iter_mut().find(|(n, _)| n == "index.json").unwrap().1 =
        serde_json::to_vec(&index).unwrap();
    let manifest: Vec<Value> = images
        .iter()
        .map(|img| {
            let layers: Vec<String> = img
                .layers
                .iter()
                .map(|l| format!("blobs/sha256/{}", sha256_hex(&l.blob())))
                .collect();
            json!({
                "Config": format!("blobs/sha256/{}", sha256_hex(&img.config())),
                "RepoTags": img.tags,
                "Layers": layers,
            })
        })
        .collect();
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let mut t = TarFiles::new();
    t.dir("blobs/");
    t.dir("blobs/sha256/");
    for (name, data) in files {
        t.file(&name, &data);
    }
    std::fs::write(path, t.finish()).unwrap();
}

/// The files of an OCI image layout holding these images, as (path, bytes).
fn oci_layout_files(images: &[&ImageBuilder]) -> Vec<(String, Vec<u8>)> {
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add_blob = |data: Vec<u8>| {
        let hex = sha256_hex(&data);
        let name = format!("blobs/sha256/{hex}");
        if !blobs.iter().any(|(n, _)| *n == name) {
            blobs.push((name, data));
        }
        format!("sha256:{hex}")
    };
    let mut manifests = Vec::new();
    for img in images {
        for layer in &img.layers {
            add_blob(layer.blob());
        }
        add_blob(img.config());
        let manifest = img.oci_manifest();
        let size = manifest.len();
        let digest = add_blob(manifest);
        let tags: Vec<Option<&String>> = if img.tags.is_empty() {
            vec![None]
        } else {
            img.tags.iter().map(Some).collect()
        };
        for tag in tags {
            let mut desc = json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest,
                "size": size,
            });
            if let Some(tag) = tag {
                desc["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
            }
            manifests.push(desc);
        }
    }
    // Damaged layers are stored under their intact digest.
    for img in images {
        for layer in img.layers.iter().filter(|l| l.damage.is_some()) {
            let name = format!("blobs/sha256/{}", sha256_hex(&layer.blob()));
            if let Some(b) = blobs.iter_mut().find(|(n, _)| *n == name) {
                b.1 = layer.stored_blob();
            }
        }
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    });
    let mut files = vec![
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (
            "index.json".to_string(),
            serde_json::to_vec(&index).unwrap(),
        ),
    ];
    files.extend(blobs);
    files
}

/// Writes an OCI image layout directory: `oci-layout`, `index.json` (one
/// descriptor per tag, annotated `org.opencontainers.image.ref.name`) and
/// `blobs/sha256/<hex>` for manifests, configs and layers.
pub fn oci_layout(dir: &Path, images: &[&ImageBuilder]) {
    for (name, data) in oci_layout_files(images) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Writes an OCI layout holding one multi-platform image: `index.json`
/// points (with `tag`) to a nested image index listing each image's manifest
/// with its platform, as `docker buildx --output type=oci` writes it.
pub fn oci_layout_multi_platform(dir: &Path, tag: &str, images: &[&ImageBuilder]) {
    let mut files = oci_layout_files(images);
    let platform_manifests: Vec<Value> = images
        .iter()
        .map(|img| {
            let m = img.oci_manifest();
            json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": format!("sha256:{}", sha256_hex(&m)),
                "size": m.len(),
                "platform": {"architecture": img.architecture, "os": "linux"},
            })
        })
        .collect();
    let nested = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": platform_manifests,
    }))
    .unwrap();
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": format!("sha256:{}", sha256_hex(&nested)),
            "size": nested.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    files.iter_mut().find(|(n, _)| n == "index.json").unwrap().1 =
        serde_json::to_vec(&index).unwrap();
    files.push((format!("blobs/sha256/{}", sha256_hex(&nested)), nested));
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Writes an OCI archive: the layout's files in one tar.
pub fn oci_archive(path: &Path, images: &[&ImageBuilder]) {
    let mut t = TarFiles::new();
    t.dir("blobs/");
    t.dir("blobs/sha256/");
    for (name, data) in oci_layout_files(images) {
        t.file(&name, &data);
    }
    std::fs::write(path, t.finish()).unwrap();
}
