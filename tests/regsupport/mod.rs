//! Peers for the registry and daemon tests, all on loopback:
//!
//! - [`TestRegistry`]: a real registry (Debian's `docker-registry`, i.e.
//!   distribution v2) started per test in a temp dir, optionally behind
//!   htpasswd basic auth, filled with `skopeo`. When the binaries are
//!   missing the test prints a note and skips, unless
//!   `SCANGATE_REQUIRE_REGISTRY=1` (set by `.ci/run`), where it fails.
//! - [`StubRegistry`]: an in-process registry serving an OCI layout's
//!   blobs, counting blob downloads and able to corrupt or cut them.
//! - [`StandInDaemon`]: a stand-in for the Docker Engine API on a unix
//!   socket, answering `/images/{name}/json` and `/images/{name}/get`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const USER: &str = "scangate";
pub const PASSWORD: &str = "t0p-s3cret-pw";

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A real registry on a free loopback port, stopped when dropped.
pub struct TestRegistry {
    /// `127.0.0.1:PORT`
    pub host: String,
    pub auth: bool,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TestRegistry {
    /// Starts a registry (with htpasswd auth when `auth`), or `None` with
    /// a printed note when the tools are not installed.
    pub fn start(auth: bool) -> Option<TestRegistry> {
        let mut needed = vec!["docker-registry", "skopeo"];
        if auth {
            needed.push("htpasswd");
        }
        if let Some(missing) = needed.iter().find(|p| !have(p)) {
            let required = std::env::var("SCANGATE_REQUIRE_REGISTRY").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{missing} is not installed and SCANGATE_REQUIRE_REGISTRY=1"
            );
            eprintln!("note: {missing} is not installed; skipping this registry test (apt-get install docker-registry skopeo apache2-utils)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let host = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n",
            dir.path().join("data").display()
        );
        if auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .unwrap();
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: scangate-test\n    path: {}\n",
                file.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = TestRegistry {
            host,
            auth,
            child,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(&registry.host).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "registry did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// Copies an OCI layout (`oci:DIR:TAG` or `oci:DIR`) to `REPO:TAG` in
    /// this registry with skopeo (`--all` keeps a multi-platform index).
    pub fn push_layout(&self, layout: &Path, repo_tag: &str) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--all", "--quiet", "--dest-tls-verify=false"]);
        if self.auth {
            cmd.arg(format!("--dest-creds={USER}:{PASSWORD}"));
        }
        cmd.arg(format!("oci:{}", layout.display()));
        cmd.arg(format!("docker://{}/{repo_tag}", self.host));
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the stub does to blob downloads.
#[derive(Default)]
struct StubState {
    blobs: HashMap<String, Vec<u8>>,
    /// The manifest every tag resolves to.
    manifest: String,
    blob_gets: Vec<String>,
    /// Flip a byte in this blob.
    corrupt: Option<String>,
    /// Cut this many downloads of layer blobs off halfway.
    cut_downloads: usize,
    /// Answer this many layer-blob downloads with HTTP 500.
    failing_blobs: usize,
    /// Answer manifest requests with a body that does not end.
    endless_manifest: bool,
    /// Ask for Basic credentials on manifests, then refuse them with an
    /// error body that quotes them back (raw, base64, percent-encoded).
    echo_credentials: bool,
}

/// An in-process registry (anonymous, plain HTTP) serving one image.
pub struct StubRegistry {
    pub host: String,
    state: Arc<Mutex<StubState>>,
}

impl StubRegistry {
    /// Serves the single image of the OCI layout at `dir` under any tag.
    pub fn serve_layout(dir: &Path) -> StubRegistry {
        let mut state = StubState::default();
        for entry in std::fs::read_dir(dir.join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            let digest = format!("sha256:{}", entry.file_name().to_string_lossy());
            state
                .blobs
                .insert(digest, std::fs::read(entry.path()).unwrap());
        }
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        state.manifest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = stub_answer(stream, &state);
                });
            }
        });
        StubRegistry { host, state }
    }

    pub fn corrupt(&self, digest: &str) {
        self.state.lock().unwrap().corrupt = Some(digest.to_string());
    }

    pub fn cut_downloads(&self, count: usize) {
        self.state.lock().unwrap().cut_downloads = count;
    }

    pub fn fail_blobs(&self, count: usize) {
        self.state.lock().unwrap().failing_blobs = count;
    }

    pub fn endless_manifest(&self) {
        self.state.lock().unwrap().endless_manifest = true;
    }

    pub fn echo_credentials(&self) {
        self.state.lock().unwrap().echo_credentials = true;
    }

    /// The digests of every blob downloaded so far.
    pub fn blob_gets(&self) -> Vec<String> {
        self.state.lock().unwrap().blob_gets.clone()
    }
}

