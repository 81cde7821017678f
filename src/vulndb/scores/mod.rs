//! Scores that OSV's distribution records lack: NVD's CVSS metrics per
//! CVE, CISA's Known Exploited Vulnerabilities catalog and FIRST's EPSS
//! scores. They live in three tables of the same database, created when
//! the first of them is imported (a database without them simply has no
//! such data), and each feed's bookkeeping is a [`SourceState`] named
//! [`Feed::source`], so `db info` shows it and updates are conditional.
//!
//! - [`nvd`] reads the CVE API 2.0 feed files (`nvdcve-2.0-YYYY.json.gz`,
//!   `…-modified.json.gz`), streamed record by record;
//! - [`kev`] reads `known_exploited_vulnerabilities.json`;
//! - [`epss`] reads `epss_scores-YYYY-MM-DD.csv.gz`;
//! - [`debian_tracker`] reads Debian's security tracker JSON: not scores
//!   but the unfixed states (`will_not_fix`, `fix_deferred`,
//!   `end_of_life`) OSV's Debian records lack, annotation data of the
//!   same kind, kept and refreshed the same way;
//! - [`redhat_vex`] reads Red Hat's CSAF VEX files: the unfixed states
//!   (`will_not_fix`, `fix_deferred`, `end_of_life`, `affected`) of the
//!   CVEs OSV's Red Hat records (fixed RHSAs only) do not have;
//! - [`ubuntu_tracker`] reads Ubuntu's CVE tracker: the unfixed states
//!   (`will_not_fix`, `fix_deferred`) OSV's Ubuntu records lack;
//! - [`update`] downloads them from configurable URLs.

pub mod debian_tracker;
mod documents;
pub mod epss;
pub mod kev;
pub mod nvd;
pub mod redhat_vex;
pub mod ubuntu_tracker;
pub mod update;

use super::store::VulnDb;
use crate::error::Result;
use crate::finding::{Epss, Kev};
use rusqlite::{Connection, OptionalExtension};
use std::io::Read;
use std::path::Path;

