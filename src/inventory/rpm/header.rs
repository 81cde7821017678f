//! Decoding of an rpm header blob, the "header image" every rpm database
//! backend stores once per installed package.
//!
//! Layout (all integers big-endian, whatever the host or database):
//!
//! ```text
//! il: u32            number of index entries
//! dl: u32            length of the data store
//! il × 16 bytes      index entries: tag i32, type u32, offset i32, count u32
//! dl bytes           data store; entry offsets are relative to its start
//! ```
//!
//! (Package files and the header-with-magic form add an 8-byte magic in
//! front; databases store the header without it.)
//!
//! The first entry is usually a *region* tag (`HEADERIMMUTABLE`, or
//! `HEADERIMAGE`/`HEADERSIGNATURES` in older headers) whose data is a
//! 16-byte trailer marking which entries were signed. Regions only matter
//! for signature verification, so they are ignored here; any entries after
//! the region ("dribbles", added at install time) take precedence over a
//! region entry with the same tag, which is what rpm does, so lookups use
//! the *last* entry with a given tag.
//!
//! Nothing here trusts the blob: counts are checked against its length
//! before anything is read, no allocation is sized from a header field, and
//! each entry is bounds-checked only when a wanted tag is read, so an entry
//! broken beyond recognition that we do not need costs nothing.

use std::fmt;

