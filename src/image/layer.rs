//! Streaming one layer tar: decompress by magic bytes, verify its digest,
//! keep wanted files, links and whiteouts, then reduce the wanted files to
//! what the analyzers found in them (as Trivy's per-layer analysis does):
//! a [`LayerScan`] holds analysis results, never file bytes, so it is what
//! the layer cache stores.

use super::tar_guard::{tar_problem, ExtensionGuard};
use crate::inventory::binary::{analyze as analyze_binary, is_executable_format, BinaryPackages};
use crate::inventory::{analyze_files, FileAnalysis, Scope, Wants, MAX_FILE_SIZE};
use crate::secret::{sniff, Hit, SecretFile};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// The most bytes of wanted files (package databases, os-release) read
/// for one image, all layers together. Each layer that changes a package
/// database carries a whole copy of it, and what is parsed from each copy
/// is kept for the layer; without a total, an image of many layers each
/// rewriting a large database multiplies the per-file limit
/// ([`MAX_FILE_SIZE`]) by its layer count.
pub const MAX_HELD_BYTES: u64 = 1 << 30;

/// The running total against [`MAX_HELD_BYTES`] for one image, shared by
/// the threads scanning its layers.
#[derive(Debug)]
pub struct HeldBytes {
    limit: u64,
    used: AtomicU64,
}

impl Default for HeldBytes {
    fn default() -> Self {
        HeldBytes::new(MAX_HELD_BYTES)
    }
}

impl HeldBytes {
    pub fn new(limit: u64) -> Self {
        HeldBytes {
            limit,
            used: AtomicU64::new(0),
        }
    }

    /// Counts `n` more bytes held; `Err` when that would pass the limit.
    pub fn take(&self, n: u64) -> Result<(), LayerError> {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|total| *total <= self.limit)
            })
            .map(|_| ())
            .map_err(|_| LayerError::TooMuchHeld { limit: self.limit })
    }
}

/// A link entry of a layer. Targets are kept as written in the tar; they are
/// resolved against the image's own file view, never the host's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Link {
    /// Target relative to the link's directory, or absolute from the image root.
    Symbolic(String),
    /// Target path from the image root.
    Hard(String),
}

/// What one layer contributes to the final file view: the analysis of its
/// wanted files, and enough of its tree (links, whiteouts, replaced paths)
/// to stack it on the layers below. This is what the layer cache stores
/// per diff ID.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LayerScan {
    /// `sha256:<hex>` of the uncompressed tar (the OCI diff ID); `None` for a
    /// plain directory, which has no layers. The cache's key, not its data.
    #[serde(skip)]
    pub diff_id: Option<String>,
    /// What each analyzer that wants a file of this layer made of it, by
    /// the file's path. A file with nothing in it is still listed: it
    /// replaces lower layers' versions.
    pub analyses: BTreeMap<String, Vec<FileAnalysis>>,
    /// The files OS detection reads (`etc/os-release`, release files: the
    /// OS analyzer's wants), as read: detection weighs several of them,
    /// from whichever layers hold their final versions. Each is at most
    /// [`MAX_OS_FILE`] bytes.
    pub os_files: BTreeMap<String, Vec<u8>>,
    /// Every symlink and hardlink, so paths can be resolved through them.
    pub links: BTreeMap<String, Link>,
    /// Paths deleted from lower layers (`.wh.NAME`).
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer contents are hidden (`.wh..wh..opq`).
    pub opaque_dirs: Vec<String>,
    /// Executables of this layer and the packages they were built from
    /// (Go build info, cargo-auditable crate lists): an analysis result,
    /// not the file, which is never held.
    pub binaries: BTreeMap<String, BinaryPackages>,
    /// The files of this layer with secrets, in tar order: what the secret
    /// scanner found, never the files.
    pub secrets: Vec<SecretFile>,
    /// The bytes of wanted files this layer's analysis read: what a cached
    /// scan counts against the image's [`HeldBytes`], as reading it would.
    pub read_bytes: u64,
    /// Hashes of every other entry's path: an upper layer that puts a
    /// directory or file where a lower layer had a link replaces that link.
    others: HashSet<u64>,
}

