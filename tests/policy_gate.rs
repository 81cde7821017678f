//! End to end: the policy gate as a CI job sees it. Each test imports OSV
//! records built here, scans a tree or image built here with `--offline`,
//! and checks the exit code and the JSON report's `summary`, `gate`,
//! `ignored[]`, per-finding `state` and `fixed[]`.

mod vulnsupport;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

const SSL_OLD: &str = "3.0.11-1~deb12u2";
const SSL_NEW: &str = "3.0.13-1~deb12u1";
const ZLIB: &str = "1:1.2.13.dfsg-1";

/// A Debian 12 advisory for source package `package` with a CVSS vector.
fn advisory(id: &str, package: &str, events: Value, vector: &str) -> Value {
    with(
        osv(id, "Debian:12", package, events),
        "severity",
        json!([{ "type": "CVSS_V3", "score": vector }]),
    )
}

/// CVE-1 openssl CRITICAL unfixed, CVE-2 openssl HIGH fixed in SSL_NEW,
/// CVE-3 zlib LOW fixed.
fn advisories() -> Vec<Value> {
    vec![
        advisory("CVE-2024-0001", "openssl", unfixed(), CRITICAL),
        advisory("CVE-2024-0002", "openssl", fixed_in(SSL_NEW), HIGH),
        advisory("CVE-2024-0003", "zlib", fixed_in("1:1.2.13.dfsg-2"), LOW),
    ]
}

fn old_packages() -> Vec<String> {
    vec![
        dpkg("libssl3", SSL_OLD, Some("openssl")),
        dpkg("zlib1g", ZLIB, Some("zlib")),
    ]
}

/// A sandbox with `advisories()` imported and a Debian root at `root/`.
fn setup() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    sb.import(&advisories());
    let root = debian_root(&sb.path("root"), "12", &old_packages());
    std::fs::create_dir_all(sb.path("cwd")).unwrap();
    (sb, root)
}

/// One run: exit code, stdout parsed as JSON when it is, stderr.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// Asserts exit code 2 with one `error:` line; returns it.
    fn usage_error(&self) -> String {
        assert_eq!(self.code, 2, "{}", self.stderr);
        let err = self.stderr.trim();
        assert_eq!(err.lines().count(), 1, "{err}");
        err.to_string()
    }
}

