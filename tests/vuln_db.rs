//! End to end: the vulnerability database as a user drives it — `db import`,
//! `db info`, `db update` against a loopback stand-in for OSV's bucket, and
//! the update a scan does by itself. Never touches the real network.

mod vulnsupport;

use predicates::prelude::*;
use serde_json::Value;
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `db info -f json` as (ecosystem, advisories, packages) rows.
fn ecosystems(info: &Value) -> Vec<(String, u64, u64)> {
    info["ecosystems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ecosystem"].as_str().unwrap().to_string(),
                e["advisories"].as_u64().unwrap(),
                e["packages"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(eco: &str, advisories: u64, packages: u64) -> (String, u64, u64) {
    (eco.to_string(), advisories, packages)
}

/// A Debian 12 root with `libssl3` built from `openssl` 3.0.11-1~deb12u2.
fn bookworm_root(sb: &Sandbox) -> std::path::PathBuf {
    debian_root(
        &sb.path("root"),
        "12",
        &[dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl"))],
    )
}

fn openssl_advisory(id: &str, eco: &str) -> Value {
    osv(id, eco, "openssl", fixed_in("3.0.13-1~deb12u1"))
}

// ---- db import / db info ----------------------------------------------------

#[test]
fn db_import_reads_a_directory_a_json_file_an_array_and_an_all_zip() {
    let sb = Sandbox::new();
    let dir = sb.osv_dir(
        "dir",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        ],
    );
    let single = sb.path("single.json");
    std::fs::write(
        &single,
        osv("CVE-2024-0003", "Debian:12", "zlib", unfixed()).to_string(),
    )
    .unwrap();
    let array = sb.path("array.json");
    let arr = Value::Array(vec![
        osv("ALPINE-1", "Alpine:v3.19", "openssl", fixed_in("3.1.4-r6")),
        osv("ALPINE-2", "Alpine:v3.19", "musl", unfixed()),
    ]);
    std::fs::write(&array, arr.to_string()).unwrap();
    let zip = sb.path("all.zip");
    std::fs::write(
        &zip,
        zip_of(&[
            osv("GHSA-aaaa-bbbb-cccc", "PyPI", "requests", unfixed()),
            osv("GHSA-dddd-eeee-ffff", "PyPI", "Django", unfixed()),
            osv("GHSA-gggg-hhhh-iiii", "PyPI", "django", unfixed()),
        ]),
    )
    .unwrap();

    let cases: [(&std::path::Path, &str); 4] = [
        (&dir, "imported 2 new, 0 replaced, 0 unchanged"),
        (&single, "imported 1 new, 0 replaced, 0 unchanged"),
        (&array, "imported 2 new, 0 replaced, 0 unchanged"),
        (&zip, "imported 3 new, 0 replaced, 0 unchanged"),
    ];
    for (path, expected) in cases {
        sb.cmd()
            .args(["db", "import"])
            .arg(path)
            .assert()
            .success()
            .stdout(predicate::str::contains(expected).and(predicate::str::contains("0 skipped")));
    }
    let info = sb.db_info();
    assert_eq!(info["advisories"], 8);
    assert_eq!(info["withdrawn"], 0);
    assert_eq!(
        ecosystems(&info),
        vec![
            row("Alpine:v3.19", 2, 2),
            row("Debian:12", 3, 3),
            // `Django` and `django` are one PyPI package.
            row("PyPI", 3, 2),
        ]
    );

    // Importing everything again changes nothing.
    sb.cmd()
        .args(["db", "import"])
        .args([&dir, &single, &array, &zip])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 0 new, 0 replaced, 8 unchanged, 0 older ignored, 0 skipped",
        ));
    let again = sb.db_info();
    assert_eq!(again["advisories"], 8);
    assert_eq!(again["ecosystems"], info["ecosystems"]);
}

