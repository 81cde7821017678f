//! Downloading NVD's feeds, the KEV catalog and EPSS scores from
//! configurable URLs, each file to a temp file beside the database and then
//! imported in its own transaction: a download that fails leaves the data
//! of that file as it was.
//!
//! NVD: the first time (or when the last refresh is older than the 8 days
//! the `modified` feed covers) every yearly file from 2002 to this year,
//! then the `modified` feed; after that only the `modified` feed. Each is
//! asked for conditionally; within the TTL nothing is asked.

use super::{debian_tracker, epss, kev, nvd, redhat_vex, ubuntu_tracker, Feed};
use crate::error::{Error, Result};
use crate::vulndb::fetch::{self, Fetched, Validators};
use crate::vulndb::store::{SourceState, VulnDb};
use crate::vulndb::time::{format_unix, now_unix};
use crate::vulndb::update::{http, lock};
use std::path::Path;
use std::time::Duration;

/// NVD's CVE API 2.0 feed directory.
pub const DEFAULT_NVD_URL: &str = "https://nvd.nist.gov/feeds/json/cve/2.0";
/// CISA's KEV catalog.
pub const DEFAULT_KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// FIRST's current EPSS scores.
pub const DEFAULT_EPSS_URL: &str = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

/// Debian's security tracker: every package and release in one JSON file.
pub const DEFAULT_DEBIAN_TRACKER_URL: &str =
    "https://security-tracker.debian.org/tracker/data/json";

/// Red Hat's CSAF VEX directory: `archive_latest.txt` names the newest
/// archive of every VEX file (`csaf_vex_YYYY-MM-DD.tar.zst`) beside it.
pub const DEFAULT_REDHAT_VEX_URL: &str = "https://security.access.redhat.com/data/csaf/v2/vex";

/// Ubuntu's CVE tracker: a snapshot of its repository (Launchpad's cgit).
pub const DEFAULT_UBUNTU_TRACKER_URL: &str =
    "https://git.launchpad.net/ubuntu-cve-tracker/snapshot/ubuntu-cve-tracker-master.tar.gz";

/// The `modified` feed holds the last eight days of changes.
const MODIFIED_COVERS: i64 = 8 * 86_400;
/// NVD's first yearly feed.
const FIRST_YEAR: i64 = 2002;

/// Where the feeds come from, and how long fetched data counts as fresh.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The directory holding `nvdcve-2.0-*.json.gz`.
    pub nvd_url: String,
    pub kev_url: String,
    pub epss_url: String,
    pub debian_tracker_url: String,
    /// The directory holding `archive_latest.txt` and the archive.
    pub redhat_vex_url: String,
    /// A tarball of the `ubuntu-cve-tracker` repository.
    pub ubuntu_tracker_url: String,
    pub ttl: Duration,
    pub force: bool,
}

/// What happened to one feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    Fresh,
    NotModified,
    /// Files downloaded and records stored.
    Updated {
        files: u32,
        records: u64,
    },
}

