//! Package databases and OS detection end to end: dpkg, distroless
//! `status.d`, apk, rpm sqlite; layer semantics (whiteouts, opaque dirs,
//! replaced files, which layer introduced a package); symlinked os-release;
//! `scangate fs` on an unpacked root.

mod support;

use serde_json::Value;
use support::rpmdb::{rpmdb_sqlite, RpmPackage};
use support::*;

fn one_layer(layer: Layer) -> ImageBuilder {
    ImageBuilder::new().tag("t:1").layer(layer)
}

// ---------------------------------------------------------------------------
// dpkg
// ---------------------------------------------------------------------------

#[test]
fn dpkg_lists_installed_packages_with_their_sources() {
    let status = [
        dpkg_stanza(
            "zlib1g",
            "1:1.2.13.dfsg-1",
            "amd64",
            Some("zlib"),
            "install ok installed",
        ),
        dpkg_stanza(
            "libc6",
            "2.36-9+deb12u4",
            "amd64",
            Some("glibc"),
            "install ok installed",
        ),
        dpkg_stanza(
            "libgcc-s1",
            "12.2.0-14",
            "amd64",
            Some("gcc-12 (12.2.0-14)"),
            "install ok installed",
        ),
        dpkg_stanza(
            "removed-pkg",
            "1.0-1",
            "amd64",
            None,
            "deinstall ok config-files",
        ),
        dpkg_stanza(
            "half-pkg",
            "1.0-1",
            "amd64",
            None,
            "install ok half-configured",
        ),
        dpkg_stanza(
            "tzdata",
            "2024a-0+deb12u1",
            "all",
            None,
            "install ok installed",
        ),
    ]
    .join("\n");
    let img = one_layer(
        Layer::new()
            .file("etc/os-release", debian12_os_release())
            .file("var/lib/dpkg/status", status)
            .gzip(),
    );
    let r = scan_image(&img);
    let t = only_target(&r);
    assert_eq!(t["ecosystem"], "Debian:12");
    assert_eq!(t["path"], "var/lib/dpkg/status");
    // Only "install ok installed", sorted by name.
    assert_eq!(
        name_versions(&r),
        [
            "libc6 2.36-9+deb12u4",
            "libgcc-s1 12.2.0-14",
            "tzdata 2024a-0+deb12u1",
            "zlib1g 1:1.2.13.dfsg-1"
        ]
    );
    let libc = package(&r, "libc6");
    assert_eq!(libc["source_name"], "glibc");
    assert_eq!(libc["source_version"], "2.36-9+deb12u4");
    assert_eq!(libc["arch"], "amd64");
    assert!(
        libc.get("licenses").is_none(),
        "empty licenses must be omitted: {libc:#}"
    );
    assert!(libc.get("modularity_label").is_none(), "{libc:#}");
    assert_eq!(libc["layer_diff_id"], img.diff_ids()[0]);
    let gcc = package(&r, "libgcc-s1");
    assert_eq!(gcc["source_name"], "gcc-12");
    assert_eq!(gcc["source_version"], "12.2.0-14");
    let tz = package(&r, "tzdata");
    assert_eq!(
        tz["source_name"], "tzdata",
        "no Source: the package is its own source"
    );
    assert_eq!(tz["source_version"], "2024a-0+deb12u1");
    assert_eq!(tz["arch"], "all");
    assert_eq!(
        package(&r, "zlib1g")["purl"],
        "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1"
    );
}

#[test]
fn packages_sort_by_name_then_version() {
    // Two architectures of one package (multiarch) and an out-of-order file.
    let status = [
        dpkg_stanza(
            "libssl3",
            "3.0.15-1~deb12u1",
            "i386",
            None,
            "install ok installed",
        ),
        dpkg_stanza("bash", "5.2.15-2+b7", "amd64", None, "install ok installed"),
        dpkg_stanza(
            "libssl3",
            "3.0.11-1~deb12u2",
            "amd64",
            None,
            "install ok installed",
        ),
    ]
    .join("\n");
    let r = scan_image(&one_layer(
        Layer::new()
            .file("etc/os-release", debian12_os_release())
            .file("var/lib/dpkg/status", status),
    ));
    assert_eq!(
        name_versions(&r),
        [
            "bash 5.2.15-2+b7",
            "libssl3 3.0.11-1~deb12u2",
            "libssl3 3.0.15-1~deb12u1"
        ]
    );
}

