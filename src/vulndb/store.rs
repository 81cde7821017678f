//! [`VulnDb`]: opening the database file and reading it.
//! Writing is [`super::import`].

use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::osv::{Affected, Package, Record};
use super::schema::{self, db_error, SCHEMA_VERSION};
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};

/// An advisory as [`VulnDb::affecting`] returns it: the whole OSV record,
/// except that `affected` holds only the entries for the package asked
/// about (in record order). [`VulnDb::record`] gives all entries.
pub type Advisory = Record;

/// The vulnerability database: one SQLite file (see [`super::schema`]).
pub struct VulnDb {
    pub(crate) conn: Connection,
    /// For error messages; `:memory:` for an in-memory database.
    pub(crate) path: String,
}

/// The updater's bookkeeping for one source. `source` is the updater's key,
/// normally an ecosystem base (`Debian`) whose bulk export was fetched.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SourceState {
    pub source: String,
    /// The HTTP `ETag` of the last download.
    pub etag: Option<String>,
    /// The HTTP `Last-Modified` of the last download, as sent.
    pub last_modified: Option<String>,
    /// When it was fetched, seconds since the Unix epoch.
    pub fetched_at: Option<i64>,
    /// How many records the import of it stored.
    pub records: u64,
    /// The ecosystems (releases) kept by a filtered import; empty = all.
    pub ecosystems: Vec<String>,
}

/// Advisories per exact ecosystem string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcosystemCount {
    pub ecosystem: String,
    /// Advisories with at least one entry for this ecosystem (withdrawn
    /// ones included).
    pub advisories: u64,
    /// Distinct (normalised) package names.
    pub packages: u64,
}

/// What is in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    pub path: String,
    pub schema_version: i32,
    pub advisories: u64,
    pub withdrawn: u64,
    pub ecosystems: Vec<EcosystemCount>,
    pub sources: Vec<SourceState>,
    /// When the last import committed, seconds since the Unix epoch.
    pub last_import: Option<i64>,
    /// The newest `modified` of any advisory: how fresh the data is.
    pub newest_modified: Option<String>,
}

/// The name under which OSV files a package of `ecosystem` (see
/// [`Base::package_key`]); names of ecosystems scangate does not know are
/// compared exactly as written.
pub fn normalize_package_name<'a>(ecosystem: &str, name: &'a str) -> Cow<'a, str> {
    match ecosystem.parse::<Ecosystem>() {
        Ok(eco) => eco.base.package_key(name),
        Err(_) => Cow::Borrowed(name),
    }
}

const ADVISORY_COLUMNS: &str = "v.pk, v.id, v.modified, v.published, v.withdrawn, \
    v.schema_version, v.summary, v.details, v.aliases, v.upstream, v.related, v.severity, \
    v.refs, v.credits, v.database_specific";
const N_ADVISORY_COLUMNS: usize = 15;
const AFFECTED_COLUMNS: &str = "a.ordinal, a.ecosystem, a.name, a.purl, a.severity, a.ranges, \
    a.versions, a.ecosystem_specific, a.database_specific";

/// The hot query: every live advisory with an entry for (ecosystem, package).
pub(crate) fn affecting_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {ADVISORY_COLUMNS}, {AFFECTED_COLUMNS}
         FROM affected a JOIN advisories v ON v.pk = a.advisory
         WHERE a.ecosystem = ?1 AND a.package = ?2 AND v.withdrawn IS NULL
         ORDER BY v.id, a.ordinal"
        )
    });
    &SQL
}

