//! Ignore files, so teams moving over from Trivy keep theirs unchanged:
//! `.trivyignore` (one id a line, `#` comments, optional `exp:YYYY-MM-DD`),
//! `.trivyignore.yaml`, and our `.scangateignore.yaml` (the same YAML shape:
//! `vulnerabilities:`, `misconfigurations:`, `secrets:` lists of entries
//! with `id`, `paths`, `purls`, `expired_at`, `statement`).
//!
//! Matching follows Trivy: an entry's id is compared with the finding's id
//! and aliases; `paths` are globs (`*` stays inside one directory, `**`
//! crosses them) matched against the finding's file; `purls` name packages
//! (see [`super::purl_match`]). An entry past its expiry date no longer
//! ignores anything and says so once, when the file is read.

use super::purl_match::Purl;
use super::{Suppression, SuppressionSource, Suppressor};
use crate::error::{Error, Result};
use crate::finding::{Finding, Kind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The files looked for when `--ignorefile` is not given, in order.
pub const DEFAULT_NAMES: [&str; 3] = [".scangateignore.yaml", ".trivyignore.yaml", ".trivyignore"];

/// The default ignore files: every one of [`DEFAULT_NAMES`] that exists in
/// the first of `dirs` (the scanned tree, then the working directory) that
/// holds any. A `.trivyignore` beside a `.trivyignore.yaml` both apply.
pub fn find_defaults(dirs: &[&Path]) -> Vec<PathBuf> {
    dirs.iter()
        .map(|dir| {
            DEFAULT_NAMES
                .iter()
                .map(|name| dir.join(name))
                .filter(|p| p.is_file())
                .collect::<Vec<_>>()
        })
        .find(|found| !found.is_empty())
        .unwrap_or_default()
}

/// The entries of one ignore file that are in force today.
#[derive(Debug)]
pub struct IgnoreFile {
    /// The file as the user named it, for the report's `ignored_by.path`.
    path: String,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// The kind of finding the entry's section is for; `None` (a plain
    /// `.trivyignore` line) applies to every kind, as in Trivy.
    kind: Option<Kind>,
    id: String,
    /// `None`: any file.
    paths: Option<GlobSet>,
    /// Empty: any package.
    purls: Vec<Purl>,
    statement: Option<String>,
}

impl IgnoreFile {
    /// Reads `path`: YAML when it ends in `.yaml`/`.yml`, else the plain
    /// format. `now` is seconds since the Unix epoch (the clock, injected so
    /// that expiry can be tested). A file that is not valid YAML of the
    /// expected shape is a usage error naming the file and line.
    pub fn load(path: &Path, now: i64) -> Result<IgnoreFile> {
        let text = crate::text_file::read(path, "--ignorefile", "ignore file")?;
        let name = path.display().to_string();
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if yaml {
            parse_yaml(&name, &text, now)
        } else {
            Ok(parse_plain(&name, &text, now))
        }
    }
}

impl Suppressor for IgnoreFile {
    fn suppression(&self, finding: &Finding) -> Option<Suppression> {
        let entry = self.entries.iter().find(|e| e.matches(finding))?;
        Some(Suppression {
            source: SuppressionSource::Ignorefile,
            path: self.path.clone(),
            rule: entry.id.clone(),
            statement: entry.statement.clone(),
        })
    }
}

impl Entry {
    fn matches(&self, finding: &Finding) -> bool {
        self.kind.is_none_or(|k| k == finding.kind())
            && finding.ids().any(|id| id == self.id)
            && self
                .paths
                .as_ref()
                .is_none_or(|globs| globs.is_match(finding.location.path()))
            && (self.purls.is_empty() || self.names_package_of(finding))
    }

    /// Whether one of the entry's purls names the finding's package. A
    /// finding without a package (a misconfiguration) is not restricted by
    /// purls, as in Trivy; a package whose purl cannot be read matches none.
    fn names_package_of(&self, finding: &Finding) -> bool {
        match finding.package() {
            None => true,
            Some(p) => Purl::parse(&p.purl)
                .is_some_and(|target| self.purls.iter().any(|pat| pat.matches(&target))),
        }
    }
}

/// Seconds since the epoch at which an entry dated `date` stops ignoring:
/// the start of that day (UTC), as Trivy reads `exp:` and `expired_at`.
/// Full RFC 3339 timestamps are taken as written.
fn expiry(date: &str) -> Option<i64> {
    let date = date.trim();
    crate::vulndb::time::parse_date(date).or_else(|| {
        crate::vulndb::time::parse_rfc3339(date).map(|nanos| nanos.div_euclid(1_000_000_000))
    })
}

/// Whether an entry expiring at `at` is past it; warns when it is.
fn expired(file: &str, line: u64, id: &str, date: &str, at: i64, now: i64) -> bool {
    let past = at < now;
    if past {
        tracing::warn!(
            "{file}:{line}: the ignore entry for {id} expired on {date}; its findings are reported again"
        );
    }
    past
}

/// The plain `.trivyignore` format. A line whose `exp:` is not a date is
/// skipped with a warning (Trivy does the same), so it ignores nothing.
fn parse_plain(file: &str, text: &str, now: i64) -> IgnoreFile {
    let mut entries = Vec::new();
    for (n, line) in (1u64..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(id) = fields.next() else { continue };
        let exp = fields.find_map(|f| f.strip_prefix("exp:"));
        if let Some(date) = exp {
            match expiry(date) {
                None => {
                    tracing::warn!(
                        "{file}:{n}: {date:?} is not a date (exp:YYYY-MM-DD); the line is skipped"
                    );
                    continue;
                }
                Some(at) if expired(file, n, id, date, at, now) => continue,
                Some(_) => {}
            }
        }
        entries.push(Entry {
            kind: None,
            id: id.to_string(),
            paths: None,
            purls: Vec::new(),
            statement: None,
        });
    }
    IgnoreFile {
        path: file.to_string(),
        entries,
    }
}

/// `.trivyignore.yaml` / `.scangateignore.yaml`. Unknown keys (Trivy's
/// `licenses:`) are accepted and unused.
#[derive(Deserialize)]
struct YamlFile {
    #[serde(default)]
    vulnerabilities: Vec<serde_saphyr::Spanned<YamlEntry>>,
    #[serde(default)]
    misconfigurations: Vec<serde_saphyr::Spanned<YamlEntry>>,
    #[serde(default)]
    secrets: Vec<serde_saphyr::Spanned<YamlEntry>>,
}

#[derive(Deserialize)]
struct YamlEntry {
    id: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    purls: Vec<String>,
    expired_at: Option<String>,
    statement: Option<String>,
}

fn parse_yaml(file: &str, text: &str, now: i64) -> Result<IgnoreFile> {
    let parsed: Option<YamlFile> = serde_saphyr::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map_or(String::new(), |l| format!("{}:{}:", l.line(), l.column()));
        Error::Usage(format!(
            "{file}:{at} not a valid ignore file: {}",
            yaml_message(&e.to_string())
        ))
    })?;
    let mut entries = Vec::new();
    if let Some(parsed) = parsed {
        let sections = [
            (Kind::Vulnerability, parsed.vulnerabilities),
            (Kind::Misconfiguration, parsed.misconfigurations),
            (Kind::Secret, parsed.secrets),
        ];
        for (kind, list) in sections {
            for spanned in list {
                let line = spanned.referenced.line();
                if let Some(entry) = yaml_entry(file, line, kind, spanned.value, now) {
                    entries.push(entry);
                }
            }
        }
    }
    Ok(IgnoreFile {
        path: file.to_string(),
        entries,
    })
}

