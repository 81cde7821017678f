//! SARIF 2.1.0, shaped for GitHub code scanning: one rule per finding id,
//! one result per reported finding, located on a file of the repository
//! (the Dockerfile line that brought a package in, when known) and
//! fingerprinted with the finding's stable fingerprint, since GitHub uses
//! only `partialFingerprints.primaryLocationLineHash` and computes none for
//! API uploads. Only what the policy reported is written, so `--severity`
//! and ignore files apply here as everywhere.
//!
//! Config findings form a run of their own, with a category of their own
//! (`scangate/config/` by default), whenever the config checks ran: an
//! image scan and a repository check of the same commit then never replace
//! or close each other's alerts, whichever command produced them. Secrets
//! likewise (`scangate/secret/`), each on its own file and line, showing
//! only the masked prefix of the value.

use super::{ReportOptions, ScanResult};
use crate::dockerfile::LineRange;
use crate::finding::{Detail, Finding, Kind, Location, Status};
use crate::matching::severity::Severity;
use crate::policy::Reported;
use crate::source::ArtifactKind;
use serde_json::{json, Value};
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// GitHub's limits for one uploaded file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Results per run (GitHub rejects more than 25,000).
    pub results: usize,
    /// The file's size after gzip (GitHub rejects more than 10 MB).
    pub gzip_bytes: usize,
}

impl Limits {
    pub const GITHUB: Limits = Limits {
        results: 25_000,
        gzip_bytes: 10 * 1024 * 1024,
    };
}

/// The JSON schema SARIF viewers validate against.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes the SARIF log of `result` within GitHub's limits.
pub fn write(result: &ScanResult, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    write_within(result, options, Limits::GITHUB, out)
}

/// Writes the SARIF log, keeping the most severe findings when the whole
/// would exceed `limits`; what was left out is said in the run's
/// properties and in a warning.
pub fn write_within(
    result: &ScanResult,
    options: ReportOptions,
    limits: Limits,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut findings: Vec<&Reported> = result.outcome.findings.iter().collect();
    // Worst first (stable: the scanners' order within a severity), so a
    // cut keeps the most severe, and GitHub's own cut (it keeps the first
    // 5,000 by severity) agrees with ours.
    findings.sort_by_key(|r| std::cmp::Reverse(r.finding.severity));
    let total = findings.len();
    let mut keep = total.min(limits.results);
    let mut reason = (keep < total).then(|| {
        format!(
            "more than {} results, GitHub's limit per run",
            limits.results
        )
    });
    loop {
        let log = sarif_log(result, options, &findings[..keep], total, reason.as_deref());
        let mut json = serde_json::to_vec_pretty(&log).map_err(io::Error::other)?;
        json.push(b'\n');
        let size = gzipped_len(&json)?;
        if size <= limits.gzip_bytes || keep == 0 {
            if let Some(why) = &reason {
                tracing::warn!(
                    "SARIF: {} of {total} findings written, the most severe ({why}); the rest are in the run's properties only as a count",
                    keep
                );
            }
            return out.write_all(&json);
        }
        // Shrink in proportion to the excess, with a 10% margin.
        let scaled = (keep as u128 * limits.gzip_bytes as u128 * 9 / 10 / size as u128) as usize;
        keep = scaled.min(keep - 1);
        reason = Some(format!(
            "over {} bytes gzipped, GitHub's limit per file",
            limits.gzip_bytes
        ));
    }
}

fn gzipped_len(data: &[u8]) -> io::Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data)?;
    Ok(gz.finish()?.len())
}

fn sarif_log(
    result: &ScanResult,
    options: ReportOptions,
    findings: &[&Reported],
    total: usize,
    truncated: Option<&str>,
) -> sarif::Sarif {
    let cut = Cut {
        total,
        kept: findings.len(),
    };
    // A scanner's findings form its own run only when it ran.
    let own = |r: &&&Reported| match r.finding.kind() {
        Kind::Misconfiguration => result.config_scanned,
        Kind::Secret => result.secrets_scanned,
        Kind::Vulnerability => false,
    };
    let (own_kind, other): (Vec<&Reported>, Vec<&Reported>) = findings.iter().partition(own);
    let (config, secrets): (Vec<&Reported>, Vec<&Reported>) = own_kind
        .into_iter()
        .partition(|r| r.finding.kind() == Kind::Misconfiguration);
    let mut runs = Vec::new();
    let own_runs = result.config_scanned || result.secrets_scanned;
    if !own_runs || result.vulnerabilities_scanned || !other.is_empty() {
        let id = automation_id(options.category, result.artifact.kind);
        runs.push(sarif_run(result, &other, cut, truncated, id));
    }
    // Runs of their own even when empty: an empty run is what closes the
    // alerts of secrets since removed.
    if result.secrets_scanned {
        let id = scanner_automation_id(options.category, "secret");
        runs.push(sarif_run(result, &secrets, cut, truncated, id));
    }
    if result.config_scanned {
        let id = config_automation_id(options.category, runs.is_empty());
        runs.push(sarif_run(result, &config, cut, truncated, id));
    }
    sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(sarif::Version::V2_1_0.to_string())
        .runs(runs)
        .build()
}

