//! Cross-checks against the real tools, so the parser is judged by rpm and
//! libdb rather than by our own understanding of their formats:
//!
//! 1. `rpmbuild` builds a few tiny packages, `rpm --justdb` installs them
//!    into a SQLite rpmdb (with a `gpg-pubkey` imported by `rpm --import`),
//!    and `rpm -qa --qf` states the expected inventory.
//! 2. The same header blobs are loaded into Berkeley DB hash files by
//!    libdb's own `db5.3_load` (several page sizes, both byte orders,
//!    checksums); rpm's `bdb_ro` backend must list them as well, and so
//!    must we.
//! 3. The test-only BDB encoder used by the unit tests is validated by
//!    `db5.3_dump` (libdb) and rpm's `bdb_ro` reading its output.
//!
//! NDB cannot be cross-checked this way: Debian's rpm is built without it.
//!
//! Tools: apt packages `rpm` (rpm, rpmbuild), `db5.3-util` (db5.3_load,
//! db5.3_dump) and `gpg`. Without them these tests print a notice and pass,
//! except when the `CI` environment variable is set: there they fail, so a
//! CI image missing a tool cannot silently skip the cross-check.

use super::rpmdb::bdb::{hash_db, Options};
use super::RpmAnalyzer;
use crate::inventory::{Package, PackageAnalyzer};
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOOLS: &[(&str, &str)] = &[
    ("rpm", "--version"),
    ("rpmbuild", "--version"),
    ("db5.3_load", "-V"),
    ("db5.3_dump", "-V"),
    ("gpg", "--version"),
];

/// What `rpm -qa` prints per package: the fields scangate extracts,
/// tab-separated (a `|` right after a `%|TAG?{…}|` conditional is eaten by
/// rpm's format parser). The epoch only when the tag exists, as scangate.
const QUERY_FORMAT: &str = "%{NAME}\\t%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\\t\
%|ARCH?{%{ARCH}}|\\t%|LICENSE?{%{LICENSE}}|\\t%|MODULARITYLABEL?{%{MODULARITYLABEL}}|\\n";

/// The packages built below, as `QUERY_FORMAT` lines, and the source
/// package scangate must derive for each.
const EXPECTED: &[(&str, (&str, &str))] = &[
    ("alpha\t1.0-1.el9\tnoarch\tMIT\t", ("alpha", "1.0-1.el9")),
    ("beta\t2:2.3.4-5.fc39\tnoarch\tGPLv2+\t", ("beta", "2:2.3.4-5.fc39")),
    ("gamma\t0:0.9-0\tnoarch\tASL 2.0\t", ("gamma", "0:0.9-0")),
    (
        "nodejs\t1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e\tnoarch\tMIT and ISC\tnodejs:18:8070020230306:9c1b8b4e",
        ("nodejs", "1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e"),
    ),
    (
        "nodejs-libs\t1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e\tnoarch\tMIT and ISC\tnodejs:18:8070020230306:9c1b8b4e",
        ("nodejs", "1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e"),
    ),
    (
        "perl-IO-Socket-SSL\t2.073-2.el9\tnoarch\t(GPL+ or Artistic) and MPLv2.0\t",
        ("perl-IO-Socket-SSL", "2.073-2.el9"),
    ),
];

/// Whether the tools are installed; see the module documentation.
fn tools_available() -> bool {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(tool, arg)| Command::new(tool).arg(arg).output().is_err())
        .map(|(tool, _)| *tool)
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!("rpm cross-check needs {missing:?}: apt-get install rpm db5.3-util gpg");
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("skipped: {message}");
    false
}

/// Runs `cmd`, failing the test with its stderr if it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn rpm(dbpath: &Path, backend: &str) -> Command {
    let mut cmd = Command::new("rpm");
    cmd.arg("--dbpath")
        .arg(dbpath)
        .arg("--define")
        .arg(format!("_db_backend {backend}"));
    cmd
}

