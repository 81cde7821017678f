//! The human report: one table per target, plain text (it must read well
//! in a CI log as much as on a terminal).

use super::{ReportOptions, ScanResult};
use std::io::{self, Write};

/// Characters of a layer's diff ID shown (after `sha256:`), like Docker's
/// short IDs.
const SHORT_ID: usize = 12;

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let name = super::json::target_name(result);
    if result.inventory.package_dbs.is_empty() {
        writeln!(out, "{name}: no OS packages found")?;
        return Ok(());
    }
    for db in &result.inventory.package_dbs {
        writeln!(out, "{name} — {} — {} packages", db.path, db.packages.len())?;
        if !options.list_packages {
            continue;
        }
        let short = |i: usize| {
            result
                .artifact
                .layers
                .get(i)
                .map(|l| {
                    let hex = l.diff_id.trim_start_matches("sha256:");
                    hex.get(..SHORT_ID).unwrap_or(hex).to_string()
                })
                .unwrap_or_else(|| "-".into())
        };
        let rows: Vec<[String; 4]> = db
            .packages
            .iter()
            .map(|p| {
                let source = if p.package.source_version == p.package.version {
                    p.package.source_name.clone()
                } else {
                    format!("{} {}", p.package.source_name, p.package.source_version)
                };
                [
                    p.package.name.clone(),
                    p.package.version.clone(),
                    source,
                    short(p.layer),
                ]
            })
            .collect();
        write_table(out, ["PACKAGE", "VERSION", "SOURCE", "LAYER"], &rows)?;
        writeln!(out)?;
    }
    Ok(())
}

fn write_table(out: &mut dyn Write, header: [&str; 4], rows: &[[String; 4]]) -> io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for row in rows {
        writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3]]))?;
    }
    Ok(())
}