fn stub_answer(stream: TcpStream, state: &Mutex<StubState>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    let mut out = stream;
    let (status, headers, body, cut) = {
        let mut s = state.lock().unwrap();
        let manifest = path.contains("/manifests/");
        if manifest && s.endless_manifest {
            drop(s);
            write!(
                out,
                "HTTP/1.1 200 Stub\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nConnection: close\r\n\r\n"
            )?;
            // Until the client hangs up (1 GiB at most).
            let chunk = vec![b' '; 64 << 10];
            for _ in 0..(1 << 14) {
                out.write_all(&chunk)?;
            }
            return Ok(());
        }
        if manifest && s.echo_credentials {
            let (status, headers, body) = match &authorization {
                None => (
                    401,
                    "WWW-Authenticate: Basic realm=\"stub\"\r\n".to_string(),
                    Vec::new(),
                ),
                Some(value) => {
                    let b64 = value.trim_start_matches("Basic ");
                    use base64::Engine as _;
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map(|d| String::from_utf8_lossy(&d).into_owned())
                        .unwrap_or_default();
                    let password = decoded.split_once(':').map(|p| p.1).unwrap_or("");
                    let encoded: String = password
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect();
                    let body = serde_json::json!({"errors": [{
                        "code": "DENIED",
                        "message": format!("rejected {value} ({decoded}; {encoded})"),
                    }]});
                    (403, String::new(), body.to_string().into_bytes())
                }
            };
            (status, headers, body, false)
        } else if path == "/v2/" {
            (200, String::new(), b"{}".to_vec(), false)
        } else if let Some((_, reference)) = path.split_once("/manifests/") {
            let digest = if reference.starts_with("sha256:") {
                reference.to_string()
            } else {
                s.manifest.clone()
            };
            match s.blobs.get(&digest) {
                Some(body) => {
                    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
                    let media = v["mediaType"]
                        .as_str()
                        .unwrap_or("application/vnd.oci.image.manifest.v1+json");
                    let h = format!("Content-Type: {media}\r\nDocker-Content-Digest: {digest}\r\n");
                    (200, h, body.clone(), false)
                }
                None => (404, String::new(), Vec::new(), false),
            }
        } else if let Some((_, digest)) = path.split_once("/blobs/") {
            let digest = digest.to_string();
            s.blob_gets.push(digest.clone());
            match s.blobs.get(&digest).cloned() {
                Some(mut body) => {
                    if s.corrupt.as_deref() == Some(digest.as_str()) {
                        let mid = body.len() / 2;
                        body[mid] ^= 0x20;
                    }
                    let is_config = body.first() == Some(&b'{');
                    if !is_config && s.failing_blobs > 0 {
                        s.failing_blobs -= 1;
                        let body = b"{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}";
                        write!(
                            out,
                            "HTTP/1.1 500 Stub\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )?;
                        return out.write_all(body);
                    }
                    let cut = !is_config && s.cut_downloads > 0;
                    if cut {
                        s.cut_downloads -= 1;
                    }
                    (200, String::new(), body, cut)
                }
                None => (404, String::new(), Vec::new(), false),
            }
        } else {
            (404, String::new(), Vec::new(), false)
        }
    };
    write!(
        out,
        "HTTP/1.1 {status} Stub\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if cut {
        out.write_all(&body[..body.len() / 2])?;
        out.flush()?;
        return out.shutdown(std::net::Shutdown::Both);
    }
    out.write_all(&body)?;
    out.flush()
}

/// A stand-in for the Docker Engine API on a unix socket, holding one
/// image (a docker-archive) under one name.
pub struct StandInDaemon {
    pub socket: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl StandInDaemon {
    pub fn start(name: &str, archive: Vec<u8>) -> StandInDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let name = name.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                seen.lock().unwrap().push(path.clone());
                let mut out = stream;
                let known_json = format!("/images/{name}/json");
                let known_get = format!("/images/{name}/get");
                let _ = if path == known_json {
                    out.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                    )
                } else if path == known_get {
                    write_chunked(&mut out, &archive)
                } else {
                    let body = format!("{{\"message\":\"No such image: {path}\"}}");
                    write!(
                        out,
                        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                };
            }
        });
        StandInDaemon {
            socket,
            requests,
            _dir: dir,
        }
    }

    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The archive as Docker sends it: chunked, in pieces of odd sizes.
fn write_chunked(out: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n",
    )?;
    for chunk in body.chunks(32 * 1024 + 7) {
        write!(out, "{:x}\r\n", chunk.len())?;
        out.write_all(chunk)?;
        out.write_all(b"\r\n")?;
    }
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}

/// Reads a whole file.
pub fn read(path: &Path) -> Vec<u8> {
    let mut f = std::fs::File::open(path).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}
