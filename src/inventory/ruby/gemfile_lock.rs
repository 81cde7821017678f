//! Bundler's `Gemfile.lock`. Every resolved gem is a `name (version)` line
//! indented by exactly four spaces under a source's `specs:` (`GEM`, `GIT`,
//! `PATH`); its own dependencies follow at six spaces and are not
//! packages. A platform suffix is not part of the version
//! (`nokogiri (1.16.2-x86_64-linux)` is nokogiri 1.16.2). Read as Trivy
//! reads it, so both list the same gems; a finding is placed on the gem's
//! line. A gem locked twice (once per platform) is reported once.

use crate::inventory::lockfile;
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use std::collections::BTreeMap;

pub struct GemfileLockAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/Gemfile.lock")];

impl PackageAnalyzer for GemfileLockAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Bundler, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let mut gems: BTreeMap<&str, Package> = BTreeMap::new();
        let mut sections = 0;
        for (i, line) in text.lines().enumerate() {
            if !line.starts_with(' ') && !line.trim().is_empty() {
                sections += 1;
            }
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent != 4 {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, version] = fields[..] else {
                continue;
            };
            let Some(version) = version.strip_prefix('(').and_then(|v| v.strip_suffix(')')) else {
                continue;
            };
            let version = version.split_once('-').map_or(version, |(v, _)| v);
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            gems.insert(name, Package::language(name, version, Some(line_no)));
        }
        if sections == 0 {
            return Err(ParseError::new(path, "no sections: not a Gemfile.lock"));
        }
        Ok(gems.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As Bundler 2.4 writes it.
    const LOCK: &str = "GIT
  remote: https://github.com/x/forked.git
  revision: 0123456789abcdef
  specs:
    forked (0.3.0)

GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.0.4)
      rack (~> 2.0, >= 2.2.0)
      rack-test (>= 0.6.3)
    nokogiri (1.13.10-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.13.10-aarch64-linux)
      racc (~> 1.4)
    rack (2.2.4)
    racc (1.6.2)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  actionpack (= 7.0.4)
  forked!
  nokogiri

BUNDLED WITH
   2.4.10
";

    #[test]
    fn four_space_specs_with_their_lines() {
        let found = GemfileLockAnalyzer
            .parse("Gemfile.lock", LOCK.as_bytes())
            .unwrap();
        let got: Vec<(&str, &str, Option<u32>)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("actionpack", "7.0.4", Some(10)),
                ("forked", "0.3.0", Some(5)),
                ("nokogiri", "1.13.10", Some(15)),
                ("racc", "1.6.2", Some(18)),
                ("rack", "2.2.4", Some(17)),
            ]
        );
    }

    #[test]
    fn garbage_is_one_error_naming_the_file() {
        let e = GemfileLockAnalyzer
            .parse("app/Gemfile.lock", b"   \n    \n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "app/Gemfile.lock: no sections: not a Gemfile.lock"
        );
        assert!(GemfileLockAnalyzer
            .parse("Gemfile.lock", b"\xff\xfe")
            .is_err());
    }
}
