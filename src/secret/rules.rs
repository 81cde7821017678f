//! Secret rules as data: Trivy's built-in set (`builtin-rules.yaml`, in the
//! format of a user's `trivy-secret.yaml`, so one parser reads both) merged
//! with the user's file the way Trivy merges them: `enable-builtin-rules`
//! narrows the built-in set, custom `rules` are always added,
//! `disable-rules` and `disable-allow-rules` then remove by id.

use crate::core::severity::Severity;
use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::path::Path;

/// Trivy's rules and allow rules (see the file's header for the source).
const BUILTIN: &str = include_str!("builtin-rules.yaml");

/// Paths never scanned unless a config's `skip-patterns` says otherwise:
/// Trivy's `defaultSkipPatterns` (VCS data, dependency trees, lockfiles
/// full of hashes, media and archives).
const DEFAULT_SKIP_PATTERNS: &[&str] = &[
    "**/.git/**",
    "**/node_modules/**",
    "**/go.mod",
    "**/go.sum",
    "**/package-lock.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/Pipfile.lock",
    "**/Gemfile.lock",
    "**/*.jpg",
    "**/*.png",
    "**/*.gif",
    "**/*.doc",
    "**/*.pdf",
    "**/*.bin",
    "**/*.svg",
    "**/*.socket",
    "**/*.deb",
    "**/*.rpm",
    "**/*.zip",
    "**/*.gz",
    "**/*.gzip",
    "**/*.tar",
];

/// A `trivy-secret.yaml` (and the built-in file). Unknown keys are
/// accepted, as Trivy accepts them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ConfigFile {
    #[serde(default)]
    rules: Vec<RuleDef>,
    #[serde(default)]
    allow_rules: Vec<AllowDef>,
    #[serde(default)]
    enable_builtin_rules: Vec<String>,
    #[serde(default)]
    disable_rules: Vec<String>,
    #[serde(default)]
    disable_allow_rules: Vec<String>,
    exclude_block: Option<ExcludeDef>,
    skip_patterns: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RuleDef {
    id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    regex: String,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    #[serde(default)]
    allow_rules: Vec<AllowDef>,
    exclude_block: Option<ExcludeDef>,
    secret_group_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AllowDef {
    id: String,
    #[serde(default)]
    description: String,
    regex: Option<String>,
    path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ExcludeDef {
    #[serde(default)]
    regexes: Vec<String>,
}

/// A compiled detection rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub category: String,
    pub title: String,
    pub severity: Severity,
    /// Whether the rule is one of Trivy's (else it came from the user's
    /// config file).
    pub builtin: bool,
    pub(super) regex: regex::bytes::Regex,
    /// Index of each capture group holding the secret (Trivy's
    /// `secret-group-name`); empty: the whole match is the secret.
    pub(super) secret_groups: Vec<usize>,
    /// The rule runs only on files containing one of these
    /// (ASCII case-insensitively); none: on every file.
    pub(super) keywords: Vec<String>,
    /// The rule runs only on paths matching this.
    pub(super) path: Option<regex::Regex>,
    pub(super) allow: Vec<AllowRule>,
    pub(super) exclude: Vec<regex::bytes::Regex>,
}

/// An allow rule: a path it matches is not scanned; a match it matches is
/// not a secret (`example` values).
#[derive(Debug)]
pub struct AllowRule {
    pub id: String,
    pub description: String,
    pub(super) regex: Option<regex::Regex>,
    pub(super) path: Option<regex::Regex>,
}

/// Everything the engine needs: rules, global allow rules and excluded
/// blocks, and the paths never scanned.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub allow: Vec<AllowRule>,
    pub(super) exclude: Vec<regex::bytes::Regex>,
    pub(super) skip: GlobSet,
    /// What the set was built from, for the layer cache's key.
    pub(super) source_key: String,
}

impl RuleSet {
    /// Trivy's built-in rules and allow rules, as `scangate rules` lists them.
    pub fn builtin() -> RuleSet {
        // The built-in file is part of the program and tested to compile.
        Self::build(None).unwrap_or_else(|e| panic!("built-in secret rules: {e}"))
    }

