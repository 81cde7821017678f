//! Ubuntu's CVE tracker (`ubuntu-cve-tracker`, `active/` and `retired/`):
//! what Ubuntu decided about each CVE it has not fixed in a release.
//! Ubuntu's OSV records list every unfixed state (`needed`, `deferred`,
//! `ignored`, `pending`, `needs-triage`) the same way, `introduced: 0`
//! with no fix (Canonical's "Ubuntu OSV data" page, "Mapping Ubuntu CVE
//! Tracker statuses in OSV"), so without this every unfixed Ubuntu finding
//! is plain `affected`. Trivy reads the tracker itself (trivy-db
//! `pkg/vulnsrc/ubuntu`, from `vuln-list`'s copy of it) and shows:
//!
//! - `ignored` → `will_not_fix`;
//! - `needed`, `pending`, `deferred` → `fix_deferred`.
//!
//! `needs-triage` is left `affected` (Trivy drops those CVEs; here OSV's
//! finding stays, unchanged), as are the other states.
//!
//! A tracker file is RFC 822-like text: `Candidate: CVE-…`, then one line
//! per release and source package, `jammy_openssl: needed`,
//! `esm-infra/xenial_openssl: ignored (end of life)`. The tracker comes as
//! a tarball of its repository (Launchpad's snapshot), read as a stream; or
//! as single CVE files. Only the states above are stored, as annotations:
//! release (`22.04`, or `Pro:16.04` for the ESM releases Ubuntu Pro's
//! ecosystems cover), source package, CVE, state.

use super::documents::{self, Input};
use super::ensure_tables;
use crate::error::{Error, Result};
use crate::finding::Status;
use crate::vulndb::store::VulnDb;
use rusqlite::OptionalExtension;
use std::io::Read;

/// The whole repository, uncompressed, is about a GB; more is not it.
const MAX_BYTES: u64 = 8 << 30;
/// One CVE file (the kernel's are the largest, a few hundred KB).
const MAX_FILE: u64 = 8 << 20;

/// Ubuntu's codenames and their versions, as OSV's ecosystems
/// (`Ubuntu:22.04:LTS`) and `lsb-release` name them.
const RELEASES: &[(&str, &str)] = &[
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("bionic", "18.04"),
    ("focal", "20.04"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

/// The tracker's release name as the key stored: `jammy` → `22.04`, the
/// ESM names (`esm-infra/xenial`, `esm-apps/jammy`, `trusty/esm`,
/// `esm-infra-legacy/trusty`) → `Pro:16.04`.
fn release_key(name: &str) -> Option<String> {
    let version = |codename: &str| {
        RELEASES
            .iter()
            .find(|(c, _)| *c == codename)
            .map(|(_, v)| *v)
    };
    if let Some(v) = version(name) {
        return Some(v.to_string());
    }
    let codename = match name.split_once('/') {
        Some((esm, codename)) if esm.starts_with("esm-") => codename,
        Some((codename, "esm")) => codename,
        _ => return None,
    };
    version(codename).map(|v| format!("Pro:{v}"))
}

/// Trivy's state of a tracker status; `None` for those left as they are.
fn state(status: &str) -> Option<Status> {
    match status {
        "ignored" => Some(Status::WillNotFix),
        "needed" | "pending" | "deferred" => Some(Status::FixDeferred),
        _ => None,
    }
}

/// One stored state: release key, source package, state.
type Row = (String, String, Status);

/// The CVE and its rows of one tracker file; `None` when it is not one.
fn rows_of(text: &str) -> Option<(String, Vec<Row>)> {
    let mut cve = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key == "Candidate" {
            cve = Some(value.trim().to_string());
            continue;
        }
        let Some((release, package)) = key.split_once('_') else {
            continue;
        };
        let Some(release) = release_key(release) else {
            continue;
        };
        let status = value.split_whitespace().next().unwrap_or("");
        if let Some(s) = state(status) {
            rows.push((release, package.to_string(), s));
        }
    }
    let cve = cve.filter(|c| c.starts_with("CVE-"))?;
    Some((cve, rows))
}

/// Whether a tar member is a tracker CVE file (`…/active/CVE-2024-1234`,
/// `…/retired/CVE-…`).
fn is_cve_file(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let (Some(file), Some(dir)) = (parts.next(), parts.next()) else {
        return false;
    };
    file.starts_with("CVE-") && matches!(dir, "active" | "retired")
}

/// Imports a tarball of the tracker (replacing every stored state) or one
/// CVE file (replacing that CVE's). Returns the rows stored.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<u64> {
    let input = documents::open(reader, file, MAX_BYTES)?;
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    let mut insert = tx
        .prepare(
            "INSERT OR REPLACE INTO ubuntu_tracker (release, package, cve, status) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    let mut store = |cve: &str, rows: &[Row]| -> Result<u64> {
        for (release, package, status) in rows {
            insert
                .execute((release, package, cve, status.as_str()))
                .map_err(db_err)?;
        }
        Ok(rows.len() as u64)
    };
    let stored = match input {
        Input::Archive(mut archive) => {
            tx.execute("DELETE FROM ubuntu_tracker", [])
                .map_err(db_err)?;
            documents::each_member(
                &mut archive,
                file,
                MAX_FILE,
                is_cve_file,
                "no Ubuntu CVE tracker file (active/CVE-…) in the archive",
                |bytes| match rows_of(&String::from_utf8_lossy(bytes)) {
                    Some((cve, rows)) => store(&cve, &rows).map(Ok),
                    None => Ok(Err("no `Candidate: CVE-…` line".to_string())),
                },
            )?
        }
        Input::Single(reader) => {
            let bytes =
                documents::read_bounded(reader, MAX_FILE).map_err(|e| Error::io(file, e))?;
            let (cve, rows) = bytes
                .and_then(|bytes| rows_of(&String::from_utf8_lossy(&bytes)))
                .ok_or_else(|| {
                    Error::input(
                        file,
                        "not an Ubuntu CVE tracker file (no `Candidate: CVE-…`)",
                    )
                })?;
            tx.execute("DELETE FROM ubuntu_tracker WHERE cve = ?1", [&cve])
                .map_err(db_err)?;
            store(&cve, &rows)?
        }
    };
    drop(insert);
    tx.commit().map_err(db_err)?;
    Ok(stored)
}

