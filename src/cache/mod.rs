//! The layer cache: what each layer contributes to the file view (its
//! [`LayerScan`]), kept in SQLite under the cache directory
//! (`layers.sqlite`) so that a rescan of the same image reads no layer data
//! and a rebuilt image on the same base reads only its new layers.
//!
//! Rows are keyed by the layer's diff ID (content-addressed: images sharing
//! base layers share the work) and by a fingerprint of what was collected
//! (the analyzers' wants and versions, scangate's version and the row
//! format), so a new analyzer or wanted path never reads a stale row. The
//! total size is bounded: the least recently used rows go first.
//!
//! The cache is an optimisation: any failure to read or write it is a
//! warning, and the scan goes on reading the layer.

mod codec;

use crate::error::{Error, Result};
use crate::image::LayerScan;
use crate::inventory::{Wants, ANALYZERS};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The default bound on the cache file's content: 1 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;

/// The cache file inside the cache directory.
pub fn cache_file(cache_dir: &Path) -> PathBuf {
    cache_dir.join("layers.sqlite")
}

pub struct LayerCache {
    conn: Mutex<Connection>,
    path: PathBuf,
    max_bytes: u64,
}

impl LayerCache {
    /// Opens (creating if needed) the cache in `cache_dir`, holding at most
    /// `max_bytes` of layer data.
    pub fn open(cache_dir: &Path, max_bytes: u64) -> Result<Self> {
        std::fs::create_dir_all(cache_dir).map_err(|e| Error::io(cache_dir.display(), e))?;
        let path = cache_file(cache_dir);
        let shown = path.display().to_string();
        let fail = |e: rusqlite::Error| Error::input(&shown, format!("layer cache: {e}"));
        let conn = Connection::open(&path).map_err(fail)?;
        // Concurrent CI jobs may share a cache directory.
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(fail)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS layers (
                diff_id TEXT NOT NULL,
                wants_key TEXT NOT NULL,
                data BLOB NOT NULL,
                size INTEGER NOT NULL,
                used INTEGER NOT NULL,
                PRIMARY KEY (diff_id, wants_key)
            );
            CREATE INDEX IF NOT EXISTS layers_used ON layers (used);",
        )
        .map_err(fail)?;
        Ok(LayerCache {
            conn: Mutex::new(conn),
            path,
            max_bytes,
        })
    }

    /// Opens the cache, or says why not and goes on without it.
    pub fn open_or_warn(cache_dir: &Path, max_bytes: u64) -> Option<Self> {
        match Self::open(cache_dir, max_bytes) {
            Ok(cache) => Some(cache),
            Err(e) => {
                tracing::warn!("layer cache unavailable, reading every layer: {e}");
                None
            }
        }
    }

    /// The cached scan of layer `diff_id` collected for `wants`, if any.
    pub fn get(&self, diff_id: &str, wants: &Wants) -> Option<LayerScan> {
        let key = wants_key(wants);
        let found = self.with_conn(|conn| {
            let data: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT data FROM layers WHERE diff_id = ?1 AND wants_key = ?2",
                    params![diff_id, key],
                    |row| row.get(0),
                )
                .optional()?;
            if data.is_some() {
                conn.execute(
                    "UPDATE layers SET used = ?3 WHERE diff_id = ?1 AND wants_key = ?2",
                    params![diff_id, key, now_millis()],
                )?;
            }
            Ok(data)
        })??;
        match codec::decode(diff_id, &found) {
            Ok(scan) => {
                tracing::debug!(layer = diff_id, "layer read from the layer cache");
                Some(scan)
            }
            Err(e) => {
                tracing::warn!(
                    layer = diff_id,
                    "ignoring an unreadable layer cache row: {e}"
                );
                None
            }
        }
    }

    /// Stores the scan of a layer (which must carry its diff ID), then
    /// evicts the least recently used rows beyond the size bound.
    pub fn put(&self, scan: &LayerScan, wants: &Wants) {
        let Some(diff_id) = scan.diff_id.as_deref() else {
            return;
        };
        let data = match codec::encode(scan) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(layer = diff_id, "cannot encode a layer for the cache: {e}");
                return;
            }
        };
        let size = data.len() as u64;
        if size > self.max_bytes {
            return;
        }
        let key = wants_key(wants);
        self.with_conn(|conn| {
            conn.execute(
                "INSERT OR REPLACE INTO layers (diff_id, wants_key, data, size, used)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![diff_id, key, data, size as i64, now_millis()],
            )?;
            evict(conn, self.max_bytes)
        });
    }

    /// Runs `f` on the connection; a failure is logged and gives `None`.
    fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let conn = match self.conn.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        match f(&conn) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!("layer cache {}: {e}", self.path.display());
                None
            }
        }
    }
}

