//! `bun.lock`, Bun's text lockfile (Bun 1.2+): JSON with trailing commas.
//! `packages` maps an install path (`lodash`, `express/qs` for a copy
//! nested under express) to `["name@version", registry, {dependencies…},
//! integrity]`; `workspaces` lists each project's `dependencies`,
//! `devDependencies` and `optionalDependencies`. A package is
//! development-only when no workspace reaches it through normal or
//! optional dependencies (resolved as Node does: the nearest nested copy
//! first). Workspace, link, file and git packages are left out.

use super::split_spec;
use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub struct BunAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/bun.lock")];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    workspaces: BTreeMap<String, Workspace>,
    #[serde(default)]
    packages: BTreeMap<String, Vec<serde_json::Value>>,
}

#[derive(Deserialize, Default)]
struct Workspace {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

impl PackageAnalyzer for BunAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Bun, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let json = without_trailing_commas(text);
        let lock: Lock = lockfile::json(path, json.as_bytes())?;
        let prod = production(&lock);
        let section = text.find("\"packages\"").unwrap_or(0);
        let mut found = Vec::new();
        for (key, entry) in &lock.packages {
            let Some(spec) = entry.first().and_then(|v| v.as_str()) else {
                continue;
            };
            let Some((name, version)) = split_spec(spec) else {
                continue;
            };
            if !version.starts_with(|c: char| c.is_ascii_digit()) || version.contains([':', '/']) {
                continue;
            }
            let line = text[section..]
                .find(&format!("\"{key}\": ["))
                .map(|at| line_at(text, section + at));
            let mut p = Package::language(name, version, line);
            p.dev = !prod.contains(key.as_str());
            found.push(p);
        }
        Ok(found)
    }
}

/// The install paths reachable from the workspaces' production and
/// optional dependencies.
fn production(lock: &Lock) -> BTreeSet<&str> {
    let mut todo: Vec<(String, &str)> = Vec::new();
    for ws in lock.workspaces.values() {
        for name in ws.dependencies.keys().chain(ws.optional.keys()) {
            todo.push((String::new(), name));
        }
    }
    let mut seen = BTreeSet::new();
    while let Some((from, name)) = todo.pop() {
        let Some(key) = resolve(lock, &from, name) else {
            continue;
        };
        if !seen.insert(key) {
            continue;
        }
        let deps = lock.packages[key].get(2).and_then(|m| m.as_object());
        for field in ["dependencies", "optionalDependencies"] {
            if let Some(map) = deps.and_then(|d| d.get(field)).and_then(|m| m.as_object()) {
                for dep in map.keys() {
                    todo.push((key.to_string(), dep));
                }
            }
        }
    }
    seen
}

/// Node's lookup: `from/name`, then each enclosing path's, then `name`.
fn resolve<'a>(lock: &'a Lock, from: &str, name: &str) -> Option<&'a str> {
    let mut scope = package_names(from);
    loop {
        let mut key = scope.join("/");
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str(name);
        if let Some((k, _)) = lock.packages.get_key_value(&key) {
            return Some(k);
        }
        scope.pop()?;
    }
}

/// The package names an install path is made of (`a/@s/b/c` → `a`,
/// `@s/b`, `c`).
fn package_names(path: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut scope: Option<&str> = None;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        match scope.take() {
            Some(s) => names.push(format!("{s}/{part}")),
            None if part.starts_with('@') => scope = Some(part),
            None => names.push(part.to_string()),
        }
    }
    names
}

/// JSON with the trailing commas before `}` or `]` removed (outside
/// strings), which is all that separates bun.lock from JSON.
fn without_trailing_commas(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = bytes[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b'}' | b']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_lines_and_dev_dependencies() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": {
        "express": "^4.18.0",
      },
      "devDependencies": {
        "typescript": "^5.0.0",
      },
    },
  },
  "packages": {
    "express": ["express@4.18.2", "", { "dependencies": { "qs": "6.11.0" } }, "sha512-a"],

    "express/qs": ["qs@6.11.0", "", {}, "sha512-b"],

    "qs": ["qs@6.13.0", "", {}, "sha512-c"],

    "typescript": ["typescript@5.4.5", "", { "bin": { "tsc": "bin/tsc" } }, "sha512-d"],

    "local": ["local@workspace:packages/local"],
  }
}
"#;
        let found = BunAnalyzer.parse("bun.lock", text.as_bytes()).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("express", "4.18.2", Some(15), false),
                ("qs", "6.11.0", Some(17), false),
                ("qs", "6.13.0", Some(19), true),
                ("typescript", "5.4.5", Some(21), true),
            ]
        );
    }

    #[test]
    fn install_paths_split_into_package_names() {
        assert_eq!(package_names("a/@s/b/c"), vec!["a", "@s/b", "c"]);
        assert!(package_names("").is_empty());
    }

    #[test]
    fn trailing_commas_only_outside_strings() {
        assert_eq!(
            without_trailing_commas(r#"{"a": [1,2,], "b": ",}",}"#),
            r#"{"a": [1,2], "b": ",}"}"#
        );
    }
}
