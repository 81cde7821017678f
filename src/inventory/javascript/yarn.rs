//! `yarn.lock`, classic (v1, its own format) and berry (v2+, YAML). Both
//! write one block per resolved package: a header line listing the
//! descriptors it satisfies (`lodash@^4.17.0, lodash@^4.17.21:`), then
//! indented fields. Classic writes `version "4.17.21"`; berry writes
//! `version: 4.17.21` and `resolution: "lodash@npm:4.17.21"`, whose protocol
//! tells registry packages from the workspace's own (`workspace:`),
//! patched copies (`patch:`, listed again unpatched) and links. A finding
//! is placed on the block's header line.
//!
//! yarn.lock does not say which packages only development needs: that
//! takes the project's `package.json` beside it. When it is there, a
//! package is development-only when its `dependencies` and
//! `optionalDependencies` do not reach it through the blocks' own
//! `dependencies`, as Trivy works it out; without it every package counts.
//! A workspace root (a `package.json` with `workspaces` globs) adds its
//! members' `dependencies` and `optionalDependencies`, from the
//! `package.json` of each directory the globs match, at any depth (`**`
//! too), as Trivy does. A root whose globs match no member counts every
//! package rather than hide the members' production dependencies.

use super::split_spec;
use crate::inventory::{
    AnalyzerInfo, Beside, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub struct YarnAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/yarn.lock")];

impl PackageAnalyzer for YarnAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Yarn, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let blocks = blocks(path, content)?;
        Ok(blocks.iter().filter_map(|b| b.package(path)).collect())
    }

    fn companions(&self) -> &'static [&'static str] {
        &["package.json", "**/package.json"]
    }

    fn parse_beside(
        &self,
        path: &str,
        content: &[u8],
        beside: &Beside<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let blocks = blocks(path, content)?;
        let manifest: Option<Manifest> = beside.get("package.json").and_then(|bytes| {
            serde_json::from_slice(bytes)
                .inspect_err(|e| {
                    tracing::warn!(
                        "{path}: the package.json beside it is unreadable ({e}): dev dependencies are not told apart"
                    )
                })
                .ok()
        });
        let prod = manifest
            .and_then(|m| with_members(path, m, beside))
            .map(|roots| production(&blocks, &roots));
        Ok(blocks
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let mut p = b.package(path)?;
                p.dev = prod.as_ref().is_some_and(|prod| !prod[i]);
                Some(p)
            })
            .collect())
    }
}

/// The project's `package.json`: its direct dependencies.
#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
    /// The workspace members' globs (a list, or `{"packages": [...]}`).
    workspaces: Option<Workspaces>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Workspaces {
    Globs(Vec<String>),
    Object {
        #[serde(default)]
        packages: Vec<String>,
    },
}

/// The root manifest with its workspace members' production dependencies
/// added; `None` (tell nothing apart) for a workspace root whose globs
/// match no member read.
fn with_members(path: &str, mut root: Manifest, beside: &Beside<'_>) -> Option<Manifest> {
    let globs = match root.workspaces.take() {
        None => return Some(root),
        Some(Workspaces::Globs(g) | Workspaces::Object { packages: g }) => g,
    };
    let mut members = 0;
    for glob in &globs {
        let pattern = format!("{}/package.json", glob.trim_end_matches('/'));
        for (member, bytes) in beside.matching(&pattern) {
            match serde_json::from_slice::<Manifest>(bytes) {
                Ok(m) => {
                    members += 1;
                    root.dependencies.extend(m.dependencies);
                    root.optional.extend(m.optional);
                }
                Err(e) => tracing::warn!(
                    "{path}: workspace member {member} is unreadable ({e}): dev dependencies are not told apart"
                ),
            }
        }
    }
    (members > 0).then_some(root)
}

/// For each block, whether the project's production dependencies reach it.
fn production(blocks: &[Block<'_>], manifest: &Manifest) -> Vec<bool> {
    let mut by_descriptor: HashMap<&str, usize> = HashMap::new();
    for (i, b) in blocks.iter().enumerate() {
        for d in &b.descriptors {
            by_descriptor.insert(d, i);
        }
    }
    let find = |name: &str, range: &str| {
        by_descriptor
            .get(format!("{name}@{range}").as_str())
            .or_else(|| by_descriptor.get(format!("{name}@npm:{range}").as_str()))
            .copied()
    };
    let mut reached = vec![false; blocks.len()];
    let mut todo: Vec<usize> = manifest
        .dependencies
        .iter()
        .chain(&manifest.optional)
        .filter_map(|(n, r)| find(n, r))
        .collect();
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        todo.extend(
            blocks[i]
                .dependencies
                .iter()
                .filter_map(|(n, r)| find(n, r)),
        );
    }
    reached
}

/// The package blocks of a yarn.lock, in file order.
fn blocks<'a>(path: &str, content: &'a [u8]) -> Result<Vec<Block<'a>>, ParseError> {
    let text = std::str::from_utf8(content).map_err(|_| ParseError::new(path, "not UTF-8 text"))?;
    let mut blocks = Vec::new();
    let mut section = "";
    for (i, line) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let Some(header) = line.strip_suffix(':') else {
                return Err(ParseError::new(
                    path,
                    format!("line {line_no}: expected a package header ending in ':'"),
                ));
            };
            if header != "__metadata" {
                blocks.push(Block {
                    descriptors: header
                        .split(", ")
                        .map(|d| d.trim().trim_matches('"'))
                        .collect(),
                    line: line_no,
                    version: None,
                    resolution: None,
                    dependencies: Vec::new(),
                });
            }
            section = "";
            continue;
        }
        let Some(b) = blocks.last_mut() else { continue };
        let field = line.trim_start();
        match line.len() - field.len() {
            2 => {
                if let Some(v) = field
                    .strip_prefix("version ")
                    .or_else(|| field.strip_prefix("version: "))
                {
                    b.version = Some(unquote(v));
                } else if let Some(r) = field.strip_prefix("resolution: ") {
                    b.resolution = Some(unquote(r));
                }
                section = field.strip_suffix(':').unwrap_or("");
            }
            4 if section == "dependencies" || section == "optionalDependencies" => {
                // classic `name "range"`, berry `name: range`.
                let (name, range) = match field.split_once(": ") {
                    Some((n, r)) => (n, r),
                    None => field.split_once(' ').unwrap_or((field, "")),
                };
                b.dependencies.push((unquote(name), unquote(range)));
            }
            _ => {}
        }
    }
    Ok(blocks)
}

