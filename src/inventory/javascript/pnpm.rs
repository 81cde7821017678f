//! `pnpm-lock.yaml`, lockfile versions 5 to 9. Every resolved package is a
//! key of `packages`: `/lodash/4.17.21` (v5), `/lodash@4.17.21` (v6),
//! `lodash@4.17.21` (v9), with peer-dependency suffixes (`_react@18.2.0`
//! in v5, `(react@18.2.0)` later) that are not part of the version. Up to
//! v6 each package says `dev: true|false`; v9 dropped the flag, so there a
//! package is development-only when no importer reaches it through its
//! `dependencies` or `optionalDependencies` in the `snapshots` graph.
//! Packages that are not from the registry (`file:`, git, tarball URLs)
//! are left out.

use super::split_spec;
use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub struct PnpmAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/pnpm-lock.yaml")];

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<serde_json::Value>,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
    #[serde(default)]
    importers: BTreeMap<String, Importer>,
    #[serde(default)]
    snapshots: BTreeMap<String, Snapshot>,
}

#[derive(Deserialize)]
struct Entry {
    dev: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, Resolved>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, Resolved>,
}

#[derive(Deserialize)]
struct Resolved {
    version: String,
}

#[derive(Deserialize, Default)]
struct Snapshot {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

impl PackageAnalyzer for PnpmAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Pnpm, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let lock: Lock = serde_saphyr::from_str::<Option<Lock>>(text)
            .map_err(|e| {
                let at = e
                    .location()
                    .map_or(String::new(), |l| format!("line {}: ", l.line()));
                let first = e.to_string().lines().next().unwrap_or_default().to_string();
                ParseError::new(path, format!("{at}{first}"))
            })?
            .ok_or_else(|| ParseError::new(path, "empty lockfile"))?;
        let major = lock
            .lockfile_version
            .as_ref()
            .and_then(|v| match v {
                serde_json::Value::String(s) => s.split('.').next()?.parse::<u32>().ok(),
                serde_json::Value::Number(n) => n.as_f64().map(|f| f as u32),
                _ => None,
            })
            .unwrap_or(9);
        let production = (major >= 9).then(|| production(&lock));
        let section = text.find("\npackages:").unwrap_or(0);
        let mut found = Vec::new();
        for (key, entry) in &lock.packages {
            let Some((name, version)) = name_version(key, major) else {
                continue;
            };
            let dev = match &production {
                Some(prod) => !prod.contains(&(name.to_string(), version.to_string())),
                None => entry.dev == Some(true),
            };
            let rest = &text[section..];
            let line = [format!("\n  {key}:"), format!("\n  '{key}':")]
                .iter()
                .find_map(|k| rest.find(k.as_str()))
                .map(|at| line_at(text, section + at + 1));
            let mut p = Package::language(name, version, line);
            p.dev = dev;
            found.push(p);
        }
        Ok(found)
    }
}

/// The package name and version a `packages` key stands for, or `None`
/// for packages that do not come from the registry.
fn name_version(key: &str, major: u32) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let (name, version) = if major < 6 {
        let at = key.rfind('/')?;
        let version = &key[at + 1..];
        (&key[..at], version.split('_').next()?)
    } else {
        let bare = key.split('(').next()?;
        split_spec(bare)?
    };
    let registry = !name.is_empty()
        && version.starts_with(|c: char| c.is_ascii_digit())
        && !version.contains([':', '/']);
    registry.then_some((name, version))
}