/// The largest OS identification file kept: real ones are a few hundred
/// bytes to a few KiB.
pub const MAX_OS_FILE: usize = 1 << 20;

impl LayerScan {
    /// Whether [`LayerScan::replaces`] is false for every path.
    pub fn replaces_nothing(&self) -> bool {
        self.others.is_empty()
    }

    /// Whether this layer has an entry at `path` that is neither a link nor
    /// a wanted file (i.e. it replaces whatever lower layers had there).
    pub fn replaces(&self, path: &str) -> bool {
        self.others.contains(&path_hash(path))
    }

    /// Paths of the wanted files and binaries this layer holds.
    pub fn wanted_paths(&self) -> impl Iterator<Item = &String> {
        self.analyses
            .keys()
            .chain(self.os_files.keys())
            .chain(self.binaries.keys())
    }

    /// What the analyzer of `format` found in this layer's version of
    /// `path`, if it read it.
    pub fn analysis(
        &self,
        path: &str,
        format: crate::inventory::PackageFormat,
    ) -> Option<&Result<Vec<crate::inventory::Package>, String>> {
        self.analyses
            .get(path)?
            .iter()
            .find(|a| a.format == format)
            .map(|a| &a.outcome)
    }

    /// Forgets the wanted files (and binaries) for which `skip` holds, as
    /// if the layer had not had them (`--skip-files`).
    pub fn forget(&mut self, skip: impl Fn(&str) -> bool) {
        self.analyses.retain(|path, _| !skip(path));
        self.os_files.retain(|path, _| !skip(path));
        self.binaries.retain(|path, _| !skip(path));
        self.secrets.retain(|file| !skip(&file.path));
    }
}

/// A layer (or tree) being read: its scan so far, and the bytes of its
/// wanted files, which live only until [`LayerFiles::analyze`].
#[derive(Debug, Default)]
pub struct LayerFiles {
    pub scan: LayerScan,
    files: BTreeMap<String, Vec<u8>>,
    /// For a file read through links (a root filesystem's `etc/os-release
    /// -> /etc/os-release-real`), the wanted paths that led to it: the
    /// analyzers that wanted those read it.
    aliases: BTreeMap<String, Vec<String>>,
}

impl LayerFiles {
    /// Whether a wanted file at `path` has been read.
    pub fn has_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub(crate) fn add_file(&mut self, path: String, content: Vec<u8>) {
        self.scan.links.remove(&path);
        self.files.insert(path, content);
    }

    /// Records that the file at `real` was reached through the wanted
    /// path `wanted`.
    pub(crate) fn add_alias(&mut self, real: &str, wanted: String) {
        if real != wanted {
            self.aliases
                .entry(real.to_string())
                .or_default()
                .push(wanted);
        }
    }

    /// Records the secrets found in the file at `path`, if any.
    pub(crate) fn add_secrets(&mut self, path: &str, hits: Vec<Hit>) {
        if !hits.is_empty() {
            self.scan.secrets.push(SecretFile {
                path: path.to_string(),
                hits,
            });
        }
    }

    pub(crate) fn add_link(&mut self, path: String, link: Link) {
        self.files.remove(&path);
        self.scan.links.insert(path, link);
    }

    /// An entry that is neither a link nor a wanted file: it replaces
    /// whatever lower layers had at `path`.
    fn add_other(&mut self, path: &str) {
        self.files.remove(path);
        self.scan.links.remove(path);
        self.scan.others.insert(path_hash(path));
    }

    /// Runs the analyzers of `scope` over the wanted files and drops their
    /// bytes: the scan keeps only what was found.
    pub fn analyze(self, scope: Scope) -> LayerScan {
        let LayerFiles {
            mut scan,
            files,
            aliases,
        } = self;
        scan.read_bytes = files.values().map(|c| c.len() as u64).sum();
        analyze_files(files, &aliases, scope, &mut scan);
        scan
    }
}

