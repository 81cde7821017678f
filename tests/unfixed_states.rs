//! End to end: Debian's security tracker gives unfixed Debian findings the
//! state Debian records (`will_not_fix`, `fix_deferred`, `end_of_life`),
//! as Trivy shows them; `--ignore-unfixed` drops every unfixed state and
//! `--ignore-status` the listed ones. The tracker file is built here in the
//! shape of `https://security-tracker.debian.org/tracker/data/json` (source
//! package → CVE → `releases` → codename → `status`, `urgency`, `nodsa`,
//! `nodsa_reason`, `repositories`, as `aquasecurity/vuln-list-update`'s
//! Debian tracker fetcher reads it), imported with `db import` or served by
//! a loopback stub to `db update`, and a Debian 12 image is scanned.

mod vulnsupport;

use serde_json::{json, Value};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

/// glibc's CVE-2010-4756 is `no-dsa`/`ignored` in bookworm, curl's
/// CVE-2024-0002 `postponed`, openssl's CVE-2024-0003 plain open.
fn tracker() -> Vec<u8> {
    let open = |reason: Option<&str>| {
        let mut r = json!({
            "status": "open",
            "repositories": {"bookworm": "x"},
            "urgency": "unimportant",
        });
        if let Some(reason) = reason {
            r["nodsa"] = "Minor issue".into();
            r["nodsa_reason"] = reason.into();
        }
        r
    };
    json!({
        "glibc": {"CVE-2010-4756": {
            "description": "The glob implementation in the GNU C Library ...",
            "scope": "local",
            "releases": {"bookworm": open(Some("ignored")), "sid": open(None)},
        }},
        "curl": {"CVE-2024-0002": {"releases": {"bookworm": open(Some("postponed"))}}},
        "openssl": {"CVE-2024-0003": {"releases": {"bookworm": open(None)}}},
    })
    .to_string()
    .into_bytes()
}

fn advisories() -> Vec<Value> {
    vec![
        osv("CVE-2010-4756", "Debian:12", "glibc", unfixed()),
        osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        osv("CVE-2024-0003", "Debian:12", "openssl", unfixed()),
        osv(
            "CVE-2024-0004",
            "Debian:12",
            "openssl",
            fixed_in("3.0.13-1~deb12u1"),
        ),
    ]
}

fn image() -> ImageBuilder {
    let status = [
        dpkg("libc6", "2.36-9+deb12u4", Some("glibc")),
        dpkg("libcurl4", "7.88.1-10+deb12u5", Some("curl")),
        dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
    ]
    .concat();
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
                .file("var/lib/dpkg/status", status),
        )
        .history("FROM debian:12")
}

fn states(report: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vulns(report)
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs_of(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn tracker_states_show_and_the_status_filters_drop_them() {
    let sb = Sandbox::new();
    sb.import(&advisories());
    let img = image();

    // Without tracker data every unfixed finding is plain `affected`.
    let before = sb.image_json(&img, &["--offline"]);
    assert_eq!(
        states(&before),
        pairs_of(&[
            ("CVE-2010-4756", "affected"),
            ("CVE-2024-0002", "affected"),
            ("CVE-2024-0003", "affected"),
            ("CVE-2024-0004", "fixed"),
        ])
    );

    let file = sb.path("json");
    std::fs::write(&file, tracker()).unwrap();
    let (stdout, _) = sb.run_ok(["db".as_ref(), "import".as_ref(), file.as_os_str()]);
    assert!(
        String::from_utf8_lossy(&stdout).contains("2 Debian tracker records"),
        "{}",
        String::from_utf8_lossy(&stdout)
    );

    let all = sb.image_json(&img, &["--offline"]);
    assert_eq!(
        states(&all),
        pairs_of(&[
            ("CVE-2010-4756", "will_not_fix"),
            ("CVE-2024-0002", "fix_deferred"),
            ("CVE-2024-0003", "affected"),
            ("CVE-2024-0004", "fixed"),
        ])
    );

    let unfixed = sb.image_json(&img, &["--offline", "--ignore-unfixed"]);
    assert_eq!(states(&unfixed), pairs_of(&[("CVE-2024-0004", "fixed")]));

    let no_wnf = sb.image_json(&img, &["--offline", "--ignore-status", "will_not_fix"]);
    assert_eq!(
        states(&no_wnf),
        pairs_of(&[
            ("CVE-2024-0002", "fix_deferred"),
            ("CVE-2024-0003", "affected"),
            ("CVE-2024-0004", "fixed"),
        ])
    );

    // The variable, a list, as the flag.
    let out = sb
        .cmd()
        .env(
            "SCANGATE_IGNORE_STATUS",
            "will_not_fix,fix_deferred,affected",
        )
        .args(["image", "--input"])
        .arg(sb.path("image.tar"))
        .args(["--offline", "-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(states(&report), pairs_of(&[("CVE-2024-0004", "fixed")]));

    // An unknown status is a usage error naming the known ones.
    let input = sb.path("image.tar");
    let err = sb.run_fails(
        [
            "image".as_ref(),
            "--input".as_ref(),
            input.as_os_str(),
            "--offline".as_ref(),
            "--ignore-status".as_ref(),
            "wontfix".as_ref(),
        ],
        2,
    );
    assert!(err.contains("will_not_fix"), "{err}");
}

#[test]
fn db_update_fetches_the_tracker_from_its_url() {
    let stub = Stub::start();
    stub.serve(
        "/tracker/data/json",
        Reply::Export {
            body: tracker(),
            etag: "\"t1\"".into(),
        },
    );
    // Updated first: with OSV ecosystems held, `db update` would fetch
    // them too.
    let sb = Sandbox::new();
    let url = format!("{}/tracker/data/json", stub.url);
    let (stdout, _) = sb.run_ok([
        "db",
        "update",
        "--debian-tracker",
        "--debian-tracker-url",
        &url,
    ]);
    let stdout = String::from_utf8_lossy(&stdout);
    assert!(
        stdout.contains("Debian tracker: updated, 2 records"),
        "{stdout}"
    );
    assert_eq!(
        stub.requests()
            .iter()
            .filter(|r| r.path == "/tracker/data/json")
            .count(),
        1
    );
    sb.import(&advisories());
    let report = sb.image_json(&image(), &["--offline"]);
    assert!(states(&report).contains(&("CVE-2010-4756".into(), "will_not_fix".into())));

    // A server answering something else fails with the URL named.
    stub.serve(
        "/bad",
        Reply::Export {
            body: b"[1]".to_vec(),
            etag: "\"b\"".into(),
        },
    );
    let out = Sandbox::new()
        .cmd()
        .args(["db", "update", "--debian-tracker"])
        .args(["--debian-tracker-url", &format!("{}/bad", stub.url)])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/bad"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "one error line: {err}"
    );
}
