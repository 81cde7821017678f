//! Matching: packages × advisories → findings.
//!
//! Debian, Ubuntu and Alpine advisories name source packages (dpkg
//! `Source:`, apk origin), so those packages are looked up by source name
//! and version; rpm distributions name binary packages. Each finding names
//! the binary package the user has.

pub mod ranges;
pub mod severity;

use crate::ecosystem::{Ecosystem, VersionScheme};
use crate::error::Result;
use crate::inventory::{FoundPackage, Inventory, PackageFormat};
use crate::version::{comparator, Comparator};
use crate::vulndb::osv::Record;
use crate::vulndb::VulnDb;
use ranges::Verdict;
use serde::Serialize;
use severity::{Assessment, Severity, SeverityEntry};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Whether a fix exists for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A fixed version exists: upgrading the package removes the finding.
    Fixed,
    /// No fixed version is known yet.
    Affected,
}

/// One vulnerability in one installed package.
#[derive(Debug, Clone)]
pub struct Vulnerability {
    /// The CVE id when the advisory is about exactly one CVE (distribution
    /// wrappers such as `DEBIAN-CVE-…` lead with it), else the OSV id.
    pub id: String,
    /// Every other id the merged advisories are known by, sorted.
    pub aliases: Vec<String>,
    /// Index of the package in its database's `packages`.
    pub package: usize,
    /// The version compared: the source version for dpkg and apk, the
    /// package version for rpm.
    pub installed_version: String,
    pub fixed_version: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub score: Option<f64>,
    pub title: String,
    pub references: Vec<String>,
    /// Same finding → same fingerprint, across runs and machines: the id,
    /// the ecosystem, the package and the database path, not the version.
    pub fingerprint: String,
}

/// The vulnerabilities of one package database, in the same order as
/// `Inventory::package_dbs`.
#[derive(Debug, Default)]
pub struct DbFindings {
    pub ecosystem: Option<Ecosystem>,
    /// Sorted by severity (worst first), then package name, then id.
    pub vulnerabilities: Vec<Vulnerability>,
}

/// Matches every package of `inventory` against `db`.
pub fn match_inventory(inventory: &Inventory, db: &VulnDb) -> Result<Vec<DbFindings>> {
    let ecosystem = inventory.os.as_ref().and_then(|os| os.osv_ecosystem());
    let mut all = Vec::with_capacity(inventory.package_dbs.len());
    for pkg_db in &inventory.package_dbs {
        let Some(eco) = ecosystem.clone() else {
            all.push(DbFindings::default());
            continue;
        };
        let mut cache: HashMap<String, Vec<Record>> = HashMap::new();
        let mut vulns = Vec::new();
        for (index, found) in pkg_db.packages.iter().enumerate() {
            let (name, version) = query_of(pkg_db.format, found);
            if !cache.contains_key(name) {
                cache.insert(name.to_string(), db.affecting(&eco, name)?);
            }
            let records = cache.get(name).map(Vec::as_slice).unwrap_or_default();
            vulns.extend(match_package(
                &eco,
                &pkg_db.path,
                found,
                index,
                name,
                version,
                records,
            ));
        }
        vulns.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| {
                    pkg_db.packages[a.package]
                        .package
                        .name
                        .cmp(&pkg_db.packages[b.package].package.name)
                })
                .then_with(|| a.id.cmp(&b.id))
        });
        all.push(DbFindings {
            ecosystem: Some(eco),
            vulnerabilities: vulns,
        });
    }
    Ok(all)
}

/// The name and version OSV advisories of this format refer to.
fn query_of(format: PackageFormat, found: &FoundPackage) -> (&str, &str) {
    let p = &found.package;
    match format {
        PackageFormat::Deb | PackageFormat::Apk => (&p.source_name, &p.source_version),
        PackageFormat::Rpm => (&p.name, &p.version),
    }
}

/// One advisory's conclusion about one package, before merging aliases.
struct Hit<'a> {
    record: &'a Record,
    fixed: Option<String>,
    assessment: Assessment,
}

