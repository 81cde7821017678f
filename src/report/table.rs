//! The human report: per target (package database, config file, file
//! with secrets) its
//! findings, worst first as matching and policy ordered them, and, on
//! request, its packages; then one summary line and the gate's verdict.
//! Plain text that reads as well in a CI log as on a terminal; severities
//! are coloured only when the caller says the output is a terminal.

use super::{ReportOptions, ScanResult};
use crate::finding::{Detail, Finding, Location, TargetRef};
use crate::matching::severity::Severity;
use crate::policy::{counts, State};
use std::io::{self, Write};

/// Longest title shown in a table cell.
const TITLE_CHARS: usize = 60;

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let name = super::json::target_name(result);
    let paint = Paint(options.color);
    // `scangate config` looks for no packages: say nothing about them.
    let packages_looked_for = result.vulnerabilities_scanned || options.list_packages;
    if result.inventory.package_dbs.is_empty() && packages_looked_for {
        writeln!(out, "{name}: no OS packages found")?;
    }
    for (i, db) in result.inventory.package_dbs.iter().enumerate() {
        let found: Option<Vec<&Finding>> = result.vulnerabilities_scanned.then(|| {
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
                summary(found, "vulnerability", "vulnerabilities")
            ));
        }
        writeln!(out, "{heading}")?;
        if let Some(found) = found.filter(|f| !f.is_empty()) {
            // The EXPLOIT column only when KEV or EPSS data says something.
            let exploit = found.iter().any(|v| {
                v.package()
                    .is_some_and(|p| p.scoring.exploitation().is_some())
            });
            let rows: Vec<Vec<String>> = found
                .iter()
                .filter_map(|v| {
                    let p = v.package()?;
                    let mut row = vec![
                        p.package_name.clone(),
                        v.id.clone(),
                        v.severity.to_string(),
                        p.status.as_str().to_string(),
                        p.installed_version.clone(),
                        p.fixed_version.clone().unwrap_or_default(),
                    ];
                    if exploit {
                        row.push(p.scoring.exploitation().unwrap_or_default());
                    }
                    row.push(v.title.chars().take(TITLE_CHARS).collect());
                    Some(row)
                })
                .collect();
            let mut header = vec![
                "PACKAGE",
                "VULNERABILITY",
                "SEVERITY",
                "STATUS",
                "INSTALLED",
                "FIXED",
            ];
            if exploit {
                header.push("EXPLOIT");
            }
            header.push("TITLE");
            write_table(out, &header, &rows, Some(2), paint)?;
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
                        result.short_layer_id(Some(p.layer)).unwrap_or("-").into(),
                    ]
                })
                .collect();
            write_table(
                out,
                &["PACKAGE", "VERSION", "SOURCE", "LAYER"],
                &rows,
                None,
                paint,
            )?;
            writeln!(out)?;
        }
    }
    write_config_files(result, paint, out)?;
    write_secret_files(result, paint, out)?;
    write_summary(result, paint, out)
}