#[test]
fn ubuntu_lts_ecosystem() {
    let os_release = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n\
                      VERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n";
    let r = scan_image(&one_layer(
        Layer::new().file("etc/os-release", os_release).file(
            "var/lib/dpkg/status",
            dpkg_status(&[("libc6", "2.35-0ubuntu3.6", Some("glibc"))]),
        ),
    ));
    assert_eq!(r["artifact"]["os"]["family"], "ubuntu");
    assert_eq!(r["artifact"]["os"]["version"], "22.04");
    assert_eq!(only_target(&r)["ecosystem"], "Ubuntu:22.04:LTS");
    assert_eq!(
        package(&r, "libc6")["purl"],
        "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.6?arch=amd64&distro=ubuntu-22.04"
    );
}

// ---------------------------------------------------------------------------
// distroless
// ---------------------------------------------------------------------------

#[test]
fn distroless_status_d_without_os_release() {
    let stanza = |name: &str, version: &str, source: Option<&str>| {
        let mut s = format!("Package: {name}\nVersion: {version}\nArchitecture: amd64\n");
        if let Some(src) = source {
            s += &format!("Source: {src}\n");
        }
        s + "Maintainer: Someone <s@example.org>\nInstalled-Size: 10\nDescription: x\n"
    };
    let img = one_layer(
        Layer::new()
            .file("etc/debian_version", "12.5\n")
            .dir("var/lib/dpkg/status.d")
            .file(
                "var/lib/dpkg/status.d/base-files",
                stanza("base-files", "12.4+deb12u5", None),
            )
            .file(
                "var/lib/dpkg/status.d/base-files.md5sums",
                "d41d8cd98f00b204e9800998ecf8427e  etc/issue\n",
            )
            .file(
                "var/lib/dpkg/status.d/libssl3",
                stanza("libssl3", "3.0.15-1~deb12u1", Some("openssl")),
            )
            .file(
                "var/lib/dpkg/status.d/tzdata",
                stanza("tzdata", "2024a-0+deb12u1", None),
            )
            // No Architecture field at all.
            .file(
                "var/lib/dpkg/status.d/no-arch",
                "Package: no-arch\nVersion: 1.0\n",
            )
            .zstd(),
    );
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["family"], "debian");
    let t = only_target(&r);
    assert_eq!(t["ecosystem"], "Debian:12");
    assert_eq!(t["path"], "var/lib/dpkg/status.d");
    assert_eq!(
        name_versions(&r),
        [
            "base-files 12.4+deb12u5",
            "libssl3 3.0.15-1~deb12u1",
            "no-arch 1.0",
            "tzdata 2024a-0+deb12u1"
        ]
    );
    let no_arch = package(&r, "no-arch");
    assert!(
        no_arch.get("arch").is_none(),
        "unknown arch must be omitted: {no_arch:#}"
    );
    let purl = no_arch["purl"].as_str().unwrap();
    assert!(
        purl.starts_with("pkg:deb/debian/no-arch@1.0?") && !purl.contains("arch="),
        "{purl}"
    );
    let ssl = package(&r, "libssl3");
    assert_eq!(ssl["source_name"], "openssl");
    assert_eq!(ssl["layer_diff_id"], img.diff_ids()[0]);
}

#[test]
fn tar_name_forms_other_tools_write() {
    let stanza = |name: &str| format!("Package: {name}\nVersion: 1.0\nArchitecture: amd64\n");
    let status_d = "var/lib/dpkg/status.d";
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                // `tar -C rootfs .` names everything ./like/this.
                .file("./etc/os-release", debian12_os_release())
                .file("./var/lib/dpkg/status.d/dot-slash", stanza("dot-slash"))
                // Longer than the 100-byte name field: ustar prefix split...
                .file(&format!("usr/share/{}file.txt", "deep/".repeat(25)), "x")
                .file(
                    &format!("{status_d}/{}", "u".repeat(90)),
                    stanza("long-ustar"),
                )
                // ...and a PAX path record when no split fits.
                .file(
                    &format!("{status_d}/{}", "p".repeat(120)),
                    stanza("long-pax"),
                ),
        )
        .layer(Layer::new().file("./var/lib/dpkg/status.d/.wh.dot-slash", ""));
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["family"], "debian");
    assert_eq!(name_versions(&r), ["long-pax 1.0", "long-ustar 1.0"]);
}

// ---------------------------------------------------------------------------
// apk
// ---------------------------------------------------------------------------

