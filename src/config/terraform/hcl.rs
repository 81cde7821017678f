//! Terraform's HCL reduced to what the rules need: blocks, nested blocks and
//! attributes with their line numbers, and attribute values that are
//! literals, or that a [`Scope`] resolves: `var.NAME` (defaults, tfvars,
//! module inputs), `local.NAME`, conditionals on known values and string
//! templates whose interpolations are all known.
//!
//! Nothing is evaluated beyond that: functions (except `jsonencode` of a
//! literal), `count`/`for_each` and references to other resources become
//! [`Value::Unknown`] or [`Value::Reference`], so a rule can tell "not set"
//! from "set to something we cannot see" and stays quiet on the latter.

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;
use std::collections::HashMap;

/// A parsed `.tf` file: its top-level blocks in file order.
#[derive(Debug, Clone)]
pub struct Module {
    pub blocks: Vec<Block>,
}

/// A block (`resource "aws_s3_bucket" "logs" { … }` or a nested `ingress { … }`).
#[derive(Debug, Clone)]
pub struct Block {
    /// The block type: `resource`, `data`, `variable`, `ingress`, …
    pub kind: String,
    pub labels: Vec<String>,
    /// The line of the block header, where a "missing" finding points.
    pub line: u32,
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

/// One `key = value` line (or lines, for heredocs and lists).
#[derive(Debug, Clone)]
pub struct Attr {
    pub key: String,
    pub value: Value,
    pub line: u32,
    pub end_line: u32,
}

/// An attribute value, as far as it is known without evaluating Terraform.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
    /// A reference such as `aws_s3_bucket.logs.id`, kept as written so rules
    /// can match resources that point at each other.
    Reference(String),
    /// Anything computed: function calls, interpolation, conditionals.
    Unknown,
}

impl Value {
    /// The value as a boolean; Terraform converts `"true"`/`"false"` strings.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer; Terraform converts numeric strings.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if n.fract() == 0.0 => Some(*n as i64),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The strings of a list (or of a single string), skipping unknown items.
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(s) => vec![s.as_str()],
            Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The value as JSON, when it is entirely literal (for `jsonencode`).
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n)?.into(),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => items
                .iter()
                .map(Value::to_json)
                .collect::<Option<Vec<_>>>()?
                .into(),
            Value::Object(entries) => entries
                .iter()
                .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                .collect::<Option<serde_json::Map<_, _>>>()?
                .into(),
            Value::Reference(_) | Value::Unknown => return None,
        })
    }
}

impl Block {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.key == key)
    }

    /// The attribute's value, or `None` when the attribute is absent.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.attr(key).map(|a| &a.value)
    }

    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// Whether this is `resource "<resource_type>" "…"`.
    pub fn is_resource(&self, resource_type: &str) -> bool {
        self.kind == "resource" && self.labels.first().map(String::as_str) == Some(resource_type)
    }

    /// Whether this is `data "<data_type>" "…"`.
    pub fn is_data(&self, data_type: &str) -> bool {
        self.kind == "data" && self.labels.first().map(String::as_str) == Some(data_type)
    }

    /// The Terraform address other blocks use to refer to this one:
    /// `aws_s3_bucket.logs`, `data.aws_iam_policy_document.admin`.
    pub fn address(&self) -> String {
        let labels = self.labels.join(".");
        match self.kind.as_str() {
            "resource" => labels,
            _ => format!("{}.{labels}", self.kind),
        }
    }
}

impl Module {
    /// Every `resource "<resource_type>"` block.
    pub fn resources<'a>(&'a self, resource_type: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks
            .iter()
            .filter(move |b| b.is_resource(resource_type))
    }

    /// Every `data "<data_type>"` block.
    pub fn data<'a>(&'a self, data_type: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.is_data(data_type))
    }
}

