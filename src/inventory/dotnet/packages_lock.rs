//! NuGet's `packages.lock.json`: `dependencies` maps each target framework
//! to the packages resolved for it, `"Id": {"type": "Direct" |
//! "Transitive" | "CentralTransitive" | "Project", "resolved": "1.2.3"}`.
//! Project references are the solution's own code, not packages. A package
//! resolved for several frameworks is one package per version; a finding
//! is placed on the line of its first entry.

use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub struct PackagesLockAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/packages.lock.json")];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, Locked>>,
}

#[derive(Deserialize)]
struct Locked {
    #[serde(rename = "type", default)]
    kind: String,
    resolved: Option<String>,
}

impl PackageAnalyzer for PackagesLockAnalyzer {
    /// Read everywhere, as Trivy does: a publish step may leave it in an
    /// image, and there it still says what was restored.
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Nuget, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let lock: Lock = lockfile::json(path, content)?;
        let mut seen = BTreeSet::new();
        let mut found = Vec::new();
        for (framework, packages) in &lock.dependencies {
            let start = text.find(&format!("\"{framework}\"")).unwrap_or(0);
            for (name, p) in packages {
                if p.kind.eq_ignore_ascii_case("project") {
                    continue;
                }
                let Some(version) = p.resolved.as_deref().filter(|v| !v.is_empty()) else {
                    continue;
                };
                if !seen.insert((name.to_ascii_lowercase(), version.to_string())) {
                    continue;
                }
                let line = text
                    .get(start..)
                    .and_then(|rest| rest.find(&format!("\"{name}\":")))
                    .map(|at| line_at(text, start + at));
                found.push(Package::language(name, version, line));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped as `dotnet restore --use-lock-file` (SDK 8) writes it.
    const LOCK: &str = r#"{
  "version": 1,
  "dependencies": {
    "net6.0": {
      "Newtonsoft.Json": {
        "type": "Direct",
        "requested": "[12.0.3, )",
        "resolved": "12.0.3",
        "contentHash": "6mgjfnRB4jKMlzHSl+VD+oUc1IebOZabkbyWj2RiTgWwYPPuaK1H97G1sHqGwPlS5npiF5Q0OrxN1wni2n5QWg=="
      },
      "System.Text.Json": {
        "type": "Transitive",
        "resolved": "4.7.2",
        "contentHash": "TcMd95wcrubm9nHvJEQs70rC0H/8omiSGGpU4FQ/ZA1URIqD4pjmFJh2Mfv1yH1eHgJDWTi2hMDXwTET+zOOyg=="
      },
      "mylib": {
        "type": "Project",
        "dependencies": {}
      }
    },
    "net8.0": {
      "Newtonsoft.Json": {
        "type": "Direct",
        "requested": "[12.0.3, )",
        "resolved": "12.0.3"
      }
    }
  }
}
"#;

    #[test]
    fn resolved_packages_once_each_with_their_lines() {
        let found = PackagesLockAnalyzer
            .parse("src/App/packages.lock.json", LOCK.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Newtonsoft.Json", "12.0.3", Some(5)),
                ("System.Text.Json", "4.7.2", Some(11))
            ]
        );
    }

    #[test]
    fn malformed_json_is_one_error_naming_the_file() {
        let e = PackagesLockAnalyzer
            .parse(
                "packages.lock.json",
                b"{\"dependencies\": {\"net6.0\": [1]}}",
            )
            .unwrap_err();
        assert!(
            e.to_string().starts_with("packages.lock.json: line 1"),
            "{e}"
        );
    }
}