/// One package block.
struct Block<'a> {
    /// The descriptors it resolves (`lodash@^4.17.0`, `lodash@npm:^4.17.0`).
    descriptors: Vec<&'a str>,
    line: u32,
    version: Option<&'a str>,
    resolution: Option<&'a str>,
    /// `(name, range)` of its dependencies and optional dependencies.
    dependencies: Vec<(&'a str, &'a str)>,
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
                let (name, range) = split_spec(self.descriptors.first()?)?;
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
    fn the_package_json_beside_tells_dev_dependencies_apart() {
        let lock = r#"# yarn lockfile v1

express@4.17.1:
  version "4.17.1"
  dependencies:
    qs "6.7.0"

jest@^29.0.0:
  version "29.7.0"
  dependencies:
    yargs "^17.0.0"

qs@6.7.0:
  version "6.7.0"

yargs@^17.0.0:
  version "17.7.2"
"#;
        let manifest =
            br#"{"dependencies":{"express":"4.17.1"},"devDependencies":{"jest":"^29.0.0"}}"#;
        let files = BTreeMap::from([("package.json".to_string(), manifest.to_vec())]);
        let beside = Beside::new("yarn.lock", &files);
        let found = YarnAnalyzer
            .parse_beside("yarn.lock", lock.as_bytes(), &beside)
            .unwrap();
        let dev: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.dev)).collect();
        assert_eq!(
            dev,
            vec![
                ("express", false),
                ("jest", true),
                ("qs", false),
                ("yargs", true)
            ]
        );
        // Without it, nothing is called dev.
        let alone = YarnAnalyzer
            .parse_beside("yarn.lock", lock.as_bytes(), &Beside::none())
            .unwrap();
        assert!(alone.iter().all(|p| !p.dev));
        // Berry spells ranges with the npm: protocol.
        let berry = "__metadata:\n  version: 8\n\n\"express@npm:4.17.1\":\n  version: 4.17.1\n  resolution: \"express@npm:4.17.1\"\n  dependencies:\n    qs: \"npm:6.7.0\"\n\n\"qs@npm:6.7.0\":\n  version: 6.7.0\n  resolution: \"qs@npm:6.7.0\"\n\n\"jest@npm:^29.0.0\":\n  version: 29.7.0\n  resolution: \"jest@npm:29.7.0\"\n";
        let found = YarnAnalyzer
            .parse_beside("yarn.lock", berry.as_bytes(), &beside)
            .unwrap();
        let dev: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.dev)).collect();
        assert_eq!(dev, vec![("express", false), ("qs", false), ("jest", true)]);
    }

    /// A workspace root's own package.json lists members, not what they
    /// need: their package.json files do (as Trivy reads them).
    #[test]
    fn workspace_members_dependencies_are_production() {
        let lock = "# yarn lockfile v1\n\nexpress@4.17.1:\n  version \"4.17.1\"\n\njest@^29.0.0:\n  version \"29.7.0\"\n\nlodash@^4.17.0:\n  version \"4.17.21\"\n";
        let dev = |files: &[(&str, &str)]| -> Vec<(String, bool)> {
            let files: BTreeMap<String, Vec<u8>> = files
                .iter()
                .map(|(p, c)| (format!("repo/{p}"), c.as_bytes().to_vec()))
                .collect();
            YarnAnalyzer
                .parse_beside(
                    "repo/yarn.lock",
                    lock.as_bytes(),
                    &Beside::new("repo/yarn.lock", &files),
                )
                .unwrap()
                .into_iter()
                .map(|p| (p.name, p.dev))
                .collect()
        };
        let row = |n: &str, d: bool| (n.to_string(), d);
        for root in [
            r#"{"private":true,"workspaces":["packages/*"],"devDependencies":{"jest":"^29.0.0"}}"#,
            r#"{"private":true,"workspaces":{"packages":["packages/*"]},"devDependencies":{"jest":"^29.0.0"}}"#,
        ] {
            let found = dev(&[
                ("package.json", root),
                (
                    "packages/api/package.json",
                    r#"{"dependencies":{"express":"4.17.1"},"devDependencies":{"jest":"^29.0.0"}}"#,
                ),
                (
                    "packages/web/package.json",
                    r#"{"optionalDependencies":{"lodash":"^4.17.0"}}"#,
                ),
                (
                    "tools/x/package.json",
                    r#"{"dependencies":{"jest":"^29.0.0"}}"#,
                ),
            ]);
            assert_eq!(
                found,
                vec![
                    row("express", false),
                    row("jest", true),
                    row("lodash", false)
                ]
            );
        }
        // Globs that match no member read: nothing is called dev.
        let found = dev(&[(
            "package.json",
            r#"{"workspaces":["libs/**"],"devDependencies":{"jest":"^29.0.0"}}"#,
        )]);
        assert!(found.iter().all(|(_, d)| !d), "{found:?}");
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
