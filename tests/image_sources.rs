//! `scangate image`: every input format, layer compressions, image
//! selection with `--ref`, CLI errors and exit codes, the report's shape
//! and the table output.

mod support;

use serde_json::Value;
use support::image::{
    docker_archive, docker_archive_oci, oci_archive, oci_layout, oci_layout_multi_platform,
};
use support::*;

/// A three-layer Debian 12 image: each layer adds one package (rewriting
/// the status file), each layer compressed differently.
fn debian_image(compressions: [Compression; 3]) -> ImageBuilder {
    let l1 = Layer::new()
        .dir("etc")
        .file("etc/os-release", debian12_os_release())
        .file("etc/debian_version", "12.5\n")
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[("base-files", "12.4+deb12u5", None)]),
        );
    let l2 = Layer::new().file(
        "var/lib/dpkg/status",
        dpkg_status(&[
            ("base-files", "12.4+deb12u5", None),
            ("libc6", "2.36-9+deb12u4", Some("glibc")),
        ]),
    );
    let l3 = Layer::new()
        .file("usr/bin/openssl", b"\x7fELF not really")
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[
                ("base-files", "12.4+deb12u5", None),
                ("libc6", "2.36-9+deb12u4", Some("glibc")),
                ("openssl", "3.0.15-1~deb12u1", None),
            ]),
        );
    ImageBuilder::new()
        .tag("app:1")
        .layer(l1.compression(compressions[0]))
        .layer(l2.compression(compressions[1]))
        .layer(l3.compression(compressions[2]))
}

const MIXED: [Compression; 3] = [Compression::Gzip, Compression::Zstd, Compression::None];

/// The checks every format must pass for [`debian_image`].
fn assert_debian_report(report: &Value, img: &ImageBuilder, input: &str) {
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "scangate");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));

    let a = &report["artifact"];
    assert_eq!(a["name"], input);
    assert_eq!(a["kind"], "image");
    assert_eq!(a["digest"], img.config_digest());
    assert_eq!(a["os"]["family"], "debian");
    // As Trivy: `debian_version`'s point release.
    assert_eq!(a["os"]["version"], "12.5");
    let layers: Vec<&str> = a["layers"]
        .as_array()
        .expect("artifact.layers")
        .iter()
        .map(|l| l["diff_id"].as_str().unwrap())
        .collect();
    assert_eq!(layers, img.diff_ids());

    let t = only_target(report);
    assert_eq!(t["name"], format!("{input} (debian 12.5)"));
    assert_eq!(t["kind"], "os-packages");
    assert_eq!(t["ecosystem"], "Debian:12");
    assert_eq!(t["path"], "var/lib/dpkg/status");
    assert_eq!(
        name_versions(report),
        [
            "base-files 12.4+deb12u5",
            "libc6 2.36-9+deb12u4",
            "openssl 3.0.15-1~deb12u1"
        ]
    );
    let ids = img.diff_ids();
    assert_eq!(package(report, "base-files")["layer_diff_id"], ids[0]);
    assert_eq!(package(report, "libc6")["layer_diff_id"], ids[1]);
    assert_eq!(package(report, "openssl")["layer_diff_id"], ids[2]);
    assert_eq!(
        package(report, "openssl")["purl"],
        "pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12.5"
    );
}

#[test]
fn docker_archive_with_gzip_zstd_and_plain_layers() {
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let input = dir.path().join("app.tar");
    img.docker_archive(&input);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
}

#[test]
fn gzipped_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let input = dir.path().join("app.tar.gz");
    img.docker_archive_gz(&input);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
}

#[test]
fn zstd_compressed_docker_archive() {
    // The README promises docker-archives "plain, gzip or zstd compressed".
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let input = dir.path().join("app.tar.zst");
    docker_archive(&input, &[&img], Compression::Zstd);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
}

