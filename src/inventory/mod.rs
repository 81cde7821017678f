//! Inventory: turns the files of an image (or a root filesystem) into the
//! packages installed in it, remembering where each one was found.
//!
//! The seam is [`PackageAnalyzer`]: each package-database format is one file
//! in this folder plus one line in [`ANALYZERS`]. An analyzer declares the
//! paths it wants ([`Want`]) so that the layer walk reads nothing else, and
//! parses one file at a time.

pub mod apk;
mod collect;
pub mod dpkg;
pub mod os;
pub mod purl;
pub mod rpm;
mod skips;

pub use collect::{inventory, FoundPackage, Inventory, PackageDbReport};

use serde::{Deserialize, Serialize};

/// A path pattern an analyzer wants read. Paths are relative to the image
/// root, without a leading slash (`var/lib/dpkg/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Exactly this file. Symlinks on the way are resolved inside the image,
    /// to a file that some analyzer wants too (a layer is read once, keeping
    /// only wanted files, so list every real location, as `os.rs` does).
    File(&'static str),
    /// Every regular file directly inside this directory.
    DirEntries(&'static str),
}

impl Want {
    /// Whether a (normalised, relative) path is wanted by this pattern.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Want::File(p) => path == *p,
            Want::DirEntries(dir) => path
                .strip_prefix(dir)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| !name.is_empty() && !name.contains('/')),
        }
    }
}

/// The package managers scangate reads. Decides purl type and, later, the
/// version comparator used for matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageFormat {
    Apk,
    Deb,
    Rpm,
}

/// One installed package as its package manager records it (read back
/// from a JSON report for a baseline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    /// The full version exactly as the package manager prints it:
    /// dpkg `[epoch:]upstream[-revision]`, rpm `[epoch:]version-release`,
    /// apk `version-rN`. Vulnerability matching compares this string with
    /// the ecosystem's own rules.
    pub version: String,
    /// The source package this binary was built from. OSV's Debian, Ubuntu
    /// and Alpine advisories name source packages, so matching needs it.
    pub source_name: String,
    pub source_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// rpm only: the module stream a package came from (`nodejs:18:...`);
    /// advisories for modular packages apply per stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modularity_label: Option<String>,
}

impl Package {
    /// Identity used to decide whether two package-DB snapshots hold the
    /// same install of a package (for the layer that introduced it). A key
    /// rather than a comparison, so snapshots are matched through a hash
    /// set, not pairwise.
    pub(crate) fn install_key(&self) -> (&str, &str, Option<&str>) {
        (&self.name, &self.version, self.arch.as_deref())
    }
}

/// Parses one package-database format.
pub trait PackageAnalyzer: Sync {
    /// Which format this analyzer reads.
    fn format(&self) -> PackageFormat;
    /// Paths this analyzer reads. Only these are collected from layers.
    fn wants(&self) -> &'static [Want];
    /// Bumped whenever parsing changes, so cached layer results are
    /// invalidated (the layer cache keys on analyzer versions).
    fn version(&self) -> u32;
    /// Parses one file's content. A malformed entry is skipped with a
    /// warning naming `path`; only an unreadable file as a whole is an error.
    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError>;
}

/// A package database that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

impl ParseError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        ParseError {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Every package analyzer scangate runs. Adding a format = one file + one line.
pub static ANALYZERS: &[&dyn PackageAnalyzer] =
    &[&apk::ApkAnalyzer, &dpkg::DpkgAnalyzer, &rpm::RpmAnalyzer];

/// Files larger than this are skipped with a warning instead of being read
/// into memory. The largest real package database seen (an RHEL rpm
/// `Packages` BerkeleyDB) is well under 200 MiB.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// Everything the layer walk must collect: every analyzer's wants plus the
/// OS identification files.
pub fn all_wants() -> Vec<Want> {
    let mut wants: Vec<Want> = os::WANTS.to_vec();
    for a in ANALYZERS {
        wants.extend_from_slice(a.wants());
    }
    wants
}
