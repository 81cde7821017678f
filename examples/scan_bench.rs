//! How a scan's matching cost grows with the database: a Debian 12 root
//! filesystem of `PACKAGES` packages is scanned `--offline` against
//! databases of 10k, 50k and 100k synthetic OSV records spread over 3,000
//! source packages (every installed package among them).
//!
//! cargo run --release --example scan_bench [-- PACKAGES]   (default 400)

use clap::Parser;
use serde_json::json;
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let packages: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(400);
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc"))?;
    std::fs::create_dir_all(root.join("var/lib/dpkg"))?;
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )?;
    let mut status = String::new();
    for i in 0..packages {
        status.push_str(&format!(
            "Package: bin{i}\nStatus: install ok installed\nArchitecture: amd64\nSource: src{i}\nVersion: 1.{i}-1\n\n"
        ));
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status)?;

    for records in [10_000u64, 50_000, 100_000] {
        let cache = dir.path().join(format!("cache-{records}"));
        let zip_path = dir.path().join(format!("all-{records}.zip"));
        let mut zip =
            zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(&zip_path)?));
        let opts = zip::write::SimpleFileOptions::default();
        for n in 0..records {
            let src = n % 3000;
            let record = json!({
                "id": format!("DEBIAN-CVE-2024-{n:06}"),
                "modified": "2024-06-01T00:00:00Z",
                "upstream": [format!("CVE-2024-{n:06}")],
                "affected": [{
                    "package": {"ecosystem": "Debian:12", "name": format!("src{src}")},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": format!("1.{}-1", n % 700)}]}]
                }],
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
            });
            zip.start_file(format!("{n}.json"), opts)?;
            zip.write_all(&serde_json::to_vec(&record)?)?;
        }
        zip.finish()?.flush()?;

        let t = Instant::now();
        run(&["db", "import", &zip_path.display().to_string()], &cache)?;
        let import = t.elapsed();
        let out = dir.path().join("report.json");
        let t = Instant::now();
        let args = [
            "fs",
            &root.display().to_string(),
            "--offline",
            "-f",
            "json",
            "-o",
            &out.display().to_string(),
        ];
        run(&args, &cache)?;
        let scan = t.elapsed();
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out)?)?;
        let findings = report["targets"][0]["vulnerabilities"]
            .as_array()
            .map_or(0, Vec::len);
        println!(
            "{records:>7} records: import {import:.2?}, scan of {packages} packages {scan:.2?}, {findings} findings"
        );
    }
    Ok(())
}

fn run(args: &[&str], cache: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = vec![
        "scangate",
        "-q",
        "--cache-dir",
        cache.to_str().ok_or("non-UTF-8 path")?,
    ];
    argv.extend_from_slice(args);
    let cli = scangate::cli::Cli::parse_from(argv);
    scangate::cmd::run(cli.command, cli.cache_dir)?;
    Ok(())
}
