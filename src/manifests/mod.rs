//! The GitOps gate (`scangate manifests DIR`): every image a tree of
//! Kubernetes manifests deploys, found without a cluster, then pulled from
//! its registry and scanned once ([`scan`]).
//!
//! Finding the images ([`find`]) reads each YAML or JSON file of the tree
//! once: workloads' containers ([`workloads`]), Flux `HelmRelease` values
//! (with `valuesFrom` ConfigMaps and Secrets of the tree, [`values`]), the
//! Kustomize `images:` overrides and patches that rewrite them on the way
//! to the cluster ([`kustomize`], [`patches`]), and Flux `Kustomization`s'
//! `spec.images` and `postBuild` variables ([`flux`]). What a manifest
//! names but a reader cannot resolve without rendering or substituting
//! (`image: ${TAG}` with no value in the tree, a Helm template, a
//! placeholder name no override replaces) is collected as [`Unresolved`],
//! one entry per place, for a warning (or exit 3 with `--strict`).

mod flux;
mod kustomize;
mod objects;
mod patches;
mod reference;
pub mod scan;
mod values;
mod workloads;

use crate::config::scan::walker;
use crate::config::yaml::{self, Node};
use crate::image::skip::{relative, Skip};
use reference::Written;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One place in the tree that deploys an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The manifest, relative to the scanned root.
    pub file: String,
    /// The line naming the image (the `image:` value, or a
    /// `HelmRelease`'s `repository:`).
    pub line: u32,
    /// `Deployment/ns/web/app`: object and container.
    pub subject: String,
}

/// One distinct image reference, and every place that deploys it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// As a registry client pulls it: `docker.io/library/nginx:1.25`,
    /// `ghcr.io/org/app@sha256:…`.
    pub reference: String,
    pub sites: Vec<Site>,
}

/// A place that names an image nobody can pull as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub file: String,
    pub line: u32,
    pub why: String,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.why)
    }
}

/// Every image a tree deploys.
#[derive(Debug, Default)]
pub struct Found {
    /// Sorted by reference; each once.
    pub images: Vec<Deployed>,
    /// Sorted by file and line.
    pub unresolved: Vec<Unresolved>,
    /// Manifest files read.
    pub files: usize,
}

/// What one file of the tree is.
enum Parsed {
    Manifest(Vec<Node>),
    /// Could not be parsed as YAML but holds `{{`: a Helm template.
    Template,
}

