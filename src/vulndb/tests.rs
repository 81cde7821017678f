//! The database end to end: import, query, versioning.

use std::fs;

use rusqlite::Connection;
use serde_json::json;

use super::schema::{APPLICATION_ID, SCHEMA_VERSION};
use super::testutil::{full_record_json, record, record_json, zip_bytes, zip_stored};
use super::*;
use crate::ecosystem::Ecosystem;
use crate::error::Error;

fn eco(s: &str) -> Ecosystem {
    s.parse().expect("ecosystem")
}

fn ids(advisories: &[Advisory]) -> Vec<&str> {
    advisories.iter().map(|a| a.id.as_str()).collect()
}

fn write_json(path: &std::path::Path, v: &serde_json::Value) {
    fs::write(path, serde_json::to_vec(v).expect("json")).expect("write");
}

#[test]
fn a_full_record_round_trips_and_queries_return_only_matching_entries() {
    let mut db = VulnDb::open_in_memory().unwrap();
    let original: Record = serde_json::from_value(full_record_json()).unwrap();
    let stats = db.import_records([original.clone()]).unwrap();
    assert_eq!(stats.imported, 1);

    let back = db.record("DEBIAN-CVE-2024-0001").unwrap().unwrap();
    assert_eq!(back, original);
    assert_eq!(serde_json::to_value(&back).unwrap(), full_record_json());

    let found = db.affecting(&eco("Debian:11"), "openssl").unwrap();
    assert_eq!(ids(&found), ["DEBIAN-CVE-2024-0001"]);
    assert_eq!(found[0].affected, vec![original.affected[1].clone()]);
    assert_eq!(found[0].aliases, original.aliases);
    assert_eq!(found[0].severity, original.severity);

    let found = db.affecting(&eco("Debian:12"), "openssl").unwrap();
    assert_eq!(found[0].affected, vec![original.affected[0].clone()]);
    assert!(db.affecting(&eco("Debian"), "openssl").unwrap().is_empty());
    assert!(db
        .affecting(&eco("Debian:12"), "OpenSSL")
        .unwrap()
        .is_empty());
    assert!(db.record("nope").unwrap().is_none());
}

