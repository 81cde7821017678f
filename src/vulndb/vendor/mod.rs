//! Vendors' own advisory feeds, converted into OSV records, for the
//! distributions OSV does not publish: Amazon Linux (ALAS, the
//! `updateinfo.xml` of its repositories), Oracle Linux (ELSA, its OVAL
//! file) and Photon OS (its per-release CVE list). Once converted they are
//! records like any other: `db import` accepts the vendor's files as they
//! are published, `db update` fetches them from configurable URLs, and the
//! scan fails closed when an image of one of these distributions has no
//! data, as for any OSV ecosystem.
//!
//! The ecosystems are named like OSV's: `Amazon Linux:2023`, `Oracle
//! Linux:9`, `Photon OS:5.0` (OSV's own name for Photon).

mod amazon;
pub mod fetch;
mod oracle;
mod photon;

use super::osv::Record;
use super::{ImportStats, SourceState, VulnDb};
use crate::ecosystem::Base;
use crate::error::{Error, Result};
use std::io::{BufRead, Read};
use std::path::Path;

/// A vendor feed file, told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Amazon Linux's `updateinfo.xml` (plain or gzipped).
    AmazonUpdateinfo,
    /// Oracle's ELSA OVAL definitions (plain, gzipped or bzip2ed).
    OracleOval,
    /// Photon's `cve_data_photon<release>.json`.
    PhotonCves,
}

impl Feed {
    /// The ecosystem base this feed's records belong to.
    pub fn base(self) -> Base {
        match self {
            Feed::AmazonUpdateinfo => Base::AmazonLinux,
            Feed::OracleOval => Base::OracleLinux,
            Feed::PhotonCves => Base::PhotonOs,
        }
    }
}

/// Decompressed content larger than this is not a feed scangate reads
/// (Oracle's OVAL file for every release is ~300 MiB; a bzip2 bomb must
/// not fill the memory).
const MAX_FEED_BYTES: u64 = 1 << 30;

/// The vendor feed in the file at `path`, decompressed (gzip or bzip2, by
/// magic number), or `None` when the file is something else (an OSV record
/// or zip, an NVD feed). Only the first 4 KiB are read to tell.
pub fn open(path: &Path) -> std::io::Result<Option<(Feed, Vec<u8>)>> {
    let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
    let magic = file.fill_buf()?.to_vec();
    if magic.starts_with(b"PK") {
        return Ok(None);
    }
    let reader: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else if magic.starts_with(b"BZh") {
        Box::new(bzip2::read::MultiBzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut reader = reader.take(MAX_FEED_BYTES + 1);
    let mut content = vec![0; 4096];
    let mut n = 0;
    while n < content.len() {
        match reader.read(&mut content[n..])? {
            0 => break,
            k => n += k,
        }
    }
    content.truncate(n);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(feed) = detect(&name, &content) else {
        return Ok(None);
    };
    reader.read_to_end(&mut content)?;
    if content.len() as u64 > MAX_FEED_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {MAX_FEED_BYTES} bytes decompressed: not a vendor feed scangate reads"
            ),
        ));
    }
    Ok(Some((feed, content)))
}

/// Which vendor feed `content` (decompressed) is, if any. `name` is the
/// file's name: Photon's list says its release only there.
pub fn detect(name: &str, content: &[u8]) -> Option<Feed> {
    let head = String::from_utf8_lossy(&content[..content.len().min(4096)]);
    if head.contains("<updates") {
        Some(Feed::AmazonUpdateinfo)
    } else if head.contains("oval_definitions") && head.contains("Oracle") {
        Some(Feed::OracleOval)
    } else if photon::release_of(name).is_some() && head.trim_start().starts_with('[') {
        Some(Feed::PhotonCves)
    } else {
        None
    }
}

/// Converts one feed file into OSV records. `name` is the file's name
/// (Photon's release), `modified` the time to stamp records whose feed
/// has none (RFC 3339). A feed that cannot be read at all is an error
/// naming what is wrong; an entry that cannot be converted is skipped
/// with a warning naming `name`.
pub fn convert(
    feed: Feed,
    name: &str,
    content: &[u8],
    modified: &str,
) -> std::result::Result<Vec<Record>, String> {
    match feed {
        Feed::AmazonUpdateinfo => amazon::convert(name, content),
        Feed::OracleOval => oracle::convert(name, content),
        Feed::PhotonCves => photon::convert(name, content, modified),
    }
}