/// Brings `feeds` into the database at `db_path`.
pub fn update(
    db_path: &Path,
    feeds: &[Feed],
    options: &FeedOptions,
) -> Result<Vec<(Feed, FeedOutcome)>> {
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let _lock = lock(db_path)?;
    let mut db = VulnDb::open(db_path)?;
    let (runtime, client) = http(&options.nvd_url)?;
    let mut outcomes = Vec::new();
    for &feed in feeds {
        let previous = db.get_source_state(feed.source())?;
        let age = previous
            .as_ref()
            .and_then(|s| s.fetched_at)
            .map(|t| now_unix().saturating_sub(t));
        if !options.force && age.is_some_and(|a| a >= 0 && (a as u64) < options.ttl.as_secs()) {
            outcomes.push((feed, FeedOutcome::Fresh));
            continue;
        }
        let urls = match feed {
            Feed::Nvd if age.is_some_and(|a| a < MODIFIED_COVERS) && !options.force => {
                vec![nvd_file(&options.nvd_url, "modified")]
            }
            Feed::Nvd => {
                let this_year: i64 = format_unix(now_unix())[..4].parse().unwrap_or(FIRST_YEAR);
                (FIRST_YEAR..=this_year)
                    .map(|y| nvd_file(&options.nvd_url, &y.to_string()))
                    .chain(std::iter::once(nvd_file(&options.nvd_url, "modified")))
                    .collect()
            }
            Feed::Kev => vec![options.kev_url.clone()],
            Feed::Epss => vec![options.epss_url.clone()],
            Feed::DebianTracker => vec![options.debian_tracker_url.clone()],
            Feed::RedHatVex => vec![latest_vex_archive(
                &runtime,
                &client,
                &options.redhat_vex_url,
                dir,
            )?],
            Feed::UbuntuTracker => vec![options.ubuntu_tracker_url.clone()],
        };
        // Conditional requests only for a single-file refresh: the
        // validators kept are those of the last file fetched.
        let validators = match (&previous, urls.len()) {
            (Some(p), 1) => Validators {
                etag: p.etag.clone(),
                last_modified: p.last_modified.clone(),
            },
            _ => Validators::default(),
        };
        let mut files = 0;
        let mut records = 0;
        let mut last = validators.clone();
        for url in &urls {
            let temp = tempfile::Builder::new()
                .prefix(".feed-download-")
                .tempfile_in(dir)
                .map_err(|e| Error::io(dir.display(), e))?;
            match runtime.block_on(fetch::fetch(&client, url, &validators, temp.path()))? {
                Fetched::NotModified => continue,
                Fetched::Downloaded { validators, .. } => {
                    last = validators;
                    files += 1;
                    records += import_file(&mut db, feed, temp.path(), &fetch::redact(url))?;
                }
            }
        }
        db.set_source_state(&SourceState {
            source: feed.source().to_string(),
            etag: last.etag,
            last_modified: last.last_modified,
            fetched_at: Some(now_unix()),
            records: if files == 0 {
                previous.map_or(0, |p| p.records)
            } else {
                records
            },
            ecosystems: Vec::new(),
        })?;
        outcomes.push((
            feed,
            if files == 0 {
                FeedOutcome::NotModified
            } else {
                FeedOutcome::Updated { files, records }
            },
        ));
    }
    Ok(outcomes)
}

/// The URL of Red Hat's newest VEX archive, read from the directory's
/// `archive_latest.txt` (one file name).
fn latest_vex_archive(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    base: &str,
    dir: &Path,
) -> Result<String> {
    let base = base.trim_end_matches('/');
    let url = format!("{base}/archive_latest.txt");
    let shown = fetch::redact(&url);
    let temp = tempfile::Builder::new()
        .prefix(".feed-download-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir.display(), e))?;
    runtime.block_on(fetch::fetch(
        client,
        &url,
        &Validators::default(),
        temp.path(),
    ))?;
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(
            std::fs::File::open(temp.path()).map_err(|e| Error::io(&shown, e))?,
            4096,
        ),
        &mut text,
    )
    .map_err(|e| Error::input(&shown, format!("not a file name: {e}")))?;
    let name = text.trim();
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.');
    if !plain {
        return Err(Error::input(
            &shown,
            "does not name an archive (expected one file name like csaf_vex_2026-01-01.tar.zst)",
        ));
    }
    Ok(format!("{base}/{name}"))
}

fn nvd_file(base: &str, name: &str) -> String {
    format!("{}/nvdcve-2.0-{name}.json.gz", base.trim_end_matches('/'))
}

/// Imports one downloaded or given file of `feed`; returns the records
/// stored.
pub fn import_file(db: &mut VulnDb, feed: Feed, path: &Path, shown: &str) -> Result<u64> {
    let Some((found, reader)) = super::open_feed(path).map_err(|e| Error::io(shown, e))? else {
        return Err(Error::input(shown, format!("not a {} file", feed.source())));
    };
    if found != feed {
        return Err(Error::input(
            shown,
            format!(
                "a {} file where {} was expected",
                found.source(),
                feed.source()
            ),
        ));
    }
    let records = match feed {
        Feed::Nvd => nvd::import(db, reader, shown)?.records,
        Feed::Kev => kev::import(db, reader, shown)?,
        Feed::Epss => epss::import(db, reader, shown)?,
        Feed::DebianTracker => debian_tracker::import(db, reader, shown)?,
        Feed::RedHatVex => redhat_vex::import(db, reader, shown)?,
        Feed::UbuntuTracker => ubuntu_tracker::import(db, reader, shown)?,
    };
    tracing::info!("{shown}: {records} {} records", feed.source());
    Ok(records)
}
