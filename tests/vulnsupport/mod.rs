//! Helpers for the vulnerability-stage end-to-end tests: a sandboxed
//! `scangate` command (own cache directory, never the real network), root
//! filesystems built in code (images via the shared builder), OSV records and their
//! `all.zip`, and a loopback HTTP stub standing in for OSV's bucket.
#![allow(dead_code)]

/// Images are built with the shared test image builder.
#[path = "../support/image.rs"]
pub mod image;

use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A URL nothing listens on: any attempt to use it fails.
pub const NO_SERVER: &str = "http://127.0.0.1:9";

/// A temp directory holding the cache, root filesystems and OSV files of
/// one test, and the DB URL its commands use.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Sandbox {
    pub fn new() -> Self {
        Self::with_url(NO_SERVER)
    }

    pub fn with_url(url: &str) -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
            url: url.to_string(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    /// `scangate` with this sandbox's cache and DB URL, and none of the
    /// caller's SCANGATE_* or TRIVY_* settings.
    pub fn cmd(&self) -> Command {
        let mut c = assert_cmd::cargo::cargo_bin_cmd!("scangate");
        c.env_remove("RUST_LOG");
        for (var, _) in std::env::vars() {
            if var.starts_with("SCANGATE_") || var.starts_with("TRIVY_") {
                c.env_remove(var);
            }
        }
        c.env("SCANGATE_CACHE_DIR", self.cache())
            .env("SCANGATE_DB_URL", &self.url)
            .env("NO_COLOR", "1")
            .timeout(std::time::Duration::from_secs(60));
        c
    }

    /// Writes each record to `name/<id>.json` and returns the directory.
    pub fn osv_dir(&self, name: &str, records: &[Value]) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        for r in records {
            let id = r["id"].as_str().unwrap();
            std::fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
        }
        dir
    }

    /// `db import` of `records`; must succeed.
    pub fn import(&self, records: &[Value]) {
        let dir = self.osv_dir("osv", records);
        self.cmd()
            .args(["db", "import"])
            .arg(dir)
            .assert()
            .success();
    }

    /// `db info -f json`.
    pub fn db_info(&self) -> Value {
        let out = self
            .cmd()
            .args(["db", "info", "-f", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "db info: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `fs ROOT --offline -f json`, then every target's vulnerabilities.
    pub fn scan_vulns(&self, root: &Path) -> Vec<Value> {
        vulns(&self.scan_json(root, &["--offline"]))
    }

    /// `fs ROOT -f json` plus `extra`; must succeed.
    pub fn scan_json(&self, root: &Path, extra: &[&str]) -> Value {
        self.fs_report(root, "json", extra)
    }

    /// `fs ROOT -f FORMAT` plus `extra`, a JSON report; must succeed.
    pub fn fs_report(&self, root: &Path, format: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "fs".as_ref(),
            root.as_os_str(),
            "-f".as_ref(),
            format.as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        self.json_of(args)
    }

    /// `image --input IMAGE -f json` plus `extra`, `image` written as a
    /// docker archive; must succeed.
    pub fn image_json(&self, image: &image::ImageBuilder, extra: &[&str]) -> Value {
        let input = self.path("image.tar");
        image.docker_archive(&input);
        let mut args = vec!["image".as_ref(), "--input".as_ref(), input.as_os_str()];
        args.extend(["-f", "json"].iter().chain(extra).map(OsStr::new));
        self.json_of(args)
    }

    /// `scangate ARGS`; must succeed. Its stdout as JSON.
    pub fn json_of<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Value {
        let (stdout, stderr) = self.run_ok(args);
        serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
    }

    /// `scangate ARGS`; must succeed. Its stdout, and its stderr as text.
    pub fn run_ok<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> (Vec<u8>, String) {
        let out = self.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "scangate failed: {stderr}");
        (out.stdout, stderr)
    }

    /// `scangate ARGS`; must exit with `code`. Its stderr as text.
    pub fn run_fails<S: AsRef<OsStr>>(
        &self,
        args: impl IntoIterator<Item = S>,
        code: i32,
    ) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The Debian 12 advisories the report tests match against openssl and
/// curl: a CVE wrapper fixed in `3.0.13-1~deb12u1` with a critical CVSS
/// vector, an unfixed curl advisory rated HIGH by `database_specific`,
/// and an unfixed openssl one with a low vector.
pub fn report_advisories() -> Vec<Value> {
    vec![
        with(
            openssl_critical("DEBIAN-CVE-2024-0001"),
            "upstream",
            json!(["CVE-2024-0001"]),
        ),
        curl_unfixed_high(),
        with(
            osv("CVE-2024-0003", "Debian:12", "openssl", unfixed()),
            "severity",
            json!([{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N" }]),
        ),
    ]
}

/// A Debian 12 openssl advisory `id` fixed in `3.0.13-1~deb12u1`, rated
/// critical by its CVSS vector.
pub fn openssl_critical(id: &str) -> Value {
    with(
        osv(id, "Debian:12", "openssl", fixed_in("3.0.13-1~deb12u1")),
        "severity",
        json!([{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }]),
    )
}

/// A Debian 12 curl advisory with no fix, rated HIGH by
/// `database_specific` (as GHSA-style records carry it).
pub fn curl_unfixed_high() -> Value {
    with(
        osv("CVE-2024-0002", "Debian:12", "curl", unfixed()),
        "database_specific",
        json!({ "severity": "HIGH" }),
    )
}

/// Every target's `vulnerabilities`, in report order.
pub fn vulns(report: &Value) -> Vec<Value> {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The findings for `package` with `id`.
pub fn find<'a>(vulns: &'a [Value], package: &str, id: &str) -> Vec<&'a Value> {
    vulns
        .iter()
        .filter(|v| v["package_name"] == package && v["id"] == id)
        .collect()
}

/// `(package_name, id)` of every finding, sorted.
pub fn pairs(vulns: &[Value]) -> Vec<(String, String)> {
    let mut p: Vec<_> = vulns
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("package_name"), s("id"))
        })
        .collect();
    p.sort();
    p
}

// ---- root filesystems ------------------------------------------------------

/// A dpkg status stanza of an installed package; `source` is the `Source:`
/// field as written (`openssl`, `gcc-12 (12.2.0-14)`).
pub fn dpkg(name: &str, version: &str, source: Option<&str>) -> String {
    let mut s = format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n"
    );
    if let Some(src) = source {
        s.push_str(&format!("Source: {src}\n"));
    }
    s.push('\n');
    s
}