/// Parses one `.tf` file on its own: `var.NAME` resolves to the literal
/// default of a `variable` block of the same file. The error is one line
/// naming where parsing failed.
#[cfg(test)]
pub fn parse(content: &str) -> Result<Module, String> {
    let source = Source::parse(content)?;
    let scope = Scope {
        variables: source.variable_defaults().into_iter().collect(),
        locals: HashMap::new(),
    };
    Ok(source.convert(&scope))
}

/// What names resolve to while converting a module's files.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    pub variables: HashMap<String, Value>,
    pub locals: HashMap<String, Value>,
}

/// A parsed but not yet evaluated `.tf` file: converted once per scope it
/// is evaluated in (a module called twice is evaluated twice).
pub struct Source {
    body: Body,
    lines: LineIndex,
}

/// A `module` block whose inputs are known as far as the scope allows.
#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    pub line: u32,
    pub inputs: HashMap<String, Value>,
}

/// Module block arguments that are Terraform's, not the module's inputs.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

impl Source {
    /// Parses HCL text. The error is one line naming where parsing failed.
    pub fn parse(content: &str) -> Result<Source, String> {
        let body = hcl_edit::parser::parse_body(content).map_err(|e| {
            format!(
                "HCL parse error at line {}, column {}: {}",
                e.location().line(),
                e.location().column(),
                e.message()
            )
        })?;
        Ok(Source {
            body,
            lines: LineIndex::new(content),
        })
    }

    fn converter<'a>(&'a self, scope: &'a Scope) -> Converter<'a> {
        Converter {
            lines: &self.lines,
            scope,
        }
    }

    /// `variable "NAME" { default = <literal> }`, by name.
    pub fn variable_defaults(&self) -> Vec<(String, Value)> {
        let empty = Scope::default();
        let converter = self.converter(&empty);
        self.body
            .get_blocks("variable")
            .filter_map(|block| {
                let name = block.labels.first()?.as_str().to_string();
                let default = converter.expr(&block.body.get_attribute("default")?.value);
                match default {
                    Value::Reference(_) | Value::Unknown => None,
                    literal => Some((name, literal)),
                }
            })
            .collect()
    }

    /// The attributes of a variables file (`*.tfvars`): `NAME = value`.
    pub fn assignments(&self) -> Vec<(String, Value)> {
        let empty = Scope::default();
        let converter = self.converter(&empty);
        self.body
            .attributes()
            .map(|attr| (attr.key.as_str().to_string(), converter.expr(&attr.value)))
            .collect()
    }

    /// The `locals { … }` of this file, evaluated in `scope`.
    pub fn locals(&self, scope: &Scope) -> Vec<(String, Value)> {
        let converter = self.converter(scope);
        self.body
            .get_blocks("locals")
            .flat_map(|block| block.body.attributes())
            .map(|attr| (attr.key.as_str().to_string(), converter.expr(&attr.value)))
            .collect()
    }

    /// The `module` blocks of this file, their inputs evaluated in `scope`.
    pub fn module_calls(&self, scope: &Scope) -> Vec<ModuleCall> {
        let converter = self.converter(scope);
        self.body
            .get_blocks("module")
            .filter_map(|block| {
                let source = converter.expr(&block.body.get_attribute("source")?.value);
                let (line, _) = self.lines.lines(block.span());
                let inputs = block
                    .body
                    .attributes()
                    .filter(|a| !META_ARGUMENTS.contains(&a.key.as_str()))
                    .map(|a| (a.key.as_str().to_string(), converter.expr(&a.value)))
                    .collect();
                Some(ModuleCall {
                    name: block.labels.first()?.as_str().to_string(),
                    source: source.as_str()?.to_string(),
                    line,
                    inputs,
                })
            })
            .collect()
    }

    /// The file's top-level blocks with every value evaluated in `scope`.
    pub fn convert(&self, scope: &Scope) -> Module {
        let converter = self.converter(scope);
        Module {
            blocks: self
                .body
                .iter()
                .filter_map(Structure::as_block)
                .map(|b| converter.block(b))
                .collect(),
        }
    }
}