fn query(dbpath: &Path, backend: &str) -> Vec<String> {
    let out = run(rpm(dbpath, backend).args(["-qa", "--qf", QUERY_FORMAT]));
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn line(p: &Package) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        p.name,
        p.version,
        p.arch.as_deref().unwrap_or(""),
        p.licenses.join(","),
        p.modularity_label.as_deref().unwrap_or("")
    )
}

/// Checks our reading of `file` against rpm's own listing (`rpm_view`,
/// the imported signing key included) and the expected source packages.
fn assert_expected(what: &str, path: &str, content: &[u8], rpm_view: &[String]) {
    let mut got = RpmAnalyzer
        .parse(path, content)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let mut lines: Vec<String> = got.iter().map(line).collect();
    lines.sort();
    assert_eq!(lines, rpm_view, "{what}");
    let packages = got.iter().filter(|p| p.name != "gpg-pubkey");
    for (p, (_, (source_name, source_version))) in packages.zip(EXPECTED) {
        assert_eq!(
            (p.source_name.as_str(), p.source_version.as_str()),
            (*source_name, *source_version),
            "{what}: {}",
            p.name
        );
    }
}

/// rpm's view minus the signing key, whose id differs on every run.
fn without_pubkeys(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("gpg-pubkey\t"))
        .collect()
}

fn spec(
    name: &str,
    epoch: Option<u32>,
    version: &str,
    release: &str,
    license: &str,
    subpackage: Option<&str>,
) -> String {
    let mut s = format!(
        "Name: {name}\nVersion: {version}\nRelease: {release}\nSummary: scangate test\n\
         License: {license}\nBuildArch: noarch\n"
    );
    if let Some(e) = epoch {
        s += &format!("Epoch: {e}\n");
    }
    s += "%description\nscangate test\n%files\n";
    if let Some(sub) = subpackage {
        s += &format!("%package {sub}\nSummary: sub\n%description {sub}\nsub\n%files {sub}\n");
    }
    s
}

/// Builds the test packages; returns the .rpm files.
fn build_rpms(top: &Path) -> Vec<PathBuf> {
    let specs = [
        (spec("alpha", None, "1.0", "1.el9", "MIT", None), None),
        (
            spec("beta", Some(2), "2.3.4", "5.fc39", "GPLv2+", None),
            None,
        ),
        (spec("gamma", Some(0), "0.9", "0", "ASL 2.0", None), None),
        (
            spec(
                "nodejs",
                Some(1),
                "18.14.2",
                "2.module+el8.7.0+18113+9c1b8b4e",
                "MIT and ISC",
                Some("libs"),
            ),
            Some("nodejs:18:8070020230306:9c1b8b4e"),
        ),
        (
            spec(
                "perl-IO-Socket-SSL",
                None,
                "2.073",
                "2.el9",
                "(GPL+ or Artistic) and MPLv2.0",
                None,
            ),
            None,
        ),
    ];
    for (n, (text, label)) in specs.iter().enumerate() {
        let file = top.join(format!("{n}.spec"));
        fs::write(&file, text).unwrap();
        let mut cmd = Command::new("rpmbuild");
        cmd.arg("--quiet")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()));
        if let Some(label) = label {
            cmd.arg("--define").arg(format!("modularitylabel {label}"));
        }
        run(cmd.arg("-bb").arg(&file));
    }
    let dir = top.join("RPMS/noarch");
    let mut rpms: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rpms.sort();
    assert_eq!(rpms.len(), 6, "{rpms:?}");
    rpms
}

/// An ASCII-armoured public key made by gpg, for `rpm --import`.
fn public_key(dir: &Path) -> PathBuf {
    let home = dir.join("gnupg");
    // gpg-agent will not start for a home directory others can read.
    fs::DirBuilder::new().mode(0o700).create(&home).unwrap();
    let gpg = |args: &[&str]| {
        run(Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args))
    };
    gpg(&[
        "--quick-gen-key",
        "scangate test <test@example.invalid>",
        "ed25519",
        "sign",
        "never",
    ]);
    let key = dir.join("key.asc");
    fs::write(&key, gpg(&["--armor", "--export"])).unwrap();
    // Stop the agent the key generation started.
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&home)
        .args(["--kill", "gpg-agent"])
        .output();
    key
}