#[test]
fn the_package_query_uses_the_index() {
    let db = VulnDb::open_in_memory().unwrap();
    let sql = store::affecting_sql();
    let mut st = db
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    let plan: Vec<String> = st
        .query_map(["Debian:12", "openssl"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("USING INDEX affected_package (ecosystem=? AND package=?)"),
        "{plan}"
    );
    assert!(!plan.contains("SCAN a"), "{plan}");
}

#[test]
fn pypi_names_are_pep503_normalised_both_ways() {
    assert_eq!(
        normalize_package_name("PyPI", "Foo__Bar.-baz"),
        "foo-bar-baz"
    );
    assert_eq!(normalize_package_name("npm", "Foo_Bar"), "Foo_Bar");
    let mut db = VulnDb::open_in_memory().unwrap();
    db.import_records([record(
        "PYSEC-1",
        "2024-01-01T00:00:00Z",
        &[("PyPI", "Foo_Bar.baz")],
    )])
    .unwrap();
    for query in ["foo-bar-baz", "FOO__bar-Baz", "foo.bar_baz"] {
        assert_eq!(
            ids(&db.affecting(&eco("PyPI"), query).unwrap()),
            ["PYSEC-1"]
        );
    }
    let back = db.record("PYSEC-1").unwrap().unwrap();
    assert_eq!(
        back.affected[0].package.as_ref().unwrap().name,
        "Foo_Bar.baz"
    );
}

#[test]
fn reimport_keeps_the_newest_modified() {
    let mut db = VulnDb::open_in_memory().unwrap();
    let v1 = record("CVE-1", "2024-01-01T00:00:00Z", &[("Debian:12", "a")]);
    let older = record("CVE-1", "2023-12-31T23:59:59.999Z", &[("Debian:12", "old")]);
    // Later in time, though it sorts before v1 as a string.
    let v2 = record("CVE-1", "2024-01-01T00:00:00.5Z", &[("Debian:12", "b")]);

    assert_eq!(db.import_records([v1.clone()]).unwrap().imported, 1);
    let again = db.import_records([v1.clone()]).unwrap();
    assert_eq!((again.imported, again.unchanged), (0, 1));
    let stale = db.import_records([older]).unwrap();
    assert_eq!(stale.stale, 1);
    assert_eq!(db.record("CVE-1").unwrap().unwrap(), v1);
    assert!(db.affecting(&eco("Debian:12"), "old").unwrap().is_empty());

    let newer = db.import_records([v2.clone()]).unwrap();
    assert_eq!(newer.replaced, 1);
    assert_eq!(db.record("CVE-1").unwrap().unwrap(), v2);
    assert!(db.affecting(&eco("Debian:12"), "a").unwrap().is_empty());
    assert_eq!(
        ids(&db.affecting(&eco("Debian:12"), "b").unwrap()),
        ["CVE-1"]
    );
    assert_eq!(db.info().unwrap().advisories, 1);

    // Within one import too: the order of the input does not matter.
    let mut db = VulnDb::open_in_memory().unwrap();
    let s = db.import_records([v2.clone(), v1]).unwrap();
    assert_eq!((s.imported, s.stale), (1, 1));
    assert_eq!(db.record("CVE-1").unwrap().unwrap(), v2);
}

#[test]
fn withdrawn_records_are_stored_but_not_returned_for_matching() {
    let mut db = VulnDb::open_in_memory().unwrap();
    let live = record("GHSA-1", "2024-01-01T00:00:00Z", &[("npm", "left-pad")]);
    db.import_records([live]).unwrap();
    assert_eq!(db.affecting(&eco("npm"), "left-pad").unwrap().len(), 1);

    let mut retracted = record_json("GHSA-1", "2024-02-01T00:00:00Z", &[("npm", "left-pad")]);
    retracted["withdrawn"] = json!("2024-02-01T00:00:00Z");
    db.import_records([serde_json::from_value(retracted).unwrap()])
        .unwrap();
    assert!(db.affecting(&eco("npm"), "left-pad").unwrap().is_empty());
    let stored = db.record("GHSA-1").unwrap().unwrap();
    assert_eq!(stored.withdrawn.as_deref(), Some("2024-02-01T00:00:00Z"));
    assert_eq!(db.info().unwrap().withdrawn, 1);
}

#[test]
fn unknown_ecosystems_and_records_without_packages_are_kept() {
    let mut db = VulnDb::open_in_memory().unwrap();
    let gentoo = record(
        "GLSA-1",
        "2024-01-01T00:00:00Z",
        &[("Gentoo", "dev-libs/openssl")],
    );
    let bare: Record = serde_json::from_value(json!({"id": "OSV-GIT-1"})).unwrap();
    let s = db.import_records([gentoo.clone(), bare.clone()]).unwrap();
    assert_eq!(s.imported, 2);
    assert_eq!(db.record("GLSA-1").unwrap().unwrap(), gentoo);
    assert_eq!(db.record("OSV-GIT-1").unwrap().unwrap(), bare);
    let info = db.info().unwrap();
    assert!(info.ecosystems.iter().any(|e| e.ecosystem == "Gentoo"));
}

#[test]
fn a_malformed_file_is_skipped_and_the_others_imported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    write_json(
        &root.join("a.json"),
        &record_json("A-1", "2024-01-01T00:00:00Z", &[("Alpine:v3.19", "musl")]),
    );
    write_json(
        &root.join("sub/array.JSON"),
        &json!([
            record_json("B-1", "2024-01-01T00:00:00Z", &[("npm", "x")]),
            {"id": 5, "modified": "2024-01-01T00:00:00Z"},
            record_json("B-3", "2024-01-01T00:00:00Z", &[("npm", "y")]),
        ]),
    );
    fs::write(root.join("sub/deeper/broken.json"), b"{\"id\": \"C-1\", ").unwrap();
    fs::write(root.join("empty.json"), b"").unwrap();
    fs::write(root.join("notes.txt"), b"not json, not looked at").unwrap();
    // A single file given by path, with a byte-order mark.
    let single = root.join("single-record");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&record_json("D-1", "2024-01-01T00:00:00Z", &[])).unwrap());
    fs::write(&single, bytes).unwrap();

    let outside = tempfile::tempdir().unwrap();
    let db_path = outside.path().join("cache/db.sqlite");
    let mut db = VulnDb::open(&db_path).unwrap();
    let stats = db
        .import_paths(&[root.to_path_buf(), single.clone()])
        .unwrap();
    // a.json, B-1, B-3 and D-1 twice (the directory walk ignores the
    // extension-less file; the explicit path reads it).
    assert_eq!((stats.imported, stats.skipped), (4, 3), "{stats:?}");
    for id in ["A-1", "B-1", "B-3", "D-1"] {
        assert!(db.record(id).unwrap().is_some(), "{id}");
    }

    // A path that does not exist ends the import, and nothing of it lands.
    let before = db.info().unwrap().advisories;
    fs::write(
        root.join("e.json"),
        serde_json::to_vec(&record_json("E-1", "2024-01-01T00:00:00Z", &[])).unwrap(),
    )
    .unwrap();
    let err = db
        .import_paths(&[root.join("e.json"), root.join("missing.json")])
        .unwrap_err();
    assert!(
        matches!(err, Error::Io { ref path, .. } if path.ends_with("missing.json")),
        "{err}"
    );
    assert_eq!(db.info().unwrap().advisories, before);
}

