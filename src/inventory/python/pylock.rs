//! `pylock.toml` and `pylock.NAME.toml` (PEP 751, the standard lock file):
//! TOML with one `[[packages]]` table per locked package. A package
//! without a `version` (a source tree or VCS checkout) cannot be matched
//! and is left out.

use crate::inventory::lockfile::{locked, toml_file};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;

pub struct PylockAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/pylock.toml"), Want::Glob("**/pylock.*.toml")];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<Locked>,
}

#[derive(Deserialize)]
struct Locked {
    name: toml::Spanned<String>,
    version: Option<String>,
}

impl PackageAnalyzer for PylockAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Pylock, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let lock: Lock = toml_file(path, content)?;
        let text = String::from_utf8_lossy(content);
        Ok(lock
            .packages
            .iter()
            .filter_map(|p| Some(locked(&text, &p.name, p.version.as_deref()?, false)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_packages_with_lines() {
        let text = r#"lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "attrs"
version = "25.1.0"
index = "https://pypi.org/simple"
wheels = [{ url = "https://x/attrs.whl", hashes = { sha256 = "ab" } }]

[[packages]]
name = "local"
directory = { path = "." }
"#;
        let found = PylockAnalyzer
            .parse("pylock.toml", text.as_bytes())
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name.as_str(), found[0].line), ("attrs", Some(5)));
    }
}
