//! Which files are read for secrets, decided as Trivy decides: files under
//! 10 bytes hold none; a binary file (told by its first 300 bytes, as
//! `file(1)` tells) is skipped; files over [`MAX_SCANNED_SIZE`] are skipped
//! with a warning, so no file is ever held whole beyond that bound.

use std::io::{self, Read};

/// The largest file scanned. Trivy warns above the same 10 MiB.
pub const MAX_SCANNED_SIZE: u64 = 10 << 20;
/// Smaller files are not scanned (Trivy's analyzer skips them too).
const MIN_SIZE: u64 = 10;
/// How much of a file decides whether it is binary.
pub const SNIFF_BYTES: u64 = 300;

/// Whether `head` (a file's first bytes) has control characters no text
/// file has: Trivy's `IsBinary`, after `file(1)`'s `encoding.c`.
pub fn is_binary(head: &[u8]) -> bool {
    head.iter()
        .any(|&b| b < 7 || b == 11 || (13 < b && b < 27) || (27 < b && b < 0x20) || b == 0x7f)
}

/// The first bytes of `content`, which tell binary from text.
pub fn head(content: &[u8]) -> &[u8] {
    &content[..content.len().min(SNIFF_BYTES as usize)]
}

/// Whether a `size`-byte file at `path` is read at all: not too small
/// to hold a secret, not over the bound (said in a warning).
pub fn worth_reading(path: &str, size: u64) -> bool {
    if size > MAX_SCANNED_SIZE {
        tracing::warn!(
            path,
            size,
            limit = MAX_SCANNED_SIZE,
            "not scanned for secrets: larger than the size limit (skip it with --skip-files)"
        );
    }
    (MIN_SIZE..=MAX_SCANNED_SIZE).contains(&size)
}

/// The content of a `size`-byte file at `path` read from `reader`, or
/// `None` when it is not scanned (too small, too large, binary). A binary
/// file is read no further than its first bytes.
pub fn read_text(path: &str, size: u64, reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    if !worth_reading(path, size) {
        return Ok(None);
    }
    let mut content = Vec::with_capacity(size as usize);
    reader.take(SNIFF_BYTES).read_to_end(&mut content)?;
    if is_binary(&content) {
        return Ok(None);
    }
    reader
        .take(MAX_SCANNED_SIZE - content.len() as u64)
        .read_to_end(&mut content)?;
    Ok(Some(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_tiny_and_huge_files_are_not_read() {
        let text = b"token = abcdefghijklmnop\n".to_vec();
        let got = read_text("a", text.len() as u64, &mut text.as_slice()).unwrap();
        assert_eq!(got.as_deref(), Some(text.as_slice()));
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0 ghp_...".to_vec();
        assert_eq!(
            read_text("b", elf.len() as u64, &mut elf.as_slice()).unwrap(),
            None
        );
        assert_eq!(read_text("c", 5, &mut &b"short"[..]).unwrap(), None);
        // A file said to be larger than the bound is not read at all.
        let mut never = std::io::repeat(b'a');
        assert_eq!(
            read_text("d", MAX_SCANNED_SIZE + 1, &mut never).unwrap(),
            None
        );
        // UTF-8 and Latin-1 text are text.
        assert!(!is_binary("héllo\r\n\tw\x1b[0m".as_bytes()));
        assert!(!is_binary(b"caf\xe9"));
    }
}
