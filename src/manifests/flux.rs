//! Flux `Kustomization`s (`kustomize.toolkit.fluxcd.io`): what
//! kustomize-controller does between the repository and the cluster. It
//! builds `spec.path` (its `kustomization.yaml`, or every manifest under
//! it when there is none), applies `spec.images` on top of the
//! kustomizations' own `images:`, then substitutes `${VAR}` in the result
//! with the ConfigMaps and Secrets of `spec.postBuild.substituteFrom`
//! (each in order, a later one winning) and `substitute` over them all.

use super::objects::{Lookup, Objects};
use super::reference::Override;
use crate::config::yaml::Node;
use std::collections::BTreeMap;

/// One Flux `Kustomization`.
#[derive(Debug)]
pub struct Kustomization {
    /// The file defining it (root-relative) and the line of its `path`
    /// (or of the object when it has none).
    pub file: String,
    pub line: u32,
    /// `Kustomization/ns/name`.
    pub subject: String,
    pub namespace: String,
    /// `spec.path`, root-relative (`""` for the root); `None` when it
    /// leaves the tree.
    pub path: Option<String>,
    pub images: Vec<Override>,
    substitute: Vec<(String, String)>,
    /// `(kind, name, optional, line)` of each `substituteFrom` entry.
    substitute_from: Vec<(String, String, bool, u32)>,
}

/// Reads `doc` when it is a Flux `Kustomization` defined in `file`.
pub fn parse(file: &str, doc: &Node) -> Option<Kustomization> {
    let api = doc.get("apiVersion").and_then(Node::as_str)?;
    if doc.get("kind").and_then(Node::as_str) != Some("Kustomization")
        || !api.starts_with("kustomize.toolkit.fluxcd.io/")
    {
        return None;
    }
    let meta = |key| {
        doc.path(&["metadata", key])
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string()
    };
    let namespace = meta("namespace");
    let path_node = doc.path(&["spec", "path"]);
    let path = path_node
        .and_then(Node::as_str)
        .map_or(Some(String::new()), |p| super::kustomize::join("", p));
    let images = doc
        .path(&["spec", "images"])
        .map(super::kustomize::overrides)
        .unwrap_or_default();
    let post_build = doc.path(&["spec", "postBuild"]);
    let substitute = post_build
        .and_then(|p| p.get("substitute"))
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
        .collect();
    let substitute_from = post_build
        .and_then(|p| p.get("substituteFrom"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            Some((
                item.get("kind")?.as_str()?.to_string(),
                item.get("name")?.as_str()?.to_string(),
                item.get("optional").is_some_and(Node::is_true),
                item.line,
            ))
        })
        .collect();
    Some(Kustomization {
        file: file.to_string(),
        line: path_node.map_or(doc.line, |p| p.line),
        subject: format!("Kustomization/{namespace}/{}", meta("name")),
        namespace,
        path,
        images,
        substitute,
        substitute_from,
    })
}

/// The variables a Flux `Kustomization` substitutes.
#[derive(Debug, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
    /// `substituteFrom` sources that are not readable here
    /// (`ConfigMap/cluster-vars`): a variable missing from `values` may
    /// come from them.
    unknown: Vec<String>,
    /// `Kustomization/ns/name`.
    owner: String,
}

impl Vars {
    /// `k`'s variables, from the tree's ConfigMaps and Secrets; a source
    /// that is not `optional` and not readable here is a problem
    /// `(file, line, why)`.
    pub fn of(
        k: &Kustomization,
        objects: &Objects,
        problems: &mut Vec<(String, u32, String)>,
    ) -> Vars {
        let mut vars = Vars {
            owner: k.subject.clone(),
            ..Vars::default()
        };
        for (kind, name, optional, line) in &k.substitute_from {
            let why = match objects.find(kind, &k.namespace, name) {
                Lookup::Found(object) => {
                    for (key, data) in &object.data {
                        vars.values.insert(key.clone(), data.text.clone());
                    }
                    continue;
                }
                Lookup::Missing if *optional => continue,
                Lookup::Missing => "is not in the scanned tree",
                Lookup::Encrypted => "is SOPS-encrypted",
            };
            vars.unknown.push(format!("{kind}/{name}"));
            problems.push((
                k.file.clone(),
                *line,
                format!(
                    "{}: postBuild.substituteFrom {kind}/{name} {why}: the variables it sets are not known",
                    k.subject
                ),
            ));
        }
        vars.values.extend(k.substitute.iter().cloned());
        vars
    }

    /// `text` with `${VAR}`, `${VAR:=default}` and `${VAR:-default}`
    /// substituted as Flux does (`$${VAR}` stays a literal `${VAR}`), or
    /// why not: a variable no source here sets and with no default (Flux
    /// would put an empty string there, or take it from a source this scan
    /// cannot read).
    pub fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            if rest[..at].ends_with('$') {
                out.push_str(&rest[..at - 1]);
                out.push_str("${");
                rest = &rest[at + 2..];
                continue;
            }
            out.push_str(&rest[..at]);
            let Some(end) = rest[at..].find('}') else {
                return Err(format!("an unterminated variable in {text:?}"));
            };
            let inner = &rest[at + 2..at + end];
            let (name, default) = match inner.find(":=").or_else(|| inner.find(":-")) {
                Some(i) => (&inner[..i], Some(&inner[i + 2..])),
                None => (inner, None),
            };
            match (self.values.get(name), default) {
                (Some(value), _) => out.push_str(value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => {
                    let maybe = if self.unknown.is_empty() {
                        String::new()
                    } else {
                        format!(" (it may come from {})", self.unknown.join(", "))
                    };
                    return Err(format!(
                        "variable {name} is not set by {}'s postBuild{maybe}",
                        self.owner
                    ));
                }
            }
            rest = &rest[at + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml;

    #[test]
    fn variables_come_from_substitute_then_the_tree_s_sources() {
        let text = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  path: ./apps/prod
  images: [{name: web, newTag: '3'}]
  postBuild:
    substitute: {REGISTRY: ghcr.io/org}
    substituteFrom:
      - {kind: ConfigMap, name: cluster-vars}
      - {kind: Secret, name: not-here}
      - {kind: Secret, name: also-not-here, optional: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-vars, namespace: flux-system}
data: {REGISTRY: overridden, TAG: '1.2'}
";
        let docs = yaml::parse(text).unwrap();
        let k = parse("clusters/prod.yaml", &docs[0]).unwrap();
        assert_eq!(k.path.as_deref(), Some("apps/prod"));
        assert_eq!(k.line, 5);
        assert_eq!(k.images.len(), 1);
        let mut objects = Objects::default();
        objects.add("clusters/vars.yaml", &docs[1]);
        let mut problems = Vec::new();
        let vars = Vars::of(&k, &objects, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].1, 11);
        assert_eq!(
            vars.substitute("${REGISTRY}/web:${TAG}").unwrap(),
            "ghcr.io/org/web:1.2"
        );
        assert_eq!(
            vars.substitute("web:${MISSING:=4}$${KEEP}").unwrap(),
            "web:4${KEEP}"
        );
        let err = vars.substitute("web:${MISSING}").unwrap_err();
        assert!(err.contains("variable MISSING is not set by Kustomization/flux-system/apps's postBuild (it may come from Secret/not-here)"), "{err}");
    }
}