/// A string of Terraform's JSON syntax evaluated in `scope`: `"${expr}"`
/// alone is `expr` itself, other templates are rendered when every
/// interpolation is known, and text without `${` is a plain string.
pub fn eval_template(text: &str, scope: &Scope) -> Value {
    if !text.contains("${") && !text.contains("%{") {
        return Value::String(text.to_string());
    }
    let lines = LineIndex::new("");
    let converter = Converter {
        lines: &lines,
        scope,
    };
    match hcl_edit::parser::parse_template(text) {
        Ok(template) => converter.template(&template),
        Err(_) => Value::Unknown,
    }
}

/// Byte offset → 1-based line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(content: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(content.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        let index = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(index).unwrap_or(u32::MAX).max(1)
    }

    /// First and last line of a span; the end is exclusive, so a span that
    /// ends right after a newline still ends on the line before it.
    fn lines(&self, span: Option<std::ops::Range<usize>>) -> (u32, u32) {
        match span {
            Some(span) => (
                self.line(span.start),
                self.line(span.end.saturating_sub(1).max(span.start)),
            ),
            None => (0, 0),
        }
    }
}

struct Converter<'a> {
    lines: &'a LineIndex,
    scope: &'a Scope,
}

impl Converter<'_> {
    fn block(&self, block: &hcl_edit::structure::Block) -> Block {
        let (line, _) = self.lines.lines(block.span());
        let mut attrs = Vec::new();
        let mut blocks = Vec::new();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let (line, end_line) = self.lines.lines(attr.span());
                    attrs.push(Attr {
                        key: attr.key.as_str().to_string(),
                        value: self.expr(&attr.value),
                        line,
                        end_line,
                    });
                }
                Structure::Block(nested) => blocks.push(self.block(nested)),
            }
        }
        Block {
            kind: block.ident.as_str().to_string(),
            labels: block
                .labels
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
            line,
            attrs,
            blocks,
        }
    }

    fn expr(&self, expr: &Expression) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.value().as_f64().map_or(Value::Unknown, Value::Number),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => Value::List(items.iter().map(|e| self.expr(e)).collect()),
            Expression::Object(object) => Value::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            hcl_edit::expr::ObjectKey::Expression(e) => match self.expr(e) {
                                Value::String(s) => s,
                                Value::Reference(r) => r,
                                _ => String::new(),
                            },
                        };
                        (key, self.expr(value.expr()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.expr(inner.inner()),
            Expression::Variable(ident) => Value::Reference(ident.as_str().to_string()),
            Expression::Conditional(conditional) => {
                match self.expr(&conditional.cond_expr).as_bool() {
                    Some(true) => self.expr(&conditional.true_expr),
                    Some(false) => self.expr(&conditional.false_expr),
                    None => Value::Unknown,
                }
            }
            Expression::Traversal(traversal) => {
                let Some(path) = traversal_path(&traversal.expr, &traversal.operators) else {
                    return Value::Unknown;
                };
                self.lookup(&path).unwrap_or(Value::Reference(path))
            }
            Expression::FuncCall(call)
                if call.name.namespace.is_empty() && call.name.name.as_str() == "jsonencode" =>
            {
                let mut args = call.args.iter();
                match (args.next(), args.next()) {
                    (Some(arg), None) => self
                        .expr(arg)
                        .to_json()
                        .map_or(Value::Unknown, |json| Value::String(json.to_string())),
                    _ => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }
}

impl Converter<'_> {
    /// `var.NAME…` or `local.NAME…` from the scope, following attribute and
    /// index steps into objects and lists; `None` when the scope does not
    /// know it.
    fn lookup(&self, path: &str) -> Option<Value> {
        let (table, rest) = if let Some(rest) = path.strip_prefix("var.") {
            (&self.scope.variables, rest)
        } else if let Some(rest) = path.strip_prefix("local.") {
            (&self.scope.locals, rest)
        } else {
            return None;
        };
        let mut steps = rest.split(['.', '[']);
        let mut value = table.get(steps.next()?)?.clone();
        for step in steps {
            let step = step.trim_end_matches(']');
            value = match value {
                Value::Object(entries) => {
                    let key = step.trim_matches('"');
                    entries.into_iter().find(|(k, _)| k == key)?.1
                }
                Value::List(items) => items.into_iter().nth(step.parse().ok()?)?,
                _ => return None,
            };
        }
        Some(value)
    }

    /// A template without interpolations or directives is a plain string;
    /// `"${expr}"` alone is `expr` itself (the pre-0.12 way to write it).
    fn template(&self, template: &Template) -> Value {
        if let Some(Element::Interpolation(only)) = template.as_single_element() {
            return self.expr(&only.expr);
        }
        let mut text = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(literal) => text.push_str(literal.value()),
                Element::Interpolation(interpolation) => match self.expr(&interpolation.expr) {
                    Value::String(s) => text.push_str(&s),
                    Value::Number(n) => text.push_str(&n.to_string()),
                    Value::Bool(b) => text.push_str(&b.to_string()),
                    _ => return Value::Unknown,
                },
                Element::Directive(_) => return Value::Unknown,
            }
        }
        Value::String(text)
    }
}

