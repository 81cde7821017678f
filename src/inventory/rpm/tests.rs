//! Tests of the analyzer over all three formats. Databases are built in
//! test code by the encoders of `tests/support/rpmdb.rs` (shared with the
//! end-to-end tests); the `crosscheck` module checks those encoders and
//! this parser against the real `rpm` and Berkeley DB tools.

use super::rpmdb::bdb::{hash_db, packages_file, Options};
use super::rpmdb::header::HeaderBuilder;
use super::rpmdb::ndb::{adler32, packages_db};
use super::rpmdb::sqlite::rpmdb;
use super::tag;
use super::*;
use crate::inventory::{Package, PackageAnalyzer};

/// Collects what a backend reports, for assertions on skips.
#[derive(Default)]
struct Recorder {
    headers: Vec<(i64, Vec<u8>)>,
    skips: Vec<String>,
}

impl RecordSink for Recorder {
    fn header(&mut self, id: i64, blob: &[u8]) {
        self.headers.push((id, blob.to_vec()));
    }
    fn skip(&mut self, reason: String) {
        self.skips.push(reason);
    }
}

fn pkg(
    name: &str,
    version: &str,
    source: (&str, &str),
    arch: Option<&str>,
    license: Option<&str>,
    label: Option<&str>,
) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        source_name: source.0.into(),
        source_version: source.1.into(),
        arch: arch.map(Into::into),
        licenses: license.into_iter().map(Into::into).collect(),
        modularity_label: label.map(Into::into),
        line: None,
        dev: false,
    }
}

/// Header blobs covering the interesting cases, keyed by header number,
/// and the packages they must produce.
fn sample() -> (Vec<(u32, Vec<u8>)>, Vec<Package>) {
    let blobs = vec![
        (
            1,
            HeaderBuilder::package("bash", None, "5.1.8", "6.el9")
                .string(tag::SOURCERPM, "bash-5.1.8-6.el9.src.rpm")
                .string(tag::LICENSE, "GPLv3+")
                .build(),
        ),
        (
            2,
            // Epoch, and dashes in the (source) name.
            HeaderBuilder::package("perl-IO-Socket-SSL", Some(4), "2.073", "2.el9")
                .string(tag::SOURCERPM, "perl-IO-Socket-SSL-2.073-2.el9.src.rpm")
                .string(tag::LICENSE, "(GPL+ or Artistic) and MPLv2.0")
                .build(),
        ),
        (
            3,
            // Imported signing key: listed as rpm lists it, with no arch
            // and no source package.
            HeaderBuilder::new()
                .string(tag::NAME, "gpg-pubkey")
                .string(tag::VERSION, "fd431d51")
                .string(tag::RELEASE, "4ae0493b")
                .build(),
        ),
        (
            4,
            // Modular package whose binary name differs from the source.
            HeaderBuilder::package(
                "nodejs-libs",
                Some(1),
                "18.14.2",
                "2.module+el8.7.0+18113+9c1b8b4e",
            )
            .string(
                tag::SOURCERPM,
                "nodejs-18.14.2-2.module+el8.7.0+18113+9c1b8b4e.src.rpm",
            )
            .string(tag::LICENSE, "MIT")
            .string(tag::MODULARITYLABEL, "nodejs:18:8070020230306:9c1b8b4e")
            .build(),
        ),
        (
            5,
            // Explicit epoch 0 is printed, like rpm does.
            HeaderBuilder::package("tzdata", Some(0), "2023c", "1.el9")
                .string(tag::SOURCERPM, "tzdata-2023c-1.el9.src.rpm")
                .build(),
        ),
        (
            6,
            // No SOURCERPM: source defaults to the binary.
            HeaderBuilder::package("local-tool", None, "0.1", "1")
                .remove(tag::ARCH)
                .build(),
        ),
        (
            7,
            // Large header (real ones are 2–500 KB with file lists): spans
            // several overflow pages.
            HeaderBuilder::package("big", None, "1.0", "1")
                .string(tag::SOURCERPM, "big-1.0-1.src.rpm")
                .bin(1146, &[0xab; 9000])
                .build(),
        ),
    ];
    let expected = vec![
        pkg(
            "bash",
            "5.1.8-6.el9",
            ("bash", "5.1.8-6.el9"),
            Some("x86_64"),
            Some("GPLv3+"),
            None,
        ),
        pkg(
            "perl-IO-Socket-SSL",
            "4:2.073-2.el9",
            ("perl-IO-Socket-SSL", "4:2.073-2.el9"),
            Some("x86_64"),
            Some("(GPL+ or Artistic) and MPLv2.0"),
            None,
        ),
        pkg(
            "gpg-pubkey",
            "fd431d51-4ae0493b",
            ("gpg-pubkey", "fd431d51-4ae0493b"),
            None,
            None,
            None,
        ),
        pkg(
            "nodejs-libs",
            "1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e",
            ("nodejs", "1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e"),
            Some("x86_64"),
            Some("MIT"),
            Some("nodejs:18:8070020230306:9c1b8b4e"),
        ),
        pkg(
            "tzdata",
            "0:2023c-1.el9",
            ("tzdata", "0:2023c-1.el9"),
            Some("x86_64"),
            None,
            None,
        ),
        pkg(
            "local-tool",
            "0.1-1",
            ("local-tool", "0.1-1"),
            None,
            None,
            None,
        ),
        pkg("big", "1.0-1", ("big", "1.0-1"), Some("x86_64"), None, None),
    ];
    (blobs, expected)
}