/// The YAML parser's message without its `error: line L column C:` prefix
/// (the location is reported separately) or its source snippet.
fn yaml_message(rendered: &str) -> &str {
    let first = rendered.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.split_once(": ") {
        Some((at, rest)) if at.starts_with("line ") => rest,
        _ => first,
    }
}

/// One YAML entry in force, or `None` when it has expired or a value in it
/// is invalid (warned about: such an entry ignores nothing).
fn yaml_entry(file: &str, line: u64, kind: Kind, raw: YamlEntry, now: i64) -> Option<Entry> {
    let id = raw.id.trim().to_string();
    let skip = |what: String| {
        tracing::warn!("{file}:{line}: {what}; the entry for {id} is skipped");
    };
    if let Some(date) = &raw.expired_at {
        match expiry(date) {
            None => {
                skip(format!("expired_at {date:?} is not a date (YYYY-MM-DD)"));
                return None;
            }
            Some(at) if expired(file, line, &id, date, at, now) => return None,
            Some(_) => {}
        }
    }
    let paths = if raw.paths.is_empty() {
        None
    } else {
        let mut set = GlobSetBuilder::new();
        for pattern in &raw.paths {
            match GlobBuilder::new(pattern).literal_separator(true).build() {
                Ok(glob) => {
                    set.add(glob);
                }
                Err(e) => {
                    skip(format!(
                        "path {pattern:?} is not a valid glob ({})",
                        e.kind()
                    ));
                    return None;
                }
            }
        }
        match set.build() {
            Ok(set) => Some(set),
            Err(e) => {
                skip(format!("the paths cannot be used ({e})"));
                return None;
            }
        }
    };
    let mut purls = Vec::new();
    for text in &raw.purls {
        match Purl::parse(text) {
            Some(p) => purls.push(p),
            None => {
                skip(format!("{text:?} is not a package URL"));
                return None;
            }
        }
    }
    Some(Entry {
        kind: Some(kind),
        id,
        paths,
        purls,
        statement: raw.statement.filter(|s| !s.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::severity::Severity;
    use crate::policy::tests::{misconfig, vuln};

    /// 2024-06-15T12:00:00Z.
    const NOW: i64 = 1_718_452_800;

    fn ssl(id: &str) -> Finding {
        vuln(id, Severity::High, "libssl3", Some("3.0.13-1"))
    }

    fn rule(file: &IgnoreFile, f: &Finding) -> Option<String> {
        file.suppression(f).map(|s| s.rule)
    }

    #[test]
    fn plain_lists_ids_with_comments_and_expiry() {
        let file = parse_plain(
            ".trivyignore",
            "# accepted risks\n\nCVE-1\n  CVE-2 exp:2024-06-16  \nCVE-3 exp:2024-06-15\nCVE-4 exp:tomorrow\nGHSA-5 # reason\n",
            NOW,
        );
        assert_eq!(rule(&file, &ssl("CVE-1")).as_deref(), Some("CVE-1"));
        assert_eq!(rule(&file, &ssl("CVE-2")).as_deref(), Some("CVE-2"));
        // Expired at the start of its day, as in Trivy.
        assert_eq!(rule(&file, &ssl("CVE-3")), None);
        // An unreadable date ignores nothing.
        assert_eq!(rule(&file, &ssl("CVE-4")), None);
        assert_eq!(rule(&file, &ssl("CVE-6")), None);
        let s = file.suppression(&ssl("CVE-1")).expect("ignored");
        assert_eq!(s.source, SuppressionSource::Ignorefile);
        assert_eq!(s.path, ".trivyignore");
        assert_eq!(s.statement, None);
    }

    #[test]
    fn plain_ids_match_aliases_and_every_kind() {
        let file = parse_plain(".trivyignore", "GHSA-5\nDS002\n", NOW);
        let mut f = ssl("CVE-5");
        f.aliases = vec!["DEBIAN-CVE-5".into(), "GHSA-5".into()];
        assert_eq!(rule(&file, &f).as_deref(), Some("GHSA-5"));
        assert_eq!(
            rule(&file, &misconfig("DS002", "Dockerfile")).as_deref(),
            Some("DS002")
        );
    }

    const YAML: &str = r#"
vulnerabilities:
  - id: CVE-1
    statement: not reachable from our code
  - id: CVE-2
    paths:
      - "var/lib/dpkg/**"
  - id: CVE-3
    paths: ["usr/lib/*"]
  - id: CVE-4
    purls:
      - pkg:deb/debian/libssl3
  - id: CVE-5
    purls:
      - pkg:deb/debian/libssl3@9.9-9
  - id: CVE-6
    expired_at: 2024-06-01
  - id: CVE-7
    expired_at: 2999-01-01
  - id: CVE-8
    purls: ["not a purl"]
misconfigurations:
  - id: DS002
    paths: ["docker/*"]
secrets:
  - id: aws-access-key-id
licenses:
  - id: GPL-3.0
"#;

    #[test]
    fn yaml_entries_match_by_id_path_purl_and_expiry() {
        let file = parse_yaml(".trivyignore.yaml", YAML, NOW).expect("parses");
        let s = file.suppression(&ssl("CVE-1")).expect("CVE-1 ignored");
        assert_eq!(s.statement.as_deref(), Some("not reachable from our code"));
        assert_eq!(rule(&file, &ssl("CVE-2")).as_deref(), Some("CVE-2"));
        assert_eq!(rule(&file, &ssl("CVE-3")), None, "other path");
        assert_eq!(rule(&file, &ssl("CVE-4")).as_deref(), Some("CVE-4"));
        assert_eq!(
            rule(&file, &vuln("CVE-4", Severity::Low, "curl", None)),
            None,
            "other package"
        );
        assert_eq!(rule(&file, &ssl("CVE-5")), None, "other version");
        assert_eq!(rule(&file, &ssl("CVE-6")), None, "expired");
        assert_eq!(rule(&file, &ssl("CVE-7")).as_deref(), Some("CVE-7"));
        assert_eq!(rule(&file, &ssl("CVE-8")), None, "bad purl: skipped");
    }

    #[test]
    fn yaml_sections_apply_to_their_kind_only() {
        let file = parse_yaml(".scangateignore.yaml", YAML, NOW).expect("parses");
        assert_eq!(
            rule(&file, &misconfig("DS002", "docker/Dockerfile")).as_deref(),
            Some("DS002")
        );
        assert_eq!(rule(&file, &misconfig("DS002", "Dockerfile")), None);
        // A misconfiguration section does not ignore a vulnerability.
        assert_eq!(rule(&file, &ssl("DS002")), None);
        // `*` stays inside one directory.
        assert_eq!(
            rule(&file, &misconfig("DS002", "docker/a/Dockerfile")),
            None
        );
    }

    #[test]
    fn empty_yaml_ignores_nothing() {
        for text in ["", "# nothing yet\n", "vulnerabilities: []\n"] {
            let file = parse_yaml(".trivyignore.yaml", text, NOW).expect("parses");
            assert!(file.entries.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn malformed_yaml_is_a_usage_error_naming_file_and_line() {
        for (text, line) in [
            (
                "vulnerabilities:\n  - id: CVE-1\n  - statement: no id\n",
                ":3:",
            ),
            ("vulnerabilities:\n  - id: [unclosed\n", ":"),
            ("vulnerabilities: CVE-1\n", ":1:"),
        ] {
            let err = parse_yaml("ignore.yaml", text, NOW).expect_err(text);
            assert!(matches!(err, Error::Usage(_)), "{err:?}");
            let msg = err.to_string();
            assert!(msg.starts_with("ignore.yaml:"), "{msg}");
            assert!(msg.contains(line), "{text:?}: {msg}");
            assert_eq!(msg.lines().count(), 1, "{msg}");
        }
        let err = parse_yaml("i.yaml", "secrets:\n  - statement: no id\n", NOW).expect_err("no id");
        assert_eq!(
            err.to_string(),
            "i.yaml:2:5: not a valid ignore file: missing field `id`"
        );
    }

    #[test]
    fn default_lookup_takes_every_name_in_the_first_directory_holding_one() {
        let tree = tempfile::tempdir().expect("tempdir");
        let cwd = tempfile::tempdir().expect("tempdir");
        let dirs = [tree.path(), cwd.path()];
        assert!(find_defaults(&dirs).is_empty());
        std::fs::write(cwd.path().join(".scangateignore.yaml"), "").expect("write");
        assert_eq!(
            find_defaults(&dirs),
            [cwd.path().join(".scangateignore.yaml")]
        );
        std::fs::write(tree.path().join(".trivyignore"), "").expect("write");
        assert_eq!(find_defaults(&dirs), [tree.path().join(".trivyignore")]);
        std::fs::write(tree.path().join(".trivyignore.yaml"), "").expect("write");
        assert_eq!(
            find_defaults(&dirs),
            [
                tree.path().join(".trivyignore.yaml"),
                tree.path().join(".trivyignore")
            ]
        );
    }
}
