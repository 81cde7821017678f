//! Matching: packages × advisories → findings.
//!
//! Each package set is matched in its own OSV ecosystems (the OS's for OS
//! packages: one, or Red Hat's product streams, or Ubuntu with Ubuntu Pro;
//! `PyPI` for Python, ...), with the ecosystem's comparator. Debian,
//! Ubuntu, Alpine, SUSE and Azure Linux advisories name source packages
//! (dpkg `Source:`, apk origin, source rpm), so those packages are looked
//! up by source name and version; everyone else names the package itself.
//! Each finding names the package the user has.

pub mod enrich;
mod flavors;
pub mod module_streams;
pub mod ranges;
pub mod severity;

use crate::ecosystem::{Base, Ecosystem, VersionScheme};
use crate::error::Result;
use crate::finding::{
    fingerprint, Detail, Finding, Location, PackageVulnerability, Status, TargetRef,
};
use crate::inventory::{FoundPackage, Inventory};
use crate::version::{comparator, Comparator};
use crate::vulndb::normalize_package_name;
use crate::vulndb::osv::Record;
use crate::vulndb::VulnDb;
use ranges::Verdict;
use severity::{Assessment, Severity, SeverityEntry};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Matches every package of `inventory` against `db`. Findings come out
/// per package database in inventory order, each database's sorted by
/// severity (worst first), then package name, then id.
pub fn match_inventory(inventory: &Inventory, db: &VulnDb) -> Result<Vec<Finding>> {
    let mut all = Vec::new();
    for (db_index, pkg_db) in inventory.package_dbs.iter().enumerate() {
        let Some(eco) = pkg_db.ecosystem() else {
            continue;
        };
        let mut cache: HashMap<String, Vec<Record>> = HashMap::new();
        let mut vulns = Vec::new();
        for (index, found) in pkg_db.packages.iter().enumerate() {
            let (name, version) = found.package.query(eco.base);
            if !cache.contains_key(name) {
                let mut records = Vec::new();
                for e in &pkg_db.ecosystems {
                    records.extend(db.affecting(e, name)?);
                }
                cache.insert(name.to_string(), records);
            }
            let records = cache.get(name).map(Vec::as_slice).unwrap_or_default();
            let at = Place {
                eco,
                ecosystems: &pkg_db.ecosystems,
                db_index,
                db_path: &pkg_db.path,
                found,
                index,
            };
            let mut found = match_package(&at, name, version, records);
            if eco.base == Base::Debian {
                debian_states(&mut found, db, eco, name)?;
            }
            if eco.base == Base::Ubuntu {
                ubuntu_states(&mut found, db, &pkg_db.ecosystems, name)?;
            }
            if eco.base == Base::RedHat {
                redhat_unfixed(&mut found, db, &at, name, version)?;
            }
            vulns.extend(found);
        }
        vulns.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| package_name(a).cmp(package_name(b)))
                .then_with(|| a.id.cmp(&b.id))
        });
        all.extend(vulns);
    }
    Ok(all)
}

/// Gives unfixed Debian findings the state Debian's security tracker
/// records for their source package in their release (`will_not_fix`,
/// `fix_deferred`, `end_of_life`), when tracker data was imported. Only
/// the state changes: the finding itself is OSV's.
fn debian_states(
    findings: &mut [Finding],
    db: &VulnDb,
    eco: &Ecosystem,
    source: &str,
) -> Result<()> {
    let Some(release) = eco.release.as_deref() else {
        return Ok(());
    };
    for finding in findings {
        let cves: Vec<String> = std::iter::once(&finding.id)
            .chain(&finding.aliases)
            .filter(|id| id.starts_with("CVE-"))
            .cloned()
            .collect();
        let Detail::Vulnerability(vuln) = &mut finding.detail else {
            continue;
        };
        if vuln.status != Status::Affected {
            continue;
        }
        for cve in &cves {
            if let Some(state) = db.debian_tracker_status(release, source, cve)? {
                vuln.status = state;
                break;
            }
        }
    }
    Ok(())
}