/// Entry data types (`rpmTagType`) this decoder understands.
mod kind {
    pub const INT32: u32 = 4;
    pub const STRING: u32 = 6;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX` in header.c):
/// it refuses headers beyond these, so they are not legitimate input.
const MAX_ENTRIES: usize = 0xffff;
const MAX_DATA: usize = 0x0fff_ffff;

const PREAMBLE_SIZE: usize = 8;
const ENTRY_SIZE: usize = 16;

/// Why a header blob (or one of its entries) could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HeaderError(String);

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl HeaderError {
    /// A required tag is absent (or empty).
    pub(super) fn missing(what: &str) -> Self {
        HeaderError(format!("no {what} tag"))
    }
}

fn err(message: impl Into<String>) -> HeaderError {
    HeaderError(message.into())
}

/// One index entry, as stored.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: i32,
    count: u32,
}

/// A validated view of a header blob. Only the preamble is validated up
/// front; entries are checked as they are read.
#[derive(Debug)]
pub(super) struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

impl<'a> Header<'a> {
    /// Splits `blob` into index and data store. Bytes after the data store
    /// are ignored (some backends pad).
    pub(super) fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        let il = be32(blob, 0)
            .ok_or_else(|| err(format!("header of {} bytes is truncated", blob.len())))?;
        let dl = be32(blob, 4)
            .ok_or_else(|| err(format!("header of {} bytes is truncated", blob.len())))?;
        let (il, dl) = (il as usize, dl as usize);
        if il == 0 || il > MAX_ENTRIES {
            return Err(err(format!("header claims {il} index entries")));
        }
        if dl > MAX_DATA {
            return Err(err(format!("header claims {dl} bytes of data")));
        }
        // Cannot overflow: il ≤ 0xffff and dl ≤ 0x0fffffff.
        let index_end = PREAMBLE_SIZE + il * ENTRY_SIZE;
        let data_end = index_end + dl;
        if data_end > blob.len() {
            return Err(err(format!(
                "header claims {il} entries and {dl} data bytes but the blob has only {} bytes",
                blob.len()
            )));
        }
        Ok(Header {
            index: &blob[PREAMBLE_SIZE..index_end],
            data: &blob[index_end..data_end],
        })
    }

    fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.index.chunks_exact(ENTRY_SIZE).filter_map(|e| {
            Some(Entry {
                tag: be32(e, 0)?,
                kind: be32(e, 4)?,
                offset: be32(e, 8)? as i32,
                count: be32(e, 12)?,
            })
        })
    }

    /// The last entry with `tag` (dribbles override the region, as in rpm).
    fn find(&self, tag: u32) -> Option<Entry> {
        self.entries().filter(|e| e.tag == tag).last()
    }

    /// Data of `entry` from its offset to the end of the data store.
    fn data_from(&self, entry: &Entry) -> Result<&'a [u8], HeaderError> {
        usize::try_from(entry.offset)
            .ok()
            .and_then(|o| self.data.get(o..))
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                err(format!(
                    "tag {} has offset {} outside the {}-byte data store",
                    entry.tag,
                    entry.offset,
                    self.data.len()
                ))
            })
    }

    /// A string tag. For string arrays and translated strings the first
    /// element (the untranslated one) is returned. `Ok(None)` if absent.
    pub(super) fn string(&self, tag: u32) -> Result<Option<String>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        match entry.kind {
            kind::STRING | kind::STRING_ARRAY | kind::I18NSTRING => {}
            other => {
                return Err(err(format!(
                    "tag {tag} has type {other}, expected a string"
                )))
            }
        }
        if entry.count == 0 {
            return Err(err(format!("tag {tag} has a count of 0")));
        }
        let data = self.data_from(&entry)?;
        let len = data
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| err(format!("string of tag {tag} is not NUL-terminated")))?;
        // rpm data is UTF-8 by policy but not by enforcement; a stray byte
        // in a license string is no reason to lose the package.
        Ok(Some(String::from_utf8_lossy(&data[..len]).into_owned()))
    }

    /// A 32-bit integer tag (its first value). `Ok(None)` if absent.
    pub(super) fn u32(&self, tag: u32) -> Result<Option<u32>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if entry.kind != kind::INT32 {
            return Err(err(format!(
                "tag {tag} has type {}, expected INT32",
                entry.kind
            )));
        }
        if entry.count == 0 {
            return Err(err(format!("tag {tag} has a count of 0")));
        }
        let data = self.data_from(&entry)?;
        be32(data, 0)
            .map(Some)
            .ok_or_else(|| err(format!("INT32 tag {tag} runs past the data store")))
    }
}

/// Big-endian u32 at `at`, if the slice is long enough.
fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::super::rpmdb::header::HeaderBuilder;
    use super::super::tag;
    use super::*;

    #[test]
    fn reads_strings_and_int32() {
        let blob = HeaderBuilder::package("bash", Some(7), "5.1.8", "6.el9").build();
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::NAME).unwrap().as_deref(), Some("bash"));
        assert_eq!(h.string(tag::VERSION).unwrap().as_deref(), Some("5.1.8"));
        assert_eq!(h.string(tag::RELEASE).unwrap().as_deref(), Some("6.el9"));
        assert_eq!(h.u32(tag::EPOCH).unwrap(), Some(7));
        assert_eq!(h.string(tag::LICENSE).unwrap(), None);
        assert_eq!(h.u32(tag::MODULARITYLABEL).unwrap(), None);
    }

    #[test]
    fn first_element_of_arrays_and_i18n() {
        let blob = HeaderBuilder::new()
            .strings(tag::LICENSE, &["MIT", "BSD"])
            .i18n(1004, "C summary")
            .build();
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::LICENSE).unwrap().as_deref(), Some("MIT"));
        assert_eq!(h.string(1004).unwrap().as_deref(), Some("C summary"));
    }

    #[test]
    fn header_without_region() {
        let blob = HeaderBuilder::package("a", None, "1", "1")
            .without_region()
            .build();
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::NAME).unwrap().as_deref(), Some("a"));
    }

    #[test]
    fn dribble_overrides_region_entry() {
        let blob = HeaderBuilder::package("a", None, "1", "1")
            .dribble_string(tag::RELEASE, "2")
            .build();
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::RELEASE).unwrap().as_deref(), Some("2"));
    }

    #[test]
    fn wrong_types_are_errors() {
        let blob = HeaderBuilder::new()
            .int32(tag::NAME, 1)
            .string(tag::EPOCH, "1")
            .bin(tag::LICENSE, b"MIT\0")
            .build();
        let h = Header::parse(&blob).unwrap();
        assert!(h.string(tag::NAME).is_err());
        assert!(h.u32(tag::EPOCH).is_err());
        assert!(h.string(tag::LICENSE).is_err());
    }

    #[test]
    fn preamble_limits() {
        assert!(Header::parse(&[]).is_err());
        assert!(Header::parse(&[0, 0, 0, 1]).is_err());
        // Zero entries.
        assert!(Header::parse(&[0; 8]).is_err());
        // Absurd entry count and data length must not be trusted.
        let mut blob = vec![0xff; 8];
        blob.extend_from_slice(&[0; 64]);
        assert!(Header::parse(&blob).is_err());
        let mut blob = vec![0, 0, 0, 1, 0x0f, 0xff, 0xff, 0xff];
        blob.extend_from_slice(&[0; 64]);
        assert!(Header::parse(&blob).is_err());
    }

    #[test]
    fn entry_offsets_are_bounded() {
        let mut blob = HeaderBuilder::package("a", Some(1), "1", "1").build();
        // Entry 1 is the first real entry after the region tag; point every
        // entry's offset past the data store or negative in turn.
        let il = u32::from_be_bytes(blob[0..4].try_into().unwrap()) as usize;
        for bad in [i32::MAX, -1, i32::MIN, 1 << 20] {
            for i in 0..il {
                let at = 8 + i * 16 + 8;
                let saved: [u8; 4] = blob[at..at + 4].try_into().unwrap();
                blob[at..at + 4].copy_from_slice(&bad.to_be_bytes());
                let h = Header::parse(&blob).unwrap();
                for t in [tag::NAME, tag::VERSION, tag::RELEASE, tag::ARCH] {
                    let _ = h.string(t);
                }
                let _ = h.u32(tag::EPOCH);
                blob[at..at + 4].copy_from_slice(&saved);
            }
        }
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let mut blob = HeaderBuilder::new()
            .string(tag::NAME, "abc")
            .without_region()
            .build();
        let last = blob.len() - 1;
        blob[last] = b'x';
        let h = Header::parse(&blob).unwrap();
        assert!(h.string(tag::NAME).is_err());
    }
}
