//! Reports: one file per format, each formatting the finished scan result
//! without re-deriving anything (severity, fix, fingerprint and state were
//! decided by matching and policy).

pub mod cyclonedx;
pub mod db_info;
pub mod gitlab;
pub mod gitlab_codequality;
pub mod gitlab_sast;
pub mod gitlab_secrets;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;
#[cfg(test)]
mod testdata;

use crate::config::ConfigFile;
use crate::finding::{Finding, TargetRef};
use crate::image::dockerfile_map::ImageDockerfile;
use crate::inventory::{FoundPackage, Inventory, PackageSet};
use crate::policy::{Outcome, Reported};
use crate::secret::SecretTarget;
use crate::source::Artifact;
use std::io::{self, Write};
use std::path::PathBuf;

/// The finished scan, as every reporter receives it.
pub struct ScanResult {
    pub artifact: Artifact,
    pub inventory: Inventory,
    /// Config files checked for misconfigurations (targets of
    /// `TargetRef::ConfigFile`).
    pub config_files: Vec<ConfigFile>,
    /// Files with secrets, per layer in an image (targets of
    /// `TargetRef::SecretFile`).
    pub secret_files: Vec<SecretTarget>,
    /// Whether vulnerabilities were looked for (`--scanners vuln`): a report
    /// must not say "no vulnerabilities" when none were searched.
    pub vulnerabilities_scanned: bool,
    /// Whether secrets were looked for (`--scanners secret`): their
    /// findings then form a SARIF run (category) of their own.
    pub secrets_scanned: bool,
    /// Whether the config checks ran: their findings then form a SARIF
    /// run (category) of their own, so an image scan and a repository
    /// scan never close each other's alerts.
    pub config_scanned: bool,
    /// Findings after policy, the ignored ones, the baseline comparison and
    /// the gate.
    pub outcome: Outcome,
    /// The Dockerfile the image was built from and the lines each layer
    /// came from, computed once for every report that shows locations.
    pub dockerfile: Option<ImageDockerfile>,
    /// The images a manifest tree deploys (`scangate manifests`), each
    /// owning a range of `inventory.package_dbs`; empty otherwise.
    pub images: Vec<DeployedImage>,
}

/// An image pulled because manifests deploy it: its vulnerabilities sit
/// on the manifest lines naming it, and reports add which image it is.
#[derive(Debug, Clone)]
pub struct DeployedImage {
    /// As pulled: `ghcr.io/org/app:1.4`, `docker.io/library/nginx:1.25`.
    pub reference: String,
    /// The digest the reference resolved to (the manifest or index a
    /// deployment would pin).
    pub digest: String,
    /// Its package sets: indexes into `inventory.package_dbs`.
    pub package_dbs: std::ops::Range<usize>,
}

impl DeployedImage {
    /// The reference pinned to what was scanned: `REF@DIGEST` (the
    /// reference alone when it already names its digest).
    pub fn pinned(&self) -> String {
        if self.reference.contains('@') {
            self.reference.clone()
        } else {
            format!("{}@{}", self.reference, self.digest)
        }
    }
}

impl ScanResult {
    /// The package database a finding's target points at.
    pub fn package_db(&self, finding: &Finding) -> Option<&PackageSet> {
        match finding.target {
            TargetRef::PackageDb(i) => self.inventory.package_dbs.get(i),
            TargetRef::ConfigFile(_) | TargetRef::SecretFile(_) => None,
        }
    }

    /// The deployed image a vulnerability was found in (`scangate
    /// manifests`).
    pub fn image_of(&self, finding: &Finding) -> Option<&DeployedImage> {
        match finding.target {
            TargetRef::PackageDb(i) => self.images.iter().find(|im| im.package_dbs.contains(&i)),
            TargetRef::ConfigFile(_) | TargetRef::SecretFile(_) => None,
        }
    }

    /// The installed package a vulnerability is about.
    pub fn found_package(&self, finding: &Finding) -> Option<&FoundPackage> {
        let db = self.package_db(finding)?;
        db.packages.get(finding.package()?.package)
    }

    /// The reported findings of each config file, indexed like
    /// `config_files` (one pass, so a tree with thousands of config files
    /// does not cost files × findings).
    pub fn findings_by_config_file(&self) -> Vec<Vec<&Reported>> {
        let mut by_file = vec![Vec::new(); self.config_files.len()];
        for r in &self.outcome.findings {
            if let TargetRef::ConfigFile(i) = r.finding.target {
                if let Some(file) = by_file.get_mut(i) {
                    file.push(r);
                }
            }
        }
        by_file
    }

    /// The reported findings of each file with secrets, indexed like
    /// `secret_files`.
    pub fn findings_by_secret_file(&self) -> Vec<Vec<&Reported>> {
        let mut by_file = vec![Vec::new(); self.secret_files.len()];
        for r in &self.outcome.findings {
            if let TargetRef::SecretFile(i) = r.finding.target {
                if let Some(file) = by_file.get_mut(i) {
                    file.push(r);
                }
            }
        }
        by_file
    }

