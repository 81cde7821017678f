//! Streaming one layer tar: decompress by magic bytes, verify its digest,
//! and report each entry to the caller. This module owns the tar format
//! (whiteouts, links, path normalisation, the digest); what is kept of a
//! file is the caller's decision, made through [`EntryVisitor`]. The
//! inventory's per-layer scan (`inventory::layer`) is that caller, so the
//! image layer knows nothing of analyzers or secrets: data flows from
//! `image` up to `inventory`, never back.

use super::tar_guard::{tar_problem, ExtensionGuard};
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
/// rewriting a large database multiplies the per-file limit by its layer
/// count.
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

/// The shape of one layer's tree that stacking needs: its links,
/// whiteouts, and the paths it replaces with entries nobody kept. What a
/// caller keeps of the layer's files lives beside it (see [`Stacked`]).
///
/// [`Stacked`]: super::view::Stacked
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LayerTree {
    /// Every symlink and hardlink, so paths can be resolved through them.
    pub links: BTreeMap<String, Link>,
    /// Paths deleted from lower layers (`.wh.NAME`).
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer contents are hidden (`.wh..wh..opq`).
    pub opaque_dirs: Vec<String>,
    /// Hashes of every other entry's path: an upper layer that puts a
    /// directory or file where a lower layer had a link replaces that link.
    others: HashSet<u64>,
}

impl LayerTree {
    /// Whether [`LayerTree::replaces`] is false for every path.
    pub fn replaces_nothing(&self) -> bool {
        self.others.is_empty()
    }

    /// Whether this layer has an entry at `path` that is neither a link nor
    /// a kept file (i.e. it replaces whatever lower layers had there).
    pub fn replaces(&self, path: &str) -> bool {
        self.others.contains(&path_hash(path))
    }

    /// Records an entry at `path` that is neither a link nor a kept file.
    pub fn add_other(&mut self, path: &str) {
        self.links.remove(path);
        self.others.insert(path_hash(path));
    }
}

/// A regular file of a layer, offered to an [`EntryVisitor`].
pub struct RegularFile<'a> {
    /// Relative to the image root, `/`-separated.
    pub path: &'a str,
    /// The size the tar header gives.
    pub size: u64,
    /// Any execute bit set.
    pub executable: bool,
    /// The file's bytes, streamed from the layer: read what is needed.
    pub content: &'a mut dyn Read,
}

/// What the caller of [`walk_layer`] does with the layer's entries. The
/// walk records links, whiteouts and replaced paths in the [`LayerTree`]
/// itself; the visitor sees the regular files.
pub trait EntryVisitor {
    /// A regular file. `Ok(true)` when the visitor keeps it (its path then
    /// holds one of the visitor's files); `Ok(false)` when it does not,
    /// and the path counts as replaced by an entry nobody kept.
    fn regular(&mut self, file: RegularFile<'_>) -> Result<bool, LayerError>;
    /// A later entry of the same layer (a link, a directory, a file not
    /// kept) took `path`: forget any file kept there.
    fn displaced(&mut self, path: &str);
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

/// Reads one layer tar stream (gzip, zstd or uncompressed, detected by
/// magic bytes), recording its links and whiteouts in `tree` and offering
/// each regular file to `visitor`. When `expected_diff_id` is given, the
/// uncompressed stream's digest must match it: this is what catches a
/// truncated layer even when the cut falls on an entry boundary. Returns
/// the stream's diff ID (`sha256:<hex>`).
pub fn walk_layer(
    reader: impl Read,
    expected_diff_id: Option<&str>,
    tree: &mut LayerTree,
    visitor: &mut impl EntryVisitor,
) -> Result<String, LayerError> {
    let mut hashing = HashingReader::new(decompress(reader)?);
    let mut guarded = ExtensionGuard::new(&mut hashing);
    {
        let mut archive = tar::Archive::new(&mut guarded);
        for entry in archive.entries()? {
            read_entry(&mut entry?, tree, visitor)?;
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
    Ok(actual)
}

fn read_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    tree: &mut LayerTree,
    visitor: &mut impl EntryVisitor,
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
            tree.opaque_dirs.push(dir.to_string());
        } else {
            tree.whiteouts.push(join(dir, hidden));
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
        visitor.displaced(&path);
        tree.links.insert(path, link);
        return Ok(());
    }
    if kind.is_file() || kind == tar::EntryType::Continuous {
        let size = header.size()?;
        let executable = header.mode().is_ok_and(|m| m & 0o111 != 0);
        let kept = visitor.regular(RegularFile {
            path: &path,
            size,
            executable,
            content: entry,
        })?;
        if kept {
            tree.links.remove(&path);
            return Ok(());
        }
    }
    visitor.displaced(&path);
    tree.add_other(&path);
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