/// The tables, created on first import.
const DDL: &str = "
CREATE TABLE IF NOT EXISTS nvd (
    cve           TEXT PRIMARY KEY,
    last_modified TEXT NOT NULL,
    metrics       TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kev (
    cve        TEXT PRIMARY KEY,
    date_added TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS epss (
    cve        TEXT PRIMARY KEY,
    score      REAL NOT NULL,
    percentile REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS debian_tracker (
    release TEXT NOT NULL,
    package TEXT NOT NULL,
    cve     TEXT NOT NULL,
    status  TEXT NOT NULL,
    PRIMARY KEY (release, package, cve)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS redhat_vex (
    package TEXT NOT NULL,
    module  TEXT NOT NULL,
    stream  TEXT NOT NULL,
    cve     TEXT NOT NULL,
    status  TEXT NOT NULL,
    impact  TEXT NOT NULL,
    title   TEXT NOT NULL,
    PRIMARY KEY (package, module, stream, cve)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS redhat_vex_cve ON redhat_vex (cve);
CREATE TABLE IF NOT EXISTS ubuntu_tracker (
    release TEXT NOT NULL,
    package TEXT NOT NULL,
    cve     TEXT NOT NULL,
    status  TEXT NOT NULL,
    PRIMARY KEY (release, package, cve)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ubuntu_tracker_cve ON ubuntu_tracker (cve);
";

/// One of the three feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feed {
    Nvd,
    Kev,
    Epss,
    /// Debian's security tracker JSON (unfixed states).
    DebianTracker,
    /// Red Hat's CSAF VEX files (unfixed states).
    RedHatVex,
    /// Ubuntu's CVE tracker (unfixed states).
    UbuntuTracker,
}

impl Feed {
    pub const ALL: [Feed; 6] = [
        Feed::Nvd,
        Feed::Kev,
        Feed::Epss,
        Feed::DebianTracker,
        Feed::RedHatVex,
        Feed::UbuntuTracker,
    ];

    /// The name of its bookkeeping in the `sources` table.
    pub fn source(self) -> &'static str {
        match self {
            Feed::Nvd => "NVD",
            Feed::Kev => "KEV",
            Feed::Epss => "EPSS",
            Feed::DebianTracker => "Debian tracker",
            Feed::RedHatVex => "Red Hat VEX",
            Feed::UbuntuTracker => "Ubuntu tracker",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Feed::Nvd => "nvd",
            Feed::Kev => "kev",
            Feed::Epss => "epss",
            Feed::DebianTracker => "debian_tracker",
            Feed::RedHatVex => "redhat_vex",
            Feed::UbuntuTracker => "ubuntu_tracker",
        }
    }

    /// Tells a feed file from its first bytes (decompressed): NVD's feeds
    /// say `"format":"NVD_CVE"`, the KEV catalog has a `catalogVersion`,
    /// EPSS's CSV starts with `#model_version` or its header, Debian's
    /// tracker is an object of packages whose CVEs have `releases` with
    /// `repositories`, a Red Hat VEX file (or a tar archive of them) says
    /// `"csaf_vex"` in its `document`, Ubuntu's tracker is a tar of the
    /// `ubuntu-cve-tracker` repository (or one of its CVE files, starting
    /// with `PublicDateAtUSN:` or `Candidate:`).
    pub fn sniff(head: &[u8]) -> Option<Feed> {
        let text = String::from_utf8_lossy(head);
        let start = text.trim_start();
        let tar = head.len() > 262 && &head[257..262] == b"ustar";
        if (start.starts_with('{') || tar) && text.contains("\"csaf_vex\"") {
            Some(Feed::RedHatVex)
        } else if (tar && text.contains("ubuntu-cve-tracker"))
            || start.starts_with("PublicDateAtUSN:")
            || start.starts_with("Candidate: CVE-")
        {
            Some(Feed::UbuntuTracker)
        } else if start.starts_with("#model_version") || start.starts_with("cve,epss,percentile") {
            Some(Feed::Epss)
        } else if start.starts_with('{') && text.contains("\"NVD_CVE\"") {
            Some(Feed::Nvd)
        } else if start.starts_with('{') && text.contains("\"catalogVersion\"") {
            Some(Feed::Kev)
        } else if start.starts_with('{')
            && text.contains("\"releases\"")
            && text.contains("\"repositories\"")
        {
            Some(Feed::DebianTracker)
        } else {
            None
        }
    }
}

/// Creates the score tables if they are not there yet.
pub(crate) fn ensure_tables(conn: &Connection, path: &str) -> Result<()> {
    conn.execute_batch(DDL)
        .map_err(|e| super::schema::db_error(path, e))
}

/// One CVSS metric of an NVD record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NvdMetric {
    /// `3.1`, `3.0` or `2.0`.
    pub version: CvssVersion,
    /// `Primary` (NVD's own analysis) or `Secondary` (the CNA's).
    pub primary: bool,
    /// Who scored it (`nvd@nist.gov`, a CNA's address or id).
    pub source: String,
    pub score: f64,
    pub vector: String,
}

/// The CVSS versions NVD's records carry and scoring uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CvssVersion {
    V31,
    V30,
    V2,
}

impl CvssVersion {
    fn code(self) -> &'static str {
        match self {
            CvssVersion::V31 => "31",
            CvssVersion::V30 => "30",
            CvssVersion::V2 => "2",
        }
    }

    fn from_code(code: &str) -> Option<CvssVersion> {
        match code {
            "31" => Some(CvssVersion::V31),
            "30" => Some(CvssVersion::V30),
            "2" => Some(CvssVersion::V2),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CvssVersion::V31 => "CVSS 3.1",
            CvssVersion::V30 => "CVSS 3.0",
            CvssVersion::V2 => "CVSS 2.0",
        }
    }
}

impl NvdMetric {
    /// One line of the `metrics` column: `31 P 9.8 nvd@nist.gov VECTOR`.
    fn encode(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.version.code(),
            if self.primary { "P" } else { "S" },
            self.score,
            self.source,
            self.vector
        )
    }

    fn decode(line: &str) -> Option<NvdMetric> {
        let mut parts = line.splitn(5, ' ');
        let version = CvssVersion::from_code(parts.next()?)?;
        let primary = parts.next()? == "P";
        let score = parts.next()?.parse().ok()?;
        let source = parts.next()?.to_string();
        let vector = parts.next()?.to_string();
        Some(NvdMetric {
            version,
            primary,
            source,
            score,
            vector,
        })
    }
}