#[test]
fn alpine_installed_db() {
    let installed = [
        apk_stanza("musl", "1.2.4_git20230717-r4", "musl", "MIT"),
        apk_stanza("libcrypto3", "3.1.4-r5", "openssl", "Apache-2.0"),
        apk_stanza("busybox", "1.36.1-r15", "busybox", "GPL-2.0-only"),
    ]
    .join("\n");
    let img = ImageBuilder::new().tag("alpine:3.19").layer(
        Layer::new()
            .file("etc/os-release", alpine_os_release())
            .file("etc/alpine-release", "3.19.1\n")
            .file("lib/apk/db/installed", installed + "\n")
            .gzip(),
    );
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["family"], "alpine");
    assert_eq!(r["artifact"]["os"]["version"], "3.19.1");
    let t = only_target(&r);
    assert_eq!(t["ecosystem"], "Alpine:v3.19");
    assert_eq!(t["path"], "lib/apk/db/installed");
    assert!(
        t["name"].as_str().unwrap().ends_with(" (alpine 3.19.1)"),
        "{}",
        t["name"]
    );
    assert_eq!(
        name_versions(&r),
        [
            "busybox 1.36.1-r15",
            "libcrypto3 3.1.4-r5",
            "musl 1.2.4_git20230717-r4"
        ]
    );
    let crypto = package(&r, "libcrypto3");
    assert_eq!(crypto["source_name"], "openssl");
    assert_eq!(crypto["source_version"], "3.1.4-r5");
    assert_eq!(crypto["arch"], "x86_64");
    assert_eq!(crypto["licenses"], serde_json::json!(["Apache-2.0"]));
    assert_eq!(crypto["layer_diff_id"], img.diff_ids()[0]);
    assert_eq!(
        package(&r, "musl")["purl"],
        "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1"
    );
}

// ---------------------------------------------------------------------------
// rpm (sqlite)
// ---------------------------------------------------------------------------

fn rocky_packages() -> Vec<RpmPackage> {
    vec![
        RpmPackage::new("openssl-libs", "3.0.7", "25.el9_3", "x86_64")
            .epoch(1)
            .license("Apache-2.0")
            .source_rpm("openssl-3.0.7-25.el9_3.src.rpm"),
        RpmPackage::new("bash", "5.1.8", "6.el9_1", "x86_64").license("GPLv3+"),
        RpmPackage::new(
            "nodejs",
            "18.18.2",
            "2.module+el9.3.0+1502+0d3c4a51",
            "x86_64",
        )
        .epoch(1)
        .license("MIT")
        .source_rpm("nodejs-18.18.2-2.module+el9.3.0+1502+0d3c4a51.src.rpm")
        .modularity_label("nodejs:18:9030020231120083453:rhel9"),
    ]
}

#[test]
fn rpm_sqlite_database() {
    let os_release = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\n\
                      ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n";
    let img = ImageBuilder::new().tag("rocky:9").layer(
        Layer::new()
            .file("etc/os-release", os_release)
            .file("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite(&rocky_packages()))
            .zstd(),
    );
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["family"], "rocky");
    assert_eq!(r["artifact"]["os"]["version"], "9.3");
    let t = only_target(&r);
    assert_eq!(t["ecosystem"], "Rocky Linux:9");
    assert_eq!(t["path"], "var/lib/rpm/rpmdb.sqlite");
    assert_eq!(
        name_versions(&r),
        [
            "bash 5.1.8-6.el9_1",
            "nodejs 1:18.18.2-2.module+el9.3.0+1502+0d3c4a51",
            "openssl-libs 1:3.0.7-25.el9_3"
        ]
    );
    let ssl = package(&r, "openssl-libs");
    assert_eq!(ssl["source_name"], "openssl");
    // SOURCERPM has no epoch; like Trivy, the source carries the binary's.
    assert_eq!(ssl["source_version"], "1:3.0.7-25.el9_3");
    assert_eq!(ssl["arch"], "x86_64");
    assert_eq!(ssl["licenses"], serde_json::json!(["Apache-2.0"]));
    assert!(ssl.get("modularity_label").is_none(), "{ssl:#}");
    assert_eq!(ssl["layer_diff_id"], img.diff_ids()[0]);
    assert_eq!(
        ssl["purl"],
        "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1"
    );
    let bash = package(&r, "bash");
    assert_eq!(bash["source_name"], "bash");
    assert_eq!(bash["source_version"], "5.1.8-6.el9_1");
    assert_eq!(
        package(&r, "nodejs")["modularity_label"],
        "nodejs:18:9030020231120083453:rhel9"
    );
}