/// An apk `installed` record; `origin` is the `o:` field.
pub fn apk(name: &str, version: &str, origin: &str) -> String {
    format!("P:{name}\nV:{version}\nA:x86_64\no:{origin}\n\n")
}

/// Writes `files` (relative path, content) under `root`.
pub fn write_tree(root: &Path, files: &[(&str, String)]) -> PathBuf {
    for (rel, content) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    root.to_path_buf()
}

/// A Debian root with `VERSION_ID=version_id` and the given dpkg stanzas.
pub fn debian_root(root: &Path, version_id: &str, stanzas: &[String]) -> PathBuf {
    write_tree(
        root,
        &[
            (
                "etc/os-release",
                format!("ID=debian\nVERSION_ID=\"{version_id}\"\nPRETTY_NAME=\"Debian GNU/Linux {version_id}\"\n"),
            ),
            ("var/lib/dpkg/status", stanzas.concat()),
        ],
    )
}

/// An Alpine root with `VERSION_ID=version_id` and the given apk records.
pub fn alpine_root(root: &Path, version_id: &str, records: &[String]) -> PathBuf {
    write_tree(
        root,
        &[
            (
                "etc/os-release",
                format!("ID=alpine\nVERSION_ID={version_id}\n"),
            ),
            ("lib/apk/db/installed", records.concat()),
        ],
    )
}

// ---- OSV records ------------------------------------------------------------

pub const MODIFIED: &str = "2024-03-01T00:00:00Z";

/// Events `introduced 0, fixed <fixed>`.
pub fn fixed_in(fixed: &str) -> Value {
    json!([{ "introduced": "0" }, { "fixed": fixed }])
}

/// Events `introduced 0` (no fix yet).
pub fn unfixed() -> Value {
    json!([{ "introduced": "0" }])
}

/// A record with one affected package and one ECOSYSTEM range.
pub fn osv(id: &str, ecosystem: &str, package: &str, events: Value) -> Value {
    json!({
        "id": id,
        "modified": MODIFIED,
        "published": "2024-01-01T00:00:00Z",
        "summary": format!("{id} in {package}"),
        "affected": [{
            "package": { "ecosystem": ecosystem, "name": package },
            "ranges": [{ "type": "ECOSYSTEM", "events": events }],
        }],
        "references": [{ "type": "ADVISORY", "url": format!("https://example.test/{id}") }],
    })
}

/// `record` with `key` set to `value` at the top level.
pub fn with(mut record: Value, key: &str, value: Value) -> Value {
    record[key] = value;
    record
}

/// OSV's `all.zip`: one `<id>.json` entry per record.
pub fn zip_of(records: &[Value]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for r in records {
        w.start_file(format!("{}.json", r["id"].as_str().unwrap()), opts)
            .unwrap();
        w.write_all(r.to_string().as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// ---- HTTP stub --------------------------------------------------------------

/// What the stub answers for a path.
#[derive(Clone)]
pub enum Reply {
    /// 200 with this body and ETag; 304 when `If-None-Match` names the ETag.
    Export { body: Vec<u8>, etag: String },
    /// This status, empty body, `Retry-After: 0` (so retries cost nothing).
    Status(u16),
}

/// One request the stub saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct StubState {
    replies: HashMap<String, Reply>,
    seen: Vec<Seen>,
}

/// A loopback HTTP/1.1 server (one thread per connection, `Connection:
/// close`) serving canned replies and recording every request.
pub struct Stub {
    pub url: String,
    state: Arc<Mutex<StubState>>,
}

impl Stub {
    pub fn start() -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(StubState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state);
                });
            }
        });
        Stub { url, state }
    }

    pub fn serve(&self, path: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .replies
            .insert(path.to_string(), reply);
    }

    pub fn serve_export(&self, path: &str, records: &[Value], etag: &str) {
        self.serve(
            path,
            Reply::Export {
                body: zip_of(records),
                etag: etag.to_string(),
            },
        );
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

fn handle(stream: TcpStream, state: &Mutex<StubState>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let reply = {
        let mut s = state.lock().unwrap();
        s.seen.push(Seen {
            path: path.clone(),
            headers: headers.clone(),
        });
        s.replies.get(&path).cloned()
    };
    let (status, extra, body) = match reply {
        Some(Reply::Export { body, etag }) => {
            if headers.get("if-none-match") == Some(&etag) {
                (304, format!("ETag: {etag}\r\n"), Vec::new())
            } else {
                let h = format!("ETag: {etag}\r\nContent-Type: application/zip\r\n");
                (200, h, body)
            }
        }
        Some(Reply::Status(code)) => (code, "Retry-After: 0\r\n".to_string(), Vec::new()),
        None => (404, String::new(), Vec::new()),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} Stub\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(&body)?;
    out.flush()
}
