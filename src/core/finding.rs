//! One finding type for every scanner: vulnerable packages,
//! misconfigurations and secrets. Policy (severity filter, ignore
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

/// Whether a fix exists for a finding, and when there is none, what the
/// distribution says it will do about it. The names are Trivy's
/// (`dbTypes.Status`), so `--ignore-status` lists and JSON consumers carry
/// over; OSV records only ever give `fixed` or `affected`, the finer states
/// come from the vendors' own trackers (Debian's security tracker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A fixed version exists: upgrading the package removes the finding.
    Fixed,
    /// No fixed version is known yet.
    Affected,
    /// The distribution decided not to fix it in this release (Debian's
    /// `no-dsa` and `ignored`).
    WillNotFix,
    /// A fix is planned for a later update (Debian's `postponed`).
    FixDeferred,
    /// The release is out of support for this package: no fix will come.
    EndOfLife,
    /// The vendor is still assessing it.
    UnderInvestigation,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Fixed,
        Status::Affected,
        Status::WillNotFix,
        Status::FixDeferred,
        Status::EndOfLife,
        Status::UnderInvestigation,
    ];

    /// The name reports and `--ignore-status` use (Trivy's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fixed => "fixed",
            Status::Affected => "affected",
            Status::WillNotFix => "will_not_fix",
            Status::FixDeferred => "fix_deferred",
            Status::EndOfLife => "end_of_life",
            Status::UnderInvestigation => "under_investigation",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    /// Trivy's names, case-insensitively.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status {s:?}: expected one of {}", names.join(", "))
            })
    }
}

/// Which target of the scan a finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetRef {
    /// Index into `Inventory::package_dbs`.
    PackageDb(usize),
    /// Index into `ScanResult::config_files`.
    ConfigFile(usize),
    /// Index into `ScanResult::secret_files`.
    SecretFile(usize),
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
    Secret(SecretDetail),
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
    /// Where the severity came from, and what is known of exploitation.
    pub scoring: Scoring,
}

/// What NVD, CISA and FIRST add to an advisory: where the finding's
/// severity came from, whether the CVE is known to be exploited, and how
/// likely exploitation is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scoring {
    /// `None` when no source rated it (the severity is UNKNOWN).
    pub severity_source: Option<SeveritySource>,
    /// In CISA's Known Exploited Vulnerabilities catalog.
    pub kev: Option<Kev>,
    /// FIRST's Exploit Prediction Scoring System, the highest of the
    /// finding's CVEs.
    pub epss: Option<Epss>,
}

impl Scoring {
    /// `KEV 2021-12-10, EPSS 0.94 (99th)`: what reports show of
    /// exploitation; `None` when nothing is known.
    pub fn exploitation(&self) -> Option<String> {
        let kev = self.kev.as_ref().map(|k| format!("KEV {}", k.date_added));
        let epss = self.epss.map(|e| {
            format!(
                "EPSS {:.2} ({:.0}th)",
                e.score,
                (e.percentile * 100.0).floor()
            )
        });
        let parts: Vec<String> = kev.into_iter().chain(epss).collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Who rated a finding's severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeveritySource {
    /// The advisory itself (the vendor or distribution): it wins.
    Advisory,
    /// NVD's record of the CVE: a metric of the NVD (`Primary`), or of the
    /// CVE's numbering authority (`Secondary`), named by its source.
    Nvd { metric: String },
}

/// An entry of CISA's KEV catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kev {
    /// The CVE listed.
    pub cve: String,
    /// When CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
}

/// An EPSS score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epss {
    /// Probability of exploitation in the next 30 days, 0–1.
    pub score: f64,
    /// Rank among all scored CVEs, 0–1.
    pub percentile: f64,
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

/// A secret found in a file. The secret itself is never kept: only what
/// reports may show of it.
#[derive(Debug, Clone)]
pub struct SecretDetail {
    /// The rule's category (`AWS`, `GitHub`, `AsymmetricPrivateKey`).
    pub category: String,
    /// A short prefix of the secret and a mask (`AKIA*****`).
    pub shown: String,
    /// The image layer that added the file; `None` in a tree.
    pub layer: Option<usize>,
    /// A later image layer deleted or replaced the file (it stays in the
    /// image's history).
    pub deleted_later: bool,
}

impl Finding {
    pub fn kind(&self) -> Kind {
        match self.detail {
            Detail::Vulnerability(_) => Kind::Vulnerability,
            Detail::Misconfiguration(_) => Kind::Misconfiguration,
            Detail::Secret(_) => Kind::Secret,
        }
    }

    /// The vulnerable package, for a vulnerability.
    pub fn package(&self) -> Option<&PackageVulnerability> {
        match &self.detail {
            Detail::Vulnerability(p) => Some(p),
            _ => None,
        }
    }

    /// The secret, for a secret finding.
    pub fn secret(&self) -> Option<&SecretDetail> {
        match &self.detail {
            Detail::Secret(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the finding has a known fix (a fixed version; a
    /// misconfiguration can always be fixed by editing the file, a secret
    /// by removing and rotating it).
    pub fn has_fix(&self) -> bool {
        match &self.detail {
            Detail::Vulnerability(p) => p.status == Status::Fixed,
            Detail::Misconfiguration(_) | Detail::Secret(_) => true,
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
