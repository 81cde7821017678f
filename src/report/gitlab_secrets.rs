//! GitLab's secret-detection security report
//! (`artifacts:reports:secret_detection`, conventionally
//! `gl-secret-detection-report.json`), so secrets show in merge requests
//! and the vulnerability report. Validated in the tests against the
//! schema version it declares (`tests/data/gitlab/`).
//!
//! Never the secret: no `raw_source_code_extract`; the description carries
//! the masked prefix only.

use super::gitlab::{severity, write_report, Identifier, Vulnerability};
use super::{uuid_from, ReportOptions, ScanResult};
use crate::finding::{Finding, Location};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

#[derive(Serialize)]
struct SecretLocation<'a> {
    file: &'a str,
    start_line: u32,
    end_line: u32,
    commit: Commit,
}

/// The schema requires a commit; a scan of the working tree (or of an
/// image) is of no particular commit, which GitLab's own analyzer writes
/// as `0000000`.
#[derive(Serialize)]
struct Commit {
    sha: &'static str,
}

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let vulnerabilities: Vec<_> = result
        .outcome
        .findings
        .iter()
        .filter_map(|r| vulnerability(result, &r.finding))
        .collect();
    write_report("secret_detection", &options, vulnerabilities, out)
}

fn vulnerability<'a>(
    result: &'a ScanResult,
    f: &'a Finding,
) -> Option<Vulnerability<'a, SecretLocation<'a>>> {
    let secret = f.secret()?;
    let Location::Lines {
        path,
        start_line,
        end_line,
    } = &f.location
    else {
        return None;
    };
    let mut description = format!(
        "{} ({} rule `{}`) in `{path}` line {start_line}: `{}`.",
        f.title, secret.category, f.id, secret.shown
    );
    if let Some(id) = result.layer_diff_id(secret.layer) {
        description.push_str(&format!(" Added by image layer `{id}`"));
        if let Some(step) = result.layer_created_by(secret.layer) {
            description.push_str(&format!(" (`{step}`)"));
        }
        description.push('.');
    }
    if secret.deleted_later {
        description.push_str(" A later layer deleted the file, but it is still in the image.");
    }
    Some(Vulnerability {
        id: uuid_from(&["gitlab-secret", &f.fingerprint]),
        // The schema caps `name` at 255 characters.
        name: f.title.chars().take(255).collect(),
        description: Cow::Owned(description),
        severity: severity(f.severity),
        solution: Some(Cow::Borrowed(crate::secret::rules_doc::RESOLUTION)),
        location: SecretLocation {
            file: path,
            start_line: *start_line,
            end_line: *end_line,
            commit: Commit { sha: "0000000" },
        },
        identifiers: vec![Identifier {
            kind: "scangate_secret_rule",
            name: Cow::Owned(format!("scangate secret rule {}", f.id)),
            value: &f.id,
            url: None,
        }],
        links: None,
    })
}
