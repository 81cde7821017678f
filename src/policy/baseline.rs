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

use crate::error::{Error, Result};
use crate::finding::{Finding, Location};
use crate::inventory::os::{Os, OsFamily};
use crate::inventory::{
    FoundPackage, Inventory, Options, Package, PackageFormat, PackageSet, Want, ANALYZERS,
};
use crate::report::json::SCHEMA_VERSION;
use crate::source::{Collected, LayerInfo};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// The baseline's packages, and the layers its package origins refer to.
#[derive(Debug)]
pub struct Baseline {
    pub inventory: Inventory,
    /// Diff ID of each baseline layer, in order (empty for a filesystem).
    layers: Vec<String>,
}

impl Baseline {
    /// The baseline from a second image scanned in this run.
    pub fn from_scan(collected: &Collected, options: Options) -> Baseline {
        Baseline {
            inventory: crate::inventory::inventory(&collected.layers, options),
            layers: diff_ids(&collected.artifact.layers),
        }
    }

    /// Reads a scangate JSON report back into its inventory. Anything that
    /// is not a scangate report of a schema this version reads is a usage
    /// error naming the file.
    pub fn from_report(path: &Path) -> Result<Baseline> {
        let name = path.display();
        let text = super::text_file::read(path, "--baseline", "baseline report")?;
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
        Ok(report.into_baseline(&name.to_string()))
    }

    /// Baseline findings with their layers re-pointed at the current
    /// image's layers (by diff ID), so reports show the right layer; a
    /// layer the current image does not have becomes unknown.
    pub fn relocate(&self, mut findings: Vec<Finding>, current: &[LayerInfo]) -> Vec<Finding> {
        for f in &mut findings {
            if let Location::Package { layer, .. } = &mut f.location {
                *layer = layer
                    .and_then(|i| self.layers.get(i))
                    .and_then(|id| current.iter().position(|l| &l.diff_id == id));
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

impl ReportIn {
    fn into_baseline(self, file: &str) -> Baseline {
        let layers: Vec<String> = self
            .artifact
            .layers
            .into_iter()
            .map(|l| l.diff_id)
            .collect();
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
        Baseline {
            inventory: Inventory { os, package_dbs },
            layers,
        }
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
