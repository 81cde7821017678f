//! A registry blob as a synchronous [`Read`]: the layer scanner is
//! synchronous, the HTTP client is async, so each read waits for the next
//! chunk of the download on the session's runtime. Nothing is buffered
//! beyond one chunk.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use oci_client::errors::DigestError;
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// The longest one blob download may take in all. Generous for a large
/// layer on a slow link; it exists because the read timeout restarts with
/// every chunk, so a registry trickling bytes would otherwise hold the scan
/// forever.
const DOWNLOAD_DEADLINE: Duration = Duration::from_secs(30 * 60);

pub struct BlobReader {
    runtime: tokio::runtime::Handle,
    stream: BoxStream<'static, io::Result<Bytes>>,
    chunk: Bytes,
    digest: String,
    broken: bool,
    /// The stream has ended: it must not be polled again (the client's
    /// digest check would run a second time, over nothing, and fail).
    ended: bool,
    deadline: Instant,
}

impl BlobReader {
    pub(super) fn new(
        runtime: tokio::runtime::Handle,
        stream: BoxStream<'static, io::Result<Bytes>>,
        digest: &str,
    ) -> Self {
        BlobReader {
            runtime,
            stream,
            chunk: Bytes::new(),
            digest: digest.to_string(),
            broken: false,
            ended: false,
            deadline: Instant::now() + DOWNLOAD_DEADLINE,
        }
    }

    /// Whether the download broke off (as opposed to arriving whole but
    /// wrong): starting the blob over may help.
    pub fn broken(&self) -> bool {
        self.broken
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            if self.ended {
                return Ok(0);
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            let next = self
                .runtime
                .block_on(async { tokio::time::timeout(left, self.stream.next()).await });
            let Ok(next) = next else {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "download of blob {} took longer than {} minutes",
                        self.digest,
                        DOWNLOAD_DEADLINE.as_secs() / 60
                    ),
                ));
            };
            match next {
                None => {
                    self.ended = true;
                    return Ok(0);
                }
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => {
                    // The client checks the content against the digest as
                    // it streams and reports a mismatch at the end.
                    if e.get_ref().is_some_and(|inner| inner.is::<DigestError>()) {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "the downloaded blob does not match its digest {} (corrupt blob)",
                                self.digest
                            ),
                        ));
                    }
                    self.broken = true;
                    return Err(io::Error::new(
                        e.kind(),
                        format!("download of blob {} broke off: {e}", self.digest),
                    ));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}