/// Adds the CVEs Red Hat has not fixed for this package in the image's
/// streams, from its VEX files (when imported): OSV's Red Hat records are
/// fixed RHSAs only. A CVE an OSV record already made a finding of stays
/// that finding (as Trivy keeps a fixed advisory over an unfixed one); of
/// several states, one filed for the package itself wins over one filed
/// for its source package, then one under the image's own stream
/// (`enterprise_linux:9::baseos`) over the release's
/// (`enterprise_linux:9`). Severity is Red Hat's impact rating.
fn redhat_unfixed(
    findings: &mut Vec<Finding>,
    db: &VulnDb,
    at: &Place<'_>,
    name: &str,
    version: &str,
) -> Result<()> {
    use crate::vulndb::scores::redhat_vex::{stream_covers, VexState};
    let module = at
        .found
        .package
        .modularity_label
        .as_deref()
        .and_then(module_streams::stream_of);
    let source = at.found.package.source_name.as_str();
    let states = db.redhat_vex_states(name, source, module.as_deref())?;
    if states.is_empty() {
        return Ok(());
    }
    let streams: Vec<&str> = at
        .ecosystems
        .iter()
        .filter_map(|e| e.release.as_deref())
        .collect();
    let known: BTreeSet<&String> = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.id).chain(&f.aliases))
        .collect();
    // The best state per CVE: (filed for the package, exact stream).
    let mut chosen: BTreeMap<String, ((bool, bool), VexState)> = BTreeMap::new();
    for state in states {
        if known.contains(&state.cve) || !streams.iter().any(|s| stream_covers(&state.stream, s)) {
            continue;
        }
        let rank = (!state.from_source, streams.contains(&state.stream.as_str()));
        if chosen.get(&state.cve).is_none_or(|(best, _)| rank > *best) {
            chosen.insert(state.cve.clone(), (rank, state));
        }
    }
    for (cve, (_, state)) in chosen {
        let severity = match state.impact.to_ascii_lowercase().as_str() {
            "low" => Severity::Low,
            "moderate" => Severity::Medium,
            "important" => Severity::High,
            "critical" => Severity::Critical,
            _ => Severity::Unknown,
        };
        let package = &at.found.package.name;
        findings.push(Finding {
            fingerprint: fingerprint(&[
                "vulnerability",
                &cve,
                at.eco.base.as_str(),
                at.db_path,
                package,
            ]),
            aliases: Vec::new(),
            severity,
            score: None,
            title: state.title,
            references: vec![format!("https://access.redhat.com/security/cve/{cve}")],
            target: TargetRef::PackageDb(at.db_index),
            location: Location::Package {
                db_path: at.found.file.clone(),
                layer: Some(at.found.layer),
                line: at.found.package.line,
            },
            detail: Detail::Vulnerability(PackageVulnerability {
                package: at.index,
                package_name: package.clone(),
                purl: at.found.purl.clone(),
                installed_version: version.to_string(),
                status: state.status,
                fixed_version: None,
                scoring: Default::default(),
            }),
            id: cve,
        });
    }
    Ok(())
}

/// Gives unfixed Ubuntu findings the state Ubuntu's CVE tracker records
/// for their source package in their release (`will_not_fix`,
/// `fix_deferred`), when tracker data was imported. With Ubuntu Pro on,
/// the ESM pocket's state (`esm-infra/focal`) is asked first: that is
/// where the image's fixes come from.
fn ubuntu_states(
    findings: &mut [Finding],
    db: &VulnDb,
    ecosystems: &[Ecosystem],
    source: &str,
) -> Result<()> {
    let mut releases = Vec::new();
    for eco in ecosystems {
        let Some(release) = eco.release.as_deref() else {
            continue;
        };
        let release = release.strip_suffix(":LTS").unwrap_or(release);
        if release.starts_with("Pro:") {
            releases.insert(0, release.to_string());
        } else {
            releases.push(release.to_string());
        }
    }
    for finding in findings {
        let cves: Vec<String> = std::iter::once(&finding.id)
            .chain(&finding.aliases)
            .filter(|id| id.starts_with("CVE-"))
            .cloned()
            .collect();
        let Detail::Vulnerability(vuln) = &mut finding.detail else {
            continue;
        };
        if vuln.status != Status::Affected {
            continue;
        }
        'found: for release in &releases {
            for cve in &cves {
                if let Some(state) = db.ubuntu_tracker_status(release, source, cve)? {
                    vuln.status = state;
                    break 'found;
                }
            }
        }
    }
    Ok(())
}

fn package_name(f: &Finding) -> &str {
    f.package().map_or("", |p| p.package_name.as_str())
}

