//! Kubernetes manifests: any YAML document with `apiVersion` and `kind`
//! (several per file, and `kind: List` items). Pod-bearing workloads,
//! RBAC roles and bindings, Services and Ingresses are checked; see
//! [`rules`].

mod network;
mod rbac;
pub mod rules;
mod workload;

use super::yaml::{self, Node};
use super::{Checker, FileType, Rule, Violation};

/// The Kubernetes checker (registered in [`super::CHECKERS`]).
pub struct Kubernetes;

impl Checker for Kubernetes {
    fn file_type(&self) -> FileType {
        FileType::Kubernetes
    }

    fn wants(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        lower.ends_with(".yaml") || lower.ends_with(".yml")
    }

    /// Only YAML that mentions both `apiVersion` and `kind` can hold a
    /// manifest: other YAML (compose files, CI config) is not a target.
    fn accepts(&self, content: &str) -> bool {
        content.contains("apiVersion") && content.contains("kind")
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let docs = yaml::parse(content)?;
        let mut out = Vec::new();
        for doc in &docs {
            if doc.get("kind").and_then(Node::as_str) == Some("List") {
                for item in doc.get("items").map(Node::items).unwrap_or_default() {
                    check_resource(item, &mut out);
                }
            } else {
                check_resource(doc, &mut out);
            }
        }
        out.sort_by_key(|v| (v.start_line, v.rule.id));
        Ok(out)
    }

    fn rules(&self) -> &'static [&'static Rule] {
        rules::RULES
    }
}

/// One Kubernetes object of a manifest.
struct Resource<'a> {
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    doc: &'a Node,
}

impl Resource<'_> {
    /// `Deployment 'web'`, as messages name the object.
    fn describe(&self) -> String {
        format!("{} '{}'", self.kind, self.name)
    }

    /// The fingerprint subject of something inside this object: the
    /// object's identity plus `part` (a container, volume or rule), never
    /// a line number.
    fn subject(&self, part: &str) -> String {
        format!(
            "{}/{}/{}/{part}",
            self.kind,
            self.namespace.unwrap_or(""),
            self.name
        )
    }

    fn violation(
        &self,
        rule: &'static Rule,
        message: String,
        node: (u32, u32),
        part: &str,
    ) -> Violation {
        Violation {
            rule,
            message,
            start_line: node.0,
            end_line: node.1.max(node.0),
            subject: self.subject(part),
        }
    }
}

fn check_resource(doc: &Node, out: &mut Vec<Violation>) {
    let (Some(_), Some(kind)) = (
        doc.get("apiVersion").and_then(Node::as_str),
        doc.get("kind").and_then(Node::as_str),
    ) else {
        return;
    };
    let metadata = doc.get("metadata");
    let field = |key| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
    let resource = Resource {
        kind,
        name: field("name").unwrap_or(""),
        namespace: field("namespace"),
        doc,
    };
    workload::check(&resource, out);
    rbac::check(&resource, out);
    network::check(&resource, out);
}

#[cfg(test)]
mod tests;
