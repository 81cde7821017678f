//! The README's quick start: builds a small two-layer Debian image (a base
//! layer, then an `apt-get install curl` layer) as a `docker save` archive,
//! entirely offline, and scans it with scangate.
//!
//! `cargo run --example demo`
//!
//! The image is written to `target/demo/demo.tar`, so you can go on with
//! `scangate image --input target/demo/demo.tar --list-packages`.

#[allow(dead_code)]
#[path = "../tests/support/image.rs"]
mod image;

use clap::Parser;
use image::{ImageBuilder, Layer};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let read = |name: &str| {
        std::fs::read(demo.join(name)).expect("examples/demo is part of the repository")
    };
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/demo");
    std::fs::create_dir_all(&out_dir).expect("target/ is writable");
    let archive = out_dir.join("demo.tar");

    ImageBuilder::new()
        .tag("demo:latest")
        .layer(
            Layer::new()
                .file("usr/lib/os-release", read("os-release"))
                .symlink("etc/os-release", "../usr/lib/os-release")
                .file("etc/debian_version", "12.5\n")
                .file("var/lib/dpkg/status", read("status-base"))
                .gzip(),
        )
        .layer(
            Layer::new()
                .file("var/lib/dpkg/status", read("status-with-curl"))
                .gzip(),
        )
        .docker_archive(&archive);
    println!("built {}\n", archive.display());

    // The same as `scangate image --input target/demo/demo.tar --scanners none --list-packages`;
    // drop `--scanners none` to match OSV advisories too (that downloads them).
    let args = [
        "scangate",
        "image",
        "--input",
        &archive.display().to_string(),
        "--scanners",
        "none",
        "--list-packages",
    ];
    let cli = scangate::cli::Cli::parse_from(args);
    match scangate::cmd::run(cli.command, cli.cache_dir) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