fn sorted(mut v: Vec<Package>) -> Vec<Package> {
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn parse(path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
    RpmAnalyzer.parse(path, content)
}

fn sqlite_sample() -> Vec<u8> {
    let (blobs, _) = sample();
    rpmdb(&blobs)
}

fn bdb_sample(opt: Options) -> Vec<u8> {
    let (blobs, _) = sample();
    // With rpm's header-number counter as record 0.
    packages_file(&blobs, opt)
}

fn ndb_sample() -> Vec<u8> {
    let (blobs, _) = sample();
    packages_db(&blobs, 3)
}

// ---------------------------------------------------------------- formats

#[test]
fn wants_every_rpmdb_location() {
    let wants = RpmAnalyzer.wants();
    for p in [
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "var/lib/rpm/Packages",
        "usr/lib/sysimage/rpm/Packages",
        "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/Packages.db",
    ] {
        assert!(wants.iter().any(|w| w.matches(p)), "{p} not wanted");
    }
    assert!(!wants.iter().any(|w| w.matches("var/lib/rpm/Name")));
}

#[test]
fn reads_sqlite() {
    let (_, expected) = sample();
    let got = parse("var/lib/rpm/rpmdb.sqlite", &sqlite_sample()).unwrap();
    // Rows come in hnum order.
    assert_eq!(got, expected);
}

#[test]
fn reads_sqlite_in_rollback_journal_mode() {
    let mut db = sqlite_sample();
    db[18] = 1;
    db[19] = 1;
    let (_, expected) = sample();
    assert_eq!(parse("rpmdb.sqlite", &db).unwrap(), expected);
}

#[test]
fn reads_bdb_in_both_byte_orders_page_sizes_and_with_checksums() {
    let (_, expected) = sample();
    for page_size in [512, 4096, 65536] {
        for big_endian in [false, true] {
            for checksum in [false, true] {
                let opt = Options {
                    page_size,
                    big_endian,
                    checksum,
                };
                let got = parse("var/lib/rpm/Packages", &bdb_sample(opt)).unwrap();
                assert_eq!(
                    sorted(got),
                    sorted(expected.clone()),
                    "page size {page_size}, big endian {big_endian}, checksum {checksum}"
                );
            }
        }
    }
}

#[test]
fn bdb_small_values_stay_on_the_hash_page() {
    // A tiny header fits inline (H_KEYDATA) rather than off-page.
    let blob = HeaderBuilder::package("tiny", None, "1", "1")
        .remove(tag::ARCH)
        .without_region()
        .build();
    assert!(blob.len() < 4096 / 4 - 30);
    let db = hash_db(&[(1, blob)], Options::default());
    let got = parse("Packages", &db).unwrap();
    assert_eq!(
        got,
        vec![pkg("tiny", "1-1", ("tiny", "1-1"), None, None, None)]
    );
}

#[test]
fn reads_ndb() {
    let (_, expected) = sample();
    let got = parse("usr/lib/sysimage/rpm/Packages.db", &ndb_sample()).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn ndb_with_several_slot_pages() {
    // 300 packages need two slot pages (255 + 256 slots).
    let blobs: Vec<(u32, Vec<u8>)> = (1..=300)
        .map(|i| {
            (
                i,
                HeaderBuilder::package(&format!("p{i}"), None, "1", "1").build(),
            )
        })
        .collect();
    let got = parse("Packages.db", &packages_db(&blobs, 0)).unwrap();
    assert_eq!(got.len(), 300);
    assert_eq!(got[299].name, "p300");
}

#[test]
fn format_is_chosen_by_content_not_name() {
    let (_, expected) = sample();
    // A SQLite database under the BDB name, and the reverse.
    assert_eq!(
        parse("var/lib/rpm/Packages", &sqlite_sample()).unwrap(),
        expected
    );
    let got = parse("var/lib/rpm/rpmdb.sqlite", &ndb_sample()).unwrap();
    assert_eq!(got, expected);
}

// ----------------------------------------------------------- semantics

#[test]
fn source_rpm_names() {
    assert_eq!(
        split_source_rpm("glibc-2.34-60.el9.src.rpm"),
        Some(("glibc", "2.34", "60.el9"))
    );
    assert_eq!(
        split_source_rpm("python-setuptools-wheel-53.0.0-12.el9.src.rpm"),
        Some(("python-setuptools-wheel", "53.0.0", "12.el9"))
    );
    assert_eq!(
        split_source_rpm("firmware-1-1.nosrc.rpm"),
        Some(("firmware", "1", "1"))
    );
    for bad in [
        "",
        "(none)",
        "glibc-2.34-60.el9.src",
        "glibc.src.rpm",
        "glibc-2.34.src.rpm",
        "-1-1.src.rpm",
        "a--1.src.rpm",
    ] {
        assert_eq!(split_source_rpm(bad), None, "{bad:?}");
    }
}

#[test]
fn malformed_source_rpm_falls_back_to_binary() {
    let blob = HeaderBuilder::package("odd", Some(2), "1", "1")
        .string(tag::SOURCERPM, "garbage")
        .build();
    let p = package_from_header(&blob).unwrap();
    assert_eq!(
        (p.source_name.as_str(), p.source_version.as_str()),
        ("odd", "2:1-1")
    );
}

#[test]
fn required_tags() {
    for missing in [tag::NAME, tag::VERSION, tag::RELEASE] {
        let blob = HeaderBuilder::package("x", None, "1", "1")
            .remove(missing)
            .build();
        let e = package_from_header(&blob).unwrap_err();
        assert!(e.to_string().starts_with("no "), "{e}");
    }
    let blob = HeaderBuilder::package("", None, "1", "1").build();
    assert!(package_from_header(&blob).is_err());
}

// ------------------------------------------------ damage is contained

/// A database with one good package, one blob that is not a header and one
/// header without a name must give the good package only.
fn damaged_blobs() -> Vec<(u32, Vec<u8>)> {
    let good = HeaderBuilder::package("good", None, "1", "1")
        .string(tag::SOURCERPM, "good-1-1.src.rpm")
        .build();
    let mut truncated = HeaderBuilder::package("cut", None, "1", "1").build();
    truncated.truncate(truncated.len() - 10);
    let nameless = HeaderBuilder::package("x", None, "1", "1")
        .remove(tag::NAME)
        .build();
    vec![(1, truncated), (2, good), (3, nameless)]
}

fn assert_only_good(got: Vec<Package>) {
    let names: Vec<_> = got.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["good"]);
}

#[test]
fn corrupt_entries_are_skipped_in_every_format() {
    let blobs = damaged_blobs();
    assert_only_good(parse("rpmdb.sqlite", &rpmdb(&blobs)).unwrap());
    assert_only_good(parse("Packages", &hash_db(&blobs, Options::default())).unwrap());
    assert_only_good(parse("Packages.db", &packages_db(&blobs, 0)).unwrap());
}

#[test]
fn sqlite_row_that_is_not_a_blob_is_skipped() {
    let db = {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
             INSERT INTO Packages VALUES (1, 'text'), (2, NULL);",
        )
        .unwrap();
        let good = HeaderBuilder::package("good", None, "1", "1").build();
        conn.execute("INSERT INTO Packages VALUES (3, ?1)", [good])
            .unwrap();
        conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
    };
    let mut rec = Recorder::default();
    sqlite::read(&db, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 1);
    assert_eq!(rec.skips.len(), 2, "{:?}", rec.skips);
    assert!(rec.skips[0].contains("hnum 1"), "{:?}", rec.skips);
}

