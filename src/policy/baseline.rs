//! The baseline: what the image looked like before this change (the main
//! branch's image, say), so the gate can fail on what the change introduces.
//!
//! A baseline is a package inventory, never a list of old findings: its
//! packages are matched against today's database like the current scan's,
//! so an advisory published since the baseline was written shows as
//! `existing` in both, not as new (comparing stale finding lists is the
//! trap). It comes from a scangate JSON report, which always embeds its
//! packages (`--baseline`), or from scanning a second image in the same
//! run (`--baseline-input`).
//!
//! Secrets are the exception: there is no database to rematch, so a
//! report's secrets are read back as written (its `targets[].secrets[]`
//! and the secrets in its `ignored[]`), while `--baseline-input` scans the
//! baseline image's layers with today's rules. Secrets are compared by
//! fingerprint like every finding; see [`crate::secret`] for what a
//! secret's fingerprint is made of and why.

use crate::core::schema::JSON_REPORT_SCHEMA_VERSION as SCHEMA_VERSION;
use crate::error::{Error, Result};
use crate::finding::{Detail, Finding, Location, SecretDetail, TargetRef};
use crate::inventory::os::{Os, OsFamily};
use crate::inventory::{
    FoundPackage, Inventory, Options, Package, PackageFormat, PackageSet, Want, ANALYZERS,
};
use crate::matching::severity::Severity;
use crate::secret::{Engine, SecretScan};
use crate::source::skip::Skip;
use crate::source::{Collected, LayerInfo};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// The baseline's packages and secrets, and the layers their origins
/// refer to.
#[derive(Debug)]
pub struct Baseline {
    pub inventory: Inventory,
    /// Diff ID of each baseline layer, in order (empty for a filesystem).
    layers: Vec<String>,
    /// The baseline's secret findings, their layers indices into `layers`.
    secrets: Vec<Finding>,
}

impl Baseline {
    /// The baseline from a second image scanned in this run; its layers'
    /// secrets are scanned when `secrets` is given (the secret scanner is
    /// on and `collected` was read with it).
    pub fn from_scan(
        collected: &Collected,
        options: Options,
        secrets: Option<&Engine>,
    ) -> Baseline {
        Baseline {
            inventory: crate::inventory::inventory(&collected.layers, options),
            layers: diff_ids(&collected.artifact.layers),
            secrets: secrets
                .map(|engine| SecretScan::from_layers(&collected.layers, engine).findings)
                .unwrap_or_default(),
        }
    }

    /// The baseline's secret findings, minus those in files `skip` skips
    /// today (a report's were found before the flag was given; they would
    /// otherwise show as fixed), their layers re-pointed at the current
    /// image's as [`Baseline::relocate`] does.
    pub fn secrets(&self, skip: &Skip, current: &[LayerInfo]) -> Vec<Finding> {
        let kept = self
            .secrets
            .iter()
            .filter(|f| !skip.skips_file(f.location.path()))
            .cloned()
            .collect();
        self.relocate(kept, current)
    }

    /// Reads a scangate JSON report back into its inventory. Anything that
    /// is not a scangate report of a schema this version reads is a usage
    /// error naming the file.
    pub fn from_report(path: &Path) -> Result<Baseline> {
        let name = path.display();
        let text = crate::text_file::read(path, "--baseline", "baseline report")?;
        let not_report =
            |why: String| Error::Usage(format!("{name}: not a scangate JSON report: {why}"));
        let value: Value = serde_json::from_str(&text).map_err(|e| not_report(e.to_string()))?;
        if value.pointer("/tool/name").and_then(Value::as_str) != Some("scangate") {
            return Err(not_report("tool.name is not \"scangate\"".into()));
        }
        match value.get("schema_version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(Error::Usage(format!(
                    "{name}: report schema_version {v}; this scangate reads {SCHEMA_VERSION}"
                )))
            }
            None => return Err(not_report("it has no schema_version".into())),
        }
        let report: ReportIn =
            serde_json::from_value(value).map_err(|e| not_report(e.to_string()))?;
        report.into_baseline(&name.to_string())
    }

    /// Baseline findings with their layers re-pointed at the current
    /// image's layers (by diff ID), so reports show the right layer; a
    /// layer the current image does not have becomes unknown.
    pub fn relocate(&self, mut findings: Vec<Finding>, current: &[LayerInfo]) -> Vec<Finding> {
        let here = |layer: Option<usize>| {
            layer
                .and_then(|i| self.layers.get(i))
                .and_then(|id| current.iter().position(|l| &l.diff_id == id))
        };
        for f in &mut findings {
            if let Location::Package { layer, .. } = &mut f.location {
                *layer = here(*layer);
            }
            if let Detail::Secret(s) = &mut f.detail {
                s.layer = here(s.layer);
            }
        }
        findings
    }
}

fn diff_ids(layers: &[LayerInfo]) -> Vec<String> {
    layers.iter().map(|l| l.diff_id.clone()).collect()
}

/// The parts of a JSON report (schema 1) a baseline needs.
#[derive(Deserialize)]
struct ReportIn {
    artifact: ArtifactIn,
    targets: Vec<TargetIn>,
    /// Suppressed findings: the secrets among them are baseline secrets
    /// too (today's suppressions decide again, as for packages).
    #[serde(default)]
    ignored: Vec<IgnoredIn>,
}

#[derive(Deserialize)]
struct IgnoredIn {
    kind: String,
    #[serde(flatten)]
    secret: Option<SecretIn>,
}

