//! One finding type for every scanner: vulnerable packages today,
//! misconfigurations and secrets later. Policy (severity filter, ignore
//! files, VEX, baseline, gate) and every report handle all kinds through
//! this one type, so a new scanner needs no special case downstream.

use super::severity::Severity;
use serde::Serialize;

/// What sort of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Vulnerability,
    Misconfiguration,
    Secret,
}

impl Kind {
    /// The section of a `.trivyignore.yaml` that lists this kind.
    pub fn ignore_section(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerabilities",
            Kind::Misconfiguration => "misconfigurations",
            Kind::Secret => "secrets",
        }
    }
}

/// Whether a fix exists for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A fixed version exists: upgrading the package removes the finding.
    Fixed,
    /// No fixed version is known yet.
    Affected,
}

/// Which target of the scan a finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetRef {
    /// Index into `Inventory::package_dbs`.
    PackageDb(usize),
    /// Index into `ScanResult::config_files`.
    ConfigFile(usize),
}

/// Where a finding is, as precisely as the scanner knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A package recorded in a package database, lockfile or metadata
    /// file (`db_path`) of the scanned image or tree; `layer` is the index
    /// of the image layer that brought it, `line` the line of the file
    /// that declares it (lockfiles).
    Package {
        db_path: String,
        layer: Option<usize>,
        line: Option<u32>,
    },
    /// Lines of a file in the scanned tree (1-based, inclusive).
    Lines {
        path: String,
        start_line: u32,
        end_line: u32,
    },
}

impl Location {
    /// The file the location is in (a package database or a config file).
    pub fn path(&self) -> &str {
        match self {
            Location::Package { db_path, .. } => db_path,
            Location::Lines { path, .. } => path,
        }
    }
}

/// One problem found, whatever scanner found it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The id users see and ignore by: a CVE (or OSV) id for a
    /// vulnerability, a rule id for a misconfiguration.
    pub id: String,
    /// Every other id the problem is known by (GHSA/DSA ids, Trivy's rule
    /// ids), sorted; ignore files and VEX match these too.
    pub aliases: Vec<String>,
    pub severity: Severity,
    /// CVSS base score, when the advisory has a vector.
    pub score: Option<f64>,
    /// One line saying what is wrong.
    pub title: String,
    /// Advisory or documentation URLs, most relevant first.
    pub references: Vec<String>,
    pub target: TargetRef,
    pub location: Location,
    /// Same problem in the same place → same fingerprint, across runs,
    /// machines and unrelated edits (never a line number alone, never an
    /// installed version): the key for baselines and code-scanning alerts.
    pub fingerprint: String,
    pub detail: Detail,
}

/// What only one kind of finding has.
#[derive(Debug, Clone)]
pub enum Detail {
    Vulnerability(PackageVulnerability),
    Misconfiguration(Misconfiguration),
}

/// A vulnerable installed package.
#[derive(Debug, Clone)]
pub struct PackageVulnerability {
    /// Index of the package in its database's `packages`.
    pub package: usize,
    pub package_name: String,
    pub purl: String,
    /// The version compared: the source version for dpkg and apk, the
    /// package version for rpm.
    pub installed_version: String,
    pub fixed_version: Option<String>,
    pub status: Status,
}

/// A rule that a config file breaks.
#[derive(Debug, Clone)]
pub struct Misconfiguration {
    /// What exactly is wrong here (the rule's title says what is wrong in
    /// general).
    pub message: String,
    /// How to fix it.
    pub resolution: String,
    /// The offending lines as written.
    pub snippet: String,
}

impl Finding {
    pub fn kind(&self) -> Kind {
        match self.detail {
            Detail::Vulnerability(_) => Kind::Vulnerability,
            Detail::Misconfiguration(_) => Kind::Misconfiguration,
        }
    }

    /// The vulnerable package, for a vulnerability.
    pub fn package(&self) -> Option<&PackageVulnerability> {
        match &self.detail {
            Detail::Vulnerability(p) => Some(p),
            Detail::Misconfiguration(_) => None,
        }
    }

    /// Whether the finding has a known fix (a fixed version; a
    /// misconfiguration can always be fixed by editing the file).
    pub fn has_fix(&self) -> bool {
        match &self.detail {
            Detail::Vulnerability(p) => p.status == Status::Fixed,
            Detail::Misconfiguration(_) => true,
        }
    }

    /// The id followed by its aliases: what ignore rules are matched against.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A stable fingerprint from parts that identify a finding: hex of SHA-256
/// over the NUL-separated parts, shortened to 32 characters.
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())[..32].to_string()
}