#[test]
fn docker_25_save_format_with_an_oci_layout_inside() {
    // What `docker save` writes since Docker 25: manifest.json pointing
    // into blobs/sha256/, next to oci-layout and index.json.
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let input = dir.path().join("docker25.tar");
    docker_archive_oci(&input, &[&img]);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));

    let (a, b) = two_images();
    let multi = dir.path().join("docker25-multi.tar");
    docker_archive_oci(&multi, &[&a, &b]);
    let report = run(&[
        "image",
        "--input",
        path_str(&multi),
        "--ref",
        "app:2",
        "--list-packages",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(report["artifact"]["digest"], b.config_digest());
    assert_eq!(name_versions(&report), ["openssl 3.0.15-1~deb12u1"]);
    let err = run(&["image", "--input", path_str(&multi)]).error_line(2);
    assert!(
        err.contains("app:1") && err.contains("app:2"),
        "tags not listed: {err}"
    );
}

#[test]
fn multi_platform_oci_index_resolves_to_linux_amd64() {
    // The README: "Multi-platform OCI indexes resolve to linux/amd64".
    let dir = tempfile::tempdir().unwrap();
    let image = |arch: &str, version: &str| {
        ImageBuilder::new().architecture(arch).layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("libc6", version, None)]),
                ),
        )
    };
    let arm = image("arm64", "2.36-9+arm");
    let amd = image("amd64", "2.36-9+amd");
    let input = dir.path().join("layout");
    oci_layout_multi_platform(&input, "app:1", &[&arm, &amd]);
    let report = scan_image_json(&input);
    assert_eq!(report["artifact"]["digest"], amd.config_digest());
    assert_eq!(name_versions(&report), ["libc6 2.36-9+amd"]);
}

#[test]
fn untagged_image_scans_without_ref() {
    // `docker save <image id>` writes "RepoTags": null.
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new().layer(
        Layer::new()
            .file("etc/os-release", debian12_os_release())
            .file(
                "var/lib/dpkg/status",
                dpkg_status(&[("libc6", "2.36-9", None)]),
            ),
    );
    let input = dir.path().join("untagged.tar");
    img.docker_archive(&input);
    let report = scan_image_json(&input);
    assert_eq!(report["artifact"]["digest"], img.config_digest());
    assert_eq!(name_versions(&report), ["libc6 2.36-9"]);
}

#[test]
fn oci_layout_directory_with_each_layer_media_type() {
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let input = dir.path().join("layout");
    img.oci_layout(&input);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
}

#[test]
fn oci_archive_file() {
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image([Compression::Zstd, Compression::None, Compression::Gzip]);
    let input = dir.path().join("app-oci.tar");
    img.oci_archive(&input);
    assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
}

#[test]
fn all_uncompressed_and_all_zstd_layers() {
    let dir = tempfile::tempdir().unwrap();
    for c in [Compression::None, Compression::Zstd, Compression::Gzip] {
        let img = debian_image([c; 3]);
        let input = dir.path().join(format!("app-{c:?}.tar"));
        img.docker_archive(&input);
        assert_debian_report(&scan_image_json(&input), &img, path_str(&input));
        let layout = dir.path().join(format!("layout-{c:?}"));
        img.oci_layout(&layout);
        assert_debian_report(&scan_image_json(&layout), &img, path_str(&layout));
    }
}

/// The report minus what legitimately differs between inputs: the name.
fn without_names(mut report: Value) -> Value {
    report["artifact"]["name"] = Value::Null;
    for t in report["targets"].as_array_mut().unwrap() {
        t["name"] = Value::Null;
    }
    report
}

#[test]
fn the_same_image_in_every_format_gives_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let img = debian_image(MIXED);
    let d = dir.path();
    img.docker_archive(&d.join("a.tar"));
    img.docker_archive_gz(&d.join("a.tar.gz"));
    img.oci_layout(&d.join("layout"));
    img.oci_archive(&d.join("oci.tar"));
    let reports: Vec<Value> = ["a.tar", "a.tar.gz", "layout", "oci.tar"]
        .iter()
        .map(|n| scan_image_json(&d.join(n)))
        .collect();
    for r in &reports {
        assert_eq!(r["artifact"]["digest"], img.config_digest());
    }
    let first = without_names(reports[0].clone());
    for (r, n) in reports
        .iter()
        .zip(["a.tar", "a.tar.gz", "layout", "oci.tar"])
    {
        assert_eq!(without_names(r.clone()), first, "{n} differs from a.tar");
    }
}

