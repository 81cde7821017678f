//! The SQLite backend (`rpmdb.sqlite`, rpm ≥ 4.16): table
//! `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)` holds one header blob per
//! package; the other tables are indexes rpm can rebuild and are not read.
//!
//! The file is handed to the bundled SQLite from memory
//! (`sqlite3_deserialize`), read-only, so nothing touches the disk.

use super::RecordSink;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, MAIN_DB};
use std::io::Read;

/// The SQLite file header.
pub(super) const MAGIC: &[u8] = b"SQLite format 3\0";

/// Offsets of the "file format write/read version" bytes in the SQLite
/// header: 1 = rollback journal, 2 = WAL.
const FORMAT_VERSION_BYTES: std::ops::Range<usize> = 18..20;

/// Reads every row of `Packages`. A row whose blob cannot be read is
/// skipped; if SQLite reports corruption part-way through, the rows already
/// read are kept and the rest is reported as one skip, since a CI scan is
/// better served by most of an inventory and a warning than by nothing.
pub(super) fn read(content: &[u8], sink: &mut dyn RecordSink) -> Result<(), String> {
    let conn = open(content)?;
    let is_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
            [],
            |row| row.get::<_, i64>(0).map(|n| n > 0),
        )
        .map_err(|e| format!("unreadable SQLite database: {e}"))?;
    if !is_table {
        return Err("SQLite database has no Packages table, not an rpm database".to_string());
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("SQLite Packages table is not rpm's: {e}"))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| format!("cannot query Packages table: {e}"))?;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let hnum = match row.get_ref(0) {
                    Ok(ValueRef::Integer(h)) => h,
                    _ => {
                        sink.skip("row with a non-integer hnum".to_string());
                        continue;
                    }
                };
                match row.get_ref(1) {
                    Ok(ValueRef::Blob(blob)) => sink.header(hnum, blob),
                    Ok(other) => sink.skip(format!(
                        "hnum {hnum}: blob column holds {:?}, not a blob",
                        other.data_type()
                    )),
                    Err(e) => sink.skip(format!("hnum {hnum}: {e}")),
                }
            }
            Ok(None) => return Ok(()),
            Err(e) => {
                sink.skip(format!("reading stopped part-way, database damaged: {e}"));
                return Ok(());
            }
        }
    }
}

/// Loads `content` into an in-memory, read-only connection.
///
/// rpm runs its database in WAL mode, which the header records in bytes
/// 18–19. SQLite's in-memory VFS cannot open a WAL-mode database, so those
/// two bytes are presented as "rollback journal" while the buffer is
/// copied in. That is safe: an image layer holds only the main file (a
/// `-wal` file, if any, is not read — as with rpm after a clean
/// checkpoint), and the page format is identical in both modes.
fn open(content: &[u8]) -> Result<Connection, String> {
    if content.len() < 100 {
        return Err(format!(
            "SQLite database of {} bytes is truncated",
            content.len()
        ));
    }
    // sqlite3_deserialize takes a C int size.
    if i32::try_from(content.len()).is_err() {
        return Err("SQLite database too large".to_string());
    }
    let mut conn = Connection::open_in_memory().map_err(|e| format!("SQLite: {e}"))?;
    let patched = content[..FORMAT_VERSION_BYTES.start]
        .chain(&[1u8, 1][..])
        .chain(&content[FORMAT_VERSION_BYTES.end..]);
    conn.deserialize_read_exact(MAIN_DB, patched, content.len(), true)
        .map_err(|e| format!("cannot load SQLite database: {e}"))?;
    Ok(conn)
}
