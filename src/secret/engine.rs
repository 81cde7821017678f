//! Finding secrets in one file's bytes. A keyword prefilter (one
//! Aho-Corasick automaton over every rule's keywords, ASCII
//! case-insensitive) picks the few rules worth running on a file; only
//! those run their regex, with the `regex` crate, whose matching time is
//! linear in the input for any pattern. So a megabyte-long minified line,
//! invalid UTF-8 or a rule written to backtrack costs one pass, never a
//! blow-up.
//!
//! Nothing leaves this file that could rebuild the secret: a hit carries a
//! short prefix of it ([`Hit::shown`]) and a one-way digest for the
//! finding's fingerprint.

use super::rules::RuleSet;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::ops::Range;

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// Index of the rule in the engine's rule set.
    pub rule: usize,
    /// 1-based lines of the secret, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// What reports may show of the secret: at most [`SHOWN_PREFIX`]
    /// characters of it, then a mask.
    pub shown: String,
    /// Hex SHA-256 of the rule id and the secret, shortened: tells two
    /// secrets of one file apart in fingerprints without revealing either.
    pub digest: String,
}

/// Characters of a secret kept in reports: enough to tell an `AKIA` key
/// from an `ASIA` one or recognise a token's kind, too few to use it.
pub const SHOWN_PREFIX: usize = 4;
/// Secrets shorter than this show no prefix at all.
const MIN_LEN_FOR_PREFIX: usize = 16;
const MASK: &str = "*****";

/// The compiled rule set with its keyword automaton.
#[derive(Debug)]
pub struct Engine {
    set: RuleSet,
    keywords: AhoCorasick,
    /// The rule of each keyword pattern.
    keyword_rule: Vec<usize>,
    /// Rules without keywords: they run on every file.
    unfiltered: Vec<usize>,
}

impl Engine {
    pub fn new(set: RuleSet) -> Engine {
        let mut patterns = Vec::new();
        let mut keyword_rule = Vec::new();
        let mut unfiltered = Vec::new();
        for (i, rule) in set.rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                unfiltered.push(i);
            }
            for k in &rule.keywords {
                patterns.push(k.clone());
                keyword_rule.push(i);
            }
        }
        // Keywords are short literals written by rule authors; an
        // automaton over them always builds (an empty one when none).
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .or_else(|_| AhoCorasick::new(&patterns))
            .unwrap_or_else(|e| panic!("secret keywords automaton: {e}"));
        Engine {
            set,
            keywords,
            keyword_rule,
            unfiltered,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// Identifies the rules in force (for the layer cache's key).
    pub fn cache_key(&self) -> &str {
        &self.set.source_key
    }

    /// Whether the file at `path` (relative, `/`-separated) is scanned at
    /// all: not under a skip pattern and not on a global allow path.
    pub fn wants(&self, path: &str) -> bool {
        !self.set.skip.is_match(path) && !self.set.allow.iter().any(|a| a.allows_path(path))
    }

    /// The secrets in `content`, the bytes of the file at `path`, in order
    /// of their position.
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        let mut candidate = vec![false; self.set.rules.len()];
        for &i in &self.unfiltered {
            candidate[i] = true;
        }
        if !self.keyword_rule.is_empty() {
            for m in self.keywords.find_overlapping_iter(content) {
                candidate[self.keyword_rule[m.pattern().as_usize()]] = true;
            }
        }
        let global_blocks = Blocks::new(&self.set.exclude, content);
        let mut found: Vec<(Range<usize>, usize, &[u8])> = Vec::new();
        for (i, rule) in self.set.rules.iter().enumerate() {
            if !candidate[i]
                || rule.path.as_ref().is_some_and(|p| !p.is_match(path))
                || rule.allow.iter().any(|a| a.allows_path(path))
            {
                continue;
            }
            let rule_blocks = Blocks::new(&rule.exclude, content);
            let mut keep = |whole: Range<usize>, secret: Range<usize>| {
                let text = String::from_utf8_lossy(&content[whole]);
                let allowed = self
                    .set
                    .allow
                    .iter()
                    .chain(&rule.allow)
                    .any(|a| a.allows_match(&text));
                if !allowed && !global_blocks.covers(&secret) && !rule_blocks.covers(&secret) {
                    found.push((secret.clone(), i, &content[secret]));
                }
            };
            if rule.secret_groups.is_empty() {
                for m in rule.regex.find_iter(content) {
                    keep(m.range(), m.range());
                }
            } else {
                for caps in rule.regex.captures_iter(content) {
                    let Some(whole) = caps.get(0) else { continue };
                    for &g in &rule.secret_groups {
                        if let Some(secret) = caps.get(g) {
                            keep(whole.range(), secret.range());
                        }
                    }
                }
            }
        }
        found.sort_by_key(|(range, rule, _)| (range.start, *rule));
        let mut lines = LineCounter::default();
        found
            .into_iter()
            .map(|(range, rule, secret)| {
                let start_line = lines.line_at(content, range.start);
                let end_line = start_line.saturating_add(count_newlines(&content[range.clone()]));
                Hit {
                    rule,
                    start_line,
                    end_line,
                    shown: shown(secret),
                    digest: crate::finding::fingerprint(&[
                        &self.set.rules[rule].id,
                        &String::from_utf8_lossy(secret),
                    ]),
                }
            })
            .collect()
    }
}

