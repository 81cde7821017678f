//! Terraform's other two JSON shapes, read into the HCL model ([`Module`],
//! [`Block`]) so every rule runs on them unchanged:
//!
//! - `.tf.json` (Terraform's JSON configuration syntax): the same blocks
//!   as `.tf`, with `"${…}"` strings evaluated like HCL templates.
//! - Plan JSON (`terraform show -json plan`): `planned_values`, where
//!   variables, locals and modules are already resolved. Values Terraform
//!   only knows after apply (`after_unknown`) are [`Value::Unknown`].
//!
//! `count` and `for_each` expand `.tf.json` resources and data sources as
//! they do in `.tf` ([`Evaluator::instances`]).
//!
//! JSON cannot tell a nested block from an object attribute without the
//! provider's schema, so an object (or a list of objects) is both: an
//! attribute holding the value and nested blocks, which is what the rules
//! look for either way.

use super::eval::Evaluator;
use super::hcl::{self, Attr, Block, Module, ModuleCall, Scope, Value, EXPANSION_BUDGET};
use crate::config::yaml::{Node, Value as Json};
use std::cell::Cell;
use std::collections::HashMap;

/// An evaluator of `scope` with nothing bound.
fn evaluator<'a>(scope: &'a Scope, budget: &'a Cell<usize>) -> Evaluator<'a> {
    Evaluator {
        scope,
        bindings: Vec::new(),
        budget,
    }
}

/// A parsed `.tf.json` file, converted once per scope like [`hcl::Source`].
pub struct Source {
    root: Node,
}

impl Source {
    pub fn parse(content: &str) -> Result<Source, String> {
        let root = crate::config::json::parse(content)?;
        if !matches!(root.value, Json::Map(_)) {
            return Err("a .tf.json file must hold a JSON object".into());
        }
        Ok(Source { root })
    }

    /// `(label, body)` of each block of one kind: `{"variable": {"x": {…}}}`.
    fn labelled<'a>(&'a self, kind: &str) -> Vec<(&'a str, &'a Node)> {
        let Some(by_name) = self.root.get(kind) else {
            return Vec::new();
        };
        by_name
            .entries()
            .iter()
            .filter_map(|(name, body)| Some((name.as_str()?, body)))
            .flat_map(|(name, body)| bodies(body).into_iter().map(move |b| (name, b)))
            .collect()
    }

    pub fn variable_defaults(&self) -> Vec<(String, Value)> {
        let (empty, budget) = (Scope::default(), Cell::new(EXPANSION_BUDGET));
        let eval = evaluator(&empty, &budget);
        self.labelled("variable")
            .into_iter()
            .filter_map(|(name, body)| {
                let value = convert_value(body.get("default")?, &eval);
                (!matches!(value, Value::Unknown | Value::Reference(_)))
                    .then(|| (name.to_string(), value))
            })
            .collect()
    }

    pub fn locals(&self, scope: &Scope) -> Vec<(String, Value)> {
        let Some(locals) = self.root.get("locals") else {
            return Vec::new();
        };
        let budget = Cell::new(EXPANSION_BUDGET);
        let eval = evaluator(scope, &budget);
        bodies(locals)
            .into_iter()
            .flat_map(|body| body.entries())
            .filter_map(|(key, value)| {
                Some((key.as_str()?.to_string(), convert_value(value, &eval)))
            })
            .collect()
    }

    pub fn module_calls(&self, scope: &Scope) -> Vec<ModuleCall> {
        let budget = Cell::new(EXPANSION_BUDGET);
        let eval = evaluator(scope, &budget);
        self.labelled("module")
            .into_iter()
            .filter_map(|(name, body)| {
                let source = convert_value(body.get("source")?, &eval);
                let inputs = body
                    .entries()
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str()?, v)))
                    .filter(|(k, _)| {
                        ![
                            "source",
                            "version",
                            "count",
                            "for_each",
                            "providers",
                            "depends_on",
                        ]
                        .contains(k)
                    })
                    .map(|(k, v)| (k.to_string(), convert_value(v, &eval)))
                    .collect();
                Some(ModuleCall {
                    name: name.to_string(),
                    source: source.as_str()?.to_string(),
                    line: body.line,
                    inputs,
                })
            })
            .collect()
    }

    pub fn convert(&self, scope: &Scope) -> Module {
        let budget = Cell::new(EXPANSION_BUDGET);
        let eval = evaluator(scope, &budget);
        let mut blocks = Vec::new();
        for kind in ["resource", "data"] {
            let Some(by_type) = self.root.get(kind) else {
                continue;
            };
            for (resource_type, by_name) in by_type.entries() {
                let Some(resource_type) = resource_type.as_str() else {
                    continue;
                };
                for (name, body) in by_name.entries() {
                    let Some(name) = name.as_str() else {
                        continue;
                    };
                    for body in bodies(body) {
                        let value = |key| body.get(key).map(|v| convert_value(v, &eval));
                        let instances = eval
                            .instances(value("count"), value("for_each"))
                            .unwrap_or_else(|| vec![(String::new(), eval.clone())]);
                        for (key, instance) in instances {
                            let labels = vec![resource_type.to_string(), format!("{name}{key}")];
                            blocks.push(block(kind, labels, body, &instance));
                        }
                    }
                }
            }
        }
        Module { blocks }
    }
}

