//! `*.deps.json`: the dependency manifest of a built .NET application.
//! `libraries` lists every library as `"Name/Version": {"type": …}`; only
//! `type: package` entries are NuGet packages (`project` entries are the
//! application's own projects). As Trivy does, when the runtime target's
//! `targets` section is there, a package it lists with no `runtime`,
//! `runtimeTargets` or `native` assets is left out: it is needed to build
//! (analyzers, reference assemblies), never loaded. A finding is placed on
//! the library's line in `libraries`.

use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct DepsJsonAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/*.deps.json")];

#[derive(Deserialize)]
struct Deps {
    #[serde(default, rename = "runtimeTarget")]
    runtime_target: RuntimeTarget,
    #[serde(default)]
    targets: BTreeMap<String, BTreeMap<String, TargetLib>>,
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize, Default)]
struct RuntimeTarget {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct TargetLib {
    runtime: Option<serde_json::Value>,
    #[serde(rename = "runtimeTargets")]
    runtime_targets: Option<serde_json::Value>,
    native: Option<serde_json::Value>,
}

impl TargetLib {
    /// Any `runtime`, `runtimeTargets` or `native` member that is not
    /// `null`, even `{}` (Trivy's test).
    fn has_assets(&self) -> bool {
        [&self.runtime, &self.runtime_targets, &self.native]
            .iter()
            .any(|v| !matches!(v, None | Some(serde_json::Value::Null)))
    }
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type", default)]
    kind: String,
}

impl PackageAnalyzer for DepsJsonAnalyzer {
    /// A built application is what runs, in images and trees alike (Trivy
    /// reads these everywhere).
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::DotnetCore, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let deps: Deps = lockfile::json(path, content)?;
        let target = deps.targets.get(&deps.runtime_target.name);
        let libraries_at = text.find("\"libraries\"").unwrap_or(0);
        let mut found = Vec::new();
        for (key, lib) in &deps.libraries {
            if !lib.kind.eq_ignore_ascii_case("package") {
                continue;
            }
            let Some((name, version)) = key.split_once('/') else {
                tracing::warn!("{path}: library {key:?} is not Name/Version; skipped");
                continue;
            };
            if target
                .and_then(|t| t.get(key))
                .is_some_and(|t| !t.has_assets())
            {
                continue;
            }
            let line = text
                .get(libraries_at..)
                .and_then(|rest| rest.find(&format!("\"{key}\"")))
                .map(|at| line_at(text, libraries_at + at));
            found.push(Package::language(name, version, line));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped as `dotnet publish` (SDK 8) writes it.
    const DEPS: &str = r#"{
  "runtimeTarget": {
    "name": ".NETCoreApp,Version=v8.0",
    "signature": ""
  },
  "compilationOptions": {},
  "targets": {
    ".NETCoreApp,Version=v8.0": {
      "WebApp/1.0.0": {
        "dependencies": {
          "Newtonsoft.Json": "13.0.1",
          "Microsoft.CodeAnalysis.Analyzers": "3.3.4"
        },
        "runtime": {
          "WebApp.dll": {}
        }
      },
      "Newtonsoft.Json/13.0.1": {
        "runtime": {
          "lib/net6.0/Newtonsoft.Json.dll": {
            "assemblyVersion": "13.0.0.0",
            "fileVersion": "13.0.1.25517"
          }
        }
      },
      "Microsoft.CodeAnalysis.Analyzers/3.3.4": {},
      "System.Text.Encodings.Web/4.5.0": {
        "runtime": {
          "lib/netstandard2.0/System.Text.Encodings.Web.dll": {}
        }
      }
    }
  },
  "libraries": {
    "WebApp/1.0.0": {
      "type": "project",
      "serviceable": false,
      "sha512": ""
    },
    "Microsoft.CodeAnalysis.Analyzers/3.3.4": {
      "type": "package",
      "serviceable": true,
      "sha512": "sha512-AxkxcPR+rheX0SmvpLVIGLhOUXAKG56a64kV9VQZ4y9gR9ZmPXnqZvHJnmwLSwzrEP6junUF11vuc+aqo5r68g==",
      "path": "microsoft.codeanalysis.analyzers/3.3.4",
      "hashPath": "microsoft.codeanalysis.analyzers.3.3.4.nupkg.sha512"
    },
    "Newtonsoft.Json/13.0.1": {
      "type": "package",
      "serviceable": true,
      "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==",
      "path": "newtonsoft.json/13.0.1",
      "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"
    },
    "System.Text.Encodings.Web/4.5.0": {
      "type": "package",
      "serviceable": true,
      "sha512": "",
      "path": "system.text.encodings.web/4.5.0",
      "hashPath": "system.text.encodings.web.4.5.0.nupkg.sha512"
    }
  }
}
"#;

    #[test]
    fn runtime_packages_with_their_lines() {
        let found = DepsJsonAnalyzer
            .parse("app/WebApp.deps.json", DEPS.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Newtonsoft.Json", "13.0.1", Some(47)),
                ("System.Text.Encodings.Web", "4.5.0", Some(54)),
            ]
        );
    }

    #[test]
    fn without_the_runtime_target_every_package_counts() {
        let deps =
            r#"{"libraries": {"A/1.0.0": {"type": "package"}, "B/2.0.0": {"type": "reference"}}}"#;
        let found = DepsJsonAnalyzer
            .parse("x.deps.json", deps.as_bytes())
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name.as_str(), found[0].line), ("A", Some(1)));
    }

    #[test]
    fn malformed_json_is_one_error_naming_the_file() {
        let e = DepsJsonAnalyzer
            .parse("bin/x.deps.json", b"{\"libraries\": [}")
            .unwrap_err();
        assert!(e.to_string().starts_with("bin/x.deps.json: line 1"), "{e}");
    }
}
