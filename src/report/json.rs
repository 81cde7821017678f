//! The JSON report: a versioned public contract (documented in the README).
//! Fields are only ever added within one `schema_version`; removing or
//! changing one bumps it.

use super::ScanResult;
use crate::finding::{Detail, Finding, Kind, Location, SeveritySource, Status, TargetRef};
use crate::inventory::os::OsFamily;
use crate::matching::severity::Severity;
use crate::policy::{Gate, SeverityCounts, State, Suppression};
use crate::source::ArtifactKind;
use serde::Serialize;
use std::io::{self, Write};

/// Bumped on any incompatible change to the report's shape (kept in
/// [`core`](crate::core::schema), where the baseline reader finds it too).
pub use crate::core::schema::JSON_REPORT_SCHEMA_VERSION as SCHEMA_VERSION;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    artifact: Artifact<'a>,
    targets: Vec<AnyTarget<'a>>,
    /// Findings a suppression rule removed, with the rule.
    ignored: Vec<IgnoredFinding<'a>>,
    /// Baseline findings gone now; absent without a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<Vec<FindingView<'a>>>,
    summary: Summary,
    gate: &'a Gate,
}

#[derive(Serialize)]
struct Summary {
    /// Reported findings per severity.
    #[serde(flatten)]
    counts: SeverityCounts,
    total: usize,
    ignored: usize,
    /// With a baseline: how many reported findings are new, how many were
    /// there before, and how many baseline findings are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    existing: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<usize>,
}

#[derive(Serialize)]
struct IgnoredFinding<'a> {
    kind: crate::finding::Kind,
    /// The package database; a misconfiguration or secret carries its own
    /// `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(flatten)]
    finding: FindingView<'a>,
    ignored_by: &'a Suppression,
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
    /// The analyzer's format (`deb`, `poetry`, `python-pkg`, ...): lets a
    /// baseline read the packages back.
    format: crate::inventory::PackageFormat,
    packages: Vec<Package<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<Vulnerability<'a>>>,
}

/// A target of any kind: a package database, a config file or a file
/// with secrets.
#[derive(Serialize)]
#[serde(untagged)]
enum AnyTarget<'a> {
    Packages(Target<'a>),
    Config(ConfigTarget<'a>),
    Secret(SecretTargetView<'a>),
}

/// A file with secrets (`kind: "secret"`): one per path and image layer.
#[derive(Serialize)]
struct SecretTargetView<'a> {
    kind: &'static str,
    path: &'a str,
    /// The layer that added the file (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    layer_diff_id: Option<&'a str>,
    /// A later layer deleted or replaced the file; it is still in the
    /// image's history (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_later: Option<bool>,
    secrets: Vec<Secret<'a>>,
}

/// A secret as the report shows it: never the value, only `match`, a short
/// prefix and a mask.
#[derive(Serialize)]
struct Secret<'a> {
    rule_id: &'a str,
    category: &'a str,
    severity: Severity,
    title: &'a str,
    path: &'a str,
    start_line: u32,
    end_line: u32,
    #[serde(rename = "match")]
    shown: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer_diff_id: Option<&'a str>,
    /// The build step that made that layer (the image history's
    /// `created_by`: the Dockerfile instruction).
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_later: Option<bool>,
    fingerprint: &'a str,
    /// `new` or `existing` against the baseline; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<State>,
}

/// A checked config file (`kind: "config"`).
#[derive(Serialize)]
struct ConfigTarget<'a> {
    kind: &'static str,
    path: &'a str,
    #[serde(rename = "type")]
    file_type: &'static str,
    misconfigurations: Vec<Misconfiguration<'a>>,
}

