//! Import and lookup speed of the vulnerability database on synthetic but
//! realistic OSV data (the shapes of Debian, Alpine, PyPI and npm records).
//!
//! cargo run --release --example import_bench [-- RECORDS]   (default 50000)

use std::fs::File;
use std::io::Write;
use std::time::Instant;

use scangate::ecosystem::Ecosystem;
use scangate::vulndb::VulnDb;
use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

/// A small deterministic generator (xorshift64*); no dependency for a bench.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Skewed towards 0: a few packages get most advisories, as in reality
    /// (the kernel, openssl, imagemagick…).
    fn skewed(&mut self, n: u64) -> u64 {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((x * x * x) * n as f64) as u64
    }
}

const WORDS: &[&str] = &[
    "buffer",
    "overflow",
    "in",
    "the",
    "parser",
    "allows",
    "remote",
    "attackers",
    "to",
    "cause",
    "a",
    "denial",
    "of",
    "service",
    "via",
    "crafted",
    "input",
    "heap",
    "use-after-free",
    "when",
    "handling",
    "certificate",
    "memory",
    "leak",
    "integer",
    "signedness",
    "error",
    "function",
    "out-of-bounds",
    "read",
    "write",
    "execute",
    "arbitrary",
    "code",
    "request",
    "header",
];

