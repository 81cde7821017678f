//! SemVer 2.0.0 versions (npm, crates.io, Go), via the `semver` crate.
//!
//! Precedence is SemVer §11: major, minor, patch numerically; a pre-release
//! sorts before its release; pre-release identifiers compare numerically
//! when both are numeric, as ASCII otherwise, numeric before alphanumeric,
//! and a longer list wins when all shared identifiers are equal. Build
//! metadata (`+build.5`) is ignored: `1.0.0+a` and `1.0.0+b` are equal here,
//! although the `semver` crate's own `Ord` would order them.
//!
//! One leading `v` is tolerated, because Go writes every module version with
//! one (`v1.2.3`, `v0.0.0-20210101000000-abcdef123456`) and OSV's Go
//! advisories keep it in places; `vv1.0.0`, `V1.0.0`, partial versions
//! (`1.2`), surrounding blanks and leading zeros (`01.0.0`) are refused, as
//! SemVer requires. Numbers above 2^64 - 1 are refused by the crate (no
//! overflow); no published npm, crates.io or Go version reaches them.

use std::cmp::Ordering;

use super::{Comparator, VersionError};

/// The SemVer comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Semver;

fn parse(v: &str) -> Result<::semver::Version, VersionError> {
    let bare = v.strip_prefix('v').unwrap_or(v);
    ::semver::Version::parse(bare).map_err(|e| VersionError::new("semver", v, e.to_string()))
}

impl Comparator for Semver {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = parse(a)?;
        let b = parse(b)?;
        Ok(a.cmp_precedence(&b))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        parse(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// SemVer 2.0.0 §11's examples, chained.
    const SPEC_11: &[&str] = &[
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ];

    const RULES: &[(&str, &str, &str)] = &[
        ("1.9.0", "<", "1.10.0"),
        ("1.10.0", "<", "1.11.0"),
        ("0.9.99", "<", "1.0.0"),
        ("1.0.0-alpha", "<", "1.0.0"),
        ("1.0.0-2", "<", "1.0.0-10"),
        ("1.0.0-10", "<", "1.0.0-a"),
        ("1.0.0-a.b", ">", "1.0.0-a"),
        ("1.0.0-A", "<", "1.0.0-a"),
        ("1.0.0-0", "<", "1.0.0-alpha"),
        // Build metadata is ignored.
        ("1.0.0+build.1", "=", "1.0.0+build.2"),
        ("1.0.0+build", "=", "1.0.0"),
        ("1.0.0-rc.1+build.1", "=", "1.0.0-rc.1"),
        ("1.0.0-rc.1+b", "<", "1.0.0+a"),
        // A leading `v` is tolerated (Go).
        ("v1.2.3", "=", "1.2.3"),
        ("v1.2.3", "<", "v1.2.4"),
        ("v0.0.0-20210101000000-abcdef123456", "<", "v0.0.1"),
        (
            "v0.0.0-20200101000000-abcdef123456",
            "<",
            "v0.0.0-20210101000000-000000000000",
        ),
        ("v2.0.0+incompatible", "=", "v2.0.0"),
        ("18446744073709551615.0.0", ">", "18446744073709551614.0.0"),
        (
            "1.0.0-18446744073709551616",
            ">",
            "1.0.0-18446744073709551615",
        ),
    ];

    #[test]
    fn spec_precedence_examples() {
        let rows: Vec<(&str, &str, &str)> = SPEC_11.windows(2).map(|w| (w[0], "<", w[1])).collect();
        check_table(&Semver, &rows);
    }

    #[test]
    fn rules() {
        check_table(&Semver, RULES);
    }

    #[test]
    fn refuses_what_is_not_semver() {
        check_invalid(
            &Semver,
            "1.0.0",
            &[
                "",
                "v",
                "1",
                "1.2",
                "1.2.3.4",
                "01.0.0",
                "1.0.0-01",
                "vv1.0.0",
                "V1.0.0",
                " 1.0.0",
                "1.0.0 ",
                "1.0.0-",
                "1.0.0+",
                "1.0.0-a..b",
                "=1.0.0",
                "^1.0.0",
                "18446744073709551616.0.0",
            ],
        );
    }

    #[test]
    fn tables_are_a_total_order() {
        check_tables_total_order(&Semver, &[RULES], SPEC_11);
    }

    #[test]
    fn pairs_captured_from_node_semver() {
        check_pairs_files(&Semver, "npm", include_str!("testdata/npm-pairs.txt"));
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Semver);
    }
}
