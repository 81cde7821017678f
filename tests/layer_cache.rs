//! The layer cache with local inputs: a rescan reads no layer, a rebuilt
//! image reads only its new layers, the report is the same either way; the
//! cache holds what was found in each layer, never its files' bytes;
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

/// Every row of the cache file, decompressed.
fn cache_rows(cache: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(cache.join("layers.sqlite")).unwrap();
    let mut rows = conn.prepare("SELECT data FROM layers").unwrap();
    rows.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|data| String::from_utf8(zstd::decode_all(data.unwrap().as_slice()).unwrap()).unwrap())
        .collect()
}

fn node_package(name: &str, version: &str) -> String {
    format!(
        r#"{{"name":"{name}","version":"{version}","description":"npm-marker-text","license":"MIT"}}"#
    )
}

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: pypi-marker-text\n\npypi-marker-text\n")
}

/// The results that depend on the final file view come out the same from
/// cached layers: a dpkg status rewritten by an upper layer (each package
/// keeps the layer that added it), a `node_modules` package and a
/// `.dist-info` directory deleted by whiteouts.
#[test]
fn the_cache_holds_results_not_bytes_and_rescans_agree() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let input = dir.path().join("app.tar");
    let site = "usr/lib/python3/dist-packages";
    let img = ImageBuilder::new()
        .tag("app:1")
        .layer(
            base()
                .file(
                    "app/node_modules/kept/package.json",
                    node_package("kept", "1.0.0"),
                )
                .file(
                    "app/node_modules/gone/package.json",
                    node_package("gone", "2.0.0"),
                )
                .file(
                    &format!("{site}/six-1.16.0.dist-info/METADATA"),
                    metadata("six", "1.16.0"),
                )
                .file(
                    &format!("{site}/idna-3.6.dist-info/METADATA"),
                    metadata("idna", "3.6"),
                ),
        )
        .layer(
            Layer::new()
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[
                        ("base-files", "12.4+deb12u5", None),
                        ("openssl", "3.0.15-1", None),
                    ]),
                )
                .whiteout("app/node_modules/gone")
                .whiteout(&format!("{site}/idna-3.6.dist-info")),
        );
    img.docker_archive(&input);
    let cold = scan(&cache, &input, &[]);
    let warm = scan(&cache, &input, &[]);
    assert_cached(&warm, 2, 2);
    assert_eq!(all_packages(&cold.json()), all_packages(&warm.json()));
    let report = warm.json();
    let names = name_versions(&report);
    for kept in [
        "base-files 12.4+deb12u5",
        "openssl 3.0.15-1",
        "kept 1.0.0",
        "six 1.16.0",
    ] {
        assert!(names.contains(&kept.to_string()), "{kept}: {names:?}");
    }
    for gone in ["gone 2.0.0", "idna 3.6"] {
        assert!(!names.contains(&gone.to_string()), "{gone}: {names:?}");
    }
    let diff_ids = img.diff_ids();
    assert_eq!(
        package(&report, "base-files")["layer_diff_id"],
        diff_ids[0].as_str()
    );
    assert_eq!(
        package(&report, "openssl")["layer_diff_id"],
        diff_ids[1].as_str()
    );

    let rows = cache_rows(&cache);
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for marker in ["npm-marker-text", "pypi-marker-text", "a continuation line"] {
            assert!(
                !row.contains(marker),
                "file bytes ({marker}) in the cache: {row}"
            );
        }
    }
    assert!(rows.iter().any(|r| r.contains("openssl")), "{rows:?}");
}
