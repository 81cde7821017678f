//! NVD's CVE API 2.0 feed files (`nvdcve-2.0-2024.json.gz`, the
//! `modified` feed), imported record by record: the file is parsed as a
//! stream, one CVE in memory at a time, and only what scoring needs is
//! kept (the v3.1, v3.0 and v2 metrics with type, source, score and
//! vector, and `lastModified`). A record that is not a CVE record is
//! skipped with a warning; a newer copy of a CVE (the `modified` feed)
//! replaces an older one, never the reverse.

use super::{ensure_tables, CvssVersion, NvdMetric, Skips};
use crate::error::{Error, Result};
use crate::vulndb::store::VulnDb;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

/// What one import of a feed file did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Records stored (new, or newer than the stored copy).
    pub records: u64,
    /// Records skipped as malformed.
    pub skipped: u64,
}

#[derive(Deserialize)]
struct Item {
    cve: Cve,
}

#[derive(Deserialize)]
struct Cve {
    id: String,
    #[serde(rename = "lastModified")]
    last_modified: String,
    #[serde(default)]
    metrics: BTreeMap<String, Vec<Metric>>,
}

#[derive(Deserialize)]
struct Metric {
    #[serde(default)]
    source: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(rename = "cvssData")]
    data: CvssData,
}

#[derive(Deserialize)]
struct CvssData {
    #[serde(rename = "vectorString")]
    vector: String,
    #[serde(rename = "baseScore")]
    score: f64,
}

/// Metric lists scangate knows and does not need for scoring.
const KNOWN_UNUSED: &[&str] = &["cvssMetricV40"];

/// Imports the feed read from `reader` (already decompressed) into `db`,
/// in one transaction. `file` names it in warnings.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<Imported> {
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    let mut stats = Imported::default();
    let mut skips = Skips::new(file);
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO nvd (cve, last_modified, metrics) VALUES (?1, ?2, ?3)
                 ON CONFLICT (cve) DO UPDATE SET
                     last_modified = excluded.last_modified, metrics = excluded.metrics
                 WHERE excluded.last_modified >= nvd.last_modified",
            )
            .map_err(db_err)?;
        let mut failure: Option<rusqlite::Error> = None;
        let mut each = |raw: &RawValue| -> bool {
            let item: Item = match serde_json::from_str(raw.get()) {
                Ok(item) => item,
                Err(e) => {
                    stats.skipped += 1;
                    skips.skip("a record", &format!("not an NVD CVE record ({e})"));
                    return true;
                }
            };
            let cve = item.cve;
            let mut metrics = Vec::new();
            for (key, list) in &cve.metrics {
                let version = match key.as_str() {
                    "cvssMetricV31" => CvssVersion::V31,
                    "cvssMetricV30" => CvssVersion::V30,
                    "cvssMetricV2" => CvssVersion::V2,
                    k if KNOWN_UNUSED.contains(&k) => continue,
                    other => {
                        skips.skip(&format!("{}'s {other}", cve.id), "unknown metric version");
                        continue;
                    }
                };
                for m in list {
                    metrics.push(NvdMetric {
                        version,
                        primary: m.kind == "Primary",
                        source: m.source.replace(' ', "_"),
                        score: m.data.score,
                        vector: m.data.vector.trim().to_string(),
                    });
                }
            }
            let text: Vec<String> = metrics.iter().map(NvdMetric::encode).collect();
            match insert.execute((&cve.id, &cve.last_modified, text.join("\n"))) {
                Ok(n) => {
                    stats.records += n as u64;
                    true
                }
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        };
        let parsed = {
            let mut de = serde_json::Deserializer::from_reader(reader);
            Feed { each: &mut each }.deserialize(&mut de)
        };
        if let Some(e) = failure {
            return Err(db_err(e));
        }
        parsed.map_err(|e| Error::input(file, format!("not an NVD CVE feed: {e}")))?;
    }
    skips.finish();
    tx.commit().map_err(db_err)?;
    Ok(stats)
}

