//! Kustomize's `images:` overrides and image patches. A
//! `kustomization.yaml` lists its `resources` (files, or directories with
//! a kustomization of their own) and may rewrite the images of everything
//! it builds. Overrides nest: a base's own patches and `images:` apply
//! first, then each overlay's on top, as `kustomize build` applies them,
//! and a Flux `Kustomization`'s `spec.images` last. A base listed by two
//! overlays is deployed twice, so a file can have several chains.

use super::patches::{self, ImagePatch, PatchRef, Slot};
use super::reference::Override;
use crate::config::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// The file names Kustomize looks for in a directory.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Directories nested deeper than this are a cycle or a mistake.
const MAX_DEPTH: usize = 32;

/// One parsed kustomization.
#[derive(Debug, Default)]
pub struct Kustomization {
    /// Its file, relative to the scanned root.
    pub file: String,
    /// `resources`, `bases` and `components` entries, relative to the root,
    /// with the line that lists each.
    pub resources: Vec<(String, u32)>,
    pub images: Vec<Override>,
    /// The patches it lists, read by [`patches::load`] into `patches`.
    pub patch_refs: Vec<PatchRef>,
    pub patches: Vec<ImagePatch>,
}

impl Kustomization {
    /// Reads the kustomization `file` (root-relative) from its document.
    pub fn parse(file: &str, doc: &Node, problems: &mut Vec<(String, u32, String)>) -> Self {
        let dir = parent(file);
        let mut resources = Vec::new();
        for key in ["resources", "bases", "components"] {
            for item in doc.get(key).map(Node::items).unwrap_or_default() {
                let Some(entry) = item.as_str() else { continue };
                if entry.contains("://")
                    || entry.starts_with("github.com/")
                    || entry.starts_with("git@")
                {
                    problems.push((
                        file.to_string(),
                        item.line,
                        format!("remote resource {entry} is not fetched: the images it deploys are not scanned"),
                    ));
                    continue;
                }
                match join(&dir, entry) {
                    Some(path) => resources.push((path, item.line)),
                    None => problems.push((
                        file.to_string(),
                        item.line,
                        format!("resource {entry} is outside the scanned tree: the images it deploys are not scanned"),
                    )),
                }
            }
        }
        let mut patch_problems = Vec::new();
        let patch_refs = patches::refs(&dir, doc, &mut patch_problems);
        problems.extend(
            patch_problems
                .into_iter()
                .map(|(line, why)| (file.to_string(), line, why)),
        );
        Kustomization {
            file: file.to_string(),
            resources,
            images: doc.get("images").map(overrides).unwrap_or_default(),
            patch_refs,
            patches: Vec::new(),
        }
    }

    /// What this kustomization itself does to images.
    fn level(&self) -> Level {
        Level {
            images: self.images.clone(),
            patches: self.patches.clone(),
        }
    }
}

/// The entries of an `images:` list (a kustomization's, or a Flux
/// `Kustomization`'s `spec.images`).
pub fn overrides(list: &Node) -> Vec<Override> {
    list.items()
        .iter()
        .filter_map(|item| {
            let field = |key| item.get(key).and_then(Node::as_str).map(str::to_string);
            Some(Override {
                name: field("name")?,
                new_name: field("newName"),
                new_tag: field("newTag"),
                digest: field("digest"),
            })
        })
        .collect()
}

/// The directory of a root-relative path (`""` at the root).
fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

/// `dir/entry` with `.` and `..` resolved; `None` when it leaves the root.
pub fn join(dir: &str, entry: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// What one kustomization (or a Flux `Kustomization`) does to images:
/// its patches, then its `images:` overrides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Level {
    pub images: Vec<Override>,
    pub patches: Vec<ImagePatch>,
}

/// The levels that apply to a file, innermost first.
pub type Levels = Vec<Level>;

/// One way a file is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub levels: Levels,
    /// Whether a kustomization lists the file (an untagged image there is
    /// a placeholder its `images:` should have replaced).
    pub kustomized: bool,
    /// The Flux `Kustomization` deploying it (an index into the caller's
    /// list), whose variables are substituted last.
    pub flux: Option<usize>,
}

/// Per manifest file, every [`Chain`] reaching it.
pub type Chains = BTreeMap<String, Vec<Chain>>;

/// What a Flux `Kustomization` builds: `spec.path` (root-relative) and
/// its `spec.images`.
pub struct FluxRoot {
    pub path: String,
    pub level: Level,
    /// Where to report a path with nothing to deploy.
    pub file: String,
    pub line: u32,
    pub subject: String,
}

