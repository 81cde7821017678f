//! End to end: a pipeline moved from Trivy keeps its gate. Each case of the
//! drop-in table runs the command a Trivy user already has against an
//! image built here, with OSV advisories (carrying CVSS vectors) imported
//! here, and checks the exit code Trivy's documentation gives; then the
//! settings layers (flags, SCANGATE_*, TRIVY_*, trivy.yaml), Trivy's flag
//! spellings, and failing closed on missing or stale data.

mod vulnsupport;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

fn advisory(id: &str, package: &str, events: Value, vector: &str) -> Value {
    with(
        osv(id, "Debian:12", package, events),
        "severity",
        json!([{ "type": "CVSS_V3", "score": vector }]),
    )
}

/// Two HIGH findings with fixes (openssl, curl), one LOW with a fix (zlib).
fn fixable() -> Vec<Value> {
    vec![
        advisory(
            "CVE-2024-0101",
            "openssl",
            fixed_in("3.0.13-1~deb12u1"),
            HIGH,
        ),
        advisory("CVE-2024-0102", "curl", fixed_in("7.88.1-10+deb12u6"), HIGH),
        advisory("CVE-2024-0103", "zlib", fixed_in("1:1.2.13.dfsg-2"), LOW),
    ]
}

/// An unfixed CRITICAL in openssl.
fn unfixed_critical() -> Value {
    advisory("CVE-2024-0100", "openssl", unfixed(), CRITICAL)
}

/// A Debian 12 image: openssl, curl and zlib in two layers.
fn debian_image(dir: &Path) -> PathBuf {
    let path = dir.join("debian.tar");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file(
                    "etc/os-release",
                    "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n",
                )
                .file(
                    "var/lib/dpkg/status",
                    [
                        dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
                        dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
                    ]
                    .concat(),
                ),
        )
        .layer(
            Layer::new().file(
                "var/lib/dpkg/status",
                [
                    dpkg("curl", "7.88.1-10+deb12u5", None),
                    dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
                    dpkg("zlib1g", "1:1.2.13.dfsg-1", Some("zlib")),
                ]
                .concat(),
            ),
        )
        .docker_archive(&path);
    path
}

/// A sandbox holding `records` and the Debian image; commands run in
/// `cwd/`.
fn setup(records: &[Value]) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    sb.import(records);
    std::fs::create_dir_all(sb.path("cwd")).unwrap();
    let image = debian_image(sb.dir.path());
    (sb, image)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `scangate ARGS` in `cwd/` with extra environment `vars`.
fn run_env(sb: &Sandbox, args: &[&str], vars: &[(&str, &str)]) -> Run {
    std::fs::create_dir_all(sb.path("cwd")).unwrap();
    let mut cmd = sb.cmd();
    cmd.current_dir(sb.path("cwd")).args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `scangate image --input IMAGE --exit-code 1`, letting the database
/// update (its URL points at nothing unless the sandbox has a stub).
fn online_gate(sb: &Sandbox, input: &Path, vars: &[(&str, &str)]) -> Run {
    let args = [
        "image",
        "--input",
        input.to_str().unwrap(),
        "--exit-code",
        "1",
    ];
    run_env(sb, &args, vars)
}

/// An Alpine image whose os-release says `version_id`, with musl installed.
fn alpine_image(path: &Path, version_id: &str) {
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file(
                    "etc/os-release",
                    format!("ID=alpine\nVERSION_ID={version_id}\n"),
                )
                .file("lib/apk/db/installed", apk("musl", "1.2.4-r2", "musl")),
        )
        .docker_archive(path);
}

/// `scangate image --input IMAGE --offline ARGS`.
fn image(sb: &Sandbox, input: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut all = vec!["image", "--input", input.to_str().unwrap(), "--offline"];
    all.extend_from_slice(args);
    run_env(sb, &all, vars)
}

// ---- the drop-in table ----------------------------------------------------------