/// How many findings the scan reported, and how many fit in the file.
#[derive(Clone, Copy)]
struct Cut {
    total: usize,
    kept: usize,
}

/// One run: the findings of one category.
fn sarif_run(
    result: &ScanResult,
    findings: &[&Reported],
    cut: Cut,
    truncated: Option<&str>,
    automation_id: String,
) -> sarif::Run {
    // One rule per id, in the order results first use them.
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_rule: Vec<Vec<&Finding>> = Vec::new();
    for r in findings {
        let i = *rule_index.entry(r.finding.id.as_str()).or_insert_with(|| {
            by_rule.push(Vec::new());
            by_rule.len() - 1
        });
        by_rule[i].push(&r.finding);
    }
    let rules: Vec<sarif::ReportingDescriptor> = by_rule.iter().map(|fs| rule(fs)).collect();
    let results: Vec<sarif::Result> = findings
        .iter()
        .map(|r| sarif_result(result, r, rule_index[r.finding.id.as_str()]))
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();

    let mut properties = BTreeMap::new();
    properties.insert("findings".to_string(), json!(cut.total));
    properties.insert("results".to_string(), json!(findings.len()));
    properties.insert("ignored".to_string(), json!(result.outcome.ignored.len()));
    properties.insert("truncated".to_string(), json!(truncated.is_some()));
    if let Some(why) = truncated {
        properties.insert(
            "truncation".to_string(),
            json!(format!(
                "{} of {} findings written, the most severe: {why}",
                cut.kept, cut.total
            )),
        );
    }
    properties.insert("artifact".to_string(), json!(result.artifact.name));
    if let Some(d) = &result.dockerfile {
        properties.insert("dockerfile".to_string(), json!(d.path));
    }

    sarif::Run::builder()
        .tool(sarif::Tool::from(driver))
        .results(results)
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(automation_id)
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// The config run's `runAutomationDetails.id`: `scangate/config/`, or
/// under the given category (`NAME/config/`, or `NAME/` when the config
/// checks are the whole scan).
fn config_automation_id(category: Option<&str>, only_config: bool) -> String {
    match category.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if only_config => format!("{}/", c.trim_end_matches('/')),
        _ => scanner_automation_id(category, "config"),
    }
}

/// The `runAutomationDetails.id` of a scanner's own run:
/// `scangate/SCANNER/`, or `NAME/SCANNER/` under the given category.
fn scanner_automation_id(category: Option<&str>, scanner: &str) -> String {
    match category.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("{}/{scanner}/", c.trim_end_matches('/')),
        None => format!("scangate/{scanner}/"),
    }
}

/// `runAutomationDetails.id`: GitHub takes the part before the last `/` as
/// the analysis category, so `NAME` becomes `NAME/`.
fn automation_id(category: Option<&str>, kind: ArtifactKind) -> String {
    let category = category.map(str::trim).filter(|c| !c.is_empty());
    match category {
        Some(c) if c.ends_with('/') => c.to_string(),
        Some(c) => format!("{c}/"),
        None => match kind {
            ArtifactKind::Image => "scangate/image/".to_string(),
            ArtifactKind::Filesystem => "scangate/fs/".to_string(),
        },
    }
}

/// What GitHub ranks alerts by (`security-severity`): the CVSS score, or a
/// score in the middle of the level's range when there is none; `None` for
/// an unknown severity (GitHub then ranks the alert by its level).
fn security_severity(severity: Severity, score: Option<f64>) -> Option<String> {
    if let Some(score) = score {
        return Some(format!("{score:.1}"));
    }
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Unknown => None,
    }
    .map(str::to_string)
}

fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Unknown => sarif::ResultLevel::Note,
    }
}

/// The rule for one id, from every finding with that id (the same
/// advisory in several packages).
fn rule(findings: &[&Finding]) -> sarif::ReportingDescriptor {
    let first = findings[0];
    let worst = findings
        .iter()
        .max_by(|a, b| {
            a.severity.cmp(&b.severity).then(
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
        })
        .unwrap_or(&first);
    let kind = match first.detail {
        Detail::Vulnerability(_) => "vulnerability",
        Detail::Misconfiguration(_) => "misconfiguration",
        Detail::Secret(_) => "secret",
    };
    let short = if first.title.trim().is_empty() {
        first.id.clone()
    } else {
        format!("{}: {}", first.id, first.title.trim())
    };
    let mut full = if first.title.trim().is_empty() {
        first.id.clone()
    } else {
        first.title.trim().to_string()
    };
    if !first.aliases.is_empty() {
        full.push_str(&format!(" (also known as {})", first.aliases.join(", ")));
    }
    let (text, markdown) = help(findings);

    let mut properties = BTreeMap::new();
    if let Some(s) = security_severity(worst.severity, worst.score) {
        properties.insert("security-severity".to_string(), json!(s));
    }
    let mut descriptor = sarif::ReportingDescriptor::builder()
        .id(first.id.clone())
        .short_description(&short)
        .full_description(&full)
        .help(
            sarif::MultiformatMessageString::builder()
                .text(text)
                .markdown(markdown)
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    kind.to_string(),
                    worst.severity.to_string(),
                ])
                .additional_properties(properties)
                .build(),
        )
        .build();
    descriptor.help_uri = help_uri(first);
    descriptor
}

/// The first reference, else OSV's page for a vulnerability.
fn help_uri(f: &Finding) -> Option<String> {
    f.references.first().cloned().or_else(|| match f.detail {
        Detail::Vulnerability(_) => Some(format!("https://osv.dev/vulnerability/{}", f.id)),
        Detail::Misconfiguration(_) | Detail::Secret(_) => None,
    })
}

/// Help as plain text and as Markdown: the affected packages (installed →
/// fixed) or the resolution, then the references.
fn help(findings: &[&Finding]) -> (String, String) {
    let first = findings[0];
    let mut text = format!("{} ({})\n", first.title.trim(), first.severity);
    let mut md = format!(
        "**{}** ({})\n\n{}\n\n",
        first.id,
        first.severity,
        first.title.trim()
    );
    match &first.detail {
        Detail::Vulnerability(_) => {
            md.push_str("| Package | Installed | Fixed |\n|---|---|---|\n");
            for f in findings {
                if let Some(p) = f.package() {
                    let fixed = p.fixed_version.as_deref().unwrap_or("no fix yet");
                    text.push_str(&format!(
                        "Package: {} {}; fixed version: {fixed}\n",
                        p.package_name, p.installed_version
                    ));
                    md.push_str(&format!(
                        "| {} | {} | {fixed} |\n",
                        md_cell(&p.package_name),
                        md_cell(&p.installed_version)
                    ));
                }
            }
        }
        Detail::Secret(secret) => {
            let fix = crate::secret::rules_doc::RESOLUTION;
            text.push_str(&format!(
                "Category: {}\nResolution: {fix}\n",
                secret.category
            ));
            md.push_str(&format!(
                "Category: {}\n\n**Resolution:** {fix}\n",
                secret.category
            ));
        }
        Detail::Misconfiguration(m) => {
            text.push_str(&format!("{}\nResolution: {}\n", m.message, m.resolution));
            md.push_str(&format!(
                "{}\n\n**Resolution:** {}\n",
                m.message, m.resolution
            ));
        }
    }
    if !first.references.is_empty() {
        text.push_str("References:\n");
        md.push_str("\n**References**\n\n");
        for r in &first.references {
            text.push_str(&format!("- {r}\n"));
            md.push_str(&format!("- <{r}>\n"));
        }
    }
    (text, md)
}