/// Follows every Flux `Kustomization`'s path, then every kustomization
/// neither a kustomization nor a Flux `Kustomization` reaches (the roots
/// `kustomize build` starts from), down to the files they list. `files`
/// are the manifest files found; a listed path that is neither a file nor
/// a directory with a kustomization is a problem `(file, line, why)`.
pub fn chains(
    by_dir: &BTreeMap<String, Kustomization>,
    files: &BTreeSet<String>,
    fluxes: &[FluxRoot],
    problems: &mut Vec<(String, u32, String)>,
) -> Chains {
    let mut reached: BTreeSet<&str> = by_dir
        .values()
        .flat_map(|k| k.resources.iter().map(|(r, _)| r.as_str()))
        .collect();
    let mut out = Chains::new();
    for (i, flux) in fluxes.iter().enumerate() {
        let outer = vec![flux.level.clone()];
        let mut walker = Walker {
            by_dir,
            files,
            out: &mut out,
            problems,
            flux: Some(i),
        };
        if let Some(k) = by_dir.get(&flux.path) {
            reached.insert(&flux.path);
            walker.walk(k, &outer, 0);
            continue;
        }
        // No kustomization there: Flux generates one listing every
        // manifest below, a directory with a kustomization of its own
        // standing for what it builds.
        let built: Vec<&String> = by_dir
            .keys()
            .filter(|dir| below(dir, &flux.path))
            .filter(|dir| {
                !by_dir
                    .keys()
                    .any(|other| other != *dir && below(other, &flux.path) && below(dir, other))
            })
            .collect();
        let mut any = !built.is_empty();
        for dir in &built {
            reached.insert(dir);
            walker.walk(&by_dir[*dir], &outer, 0);
        }
        for file in files {
            if below(file, &flux.path) && !built.iter().any(|dir| below(file, dir)) {
                any = true;
                walker.out.entry(file.clone()).or_default().push(Chain {
                    levels: outer.clone(),
                    kustomized: false,
                    flux: Some(i),
                });
            }
        }
        if !any {
            walker.problems.push((
                flux.file.clone(),
                flux.line,
                format!(
                    "{}: spec.path {} holds no manifests in the scanned tree (scan the repository's root, which Flux's paths are relative to)",
                    flux.subject,
                    if flux.path.is_empty() { "." } else { &flux.path }
                ),
            ));
        }
    }
    for (dir, k) in by_dir {
        if !reached.contains(dir.as_str()) {
            Walker {
                by_dir,
                files,
                out: &mut out,
                problems,
                flux: None,
            }
            .walk(k, &[], 0);
        }
    }
    for chains in out.values_mut() {
        chains.dedup();
    }
    out
}

/// Whether root-relative `path` is strictly inside directory `dir` (`""`
/// being the root).
fn below(path: &str, dir: &str) -> bool {
    dir.is_empty() && !path.is_empty()
        || path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

struct Walker<'a, 'p> {
    by_dir: &'a BTreeMap<String, Kustomization>,
    files: &'a BTreeSet<String>,
    out: &'a mut Chains,
    problems: &'p mut Vec<(String, u32, String)>,
    flux: Option<usize>,
}

impl Walker<'_, '_> {
    fn walk(&mut self, k: &Kustomization, outer: &[Level], depth: usize) {
        if depth > MAX_DEPTH {
            self.problems.push((
                k.file.clone(),
                1,
                "kustomizations nest too deeply (a cycle?)".into(),
            ));
            return;
        }
        let mut levels = vec![k.level()];
        levels.extend_from_slice(outer);
        for (resource, line) in &k.resources {
            if let Some(inner) = self.by_dir.get(resource) {
                self.walk(inner, &levels, depth + 1);
            } else if self.files.contains(resource) {
                self.out.entry(resource.clone()).or_default().push(Chain {
                    levels: levels.clone(),
                    kustomized: true,
                    flux: self.flux,
                });
            } else {
                self.problems.push((
                    k.file.clone(),
                    *line,
                    format!("resource {resource} is not a manifest file or a directory with a kustomization here"),
                ));
            }
        }
    }
}

/// Applies `levels` to `written`, the image of container `slot` of
/// `kind`/`name` (no slot: a HelmRelease value, which no patch here
/// reaches): at each level its patches (the last matching one wins), then
/// at most one `images:` entry (the first whose `name` matches, as
/// Kustomize does). Returns whether anything applied.
pub fn apply(
    written: &mut super::reference::Written,
    levels: &Levels,
    object: (&str, &str),
    slot: Option<&Slot>,
) -> bool {
    let mut applied = false;
    for level in levels {
        if let Some(slot) = slot {
            for patch in &level.patches {
                if patch.applies_to(object.0, object.1, slot) {
                    *written = super::reference::Written::split(&patch.image);
                    applied = true;
                }
            }
        }
        if let Some(o) = level.images.iter().find(|o| o.name == written.name) {
            applied |= written.apply(o);
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml;

    fn k(file: &str, text: &str) -> (String, Kustomization) {
        let doc = &yaml::parse(text).unwrap()[0];
        let mut problems = Vec::new();
        let k = Kustomization::parse(file, doc, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        (parent(file), k)
    }

    #[test]
    fn overlays_apply_on_top_of_bases_once_per_overlay() {
        let by_dir: BTreeMap<String, Kustomization> = [
            k(
                "base/kustomization.yaml",
                "resources: [deploy.yaml]\nimages: [{name: app, newTag: '1'}]\n",
            ),
            k(
                "prod/kustomization.yaml",
                "resources: [../base]\nimages: [{name: app, newName: reg/app}]\n",
            ),
            k(
                "dev/kustomization.yaml",
                "resources: [../base, missing.yaml]\n",
            ),
        ]
        .into_iter()
        .collect();
        let files: BTreeSet<String> = ["base/deploy.yaml".to_string()].into_iter().collect();
        let mut problems = Vec::new();
        let chains = chains(&by_dir, &files, &[], &mut problems);
        let mut got: Vec<String> = chains["base/deploy.yaml"]
            .iter()
            .map(|chain| {
                let mut w = super::super::reference::Written::split("app:0");
                apply(&mut w, &chain.levels, ("Deployment", "web"), None);
                w.text()
            })
            .collect();
        got.sort();
        assert_eq!(got, ["app:1", "reg/app:1"]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].2.contains("dev/missing.yaml"), "{problems:?}");
    }

    #[test]
    fn paths_stay_inside_the_tree() {
        assert_eq!(join("a/b", "../c/./d.yaml").as_deref(), Some("a/c/d.yaml"));
        assert_eq!(join("", "../x"), None);
    }
}