#[test]
fn a_zip_with_bad_entries_imports_the_good_ones() {
    let good1 = serde_json::to_vec(&record_json(
        "Z-1",
        "2024-01-01T00:00:00Z",
        &[("Debian:12", "zlib")],
    ))
    .unwrap();
    let good2 = serde_json::to_vec(&record_json(
        "Z-2",
        "2024-01-01T00:00:00Z",
        &[("Debian:12", "zlib")],
    ))
    .unwrap();
    let array =
        serde_json::to_vec(&json!([record_json("Z-3", "2024-01-01T00:00:00Z", &[])])).unwrap();
    let zip = zip_bytes(&[
        ("Z-1.json", &good1),
        ("bad.json", b"{\"id\": \"Z-BAD\""),
        ("no-id.json", b"{\"modified\": \"2024-01-01T00:00:00Z\"}"),
        ("folder/", b""),
        ("README.md", b"ignored"),
        ("folder/Z-2.json", &good2),
        ("arr.json", &array),
    ]);
    let dir = tempfile::tempdir().unwrap();
    // Recognised by content: a downloaded temp file has no extension.
    let path = dir.path().join("download.tmp");
    fs::write(&path, &zip).unwrap();
    let mut db = VulnDb::open_in_memory().unwrap();
    let s = db.import_paths(&[&path]).unwrap();
    assert_eq!((s.imported, s.skipped), (3, 2), "{s:?}");
    assert_eq!(
        ids(&db.affecting(&eco("Debian:12"), "zlib").unwrap()),
        ["Z-1", "Z-2"]
    );

    // An entry whose bytes do not match its checksum.
    let content = br#"{"id": "CRC-1", "modified": "2024-01-01T00:00:00Z"}"#;
    let mut zip = zip_stored(&[("c.json", content), ("Z-1.json", &good1)]);
    let at = zip
        .windows(5)
        .position(|w| w == b"CRC-1")
        .expect("stored content");
    zip[at + 4] = b'2';
    let mut db = VulnDb::open_in_memory().unwrap();
    let mut im = db.importer().unwrap();
    im.zip(std::io::Cursor::new(zip), "corrupt.zip").unwrap();
    let s = im.commit().unwrap();
    assert_eq!((s.imported, s.skipped), (1, 1), "{s:?}");
    assert!(db.record("CRC-2").unwrap().is_none());

    // A zip whose directory is gone is an error, not a silent empty import.
    let full = zip_bytes(&[("Z-1.json", &good1)]);
    let truncated = dir.path().join("truncated.zip");
    fs::write(&truncated, &full[..full.len() - 30]).unwrap();
    let mut db = VulnDb::open_in_memory().unwrap();
    let err = db.import_paths(&[&path, &truncated]).unwrap_err();
    assert!(matches!(err, Error::Input { .. }), "{err}");
    assert_eq!(db.info().unwrap().advisories, 0, "rolled back");
}

