//! GitLab's container-scanning and dependency-scanning security reports
//! (`artifacts:reports:container_scanning`, `dependency_scanning`), so
//! findings show in merge requests, pipelines and the vulnerability report.
//! The two differ only in where a vulnerability is: in an image (its
//! reference and OS), or in a repository file (the lockfile or manifest
//! that pins the package). GitLab rejects a report that does not validate
//! against the schema version it declares; ours are checked against those
//! schemas in the tests (`tests/data/gitlab/`).
//!
//! Only vulnerabilities belong here: misconfigurations go to the SAST
//! report ([`super::gitlab_sast`]) and the code-quality report
//! ([`super::gitlab_codequality`]), secrets to the secret-detection report
//! ([`super::gitlab_secrets`]). The shapes every type shares (the report,
//! its `scan` header, a vulnerability, identifiers, links) are defined
//! here once.

use super::{advisory_url, uuid_from, ReportOptions, ScanResult};
use crate::finding::Finding;
use crate::matching::severity::Severity;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

/// The security-report schema version the report declares.
pub const SCHEMA_VERSION: &str = "15.2.1";

/// A GitLab security report of any type: the schema version, the `scan`
/// header, and the vulnerabilities (their `location` is each type's own).
#[derive(Serialize)]
struct Report<V> {
    version: &'static str,
    scan: Scan,
    vulnerabilities: Vec<V>,
}

/// Writes a security report of `scan_type` (`container_scanning`,
/// `dependency_scanning`, `sast`, `secret_detection`) holding
/// `vulnerabilities`.
pub(super) fn write_report<V: Serialize>(
    scan_type: &'static str,
    options: &ReportOptions,
    vulnerabilities: Vec<V>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let report = Report {
        version: SCHEMA_VERSION,
        scan: Scan::new(scan_type, options),
        vulnerabilities,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// The `scan` header every GitLab security report carries.
#[derive(Serialize)]
pub(super) struct Scan {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
pub(super) struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
pub(super) struct Vendor {
    name: &'static str,
}

/// One vulnerability, as every report type's schema has it; `L` is the
/// type's own `location`.
#[derive(Serialize)]
pub(super) struct Vulnerability<'a, L> {
    pub id: String,
    /// At most 255 characters (the schemas' limit).
    pub name: String,
    pub description: Cow<'a, str>,
    pub severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solution: Option<Cow<'a, str>>,
    pub location: L,
    pub identifiers: Vec<Identifier<'a>>,
    /// `None`: the type writes no `links` at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

/// Where a vulnerability is, as each report type's schema has it.
#[derive(Serialize)]
#[serde(untagged)]
enum Location<'a> {
    Image {
        dependency: Dependency<'a>,
        operating_system: String,
        image: Cow<'a, str>,
    },
    File {
        file: &'a str,
        dependency: Dependency<'a>,
    },
}

/// Which of GitLab's security reports is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `container_scanning`: an image's vulnerabilities.
    Container,
    /// `dependency_scanning`: the vulnerabilities of a repository's
    /// lockfiles and manifests, each on its file.
    Dependency,
}

impl Kind {
    fn scan_type(self) -> &'static str {
        match self {
            Kind::Container => "container_scanning",
            Kind::Dependency => "dependency_scanning",
        }
    }
}

#[derive(Serialize)]
struct Dependency<'a> {
    package: Package<'a>,
    version: &'a str,
}

#[derive(Serialize)]
struct Package<'a> {
    name: &'a str,
}

#[derive(Serialize)]
pub(super) struct Identifier<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: Cow<'a, str>,
    pub value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Link {
    pub url: String,
}

impl Scan {
    /// The `scan` object of a report of `kind` (`container_scanning`,
    /// `dependency_scanning`, `sast`, `secret_detection`).
    pub(super) fn new(kind: &'static str, options: &ReportOptions) -> Scan {
        Scan {
            analyzer: tool(),
            scanner: tool(),
            kind,
            start_time: timestamp(options.started_at),
            end_time: timestamp(options.finished_at),
            status: "success",
        }
    }
}

/// GitLab's word for a severity.
pub(super) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Unknown => "Unknown",
    }
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the only form the schema accepts.
fn timestamp(unix: i64) -> String {
    crate::vulndb::time::format_unix(unix)
        .trim_end_matches('Z')
        .to_string()
}

