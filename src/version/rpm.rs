//! RPM versions (Red Hat, Rocky Linux, AlmaLinux), as rpm orders them.
//!
//! A version is an EVR, `[epoch:]version[-release]`, split as rpm 4.18's
//! `rpmverParse` splits it: the epoch is the run of digits before a `:` at
//! the very start (absent, or empty as in `:1.0`, means 0); the release is
//! everything after the *last* `-` past the epoch. Anything else stays in
//! the version, colons included (`a:1.0` is the version `a:1.0`).
//!
//! EVRs are compared as rpm's `rpmverCmp` does (what `rpm.ver`,
//! `rpm.labelCompare` and `rpm --eval '%{lua:rpm.vercmp(a, b)}'` use):
//! epochs, then versions, then releases, each with `rpmvercmp`. A missing
//! release sorts before any present release (`1.0 < 1.0-1`), and two missing
//! releases are equal.
//!
//! This is deliberately *not* the "missing release matches any release" rule
//! of rpm's dependency ranges (`rpmdsCompare`, `Requires: foo >= 1.0`), under
//! which `1.0` would equal both `1.0-1` and `1.0-2` while those differ: that
//! is not an order at all (sorting events with it could even panic), and it
//! is not what rpm's version comparison answers. Installed RPMs and OSV's Red
//! Hat family advisories always carry a release, so the difference only
//! shows on hand-written versions.
//!
//! `rpmvercmp` splits each side into maximal runs of ASCII letters or of
//! ASCII digits; every other byte is a separator, and separators only
//! separate (`1.0 = 1_0 = 1..0`). Runs compare pairwise: digits numerically
//! (leading zeros dropped, longer wins), letters as byte strings, and a digit
//! run beats a letter run. `~` sorts before anything, even the end of the
//! string (`1.0~rc1 < 1.0`); `^` sorts after the end but before anything
//! else (`1.0 < 1.0^git1 < 1.0.1`). When all runs match, the side with
//! something left over is newer (`1.0 < 1.0a`).
//!
//! rpm compares any string; this module refuses only what cannot be an EVR:
//! the empty string (rpm refuses it too), an empty version part (`-1`,
//! `1:-1`, `1:`), and NUL bytes. Digit runs are never parsed into integers,
//! so they cannot overflow, epochs included.

use std::cmp::Ordering;

use super::{cmp_digits, span, Comparator, VersionError};

/// The rpm comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

impl Comparator for Rpm {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = Evr::parse(a)?;
        let b = Evr::parse(b)?;
        Ok(a.cmp(&b))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        Evr::parse(v).map(|_| ())
    }
}

/// An EVR split as `rpmverParse` splits it, borrowing from the input.
#[derive(Debug, Clone, Copy)]
struct Evr<'a> {
    /// Digits only; empty means 0.
    epoch: &'a [u8],
    version: &'a [u8],
    release: Option<&'a [u8]>,
}

impl<'a> Evr<'a> {
    fn parse(input: &'a str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new("rpm", input, reason);
        let s = input.as_bytes();
        if s.is_empty() {
            return Err(err("version is empty"));
        }
        if s.contains(&0) {
            return Err(err("contains a NUL byte"));
        }
        let digits = span(s, |c| c.is_ascii_digit());
        let (epoch, rest) = match s.get(digits) {
            Some(b':') => (&s[..digits], &s[digits + 1..]),
            _ => (&b""[..], s),
        };
        // rpm looks for the release's hyphen after the epoch's digits, so
        // a hyphen cannot end up in the epoch.
        let (version, release) = match rest.iter().rposition(|&c| c == b'-') {
            Some(hyphen) => (&rest[..hyphen], Some(&rest[hyphen + 1..])),
            None => (rest, None),
        };
        if version.is_empty() {
            return Err(err(
                "the version part of [epoch:]version[-release] is empty",
            ));
        }
        Ok(Evr {
            epoch,
            version,
            release,
        })
    }
}

