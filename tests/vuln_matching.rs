//! End to end: which advisories a scan reports, and how, as a user of
//! Trivy or Grype would read the report. Each test imports OSV records
//! built here, scans a root filesystem built here with `--offline`, and
//! reads the JSON (or table) report.

mod vulnsupport;

use serde_json::{json, Value};
use vulnsupport::*;

const OPENSSL: &str = "3.0.11-1~deb12u2";

fn one<'a>(found: &'a [Value], package: &str, id: &str) -> &'a Value {
    let hits = find(found, package, id);
    assert_eq!(hits.len(), 1, "{package} {id}: {found:#?}");
    hits[0]
}

fn pair(package: &str, id: &str) -> (String, String) {
    (package.to_string(), id.to_string())
}

/// Imports `records`, builds a Debian 12 root with `stanzas`, scans it.
fn scan_debian(records: &[Value], stanzas: &[String]) -> Vec<Value> {
    let sb = Sandbox::new();
    sb.import(records);
    sb.scan_vulns(&debian_root(&sb.path("root"), "12", stanzas))
}

// ---- source packages ----------------------------------------------------------

#[test]
fn debian_binary_package_is_matched_through_its_source_package() {
    let found = scan_debian(
        &[
            osv(
                "CVE-2024-0001",
                "Debian:12",
                "openssl",
                fixed_in("3.0.13-1~deb12u1"),
            ),
            osv(
                "CVE-2024-0002",
                "Debian:12",
                "gcc-12",
                fixed_in("12.2.0-15"),
            ),
        ],
        &[
            dpkg("libssl3", OPENSSL, Some("openssl")),
            // Binary version with an epoch, source version in `Source:`.
            dpkg("libgcc-s1", "1:12.2.0-14", Some("gcc-12 (12.2.0-14)")),
            dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
        ],
    );
    assert_eq!(
        pairs(&found),
        vec![
            pair("libgcc-s1", "CVE-2024-0002"),
            pair("libssl3", "CVE-2024-0001")
        ]
    );
    let ssl = one(&found, "libssl3", "CVE-2024-0001");
    assert_eq!(ssl["installed_version"], OPENSSL);
    assert_eq!(ssl["fixed_version"], "3.0.13-1~deb12u1");
    assert_eq!(
        ssl["purl"],
        format!("pkg:deb/debian/libssl3@{OPENSSL}?arch=amd64&distro=debian-12")
    );
    let gcc = one(&found, "libgcc-s1", "CVE-2024-0002");
    assert_eq!(gcc["installed_version"], "12.2.0-14");
    assert_eq!(gcc["fixed_version"], "12.2.0-15");
}

#[test]
fn every_binary_of_a_vulnerable_source_gets_its_own_finding() {
    let found = scan_debian(
        &[osv(
            "CVE-2024-0001",
            "Debian:12",
            "openssl",
            fixed_in("3.0.13-1~deb12u1"),
        )],
        &[
            dpkg("libssl3", OPENSSL, Some("openssl")),
            dpkg("openssl", OPENSSL, None),
        ],
    );
    assert_eq!(
        pairs(&found),
        vec![
            pair("libssl3", "CVE-2024-0001"),
            pair("openssl", "CVE-2024-0001")
        ]
    );
}

