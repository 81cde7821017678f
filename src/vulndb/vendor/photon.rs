//! Photon OS's advisories from its per-release CVE list
//! (`photon_cve_metadata/cve_data_photon<release>.json`: `cve_id`, the
//! source package `pkg`, `res_ver` the fixed build, `cve_score`, and a
//! `status` of `Not Affected` for entries that are not vulnerabilities),
//! as Trivy's `vuln-list-update` reads it. The release is only in the file
//! name. Each entry becomes a `PHOTON-<release>-<CVE>` record wrapping its
//! CVE; entries without a fixed build stay affected (no fix yet).

use super::super::osv::Record;
use serde_json::json;

/// `cve_data_photon5.0.json` → `5.0`.
pub(super) fn release_of(name: &str) -> Option<&str> {
    let file = name.rsplit('/').next()?;
    let release = file
        .strip_prefix("cve_data_photon")?
        .strip_suffix(".json")?;
    (!release.is_empty() && release.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        .then_some(release)
}

#[derive(serde::Deserialize)]
struct Entry {
    #[serde(default)]
    cve_id: String,
    #[serde(default)]
    pkg: String,
    #[serde(default)]
    cve_score: Option<f64>,
    #[serde(default)]
    res_ver: String,
    #[serde(default)]
    status: String,
}

pub(super) fn convert(name: &str, content: &[u8], modified: &str) -> Result<Vec<Record>, String> {
    let release = release_of(name).ok_or_else(|| {
        "not named cve_data_photon<release>.json: the release is unknown".to_string()
    })?;
    let entries: Vec<serde_json::Value> = serde_json::from_slice(content)
        .map_err(|e| format!("not Photon's CVE list (a JSON array): {e}"))?;
    let ecosystem = format!("Photon OS:{release}");
    let mut records = Vec::new();
    let mut skipped = 0;
    for value in entries {
        let Ok(e) = serde_json::from_value::<Entry>(value) else {
            skipped += 1;
            continue;
        };
        if e.status.eq_ignore_ascii_case("Not Affected") {
            continue;
        }
        if !e.cve_id.starts_with("CVE-") || e.pkg.is_empty() {
            skipped += 1;
            continue;
        }
        let fixed = Some(e.res_ver.trim()).filter(|v| !v.is_empty() && *v != "NA");
        // Photon gives a CVSS base score without its vector: its level is
        // the rating.
        let severity = e.cve_score.map(|s| match s {
            s if s >= 9.0 => "CRITICAL",
            s if s >= 7.0 => "HIGH",
            s if s >= 4.0 => "MEDIUM",
            _ => "LOW",
        });
        let value = json!({
            "id": format!("PHOTON-{release}-{}", e.cve_id),
            "modified": modified,
            "upstream": [e.cve_id],
            "summary": format!("{} in {}", e.cve_id, e.pkg),
            "affected": [super::affected(&ecosystem, &e.pkg, fixed)],
            "references": [{"type": "ADVISORY", "url": "https://github.com/vmware/photon/wiki/Security-Advisories"}],
            "database_specific": {"severity": severity, "cve_score": e.cve_score},
        });
        match serde_json::from_value(value) {
            Ok(r) => records.push(r),
            Err(_) => skipped += 1,
        }
    }
    if skipped > 0 {
        tracing::warn!("{name}: {skipped} entries without a CVE id or package skipped");
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From aquasecurity/vuln-list-update `photon/testdata/cve_data_photon3.0.json`
    /// (Photon's list as published), with one entry without a fix added in
    /// the shape Photon gives unfixed CVEs.
    const PHOTON3: &str = r#"[
  {"cve_id": "CVE-2019-3828", "pkg": "ansible", "cve_score": 10, "aff_ver": "all versions before 2.7.6-2.ph3 are vulnerable", "res_ver": "2.7.6-2.ph3"},
  {"cve_id": "CVE-2017-16826", "pkg": "binutils", "cve_score": 7.8, "aff_ver": "all versions before 2.31.1-3.ph3 are vulnerable", "res_ver": "2.31.1-3.ph3"},
  {"cve_id": "UNK-1", "pkg": "curl-libs", "cve_score": 6.7, "aff_ver": "NA", "res_ver": "NA", "status": "Not Affected"},
  {"cve_id": "CVE-2025-0725", "pkg": "curl", "cve_score": 7.3, "aff_ver": "NA", "res_ver": "NA", "status": "Not Affected"},
  {"cve_id": "CVE-2024-9999", "pkg": "vim", "cve_score": 5.5, "aff_ver": "all versions are vulnerable", "res_ver": "NA"}
]"#;

    #[test]
    fn entries_become_cve_wrappers_of_the_release() {
        let records = convert(
            "cve_data_photon3.0.json",
            PHOTON3.as_bytes(),
            "2024-01-01T00:00:00Z",
        )
        .unwrap();
        let got: Vec<String> = records
            .iter()
            .map(|r| {
                let a = &r.affected[0];
                let v = serde_json::to_value(&a.ranges).unwrap();
                format!(
                    "{} {} {} {}",
                    r.id,
                    a.package.as_ref().unwrap().ecosystem,
                    a.package.as_ref().unwrap().name,
                    v[0]["events"]
                        .get(1)
                        .map_or("unfixed".into(), |f| f["fixed"].to_string())
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "PHOTON-3.0-CVE-2019-3828 Photon OS:3.0 ansible \"2.7.6-2.ph3\"",
                "PHOTON-3.0-CVE-2017-16826 Photon OS:3.0 binutils \"2.31.1-3.ph3\"",
                "PHOTON-3.0-CVE-2024-9999 Photon OS:3.0 vim unfixed",
            ]
        );
        assert_eq!(records[0].upstream, ["CVE-2019-3828"]);
    }

    #[test]
    fn the_release_comes_from_the_file_name() {
        assert_eq!(release_of("x/cve_data_photon5.0.json"), Some("5.0"));
        assert_eq!(release_of("cve_data.json"), None);
        assert!(convert("photon.json", b"[]", "2024-01-01T00:00:00Z").is_err());
    }
}
