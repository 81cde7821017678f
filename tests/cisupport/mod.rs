//! Helpers for the `scangate ci` end-to-end tests: a sandbox with an
//! offline vulnerability database and image archives built in code, and a
//! `scangate ci` command whose CI environment (GitHub or GitLab) points at
//! a wiremock stub on 127.0.0.1.
#![allow(dead_code)]

#[path = "../vulnsupport/mod.rs"]
mod vulnsupport;

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use vulnsupport::image::{ImageBuilder, Layer};
pub use vulnsupport::Sandbox;
use vulnsupport::*;

/// The token every test hands scangate; it must never show up in output.
pub const TOKEN: &str = "ghs_T0KEN_that_must_never_leak_42";

/// A sandbox holding a Debian 12 advisory database (openssl CRITICAL with a
/// fix, curl HIGH without) and two image archives: `vulnerable.tar` with
/// both packages at vulnerable versions, `clean.tar` with openssl fixed and
/// no curl.
pub fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.import(&[openssl_critical("CVE-2024-0001"), curl_unfixed_high()]);
    image(
        &sb.path("vulnerable.tar"),
        &[
            dpkg("curl", "7.88.1-10+deb12u5", None),
            dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
        ],
    );
    image(
        &sb.path("clean.tar"),
        &[dpkg("libssl3", "3.0.13-1~deb12u1", Some("openssl"))],
    );
    std::fs::create_dir_all(sb.path("ws")).unwrap();
    sb
}

fn image(path: &Path, stanzas: &[String]) {
    ImageBuilder::new()
        .tag("app:1")
        .layer(
            Layer::new()
                .file(
                    "etc/os-release",
                    "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n",
                )
                .file("var/lib/dpkg/status", stanzas.concat()),
        )
        .docker_archive(path);
}

/// `scangate ci` in `sb`, offline, with none of the caller's CI variables
/// (these tests may themselves run in GitHub Actions or GitLab CI).
pub fn ci(sb: &Sandbox) -> Command {
    let mut c = sb.cmd();
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("GITHUB_")
            || n.starts_with("INPUT_")
            || n.starts_with("CI_")
            || n.starts_with("RUNNER_")
            || n == "GITLAB_CI"
            || n == "CI"
            || n.starts_with("SCANGATE_")
        {
            c.env_remove(&name);
        }
    }
    c.env("SCANGATE_CACHE_DIR", sb.cache())
        .env("SCANGATE_DB_URL", &sb.url)
        .env("SCANGATE_PUBLISH_BACKOFF", "50ms")
        .env("SCANGATE_PUBLISH_MAX_WAIT", "5s")
        .env("SCANGATE_SARIF_POLL_TIMEOUT", "5s")
        .current_dir(sb.path("ws"))
        .args(["ci", "--offline"]);
    c
}

/// A GitHub Actions environment for `event` (`push`, `pull_request`, or
/// `fork` = a pull_request from a fork) against the API at `api`.
pub fn github_env(c: &mut Command, sb: &Sandbox, api: &str, event: &str) {
    let (name, git_ref, payload) = match event {
        "push" => (
            "push",
            "refs/heads/main".to_string(),
            json!({ "ref": "refs/heads/main", "after": "pushsha" }),
        ),
        "pull_request" | "fork" => {
            let head_repo = if event == "fork" { "someone/r" } else { "o/r" };
            (
                "pull_request",
                "refs/pull/7/merge".to_string(),
                json!({
                    "action": "synchronize",
                    "number": 7,
                    "pull_request": {
                        "number": 7,
                        "head": { "sha": "headsha", "ref": "feature", "repo": { "full_name": head_repo } },
                        "base": { "sha": "basesha", "ref": "main", "repo": { "full_name": "o/r" } }
                    }
                }),
            )
        }
        other => panic!("unknown event {other}"),
    };
    let event_path = sb.path("event.json");
    std::fs::write(&event_path, payload.to_string()).unwrap();
    c.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "o/r")
        .env(
            "GITHUB_SHA",
            if event == "push" {
                "pushsha"
            } else {
                "mergesha"
            },
        )
        .env("GITHUB_REF", git_ref)
        .env("GITHUB_EVENT_NAME", name)
        .env("GITHUB_EVENT_PATH", event_path)
        .env("GITHUB_API_URL", api)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_WORKSPACE", sb.path("ws"))
        .env("GITHUB_STEP_SUMMARY", sb.path("summary.md"))
        .env("GITHUB_OUTPUT", sb.path("output.txt"))
        .env("INPUT_GITHUB-TOKEN", TOKEN);
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command) -> Ran {
    let out = c.output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts the token is nowhere: not on stderr, not on stdout except in
/// `::add-mask::` commands, not in any file the run left in the sandbox.
pub fn assert_no_token(sb: &Sandbox, ran: &Ran) {
    assert!(
        !ran.stderr.contains(TOKEN),
        "token on stderr:\n{}",
        ran.stderr
    );
    for line in ran.stdout.lines() {
        assert!(
            !line.contains(TOKEN) || line == format!("::add-mask::{TOKEN}"),
            "token on stdout: {line}"
        );
    }
    for file in files(sb.dir.path()) {
        if file.starts_with(sb.cache()) {
            continue;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&file)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN), "token in {}", file.display());
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// gunzip(base64(`s`)).
pub fn decode_sarif(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    let gz = base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A SARIF file for `--sarif-file` uploads.
pub fn sarif_fixture(sb: &Sandbox) -> (PathBuf, Vec<u8>) {
    let sarif = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{ "tool": { "driver": { "name": "fixture" } }, "results": [] }]
    })
    .to_string()
    .into_bytes();
    let path = sb.path("ws/fixture.sarif");
    std::fs::write(&path, &sarif).unwrap();
    (path, sarif)
}

/// The request body as JSON.
pub fn body(r: &wiremock::Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// A repository with a Terraform root module whose bucket is private by
/// default and public with `prod.tfvars`, and a pod from
/// `registry.example.com`: what `--tf-vars` and `--trusted-registries`
/// change, for the action-input and template-variable tests.
pub fn write_config_repo(sb: &Sandbox) {
    std::fs::write(
        sb.path("ws/main.tf"),
        "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  acl    = var.acl\n}\n",
    )
    .unwrap();
    std::fs::write(sb.path("ws/prod.tfvars"), "acl = \"public-read\"\n").unwrap();
    std::fs::create_dir_all(sb.path("ws/k8s")).unwrap();
    std::fs::write(
        sb.path("ws/k8s/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n",
    )
    .unwrap();
}

/// Whether a scangate JSON report has a misconfiguration with this alias.
pub fn has_alias(report: &Value, alias: &str) -> bool {
    report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["misconfigurations"].as_array().into_iter().flatten())
        .any(|m| {
            m["aliases"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == alias))
        })
}
