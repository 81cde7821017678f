//! One layer's scan: the image layer walk ([`walk_layer`]) streams the
//! tar, and this visitor keeps the wanted files, hands executables to the
//! binary analyzers and text to the secret scanner, then reduces the
//! wanted files to what the analyzers found in them (as Trivy's per-layer
//! analysis does): a [`LayerScan`] holds analysis results, never file
//! bytes, so it is what the layer cache stores.

use super::binary::{analyze as analyze_binary, is_executable_format, BinaryPackages};
use super::{analyze_files, FileAnalysis, Package, PackageFormat, Scope, Wants, MAX_FILE_SIZE};
use crate::image::layer::{walk_layer, EntryVisitor, HeldBytes, LayerError, RegularFile};
use crate::image::view::Stacked;
use crate::image::{LayerTree, Link};
use crate::secret::{sniff, Engine, Hit, LayerSecrets, SecretFile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Read};

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
    /// Links, whiteouts and replaced paths: how the layer stacks.
    pub tree: LayerTree,
    /// What each analyzer that wants a file of this layer made of it, by
    /// the file's path. A file with nothing in it is still listed: it
    /// replaces lower layers' versions.
    pub analyses: BTreeMap<String, Vec<FileAnalysis>>,
    /// The files OS detection reads (`etc/os-release`, release files: the
    /// OS analyzer's wants), as read: detection weighs several of them,
    /// from whichever layers hold their final versions. Each is at most
    /// [`MAX_OS_FILE`] bytes.
    pub os_files: BTreeMap<String, Vec<u8>>,
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
}

/// The largest OS identification file kept: real ones are a few hundred
/// bytes to a few KiB.
pub const MAX_OS_FILE: usize = 1 << 20;

impl LayerScan {
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
        format: PackageFormat,
    ) -> Option<&Result<Vec<Package>, String>> {
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

impl Stacked for LayerScan {
    fn tree(&self) -> &LayerTree {
        &self.tree
    }
    fn held_paths(&self) -> Box<dyn Iterator<Item = &String> + '_> {
        Box::new(self.wanted_paths())
    }
}

impl LayerSecrets for LayerScan {
    fn secrets(&self) -> &[SecretFile] {
        &self.secrets
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
        self.scan.tree.links.remove(&path);
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
        self.scan.tree.links.insert(path, link);
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
    let mut layer = LayerFiles::default();
    let mut tree = LayerTree::default();
    let diff_id = walk_layer(
        reader,
        expected_diff_id,
        &mut tree,
        &mut Keeper {
            wants,
            held,
            layer: &mut layer,
        },
    )?;
    // The walk kept the tree, the visitor the files: they meet here.
    layer.scan.tree = tree;
    let mut scan = layer.analyze(Scope::Images);
    scan.diff_id = Some(diff_id);
    Ok(scan)
}

/// The visitor of one layer walk: keeps wanted files, and streams the
/// others past the binary analyzers and the secret scanner.
struct Keeper<'a> {
    wants: &'a Wants,
    held: &'a HeldBytes,
    layer: &'a mut LayerFiles,
}

impl EntryVisitor for Keeper<'_> {
    fn regular(&mut self, file: RegularFile<'_>) -> Result<bool, LayerError> {
        let RegularFile {
            path,
            size,
            executable,
            content: entry,
        } = file;
        if self.wants.matches(path) {
            if size > MAX_FILE_SIZE {
                tracing::warn!(
                    path,
                    size,
                    limit = MAX_FILE_SIZE,
                    "skipping file larger than the size limit"
                );
                return Ok(false);
            }
            self.held.take(size)?;
            // Exactly the size counted against the budget: growing by
            // doubling would hold up to twice as much at the peak.
            let mut content = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut content)?;
            if let Some(engine) = self.wants.secrets() {
                if engine.wants(path)
                    && sniff::worth_reading(path, size)
                    && !sniff::is_binary(sniff::head(&content))
                {
                    self.layer.add_secrets(path, engine.scan(path, &content));
                }
            }
            self.layer.files.insert(path.to_string(), content);
            return Ok(true);
        }
        let binaries = self.wants.executables() && executable;
        let secrets = self
            .wants
            .secrets()
            .filter(|e| e.wants(path) && sniff::worth_reading(path, size));
        if binaries || secrets.is_some() {
            read_other(entry, path, size, binaries, secrets, self.layer)?;
        }
        Ok(false)
    }

    fn displaced(&mut self, path: &str) {
        self.layer.files.remove(path);
    }
}

/// Reads a file no analyzer keeps: an executable goes through the binary
/// analyzers as a stream (their result is kept, never the file); a text
/// file goes through the secret scanner (`secrets`) and is dropped. Both
/// are told apart by the file's first bytes, read once. Its path still
/// counts as replacing lower layers' entries.
fn read_other(
    entry: &mut dyn Read,
    path: &str,
    size: u64,
    binaries: bool,
    secrets: Option<&Engine>,
    layer: &mut LayerFiles,
) -> Result<(), LayerError> {
    let mut head = Vec::with_capacity(sniff::SNIFF_BYTES as usize);
    (&mut *entry)
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