/// A table cell: `|` would end it early.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Where a finding is shown: a misconfiguration on its own lines; a
/// package on the Dockerfile line that brought it in (the final `FROM` for
/// base-image packages) when the Dockerfile is known, else on the line of
/// the lockfile that declares it (the `name = "time"` line of a
/// `Cargo.lock`), or line 1 of the package database's path.
fn place(result: &ScanResult, f: &Finding) -> (String, LineRange) {
    match &f.location {
        Location::Lines {
            path,
            start_line,
            end_line,
        } => (
            path.clone(),
            LineRange {
                start: (*start_line).max(1),
                end: (*end_line).max(*start_line).max(1),
            },
        ),
        Location::Package {
            db_path,
            layer,
            line,
        } => match &result.dockerfile {
            Some(d) => (d.path.clone(), d.lines.for_layer(*layer)),
            None => {
                let at = line.unwrap_or(1).max(1);
                (db_path.clone(), LineRange { start: at, end: at })
            }
        },
    }
}

fn message(result: &ScanResult, f: &Finding) -> String {
    match &f.detail {
        Detail::Vulnerability(p) => {
            let fix = match (&p.fixed_version, p.status) {
                (Some(v), _) => format!("fixed in {v}"),
                (None, Status::WillNotFix) => "the vendor will not fix it (will_not_fix)".into(),
                (None, Status::FixDeferred) => "the vendor deferred the fix (fix_deferred)".into(),
                (None, Status::EndOfLife) => {
                    "no fix: out of the vendor's support (end_of_life)".into()
                }
                (None, Status::UnderInvestigation) => {
                    "the vendor is investigating it (under_investigation)".into()
                }
                (None, _) => "no fixed version yet".to_string(),
            };
            let text = format!(
                "{} {} is affected by {} ({}), {fix}: {}",
                p.package_name,
                p.installed_version,
                f.id,
                f.severity,
                f.title.trim()
            );
            match result.image_of(f) {
                Some(image) => format!("Image {}: {text}", image.pinned()),
                None => text,
            }
        }
        Detail::Misconfiguration(m) => m.message.clone(),
        Detail::Secret(secret) => {
            let mut text = format!(
                "{} ({}, {}): {} in {}",
                f.title.trim(),
                f.id,
                f.severity,
                secret.shown,
                f.location.path()
            );
            if let Some(id) = result.short_layer_id(secret.layer) {
                text.push_str(&format!(", added by layer {id}"));
                if let Some(step) = result.layer_created_by(secret.layer) {
                    text.push_str(&format!(" ({step})"));
                }
            }
            if secret.deleted_later {
                text.push_str("; a later layer deleted the file, but it is still in the image");
            }
            text
        }
    }
}