#[test]
fn db_import_replaces_an_advisory_only_with_a_newer_modified() {
    let sb = Sandbox::new();
    sb.import(&[openssl_advisory("CVE-2024-0001", "Debian:12")]);
    let newer = with(
        openssl_advisory("CVE-2024-0001", "Debian:12"),
        "modified",
        "2024-06-01T00:00:00Z".into(),
    );
    let older = with(
        openssl_advisory("CVE-2024-0001", "Debian:12"),
        "modified",
        "2023-01-01T00:00:00Z".into(),
    );
    let p = sb.path("newer.json");
    std::fs::write(&p, newer.to_string()).unwrap();
    sb.cmd()
        .args(["db", "import"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 0 new, 1 replaced"));
    std::fs::write(&p, older.to_string()).unwrap();
    sb.cmd()
        .args(["db", "import"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 older ignored"));
    assert_eq!(sb.db_info()["newest_modified"], "2024-06-01T00:00:00Z");
}

#[test]
fn db_import_skips_a_malformed_file_with_a_warning_naming_it() {
    let sb = Sandbox::new();
    let dir = sb.osv_dir(
        "osv",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        ],
    );
    std::fs::write(
        dir.join("broken.json"),
        "{\"id\": \"CVE-2024-9999\", \"affected\": [",
    )
    .unwrap();
    std::fs::write(dir.join("no-id.json"), r#"{"summary": "no id"}"#).unwrap();
    let out = sb.cmd().args(["db", "import"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout_of(&out)
            .contains("imported 2 new, 0 replaced, 0 unchanged, 0 older ignored, 2 skipped"),
        "{}",
        stdout_of(&out)
    );
    let err = stderr_of(&out);
    for name in ["broken.json", "no-id.json"] {
        assert!(
            err.lines().any(|l| l.contains("WARN") && l.contains(name)),
            "no warning naming {name}: {err}"
        );
    }
    assert_eq!(sb.db_info()["advisories"], 2);
}

#[test]
fn db_info_table_shows_counts_per_ecosystem() {
    let sb = Sandbox::new();
    sb.import(&[
        openssl_advisory("CVE-2024-0001", "Debian:12"),
        osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        osv("CVE-2024-0003", "Debian:12", "curl", unfixed()),
        osv("ALPINE-1", "Alpine:v3.19", "openssl", unfixed()),
        with(
            osv("CVE-2024-0004", "Debian:12", "zlib", unfixed()),
            "withdrawn",
            "2024-04-01T00:00:00Z".into(),
        ),
    ]);
    let out = sb.cmd().args(["db", "info"]).output().unwrap();
    assert!(out.status.success());
    let text = stdout_of(&out);
    assert!(text.contains("advisories: 5 (1 withdrawn)"), "{text}");
    let table: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !l.starts_with("ECOSYSTEM"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        table,
        vec![
            vec!["ECOSYSTEM", "ADVISORIES", "PACKAGES"],
            vec!["Alpine:v3.19", "1", "1"],
            vec!["Debian:12", "4", "3"],
        ],
        "{text}"
    );
}

#[test]
fn db_info_without_a_database_says_how_to_get_one() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["db", "info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr_of(&out);
    assert!(
        err.starts_with("error:") && err.contains("db update"),
        "{err}"
    );
}

// ---- db update ----------------------------------------------------------------

#[test]
fn db_update_downloads_then_revalidates_with_the_etag_and_honours_the_ttl() {
    let stub = Stub::start();
    stub.serve_export(
        "/Debian/all.zip",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        ],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);

    // First run: downloads.
    sb.cmd()
        .args(["db", "update", "Debian:12"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Debian: updated, 2 advisories read",
        ));
    let seen = stub.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/Debian/all.zip");
    assert_eq!(seen[0].header("if-none-match"), None);
    assert_eq!(ecosystems(&sb.db_info()), vec![row("Debian:12", 2, 2)]);

    // TTL 0: asks again, conditionally; 304 keeps the records.
    sb.cmd()
        .args(["db", "update", "Debian:12", "--db-ttl", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian: unchanged"));
    let seen = stub.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(ecosystems(&sb.db_info()), vec![row("Debian:12", 2, 2)]);

    // Within the (default 12h) TTL: no request at all.
    sb.cmd()
        .args(["db", "update", "Debian:12"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian: fresh"));
    assert_eq!(stub.requests().len(), 2);

    // Without names: the ecosystems already in the database, still fresh.
    sb.cmd()
        .args(["db", "update"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian: fresh"));
    assert_eq!(stub.requests().len(), 2);

    // --force asks even when fresh.
    sb.cmd()
        .args(["db", "update", "Debian:12", "--force"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian: unchanged"));
    let seen = stub.requests();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[2].header("if-none-match"), Some("\"v1\""));

    // A new export (new ETag) replaces the data.
    stub.serve_export(
        "/Debian/all.zip",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
            osv("CVE-2024-0003", "Debian:12", "zlib", unfixed()),
        ],
        "\"v2\"",
    );
    sb.cmd()
        .args(["db", "update", "Debian:12", "--db-ttl", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Debian: updated, 3 advisories read",
        ));
    assert_eq!(ecosystems(&sb.db_info()), vec![row("Debian:12", 3, 3)]);
}

/// A database holding CVE-2024-0001 for openssl, fetched from `stub`.
fn seeded(stub: &Stub) -> Sandbox {
    stub.serve_export(
        "/Debian/all.zip",
        &[openssl_advisory("CVE-2024-0001", "Debian:12")],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    sb.cmd()
        .args(["db", "update", "Debian:12"])
        .assert()
        .success();
    sb
}

fn still_finds_the_old_vulnerability(sb: &Sandbox) {
    let found = sb.scan_vulns(&bookworm_root(sb));
    assert_eq!(
        pairs(&found),
        vec![("libssl3".to_string(), "CVE-2024-0001".to_string())]
    );
}

#[test]
fn db_update_server_error_fails_with_the_url_and_keeps_the_old_database() {
    let stub = Stub::start();
    let sb = seeded(&stub);
    stub.serve("/Debian/all.zip", Reply::Status(500));
    let out = sb
        .cmd()
        .args(["db", "update", "Debian:12", "--db-ttl", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = stderr_of(&out);
    let url = format!("{}/Debian/all.zip", stub.url);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains(&url) && errors[0].contains("500"),
        "{err}"
    );
    assert_eq!(err.lines().last(), Some(errors[0]), "{err}");
    assert!(stub.requests().len() >= 2, "transient 5xx is retried");
    still_finds_the_old_vulnerability(&sb);
}

#[test]
fn db_update_corrupt_zip_fails_and_keeps_the_old_database() {
    let stub = Stub::start();
    let sb = seeded(&stub);
    stub.serve(
        "/Debian/all.zip",
        Reply::Export {
            body: b"PK\x03\x04 this is not really a zip archive".to_vec(),
            etag: "\"v2\"".into(),
        },
    );
    let out = sb
        .cmd()
        .args(["db", "update", "Debian:12", "--db-ttl", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = stderr_of(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("/Debian/all.zip"), "{err}");
    still_finds_the_old_vulnerability(&sb);
    assert_eq!(ecosystems(&sb.db_info()), vec![row("Debian:12", 1, 1)]);

    // The bookkeeping rolled back too: the next check still names the
    // export that was imported.
    stub.serve_export(
        "/Debian/all.zip",
        &[openssl_advisory("CVE-2024-0001", "Debian:12")],
        "\"v1\"",
    );
    sb.cmd()
        .args(["db", "update", "Debian:12", "--db-ttl", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian: unchanged"));
    assert_eq!(
        stub.requests().last().unwrap().header("if-none-match"),
        Some("\"v1\"")
    );
}

#[test]
fn db_update_keeps_only_the_releases_that_are_needed() {
    let stub = Stub::start();
    let mut both = osv("CVE-2024-0003", "Debian:12", "zlib", unfixed());
    let mut eleven = both["affected"][0].clone();
    eleven["package"]["ecosystem"] = "Debian:11".into();
    both["affected"].as_array_mut().unwrap().push(eleven);
    stub.serve_export(
        "/Debian/all.zip",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            openssl_advisory("CVE-2024-0002", "Debian:11"),
            osv("CVE-2023-0001", "Debian:11", "curl", unfixed()),
            both,
        ],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    sb.cmd()
        .args(["db", "update", "Debian:12"])
        .assert()
        .success();
    let info = sb.db_info();
    assert_eq!(ecosystems(&info), vec![row("Debian:12", 2, 2)]);
    assert_eq!(info["advisories"], 2);
}

#[test]
fn db_update_of_an_empty_database_without_names_is_a_usage_error() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["db", "update"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Debian:12"));
}

// ---- the update a scan does ---------------------------------------------------

#[test]
fn scan_without_offline_updates_from_the_mirror_then_reports() {
    let stub = Stub::start();
    stub.serve_export(
        "/Debian/all.zip",
        &[openssl_advisory("CVE-2024-0001", "Debian:12")],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    let root = bookworm_root(&sb);
    let report = sb.scan_json(&root, &[]);
    assert_eq!(
        pairs(&vulns(&report)),
        vec![("libssl3".to_string(), "CVE-2024-0001".to_string())]
    );
    let seen = stub.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/Debian/all.zip");

    // A second scan within the TTL (a CI job with a restored cache) does
    // not touch the network.
    let again = sb.scan_json(&root, &[]);
    assert_eq!(vulns(&again), vulns(&report));
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn scan_of_another_release_fetches_again_and_keeps_both_releases() {
    let stub = Stub::start();
    stub.serve_export(
        "/Debian/all.zip",
        &[
            openssl_advisory("CVE-2024-0001", "Debian:12"),
            osv("CVE-2023-0001", "Debian:11", "openssl", unfixed()),
        ],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    let bookworm = bookworm_root(&sb);
    let bullseye = debian_root(
        &sb.path("bullseye"),
        "11",
        &[dpkg("libssl1.1", "1.1.1w-0+deb11u1", Some("openssl"))],
    );
    assert_eq!(
        pairs(&vulns(&sb.scan_json(&bookworm, &[]))),
        vec![("libssl3".to_string(), "CVE-2024-0001".to_string())]
    );
    // Within the TTL, but Debian:11 was never kept: the export is fetched
    // again, in full.
    assert_eq!(
        pairs(&vulns(&sb.scan_json(&bullseye, &[]))),
        vec![("libssl1.1".to_string(), "CVE-2023-0001".to_string())]
    );
    let seen = stub.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].header("if-none-match"), None);
    assert_eq!(
        ecosystems(&sb.db_info()),
        vec![row("Debian:11", 1, 1), row("Debian:12", 1, 1)]
    );
    // Both are covered now: neither scan asks again.
    sb.scan_json(&bookworm, &[]);
    sb.scan_json(&bullseye, &[]);
    assert_eq!(stub.requests().len(), 2);
}

/// With `--offline`, a database that holds nothing for the scanned OS
/// (imported or fetched for other releases only) must not pass silently as
/// "no vulnerabilities": that is a false negative nobody notices in CI.
#[test]
fn offline_scan_fails_closed_when_the_database_has_nothing_for_the_os() {
    let sb = Sandbox::new();
    sb.import(&[osv(
        "ALPINE-CVE-2024-0001",
        "Alpine:v3.19",
        "openssl",
        unfixed(),
    )]);
    let root = alpine_root(
        &sb.path("root"),
        "3.18.4",
        &[apk("libcrypto3", "3.1.4-r5", "openssl")],
    );
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .arg("--offline")
        .output()
        .unwrap();
    // A clean report here would only mean the data is missing: exit 3,
    // naming the ecosystem and the command that fixes it.
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = stderr_of(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("no advisories for Alpine:v3.18")
            && err.contains("scangate db update Alpine:v3.18"),
        "{err}"
    );
    assert!(stdout_of(&out).is_empty(), "no report that looks clean");
}

#[test]
fn scan_of_an_image_updates_and_attributes_findings_to_the_layer() {
    let stub = Stub::start();
    stub.serve_export(
        "/Debian/all.zip",
        &[openssl_advisory("CVE-2024-0001", "Debian:12")],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    let base = dpkg("base-files", "12.4+deb12u5", None);
    let ssl = dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl"));
    let tar = sb.path("app.tar");
    let image = ImageBuilder::new()
        .tag("test:1")
        .layer(
            Layer::new()
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
                .file("var/lib/dpkg/status", &base),
        )
        .layer(Layer::new().file("var/lib/dpkg/status", format!("{base}{ssl}")));
    image.docker_archive(&tar);
    let diff_ids = image.diff_ids();
    let out = sb
        .cmd()
        .args(["image", "--input"])
        .arg(&tar)
        .args(["-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = vulns(&report);
    assert_eq!(
        pairs(&found),
        vec![("libssl3".to_string(), "CVE-2024-0001".to_string())]
    );
    assert_eq!(found[0]["layer_diff_id"], diff_ids[1].as_str());
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn scan_offline_without_a_database_fails_with_a_clear_message() {
    let sb = Sandbox::new();
    let root = bookworm_root(&sb);
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .arg("--offline")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error:")
            && err.contains("no vulnerability database")
            && err.contains("scangate db update"),
        "{err}"
    );
}

#[test]
fn scanners_none_never_needs_a_database() {
    let sb = Sandbox::new();
    let root = bookworm_root(&sb);
    // Neither --offline nor a server: nothing may be fetched.
    let report = sb.scan_json(&root, &["--scanners", "none"]);
    let target = &report["targets"][0];
    assert_eq!(target["ecosystem"], "Debian:12");
    assert!(target.get("vulnerabilities").is_none(), "{report}");
    assert!(!sb.cache().join("db").join("osv.sqlite").exists());
    // The environment variable works the same way.
    sb.cmd()
        .arg("fs")
        .arg(&root)
        .env("SCANGATE_SCANNERS", "none")
        .assert()
        .success();
}

#[test]
fn a_tree_with_workflows_fetches_the_github_actions_ecosystem() {
    let stub = Stub::start();
    stub.serve_export(
        "/GitHub%20Actions/all.zip",
        &[osv(
            "GHSA-mcph-m25j-8j63",
            "GitHub Actions",
            "tj-actions/changed-files",
            fixed_in("41"),
        )],
        "\"v1\"",
    );
    let sb = Sandbox::with_url(&stub.url);
    let root = write_tree(
        &sb.path("repo"),
        &[(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v40.2.1\n"
                .into(),
        )],
    );
    let report = sb.scan_json(&root, &[]);
    assert_eq!(
        pairs(&vulns(&report)),
        vec![(
            "tj-actions/changed-files".to_string(),
            "GHSA-mcph-m25j-8j63".to_string()
        )]
    );
    let seen = stub.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/GitHub%20Actions/all.zip");
}
