//! Test-only encoders for the rpm package database: header blobs
//! ([`header`]), Berkeley DB hash `Packages` files ([`bdb`]), NDB
//! `Packages.db` files ([`ndb`]) and `rpmdb.sqlite` ([`sqlite`]), plus
//! [`RpmPackage`], a package described by the fields scangate reads.
//!
//! One copy serves both kinds of test: the unit tests of
//! `src/inventory/rpm` include this file with
//! `#[path = "../../../tests/support/rpmdb.rs"]`, and the end-to-end tests
//! reach it as `support::rpmdb`. So it uses nothing of the crate but the
//! tag numbers (`src/inventory/rpm/tag.rs`, included the same way): the
//! database formats are written from their own definitions, not from the
//! decoders' constants.
#![allow(dead_code)]

// In the unit tests the crate has this file as `rpm::tag` as well.
#[allow(clippy::duplicate_mod)]
#[path = "../../src/inventory/rpm/tag.rs"]
pub mod tag;

/// One installed rpm package, as far as scangate reads it.
#[derive(Debug, Clone, Default)]
pub struct RpmPackage {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub source_rpm: Option<String>,
    pub modularity_label: Option<String>,
}

impl RpmPackage {
    /// `name-version-release.arch` with source rpm `name-version-release.src.rpm`.
    pub fn new(name: &str, version: &str, release: &str, arch: &str) -> Self {
        RpmPackage {
            name: name.into(),
            version: version.into(),
            release: release.into(),
            arch: Some(arch.into()),
            source_rpm: Some(format!("{name}-{version}-{release}.src.rpm")),
            ..Default::default()
        }
    }

    /// A signing key imported with `rpm --import`: rpm keeps it as a
    /// `gpg-pubkey` header without arch or source rpm. Not a package.
    pub fn gpg_pubkey(key_id: &str, created: &str) -> Self {
        RpmPackage {
            name: "gpg-pubkey".into(),
            version: key_id.into(),
            release: created.into(),
            ..Default::default()
        }
    }

    pub fn epoch(mut self, e: u32) -> Self {
        self.epoch = Some(e);
        self
    }

    pub fn license(mut self, l: &str) -> Self {
        self.license = Some(l.into());
        self
    }

    pub fn source_rpm(mut self, s: &str) -> Self {
        self.source_rpm = Some(s.into());
        self
    }

    pub fn modularity_label(mut self, m: &str) -> Self {
        self.modularity_label = Some(m.into());
        self
    }

    /// The header blob.
    pub fn header(&self) -> Vec<u8> {
        let mut h = header::HeaderBuilder::new()
            .string(tag::NAME, &self.name)
            .string(tag::VERSION, &self.version)
            .string(tag::RELEASE, &self.release);
        if let Some(e) = self.epoch {
            h = h.int32(tag::EPOCH, e);
        }
        let optional = [
            (tag::LICENSE, &self.license),
            (tag::ARCH, &self.arch),
            (tag::SOURCERPM, &self.source_rpm),
            (tag::MODULARITYLABEL, &self.modularity_label),
        ];
        for (t, v) in optional {
            if let Some(v) = v {
                h = h.string(t, v);
            }
        }
        h.build()
    }
}

/// The header blobs of `packages`, numbered from 1 as rpm numbers them.
pub fn headers(packages: &[RpmPackage]) -> Vec<(u32, Vec<u8>)> {
    (1..).zip(packages.iter().map(RpmPackage::header)).collect()
}

/// An `rpmdb.sqlite` (rpm 4.16+: RHEL 9, Fedora) holding `packages`.
pub fn rpmdb_sqlite(packages: &[RpmPackage]) -> Vec<u8> {
    sqlite::rpmdb(&headers(packages))
}

/// A Berkeley DB `Packages` (CentOS 7, RHEL 8, Amazon Linux 2) holding
/// `packages`, with libdb's default 4 KiB little-endian pages.
pub fn bdb_packages(packages: &[RpmPackage]) -> Vec<u8> {
    bdb::packages_file(&headers(packages), bdb::Options::default())
}

/// An NDB `Packages.db` (SUSE) holding `packages`.
pub fn ndb_packages(packages: &[RpmPackage]) -> Vec<u8> {
    ndb::packages_db(&headers(packages), 0)
}

