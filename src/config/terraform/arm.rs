//! Azure Resource Manager (ARM) templates adapted to the Terraform resource
//! model, so the Azure rules run on them unchanged.
//!
//! Template expressions (`"[…]"` strings) are evaluated as far as the
//! template allows: `parameters('x')` gives the parameter's
//! `defaultValue`, `variables('y')` the variable, `concat`, `toLower`,
//! `toUpper`, `if`, `equals`, `not`, `bool` and property access on
//! known objects work on known values; `resourceId(…)` and the like are
//! references (set, value unknown); anything else is unknown, and a rule
//! never fires on an unknown value. Child resources (nested `resources`)
//! are adapted with their full type.

use super::adapt;
use super::arm_types::{fix_up, parent_key, terraform_type};
use super::hcl::{Block, Module, Value};
use crate::config::yaml::{Node, Value as Json};

/// Whether text looks like an ARM deployment template (before parsing).
pub fn looks_like_template(content: &str) -> bool {
    content.contains("deploymentTemplate.json") && content.contains("\"resources\"")
}

/// Parses a template and adapts its resources.
pub fn module(content: &str) -> Result<Module, String> {
    let root = crate::config::json::parse(content)?;
    let Some(resources) = root
        .get("resources")
        .filter(|r| matches!(r.value, Json::Seq(_)))
    else {
        return Err("no `resources` list: not an ARM template".into());
    };
    let template = Template { root: &root };
    let mut blocks = Vec::new();
    for (index, resource) in resources.items().iter().enumerate() {
        template.adapt(resource, None, None, index, &mut blocks, 0);
    }
    Ok(Module { blocks })
}

struct Template<'a> {
    root: &'a Node,
}

impl Template<'_> {
    fn eval(&self, node: &Node) -> Value {
        match &node.value {
            Json::Null => Value::Null,
            Json::Scalar(s) => match s.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
                // `[[` escapes a literal bracket.
                Some(expression) if !expression.starts_with('[') => self.expression(expression),
                _ => Value::String(s.clone()),
            },
            Json::Seq(items) => Value::List(items.iter().map(|i| self.eval(i)).collect()),
            Json::Map(entries) => Value::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), self.eval(v))))
                    .collect(),
            ),
        }
    }

    fn expression(&self, text: &str) -> Value {
        let mut parser = Expression {
            text: text.as_bytes(),
            at: 0,
            template: self,
            depth: 0,
        };
        let value = parser.value();
        parser.skip_space();
        if parser.at == parser.text.len() {
            value
        } else {
            Value::Unknown
        }
    }

    fn parameter(&self, name: &str) -> Value {
        self.root
            .path(&["parameters", name, "defaultValue"])
            .map_or(Value::Unknown, |d| self.eval(d))
    }

    fn variable(&self, name: &str) -> Value {
        self.root
            .path(&["variables", name])
            .map_or(Value::Unknown, |v| self.eval(v))
    }

    /// Adapts one resource and its child resources; `root` is the name of
    /// the top-level resource a child is nested in.
    fn adapt(
        &self,
        resource: &Node,
        parent: Option<&str>,
        root: Option<&str>,
        index: usize,
        blocks: &mut Vec<Block>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        let Some(kind) = resource.get("type").and_then(Node::as_str) else {
            return;
        };
        let kind = match parent {
            Some(parent) if !kind.contains('/') || !kind.starts_with("Microsoft.") => {
                format!("{parent}/{kind}")
            }
            _ => kind.to_string(),
        };
        let raw_name = match resource.get("name").map(|n| self.eval(n)) {
            Some(Value::String(name)) => Some(name),
            _ => None,
        };
        let name = raw_name
            .as_ref()
            .map_or_else(|| format!("resource{index}"), |n| n.replace('/', "_"));
        let root = root.or(raw_name.as_deref());
        if let Some(tf_type) = terraform_type(&kind, resource) {
            let eval = |n: &Node| self.eval(n);
            let mut block = adapt::block(
                "resource",
                vec![tf_type.to_string(), name],
                resource.line,
                resource.get("properties"),
                &eval,
            );
            if let Some(identity) = resource.get("identity") {
                block.blocks.push(adapt::block(
                    "identity",
                    Vec::new(),
                    identity.line,
                    Some(identity),
                    &eval,
                ));
            }
            if let Some(sku) = resource.get("sku") {
                block
                    .blocks
                    .push(adapt::block("sku", Vec::new(), sku.line, Some(sku), &eval));
            }
            if let (Some(raw), None) = (&raw_name, block.attr("name")) {
                adapt::set(
                    &mut block,
                    "name",
                    Value::String(raw.clone()),
                    resource.line,
                );
            }
            fix_up(tf_type, &mut block);
            if let (Some(key), Some(root)) = (parent_key(tf_type), root) {
                // A child (`account/default/name`, or nested in the account)
                // names its parent by the first segment of the top-level
                // name, as Terraform's `storage_account_name`/`server_id`.
                if let Some(parent) = root.split('/').next() {
                    let parent = Value::String(parent.to_string());
                    adapt::set(&mut block, key, parent, resource.line);
                }
            }
            blocks.push(block);
        }
        for (i, nested) in resource
            .get("resources")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            self.adapt(nested, Some(&kind), root, i, blocks, depth + 1);
        }
    }
}

/// A small parser for ARM's expression language.
struct Expression<'a, 'b> {
    text: &'a [u8],
    at: usize,
    template: &'b Template<'b>,
    depth: usize,
}

