//! Debian versions (Debian, Ubuntu), as dpkg orders them.
//!
//! Format (Debian Policy §5.6.12, deb-version(7)): `[epoch:]upstream[-revision]`.
//! The epoch is a number (default 0) and is compared first; the revision is
//! everything after the *last* hyphen (default empty); upstream may itself
//! contain hyphens and colons. Upstream and revision are each compared with
//! dpkg's `verrevcmp`: alternately a non-digit run, compared character by
//! character where `~` sorts before everything (even the end of the
//! string), then letters, then every other character; and a digit run,
//! compared numerically.
//!
//! Parsing mirrors `parseversion()` in dpkg 1.21 (lib/dpkg/parsehelp.c):
//!
//! * **Refused** (dpkg's errors, `dpkg --compare-versions` aborts): an empty
//!   or all-blank version; blanks inside the version (leading and trailing
//!   spaces and tabs are trimmed, as dpkg does); an epoch that is empty
//!   (`:1.0`), not a number (`a:1.0`, `1a:1.0`), negative or above
//!   2147483647; nothing after the epoch's colon (`1:`); an empty revision
//!   (`1.0-`); an empty upstream version (`-1`, `1:-1`).
//! * **Compared anyway** (dpkg only warns): an upstream version that does not
//!   start with a digit (`abc3`), and characters outside the allowed sets
//!   (`1.0_1`, `1.0-1:2`). Debian archives contain a few such versions and
//!   dpkg installs them, so a scanner must order them the way dpkg does.
//!
//! Two deliberate differences from the `dpkg --compare-versions` command,
//! neither of which a real package version can hit: the command treats an
//! empty string and the literal `<unknown>` as "no version", which sorts
//! below every version; here the empty string is an error and `<unknown>`
//! is an ordinary (warned-about) version, as `parseversion()` has them. And
//! a NUL byte, which no command line can carry, is refused.
//!
//! Bytes above 0x7f sort as dpkg does on x86-64, where `char` is signed:
//! after letters, before the other punctuation (on platforms with unsigned
//! `char`, such as arm64, dpkg sorts them after the punctuation instead).
//!
//! Digit runs are compared by length after dropping leading zeros, never
//! parsed into integers, so arbitrarily long runs cannot overflow.

use std::cmp::Ordering;

use super::{cmp_digits, span, Comparator, VersionError};

/// The dpkg comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

impl Comparator for Dpkg {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = Version::parse(a)?;
        let b = Version::parse(b)?;
        Ok(a.cmp(&b))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        Version::parse(v).map(|_| ())
    }
}

/// A parsed Debian version, borrowing from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version<'a> {
    /// At most `i32::MAX`, as dpkg requires.
    epoch: u32,
    upstream: &'a [u8],
    /// Empty when there is no revision.
    revision: &'a [u8],
}

fn err(v: &str, reason: &'static str) -> VersionError {
    VersionError::new("dpkg", v, reason)
}

/// dpkg's `c_isblank`: space and tab only.
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// C's `isspace` in the C locale, which `strtol` skips.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

impl<'a> Version<'a> {
    fn parse(input: &'a str) -> Result<Self, VersionError> {
        let bytes = input.as_bytes();
        if bytes.contains(&0) {
            return Err(err(input, "contains a NUL byte"));
        }
        let start = span(bytes, is_blank);
        let s = &bytes[start..];
        if s.is_empty() {
            return Err(err(input, "version string is empty"));
        }
        let len = s.iter().position(|&c| is_blank(c)).unwrap_or(s.len());
        if !s[len..].iter().all(|&c| is_blank(c)) {
            return Err(err(input, "version string has embedded spaces"));
        }
        let s = &s[..len];

        let (epoch, rest) = match s.iter().position(|&c| c == b':') {
            None => (0, s),
            Some(colon) => {
                let epoch = parse_epoch(input, &s[..colon])?;
                let rest = &s[colon + 1..];
                if rest.is_empty() {
                    return Err(err(input, "nothing after colon in version number"));
                }
                (epoch, rest)
            }
        };
        let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
            None => (rest, &b""[..]),
            Some(hyphen) => {
                let revision = &rest[hyphen + 1..];
                if revision.is_empty() {
                    return Err(err(input, "revision number is empty"));
                }
                (&rest[..hyphen], revision)
            }
        };
        if upstream.is_empty() {
            return Err(err(input, "version number is empty"));
        }
        Ok(Version {
            epoch,
            upstream,
            revision,
        })
    }
}

