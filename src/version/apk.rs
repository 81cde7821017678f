//! Alpine package versions (Alpine, Wolfi, Chainguard), as apk-tools orders
//! them.
//!
//! Grammar (apk-tools 3, `src/version.c`):
//!
//! ```text
//! digits {.digits} [letter] {_suffix[digits]} [~hash] [-r digits]
//! ```
//!
//! * `letter` is one lowercase ASCII letter (`1.2.3a`), allowed only right
//!   after a number;
//! * `suffix` is one of `alpha`, `beta`, `pre`, `rc` (pre-releases: sort
//!   *before* the bare version) or `cvs`, `svn`, `git`, `hg`, `p` (sort
//!   after it), in that order; several may follow each other
//!   (`1.0_alpha_pre2`), each optionally numbered;
//! * `~hash` is a lowercase hexadecimal commit id (`1.0~1234abcd`);
//! * `-r` is the package revision (`1.0-r3`).
//!
//! Comparison walks both versions token by token. Tokens of the same kind
//! compare by value: numbers numerically, letters by byte, suffixes by the
//! order above, hashes as strings. The one quirk: a number *after the first*
//! that starts with `0` on either side (`1.05`, `8.2.001`) is compared as a
//! string, like a decimal fraction (`1.05 < 1.1`, `1.0 < 1.00`). The first
//! number is always numeric (`006 > 1.0`). When one version runs out of
//! tokens or the kinds differ, a pre-release suffix on either side makes that
//! side older; otherwise the side that goes on to a *later kind* of token in
//! the grammar (or ends) is older: `1.0 < 1.0.1`, `1.0 < 1.0a`,
//! `1.0a < 1.0.1`, `1.0_p1 < 1.0a`, `1.0-r1 < 1.0_p1`, `1.0 < 1.0-r1`.
//!
//! Versions that apk-tools' own validation rejects (`apk_version_validate`:
//! `1.0bc`, `1.0_foo`, `0.1a1`, `1.0-r`, uppercase letters, ...) are refused
//! with an error. apk itself would still order them by their valid prefix,
//! but an advisory or installed database holding such a version is broken
//! data, and guessing would hide that.
//!
//! Which apk-tools: the 3.x rules (the rewritten lexer of 2024, used since
//! Alpine 3.23). They differ from apk-tools 2.14 (Alpine 3.22 and older)
//! only on versions that either never occur in Alpine (2.x accepted a digit
//! after the letter, `0.1a1`, and repeated `-r`) or compare numbers with
//! *different counts* of leading zeros: 2.x has `1.0 > 1.00` and
//! `8.2.0 > 8.2.001`, 3.x (and this module) the reverse. The `~hash`
//! component is 3.x only. Numbers are compared exactly at any length, where
//! apk-tools would wrap around at 2^64.

use std::cmp::Ordering;

use super::{cmp_digits, span, Comparator, VersionError};

/// The apk comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

impl Comparator for Apk {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        validate(a)?;
        validate(b)?;
        Ok(compare_valid(a.as_bytes(), b.as_bytes()))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        validate(v)
    }
}

/// Token kinds, in grammar order: apk-tools relies on this order both to
/// validate (a token may only follow earlier kinds) and to compare
/// (`Kind` derives `Ord` from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
}

/// Suffixes in apk-tools' order. The pre-release ones come first; `None`
/// (the bare version) sits between the two groups.
const SUFFIXES: [&[u8]; 9] = [
    b"alpha", b"beta", b"pre", b"rc", b"cvs", b"svn", b"git", b"hg", b"p",
];
/// Index in [`SUFFIXES`] of the first suffix that sorts after the release.
const FIRST_POST_RELEASE: u8 = 4;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    /// The token's text: digits, the letter, the suffix name or the hash.
    text: &'a [u8],
    /// Index in [`SUFFIXES`] for `Kind::Suffix`.
    suffix: u8,
}

