//! Terraform's HCL reduced to what the rules need: blocks, nested blocks and
//! attributes with their line numbers, and attribute values evaluated as
//! far as they are known (`eval.rs`: variables, locals, operators,
//! conditionals, `for` expressions, templates, built-in functions).
//!
//! Blocks are expanded as Terraform (and Trivy) expand them: a resource,
//! data source or module with `count` becomes one instance per index
//! (`aws_s3_bucket.logs[0]`, none for `count = 0`, one when the count is
//! unknown, as Trivy does), with `for_each` one per key
//! (`aws_s3_bucket.logs["a"]`, none when the collection is unknown, as
//! Trivy does); a `dynamic` block's `content` becomes one nested block per
//! item of its `for_each`. What stays unknown is [`Value::Unknown`] or
//! [`Value::Reference`], so a rule can tell "not set" from "set to
//! something we cannot see" and stays quiet on the latter.

use super::eval::{is_known, iterate, Evaluator, MAX_ITEMS};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;
use std::cell::Cell;
use std::collections::HashMap;

/// How many blocks `count`, `for_each` and `dynamic` may add to one file's
/// conversion, and items `for` expressions may make: nested expansions
/// multiply, and a hostile file must not make us allocate without bound.
pub const EXPANSION_BUDGET: usize = 20_000;

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

    fn converter<'a>(&'a self, scope: &'a Scope, budget: &'a Cell<usize>) -> Converter<'a> {
        Converter {
            lines: &self.lines,
            eval: Evaluator {
                scope,
                bindings: Vec::new(),
                budget,
            },
        }
    }

    /// `variable "NAME" { default = <literal> }`, by name.
    pub fn variable_defaults(&self) -> Vec<(String, Value)> {
        let (empty, budget) = (Scope::default(), Cell::new(EXPANSION_BUDGET));
        let converter = self.converter(&empty, &budget);
        self.body
            .get_blocks("variable")
            .filter_map(|block| {
                let name = block.labels.first()?.as_str().to_string();
                let default = converter.expr(&block.body.get_attribute("default")?.value);
                is_known(&default).then_some((name, default))
            })
            .collect()
    }

    /// The attributes of a variables file (`*.tfvars`): `NAME = value`.
    pub fn assignments(&self) -> Vec<(String, Value)> {
        let (empty, budget) = (Scope::default(), Cell::new(EXPANSION_BUDGET));
        let converter = self.converter(&empty, &budget);
        self.body
            .attributes()
            .map(|attr| (attr.key.as_str().to_string(), converter.expr(&attr.value)))
            .collect()
    }

    /// The `locals { … }` of this file, evaluated in `scope`.
    pub fn locals(&self, scope: &Scope) -> Vec<(String, Value)> {
        let budget = Cell::new(EXPANSION_BUDGET);
        let converter = self.converter(scope, &budget);
        self.body
            .get_blocks("locals")
            .flat_map(|block| block.body.attributes())
            .map(|attr| (attr.key.as_str().to_string(), converter.expr(&attr.value)))
            .collect()
    }

    /// The local paths `module` blocks call, whatever their `count` or
    /// `for_each`: a directory called by nothing is a root module.
    pub fn module_sources(&self) -> Vec<String> {
        self.body
            .get_blocks("module")
            .filter_map(|block| match &block.body.get_attribute("source")?.value {
                Expression::String(s) => Some(s.value().clone()),
                _ => None,
            })
            .collect()
    }

    /// The `module` blocks of this file, one call per instance their
    /// `count`/`for_each` make (named `NAME[0]`, `NAME["key"]`), their
    /// inputs evaluated in `scope`.
    pub fn module_calls(&self, scope: &Scope) -> Vec<ModuleCall> {
        let budget = Cell::new(EXPANSION_BUDGET);
        let converter = self.converter(scope, &budget);
        let mut calls = Vec::new();
        for block in self.body.get_blocks("module") {
            let Some(source) = block
                .body
                .get_attribute("source")
                .map(|a| converter.expr(&a.value))
            else {
                continue;
            };
            let (Some(source), Some(name)) = (source.as_str(), block.labels.first()) else {
                continue;
            };
            let (line, _) = self.lines.lines(block.span());
            for (key, instance) in converter.instances(block) {
                let inputs = block
                    .body
                    .attributes()
                    .filter(|a| !META_ARGUMENTS.contains(&a.key.as_str()))
                    .map(|a| (a.key.as_str().to_string(), instance.expr(&a.value)))
                    .collect();
                calls.push(ModuleCall {
                    name: format!("{}{key}", name.as_str()),
                    source: source.to_string(),
                    line,
                    inputs,
                });
            }
        }
        calls
    }

    /// The file's top-level blocks with every value evaluated in `scope`,
    /// each resource, data source and module once per instance.
    pub fn convert(&self, scope: &Scope) -> Module {
        let budget = Cell::new(EXPANSION_BUDGET);
        let converter = self.converter(scope, &budget);
        let mut blocks = Vec::new();
        for block in self.body.iter().filter_map(Structure::as_block) {
            for (key, instance) in converter.instances(block) {
                let mut converted = instance.block(block);
                if !key.is_empty() {
                    // The name label: `resource "TYPE" "NAME"`, `module "NAME"`.
                    if let Some(name) = converted.labels.last_mut() {
                        name.push_str(&key);
                    }
                }
                blocks.push(converted);
            }
        }
        Module { blocks }
    }
}