/// A finding of either kind, as `ignored[]` and `fixed[]` list them.
#[derive(Serialize)]
#[serde(untagged)]
enum FindingView<'a> {
    Vulnerability(Vulnerability<'a>),
    Misconfiguration(Misconfiguration<'a>),
    Secret(Secret<'a>),
}

#[derive(Serialize)]
struct Misconfiguration<'a> {
    id: &'a str,
    aliases: &'a [String],
    severity: Severity,
    title: &'a str,
    message: &'a str,
    path: &'a str,
    start_line: u32,
    end_line: u32,
    resolution: &'a str,
    snippet: &'a str,
    fingerprint: &'a str,
    /// `new` or `existing` against the baseline; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<State>,
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
    /// `advisory` or `nvd`; absent when nothing rated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_source: Option<&'static str>,
    /// The NVD metric used (`CVSS 3.1 Primary by nvd@nist.gov`).
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_metric: Option<&'a str>,
    /// In CISA's KEV catalog: the CVE and the date it was added.
    #[serde(skip_serializing_if = "Option::is_none")]
    kev: Option<KevJson<'a>>,
    /// FIRST's EPSS score and percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<EpssJson>,
    title: &'a str,
    references: &'a [String],
    purl: &'a str,
    layer_diff_id: Option<&'a str>,
    /// `scangate manifests`: the image and the manifest line deploying it.
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed: Option<DeployedJson<'a>>,
    fingerprint: &'a str,
    /// `new` or `existing` against the baseline; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<State>,
}

/// Where a deployed image's vulnerability is deployed from.
#[derive(Serialize)]
struct DeployedJson<'a> {
    image: &'a str,
    image_digest: &'a str,
    manifest: &'a str,
    line: u32,
}

#[derive(Serialize)]
struct KevJson<'a> {
    cve: &'a str,
    date_added: &'a str,
}

#[derive(Serialize)]
struct EpssJson {
    score: f64,
    percentile: f64,
}

#[derive(Serialize)]
struct Package<'a> {
    #[serde(flatten)]
    package: &'a crate::inventory::Package,
    purl: &'a str,
    /// The file declaring the package, when it is not the target's path
    /// (each installed Python distribution's `METADATA`).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    layer_diff_id: Option<&'a str>,
}

/// The target name users see: the artifact plus its OS, as Trivy names it.
pub(super) fn target_name(result: &ScanResult) -> String {
    match &result.inventory.os {
        Some(os) => format!("{} ({os})", result.artifact.name),
        None => result.artifact.name.clone(),
    }
}

/// One vulnerability finding as the report shows it. Built from the finding
/// alone, so baseline findings (whose packages are not in this inventory)
/// render the same way.
fn vulnerability<'a>(
    result: &'a ScanResult,
    f: &'a Finding,
    state: Option<State>,
) -> Option<Vulnerability<'a>> {
    let p = f.package()?;
    let layer = match f.location {
        Location::Package { layer, .. } => layer,
        Location::Lines { .. } => None,
    };
    Some(Vulnerability {
        id: &f.id,
        aliases: &f.aliases,
        package_name: &p.package_name,
        installed_version: &p.installed_version,
        fixed_version: p.fixed_version.as_deref(),
        status: p.status,
        severity: f.severity,
        score: f.score,
        severity_source: p.scoring.severity_source.as_ref().map(|s| match s {
            SeveritySource::Advisory => "advisory",
            SeveritySource::Nvd { .. } => "nvd",
        }),
        severity_metric: match &p.scoring.severity_source {
            Some(SeveritySource::Nvd { metric }) => Some(metric),
            _ => None,
        },
        kev: p.scoring.kev.as_ref().map(|k| KevJson {
            cve: &k.cve,
            date_added: &k.date_added,
        }),
        epss: p.scoring.epss.map(|e| EpssJson {
            score: e.score,
            percentile: e.percentile,
        }),
        title: &f.title,
        references: &f.references,
        purl: &p.purl,
        layer_diff_id: result.layer_diff_id(layer),
        deployed: match (result.image_of(f), &f.location) {
            (
                Some(image),
                Location::Lines {
                    path, start_line, ..
                },
            ) => Some(DeployedJson {
                image: &image.reference,
                image_digest: &image.digest,
                manifest: path,
                line: *start_line,
            }),
            _ => None,
        },
        fingerprint: &f.fingerprint,
        state,
    })
}

fn misconfiguration(f: &Finding, state: Option<State>) -> Option<Misconfiguration<'_>> {
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
    Some(Misconfiguration {
        id: &f.id,
        aliases: &f.aliases,
        severity: f.severity,
        title: &f.title,
        message: &m.message,
        path,
        start_line: *start_line,
        end_line: *end_line,
        resolution: &m.resolution,
        snippet: &m.snippet,
        fingerprint: &f.fingerprint,
        state,
    })
}

