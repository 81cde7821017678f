//! The layer cache: what was found in each layer, kept in SQLite under
//! the cache directory (`layers.sqlite`), so that a rescan of the same
//! image reads no layer data and a rebuilt image on the same base reads
//! only its new layers.
//!
//! A row is one layer's analysis results (never its files' bytes), keyed
//! by the layer's diff ID (content-addressed: images sharing base layers
//! share the work) and by the fingerprint of what produced them (for
//! packages, the analyzers' wants and versions: see
//! [`inventory::fingerprint`](crate::inventory::fingerprint)), mixed with
//! scangate's version and the row format, so a changed analyzer never
//! reads a stale row. Any scanner with per-layer results can keep them
//! here under a fingerprint of its own. The total size is bounded: the
//! least recently used rows go first.
//!
//! The cache is an optimisation: any failure to read or write it is a
//! warning, and the scan goes on reading the layer.

mod codec;

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
    /// One lock per diff ID being analysed in this process, so images
    /// scanned at once that share a layer analyse it once: the second
    /// waits, then reads the first one's row.
    claims: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Rows read and written in this process (see [`LayerCache::counts`]).
    hits: AtomicUsize,
    puts: AtomicUsize,
}

/// What the cache did in this process: layers served from it, and layers
/// analysed and stored (each one downloaded once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub hits: usize,
    pub stored: usize,
}

impl LayerCache {
    /// Opens (creating if needed) the cache in `cache_dir`, holding at most
    /// `max_bytes` of encoded results.
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
            claims: Mutex::default(),
            hits: AtomicUsize::new(0),
            puts: AtomicUsize::new(0),
        })
    }

    /// The lock to hold while analysing layer `diff_id`: whoever holds it
    /// checks the cache again first, so a layer shared by images scanned
    /// at once is analysed by one of them.
    pub fn claim(&self, diff_id: &str) -> Arc<Mutex<()>> {
        let mut claims = self.claims.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(claims.entry(diff_id.to_string()).or_default())
    }

    /// Layers read from and stored into the cache by this process.
    pub fn counts(&self) -> Counts {
        Counts {
            hits: self.hits.load(Ordering::Relaxed),
            stored: self.puts.load(Ordering::Relaxed),
        }
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

    /// The results stored for layer `diff_id` under `fingerprint`, if any
    /// (a row that does not decode is a miss).
    pub fn get<T: DeserializeOwned>(&self, diff_id: &str, fingerprint: &str) -> Option<T> {
        let key = row_key(fingerprint);
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
        match codec::decode(&found) {
            Ok(results) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(layer = diff_id, "layer read from the layer cache");
                Some(results)
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

    /// Stores the results of layer `diff_id` under `fingerprint`, then
    /// evicts the least recently used rows beyond the size bound.
    pub fn put<T: Serialize>(&self, diff_id: &str, fingerprint: &str, results: &T) {
        let data = match codec::encode(results) {
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
        let key = row_key(fingerprint);
        self.puts.fetch_add(1, Ordering::Relaxed);
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

/// A row's key: the caller's fingerprint, the row format and scangate's
/// version (a layer's replaced-path hashes come from std's hasher, stable
/// only within one build).
fn row_key(fingerprint: &str) -> String {
    let text = format!(
        "format {}; scangate {}; {fingerprint}",
        codec::FORMAT_VERSION,
        env!("CARGO_PKG_VERSION"),
    );
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

    fn results(n: u8) -> Vec<u8> {
        vec![n; 64]
    }

    #[test]
    fn stored_results_come_back_only_for_the_same_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
        assert!(cache.get::<Vec<u8>>("sha256:a", "packages").is_none());
        cache.put("sha256:a", "packages", &results(1));
        assert_eq!(
            cache.get::<Vec<u8>>("sha256:a", "packages"),
            Some(results(1))
        );
        assert!(cache.get::<Vec<u8>>("sha256:a", "secrets").is_none());
        // A row of another shape is a miss, not an error.
        assert!(cache.get::<String>("sha256:a", "packages").is_none());
    }

    #[test]
    fn the_least_recently_used_layer_is_evicted_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = codec::encode(&results(1)).expect("encode").len() as u64;
        let cache = LayerCache::open(dir.path(), one * 2 + one / 2).expect("open");
        let get = |id| cache.get::<Vec<u8>>(id, "k");
        cache.put("sha256:a", "k", &results(1));
        std::thread::sleep(Duration::from_millis(5));
        cache.put("sha256:b", "k", &results(2));
        std::thread::sleep(Duration::from_millis(5));
        assert!(get("sha256:a").is_some(), "a is now the newest");
        std::thread::sleep(Duration::from_millis(5));
        cache.put("sha256:c", "k", &results(3));
        assert!(get("sha256:b").is_none(), "b was least recent");
        assert!(get("sha256:a").is_some());
        assert!(get("sha256:c").is_some());
    }

    #[test]
    fn clean_removes_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
            cache.put("sha256:a", "k", &results(1));
        }
        assert!(clean(dir.path()).expect("clean"));
        let cache = LayerCache::open(dir.path(), DEFAULT_MAX_SIZE).expect("open");
        assert!(cache.get::<Vec<u8>>("sha256:a", "k").is_none());
    }
}
