//! Alpine (and Wolfi/Chainguard) packages, read from apk's `installed`
//! database.
//!
//! The file is a list of records separated by blank lines, each line being
//! `X:value` with a single-letter, case-sensitive key (`A` is the
//! architecture, `a` a file's attributes). Everything listed is installed:
//! apk removes a package's record when it removes the package.

use super::skips::Skips;
use super::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};

pub struct ApkAnalyzer;

/// apk-tools 3 moved the database from `lib/apk/db` to `usr/lib/apk/db`
/// (with a compatibility symlink that not every image has).
static WANTS: &[Want] = &[
    Want::File("lib/apk/db/installed"),
    Want::File("usr/lib/apk/db/installed"),
];

impl PackageAnalyzer for ApkAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Apk, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        // Lossy: one bad byte in a description must not hide the image's
        // packages.
        let text = String::from_utf8_lossy(content);
        let mut skips = Skips::new(path, "apk record");
        Ok(records(&text)
            .filter_map(|record| package_from_record(&mut skips, &record))
            .collect())
    }
}

/// The fields of one record that inventory needs, plus the 1-based line the
/// record starts on for warnings. Only the first occurrence of a key counts.
#[derive(Debug, Default)]
struct Record<'a> {
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    license: Option<&'a str>,
    origin: Option<&'a str>,
}

impl<'a> Record<'a> {
    /// Records one `X:value` line. Per-file keys (`F`, `R`, `Z`, ...) repeat
    /// many times per record and are ignored, as are lines without a colon.
    fn add_line(&mut self, line: &'a str) {
        let Some((key, value)) = line.split_once(':') else {
            return;
        };
        let slot = match key {
            "P" => &mut self.name,
            "V" => &mut self.version,
            "A" => &mut self.arch,
            "L" => &mut self.license,
            "o" => &mut self.origin,
            _ => return,
        };
        let value = value.trim();
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value);
        }
    }
}

/// Splits the database into records. Whitespace-only lines separate records
/// too, so CRLF files and trailing blanks do no harm.
fn records(text: &str) -> impl Iterator<Item = Record<'_>> {
    let mut lines = text.lines().enumerate().peekable();
    std::iter::from_fn(move || {
        while lines.next_if(|(_, l)| l.trim().is_empty()).is_some() {}
        let (first, _) = *lines.peek()?;
        let mut record = Record {
            line: first + 1,
            ..Record::default()
        };
        while let Some((_, line)) = lines.next_if(|(_, l)| !l.trim().is_empty()) {
            record.add_line(line);
        }
        Some(record)
    })
}

