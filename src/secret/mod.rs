//! The secret scanner: credentials committed to a tree or baked into an
//! image. Rules are data ([`rules`], Trivy's built-in set plus the user's
//! `trivy-secret.yaml`); [`engine`] finds them in a file's bytes; [`tree`]
//! walks a directory, and the inventory's layer scan (`inventory::layer`) hands every
//! text file of every layer to the same engine as the layer streams past,
//! so a key added in one layer and deleted in the next is still found, at
//! the layer that added it.

pub mod engine;
pub mod rules;
pub mod rules_doc;
pub mod sniff;
pub mod tree;

use crate::finding::{fingerprint, Detail, Finding, Location, SecretDetail, TargetRef};
use crate::image::view::Stacked;
pub use engine::{Engine, Hit};

/// A scanned layer as the secret scan reads it: how it stacks, and the
/// files in it with secrets. Implemented by the inventory's per-layer
/// scan, which runs the [`Engine`] as the layer streams past.
pub trait LayerSecrets: Stacked {
    fn secrets(&self) -> &[SecretFile];
}

/// A file with secrets: its path (relative, `/`-separated) and what was
/// found in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretFile {
    pub path: String,
    pub hits: Vec<Hit>,
}

/// A file with secrets as a report target: one per path and layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTarget {
    pub path: String,
    /// The image layer that added the file; `None` in a tree.
    pub layer: Option<usize>,
    /// A later layer deleted or replaced the file: it is not in the final
    /// file system, but anyone who pulls the image has it.
    pub deleted_later: bool,
}

/// What the secret scan found: its targets and their findings (each
/// pointing at its target's index).
#[derive(Debug, Default)]
pub struct SecretScan {
    pub targets: Vec<SecretTarget>,
    pub findings: Vec<Finding>,
}

impl SecretScan {
    /// The findings of a tree's files.
    pub fn from_tree(files: Vec<SecretFile>, engine: &Engine) -> SecretScan {
        let mut scan = SecretScan::default();
        for file in files {
            scan.add(file, None, false, engine);
        }
        scan
    }

    /// The findings of every layer's files, in layer order. A secret that
    /// a later layer copies again unchanged (same path, rule and value) is
    /// reported once, at the layer that first added it; a file a later
    /// layer deletes, hides or overwrites is flagged `deleted_later`.
    pub fn from_layers(layers: &[impl LayerSecrets], engine: &Engine) -> SecretScan {
        let mut seen = std::collections::HashSet::new();
        let mut scan = SecretScan::default();
        for (i, layer) in layers.iter().enumerate() {
            let mut added = Vec::new();
            for file in layer.secrets() {
                let hits: Vec<Hit> = file
                    .hits
                    .iter()
                    .filter(|h| !seen.contains(&(file.path.as_str(), h.digest.as_str())))
                    .cloned()
                    .collect();
                added.extend(
                    file.hits
                        .iter()
                        .map(|h| (file.path.as_str(), h.digest.as_str())),
                );
                if hits.is_empty() {
                    continue;
                }
                // A later layer that copies the same secret again keeps it
                // in the final image: deletion counts from the last copy.
                let last = (i..layers.len())
                    .rev()
                    .find(|&j| {
                        layers[j].secrets().iter().any(|f| {
                            f.path == file.path
                                && f.hits
                                    .iter()
                                    .any(|h| hits.iter().any(|k| k.digest == h.digest))
                        })
                    })
                    .unwrap_or(i);
                let deleted = layers[last + 1..]
                    .iter()
                    .any(|upper| removes(upper, &file.path));
                let file = SecretFile {
                    path: file.path.clone(),
                    hits,
                };
                scan.add(file, Some(i), deleted, engine);
            }
            seen.extend(added);
        }
        scan
    }

    fn add(
        &mut self,
        file: SecretFile,
        layer: Option<usize>,
        deleted_later: bool,
        engine: &Engine,
    ) {
        let target = self.targets.len();
        for hit in &file.hits {
            let rule = &engine.rules().rules[hit.rule];
            self.findings.push(Finding {
                id: rule.id.clone(),
                aliases: Vec::new(),
                severity: rule.severity,
                score: None,
                title: rule.title.clone(),
                references: Vec::new(),
                target: TargetRef::SecretFile(target),
                location: Location::Lines {
                    path: file.path.clone(),
                    start_line: hit.start_line,
                    end_line: hit.end_line,
                },
                fingerprint: secret_fingerprint(&file.path, &hit.digest),
                detail: Detail::Secret(SecretDetail {
                    category: rule.category.clone(),
                    shown: hit.shown.clone(),
                    layer,
                    deleted_later,
                }),
            });
        }
        self.targets.push(SecretTarget {
            path: file.path,
            layer,
            deleted_later,
        });
    }
}

/// A secret's identity across runs (baselines, code-scanning alerts): its
/// file's path and the one-way digest of its rule id and value
/// ([`Hit::digest`]). Not its lines, so an edit above it or a rebuilt
/// layer keeps it `existing`; not its layer, whose diff ID changes on
/// every rebuild. The value's digest rather than rule and path alone: two
/// keys of one rule in one file stay two findings, and a key rotated in
/// place is a new secret (the old one shows as fixed, and still needs
/// revoking) instead of hiding behind the one it replaced. The value
/// itself never enters it.
pub fn secret_fingerprint(path: &str, digest: &str) -> String {
    fingerprint(&["secret", path, digest])
}

/// Whether `upper` deletes, hides or replaces the file at `path` of a
/// lower layer: a whiteout of it or of a parent, an opaque parent, or an
/// entry of its own at that path.
fn removes(upper: &impl Stacked, path: &str) -> bool {
    let parents =
        || std::iter::successors(Some(path), |p| p.rsplit_once('/').map(|(d, _)| d)).skip(1);
    let tree = upper.tree();
    tree.whiteouts
        .iter()
        .any(|w| w == path || parents().any(|p| p == w))
        || tree.opaque_dirs.iter().any(|o| parents().any(|p| p == o))
        || upper.held_paths().any(|p| p == path)
        || tree.links.contains_key(path)
        || tree.replaces(path)
}
