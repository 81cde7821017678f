//! The NDB backend (`Packages.db`, SUSE's rpm): rpm's own simple format,
//! defined only by its source (`lib/backend/ndb/rpmpkg.c`). All integers
//! are little-endian.
//!
//! ```text
//! file   = slot pages (4096 bytes each), then blobs in 16-byte blocks
//! header = "RpmP", version (0), generation, slot page count, next index,
//!          padding — 32 bytes, taking the place of the first two slots
//! slot   = "Slot", package index, block offset, block count (16 bytes);
//!          block offset 0 means the slot is free
//! blob   = "BlbS", package index, timestamp, length, header blob,
//!          zero padding, then tail: adler32, length, "BlbE"
//! ```
//!
//! rpm refuses the whole database on any bad slot; here a bad slot or blob
//! only loses that package. The adler32 checksum is not verified, as rpm
//! does not verify it on reads either: the length fields in head and tail
//! and both magics already catch truncation and misplaced offsets.

use super::RecordSink;

pub(super) const MAGIC: &[u8] = b"RpmP";
const SLOT_MAGIC: &[u8] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8] = b"BlbE";

const SUPPORTED_VERSION: u32 = 0;
const HEADER_SIZE: usize = 32;
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: usize = 16;
const BLOB_HEAD_SIZE: usize = 16;
const BLOB_TAIL_SIZE: usize = 12;

/// An occupied slot: where a package's blob lives.
#[derive(Debug, Clone, Copy)]
struct Slot {
    pkg_index: u32,
    block_offset: u32,
    block_count: u32,
}

pub(super) fn read(content: &[u8], sink: &mut dyn RecordSink) -> Result<(), String> {
    if content.len() < HEADER_SIZE {
        return Err("NDB database header is truncated".to_string());
    }
    let version = le32(content, 4).unwrap_or(u32::MAX);
    if version != SUPPORTED_VERSION {
        return Err(format!("NDB database version {version} is not supported"));
    }
    let slot_pages = le32(content, 12).unwrap_or(0) as usize;
    let slot_area = slot_pages
        .checked_mul(PAGE_SIZE)
        .filter(|&n| n > 0 && n <= content.len())
        .ok_or_else(|| {
            format!(
                "NDB database claims {slot_pages} slot pages but has {} bytes",
                content.len()
            )
        })?;
    // Blobs start after the slot pages and must end inside the file.
    let first_block = slot_area / BLOCK_SIZE;
    let file_blocks = content.len() / BLOCK_SIZE;

    let mut slots = Vec::new();
    let mut bad_magic = 0usize;
    for (n, raw) in content[HEADER_SIZE..slot_area]
        .chunks_exact(SLOT_SIZE)
        .enumerate()
    {
        let slot_no = n + HEADER_SIZE / SLOT_SIZE;
        if !raw.starts_with(SLOT_MAGIC) {
            bad_magic += 1;
            continue;
        }
        let slot = Slot {
            pkg_index: le32(raw, 4).unwrap_or(0),
            block_offset: le32(raw, 8).unwrap_or(0),
            block_count: le32(raw, 12).unwrap_or(0),
        };
        if slot.block_offset == 0 {
            continue; // free slot
        }
        let start = slot.block_offset as usize;
        let end = start.saturating_add(slot.block_count as usize);
        if slot.pkg_index == 0 || slot.block_count == 0 || start < first_block || end > file_blocks
        {
            sink.skip(format!(
                "slot {slot_no} (package {}): blocks {start}..{end} outside the blob area",
                slot.pkg_index
            ));
            continue;
        }
        slots.push(slot);
    }
    if bad_magic > 0 {
        sink.skip(format!(
            "{bad_magic} slots with a bad magic, their packages (if any) are lost"
        ));
    }
    let slots = disjoint(slots, sink);
    for slot in slots {
        match read_blob(content, slot) {
            Ok(blob) => sink.header(slot.pkg_index.into(), blob),
            Err(e) => sink.skip(format!("package {}: {e}", slot.pkg_index)),
        }
    }
    Ok(())
}

/// The slots whose blobs do not overlap an earlier slot's, in package
/// index order (installation order, as rpm lists them). In a real database
/// every blob belongs to one slot; a hostile one can point a million slots
/// at one large header, and parsing it once per slot would never finish.
/// With overlaps refused, the headers parsed add up to at most the file.
fn disjoint(mut slots: Vec<Slot>, sink: &mut dyn RecordSink) -> Vec<Slot> {
    slots.sort_by_key(|s| (s.block_offset, s.pkg_index));
    let mut kept: Vec<Slot> = Vec::with_capacity(slots.len());
    let mut overlapping = 0usize;
    let mut end = 0u64;
    for slot in slots {
        if u64::from(slot.block_offset) < end {
            overlapping += 1;
            continue;
        }
        end = u64::from(slot.block_offset) + u64::from(slot.block_count);
        kept.push(slot);
    }
    if overlapping > 0 {
        sink.skip(format!(
            "{overlapping} slots point into another slot's blob; they are ignored"
        ));
    }
    kept.sort_by_key(|s| s.pkg_index);
    kept
}

/// The header blob a slot points to, after checking its framing.
fn read_blob(content: &[u8], slot: Slot) -> Result<&[u8], String> {
    // Bounds were checked against the file size by the caller.
    let start = slot.block_offset as usize * BLOCK_SIZE;
    let end = start + slot.block_count as usize * BLOCK_SIZE;
    let area = content
        .get(start..end)
        .ok_or("blob lies outside the file")?;
    if area.len() < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE {
        return Err("blob area is too small".to_string());
    }
    if !area.starts_with(BLOB_HEAD_MAGIC) {
        return Err("blob has a bad magic".to_string());
    }
    if le32(area, 4) != Some(slot.pkg_index) {
        return Err("blob belongs to another package".to_string());
    }
    let len = le32(area, 12).unwrap_or(u32::MAX) as usize;
    let needed = (BLOB_HEAD_SIZE + BLOB_TAIL_SIZE)
        .checked_add(len)
        .map(|n| n.div_ceil(BLOCK_SIZE));
    if needed != Some(slot.block_count as usize) {
        return Err(format!(
            "blob length {len} does not match its {} blocks",
            slot.block_count
        ));
    }
    let tail = &area[area.len() - BLOB_TAIL_SIZE..];
    if le32(tail, 4) != Some(len as u32) || !tail[8..].starts_with(BLOB_TAIL_MAGIC) {
        return Err("blob tail is damaged".to_string());
    }
    Ok(&area[BLOB_HEAD_SIZE..BLOB_HEAD_SIZE + len])
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}
