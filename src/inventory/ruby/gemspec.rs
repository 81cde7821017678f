//! Installed gems: RubyGems writes one `NAME-VERSION.gemspec` per installed
//! gem into the `specifications` directory of its gem home
//! (`/usr/local/bundle/specifications`, `vendor/bundle/ruby/3.2.0/specifications`;
//! Ruby's default gems into `specifications/default`).
//!
//! A gemspec is Ruby code, never run here: it is read as Trivy reads it,
//! line by line. The line holding `Gem::Specification.new do |s|` names the
//! block variable; then `s.name = "…"`, `s.version = "…"` and
//! `s.license(s) = …` lines give the values, with quotes and a trailing
//! `.freeze` stripped. A file without a literal name and version (a gem's
//! own source gemspec computing them, say) is one warning naming the file.

use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use regex::Regex;
use std::sync::LazyLock;

pub struct GemspecAnalyzer;

/// Default gems sit one level deeper (`specifications/default/`); Trivy
/// reads them too.
static WANTS: &[Want] = &[Want::Glob("**/specifications/**/*.gemspec")];

/// The value after `.<key> =`, up to the first whitespace (Trivy's regexes).
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.name\s*=\s*(\S+)").expect("valid pattern"));
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.version\s*=\s*(\S+)").expect("valid pattern"));
static LICENSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.license\s*=\s*(\S+)").expect("valid pattern"));
static LICENSES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.licenses\s*=\s*\[(.+)\]").expect("valid pattern"));

/// `"async".freeze` → `async`; `'x'` → `x`.
fn literal(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_suffix(".freeze").unwrap_or(s);
    s.trim_matches(['"', '\'']).to_string()
}

fn capture(re: &Regex, line: &str) -> Option<String> {
    re.captures(line)
        .and_then(|c| c.get(1))
        .map(|m| literal(m.as_str()))
}

/// A name or version only when written as a string literal: Trivy would
/// also take `X::VERSION` verbatim, which no comparator can order.
fn string_literal(re: &Regex, line: &str) -> String {
    let quoted = re.captures(line).and_then(|c| c.get(1)).is_some_and(|m| {
        let s = m.as_str();
        let s = s.strip_suffix(".freeze").unwrap_or(s);
        s.len() >= 2 && (s.starts_with('"') || s.starts_with('\'')) && s.ends_with(&s[..1])
    });
    if quoted {
        capture(re, line).unwrap_or_default()
    } else {
        String::new()
    }
}

impl PackageAnalyzer for GemspecAnalyzer {
    /// Installed gems are what an image runs; in a source tree the
    /// `Gemfile.lock` is the truth (Trivy reads these in images only).
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Gemspec, WANTS).scope(Scope::Images)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut var: Option<String> = None;
        let (mut name, mut version) = (String::new(), String::new());
        let mut licenses: Vec<String> = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.contains("Gem::Specification.new") {
                var = line
                    .split_once('|')
                    .and_then(|(_, rest)| rest.split_once('|'))
                    .map(|(v, _)| v.to_string());
            }
            let Some(v) = var.as_deref().filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some(rest) = line.strip_prefix(v) else {
                continue;
            };
            if rest.starts_with(".name") {
                name = string_literal(&NAME, line);
            } else if rest.starts_with(".version") {
                version = string_literal(&VERSION, line);
            } else if rest.starts_with(".licenses") {
                licenses = LICENSES
                    .captures(line)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str().split(',').map(literal).collect())
                    .unwrap_or_default();
            } else if rest.starts_with(".license") {
                licenses = capture(&LICENSE, line).into_iter().collect();
            }
            if !name.is_empty() && !version.is_empty() && !licenses.is_empty() {
                break;
            }
        }
        if name.is_empty() || version.is_empty() {
            return Err(ParseError::new(
                path,
                "no literal `.name =` and `.version =` in a Gem::Specification block",
            ));
        }
        let mut p = Package::language(&name, &version, None);
        p.licenses = licenses.into_iter().filter(|l| !l.is_empty()).collect();
        Ok(vec![p])
    }

    /// The gem home's `specifications` directory (default gems included).
    fn set_path(&self, file: &str) -> String {
        let dir = format!("/{file}");
        match dir.rfind("/specifications/") {
            Some(at) => dir[1..at + "/specifications".len()].to_string(),
            None => file.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As RubyGems 3.4 writes an installed gem's specification.
    const INSTALLED: &str = r#"# -*- encoding: utf-8 -*-
# stub: rack 2.2.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.2.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Leah Neukirchen".freeze]
  s.licenses = ["MIT".freeze, "Ruby".freeze]
  s.summary = "a modular Ruby webserver interface".freeze
end
"#;

    #[test]
    fn reads_an_installed_specification_as_trivy_does() {
        let found = GemspecAnalyzer
            .parse(
                "usr/local/bundle/specifications/rack-2.2.8.gemspec",
                INSTALLED.as_bytes(),
            )
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].name.as_str(), found[0].version.as_str()),
            ("rack", "2.2.8")
        );
        assert_eq!(
            found[0].licenses,
            vec!["MIT".to_string(), "Ruby".to_string()]
        );
    }

    #[test]
    fn other_block_variables_and_single_quotes() {
        let spec = "Gem::Specification.new do |spec|\n  spec.name    = 'json'\n  spec.version = '2.7.1'.freeze\n  spec.license = 'Ruby'\nend\n";
        let found = GemspecAnalyzer
            .parse("x/specifications/json.gemspec", spec.as_bytes())
            .unwrap();
        assert_eq!(
            (found[0].name.as_str(), found[0].version.as_str()),
            ("json", "2.7.1")
        );
        assert_eq!(found[0].licenses, vec!["Ruby".to_string()]);
    }

    #[test]
    fn ruby_code_without_literals_is_one_error_naming_the_file() {
        // A source gemspec: the version comes from a constant.
        let spec = "require_relative 'lib/x/version'\nGem::Specification.new do |s|\n  s.name = 'x'\n  s.version = X::VERSION\nend\n";
        // Trivy would take `X::VERSION` as the version; it is no version.
        let e = GemspecAnalyzer
            .parse("a/specifications/x.gemspec", spec.as_bytes())
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("a/specifications/x.gemspec: no literal"),
            "{e}"
        );
        let e = GemspecAnalyzer
            .parse(
                "a/specifications/y.gemspec",
                b"--- !ruby/object:Gem::Specification\nname: y\n",
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("a/specifications/y.gemspec: no literal"),
            "{e}"
        );
    }

    #[test]
    fn sets_are_the_specification_directories() {
        assert_eq!(
            GemspecAnalyzer.set_path("usr/local/bundle/specifications/rack-2.2.8.gemspec"),
            "usr/local/bundle/specifications"
        );
        assert_eq!(
            GemspecAnalyzer
                .set_path("usr/lib/ruby/gems/3.1.0/specifications/default/yaml-0.2.0.gemspec"),
            "usr/lib/ruby/gems/3.1.0/specifications"
        );
        assert_eq!(
            GemspecAnalyzer.set_path("specifications/x.gemspec"),
            "specifications"
        );
    }
}
