//! Kustomize patches that change a container's image: strategic-merge
//! patches (`patchesStrategicMerge`, or `patches` whose body is an object)
//! and JSON 6902 patches (`patchesJson6902`, or `patches` whose body is a
//! list of operations). Only what they do to `image` matters here; a
//! kustomization applies its patches before its `images:` overrides, as
//! `kustomize build` runs its transformers.

use super::workloads::{pod_spec, CONTAINER_LISTS};
use crate::config::yaml::{self, Node};
use std::path::Path;

/// Which objects a patch applies to: `None` matches any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Option<String>,
    /// A name, or Kustomize's anchored regular expression (`web-.*`).
    pub name: Option<String>,
}

impl Target {
    fn matches(&self, kind: &str, name: &str) -> bool {
        let kind_ok = self.kind.as_deref().is_none_or(|k| k == kind);
        let name_ok = match self.name.as_deref() {
            None => true,
            Some(pattern)
                if pattern
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_".contains(c)) =>
            {
                pattern == name
            }
            Some(pattern) => regex::Regex::new(&format!("^(?:{pattern})$"))
                .map_or(pattern == name, |re| re.is_match(name)),
        };
        kind_ok && name_ok
    }
}

/// Where a container sits in its pod spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    pub index: usize,
    pub name: String,
}

/// Which container of a matched object a patch sets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Which {
    /// A strategic-merge patch merges containers by name.
    Named(&'static str, String),
    /// A JSON 6902 path addresses them by position.
    At(&'static str, usize),
}

/// One image a patch sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePatch {
    target: Target,
    which: Which,
    pub image: String,
}

impl ImagePatch {
    /// Whether this patch sets the image of container `slot` of the
    /// object `kind`/`name`.
    pub fn applies_to(&self, kind: &str, name: &str, slot: &Slot) -> bool {
        self.target.matches(kind, name)
            && match &self.which {
                Which::Named(list, n) => *list == slot.list && *n == slot.name,
                Which::At(list, i) => *list == slot.list && *i == slot.index,
            }
    }
}

/// Where a patch's body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Written in the kustomization (`patch: |`, or a string of
    /// `patchesStrategicMerge`).
    Inline(String),
    /// A file, root-relative (`None`: outside the tree, as written).
    File(Option<String>, String),
}

/// One patch a kustomization lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchRef {
    pub body: Body,
    /// `target:`; required by JSON 6902 bodies.
    pub target: Option<Target>,
    /// The kustomization's line listing it.
    pub line: u32,
}

/// The patches of a kustomization document in directory `dir`; a target
/// selecting by labels or annotations (not evaluated here) is a problem
/// `(line, why)`.
pub fn refs(dir: &str, doc: &Node, problems: &mut Vec<(u32, String)>) -> Vec<PatchRef> {
    let mut out = Vec::new();
    for item in doc
        .get("patchesStrategicMerge")
        .map(Node::items)
        .unwrap_or_default()
    {
        let Some(text) = item.as_str() else { continue };
        let body = if text.contains('\n') || text.trim_start().starts_with("apiVersion") {
            Body::Inline(text.to_string())
        } else {
            Body::File(super::kustomize::join(dir, text), text.to_string())
        };
        out.push(PatchRef {
            body,
            target: None,
            line: item.line,
        });
    }
    for key in ["patches", "patchesJson6902"] {
        for item in doc.get(key).map(Node::items).unwrap_or_default() {
            let body = match (
                item.get("patch").and_then(Node::as_str),
                item.get("path").and_then(Node::as_str),
            ) {
                (Some(text), _) => Body::Inline(text.to_string()),
                (None, Some(path)) => Body::File(super::kustomize::join(dir, path), path.into()),
                (None, None) => continue,
            };
            let target = match item.get("target") {
                Some(t)
                    if t.get("labelSelector").is_some()
                        || t.get("annotationSelector").is_some() =>
                {
                    problems.push((
                        item.line,
                        "a patch selecting its targets by labels or annotations is not evaluated: an image it sets is not scanned".into(),
                    ));
                    continue;
                }
                Some(t) => {
                    let field = |k| t.get(k).and_then(Node::as_str).map(str::to_string);
                    Some(Target {
                        kind: field("kind"),
                        name: field("name"),
                    })
                }
                None => None,
            };
            out.push(PatchRef {
                body,
                target,
                line: item.line,
            });
        }
    }
    out
}