/// Each file with secrets (per image layer), with its secrets: rule,
/// line and only the masked prefix of the value.
fn write_secret_files(result: &ScanResult, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    for (file, found) in result
        .secret_files
        .iter()
        .zip(result.findings_by_secret_file())
    {
        if found.is_empty() {
            continue;
        }
        let found: Vec<&Finding> = found.into_iter().map(|r| &r.finding).collect();
        let mut heading = format!("{} — {}", file.path, summary(&found, "secret", "secrets"));
        if let Some(layer) = result.short_layer_id(file.layer) {
            heading.push_str(&format!(" — layer {layer}"));
            if let Some(step) = result.layer_created_by(file.layer) {
                heading.push_str(&format!(
                    " ({})",
                    step.chars().take(TITLE_CHARS).collect::<String>()
                ));
            }
        }
        if file.deleted_later {
            heading.push_str(" (deleted by a later layer, still in the image)");
        }
        writeln!(out, "{heading}")?;
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.severity.to_string(),
                    lines(&f.location),
                    f.secret().map(|s| s.shown.clone()).unwrap_or_default(),
                    f.title.chars().take(TITLE_CHARS).collect(),
                ]
            })
            .collect();
        write_table(
            out,
            &["RULE", "SEVERITY", "LINES", "MATCH", "TITLE"],
            &rows,
            Some(1),
            paint,
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// `12` or `12-14`.
fn lines(location: &Location) -> String {
    match *location {
        Location::Lines {
            start_line,
            end_line,
            ..
        } if end_line > start_line => format!("{start_line}-{end_line}"),
        Location::Lines { start_line, .. } => start_line.to_string(),
        Location::Package { .. } => String::new(),
    }
}

/// Each checked config file with its misconfigurations.
fn write_config_files(result: &ScanResult, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    for (i, file) in result.config_files.iter().enumerate() {
        let found: Vec<&Finding> = result
            .outcome
            .findings
            .iter()
            .map(|r| &r.finding)
            .filter(|f| f.target == TargetRef::ConfigFile(i))
            .collect();
        writeln!(
            out,
            "{} — {}",
            file.path,
            summary(&found, "misconfiguration", "misconfigurations")
        )?;
        if found.is_empty() {
            continue;
        }
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|f| {
                let message = match &f.detail {
                    Detail::Misconfiguration(m) => m.message.as_str(),
                    _ => f.title.as_str(),
                };
                vec![
                    f.id.clone(),
                    f.severity.to_string(),
                    lines(&f.location),
                    message.chars().take(TITLE_CHARS).collect(),
                ]
            })
            .collect();
        write_table(
            out,
            &["RULE", "SEVERITY", "LINES", "MESSAGE"],
            &rows,
            Some(1),
            paint,
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// "summary: 4 findings (…), 1 ignored[, 1 new, 3 existing, 1 fixed]" and,
/// with `--fail-on`, the gate's verdict.
fn write_summary(result: &ScanResult, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let outcome = &result.outcome;
    let findings: Vec<&Finding> = outcome.findings.iter().map(|r| &r.finding).collect();
    let mut line = format!("summary: {}", summary(&findings, "finding", "findings"));
    line.push_str(&format!(", {} ignored", outcome.ignored.len()));
    if let Some(fixed) = &outcome.fixed {
        let in_state = |s: State| {
            outcome
                .findings
                .iter()
                .filter(|r| r.state == Some(s))
                .count()
        };
        line.push_str(&format!(
            ", {} new, {} existing, {} fixed",
            in_state(State::New),
            in_state(State::Existing),
            fixed.len()
        ));
    }
    if !result.vulnerabilities_scanned {
        line.push_str(" (vulnerabilities not scanned)");
    }
    writeln!(out, "{line}")?;
    if outcome.gate.is_set() {
        if outcome.gate.failed {
            let verdict = paint.apply(Style::Failed, "FAILED");
            writeln!(out, "gate: {verdict} — {}", outcome.gate.reasons.join("; "))?;
        } else {
            writeln!(out, "gate: {}", paint.apply(Style::Passed, "passed"))?;
        }
    }
    Ok(())
}

/// "3 vulnerabilities (1 CRITICAL, 2 HIGH)", "no misconfigurations".
fn summary(found: &[&Finding], one: &str, many: &str) -> String {
    let c = counts(found.iter().copied());
    let parts: Vec<String> = c
        .nonzero()
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    match c.total() {
        0 => format!("no {many}"),
        1 => format!("1 {one} ({})", parts.join(", ")),
        n => format!("{n} {many} ({})", parts.join(", ")),
    }
}

#[derive(Clone, Copy)]
enum Style {
    Severity(Severity),
    Failed,
    Passed,
}

/// ANSI colouring, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn apply(self, style: Style, text: &str) -> String {
        if !self.0 {
            return text.to_string();
        }
        let code = match style {
            Style::Severity(Severity::Critical) => "1;31",
            Style::Severity(Severity::High) | Style::Failed => "31",
            Style::Severity(Severity::Medium) => "33",
            Style::Severity(Severity::Low) => "34",
            Style::Severity(Severity::Unknown) => "2",
            Style::Passed => "32",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// Writes aligned columns; the cells of `severity_column` are coloured by
/// their severity (padding is added outside the colour codes, so columns
/// stay aligned).
fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    severity_column: Option<usize>,
    paint: Paint,
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str], colored: bool| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            let text = match (colored && Some(i) == severity_column, cell.parse()) {
                (true, Ok(severity)) => paint.apply(Style::Severity(severity), cell),
                _ => cell.to_string(),
            };
            s.push_str(&text);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header, false))?;
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells, true))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, OPTIONS};
    use super::*;

    fn render(result: &ScanResult, options: ReportOptions) -> String {
        let mut out = Vec::new();
        write(result, options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn groups_vulnerabilities_and_misconfigurations_and_ends_with_the_verdict() {
        insta::assert_snapshot!(render(&testdata::sample(), OPTIONS));
    }

    #[test]
    fn summary_counts_new_existing_and_fixed_against_a_baseline() {
        let text = render(&testdata::with_baseline(), OPTIONS);
        let lines: Vec<&str> = text.lines().rev().take(2).collect();
        assert_eq!(
            lines,
            [
                "gate: passed",
                "summary: 4 findings (1 CRITICAL, 2 HIGH, 1 LOW), 1 ignored, 1 new, 3 existing, 1 fixed"
            ]
        );
    }

    #[test]
    fn no_gate_line_without_fail_on() {
        let text = render(&testdata::without_gate(), OPTIONS);
        assert!(!text.contains("gate:"), "{text}");
    }

    #[test]
    fn colours_only_when_asked() {
        let plain = render(&testdata::sample(), OPTIONS);
        assert!(!plain.contains('\x1b'), "{plain}");
        let colored = render(
            &testdata::sample(),
            ReportOptions {
                color: true,
                ..OPTIONS
            },
        );
        assert!(colored.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{colored}");
        assert!(colored.contains("gate: \x1b[31mFAILED\x1b[0m"), "{colored}");
        // Same text once the colour codes are taken out: alignment holds.
        let stripped = colored
            .replace("\x1b[1;31m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[34m", "")
            .replace("\x1b[0m", "");
        assert_eq!(stripped, plain);
    }
}
