//! GitLab's code-quality report (`artifacts:reports:codequality`), a subset
//! of Code Climate's issue format: the merge-request widget and diff show
//! each issue on its file and line. Every finding kind goes here:
//! misconfigurations on their lines, vulnerabilities on the package
//! database that records the package (line 1).

use super::ScanResult;
use crate::finding::{Detail, Finding, Location};
use crate::matching::severity::Severity;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Code Climate's five levels, one per severity.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Unknown => "info",
    }
}

fn issue(f: &Finding) -> Issue<'_> {
    let description = match &f.detail {
        Detail::Vulnerability(p) => {
            let fix = p
                .fixed_version
                .as_ref()
                .map_or_else(|| "no fix yet".to_string(), |v| format!("fixed in {v}"));
            format!(
                "{}: {} {} ({fix}): {}",
                f.id, p.package_name, p.installed_version, f.title
            )
        }
        Detail::Misconfiguration(m) => format!("{}: {}", f.id, m.message),
    };
    let begin = match f.location {
        Location::Lines { start_line, .. } => start_line.max(1),
        Location::Package { line, .. } => line.unwrap_or(1).max(1),
    };
    Issue {
        description,
        check_name: &f.id,
        fingerprint: &f.fingerprint,
        severity: severity(f.severity),
        location: IssueLocation {
            path: f.location.path(),
            lines: Lines { begin },
        },
    }
}

pub fn write(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = result
        .outcome
        .findings
        .iter()
        .map(|r| issue(&r.finding))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    #[test]
    fn every_finding_kind_on_its_file_and_line() {
        let mut out = Vec::new();
        write(&testdata::sample(), &mut out).unwrap();
        let issues: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let misconfig = &issues[2];
        assert_eq!(misconfig["location"]["path"], "Dockerfile");
        assert_eq!(misconfig["location"]["lines"]["begin"], 3);
        assert_eq!(issues[0]["location"]["path"], "var/lib/dpkg/status");
        insta::assert_json_snapshot!(issues);
    }
}