/// Reads the patches of `refs` (files under `root`): the images they set,
/// and the patch files read (not manifests of their own). What cannot be
/// read or understood is a problem `(line, why)`.
pub fn load(
    root: &Path,
    refs: &[PatchRef],
    problems: &mut Vec<(u32, String)>,
) -> (Vec<ImagePatch>, Vec<String>) {
    let mut patches = Vec::new();
    let mut files = Vec::new();
    for r in refs {
        let text = match &r.body {
            Body::Inline(text) => text.clone(),
            Body::File(None, written) => {
                problems.push((
                    r.line,
                    format!("patch {written} is outside the scanned tree: an image it sets is not scanned"),
                ));
                continue;
            }
            Body::File(Some(rel), written) => match read_bounded(&root.join(rel)) {
                Ok(text) => {
                    files.push(rel.clone());
                    text
                }
                Err(e) => {
                    problems.push((
                        r.line,
                        format!("patch {written}: {e}: an image it sets is not scanned"),
                    ));
                    continue;
                }
            },
        };
        let docs = match yaml::parse(&text) {
            Ok(docs) => docs,
            Err(e) => {
                problems.push((r.line, format!("patch is not valid YAML: {e}")));
                continue;
            }
        };
        for doc in &docs {
            match &doc.value {
                yaml::Value::Seq(ops) => match &r.target {
                    Some(target) => json6902(ops, target, &mut patches),
                    None => problems.push((
                        r.line,
                        "a JSON 6902 patch without a target: not applied".into(),
                    )),
                },
                yaml::Value::Map(_) => strategic_merge(doc, r.target.as_ref(), &mut patches),
                _ => {}
            }
        }
    }
    (patches, files)
}

/// A patch file's text, refusing files over the config checks' bound.
fn read_bounded(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > crate::config::scan::MAX_FILE_SIZE {
        return Err("larger than 1 MiB".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// The images a strategic-merge patch sets: containers merge by name.
fn strategic_merge(doc: &Node, target: Option<&Target>, out: &mut Vec<ImagePatch>) {
    let own = |key: &[&str]| doc.path(key).and_then(Node::as_str).map(str::to_string);
    let target = Target {
        kind: target
            .and_then(|t| t.kind.clone())
            .or_else(|| own(&["kind"])),
        name: target
            .and_then(|t| t.name.clone())
            .or_else(|| own(&["metadata", "name"])),
    };
    let Some(spec) = target.kind.as_deref().and_then(|kind| pod_spec(kind, doc)) else {
        return;
    };
    for list in CONTAINER_LISTS {
        for container in spec.get(list).map(Node::items).unwrap_or_default() {
            let name = container.get("name").and_then(Node::as_str);
            let image = container.get("image").and_then(Node::as_str);
            if let (Some(name), Some(image)) = (name, image) {
                out.push(ImagePatch {
                    target: target.clone(),
                    which: Which::Named(list, name.to_string()),
                    image: image.to_string(),
                });
            }
        }
    }
}

/// The images a JSON 6902 patch sets: `replace` or `add` of
/// `…/<list>/<i>/image`, or of `…/<list>/<i>` with an object holding an
/// `image`.
fn json6902(ops: &[Node], target: &Target, out: &mut Vec<ImagePatch>) {
    for op in ops {
        if !matches!(op.get("op").and_then(Node::as_str), Some("replace" | "add")) {
            continue;
        }
        let (Some(path), Some(value)) = (op.get("path").and_then(Node::as_str), op.get("value"))
        else {
            continue;
        };
        let parts: Vec<&str> = path.split('/').collect();
        let (list, index, image) = match parts[..] {
            [.., list, index, "image"] => (list, index, value.as_str()),
            [.., list, index] => (list, index, value.get("image").and_then(Node::as_str)),
            _ => continue,
        };
        let (Some(list), Ok(index), Some(image)) = (
            CONTAINER_LISTS.iter().copied().find(|l| *l == list),
            index.parse::<usize>(),
            image,
        ) else {
            continue;
        };
        out.push(ImagePatch {
            target: target.clone(),
            which: Which::At(list, index),
            image: image.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(list: &'static str, index: usize, name: &str) -> Slot {
        Slot {
            list,
            index,
            name: name.into(),
        }
    }

    #[test]
    fn both_patch_kinds_name_images() {
        let kustomization = "\
patchesStrategicMerge:
  - |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
            - {name: web, image: reg/web:smp}
patches:
  - target: {kind: Deployment, name: 'web-.*'}
    patch: |
      - op: replace
        path: /spec/template/spec/initContainers/0/image
        value: reg/init:json
  - target: {kind: Deployment, labelSelector: app=web}
    patch: '[]'
patchesJson6902:
  - target: {kind: CronJob, name: nightly}
    path: missing.yaml
";
        let doc = &yaml::parse(kustomization).unwrap()[0];
        let mut problems = Vec::new();
        let refs = refs("apps", doc, &mut problems);
        assert_eq!(refs.len(), 3);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let root = tempfile::tempdir().unwrap();
        let (patches, files) = load(root.path(), &refs, &mut problems);
        assert!(files.is_empty());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[1].1.starts_with("patch missing.yaml"),
            "{problems:?}"
        );
        assert_eq!(patches.len(), 2);
        assert!(patches[0].applies_to("Deployment", "web", &slot("containers", 3, "web")));
        assert!(!patches[0].applies_to("Deployment", "web", &slot("initContainers", 0, "web")));
        assert!(!patches[0].applies_to("Deployment", "api", &slot("containers", 0, "web")));
        assert_eq!(patches[1].image, "reg/init:json");
        assert!(patches[1].applies_to("Deployment", "web-1", &slot("initContainers", 0, "x")));
        assert!(!patches[1].applies_to("Deployment", "web", &slot("initContainers", 0, "x")));
    }
}
