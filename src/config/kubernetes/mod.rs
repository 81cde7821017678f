//! Kubernetes manifests: any YAML document with `apiVersion` and `kind`
//! (several per file, and `kind: List` items). Pod-bearing workloads,
//! RBAC roles and bindings, Services, Ingresses, network policies, limit
//! ranges, quotas and ConfigMaps are checked; see [`rules`].

mod container;
mod network;
mod objects;
mod rbac;
pub mod rules;
mod workload;

use super::yaml::{self, Node};
use super::{CheckOptions, Checker, FileType, Rule, Violation};

/// The Kubernetes checker (registered in [`super::CHECKERS`]).
pub struct Kubernetes;

impl Checker for Kubernetes {
    fn file_type(&self) -> FileType {
        FileType::Kubernetes
    }

    fn wants(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
    }

    /// Only YAML that mentions both `apiVersion` and `kind` can hold a
    /// manifest: other YAML (compose files, CI config) is not a target.
    /// JSON (a subset of YAML 1.2, read by the same parser) must also have
    /// them at its top level, so Azure ARM templates and other JSON with
    /// nested `apiVersion`/`kind` keys are left to their own checkers;
    /// JSON that does not parse at all is taken, and reported as
    /// unparsable.
    fn accepts(&self, content: &str) -> bool {
        if !(content.contains("apiVersion") && content.contains("kind")) {
            return false;
        }
        if !content.trim_start().starts_with(['{', '[']) {
            return true;
        }
        match serde_json::from_str::<serde_json::Value>(content) {
            Ok(serde_json::Value::Object(top)) => {
                top.get("apiVersion")
                    .is_some_and(serde_json::Value::is_string)
                    && top.get("kind").is_some_and(serde_json::Value::is_string)
            }
            Ok(_) => false,
            Err(_) => true,
        }
    }

    fn check(&self, path: &str, content: &str) -> Result<Vec<Violation>, String> {
        self.check_with(path, content, &CheckOptions::default())
    }

    fn check_with(
        &self,
        path: &str,
        content: &str,
        options: &CheckOptions,
    ) -> Result<Vec<Violation>, String> {
        if path.to_ascii_lowercase().ends_with(".json") {
            // YAML accepts more than JSON (comments, trailing commas): a
            // `.json` file must be JSON.
            serde_json::from_str::<serde::de::IgnoredAny>(content)
                .map_err(|e| format!("invalid JSON: {e}"))?;
        }
        let docs = yaml::parse(content)?;
        Ok(check_documents(&docs, options))
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

/// The violations of manifests rendered from a Helm chart.
pub(crate) fn check_rendered(docs: &[Node], options: &CheckOptions) -> Vec<Violation> {
    check_documents(docs, options)
}

/// Runs every rule on parsed manifests (`kind: List` items one by one), in
/// line order.
fn check_documents(docs: &[Node], options: &CheckOptions) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in docs {
        if doc
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k == "List" || k.ends_with("List"))
        {
            for item in doc.get("items").map(Node::items).unwrap_or_default() {
                check_resource(item, options, &mut out);
            }
        } else {
            check_resource(doc, options, &mut out);
        }
    }
    out.sort_by_key(|v| (v.start_line, v.rule.id));
    out
}

fn check_resource(doc: &Node, options: &CheckOptions, out: &mut Vec<Violation>) {
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
    workload::check(&resource, options, out);
    rbac::check(&resource, out);
    network::check(&resource, out);
    objects::check(&resource, out);
}

#[cfg(test)]
mod tests;
