//! Reports: one file per format, each formatting the finished scan result
//! without re-deriving anything.

pub mod db_info;
pub mod json;
pub mod table;

use crate::inventory::Inventory;
use crate::matching::DbFindings;
use crate::source::Artifact;
use std::io::{self, Write};

/// The finished scan, as every reporter receives it.
pub struct ScanResult {
    pub artifact: Artifact,
    pub inventory: Inventory,
    /// Per package database (same order as `inventory.package_dbs`), when
    /// the vulnerability scanner ran.
    pub vulnerabilities: Option<Vec<DbFindings>>,
}

/// What a report includes beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// List every package (`--list-packages`).
    pub list_packages: bool,
}

/// Output formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON report (see README: "JSON report").
    Json,
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
        Format::Json => json::write(result, options, out),
    }
}
