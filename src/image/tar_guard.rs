//! Two defences around the `tar` crate for hostile archives.
//!
//! 1. [`ExtensionGuard`]: the crate reads a GNU long-name/long-link member
//!    or a PAX extension header whole into memory, whatever size its header
//!    claims, so a few megabytes of gzip expand into gigabytes held at
//!    once. The guard watches the headers going past (it reads nothing the
//!    crate does not) and fails the read when such a member is larger than
//!    [`MAX_EXTENSION_HEADER`], as Docker's own tar reader does.
//! 2. [`tar_problem`]: the crate's format errors quote the header bytes they
//!    could not parse; when the "archive" is really some other file, those
//!    are that file's bytes (a password hash, a token). Errors are
//!    rewritten to say what went wrong without quoting anything.

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

/// The largest GNU long name/link or PAX extension header accepted (Go's
/// `archive/tar`, used by Docker and containerd, allows 1 MiB).
pub const MAX_EXTENSION_HEADER: u64 = 1 << 20;

const BLOCK: u64 = 512;

/// Passes reads through while tracking the tar structure; see the module
/// docs. Errors of the wrapped reader are tagged so [`tar_problem`] can
/// tell them (safe to show) from the tar crate's own (not safe).
pub struct ExtensionGuard<R> {
    inner: R,
    state: State,
    /// A PAX `size` record waiting for the entry it describes.
    pax_size: Option<u64>,
}

enum State {
    /// Reading a header block.
    Header {
        block: Box<[u8; 512]>,
        filled: usize,
    },
    /// Passing `left` bytes of entry data and padding.
    Data { left: u64 },
    /// Collecting a PAX header's records; `pad` bytes of padding follow.
    Pax {
        records: Vec<u8>,
        left: u64,
        pad: u64,
    },
    /// Old-GNU sparse extension blocks, then `data` bytes of entry data.
    Sparse {
        block: Box<[u8; 512]>,
        filled: usize,
        data: u64,
    },
    /// The archive ended, or its structure is beyond what the guard
    /// follows: the tar crate stops or fails on its own from here.
    Off,
}

impl State {
    fn header() -> State {
        State::Header {
            block: Box::new([0; 512]),
            filled: 0,
        }
    }
}

impl<R> ExtensionGuard<R> {
    pub fn new(inner: R) -> Self {
        ExtensionGuard {
            inner,
            state: State::header(),
            pax_size: None,
        }
    }

    /// Follows the tar structure through `bytes`, which just went past.
    fn observe(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Off => return Ok(()),
                State::Data { left } => {
                    let n = (*left).min(bytes.len() as u64);
                    *left -= n;
                    bytes = &bytes[n as usize..];
                    if *left == 0 {
                        self.state = State::header();
                    }
                }
                State::Header { block, filled } | State::Sparse { block, filled, .. } => {
                    let n = (512 - *filled).min(bytes.len());
                    block[*filled..*filled + n].copy_from_slice(&bytes[..n]);
                    *filled += n;
                    bytes = &bytes[n..];
                    if *filled == 512 {
                        self.state = match std::mem::replace(&mut self.state, State::Off) {
                            State::Header { block, .. } => self.after_header(&block)?,
                            State::Sparse { block, data, .. } if block[504] != 0 => State::Sparse {
                                block,
                                filled: 0,
                                data,
                            },
                            State::Sparse { data, .. } => data_state(data),
                            _ => State::Off,
                        };
                    }
                }
                State::Pax { records, left, pad } => {
                    let n = (*left).min(bytes.len() as u64);
                    records.extend_from_slice(&bytes[..n as usize]);
                    *left -= n;
                    bytes = &bytes[n as usize..];
                    if *left == 0 {
                        self.pax_size = pax_size(records);
                        self.state = if *pad == 0 {
                            State::header()
                        } else {
                            State::Data { left: *pad }
                        };
                    }
                }
            }
        }
        Ok(())
    }

    /// What follows a complete header block.
    fn after_header(&mut self, block: &[u8; 512]) -> io::Result<State> {
        if block.iter().all(|b| *b == 0) {
            // The end-of-archive marker: the tar crate reads no further.
            return Ok(State::Off);
        }
        let Some(size) = numeric(&block[124..136]) else {
            return Ok(State::Off);
        };
        let kind = block[156];
        // The crate treats these specially only in a ustar or GNU header.
        let recognised = &block[257..262] == b"ustar";
        let extension = recognised && matches!(kind, b'L' | b'K' | b'x');
        if extension {
            if size > MAX_EXTENSION_HEADER {
                return Err(guard_error(format!(
                    "a tar long-name or PAX extension header of {size} bytes (the limit is {} MiB)",
                    MAX_EXTENSION_HEADER >> 20
                )));
            }
            if kind == b'x' {
                return Ok(State::Pax {
                    records: Vec::with_capacity(size as usize),
                    left: size,
                    pad: padded(size).map_or(0, |p| p - size),
                });
            }
            return Ok(data_state(size));
        }
        let size = if matches!(kind, b'g') {
            size
        } else {
            self.pax_size.take().unwrap_or(size)
        };
        if kind == b'S' && block[482] != 0 {
            return Ok(State::Sparse {
                block: Box::new([0; 512]),
                filled: 0,
                data: size,
            });
        }
        Ok(data_state(size))
    }
}

