//! Composer (Packagist) versions, ordered as `composer/semver` orders
//! them: each side is first normalised by `VersionParser::normalize`
//! (`v1.2` → `1.2.0.0`, `1.0RC1` → `1.0.0.0-RC1`, `2.1.x-dev` →
//! `2.1.9999999.9999999-dev`, build metadata dropped), then the two
//! normalised strings are compared by PHP's `version_compare`, which is
//! what `Comparator::compare` does under the hood.
//!
//! Branch names (`dev-main`, `dev-feature/x`) are refused: Composer itself
//! never orders a branch against a version, so neither does matching.
//!
//! One deliberate difference: PHP reads number segments with `strtol`,
//! which saturates beyond 2^63; here numbers of any length compare exactly.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

use super::{cmp_digits, Comparator, VersionError};

/// The Composer version comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Composer;

/// `VersionParser::$modifierRegex`, in the `regex` crate's syntax (its
/// leftmost-first captures choose what PCRE's backtracking chooses here).
const MODIFIER: &str =
    r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?";

static CLASSICAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^v?(\d{{1,5}})(\.\d+)?(\.\d+)?(\.\d+)?{MODIFIER}$"
    ))
    .expect("valid pattern")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}})?){MODIFIER}$"
    ))
    .expect("valid pattern")
});
static ALIAS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^,\s]+) +as +([^,\s]+)$").expect("valid pattern"));
static FLAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)@(?:stable|RC|beta|alpha|dev)$").expect("valid pattern"));
static METADATA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^,\s+]+)\+\S+$").expect("valid pattern"));
static DEV_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(.*?)[.-]?dev$").expect("valid pattern"));
static BRANCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$")
        .expect("valid pattern")
});

fn err(v: &str, reason: &'static str) -> VersionError {
    VersionError::new("composer", v, reason)
}

/// PHP's `trim`: spaces, tabs, newlines, NUL and vertical tabs.
fn php_trim(v: &str) -> &str {
    v.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b'))
}

/// `VersionParser::normalize`, refusing branches (`dev-…`) as well as
/// what Composer refuses.
fn normalize(v: &str) -> Result<String, VersionError> {
    if v.len() > 1024 {
        return Err(err(v, "longer than any version Composer writes"));
    }
    let mut version = php_trim(v);
    if let Some(c) = ALIAS.captures(version) {
        version = c.get(1).map_or(version, |m| m.as_str());
    }
    if let Some(m) = FLAG.find(version) {
        version = &version[..m.start()];
    }
    if matches!(version, "master" | "trunk" | "default")
        || version
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("dev-"))
    {
        return Err(err(v, "a branch, which Composer does not order"));
    }
    if let Some(c) = METADATA.captures(version) {
        version = c.get(1).map_or(version, |m| m.as_str());
    }
    let (mut out, caps, index) = if let Some(c) = CLASSICAL.captures(version) {
        let part = |i: usize| c.get(i).map_or(".0", |m| m.as_str());
        let out = format!("{}{}{}{}", &c[1], part(2), part(3), part(4));
        (out, c, 5)
    } else if let Some(c) = DATE.captures(version) {
        let out = c[1]
            .chars()
            .map(|ch| if ch.is_ascii_digit() { ch } else { '.' })
            .collect();
        (out, c, 2)
    } else {
        return dev_branch(v, version);
    };
    let nonempty = |i: usize| caps.get(i).map(|m| m.as_str()).filter(|s| !s.is_empty());
    if let Some(stability) = nonempty(index) {
        if stability == "stable" {
            return Ok(out);
        }
        out.push('-');
        out.push_str(&expand_stability(stability));
        if let Some(n) = nonempty(index + 1) {
            out.push_str(n.trim_start_matches(['.', '-']));
        }
    }
    if nonempty(index + 2).is_some() {
        out.push_str("-dev");
    }
    Ok(out)
}

/// A numeric branch (`2.1.x-dev`, `2.1-dev`): `normalizeBranch` turns it
/// into a version whose `x`s are `9999999`. Named branches are refused.
fn dev_branch(v: &str, version: &str) -> Result<String, VersionError> {
    let Some(c) = DEV_SUFFIX.captures(version) else {
        return Err(err(v, "not a Composer version"));
    };
    let name = php_trim(c.get(1).map_or("", |m| m.as_str()));
    let Some(b) = BRANCH.captures(name) else {
        return Err(err(v, "not a Composer version"));
    };
    let mut out = String::new();
    for i in 1..5 {
        match b.get(i) {
            Some(m) => out.push_str(&m.as_str().replace(['*', 'X'], "x")),
            None => out.push_str(".x"),
        }
    }
    Ok(format!("{}-dev", out.replace('x', "9999999")))
}

