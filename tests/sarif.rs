//! End to end: the SARIF report of an image scan, as GitHub code scanning
//! reads it. The image is built here with a history that matches a
//! multi-stage Dockerfile, so each finding must land on the instruction
//! that installed its package; the log is validated against the official
//! SARIF 2.1.0 schema (vendored in tests/data).

mod vulnsupport;

use serde_json::{json, Value};
use std::path::Path;
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
ARG DEBIAN=12
FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app

FROM debian:${DEBIAN}-slim
ENV LANG=C.UTF-8
RUN apt-get update && \\
    apt-get install -y --no-install-recommends curl
COPY --from=build /out/app /usr/local/bin/app
RUN <<EOF
apt-get install -y zlib1g
EOF
USER nobody
";

const CURL: &str = "7.88.1-10+deb12u5";
const OPENSSL: &str = "3.0.11-1~deb12u2";
const ZLIB: &str = "1:1.2.13.dfsg-1";

fn records() -> Vec<Value> {
    vec![
        openssl_critical("CVE-2024-0001"),
        curl_unfixed_high(),
        with(
            osv("CVE-2024-0003", "Debian:12", "zlib", unfixed()),
            "database_specific",
            json!({ "severity": "LOW" }),
        ),
    ]
}

/// A Debian image whose history is what BuildKit writes for DOCKERFILE's
/// final stage on top of a classic-builder base image.
fn image() -> ImageBuilder {
    let os = (
        "etc/os-release",
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n".to_string(),
    );
    let base = dpkg("libssl3", OPENSSL, Some("openssl"));
    let curl = dpkg("curl", CURL, None);
    let zlib = dpkg("zlib1g", ZLIB, Some("zlib"));
    ImageBuilder::new()
        .tag("app:1")
        .layer(
            Layer::new()
                .file(os.0, &os.1)
                .file("var/lib/dpkg/status", &base),
        )
        .history("/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf in / ")
        .empty_history("/bin/sh -c #(nop)  CMD [\"bash\"]")
        .empty_history("ENV LANG=C.UTF-8")
        .layer(Layer::new().file("var/lib/dpkg/status", format!("{curl}{base}")))
        .history(
            "RUN |1 DEBIAN=12 /bin/sh -c apt-get update &&     apt-get install -y --no-install-recommends curl # buildkit",
        )
        .layer(Layer::new().file("usr/local/bin/app", "binary"))
        .history("COPY /out/app /usr/local/bin/app # buildkit")
        .layer(Layer::new().file("var/lib/dpkg/status", format!("{curl}{base}{zlib}")))
        .history("RUN |1 DEBIAN=12 /bin/sh -c <<EOF\napt-get install -y zlib1g\nEOF # buildkit")
        .empty_history("USER nobody")
}

/// Imports the records, writes the image (and `Dockerfile`, when given) in
/// the sandbox, and scans it from there with `-f sarif` plus `extra`.
fn sarif(sb: &Sandbox, dockerfile: Option<&str>, extra: &[&str]) -> Value {
    sb.import(&records());
    image().docker_archive(&sb.path("app.tar"));
    if let Some(text) = dockerfile {
        std::fs::write(sb.path("Dockerfile"), text).unwrap();
    }
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("SCANGATE_CATEGORY")
        .args(["image", "--input", "app.tar", "--offline", "-f", "sarif"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(ruleId, uri, startLine, endLine)` of every result.
fn placed(log: &Value) -> Vec<(String, String, i64, i64)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_i64().unwrap(),
                loc["region"]["endLine"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn at(id: &str, uri: &str, start: i64, end: i64) -> (String, String, i64, i64) {
    (id.to_string(), uri.to_string(), start, end)
}

#[test]
fn image_findings_land_on_the_instruction_that_installed_the_package() {
    let sb = Sandbox::new();
    let log = sarif(&sb, Some(DOCKERFILE), &[]);
    assert_eq!(
        placed(&log),
        vec![
            // openssl came with the base image: the final stage's FROM.
            at("CVE-2024-0001", "Dockerfile", 6, 6),
            // curl: the RUN (with its continuation line) that installed it.
            at("CVE-2024-0002", "Dockerfile", 8, 9),
            // zlib: the heredoc RUN, through its terminator.
            at("CVE-2024-0003", "Dockerfile", 11, 13),
        ]
    );
    assert_eq!(log["runs"][0]["properties"]["dockerfile"], "Dockerfile");
}

#[test]
fn sarif_report_snapshot() {
    let sb = Sandbox::new();
    let mut log = sarif(&sb, Some(DOCKERFILE), &["--category", "app-image"]);
    log["runs"][0]["tool"]["driver"]["version"] = json!("[version]");
    log["runs"][0]["tool"]["driver"]["semanticVersion"] = json!("[version]");
    insta::assert_json_snapshot!(log);
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    let sb = Sandbox::new();
    for log in [
        sarif(&sb, Some(DOCKERFILE), &[]),
        sarif(&Sandbox::new(), None, &["--severity", "LOW"]),
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The validator is not vacuous: a result without a message is invalid.
    let mut broken = sarif(&Sandbox::new(), None, &[]);
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn without_a_dockerfile_findings_sit_on_the_package_database() {
    let sb = Sandbox::new();
    let log = sarif(&sb, None, &["--severity", "CRITICAL,HIGH"]);
    // --severity applies to SARIF like to every report: no LOW zlib here.
    assert_eq!(
        placed(&log),
        vec![
            at("CVE-2024-0001", "var/lib/dpkg/status", 1, 1),
            at("CVE-2024-0002", "var/lib/dpkg/status", 1, 1),
        ]
    );
    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "scangate/image/");
    assert_eq!(run["properties"]["findings"], 2);
    assert!(run["properties"].get("dockerfile").is_none());
}

#[test]
fn an_unrelated_dockerfile_falls_back_to_its_from_line() {
    let sb = Sandbox::new();
    let other = "FROM alpine:3.19\nRUN apk add --no-cache git\n";
    let log = sarif(&sb, Some(other), &[]);
    let lines: Vec<(i64, i64)> = placed(&log).iter().map(|p| (p.2, p.3)).collect();
    assert_eq!(lines, vec![(1, 1), (1, 1), (1, 1)]);
}

#[test]
fn a_missing_dockerfile_flag_is_an_error_naming_it() {
    let sb = Sandbox::new();
    sb.import(&records());
    image().docker_archive(&sb.path("app.tar"));
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .args(["image", "--input", "app.tar", "--offline", "-f", "sarif"])
        .args(["--dockerfile", "nope/Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: nope/Dockerfile:"), "{err}");
}
