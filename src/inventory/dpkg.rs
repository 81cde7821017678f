//! Debian/Ubuntu packages, read from dpkg's database.
//!
//! Two layouts exist in real images:
//! - `var/lib/dpkg/status`: one deb822 file holding a stanza per package,
//!   including packages that were removed but left config files behind, so
//!   the `Status:` field decides what is really installed.
//! - `var/lib/dpkg/status.d/<name>`: distroless images ship no dpkg at all,
//!   only one stanza file per package and no `Status:` field (everything
//!   present is installed). Newer distroless also puts `<name>.md5sums`
//!   files there, which are not control data.

use super::skips::Skips;
use super::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use std::borrow::Cow;

pub struct DpkgAnalyzer;

static WANTS: &[Want] = &[
    Want::File("var/lib/dpkg/status"),
    Want::DirEntries("var/lib/dpkg/status.d"),
];

impl PackageAnalyzer for DpkgAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Deb, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        if is_md5sums(path) {
            return Ok(Vec::new());
        }
        // Lossy: a stray Latin-1 byte in some maintainer's Description must
        // not hide every package of the image.
        let text = String::from_utf8_lossy(content);
        let mut skips = Skips::new(path, "dpkg stanza");
        Ok(stanzas(&text)
            .filter_map(|stanza| package_from_stanza(&mut skips, &stanza))
            .collect())
    }
}

/// distroless `status.d/*.md5sums` files list file checksums, not packages.
fn is_md5sums(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.ends_with(".md5sums"))
}

/// One deb822 paragraph: its fields in file order, and the 1-based line it
/// starts on (for warnings a user can follow into the file).
#[derive(Debug, Default)]
struct Stanza<'a> {
    line: usize,
    fields: Vec<(&'a str, Cow<'a, str>)>,
}

impl Stanza<'_> {
    /// The first value of a field, matched case-insensitively as deb822
    /// requires. Duplicates are invalid for dpkg; the first one wins here.
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

/// Splits deb822 text into paragraphs. Lines are `Field: value`; a line
/// starting with space or tab continues the previous field's value (e.g.
/// `Description` or `Conffiles`) and is never read as a field of its own.
/// A line that is empty or only whitespace ends a paragraph, which also
/// makes CRLF files and stray trailing blanks harmless.
fn stanzas(text: &str) -> impl Iterator<Item = Stanza<'_>> {
    let mut lines = text.lines().enumerate().peekable();
    std::iter::from_fn(move || {
        // Skip separators until the next paragraph starts.
        while lines.next_if(|(_, l)| l.trim().is_empty()).is_some() {}
        let (first, _) = *lines.peek()?;
        let mut stanza = Stanza {
            line: first + 1,
            fields: Vec::new(),
        };
        while let Some((_, line)) = lines.next_if(|(_, l)| !l.trim().is_empty()) {
            add_line(&mut stanza, line.strip_suffix('\r').unwrap_or(line));
        }
        Some(stanza)
    })
}

/// Adds one non-blank line to a paragraph, either as a new field or as the
/// continuation of the last one. A line that is neither (no colon, or a
/// continuation before any field) is ignored: the fields that matter for
/// inventory are single-line and may still be intact.
fn add_line<'a>(stanza: &mut Stanza<'a>, line: &'a str) {
    if line.starts_with([' ', '\t']) {
        if let Some((_, value)) = stanza.fields.last_mut() {
            let value = value.to_mut();
            value.push('\n');
            value.push_str(line.trim());
        }
        return;
    }
    if let Some((name, value)) = line.split_once(':') {
        stanza
            .fields
            .push((name.trim(), Cow::Borrowed(value.trim())));
    }
}