fn path_hash(path: &str) -> u64 {
    let mut h = DefaultHasher::new();
    path.hash(&mut h);
    h.finish()
}

/// Why a layer could not be read. The caller names the layer.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// Never the tar crate's own message, which quotes the bytes it could
    /// not parse (see [`tar_problem`]).
    #[error("{}", tar_problem(.0))]
    Read(#[from] io::Error),
    #[error(
        "the image's package databases take more than {} MiB across its layers; refusing to hold more",
        limit >> 20
    )]
    TooMuchHeld { limit: u64 },
    #[error("content digest is {actual}, expected {expected} (corrupt or truncated layer)")]
    DigestMismatch { expected: String, actual: String },
}

/// Reads one layer tar stream (gzip, zstd or uncompressed, detected by magic
/// bytes) keeping only what `wants` asks for, analysed as image content. When `expected_diff_id` is
/// given, the uncompressed stream's digest must match it: this is what
/// catches a truncated layer even when the cut falls on an entry boundary.
/// The wanted files kept count against `held`, the image's total.
pub fn scan_layer(
    reader: impl Read,
    wants: &Wants,
    expected_diff_id: Option<&str>,
    held: &HeldBytes,
) -> Result<LayerScan, LayerError> {
    let mut hashing = HashingReader::new(decompress(reader)?);
    let mut layer = LayerFiles::default();
    let mut guarded = ExtensionGuard::new(&mut hashing);
    {
        let mut archive = tar::Archive::new(&mut guarded);
        for entry in archive.entries()? {
            read_entry(&mut entry?, wants, &mut layer, held)?;
        }
    }
    // The diff ID covers the trailing zero blocks too.
    io::copy(&mut guarded, &mut io::sink())?;
    let actual = format!("sha256:{:x}", hashing.hasher.finalize());
    if let Some(expected) = expected_diff_id {
        if actual != expected {
            return Err(LayerError::DigestMismatch {
                expected: expected.to_string(),
                actual,
            });
        }
    }
    let mut scan = layer.analyze(Scope::Images);
    scan.diff_id = Some(actual);
    Ok(scan)
}

fn read_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    wants: &Wants,
    layer: &mut LayerFiles,
    held: &HeldBytes,
) -> Result<(), LayerError> {
    let raw = entry.path_bytes();
    let Some(path) = normalize(&raw) else {
        // `./`, the layer's root directory, is in most layers: nothing to
        // say about it.
        if !names_the_root(&raw) {
            tracing::warn!(
                entry = %String::from_utf8_lossy(&raw),
                "skipping layer entry with an absolute path or '..'"
            );
        }
        return Ok(());
    };
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path.as_str()),
    };
    if let Some(hidden) = name.strip_prefix(".wh.") {
        if hidden == ".wh..opq" {
            layer.scan.opaque_dirs.push(dir.to_string());
        } else {
            layer.scan.whiteouts.push(join(dir, hidden));
        }
        return Ok(());
    }
    let header = entry.header();
    let kind = header.entry_type();
    if kind.is_symlink() || kind.is_hard_link() {
        let Some(target) = entry.link_name_bytes() else {
            return Ok(());
        };
        let target = String::from_utf8_lossy(&target).into_owned();
        let link = if kind.is_symlink() {
            Link::Symbolic(target)
        } else {
            match normalize(target.as_bytes()) {
                Some(t) => Link::Hard(t),
                None => return Ok(()),
            }
        };
        layer.add_link(path, link);
        return Ok(());
    }
    let regular = kind.is_file() || kind == tar::EntryType::Continuous;
    let size = header.size()?;
    let executable = header.mode().is_ok_and(|m| m & 0o111 != 0);
    if regular && wants.matches(&path) {
        if size > MAX_FILE_SIZE {
            tracing::warn!(
                path,
                size,
                limit = MAX_FILE_SIZE,
                "skipping file larger than the size limit"
            );
        } else {
            held.take(size)?;
            // Exactly the size counted against the budget: growing by
            // doubling would hold up to twice as much at the peak.
            let mut content = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut content)?;
            if let Some(engine) = wants.secrets() {
                if engine.wants(&path)
                    && sniff::worth_reading(&path, size)
                    && !sniff::is_binary(sniff::head(&content))
                {
                    layer.add_secrets(&path, engine.scan(&path, &content));
                }
            }
            layer.add_file(path, content);
            return Ok(());
        }
    } else if regular {
        let binaries = wants.executables() && executable;
        let secrets = wants
            .secrets()
            .filter(|e| e.wants(&path) && sniff::worth_reading(&path, size));
        if binaries || secrets.is_some() {
            read_other(entry, &path, size, binaries, secrets, layer)?;
        }
    }
    layer.add_other(&path);
    Ok(())
}

