//! The images one Kubernetes document names: every container, init
//! container and ephemeral container of a pod or a workload's pod template,
//! and the `image` values of a Flux `HelmRelease` (its `valuesFrom` merged
//! under its `values`, see [`super::values`]).

use super::objects::Objects;
use super::patches::Slot;
use super::values::{self, Values};
use crate::config::yaml::Node;

/// A pod spec's container lists.
pub const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// Where an image is written, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// 1-based line of the value naming the image.
    pub line: u32,
    /// The reference as written (for a `HelmRelease`, composed from its
    /// `registry`, `repository`, `tag` and `digest` values).
    pub text: String,
    /// `Deployment/ns/web/app`: the object and container, never a line, so
    /// findings keep their fingerprint across edits.
    pub subject: String,
    /// The object's kind and name, which patches select.
    pub kind: String,
    pub name: String,
    /// The container (none for a HelmRelease value).
    pub slot: Option<Slot>,
    /// The file naming it when not the document's own (a HelmRelease
    /// value from a ConfigMap).
    pub file: Option<String>,
}

/// What a document gives: images, and what it names but cannot resolve.
#[derive(Debug, Default)]
pub struct Images {
    pub named: Vec<Named>,
    /// `(line, why)`.
    pub unresolved: Vec<(u32, String)>,
}

/// The documents of a file, `kind: List` items unfolded.
pub fn resources(docs: &[Node]) -> Vec<&Node> {
    let mut out = Vec::new();
    for doc in docs {
        if doc.get("kind").and_then(Node::as_str) == Some("List") {
            out.extend(doc.get("items").map(Node::items).unwrap_or_default());
        } else {
            out.push(doc);
        }
    }
    out
}

/// The images `doc` names; `objects` are the tree's ConfigMaps and
/// Secrets, which a HelmRelease's `valuesFrom` reads.
pub fn images(doc: &Node, objects: &Objects, out: &mut Images) {
    let (Some(api), Some(kind)) = (
        doc.get("apiVersion").and_then(Node::as_str),
        doc.get("kind").and_then(Node::as_str),
    ) else {
        return;
    };
    let meta = |key| {
        doc.path(&["metadata", key])
            .and_then(Node::as_str)
            .unwrap_or("")
    };
    let object = format!("{kind}/{}/{}", meta("namespace"), meta("name"));
    if kind == "HelmRelease" && api.starts_with("helm.toolkit.fluxcd.io/") {
        helm_release(doc, meta("namespace"), objects, &object, out);
        return;
    }
    let Some(spec) = pod_spec(kind, doc) else {
        return;
    };
    for list in CONTAINER_LISTS {
        for (index, container) in spec
            .get(list)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = container.get("name").and_then(Node::as_str).unwrap_or("");
            match container.get("image") {
                Some(image) => match image.as_str() {
                    Some(text) => out.named.push(Named {
                        line: image.line,
                        text: text.to_string(),
                        subject: format!("{object}/{name}"),
                        kind: kind.to_string(),
                        name: meta("name").to_string(),
                        slot: Some(Slot {
                            list,
                            index,
                            name: name.to_string(),
                        }),
                        file: None,
                    }),
                    None => out.unresolved.push((
                        image.line,
                        format!("{object}: container {name:?} has an image that is not a string"),
                    )),
                },
                // Kustomize or an admission webhook may fill it; nothing
                // to scan here.
                None => out.unresolved.push((
                    container.line,
                    format!("{object}: container {name:?} names no image"),
                )),
            }
        }
    }
}