/// v9: every `(name, version)` reachable from the importers' production
/// dependencies through the snapshots.
fn production(lock: &Lock) -> BTreeSet<(String, String)> {
    let mut todo: Vec<String> = Vec::new();
    for importer in lock.importers.values() {
        for (name, r) in importer.dependencies.iter().chain(&importer.optional) {
            todo.push(format!("{name}@{}", r.version));
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeSet::new();
    while let Some(key) = todo.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        if let Some((name, version)) = name_version(&key, 9) {
            out.insert((name.to_string(), version.to_string()));
        }
        if let Some(snapshot) = lock.snapshots.get(&key) {
            for (name, version) in snapshot.dependencies.iter().chain(&snapshot.optional) {
                // An alias (`npm:real@1.0.0`) names its target directly.
                match version.strip_prefix("npm:") {
                    Some(target) => todo.push(target.to_string()),
                    None => todo.push(format!("{name}@{version}")),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::{row, rows, Row};

    fn got(text: &str) -> Vec<Row> {
        rows(&PnpmAnalyzer, "pnpm-lock.yaml", text)
    }

    #[test]
    fn version_5_and_6_keys_and_dev_flags() {
        let v5 = "lockfileVersion: 5.4\n\npackages:\n\n  /@babel/core/7.24.0_react@18.2.0:\n    resolution: {integrity: sha512-x}\n    dev: true\n\n  /lodash/4.17.21:\n    resolution: {integrity: sha512-y}\n    dev: false\n";
        assert_eq!(
            got(v5),
            vec![
                row("@babel/core", "7.24.0", 5, true),
                row("lodash", "4.17.21", 9, false)
            ]
        );
        let v6 = "lockfileVersion: '6.0'\n\npackages:\n\n  /@babel/core@7.24.0(react@18.2.0):\n    resolution: {integrity: sha512-x}\n    dev: true\n\n  /lodash@4.17.21:\n    resolution: {integrity: sha512-y}\n    dev: false\n\n  file:local:\n    resolution: {directory: local, type: directory}\n    name: local\n    version: 1.0.0\n    dev: false\n";
        assert_eq!(
            got(v6),
            vec![
                row("@babel/core", "7.24.0", 5, true),
                row("lodash", "4.17.21", 9, false)
            ]
        );
    }

    /// A workspace (`packages/*`, `apps/*`, linked with `workspace:*`) as
    /// pnpm 9.15.9 writes it (`pnpm install --lockfile-only`; integrity
    /// hashes shortened). The production list equals Trivy 0.76's: the
    /// members' registry dependencies, each member's dev dependency out.
    #[test]
    fn a_pnpm_written_workspace_lists_what_trivy_lists() {
        let text = r#"lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      lodash:
        specifier: 4.17.20
        version: 4.17.20
    devDependencies:
      left-pad:
        specifier: 1.3.0
        version: 1.3.0

  apps/web:
    dependencies:
      '@ws/a':
        specifier: workspace:*
        version: link:../../packages/a
      minimist:
        specifier: 1.2.5
        version: 1.2.5

  packages/a:
    dependencies:
      '@ws/b':
        specifier: workspace:*
        version: link:../b
      ms:
        specifier: 2.1.2
        version: 2.1.2

  packages/b:
    dependencies:
      debug:
        specifier: 4.3.4
        version: 4.3.4
      ms:
        specifier: 2.0.0
        version: 2.0.0
    devDependencies:
      is-number:
        specifier: 7.0.0
        version: 7.0.0

packages:

  debug@4.3.4:
    resolution: {integrity: sha512-x}
    engines: {node: '>=6.0'}
    peerDependencies:
      supports-color: '*'
    peerDependenciesMeta:
      supports-color:
        optional: true

  is-number@7.0.0:
    resolution: {integrity: sha512-x}
    engines: {node: '>=0.12.0'}

  left-pad@1.3.0:
    resolution: {integrity: sha512-x}

  lodash@4.17.20:
    resolution: {integrity: sha512-x}

  minimist@1.2.5:
    resolution: {integrity: sha512-x}

  ms@2.0.0:
    resolution: {integrity: sha512-x}

  ms@2.1.2:
    resolution: {integrity: sha512-x}

snapshots:

  debug@4.3.4:
    dependencies:
      ms: 2.1.2

  is-number@7.0.0: {}

  left-pad@1.3.0: {}

  lodash@4.17.20: {}

  minimist@1.2.5: {}

  ms@2.0.0: {}

  ms@2.1.2: {}
"#;
        super::super::assert_workspace_packages(got(text));
    }

    #[test]
    fn version_9_works_out_dev_dependencies_from_the_graph() {
        let v9 = r#"lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      express:
        specifier: ^4.18.0
        version: 4.18.2
    devDependencies:
      jest:
        specifier: ^29.0.0
        version: 29.7.0

packages:

  express@4.18.2:
    resolution: {integrity: sha512-a}

  '@jest/core@29.7.0':
    resolution: {integrity: sha512-e}

  jest@29.7.0:
    resolution: {integrity: sha512-b}

  qs@6.11.0:
    resolution: {integrity: sha512-c}

  yargs@17.7.2:
    resolution: {integrity: sha512-d}

snapshots:

  express@4.18.2:
    dependencies:
      qs: 6.11.0

  '@jest/core@29.7.0': {}

  jest@29.7.0:
    dependencies:
      '@jest/core': 29.7.0
      yargs: 17.7.2

  qs@6.11.0: {}

  yargs@17.7.2: {}
"#;
        assert_eq!(
            got(v9),
            vec![
                row("@jest/core", "29.7.0", 20, true),
                row("express", "4.18.2", 17, false),
                row("jest", "29.7.0", 23, true),
                row("qs", "6.11.0", 26, false),
                row("yargs", "17.7.2", 29, true),
            ]
        );
    }
}
