//! Shared test support: building images ([`image`]), rpm databases
//! ([`rpmdb`]), running the binary and reading its JSON report.
#![allow(dead_code)]

pub mod image;
pub mod rpmdb;

#[allow(unused_imports)]
pub use image::{Compression, ImageBuilder, Layer};

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The `scangate` binary of this crate, with a timeout so a hang fails the
/// test instead of the whole run, and a clean environment for logging.
///
/// These tests are about images and package inventories, so the
/// vulnerability scanner is off (`SCANGATE_SCANNERS=none`), and the
/// database URL points at a closed loopback port so that nothing here can
/// reach the network even if a test turns the scanner back on.
pub fn scangate() -> Command {
    let mut cmd = Command::cargo_bin("scangate").expect("scangate binary");
    cmd.timeout(Duration::from_secs(60));
    cmd.env_remove("RUST_LOG");
    cmd.env("SCANGATE_SCANNERS", "none");
    cmd.env("SCANGATE_DB_URL", "http://127.0.0.1:9");
    cmd.env(
        "SCANGATE_CACHE_DIR",
        std::env::temp_dir().join("scangate-tests-no-cache"),
    );
    // Tests of corrupt layers must read them, not a cached scan of the
    // intact layer another test stored; the layer cache has its own tests.
    cmd.env("SCANGATE_NO_CACHE", "true");
    cmd
}

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and parses stdout as JSON.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "scangate failed: {self:?}");
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts the exit code is `code`, that it did not panic, and that the
    /// error is exactly one non-empty line on stderr; returns that line.
    pub fn error_line(&self, code: i32) -> String {
        assert_ne!(self.code, Some(101), "scangate panicked: {}", self.stderr);
        assert!(
            !self.stderr.contains("panicked"),
            "scangate panicked: {}",
            self.stderr
        );
        assert_eq!(self.code, Some(code), "wrong exit code: {self:?}");
        let err = self.stderr.trim();
        assert!(!err.is_empty(), "no error message on stderr");
        assert_eq!(err.lines().count(), 1, "error is not one line:\n{err}");
        assert!(
            err.starts_with("error:"),
            "error does not start with `error:`: {err}"
        );
        err.to_string()
    }
}

/// Runs scangate with these arguments (in `cwd` if given).
pub fn run_in(cwd: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = scangate();
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run scangate");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs scangate with these arguments.
pub fn run(args: &[&str]) -> Run {
    run_in(None, args)
}

/// `scangate image --input PATH --list-packages --format json`, parsed.
pub fn scan_image_json(input: &Path) -> Value {
    run(&[
        "image",
        "--input",
        path_str(input),
        "--list-packages",
        "--format",
        "json",
    ])
    .json()
}

/// [`scan_image_json`] of `img` written as a docker-archive.
pub fn scan_image(img: &ImageBuilder) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("image.tar");
    img.docker_archive(&input);
    scan_image_json(&input)
}

/// `scangate fs ROOT --list-packages --format json`, parsed.
pub fn scan_fs_json(root: &Path) -> Value {
    run(&["fs", path_str(root), "--list-packages", "--format", "json"]).json()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Every package of every target, with its target's fields alongside.
pub fn all_packages(report: &Value) -> Vec<Value> {
    report["targets"]
        .as_array()
        .expect("targets is an array")
        .iter()
        .flat_map(|t| t["packages"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The one package named `name` (panics if absent or duplicated).
pub fn package(report: &Value, name: &str) -> Value {
    let found: Vec<Value> = all_packages(report)
        .into_iter()
        .filter(|p| p["name"] == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "package {name}: found {found:?} in {report:#}"
    );
    found.into_iter().next().unwrap()
}

/// `name version` of every package, in report order.
pub fn name_versions(report: &Value) -> Vec<String> {
    all_packages(report)
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

/// The single target (panics unless there is exactly one).
pub fn only_target(report: &Value) -> &Value {
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 1, "expected one target: {report:#}");
    &targets[0]
}

// ---------------------------------------------------------------------------
// File contents
// ---------------------------------------------------------------------------

/// An os-release file.
pub fn os_release(id: &str, version_id: &str) -> String {
    format!("NAME=\"{id} linux\"\nID={id}\nVERSION_ID=\"{version_id}\"\nPRETTY_NAME=\"{id} {version_id}\"\n")
}

/// Debian 12's os-release.
pub fn debian12_os_release() -> String {
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n\
     VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
        .to_string()
}

/// Alpine 3.19.1's os-release.
pub fn alpine_os_release() -> String {
    "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n"
        .to_string()
}

/// One dpkg status stanza. `source` is the raw `Source:` value, if any.
pub fn dpkg_stanza(
    name: &str,
    version: &str,
    arch: &str,
    source: Option<&str>,
    status: &str,
) -> String {
    let mut s = format!("Package: {name}\nStatus: {status}\nPriority: optional\nSection: libs\n");
    s += "Installed-Size: 100\nMaintainer: Debian Maintainers <debian@example.org>\n";
    s += &format!("Architecture: {arch}\nMulti-Arch: same\n");
    if let Some(src) = source {
        s += &format!("Source: {src}\n");
    }
    s += &format!("Version: {version}\nDepends: libc6 (>= 2.34)\n");
    s += &format!("Description: the {name} package\n a continuation line\n .\n more text\n");
    s
}

/// A dpkg `status` file of installed packages: (name, version, source).
pub fn dpkg_status(pkgs: &[(&str, &str, Option<&str>)]) -> String {
    pkgs.iter()
        .map(|(n, v, s)| dpkg_stanza(n, v, "amd64", *s, "install ok installed"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One apk `installed` stanza: (name, version, origin, license).
pub fn apk_stanza(name: &str, version: &str, origin: &str, license: &str) -> String {
    format!(
        "C:Q1abcdefghijklmnopqrstuvwxyz0123=\nP:{name}\nV:{version}\nA:x86_64\nS:1000\nI:2000\n\
         T:the {name} package\nU:https://example.org/{name}\nL:{license}\no:{origin}\n\
         m:Maintainer <m@example.org>\nt:1700000000\nc:0123456789abcdef\nD:so:libc.musl-x86_64.so.1\n\
         F:usr\nF:usr/lib\nR:lib{name}.so.1\na:0:0:755\nZ:Q1abcdefghijklmnopqrstuvwxyz0123=\n"
    )
}