impl Ord for Evr<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.epoch, other.epoch)
            .then_with(|| rpmvercmp(self.version, other.version))
            .then_with(|| match (self.release, other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for Evr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Evr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Evr<'_> {}

/// rpm's `rpmvercmp`, over bytes.
pub(crate) fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let is_sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut one, mut two) = (a, b);
    while !one.is_empty() || !two.is_empty() {
        one = &one[span(one, is_sep)..];
        two = &two[span(two, is_sep)..];
        let (c1, c2) = (one.first().copied(), two.first().copied());

        // `~` sorts before everything, even the end.
        if c1 == Some(b'~') || c2 == Some(b'~') {
            if c1 != Some(b'~') {
                return Ordering::Greater;
            }
            if c2 != Some(b'~') {
                return Ordering::Less;
            }
            one = &one[1..];
            two = &two[1..];
            continue;
        }

        // `^` sorts after the end, before everything else.
        if c1 == Some(b'^') || c2 == Some(b'^') {
            match (c1, c2) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    one = &one[1..];
                    two = &two[1..];
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }

        let (Some(c1), Some(_)) = (c1, c2) else {
            break;
        };

        // Both now start a run of letters or digits; `one` decides which.
        let is_num = c1.is_ascii_digit();
        let class = |c: u8| {
            if is_num {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (n1, n2) = (span(one, class), span(two, class));
        if n2 == 0 {
            // Different kinds of run: a number is newer than letters.
            return if is_num {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if is_num {
            cmp_digits(&one[..n1], &two[..n2])
        } else {
            one[..n1].cmp(&two[..n2])
        };
        if ord != Ordering::Equal {
            return ord;
        }
        one = &one[n1..];
        two = &two[n2..];
    }
    // All runs matched; whoever has something left is newer.
    one.is_empty().cmp(&two.is_empty()).reverse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// rpm's tests/rpmvercmp.at (rpm 4.18), all active cases, as
    /// `(a, op, b)`; each case's mirror is checked too.
    const RPMVERCMP_AT: &[(&str, &str, &str)] = &[
        ("1.0", "=", "1.0"),
        ("1.0", "<", "2.0"),
        ("2.0.1", "=", "2.0.1"),
        ("2.0", "<", "2.0.1"),
        ("2.0.1a", "=", "2.0.1a"),
        ("2.0.1a", ">", "2.0.1"),
        ("5.5p1", "=", "5.5p1"),
        ("5.5p1", "<", "5.5p2"),
        ("5.5p10", "=", "5.5p10"),
        ("5.5p1", "<", "5.5p10"),
        ("10xyz", "<", "10.1xyz"),
        ("xyz10", "=", "xyz10"),
        ("xyz10", "<", "xyz10.1"),
        ("xyz.4", "=", "xyz.4"),
        ("xyz.4", "<", "8"),
        ("xyz.4", "<", "2"),
        ("5.5p2", "<", "5.6p1"),
        ("5.6p1", "<", "6.5p1"),
        ("6.0.rc1", ">", "6.0"),
        ("10b2", ">", "10a1"),
        ("10a2", "<", "10b2"),
        ("1.0aa", "=", "1.0aa"),
        ("1.0a", "<", "1.0aa"),
        ("10.0001", "=", "10.0001"),
        ("10.0001", "=", "10.1"),
        ("10.0001", "<", "10.0039"),
        ("4.999.9", "<", "5.0"),
        ("20101121", "=", "20101121"),
        ("20101121", "<", "20101122"),
        ("2_0", "=", "2_0"),
        ("2.0", "=", "2_0"),
        ("a", "=", "a"),
        ("a+", "=", "a+"),
        ("a+", "=", "a_"),
        ("+a", "=", "+a"),
        ("+a", "=", "_a"),
        ("+_", "=", "+_"),
        ("_+", "=", "+_"),
        ("_+", "=", "_+"),
        ("+", "=", "_"),
        ("1.0~rc1", "=", "1.0~rc1"),
        ("1.0~rc1", "<", "1.0"),
        ("1.0~rc1", "<", "1.0~rc2"),
        ("1.0~rc1~git123", "=", "1.0~rc1~git123"),
        ("1.0~rc1~git123", "<", "1.0~rc1"),
        ("1.0^", "=", "1.0^"),
        ("1.0^", ">", "1.0"),
        ("1.0^git1", "=", "1.0^git1"),
        ("1.0^git1", ">", "1.0"),
        ("1.0^git1", "<", "1.0^git2"),
        ("1.0^git1", "<", "1.01"),
        ("1.0^20160101", "=", "1.0^20160101"),
        ("1.0^20160101", "<", "1.0.1"),
        ("1.0^20160101^git1", "=", "1.0^20160101^git1"),
        ("1.0^20160102", ">", "1.0^20160101^git1"),
        ("1.0~rc1^git1", "=", "1.0~rc1^git1"),
        ("1.0~rc1^git1", ">", "1.0~rc1"),
        ("1.0^git1~pre", "=", "1.0^git1~pre"),
        ("1.0^git1", ">", "1.0^git1~pre"),
        // The "oddities" rpmvercmp.at documents (commented out there as
        // arguably buggy, but they are what rpm does).
        ("1b.fc17", "=", "1b.fc17"),
        ("1b.fc17", "<", "1.fc17"),
        ("1g.fc17", ">", "1.fc17"),
        ("1.1.α", "=", "1.1.β"),
        ("1.1.αα", "=", "1.1.α"),
        ("1.1.ββ", "=", "1.1.αα"),
    ];

    /// EVR rules: epoch, release, and how rpm splits the string.
    const EVR: &[(&str, &str, &str)] = &[
        ("1:1.0", ">", "2.0"),
        ("0:1.0", "=", "1.0"),
        (":1.0", "=", "1.0"),
        ("00:1.0", "=", "0:1.0"),
        ("010:1.0", "=", "10:1.0"),
        ("2:1.0", ">", "1:9.0"),
        ("10:1.0", ">", "9:1.0"),
        ("1.0-1", "<", "1.0-2"),
        ("1.0-2", "<", "1.0-10"),
        ("1.0-1.el8", "<", "1.0-1.el9"),
        ("1.0-1.el8_6", ">", "1.0-1.el8"),
        ("1.0-1.el8_6.1", ">", "1.0-1.el8_6"),
        ("4.4.20-1.el8_6", "<", "4.4.20-2.el8"),
        ("0:4.4.20-1.el8_6", "=", "4.4.20-1.el8_6"),
        ("1:4.4.20-1.el8_6", ">", "4.4.20-1.el8_6"),
        ("2.28-225.el8", "<", "2.28-225.el8_8.6"),
        ("1.1.1k-7.el8_6", ">", "1.1.1k-6.el8_5"),
        ("1.1.1k-7.el8_6", "<", "1.1.1l-1.el8"),
        ("3.0.7-16.el9", "<", "1:3.0.7-16.el9"),
        ("1.0-1", "<", "1.1-0"),
        ("1.0.0-1", ">", "1.0-9"),
        // Missing release sorts before any release; two missing are equal.
        ("1.0", "<", "1.0-1"),
        ("1.0", "<", "1.0-0"),
        ("1.0", "<", "1.0-"),
        ("1.0", ">", "0.9-9"),
        ("1.0", "<", "1.1-1"),
        ("1.0-", "<", "1.0-0"),
        ("1.0-", "=", "1.0-."),
        // The release is after the last hyphen; the rest is the version.
        ("1.0-2-3", ">", "1.0-2-2"),
        ("1.0-2-3", "<", "1.0-3-1"),
        // A non-numeric "epoch" is part of the version.
        ("a:1.0", "=", "a.1.0"),
        ("1a:1.0", "=", "1a.1.0"),
        ("1:1.0", ">", "1a:1.0"),
        // Digit runs of any length.
        ("1.18446744073709551616", ">", "1.18446744073709551615"),
        ("18446744073709551616:1", ">", "18446744073709551615:1"),
    ];

    #[test]
    fn rpm_test_suite_table() {
        check_table(&Rpm, RPMVERCMP_AT);
    }

    #[test]
    fn evr_rules() {
        check_table(&Rpm, EVR);
    }

    #[test]
    fn what_rpm_refuses_or_cannot_be_an_evr() {
        check_invalid(
            &Rpm,
            "1.0",
            &["", "-1", "1:-1", "1:", ":", ":-", "-", "1.0\0"],
        );
        check_valid(&Rpm, &["1", "a", "~", "^", "+", "1.0-", "1:1.0-", "a:b-c"]);
    }

    #[test]
    fn tables_are_a_total_order() {
        check_tables_total_order(&Rpm, &[RPMVERCMP_AT, EVR], &[]);
    }

    #[test]
    fn pairs_captured_from_rpm() {
        check_pairs_files(&Rpm, "rpm", include_str!("testdata/rpm-pairs.txt"));
    }

    /// Installed and fixed versions as each rpm-based distribution writes
    /// them (module builds, SUSE, Azure Linux, Amazon, Oracle, Photon),
    /// ordered as rpm's own `labelCompare` orders them
    /// (`scripts/crosscheck-rpm-distros.py`).
    #[test]
    fn distribution_versions_compare_as_rpm_label_compare() {
        let text = include_str!("testdata/rpm-distro-pairs.txt");
        let (n, mismatches) = check_pairs(&Rpm, "testdata/rpm-distro-pairs.txt", text);
        assert!(n >= 100, "{n} pairs");
        assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
    }

    /// Random versions from the scheme's building blocks: the order must
    /// stay total beyond the hand-picked tables.
    #[test]
    fn random_versions_are_totally_ordered() {
        check_random_total_order(
            &Rpm,
            &[
                "0", "1", "2", "10", "01", "00", ".", "_", "+", "~", "^", "-", ":", "a", "b", "Z",
                "1:", "-1", "é",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Rpm);
    }
}
