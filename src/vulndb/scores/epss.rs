//! FIRST's daily EPSS scores (`epss_scores-YYYY-MM-DD.csv.gz`): a
//! `#model_version…` comment line, the header `cve,epss,percentile`, then
//! one CVE a line. Each day's file is whole, so an import replaces the
//! stored scores. A line that does not parse is skipped with a warning.

use super::{ensure_tables, Skips};
use crate::error::{Error, Result};
use crate::vulndb::store::VulnDb;
use std::io::{BufRead, BufReader, Read};

/// A line longer than this is not an EPSS row.
const MAX_LINE: u64 = 4096;

/// Replaces the stored scores with those read from `reader`; returns the
/// number of CVEs stored.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<u64> {
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    tx.execute("DELETE FROM epss", []).map_err(db_err)?;
    let mut stored = 0;
    let mut skips = Skips::new(file);
    {
        let mut insert = tx
            .prepare("INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)")
            .map_err(db_err)?;
        let mut reader = BufReader::new(reader);
        let mut line = String::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = (&mut reader)
                .take(MAX_LINE)
                .read_line(&mut line)
                .map_err(|e| Error::input(file, format!("not an EPSS CSV file: {e}")))?;
            if n == 0 {
                break;
            }
            number += 1;
            let row = line.trim();
            if row.is_empty() || row.starts_with('#') || row.starts_with("cve,") {
                continue;
            }
            match parse(row) {
                Some((cve, score, percentile)) => {
                    insert.execute((cve, score, percentile)).map_err(db_err)?;
                    stored += 1;
                }
                None => skips.skip(
                    &format!("line {number}"),
                    "not `CVE-ID,score,percentile` with scores between 0 and 1",
                ),
            }
            if n as u64 == MAX_LINE && !line.ends_with('\n') {
                // The rest of an overlong line is not another row.
                let mut sink = Vec::new();
                reader
                    .read_until(b'\n', &mut sink)
                    .map_err(|e| Error::input(file, e.to_string()))?;
            }
        }
    }
    if stored == 0 {
        return Err(Error::input(file, "not an EPSS CSV file: no scores in it"));
    }
    skips.finish();
    tx.commit().map_err(db_err)?;
    Ok(stored)
}

fn parse(row: &str) -> Option<(&str, f64, f64)> {
    let mut fields = row.split(',');
    let cve = fields.next()?.trim();
    let score: f64 = fields.next()?.trim().parse().ok()?;
    let percentile: f64 = fields.next()?.trim().parse().ok()?;
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    (cve.starts_with("CVE-") && unit(score) && unit(percentile)).then_some((cve, score, percentile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_replace_the_stored_ones_and_bad_rows_are_skipped() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let day1 = "#model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\nCVE-1999-0001,0.01,2.5\nnot,a,row\n";
        assert_eq!(import(&mut db, day1.as_bytes(), "epss.csv").unwrap(), 1);
        let e = db.epss("CVE-2021-44228").unwrap().unwrap();
        assert_eq!((e.score, e.percentile), (0.94358, 0.99961));
        let day2 = "cve,epss,percentile\nCVE-2024-3400,0.9,0.99\n";
        assert_eq!(import(&mut db, day2.as_bytes(), "epss.csv").unwrap(), 1);
        assert!(db.epss("CVE-2021-44228").unwrap().is_none());
        assert!(import(&mut db, &b"hello\n"[..], "x.csv").is_err());
    }
}
