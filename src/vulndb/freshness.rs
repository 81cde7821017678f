//! Getting a scan a database it can trust, or failing closed.
//!
//! A security gate must not pass because its data is missing: an ecosystem
//! OSV publishes but the database holds nothing of is exit 3, naming the
//! command that fixes it. A failed update with a usable database goes on
//! with a warning stating the data's age; `--db-max-age` turns old data
//! into exit 3. A database brought in by `db import` or `db pull` is used
//! without touching the network while it is fresh.

use super::store::VulnDb;
use super::time::now_unix;
use super::update::{self, Needed, UpdateOptions};
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};
use rusqlite::OptionalExtension;
use std::path::Path;
use std::time::Duration;

/// How the database's data last arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Downloaded from OSV by an update.
    Update,
    /// `scangate db import`.
    Import,
    /// `scangate db pull` (or `db update --from`).
    Pull,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Update => "update",
            Origin::Import => "import",
            Origin::Pull => "pull",
        }
    }

    fn parse(s: &str) -> Option<Origin> {
        [Origin::Update, Origin::Import, Origin::Pull]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

impl VulnDb {
    /// Records that the data just arrived by `origin`.
    pub fn set_origin(&mut self, origin: Origin) -> Result<()> {
        let set = |key: &str, value: &str| {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    [key, value],
                )
                .map(|_| ())
                .map_err(|e| self.err(e))
        };
        set("origin", origin.as_str())?;
        set("origin_at", &now_unix().to_string())
    }

    /// How and when (seconds since the epoch) the data last arrived, if
    /// recorded.
    pub fn origin(&self) -> Result<Option<(Origin, i64)>> {
        let get = |key: &str| -> Result<Option<String>> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))
        };
        let origin = get("origin")?.and_then(|o| Origin::parse(&o));
        let at = get("origin_at")?.and_then(|t| t.parse().ok());
        Ok(origin.zip(at))
    }

    /// Whether any advisory names `ecosystem` exactly.
    pub fn holds(&self, ecosystem: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM affected WHERE ecosystem = ?1)",
                [ecosystem],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Whether an update fetched the export that holds `ecosystem` and
    /// kept it: then an ecosystem without advisories is one OSV publishes
    /// nothing for, not missing data.
    fn fetched(&self, ecosystem: &Ecosystem) -> Result<bool> {
        Ok(self
            .get_source_state(ecosystem.base.as_str())?
            .is_some_and(|s| {
                s.fetched_at.is_some()
                    && (s.ecosystems.is_empty() || s.ecosystems.contains(&ecosystem.to_string()))
            }))
    }

    /// When the data for `ecosystem` was last brought in: the update that
    /// fetched its export, else the last import (which a pulled database
    /// carries from where it was built).
    fn data_time(&self, ecosystem: &Ecosystem) -> Result<Option<i64>> {
        if self.fetched(ecosystem)? {
            let state = self.get_source_state(ecosystem.base.as_str())?;
            return Ok(state.and_then(|s| s.fetched_at));
        }
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'last_import'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|v| v.and_then(|s| s.parse().ok()))
            .map_err(|e| self.err(e))
    }
}

/// What a scan asks of the database.
#[derive(Debug, Clone)]
pub struct ScanDb {
    /// `--offline`/`--skip-db-update`: never touch the network.
    pub offline: bool,
    pub update: UpdateOptions,
    /// `--db-max-age`: older data is exit 3.
    pub max_age: Option<Duration>,
}

/// The database at `path`, brought up to date for `needed` when it can be,
/// and checked to hold every ecosystem of `required` (the scanned
/// artifact's; a baseline's may be missing: its findings then count as
/// fixed, which only makes the gate stricter).
pub fn open_for_scan(
    path: &Path,
    needed: &Needed,
    required: &Needed,
    options: &ScanDb,
) -> Result<VulnDb> {
    let update_error = if options.offline || fresh_from_import_or_pull(path, options)? {
        None
    } else {
        update::update(path, needed, &options.update).err()
    };
    if !path.exists() {
        return Err(update_error.unwrap_or_else(|| {
            Error::input(
                path.display(),
                "no vulnerability database; run `scangate db update` or scan without --offline",
            )
        }));
    }
    let db = VulnDb::open_read_only(path)?;
    let mut oldest: Option<i64> = None;
    for name in required.ecosystems() {
        let Ok(ecosystem) = name.parse::<Ecosystem>() else {
            continue;
        };
        if !db.holds(name)? {
            if db.fetched(&ecosystem)? {
                tracing::warn!(
                    "OSV publishes no advisories for {name}: its packages are listed but nothing can match them"
                );
                continue;
            }
            return Err(update_error.unwrap_or_else(|| missing(path, name)));
        }
        if let Some(at) = db.data_time(&ecosystem)? {
            oldest = Some(oldest.map_or(at, |o| o.min(at)));
        }
    }
    let age = oldest.map(|at| Duration::from_secs(now_unix().saturating_sub(at).max(0) as u64));
    if let Some(e) = update_error {
        let age = age.map_or("of unknown age".to_string(), |a| {
            format!("from {} ago", describe(a))
        });
        tracing::warn!(
            "could not update the vulnerability database ({e}); scanning with the data {age}"
        );
    }
    if let Some(max) = options.max_age {
        match age {
            Some(age) if age <= max => {}
            _ => {
                let age = age.map_or("of unknown age".to_string(), |a| {
                    format!("{} old", describe(a))
                });
                return Err(Error::input(
                    path.display(),
                    format!(
                        "the vulnerability data is {age}, older than --db-max-age {}; run `scangate db update`",
                        describe(max)
                    ),
                ));
            }
        }
    }
    Ok(db)
}

/// The fail-closed error for an ecosystem the database lacks.
fn missing(path: &Path, ecosystem: &str) -> Error {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    Error::input(
        path.display(),
        format!(
            "the vulnerability database holds no advisories for {ecosystem}, so nothing could match; \
             run `scangate db update {ecosystem}` (or `scangate db import` OSV's {base}/all.zip)"
        ),
    )
}

/// A database from `db import` or `db pull` within the TTL needs no
/// network (an air-gapped CI imports, then scans).
fn fresh_from_import_or_pull(path: &Path, options: &ScanDb) -> Result<bool> {
    if !path.exists() || options.update.force {
        return Ok(false);
    }
    let Some((origin, at)) = VulnDb::open_read_only(path)?.origin()? else {
        return Ok(false);
    };
    let age = now_unix().saturating_sub(at);
    let fresh = origin != Origin::Update && age >= 0 && (age as u64) < options.update.ttl.as_secs();
    if fresh {
        tracing::info!(
            "vulnerability database from `db {}` {} ago: fresh, not updating",
            origin.as_str(),
            describe(Duration::from_secs(age as u64))
        );
    }
    Ok(fresh)
}

/// `3d 4h`, `2h 5m`, `40s`: an age for a person.
fn describe(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 86400, s % 86400 / 3600, s % 3600 / 60) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use std::time::Duration;

    #[test]
    fn ages_read_as_a_person_says_them() {
        assert_eq!(describe(Duration::from_secs(40)), "40s");
        assert_eq!(describe(Duration::from_secs(600)), "10m");
        assert_eq!(describe(Duration::from_secs(7500)), "2h 5m");
        assert_eq!(describe(Duration::from_secs(3 * 86400 + 4 * 3600)), "3d 4h");
    }
}