/// A block's body, or each of them when the JSON holds a list.
fn bodies(node: &Node) -> Vec<&Node> {
    match &node.value {
        Json::Seq(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// A JSON object as a block: scalars are attributes, objects and lists of
/// objects are both attributes and nested blocks.
fn block(kind: &str, labels: Vec<String>, body: &Node, eval: &Evaluator) -> Block {
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for (key, value) in body.entries() {
        let Some(key) = key.as_str() else {
            continue;
        };
        let nested: Vec<&Node> = match &value.value {
            Json::Map(_) => vec![value],
            Json::Seq(items)
                if !items.is_empty() && items.iter().all(|i| matches!(i.value, Json::Map(_))) =>
            {
                items.iter().collect()
            }
            _ => Vec::new(),
        };
        for child in nested {
            blocks.push(block(key, Vec::new(), child, eval));
        }
        attrs.push(Attr {
            key: key.to_string(),
            value: convert_value(value, eval),
            line: value.line,
            end_line: value.last_line(),
        });
    }
    Block {
        kind: kind.to_string(),
        labels,
        line: body.line,
        attrs,
        blocks,
    }
}

/// A JSON value as an HCL value; strings are templates.
fn convert_value(node: &Node, eval: &Evaluator) -> Value {
    match &node.value {
        Json::Null => Value::Null,
        Json::Scalar(text) => hcl::eval_template(text, eval),
        Json::Seq(items) => Value::List(items.iter().map(|i| convert_value(i, eval)).collect()),
        Json::Map(entries) => Value::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), convert_value(v, eval))))
                .collect(),
        ),
    }
}

/// Whether a JSON document is Terraform plan output.
pub fn is_plan(root: &Node) -> bool {
    root.get("planned_values").is_some()
        && (root.get("format_version").is_some() || root.get("terraform_version").is_some())
}

/// A plan's planned resources as one module: every resource of the root
/// module and of its child modules, with values Terraform only knows after
/// apply marked unknown.
pub fn plan_module(root: &Node) -> Module {
    let unknown = after_unknown(root);
    let mut blocks = Vec::new();
    if let Some(module) = root.path(&["planned_values", "root_module"]) {
        collect_plan_resources(module, &unknown, &mut blocks, 0);
    }
    Module { blocks }
}

/// `resource_changes[].change.after_unknown`, by resource address.
fn after_unknown(root: &Node) -> HashMap<&str, &Node> {
    root.get("resource_changes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|change| {
            Some((
                change.get("address")?.as_str()?,
                change.path(&["change", "after_unknown"])?,
            ))
        })
        .collect()
}

