//! An image in the local Docker daemon (or podman's, which serves the same
//! Engine API): `GET /images/{name}/get` over the daemon's unix socket
//! returns the image as a docker-archive, which is read as one stream by
//! the archive reader, never written to disk.
//!
//! The socket is `DOCKER_HOST` (`unix:///path`) when set, else Docker's
//! `/var/run/docker.sock`, else podman's (`$XDG_RUNTIME_DIR/podman/podman.sock`,
//! `/run/podman/podman.sock`). The HTTP/1.1 exchange is small enough to
//! write by hand: one GET, then a chunked or sized body.

use super::archive::Stream;
use super::{Collected, Source};
use crate::cache::LayerCache;
use crate::error::{Error, Result};
use crate::inventory::Wants;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A daemon that accepts the connection but never answers is not reachable.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// The status line and headers of an answer, at most.
const MAX_HEAD: usize = 64 * 1024;

pub struct Daemon {
    socket: PathBuf,
    image: String,
    /// How the report names the input.
    name: String,
    cache: Option<Arc<LayerCache>>,
}

impl Daemon {
    /// `image` as the daemon names it (`app:dev`), `name` as the user
    /// wrote it.
    pub fn new(socket: PathBuf, image: &str, name: &str, cache: Option<Arc<LayerCache>>) -> Self {
        Daemon {
            socket,
            image: image.to_string(),
            name: name.to_string(),
            cache,
        }
    }

    /// The daemon sockets to try, in order: `host` (`--docker-host`), else
    /// `DOCKER_HOST`, else Docker's and podman's usual sockets that exist
    /// (Docker's path when none does, for the error message).
    pub fn sockets(host: Option<&str>) -> Result<Vec<PathBuf>> {
        let explicit = host
            .map(str::to_string)
            .or_else(|| std::env::var("DOCKER_HOST").ok())
            .filter(|h| !h.is_empty());
        if let Some(host) = explicit {
            return match host.strip_prefix("unix://") {
                Some(path) => Ok(vec![PathBuf::from(path)]),
                None => Err(Error::Usage(format!(
                    "docker host {host}: only unix:// sockets are supported"
                ))),
            };
        }
        let mut candidates = vec![PathBuf::from("/var/run/docker.sock")];
        if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR") {
            candidates.push(Path::new(&runtime).join("podman/podman.sock"));
        }
        candidates.push(PathBuf::from("/run/podman/podman.sock"));
        let found: Vec<PathBuf> = candidates.iter().filter(|p| p.exists()).cloned().collect();
        Ok(if found.is_empty() {
            candidates.truncate(1);
            candidates
        } else {
            found
        })
    }

    /// Whether the daemon at `socket` answers and has `image`.
    pub fn has_image(socket: &Path, image: &str) -> bool {
        let path = format!("/images/{}/json", encode_name(image));
        match get(socket, &path) {
            Ok(answer) => answer.status == 200,
            Err(e) => {
                tracing::debug!("daemon at {} not usable: {e}", socket.display());
                false
            }
        }
    }
}

impl Source for Daemon {
    fn collect(&self, wants: &Wants) -> Result<Collected> {
        let shown = format!("{} (daemon at {})", self.name, self.socket.display());
        let path = format!("/images/{}/get", encode_name(&self.image));
        let answer = get(&self.socket, &path).map_err(|e| Error::io(&shown, e))?;
        if answer.status != 200 {
            let status = answer.status;
            return Err(Error::input(
                &shown,
                format!("the daemon answered {status}: {}", answer.message()),
            ));
        }
        let stream = Stream {
            name: self.name.clone(),
            reference: None,
            cache: self.cache.as_deref(),
        };
        stream.collect(BufReader::with_capacity(256 * 1024, answer.body), wants)
    }
}

/// An answer: its status and its body as a stream.
struct Answer {
    status: u16,
    body: Box<dyn Read + Send>,
}

impl Answer {
    /// The Engine API's error (`{"message": "..."}`), or the body's start.
    fn message(mut self) -> String {
        let mut raw = Vec::new();
        let _ = (&mut self.body).take(4096).read_to_end(&mut raw);
        serde_json::from_slice::<serde_json::Value>(&raw)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&raw).trim().to_string())
    }
}

/// One `GET` on the socket.
fn get(socket: &Path, path: &str) -> io::Result<Answer> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: scangate/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )?;
    stream.flush()?;
    let mut reader = BufReader::new(stream);
    let mut head = 0usize;
    let mut line = String::new();
    let mut read_line = |reader: &mut BufReader<UnixStream>, line: &mut String| -> io::Result<()> {
        line.clear();
        let n = reader.by_ref().take(MAX_HEAD as u64).read_line(line)?;
        head += n;
        if n == 0 || head > MAX_HEAD {
            return Err(bad(
                "the daemon's answer ends early or has an oversized header",
            ));
        }
        Ok(())
    };
    read_line(&mut reader, &mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(&format!("not an HTTP answer: {:?}", line.trim())))?;
    let (mut chunked, mut length) = (false, None);
    loop {
        read_line(&mut reader, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<u64>().ok();
            }
        }
    }
    let body: Box<dyn Read + Send> = match (chunked, length) {
        (true, _) => Box::new(Chunked {
            inner: reader,
            left: 0,
            done: false,
        }),
        (false, Some(n)) => Box::new(reader.take(n)),
        (false, None) => Box::new(reader),
    };
    Ok(Answer { status, body })
}

/// An HTTP/1.1 chunked body.
struct Chunked<R> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    done: bool,
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            (&mut self.inner).take(1024).read_line(&mut line)?;
            let size = line.trim().split(';').next().unwrap_or("");
            self.left = u64::from_str_radix(size, 16)
                .map_err(|_| bad(&format!("bad chunk size {:?}", line.trim())))?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the daemon's answer ends inside a chunk",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
        }
        Ok(n)
    }
}

/// An image name as a URL path segment: the characters of a reference
/// pass as they are (the Engine API takes `/` and `:` in `{name}`).
fn encode_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-/:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_body_is_joined() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        let mut body = Chunked {
            inner: &raw[..],
            left: 0,
            done: false,
        };
        let mut out = String::new();
        body.read_to_string(&mut out).expect("read");
        assert_eq!(out, "hello world");
    }

    #[test]
    fn a_cut_chunked_body_is_an_error() {
        let raw = b"5\r\nhel";
        let mut body = Chunked {
            inner: &raw[..],
            left: 0,
            done: false,
        };
        assert!(body.read_to_end(&mut Vec::new()).is_err());
    }

    #[test]
    fn names_keep_their_reference_characters() {
        assert_eq!(encode_name("ghcr.io/org/app:1.4"), "ghcr.io/org/app:1.4");
        assert_eq!(encode_name("a b"), "a%20b");
    }
}