/// Test helper: builds header blobs the way rpm lays them out (sorted
/// index, aligned data, immutable region with its trailer), so the tests
/// exercise realistic input rather than a mirror of the decoder.
pub mod header {
    const BIN: u32 = 7;
    const INT32: u32 = 4;
    const STRING: u32 = 6;
    const STRING_ARRAY: u32 = 8;
    const I18NSTRING: u32 = 9;
    /// `RPMTAG_HEADERIMMUTABLE`.
    pub const HEADERIMMUTABLE: u32 = 63;

    enum Value {
        Int32(Vec<u32>),
        Str(u32, Vec<String>),
        Bin(Vec<u8>),
    }

    /// Builder for a header blob.
    #[derive(Default)]
    pub struct HeaderBuilder {
        region: Vec<(u32, Value)>,
        dribbles: Vec<(u32, Value)>,
        no_region: bool,
    }

    impl HeaderBuilder {
        pub fn new() -> Self {
            Self::default()
        }
        /// A header with the usual tags of a binary package.
        pub fn package(name: &str, epoch: Option<u32>, version: &str, release: &str) -> Self {
            let mut h = Self::new()
                .string(super::tag::NAME, name)
                .string(super::tag::VERSION, version)
                .string(super::tag::RELEASE, release)
                .i18n(1004, "a summary") // RPMTAG_SUMMARY
                .string(super::tag::ARCH, "x86_64");
            if let Some(e) = epoch {
                h = h.int32(super::tag::EPOCH, e);
            }
            h
        }
        pub fn string(mut self, tag: u32, s: &str) -> Self {
            self.region.push((tag, Value::Str(STRING, vec![s.into()])));
            self
        }
        pub fn i18n(mut self, tag: u32, s: &str) -> Self {
            self.region
                .push((tag, Value::Str(I18NSTRING, vec![s.into()])));
            self
        }
        pub fn strings(mut self, tag: u32, s: &[&str]) -> Self {
            let v = s.iter().map(|s| s.to_string()).collect();
            self.region.push((tag, Value::Str(STRING_ARRAY, v)));
            self
        }
        pub fn int32(mut self, tag: u32, v: u32) -> Self {
            self.region.push((tag, Value::Int32(vec![v])));
            self
        }
        pub fn bin(mut self, tag: u32, v: &[u8]) -> Self {
            self.region.push((tag, Value::Bin(v.to_vec())));
            self
        }
        /// An entry outside the signed region, as rpm adds at install time.
        pub fn dribble_string(mut self, tag: u32, s: &str) -> Self {
            self.dribbles
                .push((tag, Value::Str(STRING, vec![s.into()])));
            self
        }
        /// Leaves out the region tag (old-style header).
        pub fn without_region(mut self) -> Self {
            self.no_region = true;
            self
        }
        pub fn remove(mut self, tag: u32) -> Self {
            self.region.retain(|(t, _)| *t != tag);
            self
        }

        pub fn build(mut self) -> Vec<u8> {
            self.region.sort_by_key(|(t, _)| *t);
            let mut index: Vec<[u32; 4]> = Vec::new();
            let mut data: Vec<u8> = Vec::new();
            let put = |index: &mut Vec<[u32; 4]>, data: &mut Vec<u8>, tag: u32, v: &Value| {
                let (kind, count, bytes, align) = match v {
                    Value::Int32(vs) => (
                        INT32,
                        vs.len(),
                        vs.iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<_>>(),
                        4,
                    ),
                    Value::Str(k, ss) => {
                        let mut b = Vec::new();
                        for s in ss {
                            b.extend_from_slice(s.as_bytes());
                            b.push(0);
                        }
                        (*k, ss.len(), b, 1)
                    }
                    Value::Bin(b) => (BIN, b.len(), b.clone(), 1),
                };
                while !data.len().is_multiple_of(align) {
                    data.push(0);
                }
                index.push([tag, kind, data.len() as u32, count as u32]);
                data.extend_from_slice(&bytes);
            };
            let with_region = !self.no_region;
            if with_region {
                // Placeholder; its offset is fixed up once the trailer's
                // position is known.
                index.push([HEADERIMMUTABLE, BIN, 0, 16]);
            }
            for (t, v) in &self.region {
                put(&mut index, &mut data, *t, v);
            }
            if with_region {
                let ril = index.len() as i32;
                let trailer_at = data.len() as u32;
                index[0][2] = trailer_at;
                let trailer = [HEADERIMMUTABLE, BIN, (-(ril * 16)) as u32, 16];
                for w in trailer {
                    data.extend_from_slice(&w.to_be_bytes());
                }
            }
            for (t, v) in &self.dribbles {
                put(&mut index, &mut data, *t, v);
            }
            let mut blob = Vec::new();
            blob.extend_from_slice(&(index.len() as u32).to_be_bytes());
            blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
            for e in &index {
                for w in e {
                    blob.extend_from_slice(&w.to_be_bytes());
                }
            }
            blob.extend_from_slice(&data);
            blob
        }
    }
}