fn match_package(
    eco: &Ecosystem,
    db_path: &str,
    found: &FoundPackage,
    index: usize,
    name: &str,
    version: &str,
    records: &[Record],
) -> Vec<Vulnerability> {
    let cmp = comparator(eco.base.version_scheme());
    let semver = comparator(VersionScheme::Semver);
    let eco_name = eco.to_string();
    let mut groups: BTreeMap<String, Vec<Hit<'_>>> = BTreeMap::new();
    for record in records.iter().filter(|r| r.withdrawn.is_none()) {
        for affected in &record.affected {
            let Some(package) = &affected.package else {
                continue;
            };
            if package.ecosystem != eco_name || package.name != name {
                continue;
            }
            let Some(semver) = semver else { continue };
            match ranges::evaluate(version, affected, cmp, semver) {
                Ok(Verdict::NotAffected) => {}
                Ok(Verdict::Affected { fixed }) => {
                    let entries: Vec<SeverityEntry<'_>> = if record.severity.is_empty() {
                        &affected.severity
                    } else {
                        &record.severity
                    }
                    .iter()
                    .map(|s| SeverityEntry {
                        kind: &s.kind,
                        score: &s.score,
                    })
                    .collect();
                    let specific = [
                        &record.database_specific,
                        &affected.ecosystem_specific,
                        &affected.database_specific,
                    ];
                    let assessment = severity::assess(&entries, specific.into_iter().flatten());
                    groups.entry(canonical_id(record)).or_default().push(Hit {
                        record,
                        fixed,
                        assessment,
                    });
                }
                Err(e) => tracing::warn!(
                    "{db_path}: cannot match {} {version} against {}: {e}",
                    found.package.name,
                    record.id
                ),
            }
        }
    }
    groups
        .into_iter()
        .map(|(id, hits)| merge(id, hits, eco, db_path, found, index, version, cmp))
        .collect()
}

/// The id a finding leads with: a CVE id when the advisory is about exactly
/// one CVE, so that a Debian wrapper, a GHSA and the CVE itself are one
/// finding.
fn canonical_id(record: &Record) -> String {
    if record.id.starts_with("CVE-") {
        return record.id.clone();
    }
    let cves: BTreeSet<&String> = record
        .aliases
        .iter()
        .chain(&record.upstream)
        .filter(|a| a.starts_with("CVE-"))
        .collect();
    match cves.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => (*only).clone(),
        _ => record.id.clone(),
    }
}

/// Merges the hits that are one vulnerability: the worst severity, the
/// lowest fix, every id and reference.
#[allow(clippy::too_many_arguments)]
fn merge(
    id: String,
    hits: Vec<Hit<'_>>,
    eco: &Ecosystem,
    db_path: &str,
    found: &FoundPackage,
    index: usize,
    version: &str,
    cmp: Option<&dyn Comparator>,
) -> Vulnerability {
    let mut aliases = BTreeSet::new();
    let mut references = Vec::new();
    let mut fixed: Option<String> = None;
    let mut worst: Option<&Assessment> = None;
    let mut title = String::new();
    for hit in &hits {
        aliases.insert(hit.record.id.clone());
        aliases.extend(hit.record.aliases.iter().cloned());
        aliases.extend(hit.record.upstream.iter().cloned());
        for r in &hit.record.references {
            if !references.contains(&r.url) {
                references.push(r.url.clone());
            }
        }
        if let Some(f) = &hit.fixed {
            let lower = match (&fixed, cmp) {
                (None, _) => true,
                (Some(prev), Some(c)) => c.compare(f, prev) == Ok(Ordering::Less),
                (Some(_), None) => false,
            };
            if lower {
                fixed = Some(f.clone());
            }
        }
        if worst
            .is_none_or(|w| (hit.assessment.severity, hit.assessment.score) > (w.severity, w.score))
        {
            worst = Some(&hit.assessment);
        }
        if title.is_empty() {
            title = title_of(hit.record);
        }
    }
    aliases.remove(&id);
    let (severity, score) = worst.map_or((Severity::Unknown, None), |w| (w.severity, w.score));
    Vulnerability {
        fingerprint: fingerprint(&id, eco, db_path, &found.package.name),
        aliases: aliases.into_iter().collect(),
        package: index,
        installed_version: version.to_string(),
        status: if fixed.is_some() {
            Status::Fixed
        } else {
            Status::Affected
        },
        fixed_version: fixed,
        severity,
        score,
        title,
        references,
        id,
    }
}

/// The advisory's summary, else the first line of its details.
fn title_of(record: &Record) -> String {
    let text = record
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            record
                .details
                .as_deref()
                .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
        })
        .unwrap_or("");
    text.trim().chars().take(200).collect()
}

fn fingerprint(id: &str, eco: &Ecosystem, db_path: &str, package: &str) -> String {
    let mut h = Sha256::new();
    for part in ["vulnerability", id, eco.base.as_str(), db_path, package] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())[..32].to_string()
}
