//! Hostile and broken images: path traversal in entry names, links that
//! escape the root or loop, truncated and missing layers. The scanner must
//! never write or read outside its input, never hang, never panic, and
//! report what it could not read on one stderr line with exit code 3.

mod support;

use serde_json::Value;
use std::path::Path;
use support::*;

fn debian_base() -> Layer {
    Layer::new()
        .file("etc/os-release", debian12_os_release())
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[("libc6", "2.36-9", Some("glibc"))]),
        )
}

/// Every file or directory named like `needle` under `dir` (not recursive).
fn entries_named(dir: &Path, needle: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn traversal_and_absolute_entry_names_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    // A unique marker, so leftovers of other runs cannot confuse the check.
    let evil = format!("evil-{}", std::process::id());
    let abs_target = dir.path().join(format!("abs-{evil}"));
    assert!(!Path::new("/abs").join(&evil).exists());

    let hostile = Layer::new()
        .raw_file(format!("../{evil}"), "pwned")
        .raw_file(format!("../../{evil}"), "pwned")
        .raw_file(format!("var/../../{evil}"), "pwned")
        .raw_file(format!("/abs/{evil}"), "pwned")
        .raw_file(path_str(&abs_target), "pwned")
        .raw_symlink(format!("../{evil}-link"), "/etc/passwd")
        // A legitimate file after the hostile ones is still read.
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[
                ("libc6", "2.36-9", Some("glibc")),
                ("openssl", "3.0.15-1~deb12u1", None),
            ]),
        );
    for (name, compression) in [
        ("evil.tar", Compression::None),
        ("evil-gz.tar", Compression::Gzip),
    ] {
        let img = ImageBuilder::new()
            .tag("evil:1")
            .layer(debian_base())
            .layer(hostile.clone().compression(compression));
        let input = dir.path().join(name);
        img.docker_archive(&input);
        let r = run_in(
            Some(&work),
            &[
                "image",
                "--input",
                path_str(&input),
                "--list-packages",
                "--format",
                "json",
            ],
        );
        let report = r.json();
        assert_eq!(
            name_versions(&report),
            ["libc6 2.36-9", "openssl 3.0.15-1~deb12u1"],
            "{name}"
        );
        assert_eq!(
            package(&report, "openssl")["layer_diff_id"],
            img.diff_ids()[1]
        );
    }
    let parent = dir.path().parent().unwrap();
    for place in [dir.path(), &work, parent] {
        let found = entries_named(place, &evil);
        assert!(
            found.is_empty(),
            "written outside the scan: {place:?}: {found:?}"
        );
    }
    assert!(
        !abs_target.exists(),
        "absolute entry name was written to {abs_target:?}"
    );
    assert!(
        !Path::new("/abs").join(&evil).exists(),
        "absolute entry name was written to /abs"
    );
    assert!(entries_named(&std::env::current_dir().unwrap(), &evil).is_empty());
}