/// Builds the package a stanza describes, or `None` when it is not
/// installed or lacks the fields that identify it.
fn package_from_stanza(skips: &mut Skips<'_>, stanza: &Stanza<'_>) -> Option<Package> {
    let name = non_empty(stanza.get("Package"));
    let version = non_empty(stanza.get("Version"));
    let (Some(name), Some(version)) = (name, version) else {
        skips.skip(format_args!("line {}: no Package or Version", stanza.line));
        return None;
    };
    // status.d stanzas carry no Status: being there means installed.
    if !stanza.get("Status").is_none_or(is_installed) {
        return None;
    }
    let (source_name, source_version) = source(stanza.get("Source"), name, version);
    Some(Package {
        name: name.to_string(),
        version: version.to_string(),
        source_name,
        source_version,
        arch: non_empty(stanza.get("Architecture")).map(str::to_string),
        licenses: Vec::new(),
        modularity_label: None,
        line: None,
        dev: false,
    })
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Whether `Status: <want> <flag> <state>` describes a package whose files
/// are on disk and configured. `installed` is the normal case; the two
/// trigger states are set on an already configured package while dpkg waits
/// to run triggers, so its files are in place and vulnerable all the same.
/// Everything else (`config-files`, `half-installed`, `unpacked`,
/// `not-installed`, ...) is a removed or unfinished install.
fn is_installed(status: &str) -> bool {
    matches!(
        status.split_whitespace().nth(2),
        Some("installed" | "triggers-pending" | "triggers-awaited")
    )
}

/// Reads `Source: name` or `Source: name (version)`. dpkg omits the field
/// when source and binary share a name, and omits the version when they
/// share a version, so both default to the binary's own.
fn source(field: Option<&str>, name: &str, version: &str) -> (String, String) {
    let field = field.unwrap_or("").trim();
    let (src_name, src_version) = match field.split_once('(') {
        Some((n, v)) => (n.trim(), v.trim().trim_end_matches(')').trim()),
        None => (field, ""),
    };
    let src_name = if src_name.is_empty() { name } else { src_name };
    let src_version = if src_version.is_empty() {
        version
    } else {
        src_version
    };
    (src_name.to_string(), src_version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "/var/lib/dpkg/status";

    /// Excerpt of a Debian bookworm status file (descriptions shortened).
    const BOOKWORM: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12985
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Suggests: glibc-doc, debconf | debconf-2.0, libc-l10n, locales, libnss-nis, libnss-nisplus
Breaks: aide (<< 0.17.3-4+b3), busybox (<< 1.30.1-6)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system. This package includes shared versions of the standard C library
 and the standard math library, as well as many others.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libgcc-s1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 140
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 1:12.2.0-14
Replaces: libgcc1 (<< 1:10)
Provides: libgcc1 (= 1:12.2.0-14)
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)
Description: GCC support library
 Shared version of the support library, a library of internal subroutines
 that GCC uses to overcome shortcomings of particular machines, or special
 needs for some languages.
Homepage: http://gcc.gnu.org/

Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u11
Replaces: base
Provides: base
Conffiles:
 /etc/debian_version 2a5b41e0b5bd4a2bec8fbc1a5bde2ba4
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.

Package: libssl1.1
Status: deinstall ok config-files
Priority: optional
Section: libs
Installed-Size: 4123
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@lists.alioth.debian.org>
Architecture: amd64
Source: openssl
Version: 1.1.1n-0+deb11u5
Conffiles:
 /etc/ssl/openssl.cnf 5734a68b73e8e2f3e5e1b8b5f3e3a8f1 obsolete
Description: Secure Sockets Layer toolkit - shared libraries
";

    fn parse(path: &str, text: &str) -> Vec<Package> {
        DpkgAnalyzer
            .parse(path, text.as_bytes())
            .expect("dpkg parse never fails as a whole")
    }

    fn names(pkgs: &[Package]) -> Vec<&str> {
        pkgs.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn wants_status_file_and_status_d_entries() {
        let wants = DpkgAnalyzer.wants();
        assert!(wants.iter().any(|w| w.matches("var/lib/dpkg/status")));
        assert!(wants
            .iter()
            .any(|w| w.matches("var/lib/dpkg/status.d/libc6")));
        assert!(!wants.iter().any(|w| w.matches("var/lib/dpkg/status-old")));
    }

    #[test]
    fn reads_installed_packages_and_drops_config_files() {
        let pkgs = parse(STATUS, BOOKWORM);
        assert_eq!(names(&pkgs), ["libc6", "libgcc-s1", "base-files"]);
    }

    #[test]
    fn source_field_name_only() {
        let pkgs = parse(STATUS, BOOKWORM);
        assert_eq!(
            pkgs[0],
            Package {
                name: "libc6".into(),
                version: "2.36-9+deb12u10".into(),
                source_name: "glibc".into(),
                source_version: "2.36-9+deb12u10".into(),
                arch: Some("amd64".into()),
                licenses: vec![],
                modularity_label: None,
                line: None,
                dev: false,
            }
        );
    }

    #[test]
    fn source_field_with_version_and_epoch_kept() {
        let pkgs = parse(STATUS, BOOKWORM);
        let gcc = &pkgs[1];
        assert_eq!(gcc.version, "1:12.2.0-14");
        assert_eq!(gcc.source_name, "gcc-12");
        assert_eq!(gcc.source_version, "12.2.0-14");
    }

    #[test]
    fn missing_source_defaults_to_binary() {
        let pkgs = parse(STATUS, BOOKWORM);
        let base = &pkgs[2];
        assert_eq!(base.source_name, "base-files");
        assert_eq!(base.source_version, "12.4+deb12u11");
    }

    #[test]
    fn continuation_lines_are_not_fields() {
        // A description line that looks like a field must not override one.
        let text = "Package: foo\nStatus: install ok installed\nVersion: 1.0-1\n\
                    Description: demo\n Version: 9.9\n\tPackage: bar\n";
        let pkgs = parse(STATUS, text);
        assert_eq!(names(&pkgs), ["foo"]);
        assert_eq!(pkgs[0].version, "1.0-1");
    }

    #[test]
    fn field_names_are_case_insensitive() {
        let text = "package: foo\nSTATUS: install ok installed\nversion: 1.0\n\
                    source: bar (0.9)\narchitecture: all\n";
        let pkgs = parse(STATUS, text);
        assert_eq!(pkgs[0].name, "foo");
        assert_eq!(pkgs[0].source_name, "bar");
        assert_eq!(pkgs[0].source_version, "0.9");
        assert_eq!(pkgs[0].arch.as_deref(), Some("all"));
    }

    #[test]
    fn crlf_and_whitespace_only_separators() {
        let text = BOOKWORM
            .replace('\n', "\r\n")
            .replace("\r\n\r\n", "\r\n \r\n");
        let pkgs = parse(STATUS, &text);
        assert_eq!(names(&pkgs), ["libc6", "libgcc-s1", "base-files"]);
        assert_eq!(pkgs[1].version, "1:12.2.0-14");
        assert_eq!(pkgs[1].source_version, "12.2.0-14");
    }

    #[test]
    fn malformed_stanza_skipped_others_read() {
        let text = format!(
            "Package: broken\nStatus: install ok installed\n\n\
             Status: install ok installed\nVersion: 1.0\n\n\
             no colon here\nPackage: ok\nVersion: 2.0\nStatus: install ok installed\n\n{BOOKWORM}"
        );
        let pkgs = parse(STATUS, &text);
        assert_eq!(names(&pkgs), ["ok", "libc6", "libgcc-s1", "base-files"]);
    }

    #[test]
    fn non_installed_states_excluded() {
        let states = [
            ("install ok installed", true),
            ("hold ok installed", true),
            ("install ok triggers-pending", true),
            ("install ok triggers-awaited", true),
            ("deinstall ok config-files", false),
            ("install reinstreq half-installed", false),
            ("install ok unpacked", false),
            ("install ok half-configured", false),
            ("purge ok not-installed", false),
            ("installed", false),
            ("", false),
        ];
        for (status, want) in states {
            let text = format!("Package: p\nStatus: {status}\nVersion: 1\n");
            assert_eq!(parse(STATUS, &text).len(), usize::from(want), "{status}");
        }
    }

    #[test]
    fn status_d_single_stanza_without_status() {
        let text = "Package: libssl3\nVersion: 3.0.15-1~deb12u1\nArchitecture: arm64\n\
                    Source: openssl\nMaintainer: Debian OpenSSL Team\n";
        let pkgs = parse("var/lib/dpkg/status.d/libssl3", text);
        assert_eq!(names(&pkgs), ["libssl3"]);
        assert_eq!(pkgs[0].source_name, "openssl");
        assert_eq!(pkgs[0].source_version, "3.0.15-1~deb12u1");
        assert_eq!(pkgs[0].arch.as_deref(), Some("arm64"));
    }

    #[test]
    fn status_d_md5sums_skipped() {
        let text = "3ce2ef2b9bbe0e5ab9a0c46f2ef6a47a  usr/lib/x86_64-linux-gnu/libssl.so.3\n";
        assert!(parse("var/lib/dpkg/status.d/libssl3.md5sums", text).is_empty());
        // Even if such a file looked like a stanza it is not one.
        assert!(parse(
            "var/lib/dpkg/status.d/x.md5sums",
            "Package: x\nVersion: 1\n"
        )
        .is_empty());
    }

    #[test]
    fn non_utf8_is_lossy_not_fatal() {
        let mut bytes = b"Package: foo\nStatus: install ok installed\nVersion: 1.0\n\
                          Maintainer: Jos\xe9 \xff\n\n"
            .to_vec();
        bytes.extend_from_slice(b"Package: bar\nVersion: 2.0\nStatus: install ok installed\n");
        let pkgs = DpkgAnalyzer.parse(STATUS, &bytes).expect("lossy");
        assert_eq!(names(&pkgs), ["foo", "bar"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "",
            "\n\n\n",
            ":",
            " continuation first\n",
            "Package:\nVersion:\n",
            "Package: a\nVersion: 1\nSource: (\n",
            "Package: a\nVersion: 1\nSource: )(\n",
            "\r\n\r\n",
        ] {
            let _ = parse(STATUS, text);
        }
        let pkgs = parse(STATUS, "Package: a\nVersion: 1\nSource: (\n");
        assert_eq!(pkgs[0].source_name, "a");
        assert_eq!(pkgs[0].source_version, "1");
    }
}