#[test]
fn rpm_os_without_osv_data_has_null_ecosystem() {
    let os_release = "NAME=\"CentOS Linux\"\nVERSION=\"8\"\nID=\"centos\"\nVERSION_ID=\"8\"\n";
    let r = scan_image(&one_layer(
        Layer::new().file("etc/os-release", os_release).file(
            "var/lib/rpm/rpmdb.sqlite",
            rpmdb_sqlite(&[RpmPackage::new("bash", "4.4.20", "4.el8", "x86_64")]),
        ),
    ));
    assert_eq!(r["artifact"]["os"]["family"], "centos");
    let t = only_target(&r);
    assert!(
        t.get("ecosystem").is_some(),
        "ecosystem key must be present (null): {t:#}"
    );
    assert_eq!(t["ecosystem"], Value::Null);
    assert_eq!(name_versions(&r), ["bash 4.4.20-4.el8"]);
}

// ---------------------------------------------------------------------------
// Layers: which one introduced a package, whiteouts, opaque dirs
// ---------------------------------------------------------------------------

#[test]
fn layer_diff_id_is_the_layer_that_introduced_the_package_version() {
    let os = Layer::new().file("etc/os-release", debian12_os_release());
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(os.file(
            "var/lib/dpkg/status",
            dpkg_status(&[
                ("libc6", "2.36-9", Some("glibc")),
                ("openssl", "3.0.11-1~deb12u2", None),
            ]),
        ))
        // Layer 2 rewrites the file, adding curl; libc6 and openssl untouched.
        .layer(
            Layer::new()
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[
                        ("curl", "7.88.1-10+deb12u5", None),
                        ("libc6", "2.36-9", Some("glibc")),
                        ("openssl", "3.0.11-1~deb12u2", None),
                    ]),
                )
                .gzip(),
        )
        // Layer 3 upgrades openssl.
        .layer(
            Layer::new()
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[
                        ("curl", "7.88.1-10+deb12u5", None),
                        ("libc6", "2.36-9", Some("glibc")),
                        ("openssl", "3.0.15-1~deb12u1", None),
                    ]),
                )
                .zstd(),
        )
        // Layer 4 touches something unrelated.
        .layer(Layer::new().file("etc/motd", "hello\n"));
    let ids = img.diff_ids();
    let r = scan_image(&img);
    assert_eq!(package(&r, "libc6")["layer_diff_id"], ids[0]);
    assert_eq!(package(&r, "curl")["layer_diff_id"], ids[1]);
    assert_eq!(package(&r, "openssl")["version"], "3.0.15-1~deb12u1");
    assert_eq!(package(&r, "openssl")["layer_diff_id"], ids[2]);
}

#[test]
fn a_package_removed_and_reinstalled_belongs_to_the_reinstalling_layer() {
    let with = |pkgs: &[(&str, &str, Option<&str>)]| {
        Layer::new().file("var/lib/dpkg/status", dpkg_status(pkgs))
    };
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            with(&[("curl", "7.88.1-10", None), ("libc6", "2.36-9", None)])
                .file("etc/os-release", debian12_os_release()),
        )
        .layer(with(&[("libc6", "2.36-9", None)]))
        .layer(with(&[
            ("curl", "7.88.1-10", None),
            ("libc6", "2.36-9", None),
        ]));
    let ids = img.diff_ids();
    let r = scan_image(&img);
    assert_eq!(package(&r, "libc6")["layer_diff_id"], ids[0]);
    assert_eq!(package(&r, "curl")["layer_diff_id"], ids[2]);
}

#[test]
fn whiteout_deletes_the_package_database() {
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("ghost", "1.0-1", None)]),
                ),
        )
        .layer(Layer::new().whiteout("var/lib/dpkg/status").gzip());
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["family"], "debian");
    assert!(
        all_packages(&r).is_empty(),
        "whited-out status still read: {:?}",
        name_versions(&r)
    );
}

#[test]
fn whiteout_of_a_parent_directory_deletes_everything_below() {
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("ghost", "1.0-1", None)]),
                )
                .file(
                    "var/lib/dpkg/status.d/ghost2",
                    "Package: ghost2\nVersion: 1\n",
                ),
        )
        .layer(Layer::new().whiteout("var/lib/dpkg").zstd());
    let r = scan_image(&img);
    assert!(
        all_packages(&r).is_empty(),
        "under a whited-out dir: {:?}",
        name_versions(&r)
    );
}

