//! GitLab's code-quality report (`artifacts:reports:codequality`), a subset
//! of Code Climate's issue format: the merge-request widget and diff show
//! each issue on its file and line, so only files of the repository
//! belong here: misconfigurations on their lines; an image's
//! vulnerabilities on the Dockerfile line that brought the package in, when
//! the Dockerfile is known (else they are in the container-scanning report
//! only: a path inside the image is no file of the repository); a scanned
//! tree's vulnerabilities on the package database that records them.

use super::ScanResult;
use crate::finding::{Detail, Finding, Location};
use crate::matching::severity::Severity;
use crate::source::ArtifactKind;
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

/// The repository file and line a finding belongs on, if any.
fn place<'a>(result: &'a ScanResult, f: &'a Finding) -> Option<(&'a str, u32)> {
    // A secret in an image layer is in no repository file: it belongs on
    // the Dockerfile line that added the layer, when that is known.
    if let Some(layer) = f.secret().and_then(|s| s.layer) {
        let d = result.dockerfile.as_ref()?;
        return Some((&d.path, d.lines.for_layer(Some(layer)).start.max(1)));
    }
    match &f.location {
        Location::Lines {
            path, start_line, ..
        } => Some((path, (*start_line).max(1))),
        Location::Package {
            db_path,
            layer,
            line,
        } => match (&result.dockerfile, result.artifact.kind) {
            (Some(d), _) => Some((&d.path, d.lines.for_layer(*layer).start.max(1))),
            (None, ArtifactKind::Filesystem) => Some((db_path, line.unwrap_or(1).max(1))),
            (None, ArtifactKind::Image) => None,
        },
    }
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

fn issue<'a>(result: &'a ScanResult, f: &'a Finding) -> Option<Issue<'a>> {
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
        Detail::Secret(secret) => format!(
            "{}: {} ({}) in {}",
            f.id,
            f.title,
            secret.shown,
            f.location.path()
        ),
    };
    let (path, begin) = place(result, f)?;
    Some(Issue {
        description,
        check_name: &f.id,
        fingerprint: &f.fingerprint,
        severity: severity(f.severity),
        location: IssueLocation {
            path,
            lines: Lines { begin },
        },
    })
}

pub fn write(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = result
        .outcome
        .findings
        .iter()
        .filter_map(|r| issue(result, &r.finding))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    fn issues(result: &ScanResult) -> serde_json::Value {
        let mut out = Vec::new();
        write(result, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn only_repository_files_an_images_packages_without_a_dockerfile_are_left_out() {
        let issues = issues(&testdata::sample());
        assert_eq!(issues.as_array().map(Vec::len), Some(1), "{issues}");
        assert_eq!(issues[0]["location"]["path"], "Dockerfile");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 3);
        insta::assert_json_snapshot!(issues);
    }

    #[test]
    fn a_scanned_trees_package_database_is_a_repository_file() {
        let mut result = testdata::sample();
        result.artifact.kind = ArtifactKind::Filesystem;
        let issues = issues(&result);
        assert_eq!(issues.as_array().map(Vec::len), Some(4), "{issues}");
        assert_eq!(issues[0]["location"]["path"], "var/lib/dpkg/status");
    }
}