fn collect_plan_resources<'a>(
    module: &'a Node,
    unknown: &HashMap<&str, &'a Node>,
    blocks: &mut Vec<Block>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for resource in module.get("resources").map(Node::items).unwrap_or_default() {
        let field = |key| resource.get(key).and_then(Node::as_str);
        let (Some(address), Some(resource_type), Some(values)) =
            (field("address"), field("type"), resource.get("values"))
        else {
            continue;
        };
        let kind = if field("mode") == Some("data") {
            "data"
        } else {
            "resource"
        };
        // The address without its type, so module paths and indexes keep
        // resources of different modules apart: `module.a.x`, `x[0]`.
        let name = address.strip_prefix("data.").unwrap_or(address).replacen(
            &format!("{resource_type}."),
            "",
            1,
        );
        let (empty, budget) = (Scope::default(), Cell::new(EXPANSION_BUDGET));
        let mut block = block(
            kind,
            vec![resource_type.to_string(), name],
            values,
            &evaluator(&empty, &budget),
        );
        block.line = resource.line;
        if let Some(unknown) = unknown.get(address) {
            mark_unknown(&mut block, unknown);
        }
        blocks.push(block);
    }
    for child in module
        .get("child_modules")
        .map(Node::items)
        .unwrap_or_default()
    {
        collect_plan_resources(child, unknown, blocks, depth + 1);
    }
}

/// Adds each attribute `after_unknown` marks `true` as [`Value::Unknown`]
/// (it is absent from `values`).
fn mark_unknown(block: &mut Block, unknown: &Node) {
    for (key, flag) in unknown.entries() {
        let Some(key) = key.as_str() else {
            continue;
        };
        if flag.is_true() && block.attr(key).is_none() {
            block.attrs.push(Attr {
                key: key.to_string(),
                value: Value::Unknown,
                line: block.line,
                end_line: block.line,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_json_blocks_and_templates() {
        let source = Source::parse(
            r#"{
  "variable": {"acl": {"default": "public-read"}},
  "resource": {
    "aws_s3_bucket": {
      "logs": {
        "bucket": "logs-${var.env}",
        "acl": "${var.acl}",
        "versioning": {"enabled": false}
      }
    }
  }
}"#,
        )
        .expect("parses");
        let scope = Scope {
            variables: source.variable_defaults().into_iter().collect(),
            locals: HashMap::new(),
        };
        let module = source.convert(&scope);
        let bucket = &module.blocks[0];
        assert_eq!(bucket.address(), "aws_s3_bucket.logs");
        assert_eq!(bucket.line, 5);
        assert_eq!(
            bucket.value("acl"),
            Some(&Value::String("public-read".into()))
        );
        assert_eq!(bucket.value("bucket"), Some(&Value::Unknown));
        let versioning = bucket.blocks("versioning").next().expect("nested block");
        assert_eq!(
            versioning.value("enabled").and_then(Value::as_bool),
            Some(false)
        );
        assert_eq!(versioning.attr("enabled").map(|a| a.line), Some(8));
    }

    #[test]
    fn plan_values_and_unknowns() {
        let plan = crate::config::json::parse(
            r#"{"format_version": "1.2", "planned_values": {"root_module": {
  "resources": [{"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
    "values": {"bucket": "b", "acl": "public-read"}}],
  "child_modules": [{"resources": [{"address": "module.m.aws_sqs_queue.q", "mode": "managed",
    "type": "aws_sqs_queue", "name": "q", "values": {"name": "q"}}]}]}},
  "resource_changes": [{"address": "module.m.aws_sqs_queue.q", "change": {"after_unknown": {"kms_master_key_id": true}}}]}"#,
        )
        .expect("parses");
        assert!(is_plan(&plan));
        let module = plan_module(&plan);
        let addresses: Vec<String> = module.blocks.iter().map(Block::address).collect();
        assert_eq!(addresses, ["aws_s3_bucket.b", "aws_sqs_queue.module.m.q"]);
        assert_eq!(
            module.blocks[1].value("kms_master_key_id"),
            Some(&Value::Unknown)
        );
    }
}