/// Converts a feed file and imports its records in one transaction.
/// `label` names the file (or URL) in messages; its records' ecosystems
/// are recorded as fetched, so an ecosystem the feed holds nothing for is
/// a warning at scan time rather than missing data.
pub fn import(
    db: &mut VulnDb,
    feed: Feed,
    label: &str,
    content: &[u8],
    state: SourceState,
) -> Result<ImportStats> {
    let name = label.rsplit('/').next().unwrap_or(label);
    let modified = crate::vulndb::time::format_unix(crate::vulndb::time::now_unix());
    let records = convert(feed, name, content, &modified).map_err(|e| Error::input(label, e))?;
    let mut ecosystems: Vec<String> = records
        .iter()
        .flat_map(|r| &r.affected)
        .filter_map(|a| a.package.as_ref().map(|p| p.ecosystem.clone()))
        .collect();
    ecosystems.extend(state.ecosystems.iter().cloned());
    ecosystems.sort();
    ecosystems.dedup();
    let mut importer = db.importer()?;
    for r in records {
        importer.record(r)?;
    }
    importer.set_source_state(&SourceState {
        source: feed.base().as_str().to_string(),
        fetched_at: Some(crate::vulndb::time::now_unix()),
        records: importer.stats().records(),
        ecosystems,
        ..state
    })?;
    importer.commit()
}

pub use crate::core::ecosystem::release_of;

/// An `affected[]` entry: `name` in `ecosystem`, fixed in `fixed` (none:
/// no fix yet), compared as rpm versions.
fn affected(ecosystem: &str, name: &str, fixed: Option<&str>) -> serde_json::Value {
    let mut events = vec![serde_json::json!({"introduced": "0"})];
    if let Some(f) = fixed {
        events.push(serde_json::json!({ "fixed": f }));
    }
    serde_json::json!({
        "package": {"ecosystem": ecosystem, "name": name},
        "ranges": [{"type": "ECOSYSTEM", "events": events}],
    })
}

/// An rpm EVR as advisories write it: the epoch only when not 0.
fn evr(epoch: &str, version: &str, release: &str) -> String {
    match epoch.trim() {
        "" | "0" => format!("{version}-{release}"),
        e => format!("{e}:{version}-{release}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_follow_trivys_os_versions() {
        let r = |b, v| release_of(b, v);
        assert_eq!(r(Base::AmazonLinux, "2 (Karoo)").as_deref(), Some("2"));
        assert_eq!(
            r(Base::AmazonLinux, "2023.3.20240131 (Amazon Linux)").as_deref(),
            Some("2023")
        );
        assert_eq!(
            r(Base::AmazonLinux, "AMI release 2018.03").as_deref(),
            Some("1")
        );
        assert_eq!(r(Base::OracleLinux, "8.9").as_deref(), Some("8"));
        assert_eq!(r(Base::PhotonOs, "5.0").as_deref(), Some("5.0"));
        assert_eq!(r(Base::OracleLinux, "").as_deref(), None);
    }

    #[test]
    fn compressed_feeds_are_read_by_magic() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let updateinfo = b"<?xml version=\"1.0\" ?>\n<updates></updates>";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(updateinfo).unwrap();
        std::fs::write(dir.path().join("updateinfo.xml.gz"), gz.finish().unwrap()).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(b"<oval_definitions><generator>Oracle</generator></oval_definitions>")
            .unwrap();
        std::fs::write(dir.path().join("elsa.xml.bz2"), bz.finish().unwrap()).unwrap();
        std::fs::write(dir.path().join("cve_data_photon5.0.json"), b"[]").unwrap();
        std::fs::write(dir.path().join("CVE-1.json"), b"{\"id\": \"CVE-1\"}").unwrap();
        let feed = |name: &str| {
            open(&dir.path().join(name))
                .unwrap()
                .map(|(f, c)| (f, c.len()))
        };
        assert_eq!(
            feed("updateinfo.xml.gz"),
            Some((Feed::AmazonUpdateinfo, updateinfo.len()))
        );
        assert_eq!(feed("elsa.xml.bz2").map(|f| f.0), Some(Feed::OracleOval));
        assert_eq!(feed("cve_data_photon5.0.json"), Some((Feed::PhotonCves, 2)));
        assert_eq!(feed("CVE-1.json"), None);
    }
}
