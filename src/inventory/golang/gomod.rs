//! `go.mod`: the module's requirements. Since Go 1.17 a `go.mod` lists
//! every module the build needs (the indirect ones marked `// indirect`),
//! so it is the lock for Go. An older `go.mod` lacks the indirect ones:
//! then the `go.sum` beside it supplies them, as Trivy does (each module
//! `go.mod` does not require, at the last, i.e. highest, version `go.sum`
//! lists; `go.sum` is kept sorted by the go command).
//!
//! `replace` directives are applied as the go command applies them: `old
//! => new vX` swaps the module (for one version of it when `old` names
//! one); a replacement by a local directory has no version and is left
//! out, as is the main module itself. A finding is placed on the
//! requirement's line (a module only `go.sum` names has none).
//!
//! The Go toolchain is the package `stdlib` when `--detection-priority
//! comprehensive` asks for guesses, as in Trivy: the build's toolchain is
//! not in the file, only its minimum (the lower of the `go` and
//! `toolchain` lines, from Go 1.21 on, where `go` became a minimum).

use super::buildinfo::stdlib_version;
use crate::inventory::skips::Skips;
use crate::inventory::{
    AnalyzerInfo, Beside, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use crate::version::{go::Go, Comparator};
use std::cmp::Ordering;
use std::collections::HashSet;

pub struct GoModAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/go.mod")];

impl PackageAnalyzer for GoModAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::GoMod, WANTS)
            .version(2)
            .scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        self.parse_beside(path, content, &Beside::none())
    }

    fn companions(&self) -> &'static [&'static str] {
        &["go.sum"]
    }

    fn parse_beside(
        &self,
        path: &str,
        content: &[u8],
        beside: &Beside<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let module = GoMod::parse(path, content)?;
        let mut packages = module.requirements();
        if module.lacks_indirect() {
            if let Some(sum) = beside.get("go.sum") {
                let sum_path = match path.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/go.sum"),
                    None => "go.sum".to_string(),
                };
                let required: HashSet<String> = packages.iter().map(|p| p.name.clone()).collect();
                packages.extend(
                    go_sum(&sum_path, sum)
                        .into_iter()
                        .filter(|(module, _)| !required.contains(module))
                        .map(|(module, version)| Package::language(&module, &version, None)),
                );
            }
        }
        packages.extend(module.stdlib());
        Ok(packages)
    }

    fn guessed(&self, package: &Package) -> bool {
        package.name == "stdlib"
    }
}

/// What a `go.mod` says.
struct GoMod {
    /// Module, version, line.
    requires: Vec<(String, String, u32)>,
    replaces: Vec<Replace>,
    /// The `go` line: its version and line.
    go: Option<(String, u32)>,
    /// The `toolchain` line (`go1.22.5`): its version and line.
    toolchain: Option<(String, u32)>,
}

impl GoMod {
    fn parse(path: &str, content: &[u8]) -> Result<GoMod, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut module = GoMod {
            requires: Vec::new(),
            replaces: Vec::new(),
            go: None,
            toolchain: None,
        };
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
            match (verb.as_str(), &fields[..]) {
                ("require", [module_path, version]) => {
                    module
                        .requires
                        .push((module_path.to_string(), version.to_string(), line_no))
                }
                ("require", _) => {
                    return Err(bad(path, line_no, "a require needs a module and a version"))
                }
                ("replace", _) => module.replaces.push(
                    Replace::parse(&fields)
                        .ok_or_else(|| bad(path, line_no, "a replace needs `old => new`"))?,
                ),
                ("go", [version]) => module.go = Some((version.to_string(), line_no)),
                ("toolchain", [name]) => module.toolchain = Some((name.to_string(), line_no)),
                _ => {}
            }
        }
        Ok(module)
    }

    /// The required modules, replacements applied.
    fn requirements(&self) -> Vec<Package> {
        self.requires
            .iter()
            .filter_map(|(module, version, line)| {
                let (module, version) = match self
                    .replaces
                    .iter()
                    .rev()
                    .find(|r| r.applies(module, version))
                {
                    Some(r) => (r.new.as_str(), r.new_version.as_deref()?),
                    None => (module.as_str(), version.as_str()),
                };
                Some(Package::language(module, version, Some(*line)))
            })
            .collect()
    }

    /// Whether this `go.mod` predates Go 1.17's full lists of indirect
    /// requirements (no `go` line at all counts as old, as for the go
    /// command).
    fn lacks_indirect(&self) -> bool {
        self.go
            .as_ref()
            .is_none_or(|(v, _)| go_version_below(v, (1, 17)))
    }

    /// The toolchain's minimum as `stdlib`, from Go 1.21 on: the lower of
    /// the `go` and `toolchain` versions, on the line it came from.
    fn stdlib(&self) -> Option<Package> {
        let (go, go_line) = self.go.as_ref()?;
        if go_version_below(go, (1, 21)) {
            return None;
        }
        let from_go = (stdlib_version(&format!("go{go}"))?, *go_line);
        let lowest = match &self.toolchain {
            Some((name, line)) => match stdlib_version(name) {
                Some(v) if Go.compare(&v, &from_go.0) == Ok(Ordering::Less) => (v, *line),
                _ => from_go,
            },
            None => from_go,
        };
        Some(Package::language("stdlib", &lowest.0, Some(lowest.1)))
    }
}