#[test]
fn a_filtered_import_keeps_only_the_wanted_releases() {
    let both = record_json(
        "DEBIAN-CVE-1",
        "2024-01-01T00:00:00Z",
        &[("Debian:11", "curl"), ("Debian:12", "curl")],
    );
    let only11 = record_json(
        "DEBIAN-CVE-2",
        "2024-01-01T00:00:00Z",
        &[("Debian:11", "curl")],
    );
    let zip = zip_bytes(&[
        ("DEBIAN-CVE-1.json", &serde_json::to_vec(&both).unwrap()),
        ("DEBIAN-CVE-2.json", &serde_json::to_vec(&only11).unwrap()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.zip");
    fs::write(&path, zip).unwrap();

    let mut db = VulnDb::open_in_memory().unwrap();
    let s = db
        .import_paths_filtered(&[&path], |e| e == "Debian:12")
        .unwrap();
    assert_eq!((s.imported, s.filtered), (1, 1), "{s:?}");
    assert_eq!(
        ids(&db.affecting(&eco("Debian:12"), "curl").unwrap()),
        ["DEBIAN-CVE-1"]
    );
    assert!(db.affecting(&eco("Debian:11"), "curl").unwrap().is_empty());
    let stored = db.record("DEBIAN-CVE-1").unwrap().unwrap();
    assert_eq!(stored.affected.len(), 1);

    // Adding a release later: same `modified`, the missing entries join in.
    let s = db
        .import_paths_filtered(&[&path], |e| e == "Debian:11")
        .unwrap();
    assert_eq!((s.imported, s.unchanged), (1, 1), "{s:?}");
    assert_eq!(
        ids(&db.affecting(&eco("Debian:11"), "curl").unwrap()),
        ["DEBIAN-CVE-1", "DEBIAN-CVE-2"]
    );
    let merged = db.record("DEBIAN-CVE-1").unwrap().unwrap();
    assert_eq!(merged, serde_json::from_value::<Record>(both).unwrap());
    let info = db.info().unwrap();
    let counts: Vec<(&str, u64)> = info
        .ecosystems
        .iter()
        .map(|e| (e.ecosystem.as_str(), e.advisories))
        .collect();
    assert_eq!(counts, [("Debian:11", 2), ("Debian:12", 1)]);
}

#[test]
fn source_state_is_kept_and_can_land_with_an_import() {
    let mut db = VulnDb::open_in_memory().unwrap();
    assert_eq!(db.get_source_state("Debian").unwrap(), None);
    let state = SourceState {
        source: "Debian".into(),
        etag: Some("\"abc\"".into()),
        last_modified: Some("Tue, 01 Oct 2024 00:00:00 GMT".into()),
        fetched_at: Some(1_727_740_800),
        records: 2,
        ecosystems: vec!["Debian:12".into()],
    };
    let mut im = db.importer().unwrap().keep_only(|e| e == "Debian:12");
    im.record(record("D-1", "2024-01-01T00:00:00Z", &[("Debian:12", "a")]))
        .unwrap();
    im.set_source_state(&state).unwrap();
    im.commit().unwrap();
    assert_eq!(db.get_source_state("Debian").unwrap(), Some(state.clone()));

    // Dropped without commit: neither the records nor the state land.
    let mut im = db.importer().unwrap();
    im.record(record("D-2", "2024-01-01T00:00:00Z", &[]))
        .unwrap();
    im.set_source_state(&SourceState {
        source: "Alpine".into(),
        ..SourceState::default()
    })
    .unwrap();
    drop(im);
    assert!(db.record("D-2").unwrap().is_none());
    assert_eq!(db.get_source_state("Alpine").unwrap(), None);

    let updated = SourceState {
        etag: None,
        records: 3,
        ..state
    };
    db.set_source_state(&updated).unwrap();
    let info = db.info().unwrap();
    assert_eq!(info.sources, vec![updated]);
    assert_eq!(info.schema_version, SCHEMA_VERSION);
    assert_eq!(
        info.newest_modified.as_deref(),
        Some("2024-01-01T00:00:00Z")
    );
    assert!(info.last_import.is_some());
    db.remove_source_state("Debian").unwrap();
    assert!(db.info().unwrap().sources.is_empty());
}

#[test]
fn another_schema_version_is_rebuilt_never_misread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    {
        let mut db = VulnDb::open(&path).unwrap();
        db.import_records([record("X-1", "2024-01-01T00:00:00Z", &[("npm", "x")])])
            .unwrap();
    }
    // The same file reopened: data kept.
    assert!(VulnDb::open(&path)
        .unwrap()
        .record("X-1")
        .unwrap()
        .is_some());
    assert!(VulnDb::open_read_only(&path)
        .unwrap()
        .record("X-1")
        .unwrap()
        .is_some());

    for other_version in [SCHEMA_VERSION + 1, 0] {
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(&format!(
                "PRAGMA user_version = {other_version};
                 CREATE TABLE IF NOT EXISTS legacy (x); CREATE VIEW IF NOT EXISTS legacy_v AS SELECT x FROM legacy;"
            ))
            .unwrap();
        }
        let err = VulnDb::open_read_only(&path).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("schema version"), "{err}");

        let db = VulnDb::open(&path).unwrap();
        assert_eq!(db.info().unwrap().advisories, 0);
        let c = Connection::open(&path).unwrap();
        let v: i32 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let legacy: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'legacy%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(legacy, 0);
        drop(db);
        VulnDb::open(&path)
            .unwrap()
            .import_records([record("X-1", "2024-01-01T00:00:00Z", &[])])
            .unwrap();
    }
}