#[test]
fn json_embeds_packages_and_table_lists_them_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.tar");
    debian_image(MIXED).docker_archive(&input);
    // The JSON report always carries the inventory: a later scan uses it as
    // its baseline.
    let report = run(&["image", "--input", path_str(&input), "--format", "json"]).json();
    let t = only_target(&report);
    assert_eq!(t["ecosystem"], "Debian:12");
    assert!(
        t["packages"].as_array().is_some_and(|p| !p.is_empty()),
        "{t:#}"
    );
    let table = run(&["image", "--input", path_str(&input)]);
    assert_eq!(table.code, Some(0), "{table:?}");
    assert!(!table.stdout.contains("VERSION"), "{}", table.stdout);
    let listed = run(&["image", "--input", path_str(&input), "--list-packages"]);
    assert!(listed.stdout.contains("VERSION"), "{}", listed.stdout);
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.tar");
    let out = dir.path().join("report.json");
    let img = debian_image(MIXED);
    img.docker_archive(&input);
    let r = run(&[
        "image",
        "--input",
        path_str(&input),
        "--list-packages",
        "--format",
        "json",
        "--output",
        path_str(&out),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        !r.stdout.contains("\"schema_version\""),
        "report also on stdout: {}",
        r.stdout
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&out).expect("report file")).unwrap();
    assert_debian_report(&report, &img, path_str(&input));
}

// ---------------------------------------------------------------------------
// Several images in one archive
// ---------------------------------------------------------------------------

/// Two images sharing a base layer: app:1 has openssl 3.0.11, app:2 3.0.15.
fn two_images() -> (ImageBuilder, ImageBuilder) {
    let base = Layer::new()
        .file("etc/os-release", debian12_os_release())
        .gzip();
    let top =
        |v: &str| Layer::new().file("var/lib/dpkg/status", dpkg_status(&[("openssl", v, None)]));
    let a = ImageBuilder::new()
        .tag("app:1")
        .layer(base.clone())
        .layer(top("3.0.11-1~deb12u2"));
    let b = ImageBuilder::new()
        .tag("app:2")
        .layer(base)
        .layer(top("3.0.15-1~deb12u1"));
    (a, b)
}

#[test]
fn ref_picks_one_image_of_a_multi_image_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_images();
    let input = dir.path().join("multi.tar");
    docker_archive(&input, &[&a, &b], Compression::None);
    for (tag, img, version) in [
        ("app:2", &b, "3.0.15-1~deb12u1"),
        ("app:1", &a, "3.0.11-1~deb12u2"),
    ] {
        let report = run(&[
            "image",
            "--input",
            path_str(&input),
            "--ref",
            tag,
            "--list-packages",
            "--format",
            "json",
        ])
        .json();
        assert_eq!(
            report["artifact"]["digest"],
            img.config_digest(),
            "--ref {tag}"
        );
        assert_eq!(
            name_versions(&report),
            [format!("openssl {version}")],
            "--ref {tag}"
        );
    }
}

