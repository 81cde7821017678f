//! What lockfile analyzers share: the line of a byte offset (findings are
//! placed on the lockfile line that declares the package), and UTF-8, JSON
//! and TOML decoding whose error names the file (and the line), and finding
//! a JSON member's line.

use super::{Package, ParseError};
use serde::de::DeserializeOwned;

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.bytes().filter(|&b| b == b'\n').count() + 1).unwrap_or(u32::MAX)
}

/// The file as text, or an error naming it.
pub(crate) fn text<'a>(path: &str, content: &'a [u8]) -> Result<&'a str, ParseError> {
    std::str::from_utf8(content).map_err(|_| ParseError::new(path, "not UTF-8 text"))
}

/// Parses JSON into `T`, as one error naming the file and line when it is
/// not valid JSON of that shape.
pub(crate) fn json<T: DeserializeOwned>(path: &str, json: &[u8]) -> Result<T, ParseError> {
    serde_json::from_slice(json)
        .map_err(|e| ParseError::new(path, format!("line {}: {e}", e.line())))
}

/// Parses a TOML lockfile into `T`, as one error naming the file (and the
/// line, where the parser knows it) when it is not valid TOML.
pub(crate) fn toml_file<T: DeserializeOwned>(path: &str, content: &[u8]) -> Result<T, ParseError> {
    let text = text(path, content)?;
    toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!("line {}: ", line_at(text, s.start)))
            .unwrap_or_default();
        let first = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        ParseError::new(path, format!("{at}{first}"))
    })
}

/// The byte offset, at or after `from`, of the next JSON member `"key":
/// "value"` (any whitespace around the colon): how JSON lockfile analyzers,
/// which read their data through serde, find the line of an entry. Keys
/// and values are matched as written, unescaped.
pub(crate) fn find_member(text: &str, from: usize, key: &str, value: &str) -> Option<usize> {
    let quoted_key = format!("\"{key}\"");
    let quoted_value = format!("\"{value}\"");
    let mut at = from;
    loop {
        let start = at + text.get(at..)?.find(&quoted_key)?;
        let after = text[start + quoted_key.len()..].trim_start();
        if let Some(rest) = after.strip_prefix(':') {
            if rest.trim_start().starts_with(&quoted_value) {
                return Some(start);
            }
        }
        at = start + quoted_key.len();
    }
}

/// A lockfile entry as a package: the name as written, the version, the
/// line of its `name = ...`, and whether only development needs it.
pub(crate) fn locked(
    text: &str,
    name: &toml::Spanned<String>,
    version: &str,
    dev: bool,
) -> Package {
    let mut p = Package::language(
        name.get_ref(),
        version,
        Some(line_at(text, name.span().start)),
    );
    p.dev = dev;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a\nb\nc";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 2), 2);
        assert_eq!(line_at(text, 4), 3);
        assert_eq!(line_at(text, 99), 3);
    }

    #[test]
    fn members_are_found_in_order() {
        let text = "{\n \"name\": \"a/b\",\n \"x\": {\"name\" :  \"a/b\"}\n}";
        let first = find_member(text, 0, "name", "a/b").unwrap();
        assert_eq!(line_at(text, first), 2);
        let second = find_member(text, first + 1, "name", "a/b").unwrap();
        assert_eq!(line_at(text, second), 3);
        assert_eq!(find_member(text, second + 1, "name", "a/b"), None);
        assert_eq!(find_member(text, 0, "name", "a"), None);
    }

    #[test]
    fn a_toml_error_names_the_line() {
        #[derive(serde::Deserialize)]
        struct Any {}
        let e = toml_file::<Any>("poetry.lock", b"a = 1\nb = [\n")
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("poetry.lock: line "), "{e}");
    }
}