fn secret<'a>(result: &'a ScanResult, f: &'a Finding, state: Option<State>) -> Option<Secret<'a>> {
    let s = f.secret()?;
    let Location::Lines {
        path,
        start_line,
        end_line,
    } = &f.location
    else {
        return None;
    };
    let image = result.artifact.kind == ArtifactKind::Image;
    Some(Secret {
        rule_id: &f.id,
        category: &s.category,
        severity: f.severity,
        title: &f.title,
        path,
        start_line: *start_line,
        end_line: *end_line,
        shown: &s.shown,
        layer_diff_id: result.layer_diff_id(s.layer),
        created_by: result.layer_created_by(s.layer),
        deleted_later: image.then_some(s.deleted_later),
        fingerprint: &f.fingerprint,
        state,
    })
}

/// Any finding as the report shows it.
fn view<'a>(
    result: &'a ScanResult,
    f: &'a Finding,
    state: Option<State>,
) -> Option<FindingView<'a>> {
    match f.kind() {
        Kind::Misconfiguration => misconfiguration(f, state).map(FindingView::Misconfiguration),
        Kind::Secret => secret(result, f, state).map(FindingView::Secret),
        Kind::Vulnerability => vulnerability(result, f, state).map(FindingView::Vulnerability),
    }
}

pub fn write(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    let artifact = &result.artifact;
    let outcome = &result.outcome;
    let layer_id = |i: usize| artifact.layers.get(i).map(|l| l.diff_id.as_str());
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
            .map(|(i, db)| {
                AnyTarget::Packages(Target {
                    name: target_name(result),
                    kind: if db.format.is_os() {
                        "os-packages"
                    } else {
                        "lang-packages"
                    },
                    ecosystem: db.ecosystem().map(ToString::to_string),
                    path: &db.path,
                    format: db.format,
                    packages: db
                        .packages
                        .iter()
                        .map(|p| Package {
                            package: &p.package,
                            purl: &p.purl,
                            file: (p.file != db.path).then_some(p.file.as_str()),
                            layer_diff_id: layer_id(p.layer),
                        })
                        .collect(),
                    vulnerabilities: result.vulnerabilities_scanned.then(|| {
                        outcome
                            .findings
                            .iter()
                            .filter(|r| r.finding.target == TargetRef::PackageDb(i))
                            .filter_map(|r| vulnerability(result, &r.finding, r.state))
                            .collect()
                    }),
                })
            })
            .chain(
                result
                    .config_files
                    .iter()
                    .zip(result.findings_by_config_file())
                    .map(|(file, found)| {
                        AnyTarget::Config(ConfigTarget {
                            kind: "config",
                            path: &file.path,
                            file_type: file.file_type.as_str(),
                            misconfigurations: found
                                .into_iter()
                                .filter_map(|r| misconfiguration(&r.finding, r.state))
                                .collect(),
                        })
                    }),
            )
            .chain(
                result
                    .secret_files
                    .iter()
                    .zip(result.findings_by_secret_file())
                    .map(|(file, found)| {
                        AnyTarget::Secret(SecretTargetView {
                            kind: "secret",
                            path: &file.path,
                            layer_diff_id: result.layer_diff_id(file.layer),
                            deleted_later: (artifact.kind == ArtifactKind::Image)
                                .then_some(file.deleted_later),
                            secrets: found
                                .into_iter()
                                .filter_map(|r| secret(result, &r.finding, r.state))
                                .collect(),
                        })
                    }),
            )
            .collect(),
        ignored: outcome
            .ignored
            .iter()
            .filter_map(|ig| {
                Some(IgnoredFinding {
                    kind: ig.finding.kind(),
                    path: (ig.finding.kind() == Kind::Vulnerability)
                        .then(|| ig.finding.location.path()),
                    finding: view(result, &ig.finding, None)?,
                    ignored_by: &ig.by,
                })
            })
            .collect(),
        fixed: outcome
            .fixed
            .as_ref()
            .map(|fixed| fixed.iter().filter_map(|f| view(result, f, None)).collect()),
        summary: summary(outcome),
        gate: &outcome.gate,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn summary(outcome: &crate::policy::Outcome) -> Summary {
    let counts = crate::policy::counts(outcome.findings.iter().map(|r| &r.finding));
    let baseline = outcome.fixed.as_ref();
    let in_state = |s: State| {
        baseline.map(|_| {
            outcome
                .findings
                .iter()
                .filter(|r| r.state == Some(s))
                .count()
        })
    };
    Summary {
        total: counts.total(),
        counts,
        ignored: outcome.ignored.len(),
        new: in_state(State::New),
        existing: in_state(State::Existing),
        fixed: baseline.map(Vec::len),
    }
}