#[test]
fn the_guides_gate_fails_on_fixable_highs() {
    let mut records = fixable();
    records.push(unfixed_critical());
    let (sb, img) = setup(&records);
    let r = image(
        &sb,
        &img,
        &[
            "--ignore-unfixed",
            "--severity",
            "HIGH,CRITICAL",
            "--exit-code",
            "1",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("CVE-2024-0101"), "{}", r.stdout);
    assert!(!r.stdout.contains("CVE-2024-0100"), "unfixed: {}", r.stdout);
    assert!(!r.stdout.contains("CVE-2024-0103"), "LOW: {}", r.stdout);
    assert!(
        r.stderr.contains("gate failed: 2 findings reported"),
        "{}",
        r.stderr
    );
}

#[test]
fn exit_code_passes_when_nothing_of_the_severity_is_found() {
    let (sb, img) = setup(&fixable());
    let r = image(
        &sb,
        &img,
        &["--severity", "CRITICAL", "--exit-code", "1"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn trivy_yaml_in_the_working_directory_sets_the_gate() {
    let (sb, img) = setup(&fixable());
    std::fs::write(
        sb.path("cwd/trivy.yaml"),
        "severity:\n  - HIGH\n  - CRITICAL\nexit-code: 1\n",
    )
    .unwrap();
    let r = image(&sb, &img, &["-f", "json"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["summary"]["total"], 2, "LOW filtered out");
    assert_eq!(report["gate"]["failed"], true);
}

#[test]
fn trivy_variables_set_the_gate() {
    let (sb, img) = setup(&fixable());
    let vars = [
        ("TRIVY_SEVERITY", "HIGH,CRITICAL"),
        ("TRIVY_EXIT_CODE", "1"),
    ];
    assert_eq!(image(&sb, &img, &[], &vars).code, 1);
}

#[test]
fn trivyignore_beside_an_unrelated_trivyignore_yaml_both_apply() {
    let (sb, img) = setup(&fixable());
    std::fs::write(
        sb.path("cwd/.trivyignore"),
        "CVE-2024-0101\nCVE-2024-0102\n",
    )
    .unwrap();
    std::fs::write(
        sb.path("cwd/.trivyignore.yaml"),
        "misconfigurations:\n  - id: DS002\n",
    )
    .unwrap();
    let r = image(
        &sb,
        &img,
        &["--severity", "HIGH,CRITICAL", "--exit-code", "1"],
        &[],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn trivys_listing_flags_are_accepted() {
    let (sb, img) = setup(&fixable());
    let r = image(
        &sb,
        &img,
        &[
            "--list-all-pkgs",
            "--scanners",
            "vuln",
            "--timeout",
            "5m",
            "--no-progress",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("zlib1g"), "packages listed: {}", r.stdout);
}

#[test]
fn misconfig_with_exit_code_fails_on_a_root_dockerfile() {
    let sb = Sandbox::new();
    let tree = sb.path("repo");
    write_tree(
        &tree,
        &[(
            "Dockerfile",
            "FROM alpine:3.19\nUSER root\nCMD [\"sh\"]\n".into(),
        )],
    );
    let r = run_env(
        &sb,
        &[
            "fs",
            tree.to_str().unwrap(),
            "--scanners",
            "misconfig",
            "--exit-code",
            "1",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    // Skipping the file skips its findings.
    let r = run_env(
        &sb,
        &[
            "fs",
            tree.to_str().unwrap(),
            "--scanners",
            "misconfig",
            "--exit-code",
            "1",
            "--skip-files",
            "Dockerfile",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_database_without_the_images_distribution_fails_closed() {
    let (sb, _) = setup(&fixable());
    let alpine = sb.path("alpine.tar");
    alpine_image(&alpine, "3.19.1");
    let r = image(&sb, &alpine, &["--exit-code", "1"], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("holds no advisories for Alpine:v3.19")
            && line.contains("scangate db update Alpine:v3.19"),
        "{line}"
    );
}

// ---- settings layers ---------------------------------------------------------

#[test]
fn flags_beat_scangate_variables_beat_trivy_variables_beat_trivy_yaml() {
    let (sb, img) = setup(&fixable());
    std::fs::write(sb.path("cwd/trivy.yaml"), "exit-code: 4\n").unwrap();
    assert_eq!(image(&sb, &img, &[], &[]).code, 4);
    let trivy = [("TRIVY_EXIT_CODE", "5")];
    assert_eq!(image(&sb, &img, &[], &trivy).code, 5);
    let both = [("TRIVY_EXIT_CODE", "5"), ("SCANGATE_EXIT_CODE", "6")];
    assert_eq!(image(&sb, &img, &[], &both).code, 6);
    assert_eq!(image(&sb, &img, &["--exit-code", "7"], &both).code, 7);
    // An empty variable is unset (GitLab exports declared ones empty).
    let empty = [("SCANGATE_EXIT_CODE", ""), ("SCANGATE_SEVERITY", "")];
    assert_eq!(image(&sb, &img, &[], &empty).code, 4);
}

#[test]
fn fail_on_is_the_threshold_and_exit_code_the_code() {
    let (sb, img) = setup(&fixable());
    assert_eq!(image(&sb, &img, &["--fail-on", "HIGH"], &[]).code, 1);
    let r = image(
        &sb,
        &img,
        &["--fail-on", "CRITICAL", "--exit-code", "9"],
        &[],
    );
    assert_eq!(r.code, 0, "no CRITICAL: {}", r.stderr);
    let r = image(&sb, &img, &["--fail-on", "LOW", "--exit-code", "9"], &[]);
    assert_eq!(r.code, 9, "{}", r.stderr);
    assert_eq!(image(&sb, &img, &["--exit-code", "0"], &[]).code, 0);
}

#[test]
fn a_named_config_file_unknown_keys_and_bad_files() {
    let (sb, img) = setup(&fixable());
    let cfg = sb.path("ci-trivy.yaml");
    std::fs::write(
        &cfg,
        "vulnerability:\n  ignore-unfixed: true\nseverity: [HIGH]\nexit-code: 3\ndb:\n  repository: ghcr.io/example/db\n",
    )
    .unwrap();
    let r = image(&sb, &img, &["--config", cfg.to_str().unwrap()], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let warned: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("no equivalent"))
        .collect();
    assert_eq!(warned.len(), 1, "{}", r.stderr);
    assert!(warned[0].contains("db.repository"), "{}", warned[0]);
    let r = image(&sb, &img, &[], &[("TRIVY_CONFIG", "missing.yaml")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "error: missing.yaml: cannot read the config file: No such file or directory (os error 2)"
    );
    std::fs::write(sb.path("cwd/trivy.yaml"), "severity: [HIGH\n").unwrap();
    let r = image(&sb, &img, &[], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains("trivy.yaml:"), "{}", r.stderr);
}

// ---- Trivy's spellings ----------------------------------------------------------

#[test]
fn trivy_flags_scangate_lacks_are_named() {
    let (sb, img) = setup(&fixable());
    let r = image(&sb, &img, &["--template", "@contrib/gitlab.tpl"], &[]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "error: --template is a Trivy flag that scangate does not have yet \
         (use --format (sarif, gitlab, markdown, cyclonedx, json)); see `scangate image --help`"
    );
    // A typo keeps clap's tip and points at the subcommand's help.
    let r = image(&sb, &img, &["--severty", "HIGH"], &[]);
    assert_eq!(r.code, 2);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("tip: a similar argument exists: '--severity'"),
        "{line}"
    );
    assert!(line.ends_with("see `scangate image --help`"), "{line}");
}

#[test]
fn trivys_scanner_names_and_package_types() {
    let (sb, img) = setup(&fixable());
    let r = image(
        &sb,
        &img,
        &[
            "--scanners",
            "vuln,secret,license",
            "--pkg-types",
            "os,library",
            "--exit-code",
            "1",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no license scanner yet"), "{}", r.stderr);
    // Without OS packages there is nothing to match.
    let r = image(
        &sb,
        &img,
        &["--vuln-type", "library", "--exit-code", "1"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Secrets alone need no database; license alone is nothing to scan.
    let r = image(&sb, &img, &["--scanners", "secret"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = image(&sb, &img, &["--scanners", "license"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn help_lists_the_exit_codes_and_version_works() {
    let sb = Sandbox::new();
    let r = run_env(&sb, &["--help"], &[]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("3  the scan could not be done"),
        "{}",
        r.stdout
    );
    let r = run_env(&sb, &["version"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Vulnerability DB: none yet"),
        "{}",
        r.stdout
    );
}

// ---- failing closed -----------------------------------------------------------

#[test]
fn an_imported_database_is_used_without_the_network_while_fresh() {
    let (sb, img) = setup(&fixable());
    // No --offline; the DB URL points at nothing. A fresh import needs no
    // update, so no retries and no warning.
    let started = std::time::Instant::now();
    let r = online_gate(&sb, &img, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("could not update"), "{}", r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let r = run_env(&sb, &["version"], &[]);
    assert!(r.stdout.contains("From: db import"), "{}", r.stdout);
}

#[test]
fn a_failed_update_warns_with_the_age_and_max_age_fails_closed() {
    let (sb, img) = setup(&fixable());
    // A stale import (TTL 0) makes the scan try the (absent) server.
    let vars = [("SCANGATE_DB_TTL", "0")];
    let r = online_gate(&sb, &img, &vars);
    assert_eq!(r.code, 1, "the scan goes on: {}", r.stderr);
    assert!(
        r.stderr
            .contains("could not update the vulnerability database")
            && r.stderr.contains("scanning with the data from"),
        "{}",
        r.stderr
    );
    let r = image(&sb, &img, &["--db-max-age", "0"], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("older than --db-max-age"), "{}", r.stderr);
    assert_eq!(image(&sb, &img, &["--db-max-age", "7d"], &[]).code, 0);
}

#[test]
fn a_failed_first_update_leaves_no_database() {
    let sb = Sandbox::new();
    let r = run_env(&sb, &["db", "update", "Debian:12"], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let left: Vec<_> = std::fs::read_dir(sb.cache().join("db"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.iter()
            .all(|n| n.to_str().is_some_and(|n| n.ends_with(".lock"))),
        "{left:?}"
    );
}

#[test]
fn an_ecosystem_osv_publishes_nothing_for_is_a_warning() {
    let stub = Stub::start();
    // Alpine's export, fetched, has no v3.99 records.
    stub.serve_export(
        "/Alpine/all.zip",
        &[osv(
            "ALPINE-CVE-2024-1",
            "Alpine:v3.19",
            "musl",
            fixed_in("1.2.4-r3"),
        )],
        "\"a\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    let alpine = sb.path("alpine.tar");
    alpine_image(&alpine, "3.99.0");
    let r = online_gate(&sb, &alpine, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("OSV publishes no advisories for Alpine:v3.99"),
        "{}",
        r.stderr
    );
}