/// `scangate ARGS --offline` in the sandbox's `cwd/` directory.
fn run(sb: &Sandbox, args: &[&str]) -> Run {
    let out = sb
        .cmd()
        .current_dir(sb.path("cwd"))
        .args(args)
        .arg("--offline")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `fs ROOT -f json` plus `extra`.
fn scan(sb: &Sandbox, root: &Path, extra: &[&str]) -> Run {
    let root = root.to_str().unwrap();
    let mut args = vec!["fs", root, "-f", "json"];
    args.extend_from_slice(extra);
    run(sb, &args)
}

/// `scangate image --input INPUT -f json EXTRA…`.
fn image_json(sb: &Sandbox, input: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["image", "--input", input.to_str().unwrap(), "-f", "json"];
    args.extend_from_slice(extra);
    run(sb, &args)
}

fn ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = vulns(report)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn ignored(report: &Value) -> Vec<Value> {
    report["ignored"].as_array().unwrap().clone()
}

// ---- the gate ---------------------------------------------------------------

#[test]
fn without_fail_on_criticals_do_not_fail_the_job() {
    let (sb, root) = setup();
    let r = scan(&sb, &root, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(
        ids(&report),
        ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"]
    );
    assert_eq!(
        report["summary"],
        json!({ "CRITICAL": 1, "HIGH": 1, "MEDIUM": 0, "LOW": 1, "UNKNOWN": 0, "total": 3, "ignored": 0 })
    );
    assert_eq!(
        report["gate"],
        json!({ "failed": false, "fail_on": null, "only_new": false, "reasons": [] })
    );
}

#[test]
fn fail_on_fails_with_exit_code_1_and_says_why() {
    let (sb, root) = setup();
    let r = scan(&sb, &root, &["--fail-on", "HIGH"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    assert_eq!(
        report["gate"],
        json!({
            "failed": true,
            "fail_on": "HIGH",
            "only_new": false,
            "reasons": ["2 findings at or above HIGH (1 CRITICAL, 1 HIGH)"],
        })
    );
    assert!(r.stderr.contains("gate failed"), "{}", r.stderr);
    // Severity names are case-insensitive, as in Trivy.
    let r = scan(&sb, &root, &["--fail-on", "critical"]);
    assert_eq!(r.code, 1);
}

#[test]
fn exit_code_sets_the_code_of_a_failed_gate() {
    let (sb, root) = setup();
    let r = scan(&sb, &root, &["--fail-on", "LOW", "--exit-code", "7"]);
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert_eq!(r.json()["gate"]["failed"], true);
}

#[test]
fn ignore_unfixed_drops_the_unfixed_critical_before_the_gate() {
    let (sb, root) = setup();
    let r = scan(&sb, &root, &["--fail-on", "CRITICAL", "--ignore-unfixed"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(ids(&report), ["CVE-2024-0002", "CVE-2024-0003"]);
    assert_eq!(report["summary"]["CRITICAL"], 0);
    assert_eq!(report["gate"]["failed"], false);
}

#[test]
fn severity_filters_every_report_and_the_gate() {
    let (sb, root) = setup();
    let r = scan(
        &sb,
        &root,
        &["--severity", "LOW,MEDIUM", "--fail-on", "HIGH"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(ids(&report), ["CVE-2024-0003"]);
    assert_eq!(report["summary"]["total"], 1);
    let table = run(
        &sb,
        &["fs", root.to_str().unwrap(), "--severity", "LOW,MEDIUM"],
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("CVE-2024-0003"), "{}", table.stdout);
    assert!(!table.stdout.contains("CVE-2024-0001"), "{}", table.stdout);
}

// ---- ignore files -----------------------------------------------------------

#[test]
fn trivyignore_in_the_scanned_tree_is_used_and_an_expired_line_warns() {
    let (sb, root) = setup();
    std::fs::write(
        root.join(".trivyignore"),
        "# accepted\nCVE-2024-0001\nCVE-2024-0002 exp:2020-01-01\nCVE-2024-0003 exp:2999-12-31\n",
    )
    .unwrap();
    let r = scan(&sb, &root, &["--fail-on", "HIGH"]);
    // The expired entry no longer ignores CVE-2024-0002 (HIGH): the gate fails.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(".trivyignore:3:")
            && r.stderr.contains("CVE-2024-0002 expired on 2020-01-01"),
        "{}",
        r.stderr
    );
    let report = r.json();
    assert_eq!(ids(&report), ["CVE-2024-0002"]);
    let ignored = ignored(&report);
    assert_eq!(ignored.len(), 2, "{ignored:#?}");
    let by = &ignored[0]["ignored_by"];
    assert_eq!(ignored[0]["id"], "CVE-2024-0001");
    assert_eq!(ignored[0]["kind"], "vulnerability");
    assert_eq!(ignored[0]["package_name"], "libssl3");
    assert_eq!(by["source"], "ignorefile");
    assert_eq!(by["rule"], "CVE-2024-0001");
    assert!(by["path"].as_str().unwrap().ends_with("root/.trivyignore"));
    assert!(by.get("statement").is_none());
    assert_eq!(report["summary"]["ignored"], 2);
    assert_eq!(report["summary"]["total"], 1);
}

#[test]
fn trivyignore_yaml_in_the_working_directory_matches_paths_and_purls() {
    let (sb, root) = setup();
    std::fs::write(
        sb.path("cwd/.trivyignore.yaml"),
        r#"
vulnerabilities:
  - id: CVE-2024-0001
    purls: ["pkg:deb/debian/libssl3"]
    statement: only reachable through a disabled feature
  - id: CVE-2024-0002
    paths: ["usr/lib/**"]
  - id: CVE-2024-0003
    expired_at: 2021-06-30
"#,
    )
    .unwrap();
    let r = scan(&sb, &root, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("CVE-2024-0003 expired"), "{}", r.stderr);
    let report = r.json();
    assert_eq!(ids(&report), ["CVE-2024-0002", "CVE-2024-0003"]);
    let ignored = ignored(&report);
    assert_eq!(ignored.len(), 1);
    assert_eq!(
        ignored[0]["ignored_by"],
        json!({
            "source": "ignorefile",
            "path": sb.path("cwd/.trivyignore.yaml").display().to_string(),
            "rule": "CVE-2024-0001",
            "statement": "only reachable through a disabled feature",
        })
    );
}

#[test]
fn every_default_ignore_file_of_a_directory_applies_and_ignorefile_overrides_the_lookup() {
    let (sb, root) = setup();
    std::fs::write(root.join(".trivyignore"), "CVE-2024-0003\n").unwrap();
    std::fs::write(
        root.join(".scangateignore.yaml"),
        "vulnerabilities:\n  - id: CVE-2024-0002\n    paths: [\"var/lib/dpkg/*\"]\n    statement: backport applied\n",
    )
    .unwrap();
    let report = scan(&sb, &root, &[]).json();
    let both = ignored(&report);
    assert_eq!(both.len(), 2, "both files apply: {both:#?}");
    assert_eq!(ids(&report), ["CVE-2024-0001"]);
    let by_rule = |rule: &str| {
        both.iter()
            .find(|i| i["ignored_by"]["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} not ignored: {both:#?}"))["ignored_by"]
            .clone()
    };
    assert_eq!(by_rule("CVE-2024-0002")["statement"], "backport applied");
    assert!(by_rule("CVE-2024-0003")["path"]
        .as_str()
        .unwrap()
        .ends_with("root/.trivyignore"));

    let explicit = sb.path("mine.ignore");
    std::fs::write(&explicit, "CVE-2024-0001\n").unwrap();
    let report = scan(&sb, &root, &["--ignorefile", explicit.to_str().unwrap()]).json();
    assert_eq!(ids(&report), ["CVE-2024-0002", "CVE-2024-0003"]);
    assert_eq!(
        ignored(&report)[0]["ignored_by"]["path"],
        explicit.display().to_string()
    );
}

// ---- VEX ----------------------------------------------------------------------

#[test]
fn openvex_not_affected_suppresses_with_its_justification() {
    let (sb, root) = setup();
    let vex = sb.path("app.openvex.json");
    std::fs::write(
        &vex,
        json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.test/vex/1",
            "author": "security@example.test",
            "timestamp": "2024-05-01T00:00:00Z",
            "version": 1,
            "statements": [
                {
                    "vulnerability": { "name": "CVE-2024-0001" },
                    "products": [{
                        "@id": "pkg:oci/app",
                        "subcomponents": [{ "@id": "pkg:deb/debian/libssl3" }],
                    }],
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_in_execute_path",
                },
                {
                    "vulnerability": { "name": "CVE-2024-0003" },
                    "products": [{ "@id": "pkg:deb/debian/zlib1g" }],
                    "status": "under_investigation",
                },
            ],
        })
        .to_string(),
    )
    .unwrap();
    let r = scan(
        &sb,
        &root,
        &["--vex", vex.to_str().unwrap(), "--fail-on", "CRITICAL"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(ids(&report), ["CVE-2024-0002", "CVE-2024-0003"]);
    assert_eq!(
        ignored(&report)[0]["ignored_by"],
        json!({
            "source": "vex",
            "path": vex.display().to_string(),
            "rule": "CVE-2024-0001",
            "statement": "not_affected: vulnerable_code_not_in_execute_path",
        })
    );
}

// ---- baseline -------------------------------------------------------------------

fn os_layer() -> Layer {
    Layer::new().file(
        "etc/os-release",
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n",
    )
}

/// The main branch's image: old openssl and zlib.
fn old_image() -> ImageBuilder {
    ImageBuilder::new().layer(os_layer().file("var/lib/dpkg/status", old_packages().concat()))
}

/// This change's image: openssl upgraded (fixes CVE-2), curl added.
fn new_image() -> ImageBuilder {
    old_image().layer(
        Layer::new().file(
            "var/lib/dpkg/status",
            [
                dpkg("curl", "7.88.1-10", None),
                dpkg("libssl3", SSL_NEW, Some("openssl")),
                dpkg("zlib1g", ZLIB, Some("zlib")),
            ]
            .concat(),
        ),
    )
}

fn states(report: &Value) -> Vec<(String, String, String)> {
    let mut s: Vec<_> = vulns(report)
        .iter()
        .map(|v| {
            let f = |k: &str| v[k].as_str().unwrap_or("-").to_string();
            (f("package_name"), f("id"), f("state"))
        })
        .collect();
    s.sort();
    s
}

fn triple(p: &str, id: &str, state: &str) -> (String, String, String) {
    (p.into(), id.into(), state.into())
}

/// The baseline report is written before a new advisory for zlib (in both
/// images) is published; the new scan must call it existing, not new.
#[test]
fn baseline_report_marks_new_existing_and_fixed_against_todays_database() {
    let (sb, _) = setup();
    sb.import(&[advisory("CVE-2024-0004", "curl", unfixed(), HIGH)]);
    let (old, new) = (sb.path("old.tar"), sb.path("new.tar"));
    old_image().docker_archive(&old);
    new_image().docker_archive(&new);
    let baseline = sb.path("baseline.json");
    let r = image_json(&sb, &old, &["-o", baseline.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    sb.import(&[advisory("CVE-2024-0005", "zlib", unfixed(), CRITICAL)]);
    let base_arg = baseline.to_str().unwrap();
    let r = image_json(
        &sb,
        &new,
        &[
            "--baseline",
            base_arg,
            "--fail-on",
            "CRITICAL",
            "--fail-on-new",
        ],
    );
    assert_eq!(
        r.code, 0,
        "only existing findings are critical: {}",
        r.stderr
    );
    let report = r.json();
    assert_eq!(
        states(&report),
        [
            triple("curl", "CVE-2024-0004", "new"),
            triple("libssl3", "CVE-2024-0001", "existing"),
            triple("zlib1g", "CVE-2024-0003", "existing"),
            triple("zlib1g", "CVE-2024-0005", "existing"),
        ]
    );
    let fixed = report["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1, "{fixed:#?}");
    assert_eq!(fixed[0]["id"], "CVE-2024-0002");
    assert_eq!(fixed[0]["package_name"], "libssl3");
    assert_eq!(fixed[0]["installed_version"], SSL_OLD);
    // The old libssl3 came with the layer both images share.
    assert_eq!(fixed[0]["layer_diff_id"], json!(old_image().diff_ids()[0]));
    assert_eq!(report["summary"]["new"], 1);
    assert_eq!(report["summary"]["existing"], 3);
    assert_eq!(report["summary"]["fixed"], 1);
    assert_eq!(report["gate"]["only_new"], true);
    assert_eq!(report["gate"]["failed"], false);

    let r = image_json(
        &sb,
        &new,
        &["--baseline", base_arg, "--fail-on", "HIGH", "--fail-on-new"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.json()["gate"]["reasons"],
        json!(["1 new finding at or above HIGH (1 HIGH)"])
    );
    // Without --fail-on-new every critical counts.
    let r = image_json(
        &sb,
        &new,
        &["--baseline", base_arg, "--fail-on", "CRITICAL"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn baseline_input_scans_the_old_image_in_the_same_run() {
    let (sb, _) = setup();
    sb.import(&[advisory("CVE-2024-0004", "curl", unfixed(), HIGH)]);
    let (old, new) = (sb.path("old.tar"), sb.path("new.tar"));
    old_image().docker_archive(&old);
    new_image().docker_archive(&new);
    let r = image_json(&sb, &new, &["--baseline-input", old.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(
        states(&report),
        [
            triple("curl", "CVE-2024-0004", "new"),
            triple("libssl3", "CVE-2024-0001", "existing"),
            triple("zlib1g", "CVE-2024-0003", "existing"),
        ]
    );
    assert_eq!(report["fixed"][0]["id"], "CVE-2024-0002");
}

#[test]
fn a_baseline_of_another_distribution_makes_everything_new() {
    let (sb, root) = setup();
    let alpine = alpine_root(
        &sb.path("alpine"),
        "3.19.1",
        &[apk("zlib", "1.3.1-r0", "zlib")],
    );
    let baseline = sb.path("alpine.json");
    let r = run(
        &sb,
        &[
            "fs",
            alpine.to_str().unwrap(),
            "--scanners",
            "none",
            "-f",
            "json",
            "-o",
            baseline.to_str().unwrap(),
        ],
    );
    // The database holds no Alpine advisories: the baseline's own package
    // list is enough (a vulnerability scan of it would fail closed).
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = scan(&sb, &root, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(report["summary"]["new"], 3);
    assert_eq!(report["summary"]["existing"], 0);
    assert_eq!(report["fixed"], json!([]));
}

// ---- usage errors -----------------------------------------------------------------

#[test]
fn policy_usage_errors_exit_2_with_one_line() {
    let (sb, root) = setup();
    let err = scan(&sb, &root, &["--fail-on-new"]).usage_error();
    assert!(err.contains("--fail-on-new needs a baseline"), "{err}");

    let err = scan(&sb, &root, &["--severity", "HIGH,SEVERE"]).usage_error();
    assert!(err.contains("\"SEVERE\" is not a severity"), "{err}");
    let err = scan(&sb, &root, &["--fail-on", "urgent"]).usage_error();
    assert!(err.contains("\"urgent\" is not a severity"), "{err}");

    let bad = sb.path("cwd/.trivyignore.yaml");
    std::fs::write(
        &bad,
        "vulnerabilities:\n  - id: CVE-1\n  - statement: no id\n",
    )
    .unwrap();
    let err = scan(&sb, &root, &[]).usage_error();
    assert!(
        err.starts_with(&format!("error: {}:3:", bad.display())),
        "{err}"
    );
    std::fs::remove_file(&bad).unwrap();

    let err = scan(&sb, &root, &["--ignorefile", "nowhere.yaml"]).usage_error();
    assert!(err.contains("nowhere.yaml: no such ignore file"), "{err}");

    let not_report = sb.path("trivy.json");
    std::fs::write(&not_report, r#"{"SchemaVersion": 2, "Results": []}"#).unwrap();
    let err = scan(&sb, &root, &["--baseline", not_report.to_str().unwrap()]).usage_error();
    assert!(
        err.contains("trivy.json: not a scangate JSON report"),
        "{err}"
    );

    let not_vex = sb.path("bom.json");
    std::fs::write(&not_vex, r#"{"bomFormat": "CycloneDX"}"#).unwrap();
    let err = scan(&sb, &root, &["--vex", not_vex.to_str().unwrap()]).usage_error();
    assert!(err.contains("bom.json: not an OpenVEX document"), "{err}");
}