/// Finds every image the manifests under `root` deploy (a directory or
/// one file; `.gitignore`, `--skip-dirs` and `--skip-files` are
/// respected as by the config checks).
pub fn find(root: &Path, skip: &Skip) -> Found {
    let mut parsed: BTreeMap<String, Parsed> = BTreeMap::new();
    let mut kustomizations: BTreeMap<String, kustomize::Kustomization> = BTreeMap::new();
    let mut problems: Vec<(String, u32, String)> = Vec::new();
    for (rel, text) in read_tree(root, skip) {
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let docs = match yaml::parse(&text) {
            Ok(docs) => docs,
            Err(_) if text.contains("{{") => {
                parsed.insert(rel, Parsed::Template);
                continue;
            }
            Err(e) => {
                tracing::warn!("{rel}: skipped, not valid YAML or JSON: {e}");
                continue;
            }
        };
        if kustomize::FILE_NAMES.contains(&name) {
            if let Some(doc) = docs.first() {
                let k = kustomize::Kustomization::parse(&rel, doc, &mut problems);
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                kustomizations.insert(dir, k);
            }
        } else {
            parsed.insert(rel, Parsed::Manifest(docs));
        }
    }
    // Patch files are read by the kustomizations listing them, not
    // deployed as they are.
    let base = if root.is_file() {
        root.parent().unwrap_or(root)
    } else {
        root
    };
    for k in kustomizations.values_mut() {
        let mut patch_problems = Vec::new();
        let (patches, files) = patches::load(base, &k.patch_refs, &mut patch_problems);
        k.patches = patches;
        for file in files {
            parsed.remove(&file);
        }
        problems.extend(
            patch_problems
                .into_iter()
                .map(|(line, why)| (k.file.clone(), line, why)),
        );
    }
    // What Flux reads from the cluster, as far as the tree holds it.
    let mut objects = objects::Objects::default();
    let mut fluxes = Vec::new();
    for (rel, file) in &parsed {
        let Parsed::Manifest(docs) = file else {
            continue;
        };
        for doc in workloads::resources(docs) {
            objects.add(rel, doc);
            fluxes.extend(flux::parse(rel, doc));
        }
    }
    let mut roots = Vec::new();
    let mut vars = Vec::new();
    for k in &fluxes {
        let Some(path) = &k.path else {
            problems.push((
                k.file.clone(),
                k.line,
                format!(
                    "{}: spec.path leaves the scanned tree: what it deploys is not scanned",
                    k.subject
                ),
            ));
            continue;
        };
        vars.push(flux::Vars::of(k, &objects, &mut problems));
        roots.push(kustomize::FluxRoot {
            path: path.clone(),
            level: kustomize::Level {
                images: k.images.clone(),
                patches: Vec::new(),
            },
            file: k.file.clone(),
            line: k.line,
            subject: k.subject.clone(),
        });
    }
    let files: BTreeSet<String> = parsed.keys().cloned().collect();
    let chains = kustomize::chains(&kustomizations, &files, &roots, &mut problems);
    let mut by_reference: BTreeMap<String, Vec<Site>> = BTreeMap::new();
    let mut unresolved: Vec<Unresolved> = problems
        .into_iter()
        .map(|(file, line, why)| Unresolved { file, line, why })
        .collect();
    let as_written = vec![kustomize::Chain {
        levels: Vec::new(),
        kustomized: false,
        flux: None,
    }];
    for (rel, file) in &parsed {
        let docs = match file {
            Parsed::Manifest(docs) => docs,
            Parsed::Template => {
                unresolved.push(Unresolved {
                    file: rel.clone(),
                    line: 1,
                    why: "a Helm template: its images are known only once the chart is rendered (`helm template`, then scan the output)".into(),
                });
                continue;
            }
        };
        let mut images = workloads::Images::default();
        for doc in workloads::resources(docs) {
            workloads::images(doc, &objects, &mut images);
        }
        for (line, why) in images.unresolved {
            unresolved.push(Unresolved {
                file: rel.clone(),
                line,
                why,
            });
        }
        for named in &images.named {
            let file = named.file.clone().unwrap_or_else(|| rel.clone());
            for chain in chains.get(rel).unwrap_or(&as_written) {
                match resolve(named, chain, &vars) {
                    Ok(reference) => by_reference.entry(reference).or_default().push(Site {
                        file: file.clone(),
                        line: named.line,
                        subject: named.subject.clone(),
                    }),
                    Err(why) => unresolved.push(Unresolved {
                        file: file.clone(),
                        line: named.line,
                        why: format!("{}: {why}", named.subject),
                    }),
                }
            }
        }
    }
    unresolved.sort_by(|a, b| (&a.file, a.line, &a.why).cmp(&(&b.file, b.line, &b.why)));
    unresolved.dedup();
    Found {
        images: by_reference
            .into_iter()
            .map(|(reference, mut sites)| {
                sites.sort_by(|a, b| {
                    (&a.file, a.line, &a.subject).cmp(&(&b.file, b.line, &b.subject))
                });
                sites.dedup();
                Deployed { reference, sites }
            })
            .collect(),
        unresolved,
        files: parsed.len() + kustomizations.len(),
    }
}

/// The reference `named` deploys through `chain` (its patches and
/// overrides, then its Flux variables), normalised, or why it cannot be
/// pulled.
fn resolve(
    named: &workloads::Named,
    chain: &kustomize::Chain,
    vars: &[flux::Vars],
) -> Result<String, String> {
    let mut written = Written::split(&named.text);
    let object = (named.kind.as_str(), named.name.as_str());
    let overridden = kustomize::apply(&mut written, &chain.levels, object, named.slot.as_ref());
    let mut text = written.text();
    if let Some(vars) = chain.flux.and_then(|i| vars.get(i)) {
        text = vars
            .substitute(&text)
            .map_err(|why| format!("image {:?}: {why}", written.text()))?;
        written = Written::split(&text);
    }
    if let Some(why) = reference::unresolvable(&text) {
        return Err(format!("image {text:?} holds {why}"));
    }
    if chain.kustomized && !overridden && !written.is_pinned() {
        return Err(format!(
            "image {text:?} has no tag or digest and no kustomize images: entry names it (a placeholder?)"
        ));
    }
    reference::normalize(&text).map_err(|e| format!("image {text:?}: {e}"))
}

/// The YAML and JSON files under `root` that may hold manifests or
/// kustomizations, with their text (files over the config checks' size
/// bound, binary and non-UTF-8 files are left out, as there).
fn read_tree(root: &Path, skip: &Skip) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let walk = walker(root, skip).build();
    for entry in walk {
        let entry = match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => e,
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!("{e}");
                continue;
            }
        };
        let rel = relative(root, entry.path());
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let lower = name.to_ascii_lowercase();
        let wanted = lower.ends_with(".yaml")
            || lower.ends_with(".yml")
            || lower.ends_with(".json")
            || name == "Kustomization";
        if !wanted {
            continue;
        }
        let text = match std::fs::read(entry.path()).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => continue,
            Err(e) => {
                tracing::warn!("{rel}: cannot read: {e}");
                continue;
            }
        };
        let kustomization = kustomize::FILE_NAMES.contains(&name);
        if kustomization || (text.contains("apiVersion") && text.contains("kind")) {
            out.push((rel, text));
        }
    }
    out
}

#[cfg(test)]
mod tests;