#[test]
fn alpine_package_is_matched_through_its_origin_in_the_release_ecosystem() {
    let sb = Sandbox::new();
    sb.import(&[
        osv(
            "ALPINE-CVE-2024-0001",
            "Alpine:v3.19",
            "openssl",
            fixed_in("3.1.4-r6"),
        ),
        // Same package, other releases: not this image's.
        osv("ALPINE-CVE-2024-0002", "Alpine:v3.18", "openssl", unfixed()),
        osv("ALPINE-CVE-2024-0003", "Alpine:v3.20", "openssl", unfixed()),
        // The binary name is not what Alpine's advisories name.
        osv(
            "ALPINE-CVE-2024-0004",
            "Alpine:v3.19",
            "libcrypto3",
            unfixed(),
        ),
        // apk revisions compare as numbers: r15 is above r2.
        osv(
            "ALPINE-CVE-2024-0005",
            "Alpine:v3.19",
            "musl",
            fixed_in("1.2.4_git20230717-r2"),
        ),
    ]);
    let root = alpine_root(
        &sb.path("root"),
        "3.19.1",
        &[
            apk("libcrypto3", "3.1.4-r5", "openssl"),
            apk("musl", "1.2.4_git20230717-r15", "musl"),
        ],
    );
    let report = sb.scan_json(&root, &["--offline"]);
    assert_eq!(report["targets"][0]["ecosystem"], "Alpine:v3.19");
    let found = vulns(&report);
    assert_eq!(
        pairs(&found),
        vec![pair("libcrypto3", "ALPINE-CVE-2024-0001")]
    );
    let v = &found[0];
    assert_eq!(v["installed_version"], "3.1.4-r5");
    assert_eq!(v["fixed_version"], "3.1.4-r6");
    assert_eq!(v["status"], "fixed");
}

// ---- range semantics --------------------------------------------------------------