    /// The diff ID of the layer at `index`.
    pub fn layer_diff_id(&self, index: Option<usize>) -> Option<&str> {
        self.artifact.layers.get(index?).map(|l| l.diff_id.as_str())
    }

    /// The build step that made the layer at `index` (`COPY id_rsa /root/.ssh/`).
    pub fn layer_created_by(&self, index: Option<usize>) -> Option<&str> {
        let step = self.artifact.layers.get(index?)?.created_by.as_deref()?;
        Some(step.trim()).filter(|s| !s.is_empty())
    }

    /// The layer's diff ID shortened the way Docker shows image IDs (12 hex
    /// characters after `sha256:`), for human-readable reports.
    pub fn short_layer_id(&self, index: Option<usize>) -> Option<&str> {
        let hex = self.layer_diff_id(index)?;
        let hex = hex.strip_prefix("sha256:").unwrap_or(hex);
        Some(hex.get(..SHORT_ID).unwrap_or(hex))
    }
}

/// Characters of a layer's diff ID shown in human-readable reports.
const SHORT_ID: usize = 12;

/// Where a reader can read about a finding: its first `http(s)` reference,
/// else, for a vulnerability, its OSV page. Reports turn this into a link,
/// so other schemes are never returned.
pub fn advisory_url(finding: &Finding) -> Option<String> {
    let reference = finding
        .references
        .iter()
        .find(|r| r.starts_with("https://") || r.starts_with("http://"))
        .cloned();
    reference.or_else(|| {
        (finding.kind() == crate::finding::Kind::Vulnerability)
            .then(|| format!("https://osv.dev/vulnerability/{}", finding.id))
    })
}

/// A UUID-shaped identifier (version 4 layout) derived from a hash of
/// `parts`, so that a report's ids are stable for the same input: GitLab
/// wants UUIDs for vulnerability ids, CycloneDX for its serial number.
pub fn uuid_from(parts: &[&str]) -> String {
    let hex = crate::finding::fingerprint(parts);
    let mut bytes: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect();
    bytes.resize(16, 0);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// What a report includes beyond the defaults, and the facts about the run
/// that are not part of the scan result.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions<'a> {
    /// List every package (`--list-packages`).
    pub list_packages: bool,
    /// Colour the table with ANSI codes: only when it goes to a terminal and
    /// `NO_COLOR` is unset (the caller decides, per output).
    pub color: bool,
    /// When the scan started and when it finished, in seconds since the Unix
    /// epoch: GitLab's report and the SBOM carry them. Injected rather than
    /// read here, so reports are reproducible in tests.
    pub started_at: i64,
    pub finished_at: i64,
    /// SARIF analysis category (`--category`).
    pub category: Option<&'a str>,
}

/// Output formats (`--format`, `--report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON report (see README: "JSON report").
    Json,
    /// A pull-request comment or job summary body.
    Markdown,
    /// GitLab's container-scanning security report.
    Gitlab,
    /// GitLab's code-quality report (a Code Climate subset).
    GitlabCodequality,
    /// GitLab's secret-detection report (`gl-secret-detection-report.json`).
    GitlabSecretDetection,
    /// GitLab's dependency-scanning security report: a repository's
    /// lockfile findings, each on its file.
    GitlabDependencyScanning,
    /// GitLab's SAST security report, for misconfigurations.
    GitlabSast,
    /// A CycloneDX 1.6 JSON SBOM, with vulnerabilities when scanned.
    Cyclonedx,
    /// SARIF 2.1.0 for GitHub code scanning (see README: "SARIF report").
    Sarif,
}

/// One report to write: `--report FORMAT[=PATH]`, or `--format`/`--output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub format: Format,
    /// `None` writes to stdout.
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for ReportSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        use clap::ValueEnum;
        let (name, path) = match s.split_once('=') {
            Some((name, path)) if !path.is_empty() => (name, Some(PathBuf::from(path))),
            Some((name, _)) => (name, None),
            None => (s, None),
        };
        let format = Format::from_str(name, true).map_err(|_| {
            let known: Vec<String> = Format::value_variants()
                .iter()
                .filter_map(|f| f.to_possible_value())
                .map(|v| v.get_name().to_string())
                .collect();
            format!(
                "unknown report format {name:?} (known: {})",
                known.join(", ")
            )
        })?;
        Ok(ReportSpec { format, path })
    }
}

/// Writes `result` in `format`.
pub fn write(
    format: Format,
    result: &ScanResult,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(result, options, out),
        Format::Json => json::write(result, out),
        Format::Markdown => out
            .write_all(markdown::render(result, &markdown::MarkdownOptions::default()).as_bytes()),
        Format::Gitlab => gitlab::write(gitlab::Kind::Container, result, options, out),
        Format::GitlabDependencyScanning => {
            gitlab::write(gitlab::Kind::Dependency, result, options, out)
        }
        Format::GitlabCodequality => gitlab_codequality::write(result, out),
        Format::GitlabSast => gitlab_sast::write(result, options, out),
        Format::GitlabSecretDetection => gitlab_secrets::write(result, options, out),
        Format::Cyclonedx => cyclonedx::write(result, options, out),
        Format::Sarif => sarif::write(result, options, out),
    }
}
