//! A small rpm header encoder and an `rpmdb.sqlite` writer, enough to give
//! an image an rpm package database.
//!
//! A header blob (as rpmdb.sqlite stores it, without the 8-byte magic) is:
//! be32 index count, be32 data length, 16-byte index entries (be32 tag, type,
//! offset, count), then the data. Like rpm, the encoder puts the tags in an
//! immutable region (`HEADERIMMUTABLE`, tag 63) whose trailer closes the data.

/// rpm tag numbers used here.
pub mod tag {
    pub const HEADERIMMUTABLE: u32 = 63;
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const LICENSE: u32 = 1014;
    pub const ARCH: u32 = 1022;
    pub const SOURCERPM: u32 = 1044;
    pub const MODULARITYLABEL: u32 = 5096;
}

const INT32: u32 = 4;
const STRING: u32 = 6;
const BIN: u32 = 7;

/// One installed rpm package, as far as scangate reads it.
#[derive(Debug, Clone, Default)]
pub struct RpmPackage {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub source_rpm: Option<String>,
    pub modularity_label: Option<String>,
}

impl RpmPackage {
    /// `name-version-release.arch` with source rpm `name-version-release.src.rpm`.
    pub fn new(name: &str, version: &str, release: &str, arch: &str) -> Self {
        RpmPackage {
            name: name.into(),
            version: version.into(),
            release: release.into(),
            arch: Some(arch.into()),
            source_rpm: Some(format!("{name}-{version}-{release}.src.rpm")),
            ..Default::default()
        }
    }

    pub fn epoch(mut self, e: u32) -> Self {
        self.epoch = Some(e);
        self
    }

    pub fn license(mut self, l: &str) -> Self {
        self.license = Some(l.into());
        self
    }

    pub fn source_rpm(mut self, s: &str) -> Self {
        self.source_rpm = Some(s.into());
        self
    }

    pub fn modularity_label(mut self, m: &str) -> Self {
        self.modularity_label = Some(m.into());
        self
    }

    /// The header blob.
    pub fn header(&self) -> Vec<u8> {
        let mut tags: Vec<(u32, Value)> = vec![
            (tag::NAME, Value::Str(self.name.clone())),
            (tag::VERSION, Value::Str(self.version.clone())),
            (tag::RELEASE, Value::Str(self.release.clone())),
        ];
        if let Some(e) = self.epoch {
            tags.push((tag::EPOCH, Value::Int(e)));
        }
        let optional = [
            (tag::LICENSE, &self.license),
            (tag::ARCH, &self.arch),
            (tag::SOURCERPM, &self.source_rpm),
            (tag::MODULARITYLABEL, &self.modularity_label),
        ];
        for (t, v) in optional {
            if let Some(v) = v {
                tags.push((t, Value::Str(v.clone())));
            }
        }
        tags.sort_by_key(|(t, _)| *t);
        encode_header(&tags)
    }
}

enum Value {
    Str(String),
    Int(u32),
}

fn encode_header(tags: &[(u32, Value)]) -> Vec<u8> {
    let count = tags.len() as u32 + 1; // + the region entry
    let mut index: Vec<[u32; 4]> = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    for (t, v) in tags {
        match v {
            Value::Str(s) => {
                index.push([*t, STRING, data.len() as u32, 1]);
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            }
            Value::Int(i) => {
                while !data.len().is_multiple_of(4) {
                    data.push(0);
                }
                index.push([*t, INT32, data.len() as u32, 1]);
                data.extend_from_slice(&i.to_be_bytes());
            }
        }
    }
    // The region trailer: an index entry in the data whose negative offset
    // spans every index entry of the region.
    let trailer_offset = data.len() as u32;
    for v in [tag::HEADERIMMUTABLE, BIN, (-(count as i32 * 16)) as u32, 16] {
        data.extend_from_slice(&v.to_be_bytes());
    }
    index.insert(0, [tag::HEADERIMMUTABLE, BIN, trailer_offset, 16]);

    let mut blob = Vec::new();
    blob.extend_from_slice(&count.to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    for e in &index {
        for v in e {
            blob.extend_from_slice(&v.to_be_bytes());
        }
    }
    blob.extend_from_slice(&data);
    blob
}

/// The bytes of an `rpmdb.sqlite` holding these packages, in the schema rpm
/// 4.16+ writes (`Packages(hnum, blob)` plus a `Name` index table).
pub fn rpmdb_sqlite(packages: &[RpmPackage]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpmdb.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             CREATE TABLE 'Name' (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, \
               FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum));",
        )
        .unwrap();
        for (i, p) in packages.iter().enumerate() {
            let hnum = i as i64 + 1;
            conn.execute(
                "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
                rusqlite::params![hnum, p.header()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO Name (key, hnum, idx) VALUES (?1, ?2, 0)",
                rusqlite::params![p.name, hnum],
            )
            .unwrap();
        }
    }
    std::fs::read(&path).unwrap()
}