/// Installs the test packages into a fresh SQLite rpmdb under `dir`.
fn sqlite_rpmdb(dir: &Path) -> PathBuf {
    let top = dir.join("build");
    fs::create_dir(&top).unwrap();
    let rpms = build_rpms(&top);
    let db = dir.join("sqlite");
    fs::create_dir(&db).unwrap();
    run(rpm(&db, "sqlite").arg("--initdb"));
    run(rpm(&db, "sqlite")
        .args(["-i", "--justdb", "--nodeps", "--noscripts", "--notriggers"])
        .args(&rpms));
    run(rpm(&db, "sqlite").arg("--import").arg(public_key(dir)));
    db
}

/// The rows of rpm's `Packages` table, straight from SQLite.
fn blobs(rpmdb: &Path) -> Vec<(u32, Vec<u8>)> {
    let conn = rusqlite::Connection::open(rpmdb).unwrap();
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// `db5.3_load` input: rpm's counter record 0, then the headers.
fn db_load_input(blobs: &[(u32, Vec<u8>)]) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let next = blobs.iter().map(|(k, _)| k + 1).max().unwrap_or(1);
    let mut s = String::from("VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n");
    s += &format!(" 00000000\n {}\n", hex(&next.to_le_bytes()));
    for (key, blob) in blobs {
        s += &format!(" {}\n {}\n", hex(&key.to_le_bytes()), hex(blob));
    }
    s + "DATA=END\n"
}

#[test]
fn matches_rpm_on_sqlite_and_libdb_files() {
    if !tools_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = sqlite_rpmdb(tmp.path());

    let rpm_view = query(&db, "sqlite");
    let want: Vec<&str> = EXPECTED.iter().map(|(l, _)| *l).collect();
    assert_eq!(without_pubkeys(&rpm_view), want, "rpm itself disagrees");
    assert_eq!(rpm_view.len(), want.len() + 1, "no gpg-pubkey imported");

    assert_expected(
        "rpm's SQLite rpmdb",
        "var/lib/rpm/rpmdb.sqlite",
        &fs::read(db.join("rpmdb.sqlite")).unwrap(),
        &rpm_view,
    );

    let records = blobs(&db.join("rpmdb.sqlite"));
    let input = tmp.path().join("load.txt");
    fs::write(&input, db_load_input(&records)).unwrap();
    for options in [
        &["-c", "db_pagesize=4096"][..],
        &["-c", "db_pagesize=512"],
        &["-c", "db_pagesize=512", "-c", "db_lorder=4321"],
        &["-c", "db_pagesize=1024", "-c", "chksum=1"],
        &[
            "-c",
            "db_pagesize=65536",
            "-c",
            "db_lorder=4321",
            "-c",
            "chksum=1",
        ],
    ] {
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        let packages = dir.path().join("Packages");
        run(Command::new("db5.3_load")
            .args(options)
            .arg("-f")
            .arg(&input)
            .arg(&packages));
        // rpm's own BDB reader does not do checksums; libdb has just
        // written the file, so it is valid either way.
        if !options.contains(&"chksum=1") {
            assert_eq!(query(dir.path(), "bdb_ro"), rpm_view, "bdb_ro {options:?}");
        }
        assert_expected(
            &format!("db5.3_load {options:?}"),
            "var/lib/rpm/Packages",
            &fs::read(&packages).unwrap(),
            &rpm_view,
        );
    }

    // The test encoder writes files libdb and rpm read back unchanged.
    for opt in [
        Options::default(),
        Options {
            page_size: 512,
            big_endian: true,
            checksum: false,
        },
    ] {
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        let packages = dir.path().join("Packages");
        fs::write(&packages, hash_db(&records, opt)).unwrap();
        let dump = run(Command::new("db5.3_dump").arg(&packages));
        for (_, blob) in &records {
            let hex: String = blob.iter().map(|x| format!("{x:02x}")).collect();
            assert!(dump.contains(&hex), "db5.3_dump lacks a record");
        }
        assert_eq!(
            query(dir.path(), "bdb_ro"),
            rpm_view,
            "bdb_ro of encoder output"
        );
    }
}