    /// The built-in set merged with the config file at `path`, if given and
    /// present. Trivy reads `trivy-secret.yaml` in the working directory
    /// by default and a missing file is no error; a file that exists but
    /// does not parse, or a regex that does not compile, is a usage error
    /// naming it.
    pub fn load(path: Option<&Path>) -> Result<RuleSet> {
        let Some(path) = path.filter(|p| p.is_file()) else {
            return Self::build(None);
        };
        let text = crate::text_file::read(path, "--secret-config", "secret config")?;
        let shown = path.display().to_string();
        let parsed: Option<ConfigFile> = serde_saphyr::from_str(&text).map_err(|e| {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("").to_string();
            Error::Usage(format!("{shown}: not a valid secret config: {first}"))
        })?;
        tracing::info!("secret config: {shown}");
        Self::build(Some((&shown, parsed.unwrap_or_default())))
    }

    fn build(user: Option<(&str, ConfigFile)>) -> Result<RuleSet> {
        let builtin: ConfigFile = serde_saphyr::from_str(BUILTIN)
            .map_err(|e| Error::Usage(format!("built-in secret rules: {e}")))?;
        let (origin, user) = match user {
            Some((origin, cfg)) => (origin.to_string(), cfg),
            None => ("built-in secret rules".to_string(), ConfigFile::default()),
        };
        let mut rules = Vec::new();
        for def in builtin.rules {
            if user.enable_builtin_rules.is_empty() || user.enable_builtin_rules.contains(&def.id) {
                rules.push(compile_rule("built-in secret rules", def, true)?);
            }
        }
        for def in user.rules {
            rules.push(compile_rule(&origin, def, false)?);
        }
        rules.retain(|r| !user.disable_rules.contains(&r.id));
        let mut allow = Vec::new();
        for def in builtin.allow_rules.into_iter().chain(user.allow_rules) {
            allow.push(compile_allow(&origin, def)?);
        }
        allow.retain(|a| !user.disable_allow_rules.contains(&a.id));
        let exclude = compile_excludes(&origin, user.exclude_block)?;
        let patterns: Vec<String> = match user.skip_patterns {
            Some(p) => p,
            None => DEFAULT_SKIP_PATTERNS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let mut skip = GlobSetBuilder::new();
        for p in &patterns {
            let glob = GlobBuilder::new(p.trim_start_matches('/'))
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Usage(format!("{origin}: skip-pattern {p:?}: {e}")))?;
            skip.add(glob);
        }
        let skip = skip
            .build()
            .map_err(|e| Error::Usage(format!("{origin}: skip-patterns: {e}")))?;
        let source_key = format!("{origin}\n{text}", text = config_key(&rules, &allow));
        Ok(RuleSet {
            rules,
            allow,
            exclude,
            skip,
            source_key: format!("{source_key}\n{patterns:?}"),
        })
    }
}

/// The ids and patterns in force: enough to tell two rule sets apart.
fn config_key(rules: &[Rule], allow: &[AllowRule]) -> String {
    let mut key = String::new();
    for r in rules {
        key.push_str(&format!(
            "{}\t{}\t{:?}\t{:?}\t{}\n",
            r.id,
            r.regex.as_str(),
            r.path.as_ref().map(|p| p.as_str()),
            r.keywords,
            r.allow.len()
        ));
    }
    for a in allow {
        key.push_str(&format!(
            "{}\t{:?}\t{:?}\n",
            a.id,
            a.regex.as_ref().map(|p| p.as_str()),
            a.path.as_ref().map(|p| p.as_str())
        ));
    }
    key
}

fn compile_rule(origin: &str, def: RuleDef, builtin: bool) -> Result<Rule> {
    let regex = content_regex(origin, &def.id, &def.regex)?;
    let secret_groups = match &def.secret_group_name {
        Some(name) => regex
            .capture_names()
            .enumerate()
            .filter(|(_, n)| *n == Some(name.as_str()))
            .map(|(i, _)| i)
            .collect(),
        None => Vec::new(),
    };
    let severity = if def.severity.is_empty() {
        Severity::Unknown
    } else {
        def.severity.parse().unwrap_or_else(|_| {
            // As Trivy: a wrong severity is a warning and UNKNOWN.
            tracing::warn!(
                "{origin}: rule {}: incorrect severity {:?}, using UNKNOWN",
                def.id,
                def.severity
            );
            Severity::Unknown
        })
    };
    let mut allow = Vec::new();
    for a in def.allow_rules {
        allow.push(compile_allow(origin, a)?);
    }
    Ok(Rule {
        path: def
            .path
            .as_deref()
            .map(|p| path_regex(origin, &def.id, p))
            .transpose()?,
        exclude: compile_excludes(origin, def.exclude_block)?,
        keywords: def
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect(),
        title: if def.title.is_empty() {
            def.id.clone()
        } else {
            def.title
        },
        id: def.id,
        category: def.category,
        severity,
        builtin,
        regex,
        secret_groups,
        allow,
    })
}