#[test]
fn fixed_and_not_yet_fixed_findings() {
    let found = scan_debian(
        &[
            osv(
                "CVE-2024-0001",
                "Debian:12",
                "openssl",
                fixed_in("3.0.13-1~deb12u1"),
            ),
            osv("CVE-2024-0002", "Debian:12", "openssl", unfixed()),
        ],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    let fixed = one(&found, "libssl3", "CVE-2024-0001");
    assert_eq!(fixed["status"], "fixed");
    assert_eq!(fixed["fixed_version"], "3.0.13-1~deb12u1");
    let open = one(&found, "libssl3", "CVE-2024-0002");
    assert_eq!(open["status"], "affected");
    assert_eq!(open.get("fixed_version"), Some(&Value::Null), "{open}");
}

#[test]
fn last_affected_is_inclusive() {
    let found = scan_debian(
        &[
            osv(
                "CVE-2024-0001",
                "Debian:12",
                "curl",
                json!([{ "introduced": "0" }, { "last_affected": "7.88.1-10+deb12u5" }]),
            ),
            osv(
                "CVE-2024-0002",
                "Debian:12",
                "curl",
                json!([{ "introduced": "0" }, { "last_affected": "7.88.1-10+deb12u4" }]),
            ),
            osv(
                "CVE-2024-0003",
                "Debian:12",
                "curl",
                json!([{ "introduced": "7.88.1-10+deb12u6" }]),
            ),
        ],
        &[dpkg("curl", "7.88.1-10+deb12u5", None)],
    );
    assert_eq!(pairs(&found), vec![pair("curl", "CVE-2024-0001")]);
    assert_eq!(found[0]["status"], "affected");
    assert_eq!(found[0]["fixed_version"], Value::Null);
}

#[test]
fn a_reintroduced_range_reports_the_fix_above_the_installed_version() {
    let events = json!([
        { "introduced": "0" }, { "fixed": "1.0-1" },
        { "introduced": "2.0-1" }, { "fixed": "2.5-1" },
    ]);
    let found = scan_debian(
        &[
            osv("CVE-2024-0001", "Debian:12", "early", events.clone()),
            osv("CVE-2024-0002", "Debian:12", "between", events.clone()),
            osv("CVE-2024-0003", "Debian:12", "late", events),
        ],
        &[
            dpkg("early", "0.5-1", None),
            dpkg("between", "1.5-1", None),
            dpkg("late", "2.1-1", None),
        ],
    );
    assert_eq!(
        pairs(&found),
        vec![
            pair("early", "CVE-2024-0001"),
            pair("late", "CVE-2024-0003")
        ]
    );
    assert_eq!(
        one(&found, "early", "CVE-2024-0001")["fixed_version"],
        "1.0-1"
    );
    assert_eq!(
        one(&found, "late", "CVE-2024-0003")["fixed_version"],
        "2.5-1"
    );
}

#[test]
fn explicit_versions_list_matches_only_those_versions() {
    let mut record = osv("CVE-2024-0001", "Debian:12", "zlib", json!([]));
    record["affected"][0]["ranges"] = json!([]);
    record["affected"][0]["versions"] = json!(["1:1.2.13.dfsg-1", "1:1.2.13.dfsg-2"]);
    let found = scan_debian(
        &[record],
        &[
            dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
            dpkg(
                "libz-other",
                "1:1.2.13.dfsg-3",
                Some("zlib (1:1.2.13.dfsg-3)"),
            ),
        ],
    );
    assert_eq!(pairs(&found), vec![pair("zlib1g", "CVE-2024-0001")]);
    assert_eq!(found[0]["status"], "affected");
}

#[test]
fn withdrawn_advisories_are_ignored() {
    let found = scan_debian(
        &[
            with(
                osv("CVE-2024-0001", "Debian:12", "openssl", unfixed()),
                "withdrawn",
                "2024-02-01T00:00:00Z".into(),
            ),
            osv("CVE-2024-0002", "Debian:12", "openssl", unfixed()),
        ],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(pairs(&found), vec![pair("libssl3", "CVE-2024-0002")]);
}

#[test]
fn a_newer_withdrawn_copy_retracts_an_advisory() {
    let sb = Sandbox::new();
    let live = osv("CVE-2024-0001", "Debian:12", "openssl", unfixed());
    sb.import(std::slice::from_ref(&live));
    let root = debian_root(
        &sb.path("root"),
        "12",
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(
        pairs(&sb.scan_vulns(&root)),
        vec![pair("libssl3", "CVE-2024-0001")]
    );
    let retracted = with(
        with(live, "modified", "2024-05-01T00:00:00Z".into()),
        "withdrawn",
        "2024-05-01T00:00:00Z".into(),
    );
    let file = sb.path("retracted.json");
    std::fs::write(&file, retracted.to_string()).unwrap();
    sb.cmd()
        .args(["db", "import"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(pairs(&sb.scan_vulns(&root)), vec![]);
}

#[test]
fn an_advisory_for_another_debian_release_is_not_applied() {
    let found = scan_debian(
        &[
            osv("CVE-2024-0001", "Debian:11", "openssl", unfixed()),
            osv("CVE-2024-0002", "Debian", "openssl", unfixed()),
            osv("CVE-2024-0003", "Debian:13", "openssl", unfixed()),
            // Debian:12 data exists (else the scan fails closed), for a
            // package the image lacks.
            osv("CVE-2024-0004", "Debian:12", "zlib", unfixed()),
        ],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(pairs(&found), vec![]);
}

// ---- ids and aliases ------------------------------------------------------------------

#[test]
fn debian_cve_wrapper_leads_with_the_cve_id() {
    let found = scan_debian(
        &[with(
            osv("DEBIAN-CVE-2024-1234", "Debian:12", "openssl", unfixed()),
            "upstream",
            json!(["CVE-2024-1234"]),
        )],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(pairs(&found), vec![pair("libssl3", "CVE-2024-1234")]);
    assert_eq!(found[0]["aliases"], json!(["DEBIAN-CVE-2024-1234"]));
}

#[test]
fn records_aliasing_the_same_cve_are_one_finding() {
    let wrapper = with(
        with(
            osv(
                "DEBIAN-CVE-2024-2000",
                "Debian:12",
                "openssl",
                fixed_in("3.0.14-1~deb12u1"),
            ),
            "upstream",
            json!(["CVE-2024-2000"]),
        ),
        "database_specific",
        json!({ "urgency": "low" }),
    );
    let dsa = with(
        with(
            osv(
                "DSA-5700-1",
                "Debian:12",
                "openssl",
                fixed_in("3.0.13-1~deb12u1"),
            ),
            "aliases",
            json!(["CVE-2024-2000"]),
        ),
        "severity",
        json!([{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }]),
    );
    let found = scan_debian(
        &[wrapper, dsa],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(pairs(&found), vec![pair("libssl3", "CVE-2024-2000")]);
    let v = &found[0];
    assert_eq!(v["aliases"], json!(["DEBIAN-CVE-2024-2000", "DSA-5700-1"]));
    // The lowest fix, the worst severity, every reference.
    assert_eq!(v["fixed_version"], "3.0.13-1~deb12u1");
    assert_eq!(v["severity"], "HIGH");
    assert_eq!(v["score"], 7.5);
    assert_eq!(v["references"].as_array().map(Vec::len), Some(2), "{v:#}");
}

/// Debian's umbrella advisories (DSA, DLA) cover several CVEs, each of which
/// also has its own DEBIAN-CVE record. Trivy and Grype report one row per
/// CVE; the DSA belongs in those rows' aliases, not in a third row that
/// repeats them (it would double the counts the policy gate sees).
#[test]
fn an_umbrella_advisory_is_not_a_finding_of_its_own_when_its_cves_are() {
    let dsa = with(
        osv(
            "DSA-5700-1",
            "Debian:12",
            "openssl",
            fixed_in("3.0.13-1~deb12u1"),
        ),
        "upstream",
        json!(["CVE-2024-0001", "CVE-2024-0002"]),
    );
    let cve = |n: &str| {
        with(
            osv(
                &format!("DEBIAN-CVE-2024-{n}"),
                "Debian:12",
                "openssl",
                fixed_in("3.0.13-1~deb12u1"),
            ),
            "upstream",
            json!([format!("CVE-2024-{n}")]),
        )
    };
    let found = scan_debian(
        &[dsa, cve("0001"), cve("0002")],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    assert_eq!(
        pairs(&found),
        vec![
            pair("libssl3", "CVE-2024-0001"),
            pair("libssl3", "CVE-2024-0002")
        ],
        "{found:#?}"
    );
    for v in &found {
        let aliases = v["aliases"].as_array().unwrap();
        assert!(aliases.contains(&json!("DSA-5700-1")), "{v:#}");
    }
}

/// Without per-CVE records, the umbrella advisory itself is the finding.
#[test]
fn an_umbrella_advisory_alone_is_still_reported() {
    let dsa = with(
        osv(
            "DSA-5700-1",
            "Debian:12",
            "openssl",
            fixed_in("3.0.13-1~deb12u1"),
        ),
        "upstream",
        json!(["CVE-2024-0001", "CVE-2024-0002"]),
    );
    let found = scan_debian(&[dsa], &[dpkg("libssl3", OPENSSL, Some("openssl"))]);
    assert_eq!(pairs(&found), vec![pair("libssl3", "DSA-5700-1")]);
    assert_eq!(
        found[0]["aliases"],
        json!(["CVE-2024-0001", "CVE-2024-0002"])
    );
}

// ---- severity --------------------------------------------------------------------------

#[test]
fn severity_comes_from_the_cvss_v3_vector_else_the_ecosystem_rating() {
    let vector = with(
        osv("CVE-2024-0001", "Debian:12", "openssl", unfixed()),
        "severity",
        json!([{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }]),
    );
    let ghsa = with(
        osv("GHSA-xxxx-yyyy-zzzz", "Debian:12", "openssl", unfixed()),
        "database_specific",
        json!({ "severity": "MODERATE", "cwe_ids": ["CWE-79"] }),
    );
    let nothing = osv("CVE-2024-0003", "Debian:12", "openssl", unfixed());
    let found = scan_debian(
        &[vector, ghsa, nothing],
        &[dpkg("libssl3", OPENSSL, Some("openssl"))],
    );
    let graded: Vec<(String, Value, Value)> = found
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["severity"].clone(),
                v["score"].clone(),
            )
        })
        .collect();
    // Worst first.
    assert_eq!(
        graded,
        vec![
            ("CVE-2024-0001".into(), json!("CRITICAL"), json!(9.8)),
            ("GHSA-xxxx-yyyy-zzzz".into(), json!("MEDIUM"), Value::Null),
            ("CVE-2024-0003".into(), json!("UNKNOWN"), Value::Null),
        ]
    );
}

// ---- dpkg version order -----------------------------------------------------------------

#[test]
fn dpkg_version_order_decides_what_is_fixed() {
    let found = scan_debian(
        &[
            osv(
                "CVE-2024-0001",
                "Debian:12",
                "a",
                fixed_in("1.2.3-1+deb12u2"),
            ),
            osv(
                "CVE-2024-0002",
                "Debian:12",
                "b",
                fixed_in("1.2.3-1+deb12u2"),
            ),
            // `~` sorts before everything, even the end of the string.
            osv("CVE-2024-0003", "Debian:12", "c", fixed_in("2.0-1")),
            osv("CVE-2024-0004", "Debian:12", "d", fixed_in("2.0~rc2-1")),
            // An epoch outweighs any upstream version.
            osv("CVE-2024-0005", "Debian:12", "e", fixed_in("2.0-1")),
            // Revisions compare numerically, not as text.
            osv("CVE-2024-0006", "Debian:12", "f", fixed_in("1.0-10")),
        ],
        &[
            dpkg("a", "1.2.3-1+deb12u1", None),
            dpkg("b", "1.2.3-1+deb12u2", None),
            dpkg("c", "2.0~rc1-1", None),
            dpkg("d", "2.0-1", None),
            dpkg("e", "1:1.0-1", None),
            dpkg("f", "1.0-9", None),
        ],
    );
    assert_eq!(
        pairs(&found),
        vec![
            pair("a", "CVE-2024-0001"),
            pair("c", "CVE-2024-0003"),
            pair("f", "CVE-2024-0006"),
        ]
    );
}

// ---- fingerprints ------------------------------------------------------------------------

#[test]
fn fingerprint_is_stable_across_runs_and_differs_between_packages() {
    let sb = Sandbox::new();
    sb.import(&[osv(
        "CVE-2024-0001",
        "Debian:12",
        "openssl",
        fixed_in("3.0.13-1~deb12u1"),
    )]);
    let scan = |version: &str| {
        let root = sb.path(&format!("root-{version}"));
        let found = sb.scan_vulns(&debian_root(
            &root,
            "12",
            &[
                dpkg("libssl3", version, Some("openssl")),
                dpkg("openssl", version, None),
            ],
        ));
        let fp = |pkg: &str| {
            one(&found, pkg, "CVE-2024-0001")["fingerprint"]
                .as_str()
                .unwrap()
                .to_string()
        };
        (fp("libssl3"), fp("openssl"))
    };
    let first = scan(OPENSSL);
    let second = scan(OPENSSL);
    assert_eq!(first, second);
    assert_ne!(first.0, first.1);
    assert!(!first.0.is_empty());
    // Not the version: an upgrade that is still vulnerable is the same
    // finding (baselines and suppressions keep working).
    assert_eq!(scan("3.0.11-1~deb12u3"), first);
}

// ---- reports --------------------------------------------------------------------------------

fn report_inputs(sb: &Sandbox) -> std::path::PathBuf {
    sb.import(&report_advisories());
    debian_root(
        &sb.path("root"),
        "12",
        &[
            dpkg("curl", "7.88.1-10+deb12u5", None),
            dpkg("libssl3", OPENSSL, Some("openssl")),
            dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
        ],
    )
}

/// Cells of a plain-text table row, cut at the header's column starts.
fn cells(header: &str, line: &str, columns: &[&str]) -> Vec<String> {
    let starts: Vec<usize> = columns
        .iter()
        .map(|c| header.find(c).unwrap_or_else(|| panic!("{c} in {header}")))
        .collect();
    (0..starts.len())
        .map(|i| {
            let end = starts
                .get(i + 1)
                .copied()
                .unwrap_or(line.len())
                .min(line.len());
            line.get(starts[i].min(line.len())..end)
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn table_lists_each_vulnerability_and_counts_them_by_severity() {
    let sb = Sandbox::new();
    let root = report_inputs(&sb);
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .arg("--offline")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let heading = text.lines().next().unwrap();
    assert!(
        heading.ends_with(
            "var/lib/dpkg/status — 3 packages, 3 vulnerabilities (1 CRITICAL, 1 HIGH, 1 LOW)"
        ),
        "{text}"
    );
    let columns = [
        "PACKAGE",
        "VULNERABILITY",
        "SEVERITY",
        "STATUS",
        "INSTALLED",
        "FIXED",
        "TITLE",
    ];
    let header = text
        .lines()
        .find(|l| l.starts_with("PACKAGE"))
        .unwrap_or_else(|| panic!("{text}"));
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip_while(|l| !l.starts_with("PACKAGE"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| cells(header, l, &columns))
        .collect();
    let expected: Vec<Vec<&str>> = vec![
        vec![
            "libssl3",
            "CVE-2024-0001",
            "CRITICAL",
            "fixed",
            OPENSSL,
            "3.0.13-1~deb12u1",
            "DEBIAN-CVE-2024-0001 in openssl",
        ],
        vec![
            "curl",
            "CVE-2024-0002",
            "HIGH",
            "affected",
            "7.88.1-10+deb12u5",
            "",
            "CVE-2024-0002 in curl",
        ],
        vec![
            "libssl3",
            "CVE-2024-0003",
            "LOW",
            "affected",
            OPENSSL,
            "",
            "CVE-2024-0003 in openssl",
        ],
    ];
    assert_eq!(rows, expected, "{text}");
}

#[test]
fn table_says_when_nothing_is_found() {
    let sb = Sandbox::new();
    sb.import(&[osv("CVE-2024-0001", "Debian:12", "curl", unfixed())]);
    let root = debian_root(
        &sb.path("root"),
        "12",
        &[dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib"))],
    );
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .arg("--offline")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(", no vulnerabilities"),
        "{text}"
    );
    assert!(!text.contains("VULNERABILITY"), "{text}");
}

#[test]
fn json_report_vulnerabilities_snapshot() {
    let sb = Sandbox::new();
    let root = report_inputs(&sb);
    let report = sb.scan_json(&root, &["--offline"]);
    insta::assert_json_snapshot!(report["targets"][0]["vulnerabilities"]);
}

// ---- GitHub Actions workflows ---------------------------------------------

/// A workflow using tj-actions/changed-files at a floating tag, at a SHA
/// with its tag in a comment, at a fixed release and at a branch.
const WORKFLOW: &str = "on: pull_request
jobs:
  changes:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v45
      - uses: tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67 # v44.5.1
      - uses: tj-actions/changed-files@v46.0.1
      - uses: tj-actions/changed-files@main
";

#[test]
fn known_vulnerable_actions_are_reported_on_their_uses_lines() {
    let sb = Sandbox::new();
    sb.import(&[osv(
        "GHSA-mrrh-fwg8-r2c3",
        "GitHub Actions",
        "tj-actions/changed-files",
        fixed_in("46.0.1"),
    )]);
    let root = vulnsupport::write_tree(
        &sb.path("repo"),
        &[(".github/workflows/changes.yml", WORKFLOW.into())],
    );
    let report = sb.scan_json(&root, &["--offline"]);
    let found = vulns(&report);
    assert_eq!(
        pairs(&found),
        vec![
            pair("tj-actions/changed-files", "GHSA-mrrh-fwg8-r2c3"),
            pair("tj-actions/changed-files", "GHSA-mrrh-fwg8-r2c3"),
        ],
        "{report:#}"
    );
    let sarif = sb.fs_report(&root, "sarif", &["--offline"]);
    let mut places: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            (
                p["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                p["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    places.sort();
    let workflow = ".github/workflows/changes.yml".to_string();
    assert_eq!(places, vec![(workflow.clone(), 7), (workflow, 8)]);
}

// ---- actions pinned to a bare SHA: resolved through GitHub's API ----------

const SHA: &str = "0e58ed8671d6b60d0890c21b07f8835ace038e67";

/// The same SHA twice (one API request, cached), and a vulnerable tag.
fn pinned_workflow() -> String {
    format!(
        "on: pull_request
jobs:
  changes:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@{SHA}
      - uses: tj-actions/changed-files@{SHA}
      - uses: tj-actions/changed-files@v45
"
    )
}

/// A sandbox with the tj-actions advisory and the workflow.
fn pinned_sandbox() -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    sb.import(&[osv(
        "GHSA-mrrh-fwg8-r2c3",
        "GitHub Actions",
        "tj-actions/changed-files",
        fixed_in("46.0.1"),
    )]);
    let root = vulnsupport::write_tree(
        &sb.path("repo"),
        &[(".github/workflows/changes.yml", pinned_workflow())],
    );
    (sb, root)
}

/// `fs ROOT -f json` against the GitHub API at `api`: (report, stderr).
fn scan_with_api(
    sb: &Sandbox,
    root: &std::path::Path,
    api: &str,
    extra: &[&str],
) -> (Value, String) {
    let out = sb
        .cmd()
        .env_remove("INPUT_GITHUB-TOKEN")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", "ghs_test_token")
        .arg("fs")
        .arg(root)
        .args(["-f", "json"])
        .args(extra)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (report, stderr)
}

/// A SHA without a `# vX.Y.Z` comment is looked up in the repository's
/// tags (the longest tag on that commit, `v44.5.1` over `v44`), with the
/// token, once per repository, and matched like the tag.
#[tokio::test(flavor = "multi_thread")]
async fn sha_pinned_actions_resolve_to_their_longest_tag() {
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/tj-actions/changed-files/tags"))
        .and(query_param("page", "1"))
        .and(header("authorization", "Bearer ghs_test_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "name": "v46.0.1", "commit": { "sha": "a".repeat(40) } },
            { "name": "v44.5.1", "commit": { "sha": SHA } },
            { "name": "v44", "commit": { "sha": SHA } }
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let (sb, root) = pinned_sandbox();
    let (report, stderr) = scan_with_api(&sb, &root, &server.uri(), &[]);
    let found = vulns(&report);
    let mut versions: Vec<&str> = found
        .iter()
        .map(|v| v["installed_version"].as_str().unwrap_or(""))
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, ["v44.5.1", "v44.5.1", "v45"], "{stderr}");
    assert!(!stderr.contains("not checked"), "{stderr}");
}

/// An API that cannot be reached: one warning per SHA-pinned line, naming
/// it, and the scan goes on (the tagged line is still matched). With
/// `--offline` nothing is asked at all.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_api_is_one_warning_per_line_and_the_scan_goes_on() {
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let (sb, root) = pinned_sandbox();
    let (report, stderr) = scan_with_api(&sb, &root, "http://127.0.0.1:9", &[]);
    assert_eq!(
        pairs(&vulns(&report)),
        [pair("tj-actions/changed-files", "GHSA-mrrh-fwg8-r2c3")]
    );
    for line in [6, 7] {
        let at = format!(".github/workflows/changes.yml:{line}:");
        let warnings = stderr.lines().filter(|l| l.contains(&at)).count();
        assert_eq!(warnings, 1, "{at}\n{stderr}");
    }
    assert!(!stderr.contains("ghs_test_token"), "{stderr}");

    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (report, stderr) = scan_with_api(&sb, &root, &server.uri(), &["--offline"]);
    assert_eq!(vulns(&report).len(), 1, "{stderr}");
    assert!(stderr.contains("--offline"), "{stderr}");
}
