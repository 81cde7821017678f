//! A Flux `HelmRelease`'s values as helm-controller merges them: each
//! `spec.valuesFrom` source in order (a ConfigMap or Secret key holding a
//! values file, or one value put at `targetPath`), then `spec.values` on
//! top. Every scalar remembers the file and line it came from, so an image
//! set in a ConfigMap is reported on the ConfigMap's line.

use super::objects::{Lookup, Objects};
use crate::config::yaml::{self, Node, Value};

/// A values tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Map(Vec<(String, Values)>),
    Scalar {
        text: String,
        /// `None`: the HelmRelease's own file.
        file: Option<String>,
        line: u32,
    },
    /// A list, or null: never an image map.
    Other,
}

impl Values {
    /// `node` as values; `file` and `offset` say where its lines are (a
    /// values file inside a ConfigMap starts below the ConfigMap's key).
    pub fn from_node(node: &Node, file: Option<&str>, offset: u32) -> Values {
        match &node.value {
            Value::Map(entries) => Values::Map(
                entries
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.as_str()?.to_string(), Values::from_node(v, file, offset)))
                    })
                    .collect(),
            ),
            Value::Scalar(text) => Values::Scalar {
                text: text.clone(),
                file: file.map(str::to_string),
                line: node.line + offset,
            },
            Value::Seq(_) | Value::Null => Values::Other,
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Values> {
        match self {
            Values::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries of a map (none for anything else).
    pub fn entries(&self) -> &[(String, Values)] {
        match self {
            Values::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Merges `over` into `self` as Helm merges values: maps key by key,
    /// anything else replaced.
    pub fn merge(&mut self, over: Values) {
        match (self, over) {
            (Values::Map(base), Values::Map(over)) => {
                for (key, value) in over {
                    match base.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, existing)) => existing.merge(value),
                        None => base.push((key, value)),
                    }
                }
            }
            (base, over) => *base = over,
        }
    }

    /// Sets the value at a dotted `path` (`image.tag`), creating maps.
    fn set(&mut self, path: &str, value: Values) {
        let mut node = self;
        for key in path.split('.') {
            if !matches!(node, Values::Map(_)) {
                *node = Values::Map(Vec::new());
            }
            let Values::Map(entries) = node else {
                return;
            };
            let at = match entries.iter().position(|(k, _)| k == key) {
                Some(at) => at,
                None => {
                    entries.push((key.to_string(), Values::Map(Vec::new())));
                    entries.len() - 1
                }
            };
            node = &mut entries[at].1;
        }
        *node = value;
    }
}

/// The merged values of the `HelmRelease` `doc` in `namespace`; a
/// `valuesFrom` source that is not `optional` and not readable here is a
/// problem `(line, why)`.
pub fn merged(
    doc: &Node,
    namespace: &str,
    objects: &Objects,
    problems: &mut Vec<(u32, String)>,
) -> Values {
    let mut values = Values::Map(Vec::new());
    for from in doc
        .path(&["spec", "valuesFrom"])
        .map(Node::items)
        .unwrap_or_default()
    {
        let field = |key| from.get(key).and_then(Node::as_str).unwrap_or("");
        let (kind, name) = (field("kind"), field("name"));
        let key = Some(field("valuesKey"))
            .filter(|k| !k.is_empty())
            .unwrap_or("values.yaml");
        let optional = from.get("optional").is_some_and(Node::is_true);
        let data = match objects.find(kind, namespace, name) {
            Lookup::Found(object) => match object.data.get(key) {
                Some(data) => data,
                None if optional => continue,
                None => {
                    problems.push((from.line, format!("valuesFrom {kind}/{name} has no key {key}: the images it would set are not known")));
                    continue;
                }
            },
            Lookup::Missing if optional => continue,
            Lookup::Missing => {
                problems.push((from.line, format!("valuesFrom {kind}/{name} is not in the scanned tree: the images it sets are not known")));
                continue;
            }
            Lookup::Encrypted => {
                problems.push((from.line, format!("valuesFrom {kind}/{name} is SOPS-encrypted: the images it sets are not known")));
                continue;
            }
        };
        let target = field("targetPath");
        if !target.is_empty() {
            let value = Values::Scalar {
                text: data.text.clone(),
                file: Some(data.file.clone()),
                line: data.line,
            };
            values.set(target, value);
            continue;
        }
        // The value's line is its first line of text (for a block scalar,
        // `values.yaml: |`, the line below the key).
        let offset = data.line.saturating_sub(1);
        match yaml::parse(&data.text) {
            Ok(docs) => {
                if let Some(first) = docs.first() {
                    values.merge(Values::from_node(first, Some(&data.file), offset));
                }
            }
            Err(e) => problems.push((
                from.line,
                format!("valuesFrom {kind}/{name} key {key} is not YAML ({e}): the images it sets are not known"),
            )),
        }
    }
    if let Some(own) = doc.path(&["spec", "values"]) {
        values.merge(Values::from_node(own, None, 0));
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_merge_under_the_inline_values() {
        let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  valuesFrom:
    - kind: ConfigMap
      name: web-values
    - kind: Secret
      name: tag
      valuesKey: tag
      targetPath: image.tag
    - kind: ConfigMap
      name: elsewhere
  values:
    image:
      registry: ghcr.io
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-values, namespace: apps}
data:
  values.yaml: |
    image:
      registry: docker.io
      repository: org/web
      tag: '1'
---
apiVersion: v1
kind: Secret
metadata: {name: tag}
stringData: {tag: '2'}
";
        let docs = yaml::parse(text).unwrap();
        let mut objects = Objects::default();
        for doc in &docs[1..] {
            objects.add("values.yaml", doc);
        }
        let mut problems = Vec::new();
        let values = merged(&docs[0], "apps", &objects, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, 12);
        let image = values.get("image").unwrap();
        let scalar = |key| match image.get(key) {
            Some(Values::Scalar { text, file, line }) => (text.clone(), file.clone(), *line),
            other => panic!("{other:?}"),
        };
        assert_eq!(scalar("registry"), ("ghcr.io".into(), None, 16));
        assert_eq!(
            scalar("repository"),
            ("org/web".into(), Some("values.yaml".into()), 25)
        );
        assert_eq!(scalar("tag").0, "2");
    }
}
