//! The README's quick start: builds a small two-layer Debian image (a base
//! layer, then an `apt-get install curl` layer) as a `docker save` archive,
//! imports a real OSV advisory for it (`examples/demo/osv/`, Debian's
//! DSA-5673-1 for glibc as OSV publishes it) into a database of its own,
//! and runs the CI gate on it, entirely offline:
//!
//! `cargo run --example demo`
//!
//! It exits with the gate's code (1: the image has a fixable finding). The
//! image and the database stay under `target/demo/` for the next commands
//! it prints.

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

    let cache = out_dir.join("cache");
    let run = |args: &[&str]| {
        println!("$ scangate {}", args.join(" "));
        let argv = std::iter::once("scangate").chain(args.iter().copied());
        let cli = scangate::cli::Cli::parse_from(argv);
        let code = scangate::cmd::run(cli.command, Some(cache.clone())).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            3
        });
        println!();
        code
    };
    let osv = demo.join("osv").display().to_string();
    if run(&["db", "import", &osv]) != 0 {
        return ExitCode::from(3);
    }
    // The gate of the DevSecOps guides, as Trivy users write it.
    let archive = archive.display().to_string();
    let code = run(&[
        "image",
        "--input",
        &archive,
        "--offline",
        "--ignore-unfixed",
        "--exit-code",
        "1",
    ]);
    println!("The gate exited {code}: the image's glibc has a fix it lacks.");
    println!("Next, try:");
    println!(
        "  cargo run -- image --input {archive} --cache-dir {} --offline --list-all-pkgs",
        cache.display()
    );
    println!(
        "  cargo run -- image --input {archive} --cache-dir {} --offline -f sarif -o demo.sarif",
        cache.display()
    );
    ExitCode::from(code)
}