impl VulnDb {
    /// Opens (creating if needed, with parent directories) the database at
    /// `path` for reading and writing. A database of another schema version
    /// is rebuilt empty; a file that is not scangate's database is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<VulnDb> {
        let p = path.as_ref();
        let shown = p.display().to_string();
        if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent.display(), e))?;
        }
        let mut conn = Connection::open_with_flags(p, schema::open_flags(false))
            .map_err(|e| db_error(&shown, e))?;
        schema::configure(&conn, &shown)?;
        schema::ensure(&mut conn, &shown)?;
        Ok(VulnDb { conn, path: shown })
    }

    /// Opens an existing database for reading only (a cache on a read-only
    /// mount). It must have the current schema: it cannot be rebuilt.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<VulnDb> {
        let p = path.as_ref();
        let shown = p.display().to_string();
        if let Err(e) = std::fs::metadata(p) {
            return Err(Error::io(&shown, e));
        }
        let conn = Connection::open_with_flags(p, schema::open_flags(true))
            .map_err(|e| db_error(&shown, e))?;
        schema::configure(&conn, &shown)?;
        schema::check(&conn, &shown)?;
        Ok(VulnDb { conn, path: shown })
    }

    /// A fresh database in memory (tests, one-off imports).
    pub fn open_in_memory() -> Result<VulnDb> {
        let shown = ":memory:".to_string();
        let mut conn = Connection::open_in_memory().map_err(|e| db_error(&shown, e))?;
        schema::configure(&conn, &shown)?;
        schema::ensure(&mut conn, &shown)?;
        Ok(VulnDb { conn, path: shown })
    }

    /// The path the database was opened from, as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn err(&self, e: impl std::fmt::Display) -> Error {
        db_error(&self.path, e)
    }

    /// Every advisory, not withdrawn, with an `affected[]` entry for exactly
    /// this ecosystem (`Debian:12` does not find `Debian:11` or `Debian`
    /// entries) and package name (normalised as OSV does for the ecosystem).
    /// Sorted by id; each advisory's `affected` holds only the matching
    /// entries.
    pub fn affecting(&self, ecosystem: &Ecosystem, package: &str) -> Result<Vec<Advisory>> {
        let eco = ecosystem.to_string();
        let name = normalize_package_name(&eco, package);
        let mut st = self
            .conn
            .prepare_cached(affecting_sql())
            .map_err(|e| self.err(e))?;
        let mut rows = st
            .query(params![eco, name.as_ref()])
            .map_err(|e| self.err(e))?;
        let mut out: Vec<Advisory> = Vec::new();
        let mut last_pk = None;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let pk: i64 = row.get(0).map_err(|e| self.err(e))?;
            if last_pk != Some(pk) {
                out.push(self.advisory_from_row(row)?);
                last_pk = Some(pk);
            }
            let entry = self.affected_from_row(row, N_ADVISORY_COLUMNS)?;
            if let Some(adv) = out.last_mut() {
                adv.affected.push(entry);
            }
        }
        Ok(out)
    }

    /// The stored record with this id, with all its stored `affected[]`
    /// entries; withdrawn records too.
    pub fn record(&self, id: &str) -> Result<Option<Record>> {
        let sql = format!("SELECT {ADVISORY_COLUMNS} FROM advisories v WHERE v.id = ?1");
        let found = {
            let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
            let mut rows = st.query([id]).map_err(|e| self.err(e))?;
            match rows.next().map_err(|e| self.err(e))? {
                Some(row) => Some((
                    row.get::<_, i64>(0).map_err(|e| self.err(e))?,
                    self.advisory_from_row(row)?,
                )),
                None => None,
            }
        };
        let Some((pk, mut record)) = found else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {AFFECTED_COLUMNS} FROM affected a WHERE a.advisory = ?1 ORDER BY a.ordinal"
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut rows = st.query([pk]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            record.affected.push(self.affected_from_row(row, 0)?);
        }
        Ok(Some(record))
    }

    /// Counts, sources and freshness.
    pub fn info(&self) -> Result<DbInfo> {
        let c = &self.conn;
        let count = |sql: &str| -> Result<u64> {
            c.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(|e| self.err(e))
        };
        let advisories = count("SELECT count(*) FROM advisories")?;
        let withdrawn = count("SELECT count(*) FROM advisories WHERE withdrawn IS NOT NULL")?;
        let ecosystems = {
            let mut st = c
                .prepare(
                    "SELECT ecosystem, count(DISTINCT advisory), count(DISTINCT package)
                     FROM affected WHERE ecosystem IS NOT NULL
                     GROUP BY ecosystem ORDER BY ecosystem",
                )
                .map_err(|e| self.err(e))?;
            let rows = st
                .query_map([], |r| {
                    Ok(EcosystemCount {
                        ecosystem: r.get(0)?,
                        advisories: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        packages: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    })
                })
                .map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| self.err(e))?
        };
        let sources = {
            let mut st = c
                .prepare(&format!("{SOURCE_SELECT} ORDER BY source"))
                .map_err(|e| self.err(e))?;
            let rows = st.query_map([], source_from_row).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| self.err(e))?
        };
        let last_import = c
            .query_row(
                "SELECT value FROM meta WHERE key = 'last_import'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .and_then(|s| s.parse().ok());
        let newest_modified = c
            .query_row(
                "SELECT modified FROM advisories WHERE modified_ns IS NOT NULL
                 ORDER BY modified_ns DESC LIMIT 1",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        Ok(DbInfo {
            path: self.path.clone(),
            schema_version: SCHEMA_VERSION,
            advisories,
            withdrawn,
            ecosystems,
            sources,
            last_import,
            newest_modified,
        })
    }

    /// The updater's bookkeeping for `source`, if it ever set any.
    pub fn get_source_state(&self, source: &str) -> Result<Option<SourceState>> {
        self.conn
            .query_row(
                &format!("{SOURCE_SELECT} WHERE source = ?1"),
                [source],
                source_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records (replaces) the bookkeeping for `state.source`. To record it
    /// atomically with an import, use [`super::Importer::set_source_state`].
    pub fn set_source_state(&mut self, state: &SourceState) -> Result<()> {
        write_source_state(&self.conn, &self.path, state)
    }

    /// Forgets the bookkeeping for `source` (its records stay).
    pub fn remove_source_state(&mut self, source: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sources WHERE source = ?1", [source])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The advisory columns ([`ADVISORY_COLUMNS`] order) as a record with no
    /// `affected` entries yet.
    fn advisory_from_row(&self, row: &Row<'_>) -> Result<Record> {
        let id: String = self.col(row, 1)?;
        let ctx = |what: &str| format!("advisory {id}: {what}");
        Ok(Record {
            modified: self.col(row, 2)?,
            published: self.col(row, 3)?,
            withdrawn: self.col(row, 4)?,
            schema_version: self.col(row, 5)?,
            summary: self.col(row, 6)?,
            details: self.col(row, 7)?,
            aliases: self.decode(self.col(row, 8)?, || ctx("aliases"))?,
            upstream: self.decode(self.col(row, 9)?, || ctx("upstream"))?,
            related: self.decode(self.col(row, 10)?, || ctx("related"))?,
            severity: self.decode(self.col(row, 11)?, || ctx("severity"))?,
            references: self.decode(self.col(row, 12)?, || ctx("references"))?,
            credits: self.decode(self.col(row, 13)?, || ctx("credits"))?,
            database_specific: self.decode(self.col(row, 14)?, || ctx("database_specific"))?,
            affected: Vec::new(),
            id,
        })
    }

    /// The affected columns ([`AFFECTED_COLUMNS`] order) from column `at`.
    fn affected_from_row(&self, row: &Row<'_>, at: usize) -> Result<Affected> {
        let ordinal: i64 = self.col(row, at)?;
        let ctx = |what: &str| format!("affected entry {ordinal}: {what}");
        let ecosystem: Option<String> = self.col(row, at + 1)?;
        let name: Option<String> = self.col(row, at + 2)?;
        let purl: Option<String> = self.col(row, at + 3)?;
        let package = match (ecosystem, name) {
            (Some(ecosystem), Some(name)) => Some(Package {
                ecosystem,
                name,
                purl,
            }),
            _ => None,
        };
        Ok(Affected {
            package,
            severity: self.decode(self.col(row, at + 4)?, || ctx("severity"))?,
            ranges: self.decode(self.col(row, at + 5)?, || ctx("ranges"))?,
            versions: self.decode(self.col(row, at + 6)?, || ctx("versions"))?,
            ecosystem_specific: self
                .decode(self.col(row, at + 7)?, || ctx("ecosystem_specific"))?,
            database_specific: self.decode(self.col(row, at + 8)?, || ctx("database_specific"))?,
        })
    }

    fn col<T: rusqlite::types::FromSql>(&self, row: &Row<'_>, i: usize) -> Result<T> {
        row.get(i).map_err(|e| self.err(e))
    }

    /// A JSON column; `NULL` is the type's default (empty list, `None`).
    fn decode<T: DeserializeOwned + Default>(
        &self,
        text: Option<String>,
        what: impl FnOnce() -> String,
    ) -> Result<T> {
        match text {
            None => Ok(T::default()),
            Some(t) => serde_json::from_str(&t).map_err(|e| self.err(format!("{}: {e}", what()))),
        }
    }
}

const SOURCE_SELECT: &str =
    "SELECT source, etag, last_modified, fetched_at, records, ecosystems FROM sources";

fn source_from_row(r: &Row<'_>) -> rusqlite::Result<SourceState> {
    let ecosystems: Option<String> = r.get(5)?;
    Ok(SourceState {
        source: r.get(0)?,
        etag: r.get(1)?,
        last_modified: r.get(2)?,
        fetched_at: r.get(3)?,
        records: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
        // Written by us from a Vec<String>; unreadable means "unknown".
        ecosystems: ecosystems
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
    })
}

pub(crate) fn write_source_state(conn: &Connection, path: &str, s: &SourceState) -> Result<()> {
    let ecosystems = if s.ecosystems.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&s.ecosystems).map_err(|e| db_error(path, e))?)
    };
    conn.execute(
        "INSERT OR REPLACE INTO sources (source, etag, last_modified, fetched_at, records, ecosystems)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            s.source,
            s.etag,
            s.last_modified,
            s.fetched_at,
            i64::try_from(s.records).unwrap_or(i64::MAX),
            ecosystems
        ],
    )
    .map(|_| ())
    .map_err(|e| db_error(path, e))
}