/// Which installed package is being matched, and where it is.
struct Place<'a> {
    /// The main ecosystem: its comparator and name rules apply to all.
    eco: &'a Ecosystem,
    /// Every ecosystem whose advisories apply (Red Hat's streams, Ubuntu
    /// Pro): one advisory listing several of them is one finding.
    ecosystems: &'a [Ecosystem],
    db_index: usize,
    db_path: &'a str,
    found: &'a FoundPackage,
    /// Index of the package in its database.
    index: usize,
}

/// One advisory's conclusion about one package, before merging aliases.
struct Hit<'a> {
    record: &'a Record,
    fixed: Option<String>,
    assessment: Assessment,
}

fn match_package(at: &Place<'_>, name: &str, version: &str, records: &[Record]) -> Vec<Finding> {
    let eco = at.eco;
    let cmp = comparator(eco.base.version_scheme());
    let semver = comparator(VersionScheme::Semver);
    let eco_names: Vec<String> = at.ecosystems.iter().map(ToString::to_string).collect();
    let eco_name = eco.to_string();
    let wanted = normalize_package_name(&eco_name, name);
    let mut groups: BTreeMap<String, Vec<Hit<'_>>> = BTreeMap::new();
    for record in records.iter().filter(|r| r.withdrawn.is_none()) {
        for affected in &record.affected {
            let Some(package) = &affected.package else {
                continue;
            };
            if !eco_names.contains(&package.ecosystem)
                || normalize_package_name(&eco_name, &package.name) != wanted
            {
                continue;
            }
            let label = at.found.package.modularity_label.as_deref();
            if eco.base.version_scheme() == VersionScheme::Rpm
                && !module_streams::applies(label, record, affected)
            {
                continue;
            }
            if eco.base == Base::OracleLinux && !flavors::applies(version, affected) {
                continue;
            }
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
                    "{}: cannot match {} {version} against {}: {e}",
                    at.db_path,
                    at.found.package.name,
                    record.id
                ),
            }
        }
    }
    let vulns: Vec<Finding> = groups
        .into_iter()
        .map(|(id, hits)| merge(id, hits, at, version, cmp))
        .collect();
    fold_umbrellas(vulns)
}

/// An umbrella advisory (a Debian DSA/DLA fixing several CVEs) whose CVEs
/// are all findings of their own is not a finding too: that would count the
/// same problem twice. Its id joins those findings' aliases instead. An
/// umbrella with a CVE not otherwise found stays a finding.
fn fold_umbrellas(mut vulns: Vec<Finding>) -> Vec<Finding> {
    let ids: BTreeSet<String> = vulns.iter().map(|v| v.id.clone()).collect();
    let mut folded: Vec<(String, Vec<String>)> = Vec::new();
    vulns.retain(|v| {
        if v.id.starts_with("CVE-") {
            return true;
        }
        let cves: Vec<String> = v
            .aliases
            .iter()
            .filter(|a| a.starts_with("CVE-"))
            .cloned()
            .collect();
        if !cves.is_empty() && cves.iter().all(|c| ids.contains(c)) {
            folded.push((v.id.clone(), cves));
            false
        } else {
            true
        }
    });
    for (umbrella, cves) in folded {
        for v in vulns.iter_mut().filter(|v| cves.contains(&v.id)) {
            if !v.aliases.contains(&umbrella) {
                v.aliases.push(umbrella.clone());
                v.aliases.sort();
            }
        }
    }
    vulns
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
fn merge(
    id: String,
    hits: Vec<Hit<'_>>,
    at: &Place<'_>,
    version: &str,
    cmp: &dyn Comparator,
) -> Finding {
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
            let lower = match &fixed {
                None => true,
                Some(prev) => cmp.compare(f, prev) == Ok(Ordering::Less),
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
    let name = &at.found.package.name;
    Finding {
        fingerprint: fingerprint(&["vulnerability", &id, at.eco.base.as_str(), at.db_path, name]),
        aliases: aliases.into_iter().collect(),
        severity,
        score,
        title,
        references,
        target: TargetRef::PackageDb(at.db_index),
        location: Location::Package {
            db_path: at.found.file.clone(),
            layer: Some(at.found.layer),
            line: at.found.package.line,
        },
        detail: Detail::Vulnerability(PackageVulnerability {
            package: at.index,
            package_name: name.clone(),
            purl: at.found.purl.clone(),
            installed_version: version.to_string(),
            status: if fixed.is_some() {
                Status::Fixed
            } else {
                Status::Affected
            },
            fixed_version: fixed,
            scoring: Default::default(),
        }),
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
