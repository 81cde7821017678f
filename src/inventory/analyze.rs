//! Per-layer analysis: each wanted file of one layer (or tree) is parsed
//! by the analyzers that want it as soon as the layer has been read, and
//! only what they found is kept. As in Trivy's analyzer + applier split,
//! a layer's result depends on nothing but the layer, so it can be cached
//! by diff ID; what depends on the final file view (which version of a
//! file wins, whiteouts, the layer that added each package) is worked out
//! later, from these results, by [`inventory`](super::inventory).

use super::layer::{LayerScan, MAX_OS_FILE};
use super::os::{self, Os};
use super::{Package, PackageFormat, Scope, Wants, ANALYZERS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What one analyzer made of one file: its packages, or why the file as a
/// whole could not be read (warned about when that version of the file is
/// the one the image ends up with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAnalysis {
    pub format: PackageFormat,
    pub outcome: Result<Vec<Package>, String>,
}

/// Parses `files` (the wanted files of one layer, by path) with every
/// analyzer of `scope` that wants them, into `scan`: wants them by their
/// path or by a wanted path that led to them through links (`aliases`). A
/// file's companions (a `package.json` beside a `yarn.lock`) are looked up
/// among `files`.
pub fn analyze_files(
    files: BTreeMap<String, Vec<u8>>,
    aliases: &BTreeMap<String, Vec<String>>,
    scope: Scope,
    scan: &mut LayerScan,
) {
    let analyzers: Vec<_> = ANALYZERS
        .iter()
        .filter(|a| runs_in(a.scope(), scope))
        .collect();
    for (path, content) in &files {
        let names: Vec<&str> = std::iter::once(path.as_str())
            .chain(aliases.get(path).into_iter().flatten().map(String::as_str))
            .collect();
        let wanted = |wants: &[super::Want]| {
            wants
                .iter()
                .any(|w| names.iter().any(|name| w.matches(name)))
        };
        if wanted(os::WANTS) {
            if content.len() <= MAX_OS_FILE {
                scan.os_files.insert(path.clone(), content.clone());
            } else {
                tracing::warn!(
                    path,
                    "skipping an OS identification file larger than {MAX_OS_FILE} bytes"
                );
            }
        }
        let beside = Beside::new(path, &files);
        let found: Vec<FileAnalysis> = analyzers
            .iter()
            .filter(|a| wanted(a.wants()))
            .map(|a| FileAnalysis {
                format: a.format(),
                outcome: a
                    .parse_beside(path, content, &beside)
                    .map_err(|e| e.to_string()),
            })
            .collect();
        if !found.is_empty() {
            scan.analyses.insert(path.clone(), found);
        }
    }
}

/// The files read beside the one being parsed (its companions: see
/// `PackageAnalyzer::companions`), by path relative to its directory.
pub struct Beside<'a> {
    /// The parsed file's directory and a `/`, or nothing at the root.
    prefix: String,
    files: &'a BTreeMap<String, Vec<u8>>,
}

impl<'a> Beside<'a> {
    /// The companions of the file at `path`, among `files`.
    pub fn new(path: &str, files: &'a BTreeMap<String, Vec<u8>>) -> Beside<'a> {
        let prefix = path
            .rsplit_once('/')
            .map_or_else(String::new, |(dir, _)| format!("{dir}/"));
        Beside { prefix, files }
    }

    /// No companions at hand.
    pub fn none() -> Beside<'static> {
        static NONE: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        Beside {
            prefix: String::new(),
            files: &NONE,
        }
    }

    /// The companion at `name` (a path relative to the parsed file's
    /// directory), when it was read.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.files
            .get(&format!("{}{name}", self.prefix))
            .map(Vec::as_slice)
    }

    /// The companions whose relative path matches `glob` (`*` within a
    /// path component: `packages/*/package.json`), in path order.
    pub fn matching(&self, glob: &str) -> Vec<(&'a str, &'a [u8])> {
        let Ok(glob) = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
        else {
            return Vec::new();
        };
        let matcher = glob.compile_matcher();
        self.files
            .range(self.prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&self.prefix))
            .filter_map(|(path, content)| {
                let rel = &path[self.prefix.len()..];
                matcher.is_match(rel).then_some((rel, content.as_slice()))
            })
            .collect()
    }
}

