//! The ConfigMaps and Secrets a tree defines. In the cluster, Flux reads
//! a `Kustomization`'s `postBuild.substituteFrom` and a `HelmRelease`'s
//! `valuesFrom` from such objects; without a cluster, the ones committed
//! beside the manifests are the only ones known. Each value remembers its
//! file and line, so an image it names is reported there.

use crate::config::yaml::Node;
use base64::Engine as _;
use std::collections::BTreeMap;

/// One key's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    pub file: String,
    /// The line of the value (for a block scalar, its first line of text).
    pub line: u32,
    pub text: String,
}

/// A ConfigMap or Secret of the tree.
#[derive(Debug, Default)]
pub struct Object {
    pub namespace: String,
    pub data: BTreeMap<String, Data>,
    /// A SOPS-encrypted Secret: its values are not readable here.
    pub encrypted: bool,
}

/// What a lookup gives.
pub enum Lookup<'a> {
    Found(&'a Object),
    /// Not in the tree (it may exist in the cluster).
    Missing,
    /// In the tree, but SOPS-encrypted.
    Encrypted,
}

/// The tree's ConfigMaps and Secrets by kind and name.
#[derive(Debug, Default)]
pub struct Objects {
    by_name: BTreeMap<(String, String), Vec<Object>>,
}

impl Objects {
    /// Records `doc` when it is a core `v1` ConfigMap or Secret.
    pub fn add(&mut self, file: &str, doc: &Node) {
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
        if doc.get("apiVersion").and_then(Node::as_str) != Some("v1")
            || !matches!(kind, "ConfigMap" | "Secret")
        {
            return;
        }
        let meta = |key| {
            doc.path(&["metadata", key])
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        let name = meta("name");
        if name.is_empty() {
            return;
        }
        let mut object = Object {
            namespace: meta("namespace"),
            encrypted: doc.get("sops").is_some(),
            ..Object::default()
        };
        let value = |node: &Node, text: String| Data {
            file: file.to_string(),
            line: node.line,
            text,
        };
        if kind == "Secret" {
            for (key, node) in doc.get("data").map(Node::entries).unwrap_or_default() {
                let (Some(key), Some(encoded)) = (key.as_str(), node.as_str()) else {
                    continue;
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok());
                if let Some(text) = decoded {
                    object.data.insert(key.to_string(), value(node, text));
                }
            }
        }
        let plain = if kind == "Secret" {
            "stringData"
        } else {
            "data"
        };
        for (key, node) in doc.get(plain).map(Node::entries).unwrap_or_default() {
            if let (Some(key), Some(text)) = (key.as_str(), node.as_str()) {
                object
                    .data
                    .insert(key.to_string(), value(node, text.to_string()));
            }
        }
        self.by_name
            .entry((kind.to_string(), name))
            .or_default()
            .push(object);
    }

    /// The `kind` (`ConfigMap` or `Secret`) named `name` that an object in
    /// `namespace` reads: one in that namespace, else one whose namespace
    /// the manifests leave to the deployment (empty), else, when the reader's
    /// own namespace is not written, the first of that name.
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> Lookup<'_> {
        let Some(all) = self.by_name.get(&(kind.to_string(), name.to_string())) else {
            return Lookup::Missing;
        };
        let found = all
            .iter()
            .find(|o| o.namespace == namespace)
            .or_else(|| all.iter().find(|o| o.namespace.is_empty()))
            .or_else(|| all.first().filter(|_| namespace.is_empty()));
        match found {
            Some(o) if o.encrypted => Lookup::Encrypted,
            Some(o) => Lookup::Found(o),
            None => Lookup::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml;

    #[test]
    fn secrets_are_decoded_and_namespaces_chosen() {
        let text = "\
apiVersion: v1
kind: Secret
metadata: {name: vars, namespace: apps}
data:
  TAG: MS4y
stringData:
  REGISTRY: ghcr.io/org
---
apiVersion: v1
kind: ConfigMap
metadata: {name: vars}
data:
  TAG: '9'
---
apiVersion: v1
kind: Secret
metadata: {name: sealed}
data: {TAG: ENC}
sops: {version: 3}
";
        let mut objects = Objects::default();
        for doc in yaml::parse(text).unwrap() {
            objects.add("vars.yaml", &doc);
        }
        let Lookup::Found(secret) = objects.find("Secret", "apps", "vars") else {
            panic!("the Secret is in the tree");
        };
        assert_eq!(secret.data["TAG"].text, "1.2");
        assert_eq!(secret.data["TAG"].line, 5);
        assert_eq!(secret.data["REGISTRY"].text, "ghcr.io/org");
        assert!(matches!(
            objects.find("Secret", "other", "vars"),
            Lookup::Missing
        ));
        assert!(matches!(
            objects.find("ConfigMap", "other", "vars"),
            Lookup::Found(_)
        ));
        assert!(matches!(
            objects.find("Secret", "", "sealed"),
            Lookup::Encrypted
        ));
    }
}
