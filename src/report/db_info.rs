//! `scangate db info`: what the vulnerability database holds.

use crate::vulndb::time::format_unix;
use crate::vulndb::DbInfo;
use std::io::{self, Write};

/// Formats `db info` can print (the scan formats do not apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InfoFormat {
    Table,
    Json,
}

pub fn write(format: InfoFormat, info: &DbInfo, out: &mut dyn Write) -> io::Result<()> {
    match format {
        InfoFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, info)?;
            writeln!(out)
        }
        InfoFormat::Table => {
            writeln!(
                out,
                "database: {} (schema {})",
                info.path, info.schema_version
            )?;
            writeln!(
                out,
                "advisories: {} ({} withdrawn)",
                info.advisories, info.withdrawn
            )?;
            if let Some(t) = info.last_import {
                writeln!(out, "last import: {}", format_unix(t))?;
            }
            if let Some(m) = &info.newest_modified {
                writeln!(out, "newest advisory modified: {m}")?;
            }
            for s in &info.sources {
                let fetched = s
                    .fetched_at
                    .map(format_unix)
                    .unwrap_or_else(|| "never".into());
                writeln!(
                    out,
                    "source {}: fetched {fetched}, {} records",
                    s.source, s.records
                )?;
            }
            writeln!(
                out,
                "{:<30} {:>10} {:>10}",
                "ECOSYSTEM", "ADVISORIES", "PACKAGES"
            )?;
            for e in &info.ecosystems {
                writeln!(
                    out,
                    "{:<30} {:>10} {:>10}",
                    e.ecosystem, e.advisories, e.packages
                )?;
            }
            Ok(())
        }
    }
}