#[test]
fn sqlite_without_packages_table_is_an_error() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE t (x); CREATE VIEW Packages AS SELECT 1 AS hnum, x'00' AS blob;",
    )
    .unwrap();
    let db = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    let e = parse("rpmdb.sqlite", &db).unwrap_err();
    assert!(e.to_string().contains("no Packages table"), "{e}");
}

#[test]
fn bdb_counter_record_is_silent_and_bad_chains_lose_one_record() {
    let a = HeaderBuilder::package("a", None, "1", "1")
        .bin(1146, &[1; 3000])
        .build();
    let b = HeaderBuilder::package("b", None, "1", "1")
        .bin(1146, &[2; 3000])
        .build();
    let opt = Options {
        page_size: 1024,
        ..Options::default()
    };
    let mut db = hash_db(&[(0, vec![0; 4]), (1, a), (2, b)], opt);
    let mut rec = Recorder::default();
    bdb::read(&db, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 2);
    assert!(rec.skips.is_empty(), "{:?}", rec.skips);

    // Make the first overflow page of record 1 point to itself: a loop.
    // Pages: 0 meta, 1 bucket 0, 2 bucket 1, 3.. overflow of record 1.
    let ps = 1024;
    db[3 * ps + 16..3 * ps + 20].copy_from_slice(&3u32.to_le_bytes());
    let mut rec = Recorder::default();
    bdb::read(&db, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 1, "{:?}", rec.skips);
    assert_eq!(rec.skips.len(), 1);
    assert!(rec.skips[0].starts_with("record 1 "), "{:?}", rec.skips);
    assert!(rec.skips[0].contains("already used"), "{:?}", rec.skips);
}