/// The metric that rates a CVE: NVD's own (`Primary`) CVSS 3.1, else its
/// 3.0, else its 2.0; a CVE NVD has not analysed yet falls back to its
/// numbering authority's (`Secondary`) metric in the same order, rather
/// than to no severity at all.
pub fn pick(metrics: &[NvdMetric]) -> Option<&NvdMetric> {
    [true, false].into_iter().find_map(|primary| {
        [CvssVersion::V31, CvssVersion::V30, CvssVersion::V2]
            .into_iter()
            .find_map(|v| {
                metrics
                    .iter()
                    .find(|m| m.primary == primary && m.version == v)
            })
    })
}

impl VulnDb {
    /// Whether the feed's table exists (something was ever imported).
    pub(crate) fn has_table(&self, feed: Feed) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [feed.table()],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The feeds this database holds data of.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        let mut held = Vec::new();
        for feed in Feed::ALL {
            if self.has_table(feed)? {
                let any: bool = self
                    .conn
                    .query_row(
                        &format!("SELECT EXISTS (SELECT 1 FROM {})", feed.table()),
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.err(e))?;
                if any {
                    held.push(feed);
                }
            }
        }
        Ok(held)
    }

    /// NVD's CVSS metrics of `cve`, if NVD data was imported and has it.
    pub fn nvd_metrics(&self, cve: &str) -> Result<Vec<NvdMetric>> {
        if !self.has_table(Feed::Nvd)? {
            return Ok(Vec::new());
        }
        let text: Option<String> = self
            .conn
            .query_row("SELECT metrics FROM nvd WHERE cve = ?1", [cve], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(text
            .map(|t| t.lines().filter_map(NvdMetric::decode).collect())
            .unwrap_or_default())
    }

    /// `cve`'s KEV entry, if any.
    pub fn kev(&self, cve: &str) -> Result<Option<Kev>> {
        if !self.has_table(Feed::Kev)? {
            return Ok(None);
        }
        self.conn
            .query_row("SELECT date_added FROM kev WHERE cve = ?1", [cve], |r| {
                Ok(Kev {
                    cve: cve.to_string(),
                    date_added: r.get(0)?,
                })
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// `cve`'s EPSS score, if any.
    pub fn epss(&self, cve: &str) -> Result<Option<Epss>> {
        if !self.has_table(Feed::Epss)? {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT score, percentile FROM epss WHERE cve = ?1",
                [cve],
                |r| {
                    Ok(Epss {
                        score: r.get(0)?,
                        percentile: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// Opens a feed file, gunzipping it when it is gzip (zstd for Red Hat's
/// VEX archive), and returns the
/// reader with the feed its first bytes show (`None`: not a feed file, so
/// the caller imports it as OSV).
pub fn open_feed(path: &Path) -> std::io::Result<Option<(Feed, Box<dyn Read>)>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)?;
    let mut raw = std::io::BufReader::new(file);
    let magic = raw.fill_buf()?;
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let zstd = magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else if zstd {
        Box::new(zstd::stream::read::Decoder::with_buffer(raw)?)
    } else {
        Box::new(raw)
    };
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    let head = reader.fill_buf()?.to_vec();
    Ok(Feed::sniff(&head[..head.len().min(4096)]).map(|f| (f, Box::new(reader) as Box<dyn Read>)))
}

/// How many of one kind of warning are printed before the rest are only
/// counted.
const WARNINGS_SHOWN: usize = 10;

/// Warnings about skipped entries of one file: the first few in full, then
/// one line with the count of the rest.
pub(crate) struct Skips<'a> {
    file: &'a str,
    count: usize,
}

impl<'a> Skips<'a> {
    pub(crate) fn new(file: &'a str) -> Self {
        Skips { file, count: 0 }
    }

    pub(crate) fn skip(&mut self, what: &str, why: &str) {
        self.count += 1;
        if self.count <= WARNINGS_SHOWN {
            tracing::warn!("{}: {what} skipped: {why}", self.file);
        }
    }

    pub(crate) fn finish(self) -> usize {
        if self.count > WARNINGS_SHOWN {
            tracing::warn!(
                "{}: {} more entries skipped",
                self.file,
                self.count - WARNINGS_SHOWN
            );
        }
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(version: CvssVersion, primary: bool, score: f64) -> NvdMetric {
        NvdMetric {
            version,
            primary,
            source: "x".into(),
            score,
            vector: "V".into(),
        }
    }

    #[test]
    fn nvds_own_v31_wins_then_v30_then_v2_then_the_cnas() {
        let all = [
            metric(CvssVersion::V2, true, 5.0),
            metric(CvssVersion::V31, false, 9.8),
            metric(CvssVersion::V30, true, 7.5),
        ];
        assert_eq!(pick(&all).unwrap().score, 7.5);
        assert_eq!(pick(&all[..2]).unwrap().score, 5.0);
        assert_eq!(
            pick(&all[1..2]).unwrap().score,
            9.8,
            "the CNA's, as a last resort"
        );
        assert!(pick(&[]).is_none());
    }

    #[test]
    fn metrics_round_trip_through_their_line() {
        let m = NvdMetric {
            version: CvssVersion::V31,
            primary: true,
            source: "nvd@nist.gov".into(),
            score: 9.8,
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        };
        assert_eq!(NvdMetric::decode(&m.encode()), Some(m));
        assert_eq!(NvdMetric::decode("99 P 1 x y"), None);
    }

    #[test]
    fn feeds_are_told_by_their_first_bytes() {
        assert_eq!(
            Feed::sniff(br#"{"resultsPerPage":2000,"startIndex":0,"totalResults":5,"format":"NVD_CVE","version":"2.0""#),
            Some(Feed::Nvd)
        );
        assert_eq!(
            Feed::sniff(br#"{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2024.01.01""#),
            Some(Feed::Kev)
        );
        assert_eq!(
            Feed::sniff(b"#model_version:v2025.03.14,score_date:2025-06-01T00:00:00Z\ncve,epss,percentile\n"),
            Some(Feed::Epss)
        );
        assert_eq!(Feed::sniff(br#"{"id":"CVE-2024-1","modified":"x"}"#), None);
        let tracker = serde_json::to_vec(&debian_tracker::tests::sample()).unwrap();
        assert_eq!(Feed::sniff(&tracker), Some(Feed::DebianTracker));
        let vex = serde_json::to_vec_pretty(&redhat_vex::tests::sample()).unwrap();
        assert_eq!(
            Feed::sniff(&vex[..4096.min(vex.len())]),
            Some(Feed::RedHatVex)
        );
        let tar = redhat_vex::tests::archive(&[("2023/cve-2023-5344.json", vex)]);
        assert_eq!(Feed::sniff(&tar[..4096]), Some(Feed::RedHatVex));
        let ubuntu = ubuntu_tracker::tests::SAMPLE.as_bytes();
        assert_eq!(Feed::sniff(ubuntu), Some(Feed::UbuntuTracker));
        let tar = redhat_vex::tests::archive(&[(
            "ubuntu-cve-tracker-master/active/CVE-2024-2511",
            ubuntu.to_vec(),
        )]);
        assert_eq!(
            Feed::sniff(&tar[..4096.min(tar.len())]),
            Some(Feed::UbuntuTracker)
        );
    }
}