/// Builds the package a record describes. Alpine's advisories (secdb, OSV)
/// name the origin package, so `o:` becomes the source name; apk builds
/// every subpackage from one APKBUILD at one version, so the source version
/// is the package's own.
fn package_from_record(skips: &mut Skips<'_>, record: &Record<'_>) -> Option<Package> {
    let (Some(name), Some(version)) = (record.name, record.version) else {
        skips.skip(format_args!(
            "line {}: no P (name) or V (version)",
            record.line
        ));
        return None;
    };
    Some(Package {
        name: name.to_string(),
        version: version.to_string(),
        source_name: record.origin.unwrap_or(name).to_string(),
        source_version: version.to_string(),
        arch: record.arch.map(str::to_string),
        // An SPDX expression (`GPL-2.0-only AND MIT`) is one license entry;
        // splitting it would lose the AND/OR meaning.
        licenses: record.license.map(str::to_string).into_iter().collect(),
        modularity_label: None,
        line: None,
        dev: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALLED: &str = "lib/apk/db/installed";

    /// Excerpt of an Alpine 3.19 `installed` database.
    const ALPINE: &str = "\
C:Q1Pb2sWYX5ZZdbbaRjj7TABMiJ1cc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407163
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705408181
c:7ad6e9c1d6f8d2b8a1b5f2d7d6cb5a5b1d0b9a1f
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1sL6N5Pn1fCVlGrnHY8rf8U3iCp8=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1LhMtc5jHDPKZXnmeEIxjbwbVlsM=
P:busybox
V:1.36.1-r15
A:x86_64
S:509513
I:955392
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1703182436
c:e76c8b6b8a5b4e1f4d6f1c6b4a1b1d6e6f2c0b7a
D:so:libc.musl-x86_64.so.1
p:/bin/sh cmd:busybox=1.36.1-r15 cmd:sh=1.36.1-r15
r:busybox-initscripts
F:bin
R:busybox
a:0:0:755
Z:Q1eMnGGTd5s3PtSnnzv1yA+3UVQmE=
R:sh
a:0:0:777
Z:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=

C:Q1KF9yXsZ2DHgeGAuVUfNL+EmvHcs=
P:libcrypto3
V:3.1.4-r5
A:x86_64
S:1733640
I:4562944
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1706028005
c:c6b8a5e8a2b5a1d9b8e9e4b8a3e4c1e4b2a1d9c6
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:lib
R:libcrypto.so.3
a:0:0:755
Z:Q1J2Ga+aL7I9iHEqvlNqMHZbD1bG8=
F:usr
F:usr/lib
R:libcrypto.so.3
a:0:0:777
Z:Q1R8fc5tn5kUVeAsbAF2Gkr6p95zE=

C:Q1tpB8PJQsVp5ccHXuBZ6pN2w1MM0=
P:ssl_client
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only AND MIT
D:so:libc.musl-x86_64.so.1 so:libcrypto.so.3 so:libssl.so.3
";

    fn parse(text: &str) -> Vec<Package> {
        ApkAnalyzer
            .parse(INSTALLED, text.as_bytes())
            .expect("apk parse never fails as a whole")
    }

    fn names(pkgs: &[Package]) -> Vec<&str> {
        pkgs.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn wants_both_database_locations() {
        let wants = ApkAnalyzer.wants();
        assert!(wants.iter().any(|w| w.matches("lib/apk/db/installed")));
        assert!(wants.iter().any(|w| w.matches("usr/lib/apk/db/installed")));
    }

    #[test]
    fn reads_every_record() {
        let pkgs = parse(ALPINE);
        assert_eq!(
            names(&pkgs),
            ["musl", "busybox", "libcrypto3", "ssl_client"]
        );
    }

    #[test]
    fn musl_fields() {
        let pkgs = parse(ALPINE);
        assert_eq!(
            pkgs[0],
            Package {
                name: "musl".into(),
                version: "1.2.4_git20230717-r4".into(),
                source_name: "musl".into(),
                source_version: "1.2.4_git20230717-r4".into(),
                arch: Some("x86_64".into()),
                licenses: vec!["MIT".into()],
                modularity_label: None,
                line: None,
                dev: false,
            }
        );
    }

    #[test]
    fn origin_is_source_name() {
        let pkgs = parse(ALPINE);
        assert_eq!(pkgs[1].source_name, "busybox");
        assert_eq!(pkgs[2].source_name, "openssl");
        assert_eq!(pkgs[2].source_version, "3.1.4-r5");
    }

    #[test]
    fn missing_origin_defaults_to_name() {
        let pkgs = parse("P:foo\nV:1.0-r0\n");
        assert_eq!(pkgs[0].source_name, "foo");
        assert_eq!(pkgs[0].source_version, "1.0-r0");
        assert_eq!(pkgs[0].arch, None);
        assert!(pkgs[0].licenses.is_empty());
    }

    #[test]
    fn spdx_expression_is_one_license() {
        let pkgs = parse(ALPINE);
        assert_eq!(pkgs[3].licenses, ["GPL-2.0-only AND MIT"]);
    }

    #[test]
    fn keys_are_case_sensitive() {
        // `a:` is a file's attributes, never the architecture.
        let pkgs = parse("P:foo\nV:1-r0\na:0:0:755\nA:aarch64\n");
        assert_eq!(pkgs[0].arch.as_deref(), Some("aarch64"));
    }

    #[test]
    fn crlf_and_whitespace_only_separators() {
        let text = ALPINE
            .replace('\n', "\r\n")
            .replace("\r\n\r\n", "\r\n\t\r\n");
        let pkgs = parse(&text);
        assert_eq!(
            names(&pkgs),
            ["musl", "busybox", "libcrypto3", "ssl_client"]
        );
        assert_eq!(pkgs[0].version, "1.2.4_git20230717-r4");
        assert_eq!(pkgs[2].source_name, "openssl");
    }

    #[test]
    fn malformed_record_skipped_others_read() {
        let text = format!("P:noversion\nA:x86_64\n\nV:1.0-r0\no:nameless\n\n{ALPINE}");
        let pkgs = parse(&text);
        assert_eq!(
            names(&pkgs),
            ["musl", "busybox", "libcrypto3", "ssl_client"]
        );
    }

    #[test]
    fn non_utf8_is_lossy_not_fatal() {
        let bytes = b"P:foo\nV:1-r0\nT:caf\xe9 \xff\n\nP:bar\nV:2-r1\n";
        let pkgs = ApkAnalyzer.parse(INSTALLED, bytes).expect("lossy");
        assert_eq!(names(&pkgs), ["foo", "bar"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in ["", "\n\n", ":", "P:\nV:\n", "no colon\n", "P", "\r"] {
            assert!(parse(text).is_empty(), "{text:?}");
        }
    }
}
