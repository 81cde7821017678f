//! pip requirements files (`requirements.txt`, `requirements-dev.txt`, ...):
//! only exact pins (`name==1.2.3`, `name===1.2.3`) say which version gets
//! installed, so only they become packages. Ranges, bare names, URLs,
//! editable installs and nested `-r` files are counted and noted once per
//! file, as Trivy skips them too.
//!
//! Handled as pip reads the file: `#` comments, `\` line continuations,
//! extras (`name[security]==1.0`), environment markers (`; python_version <
//! "3.9"`) and per-requirement options (`--hash=...`).

use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};

pub struct RequirementsAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/requirements*.txt")];

impl PackageAnalyzer for RequirementsAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Pip, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut found = Vec::new();
        let mut unpinned = 0usize;
        for (line_no, logical) in logical_lines(&text) {
            let req = strip_comment(&logical).trim();
            if req.is_empty() || req.starts_with('-') {
                continue;
            }
            match pin(req) {
                Some((name, version)) => {
                    found.push(Package::language(name, version, Some(line_no)))
                }
                None => unpinned += 1,
            }
        }
        if unpinned > 0 {
            tracing::warn!(
                "{path}: {unpinned} requirement(s) without an exact `==` pin are not matched"
            );
        }
        Ok(found)
    }
}

/// The file's logical lines (continuations joined), each with the number
/// of the physical line it starts on.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (start, mut buf) = current.take().unwrap_or((n, String::new()));
        match line.strip_suffix('\\') {
            Some(head) => {
                buf.push_str(head);
                current = Some((start, buf));
            }
            None => {
                buf.push_str(line);
                out.push((start, buf));
            }
        }
    }
    out.extend(current);
    out
}

/// pip treats `#` as a comment at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// `name[extras]==version` with optional markers and options, or `None`
/// when the requirement is not an exact pin of a named package.
fn pin(req: &str) -> Option<(&str, &str)> {
    let req = req.split(';').next()?.trim();
    // Options such as `--hash=sha256:...` follow the specifier.
    let req = req.split(" -").next()?.trim();
    let (name_part, version) = req.split_once("===").or_else(|| req.split_once("=="))?;
    let name = name_part.split('[').next()?.trim();
    let version = version.trim();
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let exact = !version.is_empty()
        && !version.contains(['*', ',', '<', '>', '!', '=', '~', ' '])
        && !version.contains("://");
    (valid_name && exact).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, String, Option<u32>)> {
        RequirementsAnalyzer
            .parse("requirements.txt", text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.version, p.line))
            .collect()
    }

    #[test]
    fn keeps_exact_pins_with_their_lines() {
        let text = "# tools\n-r base.txt\n--index-url https://x\nrequests==2.31.0 # pinned\nurllib3[socks]==1.26.5 ; python_version < \"3.12\"\nflask>=2.0\nDjango===4.2.1\ncertifi==2023.7.22 \\\n    --hash=sha256:abc\n-e git+https://x/y#egg=z\nnumpy==1.*\nidna==3.4,!=3.3\n";
        assert_eq!(
            names(text),
            vec![
                ("requests".into(), "2.31.0".into(), Some(4)),
                ("urllib3".into(), "1.26.5".into(), Some(5)),
                ("Django".into(), "4.2.1".into(), Some(7)),
                ("certifi".into(), "2023.7.22".into(), Some(8)),
            ]
        );
    }

    #[test]
    fn a_hash_in_a_url_fragment_is_not_a_comment() {
        assert_eq!(strip_comment("a==1#x"), "a==1#x");
        assert_eq!(strip_comment("a==1 #x"), "a==1 ");
    }
}