impl VulnDb {
    /// The tracker's state of `cve` for source `package` in Ubuntu
    /// `release` (`22.04`, or `Pro:22.04` for its ESM pockets).
    pub fn ubuntu_tracker_status(
        &self,
        release: &str,
        package: &str,
        cve: &str,
    ) -> Result<Option<Status>> {
        if !self.has_table(super::Feed::UbuntuTracker)? {
            return Ok(None);
        }
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM ubuntu_tracker WHERE release = ?1 AND package = ?2 AND cve = ?3",
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

    /// A tracker file in the shape of `ubuntu-cve-tracker`'s
    /// `active/CVE-*` (its README's "Patches" section): header fields,
    /// then `<release>_<source>: <status> (<note>)` lines.
    pub(crate) const SAMPLE: &str = "PublicDateAtUSN: 2024-03-04 00:00:00 UTC
Candidate: CVE-2024-2511
PublicDate: 2024-04-08 14:15:00 UTC
References:
 https://www.openssl.org/news/secadv/20240408.txt
Description:
 Issue summary: Some non-default TLS server configurations can cause
 unbounded memory growth.
Priority: low

Patches_openssl:
 upstream: https://github.com/openssl/openssl/commit/e9d7083e
upstream_openssl: released (3.2.2)
trusty_openssl: ignored (out of standard support)
esm-infra-legacy/trusty_openssl: needed
xenial_openssl: ignored (end of standard support)
esm-infra/xenial_openssl: deferred (2024-05-01)
focal_openssl: needed
jammy_openssl: released (3.0.2-0ubuntu1.15)
noble_openssl: pending (3.0.13-0ubuntu3.1)
devel_openssl: needs-triage
Priority_openssl: low

Patches_edk2:
jammy_edk2: ignored (code not built)
noble_edk2: needs-triage
";

    #[test]
    fn tracker_lines_get_trivys_states() {
        let mut db = VulnDb::open_in_memory().unwrap();
        assert_eq!(
            import(&mut db, SAMPLE.as_bytes(), "CVE-2024-2511").unwrap(),
            7
        );
        let s = |r, p| db.ubuntu_tracker_status(r, p, "CVE-2024-2511").unwrap();
        assert_eq!(s("14.04", "openssl"), Some(Status::WillNotFix));
        assert_eq!(s("Pro:14.04", "openssl"), Some(Status::FixDeferred));
        assert_eq!(s("Pro:16.04", "openssl"), Some(Status::FixDeferred));
        assert_eq!(s("20.04", "openssl"), Some(Status::FixDeferred));
        assert_eq!(s("22.04", "openssl"), None, "released");
        assert_eq!(s("24.04", "openssl"), Some(Status::FixDeferred), "pending");
        assert_eq!(s("22.04", "edk2"), Some(Status::WillNotFix));
        assert_eq!(s("24.04", "edk2"), None, "needs-triage");

        let err = import(&mut db, &b"hello"[..], "x.txt").unwrap_err();
        assert!(err.to_string().contains("x.txt"), "{err}");
        assert_eq!(
            db.ubuntu_tracker_status("20.04", "openssl", "CVE-2024-2511")
                .unwrap(),
            Some(Status::FixDeferred)
        );
    }

    #[test]
    fn a_repository_tarball_replaces_everything() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let other = SAMPLE.replace("CVE-2024-2511", "CVE-2024-0001");
        import(&mut db, other.as_bytes(), "one").unwrap();
        let tar = super::super::redhat_vex::tests::archive(&[
            ("ubuntu-cve-tracker-master/README", b"x".to_vec()),
            (
                "ubuntu-cve-tracker-master/active/CVE-2024-2511",
                SAMPLE.as_bytes().to_vec(),
            ),
            (
                "ubuntu-cve-tracker-master/active/CVE-2024-9",
                b"no candidate".to_vec(),
            ),
            (
                "ubuntu-cve-tracker-master/scripts/CVE-x",
                b"Candidate: CVE-1".to_vec(),
            ),
        ]);
        assert_eq!(import(&mut db, &tar[..], "t.tar").unwrap(), 7);
        assert_eq!(
            db.ubuntu_tracker_status("20.04", "openssl", "CVE-2024-0001")
                .unwrap(),
            None
        );
        assert!(is_cve_file("u/retired/CVE-2010-1"));
        assert!(!is_cve_file("u/ignored/CVE-2010-1"));
    }
}
