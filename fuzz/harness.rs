//! The bodies of the fuzz targets, one function per target, shared by the
//! cargo-fuzz binaries (`fuzz_targets/*.rs`) and by the corpus smoke test
//! that runs in `cargo test` (`tests/fuzz_smoke.rs`). Each takes arbitrary
//! bytes: it may refuse them, but must not panic, hang or allocate without
//! bound.

use scangate::image::layer::HeldBytes;
use scangate::inventory::PackageAnalyzer;
use scangate::vulndb::{Record, VulnDb};
use std::sync::{Mutex, OnceLock};

/// A target's body: arbitrary bytes in, nothing out.
pub type Target = fn(&[u8]);

/// Every target, by the name cargo-fuzz knows it under.
pub const TARGETS: &[(&str, Target)] = &[
    ("dpkg", dpkg),
    ("apk", apk),
    ("rpm", rpm),
    ("layer", layer),
    ("osv", osv),
    ("ignorefile", ignorefile),
    ("vex", vex),
    ("config", config),
];

pub fn dpkg(data: &[u8]) {
    let _ = scangate::inventory::dpkg::DpkgAnalyzer.parse("var/lib/dpkg/status", data);
}

pub fn apk(data: &[u8]) {
    let _ = scangate::inventory::apk::ApkAnalyzer.parse("lib/apk/db/installed", data);
}

/// All three formats: the content decides (SQLite, Berkeley DB, NDB).
pub fn rpm(data: &[u8]) {
    let _ = scangate::inventory::rpm::RpmAnalyzer.parse("var/lib/rpm/Packages", data);
}

/// Decompression by magic bytes, the tar reader behind its
/// extension-header guard, the file view (whiteouts, links) and every
/// analyzer on what the layer holds.
pub fn layer(data: &[u8]) {
    let wants = scangate::inventory::all_wants();
    let held = HeldBytes::new(64 << 20);
    if let Ok(scan) = scangate::inventory::scan_layer(data, wants, None, &held) {
        let options = scangate::inventory::Options {
            include_dev_deps: true,
            comprehensive: true,
        };
        let _ = scangate::inventory::inventory(&[scan], options);
    }
}

static DB: OnceLock<Mutex<VulnDb>> = OnceLock::new();

/// The OSV importer: a zip of records (as the bulk downloads come) when
/// the input starts like one, else one JSON record. Imported into an
/// in-memory database and rolled back.
pub fn osv(data: &[u8]) {
    let db = DB.get_or_init(|| Mutex::new(VulnDb::open_in_memory().expect("in-memory db")));
    let mut db = db.lock().unwrap_or_else(|p| p.into_inner());
    let Ok(mut importer) = db.importer() else {
        return;
    };
    if data.starts_with(b"PK") {
        let _ = importer.zip(std::io::Cursor::new(data), "fuzz.zip");
    } else if let Ok(record) = serde_json::from_slice::<Record>(data) {
        let _ = importer.record(record);
    }
    // Dropped uncommitted: the transaction rolls back.
}

/// A scratch file for the parsers that read a path; one per process and
/// target, so parallel runs do not share it.
fn scratch(name: &str, data: &[u8]) -> Option<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("scangate-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&path, data).ok().map(|()| path)
}

/// `.trivyignore` and `.trivyignore.yaml`; the first byte picks which.
pub fn ignorefile(data: &[u8]) {
    let Some((first, text)) = data.split_first() else {
        return;
    };
    let name = if first % 2 == 0 {
        "ignore"
    } else {
        "ignore.yaml"
    };
    if let Some(path) = scratch(name, text) {
        let _ = scangate::policy::ignorefile::IgnoreFile::load(&path, 1_700_000_000);
    }
}

/// OpenVEX documents.
pub fn vex(data: &[u8]) {
    if let Some(path) = scratch("vex.json", data) {
        let _ = scangate::policy::vex::Vex::load(&[&path]);
    }
}

const CONFIG_NAMES: [&str; 4] = [
    "Dockerfile",
    "deploy/app.yaml",
    "infra/main.tf",
    ".github/workflows/ci.yml",
];

/// The config checks (Dockerfile, Kubernetes YAML, Terraform HCL, GitHub
/// workflows); the first byte picks the file name, so the checkers.
pub fn config(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let path = CONFIG_NAMES[usize::from(*first) % CONFIG_NAMES.len()];
    let content = String::from_utf8_lossy(rest);
    for checker in scangate::config::CHECKERS {
        if checker.wants(path) && checker.accepts(&content) {
            let _ = checker.check(path, &content);
        }
    }
}