/// The feed's top-level object: every key but `vulnerabilities` is
/// skipped unread.
struct Feed<'f> {
    each: &'f mut dyn FnMut(&RawValue) -> bool,
}

impl<'de> DeserializeSeed<'de> for Feed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Feed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NVD CVE API 2.0 feed object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "vulnerabilities" {
                map.next_value_seed(Records {
                    each: &mut *self.each,
                })?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(serde::de::Error::missing_field("vulnerabilities"));
        }
        Ok(())
    }
}

/// The `vulnerabilities` array, handed over one raw element at a time.
struct Records<'f> {
    each: &'f mut dyn FnMut(&RawValue) -> bool,
}

impl<'de> DeserializeSeed<'de> for Records<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of CVE records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if !(self.each)(&raw) {
                return Err(serde::de::Error::custom("database write failed"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, modified: &str, metrics: &str) -> String {
        format!(
            r#"{{"cve":{{"id":"{id}","sourceIdentifier":"x","published":"2024-01-01T00:00:00.000","lastModified":"{modified}","vulnStatus":"Analyzed","descriptions":[{{"lang":"en","value":"d"}}],"metrics":{{{metrics}}},"references":[]}}}}"#
        )
    }

    const V31_PRIMARY: &str = r#""cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"},"exploitabilityScore":3.9,"impactScore":5.9}]"#;

    fn feed(records: &[String]) -> String {
        format!(
            r#"{{"resultsPerPage":{n},"startIndex":0,"totalResults":{n},"format":"NVD_CVE","version":"2.0","timestamp":"2024-06-01T00:00:00.000","vulnerabilities":[{}]}}"#,
            records.join(","),
            n = records.len()
        )
    }

    #[test]
    fn keeps_the_metrics_and_skips_bad_records() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let text = feed(&[
            record("CVE-2024-0001", "2024-02-01T00:00:00.000", V31_PRIMARY),
            r#"{"cve":{"id":"CVE-2024-0002"}}"#.to_string(),
            record(
                "CVE-2024-0003",
                "2024-02-01T00:00:00.000",
                r#""cvssMetricV50":[{"source":"x","type":"Primary","cvssData":{"vectorString":"v","baseScore":1.0}}]"#,
            ),
        ]);
        let stats = import(&mut db, text.as_bytes(), "feed.json").unwrap();
        assert_eq!(
            stats,
            Imported {
                records: 2,
                skipped: 1
            }
        );
        let m = db.nvd_metrics("CVE-2024-0001").unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].version, m[0].primary, m[0].score),
            (CvssVersion::V31, true, 9.8)
        );
        assert!(db.nvd_metrics("CVE-2024-0003").unwrap().is_empty());
    }

    #[test]
    fn an_older_copy_never_replaces_a_newer_one() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let newer = feed(&[record(
            "CVE-2024-0001",
            "2024-03-01T00:00:00.000",
            V31_PRIMARY,
        )]);
        import(&mut db, newer.as_bytes(), "modified.json").unwrap();
        let older = feed(&[record("CVE-2024-0001", "2024-01-01T00:00:00.000", "")]);
        let stats = import(&mut db, older.as_bytes(), "2024.json").unwrap();
        assert_eq!(stats.records, 0);
        assert_eq!(db.nvd_metrics("CVE-2024-0001").unwrap().len(), 1);
    }

    #[test]
    fn a_file_that_is_not_a_feed_is_an_error_naming_it() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let err = import(&mut db, &b"[1,2"[..], "x.json").unwrap_err();
        assert!(
            err.to_string().starts_with("x.json: not an NVD CVE feed"),
            "{err}"
        );
        let err = import(&mut db, &br#"{"format":"NVD_CVE"}"#[..], "y.json").unwrap_err();
        assert!(err.to_string().contains("vulnerabilities"), "{err}");
    }
}
