//! `yarn.lock`, classic (v1, its own format) and berry (v2+, YAML). Both
//! write one block per resolved package: a header line listing the
//! descriptors it satisfies (`lodash@^4.17.0, lodash@^4.17.21:`), then
//! indented fields. Classic writes `version "4.17.21"`; berry writes
//! `version: 4.17.21` and `resolution: "lodash@npm:4.17.21"`, whose protocol
//! tells registry packages from the workspace's own (`workspace:`),
//! patched copies (`patch:`, listed again unpatched) and links. A finding
//! is placed on the block's header line.
//!
//! yarn.lock does not say which packages only development needs (that
//! takes the projects' `package.json`): every package is reported.

use super::split_spec;
use crate::inventory::{Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want};

pub struct YarnAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/yarn.lock")];

impl PackageAnalyzer for YarnAnalyzer {
    fn format(&self) -> PackageFormat {
        PackageFormat::Yarn
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn version(&self) -> u32 {
        1
    }

    fn scope(&self) -> Scope {
        Scope::Trees
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text =
            std::str::from_utf8(content).map_err(|_| ParseError::new(path, "not UTF-8 text"))?;
        let mut found = Vec::new();
        let mut block: Option<Block<'_>> = None;
        for (i, line) in text.lines().enumerate() {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(' ') {
                if let Some(b) = block.take() {
                    found.extend(b.package(path));
                }
                let Some(header) = line.strip_suffix(':') else {
                    return Err(ParseError::new(
                        path,
                        format!("line {line_no}: expected a package header ending in ':'"),
                    ));
                };
                if header != "__metadata" {
                    block = Some(Block {
                        header,
                        line: line_no,
                        version: None,
                        resolution: None,
                    });
                }
                continue;
            }
            let Some(b) = block.as_mut() else { continue };
            let field = line.trim_start();
            // Only the block's own fields, not nested `dependencies` entries.
            if line.len() - field.len() != 2 {
                continue;
            }
            if let Some(v) = field
                .strip_prefix("version ")
                .or_else(|| field.strip_prefix("version: "))
            {
                b.version = Some(unquote(v));
            } else if let Some(r) = field.strip_prefix("resolution: ") {
                b.resolution = Some(unquote(r));
            }
        }
        if let Some(b) = block {
            found.extend(b.package(path));
        }
        Ok(found)
    }
}

/// One package block while it is read.
struct Block<'a> {
    header: &'a str,
    line: u32,
    version: Option<&'a str>,
    resolution: Option<&'a str>,
}

impl Block<'_> {
    fn package(&self, path: &str) -> Option<Package> {
        let version = self.version?;
        let name = match self.resolution {
            // berry: only registry packages; the name as resolved (aliases).
            Some(resolution) => {
                let (name, target) = split_spec(resolution)?;
                if !target.starts_with("npm:") {
                    return None;
                }
                name
            }
            None => {
                let first = unquote(self.header.split(", ").next()?);
                let (name, range) = split_spec(first)?;
                // An alias `foo@npm:bar@^1` installs `bar`.
                match range.strip_prefix("npm:").and_then(split_spec) {
                    Some((real, _)) => real,
                    None => name,
                }
            }
        };
        if name.is_empty() {
            tracing::warn!("{path}: line {}: a package block without a name", self.line);
            return None;
        }
        Some(Package::language(name, version, Some(self.line)))
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn got(text: &str) -> Vec<(String, String, Option<u32>)> {
        YarnAnalyzer
            .parse("yarn.lock", text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.version, p.line))
            .collect()
    }

    fn row(n: &str, v: &str, line: u32) -> (String, String, Option<u32>) {
        (n.into(), v.into(), Some(line))
    }

    #[test]
    fn classic() {
        let text = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz"
  dependencies:
    "@babel/highlight" "^7.12.13"

lodash@^4.17.21:
  version "4.17.21"

old-lodash@npm:lodash@^3.0.0:
  version "3.10.1"
"#;
        assert_eq!(
            got(text),
            vec![
                row("@babel/code-frame", "7.12.13", 5),
                row("lodash", "4.17.21", 11),
                row("lodash", "3.10.1", 14),
            ]
        );
    }

    #[test]
    fn berry() {
        let text = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"@babel/code-frame@npm:^7.0.0, @babel/code-frame@npm:^7.10.4":
  version: 7.12.13
  resolution: "@babel/code-frame@npm:7.12.13"
  dependencies:
    "@babel/highlight": "npm:^7.12.13"
    version: "npm:1"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  languageName: unknown
  linkType: soft

"resolve@patch:resolve@npm%3A^1.22.0#optional!builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
"#;
        assert_eq!(got(text), vec![row("@babel/code-frame", "7.12.13", 7)]);
    }

    #[test]
    fn garbage_is_an_error_naming_the_line() {
        let e = YarnAnalyzer
            .parse("yarn.lock", b"# x\nnot a header\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "yarn.lock: line 2: expected a package header ending in ':'"
        );
    }
}
