//! RubyGems versions, ordered as `Gem::Version#<=>` orders them
//! (`rubygems/version.rb`), the order OSV's `RubyGems` ecosystem uses.
//!
//! A valid version is `ANCHORED_VERSION_PATTERN`: optional surrounding
//! whitespace around `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`,
//! or nothing at all (which RubyGems reads as `0`). Every `-` means
//! `.pre.`, so `1.0-rc1` is `1.0.pre.rc1`, a pre-release.
//!
//! Ordering works on segments: the maximal runs of digits (numbers) and of
//! ASCII letters (words) of the version. The segments before the first word
//! and those from it on each drop their trailing zeros ("canonical
//! segments", so `1.0` = `1` and `1.0.a.0` = `1.a`); then segments are
//! compared pairwise, a missing one counting as `0`: numbers as numbers,
//! words byte by byte, and any word below any number (`1.a` < `1.0` < `1.1`,
//! which is what makes `1.0.rc1` a pre-release of `1.0`).

use std::cmp::Ordering;

use super::{cmp_digits, span, Comparator, VersionError};

/// The RubyGems version comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct RubyGems;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    /// Digits, leading zeros included (compared as a number).
    Number(&'a [u8]),
    Word(&'a [u8]),
}

impl Segment<'_> {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(d) if d.iter().all(|&c| c == b'0'))
    }
}

fn err(v: &str, reason: &'static str) -> VersionError {
    VersionError::new("rubygems", v, reason)
}

/// Checks `v` against `ANCHORED_VERSION_PATTERN` and returns it without the
/// surrounding whitespace Ruby's `\s` allows.
fn checked(v: &str) -> Result<&str, VersionError> {
    let t = v.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    if t.is_empty() {
        return Ok(t);
    }
    let (release, pre) = match t.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (t, None),
    };
    let mut parts = release.split('.');
    let first = parts.next().unwrap_or_default();
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(v, "must start with a number"));
    }
    if !parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err(err(
            v,
            "segments are letters and digits separated by single dots",
        ));
    }
    if let Some(pre) = pre {
        let ok = pre
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !ok {
            return Err(err(v, "pre-release part is not letters, digits and dashes"));
        }
    }
    Ok(t)
}

/// `@version.scan(/[0-9]+|[a-z]+/i)`: the separators (`.`, and the `-`
/// that stands for `.pre.`, whose `pre` word is added here) fall away.
fn segments(v: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut s = v.as_bytes();
    while let Some(&c) = s.first() {
        if c.is_ascii_digit() {
            let n = span(s, |b| b.is_ascii_digit());
            out.push(Segment::Number(&s[..n]));
            s = &s[n..];
        } else if c.is_ascii_alphabetic() {
            let n = span(s, |b| b.is_ascii_alphabetic());
            out.push(Segment::Word(&s[..n]));
            s = &s[n..];
        } else {
            if c == b'-' {
                out.push(Segment::Word(b"pre"));
            }
            s = &s[1..];
        }
    }
    out
}

/// `canonical_segments`: trailing zeros dropped from the numeric prefix and
/// from the rest, separately.
fn canonical(v: &str) -> Vec<Segment<'_>> {
    let all = segments(v);
    let split = all
        .iter()
        .position(|s| matches!(s, Segment::Word(_)))
        .unwrap_or(all.len());
    let (numeric, rest) = all.split_at(split);
    let trim = |part: &[Segment<'_>]| -> usize {
        part.len() - part.iter().rev().take_while(|s| s.is_zero()).count()
    };
    let mut out = numeric[..trim(numeric)].to_vec();
    out.extend_from_slice(&rest[..trim(rest)]);
    out
}

fn cmp_segment(a: Segment<'_>, b: Segment<'_>) -> Ordering {
    match (a, b) {
        (Segment::Number(x), Segment::Number(y)) => cmp_digits(x, y),
        (Segment::Word(x), Segment::Word(y)) => x.cmp(y),
        (Segment::Word(_), Segment::Number(_)) => Ordering::Less,
        (Segment::Number(_), Segment::Word(_)) => Ordering::Greater,
    }
}

impl Comparator for RubyGems {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (canonical(checked(a)?), canonical(checked(b)?));
        let zero = Segment::Number(b"0");
        for i in 0..a.len().max(b.len()) {
            let x = a.get(i).copied().unwrap_or(zero);
            let y = b.get(i).copied().unwrap_or(zero);
            let o = cmp_segment(x, y);
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(Ordering::Equal)
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        checked(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// From RubyGems' own `test/rubygems/test_gem_version.rb`
    /// (`test_spaceship`, `test_prerelease`, `test_eql_eh`) and the
    /// RubyGems guides' "Patterns" page.
    const RULES: &[(&str, &str, &str)] = &[
        ("1.0", "=", "1.0.0"),
        ("1", "=", "1.0"),
        ("1.0", ">", "1.0.a"),
        ("1.8.2", ">", "0.0.0"),
        ("1.8.2", ">", "1.8.2.a"),
        ("1.8.2.b", ">", "1.8.2.a"),
        ("1.8.2.a10", ">", "1.8.2.a9"),
        ("", "<", "1"),
        ("", "=", "0"),
        ("0.beta.1", "<", "0.0.beta.2"),
        ("0.0.beta", "<", "0.0.beta.1"),
        ("0.0.beta", "<", "0.beta.1"),
        ("5.a", "<", "5.0.0.rc2"),
        ("5.x", ">", "5.0.0.rc2"),
        ("1.0.0-rc1", "=", "1.0.0.pre.rc1"),
        ("1.0.0-rc1", "<", "1.0.0"),
        ("1.0.0.rc1", ">", "1.0.0-rc1"),
        ("1.2.0.a.0", "=", "1.2.0.a"),
        ("1.9.3", "<", "1.10.0"),
        ("1.0.0.beta", "<", "1.0.0.rc1"),
        ("1.0.0.RC1", "<", "1.0.0.rc1"),
        ("2.0.0.beta2", "<", "2.0.0.beta10"),
        ("6.1.7.3", ">", "6.1.7.2"),
        ("7.0.4.3", ">", "7.0.4"),
        (" 1.0 ", "=", "1.0"),
        ("1.0a", "<", "1.0"),
    ];

    #[test]
    fn rules() {
        check_table(&RubyGems, RULES);
    }

    #[test]
    fn refuses_what_rubygems_refuses() {
        check_invalid(
            &RubyGems,
            "1.0",
            &[
                "a",
                "1..0",
                "1.0-",
                "1.",
                ".1",
                "1a",
                "1.0 2",
                "v1.0",
                "1.0_1",
                "1.0+b",
                "1.0.0-x86_64-linux",
            ],
        );
        check_valid(&RubyGems, &["", "1", "1.0.0-x86-linux", "1.a", "1.0--1"]);
    }

    #[test]
    fn pairs_captured_from_gem_version() {
        check_pairs_files(
            &RubyGems,
            "rubygems",
            include_str!("testdata/rubygems-pairs.txt"),
        );
    }

    #[test]
    fn total_order() {
        check_tables_total_order(&RubyGems, &[RULES], &[]);
        check_random_total_order(
            &RubyGems,
            &[
                "0", "1", "10", ".", ".a", ".b", ".0", "-rc", ".pre", "2", "-1",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&RubyGems);
    }
}
