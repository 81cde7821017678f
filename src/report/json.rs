//! The JSON report: a versioned public contract (documented in the README).
//! Fields are only ever added within one `schema_version`; removing or
//! changing one bumps it.

use super::{ReportOptions, ScanResult};
use crate::inventory::os::OsFamily;
use crate::matching::severity::Severity;
use crate::matching::Status;
use crate::source::ArtifactKind;
use serde::Serialize;
use std::io::{self, Write};

/// Bumped on any incompatible change to the report's shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    artifact: Artifact<'a>,
    targets: Vec<Target<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Artifact<'a> {
    name: &'a str,
    kind: &'static str,
    digest: Option<&'a str>,
    os: Option<Os<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layers: Option<Vec<Layer<'a>>>,
}

#[derive(Serialize)]
struct Os<'a> {
    family: OsFamily,
    version: &'a str,
}

#[derive(Serialize)]
struct Layer<'a> {
    diff_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<&'a str>,
}

#[derive(Serialize)]
struct Target<'a> {
    name: String,
    kind: &'static str,
    ecosystem: Option<String>,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    packages: Option<Vec<Package<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<Vulnerability<'a>>>,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: &'a str,
    aliases: &'a [String],
    package_name: &'a str,
    installed_version: &'a str,
    fixed_version: Option<&'a str>,
    status: Status,
    severity: Severity,
    score: Option<f64>,
    title: &'a str,
    references: &'a [String],
    purl: &'a str,
    layer_diff_id: Option<&'a str>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct Package<'a> {
    #[serde(flatten)]
    package: &'a crate::inventory::Package,
    purl: &'a str,
    layer_diff_id: Option<&'a str>,
}

/// The target name users see: the artifact plus its OS, as Trivy names it.
pub(super) fn target_name(result: &ScanResult) -> String {
    match &result.inventory.os {
        Some(os) => format!("{} ({os})", result.artifact.name),
        None => result.artifact.name.clone(),
    }
}

pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let artifact = &result.artifact;
    let layer_id = |i: usize| artifact.layers.get(i).map(|l| l.diff_id.as_str());
    let ecosystem = result
        .inventory
        .os
        .as_ref()
        .and_then(|os| os.osv_ecosystem())
        .map(|e| e.to_string());
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        artifact: Artifact {
            name: &artifact.name,
            kind: match artifact.kind {
                ArtifactKind::Image => "image",
                ArtifactKind::Filesystem => "filesystem",
            },
            digest: artifact.digest.as_deref(),
            os: result.inventory.os.as_ref().map(|os| Os {
                family: os.family,
                version: &os.version,
            }),
            layers: (artifact.kind == ArtifactKind::Image).then(|| {
                artifact
                    .layers
                    .iter()
                    .map(|l| Layer {
                        diff_id: &l.diff_id,
                        created_by: l.created_by.as_deref(),
                    })
                    .collect()
            }),
        },
        targets: result
            .inventory
            .package_dbs
            .iter()
            .enumerate()
            .map(|(i, db)| Target {
                name: target_name(result),
                kind: "os-packages",
                ecosystem: ecosystem.clone(),
                path: &db.path,
                packages: options.list_packages.then(|| {
                    db.packages
                        .iter()
                        .map(|p| Package {
                            package: &p.package,
                            purl: &p.purl,
                            layer_diff_id: layer_id(p.layer),
                        })
                        .collect()
                }),
                vulnerabilities: result.vulnerabilities.as_ref().map(|all| {
                    all.get(i)
                        .map(|found| {
                            found
                                .vulnerabilities
                                .iter()
                                .map(|v| {
                                    let pkg = &db.packages[v.package];
                                    Vulnerability {
                                        id: &v.id,
                                        aliases: &v.aliases,
                                        package_name: &pkg.package.name,
                                        installed_version: &v.installed_version,
                                        fixed_version: v.fixed_version.as_deref(),
                                        status: v.status,
                                        severity: v.severity,
                                        score: v.score,
                                        title: &v.title,
                                        references: &v.references,
                                        purl: &pkg.purl,
                                        layer_diff_id: layer_id(pkg.layer),
                                        fingerprint: &v.fingerprint,
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                }),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