/// Test helper: writes Berkeley DB hash files the way libdb lays them out
/// (metadata page, two buckets, a chain of hash pages for bucket 0,
/// overflow chains for large values). Validated against libdb itself in
/// the cross-check tests (`rpm` with the `bdb_ro` backend reads it).
pub mod bdb {
    /// Page types `P_HASH` and `P_OVERFLOW`, and the first byte of a hash
    /// item that holds its value (`H_KEYDATA`) or names overflow pages
    /// (`H_OFFPAGE`).
    const P_HASH: u8 = 13;
    const P_OVERFLOW: u8 = 7;
    const H_KEYDATA: u8 = 1;
    const H_OFFPAGE: u8 = 3;

    /// Encoding options.
    #[derive(Clone, Copy)]
    pub struct Options {
        pub page_size: usize,
        pub big_endian: bool,
        pub checksum: bool,
    }

    impl Default for Options {
        fn default() -> Self {
            Options {
                page_size: 4096,
                big_endian: false,
                checksum: false,
            }
        }
    }

    enum Value<'a> {
        Inline(&'a [u8]),
        /// Index into the overflow allocation list.
        Offpage(usize),
    }

    /// A hash database holding `records` (key, value) in the given order.
    pub fn hash_db(records: &[(u32, Vec<u8>)], opt: Options) -> Vec<u8> {
        let ps = opt.page_size;
        // Items follow the 26-byte page header (`SIZEOF_PAGE`) and, with
        // checksums, the 6-byte `PG_CHKSUM` area.
        let items_at = if opt.checksum { 26 + 6 } else { 26 };
        let u16b = |v: u16| {
            if opt.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if opt.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        // libdb moves values bigger than about a quarter page off-page.
        let inline_max = (ps - items_at) / 4;
        let per_overflow_page = ps - items_at;

        // Lay out pairs on bucket-0 hash pages.
        let mut hash_pages: Vec<Vec<(Vec<u8>, Value)>> = vec![Vec::new()];
        let mut used = 0;
        let mut offpage = Vec::new();
        for (key, value) in records {
            let key_item = [&[H_KEYDATA][..], &u32b(*key)].concat();
            let v = if value.len() + 1 > inline_max {
                offpage.push(value.as_slice());
                Value::Offpage(offpage.len() - 1)
            } else {
                Value::Inline(value)
            };
            let size = key_item.len()
                + match v {
                    Value::Inline(b) => b.len() + 1,
                    // Type, 3 unused, first page number, total length.
                    Value::Offpage(_) => 12,
                }
                + 4;
            if used + size > ps - items_at {
                hash_pages.push(Vec::new());
                used = 0;
            }
            used += size;
            hash_pages.last_mut().unwrap().push((key_item, v));
        }
        // Page numbers: 0 meta, 1 bucket 0, 2 bucket 1 (empty), then the
        // rest of bucket 0's chain, then overflow pages.
        let chain: Vec<usize> = std::iter::once(1)
            .chain((0..hash_pages.len() - 1).map(|i| 3 + i))
            .collect();
        let mut next_free = 3 + hash_pages.len() - 1;
        let mut overflow_start = Vec::new();
        for v in &offpage {
            overflow_start.push(next_free);
            next_free += v.len().div_ceil(per_overflow_page).max(1);
        }
        let last_pgno = next_free - 1;
        let mut file = vec![0u8; ps * next_free];

        let header = |file: &mut Vec<u8>,
                      pgno: usize,
                      prev: usize,
                      next: usize,
                      entries: u16,
                      hf: u16,
                      ty: u8| {
            let p = &mut file[pgno * ps..(pgno + 1) * ps];
            p[8..12].copy_from_slice(&u32b(pgno as u32));
            p[12..16].copy_from_slice(&u32b(prev as u32));
            p[16..20].copy_from_slice(&u32b(next as u32));
            p[20..22].copy_from_slice(&u16b(entries));
            p[22..24].copy_from_slice(&u16b(hf));
            p[25] = ty;
        };

        // Metadata page.
        {
            let m = &mut file[..ps];
            m[8..12].copy_from_slice(&u32b(0));
            m[12..16].copy_from_slice(&u32b(0x0006_1561)); // hash magic
            m[16..20].copy_from_slice(&u32b(9));
            m[20..24].copy_from_slice(&u32b(ps as u32));
            m[25] = 8; // P_HASHMETA
            m[26] = u8::from(opt.checksum); // DBMETA_CHKSUM
            m[32..36].copy_from_slice(&u32b(last_pgno as u32));
            m[52..72].copy_from_slice(b"scangate-test-uid-00");
            m[72..76].copy_from_slice(&u32b(1)); // max_bucket
            m[76..80].copy_from_slice(&u32b(1)); // high_mask
            m[80..84].copy_from_slice(&u32b(0)); // low_mask
            m[88..92].copy_from_slice(&u32b(records.len() as u32)); // nelem
            m[92..96].copy_from_slice(&u32b(0x5e68_8dd1)); // hash("%$sniglet^&")
            m[96..100].copy_from_slice(&u32b(1)); // spares[0]
            m[100..104].copy_from_slice(&u32b(1)); // spares[1]
        }
        // Bucket 1: an empty hash page.
        header(&mut file, 2, 0, 0, 0, ps as u16, P_HASH);

        for (i, pairs) in hash_pages.iter().enumerate() {
            let pgno = chain[i];
            let prev = if i == 0 { 0 } else { chain[i - 1] };
            let next = chain.get(i + 1).copied().unwrap_or(0);
            let mut top = ps;
            let mut index = Vec::new();
            let p = pgno * ps;
            for (key_item, v) in pairs {
                top -= key_item.len();
                file[p + top..p + top + key_item.len()].copy_from_slice(key_item);
                index.push(top);
                let data_item = match v {
                    Value::Inline(b) => [&[H_KEYDATA][..], b].concat(),
                    Value::Offpage(n) => {
                        let mut it = vec![H_OFFPAGE, 0, 0, 0];
                        it.extend_from_slice(&u32b(overflow_start[*n] as u32));
                        it.extend_from_slice(&u32b(offpage[*n].len() as u32));
                        it
                    }
                };
                top -= data_item.len();
                file[p + top..p + top + data_item.len()].copy_from_slice(&data_item);
                index.push(top);
            }
            for (j, off) in index.iter().enumerate() {
                let at = p + items_at + 2 * j;
                file[at..at + 2].copy_from_slice(&u16b(*off as u16));
            }
            header(
                &mut file,
                pgno,
                prev,
                next,
                index.len() as u16,
                top as u16,
                P_HASH,
            );
        }

        for (n, value) in offpage.iter().enumerate() {
            let chunks: Vec<&[u8]> = value.chunks(per_overflow_page).collect();
            for (i, chunk) in chunks.iter().enumerate() {
                let pgno = overflow_start[n] + i;
                let prev = if i == 0 { 0 } else { pgno - 1 };
                let next = if i + 1 < chunks.len() { pgno + 1 } else { 0 };
                header(
                    &mut file,
                    pgno,
                    prev,
                    next,
                    1,
                    chunk.len() as u16,
                    P_OVERFLOW,
                );
                let at = pgno * ps + items_at;
                file[at..at + chunk.len()].copy_from_slice(chunk);
            }
        }
        file
    }
    /// A `Packages` file as rpm writes it: `blobs` as (header number,
    /// header blob), after record 0, rpm's counter of header numbers.
    pub fn packages_file(blobs: &[(u32, Vec<u8>)], opt: Options) -> Vec<u8> {
        let next = blobs.iter().map(|(i, _)| i + 1).max().unwrap_or(1);
        let counter = (0, next.to_le_bytes().to_vec());
        let records: Vec<_> = std::iter::once(counter)
            .chain(blobs.iter().cloned())
            .collect();
        hash_db(&records, opt)
    }
}

/// Test helper: writes an NDB `Packages.db` as rpm's `rpmpkgPut` would,
/// checksums included.
pub mod ndb {
    const PAGE_SIZE: usize = 4096;
    /// Slots are 16 bytes; the 32-byte file header takes the first two.
    const SLOT_SIZE: usize = 16;
    const HEADER_SLOTS: usize = 2;
    /// Blobs are stored in whole 16-byte blocks.
    const BLOCK_SIZE: usize = 16;