fn tool() -> Tool {
    Tool {
        id: "scangate",
        name: "scangate",
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "scangate" },
    }
}

/// Writes the security report of `kind`.
pub fn write(
    kind: Kind,
    result: &ScanResult,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let operating_system = result
        .inventory
        .os
        .as_ref()
        .map_or_else(|| "Unknown".to_string(), |os| os.to_string());
    let vulnerabilities: Vec<_> = result
        .outcome
        .findings
        .iter()
        .filter_map(|r| vulnerability(kind, result, &r.finding, &operating_system))
        .collect();
    write_report(kind.scan_type(), &options, vulnerabilities, out)
}

fn vulnerability<'a>(
    kind: Kind,
    result: &'a ScanResult,
    f: &'a Finding,
    operating_system: &str,
) -> Option<Vulnerability<'a, Location<'a>>> {
    let p = f.package()?;
    let dependency = Dependency {
        package: Package {
            name: &p.package_name,
        },
        version: &p.installed_version,
    };
    let location = match kind {
        Kind::Container => Location::Image {
            dependency,
            operating_system: operating_system.to_string(),
            image: match result.image_of(f) {
                Some(image) => Cow::Owned(image.pinned()),
                None => Cow::Borrowed(
                    result
                        .artifact
                        .reference
                        .as_deref()
                        .unwrap_or(&result.artifact.name),
                ),
            },
        },
        Kind::Dependency => Location::File {
            file: f.location.path(),
            dependency,
        },
    };
    // The schema caps `name` at 255 characters.
    let name: String = if f.title.is_empty() { &f.id } else { &f.title }
        .chars()
        .take(255)
        .collect();
    Some(Vulnerability {
        id: uuid_from(&["gitlab", &f.fingerprint]),
        name,
        description: Cow::Borrowed(&f.title),
        severity: severity(f.severity),
        solution: p
            .fixed_version
            .as_ref()
            .map(|v| Cow::Owned(format!("Upgrade {} to {v}", p.package_name))),
        location,
        identifiers: f
            .ids()
            .filter(|id| !id.is_empty())
            .map(identifier)
            .collect(),
        links: Some(
            advisory_url(f)
                .into_iter()
                .chain(f.references.iter().cloned())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .fold(Vec::new(), |mut links: Vec<Link>, url| {
                    if !links.iter().any(|l| l.url == url) {
                        links.push(Link { url });
                    }
                    links
                }),
        ),
    })
}

/// An id as GitLab types it: CVE and GHSA ids link to their databases,
/// anything else to OSV.
fn identifier(id: &str) -> Identifier<'_> {
    let (kind, url) = if id.starts_with("CVE-") {
        ("cve", format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else if id.starts_with("GHSA-") {
        ("ghsa", format!("https://github.com/advisories/{id}"))
    } else {
        ("osv", format!("https://osv.dev/vulnerability/{id}"))
    };
    Identifier {
        kind,
        name: Cow::Borrowed(id),
        value: id,
        url: Some(url),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, OPTIONS};
    use super::*;

    fn render(result: &ScanResult) -> serde_json::Value {
        let mut out = Vec::new();
        write(Kind::Container, result, OPTIONS, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn vulnerabilities_only_with_deterministic_times() {
        let report = render(&testdata::sample());
        assert_eq!(report["scan"]["start_time"], "2024-03-01T12:00:00");
        assert_eq!(report["scan"]["end_time"], "2024-03-01T12:00:10");
        // Three vulnerabilities; the misconfiguration is not one of them.
        assert_eq!(report["vulnerabilities"].as_array().map(Vec::len), Some(3));
        // The image by its reference, not by the archive's file name.
        assert_eq!(
            report["vulnerabilities"][0]["location"]["image"],
            "registry.example.com/app:1.0"
        );
        insta::assert_json_snapshot!(report);
    }

    #[test]
    fn ids_are_stable_uuids_per_fingerprint() {
        let a = render(&testdata::sample());
        let b = render(&testdata::sample());
        let ids = |r: &serde_json::Value| -> Vec<String> {
            r["vulnerabilities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&a), ids(&b));
        let mut unique = ids(&a);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3);
        assert!(ids(&a)
            .iter()
            .all(|id| id.len() == 36 && id.matches('-').count() == 4));
    }
}