#[test]
fn whiteout_then_recreate_in_a_later_layer() {
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("ghost", "1.0-1", None)]),
                ),
        )
        .layer(Layer::new().whiteout("var/lib/dpkg/status"))
        .layer(Layer::new().file(
            "var/lib/dpkg/status",
            dpkg_status(&[("fresh", "2.0-1", None)]),
        ));
    let r = scan_image(&img);
    assert_eq!(name_versions(&r), ["fresh 2.0-1"]);
    assert_eq!(package(&r, "fresh")["layer_diff_id"], img.diff_ids()[2]);
}

#[test]
fn opaque_directory_hides_lower_files_but_not_its_own_layer() {
    let distroless =
        |name: &str, v: &str| format!("Package: {name}\nVersion: {v}\nArchitecture: amd64\n");
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/debian_version", "12.5\n")
                .file("var/lib/dpkg/status.d/old-a", distroless("old-a", "1.0"))
                .file("var/lib/dpkg/status.d/old-b", distroless("old-b", "1.0")),
        )
        .layer(
            Layer::new()
                .opaque("var/lib/dpkg/status.d")
                .file("var/lib/dpkg/status.d/new-c", distroless("new-c", "2.0"))
                .zstd(),
        );
    let r = scan_image(&img);
    assert_eq!(name_versions(&r), ["new-c 2.0"]);
    assert_eq!(package(&r, "new-c")["layer_diff_id"], img.diff_ids()[1]);
}

#[test]
fn opaque_parent_directory_hides_the_status_file() {
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("ghost", "1.0-1", None)]),
                ),
        )
        .layer(Layer::new().dir("var/lib/dpkg").opaque("var/lib/dpkg"));
    let r = scan_image(&img);
    assert_eq!(
        r["artifact"]["os"]["family"], "debian",
        "etc/ is not under the opaque dir"
    );
    assert!(
        all_packages(&r).is_empty(),
        "opaque dir did not hide: {:?}",
        name_versions(&r)
    );
}

#[test]
fn a_file_replaced_in_an_upper_layer_wins() {
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(
            Layer::new()
                .file("etc/os-release", os_release("debian", "11"))
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("old", "1.0-1", None)]),
                ),
        )
        .layer(
            Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("new", "2.0-1", None)]),
                )
                .gzip(),
        );
    let r = scan_image(&img);
    assert_eq!(r["artifact"]["os"]["version"], "12");
    assert_eq!(only_target(&r)["ecosystem"], "Debian:12");
    assert_eq!(name_versions(&r), ["new 2.0-1"]);
}

// ---------------------------------------------------------------------------
// Symlinked os-release
// ---------------------------------------------------------------------------

fn os_of(r: &Value) -> (String, String) {
    let os = &r["artifact"]["os"];
    (
        os["family"].as_str().unwrap_or("<none>").to_string(),
        os["version"].as_str().unwrap_or("<none>").to_string(),
    )
}

#[test]
fn os_release_symlink_to_usr_lib_relative_and_absolute() {
    for target in ["../usr/lib/os-release", "/usr/lib/os-release"] {
        let img = one_layer(
            Layer::new()
                .file("usr/lib/os-release", alpine_os_release())
                .symlink("etc/os-release", target),
        );
        assert_eq!(
            os_of(&scan_image(&img)),
            ("alpine".into(), "3.19.1".into()),
            "-> {target}"
        );
    }
}

#[test]
fn os_release_symlink_in_an_upper_layer_replaces_the_lower_file() {
    // Layer 1 has a regular etc/os-release (Debian 11) and usr/lib/os-release
    // (Alpine); layer 2 turns etc/os-release into a link to the latter. The
    // link must win over the file it replaced.
    for target in ["../usr/lib/os-release", "/usr/lib/os-release"] {
        let img = ImageBuilder::new()
            .tag("t:1")
            .layer(
                Layer::new()
                    .file("etc/os-release", os_release("debian", "11"))
                    .file("usr/lib/os-release", alpine_os_release()),
            )
            .layer(Layer::new().symlink("etc/os-release", target).gzip());
        assert_eq!(
            os_of(&scan_image(&img)),
            ("alpine".into(), "3.19.1".into()),
            "-> {target}"
        );
    }
}