#[test]
fn files_that_are_not_our_database_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("app.sqlite");
    {
        let c = Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE precious (x); INSERT INTO precious VALUES (1);")
            .unwrap();
    }
    let err = VulnDb::open(&foreign).map(|_| ()).unwrap_err();
    assert!(matches!(err, Error::Input { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("not a scangate vulnerability database"),
        "{err}"
    );
    let c = Connection::open(&foreign).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM precious", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let id: i32 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_ne!(id, APPLICATION_ID);

    let text = dir.path().join("notes.txt");
    fs::write(&text, "this is not a database, just some text of reasonable length .....................................").unwrap();
    let err = VulnDb::open(&text).map(|_| ()).unwrap_err();
    assert!(
        matches!(err, Error::Input { ref path, .. } if path.ends_with("notes.txt")),
        "{err}"
    );

    let err = VulnDb::open_read_only(dir.path().join("absent.sqlite"))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");

    // A directory where the database should be.
    let err = VulnDb::open(dir.path()).map(|_| ()).unwrap_err();
    assert_eq!(err.exit_code(), crate::error::EXIT_SCAN_FAILED, "{err}");
}

/// Collects what `tracing` prints.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn warnings_name_the_file_the_entry_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("osv.zip");
    fs::write(&zip_path, zip_bytes(&[("GHSA-bad.json", b"{\"id\": 1}")])).unwrap();
    let json_path = dir.path().join("broken.json");
    fs::write(
        &json_path,
        b"[{\"id\": \"OK-1\"}, {\"summary\": \"no id\"}]",
    )
    .unwrap();

    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let mut db = VulnDb::open_in_memory().unwrap();
    let stats = tracing::subscriber::with_default(subscriber, || {
        db.import_paths(&[&zip_path, &json_path]).unwrap()
    });
    assert_eq!((stats.imported, stats.skipped), (1, 2));
    let log = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let zip_line = format!(
        "skipping {}: GHSA-bad.json: invalid type: integer",
        zip_path.display()
    );
    let json_line = format!(
        "skipping {}: record #1: missing field `id`",
        json_path.display()
    );
    assert!(log.contains(&zip_line), "{log}");
    assert!(log.contains(&json_line), "{log}");
}
