//! `Pipfile.lock` (Pipenv): JSON with the locked packages under `default`
//! and the development ones under `develop`, each pinned as
//! `"version": "==1.2.3"`.

use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct PipenvAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/Pipfile.lock")];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    default: BTreeMap<String, Entry>,
    #[serde(default)]
    develop: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    version: Option<String>,
}

impl PackageAnalyzer for PipenvAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Pipenv, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let lock: Lock = lockfile::json(path, content)?;
        let mut found = Vec::new();
        for (section, entries, dev) in [
            ("default", &lock.default, false),
            ("develop", &lock.develop, true),
        ] {
            let start = text.find(&format!("\"{section}\"")).unwrap_or(0);
            for (name, entry) in entries {
                // Git and path dependencies carry no version.
                let Some(version) = entry.version.as_deref().and_then(|v| v.strip_prefix("=="))
                else {
                    continue;
                };
                let line = text[start..]
                    .find(&format!("\"{name}\""))
                    .map(|at| line_at(text, start + at));
                let mut p = Package::language(name, version, line);
                p.dev = dev;
                found.push(p);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_develop_sections() {
        let text = r#"{
    "_meta": {"hash": {"sha256": "x"}},
    "default": {
        "requests": {"hashes": [], "version": "==2.31.0"},
        "mylib": {"git": "https://x", "ref": "abc"}
    },
    "develop": {
        "pytest": {"version": "==7.4.0"}
    }
}"#;
        let found = PipenvAnalyzer
            .parse("Pipfile.lock", text.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("requests", "2.31.0", Some(4), false),
                ("pytest", "7.4.0", Some(8), true)
            ]
        );
    }

    #[test]
    fn broken_json_names_file_and_line() {
        let e = PipenvAnalyzer
            .parse("Pipfile.lock", b"{\n\"default\": [")
            .unwrap_err();
        assert!(e.to_string().starts_with("Pipfile.lock: line 2"), "{e}");
    }
}
