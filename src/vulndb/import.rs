//! Importing OSV records: from records in memory, `.json` files (one record
//! or an array of records), directories of them, and OSV's bulk `all.zip`
//! exports (read entry by entry, never extracted).
//!
//! Rules:
//! - One import is one transaction: it lands whole or not at all.
//! - Same id: the copy with the newest `modified` wins. An older copy is
//!   ignored (`stale`); an equal one changes nothing (`unchanged`) except
//!   that `affected[]` entries a filtered import left out earlier are added.
//! - Withdrawn records are stored like any other, so that a newer withdrawn
//!   copy retracts an older live one; [`VulnDb::affecting`] leaves them out.
//! - Tolerance: a file, zip entry or array element that is not an OSV
//!   record is skipped with a warning naming it and why; the import goes
//!   on. A path that cannot be opened at all, a zip whose directory cannot
//!   be read, and any database failure end the import (rolled back).
//! - A filter ([`Importer::keep_only`]) keeps only the `affected[]` entries
//!   whose ecosystem string it accepts; a record with none kept is not
//!   stored (`filtered`) unless an older copy of it is already stored. When
//!   a newer copy replaces a stored one, its kept entries replace all the
//!   stored entries: an updater that keeps several releases of one source
//!   passes a filter accepting all of them.

use std::cmp::Ordering;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::osv::{Affected, Record};
use super::schema::db_error;
use super::store::{normalize_package_name, write_source_state, SourceState, VulnDb};
use super::time::{now_unix, parse_rfc3339};
use crate::error::{Error, Result};

/// A zip entry larger than this is not an OSV record (the largest real ones
/// are a few MiB); it is skipped rather than read into memory.
pub const MAX_ZIP_ENTRY_BYTES: u64 = 64 << 20;

/// What an import did, record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    /// Ids not stored before.
    pub imported: u64,
    /// Stored records replaced by a newer `modified`.
    pub replaced: u64,
    /// Same `modified` as the stored copy.
    pub unchanged: u64,
    /// Older than the stored copy: ignored.
    pub stale: u64,
    /// No `affected[]` entry kept by the filter: not stored.
    pub filtered: u64,
    /// Files, zip entries or records that could not be read as OSV records
    /// (each one warned about).
    pub skipped: u64,
}

impl ImportStats {
    /// Records read successfully, whatever became of them.
    pub fn records(&self) -> u64 {
        self.imported + self.replaced + self.unchanged + self.stale + self.filtered
    }
}

impl std::ops::AddAssign for ImportStats {
    fn add_assign(&mut self, o: ImportStats) {
        self.imported += o.imported;
        self.replaced += o.replaced;
        self.unchanged += o.unchanged;
        self.stale += o.stale;
        self.filtered += o.filtered;
        self.skipped += o.skipped;
    }
}

type Keep<'a> = Box<dyn Fn(&str) -> bool + 'a>;

/// One import in progress: one transaction. Feed it records, files or zips,
/// then [`Importer::commit`]; dropped without committing, nothing changes.
pub struct Importer<'db> {
    tx: Transaction<'db>,
    db_path: &'db str,
    keep: Option<Keep<'db>>,
    stats: ImportStats,
    buf: Vec<u8>,
}

impl VulnDb {
    /// Starts an import (a transaction).
    pub fn importer(&mut self) -> Result<Importer<'_>> {
        let VulnDb { conn, path } = self;
        let tx = conn.transaction().map_err(|e| db_error(path, e))?;
        Ok(Importer {
            tx,
            db_path: path,
            keep: None,
            stats: ImportStats::default(),
            buf: Vec::new(),
        })
    }

    /// Imports records already in memory.
    pub fn import_records(
        &mut self,
        records: impl IntoIterator<Item = Record>,
    ) -> Result<ImportStats> {
        let mut im = self.importer()?;
        for r in records {
            im.record(r)?;
        }
        im.commit()
    }

    /// Imports `.json` files, directories (every `*.json` below them) and
    /// zip archives, in one transaction.
    pub fn import_paths<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<ImportStats> {
        let mut im = self.importer()?;
        for p in paths {
            im.path(p.as_ref())?;
        }
        im.commit()
    }

    /// [`VulnDb::import_paths`], keeping only the `affected[]` entries whose
    /// ecosystem string (`Debian:12`) `keep` accepts.
    pub fn import_paths_filtered<P: AsRef<Path>>(
        &mut self,
        paths: &[P],
        keep: impl Fn(&str) -> bool,
    ) -> Result<ImportStats> {
        let mut im = self.importer()?.keep_only(keep);
        for p in paths {
            im.path(p.as_ref())?;
        }
        im.commit()
    }
}

