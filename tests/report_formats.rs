//! Every report format end to end on one fixed scan: a two-layer Debian 12
//! image (built in code) with three known vulnerabilities, scanned offline
//! against a local OSV database. Machine formats are validated against
//! their published schemas (`tests/data/`); each format has a snapshot,
//! with the run's timestamps redacted.

mod vulnsupport;

use serde_json::{json, Value};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

const OPENSSL: &str = "3.0.11-1~deb12u2";

/// Imports the advisories and writes `app.tar` into the sandbox.
fn setup() -> Sandbox {
    let sb = Sandbox::new();
    sb.import(&report_advisories());
    let base = [
        dpkg("libssl3", OPENSSL, Some("openssl")),
        dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
    ]
    .concat();
    let with_curl = [base.clone(), dpkg("curl", "7.88.1-10+deb12u5", None)].concat();
    ImageBuilder::new()
        .tag("app:1")
        .layer(
            Layer::new()
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
                .file("var/lib/dpkg/status", base),
        )
        .layer(Layer::new().file("var/lib/dpkg/status", with_curl))
        .docker_archive(&sb.path("app.tar"));
    sb
}

/// `scangate image --input app.tar --offline -f FORMAT EXTRA…` in the
/// sandbox (so the artifact is named `app.tar`); (exit code, stdout).
fn scan(sb: &Sandbox, format: &str, extra: &[&str]) -> (i32, String) {
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .args(["image", "--input", "app.tar", "--offline", "-f", format])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8(out.stdout).unwrap())
}

fn scan_json(sb: &Sandbox, format: &str) -> Value {
    let (code, out) = scan(sb, format, &[]);
    assert_eq!(code, 0);
    serde_json::from_str(&out).unwrap()
}

fn schema(path: &str) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    serde_json::from_slice(&std::fs::read(dir.join(path)).unwrap()).unwrap()
}