#[test]
fn os_release_hardlink_in_an_upper_layer_replaces_the_lower_file() {
    // A hardlink's target is an earlier entry of the same layer.
    let img = ImageBuilder::new()
        .tag("t:1")
        .layer(Layer::new().file("etc/os-release", os_release("debian", "11")))
        .layer(
            Layer::new()
                .file("usr/lib/os-release", alpine_os_release())
                .hardlink("etc/os-release", "usr/lib/os-release"),
        );
    assert_eq!(os_of(&scan_image(&img)), ("alpine".into(), "3.19.1".into()));
}

#[test]
fn rpm_db_reached_through_a_directory_symlink_is_one_target() {
    // Fedora / RHEL 9: var/lib/rpm -> ../../usr/lib/sysimage/rpm. The same
    // database seen under two names must not be reported twice.
    let os_release = "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n";
    let img = one_layer(
        Layer::new()
            .file("etc/os-release", os_release)
            .file(
                "usr/lib/sysimage/rpm/rpmdb.sqlite",
                rpmdb_sqlite(&[RpmPackage::new("bash", "5.1.8", "6.el9_1", "x86_64")]),
            )
            .dir("var/lib")
            .symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    );
    let r = scan_image(&img);
    assert_eq!(name_versions(&r), ["bash 5.1.8-6.el9_1"]);
    assert_eq!(only_target(&r)["ecosystem"], "Rocky Linux:9");
}

// ---------------------------------------------------------------------------
// scangate fs
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn fs_scans_a_root_directory_and_resolves_symlinks_inside_it() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib")).unwrap();
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    // The host runs something else (CI: Debian); an absolute link must
    // resolve to ROOT/usr/lib/os-release, not the host's.
    std::fs::write(root.join("usr/lib/os-release"), alpine_os_release()).unwrap();
    symlink("/usr/lib/os-release", root.join("etc/os-release")).unwrap();
    std::fs::write(
        root.join("lib/apk/db/installed"),
        apk_stanza("musl", "1.2.4_git20230717-r4", "musl", "MIT") + "\n",
    )
    .unwrap();

    let r = scan_fs_json(&root);
    let a = &r["artifact"];
    assert_eq!(a["name"], path_str(&root));
    assert_eq!(a["kind"], "filesystem");
    assert_eq!(a["digest"], Value::Null);
    assert!(
        a.get("layers").is_none_or(|l| l.is_null()),
        "a filesystem has no layers: {a:#}"
    );
    assert_eq!(os_of(&r), ("alpine".into(), "3.19.1".into()));
    let t = only_target(&r);
    assert_eq!(t["ecosystem"], "Alpine:v3.19");
    assert_eq!(t["name"], format!("{} (alpine 3.19.1)", path_str(&root)));
    let musl = package(&r, "musl");
    assert_eq!(musl["version"], "1.2.4_git20230717-r4");
    assert!(
        musl.get("layer_diff_id").is_some(),
        "layer_diff_id must be present (null)"
    );
    assert_eq!(musl["layer_diff_id"], Value::Null);
}

#[cfg(unix)]
#[test]
fn fs_absolute_symlink_to_an_unusual_path_stays_inside_root() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    // ROOT/etc/os-release -> /etc/os-release-real: on the host that path
    // does not exist; inside ROOT it is Rocky.
    std::fs::write(
        root.join("etc/os-release-real"),
        "ID=\"rocky\"\nVERSION_ID=\"9.3\"\nNAME=\"Rocky Linux\"\n",
    )
    .unwrap();
    symlink("/etc/os-release-real", root.join("etc/os-release")).unwrap();
    // The package DB path goes through an absolute directory link.
    std::fs::create_dir_all(root.join("srv/rpmdb")).unwrap();
    std::fs::create_dir_all(root.join("var/lib")).unwrap();
    std::fs::write(
        root.join("srv/rpmdb/rpmdb.sqlite"),
        rpmdb_sqlite(&[RpmPackage::new("bash", "5.1.8", "6.el9_1", "x86_64")]),
    )
    .unwrap();
    symlink("/srv/rpmdb", root.join("var/lib/rpm")).unwrap();

    let r = scan_fs_json(&root);
    assert_eq!(os_of(&r), ("rocky".into(), "9.3".into()));
    assert_eq!(only_target(&r)["ecosystem"], "Rocky Linux:9");
    assert_eq!(name_versions(&r), ["bash 5.1.8-6.el9_1"]);
}

#[test]
fn fs_missing_root_cannot_be_scanned() {
    let dir = tempfile::tempdir().unwrap();
    run(&["fs", path_str(&dir.path().join("nope"))]).error_line(3);
}