/// Where a record came from, for warnings: a file, a zip entry, an array
/// element.
struct Origin<'a> {
    file: &'a str,
    entry: Option<&'a str>,
    index: Option<usize>,
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file)?;
        if let Some(e) = self.entry {
            write!(f, ": {e}")?;
        }
        if let Some(i) = self.index {
            write!(f, ": record #{i}")?;
        }
        Ok(())
    }
}

impl<'db> Importer<'db> {
    /// Keeps only the `affected[]` entries whose ecosystem string `keep`
    /// accepts (entries without a package are dropped).
    pub fn keep_only(mut self, keep: impl Fn(&str) -> bool + 'db) -> Self {
        self.keep = Some(Box::new(keep));
        self
    }

    /// The counts so far.
    pub fn stats(&self) -> ImportStats {
        self.stats
    }

    /// Commits the import and stamps the database's `last_import` time.
    pub fn commit(self) -> Result<ImportStats> {
        let path = self.db_path;
        self.tx
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_import', ?1)",
                [now_unix().to_string()],
            )
            .map_err(|e| db_error(path, e))?;
        self.tx.commit().map_err(|e| db_error(path, e))?;
        Ok(self.stats)
    }

    /// Records the updater's bookkeeping in this transaction, so it lands
    /// together with the records it describes.
    pub fn set_source_state(&mut self, state: &SourceState) -> Result<()> {
        write_source_state(&self.tx, self.db_path, state)
    }

    /// Imports a path: a directory (every `*.json` below it, recursively,
    /// in name order; symlinked directories are not followed), a zip
    /// archive (recognised by its signature, whatever its name), or else a
    /// JSON file.
    pub fn path(&mut self, path: &Path) -> Result<()> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, e))?;
        if meta.is_dir() {
            return self.dir(path);
        }
        let mut file = File::open(path).map_err(|e| Error::io(&shown, e))?;
        let mut magic = [0u8; 4];
        let n = read_up_to(&mut file, &mut magic).map_err(|e| Error::io(&shown, e))?;
        if n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06") {
            file.rewind().map_err(|e| Error::io(&shown, e))?;
            return self.zip(BufReader::new(file), &shown);
        }
        let mut bytes = magic[..n].to_vec();
        if let Err(e) = file.read_to_end(&mut bytes) {
            return self.skip(&shown, e);
        }
        self.json_bytes(&bytes, &shown, None)
    }

    fn dir(&mut self, dir: &Path) -> Result<()> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            let entries = match std::fs::read_dir(&d) {
                Ok(e) => e,
                Err(e) => {
                    self.skip(&d.display().to_string(), e)?;
                    continue;
                }
            };
            for entry in entries {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        self.skip(&d.display().to_string(), e)?;
                        continue;
                    }
                };
                let p = entry.path();
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir {
                    pending.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        for f in files {
            let shown = f.display().to_string();
            match std::fs::read(&f) {
                Ok(bytes) => self.json_bytes(&bytes, &shown, None)?,
                Err(e) => self.skip(&shown, e)?,
            }
        }
        Ok(())
    }

    /// Imports every `*.json` entry of a zip archive (OSV's `all.zip`: one
    /// record per entry). `label` names the archive in messages.
    pub fn zip<R: Read + Seek>(&mut self, reader: R, label: &str) -> Result<()> {
        let mut archive = zip::ZipArchive::new(reader)
            .map_err(|e| Error::input(label, format!("not a readable zip archive: {e}")))?;
        let mut buf = std::mem::take(&mut self.buf);
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.skip(&format!("{label}: entry #{i}"), e)?;
                    continue;
                }
            };
            let name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(_) => format!("entry #{i}"),
            };
            if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
                continue;
            }
            if entry.size() > MAX_ZIP_ENTRY_BYTES {
                let why = format!("{} bytes, more than a record can be", entry.size());
                self.skip(&format!("{label}: {name}"), why)?;
                continue;
            }
            buf.clear();
            // The size in the header is the entry's word; the limit holds
            // against a lying one too.
            let read = (&mut entry)
                .take(MAX_ZIP_ENTRY_BYTES + 1)
                .read_to_end(&mut buf);
            drop(entry);
            match read {
                Err(e) => self.skip(&format!("{label}: {name}"), e)?,
                Ok(_) if buf.len() as u64 > MAX_ZIP_ENTRY_BYTES => {
                    self.skip(&format!("{label}: {name}"), "entry too large")?
                }
                Ok(_) => self.json_bytes(&buf, label, Some(&name))?,
            }
        }
        self.buf = buf;
        Ok(())
    }

    /// One JSON document: a record, or an array of records.
    fn json_bytes(&mut self, bytes: &[u8], file: &str, entry: Option<&str>) -> Result<()> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let origin = Origin {
            file,
            entry,
            index: None,
        };
        let is_array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        if !is_array {
            return match serde_json::from_slice::<Record>(bytes) {
                Ok(r) => self.store(r, &origin),
                Err(e) => self.skip(&origin, e),
            };
        }
        let values = match serde_json::from_slice::<Vec<serde_json::Value>>(bytes) {
            Ok(v) => v,
            Err(e) => return self.skip(&origin, e),
        };
        for (i, v) in values.into_iter().enumerate() {
            let origin = Origin {
                index: Some(i),
                ..origin
            };
            match serde_json::from_value::<Record>(v) {
                Ok(r) => self.store(r, &origin)?,
                Err(e) => self.skip(&origin, e)?,
            }
        }
        Ok(())
    }

    fn skip(&mut self, what: &dyn fmt::Display, why: impl fmt::Display) -> Result<()> {
        tracing::warn!("skipping {what}: {why}");
        self.stats.skipped += 1;
        Ok(())
    }

    /// Imports one record.
    pub fn record(&mut self, record: Record) -> Result<()> {
        let origin = Origin {
            file: "record",
            entry: Some(&record.id),
            index: None,
        }
        .to_string();
        self.store(record, &origin)
    }

    fn store(&mut self, rec: Record, origin: &dyn fmt::Display) -> Result<()> {
        if rec.id.trim().is_empty() {
            return self.skip(origin, "empty id");
        }
        let kept: Vec<(usize, &Affected)> = rec
            .affected
            .iter()
            .enumerate()
            .filter(|(_, a)| match (&self.keep, &a.package) {
                (None, _) => true,
                (Some(keep), Some(p)) => keep(&p.ecosystem),
                (Some(_), None) => false,
            })
            .collect();
        let new_key = rec.modified.as_deref().and_then(parse_rfc3339);
        let path = self.db_path;
        let err = |e: rusqlite::Error| db_error(path, e);
        let stored: Option<(i64, Option<i64>, Option<String>)> = self
            .tx
            .prepare_cached("SELECT pk, modified_ns, modified FROM advisories WHERE id = ?1")
            .map_err(err)?
            .query_row([&rec.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(err)?;
        let Some((pk, old_key, old_modified)) = stored else {
            if self.keep.is_some() && kept.is_empty() {
                self.stats.filtered += 1;
                return Ok(());
            }
            let pk = self.write_advisory(&rec, new_key, None)?;
            self.write_affected(pk, &kept)?;
            self.stats.imported += 1;
            return Ok(());
        };
        let order = match (new_key, old_key) {
            (Some(n), Some(o)) => n.cmp(&o),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) if rec.modified == old_modified => Ordering::Equal,
            // Neither readable and they differ: the later import wins.
            (None, None) => Ordering::Greater,
        };
        match order {
            Ordering::Greater => {
                self.write_advisory(&rec, new_key, Some(pk))?;
                self.tx
                    .prepare_cached("DELETE FROM affected WHERE advisory = ?1")
                    .map_err(err)?
                    .execute([pk])
                    .map_err(err)?;
                self.write_affected(pk, &kept)?;
                self.stats.replaced += 1;
            }
            Ordering::Equal => {
                self.write_affected(pk, &kept)?;
                self.stats.unchanged += 1;
            }
            Ordering::Less => self.stats.stale += 1,
        }
        Ok(())
    }

    /// Inserts the advisory row (or overwrites row `pk`); returns its pk.
    fn write_advisory(&self, r: &Record, modified_ns: Option<i64>, pk: Option<i64>) -> Result<i64> {
        let path = self.db_path;
        let err = |e: rusqlite::Error| db_error(path, e);
        let values = params![
            pk,
            r.id,
            r.modified,
            modified_ns,
            r.published,
            r.withdrawn,
            r.schema_version,
            r.summary,
            r.details,
            json_list(path, &r.aliases)?,
            json_list(path, &r.upstream)?,
            json_list(path, &r.related)?,
            json_list(path, &r.severity)?,
            json_list(path, &r.references)?,
            json_list(path, &r.credits)?,
            json_opt(path, &r.database_specific)?,
        ];
        // INSERT OR REPLACE on the integer key keeps the pk stable.
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO advisories (pk, id, modified, modified_ns, published,
                     withdrawn, schema_version, summary, details, aliases, upstream, related,
                     severity, refs, credits, database_specific)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .map_err(err)?
            .execute(values)
            .map_err(err)?;
        Ok(pk.unwrap_or_else(|| self.tx.last_insert_rowid()))
    }

    /// Inserts `affected[]` entries (index in the record, entry) for
    /// advisory `pk`; entries already there are left alone.
    fn write_affected(&self, pk: i64, entries: &[(usize, &Affected)]) -> Result<()> {
        let path = self.db_path;
        let err = |e: rusqlite::Error| db_error(path, e);
        let mut st = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO affected (advisory, ordinal, ecosystem, ecosystem_base,
                     package, name, purl, severity, ranges, versions, ecosystem_specific,
                     database_specific)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(err)?;
        for (ordinal, a) in entries {
            let (ecosystem, base, package, name, purl) = match &a.package {
                Some(p) => (
                    Some(p.ecosystem.as_str()),
                    p.ecosystem.split(':').next(),
                    Some(normalize_package_name(&p.ecosystem, &p.name)),
                    Some(p.name.as_str()),
                    p.purl.as_deref(),
                ),
                None => (None, None, None, None, None),
            };
            st.execute(params![
                pk,
                i64::try_from(*ordinal).unwrap_or(i64::MAX),
                ecosystem,
                base,
                package.as_deref(),
                name,
                purl,
                json_list(path, &a.severity)?,
                json_list(path, &a.ranges)?,
                json_list(path, &a.versions)?,
                json_opt(path, &a.ecosystem_specific)?,
                json_opt(path, &a.database_specific)?,
            ])
            .map_err(err)?;
        }
        Ok(())
    }
}

/// A list as JSON text, `None` when empty.
fn json_list<T: Serialize>(path: &str, v: &[T]) -> Result<Option<String>> {
    if v.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(v)
        .map(Some)
        .map_err(|e| db_error(path, e))
}

fn json_opt<T: Serialize>(path: &str, v: &Option<T>) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) => serde_json::to_string(v)
            .map(Some)
            .map_err(|e| db_error(path, e)),
    }
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
