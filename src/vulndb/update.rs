//! Keeping the local database current from OSV's bulk exports.
//!
//! One export per ecosystem base (`<base-url>/Debian/all.zip`); OSV's
//! per-release zips are deprecated, so the parent's zip is fetched and only
//! the releases a scan needs are kept. An export fetched less than the TTL
//! ago is not asked for at all (CI runs with a restored cache skip the
//! network); an older one is asked for conditionally (ETag /
//! Last-Modified), so an unchanged export costs one small request. A lock
//! file keeps two concurrent runs from interleaving their writes; each
//! export's records and bookkeeping land in one transaction, so a failed
//! download or a corrupt zip leaves the previous data as it was.

use super::fetch::{self, Fetched, Validators};
use super::time::now_unix;
use super::{SourceState, VulnDb};
use crate::ecosystem::{Base, Ecosystem};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::time::Duration;

/// OSV's public bucket of bulk exports.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// How long a fetched export counts as fresh.
pub const DEFAULT_TTL: Duration = Duration::from_secs(12 * 3600);

/// How an update should behave.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Base URL of the exports (a mirror, or a test server).
    pub base_url: String,
    pub ttl: Duration,
    /// Ask the server even when the TTL says the data is fresh.
    pub force: bool,
    /// Where Amazon's, Oracle's and Photon's own feeds are.
    pub vendor_urls: super::vendor::fetch::VendorUrls,
}

/// The ecosystems a scan needs, grouped by the export that holds them.
/// An ecosystem without a release (`Wolfi`, `npm`) needs the whole export.
#[derive(Debug, Default, Clone)]
pub struct Needed(BTreeMap<Base, BTreeSet<String>>);

impl Needed {
    pub fn add(&mut self, ecosystem: &Ecosystem) {
        self.0
            .entry(ecosystem.base)
            .or_default()
            .insert(ecosystem.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every ecosystem needed, by OSV name.
    pub fn ecosystems(&self) -> impl Iterator<Item = &String> {
        self.0.values().flatten()
    }
}

/// What happened to one export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Fetched within the TTL: not asked for.
    Fresh,
    /// The server said it has not changed.
    NotModified,
    /// Downloaded and imported this many records.
    Updated { records: u64 },
}

/// Brings the exports `needed` into the database at `db_path`.
pub fn update(
    db_path: &Path,
    needed: &Needed,
    options: &UpdateOptions,
) -> Result<Vec<(Base, Outcome)>> {
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let _lock = lock(db_path)?;
    // A first update builds the database aside and renames it into place
    // when every export is in, so a failed one leaves no empty or partial
    // database for a later scan to trust. An existing database is updated
    // in place, one transaction per export.
    let aside = if db_path.exists() {
        None
    } else {
        let temp = tempfile::Builder::new()
            .prefix(".osv.sqlite.new")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir.display(), e))?;
        Some(temp.into_temp_path())
    };
    let target = aside.as_deref().unwrap_or(db_path);
    let outcomes = update_into(target, db_path, needed, options)?;
    if let Some(aside) = aside {
        aside
            .persist(db_path)
            .map_err(|e| Error::io(db_path.display(), e.error))?;
    }
    Ok(outcomes)
}

/// [`update`]'s work on the database file at `target` (`db_path` itself,
/// or the file built aside for it).
fn update_into(
    target: &Path,
    db_path: &Path,
    needed: &Needed,
    options: &UpdateOptions,
) -> Result<Vec<(Base, Outcome)>> {
    let mut db = VulnDb::open(target)?;
    let (runtime, client) = http(&options.base_url)?;
    let mut outcomes = Vec::new();
    for (base, wanted) in &needed.0 {
        let outcome = runtime.block_on(update_one(
            &mut db, &client, *base, wanted, options, db_path,
        ))?;
        match &outcome {
            Outcome::Fresh => tracing::debug!("{}: fresh, not checked", base.as_str()),
            Outcome::NotModified => tracing::info!("{}: unchanged", base.as_str()),
            Outcome::Updated { records } => {
                tracing::info!("{}: {records} advisories", base.as_str())
            }
        }
        outcomes.push((*base, outcome));
    }
    db.set_origin(super::freshness::Origin::Update)?;
    Ok(outcomes)
}