fn expand_stability(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        _ => lower,
    }
}

/// `php_canonicalize_version`: `-`, `_`, `+` and other non-alphanumerics
/// become `.` (never two in a row), and a `.` goes between a digit and a
/// non-digit. The first character is kept as it is.
fn canonicalize(v: &str) -> Vec<u8> {
    let b = v.as_bytes();
    let Some(&first) = b.first() else {
        return Vec::new();
    };
    let mut out = vec![first];
    let mut prev = first;
    let digit = |c: u8| c.is_ascii_digit();
    let non_digit = |c: u8| !c.is_ascii_digit() && c != b'.';
    for &c in &b[1..] {
        let last = *out.last().unwrap_or(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if last != b'.' {
                out.push(b'.');
            }
        } else if (non_digit(prev) && digit(c)) || (digit(prev) && non_digit(c)) {
            if last != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if last != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// `compare_special_version_forms`: the first special form each word
/// starts with decides (`dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` <
/// a number (`#`) < `pl`/`p`); any other word is below them all.
fn form_order(word: &[u8]) -> i8 {
    const FORMS: &[(&[u8], i8)] = &[
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// What a missing segment compares as: a number.
const NUMBER: &[u8] = b"#N#";

fn cmp_segment(a: &[u8], b: &[u8]) -> Ordering {
    let num = |s: &[u8]| s.first().is_some_and(u8::is_ascii_digit);
    match (num(a), num(b)) {
        // strtol reads the leading digits.
        (true, true) => cmp_digits(
            &a[..super::span(a, |c| c.is_ascii_digit())],
            &b[..super::span(b, |c| c.is_ascii_digit())],
        ),
        (false, false) => form_order(a).cmp(&form_order(b)),
        (true, false) => form_order(NUMBER).cmp(&form_order(b)),
        (false, true) => form_order(a).cmp(&form_order(NUMBER)),
    }
}

/// PHP's `version_compare(a, b)` without an operator.
fn version_compare(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let canon = |s: &str| {
        if s.starts_with('#') {
            s.as_bytes().to_vec()
        } else {
            canonicalize(s)
        }
    };
    let (ca, cb) = (canon(a), canon(b));
    let mut pa: &[u8] = &ca;
    let mut pb: &[u8] = &cb;
    // Whether each side had a `.` after its current segment.
    let (mut more_a, mut more_b) = (true, true);
    let mut order = Ordering::Equal;
    while !pa.is_empty() && !pb.is_empty() && more_a && more_b {
        let (sa, ra) = split_dot(pa);
        let (sb, rb) = split_dot(pb);
        more_a = ra.is_some();
        more_b = rb.is_some();
        order = cmp_segment(sa, sb);
        if order != Ordering::Equal {
            break;
        }
        if let Some(r) = ra {
            pa = r;
        }
        if let Some(r) = rb {
            pb = r;
        }
    }
    if order == Ordering::Equal {
        let rest = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
        if more_a {
            order = if pa.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Greater
            } else {
                version_compare(&rest(pa), "#N#")
            };
        } else if more_b {
            order = if pb.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Less
            } else {
                version_compare("#N#", &rest(pb))
            };
        }
    }
    order
}

fn split_dot(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&c| c == b'.') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

impl Comparator for Composer {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (na, nb) = (normalize(a)?, normalize(b)?);
        Ok(version_compare(&na, &nb))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        normalize(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// Inputs from composer/semver's `tests/VersionParserTest.php`
    /// (`successfulNormalizedVersions`); the expected outputs are what
    /// Debian's composer/semver 3.3.2 answers.
    #[test]
    fn normalizes_as_composer() {
        for (input, want) in [
            ("1.0.0", "1.0.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
            ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
            ("1.0-dev", "1.0.0.0-dev"),
            ("0", "0.0.0.0"),
            ("10.4.13-beta", "10.4.13.0-beta"),
            ("10.4.13beta2", "10.4.13.0-beta2"),
            ("10.4.13beta.2", "10.4.13.0-beta2"),
            ("v1.13.11-beta.0", "1.13.11.0-beta0"),
            ("10.4.13-b", "10.4.13.0-beta"),
            ("10.4.13-b5", "10.4.13.0-beta5"),
            ("v1.0.0", "1.0.0.0"),
            ("v20100102", "20100102"),
            ("2010.01", "2010.01.0.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010-01-02.5", "2010.01.02.5"),
            ("2010.1.555", "2010.1.555.0"),
            ("20100102-203040", "20100102.203040"),
            ("20100102203040-10", "20100102203040.10"),
            ("20100102-203040-p1", "20100102.203040-patch1"),
            ("2.x-dev", "2.9999999.9999999.9999999-dev"),
            ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
            ("1.0.0+foo", "1.0.0.0"),
            ("1.0.0-alpha.3.1+foo/bar", "1.0.0.0-alpha3.1"),
            ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
            ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
            ("00.01.03.04", "00.01.03.04"),
            ("000.001.003.004", "000.001.003.004"),
            ("0.10.x-dev", "0.10.9999999.9999999-dev"),
            ("1.0.0 as 1.0.1", "1.0.0.0"),
            ("1.0.0-beta@beta", "1.0.0.0-beta"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0RC1", "1.0.0.0-RC1"),
        ] {
            assert_eq!(normalize(input).as_deref(), Ok(want), "{input}");
        }
    }

    const RULES: &[(&str, &str, &str)] = &[
        ("1.0.0", "=", "v1.0"),
        ("1.0.0", "=", "1.0.0.0"),
        ("1.0.0", "<", "1.0.1"),
        ("1.0.0-dev", "<", "1.0.0-alpha"),
        ("1.0.0-alpha", "<", "1.0.0-beta"),
        ("1.0.0-beta2", "<", "1.0.0-RC1"),
        ("1.0.0-RC1", "<", "1.0.0"),
        ("1.0.0", "<", "1.0.0-p1"),
        ("1.0.0-beta10", ">", "1.0.0-beta9"),
        ("v5.4.21", ">", "5.4.3"),
        ("1.0.0+build1", "=", "1.0.0+build2"),
        ("2.x-dev", ">", "2.9.0"),
        ("2.1.x-dev", "<", "2.2.0"),
        ("1.10.0", ">", "1.9.0"),
        ("1.0.0-alpha2.1", ">", "1.0.0-alpha2"),
    ];

    #[test]
    fn rules() {
        check_table(&Composer, RULES);
    }

    #[test]
    fn refuses_branches_and_garbage() {
        check_invalid(
            &Composer,
            "1.0.0",
            &[
                "dev-master",
                "master",
                "dev-feature/x",
                "",
                "1.0.0.0.0",
                "foo",
                "1.0-foo",
                "a1.0",
            ],
        );
    }

    #[test]
    fn version_compare_matches_php() {
        // From PHP's ext/standard/tests/versioning/version_compare.phpt.
        for (a, b, want) in [
            ("1", "1.0", Ordering::Less),
            ("1.0", "1.0.0", Ordering::Less),
            ("1.0rc1", "1.0", Ordering::Less),
            ("1.0", "1.0pl1", Ordering::Less),
            ("1.0-dev", "1.0a1", Ordering::Less),
            ("1.0a1", "1.0b1", Ordering::Less),
            ("1.0b1", "1.0RC1", Ordering::Less),
            ("1.0RC1", "1.0rc1", Ordering::Equal),
            ("1.0.0", "1.0.0.0", Ordering::Less),
            ("1.0.0-dev", "1.0.0", Ordering::Less),
        ] {
            assert_eq!(version_compare(a, b), want, "{a} vs {b}");
            assert_eq!(version_compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn pairs_captured_from_composer_semver() {
        check_pairs_files(
            &Composer,
            "composer",
            include_str!("testdata/composer-pairs.txt"),
        );
    }

    #[test]
    fn total_order() {
        check_tables_total_order(&Composer, &[RULES], &[]);
        check_random_total_order(
            &Composer,
            &[
                "0", "1", "10", ".", ".2", "-beta", "-RC", "-alpha", "-p", "-dev", "2", "v",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Composer);
    }
}
