//! The rpm package database, in the three on-disk formats found in images:
//!
//! | format | where | distributions |
//! |---|---|---|
//! | SQLite `rpmdb.sqlite` | `var/lib/rpm`, `usr/lib/sysimage/rpm` | RHEL 9, Fedora 33+, Amazon Linux 2023 |
//! | Berkeley DB hash `Packages` | `var/lib/rpm` | CentOS 7, RHEL 8, Amazon Linux 2 |
//! | NDB `Packages.db` | `usr/lib/sysimage/rpm`, `var/lib/rpm` | SUSE, openSUSE |
//!
//! Each backend only finds the per-package *header blobs* ([`sqlite`],
//! [`bdb`], [`ndb`]); all three store the same blob, decoded by [`header`].
//! Everything is pure Rust (plus the bundled SQLite), nothing from the host.
//!
//! Version strings follow rpm itself: `epoch:version-release` when the
//! package has an `Epoch` tag — even `Epoch: 0`, as `rpm -q` prints
//! `0:` then — and `version-release` when it has none. (Trivy drops an
//! epoch of 0; the two forms compare equal under rpm's rules, so matching is
//! unaffected, and keeping rpm's spelling keeps "exactly as the package
//! manager prints it" true.) The source version carries the binary's epoch,
//! because the `SOURCERPM` file name has no room for one.

mod bdb;
mod header;
mod ndb;
mod sqlite;
mod tag;

#[cfg(all(test, unix))]
mod crosscheck;
/// The test-only database encoders, shared with the end-to-end tests.
#[cfg(test)]
#[path = "../../../tests/support/rpmdb.rs"]
mod rpmdb;
#[cfg(test)]
mod tests;

use super::skips::Skips;
use super::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use header::{Header, HeaderError};

pub struct RpmAnalyzer;

static WANTS: &[Want] = &[
    Want::File("var/lib/rpm/rpmdb.sqlite"),
    Want::File("usr/lib/sysimage/rpm/rpmdb.sqlite"),
    Want::File("var/lib/rpm/Packages"),
    Want::File("usr/lib/sysimage/rpm/Packages"),
    Want::File("var/lib/rpm/Packages.db"),
    Want::File("usr/lib/sysimage/rpm/Packages.db"),
];

impl PackageAnalyzer for RpmAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Rpm, WANTS).version(3) // 3: gpg-pubkey entries are listed
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let mut collector = Collector {
            skips: Skips::new(path, "rpm database entry"),
            packages: Vec::new(),
        };
        let result = match DbFormat::detect(content) {
            Some(DbFormat::Sqlite) => sqlite::read(content, &mut collector),
            Some(DbFormat::BerkeleyDb) => bdb::read(content, &mut collector),
            Some(DbFormat::Ndb) => ndb::read(content, &mut collector),
            None if content.is_empty() => Err("empty file, not an rpm database".to_string()),
            None => Err(format!(
                "not an rpm database: no SQLite, Berkeley DB hash or NDB signature \
                 (file starts with {:02x?})",
                &content[..content.len().min(16)]
            )),
        };
        result.map_err(|message| ParseError::new(path, message))?;
        Ok(collector.packages)
    }
}

/// The on-disk formats, told apart by their magic numbers. The file name is
/// not trusted: a `Packages` file has been a SQLite database in the wild
/// (hand-converted images), and magic cannot lie about how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbFormat {
    Sqlite,
    BerkeleyDb,
    Ndb,
}

impl DbFormat {
    fn detect(content: &[u8]) -> Option<Self> {
        if content.starts_with(sqlite::MAGIC) {
            Some(DbFormat::Sqlite)
        } else if content.starts_with(ndb::MAGIC) {
            Some(DbFormat::Ndb)
        } else if bdb::has_magic(content) {
            Some(DbFormat::BerkeleyDb)
        } else {
            None
        }
    }
}

/// Where a backend delivers what it finds: header blobs, and records it
/// had to skip. Skips are not errors: the rest of the database still counts.
trait RecordSink {
    /// A header blob; `id` is the backend's record number, for messages.
    fn header(&mut self, id: i64, blob: &[u8]);
    /// A record that could not be read, with a description naming it.
    fn skip(&mut self, reason: String);
}

/// Decodes blobs into packages as the backend finds them, so no more than
/// one blob is held at a time beyond the file itself.
struct Collector<'p> {
    skips: Skips<'p>,
    packages: Vec<Package>,
}

impl RecordSink for Collector<'_> {
    fn header(&mut self, id: i64, blob: &[u8]) {
        match package_from_header(blob) {
            Ok(package) => self.packages.push(package),
            Err(e) => self.skip(format!("record {id}: malformed header: {e}")),
        }
    }
    fn skip(&mut self, reason: String) {
        self.skips.skip(reason);
    }
}

/// Builds the package a header describes. `gpg-pubkey` entries (imported
/// signing keys) are listed too, as `rpm -qa` and Trivy list them: which
/// keys an image trusts is part of what it is.
fn package_from_header(blob: &[u8]) -> Result<Package, HeaderError> {
    let header = Header::parse(blob)?;
    let required = |t: u32, what: &str| -> Result<String, HeaderError> {
        match header.string(t)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(HeaderError::missing(what)),
        }
    };
    let name = required(tag::NAME, "name")?;
    let version = required(tag::VERSION, "version")?;
    let release = required(tag::RELEASE, "release")?;
    let epoch = header.u32(tag::EPOCH)?;
    let arch = header.string(tag::ARCH)?.filter(|s| !s.is_empty());
    let license = header.string(tag::LICENSE)?.filter(|s| !s.is_empty());
    let modularity_label = header
        .string(tag::MODULARITYLABEL)?
        .filter(|s| !s.is_empty());
    let source_rpm = header.string(tag::SOURCERPM)?;

    let evr = |v: &str, r: &str| match epoch {
        Some(e) => format!("{e}:{v}-{r}"),
        None => format!("{v}-{r}"),
    };
    let full_version = evr(&version, &release);
    let (source_name, source_version) = match source_rpm.as_deref().and_then(split_source_rpm) {
        Some((n, v, r)) => (n.to_string(), evr(v, r)),
        None => (name.clone(), full_version.clone()),
    };
    Ok(Package {
        name,
        version: full_version,
        source_name,
        source_version,
        arch,
        licenses: license.into_iter().collect(),
        modularity_label,
        line: None,
        dev: false,
    })
}

/// Splits a `SOURCERPM` value, `NAME-VERSION-RELEASE.ARCH.rpm` with ARCH
/// `src` or `nosrc`, into name, version and release. Version and release
/// cannot contain `-`, so the last two dashes delimit them; the name may
/// contain any number. `None` if the value does not have that shape.
fn split_source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file.strip_suffix(".rpm")?;
    let (nvr, _arch) = stem.rsplit_once('.')?;
    let (nv, release) = nvr.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, version, release))
}