/// The epoch as dpkg reads it: `strtol(…, 10)` must consume everything
/// before the colon, and the value must lie in `0..=i32::MAX`. Like
/// `strtol`, accepts leading whitespace and a sign (`+1:`, `-0:`).
fn parse_epoch(input: &str, field: &[u8]) -> Result<u32, VersionError> {
    let mut i = span(field, is_c_space);
    let negative = match field.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &field[i..i + span(&field[i..], |c| c.is_ascii_digit())];
    if digits.is_empty() {
        return Err(err(input, "epoch in version is empty"));
    }
    if i + digits.len() != field.len() {
        return Err(err(input, "epoch in version is not number"));
    }
    let is_zero = digits.iter().all(|&c| c == b'0');
    if negative && !is_zero {
        return Err(err(input, "epoch in version is negative"));
    }
    if cmp_digits(digits, b"2147483647") == Ordering::Greater {
        return Err(err(input, "epoch in version is too big"));
    }
    // At most ten significant digits below 2^31: no overflow possible.
    Ok(digits
        .iter()
        .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')))
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream, other.upstream))
            .then_with(|| verrevcmp(self.revision, other.revision))
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's weight of one character in a non-digit run; `None` is the end of
/// the string, which weighs like a digit (both end a non-digit run).
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        // Signed `char`: byte b >= 0x80 is the int b - 256, plus 256.
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`, over bytes.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut a, mut b) = (a, b);
    while !a.is_empty() || !b.is_empty() {
        // Non-digit run, character by character.
        loop {
            let (ca, cb) = (a.first().copied(), b.first().copied());
            let a_in = ca.is_some_and(|c| !c.is_ascii_digit());
            let b_in = cb.is_some_and(|c| !c.is_ascii_digit());
            if !a_in && !b_in {
                break;
            }
            let (oa, ob) = (order(ca), order(cb));
            if oa != ob {
                return oa.cmp(&ob);
            }
            // Equal weights here mean both sides hold a non-digit: a
            // non-digit never weighs 0, the weight of a digit or the end.
            a = &a[1..];
            b = &b[1..];
        }
        // Digit run, numerically.
        let (na, nb) = (
            span(a, |c| c.is_ascii_digit()),
            span(b, |c| c.is_ascii_digit()),
        );
        let ord = cmp_digits(&a[..na], &b[..nb]);
        if ord != Ordering::Equal {
            return ord;
        }
        a = &a[na..];
        b = &b[nb..];
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// scripts/t/Dpkg_Version.t in dpkg 1.21 (its `__DATA__` table, all of it).
    const DPKG_VERSION_T: &[(&str, &str, &str)] = &[
        ("1.0-1", "<", "2.0-2"),
        ("2.2~rc-4", "<", "2.2-1"),
        ("2.2-1", ">", "2.2~rc-4"),
        ("1.0000-1", "=", "1.0-1"),
        ("1", "=", "0:1"),
        ("0", "=", "0:0-0"),
        ("2:2.5", ">", "1:7.5"),
        ("1:0foo", ">", "0foo"),
        ("0:0foo", "=", "0foo"),
        ("0foo", "=", "0foo"),
        ("0foo-0", "=", "0foo"),
        ("0foo", "=", "0foo-0"),
        ("0foo", ">", "0fo"),
        ("0foo-0", "<", "0foo+"),
        ("0foo~1", "<", "0foo"),
        ("0foo~foo+Bar", "<", "0foo~foo+bar"),
        ("0foo~~", "<", "0foo~"),
        ("1~", "<", "1"),
        (
            "12345+that-really-is-some-ver-0",
            "<",
            "12345+that-really-is-some-ver-10",
        ),
        ("0foo-0", "<", "0foo-01"),
        ("0foo.bar", ">", "0foobar"),
        ("0foo.bar", ">", "0foo1bar"),
        ("0foo.bar", ">", "0foo0bar"),
        ("0foo1bar-1", "<", "0foobar-1"),
        ("0foo2.0", ">", "0foo2"),
        ("0foo2.0.0", "<", "0foo2.10.0"),
        ("0foo2.0", "<", "0foo2.0.0"),
        ("0foo2.0", "<", "0foo2.10"),
        ("0foo2.1", "<", "0foo2.10"),
        ("1.09", "=", "1.9"),
        ("1.0.8+nmu1", ">", "1.0.8"),
        ("3.11", ">", "3.10+nmu1"),
        ("0.9j-20080306-4", ">", "0.9i-20070324-2"),
        ("1.2.0~b7-1", ">", "1.2.0~b6-1"),
        ("1.011-1", ">", "1.06-2"),
        ("0.0.9+dfsg1-1", ">", "0.0.8+dfsg1-3"),
        ("4.6.99+svn6582-1", ">", "4.6.99+svn6496-1"),
        ("53", ">", "52"),
        ("0.9.9~pre122-1", ">", "0.9.9~pre111-1"),
        ("2:2.3.2-2+lenny2", ">", "2:2.3.2-2"),
        ("1:3.8.1-1", ">", "3.8.GA-1"),
        ("1.0.1+gpl-1", ">", "1.0.1-2"),
        ("1a", "<", "1000a"),
    ];

    /// The equalities of lib/dpkg/t/t-version.c (`test_version_parse`).
    const T_VERSION_C: &[(&str, &str, &str)] = &[
        ("0", "=", "0:0-0"),
        ("0:0", "=", "0"),
        ("0:0-0", "=", "0"),
        ("0:0.0-0.0", "=", "0.0-0.0"),
    ];

    /// Debian Policy §5.6.12 and deb-version(7): the worked examples.
    const POLICY: &[(&str, &str, &str)] = &[
        ("~~", "<", "~~a"),
        ("~~a", "<", "~"),
        ("~", "<", "0"),
        ("0", "<", "a"),
        ("1.0~rc1", "<", "1.0"),
        ("1.0", "<", "1.0+b1"),
        ("1.0-1", "<", "1.0-1+b1"),
        ("1.0-1", "<", "1.0-1.1"),
        ("1.0-1~bpo1", "<", "1.0-1"),
        ("1:0.1", ">", "2.0"),
        ("1:1.0", "<", "9:0.9"),
        ("1.0", "=", "1.00"),
        ("1.0", "=", "01.0"),
        ("1.0", "<", "1.0-0.1"),
        ("1.0", "=", "1.0-0"),
        ("2.30-1ubuntu1", ">", "2.30-1"),
        ("2.30-1ubuntu1", "<", "2.30-1ubuntu1.1"),
        ("2.30-1ubuntu1~18.04", "<", "2.30-1ubuntu1"),
        ("1.1.1n-0+deb11u3", "<", "1.1.1n-0+deb11u4"),
        ("1.1.1n-0+deb11u5", ">", "1.1.1n-0+deb10u5"),
        ("3.0.11-1~deb12u2", "<", "3.0.11-1"),
        ("3.0.11-1~deb12u2", ">", "3.0.11-1~deb12u1"),
        ("1.2-3-4", ">", "1.2-3-3"),
        ("1.2-3-4", "<", "1.2-4-1"),
        ("7.88.1-10+deb12u5", "<", "7.88.1-10+deb12u12"),
        ("2.36.1-8+deb11u1", "<", "2.36.1-8+deb11u2"),
        ("1:9.18.19-1~deb12u1", ">", "9.18.24-1"),
        ("1.0a", "<", "1.0b"),
        ("1.0a", "<", "1.0+"),
        ("1.0+", "<", "1.0."),
        ("1.0~", "<", "1.0."),
        ("1.0Z", "<", "1.0a"),
        ("1.0", "<", "1.0a"),
        ("1.0~", "<", "1.0"),
        ("1.0~~", "<", "1.0~"),
        ("1.0~a", ">", "1.0~"),
        ("1.0~a", "<", "1.0"),
    ];

    #[test]
    fn dpkg_test_suite_table() {
        check_table(&Dpkg, DPKG_VERSION_T);
    }

    #[test]
    fn t_version_c_equalities() {
        check_table(&Dpkg, T_VERSION_C);
        check_table(
            &Dpkg,
            &[
                ("1:0", "=", "1:0"),
                ("1:0", ">", "0:99"),
                ("5:1", ">", "4:1"),
                ("0:0-0-0", "=", "0-0-0"),
                ("0:0-0-0-0", "=", "0-0-0-0"),
                ("0:0:0-0", "=", "0:0:0-0"),
                ("0:0:0:0-0", "=", "0:0:0:0-0"),
                ("0:0:0-0-0", "=", "0:0:0-0-0"),
                ("0:0-0:0-0", "=", "0:0-0:0-0"),
                ("0:09azAZ.-+~:-0", "=", "0:09azAZ.-+~:-0"),
                ("0:09azAZ.-+~:-0", "<", "0:09azAZ.-+~:-1"),
                ("0:0-azAZ09.+~", "=", "0-azAZ09.+~"),
                // Blanks around the version are trimmed.
                ("  \t0:0-1", "=", "0-1"),
                ("0:0-1\t  ", "=", "0-1"),
                ("\t  0:0-1  \t", "=", "0-1"),
                // t-version.c test_version_compare.
                ("0-00", "=", "00-0"),
                ("a-0", "<", "b-0"),
                ("0-a", "<", "0-b"),
                ("1:0-0", ">", "0-0"),
            ],
        );
    }

    #[test]
    fn policy_examples() {
        check_table(&Dpkg, POLICY);
    }

    #[test]
    fn dpkg_refuses_what_dpkg_refuses() {
        check_invalid(
            &Dpkg,
            "1.0",
            &[
                "",
                "  ",
                "\t",
                "0:",
                ":1.0",
                "1.0-",
                "0:0 0-1",
                "1.0 -1",
                "-1:0-1",
                "999999999999999999999999:0-1",
                "2147483648:1.0",
                "a:0-0",
                "A:0-0",
                "1a:1.0",
                " :1.0",
                "+:1.0",
                "-0",
                "0:-0",
                "-",
                "1:-",
                "1.0\0",
            ],
        );
    }

    #[test]
    fn dpkg_warns_but_compares() {
        check_valid(
            &Dpkg,
            &[
                "0:abc3-0",
                "abc",
                "1.0_1",
                "0:0-0:0",
                "1.0-1_2",
                "1.0!",
                "<unknown>",
                "é1",
                "2147483647:1",
                "+1:1",
                "-0:1",
                "00:1",
                "\n1:1",
            ],
        );
        for c in "!#@$%&/|\\<>()[]{};,_=*^'".chars() {
            Dpkg.validate(&format!("0:0{c}a-0")).unwrap();
            Dpkg.validate(&format!("0:0-0{c}")).unwrap();
        }
        check_table(
            &Dpkg,
            &[
                ("abc", "<", "abd"),
                ("abc", ">", "1"),
                ("+1:1", "=", "1:1"),
                ("-0:1", "=", "1"),
                ("00:1", "=", "1"),
                ("0002147483647:1", ">", "2147483646:2"),
                ("1.0_1", ">", "1.0+1"),
                // Bytes >= 0x80 sort after letters and before punctuation.
                ("1.0é", ">", "1.0z"),
                ("1.0é", "<", "1.0+"),
                ("1.0é", "<", "1.0."),
            ],
        );
    }

    #[test]
    fn long_digit_runs_do_not_overflow() {
        let nines = "9".repeat(400);
        let big = format!("1{}", "0".repeat(400));
        check_table(
            &Dpkg,
            &[
                (&nines, "<", &big),
                (&format!("1.{nines}"), "<", &format!("1.{big}")),
                (&format!("1.000{nines}"), "=", &format!("1.{nines}")),
                (&format!("1-{nines}"), "<", &format!("1-{big}")),
                ("18446744073709551616", ">", "18446744073709551615"),
                ("1.18446744073709551617", ">", "1.18446744073709551616"),
            ],
        );
    }

    #[test]
    fn tables_are_a_total_order() {
        check_tables_total_order(
            &Dpkg,
            &[DPKG_VERSION_T, POLICY],
            &["0", "~", "~~", "0~", "0+", "0.", "0a", "1:0", "1:0~"],
        );
    }

    #[test]
    fn pairs_captured_from_dpkg() {
        check_pairs_files(&Dpkg, "dpkg", include_str!("testdata/dpkg-pairs.txt"));
    }

    /// Random versions from the scheme's building blocks: the order must
    /// stay total beyond the hand-picked tables.
    #[test]
    fn random_versions_are_totally_ordered() {
        check_random_total_order(
            &Dpkg,
            &[
                "0", "1", "2", "10", "01", "00", ".", "+", "~", "-", ":", "a", "b", "Z", "_", "1:",
                "-1", "~rc", "é",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Dpkg);
    }
}
