//! `go.mod`: the module's requirements. Since Go 1.17 a `go.mod` lists
//! every module the build needs (the indirect ones marked `// indirect`),
//! so it is the lock for Go. `replace` directives are applied as the go
//! command applies them: `old => new vX` swaps the module (for one version
//! of it when `old` names one); a replacement by a local directory has no
//! version and is left out, as is the main module itself. A finding is
//! placed on the requirement's line.

use crate::inventory::{Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want};

pub struct GoModAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/go.mod")];

impl PackageAnalyzer for GoModAnalyzer {
    fn format(&self) -> PackageFormat {
        PackageFormat::GoMod
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn version(&self) -> u32 {
        1
    }

    fn scope(&self) -> Scope {
        Scope::Trees
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut requires: Vec<(String, String, u32)> = Vec::new();
        let mut replaces: Vec<Replace> = Vec::new();
        let mut block: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = raw.split("//").next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if block.is_some() && line == ")" {
                block = None;
                continue;
            }
            let (verb, rest) = match &block {
                Some(verb) => (verb.clone(), line),
                None => {
                    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                    let rest = rest.trim();
                    if rest == "(" {
                        block = Some(verb.to_string());
                        continue;
                    }
                    (verb.to_string(), rest)
                }
            };
            let fields: Vec<&str> = rest.split_whitespace().map(unquote).collect();
            match verb.as_str() {
                "require" => match fields[..] {
                    [module, version] => {
                        requires.push((module.to_string(), version.to_string(), line_no))
                    }
                    _ => return Err(bad(path, line_no, "a require needs a module and a version")),
                },
                "replace" => replaces.push(
                    Replace::parse(&fields)
                        .ok_or_else(|| bad(path, line_no, "a replace needs `old => new`"))?,
                ),
                _ => {}
            }
        }
        Ok(requires
            .into_iter()
            .filter_map(|(module, version, line)| {
                let (module, version) =
                    match replaces.iter().rev().find(|r| r.applies(&module, &version)) {
                        Some(r) => (r.new.clone(), r.new_version.clone()?),
                        None => (module, version),
                    };
                Some(Package::language(&module, &version, Some(line)))
            })
            .collect())
    }
}

fn bad(path: &str, line: u32, what: &str) -> ParseError {
    ParseError::new(path, format!("line {line}: {what}"))
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// One `replace old [v] => new [v]` directive.
struct Replace {
    old: String,
    old_version: Option<String>,
    new: String,
    /// `None` for a local directory.
    new_version: Option<String>,
}

impl Replace {
    fn parse(fields: &[&str]) -> Option<Replace> {
        let arrow = fields.iter().position(|f| *f == "=>")?;
        let (old, new) = (&fields[..arrow], &fields[arrow + 1..]);
        Some(Replace {
            old: old.first()?.to_string(),
            old_version: old.get(1).map(|v| v.to_string()),
            new: new.first()?.to_string(),
            new_version: new.get(1).map(|v| v.to_string()),
        })
    }

    fn applies(&self, module: &str, version: &str) -> bool {
        self.old == module && self.old_version.as_deref().is_none_or(|v| v == version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_with_replaces_applied() {
        let text = r#"module example.com/app

go 1.22

require (
	github.com/gin-gonic/gin v1.9.0
	golang.org/x/net v0.0.0-20220225172249-27dd8689420f // indirect
	github.com/docker/docker v24.0.0+incompatible
	example.com/local v1.0.0
)

require "golang.org/x/text" v0.3.7

replace github.com/gin-gonic/gin => github.com/gin-gonic/gin v1.9.1

replace golang.org/x/text v0.3.6 => golang.org/x/text v0.3.8

replace example.com/local => ../local
"#;
        let found = GoModAnalyzer.parse("go.mod", text.as_bytes()).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("github.com/gin-gonic/gin", "v1.9.1", Some(6)),
                (
                    "golang.org/x/net",
                    "v0.0.0-20220225172249-27dd8689420f",
                    Some(7)
                ),
                ("github.com/docker/docker", "v24.0.0+incompatible", Some(8)),
                ("golang.org/x/text", "v0.3.7", Some(12)),
            ]
        );
    }

    #[test]
    fn a_broken_require_names_its_line() {
        let e = GoModAnalyzer
            .parse("go.mod", b"module x\n\nrequire (\n\tgithub.com/a\n)\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod: line 4: a require needs a module and a version"
        );
    }
}
