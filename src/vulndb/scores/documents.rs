//! Feeds that come as one document or as a tar archive of them (Red Hat's
//! VEX files, Ubuntu's CVE tracker). The sniffing, the bounds and the
//! archive walk are shared here, so each feed only says which archive
//! members are its documents and how to store one.

use super::Skips;
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read, Take};

/// A feed's input, told apart by its first bytes.
pub(super) enum Input<R: Read> {
    /// A tar archive (`ustar` at offset 257): the whole feed, replacing
    /// what is stored.
    Archive(tar::Archive<R>),
    /// One document, replacing only what is stored for it.
    Single(R),
}

/// Opens at most `max_bytes` of `reader` as an archive or as one document.
pub(super) fn open<R: Read>(
    reader: R,
    file: &str,
    max_bytes: u64,
) -> Result<Input<BufReader<Take<R>>>> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader.take(max_bytes));
    let head = reader.fill_buf().map_err(|e| Error::io(file, e))?;
    let is_tar = head.len() > 262 && &head[257..262] == b"ustar";
    Ok(if is_tar {
        Input::Archive(tar::Archive::new(reader))
    } else {
        Input::Single(reader)
    })
}

/// Hands each regular member of `archive` whose path `wanted` accepts, up
/// to `max_document` bytes, to `store`. `store` returns the rows it stored,
/// or why it skipped the member; a skipped member is a warning and the walk
/// goes on. Fails naming `file` when the archive is broken, or with `none`
/// when it holds no document at all, because an empty import would
/// silently erase every stored state.
pub(super) fn each_member<R: Read>(
    archive: &mut tar::Archive<R>,
    file: &str,
    max_document: u64,
    wanted: impl Fn(&str) -> bool,
    none: &str,
    mut store: impl FnMut(&[u8]) -> Result<std::result::Result<u64, String>>,
) -> Result<u64> {
    let mut skips = Skips::new(file);
    let (mut documents, mut stored) = (0u64, 0u64);
    let entries = archive
        .entries()
        .map_err(|e| Error::input(file, format!("not a tar archive: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(file, format!("broken archive: {e}")))?;
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if !entry.header().entry_type().is_file() || !wanted(&name) {
            continue;
        }
        let bytes = read_bounded(entry, max_document)
            .map_err(|e| Error::input(file, format!("{name}: {e}")))?;
        let Some(bytes) = bytes else {
            skips.skip(&name, &too_large(max_document));
            continue;
        };
        match store(&bytes)? {
            Ok(rows) => {
                documents += 1;
                stored += rows;
            }
            Err(why) => skips.skip(&name, &why),
        }
    }
    skips.finish();
    if documents == 0 {
        return Err(Error::input(file, none));
    }
    Ok(stored)
}

/// Reads one document of at most `max` bytes: `None` when it is larger.
pub(super) fn read_bounded(reader: impl Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// Why a document over `max` bytes is not read.
pub(super) fn too_large(max: u64) -> String {
    format!("larger than {} MiB", max >> 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, body) in members {
            let mut header = tar::Header::new_ustar();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *body).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn a_tar_is_an_archive_and_anything_else_one_document() {
        let tar = tar_of(&[("a.json", b"{}".as_slice())]);
        assert!(matches!(
            open(&tar[..], "t", 1 << 20),
            Ok(Input::Archive(_))
        ));
        assert!(matches!(
            open(&b"{}"[..], "t", 1 << 20),
            Ok(Input::Single(_))
        ));
    }

    #[test]
    fn members_are_filtered_bounded_and_skipped_without_stopping() {
        let big = vec![b'x'; (1 << 20) + 1];
        let good: &[u8] = b"good";
        let tar = tar_of(&[
            ("a.json", good),
            ("notes.txt", good),
            ("big.json", big.as_slice()),
            ("bad.json", b"bad".as_slice()),
            ("b.json", good),
        ]);
        let Ok(Input::Archive(mut archive)) = open(&tar[..], "t.tar", 1 << 30) else {
            panic!("not an archive");
        };
        let mut seen = Vec::new();
        let stored = each_member(
            &mut archive,
            "t.tar",
            1 << 20,
            |name| name.ends_with(".json"),
            "none",
            |bytes| {
                seen.push(bytes.to_vec());
                Ok(if bytes == b"good" {
                    Ok(2)
                } else {
                    Err("bad".into())
                })
            },
        )
        .unwrap();
        assert_eq!(stored, 4);
        assert_eq!(
            seen,
            vec![b"good".to_vec(), b"bad".to_vec(), b"good".to_vec()]
        );
    }

    #[test]
    fn an_archive_without_a_document_is_an_error_naming_the_file() {
        let tar = tar_of(&[("notes.txt", b"x".as_slice())]);
        let Ok(Input::Archive(mut archive)) = open(&tar[..], "t.tar", 1 << 30) else {
            panic!("not an archive");
        };
        let err = each_member(
            &mut archive,
            "t.tar",
            1 << 20,
            |_| false,
            "no doc",
            |_| Ok(Ok(1)),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("t.tar") && err.contains("no doc"), "{err}");
    }

    #[test]
    fn a_document_over_the_bound_is_not_read() {
        assert_eq!(read_bounded(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_bounded(&b"abcd"[..], 3).unwrap(), None);
        assert_eq!(too_large(64 << 20), "larger than 64 MiB");
    }
}
