//! npm's `package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1
//! to 3. Versions 2 and 3 list every installed package under `packages`,
//! keyed by its install path (`node_modules/a/node_modules/b`); version 1
//! nests `dependencies` inside each other. The root project (key `""`),
//! workspace links (`link: true`, whose target is listed on its own) and
//! packages without a registry version (git, file) are left out;
//! `dev: true` marks development-only packages, as npm writes it.

use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct NpmLockAnalyzer;

static WANTS: &[Want] = &[
    Want::Glob("**/package-lock.json"),
    Want::Glob("**/npm-shrinkwrap.json"),
];

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: BTreeMap<String, V2Package>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Dependency>,
}

#[derive(Deserialize)]
struct V2Package {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
}

#[derive(Deserialize)]
struct V1Dependency {
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Dependency>,
}

impl PackageAnalyzer for NpmLockAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Npm, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let lock: Lock = lockfile::json(path, content)?;
        let mut found = Vec::new();
        if !lock.packages.is_empty() {
            for (key, p) in &lock.packages {
                let Some(installed) = install_name(key) else {
                    continue;
                };
                if p.link {
                    continue;
                }
                let Some(version) = p.version.as_deref().filter(|v| is_registry_version(v)) else {
                    continue;
                };
                // An alias (`"node_modules/foo": {"name": "bar"}`) installs `bar`.
                let name = p.name.as_deref().unwrap_or(installed);
                let line = text.find(&format!("\"{key}\"")).map(|at| line_at(text, at));
                let mut pkg = Package::language(name, version, line);
                pkg.dev = p.dev;
                found.push(pkg);
            }
        } else {
            v1(text, &mut 0, &lock.dependencies, &mut found);
        }
        Ok(found)
    }
}

/// The package name an install path ends in: the part after the last
/// `node_modules/` (`node_modules/@a/b` → `@a/b`); `None` for the root
/// project and workspace folders, which are not installed packages.
fn install_name(key: &str) -> Option<&str> {
    let at = key.rfind("node_modules/")?;
    Some(&key[at + "node_modules/".len()..]).filter(|n| !n.is_empty())
}

/// A version from the registry: not a `git+…`, `file:` or tarball URL.
fn is_registry_version(v: &str) -> bool {
    !v.is_empty() && !v.contains(':') && !v.contains('/')
}

/// Lockfile version 1: walks nested `dependencies` depth first, in the
/// file's order (npm writes keys sorted, as the map iterates them); each
/// one's line is the next occurrence of its key after `cursor`.
fn v1(
    text: &str,
    cursor: &mut usize,
    deps: &BTreeMap<String, V1Dependency>,
    out: &mut Vec<Package>,
) {
    for (name, dep) in deps {
        let at = text
            .get(*cursor..)
            .and_then(|rest| rest.find(&format!("\"{name}\": {{")))
            .map(|i| *cursor + i);
        if let Some(at) = at {
            *cursor = at + 1;
        }
        if let Some(version) = dep.version.as_deref().filter(|v| is_registry_version(v)) {
            let mut pkg = Package::language(name, version, at.map(|a| line_at(text, a)));
            pkg.dev = dep.dev;
            out.push(pkg);
        }
        v1(text, cursor, &dep.dependencies, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::{row, rows, Row};

    fn got(text: &str) -> Vec<Row> {
        rows(&NpmLockAnalyzer, "package-lock.json", text)
    }

    #[test]
    fn version_3_packages_by_install_path() {
        let text = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": { "name": "app", "version": "1.0.0" },
    "node_modules/@babel/core": { "version": "7.24.0", "dev": true },
    "node_modules/lodash": { "version": "4.17.20" },
    "node_modules/a/node_modules/lodash": { "version": "3.10.1" },
    "node_modules/alias": { "name": "real", "version": "1.0.0" },
    "node_modules/gitdep": { "version": "git+ssh://git@github.com/x/y.git#abc" },
    "node_modules/ws": { "resolved": "packages/ws", "link": true },
    "packages/ws": { "name": "ws", "version": "0.0.1" }
  }
}"#;
        assert_eq!(
            got(text),
            vec![
                row("@babel/core", "7.24.0", 6, true),
                row("lodash", "3.10.1", 8, false),
                row("real", "1.0.0", 9, false),
                row("lodash", "4.17.20", 7, false),
            ]
        );
    }

    /// A workspace (`packages/*` and `apps/web`) as npm 11.19.1 writes it
    /// (`npm install --package-lock-only`; integrity and license fields
    /// trimmed). Trivy 0.76 lists the same five registry packages plus the
    /// three members (`@ws/a 0.1.0`, `@ws/b 0.2.0`, `web 0.0.1`), which are
    /// the project's own code and are left out here (see README); a
    /// member's own `node_modules` copy (`ms 2.0.0`) is listed.
    #[test]
    fn an_npm_written_workspace_lists_its_registry_packages() {
        let text = r#"{
  "name": "root-app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "root-app",
      "version": "1.0.0",
      "workspaces": [
        "packages/*",
        "apps/web"
      ],
      "dependencies": {
        "lodash": "4.17.20"
      },
      "devDependencies": {
        "left-pad": "1.3.0"
      }
    },
    "apps/web": {
      "version": "0.0.1",
      "dependencies": {
        "@ws/a": "*",
        "minimist": "1.2.5"
      }
    },
    "node_modules/@ws/a": {
      "resolved": "packages/a",
      "link": true
    },
    "node_modules/@ws/b": {
      "resolved": "packages/b",
      "link": true
    },
    "node_modules/debug": {
      "version": "4.3.4",
      "dependencies": {
        "ms": "2.1.2"
      }
    },
    "node_modules/is-number": {
      "version": "7.0.0",
      "dev": true
    },
    "node_modules/left-pad": {
      "version": "1.3.0",
      "dev": true
    },
    "node_modules/lodash": {
      "version": "4.17.20"
    },
    "node_modules/minimist": {
      "version": "1.2.5"
    },
    "node_modules/ms": {
      "version": "2.1.2"
    },
    "node_modules/web": {
      "resolved": "apps/web",
      "link": true
    },
    "packages/a": {
      "name": "@ws/a",
      "version": "0.1.0",
      "dependencies": {
        "@ws/b": "*",
        "ms": "2.1.2"
      }
    },
    "packages/b": {
      "name": "@ws/b",
      "version": "0.2.0",
      "dependencies": {
        "debug": "4.3.4",
        "ms": "2.0.0"
      },
      "devDependencies": {
        "is-number": "7.0.0"
      }
    },
    "packages/b/node_modules/ms": {
      "version": "2.0.0"
    }
  }
}"#;
        super::super::assert_workspace_packages(got(text));
    }

    #[test]
    fn version_1_nested_dependencies() {
        let text = r#"{
  "name": "app",
  "lockfileVersion": 1,
  "dependencies": {
    "a": {
      "version": "1.0.0",
      "dependencies": {
        "lodash": { "version": "3.10.1" }
      }
    },
    "lodash": { "version": "4.17.20", "dev": true }
  }
}"#;
        assert_eq!(
            got(text),
            vec![
                row("a", "1.0.0", 5, false),
                row("lodash", "3.10.1", 8, false),
                row("lodash", "4.17.20", 11, true),
            ]
        );
    }
}
