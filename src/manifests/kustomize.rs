//! Kustomize's `images:` overrides. A `kustomization.yaml` lists its
//! `resources` (files, or directories with a kustomization of their own)
//! and may rewrite the images of everything it builds. Overrides nest:
//! a base's own `images:` apply first, then each overlay's on top, as
//! `kustomize build` applies them. A base listed by two overlays is
//! deployed twice, so a file can have several chains of overrides.

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
        let images = doc
            .get("images")
            .map(Node::items)
            .unwrap_or_default()
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
            .collect();
        Kustomization {
            file: file.to_string(),
            resources,
            images,
        }
    }
}

/// The directory of a root-relative path (`""` at the root).
fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

/// `dir/entry` with `.` and `..` resolved; `None` when it leaves the root.
fn join(dir: &str, entry: &str) -> Option<String> {
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

/// The `images:` lists that apply to a file, innermost kustomization
/// first.
pub type Levels = Vec<Vec<Override>>;

/// Per manifest file, its [`Levels`] once per way a kustomization reaches
/// it.
pub type Chains = BTreeMap<String, Vec<Levels>>;

/// Follows every kustomization not listed by another one (the roots a
/// Flux `Kustomization` or `kustomize build` starts from) down to the
/// files they list. `files` are the manifest files found; a listed path
/// that is neither a file nor a directory with a kustomization is a
/// problem `(file, line, why)`.
pub fn chains(
    by_dir: &BTreeMap<String, Kustomization>,
    files: &BTreeSet<String>,
    problems: &mut Vec<(String, u32, String)>,
) -> Chains {
    let listed: BTreeSet<&str> = by_dir
        .values()
        .flat_map(|k| k.resources.iter().map(|(r, _)| r.as_str()))
        .collect();
    let mut out = Chains::new();
    for (dir, k) in by_dir {
        if !listed.contains(dir.as_str()) {
            walk(k, &[], by_dir, files, &mut out, problems, 0);
        }
    }
    for levels in out.values_mut() {
        levels.dedup();
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn walk(
    k: &Kustomization,
    outer: &[Vec<Override>],
    by_dir: &BTreeMap<String, Kustomization>,
    files: &BTreeSet<String>,
    out: &mut Chains,
    problems: &mut Vec<(String, u32, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        problems.push((
            k.file.clone(),
            1,
            "kustomizations nest too deeply (a cycle?)".into(),
        ));
        return;
    }
    let mut levels = vec![k.images.clone()];
    levels.extend_from_slice(outer);
    for (resource, line) in &k.resources {
        if let Some(inner) = by_dir.get(resource) {
            walk(inner, &levels, by_dir, files, out, problems, depth + 1);
        } else if files.contains(resource) {
            out.entry(resource.clone())
                .or_default()
                .push(levels.clone());
        } else {
            problems.push((
                k.file.clone(),
                *line,
                format!("resource {resource} is not a manifest file or a directory with a kustomization here"),
            ));
        }
    }
}

/// Applies `levels` to `written`, at most one entry per level (the first
/// whose `name` matches, as Kustomize does); whether any applied.
pub fn apply(written: &mut super::reference::Written, levels: &Levels) -> bool {
    let mut applied = false;
    for level in levels {
        if let Some(o) = level.iter().find(|o| o.name == written.name) {
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
        let chains = chains(&by_dir, &files, &mut problems);
        let mut got: Vec<String> = chains["base/deploy.yaml"]
            .iter()
            .map(|levels| {
                let mut w = super::super::reference::Written::split("app:0");
                apply(&mut w, levels);
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