impl Expression<'_, '_> {
    fn skip_space(&mut self) {
        while self
            .text
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.text.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Value {
        self.depth += 1;
        if self.depth > 64 {
            return Value::Unknown;
        }
        self.skip_space();
        let mut value = match self.text.get(self.at) {
            Some(b'\'') => {
                self.at += 1;
                let mut out = String::new();
                while let Some(&b) = self.text.get(self.at) {
                    self.at += 1;
                    if b == b'\'' {
                        if self.text.get(self.at) == Some(&b'\'') {
                            self.at += 1;
                            out.push('\'');
                            continue;
                        }
                        break;
                    }
                    out.push(b as char);
                }
                Value::String(out)
            }
            Some(b) if b.is_ascii_digit() || *b == b'-' => {
                let start = self.at;
                self.at += 1;
                while self.text.get(self.at).is_some_and(|b| b.is_ascii_digit()) {
                    self.at += 1;
                }
                String::from_utf8_lossy(&self.text[start..self.at])
                    .parse()
                    .map_or(Value::Unknown, Value::Number)
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.at;
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    self.at += 1;
                }
                let name = String::from_utf8_lossy(&self.text[start..self.at]).to_ascii_lowercase();
                let mut args = Vec::new();
                if self.eat(b'(') && !self.eat(b')') {
                    loop {
                        args.push(self.value());
                        if self.eat(b',') {
                            continue;
                        }
                        if !self.eat(b')') {
                            self.at = self.text.len() + 1;
                        }
                        break;
                    }
                }
                self.call(&name, args)
            }
            _ => {
                self.at = self.text.len() + 1;
                Value::Unknown
            }
        };
        // Property access and indexes: `parameters('x').name`, `[0]`.
        loop {
            if self.eat(b'.') {
                let start = self.at;
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    self.at += 1;
                }
                let key = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
                value = match value {
                    Value::Object(entries) => entries
                        .into_iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                        .map_or(Value::Unknown, |(_, v)| v),
                    Value::Reference(r) => Value::Reference(r),
                    _ => Value::Unknown,
                };
            } else if self.eat(b'[') {
                let index = self.value();
                self.eat(b']');
                value = match (value, index.as_i64()) {
                    (Value::List(items), Some(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.into_iter().nth(i))
                        .unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                };
            } else {
                break;
            }
        }
        self.depth -= 1;
        value
    }

    fn call(&self, name: &str, args: Vec<Value>) -> Value {
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match (name, args.as_slice()) {
            ("parameters", [Value::String(n)]) => self.template.parameter(n),
            ("variables", [Value::String(n)]) => self.template.variable(n),
            ("concat", parts)
                if parts.iter().all(|p| matches!(p, Value::List(_))) && !parts.is_empty() =>
            {
                Value::List(
                    parts
                        .iter()
                        .flat_map(|p| match p {
                            Value::List(items) => items.clone(),
                            _ => Vec::new(),
                        })
                        .collect(),
                )
            }
            ("concat", parts) => parts
                .iter()
                .map(text)
                .collect::<Option<Vec<_>>>()
                .map_or(Value::Unknown, |p| Value::String(p.concat())),
            ("tolower", [Value::String(s)]) => Value::String(s.to_lowercase()),
            ("toupper", [Value::String(s)]) => Value::String(s.to_uppercase()),
            ("bool", [v]) => v.as_bool().map_or(Value::Unknown, Value::Bool),
            ("string", [v]) => text(v).map_or(Value::Unknown, Value::String),
            ("int", [v]) => v
                .as_i64()
                .map_or(Value::Unknown, |n| Value::Number(n as f64)),
            ("true", []) => Value::Bool(true),
            ("false", []) => Value::Bool(false),
            ("equals", [a, b]) => match (text(a), text(b)) {
                (Some(a), Some(b)) => Value::Bool(a.eq_ignore_ascii_case(&b)),
                _ => Value::Unknown,
            },
            ("not", [v]) => v.as_bool().map_or(Value::Unknown, |b| Value::Bool(!b)),
            ("if", [condition, yes, no]) => match condition.as_bool() {
                Some(true) => yes.clone(),
                Some(false) => no.clone(),
                None => Value::Unknown,
            },
            ("resourceid" | "reference" | "subscriptionresourceid" | "extensionresourceid", _) => {
                Value::Reference(format!("arm.{name}"))
            }
            _ => Value::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "tls": {"type": "string", "defaultValue": "TLS1_0"},
    "name": {"type": "string", "defaultValue": "store"}
  },
  "variables": {"https": false},
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "name": "[concat(parameters('name'), 'x')]",
      "sku": {"name": "Standard_LRS"},
      "properties": {
        "supportsHttpsTrafficOnly": "[variables('https')]",
        "minimumTlsVersion": "[parameters('tls')]",
        "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices, Logging"}
      }
    }
  ]
}"#;

    #[test]
    fn expressions_resolve_and_resources_adapt() {
        let module = module(TEMPLATE).expect("template");
        let account = &module.blocks[0];
        assert_eq!(account.address(), "azurerm_storage_account.storex");
        assert_eq!(
            account
                .value("https_traffic_only_enabled")
                .and_then(Value::as_bool),
            Some(false)
        );
        assert_eq!(
            account.value("min_tls_version"),
            Some(&Value::String("TLS1_0".into()))
        );
        assert_eq!(account.attr("min_tls_version").map(|a| a.line), Some(15));
        assert_eq!(
            account.value("account_replication_type"),
            Some(&Value::String("LRS".into()))
        );
        let rules = account
            .blocks("network_rules")
            .next()
            .expect("network rules");
        assert_eq!(
            rules.value("bypass").map(Value::strings),
            Some(vec!["AzureServices", "Logging"])
        );
    }

    #[test]
    fn a_file_without_resources_is_an_error() {
        assert!(module("{\"$schema\": \"x\"}").is_err());
        assert!(module("{\"resources\": [").is_err());
    }
}
