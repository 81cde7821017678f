//! NuGet versions, ordered as `NuGet.Versioning`'s `VersionComparer.Default`
//! orders `NuGetVersion`s, the order OSV's `NuGet` ecosystem uses.
//!
//! A version is 1 to 4 dot-separated numbers (`1`, `1.2`, `1.2.3`,
//! `1.2.3.4`, missing ones being `0`; leading zeros allowed, each at most
//! `i32::MAX`, as `System.Version` reads them), then an optional SemVer 2
//! pre-release after `-` and optional build metadata after `+`. Pre-release
//! labels are ASCII letters, digits and `-`; a numeric label has no leading
//! zero. Surrounding whitespace is ignored.
//!
//! Order: the four numbers; then a release above any pre-release of it;
//! then labels pairwise: numeric labels (those `Int32.TryParse` reads) as
//! numbers and below words, words case-insensitively (`OrdinalIgnoreCase`),
//! and more labels above fewer. Metadata never counts. So `1.0` = `1.0.0.0`,
//! `1.0.0-BETA` = `1.0.0-beta`, `1.0.0+a` = `1.0.0+b`.
//!
//! Refused although .NET's `Int32.TryParse` would read them: signs and
//! inner spaces in a number (`+1.0`, `1. 2`). No version a NuGet feed
//! serves has them.

use std::cmp::Ordering;

use super::{Comparator, VersionError};

/// The NuGet version comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct NuGet;

struct Parsed<'a> {
    numbers: [u32; 4],
    labels: Vec<&'a str>,
}

fn err(v: &str, reason: &'static str) -> VersionError {
    VersionError::new("nuget", v, reason)
}

/// `IsValidPart`: letters, digits and `-`, non-empty, and no leading zero
/// in an all-digit part unless `leading_zeros`.
fn valid_part(s: &str, leading_zeros: bool) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    leading_zeros || b.len() == 1 || b[0] != b'0' || !b[1..].iter().all(u8::is_ascii_digit)
}

fn parse(v: &str) -> Result<Parsed<'_>, VersionError> {
    let t = v.trim();
    let (rest, metadata) = match t.split_once('+') {
        Some((r, m)) => (r, Some(m)),
        None => (t, None),
    };
    let (numbers, release) = match rest.split_once('-') {
        Some((n, r)) => (n, Some(r)),
        None => (rest, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 4 {
        return Err(err(v, "more than four version numbers"));
    }
    let mut out = [0u32; 4];
    for (slot, part) in out.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(v, "version numbers are digits separated by dots"));
        }
        let digits = part.trim_start_matches('0');
        *slot = match digits.len() {
            0 => 0,
            1..=10 => digits
                .parse::<u32>()
                .ok()
                .filter(|&n| i32::try_from(n).is_ok())
                .ok_or_else(|| err(v, "a version number exceeds 2147483647"))?,
            _ => return Err(err(v, "a version number exceeds 2147483647")),
        };
    }
    let labels: Vec<&str> = match release {
        Some(r) => r.split('.').collect(),
        None => Vec::new(),
    };
    if !labels.iter().all(|l| valid_part(l, false)) {
        return Err(err(
            v,
            "pre-release labels are letters, digits and dashes, without leading zeros",
        ));
    }
    if let Some(m) = metadata {
        if !m.split('.').all(|p| valid_part(p, true)) {
            return Err(err(v, "build metadata is letters, digits and dashes"));
        }
    }
    Ok(Parsed {
        numbers: out,
        labels,
    })
}