#[test]
fn bdb_truncated_file_keeps_the_records_it_has() {
    let opt = Options {
        page_size: 512,
        ..Options::default()
    };
    let blobs: Vec<(u32, Vec<u8>)> = (1..=3)
        .map(|i| {
            (
                i,
                HeaderBuilder::package(&format!("p{i}"), None, "1", "1").build(),
            )
        })
        .collect();
    let db = hash_db(&blobs, opt);
    // Drop the last overflow page: the last record's chain breaks.
    let cut = &db[..db.len() - 512];
    let mut rec = Recorder::default();
    bdb::read(cut, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 2);
    assert!(
        rec.skips.iter().any(|s| s.contains("file truncated")),
        "{:?}",
        rec.skips
    );
    assert!(
        rec.skips.iter().any(|s| s.starts_with("record 3 ")),
        "{:?}",
        rec.skips
    );
}

#[test]
fn ndb_free_and_damaged_slots() {
    let good = HeaderBuilder::package("good", None, "1", "1").build();
    let other = HeaderBuilder::package("other", None, "1", "1").build();
    let mut db = packages_db(&[(5, good), (9, other)], 2);
    // Slot numbers: 0–1 header, 2–3 free, 4 = package 5, 5 = package 9.
    // Point package 9's slot beyond the end of the file.
    db[5 * 16 + 8..5 * 16 + 12].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let mut rec = Recorder::default();
    ndb::read(&db, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 1);
    assert_eq!(rec.headers[0].0, 5);
    assert_eq!(rec.skips.len(), 1, "{:?}", rec.skips);

    // A blob whose head names another package is not trusted.
    let good = HeaderBuilder::package("good", None, "1", "1").build();
    let mut db = packages_db(&[(5, good)], 0);
    db[4096 + 4..4096 + 8].copy_from_slice(&6u32.to_le_bytes());
    let mut rec = Recorder::default();
    ndb::read(&db, &mut rec).unwrap();
    assert!(rec.headers.is_empty());
    assert!(rec.skips[0].contains("another package"), "{:?}", rec.skips);
}

#[test]
fn ndb_slots_sharing_one_blob_parse_it_once() {
    // The hostile case of issue 18: every slot points at the same blob.
    // 100k slots (25 slot pages, 1.6 MB); before, each parsed the header.
    const SLOTS: usize = 100_000;
    let big = HeaderBuilder::package("big", None, "1", "1").build();
    let mut db = packages_db(&[(1, big)], 0);
    let slot_pages = (SLOTS + 2).div_ceil(256);
    let blob = db.split_off(4096);
    let first = db[32..48].to_vec();
    let mut slots = vec![0u8; slot_pages * 4096];
    for free in slots.chunks_exact_mut(16) {
        free[..4].copy_from_slice(b"Slot");
    }
    slots[..32].copy_from_slice(&db[..32]);
    slots[12..16].copy_from_slice(&(slot_pages as u32).to_le_bytes());
    let shift = ((slot_pages - 1) * 4096 / 16) as u32;
    for n in 0..SLOTS {
        let at = 32 + n * 16;
        slots[at..at + 16].copy_from_slice(&first);
        let offset = u32::from_le_bytes(first[8..12].try_into().unwrap()) + shift;
        slots[at + 8..at + 12].copy_from_slice(&offset.to_le_bytes());
    }
    slots.extend_from_slice(&blob);
    let mut rec = Recorder::default();
    ndb::read(&slots, &mut rec).unwrap();
    assert_eq!(rec.headers.len(), 1);
    assert_eq!(rec.skips.len(), 1, "{:?}", rec.skips);
    assert!(rec.skips[0].starts_with("99999 slots point into another"));
}

