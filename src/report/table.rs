//! The human report: per target, its vulnerabilities (worst first) and, on
//! request, its packages. Plain text: it must read as well in a CI log as
//! on a terminal.

use super::{ReportOptions, ScanResult};
use crate::finding::{Detail, Location, TargetRef};
use crate::matching::severity::Severity;
use std::io::{self, Write};

/// Characters of a layer's diff ID shown (after `sha256:`), like Docker's
/// short IDs.
const SHORT_ID: usize = 12;
/// Longest title shown in a table cell.
const TITLE_CHARS: usize = 60;

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let name = super::json::target_name(result);
    // `scangate config` looks for no packages: say nothing about them.
    let packages_looked_for = result.vulnerabilities_scanned || options.list_packages;
    if result.inventory.package_dbs.is_empty() && packages_looked_for {
        writeln!(out, "{name}: no OS packages found")?;
    }
    write_packages(result, options, &name, out)?;
    write_config(result, out)
}

/// A section per config file with findings, after one line counting the
/// files checked.
fn write_config(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let files = &result.config_files;
    if files.is_empty() {
        return Ok(());
    }
    let by_file = result.findings_by_config_file();
    let plural = if files.len() == 1 { "" } else { "s" };
    writeln!(
        out,
        "{} config file{plural} checked, {}",
        files.len(),
        summary(
            by_file.iter().flatten().map(|r| r.finding.severity),
            ("misconfiguration", "misconfigurations")
        )
    )?;
    for (file, found) in files.iter().zip(&by_file) {
        if found.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{} ({}) — {}",
            file.path,
            file.file_type.as_str(),
            summary(
                found.iter().map(|r| r.finding.severity),
                ("misconfiguration", "misconfigurations")
            )
        )?;
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|r| {
                let f = &r.finding;
                let lines = match &f.location {
                    Location::Lines {
                        start_line,
                        end_line,
                        ..
                    } if start_line != end_line => format!("{start_line}-{end_line}"),
                    Location::Lines { start_line, .. } => start_line.to_string(),
                    Location::Package { .. } => String::new(),
                };
                let message = match &f.detail {
                    Detail::Misconfiguration(m) => m.message.clone(),
                    Detail::Vulnerability(_) => f.title.clone(),
                };
                vec![lines, f.id.clone(), f.severity.to_string(), message]
            })
            .collect();
        write_table(out, &["LINE", "ID", "SEVERITY", "MESSAGE"], &rows)?;
    }
    Ok(())
}

/// A section per package database: its vulnerabilities and, on request,
/// its packages.
fn write_packages(
    result: &ScanResult,
    options: ReportOptions,
    name: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
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
    for (i, db) in result.inventory.package_dbs.iter().enumerate() {
        let found: Option<Vec<&crate::finding::Finding>> =
            result.vulnerabilities_scanned.then(|| {
                result
                    .outcome
                    .findings
                    .iter()
                    .map(|r| &r.finding)
                    .filter(|f| f.target == TargetRef::PackageDb(i))
                    .collect()
            });
        let count = db.packages.len();
        let plural = if count == 1 { "" } else { "s" };
        let mut heading = format!("{name} — {} — {count} package{plural}", db.path);
        if let Some(found) = &found {
            heading.push_str(&format!(
                ", {}",
                summary(
                    found.iter().map(|v| v.severity),
                    ("vulnerability", "vulnerabilities")
                )
            ));
        }
        writeln!(out, "{heading}")?;
        if let Some(found) = found.filter(|f| !f.is_empty()) {
            let rows: Vec<Vec<String>> = found
                .iter()
                .filter_map(|v| {
                    let p = v.package()?;
                    Some(vec![
                        p.package_name.clone(),
                        v.id.clone(),
                        v.severity.to_string(),
                        format!("{:?}", p.status).to_lowercase(),
                        p.installed_version.clone(),
                        p.fixed_version.clone().unwrap_or_default(),
                        v.title.chars().take(TITLE_CHARS).collect(),
                    ])
                })
                .collect();
            write_table(
                out,
                &[
                    "PACKAGE",
                    "VULNERABILITY",
                    "SEVERITY",
                    "STATUS",
                    "INSTALLED",
                    "FIXED",
                    "TITLE",
                ],
                &rows,
            )?;
            writeln!(out)?;
        }
        if options.list_packages {
            let rows: Vec<Vec<String>> = db
                .packages
                .iter()
                .map(|p| {
                    let source = if p.package.source_version == p.package.version {
                        p.package.source_name.clone()
                    } else {
                        format!("{} {}", p.package.source_name, p.package.source_version)
                    };
                    vec![
                        p.package.name.clone(),
                        p.package.version.clone(),
                        source,
                        short(p.layer),
                    ]
                })
                .collect();
            write_table(out, &["PACKAGE", "VERSION", "SOURCE", "LAYER"], &rows)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// "3 vulnerabilities (1 CRITICAL, 2 HIGH)", with `noun` as (singular,
/// plural).
fn summary(severities: impl Iterator<Item = Severity>, noun: (&str, &str)) -> String {
    let mut counts = [0usize; 5];
    let mut total = 0;
    for s in severities {
        counts[s as usize] += 1;
        total += 1;
    }
    let order = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];
    let parts: Vec<String> = order
        .iter()
        .filter(|s| counts[**s as usize] > 0)
        .map(|s| format!("{} {s}", counts[*s as usize]))
        .collect();
    let (one, many) = noun;
    match total {
        0 => format!("no {many}"),
        1 => format!("1 {one} ({})", parts.join(", ")),
        n => format!("{n} {many} ({})", parts.join(", ")),
    }
}

fn write_table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
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
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    Ok(())
}
