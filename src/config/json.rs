//! JSON read into the same line-aware tree as YAML ([`yaml::Node`]), so
//! the JSON formats (CloudFormation and ARM templates, Terraform's
//! `.tf.json` and plan output) are checked by the code that checks their
//! YAML or HCL forms, and findings point at the exact line.
//!
//! A small parser of its own rather than the YAML one: JSON files indent
//! with tabs, which YAML forbids. Scalars keep their text (`80`, `true`);
//! strings are unescaped.

use super::yaml::{Node, Value};

/// Deepest nesting accepted (guards the recursive parser's stack).
const MAX_DEPTH: usize = 200;

/// Parses one JSON document. `Err` is one line saying where and why the
/// text is not JSON.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
    };
    parser.skip_space();
    let node = parser.value(0)?;
    parser.skip_space();
    if parser.at < parser.bytes.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u32,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("invalid JSON at line {}: {what}", self.line)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", byte as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.skip_space();
        let line = self.line;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Scalar(self.string()?),
            Some(b) if b == b'-' || b.is_ascii_digit() => Value::Scalar(self.number()),
            Some(_) => match self.word() {
                "true" => Value::Scalar("true".into()),
                "false" => Value::Scalar("false".into()),
                "null" => Value::Null,
                _ => return Err(self.error("expected a value")),
            },
            None => return Err(self.error("unexpected end of text")),
        };
        Ok(Node { line, value })
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        let mut entries = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Map(entries));
        }
        loop {
            self.skip_space();
            let line = self.line;
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = Node {
                line,
                value: Value::Scalar(self.string()?),
            };
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// A string token, unescaped; the opening quote is at `self.at`.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            match b {
                b'"' => break,
                b'\n' => return Err(self.error("line break in a string")),
                b'\\' => {
                    let escaped = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.at += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))
    }

    /// The four hex digits after `\u` (and a low surrogate after a high one).
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.at..].starts_with(b"\\u") {
            self.at += 2;
            let second = self.hex4()?;
            let combined =
                0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF);
            return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("bad \\u escape"))?;
        self.at += 4;
        Ok(digits)
    }

    fn number(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()
    }

    fn word(&mut self) -> &str {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.at += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_unescapes() {
        let node = parse("{\n\t\"a\": [1, true,\n  null],\n  \"b\\u00e9\": \"x\\\"y\"\n}")
            .expect("parses");
        let a = node.get("a").expect("a");
        assert_eq!(a.line, 2);
        assert_eq!(a.items()[2].line, 3);
        assert_eq!(a.items()[2].value, Value::Null);
        assert_eq!(node.get("bé").and_then(Node::as_str), Some("x\"y"));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").expect_err("fails");
        assert_eq!(err, "invalid JSON at line 3: expected `:`");
        assert!(parse("[1] 2").is_err());
        assert!(parse(&"[".repeat(500)).is_err());
    }
}