/// The pod spec of a pod or of a workload's pod template. The kinds are
/// those the Kubernetes config checks know ([`crate::config::kubernetes`]).
pub fn pod_spec<'a>(kind: &str, doc: &'a Node) -> Option<&'a Node> {
    match kind {
        "Pod" => doc.get("spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => doc.path(&["spec", "template", "spec"]),
        "CronJob" => doc.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// A Flux `HelmRelease`: the `image` maps of its merged values (`image`,
/// `*.image`, at any depth) with a `repository`. The chart itself is not
/// rendered, so images it sets by default are said to be unresolved.
fn helm_release(doc: &Node, namespace: &str, objects: &Objects, object: &str, out: &mut Images) {
    let before = out.named.len() + out.unresolved.len();
    let mut problems = Vec::new();
    let merged = values::merged(doc, namespace, objects, &mut problems);
    let from_elsewhere = !problems.is_empty();
    out.unresolved.extend(
        problems
            .into_iter()
            .map(|(line, why)| (line, format!("{object}: {why}"))),
    );
    image_values(&merged, object, "", doc.line, out);
    if out.named.len() + out.unresolved.len() == before && !from_elsewhere {
        let chart = doc
            .path(&["spec", "chart", "spec", "chart"])
            .and_then(Node::as_str)
            .unwrap_or("its chart");
        out.unresolved.push((
            doc.line,
            format!("{object}: no image.repository in its values; the images of {chart} are not known without rendering it"),
        ));
    }
}

/// Walks a values tree for `image: {repository, tag}` maps; `at` is the
/// dotted path so far (`backend.`).
fn image_values(node: &Values, object: &str, at: &str, line: u32, out: &mut Images) {
    for (key, value) in node.entries() {
        if key == "image" {
            if let Some(repo) = value.get("repository") {
                helm_image(value, repo, object, &format!("{at}image"), line, out);
                continue;
            }
        }
        image_values(value, object, &format!("{at}{key}."), line, out);
    }
}

fn helm_image(
    image: &Values,
    repo: &Values,
    object: &str,
    path: &str,
    line: u32,
    out: &mut Images,
) {
    let field = |key| match image.get(key) {
        Some(Values::Scalar { text, .. }) if !text.is_empty() => Some(text.as_str()),
        _ => None,
    };
    let Values::Scalar {
        text: repository,
        file,
        line: repo_line,
    } = repo
    else {
        out.unresolved
            .push((line, format!("{object}: {path}.repository is not a string")));
        return;
    };
    let mut text = match field("registry") {
        Some(registry) => format!("{}/{repository}", registry.trim_end_matches('/')),
        None => repository.to_string(),
    };
    match (field("tag"), field("digest")) {
        (_, Some(digest)) => text.push_str(&format!("@{digest}")),
        (Some(tag), None) => text.push_str(&format!(":{tag}")),
        (None, None) => {
            let at = if file.is_none() { *repo_line } else { line };
            out.unresolved.push((
                at,
                format!("{object}: {path} names {text} without a tag; the chart's default (its appVersion) is not known without rendering it"),
            ));
            return;
        }
    }
    out.named.push(Named {
        line: *repo_line,
        text,
        subject: format!("{object}/{path}"),
        kind: "HelmRelease".into(),
        name: String::new(),
        slot: None,
        file: file.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml;

    fn found(text: &str) -> Images {
        let docs = yaml::parse(text).unwrap();
        let mut out = Images::default();
        for doc in resources(&docs) {
            images(doc, &Objects::default(), &mut out);
        }
        out
    }

    #[test]
    fn every_container_list_of_every_workload_kind() {
        let text = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: init
              image: busybox:1.36
          containers:
            - name: job
              image: ghcr.io/org/job@sha256:0000000000000000000000000000000000000000000000000000000000000000
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: debug, namespace: ops}
    spec:
      ephemeralContainers:
        - name: shell
          image: alpine:3.19
      containers:
        - name: app
          image: app:1
";
        let out = found(text);
        let got: Vec<(u32, &str, &str)> = out
            .named
            .iter()
            .map(|n| (n.line, n.text.as_str(), n.subject.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (11, "busybox:1.36", "CronJob//nightly/init"),
                (14, "ghcr.io/org/job@sha256:0000000000000000000000000000000000000000000000000000000000000000", "CronJob//nightly/job"),
                (28, "app:1", "Pod/ops/debug/app"),
                (25, "alpine:3.19", "Pod/ops/debug/shell"),
            ]
        );
        assert!(out.unresolved.is_empty());
    }

    #[test]
    fn json_manifests_have_lines_too() {
        let text = "{\n  \"apiVersion\": \"apps/v1\",\n  \"kind\": \"Deployment\",\n  \"metadata\": {\"name\": \"web\"},\n  \"spec\": {\"template\": {\"spec\": {\"containers\": [\n    {\"name\": \"web\",\n     \"image\": \"nginx:1.25\"}\n  ]}}}\n}\n";
        let out = found(text);
        assert_eq!(out.named.len(), 1);
        assert_eq!(
            (out.named[0].line, out.named[0].text.as_str()),
            (7, "nginx:1.25")
        );
    }

    #[test]
    fn helm_release_values_name_images_or_say_why_not() {
        let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  chart: {spec: {chart: podinfo}}
  values:
    image:
      registry: ghcr.io
      repository: stefanprodan/podinfo
      tag: 6.5.0
    cache:
      image:
        repository: redis
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: bare}
spec:
  chart: {spec: {chart: nginx}}
  valuesFrom: [{kind: ConfigMap, name: v}]
";
        let out = found(text);
        assert_eq!(out.named.len(), 1);
        assert_eq!(out.named[0].text, "ghcr.io/stefanprodan/podinfo:6.5.0");
        assert_eq!(out.named[0].line, 9);
        assert_eq!(out.unresolved.len(), 2);
        assert_eq!(out.unresolved[0].0, 13);
        assert!(
            out.unresolved[0]
                .1
                .contains("cache.image names redis without a tag"),
            "{:?}",
            out.unresolved
        );
        assert!(
            out.unresolved[1]
                .1
                .contains("valuesFrom ConfigMap/v is not in the scanned tree"),
            "{:?}",
            out.unresolved
        );
    }
}