    /// The blob checksum (RFC 1950).
    pub fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    /// A database holding `blobs` as (package index, header blob). Slots
    /// are filled in order; `free_slots_first` free slots come before them.
    pub fn packages_db(blobs: &[(u32, Vec<u8>)], free_slots_first: usize) -> Vec<u8> {
        let slots_needed = HEADER_SLOTS + free_slots_first + blobs.len();
        let slot_pages = slots_needed.div_ceil(PAGE_SIZE / SLOT_SIZE).max(1);
        let mut file = vec![0u8; slot_pages * PAGE_SIZE];
        for slot in file.chunks_exact_mut(SLOT_SIZE) {
            slot[..4].copy_from_slice(b"Slot");
        }
        file[..HEADER_SLOTS * SLOT_SIZE].fill(0);
        file[..4].copy_from_slice(b"RpmP");
        file[4..8].copy_from_slice(&0u32.to_le_bytes());
        file[8..12].copy_from_slice(&7u32.to_le_bytes()); // generation
        file[12..16].copy_from_slice(&(slot_pages as u32).to_le_bytes());
        let next = blobs.iter().map(|(i, _)| i + 1).max().unwrap_or(1);
        file[16..20].copy_from_slice(&next.to_le_bytes());

        for (n, (pkg_index, blob)) in blobs.iter().enumerate() {
            let block_offset = file.len() / BLOCK_SIZE;
            let mut area = Vec::new();
            area.extend_from_slice(b"BlbS");
            area.extend_from_slice(&pkg_index.to_le_bytes());
            area.extend_from_slice(&1_700_000_000u32.to_le_bytes());
            area.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            area.extend_from_slice(blob);
            // Zero padding, so that the 12-byte tail ends a block.
            let tail_size = 12;
            let block_count = (area.len() + tail_size).div_ceil(BLOCK_SIZE);
            area.resize(block_count * BLOCK_SIZE - tail_size, 0);
            let sum = adler32(&area);
            area.extend_from_slice(&sum.to_le_bytes());
            area.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            area.extend_from_slice(b"BlbE");
            file.extend_from_slice(&area);

            let at = (HEADER_SLOTS + free_slots_first + n) * SLOT_SIZE;
            file[at + 4..at + 8].copy_from_slice(&pkg_index.to_le_bytes());
            file[at + 8..at + 12].copy_from_slice(&(block_offset as u32).to_le_bytes());
            file[at + 12..at + 16].copy_from_slice(&(block_count as u32).to_le_bytes());
        }
        file
    }
}

/// Test helper: writes an `rpmdb.sqlite` as rpm 4.16+ leaves it.
pub mod sqlite {
    use rusqlite::{Connection, MAIN_DB};

    /// A SQLite rpmdb with rpm's schema holding `blobs` as (hnum, blob),
    /// switched to WAL mode as rpm leaves it.
    pub fn rpmdb(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL,
                                FOREIGN KEY (hnum) REFERENCES Packages(hnum));",
        )
        .unwrap();
        for (hnum, blob) in blobs {
            conn.execute(
                "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
                rusqlite::params![hnum, blob],
            )
            .unwrap();
        }
        let mut bytes = conn.serialize(MAIN_DB).unwrap().to_vec();
        // What `PRAGMA journal_mode=WAL` writes into the header.
        bytes[18] = 2;
        bytes[19] = 2;
        bytes
    }
}