/// `aws_s3_bucket.logs.id` for a traversal that starts at a name and uses
/// attribute access or literal indexes; `None` for anything computed.
fn traversal_path(
    base: &Expression,
    operators: &[hcl_edit::Decorated<TraversalOperator>],
) -> Option<String> {
    let Expression::Variable(root) = base else {
        return None;
    };
    let mut path = root.as_str().to_string();
    for operator in operators {
        match operator.value() {
            TraversalOperator::GetAttr(name) => {
                path.push('.');
                path.push_str(name.as_str());
            }
            TraversalOperator::LegacyIndex(index) => path.push_str(&format!("[{}]", index.value())),
            TraversalOperator::Index(Expression::Number(n)) => {
                path.push_str(&format!("[{}]", n.value()))
            }
            TraversalOperator::Index(Expression::String(s)) => {
                path.push_str(&format!("[{:?}]", s.value()))
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                path.push_str("[*]")
            }
            TraversalOperator::Index(_) => return None,
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWKWARD: &str = r#"
variable "public" {
  default = true
}

# a comment above the block
resource "aws_s3_bucket" "logs" {
  bucket = "logs-${var.env}"
  acl    = "private"
  tags = {
    Name = "logs"
  }
  policy = <<EOF
{"Statement": []}
EOF
  public = var.public
  ref    = aws_kms_key.main.arn
  list   = ["a", 1, true]
  legacy = "${aws_s3_bucket.other.id}"

  versioning {
    enabled = (false)
  }
}
"#;

    #[test]
    fn keeps_lines_and_literal_values() {
        let module = parse(AWKWARD).expect("parses");
        insta::assert_debug_snapshot!(module);
    }

    #[test]
    fn jsonencode_of_a_literal_becomes_json_text() {
        let module = parse(
            "resource \"x\" \"y\" {\n  p = jsonencode({ a = [\"*\"] })\n  q = jsonencode({ a = var.unset })\n}\n",
        )
        .expect("parses");
        let block = &module.blocks[0];
        assert_eq!(
            block.value("p"),
            Some(&Value::String(r#"{"a":["*"]}"#.into()))
        );
        assert_eq!(block.value("q"), Some(&Value::Unknown));
    }

    #[test]
    fn a_malformed_file_names_the_line() {
        let err = parse("resource \"x\" \"y\" {\n  a = \n}\n").expect_err("fails");
        assert!(
            err.starts_with("HCL parse error at line 2, column 7"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}
