//! The SQLite schema and its versioning.
//!
//! The file is marked as scangate's with `PRAGMA application_id` and carries
//! its layout in `PRAGMA user_version`. A file of ours with another layout
//! (older or newer scangate) is a cache, not a store of record: it is
//! dropped and recreated empty, and the next update refills it. A file that
//! is somebody else's SQLite database, or no database at all, is refused,
//! never overwritten.
//!
//! Layout (version 1):
//!
//! - `advisories`: one row per OSV id, the record's top-level fields; lists
//!   and objects as JSON text (`NULL` when absent or empty). `modified_ns`
//!   is `modified` as nanoseconds since the epoch, for "which is newer".
//! - `affected`: one row per kept `affected[]` entry, keyed by (advisory,
//!   position in the record). `ecosystem` is the exact OSV string
//!   (`Debian:12`), `ecosystem_base` the part before `:`, `package` the name
//!   normalised for lookup (PEP 503 for PyPI), `name` the name as written.
//!   Index `affected_package (ecosystem, package)` serves the one hot query.
//! - `sources`: the updater's bookkeeping per source (etag, fetch time…).
//! - `meta`: key/value (`last_import`, seconds since the epoch).

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Bump on any change to the DDL below, or to how the `package` column is
/// keyed (`Base::package_key`): older files are rebuilt. 2: NuGet ids
/// lowercased.
pub const SCHEMA_VERSION: i32 = 2;

/// `PRAGMA application_id` of scangate's vulnerability database ("SGVD").
pub const APPLICATION_ID: i32 = 0x5347_5644;

const DDL: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sources (
    source        TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    INTEGER,
    records       INTEGER NOT NULL DEFAULT 0,
    ecosystems    TEXT
) WITHOUT ROWID;

CREATE TABLE advisories (
    pk                INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    modified          TEXT,
    modified_ns       INTEGER,
    published         TEXT,
    withdrawn         TEXT,
    schema_version    TEXT,
    summary           TEXT,
    details           TEXT,
    aliases           TEXT,
    upstream          TEXT,
    related           TEXT,
    severity          TEXT,
    refs              TEXT,
    credits           TEXT,
    database_specific TEXT
);

CREATE TABLE affected (
    advisory           INTEGER NOT NULL,
    ordinal            INTEGER NOT NULL,
    ecosystem          TEXT,
    ecosystem_base     TEXT,
    package            TEXT,
    name               TEXT,
    purl               TEXT,
    severity           TEXT,
    ranges             TEXT,
    versions           TEXT,
    ecosystem_specific TEXT,
    database_specific  TEXT,
    PRIMARY KEY (advisory, ordinal)
) WITHOUT ROWID;

CREATE INDEX affected_package ON affected (ecosystem, package);
";

pub(crate) fn db_error(path: &str, e: impl std::fmt::Display) -> Error {
    Error::input(path, format!("vulnerability database: {e}"))
}

/// Connection settings for every open.
pub(crate) fn configure(conn: &Connection, path: &str) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| db_error(path, e))?;
    // 32 MiB of page cache: index inserts during a large import stay in memory.
    conn.execute_batch("PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;")
        .map_err(|e| db_error(path, e))
}

struct Header {
    application_id: i32,
    user_version: i32,
    objects: i64,
}

fn header(conn: &Connection, path: &str) -> Result<Header> {
    // The first read of the file: "file is not a database" shows here.
    let read = || -> rusqlite::Result<Header> {
        Ok(Header {
            application_id: conn.query_row("PRAGMA application_id", [], |r| r.get(0))?,
            user_version: conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
            objects: conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )?,
        })
    };
    read().map_err(|e| db_error(path, e))
}

fn not_ours(path: &str, application_id: i32) -> Error {
    Error::input(
        path,
        format!(
            "not a scangate vulnerability database (SQLite application_id {application_id:#x}); \
             refusing to overwrite it"
        ),
    )
}

/// Makes an opened read-write file hold the current schema: creates it in
/// an empty file, rebuilds it in one of ours with another version.
pub(crate) fn ensure(conn: &mut Connection, path: &str) -> Result<()> {
    let h = header(conn, path)?;
    if h.objects == 0 {
        if h.application_id != 0 && h.application_id != APPLICATION_ID {
            return Err(not_ours(path, h.application_id));
        }
        return create(conn, path, &[]);
    }
    if h.application_id != APPLICATION_ID {
        return Err(not_ours(path, h.application_id));
    }
    if h.user_version == SCHEMA_VERSION {
        return Ok(());
    }
    tracing::warn!(
        "{path}: vulnerability database has schema version {}, this scangate uses {SCHEMA_VERSION}: \
         rebuilding it empty",
        h.user_version
    );
    let objects = {
        let mut st = conn
            .prepare(
                "SELECT type, name FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'view', 'trigger')",
            )
            .map_err(|e| db_error(path, e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| db_error(path, e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| db_error(path, e))?
    };
    create(conn, path, &objects)?;
    // Give the old data's pages back to the file system.
    conn.execute_batch("VACUUM").map_err(|e| db_error(path, e))
}

/// Drops `objects` (type, name) and creates the current schema, in one
/// transaction.
fn create(conn: &mut Connection, path: &str, objects: &[(String, String)]) -> Result<()> {
    let tx = conn.transaction().map_err(|e| db_error(path, e))?;
    // Triggers and views first: they depend on tables.
    for kind in ["trigger", "view", "table"] {
        for (_, name) in objects.iter().filter(|(t, _)| t == kind) {
            let sql = format!(
                "DROP {} IF EXISTS \"{}\"",
                kind.to_uppercase(),
                name.replace('"', "\"\"")
            );
            tx.execute_batch(&sql).map_err(|e| db_error(path, e))?;
        }
    }
    tx.execute_batch(DDL).map_err(|e| db_error(path, e))?;
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
    ))
    .map_err(|e| db_error(path, e))?;
    tx.commit().map_err(|e| db_error(path, e))
}

/// Checks a file opened read-only: it must be ours and current, since it
/// cannot be rebuilt.
pub(crate) fn check(conn: &Connection, path: &str) -> Result<()> {
    let h = header(conn, path)?;
    if h.application_id != APPLICATION_ID {
        return Err(if h.objects == 0 {
            Error::input(path, "vulnerability database is empty: update it first")
        } else {
            not_ours(path, h.application_id)
        });
    }
    if h.user_version != SCHEMA_VERSION {
        return Err(Error::input(
            path,
            format!(
                "vulnerability database has schema version {}, this scangate reads {SCHEMA_VERSION}: \
                 update it",
                h.user_version
            ),
        ));
    }
    Ok(())
}

pub(crate) fn open_flags(read_only: bool) -> OpenFlags {
    let base = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if read_only {
        base | OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        base | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    }
}
