//! A registry blob as a synchronous [`Read`]: the layer scanner is
//! synchronous, the HTTP client is async, so each read waits for the next
//! chunk of the download on the session's runtime. Nothing is buffered
//! beyond one chunk.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use oci_client::errors::DigestError;
use std::io::{self, Read};

pub struct BlobReader {
    runtime: tokio::runtime::Handle,
    stream: BoxStream<'static, io::Result<Bytes>>,
    chunk: Bytes,
    digest: String,
    broken: bool,
    /// The stream has ended: it must not be polled again (the client's
    /// digest check would run a second time, over nothing, and fail).
    ended: bool,
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
            match self.runtime.block_on(self.stream.next()) {
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
