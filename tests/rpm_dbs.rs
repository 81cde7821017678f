//! rpm databases end to end in the two formats besides `rpmdb.sqlite`
//! (whose RHEL 9-style image is in `package_dbs.rs`): Berkeley DB
//! `Packages` (CentOS 7, Amazon Linux 2) and NDB `Packages.db` (SUSE).
//! The databases come from `support::rpmdb`, the encoders the unit tests of
//! `src/inventory/rpm` use too.

mod support;

use serde_json::{json, Value};
use support::rpmdb::{bdb_packages, ndb_packages, RpmPackage};
use support::*;

/// `name version arch source_name source_version` of every package.
fn rows(report: &Value) -> Vec<String> {
    all_packages(report)
        .iter()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap_or("<none>").to_string();
            ["name", "version", "arch", "source_name", "source_version"]
                .map(field)
                .join(" ")
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Berkeley DB
// ---------------------------------------------------------------------------

/// Scans `img` and checks the OS and that the one target is the Berkeley
/// DB, matched in `ecosystem` (null for CentOS, which has no advisories;
/// Amazon Linux's come from its own feed).
fn scan_bdb_image(img: &ImageBuilder, family: &str, version: &str, ecosystem: Value) -> Value {
    let r = scan_image(img);
    assert_eq!(r["artifact"]["os"]["family"], family);
    assert_eq!(r["artifact"]["os"]["version"], version);
    let t = only_target(&r);
    assert_eq!(t["path"], "var/lib/rpm/Packages");
    assert_eq!(t["kind"], "os-packages");
    assert_eq!(t.get("ecosystem"), Some(&ecosystem), "{t:#}");
    r
}

/// A CentOS 7 base layer's packages, with CentOS's imported signing key.
fn centos7_base() -> Vec<RpmPackage> {
    vec![
        RpmPackage::new("bash", "4.2.46", "35.el7_9", "x86_64").license("GPLv3+"),
        RpmPackage::gpg_pubkey("f4a80eb5", "53a7ff4b"),
        RpmPackage::new("openssl-libs", "1.0.2k", "25.el7_9", "x86_64")
            .epoch(1)
            .license("OpenSSL")
            .source_rpm("openssl-1.0.2k-25.el7_9.src.rpm"),
        RpmPackage::new("tzdata", "2024a", "1.el7", "noarch"),
    ]
}

#[test]
fn centos7_berkeley_db_across_two_layers() {
    // Layer 2 is `yum update openssl-libs && yum install yum-utils`: it
    // rewrites the whole database, so only what changed belongs to it.
    let mut updated = centos7_base();
    updated[2] = RpmPackage::new("openssl-libs", "1.0.2k", "26.el7_9", "x86_64")
        .epoch(1)
        .license("OpenSSL")
        .source_rpm("openssl-1.0.2k-26.el7_9.src.rpm");
    updated.push(RpmPackage::new("yum-utils", "1.1.31", "54.el7_8", "noarch"));
    let img = ImageBuilder::new()
        .tag("centos:7")
        .layer(
            Layer::new()
                .file(
                    "etc/centos-release",
                    "CentOS Linux release 7.9.2009 (Core)\n",
                )
                .file("var/lib/rpm/Packages", bdb_packages(&centos7_base())),
        )
        .layer(
            Layer::new()
                .file("var/lib/rpm/Packages", bdb_packages(&updated))
                .gzip(),
        );
    let r = scan_bdb_image(&img, "centos", "7.9.2009", Value::Null);
    // The signing key as rpm lists it; the epoch on the binary and the
    // source versions.
    assert_eq!(
        rows(&r),
        [
            "bash 4.2.46-35.el7_9 x86_64 bash 4.2.46-35.el7_9",
            "gpg-pubkey f4a80eb5-53a7ff4b <none> gpg-pubkey f4a80eb5-53a7ff4b",
            "openssl-libs 1:1.0.2k-26.el7_9 x86_64 openssl 1:1.0.2k-26.el7_9",
            "tzdata 2024a-1.el7 noarch tzdata 2024a-1.el7",
            "yum-utils 1.1.31-54.el7_8 noarch yum-utils 1.1.31-54.el7_8",
        ]
    );
    let layers = img.diff_ids();
    let layer_of = |name: &str| package(&r, name)["layer_diff_id"].clone();
    assert_eq!(layer_of("bash"), layers[0]);
    assert_eq!(layer_of("tzdata"), layers[0]);
    assert_eq!(layer_of("openssl-libs"), layers[1]);
    assert_eq!(layer_of("yum-utils"), layers[1]);

    let ssl = package(&r, "openssl-libs");
    assert_eq!(ssl["licenses"], json!(["OpenSSL"]));
    assert_eq!(
        ssl["purl"],
        "pkg:rpm/centos/openssl-libs@1.0.2k-26.el7_9?arch=x86_64&distro=centos-7.9.2009&epoch=1"
    );
    assert_eq!(
        package(&r, "tzdata")["purl"],
        "pkg:rpm/centos/tzdata@2024a-1.el7?arch=noarch&distro=centos-7.9.2009"
    );
}

#[test]
fn amazon_linux_2_berkeley_db() {
    let os_release = "NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\n\
                      ID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\n\
                      PRETTY_NAME=\"Amazon Linux 2\"\n";
    let packages = [
        RpmPackage::gpg_pubkey("c87f5b1a", "593863f8"),
        RpmPackage::new("openssl-libs", "1.0.2k", "24.amzn2.0.7", "x86_64")
            .epoch(1)
            .source_rpm("openssl-1.0.2k-24.amzn2.0.7.src.rpm"),
        RpmPackage::new("system-release", "2", "16.amzn2", "x86_64"),
    ];
    let img = ImageBuilder::new().tag("amazonlinux:2").layer(
        Layer::new()
            .file("etc/os-release", os_release)
            .file("etc/system-release", "Amazon Linux release 2 (Karoo)\n")
            .file("var/lib/rpm/Packages", bdb_packages(&packages)),
    );
    // Trivy's version: `system-release`'s words after "release".
    let r = scan_bdb_image(&img, "amazon", "2 (Karoo)", json!("Amazon Linux:2"));
    assert_eq!(
        rows(&r),
        [
            "gpg-pubkey c87f5b1a-593863f8 <none> gpg-pubkey c87f5b1a-593863f8",
            "openssl-libs 1:1.0.2k-24.amzn2.0.7 x86_64 openssl 1:1.0.2k-24.amzn2.0.7",
            "system-release 2-16.amzn2 x86_64 system-release 2-16.amzn2",
        ]
    );
    assert_eq!(
        package(&r, "openssl-libs")["purl"],
        "pkg:rpm/amazon/openssl-libs@1.0.2k-24.amzn2.0.7?arch=x86_64&distro=amazon-2%20%28Karoo%29&epoch=1"
    );
    assert_eq!(
        package(&r, "openssl-libs")["layer_diff_id"],
        img.diff_ids()[0]
    );
}

// ---------------------------------------------------------------------------
// NDB
// ---------------------------------------------------------------------------

#[test]
fn suse_ndb_reached_through_the_var_lib_rpm_symlink_is_listed_once() {
    // openSUSE / SLES 15: the database lives in usr/lib/sysimage/rpm and
    // var/lib/rpm links there, so both wanted names reach the one file.
    let os_release = "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\n\
                      ID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\n";
    let packages = [
        RpmPackage::new("bash", "4.4", "150400.27.3.2", "x86_64").license("GPL-3.0-or-later"),
        RpmPackage::gpg_pubkey("29b700a4", "62b07e22"),
        RpmPackage::new("libopenssl3", "3.0.8", "150500.5.8.1", "x86_64")
            .source_rpm("openssl-3-3.0.8-150500.5.8.1.src.rpm"),
        RpmPackage::new("timezone", "2024a", "150000.75.28.1", "x86_64").epoch(2),
    ];
    let img = ImageBuilder::new().tag("opensuse/leap:15.5").layer(
        Layer::new()
            .file("etc/os-release", os_release)
            .file("usr/lib/sysimage/rpm/Packages.db", ndb_packages(&packages))
            .dir("var/lib")
            .symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    );
    let r = scan_image(&img);
    let t = only_target(&r);
    // The target is named by whichever wanted path reached the file.
    let path = t["path"].as_str().unwrap();
    assert!(
        [
            "var/lib/rpm/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db"
        ]
        .contains(&path),
        "{path}"
    );
    assert_eq!(
        rows(&r),
        [
            "bash 4.4-150400.27.3.2 x86_64 bash 4.4-150400.27.3.2",
            "gpg-pubkey 29b700a4-62b07e22 <none> gpg-pubkey 29b700a4-62b07e22",
            "libopenssl3 3.0.8-150500.5.8.1 x86_64 openssl-3 3.0.8-150500.5.8.1",
            "timezone 2:2024a-150000.75.28.1 x86_64 timezone 2:2024a-150000.75.28.1",
        ]
    );
    for p in all_packages(&r) {
        assert_eq!(p["layer_diff_id"], img.diff_ids()[0], "{p:#}");
    }
    assert_eq!(package(&r, "bash")["licenses"], json!(["GPL-3.0-or-later"]));
}
