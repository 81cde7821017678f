//! Reports: one file per format, each formatting the finished scan result
//! without re-deriving anything (severity, fix, fingerprint and state were
//! decided by matching and policy).

pub mod db_info;
pub mod json;
pub mod table;

use crate::config::ConfigFile;
use crate::finding::{Finding, TargetRef};
use crate::inventory::{FoundPackage, Inventory, PackageDbReport};
use crate::policy::{Outcome, Reported};
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
    /// Whether vulnerabilities were looked for (`--scanners vuln`): a report
    /// must not say "no vulnerabilities" when none were searched.
    pub vulnerabilities_scanned: bool,
    /// Findings after policy, the ignored ones, the baseline comparison and
    /// the gate.
    pub outcome: Outcome,
}

impl ScanResult {
    /// The package database a finding's target points at.
    pub fn package_db(&self, finding: &Finding) -> Option<&PackageDbReport> {
        match finding.target {
            TargetRef::PackageDb(i) => self.inventory.package_dbs.get(i),
            TargetRef::ConfigFile(_) => None,
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

    /// The diff ID of the layer at `index`.
    pub fn layer_diff_id(&self, index: Option<usize>) -> Option<&str> {
        self.artifact.layers.get(index?).map(|l| l.diff_id.as_str())
    }
}

/// What a report includes beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// List every package (`--list-packages`).
    pub list_packages: bool,
}

/// Output formats (`--format`, `--report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON report (see README: "JSON report").
    Json,
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
    }
}
