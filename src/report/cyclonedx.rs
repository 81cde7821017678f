//! A CycloneDX 1.6 JSON SBOM: the image (or tree) as the described
//! component, its operating system, every package with its purl and the
//! layer that brought it, and, when vulnerabilities were scanned, the
//! reported ones with the components they affect. Dependency-Track, GitLab
//! and `grype sbom:` read it.
//!
//! Property names follow Trivy's `aquasecurity:trivy:*` convention under our
//! own namespace (`scangate:layer:diff_id`, `scangate:package:source_name`,
//! …), so tools that read Trivy's SBOMs find the same facts.

use super::{advisory_url, uuid_from, ReportOptions, ScanResult};
use crate::finding::Finding;
use crate::matching::severity::Severity;
use crate::source::ArtifactKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<Component<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<Vulnerability<'a>>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    tools: Tools,
    component: Component<'a>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component<'static>>,
}

#[derive(Serialize)]
struct Component<'a> {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property<'a>>,
}

#[derive(Serialize)]
struct LicenseChoice<'a> {
    license: License<'a>,
}

#[derive(Serialize)]
struct License<'a> {
    /// Free text: package managers record license strings that are not
    /// always SPDX ids, and `id` only accepts SPDX ids.
    name: &'a str,
}

#[derive(Serialize)]
struct Property<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: &'a str,
    source: Source,
    ratings: Vec<Rating>,
    description: &'a str,
    advisories: Vec<Advisory<'a>>,
    affects: Vec<Affects<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Rating {
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
}

#[derive(Serialize)]
struct Advisory<'a> {
    url: &'a str,
}

#[derive(Serialize)]
struct Affects<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    versions: Vec<AffectedVersion<'a>>,
}

#[derive(Serialize)]
struct AffectedVersion<'a> {
    version: &'a str,
    status: &'static str,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &bom(result, options))?;
    writeln!(out)
}

fn bom<'a>(result: &'a ScanResult, options: ReportOptions<'_>) -> Bom<'a> {
    let artifact = &result.artifact;
    let timestamp = crate::vulndb::time::format_unix(options.finished_at);
    let subject_ref = artifact
        .digest
        .clone()
        .unwrap_or_else(|| format!("filesystem:{}", artifact.name));
    let mut components = Vec::new();
    if let Some(os) = &result.inventory.os {
        components.push(Component {
            bom_ref: Some(format!("os:{}@{}", os.family.id(), os.version)),
            kind: "operating-system",
            name: os.family.id(),
            version: Some(&os.version),
            purl: None,
            licenses: Vec::new(),
            properties: Vec::new(),
        });
    }
    // A purl is a component's bom-ref, and bom-refs must be unique: the
    // same package recorded twice (two databases) is listed once.
    let mut seen = HashSet::new();
    for db in &result.inventory.package_dbs {
        for p in &db.packages {
            if !seen.insert(p.purl.as_str()) {
                continue;
            }
            let mut properties = vec![
                Property {
                    name: "scangate:package:db_path",
                    value: &db.path,
                },
                Property {
                    name: "scangate:package:source_name",
                    value: &p.package.source_name,
                },
                Property {
                    name: "scangate:package:source_version",
                    value: &p.package.source_version,
                },
            ];
            if let Some(diff_id) = result.layer_diff_id(Some(p.layer)) {
                properties.push(Property {
                    name: "scangate:layer:diff_id",
                    value: diff_id,
                });
            }
            components.push(Component {
                bom_ref: Some(p.purl.clone()),
                kind: "library",
                name: &p.package.name,
                version: Some(&p.package.version),
                purl: Some(&p.purl),
                licenses: p
                    .package
                    .licenses
                    .iter()
                    .map(|name| LicenseChoice {
                        license: License { name },
                    })
                    .collect(),
                properties,
            });
        }
    }
    Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: "1.6",
        // Unique per artifact and time, yet reproducible for a given clock.
        serial_number: format!("urn:uuid:{}", uuid_from(&[&subject_ref, &timestamp])),
        version: 1,
        metadata: Metadata {
            timestamp,
            tools: Tools {
                components: vec![Component {
                    bom_ref: None,
                    kind: "application",
                    name: env!("CARGO_PKG_NAME"),
                    version: Some(env!("CARGO_PKG_VERSION")),
                    purl: None,
                    licenses: Vec::new(),
                    properties: Vec::new(),
                }],
            },
            component: Component {
                bom_ref: Some(subject_ref),
                kind: match artifact.kind {
                    ArtifactKind::Image => "container",
                    ArtifactKind::Filesystem => "file",
                },
                name: &artifact.name,
                version: artifact.digest.as_deref(),
                purl: None,
                licenses: Vec::new(),
                properties: artifact
                    .layers
                    .iter()
                    .map(|l| Property {
                        name: "scangate:layer:diff_id",
                        value: &l.diff_id,
                    })
                    .collect(),
            },
        },
        components,
        vulnerabilities: result
            .vulnerabilities_scanned
            .then(|| vulnerabilities(result)),
    }
}

/// One entry per vulnerability id, affecting every package it was found in.
fn vulnerabilities(result: &ScanResult) -> Vec<Vulnerability<'_>> {
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut order = Vec::new();
    for r in &result.outcome.findings {
        if r.finding.package().is_none() {
            continue;
        }
        let entry = by_id.entry(&r.finding.id).or_default();
        if entry.is_empty() {
            order.push(r.finding.id.as_str());
        }
        entry.push(&r.finding);
    }
    order
        .into_iter()
        .filter_map(|id| {
            let found = by_id.get(id)?;
            let first = found.first()?;
            Some(Vulnerability {
                bom_ref: format!("vuln:{id}"),
                id,
                source: Source {
                    name: "OSV",
                    url: advisory_url(first)
                        .unwrap_or_else(|| format!("https://osv.dev/vulnerability/{id}")),
                },
                ratings: vec![Rating {
                    score: first.score,
                    severity: severity(first.severity),
                }],
                description: &first.title,
                advisories: first
                    .references
                    .iter()
                    .map(|url| Advisory { url })
                    .collect(),
                affects: found
                    .iter()
                    .filter_map(|f| {
                        let p = f.package()?;
                        Some(Affects {
                            reference: &p.purl,
                            versions: vec![AffectedVersion {
                                version: &p.installed_version,
                                status: "affected",
                            }],
                        })
                    })
                    .collect(),
            })
        })
        .collect()
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
    fn sbom_snapshot() {
        insta::assert_json_snapshot!(render(&testdata::sample()));
    }

    #[test]
    fn duplicate_purls_are_listed_once() {
        let mut result = testdata::sample();
        let first = &result.inventory.package_dbs[0].packages[0];
        let copy = crate::inventory::FoundPackage {
            package: first.package.clone(),
            purl: first.purl.clone(),
            file: first.file.clone(),
            layer: first.layer,
        };
        result.inventory.package_dbs[0].packages.push(copy);
        let bom = render(&result);
        let refs: Vec<&str> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["bom-ref"].as_str())
            .collect();
        let unique: HashSet<&&str> = refs.iter().collect();
        assert_eq!(unique.len(), refs.len(), "{refs:?}");
    }

    #[test]
    fn no_vulnerabilities_section_when_not_scanned() {
        let mut result = testdata::sample();
        result.vulnerabilities_scanned = false;
        assert!(render(&result).get("vulnerabilities").is_none());
    }
}