/// A string of Terraform's JSON syntax evaluated by `evaluator`:
/// `"${expr}"` alone is `expr` itself, other templates are rendered when
/// every interpolation is known, and text without `${` is a plain string.
pub fn eval_template(text: &str, evaluator: &Evaluator) -> Value {
    if !text.contains("${") && !text.contains("%{") {
        return Value::String(text.to_string());
    }
    match hcl_edit::parser::parse_template(text) {
        Ok(template) => evaluator.template(&template).unwrap_or(Value::Unknown),
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

/// Converts blocks of one file: line numbers, and an [`Evaluator`] with
/// the names bound where the block sits.
#[derive(Clone)]
struct Converter<'a> {
    lines: &'a LineIndex,
    eval: Evaluator<'a>,
}

impl<'a> Converter<'a> {
    fn with(&self, name: &str, value: Value) -> Converter<'a> {
        Converter {
            lines: self.lines,
            eval: self.eval.with(name, value),
        }
    }

    fn expr(&self, expr: &Expression) -> Value {
        self.eval.expr(expr)
    }

    /// The instances `count` or `for_each` make of a top-level resource,
    /// data source or module ([`Evaluator::instances`]); any other block,
    /// or one with neither, is one instance with no key.
    fn instances(&self, block: &hcl_edit::structure::Block) -> Vec<(String, Converter<'a>)> {
        let plain = || vec![(String::new(), self.clone())];
        if !matches!(block.ident.as_str(), "resource" | "data" | "module") {
            return plain();
        }
        let value = |name| block.body.get_attribute(name).map(|a| self.expr(&a.value));
        match self.eval.instances(value("count"), value("for_each")) {
            Some(instances) => instances
                .into_iter()
                .map(|(key, eval)| {
                    let lines = self.lines;
                    (key, Converter { lines, eval })
                })
                .collect(),
            None => plain(),
        }
    }

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
                Structure::Block(nested) if nested.ident.as_str() == "dynamic" => {
                    blocks.extend(self.dynamic(nested));
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

    /// `dynamic "KIND" { for_each = …, iterator = NAME, content { … } }`:
    /// one `KIND` block per item, converted from `content` with the
    /// iterator (`KIND` unless named) bound to `{key, value}`. Its lines
    /// are the content's, where Trivy reports them. An unknown `for_each`
    /// makes no block, as in Trivy.
    fn dynamic(&self, dynamic: &hcl_edit::structure::Block) -> Vec<Block> {
        let Some(kind) = dynamic.labels.first().map(|l| l.as_str().to_string()) else {
            return Vec::new();
        };
        let iterator = match dynamic.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(name)) => name.as_str().to_string(),
            _ => kind.clone(),
        };
        let (Some(content), Some(for_each)) = (
            dynamic.body.get_blocks("content").next(),
            dynamic.body.get_attribute("for_each"),
        ) else {
            return Vec::new();
        };
        let items = iterate(&self.expr(&for_each.value)).unwrap_or_default();
        let allowed = self.eval.spend(items.len().min(MAX_ITEMS));
        items
            .into_iter()
            .take(allowed)
            .map(|(key, value)| {
                let bound = Value::Object(vec![("key".into(), key), ("value".into(), value)]);
                let mut block = self.with(&iterator, bound).block(content);
                block.kind = kind.clone();
                block.labels.clear();
                block
            })
            .collect()
    }
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
