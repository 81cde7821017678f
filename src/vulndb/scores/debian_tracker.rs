//! Debian's security tracker (`https://security-tracker.debian.org/tracker/data/json`):
//! what Debian says it will do about each CVE it has not fixed in a release.
//! OSV's Debian records carry only `introduced: 0` for those, so without
//! this every unfixed Debian finding is plain `affected`; Trivy reads the
//! same tracker data (through `vuln-list-debian`) and shows the states.
//!
//! The file is one JSON object, about 60 MB: source package → CVE id →
//! `{description, scope, debianbug, releases: {codename: {status, urgency,
//! nodsa, nodsa_reason, repositories, fixed_version}}}` (the shape
//! `aquasecurity/vuln-list-update`'s `debian/tracker` fetcher reads). It is
//! parsed as a stream, one package at a time, so memory stays bounded by
//! the largest package's entry, not by the file.
//!
//! Only annotations are stored, never advisories: a row says "for this
//! source package in this release, this CVE is `will_not_fix`" and applies
//! only to a finding OSV already produced without a fix. For each open
//! (unfixed) entry of a known release:
//!
//! - `urgency: end-of-life` → `end_of_life` (the release's support ended
//!   for the package);
//! - `nodsa_reason: postponed` → `fix_deferred` (fixed in a later update);
//! - `nodsa_reason: ignored`, or `nodsa` given with no reason (`no-dsa`:
//!   minor, no advisory planned) → `will_not_fix`;
//! - anything else is `affected`, which is what a finding is already, so no
//!   row is kept. `resolved` and `undetermined` entries are skipped, as
//!   trivy-db's Debian source skips `undetermined`.

use super::{ensure_tables, Feed};
use crate::error::{Error, Result};
use crate::finding::Status;
use crate::vulndb::store::VulnDb;
use rusqlite::OptionalExtension;
use serde::de::{self, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;

/// A tracker file larger than this is not one (today's is about 60 MB).
const MAX_BYTES: u64 = 1 << 30;

/// Debian's release codenames, as the tracker names them, and the version
/// OSV's ecosystems (`Debian:12`) and the os-release files use. `sid` has
/// no version and is not annotated.
const RELEASES: &[(&str, &str)] = &[
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

fn release_version(codename: &str) -> Option<&'static str> {
    RELEASES
        .iter()
        .find(|(c, _)| *c == codename)
        .map(|(_, v)| *v)
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    releases: BTreeMap<String, Release>,
}

#[derive(Deserialize)]
struct Release {
    #[serde(default)]
    status: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// The state of one release's entry; `None` when it is not an open issue.
fn state(release: &Release) -> Option<Status> {
    if release.status != "open" {
        return None;
    }
    if release.urgency == "end-of-life" {
        return Some(Status::EndOfLife);
    }
    Some(match release.nodsa_reason.as_deref().unwrap_or("") {
        "postponed" => Status::FixDeferred,
        "ignored" => Status::WillNotFix,
        _ if release.nodsa.is_some() => Status::WillNotFix,
        _ => Status::Affected,
    })
}

/// Walks the top-level object package by package, storing each package's
/// rows before reading the next.
struct Packages<'a, 'conn> {
    insert: &'a mut rusqlite::Statement<'conn>,
    stored: u64,
    skipped: u64,
    first_skip: Option<String>,
}

impl<'de> Visitor<'de> for &mut Packages<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of source packages")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(package) = map.next_key::<String>()? {
            let value: serde_json::Value = map.next_value()?;
            let issues = match serde_json::from_value::<BTreeMap<String, Issue>>(value) {
                Ok(issues) => issues,
                Err(e) => {
                    self.skipped += 1;
                    self.first_skip
                        .get_or_insert_with(|| format!("package {package:?}: {e}"));
                    continue;
                }
            };
            for (cve, issue) in issues {
                if !cve.starts_with("CVE-") {
                    continue;
                }
                for (codename, release) in &issue.releases {
                    let (Some(version), Some(status)) = (release_version(codename), state(release))
                    else {
                        continue;
                    };
                    if status == Status::Affected {
                        continue;
                    }
                    self.insert
                        .execute((version, package.as_str(), cve.as_str(), status.as_str()))
                        .map_err(de::Error::custom)?;
                    self.stored += 1;
                }
            }
        }
        Ok(())
    }
}

/// Replaces the stored tracker states with those read from `reader`;
/// returns the number of rows stored. A file that is not the tracker's
/// JSON is an error naming `file`; packages whose entries do not have the
/// tracker's shape are skipped with one warning.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<u64> {
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    tx.execute("DELETE FROM debian_tracker", [])
        .map_err(db_err)?;
    let mut insert = tx
        .prepare(
            "INSERT OR REPLACE INTO debian_tracker (release, package, cve, status) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    let mut packages = Packages {
        insert: &mut insert,
        stored: 0,
        skipped: 0,
        first_skip: None,
    };
    let limited = std::io::BufReader::new(reader.take(MAX_BYTES));
    let mut de = serde_json::Deserializer::from_reader(limited);
    serde::Deserializer::deserialize_map(&mut de, &mut packages)
        .and_then(|()| de.end())
        .map_err(|e| {
            Error::input(
                file,
                format!("not Debian's security tracker JSON (or larger than 1 GiB): {e}"),
            )
        })?;
    let (stored, skipped, first_skip) = (packages.stored, packages.skipped, packages.first_skip);
    drop(insert);
    if let Some(first) = first_skip {
        tracing::warn!(
            "{file}: {skipped} package entries skipped, not in the tracker's shape (first: {first})"
        );
    }
    tx.commit().map_err(db_err)?;
    Ok(stored)
}