fn sarif_result(result: &ScanResult, r: &Reported, rule_index: usize) -> sarif::Result {
    let f = &r.finding;
    let (uri, lines) = place(result, f);
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
                .region(
                    sarif::Region::builder()
                        .start_line(i64::from(lines.start))
                        .end_line(i64::from(lines.end))
                        .build(),
                )
                .build(),
        )
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("primaryLocationLineHash".to_string(), f.fingerprint.clone());
    let mut properties: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(p) = f.package() {
        properties.insert("purl".to_string(), json!(p.purl));
        properties.insert("installedVersion".to_string(), json!(p.installed_version));
        properties.insert("status".to_string(), json!(p.status.as_str()));
        if let Some(fixed) = &p.fixed_version {
            properties.insert("fixedVersion".to_string(), json!(fixed));
        }
    }
    let layer = match (&f.location, f.secret()) {
        (Location::Package { layer, .. }, _) => *layer,
        (_, Some(secret)) => secret.layer,
        _ => None,
    };
    if let Some(diff_id) = result.layer_diff_id(layer) {
        properties.insert("layerDiffId".to_string(), json!(diff_id));
    }
    if let Some(image) = result.image_of(f) {
        properties.insert("image".to_string(), json!(image.reference));
        properties.insert("imageDigest".to_string(), json!(image.digest));
    }
    if let Some(secret) = f.secret() {
        properties.insert("category".to_string(), json!(secret.category));
        if secret.layer.is_some() {
            properties.insert("deletedLater".to_string(), json!(secret.deleted_later));
        }
    }
    if let Some(state) = r.state {
        properties.insert("baselineState".to_string(), json!(state));
    }
    sarif::Result::builder()
        .rule_id(f.id.clone())
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(sarif::Message::from(message(result, f).as_str()))
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{fingerprint, Misconfiguration, PackageVulnerability, Status, TargetRef};
    use crate::inventory::Inventory;
    use crate::policy::{Gate, Outcome};
    use crate::source::Artifact;

    fn vuln(id: &str, severity: Severity, score: Option<f64>) -> Finding {
        Finding {
            id: id.to_string(),
            aliases: Vec::new(),
            severity,
            score,
            title: format!("{id} title"),
            references: Vec::new(),
            target: TargetRef::PackageDb(0),
            location: Location::Package {
                db_path: "var/lib/dpkg/status".to_string(),
                layer: None,
                line: None,
            },
            fingerprint: fingerprint(&[id]),
            detail: Detail::Vulnerability(PackageVulnerability {
                package: 0,
                package_name: "libssl3".to_string(),
                purl: "pkg:deb/debian/libssl3@1".to_string(),
                installed_version: "1".to_string(),
                fixed_version: None,
                status: Status::Affected,
                scoring: Default::default(),
            }),
        }
    }

    fn scan(findings: Vec<Finding>) -> ScanResult {
        ScanResult {
            artifact: Artifact {
                name: "app".to_string(),
                reference: None,
                kind: ArtifactKind::Filesystem,
                digest: None,
                layers: Vec::new(),
            },
            inventory: Inventory {
                os: None,
                package_dbs: Vec::new(),
            },
            config_files: Vec::new(),
            secret_files: Vec::new(),
            secrets_scanned: false,
            vulnerabilities_scanned: true,
            config_scanned: false,
            outcome: Outcome {
                findings: findings
                    .into_iter()
                    .map(|finding| Reported {
                        finding,
                        state: None,
                    })
                    .collect(),
                ignored: Vec::new(),
                fixed: None,
                gate: Gate {
                    failed: false,
                    fail_on: None,
                    only_new: false,
                    fail_on_kev: false,
                    fail_on_epss: None,
                    reasons: Vec::new(),
                    exit_code: 0,
                },
            },
            dockerfile: None,
            images: Vec::new(),
        }
    }

    fn sarif_json(result: &ScanResult, limits: Limits) -> Value {
        let mut out = Vec::new();
        write_within(result, ReportOptions::default(), limits, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn a_misconfiguration_is_placed_on_its_own_lines() {
        let finding = Finding {
            id: "DS002".to_string(),
            aliases: vec!["AVD-DS-0002".to_string()],
            severity: Severity::Medium,
            score: None,
            title: "Image user should not be 'root'".to_string(),
            references: vec!["https://example.test/DS002".to_string()],
            target: TargetRef::ConfigFile(0),
            location: Location::Lines {
                path: "build/Dockerfile".to_string(),
                start_line: 7,
                end_line: 9,
            },
            fingerprint: fingerprint(&["DS002", "build/Dockerfile"]),
            detail: Detail::Misconfiguration(Misconfiguration {
                message: "The last USER is root".to_string(),
                resolution: "Add a USER instruction with a non-root user".to_string(),
                snippet: "USER root".to_string(),
            }),
        };
        let log = sarif_json(&scan(vec![finding]), Limits::GITHUB);
        let run = &log["runs"][0];
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "DS002");
        assert_eq!(result["level"], "warning");
        assert_eq!(result["message"]["text"], "The last USER is root");
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "build/Dockerfile");
        assert_eq!(loc["region"], json!({"startLine": 7, "endLine": 9}));
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(
            rule["properties"]["tags"],
            json!(["security", "misconfiguration", "MEDIUM"])
        );
        assert_eq!(rule["properties"]["security-severity"], "5.5");
        assert_eq!(rule["helpUri"], "https://example.test/DS002");
        let help = rule["help"]["markdown"].as_str().unwrap();
        assert!(
            help.contains("**Resolution:** Add a USER instruction"),
            "{help}"
        );
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("AVD-DS-0002"));
        assert_eq!(run["automationDetails"]["id"], "scangate/fs/");
        assert_eq!(
            run["tool"]["driver"]["informationUri"],
            env!("CARGO_PKG_REPOSITORY")
        );
    }

    #[test]
    fn config_findings_get_a_run_and_category_of_their_own() {
        let misconfig = Finding {
            id: "DS002".to_string(),
            aliases: Vec::new(),
            severity: Severity::High,
            score: None,
            title: "root".to_string(),
            references: Vec::new(),
            target: TargetRef::ConfigFile(0),
            location: Location::Lines {
                path: "Dockerfile".to_string(),
                start_line: 3,
                end_line: 3,
            },
            fingerprint: fingerprint(&["DS002", "Dockerfile"]),
            detail: Detail::Misconfiguration(Misconfiguration {
                message: "root".to_string(),
                resolution: String::new(),
                snippet: String::new(),
            }),
        };
        let mut result = scan(vec![vuln("CVE-1", Severity::High, None), misconfig.clone()]);
        result.artifact.kind = ArtifactKind::Image;
        result.config_scanned = true;
        let log = sarif_json(&result, Limits::GITHUB);
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0]["automationDetails"]["id"], "scangate/image/");
        assert_eq!(runs[0]["results"][0]["ruleId"], "CVE-1");
        assert_eq!(runs[0]["results"].as_array().unwrap().len(), 1);
        assert_eq!(runs[1]["automationDetails"]["id"], "scangate/config/");
        assert_eq!(runs[1]["results"][0]["ruleId"], "DS002");
        assert_eq!(runs[1]["results"].as_array().unwrap().len(), 1);

        // A config check alone is one run, in the config category.
        let mut only = scan(vec![misconfig]);
        only.vulnerabilities_scanned = false;
        only.config_scanned = true;
        let log = sarif_json(&only, Limits::GITHUB);
        assert_eq!(log["runs"].as_array().unwrap().len(), 1);
        assert_eq!(
            log["runs"][0]["automationDetails"]["id"],
            "scangate/config/"
        );
        assert_eq!(config_automation_id(Some("web"), false), "web/config/");
        assert_eq!(config_automation_id(Some("web/"), true), "web/");
    }

    #[test]
    fn over_the_result_limit_the_most_severe_are_kept() {
        let result = scan(vec![
            vuln("CVE-LOW", Severity::Low, None),
            vuln("CVE-CRIT", Severity::Critical, Some(9.8)),
            vuln("CVE-UNKNOWN", Severity::Unknown, None),
            vuln("CVE-HIGH", Severity::High, None),
        ]);
        let log = sarif_json(
            &result,
            Limits {
                results: 2,
                gzip_bytes: Limits::GITHUB.gzip_bytes,
            },
        );
        let run = &log["runs"][0];
        let ids: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["CVE-CRIT", "CVE-HIGH"]);
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        assert_eq!(run["results"][1]["ruleIndex"], 1);
        assert_eq!(run["properties"]["findings"], 4);
        assert_eq!(run["properties"]["results"], 2);
        assert_eq!(run["properties"]["truncated"], true);
    }

    #[test]
    fn over_the_size_limit_results_are_dropped_until_it_fits() {
        let findings: Vec<Finding> = (0..200)
            .map(|i| vuln(&format!("CVE-2024-{i:04}"), Severity::Medium, None))
            .collect();
        let result = scan(findings);
        let whole = sarif_json(&result, Limits::GITHUB);
        assert_eq!(whole["runs"][0]["properties"]["truncated"], false);
        let limits = Limits {
            results: 25_000,
            gzip_bytes: 4_000,
        };
        let mut out = Vec::new();
        write_within(&result, ReportOptions::default(), limits, &mut out).unwrap();
        assert!(gzipped_len(&out).unwrap() <= 4_000);
        let cut: Value = serde_json::from_slice(&out).unwrap();
        let run = &cut["runs"][0];
        let kept = run["results"].as_array().unwrap().len();
        assert!(kept > 0 && kept < 200, "{kept}");
        assert_eq!(run["properties"]["results"], kept);
        assert!(run["properties"]["truncation"]
            .as_str()
            .unwrap()
            .contains("gzipped"));
    }

    #[test]
    fn severity_becomes_level_and_security_severity() {
        let cases = [
            (Severity::Critical, None, "error", Some("9.5")),
            (Severity::High, Some(7.45), "error", Some("7.5")),
            (Severity::Medium, None, "warning", Some("5.5")),
            (Severity::Low, None, "note", Some("2.0")),
            (Severity::Unknown, None, "note", None),
        ];
        for (severity, score, want_level, want_score) in cases {
            assert_eq!(json!(level(severity)), json!(want_level), "{severity}");
            assert_eq!(
                security_severity(severity, score).as_deref(),
                want_score,
                "{severity}"
            );
        }
    }

    #[test]
    fn category_becomes_the_automation_id() {
        assert_eq!(automation_id(Some("web"), ArtifactKind::Image), "web/");
        assert_eq!(automation_id(Some("a/b/"), ArtifactKind::Image), "a/b/");
        assert_eq!(
            automation_id(Some(" "), ArtifactKind::Image),
            "scangate/image/"
        );
    }
}