/// A secret as the report wrote it: never its value, only its
/// fingerprint, which is all the comparison needs.
#[derive(Deserialize)]
struct SecretIn {
    rule_id: String,
    category: String,
    severity: String,
    title: String,
    path: String,
    start_line: u32,
    end_line: u32,
    #[serde(rename = "match")]
    shown: String,
    layer_diff_id: Option<String>,
    #[serde(default)]
    deleted_later: bool,
    fingerprint: String,
}

#[derive(Deserialize)]
struct ArtifactIn {
    os: Option<OsIn>,
    #[serde(default)]
    layers: Vec<LayerIn>,
}

#[derive(Deserialize)]
struct OsIn {
    family: OsFamily,
    version: String,
}

#[derive(Deserialize)]
struct LayerIn {
    diff_id: String,
}

#[derive(Deserialize)]
struct TargetIn {
    kind: String,
    ecosystem: Option<String>,
    path: String,
    /// Added to the report with baselines; older reports are read by path.
    format: Option<PackageFormat>,
    /// Config and secret targets have none.
    #[serde(default)]
    packages: Vec<PackageIn>,
    /// Secret targets' findings.
    #[serde(default)]
    secrets: Vec<SecretIn>,
}

#[derive(Deserialize)]
struct PackageIn {
    #[serde(flatten)]
    package: Package,
    purl: String,
    /// Only where it differs from the target's path.
    file: Option<String>,
    layer_diff_id: Option<String>,
}

impl SecretIn {
    /// The finding, its layer an index into the baseline's `layers`
    /// (out of range when the report names a layer it does not list).
    fn into_finding(self, layers: &[String], file: &str) -> Result<Finding> {
        let severity: Severity = self
            .severity
            .parse()
            .map_err(|e| Error::Usage(format!("{file}: secret {}: {e}", self.rule_id)))?;
        let layer = self
            .layer_diff_id
            .map(|id| layers.iter().position(|l| *l == id).unwrap_or(layers.len()));
        Ok(Finding {
            id: self.rule_id,
            aliases: Vec::new(),
            severity,
            score: None,
            title: self.title,
            references: Vec::new(),
            // Baseline findings are shown from the finding alone.
            target: TargetRef::SecretFile(usize::MAX),
            location: Location::Lines {
                path: self.path,
                start_line: self.start_line,
                end_line: self.end_line,
            },
            fingerprint: self.fingerprint,
            detail: Detail::Secret(SecretDetail {
                category: self.category,
                shown: self.shown,
                layer,
                deleted_later: self.deleted_later,
            }),
        })
    }
}

impl ReportIn {
    fn into_baseline(mut self, file: &str) -> Result<Baseline> {
        let layers: Vec<String> = self
            .artifact
            .layers
            .into_iter()
            .map(|l| l.diff_id)
            .collect();
        let mut secrets = Vec::new();
        let ignored = self
            .ignored
            .into_iter()
            .filter(|i| i.kind == "secret")
            .filter_map(|i| i.secret);
        let listed = self.targets.iter_mut().flat_map(|t| t.secrets.drain(..));
        for secret in listed.chain(ignored).collect::<Vec<_>>() {
            secrets.push(secret.into_finding(&layers, file)?);
        }
        // Ubuntu Pro and Red Hat's content-manifest streams are not in the
        // report: a baseline's OS packages are matched in the release's
        // main ecosystems, so its findings can only be fewer, which makes
        // the gate stricter, never laxer.
        let os = self.artifact.os.map(|os| Os::new(os.family, &os.version));
        let mut package_dbs = Vec::new();
        for target in self
            .targets
            .into_iter()
            .filter(|t| t.kind == "os-packages" || t.kind == "lang-packages")
        {
            let Some(format) = target.format.or_else(|| format_of_path(&target.path)) else {
                tracing::warn!(
                    "{file}: target {}: unknown package database format; its packages are not in the baseline",
                    target.path
                );
                continue;
            };
            let packages = target
                .packages
                .into_iter()
                .map(|p| FoundPackage {
                    layer: p
                        .layer_diff_id
                        .and_then(|id| layers.iter().position(|l| *l == id))
                        // Unknown: out of range, so never some other layer.
                        .unwrap_or(layers.len()),
                    file: p.file.unwrap_or_else(|| target.path.clone()),
                    package: p.package,
                    purl: p.purl,
                })
                .collect();
            // The ecosystem the packages were matched in, as written; for
            // OS packages it follows from the OS, as in a scan.
            let ecosystems = match format.is_os() {
                true => format.ecosystems(os.as_ref()),
                false => target
                    .ecosystem
                    .as_deref()
                    .and_then(|e| e.parse().ok())
                    .into_iter()
                    .collect(),
            };
            package_dbs.push(PackageSet {
                format,
                ecosystems,
                path: target.path,
                packages,
            });
        }
        Ok(Baseline {
            inventory: Inventory { os, package_dbs },
            layers,
            secrets,
        })
    }
}

/// The format of the analyzer that reads a database at `path`.
fn format_of_path(path: &str) -> Option<PackageFormat> {
    ANALYZERS
        .iter()
        .find(|a| {
            a.wants().iter().any(|w| match w {
                Want::File(p) => *p == path,
                Want::DirEntries(dir) => *dir == path,
                // Reports that name their format: only old OS reports lack it.
                Want::Glob(_) | Want::Executable => false,
            })
        })
        .map(|a| a.format())
}
