//! A YAML document tree that remembers the line of every key and value, so
//! Kubernetes and workflow rules can point at the exact line. Built from
//! `saphyr-parser`'s events (a maintained YAML 1.2 parser that reports a
//! span for each event); anchors and aliases are resolved by copying the
//! anchored node, and merge keys (`<<: *base`) are applied.

use saphyr_parser::{Event, Parser, Span};
use std::collections::HashMap;

/// Nodes one file may expand to through aliases (guards against the
/// "billion laughs" document).
const MAX_NODES: usize = 1_000_000;
/// Deepest nesting accepted (guards the recursive builder's stack).
const MAX_DEPTH: usize = 200;

/// One YAML node and the line (1-based) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: u32,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any scalar, as written (quotes removed): `true`, `80`, `nginx:1.25`.
    /// An empty value (`key:`) or `null`/`~` is [`Value::Null`].
    Scalar(String),
    Null,
    Seq(Vec<Node>),
    /// Key/value pairs in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value of `key` in a mapping: the key's line is where
    /// a rule about that setting points.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (none for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether the scalar is YAML's `true` (the spellings YAML 1.2's core
    /// schema accepts).
    pub fn is_true(&self) -> bool {
        matches!(self.as_str(), Some("true" | "True" | "TRUE"))
    }

    /// Whether the scalar is YAML's `false`.
    pub fn is_false(&self) -> bool {
        matches!(self.as_str(), Some("false" | "False" | "FALSE"))
    }

    /// The last line this node covers (its deepest last child's line).
    pub fn last_line(&self) -> u32 {
        match &self.value {
            Value::Seq(items) => items.last().map_or(self.line, Node::last_line),
            Value::Map(entries) => entries.last().map_or(self.line, |(_, v)| v.last_line()),
            Value::Scalar(_) | Value::Null => self.line,
        }
    }
}

/// Parses every document of a YAML stream. `Err` is one line saying where
/// and why the text is not valid YAML.
pub fn parse(text: &str) -> Result<Vec<Node>, String> {
    parse_stream(text, false)
}

/// Parses a YAML stream whose local tags are functions, as CloudFormation's
/// short forms: `!Ref X` becomes `{Ref: X}` and `!Sub s` becomes
/// `{Fn::Sub: s}`, the long forms the template could have used instead.
pub fn parse_with_functions(text: &str) -> Result<Vec<Node>, String> {
    parse_stream(text, true)
}

fn parse_stream(text: &str, functions: bool) -> Result<Vec<Node>, String> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        nodes: 0,
        functions,
    };
    let mut docs = Vec::new();
    loop {
        match builder.next()? {
            (Event::StreamEnd, _) => return Ok(docs),
            (Event::DocumentStart(_), _) => {
                let (event, span) = builder.next()?;
                docs.push(builder.node(event, span, 0)?);
                builder.anchors.clear();
            }
            _ => {}
        }
    }
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    /// Whether `!Name` tags are function calls (see [`parse_with_functions`]).
    functions: bool,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), String> {
        match self.parser.next() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(format!(
                "{} at line {} column {}",
                e.info(),
                e.marker().line(),
                e.marker().col() + 1
            )),
            None => Ok((Event::StreamEnd, Span::default())),
        }
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(format!(
                "more than {MAX_NODES} nodes after expanding aliases"
            ));
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        self.count(1)?;
        let (node, anchor) = match event {
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| format!("unknown alias at line {line}"))?;
                self.count(size(&node))?;
                (node, 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = matches!(style, saphyr_parser::ScalarStyle::Plain);
                let value = if plain
                    && tag.is_none()
                    && matches!(&*text, "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar(text.into_owned())
                };
                (self.call(tag.as_deref(), Node { line, value }), anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        (Event::SequenceEnd, _) => break,
                        (event, span) => items.push(self.node(event, span, depth + 1)?),
                    }
                }
                let value = Value::Seq(items);
                (self.call(tag.as_deref(), Node { line, value }), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let mut entries: Vec<(Node, Node)> = Vec::new();
                let mut merged: Vec<(Node, Node)> = Vec::new();
                loop {
                    let key = match self.next()? {
                        (Event::MappingEnd, _) => break,
                        (event, span) => self.node(event, span, depth + 1)?,
                    };
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    if key.as_str() == Some("<<") {
                        // A merge key: one mapping or a list of them; earlier
                        // ones win, explicit keys win over all.
                        let sources = match &value.value {
                            Value::Seq(items) => items.clone(),
                            _ => vec![value],
                        };
                        for source in sources {
                            for (k, v) in source.entries() {
                                if !merged.iter().any(|(m, _)| m.value == k.value) {
                                    merged.push((k.clone(), v.clone()));
                                }
                            }
                        }
                    } else {
                        entries.push((key, value));
                    }
                }
                for (k, v) in merged {
                    if !entries.iter().any(|(e, _)| e.value == k.value) {
                        entries.push((k, v));
                    }
                }
                let value = Value::Map(entries);
                (self.call(tag.as_deref(), Node { line, value }), anchor)
            }
            other => return Err(format!("unexpected {other:?} at line {line}")),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