/// Reads a file no analyzer keeps: an executable goes through the binary
/// analyzers as a stream (their result is kept, never the file); a text
/// file goes through the secret scanner (`secrets`) and is dropped. Both
/// are told apart by the file's first bytes, read once. Its path still
/// counts as replacing lower layers' entries.
fn read_other<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    path: &str,
    size: u64,
    binaries: bool,
    secrets: Option<&crate::secret::Engine>,
    layer: &mut LayerFiles,
) -> Result<(), LayerError> {
    let mut head = Vec::with_capacity(sniff::SNIFF_BYTES as usize);
    entry
        .by_ref()
        .take(sniff::SNIFF_BYTES)
        .read_to_end(&mut head)?;
    if binaries && is_executable_format(&head) {
        let mut whole = io::Cursor::new(head).chain(entry);
        match analyze_binary(&mut whole)? {
            Ok(Some(found)) => {
                layer.scan.binaries.insert(path.to_string(), found);
            }
            Ok(None) => {}
            Err(why) => tracing::warn!("skipping {path}: {why}"),
        }
        return Ok(());
    }
    if let Some(engine) = secrets.filter(|_| !sniff::is_binary(&head)) {
        let mut content = head;
        content.reserve_exact((size as usize).saturating_sub(content.len()));
        entry
            .take(sniff::MAX_SCANNED_SIZE)
            .read_to_end(&mut content)?;
        layer.add_secrets(path, engine.scan(path, &content));
    }
    Ok(())
}

/// Turns a tar entry name into a path relative to the image root, or `None`
/// for names that would escape it (absolute, or with a `..` component).
pub(crate) fn normalize(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    if s.starts_with('/') {
        return None;
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether a tar path is the archive's root itself (`.`, `./`).
fn names_the_root(raw: &[u8]) -> bool {
    raw.split(|b| *b == b'/')
        .all(|part| part.is_empty() || part == b".")
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Wraps `reader` in the decompressor its first bytes call for.
fn decompress<'a>(reader: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let head = buffered.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::GzDecoder::new(buffered))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?)
    } else {
        Box::new(buffered)
    })
}

/// Digests everything read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
        }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_relative_paths_and_rejects_escapes() {
        assert_eq!(
            normalize(b"./etc/os-release").as_deref(),
            Some("etc/os-release")
        );
        assert_eq!(normalize(b"var/lib/dpkg/").as_deref(), Some("var/lib/dpkg"));
        assert_eq!(normalize(b"a//b/./c").as_deref(), Some("a/b/c"));
        assert_eq!(normalize(b"/etc/passwd"), None);
        assert_eq!(normalize(b"../evil"), None);
        assert_eq!(normalize(b"a/../../evil"), None);
        assert_eq!(normalize(b"./"), None);
        assert!(names_the_root(b"./") && names_the_root(b"."));
        assert!(!names_the_root(b"/etc") && !names_the_root(b"../x"));
    }
}