/// Every schema violation of `report`, one line each.
fn violations(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn table_without_gate() {
    let sb = setup();
    let (code, out) = scan(&sb, "table", &[]);
    assert_eq!(code, 0);
    assert!(!out.contains("gate:"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn table_with_failed_gate() {
    let sb = setup();
    let (code, out) = scan(&sb, "table", &["--fail-on", "HIGH"]);
    assert_eq!(code, 1);
    assert!(
        out.ends_with("gate: FAILED — 2 findings at or above HIGH (1 CRITICAL, 1 HIGH)\n"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn table_is_plain_when_piped_even_without_no_color() {
    let sb = setup();
    let out = sb
        .cmd()
        .env_remove("NO_COLOR")
        .current_dir(sb.dir.path())
        .args(["image", "--input", "app.tar", "--offline"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b), "ANSI codes in piped output");
}

#[test]
fn markdown_without_gate() {
    let sb = setup();
    let (code, out) = scan(&sb, "markdown", &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("## scangate: 3 findings\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_with_failed_gate() {
    let sb = setup();
    let (code, out) = scan(&sb, "markdown", &["--fail-on", "HIGH"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("## ❌ scangate: gate failed\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn gitlab_report_validates_against_gitlabs_schema() {
    let sb = setup();
    let report = scan_json(&sb, "gitlab");
    let validator =
        jsonschema::validator_for(&schema("gitlab/container-scanning-report-format.json")).unwrap();
    assert_eq!(violations(&validator, &report), Vec::<String>::new());
    // The schema would accept a report without findings: check they are there.
    assert_eq!(report["vulnerabilities"].as_array().map(Vec::len), Some(3));
    insta::assert_json_snapshot!(report, {
        ".scan.start_time" => "[start]",
        ".scan.end_time" => "[end]",
    });
}

#[test]
fn a_report_missing_what_gitlab_requires_is_rejected() {
    // The validation above can fail: a report without a location is caught.
    let sb = setup();
    let mut report = scan_json(&sb, "gitlab");
    report["vulnerabilities"][0]
        .as_object_mut()
        .unwrap()
        .remove("location");
    let validator =
        jsonschema::validator_for(&schema("gitlab/container-scanning-report-format.json")).unwrap();
    assert_eq!(violations(&validator, &report).len(), 1);
}

/// `scangate config` on a repository with a Dockerfile that runs as root
/// and a workflow with a script injection, writing GitLab's SAST report.
fn config_sast_report(sb: &Sandbox) -> Value {
    write_tree(
        &sb.path("repo"),
        &[
            ("Dockerfile", "FROM debian:12\nUSER root\nRUN make\n".to_string()),
            (
                ".github/workflows/ci.yml",
                "on: pull_request_target\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n"
                    .to_string(),
            ),
        ],
    );
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .args(["config", "repo", "--format", "gitlab-sast"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn gitlab_sast_report_of_config_findings_validates_against_gitlabs_schema() {
    let sb = Sandbox::new();
    let report = config_sast_report(&sb);
    let validator = jsonschema::validator_for(&schema("gitlab/sast-report-format.json")).unwrap();
    assert_eq!(violations(&validator, &report), Vec::<String>::new());
    assert_eq!(report["scan"]["type"], "sast");
    let vulns = report["vulnerabilities"].as_array().unwrap();
    // The schema would accept an empty list: both files' findings are there,
    // each on its file and first line.
    let files: std::collections::BTreeSet<&str> = vulns
        .iter()
        .map(|v| v["location"]["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["Dockerfile", ".github/workflows/ci.yml"]
            .into_iter()
            .collect(),
        "{report}"
    );
    assert!(vulns
        .iter()
        .all(|v| v["location"]["start_line"].as_u64() >= Some(1)));
    assert!(vulns
        .iter()
        .all(|v| v["identifiers"][0]["type"] == "scangate_rule_id"));
}

#[test]
fn a_sast_report_missing_what_gitlab_requires_is_rejected() {
    // The validation above can fail: a finding without identifiers, or a
    // report of the wrong scan type, is caught.
    let sb = Sandbox::new();
    let mut report = config_sast_report(&sb);
    let validator = jsonschema::validator_for(&schema("gitlab/sast-report-format.json")).unwrap();
    report["vulnerabilities"][0]
        .as_object_mut()
        .unwrap()
        .remove("identifiers");
    assert_eq!(violations(&validator, &report).len(), 1);
    let mut container = config_sast_report(&sb);
    container["scan"]["type"] = json!("container_scanning");
    assert_eq!(violations(&validator, &container).len(), 1);
}

#[test]
fn an_image_scan_has_nothing_for_sast() {
    let sb = setup();
    let report = scan_json(&sb, "gitlab-sast");
    assert_eq!(report["vulnerabilities"], json!([]));
}

/// `fs` on a repository: each lockfile finding on its file, in GitLab's
/// dependency-scanning report, valid against GitLab's schema.
#[test]
fn gitlab_dependency_scanning_report_validates_against_gitlabs_schema() {
    let sb = Sandbox::new();
    sb.import(&[
        osv("RUSTSEC-2020-0071", "crates.io", "time", fixed_in("0.3.21")),
        osv("GHSA-29mw-wpgm-hmr9", "npm", "lodash", fixed_in("4.17.21")),
    ]);
    let lock = "version = 4\n\n[[package]]\nname = \"time\"\nversion = \"0.3.20\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let npm = r#"{"name":"web","lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/lodash":{"version":"4.17.20"}}}"#;
    let root = write_tree(
        &sb.path("repo"),
        &[
            ("Cargo.lock", lock.into()),
            ("web/package-lock.json", npm.into()),
        ],
    );
    let report = sb.fs_report(&root, "gitlab-dependency-scanning", &["--offline"]);
    let validator =
        jsonschema::validator_for(&schema("gitlab/dependency-scanning-report-format.json"))
            .unwrap();
    assert_eq!(violations(&validator, &report), Vec::<String>::new());
    assert_eq!(report["scan"]["type"], "dependency_scanning");
    let places: Vec<(String, String, String)> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let l = &v["location"];
            (
                l["file"].as_str().unwrap().to_string(),
                l["dependency"]["package"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                l["dependency"]["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let place = |f: &str, p: &str, v: &str| (f.to_string(), p.to_string(), v.to_string());
    assert_eq!(
        places,
        vec![
            place("Cargo.lock", "time", "0.3.20"),
            place("web/package-lock.json", "lodash", "4.17.20"),
        ]
    );
    // The schema can fail: a container-scanning location is not a file.
    let mut wrong = report.clone();
    wrong["vulnerabilities"][0]["location"]
        .as_object_mut()
        .unwrap()
        .remove("file");
    assert_eq!(violations(&validator, &wrong).len(), 1);
}

#[test]
fn gitlab_codequality_report() {
    let sb = setup();
    let report = scan_json(&sb, "gitlab-codequality");
    // Code quality shows issues on repository files: an image's packages,
    // with no Dockerfile to place them on, live only inside the image, so
    // they are in the container-scanning report and not here.
    assert_eq!(report, json!([]));
}

#[test]
fn cyclonedx_sbom_validates_against_the_1_6_schema() {
    let sb = setup();
    let bom = scan_json(&sb, "cyclonedx");
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            schema("cyclonedx/spdx.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            schema("cyclonedx/jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&schema("cyclonedx/bom-1.6.schema.json"))
        .unwrap();
    assert_eq!(violations(&validator, &bom), Vec::<String>::new());
    let mut broken = bom.clone();
    broken["components"][1]["type"] = json!("not-a-type");
    assert_eq!(violations(&validator, &broken).len(), 1);

    let components = bom["components"].as_array().unwrap();
    assert_eq!(components[0]["type"], "operating-system");
    assert_eq!(components.len(), 4, "the OS and three packages");
    assert_eq!(bom["vulnerabilities"].as_array().map(Vec::len), Some(3));
    insta::assert_json_snapshot!(bom, {
        ".serialNumber" => "[serial]",
        ".metadata.timestamp" => "[timestamp]",
    });
}

#[test]
fn several_formats_from_one_scan() {
    let sb = setup();
    let (code, _) = scan(
        &sb,
        "json",
        &[
            "--report",
            "gitlab=gl.json",
            "--report",
            "cyclonedx=bom.json",
            "--report",
            "markdown=summary.md",
        ],
    );
    assert_eq!(code, 0);
    for file in ["gl.json", "bom.json", "summary.md"] {
        let text = std::fs::read_to_string(sb.path(file)).unwrap();
        assert!(text.contains("CVE-2024-0001"), "{file}: {text}");
    }
}
