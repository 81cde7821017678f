//! `uv.lock`: TOML, one `[[package]]` per locked package, the workspace's
//! own projects among them (`source = { editable = "." }` or
//! `{ virtual = "." }`). Those are the project being scanned, not its
//! dependencies, and are left out. A package is a development dependency
//! when it is reachable from the workspace only through a project's
//! `[package.dev-dependencies]` (uv records no flag for it), as Trivy works
//! it out.

use crate::inventory::lockfile::{locked, toml_file};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub struct UvAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/uv.lock")];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Locked>,
}

#[derive(Deserialize)]
struct Locked {
    name: toml::Spanned<String>,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<Dep>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<Dep>>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
}

impl Locked {
    fn is_workspace_member(&self) -> bool {
        self.source.contains_key("editable") || self.source.contains_key("virtual")
    }
}

impl PackageAnalyzer for UvAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Uv, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let lock: Lock = toml_file(path, content)?;
        let text = String::from_utf8_lossy(content);
        let prod = production(&lock.package);
        Ok(lock
            .package
            .iter()
            .filter(|p| !p.is_workspace_member())
            .filter_map(|p| {
                let version = p.version.as_deref()?;
                let dev = prod
                    .as_ref()
                    .is_some_and(|prod| !prod.contains(p.name.get_ref()));
                Some(locked(&text, &p.name, version, dev))
            })
            .collect())
    }
}

/// Names reachable from the workspace members through normal and optional
/// dependencies; `None` when the lock has no member to start from (then
/// nothing is called development-only).
fn production(packages: &[Locked]) -> Option<BTreeSet<String>> {
    let by_name: BTreeMap<&str, &Locked> = packages
        .iter()
        .map(|p| (p.name.get_ref().as_str(), p))
        .collect();
    let mut todo: Vec<&Locked> = packages
        .iter()
        .filter(|p| p.is_workspace_member())
        .collect();
    if todo.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    while let Some(p) = todo.pop() {
        if !seen.insert(p.name.get_ref().clone()) {
            continue;
        }
        for dep in p.dependencies.iter().chain(p.optional.values().flatten()) {
            if let Some(next) = by_name.get(dep.name.as_str()) {
                todo.push(next);
            }
        }
    }
    Some(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_out_the_project_and_its_dev_only_dependencies() {
        let text = r#"version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "requests" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "certifi" },
]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "certifi" },
]
"#;
        let found = UvAnalyzer.parse("uv.lock", text.as_bytes()).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("certifi", "2024.8.30", Some(18), false),
                ("pytest", "8.3.3", Some(23), true),
                ("requests", "2.32.3", Some(31), false),
            ]
        );
    }
}