async fn update_one(
    db: &mut VulnDb,
    client: &reqwest::Client,
    base: Base,
    wanted: &BTreeSet<String>,
    options: &UpdateOptions,
    db_path: &Path,
) -> Result<Outcome> {
    let previous = db.get_source_state(base.as_str())?.unwrap_or_default();
    let whole_export = wanted.iter().any(|e| e == base.as_str());
    let covered = if previous.ecosystems.is_empty() {
        previous.fetched_at.is_some()
    } else {
        !whole_export && wanted.iter().all(|w| previous.ecosystems.contains(w))
    };
    let age = previous.fetched_at.map(|t| now_unix().saturating_sub(t));
    if covered
        && !options.force
        && age.is_some_and(|a| a >= 0 && (a as u64) < options.ttl.as_secs())
    {
        return Ok(Outcome::Fresh);
    }
    if matches!(base, Base::AmazonLinux | Base::OracleLinux | Base::PhotonOs) {
        let records =
            super::vendor::fetch::update(db, client, base, wanted, &options.vendor_urls, db_path)
                .await?;
        return Ok(Outcome::Updated { records });
    }
    // A conditional request only helps when what we kept last time is
    // everything we need now; otherwise the whole export is wanted again.
    let validators = if covered {
        Validators {
            etag: previous.etag.clone(),
            last_modified: previous.last_modified.clone(),
        }
    } else {
        Validators::default()
    };
    let url = format!(
        "{}/{}/all.zip",
        options.base_url.trim_end_matches('/'),
        base.as_str()
    );
    let dir = db_path.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".osv-download-")
        .suffix(".zip")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir.display(), e))?;
    match fetch::fetch(client, &url, &validators, temp.path()).await? {
        Fetched::NotModified => {
            db.set_source_state(&SourceState {
                fetched_at: Some(now_unix()),
                ..previous
            })?;
            Ok(Outcome::NotModified)
        }
        Fetched::Downloaded { validators, .. } => {
            let keep_all = whole_export || (covered && previous.ecosystems.is_empty());
            let mut keep: BTreeSet<String> = wanted.clone();
            keep.extend(previous.ecosystems.iter().cloned());
            let shown = fetch::redact(&url);
            let file = File::open(temp.path()).map_err(|e| Error::io(temp.path().display(), e))?;
            let keep_for_filter = keep.clone();
            let mut importer = db.importer()?;
            if !keep_all {
                importer = importer.keep_only(move |eco: &str| keep_for_filter.contains(eco));
            }
            importer.zip(std::io::BufReader::new(file), &shown)?;
            let records = importer.stats().records();
            importer.set_source_state(&SourceState {
                source: base.as_str().to_string(),
                etag: validators.etag,
                last_modified: validators.last_modified,
                fetched_at: Some(now_unix()),
                records,
                ecosystems: if keep_all {
                    Vec::new()
                } else {
                    keep.into_iter().collect()
                },
            })?;
            importer.commit()?;
            Ok(Outcome::Updated { records })
        }
    }
}

/// A runtime and an HTTP client for downloads (`url` names the server in
/// an error).
pub(crate) fn http(url: &str) -> Result<(tokio::runtime::Runtime, reqwest::Client)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("scangate/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| Error::Network {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    Ok((runtime, client))
}

/// Takes the database's lock file, waiting (with a note in the log) while
/// another scangate holds it.
pub(crate) fn lock(db_path: &Path) -> Result<File> {
    let path = db_path.with_extension("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(path.display(), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::warn!(
                "waiting for another scangate to finish updating {}",
                db_path.display()
            );
            file.lock().map_err(|e| Error::io(path.display(), e))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path.display(), e)),
    }
    Ok(file)
}
