//! The Berkeley DB backend (`Packages`, rpm < 4.16): a BDB *hash* database
//! mapping a 4-byte header number to a header blob. Read without libdb, from
//! the page format alone (see Berkeley DB's `dbinc/db_page.h`):
//!
//! * Page 0 is the hash metadata page: magic, page size, last page number,
//!   and whether pages carry a checksum (which moves the item index).
//! * Hash pages (`P_HASH`, or `P_HASH_UNSORTED` before BDB 4.6) hold
//!   key/data pairs: an index of 2-byte offsets after the page header, the
//!   items themselves packed from the end of the page downwards, so each
//!   item ends where the previous index entry's item starts.
//! * A value too big for a hash page is an `H_OFFPAGE` item naming the
//!   first of a chain of overflow pages; header blobs almost always are.
//!
//! Every page is visited in file order instead of walking buckets: simpler,
//! and a damaged bucket chain cannot hide the pages after it. Pages that are
//! free have type `P_INVALID` and are passed over.
//!
//! The file's byte order is whatever its creator's was (big-endian on
//! s390x images); the metadata magic tells which. Header blobs themselves
//! are always big-endian.

use super::RecordSink;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const QUEUE_MAGIC: u32 = 0x0004_2253;
/// Offset of the magic in the metadata page.
const MAGIC_AT: usize = 12;

// Page types.
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

// Hash item types (first byte of an item).
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// Size of the generic page header (`SIZEOF_PAGE`).
const PAGE_HEADER: usize = 26;
/// With checksums, `PG_CHKSUM` (2 unused + 4 checksum bytes) follows it.
const CHECKSUM_AREA: usize = 6;
/// `DBMETA_CHKSUM` in the metadata flags byte.
const META_FLAG_CHECKSUM: u8 = 0x01;
/// An `H_OFFPAGE` item: type, 3 unused, first page number, total length.
const OFFPAGE_ITEM: usize = 12;

// Page header field offsets.
const NEXT_PGNO_AT: usize = 16;
const ENTRIES_AT: usize = 20;
const HF_OFFSET_AT: usize = 22;
const TYPE_AT: usize = 25;

/// Whether `content` starts with a Berkeley DB metadata page of any kind,
/// in either byte order (so a non-hash database gets a precise error).
pub(super) fn has_magic(content: &[u8]) -> bool {
    [Order::Little, Order::Big].into_iter().any(|o| {
        matches!(
            o.u32(content, MAGIC_AT),
            Some(HASH_MAGIC | BTREE_MAGIC | QUEUE_MAGIC)
        )
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u16::from_le_bytes(b),
            Order::Big => u16::from_be_bytes(b),
        })
    }
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        })
    }
}

/// The parameters of an opened database.
struct Db<'a> {
    content: &'a [u8],
    order: Order,
    page_size: usize,
    /// Pages present in the file (never more than the metadata claims).
    page_count: usize,
    /// Where a page's item index (or overflow data) starts.
    items_at: usize,
}

impl<'a> Db<'a> {
    fn open(content: &'a [u8]) -> Result<Self, String> {
        let order = [Order::Little, Order::Big]
            .into_iter()
            .find(|o| o.u32(content, MAGIC_AT) == Some(HASH_MAGIC))
            .ok_or_else(|| {
                "Berkeley DB file is not a hash database (rpm's Packages is one)".to_string()
            })?;
        let field = |at| {
            order
                .u32(content, at)
                .ok_or("Berkeley DB metadata page is truncated")
        };
        let page_size = field(20)? as usize;
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("Berkeley DB page size {page_size} is invalid"));
        }
        if content.len() < page_size {
            return Err("Berkeley DB metadata page is truncated".to_string());
        }
        let (encrypt_alg, page_type, meta_flags) = (content[24], content[25], content[26]);
        if page_type != P_HASHMETA {
            return Err(format!(
                "Berkeley DB metadata page has type {page_type}, expected hash metadata"
            ));
        }
        if encrypt_alg != 0 {
            return Err("Berkeley DB database is encrypted".to_string());
        }
        let last_pgno = field(32)? as usize;
        let items_at = if meta_flags & META_FLAG_CHECKSUM != 0 {
            PAGE_HEADER + CHECKSUM_AREA
        } else {
            PAGE_HEADER
        };
        Ok(Db {
            content,
            order,
            page_size,
            page_count: last_pgno.saturating_add(1).min(content.len() / page_size),
            items_at,
        })
    }

    /// Page `pgno`, if the file has it.
    fn page(&self, pgno: usize) -> Option<&'a [u8]> {
        if pgno >= self.page_count {
            return None;
        }
        let start = pgno * self.page_size;
        self.content.get(start..start + self.page_size)
    }

    /// Whether the metadata claims more pages than the file holds.
    fn claimed_pages(&self) -> Option<usize> {
        let last = self.order.u32(self.content, 32)? as usize;
        (last.saturating_add(1) > self.page_count).then_some(last.saturating_add(1))
    }
}