fn data_state(size: u64) -> State {
    match padded(size) {
        Some(0) => State::header(),
        Some(left) => State::Data { left },
        None => State::Off,
    }
}

fn padded(size: u64) -> Option<u64> {
    Some(size.checked_add(BLOCK - 1)? & !(BLOCK - 1))
}

/// A tar numeric field: octal text, or base-256 when the high bit is set.
fn numeric(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        field.iter().enumerate().try_fold(0u64, |v, (i, b)| {
            let b = if i == 0 { b & 0x7f } else { *b };
            v.checked_mul(256)?.checked_add(u64::from(b))
        })
    } else {
        let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
        let text = std::str::from_utf8(&field[..end]).ok()?;
        u64::from_str_radix(text.trim(), 8).ok()
    }
}

/// The first `size` record of PAX extension records (`LEN key=value\n`),
/// as the tar crate reads it.
fn pax_size(records: &[u8]) -> Option<u64> {
    let mut rest = records;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        rest = &rest[len..];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"size=") {
            return std::str::from_utf8(value).ok()?.parse().ok();
        }
    }
    None
}

impl<R: Read> Read for ExtensionGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(passed)?;
        self.observe(&buf[..n])?;
        Ok(n)
    }
}

/// The tar crate seeks over entry data when indexing a plain archive; a
/// seek to the next header keeps the guard in step.
impl<R: Seek> Seek for ExtensionGuard<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match (&mut self.state, pos) {
            (State::Data { left }, SeekFrom::Current(d)) if d >= 0 && d as u64 <= *left => {
                *left -= d as u64;
                if *left == 0 {
                    self.state = State::header();
                }
            }
            (State::Header { filled: 0, .. }, SeekFrom::Current(0)) => {}
            _ => self.state = State::Off,
        }
        self.inner.seek(pos).map_err(passed)
    }
}

/// An error that did not come from the tar crate's parsing: the wrapped
/// reader's (I/O, decompression, digest) or the guard's own. Its message
/// holds no archive bytes.
#[derive(Debug)]
struct Passed(io::Error);

impl fmt::Display for Passed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Passed {}

fn passed(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), Passed(e))
}

fn guard_error(message: String) -> io::Error {
    passed(io::Error::new(io::ErrorKind::InvalidData, message))
}

/// One line for an error met while reading a tar stream through an
/// [`ExtensionGuard`]: the reader's or the guard's own message as it is,
/// and for the tar crate's parse errors (which quote the bytes they could
/// not parse) a fixed description.
pub fn tar_problem(e: &io::Error) -> String {
    match find_passed(e) {
        Some(passed) => passed.to_string(),
        None if e.kind() == io::ErrorKind::UnexpectedEof => {
            "unexpected end of data (truncated archive)".into()
        }
        None => "malformed tar data (an entry header is invalid or cut short)".into(),
    }
}

fn find_passed<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a Passed> {
    if let Some(p) = e.downcast_ref::<Passed>() {
        return Some(p);
    }
    if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
        let inner: &(dyn StdError + 'static) = inner;
        if let Some(p) = find_passed(inner) {
            return Some(p);
        }
    }
    e.source().and_then(find_passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_cksum();
        h
    }

    /// A tar whose first member is a GNU long name of `size` bytes; the
    /// data is produced lazily so large sizes cost no memory here.
    fn long_name_tar(size: u64) -> impl Read {
        let h = header("././@LongLink", tar::EntryType::GNULongName, size);
        io::Cursor::new(h.as_bytes().to_vec()).chain(io::repeat(b'a').take(padded(size).unwrap()))
    }

    #[test]
    fn oversized_long_name_is_refused_before_it_is_read() {
        let mut archive = tar::Archive::new(ExtensionGuard::new(long_name_tar(1 << 40)));
        let err = archive.entries().unwrap().next().unwrap().err().unwrap();
        assert!(tar_problem(&err).contains("extension header of 1099511627776 bytes"));
    }

    #[test]
    fn pax_size_and_long_names_within_the_limit_pass() {
        let mut builder = tar::Builder::new(Vec::new());
        let long = "d/".repeat(300) + "file";
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        builder.append_data(&mut h, &long, &b"abc"[..]).unwrap();
        // The PAX size (512 + 5) overrides the header's (0): the data of
        // "p", which looks like a header, must not be taken for one.
        builder
            .append_pax_extensions([("size", &b"517"[..])])
            .unwrap();
        let fake = header("fake", tar::EntryType::GNULongName, 1 << 40);
        let data = [fake.as_bytes().as_slice(), b"hello"].concat();
        builder
            .append(&header("p", tar::EntryType::Regular, 0), &data[..])
            .unwrap();
        let bytes = builder.into_inner().unwrap();
        let mut archive = tar::Archive::new(ExtensionGuard::new(&bytes[..]));
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, [long, "p".to_string()]);
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        let mut block = [b'x'; 512];
        block[148..156].copy_from_slice(b"$6$hash!");
        let mut archive = tar::Archive::new(ExtensionGuard::new(&block[..]));
        let err = archive.entries().unwrap().next().unwrap().err().unwrap();
        let shown = tar_problem(&err);
        assert!(!shown.contains("hash"), "{shown}");
        assert!(
            err.to_string().contains("hash"),
            "the crate quotes it: {err}"
        );
    }
}