/// Splits a version into tokens, validating as it goes.
struct Lexer<'a> {
    rest: &'a [u8],
    /// The kind of the previous token; `None` before the first.
    prev: Option<Kind>,
}

impl<'a> Lexer<'a> {
    fn new(v: &'a str) -> Self {
        Lexer {
            rest: v.as_bytes(),
            prev: None,
        }
    }

    fn digits(&mut self) -> &'a [u8] {
        let n = span(self.rest, |c| c.is_ascii_digit());
        let (text, rest) = self.rest.split_at(n);
        self.rest = rest;
        text
    }

    fn token(&mut self, kind: Kind, text: &'a [u8]) -> Result<Token<'a>, &'static str> {
        self.prev = Some(kind);
        Ok(Token {
            kind,
            text,
            suffix: 0,
        })
    }

    /// The next token, `End` once the input is used up (and forever after),
    /// or why the version is invalid at this point.
    fn next_token(&mut self) -> Result<Token<'a>, &'static str> {
        let Some(prev) = self.prev else {
            let text = self.digits();
            if text.is_empty() {
                return Err("does not start with a digit");
            }
            return self.token(Kind::InitialDigit, text);
        };
        let Some(&c) = self.rest.first() else {
            return self.token(Kind::End, b"");
        };
        match c {
            b'a'..=b'z' => {
                if prev > Kind::Digit {
                    return Err("a letter may only follow a number");
                }
                let (text, rest) = self.rest.split_at(1);
                self.rest = rest;
                self.token(Kind::Letter, text)
            }
            b'.' => {
                if prev > Kind::Digit {
                    return Err("a '.' may only follow a number");
                }
                self.rest = &self.rest[1..];
                let text = self.digits();
                if text.is_empty() {
                    return Err("a '.' must be followed by a number");
                }
                self.token(Kind::Digit, text)
            }
            b'0'..=b'9' => {
                // Digits never follow digits (the run was taken whole), so
                // only a suffix may carry a number here.
                if prev != Kind::Suffix {
                    return Err("a number may only follow '.' or a suffix");
                }
                let text = self.digits();
                self.token(Kind::SuffixNo, text)
            }
            b'_' => {
                if prev > Kind::SuffixNo {
                    return Err("a '_' suffix may not follow a hash or revision");
                }
                self.rest = &self.rest[1..];
                let n = span(self.rest, |c| c.is_ascii_lowercase());
                let (text, rest) = self.rest.split_at(n);
                self.rest = rest;
                let Some(index) = SUFFIXES.iter().position(|&s| s == text) else {
                    return Err(
                        "unknown suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p are known)",
                    );
                };
                self.prev = Some(Kind::Suffix);
                Ok(Token {
                    kind: Kind::Suffix,
                    text,
                    // At most 8: `SUFFIXES` has nine entries.
                    suffix: index as u8,
                })
            }
            b'~' => {
                if prev >= Kind::CommitHash {
                    return Err("a '~' hash may not follow a hash or revision");
                }
                self.rest = &self.rest[1..];
                let n = span(self.rest, |c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                if n == 0 {
                    return Err("a '~' must be followed by a lowercase hex hash");
                }
                let (text, rest) = self.rest.split_at(n);
                self.rest = rest;
                self.token(Kind::CommitHash, text)
            }
            b'-' => {
                if prev >= Kind::RevisionNo {
                    return Err("only one '-r' revision is allowed");
                }
                let Some(rest) = self.rest.strip_prefix(b"-r") else {
                    return Err("a '-' must start a '-r' revision");
                };
                self.rest = rest;
                let text = self.digits();
                if text.is_empty() {
                    return Err("'-r' must be followed by a number");
                }
                self.token(Kind::RevisionNo, text)
            }
            _ => Err("unexpected character"),
        }
    }
}

/// apk-tools' `apk_version_validate`.
fn validate(v: &str) -> Result<(), VersionError> {
    let mut lexer = Lexer::new(v);
    loop {
        match lexer.next_token() {
            Ok(t) if t.kind == Kind::End => return Ok(()),
            Ok(_) => {}
            Err(reason) => return Err(VersionError::new("apk", v, reason)),
        }
    }
}

