//! What the advisories lack, from NVD, CISA and FIRST: a finding whose
//! advisory carries no rating of its own takes its CVE's NVD score (looked
//! up by the finding's id and every alias, the record id, `aliases` and
//! `upstream` included); every finding learns whether its CVE is in CISA's
//! KEV catalog and its EPSS score. The advisory's own rating still wins
//! where there is one, and each finding says where its severity came from.
//! Findings are then ordered KEV first, then by severity.

use super::severity::Severity;
use crate::error::Result;
use crate::finding::{Detail, Finding, SeveritySource, TargetRef};
use crate::vulndb::scores;
use crate::vulndb::VulnDb;
use std::cmp::Reverse;

/// Enriches and re-sorts the vulnerability findings of one scan.
pub fn enrich(findings: &mut [Finding], db: &VulnDb) -> Result<()> {
    for finding in findings.iter_mut() {
        let cves: Vec<String> = std::iter::once(&finding.id)
            .chain(&finding.aliases)
            .filter(|id| id.starts_with("CVE-"))
            .cloned()
            .collect();
        let Detail::Vulnerability(vuln) = &mut finding.detail else {
            continue;
        };
        let scoring = &mut vuln.scoring;
        if finding.severity != Severity::Unknown || finding.score.is_some() {
            scoring.severity_source = Some(SeveritySource::Advisory);
        } else {
            for cve in &cves {
                let metrics = db.nvd_metrics(cve)?;
                if let Some(m) = scores::pick(&metrics) {
                    finding.severity = Severity::from_score(m.score);
                    finding.score = Some(m.score);
                    scoring.severity_source = Some(SeveritySource::Nvd {
                        metric: format!(
                            "{} {} by {}",
                            m.version.label(),
                            if m.primary { "Primary" } else { "Secondary" },
                            m.source
                        ),
                    });
                    break;
                }
            }
        }
        for cve in &cves {
            if scoring.kev.is_none() {
                scoring.kev = db.kev(cve)?;
            }
            if let Some(e) = db.epss(cve)? {
                if scoring.epss.is_none_or(|best| e.score > best.score) {
                    scoring.epss = Some(e);
                }
            }
        }
    }
    // Within each package database (findings come grouped by it): KEV
    // first, then the worst severity, then package name and id.
    let key = |f: &Finding| {
        let target = match f.target {
            TargetRef::PackageDb(i) | TargetRef::ConfigFile(i) | TargetRef::SecretFile(i) => i,
        };
        let kev = f.package().is_some_and(|p| p.scoring.kev.is_some());
        (target, Reverse(kev), Reverse(f.severity))
    };
    findings.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| package_name(a).cmp(package_name(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(())
}

fn package_name(f: &Finding) -> &str {
    f.package().map_or("", |p| p.package_name.as_str())
}
