//! The layer cache with local inputs: a rescan reads no layer, a rebuilt
//! image reads only its new layers, the report is the same either way;
//! `--no-cache` and `scangate cache clean`.

mod support;

use std::path::Path;
use support::image::oci_layout;
use support::*;

fn base() -> Layer {
    Layer::new()
        .file("etc/os-release", debian12_os_release())
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[("base-files", "12.4+deb12u5", None)]),
        )
        .gzip()
}

fn app(version: &str) -> ImageBuilder {
    ImageBuilder::new().tag("app:1").layer(base()).layer(
        Layer::new()
            .file(
                "var/lib/dpkg/status",
                dpkg_status(&[
                    ("base-files", "12.4+deb12u5", None),
                    ("openssl", version, None),
                ]),
            )
            .zstd(),
    )
}

fn scan(cache: &Path, input: &Path, extra: &[&str]) -> Run {
    let mut cmd = scangate();
    cmd.env("SCANGATE_CACHE_DIR", cache)
        .env_remove("SCANGATE_NO_CACHE")
        .args([
            "-v",
            "image",
            "--input",
            path_str(input),
            "--list-packages",
            "-f",
            "json",
        ])
        .args(extra);
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_cached(run: &Run, hits: usize, of: usize) {
    let line = format!("{hits} of {of} layers from the layer cache");
    assert!(
        run.stderr.contains(&line),
        "expected {line:?}:\n{}",
        run.stderr
    );
}

#[test]
fn a_rescan_reads_no_layer_and_reports_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    for name in ["archive.tar", "layout"] {
        let input = dir.path().join(name);
        let img = app("3.0.15-1");
        if name == "layout" {
            oci_layout(&input, &[&img]);
        } else {
            img.docker_archive(&input);
        }
        let cold = scan(&cache, &input, &[]);
        let warm = scan(&cache, &input, &[]);
        assert_cached(&warm, 2, 2);
        assert_eq!(
            all_packages(&cold.json()),
            all_packages(&warm.json()),
            "{name}: the cached scan differs"
        );
    }
}

#[test]
fn a_rebuilt_image_reads_only_its_new_layers() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let old = dir.path().join("old.tar");
    let new = dir.path().join("new.tar");
    app("3.0.15-1").docker_archive(&old);
    app("3.0.16-1").docker_archive(&new);
    scan(&cache, &old, &[]).json();
    let rebuilt = scan(&cache, &new, &[]);
    assert_cached(&rebuilt, 1, 2);
    assert_eq!(package(&rebuilt.json(), "openssl")["version"], "3.0.16-1");
    // The package's layer attribution still comes out right.
    let layer = package(&rebuilt.json(), "openssl")["layer_diff_id"].clone();
    assert_eq!(layer, app("3.0.16-1").diff_ids()[1].as_str());
}

#[test]
fn no_cache_and_cache_clean() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let input = dir.path().join("app.tar");
    app("3.0.15-1").docker_archive(&input);
    scan(&cache, &input, &[]).json();

    let bypass = scan(&cache, &input, &["--no-cache"]);
    assert!(!bypass.stderr.contains("layer cache"), "{}", bypass.stderr);
    bypass.json();

    let mut clean = scangate();
    let out = clean
        .env("SCANGATE_CACHE_DIR", &cache)
        .args(["cache", "clean"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("emptied"));
    assert_cached(&scan(&cache, &input, &[]), 0, 2);

    // A bound smaller than any layer keeps nothing.
    let tiny = dir.path().join("tiny");
    scan(&tiny, &input, &["--cache-max-size", "16"]).json();
    assert_cached(&scan(&tiny, &input, &["--cache-max-size", "16"]), 0, 2);
}