impl super::rules::AllowRule {
    fn allows_path(&self, path: &str) -> bool {
        self.path.as_ref().is_some_and(|p| p.is_match(path))
    }

    fn allows_match(&self, text: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(text))
    }
}

/// The prefix of a secret reports may show, then a mask.
fn shown(secret: &[u8]) -> String {
    let prefix = if secret.len() >= MIN_LEN_FOR_PREFIX
        && secret[..SHOWN_PREFIX].iter().all(u8::is_ascii_graphic)
    {
        String::from_utf8_lossy(&secret[..SHOWN_PREFIX]).into_owned()
    } else {
        String::new()
    };
    format!("{prefix}{MASK}")
}

/// Byte ranges of excluded blocks (Trivy's `exclude-block`), found only
/// when some match needs the answer.
struct Blocks<'a> {
    regexes: &'a [regex::bytes::Regex],
    content: &'a [u8],
    found: std::cell::OnceCell<Vec<Range<usize>>>,
}

impl<'a> Blocks<'a> {
    fn new(regexes: &'a [regex::bytes::Regex], content: &'a [u8]) -> Self {
        Blocks {
            regexes,
            content,
            found: std::cell::OnceCell::new(),
        }
    }

    fn covers(&self, secret: &Range<usize>) -> bool {
        if self.regexes.is_empty() {
            return false;
        }
        self.found
            .get_or_init(|| {
                self.regexes
                    .iter()
                    .flat_map(|r| r.find_iter(self.content).map(|m| m.range()))
                    .collect()
            })
            .iter()
            .any(|b| b.start <= secret.start && secret.end <= b.end)
    }
}

/// Line numbers of increasing offsets in one pass over the content.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: u32,
}

impl LineCounter {
    fn line_at(&mut self, content: &[u8], offset: usize) -> u32 {
        if offset >= self.offset {
            self.line = self
                .line
                .saturating_add(count_newlines(&content[self.offset..offset]));
            self.offset = offset;
        }
        self.line + 1
    }
}

fn count_newlines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|b| **b == b'\n').count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(yaml: &str) -> Engine {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("trivy-secret.yaml");
        std::fs::write(&path, yaml).expect("write");
        Engine::new(RuleSet::load(Some(&path)).expect("rules"))
    }

    /// A token of the `github-pat` shape, assembled at run time.
    fn token() -> String {
        ["gh", "p_", &"a1B2c3D4e5F6".repeat(3)].concat()
    }

    #[test]
    fn hits_carry_lines_and_a_masked_prefix_only() {
        let e = engine("");
        let text = format!("one\ntwo\nGITHUB_TOKEN={}\n", token());
        let hits = e.scan("app/.env", text.as_bytes());
        assert_eq!(hits.len(), 1, "{hits:?}");
        let hit = &hits[0];
        assert_eq!(e.rules().rules[hit.rule].id, "github-pat");
        assert_eq!((hit.start_line, hit.end_line), (3, 3));
        assert_eq!(hit.shown, "ghp_*****");
        assert!(!hit.digest.contains(&token()[4..]));
        assert_eq!(shown(b"short1234"), "*****", "no prefix of short values");
    }

    #[test]
    fn allow_rules_exclude_blocks_and_rule_paths_apply() {
        let e = engine(
            "exclude-block:\n  regexes: ['(?s)BEGIN-DOCS.*?END-DOCS']\n\
             rules:\n  - id: env-only\n    category: T\n    title: T\n    severity: LOW\n    regex: 'zz_[0-9]{8}'\n    path: '\\.env$'\n    keywords: [zz_]\n",
        );
        let example = format!("t={}EXAMPLE\n", &token()[..33]);
        assert!(
            e.scan("a.txt", example.as_bytes()).is_empty(),
            "example value"
        );
        let documented = format!("BEGIN-DOCS\n{}\nEND-DOCS\n", token());
        assert!(
            e.scan("a.txt", documented.as_bytes()).is_empty(),
            "excluded block"
        );
        assert!(!e.wants("src/app_test.go"), "test path");
        assert!(!e.wants("repo/.git/config"), "skip pattern");
        assert!(e.wants("src/app.go"));
        assert!(e.scan("a.txt", b"k=zz_12345678\n").is_empty(), "path rule");
        assert_eq!(e.scan("a.env", b"k=zz_12345678\n").len(), 1);
    }
}