#[test]
fn an_absolute_or_traversing_entry_cannot_plant_a_package_db() {
    // Entries that would land on the package DB if their names were taken
    // "cleaned" are skipped, so they cannot add packages.
    let img = ImageBuilder::new().tag("evil:1").layer(
        debian_base()
            .raw_file(
                "../var/lib/dpkg/status",
                dpkg_status(&[("planted-dotdot", "6.6.6", None)]),
            )
            .raw_file("/etc/os-release", os_release("alpine", "3.19.1")),
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("i.tar");
    img.docker_archive(&input);
    let r = scan_image_json(&input);
    assert_eq!(name_versions(&r), ["libc6 2.36-9"]);
    assert_eq!(r["artifact"]["os"]["family"], "debian");
}

fn os_family(r: &Value) -> String {
    r["artifact"]["os"]["family"]
        .as_str()
        .unwrap_or("<none>")
        .to_string()
}

#[test]
fn symlink_loops_do_not_hang() {
    let img = ImageBuilder::new().tag("loop:1").layer(
        Layer::new()
            .symlink("etc/os-release", "os-release")
            .symlink("usr/lib/os-release", "../../usr/lib/os-release-b")
            .symlink("usr/lib/os-release-b", "/usr/lib/os-release")
            .file("etc/alpine-release", "3.19.1\n")
            .symlink("lib/apk/db", "../../lib/apk/db")
            .symlink("var/lib/dpkg", "dpkg-loop")
            .symlink("var/lib/dpkg-loop", "dpkg"),
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("loop.tar");
    img.docker_archive(&input);
    let r = run(&[
        "image",
        "--input",
        path_str(&input),
        "--list-packages",
        "--format",
        "json",
    ]);
    assert_ne!(r.code, Some(101), "panic: {}", r.stderr);
    let report = r.json();
    // The loops are dead ends; the plain release file still identifies the OS.
    assert_eq!(os_family(&report), "alpine");
    assert!(all_packages(&report).is_empty());
}

#[test]
fn links_pointing_outside_the_image_never_read_the_host() {
    // Resolved inside the image, `../../../../usr/lib/os-release` is the
    // image's (missing) usr/lib/os-release; on the host it is the host's.
    // Either way the answer must come from the image: Alpine from
    // etc/alpine-release, whatever the host runs.
    for target in [
        "../../../../../../../../usr/lib/os-release",
        "../../../../etc/passwd",
    ] {
        let img = ImageBuilder::new().tag("out:1").layer(
            Layer::new()
                .symlink("etc/os-release", target)
                .file("etc/alpine-release", "3.19.1\n")
                .hardlink("var/lib/dpkg/status", "../../../../var/lib/dpkg/status")
                .file(
                    "lib/apk/db/installed",
                    apk_stanza("musl", "1.2.4-r4", "musl", "MIT") + "\n",
                ),
        );
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("out.tar");
        img.docker_archive(&input);
        let report = scan_image_json(&input);
        assert_eq!(os_family(&report), "alpine", "-> {target}");
        // The host's dpkg status (if any) is not read through the hardlink.
        assert_eq!(name_versions(&report), ["musl 1.2.4-r4"], "-> {target}");
    }
}

#[cfg(unix)]
#[test]
fn fs_links_escaping_the_root_stay_inside_it() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib")).unwrap();
    std::fs::create_dir_all(root.join("var/lib")).unwrap();
    std::fs::write(root.join("usr/lib/os-release"), alpine_os_release()).unwrap();
    // Followed naively from ROOT/etc this climbs to the host's root.
    symlink(
        "../../../../../../../../../../usr/lib/os-release",
        root.join("etc/os-release"),
    )
    .unwrap();
    // The host's dpkg database (CI runs Debian) must not be reached either
    // through an escaping file link or through a link in status.d.
    std::fs::create_dir_all(root.join("var/lib/dpkg/status.d")).unwrap();
    symlink(
        "../../../../../../../../../../var/lib/dpkg/status",
        root.join("var/lib/dpkg/status"),
    )
    .unwrap();
    symlink(
        "/var/lib/dpkg/status",
        root.join("var/lib/dpkg/status.d/host"),
    )
    .unwrap();
    // A loop, for good measure.
    symlink("rpm", root.join("var/lib/rpm")).unwrap();

    let report = scan_fs_json(&root);
    assert_eq!(os_family(&report), "alpine");
    assert!(
        all_packages(&report).is_empty(),
        "packages from outside the root: {:?}",
        name_versions(&report)
    );
}

// ---------------------------------------------------------------------------
// Broken archives: exit 3, one line naming what could not be read
// ---------------------------------------------------------------------------

fn short(id: &str) -> &str {
    &id.trim_start_matches("sha256:")[..12]
}

#[test]
fn truncated_layer_is_an_error_naming_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(40_000); // so that half the layer is mid-file
    for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let bad = Layer::new()
            .file("usr/share/doc/big.txt", &big)
            .file("var/lib/dpkg/status", dpkg_status(&[("late", "1.0", None)]))
            .compression(c)
            .truncated();
        let img = ImageBuilder::new()
            .tag("t:1")
            .layer(debian_base())
            .layer(bad.clone());
        let input = dir.path().join(format!("trunc-{c:?}.tar"));
        img.docker_archive(&input);
        let err = run(&["image", "--input", path_str(&input), "--format", "json"]).error_line(3);
        // The layer is named by its diff_id or its file in the archive.
        let (diff, blob) = (
            short(&bad.diff_id()).to_string(),
            short(&bad.blob_digest()).to_string(),
        );
        assert!(
            err.contains(&diff) || err.contains(&blob),
            "{c:?}: error names neither diff_id {diff} nor blob {blob}: {err}"
        );
    }
}