impl Builder<'_> {
    /// `node` under a local tag `!Name` as the call `{Fn::Name: node}`
    /// (`{Ref: node}` for `!Ref`, `{Condition: node}` for `!Condition`),
    /// when tags are functions; otherwise `node` itself.
    fn call(&self, tag: Option<&saphyr_parser::Tag>, node: Node) -> Node {
        let Some(tag) = tag.filter(|t| self.functions && t.handle == "!" && !t.suffix.is_empty())
        else {
            return node;
        };
        let name = match tag.suffix.as_str() {
            "Ref" | "Condition" => tag.suffix.clone(),
            other => format!("Fn::{other}"),
        };
        let line = node.line;
        Node {
            line,
            value: Value::Map(vec![(
                Node {
                    line,
                    value: Value::Scalar(name),
                },
                node,
            )]),
        }
    }
}

/// Nodes in a subtree, for the alias-expansion budget.
fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
        Value::Scalar(_) | Value::Null => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn keys_and_values_keep_their_lines() {
        let doc = one("a: 1\nb:\n  c: x\n  d:\n    - e\n    - f: g\n");
        assert_eq!(doc.entry("b").map(|(k, _)| k.line), Some(2));
        assert_eq!(doc.path(&["b", "c"]).map(|n| n.line), Some(3));
        let d = doc.path(&["b", "d"]).expect("d");
        assert_eq!(
            d.items()[1].get("f").map(|n| (n.line, n.as_str())),
            Some((6, Some("g")))
        );
        assert_eq!(doc.last_line(), 6);
    }

    #[test]
    fn multi_documents_each_parse() {
        let docs =
            parse("---\nkind: A\n---\nkind: B\n...\n---\n# only a comment\n").expect("valid");
        let kinds: Vec<_> = docs
            .iter()
            .map(|d| d.get("kind").and_then(Node::as_str))
            .collect();
        assert_eq!(kinds, vec![Some("A"), Some("B"), None]);
        assert_eq!(docs[1].get("kind").map(|n| n.line), Some(4));
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve() {
        let doc =
            one("base: &b\n  privileged: true\n  user: 0\nc1: *b\nc2:\n  <<: *b\n  user: 1000\n");
        assert_eq!(
            doc.path(&["c1", "privileged"]).and_then(Node::as_str),
            Some("true")
        );
        assert_eq!(
            doc.path(&["c2", "privileged"]).and_then(Node::as_str),
            Some("true")
        );
        assert_eq!(
            doc.path(&["c2", "user"]).and_then(Node::as_str),
            Some("1000")
        );
    }

    #[test]
    fn flow_style_and_block_scalars() {
        let doc = one("caps: {add: [SYS_ADMIN, NET_RAW]}\nrun: |\n  echo one\n  echo two\nfolded: >-\n  a\n  b\nq: \"true\"\nn: ~\n");
        let adds: Vec<_> = doc
            .path(&["caps", "add"])
            .expect("add")
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(adds, ["SYS_ADMIN", "NET_RAW"]);
        assert_eq!(
            doc.get("run").and_then(Node::as_str),
            Some("echo one\necho two\n")
        );
        // A block scalar's key is on its header line; its value starts below.
        assert_eq!(
            doc.entry("run").map(|(k, v)| (k.line, v.line)),
            Some((2, 3))
        );
        assert_eq!(doc.get("folded").and_then(Node::as_str), Some("a b"));
        assert!(doc.get("q").is_some_and(Node::is_true));
        assert_eq!(doc.get("n").map(|n| &n.value), Some(&Value::Null));
    }

    #[test]
    fn malformed_yaml_says_where() {
        let err = parse("a: [1, 2\nb: c\n").expect_err("unclosed flow sequence");
        assert!(err.contains("line"), "{err}");
        let err = parse("a: *nowhere\n").expect_err("unknown alias");
        assert!(err.contains("anchor") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).expect_err("exponential expansion");
        assert!(err.contains("nodes"), "{err}");
    }
}