fn text(rng: &mut Rng, words: u64) -> String {
    (0..words)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

fn package_name(kind: &str, i: u64) -> String {
    match kind {
        "pypi" => format!("Py_Package.{i}"),
        "npm" => format!("@scope{}/pkg-{i}", i % 7),
        _ => format!("srcpkg{i}"),
    }
}

fn record(rng: &mut Rng, n: u64) -> (String, Value) {
    let year = 2015 + rng.below(10);
    let cve = format!("CVE-{year}-{:05}", n);
    let modified = format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        2023 + rng.below(3),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1_000_000)
    );
    let words = 40 + rng.below(150);
    let details = text(rng, words);
    let refs: Vec<Value> = (0..2 + rng.below(5))
        .map(|i| json!({"type": if i == 0 { "ADVISORY" } else { "WEB" }, "url": format!("https://example.org/{cve}/{i}")}))
        .collect();
    let kind = match rng.below(10) {
        0..=3 => "debian",
        4..=5 => "alpine",
        6..=7 => "pypi",
        _ => "npm",
    };
    let pool = match kind {
        "debian" => 3000,
        "alpine" => 1500,
        _ => 20_000,
    };
    let pkg = package_name(kind, rng.skewed(pool));
    let (id, affected) = match kind {
        "debian" => {
            let releases = ["Debian:11", "Debian:12", "Debian:13"];
            let chosen: Vec<&str> = releases.into_iter().filter(|_| rng.below(4) != 0).collect();
            let affected: Vec<Value> = chosen
                .into_iter()
                .map(|r| {
                    let mut events = vec![json!({"introduced": "0"})];
                    if rng.below(3) != 0 {
                        events.push(json!({"fixed": format!("{}.{}.{}-{}+deb12u{}", rng.below(5), rng.below(20), rng.below(30), 1 + rng.below(5), rng.below(4))}));
                    }
                    json!({
                        "package": {"ecosystem": r, "name": pkg, "purl": format!("pkg:deb/debian/{pkg}?arch=source")},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                        "ecosystem_specific": {"urgency": "not yet assigned"}
                    })
                })
                .collect();
            (format!("DEBIAN-{cve}"), affected)
        }
        "alpine" => {
            let chosen: Vec<&str> = ["Alpine:v3.18", "Alpine:v3.19", "Alpine:v3.20"]
                .into_iter()
                .filter(|_| rng.below(3) != 0)
                .collect();
            let affected: Vec<Value> = chosen
                .into_iter()
                .map(|r| {
                    json!({
                        "package": {"ecosystem": r, "name": pkg},
                        "ranges": [{"type": "ECOSYSTEM", "events": [
                            {"introduced": "0"},
                            {"fixed": format!("{}.{}.{}-r{}", rng.below(5), rng.below(20), rng.below(30), rng.below(9))}
                        ]}]
                    })
                })
                .collect();
            (format!("ALPINE-{cve}"), affected)
        }
        _ => {
            let eco = if kind == "pypi" { "PyPI" } else { "npm" };
            let major = rng.below(5);
            let versions: Vec<String> = (0..rng.below(40))
                .map(|i| format!("{major}.{}.{}", i / 10, i % 10))
                .collect();
            let affected = vec![json!({
                "package": {"ecosystem": eco, "name": pkg},
                "ranges": [{"type": if eco == "npm" { "SEMVER" } else { "ECOSYSTEM" }, "events": [
                    {"introduced": format!("{major}.0.0")},
                    {"fixed": format!("{major}.{}.0", 4 + rng.below(6))}
                ]}],
                "versions": versions,
                "database_specific": {"source": "https://github.com/advisories"}
            })];
            let ghsa = format!(
                "GHSA-{:04x}-{:04x}-{:04x}",
                n % 65536,
                rng.below(65536),
                rng.below(65536)
            );
            (ghsa, affected)
        }
    };
    let v = json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": modified,
        "published": format!("{year}-06-01T00:00:00Z"),
        "aliases": [cve],
        "summary": text(rng, 8),
        "details": details,
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": affected,
        "references": refs,
        "database_specific": {"severity": "HIGH"}
    });
    (id, v)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(50_000);
    let dir = tempfile::tempdir()?;
    let zip_path = dir.path().join("all.zip");

    let t = Instant::now();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut zw = zip::ZipWriter::new(std::io::BufWriter::new(File::create(&zip_path)?));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut json_bytes = 0usize;
    for i in 0..n {
        let (id, v) = record(&mut rng, i);
        let bytes = serde_json::to_vec(&v)?;
        json_bytes += bytes.len();
        zw.start_file(format!("{id}.json"), opts)?;
        zw.write_all(&bytes)?;
    }
    zw.finish()?.flush()?;
    let zip_size = std::fs::metadata(&zip_path)?.len();
    println!(
        "generated {n} records: {:.1} MiB JSON, zip {:.1} MiB, in {:.2?}",
        json_bytes as f64 / 1048576.0,
        zip_size as f64 / 1048576.0,
        t.elapsed()
    );

    // The floor: inflating and parsing alone, no database.
    let t = Instant::now();
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(File::open(&zip_path)?))?;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        buf.clear();
        std::io::Read::read_to_end(&mut archive.by_index(i)?, &mut buf)?;
        let _: scangate::vulndb::Record = serde_json::from_slice(&buf)?;
    }
    println!("inflate + parse only: {:.2?}", t.elapsed());

    let db_path = dir.path().join("db.sqlite");
    let mut db = VulnDb::open(&db_path)?;
    let t = Instant::now();
    let stats = db.import_paths(&[&zip_path])?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "import:    {} records in {secs:.2} s = {:.0} records/s ({stats:?})",
        stats.records(),
        stats.records() as f64 / secs
    );
    drop(db);
    let db_size = std::fs::metadata(&db_path)?.len();
    println!("db size:   {:.1} MiB", db_size as f64 / 1048576.0);

    let mut db = VulnDb::open(&db_path)?;
    let t = Instant::now();
    let stats = db.import_paths(&[&zip_path])?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "re-import: {} records in {secs:.2} s = {:.0} records/s (unchanged {})",
        stats.records(),
        stats.records() as f64 / secs,
        stats.unchanged
    );

    let filtered_path = dir.path().join("filtered.sqlite");
    let mut fdb = VulnDb::open(&filtered_path)?;
    let t = Instant::now();
    let stats = fdb.import_paths_filtered(&[&zip_path], |e| e == "Debian:12")?;
    let secs = t.elapsed().as_secs_f64();
    drop(fdb);
    println!(
        "filtered import (Debian:12 only): {secs:.2} s, kept {} of {} records, db {:.1} MiB",
        stats.imported,
        stats.records(),
        std::fs::metadata(&filtered_path)?.len() as f64 / 1048576.0
    );

    let info = db.info()?;
    let (mut hot_eco, mut hot_pkg, mut hot_n) = (String::new(), String::new(), 0);
    let mut queries: Vec<(Ecosystem, String)> = Vec::new();
    let mut qrng = Rng(42);
    let ecos = ["Debian:12", "Alpine:v3.19", "PyPI", "npm"];
    for i in 0..10_000u64 {
        let eco = ecos[(i % 4) as usize];
        let kind = match eco {
            "Debian:12" => "debian",
            "Alpine:v3.19" => "alpine",
            "PyPI" => "pypi",
            _ => "npm",
        };
        let pool = if i % 4 < 2 { 3000 } else { 20_000 };
        let name = package_name(kind, qrng.below(pool));
        queries.push((eco.parse()?, name));
    }
    // A scan asks about each installed package once: ~500 per image.
    let t = Instant::now();
    let mut found = 0usize;
    for (eco, name) in &queries {
        let a = db.affecting(eco, name)?;
        found += a.len();
        if a.len() > hot_n {
            (hot_eco, hot_pkg, hot_n) = (eco.to_string(), name.clone(), a.len());
        }
    }
    let el = t.elapsed();
    println!(
        "lookups:   {} affecting() calls in {el:.2?} = {:.1} µs each, {found} advisories returned",
        queries.len(),
        el.as_secs_f64() * 1e6 / queries.len() as f64
    );
    let hot: Ecosystem = hot_eco.parse()?;
    let t = Instant::now();
    for _ in 0..100 {
        db.affecting(&hot, &hot_pkg)?;
    }
    println!(
        "hottest:   {hot_eco} {hot_pkg}: {hot_n} advisories in {:.2?} per lookup",
        t.elapsed() / 100
    );
    println!(
        "info:      {} advisories, {} ecosystems; info() itself {:.2?}",
        info.advisories,
        info.ecosystems.len(),
        {
            let t = Instant::now();
            db.info()?;
            t.elapsed()
        }
    );
    Ok(())
}