fn compile_allow(origin: &str, def: AllowDef) -> Result<AllowRule> {
    Ok(AllowRule {
        regex: def
            .regex
            .as_deref()
            .map(|r| path_regex(origin, &def.id, r))
            .transpose()?,
        path: def
            .path
            .as_deref()
            .map(|p| path_regex(origin, &def.id, p))
            .transpose()?,
        id: def.id,
        description: def.description,
    })
}

fn compile_excludes(origin: &str, def: Option<ExcludeDef>) -> Result<Vec<regex::bytes::Regex>> {
    def.unwrap_or_default()
        .regexes
        .iter()
        .map(|r| content_regex(origin, "exclude-block", r))
        .collect()
}

/// The most memory one compiled rule may take. The `regex` crate matches
/// in time linear in the input whatever the pattern (no backtracking); a
/// pattern so large it would need more than this is refused.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// A regex over file bytes. Patterns are tried first without Unicode
/// classes (Go's RE2, which Trivy's patterns are written for, has ASCII
/// `\s`/`\w`, and byte-wise classes match any byte of invalid UTF-8),
/// then with them for a user pattern that needs `\p{..}`.
fn content_regex(origin: &str, id: &str, pattern: &str) -> Result<regex::bytes::Regex> {
    let build = |unicode: bool| {
        regex::bytes::RegexBuilder::new(pattern)
            .unicode(unicode)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
    };
    build(false)
        .or_else(|_| build(true))
        .map_err(|e| regex_error(origin, id, e))
}

/// A regex over paths or match text (valid UTF-8 strings).
fn path_regex(origin: &str, id: &str, pattern: &str) -> Result<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_error(origin, id, e))
}

fn regex_error(origin: &str, id: &str, e: regex::Error) -> Error {
    let message = e.to_string();
    let first = message.lines().last().unwrap_or("").trim();
    Error::Usage(format!("{origin}: rule {id}: invalid regex: {first}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_compile_with_trivys_ids_and_levels() {
        let set = RuleSet::builtin();
        assert!(set.rules.len() >= 100, "{}", set.rules.len());
        let rule = |id: &str| set.rules.iter().find(|r| r.id == id).expect(id);
        assert_eq!(rule("aws-access-key-id").severity, Severity::Critical);
        assert_eq!(rule("aws-access-key-id").category, "AWS");
        assert_eq!(rule("github-pat").severity, Severity::Critical);
        assert_eq!(rule("private-key").severity, Severity::High);
        assert_eq!(rule("private-key").category, "AsymmetricPrivateKey");
        assert_eq!(rule("slack-web-hook").category, "Slack");
        assert_eq!(rule("gitlab-pat").keywords, ["glpat-"]);
        assert!(set.allow.iter().any(|a| a.id == "tests"));
    }

    fn load(yaml: &str) -> Result<RuleSet> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("trivy-secret.yaml");
        std::fs::write(&path, yaml).expect("write");
        RuleSet::load(Some(&path))
    }

    #[test]
    fn a_user_config_narrows_disables_and_adds_as_trivy() {
        let set = load(
            "enable-builtin-rules: [github-pat, aws-access-key-id]\n\
             disable-rules: [aws-access-key-id]\n\
             disable-allow-rules: [tests]\n\
             rules:\n  - id: internal-token\n    category: Internal\n    title: Internal token\n    severity: high\n    regex: 'itk_[a-z0-9]{16}'\n    keywords: [itk_]\n",
        )
        .expect("loads");
        let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["github-pat", "internal-token"]);
        assert_eq!(set.rules[1].severity, Severity::High);
        assert!(!set.rules[1].builtin);
        assert!(!set.allow.iter().any(|a| a.id == "tests"));
    }

    #[test]
    fn a_missing_config_is_the_builtin_set_and_a_bad_one_names_the_file() {
        let set = RuleSet::load(Some(Path::new("/nonexistent/trivy-secret.yaml"))).expect("ok");
        assert!(set.rules.len() >= 100);
        let err = load("rules:\n  - id: bad\n    regex: '(unclosed'\n")
            .expect_err("bad regex")
            .to_string();
        assert!(
            err.contains("trivy-secret.yaml: rule bad: invalid regex"),
            "{err}"
        );
        let err = load("rules: 3\n").expect_err("bad shape").to_string();
        assert!(err.contains("not a valid secret config"), "{err}");
    }
}
