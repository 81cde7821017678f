//! End to end: NVD scores, CISA's KEV catalog and FIRST's EPSS scores fill
//! in what OSV's distribution records lack. Feed files are built here in
//! their published formats, imported with `db import` or served by a
//! loopback stub to `db update`, and an Alpine tree whose advisories carry
//! no score is scanned.

mod vulnsupport;

use flate2::write::GzEncoder;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use vulnsupport::*;

const CRITICAL_V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// An NVD CVE API 2.0 record with the given metrics object.
fn nvd_record(id: &str, modified: &str, metrics: Value) -> Value {
    json!({ "cve": {
        "id": id,
        "sourceIdentifier": "cve@mitre.org",
        "published": "2024-01-02T00:00:00.000",
        "lastModified": modified,
        "vulnStatus": "Analyzed",
        "descriptions": [{ "lang": "en", "value": "A flaw." }],
        "metrics": metrics,
        "references": [],
    }})
}

fn v31(kind: &str, source: &str, vector: &str, score: f64) -> Value {
    json!({ "cvssMetricV31": [{
        "source": source, "type": kind,
        "cvssData": { "version": "3.1", "vectorString": vector, "baseScore": score },
    }]})
}

fn nvd_feed(records: &[Value]) -> Vec<u8> {
    gz(json!({
        "resultsPerPage": records.len(), "startIndex": 0, "totalResults": records.len(),
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2024-06-01T00:00:00.000",
        "vulnerabilities": records,
    })
    .to_string()
    .as_bytes())
}

fn kev_catalog(cves: &[(&str, &str)]) -> Vec<u8> {
    let entries: Vec<Value> = cves
        .iter()
        .map(|(cve, date)| json!({ "cveID": cve, "vendorProject": "x", "product": "y", "dateAdded": date }))
        .collect();
    json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2024.06.01", "count": entries.len(), "vulnerabilities": entries,
    })
    .to_string()
    .into_bytes()
}

fn epss_csv(rows: &[(&str, f64, f64)]) -> Vec<u8> {
    let mut text =
        "#model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000\ncve,epss,percentile\n"
            .to_string();
    for (cve, score, pct) in rows {
        text.push_str(&format!("{cve},{score},{pct}\n"));
    }
    gz(text.as_bytes())
}