#[test]
fn ref_picks_one_image_of_a_multi_image_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_images();
    let input = dir.path().join("layout");
    oci_layout(&input, &[&a, &b]);
    let report = run(&[
        "image",
        "--input",
        path_str(&input),
        "--ref",
        "app:2",
        "--list-packages",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(report["artifact"]["digest"], b.config_digest());
    assert_eq!(name_versions(&report), ["openssl 3.0.15-1~deb12u1"]);

    let archive = dir.path().join("oci.tar");
    oci_archive(&archive, &[&a, &b]);
    let report = run(&[
        "image",
        "--input",
        path_str(&archive),
        "--ref",
        "app:1",
        "--list-packages",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(report["artifact"]["digest"], a.config_digest());
}

#[test]
fn multi_image_archive_without_ref_is_a_usage_error_listing_the_tags() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_images();
    let input = dir.path().join("multi.tar");
    docker_archive(&input, &[&a, &b], Compression::None);
    let err = run(&["image", "--input", path_str(&input), "--format", "json"]).error_line(2);
    assert!(
        err.contains("app:1") && err.contains("app:2"),
        "tags not listed: {err}"
    );
}

#[test]
fn ref_matching_no_image_is_a_usage_error_listing_the_tags() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_images();
    let input = dir.path().join("multi.tar");
    docker_archive(&input, &[&a, &b], Compression::None);
    let err = run(&["image", "--input", path_str(&input), "--ref", "nope"]).error_line(2);
    assert!(
        err.contains("app:1") && err.contains("app:2"),
        "tags not listed: {err}"
    );

    // Also for a single-image archive: a wrong --ref is not silently ignored.
    let single = dir.path().join("single.tar");
    a.docker_archive(&single);
    let err = run(&["image", "--input", path_str(&single), "--ref", "app:9"]).error_line(2);
    assert!(err.contains("app:1"), "tags not listed: {err}");
}

#[test]
fn ref_matching_the_only_image_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_images();
    let input = dir.path().join("single.tar");
    a.docker_archive(&input);
    let report = run(&[
        "image",
        "--input",
        path_str(&input),
        "--ref",
        "app:1",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(report["artifact"]["digest"], a.config_digest());
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[test]
fn missing_input_cannot_be_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-image.tar");
    let err = run(&["image", "--input", path_str(&missing)]).error_line(3);
    assert!(
        err.contains("no-such-image.tar"),
        "error does not name the input: {err}"
    );
}

#[test]
fn a_file_that_is_not_an_image_cannot_be_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just some text, not a tar\n".repeat(50)).unwrap();
    run(&["image", "--input", path_str(&text)]).error_line(3);

    // A valid tar, but neither docker-archive nor OCI.
    let tar = dir.path().join("plain.tar");
    std::fs::write(&tar, Layer::new().file("hello.txt", "hi").tar()).unwrap();
    run(&["image", "--input", path_str(&tar)]).error_line(3);

    // An empty directory is not an OCI layout.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    run(&["image", "--input", path_str(&empty)]).error_line(3);
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.tar");
    debian_image(MIXED).docker_archive(&input);
    let code = |args: &[&str]| {
        let r = run(args);
        assert_ne!(r.code, Some(101), "panic: {r:?}");
        r.code
    };
    assert_eq!(
        code(&["image", "--input", path_str(&input), "--format", "xml"]),
        Some(2)
    );
    assert_eq!(
        code(&["image", "--input", path_str(&input), "--no-such-flag"]),
        Some(2)
    );
    assert_eq!(code(&["image"]), Some(2), "--input is required");
    assert_eq!(code(&["no-such-command"]), Some(2));
}

#[test]
fn bad_flag_errors_are_one_line() {
    // "Errors are ONE line on stderr" holds for usage errors too: a CI log
    // shows the one line that says what is wrong.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.tar");
    debian_image(MIXED).docker_archive(&input);
    let err = run(&["image", "--input", path_str(&input), "--format", "xml"]).error_line(2);
    assert!(err.contains("xml"), "{err}");
    let err = run(&["image", "--input", path_str(&input), "--no-such-flag"]).error_line(2);
    assert!(err.contains("--no-such-flag"), "{err}");
    let err = run(&["image", "--format", "json"]).error_line(2);
    assert!(err.contains("--input"), "{err}");
}

// ---------------------------------------------------------------------------
// Table output and snapshots
// ---------------------------------------------------------------------------

/// A small fixed image: everything in it is deterministic, so its report is.
fn snapshot_image() -> ImageBuilder {
    ImageBuilder::new()
        .tag("snap:1")
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("libc6", "2.36-9+deb12u4", Some("glibc"))]),
                ),
        )
        .layer(
            Layer::new()
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[
                        ("libc6", "2.36-9+deb12u4", Some("glibc")),
                        ("libgcc-s1", "1:12.2.0-14", Some("gcc-12 (12.2.0-14)")),
                    ]),
                )
                .gzip(),
        )
}

#[test]
fn table_shows_name_version_source_and_short_layer() {
    let dir = tempfile::tempdir().unwrap();
    let img = snapshot_image();
    img.docker_archive(&dir.path().join("snap.tar"));
    let r = run_in(
        Some(dir.path()),
        &["image", "--input", "snap.tar", "--list-packages"],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let ids = img.diff_ids();
    for (name, version, source, layer) in [
        ("libc6", "2.36-9+deb12u4", "glibc", &ids[0]),
        ("libgcc-s1", "1:12.2.0-14", "gcc-12", &ids[1]),
    ] {
        let short = &layer.trim_start_matches("sha256:")[..12];
        assert!(
            r.stdout.lines().any(|l| l.contains(name)
                && l.contains(version)
                && l.contains(source)
                && l.contains(short)),
            "no line with {name} {version} {source} {short} in:\n{}",
            r.stdout
        );
    }
    insta::assert_snapshot!("table_debian_two_layers", r.stdout);
}

#[test]
fn json_report_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    snapshot_image().docker_archive(&dir.path().join("snap.tar"));
    let r = run_in(
        Some(dir.path()),
        &[
            "image",
            "--input",
            "snap.tar",
            "--list-packages",
            "--format",
            "json",
        ],
    );
    let mut report = r.json();
    // The only field that changes with releases, not with behaviour.
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    report["tool"]["version"] = "[version]".into();
    insta::assert_json_snapshot!("json_debian_two_layers", report);
}