/// `CompareRelease`: one label against another.
fn cmp_label(a: &str, b: &str) -> Ordering {
    match (a.parse::<i32>(), b.parse::<i32>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

impl Comparator for NuGet {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (parse(a)?, parse(b)?);
        let order = a.numbers.cmp(&b.numbers).then_with(|| {
            match (a.labels.is_empty(), b.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => a
                    .labels
                    .iter()
                    .zip(&b.labels)
                    .map(|(x, y)| cmp_label(x, y))
                    .find(|o| o.is_ne())
                    .unwrap_or_else(|| a.labels.len().cmp(&b.labels.len())),
            }
        });
        Ok(order)
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        parse(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// NuGet.Client's own vectors: test/NuGet.Core.Tests/NuGet.Versioning.Test/
    /// VersionComparerTests.cs (`VersionComparisonDefaultEqual`,
    /// `VersionComparisonDefaultLess`) and NuGetVersionTest.cs
    /// (`SemVerLessThanAndGreaterThanOperatorsWorks`,
    /// `SemVerEqualsOperatorWorks`, `ParseReadsLegacyStyleVersionNumbers`).
    const NUGET_CLIENT: &[(&str, &str, &str)] = &[
        ("1.0.0", "=", "1.0.0"),
        ("1.0.0-BETA", "=", "1.0.0-beta"),
        ("1.0.0-BETA+AA", "=", "1.0.0-beta+aa"),
        ("1.0.0-BETA.X.y.5.77.0+AA", "=", "1.0.0-beta.x.y.5.77.0+aa"),
        ("0.0.0", "<", "1.0.0"),
        ("1.0.0", "<", "1.1.0"),
        ("1.0.0", "<", "1.0.1"),
        ("1.999.9999", "<", "2.1.1"),
        ("1.0.0-BETA", "<", "1.0.0-beta2"),
        ("1.0.0-beta+AA", "<", "1.0.0+aa"),
        ("1.0.0-BETA", "<", "1.0.0-beta.1+AA"),
        ("1.0.0-BETA.X.y.5.77.0+AA", "<", "1.0.0-beta.x.y.5.79.0+aa"),
        (
            "1.0.0-BETA.X.y.5.79.0+AA",
            "<",
            "1.0.0-beta.x.y.5.790.0+abc",
        ),
        ("1.0", "<", "1.0.1"),
        ("1.23", "<", "1.231"),
        ("1.4.5.6", "<", "1.45.6"),
        ("1.4.5.6", "<", "1.4.5.60"),
        ("1.01", "<", "1.10"),
        ("1.01-alpha", "<", "1.10-beta"),
        ("1.01.0-RC-1", "<", "1.10.0-rc-2"),
        ("1.01-RC-1", "<", "1.01"),
        ("1.01", "<", "1.2-preview"),
        ("1.0", "=", "1.0.0.0"),
        ("1.23.01", "=", "1.23.1"),
        ("1.45.6", "=", "1.45.6.0"),
        ("1.45.6-Alpha", "=", "1.45.6-Alpha"),
        ("1.6.2-BeTa", "=", "1.6.02-beta"),
        ("22.3.07     ", "=", "22.3.07"),
        ("1.022", "=", "1.22.0.0"),
        ("2", "=", "2.0.0"),
    ];

    /// SemVer 2.0.0's precedence example, which NuGet follows.
    const SEMVER_SPEC: &[(&str, &str, &str)] = &[
        ("1.0.0-alpha", "<", "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "<", "1.0.0-alpha.beta"),
        ("1.0.0-alpha.beta", "<", "1.0.0-beta"),
        ("1.0.0-beta", "<", "1.0.0-beta.2"),
        ("1.0.0-beta.2", "<", "1.0.0-beta.11"),
        ("1.0.0-beta.11", "<", "1.0.0-rc.1"),
        ("1.0.0-rc.1", "<", "1.0.0"),
        ("13.0.1", ">", "13.0.0.9"),
        ("6.0.0-preview.7.21377.19", "<", "6.0.0-rc.1.21451.13"),
    ];

    #[test]
    fn nuget_client_vectors() {
        check_table(&NuGet, NUGET_CLIENT);
        check_table(&NuGet, SEMVER_SPEC);
    }

    #[test]
    fn refuses_what_nuget_refuses() {
        // NuGetVersionTest.cs `ParseThrowsIfStringIsNotAValidSemVer`.
        check_invalid(
            &NuGet,
            "1.0.0",
            &[
                "",
                "1beta",
                "$version$",
                "1.2Av^c",
                "1.2..",
                "1.2.3.4.5",
                "1.2.3.Beta",
                "So.is.this",
                "1.34.2Alpha",
                "1.4.7-",
                "1.4.7-*",
                "1.4.7+*",
                "1.4.7-AA.01^",
                "1.4.7-AA.01",
                "1.4.7-A^A",
                "1.4.7+AA.01^",
                "2147483648.0",
            ],
        );
        check_valid(
            &NuGet,
            &[
                "1.2.3-X.y3+0",
                "1.2.3+0",
                "1.2.3-0",
                "2147483647.0",
                "1.0+01.a",
                "1.3.2-CTP-2-Refresh-Alpha",
            ],
        );
    }

    #[test]
    fn total_order() {
        check_tables_total_order(&NuGet, &[NUGET_CLIENT, SEMVER_SPEC], &[]);
        check_random_total_order(
            &NuGet,
            &[
                "0", "1", "10", ".", ".2", "-beta", "-RC", "-Beta", ".1", "+m", "-1", "-x-y",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&NuGet);
    }
}