/// Whether a `go` line's version (`1.16`, `1.21.3`, `1.21rc2`) is below
/// `major.minor`; one that does not parse is not.
fn go_version_below(version: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<u32>().ok());
    match (number(parts.next()), number(parts.next())) {
        (Some(ma), Some(mi)) => (ma, mi) < (major, minor),
        _ => false,
    }
}

/// The modules of a `go.sum`, each at its last listed version (a
/// `/go.mod`-only line counts too, as in Trivy). A line that is not
/// `module version hash` is skipped with a warning naming it.
fn go_sum(path: &str, content: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(content);
    let mut skips = Skips::new(path, "go.sum line");
    let mut last: Vec<(String, String)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [] => {}
            [module, version, _hash] if version.starts_with('v') => {
                let version = version.trim_end_matches("/go.mod").to_string();
                match index.get(module) {
                    Some(&at) => last[at].1 = version,
                    None => {
                        index.insert(module.to_string(), last.len());
                        last.push((module.to_string(), version));
                    }
                }
            }
            _ => skips.skip(format_args!("line {}: not `module version hash`", i + 1)),
        }
    }
    last
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
            .filter(|p| !GoModAnalyzer.guessed(p))
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

    fn names(found: &[Package]) -> Vec<(&str, &str, Option<u32>)> {
        found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect()
    }

    #[test]
    fn an_old_go_mod_takes_its_indirect_modules_from_go_sum() {
        let go_mod = b"module example.com/app\n\ngo 1.16\n\nrequire github.com/a/b v1.1.0\n";
        let go_sum = b"github.com/a/b v1.0.0/go.mod h1:x=\ngithub.com/a/b v1.1.0 h1:x=\ngithub.com/a/b v1.1.0/go.mod h1:x=\ngolang.org/x/net v0.0.0-20210226172049-e18ecbb05110/go.mod h1:y=\ngolang.org/x/net v0.7.0 h1:y=\ngolang.org/x/net v0.7.0/go.mod h1:y=\nnot a line\n";
        let files = std::collections::BTreeMap::from([
            ("svc/go.sum".to_string(), go_sum.to_vec()),
            ("go.sum".to_string(), go_sum.to_vec()),
        ]);
        let found = GoModAnalyzer
            .parse_beside("svc/go.mod", go_mod, &Beside::new("svc/go.mod", &files))
            .unwrap();
        assert_eq!(
            names(&found),
            vec![
                ("github.com/a/b", "v1.1.0", Some(5)),
                ("golang.org/x/net", "v0.7.0", None),
            ]
        );
        // From Go 1.17 on, go.mod is complete and go.sum is not read.
        let new = b"module example.com/app\n\ngo 1.17\n\nrequire github.com/a/b v1.1.0\n";
        let found = GoModAnalyzer
            .parse_beside("go.mod", new, &Beside::new("go.mod", &files))
            .unwrap();
        assert_eq!(names(&found), vec![("github.com/a/b", "v1.1.0", Some(5))]);
    }

    #[test]
    fn stdlib_is_the_lower_of_go_and_toolchain_from_go_1_21() {
        let stdlib = |text: &str| {
            GoModAnalyzer
                .parse("go.mod", text.as_bytes())
                .unwrap()
                .into_iter()
                .find(|p| GoModAnalyzer.guessed(p))
                .map(|p| (p.version, p.line))
        };
        // Each cross-checked with Trivy 0.76 (--detection-priority comprehensive).
        assert_eq!(
            stdlib("module a\n\ngo 1.22.1\n\ntoolchain go1.22.5\n"),
            Some(("v1.22.1".into(), Some(3)))
        );
        assert_eq!(
            stdlib("module a\n\ngo 1.22.7\n\ntoolchain go1.22.5\n"),
            Some(("v1.22.5".into(), Some(5)))
        );
        assert_eq!(
            stdlib("module a\ngo 1.22\n"),
            Some(("v1.22.0".into(), Some(2)))
        );
        assert_eq!(stdlib("module a\ngo 1.20\n"), None);
        assert_eq!(stdlib("module a\n"), None);
        // Go's vulndb spelling of a release candidate (Trivy keeps `v1.21rc2`).
        assert_eq!(
            stdlib("module a\ngo 1.21rc2\n"),
            Some(("v1.21.0-rc.2".into(), Some(2)))
        );
    }
}
