//! Shared pieces of the CloudFormation and ARM adapters: both turn a
//! template's resources into the Terraform resource model ([`Block`]), so
//! every cloud rule is written once, against Terraform's attribute names,
//! and runs on HCL, `.tf.json`, plans, CloudFormation and ARM alike (as
//! Trivy adapts every format to one state before its checks run).
//!
//! A template's properties are converted generically (`PascalCase` or
//! `camelCase` keys to `snake_case`; objects become both attributes and
//! nested blocks, as in `tfjson.rs`), then each resource type's adapter
//! renames what Terraform names differently.

use super::hcl::{Attr, Block, Value};
use crate::config::yaml::{Node, Value as Yaml};

/// `SSEAlgorithm` → `sse_algorithm`, `minimumTlsVersion` →
/// `minimum_tls_version`, `KMSMasterKeyID` → `kms_master_key_id`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// Converts a properties object into a block of kind `kind`, evaluating
/// values with `eval` (which resolves the template's functions).
pub fn block(
    kind: &str,
    labels: Vec<String>,
    line: u32,
    properties: Option<&Node>,
    eval: &dyn Fn(&Node) -> Value,
) -> Block {
    let mut out = Block {
        kind: kind.to_string(),
        labels,
        line,
        attrs: Vec::new(),
        blocks: Vec::new(),
    };
    let Some(properties) = properties else {
        return out;
    };
    for (key, value) in properties.entries() {
        let Some(key) = key.as_str() else {
            continue;
        };
        let key = snake_case(key);
        let evaluated = eval(value);
        // Only literal objects nest; a function call is a value.
        let nested: Vec<&Node> = match (&value.value, &evaluated) {
            (Yaml::Map(_), Value::Object(_)) => vec![value],
            (Yaml::Seq(items), Value::List(_))
                if items
                    .iter()
                    .all(|i| matches!(i.value, Yaml::Map(_)) && !is_call(i)) =>
            {
                items.iter().collect()
            }
            _ => Vec::new(),
        };
        for child in nested {
            out.blocks
                .push(block(&key, Vec::new(), child.line, Some(child), eval));
        }
        out.attrs.push(Attr {
            key,
            value: evaluated,
            line: value.line,
            end_line: value.last_line(),
        });
    }
    out
}

/// Whether a node is a one-key mapping calling a template function
/// (`{"Ref": …}`, `{"Fn::If": …}`).
pub fn is_call(node: &Node) -> bool {
    match node.entries() {
        [(key, _)] => key
            .as_str()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::")),
        _ => false,
    }
}

/// Renames an attribute and the nested blocks of the same name.
pub fn rename(block: &mut Block, from: &str, to: &str) {
    for attr in block.attrs.iter_mut().filter(|a| a.key == from) {
        attr.key = to.to_string();
    }
    for nested in block.blocks.iter_mut().filter(|b| b.kind == from) {
        nested.kind = to.to_string();
    }
}

/// Moves a nested block's attributes and blocks up into `block`
/// (CloudFront's `DistributionConfig`, ARM's `properties`).
pub fn hoist(block: &mut Block, child: &str) {
    let (inner, rest): (Vec<Block>, Vec<Block>) = std::mem::take(&mut block.blocks)
        .into_iter()
        .partition(|b| b.kind == child);
    block.blocks = rest;
    block.attrs.retain(|a| a.key != child);
    for inner in inner {
        block.attrs.extend(inner.attrs);
        block.blocks.extend(inner.blocks);
    }
}

/// Sets an attribute (replacing one of the same name) at `line`.
pub fn set(block: &mut Block, key: &str, value: Value, line: u32) {
    block.attrs.retain(|a| a.key != key);
    block.attrs.push(Attr {
        key: key.to_string(),
        value,
        line,
        end_line: line,
    });
}

/// Maps an attribute's string value in place (`"Enabled"` → `true`); a
/// value the function does not know becomes unknown.
pub fn map_value(block: &mut Block, key: &str, f: impl Fn(&str) -> Option<Value>) {
    for attr in block.attrs.iter_mut().filter(|a| a.key == key) {
        attr.value = match &attr.value {
            Value::String(s) => f(s).unwrap_or(Value::Unknown),
            Value::Bool(b) => f(&b.to_string()).unwrap_or(Value::Unknown),
            other => other.clone(),
        };
    }
}

/// The first nested block `kind` of `block`, created (at the block's line)
/// when missing.
pub fn child<'a>(block: &'a mut Block, kind: &str) -> &'a mut Block {
    if let Some(index) = block.blocks.iter().position(|b| b.kind == kind) {
        return &mut block.blocks[index];
    }
    let line = block.line;
    block.blocks.push(Block {
        kind: kind.to_string(),
        labels: Vec::new(),
        line,
        attrs: Vec::new(),
        blocks: Vec::new(),
    });
    let last = block.blocks.len() - 1;
    &mut block.blocks[last]
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_cases_template_names() {
        for (from, to) in [
            ("SSEAlgorithm", "sse_algorithm"),
            ("KMSMasterKeyID", "kms_master_key_id"),
            ("minimumTlsVersion", "minimum_tls_version"),
            (
                "EnableIAMDatabaseAuthentication",
                "enable_iam_database_authentication",
            ),
            ("WebACLId", "web_acl_id"),
            ("http20Enabled", "http20_enabled"),
            ("MapPublicIpOnLaunch", "map_public_ip_on_launch"),
        ] {
            assert_eq!(snake_case(from), to);
        }
    }
}
