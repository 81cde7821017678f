//! GitLab's SAST security report (`artifacts:reports:sast`) for
//! misconfigurations, the way GitLab's own IaC scanning publishes its
//! findings: each on its repository file and lines, so they show in the
//! merge-request security widget, the pipeline's security tab and the
//! vulnerability report, with GitLab's dismiss and triage workflow (the
//! code-quality report shows them in the diff but cannot track them).
//! GitLab rejects a report that does not validate against the schema version
//! it declares; ours is checked against that schema in the tests
//! (`tests/data/gitlab/`).
//!
//! Only misconfigurations belong here: an image's vulnerabilities go to the
//! container-scanning report ([`super::gitlab`]).

use super::gitlab::{severity, write_report, Identifier, Link, Vulnerability};
use super::{advisory_url, uuid_from, ReportOptions, ScanResult};
use crate::finding::{Detail, Finding, Location};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

/// The schema's length limits, in characters.
const NAME_MAX: usize = 255;
const SOLUTION_MAX: usize = 7000;

#[derive(Serialize)]
struct FileLocation<'a> {
    file: &'a str,
    start_line: u32,
    end_line: u32,
}

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let vulnerabilities: Vec<_> = result
        .outcome
        .findings
        .iter()
        .filter_map(|r| vulnerability(&r.finding))
        .collect();
    write_report("sast", &options, vulnerabilities, out)
}

/// A misconfiguration on lines of a repository file; anything else is not
/// SAST's.
fn vulnerability(f: &Finding) -> Option<Vulnerability<'_, FileLocation<'_>>> {
    let Detail::Misconfiguration(m) = &f.detail else {
        return None;
    };
    let Location::Lines {
        path,
        start_line,
        end_line,
    } = &f.location
    else {
        return None;
    };
    let start_line = (*start_line).max(1);
    // The rule's id first: GitLab takes the first identifier as the
    // primary one, which tracks the finding across pipelines. Trivy's ids
    // for the same check follow, so GitLab can relate the two tools'
    // findings.
    let identifiers = std::iter::once(Identifier {
        kind: "scangate_rule_id",
        name: Cow::Owned(format!("scangate rule {}", f.id)),
        value: &f.id,
        url: None,
    })
    .chain(
        f.aliases
            .iter()
            .filter(|a| !a.is_empty())
            .map(|a| Identifier {
                kind: "trivy_misconfiguration_id",
                name: Cow::Owned(format!("Trivy {a}")),
                value: a,
                url: None,
            }),
    )
    .collect();
    Some(Vulnerability {
        id: uuid_from(&["gitlab-sast", &f.fingerprint]),
        name: f.title.chars().take(NAME_MAX).collect(),
        description: Cow::Borrowed(&m.message),
        severity: severity(f.severity),
        solution: Some(Cow::Owned(
            m.resolution.chars().take(SOLUTION_MAX).collect(),
        )),
        location: FileLocation {
            file: path,
            start_line,
            end_line: (*end_line).max(start_line),
        },
        identifiers,
        links: advisory_url(f).map(|url| vec![Link { url }]),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, OPTIONS};
    use super::*;

    fn render(result: &ScanResult) -> serde_json::Value {
        let mut out = Vec::new();
        write(result, OPTIONS, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn misconfigurations_only_on_their_file_and_lines() {
        let report = render(&testdata::sample());
        assert_eq!(report["scan"]["type"], "sast");
        assert_eq!(report["scan"]["start_time"], "2024-03-01T12:00:00");
        // The sample's three vulnerabilities are not SAST's.
        let vulns = report["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), 1, "{report}");
        assert_eq!(
            vulns[0]["location"],
            serde_json::json!({"file": "Dockerfile", "start_line": 3, "end_line": 4})
        );
        assert_eq!(vulns[0]["identifiers"][0]["value"], "DS002");
        assert_eq!(vulns[0]["identifiers"][1]["value"], "AVD-DS-0002");
        assert_eq!(vulns[0]["severity"], "High");
        insta::assert_json_snapshot!(report);
    }

    #[test]
    fn long_texts_are_cut_to_the_schemas_limits() {
        let mut result = testdata::sample();
        let finding = &mut result.outcome.findings[2].finding;
        finding.title = "é".repeat(NAME_MAX + 10);
        if let Detail::Misconfiguration(m) = &mut finding.detail {
            m.resolution = "x".repeat(SOLUTION_MAX * 2);
        }
        let report = render(&result);
        let v = &report["vulnerabilities"][0];
        assert_eq!(v["name"].as_str().unwrap().chars().count(), NAME_MAX);
        assert_eq!(v["solution"].as_str().unwrap().len(), SOLUTION_MAX);
    }
}