/// Reads every package record. Damage local to a page or record is
/// reported through `sink` and reading goes on.
pub(super) fn read(content: &[u8], sink: &mut dyn RecordSink) -> Result<(), String> {
    let db = Db::open(content)?;
    if let Some(claimed) = db.claimed_pages() {
        sink.skip(format!(
            "file truncated: {} of {claimed} pages present, records on the missing pages are lost",
            db.page_count
        ));
    }
    // Each overflow page belongs to one record; remembering which are taken
    // stops a hostile file from looping a chain or sharing one among many
    // records, which keeps the total work linear in the file size.
    let mut overflow_used = vec![false; db.page_count];
    for pgno in 1..db.page_count {
        let Some(page) = db.page(pgno) else { break };
        if matches!(page[TYPE_AT], P_HASH | P_HASH_UNSORTED) {
            read_hash_page(&db, pgno, page, &mut overflow_used, sink);
        }
    }
    Ok(())
}

fn read_hash_page(
    db: &Db<'_>,
    pgno: usize,
    page: &[u8],
    overflow_used: &mut [bool],
    sink: &mut dyn RecordSink,
) {
    let entries = db.order.u16(page, ENTRIES_AT).unwrap_or(0) as usize;
    let index_end = db.items_at + entries * 2;
    if index_end > page.len() {
        sink.skip(format!(
            "page {pgno}: {entries} items cannot fit in the page"
        ));
        return;
    }
    if !entries.is_multiple_of(2) {
        sink.skip(format!(
            "page {pgno}: odd item count {entries}, last item ignored"
        ));
    }
    let offset = |i: usize| db.order.u16(page, db.items_at + 2 * i).map(usize::from);
    // Item `i` spans from its offset to the previous item's offset (or the
    // page end): items are packed downwards in index order.
    let item = |i: usize| -> Option<&[u8]> {
        let start = offset(i)?;
        let end = if i == 0 { page.len() } else { offset(i - 1)? };
        if start < index_end || start >= end || end > page.len() {
            return None;
        }
        Some(&page[start..end])
    };
    for pair in 0..entries / 2 {
        let (Some(key), Some(data)) = (item(2 * pair), item(2 * pair + 1)) else {
            sink.skip(format!(
                "page {pgno}: item pair {pair} lies outside the page"
            ));
            continue;
        };
        // Keys are the header number as a 4-byte integer in the creating
        // host's order, i.e. the file's.
        let key = match key {
            [H_KEYDATA, k @ ..] if k.len() == 4 => db.order.u32(k, 0).unwrap_or(0),
            _ => {
                sink.skip(format!(
                    "page {pgno}: item pair {pair} has an unexpected key"
                ));
                continue;
            }
        };
        // Record 0 is rpm's header-number counter, not a package.
        if key == 0 {
            continue;
        }
        match data.first() {
            Some(&H_KEYDATA) => sink.header(key.into(), &data[1..]),
            Some(&H_OFFPAGE) => match read_overflow(db, data, overflow_used) {
                Ok(blob) => sink.header(key.into(), &blob),
                Err(e) => sink.skip(format!("record {key} (page {pgno}): {e}")),
            },
            Some(other) => sink.skip(format!(
                "record {key} (page {pgno}): unsupported item type {other}"
            )),
            None => sink.skip(format!("record {key} (page {pgno}): empty item")),
        }
    }
}

/// Concatenates the overflow chain an `H_OFFPAGE` item points to.
fn read_overflow(db: &Db<'_>, item: &[u8], used: &mut [bool]) -> Result<Vec<u8>, String> {
    if item.len() < OFFPAGE_ITEM {
        return Err("off-page item is truncated".to_string());
    }
    let first = db.order.u32(item, 4).unwrap_or(0) as usize;
    let total = db.order.u32(item, 8).unwrap_or(0) as usize;
    // Every byte lives on some page of this file, so a larger claim is a lie
    // and must not size the allocation.
    if total > db.content.len() {
        return Err(format!("claims {total} bytes, more than the whole file"));
    }
    let mut blob = Vec::with_capacity(total);
    let mut pgno = first;
    while blob.len() < total {
        if pgno == 0 {
            return Err(format!(
                "overflow chain ends after {} of {total} bytes",
                blob.len()
            ));
        }
        let page = db
            .page(pgno)
            .ok_or_else(|| format!("overflow page {pgno} is beyond the end of the file"))?;
        let seen = used
            .get_mut(pgno)
            .ok_or_else(|| format!("overflow page {pgno} is beyond the end of the file"))?;
        if *seen {
            return Err(format!(
                "overflow page {pgno} is already used by another record"
            ));
        }
        *seen = true;
        if page[TYPE_AT] != P_OVERFLOW {
            return Err(format!(
                "page {pgno} in the overflow chain has type {}",
                page[TYPE_AT]
            ));
        }
        // On overflow pages the "high free offset" field holds the number of
        // data bytes on the page.
        let len = db.order.u16(page, HF_OFFSET_AT).unwrap_or(0) as usize;
        let chunk = page
            .get(db.items_at..db.items_at + len)
            .ok_or_else(|| format!("overflow page {pgno} claims {len} bytes"))?;
        let wanted = (total - blob.len()).min(chunk.len());
        blob.extend_from_slice(&chunk[..wanted]);
        // An empty page in the chain makes no progress, but the `used`
        // marks bound how often that can happen.
        pgno = db.order.u32(page, NEXT_PGNO_AT).unwrap_or(0) as usize;
    }
    Ok(blob)
}