/// Whether an analyzer of scope `analyzer` runs when scanning `artifact`.
fn runs_in(analyzer: Scope, artifact: Scope) -> bool {
    analyzer == Scope::Everywhere || analyzer == artifact
}

/// What a layer's analysis depends on besides the layer's content: the
/// wanted paths, the analyzers (their formats, versions and scopes), the
/// binary readers' version and the secret rules in force (when secrets
/// are looked for). The layer cache keys image layers on it,
/// so a changed analyzer never reads a stale result. The OS's own
/// detection is not part of it: release files are kept as read.
pub fn fingerprint(wants: &Wants) -> String {
    let mut text = format!("wants {:?}; analyzers", wants.list());
    for a in ANALYZERS {
        text.push_str(&format!(
            " {:?}={}/{:?}",
            a.format(),
            a.version(),
            a.scope()
        ));
    }
    text.push_str(&format!(" binaries={}", super::binary::VERSION));
    // A layer's secrets depend on the rules in force.
    if let Some(engine) = wants.secrets() {
        text.push_str(&format!(" secrets={}", engine.cache_key()));
    }
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The OS of the stacked layers, from the final versions of the release
/// files.
pub(super) fn detect_os(layers: &[LayerScan], view: &crate::image::FileView) -> Option<Os> {
    os::detect(&StackedOsFiles { layers, view })
}

/// The final versions of the OS identification files, as detection reads
/// them.
struct StackedOsFiles<'a> {
    layers: &'a [LayerScan],
    view: &'a crate::image::FileView,
}

impl os::OsFiles for StackedOsFiles<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let loc = self.view.resolve(path)?;
        self.layers.get(loc.layer)?.os_files.get(&loc.path).cloned()
    }
    fn dir(&self, dir: &'static str) -> Vec<(String, Vec<u8>)> {
        let entries = super::Want::DirEntries(dir);
        self.view
            .files_matching(|p| entries.matches(p))
            .into_iter()
            .filter_map(|loc| {
                let content = self.layers.get(loc.layer)?.os_files.get(&loc.path)?.clone();
                Some((loc.path, content))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzed(files: &[(&str, &str)], scope: Scope) -> LayerScan {
        let mut scan = LayerScan::default();
        let files = files
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect();
        analyze_files(files, &BTreeMap::new(), scope, &mut scan);
        scan
    }

    #[test]
    fn keeps_packages_not_bytes() {
        let scan = analyzed(
            &[
                ("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                (
                    "var/lib/dpkg/status",
                    "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\nDescription: marker-text\n",
                ),
            ],
            Scope::Images,
        );
        let Some(Ok(found)) = scan.analysis("var/lib/dpkg/status", PackageFormat::Deb) else {
            panic!("{scan:?}");
        };
        assert_eq!(found[0].name, "zlib1g");
        assert!(scan.os_files.contains_key("etc/os-release"));
        let json = serde_json::to_string(&scan).expect("json");
        assert!(!json.contains("marker-text"), "{json}");
    }

    #[test]
    fn lockfiles_are_read_in_trees_only_and_errors_are_kept() {
        let lock = (
            "app/package-lock.json",
            r#"{"lockfileVersion":3,"packages":{"node_modules/lodash":{"version":"4.17.20"}}}"#,
        );
        assert!(analyzed(&[lock], Scope::Images).analyses.is_empty());
        let tree = analyzed(&[lock], Scope::Trees);
        assert!(matches!(
            tree.analysis("app/package-lock.json", PackageFormat::Npm),
            Some(Ok(p)) if p.len() == 1
        ));
        let bad = analyzed(&[("app/package-lock.json", "{")], Scope::Trees);
        assert!(matches!(
            bad.analysis("app/package-lock.json", PackageFormat::Npm),
            Some(Err(e)) if e.contains("app/package-lock.json")
        ));
    }
}
