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

// ---- Ubuntu's CVE tracker ---------------------------------------------------

/// A tracker file in the shape of `ubuntu-cve-tracker`'s `active/CVE-*`
/// (Candidate, Priority, then `<release>_<source>: <status> (<note>)`
/// lines, as its README's "Patches" section describes and
/// `aquasecurity/vuln-list-update`'s Ubuntu fetcher parses).
fn ubuntu_cve(cve: &str, lines: &[&str]) -> String {
    format!(
        "PublicDateAtUSN: 2024-01-01 00:00:00 UTC\nCandidate: {cve}\nPublicDate: 2024-01-01 00:00:00 UTC\nReferences:\n https://www.cve.org/CVERecord?id={cve}\nPriority: medium\n\nPatches_x:\nupstream_x: needs-triage\n{}\n",
        lines.join("\n")
    )
}

/// A snapshot of the tracker repository, as Launchpad's cgit serves it
/// (`ubuntu-cve-tracker-master/active/CVE-…`), gzipped.
fn ubuntu_snapshot() -> Vec<u8> {
    use std::io::Write;
    let files = [
        (
            "CVE-2024-0011",
            ubuntu_cve(
                "CVE-2024-0011",
                &[
                    "jammy_openssl: ignored (code not compiled)",
                    "noble_openssl: not-affected",
                ],
            ),
        ),
        (
            "CVE-2024-0012",
            ubuntu_cve("CVE-2024-0012", &["jammy_curl: deferred (2024-03-01)"]),
        ),
        (
            "CVE-2024-0013",
            ubuntu_cve("CVE-2024-0013", &["jammy_openssl: needs-triage"]),
        ),
    ];
    let mut builder = tar::Builder::new(Vec::new());
    for (name, text) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(
                &mut header,
                format!("ubuntu-cve-tracker-master/active/{name}"),
                text.as_bytes(),
            )
            .unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

fn ubuntu_image() -> ImageBuilder {
    let status = [
        dpkg("libssl3", "3.0.2-0ubuntu1.10", Some("openssl")),
        dpkg("libcurl4", "7.81.0-1ubuntu1.13", Some("curl")),
    ]
    .concat();
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file(
                    "etc/lsb-release",
                    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n",
                )
                .file("var/lib/dpkg/status", status),
        )
        .history("FROM ubuntu:22.04")
}

fn ubuntu_advisories() -> Vec<Value> {
    let ubuntu = |id: &str, package: &str| {
        let mut r = osv(
            &format!("UBUNTU-{id}"),
            "Ubuntu:22.04:LTS",
            package,
            unfixed(),
        );
        r["upstream"] = json!([id]);
        r
    };
    vec![
        ubuntu("CVE-2024-0011", "openssl"),
        ubuntu("CVE-2024-0012", "curl"),
        ubuntu("CVE-2024-0013", "openssl"),
    ]
}

#[test]
fn ubuntu_tracker_states_show_as_trivy_shows_them() {
    let sb = Sandbox::new();
    sb.import(&ubuntu_advisories());
    let img = ubuntu_image();
    let all_affected = pairs_of(&[
        ("CVE-2024-0011", "affected"),
        ("CVE-2024-0012", "affected"),
        ("CVE-2024-0013", "affected"),
    ]);
    assert_eq!(states(&sb.image_json(&img, &["--offline"])), all_affected);

    let file = sb.path("ubuntu-cve-tracker-master.tar.gz");
    std::fs::write(&file, ubuntu_snapshot()).unwrap();
    let (stdout, _) = sb.run_ok(["db".as_ref(), "import".as_ref(), file.as_os_str()]);
    let stdout = String::from_utf8_lossy(&stdout);
    assert!(stdout.contains("2 Ubuntu tracker records"), "{stdout}");
    let after = pairs_of(&[
        ("CVE-2024-0011", "will_not_fix"),
        ("CVE-2024-0012", "fix_deferred"),
        ("CVE-2024-0013", "affected"),
    ]);
    assert_eq!(states(&sb.image_json(&img, &["--offline"])), after);
    let kept = sb.image_json(
        &img,
        &["--offline", "--ignore-status", "will_not_fix,fix_deferred"],
    );
    assert_eq!(states(&kept), pairs_of(&[("CVE-2024-0013", "affected")]));

    // The same data from a loopback peer.
    let stub = Stub::start();
    stub.serve(
        "/snapshot.tar.gz",
        Reply::Export {
            body: ubuntu_snapshot(),
            etag: "\"u1\"".into(),
        },
    );
    let sb = Sandbox::new();
    let url = format!("{}/snapshot.tar.gz", stub.url);
    let (stdout, _) = sb.run_ok([
        "db",
        "update",
        "--ubuntu-tracker",
        "--ubuntu-tracker-url",
        &url,
    ]);
    let stdout = String::from_utf8_lossy(&stdout);
    assert!(
        stdout.contains("Ubuntu tracker: updated, 2 records"),
        "{stdout}"
    );
    sb.import(&ubuntu_advisories());
    assert_eq!(states(&sb.image_json(&img, &["--offline"])), after);
}
