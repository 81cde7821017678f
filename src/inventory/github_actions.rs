//! GitHub Actions workflows (`.github/workflows/*.yml|yaml`) as a package
//! list: each `uses: owner/repo[/path]@ref` of a job or step is the action
//! `owner/repo` at the version `ref` names, matched in OSV's "GitHub
//! Actions" ecosystem as zizmor's `known-vulnerable-actions` audit does.
//! The finding is placed on the `uses:` line.
//!
//! The version is the tag when `ref` is one (`v4`, `v4.1.7`); for a ref
//! pinned to a commit SHA, the tag named in the line's trailing comment
//! (`@8f4b… # v4.1.7`, as Dependabot and pinning tools write it), else the
//! SHA itself, which the scan resolves to its tag through GitHub's API
//! before matching (`action_tags.rs`). A branch names no version: nothing
//! is looked up. Local actions (`./…`) and `docker://` images are not
//! GitHub Actions packages.
//!
//! The file is read line by line (the YAML tree of the config checks sits
//! above the inventory): a `uses:` key, as a mapping key or a list item's
//! first key, outside block scalars (`run: |` scripts), quoted or not.

use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use crate::version::github_actions::is_version_tag;

pub struct GithubActionsAnalyzer;

static WANTS: &[Want] = &[
    Want::Glob("**/.github/workflows/*.yml"),
    Want::Glob("**/.github/workflows/*.yaml"),
];

impl PackageAnalyzer for GithubActionsAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::GithubActions, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text =
            std::str::from_utf8(content).map_err(|_| ParseError::new(path, "not UTF-8 text"))?;
        let mut out = Vec::new();
        // The indentation of the key whose block scalar is being skipped.
        let mut block: Option<usize> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if let Some(key_indent) = block {
                if trimmed.is_empty() || indent > key_indent {
                    continue;
                }
                block = None;
            }
            let item = trimmed.strip_prefix("- ").map_or(trimmed, str::trim_start);
            let value = line_value(item);
            if value.starts_with(['|', '>']) {
                // The key's own column: a list item's key sits after `- `.
                block = Some(indent + trimmed.len() - item.len());
                continue;
            }
            let Some(uses) = item.strip_prefix("uses:") else {
                continue;
            };
            let uses = uses.split(" #").next().unwrap_or("").trim();
            let uses = uses.trim_matches(|c| c == '"' || c == '\'');
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if let Some((name, version)) = action(uses, line) {
                out.push(Package::language(&name, &version, Some(number)));
            }
        }
        Ok(out)
    }
}

/// The value part of a `key: value` line, without a trailing comment.
fn line_value(item: &str) -> &str {
    item.split_once(": ")
        .map_or("", |(_, v)| v.split(" #").next().unwrap_or("").trim())
}

/// The action and version a `uses:` value names, with the text of its line
/// for a trailing `# vX.Y.Z` comment.
fn action(uses: &str, line: &str) -> Option<(String, String)> {
    if uses.starts_with("./") || uses.starts_with("docker://") {
        return None;
    }
    let (target, reference) = uses.split_once('@')?;
    let mut parts = target.split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    if owner.is_empty() || repo.is_empty() {
        return None;
    }
    let version = if is_version_tag(reference) {
        reference.to_string()
    } else if super::action_tags::is_commit(reference) {
        commented_tag(line).unwrap_or_else(|| reference.to_ascii_lowercase())
    } else {
        return None;
    };
    Some((format!("{owner}/{repo}"), version))
}

/// The version tag in a line's trailing comment: `# v4.1.7`,
/// `# tag=v4.1.7`, `# pin@v4.1.7`.
fn commented_tag(line: &str) -> Option<String> {
    let (_, comment) = line.split_once(" #")?;
    comment
        .split(|c: char| c.is_whitespace() || c == '=' || c == '@' || c == ',')
        .find(|word| is_version_tag(word))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_lines_become_actions_at_their_tags() {
        let workflow = "on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67 # v45.0.7
      - uses: github/codeql-action/init@v3.25.1
      - uses: some/action@main
      - uses: other/action@8f4b7f84864484a7bf31766abe9204da3cbe65b3
      - uses: ./local
      - uses: docker://alpine:3
      - run: |
          echo uses: fake/action@v1
        shell: bash
      - name: quoted
        uses: 'quoted/action@v2.0.0'
  call:
    uses: org/workflows/.github/workflows/ci.yml@v1.2
";
        let found: Vec<(String, String, Option<u32>)> = GithubActionsAnalyzer
            .parse(".github/workflows/ci.yml", workflow.as_bytes())
            .expect("parses")
            .into_iter()
            .map(|p| (p.name, p.version, p.line))
            .collect();
        let want = |n: &str, v: &str, l: u32| (n.to_string(), v.to_string(), Some(l));
        assert_eq!(
            found,
            vec![
                want("actions/checkout", "v4", 6),
                want("tj-actions/changed-files", "v45.0.7", 7),
                want("github/codeql-action", "v3.25.1", 8),
                want(
                    "other/action",
                    "8f4b7f84864484a7bf31766abe9204da3cbe65b3",
                    10
                ),
                want("quoted/action", "v2.0.0", 17),
                want("org/workflows", "v1.2", 19),
            ]
        );
    }

    #[test]
    fn binary_content_is_an_error_naming_the_file() {
        let err = GithubActionsAnalyzer
            .parse(".github/workflows/x.yml", b"jobs:\xff\n")
            .expect_err("not text");
        assert!(err.to_string().contains(".github/workflows/x.yml"), "{err}");
    }
}