/// Alpine wrappers of two CVEs (no score, as Alpine publishes them), and a
/// GHSA-like record of a third with its own CVSS vector.
fn alpine_advisories() -> Vec<Value> {
    let wrapper = |cve: &str, pkg: &str| {
        with(
            osv(
                &format!("ALPINE-{cve}"),
                "Alpine:v3.19",
                pkg,
                fixed_in("9.9.9-r0"),
            ),
            "upstream",
            json!([cve]),
        )
    };
    vec![
        wrapper("CVE-2024-1001", "openssl"),
        wrapper("CVE-2024-1002", "zlib"),
        with(
            with(
                osv(
                    "OWN-2024-1003",
                    "Alpine:v3.19",
                    "busybox",
                    fixed_in("9.9.9-r0"),
                ),
                "aliases",
                json!(["CVE-2024-1003"]),
            ),
            "severity",
            json!([{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N" }]),
        ),
    ]
}

fn alpine_tree(sb: &Sandbox) -> PathBuf {
    alpine_root(
        &sb.path("root"),
        "3.19.1",
        &[
            apk("libcrypto3", "3.1.4-r5", "openssl"),
            apk("zlib", "1.3.1-r0", "zlib"),
            apk("busybox", "1.36.1-r15", "busybox"),
        ],
    )
}

/// NVD: CVE-2024-1001 critical by NVD, CVE-2024-1002 only the CNA's HIGH,
/// CVE-2024-1003 critical by NVD (the advisory's own LOW must win).
fn nvd_records() -> Vec<Value> {
    vec![
        nvd_record(
            "CVE-2024-1001",
            "2024-02-01T00:00:00.000",
            v31("Primary", "nvd@nist.gov", CRITICAL_V31, 9.8),
        ),
        nvd_record(
            "CVE-2024-1002",
            "2024-02-01T00:00:00.000",
            v31(
                "Secondary",
                "security@example.org",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
                7.5,
            ),
        ),
        nvd_record(
            "CVE-2024-1003",
            "2024-02-01T00:00:00.000",
            v31("Primary", "nvd@nist.gov", CRITICAL_V31, 9.8),
        ),
        json!({ "cve": { "id": "CVE-2024-1004" } }),
    ]
}

fn write(sb: &Sandbox, name: &str, data: &[u8]) -> PathBuf {
    let p = sb.path(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn import(sb: &Sandbox, files: &[&Path]) -> std::process::Output {
    sb.cmd()
        .args(["db", "import"])
        .args(files)
        .output()
        .unwrap()
}

fn vuln<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["vulnerabilities"].as_array().into_iter().flatten())
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {report:#}"))
}

#[test]
fn nvd_scores_rate_what_the_advisory_does_not_and_the_advisorys_own_rating_wins() {
    let sb = Sandbox::new();
    sb.import(&alpine_advisories());
    let nvd = write(&sb, "nvdcve-2.0-2024.json.gz", &nvd_feed(&nvd_records()));
    let out = import(&sb, &[&nvd]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped"),
        "the malformed record is warned about: {stderr}"
    );
    let root = alpine_tree(&sb);
    let report = sb.scan_json(&root, &["--offline"]);
    let openssl = vuln(&report, "CVE-2024-1001");
    assert_eq!(openssl["severity"], "CRITICAL");
    assert_eq!(openssl["score"], 9.8);
    assert_eq!(openssl["severity_source"], "nvd");
    assert_eq!(
        openssl["severity_metric"],
        "CVSS 3.1 Primary by nvd@nist.gov"
    );
    let zlib = vuln(&report, "CVE-2024-1002");
    assert_eq!(
        zlib["severity"], "HIGH",
        "the CNA's metric, NVD having none"
    );
    assert_eq!(
        zlib["severity_metric"],
        "CVSS 3.1 Secondary by security@example.org"
    );
    let busybox = vuln(&report, "CVE-2024-1003");
    assert_eq!(busybox["severity"], "LOW", "the advisory's own vector wins");
    assert_eq!(busybox["severity_source"], "advisory");

    // The gate has something to gate on; SARIF's security-severity is the
    // score used.
    let gate = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .args(["--offline", "--fail-on", "HIGH", "-f", "sarif"])
        .output()
        .unwrap();
    assert_eq!(gate.status.code(), Some(1), "{gate:?}");
    let sarif: Value = serde_json::from_slice(&gate.stdout).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CVE-2024-1001")
        .unwrap();
    assert_eq!(rule["properties"]["security-severity"], "9.8");
}

#[test]
fn kev_and_epss_are_shown_sorted_first_and_gate() {
    let sb = Sandbox::new();
    sb.import(&alpine_advisories());
    let kev = write(
        &sb,
        "known_exploited_vulnerabilities.json",
        &kev_catalog(&[("CVE-2024-1003", "2024-05-01")]),
    );
    let epss = write(
        &sb,
        "epss_scores-2025-06-01.csv.gz",
        &epss_csv(&[("CVE-2024-1003", 0.97, 0.999), ("CVE-2024-1002", 0.02, 0.4)]),
    );
    let out = import(&sb, &[&kev, &epss]);
    assert!(out.status.success(), "{out:?}");
    let root = alpine_tree(&sb);
    let report = sb.scan_json(&root, &["--offline"]);
    let busybox = vuln(&report, "CVE-2024-1003");
    assert_eq!(
        busybox["kev"],
        json!({ "cve": "CVE-2024-1003", "date_added": "2024-05-01" })
    );
    assert_eq!(
        busybox["epss"],
        json!({ "score": 0.97, "percentile": 0.999 })
    );
    // KEV first, though it is the least severe.
    let first = &report["targets"][0]["vulnerabilities"][0];
    assert_eq!(first["id"], "CVE-2024-1003", "{report:#}");

    let root_arg = root.to_str().unwrap();
    let (table, _) = sb.run_ok(["fs", root_arg, "--offline"]);
    let text = String::from_utf8_lossy(&table);
    assert!(text.contains("EXPLOIT"), "{text}");
    assert!(text.contains("KEV 2024-05-01, EPSS 0.97 (99th)"), "{text}");
    let (md, _) = sb.run_ok(["fs", root_arg, "--offline", "-f", "markdown"]);
    let md = String::from_utf8_lossy(&md);
    assert!(md.contains("**KEV 2024-05-01"), "{md}");

    let scan = |extra: &[&str]| {
        sb.cmd()
            .arg("fs")
            .arg(&root)
            .arg("--offline")
            .args(extra)
            .output()
            .unwrap()
    };
    let out = scan(&["--fail-on-kev", "-f", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["gate"]["reasons"],
        json!(["1 finding in CISA's Known Exploited Vulnerabilities catalog"])
    );
    assert_eq!(scan(&["--fail-on-epss", "0.5"]).status.code(), Some(1));
    assert_eq!(scan(&["--fail-on-epss", "0.99"]).status.code(), Some(0));
    let bad = scan(&["--fail-on-epss", "7"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn db_update_fetches_the_feeds_then_refreshes_from_the_modified_feed() {
    let stub = Stub::start();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let this_year = 1970 + secs / 31_556_952;
    // Feeds are served as they are published (not as OSV zips).
    let raw = |path: &str, body: Vec<u8>, etag: &str| {
        stub.serve(
            path,
            Reply::Export {
                body,
                etag: etag.to_string(),
            },
        )
    };
    for year in 2002..=this_year + 1 {
        raw(
            &format!("/nvd/nvdcve-2.0-{year}.json.gz"),
            nvd_feed(&[]),
            "\"y\"",
        );
    }
    raw(
        "/nvd/nvdcve-2.0-2024.json.gz",
        nvd_feed(&nvd_records()[..1]),
        "\"y24\"",
    );
    raw("/nvd/nvdcve-2.0-modified.json.gz", nvd_feed(&[]), "\"m1\"");
    raw(
        "/kev.json",
        kev_catalog(&[("CVE-2024-1001", "2024-05-01")]),
        "\"k\"",
    );
    raw(
        "/epss.csv.gz",
        epss_csv(&[("CVE-2024-1001", 0.5, 0.9)]),
        "\"e\"",
    );
    let sb = Sandbox::new();
    let update = |extra: &[&str]| {
        sb.cmd()
            .args(["db", "update", "--nvd", "--kev", "--epss"])
            .args(["--nvd-url", &format!("{}/nvd", stub.url)])
            .args(["--kev-url", &format!("{}/kev.json", stub.url)])
            .args(["--epss-url", &format!("{}/epss.csv.gz", stub.url)])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = update(&[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NVD: updated, 1 records"), "{text}");
    assert!(
        text.contains("KEV: updated, 1 records") && text.contains("EPSS: updated, 1 records"),
        "{text}"
    );
    let info = sb.db_info();
    let sources: Vec<&str> = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["EPSS", "KEV", "NVD"]);

    // Within the TTL nothing is asked; past it, only the modified feed.
    let asked = stub.requests().len();
    assert!(update(&[]).status.success());
    assert_eq!(stub.requests().len(), asked);
    raw(
        "/nvd/nvdcve-2.0-modified.json.gz",
        nvd_feed(&nvd_records()[1..2]),
        "\"m2\"",
    );
    let out = update(&["--db-ttl", "0"]);
    assert!(out.status.success(), "{out:?}");
    let nvd_paths: Vec<String> = stub.requests()[asked..]
        .iter()
        .map(|s| s.path.clone())
        .filter(|p| p.starts_with("/nvd/"))
        .collect();
    assert_eq!(nvd_paths, ["/nvd/nvdcve-2.0-modified.json.gz"]);

    // A modified feed cut short fails and leaves the stored data.
    raw(
        "/nvd/nvdcve-2.0-modified.json.gz",
        nvd_feed(&nvd_records())[..40].to_vec(),
        "\"m3\"",
    );
    let out = update(&["--db-ttl", "0"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(sb.db_info()["sources"].as_array().unwrap().len(), 3);
}