/// The value comparison of two tokens of the same kind (`token_cmp`).
fn cmp_same_kind(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        Kind::Digit if a.text.first() == Some(&b'0') || b.text.first() == Some(&b'0') => {
            // The fraction-like quirk: plain byte-string order.
            a.text.cmp(b.text)
        }
        Kind::InitialDigit | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(a.text, b.text)
        }
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        Kind::Letter | Kind::CommitHash | Kind::End => a.text.cmp(b.text),
    }
}

fn is_pre_release(t: &Token<'_>) -> bool {
    t.kind == Kind::Suffix && t.suffix < FIRST_POST_RELEASE
}

/// `apk_version_compare` on two versions already validated.
fn compare_valid(a: &[u8], b: &[u8]) -> Ordering {
    // Valid input has already lexed to `End` once, so these cannot fail;
    // an `End` token stands in should that ever change.
    let end = Token {
        kind: Kind::End,
        text: b"",
        suffix: 0,
    };
    let (mut la, mut lb) = (
        Lexer {
            rest: a,
            prev: None,
        },
        Lexer {
            rest: b,
            prev: None,
        },
    );
    loop {
        let ta = la.next_token().unwrap_or(end);
        let tb = lb.next_token().unwrap_or(end);
        if ta.kind != tb.kind {
            if is_pre_release(&ta) {
                return Ordering::Less;
            }
            if is_pre_release(&tb) {
                return Ordering::Greater;
            }
            // The side further along the grammar is the older one.
            return tb.kind.cmp(&ta.kind);
        }
        if ta.kind == Kind::End {
            return Ordering::Equal;
        }
        let ord = cmp_same_kind(&ta, &tb);
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    /// From apk-tools' test/unit/version.data (3.x), which includes the
    /// whole 2.x test/version.data: a selection covering every rule.
    const APK_VERSION_DATA: &[(&str, &str, &str)] = &[
        ("2.34", ">", "0.1.0_alpha"),
        ("0.1.0_alpha", "=", "0.1.0_alpha"),
        ("0.1.0_alpha", "<", "0.1.3_alpha"),
        ("0.1.0_alpha2", ">", "0.1.0_alpha"),
        ("0.1.0_alpha", "<", "2.2.39-r1"),
        ("2.2.39-r1", ">", "1.0.4-r3"),
        ("1.0.4-r3", "<", "1.0.4-r4"),
        ("1.0.4-r4", "<", "1.6"),
        ("1.1", ">", "1.1_alpha1"),
        ("1.2.1", ">", "1.2"),
        ("1.2", "<", "1.3_alpha"),
        ("1.3_alpha", "<", "1.3_alpha2"),
        ("1.3_alpha2", "<", "1.3_alpha3"),
        ("0.7.0", "<", "0.8_beta1"),
        ("0.8_beta1", "<", "0.8_beta2"),
        ("3.10.18-r1", ">", "2.3.0b-r1"),
        ("2.3.0b-r1", "<", "2.3.0b-r2"),
        ("2.3.0b-r4", ">", "0.12.1"),
        ("0.12.3", ">", "0.12"),
        ("0.12", "<", "0.13_beta1"),
        ("1.2.11", "<", "1.2.12.1"),
        ("1.2.12.1", "<", "1.2.13"),
        ("0.2.0-r1", "=", "0.2.0-r1"),
        ("0.2.0-r1", "<", "3.1_p16"),
        ("3.1_p16", "<", "3.1_p17"),
        ("3.1_p17", ">", "1.06-r6"),
        ("1.06-r6", "<", "006"),
        ("006", ">", "1.0.0"),
        ("1.2.2-r1", ">", "1.2.2"),
        ("9.3.4-r2", ">", "9.3.4"),
        ("1.0_p10-r0", ">", "1.0_p9-r0"),
        ("0.1.0_alpha_pre2", "<", "0.1.0_alpha"),
        (
            "1.0.0_pre20191002222144-r0",
            "<",
            "1.0.0_pre20210530193627-r0",
        ),
        ("6.0_pre1", "<", "6.0"),
        ("6.1_pre1", "<", "6.1"),
        ("6.0_p1", ">", "6.0"),
        ("6.1_p1", ">", "6.1"),
        ("8.2.0", "<", "8.2.001"),
        ("8.2.0015", "<", "8.2.002"),
        ("1.0~1234", "<", "1.0~2345"),
        ("1.0~1234-r1", "<", "1.0~2345-r0"),
        ("1.0~1234-r1", ">", "1.0~1234-r0"),
    ];

    /// The suffix ladder and the other orders the brief and apk(8) spell out.
    const RULES: &[(&str, &str, &str)] = &[
        ("1.0_alpha", "<", "1.0_beta"),
        ("1.0_beta", "<", "1.0_pre"),
        ("1.0_pre", "<", "1.0_rc"),
        ("1.0_rc", "<", "1.0"),
        ("1.0", "<", "1.0_cvs"),
        ("1.0_cvs", "<", "1.0_svn"),
        ("1.0_svn", "<", "1.0_git"),
        ("1.0_git", "<", "1.0_hg"),
        ("1.0_hg", "<", "1.0_p"),
        ("1.0_p", "<", "1.0_p1"),
        ("1.0_rc", "<", "1.0_rc0"),
        ("1.0_rc1", "<", "1.0_rc2"),
        ("1.0_rc9", "<", "1.0_rc10"),
        ("1.0_alpha99", "<", "1.0_beta"),
        ("1.0_rc1", "<", "1.0-r0"),
        ("1.0-r1", "<", "1.0-r2"),
        ("1.0-r9", "<", "1.0-r10"),
        ("1.0", "<", "1.0-r0"),
        ("1.0-r0", "<", "1.0_p1"),
        ("1.0-r99", "<", "1.0.1"),
        ("1.2.3a", "<", "1.2.3b"),
        ("1.2.3", "<", "1.2.3a"),
        ("1.2.3z", "<", "1.2.4"),
        ("1.2.3a", "<", "1.2.3.1"),
        ("1.0_p1", "<", "1.0a"),
        ("1.0a_alpha", "<", "1.0a"),
        ("1.0a_p1", ">", "1.0a"),
        ("1.0_alpha_p1", ">", "1.0_alpha1"),
        ("1.0_alpha_pre", "<", "1.0_alpha1"),
        ("1.0_alpha_p1", ">", "1.0_alpha"),
        ("1.0_git20240101", "<", "1.0_git20240102"),
        ("1.0_git20240101", ">", "1.0"),
        ("1.0_git20240101", "<", "1.0.1_rc1"),
        ("1.0.1_rc1", ">", "1.0"),
        ("1.0~abc", ">", "1.0"),
        ("1.0~abc", "<", "1.0_p1"),
        ("1.0~abc", ">", "1.0-r5"),
        ("1.0~abc-r1", "<", "1.0~abc-r2"),
        ("1.0~0a", "<", "1.0~a"),
        ("1.0~abc", "<", "1.0~abcd"),
        ("1.0_pre1~abc", "<", "1.0"),
        // Numbers: numeric unless a non-first one starts with 0.
        ("1.10", ">", "1.9"),
        ("10.0", ">", "9.0"),
        ("010", ">", "9"),
        ("0010", "=", "10"),
        ("1.05", "<", "1.1"),
        ("1.05", "<", "1.5"),
        ("1.09", "<", "1.1"),
        ("1.050", ">", "1.05"),
        ("1.0", "<", "1.00"),
        ("1.0", "<", "1.01"),
        ("1.001", "<", "1.01"),
        ("1.0.0", "<", "1.00"),
        ("2.0", "=", "2.0"),
        ("2.0", "<", "2.0.0"),
        ("20240101", "<", "20240101.1"),
        ("18446744073709551615", ">", "18446744073709551614"),
        ("1.0_p18446744073709551615", ">", "1.0_p9"),
    ];

    #[test]
    fn apk_tools_test_suite_table() {
        check_table(&Apk, APK_VERSION_DATA);
    }

    #[test]
    fn suffix_letter_revision_and_zero_rules() {
        check_table(&Apk, RULES);
    }

    /// The one deliberate divergence from apk-tools: it reads numbers into a
    /// `uint64_t` that wraps, so for apk 2^64 is 0 and each row below would
    /// come out the other way. No real version has such numbers; exact
    /// comparison cannot be fooled by them.
    #[test]
    fn numbers_past_2_pow_64_compare_exactly() {
        check_table(
            &Apk,
            &[
                ("18446744073709551616", ">", "18446744073709551615"),
                ("1.18446744073709551616", ">", "1.18446744073709551615"),
                (
                    "1.0-r18446744073709551616",
                    ">",
                    "1.0-r18446744073709551615",
                ),
                (
                    "1.0_p99999999999999999999999",
                    ">",
                    "1.0_p18446744073709551615",
                ),
            ],
        );
    }

    #[test]
    fn what_apk_tools_accepts() {
        // version.data's validity lines.
        check_valid(
            &Apk,
            &[
                "1.2",
                "0.1_pre2",
                "0.1_pre2~1234abcd",
                "0.1_p1_pre2",
                "0.1_alpha1_pre2",
                "0.1_git20240101_pre1",
                "0",
                "0.0.0",
                "1a",
                "1.2.3a_rc1~deadbeef-r12",
                "1.0_p",
                "1.0-r0",
            ],
        );
    }

    #[test]
    fn what_apk_tools_refuses() {
        // version.data's `!version` lines, then more of the grammar.
        check_invalid(
            &Apk,
            "1.0",
            &[
                "",
                "0.1bc",
                "0.1bc1",
                "0.1a1",
                "0.1a.1",
                "0.1_pre2~",
                "0.1_pre2~1234xbcd",
                "0.1_pre2~1234abcd_pre1",
                "0.1_pre2-r1~1234xbcd",
                "0.1_foobar",
                "0.1_foobar1",
                "0.1-pre1.1",
                "0.1-r",
                "0.1-r2_pre1",
                "0.1-r2_p3_pre1",
                "0.1-r2-r3",
                "0.1-r2.1",
                ".1",
                "a",
                "_pre1",
                "-r1",
                "0.1_",
                "0.1_-r0",
                "0.1__alpha",
                "0.1_1_alpha",
                // version.data compares these with apk's prefix fallback.
                "1.0bc",
                "23_foo",
                // More of the grammar.
                "1.",
                "1..0",
                "1.0.",
                "1.0A",
                "1.0_RC1",
                "1.0_alpha.1",
                "1.0-r1a",
                "1.0-1",
                "1.0~ABC",
                "1.0~abc~def",
                "v1.0",
                " 1.0",
                "1.0 ",
                "1.0\0",
                "1:1.0",
                "1.0+1",
            ],
        );
    }

    #[test]
    fn tables_are_a_total_order() {
        check_tables_total_order(&Apk, &[APK_VERSION_DATA, RULES], &[]);
    }

    #[test]
    fn pairs_captured_from_apk_tools() {
        check_pairs_files(&Apk, "apk", include_str!("testdata/apk-pairs.txt"));
    }

    /// Random versions from the scheme's building blocks: the order must
    /// stay total beyond the hand-picked tables.
    #[test]
    fn random_versions_are_totally_ordered() {
        check_random_total_order(
            &Apk,
            &[
                "0", "1", "2", "10", "01", "00", ".1", ".0", ".01", "a", "z", "_alpha", "_rc",
                "_p", "_git", "1", "~ab", "~0", "-r1", "-r0",
            ],
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Apk);
    }
}