// ----------------------------------------------------- not a database

#[test]
fn non_databases_are_errors_with_a_clear_message() {
    let cases: [(&[u8], &str); 5] = [
        (b"", "empty file"),
        (b"hello, world\n", "not an rpm database"),
        (b"SQLite format 3\0", "truncated"),
        (b"RpmP\0\0\0\0", "truncated"),
        (&[0; 4096], "not an rpm database"),
    ];
    for (content, message) in cases {
        let e = parse("var/lib/rpm/Packages", content).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("var/lib/rpm/Packages: "), "{text}");
        assert!(text.contains(message), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}

#[test]
fn other_berkeley_db_kinds_are_named() {
    let mut db = vec![0u8; 4096];
    db[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes()); // btree
    let e = parse("var/lib/rpm/Packages", &db).unwrap_err();
    assert!(e.to_string().contains("not a hash database"), "{e}");
}

#[test]
fn ndb_encoder_checksum_is_adler32() {
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
}

#[test]
fn ndb_claiming_more_slot_pages_than_it_has_is_an_error() {
    let mut db = ndb_sample();
    db[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = parse("Packages.db", &db).unwrap_err();
    assert!(e.to_string().contains("slot pages"), "{e}");
}

// ------------------------------------------------------------- fuzzing

/// xorshift64*: deterministic, dependency-free randomness for mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Parsing must return (Ok or Err) for every mutation, never panic. The
/// test harness turns a panic into a failure, so just running is the check.
fn mutate_and_parse(path: &str, valid: &[u8], seed: u64, rounds: usize) {
    let mut rng = Rng(seed);
    // Every truncation near the start and the end, and a spread between.
    let step = (valid.len() / 200).max(1);
    let lens = (0..valid.len().min(64))
        .chain((0..valid.len()).step_by(step))
        .chain(valid.len().saturating_sub(64)..valid.len());
    for len in lens {
        let _ = parse(path, &valid[..len]);
    }
    let mut buf = valid.to_vec();
    for _ in 0..rounds {
        buf.copy_from_slice(valid);
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(buf.len());
            match rng.below(3) {
                0 => buf[at] ^= 1 << rng.below(8),
                1 => buf[at] = 0xff,
                _ => buf[at] = 0,
            }
        }
        let _ = parse(path, &buf);
    }
}

#[test]
fn header_blob_survives_every_truncation_and_byte_flip() {
    let (blobs, _) = sample();
    for (_, blob) in blobs.iter().filter(|(_, b)| b.len() < 2000) {
        for len in 0..=blob.len() {
            let _ = package_from_header(&blob[..len]);
        }
        let mut buf = blob.clone();
        for at in 0..buf.len() {
            for flip in [0x01, 0x80, 0xff] {
                buf[at] ^= flip;
                let _ = package_from_header(&buf);
                buf[at] ^= flip;
            }
        }
    }
}

#[test]
fn ndb_survives_mutation() {
    mutate_and_parse("Packages.db", &ndb_sample(), 0x5eed_0001, 3000);
}

#[test]
fn bdb_survives_mutation() {
    for (seed, opt) in [
        (
            0x5eed_0002,
            Options {
                page_size: 512,
                ..Options::default()
            },
        ),
        (
            0x5eed_0003,
            Options {
                page_size: 1024,
                big_endian: true,
                checksum: true,
            },
        ),
    ] {
        mutate_and_parse("Packages", &bdb_sample(opt), seed, 3000);
    }
}

#[test]
fn sqlite_survives_mutation() {
    mutate_and_parse("rpmdb.sqlite", &sqlite_sample(), 0x5eed_0004, 1000);
}

#[test]
fn mutated_blobs_inside_valid_databases_never_panic() {
    // Damage confined to one header, with the container intact: exercises
    // the header decoder through each backend and the skip path.
    let (blobs, _) = sample();
    let mut rng = Rng(0x5eed_0005);
    for _ in 0..300 {
        let mut blobs = blobs.clone();
        let victim = rng.below(blobs.len());
        let b = &mut blobs[victim].1;
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(b.len().min(400));
            b[at] = rng.next() as u8;
        }
        for (path, db) in [
            ("rpmdb.sqlite", rpmdb(&blobs)),
            ("Packages", hash_db(&blobs, Options::default())),
            ("Packages.db", packages_db(&blobs, 0)),
        ] {
            let got = parse(path, &db).unwrap();
            // Only the victim can be lost (or altered).
            assert!(got.len() >= 5, "{path}: {}", got.len());
        }
    }
}