impl VulnDb {
    /// The tracker's state of `cve` for source `package` in Debian
    /// `release` (`12`), when tracker data was imported and annotates it.
    pub fn debian_tracker_status(
        &self,
        release: &str,
        package: &str,
        cve: &str,
    ) -> Result<Option<Status>> {
        if !self.has_table(Feed::DebianTracker)? {
            return Ok(None);
        }
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM debian_tracker WHERE release = ?1 AND package = ?2 AND cve = ?3",
                (release, package, cve),
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(text.and_then(|t| t.parse().ok()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tracker file in the shape of `security-tracker.debian.org/tracker/data/json`
    /// (fields as in the tracker's JSON export that
    /// `aquasecurity/vuln-list-update` reads): one package per state.
    pub(crate) fn sample() -> serde_json::Value {
        let release = |status: &str, urgency: &str, nodsa: Option<(&str, &str)>| {
            let mut r = serde_json::json!({
                "status": status,
                "repositories": {"bookworm": "2.36-9+deb12u4"},
                "urgency": urgency,
            });
            if let Some((text, reason)) = nodsa {
                r["nodsa"] = text.into();
                r["nodsa_reason"] = reason.into();
            }
            r
        };
        serde_json::json!({
            "glibc": {
                "CVE-2010-4756": {
                    "description": "The glob implementation in the GNU C Library ...",
                    "scope": "local",
                    "releases": {
                        "bookworm": release("open", "unimportant", Some(("Minor issue", "ignored"))),
                        "bullseye": release("open", "unimportant", Some(("Minor issue", "postponed"))),
                        "sid": release("open", "unimportant", None),
                    }
                },
                "CVE-2019-1010022": {
                    "description": "GNU Libc current is affected by ...",
                    "releases": {"bookworm": release("open", "unimportant", Some(("Minor issue", "")))}
                },
                "CVE-2023-4911": {
                    "releases": {"bookworm": {"status": "resolved", "fixed_version": "2.36-9+deb12u3", "urgency": "high"}}
                },
                "TEMP-0000000-1": {"releases": {"bookworm": release("open", "low", Some(("x", "ignored")))}}
            },
            "curl": {
                "CVE-2024-2379": {"releases": {
                    "bookworm": release("open", "low", None),
                    "buster": release("open", "end-of-life", None),
                    "trixie": release("undetermined", "not yet assigned", None),
                }}
            },
            "broken": ["not", "an", "object"],
        })
    }

    #[test]
    fn open_entries_get_trivys_states_and_the_rest_are_not_stored() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let text = serde_json::to_vec(&sample()).unwrap();
        assert_eq!(import(&mut db, &text[..], "json").unwrap(), 4);
        let s = |r, p, c| db.debian_tracker_status(r, p, c).unwrap();
        assert_eq!(s("12", "glibc", "CVE-2010-4756"), Some(Status::WillNotFix));
        assert_eq!(s("11", "glibc", "CVE-2010-4756"), Some(Status::FixDeferred));
        assert_eq!(
            s("12", "glibc", "CVE-2019-1010022"),
            Some(Status::WillNotFix),
            "no-dsa"
        );
        assert_eq!(s("10", "curl", "CVE-2024-2379"), Some(Status::EndOfLife));
        assert_eq!(s("12", "curl", "CVE-2024-2379"), None, "plain open");
        assert_eq!(s("12", "glibc", "CVE-2023-4911"), None, "resolved");
        assert_eq!(s("13", "curl", "CVE-2024-2379"), None, "undetermined");

        // A new file replaces the stored states; a file that is not the
        // tracker's is an error and leaves them as they were.
        let next = serde_json::json!({"curl": {"CVE-2024-2379": {"releases": {
            "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor", "nodsa_reason": "postponed"}}}}});
        let next = serde_json::to_vec(&next).unwrap();
        assert_eq!(import(&mut db, &next[..], "json").unwrap(), 1);
        let s = |r, p, c| db.debian_tracker_status(r, p, c).unwrap();
        assert_eq!(s("12", "glibc", "CVE-2010-4756"), None);
        assert_eq!(s("12", "curl", "CVE-2024-2379"), Some(Status::FixDeferred));
        let err = import(&mut db, &b"[1, 2]"[..], "tracker.json").unwrap_err();
        assert!(err.to_string().contains("tracker.json"), "{err}");
        assert!(
            import(&mut db, &b"{\"a\": {}"[..], "t").is_err(),
            "truncated"
        );
        assert_eq!(
            db.debian_tracker_status("12", "curl", "CVE-2024-2379")
                .unwrap(),
            Some(Status::FixDeferred)
        );
    }

    #[test]
    fn a_database_without_tracker_data_annotates_nothing() {
        let db = VulnDb::open_in_memory().unwrap();
        assert_eq!(
            db.debian_tracker_status("12", "glibc", "CVE-2010-4756")
                .unwrap(),
            None
        );
    }
}
