//! CISA's Known Exploited Vulnerabilities catalog
//! (`known_exploited_vulnerabilities.json`): each listed CVE and the date
//! it was added. The catalog is whole in every file, so an import replaces
//! the stored one. An entry without a CVE id or date is skipped with a
//! warning.

use super::{ensure_tables, Skips};
use crate::error::{Error, Result};
use crate::vulndb::store::VulnDb;
use serde::Deserialize;
use std::io::Read;

/// A KEV catalog larger than this is not one (today's is about 1.5 MB).
const MAX_BYTES: u64 = 64 << 20;

#[derive(Deserialize)]
struct Catalog {
    vulnerabilities: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "cveID")]
    cve: String,
    #[serde(rename = "dateAdded")]
    date_added: String,
}

/// Replaces the stored catalog with the one read from `reader`; returns
/// the number of entries stored.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<u64> {
    let mut text = Vec::new();
    reader
        .take(MAX_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| Error::io(file, e))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(Error::input(
            file,
            "larger than a KEV catalog can be (64 MiB)",
        ));
    }
    let catalog: Catalog = serde_json::from_slice(&text)
        .map_err(|e| Error::input(file, format!("not a KEV catalog: {e}")))?;
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    tx.execute("DELETE FROM kev", []).map_err(db_err)?;
    let mut stored = 0;
    let mut skips = Skips::new(file);
    {
        let mut insert = tx
            .prepare("INSERT OR REPLACE INTO kev (cve, date_added) VALUES (?1, ?2)")
            .map_err(db_err)?;
        for (i, value) in catalog.vulnerabilities.into_iter().enumerate() {
            match serde_json::from_value::<Entry>(value) {
                Ok(e) if e.cve.starts_with("CVE-") && !e.date_added.is_empty() => {
                    insert
                        .execute((e.cve.trim(), e.date_added.trim()))
                        .map_err(db_err)?;
                    stored += 1;
                }
                Ok(e) => skips.skip(
                    &format!("entry {i}"),
                    &format!("{:?} is not a CVE id", e.cve),
                ),
                Err(e) => skips.skip(&format!("entry {i}"), &e.to_string()),
            }
        }
    }
    skips.finish();
    tx.commit().map_err(db_err)?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_replaces_the_stored_one_and_bad_entries_are_skipped() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let first = r#"{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2024.06.01","count":1,"vulnerabilities":[{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2","dateAdded":"2021-12-10"}]}"#;
        assert_eq!(import(&mut db, first.as_bytes(), "kev.json").unwrap(), 1);
        let second = r#"{"catalogVersion":"2024.06.02","vulnerabilities":[{"cveID":"CVE-2024-3400","dateAdded":"2024-04-12"},{"cveID":"nope","dateAdded":"2024-01-01"},{"dateAdded":"2024-01-01"}]}"#;
        assert_eq!(import(&mut db, second.as_bytes(), "kev.json").unwrap(), 1);
        assert!(db.kev("CVE-2021-44228").unwrap().is_none(), "replaced");
        assert_eq!(
            db.kev("CVE-2024-3400").unwrap().unwrap().date_added,
            "2024-04-12"
        );
        assert!(import(&mut db, &b"{}"[..], "x.json").is_err());
    }
}