#[test]
fn corrupted_layer_is_an_error_naming_the_layer() {
    // One flipped byte: a plain tar still parses (only the diff_id check
    // can notice), a compressed one fails its checksum.
    let dir = tempfile::tempdir().unwrap();
    for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let bad = Layer::new()
            .file("usr/share/doc/big.txt", "x".repeat(40_000))
            .file("var/lib/dpkg/status", dpkg_status(&[("late", "1.0", None)]))
            .compression(c)
            .corrupted();
        let img = ImageBuilder::new()
            .tag("t:1")
            .layer(debian_base())
            .layer(bad.clone());
        let input = dir.path().join(format!("corrupt-{c:?}.tar"));
        img.docker_archive(&input);
        let err = run(&["image", "--input", path_str(&input), "--format", "json"]).error_line(3);
        let (diff, blob) = (
            short(&bad.diff_id()).to_string(),
            short(&bad.blob_digest()).to_string(),
        );
        assert!(
            err.contains(&diff) || err.contains(&blob),
            "{c:?}: error names neither diff_id {diff} nor blob {blob}: {err}"
        );
    }
}

#[test]
fn truncated_layer_in_an_oci_layout_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = Layer::new()
        .file("big", "y".repeat(40_000))
        .gzip()
        .truncated();
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(debian_base())
        .layer(bad.clone());
    let input = dir.path().join("layout");
    img.oci_layout(&input);
    let err = run(&["image", "--input", path_str(&input)]).error_line(3);
    let (diff, blob) = (
        short(&bad.diff_id()).to_string(),
        short(&bad.blob_digest()).to_string(),
    );
    assert!(
        err.contains(&diff) || err.contains(&blob),
        "layer not named: {err}"
    );
}

#[test]
fn truncated_archive_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(debian_base().file("big", "z".repeat(40_000)));
    let full = dir.path().join("full.tar.gz");
    img.docker_archive_gz(&full);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    run(&["image", "--input", path_str(&cut)]).error_line(3);
}

#[test]
fn layer_missing_from_the_archive_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new().tag("t:1").layer(debian_base());
    let layout = dir.path().join("layout");
    img.oci_layout(&layout);
    let layer = &img.layers()[0];
    let hex = layer
        .blob_digest()
        .trim_start_matches("sha256:")
        .to_string();
    std::fs::remove_file(layout.join("blobs/sha256").join(&hex)).unwrap();
    let err = run(&["image", "--input", path_str(&layout)]).error_line(3);
    assert!(
        err.contains(&hex[..12]) || err.contains(short(&layer.diff_id())),
        "layer not named: {err}"
    );
}

#[test]
fn corrupt_manifest_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    ImageBuilder::new()
        .tag("t:1")
        .layer(debian_base())
        .oci_layout(&layout);
    std::fs::write(layout.join("index.json"), "{ not json").unwrap();
    run(&["image", "--input", path_str(&layout)]).error_line(3);
}

/// A compressed archive is read as one stream, keeping its small non-layer
/// members (manifests, configs) in memory; members that are neither layers
/// nor small metadata must not pile up there. Ten 15 MiB junk members (150
/// MiB in all, over the 64 MiB budget) are skipped with a warning and the
/// image is still scanned.
#[test]
fn junk_members_of_a_compressed_archive_are_skipped_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.tar");
    ImageBuilder::new()
        .tag("app:1")
        .layer(debian_base())
        .docker_archive(&plain);
    let gz = dir.path().join("junk.tar.gz");
    let out = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    let mut builder = tar::Builder::new(out);
    let junk = vec![b'{'; 15 << 20];
    for i in 0..10 {
        let mut header = tar::Header::new_gnu();
        header.set_size(junk.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("junk-{i}.json"), junk.as_slice())
            .unwrap();
    }
    let mut original = tar::Archive::new(std::fs::File::open(&plain).unwrap());
    for entry in original.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut header = entry.header().clone();
        let path = entry.path().unwrap().into_owned();
        builder.append_data(&mut header, path, &mut entry).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();

    let run = run(&[
        "image",
        "--input",
        path_str(&gz),
        "--format",
        "json",
        "--list-packages",
    ]);
    assert!(run.stderr.contains("skipping an archive member"), "{run:?}");
    let report = run.json();
    assert_eq!(name_versions(&report), vec!["libc6 2.36-9".to_string()]);
}
