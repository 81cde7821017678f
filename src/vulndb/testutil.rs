//! Records and zips built in code for the tests.

use std::io::Write;

use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

use super::osv::Record;

/// A record using every field scangate models.
pub(crate) fn full_record_json() -> Value {
    json!({
        "schema_version": "1.6.0",
        "id": "DEBIAN-CVE-2024-0001",
        "modified": "2024-03-01T12:00:00.123456Z",
        "published": "2024-01-02T00:00:00Z",
        "aliases": ["GHSA-xxxx-yyyy-zzzz"],
        "upstream": ["CVE-2024-0001"],
        "related": ["DSA-5600-1"],
        "summary": "openssl: a summary",
        "details": "Details, with \"quotes\" and\nnewlines.",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl", "purl": "pkg:deb/debian/openssl?arch=source"},
            "severity": [{"type": "Ubuntu", "score": "medium"}],
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}],
                 "database_specific": {"source": "x"}},
                {"type": "GIT", "repo": "https://github.com/openssl/openssl",
                 "events": [{"introduced": "abc"}, {"last_affected": "def"}, {"limit": "fff"}]},
                {"type": "FUTURE_TYPE", "events": []}
            ],
            "versions": ["3.0.9-1", "3.0.11-1~deb12u1"],
            "ecosystem_specific": {"urgency": "high"},
            "database_specific": {"nested": {"a": [1, 2]}}
        }, {
            "package": {"ecosystem": "Debian:11", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u2"}]}]
        }, {
            "ranges": [{"type": "GIT", "repo": "https://github.com/openssl/openssl",
                        "events": [{"introduced": "0"}, {"fixed": "123abc"}]}]
        }],
        "references": [{"type": "ADVISORY", "url": "https://security-tracker.debian.org/tracker/CVE-2024-0001"}],
        "credits": [{"name": "Someone", "contact": ["mailto:a@b"], "type": "FINDER"}],
        "database_specific": {"severity": "HIGH"}
    })
}

/// A small record: `id`, `modified`, and one `ECOSYSTEM` range per
/// (ecosystem, package).
pub(crate) fn record_json(id: &str, modified: &str, packages: &[(&str, &str)]) -> Value {
    let affected: Vec<Value> = packages
        .iter()
        .map(|(eco, name)| {
            json!({
                "package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]
            })
        })
        .collect();
    json!({"id": id, "modified": modified, "summary": format!("{id} at {modified}"), "affected": affected})
}

pub(crate) fn record(id: &str, modified: &str, packages: &[(&str, &str)]) -> Record {
    serde_json::from_value(record_json(id, modified, packages)).expect("test record")
}

/// A deflated zip of (entry name, content); names ending in `/` are
/// directories.
pub(crate) fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Deflated)
}

/// The same, stored uncompressed (to corrupt an entry's bytes in place).
pub(crate) fn zip_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Stored)
}

fn zip_with(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, content) in entries {
        if let Some(dir) = name.strip_suffix('/') {
            w.add_directory(dir, opts).expect("zip dir");
        } else {
            w.start_file(*name, opts).expect("zip entry");
            w.write_all(content).expect("zip write");
        }
    }
    w.finish().expect("zip finish").into_inner()
}
