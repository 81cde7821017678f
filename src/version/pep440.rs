//! Python package versions (PyPI), ordered by PEP 440, via the `pep440_rs`
//! crate (the version parser of uv).
//!
//! Order: epoch (`1!`), then the release numbers with trailing zeros
//! ignored (`1.0 == 1.0.0`), then the phase, lowest first: the release's
//! own `.devN`, the pre-releases `aN < bN < rcN` (each preceded by its dev
//! releases, `1.0a1.dev1 < 1.0a1`, and followed by its post releases), the
//! final release, and `.postN` releases (`1.0 < 1.0.post1.dev1 <
//! 1.0.post1`); last, a local version label (`+ubuntu1`) sorts after the
//! same version without one, segment by segment (numbers after strings).
//!
//! Parsing accepts what PEP 440's normalisation accepts, as pip and OSV's
//! `packaging`-based tooling do: case-insensitive, a leading `v`,
//! surrounding whitespace, the alternative spellings `alpha`, `beta`, `c`,
//! `pre`, `preview`, `rev`, `r`, implicit numbers and `-`/`_` separators
//! (`1.0-1` is `1.0.post1`). Versions that are not PEP 440 at all, the
//! pre-PEP 440 "legacy" versions pip no longer installs (`2004d`,
//! `1.0-beta-2-extra`), are refused; so are numbers of 2^64 and above, which
//! the crate refuses instead of overflowing, and a dev number of exactly
//! 2^64 - 1, which the crate would confuse with "no dev release". Python's
//! `packaging` has unbounded integers and would order those; no real
//! version needs them, and refusing is never a wrong answer.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;

use super::{Comparator, VersionError};

/// The PEP 440 comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pep440;

fn parse(v: &str) -> Result<Version, VersionError> {
    let version =
        Version::from_str(v).map_err(|e| VersionError::new("pep440", v, e.to_string()))?;
    // `pep440_rs` stands for "no .devN" with a dev number of u64::MAX
    // internally, so `X.dev18446744073709551615` would equal `X`; refuse
    // that one number rather than misorder it.
    if version.dev() == Some(u64::MAX) {
        return Err(VersionError::new(
            "pep440",
            v,
            "dev release number too large",
        ));
    }
    Ok(version)
}

impl Comparator for Pep440 {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp(&parse(b)?))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        parse(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// The ordered list of PEP 440's "Summary of permitted suffixes and
    /// relative ordering" example, and of packaging's tests/test_version.py.
    const PEP_440_ORDER: &[&str] = &[
        "1.0.dev456",
        "1.0a1",
        "1.0a2.dev456",
        "1.0a12.dev456",
        "1.0a12",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0rc1.dev456",
        "1.0rc1",
        "1.0",
        "1.0+abc.5",
        "1.0+abc.7",
        "1.0+5",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.15",
        "1.1.dev1",
    ];

    const RULES: &[(&str, &str, &str)] = &[
        ("1.0", "=", "1.0.0"),
        ("1.0", "=", "1"),
        ("1.0", "=", "v1.0"),
        ("1.0", "=", " 1.0 "),
        ("1.0a1", "=", "1.0alpha1"),
        ("1.0a1", "=", "1.0.a.1"),
        ("1.0a", "=", "1.0a0"),
        ("1.0b1", "=", "1.0beta1"),
        ("1.0rc1", "=", "1.0c1"),
        ("1.0rc1", "=", "1.0pre1"),
        ("1.0rc1", "=", "1.0preview1"),
        ("1.0.post1", "=", "1.0-1"),
        ("1.0.post1", "=", "1.0r1"),
        ("1.0.post1", "=", "1.0rev1"),
        ("1.0.post1", "=", "1.0_post_1"),
        ("1.0.dev0", "=", "1.0dev"),
        ("1.0RC1", "=", "1.0rc1"),
        ("1.0+Ubuntu.1", "=", "1.0+ubuntu-1"),
        ("1!1.0", ">", "2.0"),
        ("0!2.0", "=", "2.0"),
        ("1.10", ">", "1.9"),
        ("1.0.post1", "<", "1.0.1"),
        ("1.0.dev1", "<", "1.0a1"),
        ("1.0a1.dev1", "<", "1.0a1"),
        ("1.0a1.post1", "<", "1.0a2"),
        ("1.0.post1.dev1", "<", "1.0.post1"),
        ("1.0.post1.dev1", ">", "1.0"),
        ("1.0+1", ">", "1.0+a"),
        ("1.0+a", ">", "1.0"),
        ("1.0+a.1", ">", "1.0+a"),
        ("1.0+2", "<", "1.0+10"),
        ("2.28.0", ">", "2.27.99"),
        ("18446744073709551615", ">", "18446744073709551614"),
    ];

    #[test]
    fn pep_440_ordering_example() {
        let rows: Vec<(&str, &str, &str)> = PEP_440_ORDER
            .windows(2)
            .map(|w| (w[0], "<", w[1]))
            .collect();
        check_table(&Pep440, &rows);
    }

    #[test]
    fn normalisation_and_phases() {
        check_table(&Pep440, RULES);
    }

    #[test]
    fn refuses_what_is_not_pep_440() {
        check_invalid(
            &Pep440,
            "1.0",
            &[
                "",
                "v",
                "2004d",
                "1.0-beta-2-extra",
                "1.0+",
                "1.0+a..b",
                "1.0.*",
                "1..0",
                "1.0a1b2",
                "vv1.0",
                "1 .0",
                "18446744073709551616",
                "1.0.dev18446744073709551615",
            ],
        );
    }

    #[test]
    fn tables_are_a_total_order() {
        check_tables_total_order(&Pep440, &[RULES], PEP_440_ORDER);
    }

    #[test]
    fn pairs_captured_from_packaging() {
        check_pairs_files(&Pep440, "pep440", include_str!("testdata/pep440-pairs.txt"));
    }

    /// Random versions from PEP 440's building blocks: the order must stay
    /// total beyond the hand-picked tables.
    #[test]
    fn random_versions_are_totally_ordered() {
        check_random_total_order(
            &Pep440,
            &[
                "0", "1", "2", "10", "01", ".", ".1", "1!", "a", "b", "rc", ".post", "-", ".dev",
                "+", "+abc", ".5", "post",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Pep440);
    }
}