/// Deletes the least recently used rows until the total is within bounds.
fn evict(conn: &Connection, max_bytes: u64) -> rusqlite::Result<()> {
    let total: i64 = conn.query_row("SELECT COALESCE(SUM(size), 0) FROM layers", [], |r| {
        r.get(0)
    })?;
    let mut excess = total - i64::try_from(max_bytes).unwrap_or(i64::MAX);
    if excess <= 0 {
        return Ok(());
    }
    let mut oldest =
        conn.prepare("SELECT diff_id, wants_key, size FROM layers ORDER BY used ASC")?;
    let rows: Vec<(String, String, i64)> = oldest
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (diff_id, key, size) in rows {
        if excess <= 0 {
            break;
        }
        conn.execute(
            "DELETE FROM layers WHERE diff_id = ?1 AND wants_key = ?2",
            params![diff_id, key],
        )?;
        tracing::debug!(layer = diff_id, "evicted from the layer cache");
        excess -= size;
    }
    Ok(())
}

/// Empties the cache: removes its file (and SQLite's side files). Returns
/// whether there was anything to remove.
pub fn clean(cache_dir: &Path) -> Result<bool> {
    let file = cache_file(cache_dir);
    let mut removed = false;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        let path = PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed = true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path.display(), e)),
        }
    }
    Ok(removed)
}

/// What a cached row depends on besides the layer's content: the row
/// format, scangate's version (the `others` path hashes come from std's
/// hasher, stable only within one build), the wanted paths, the
/// analyzers' versions and the secret rules in force.
fn wants_key(wants: &Wants) -> String {
    let mut text = format!(
        "format {}; scangate {}; wants {:?}; analyzers",
        codec::FORMAT_VERSION,
        env!("CARGO_PKG_VERSION"),
        wants.list()
    );
    for a in ANALYZERS {
        text.push_str(&format!(" {:?}={}", a.format(), a.version()));
    }
    text.push_str(&format!(" binaries={}", crate::inventory::binary::VERSION));
    if let Some(engine) = wants.secrets() {
        text.push_str(&format!(" secrets={}", engine.cache_key()));
    }
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(diff_id: &str, content: &[u8]) -> LayerScan {
        let mut s = LayerScan::default();
        s.diff_id = Some(diff_id.into());
        s.add_file("etc/os-release".into(), content.to_vec());
        s
    }

    use crate::inventory::Want;
    use std::sync::LazyLock;

    static WANTS: LazyLock<Wants> =
        LazyLock::new(|| Wants::new(vec![Want::File("etc/os-release")]));

    #[test]
    fn a_stored_layer_comes_back_only_for_the_same_wants() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
        assert!(cache.get("sha256:a", &WANTS).is_none());
        cache.put(&scan("sha256:a", b"ID=debian\n"), &WANTS);
        let back = cache.get("sha256:a", &WANTS).expect("hit");
        assert_eq!(back.files["etc/os-release"], b"ID=debian\n");
        assert!(cache
            .get(
                "sha256:a",
                &Wants::new(vec![Want::File("etc/alpine-release")])
            )
            .is_none());
    }

    #[test]
    fn the_least_recently_used_layer_is_evicted_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = codec::encode(&scan("sha256:a", &[1; 64]))
            .expect("encode")
            .len() as u64;
        let cache = LayerCache::open(dir.path(), one * 2 + one / 2).expect("open");
        cache.put(&scan("sha256:a", &[1; 64]), &WANTS);
        std::thread::sleep(Duration::from_millis(5));
        cache.put(&scan("sha256:b", &[2; 64]), &WANTS);
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            cache.get("sha256:a", &WANTS).is_some(),
            "a is now the newest"
        );
        std::thread::sleep(Duration::from_millis(5));
        cache.put(&scan("sha256:c", &[3; 64]), &WANTS);
        assert!(
            cache.get("sha256:b", &WANTS).is_none(),
            "b was least recent"
        );
        assert!(cache.get("sha256:a", &WANTS).is_some());
        assert!(cache.get("sha256:c", &WANTS).is_some());
    }

    #[test]
    fn clean_removes_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
            cache.put(&scan("sha256:a", b"x"), &WANTS);
        }
        assert!(clean(dir.path()).expect("clean"));
        let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
        assert!(cache.get("sha256:a", &WANTS).is_none());
    }
}
