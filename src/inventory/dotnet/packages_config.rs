//! `packages.config`: the NuGet package list of older .NET Framework
//! projects, `<packages><package id="…" version="…" targetFramework="…"
//! developmentDependency="true"? /></packages>`. Development-only packages
//! are left out unless `--include-dev-deps` (Trivy always leaves them
//! out). A finding is placed on the package's element.

use crate::inventory::lockfile::{self, line_at};
use crate::inventory::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use quick_xml::events::Event;
use quick_xml::Reader;

pub struct PackagesConfigAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/packages.config")];

impl PackageAnalyzer for PackagesConfigAnalyzer {
    /// Read everywhere, as Trivy 0.76 does (an image built with
    /// `COPY . .` still says what the application was built with).
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::PackagesConfig, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let mut reader = Reader::from_str(text);
        let mut found = Vec::new();
        let mut depth = 0usize;
        let mut root_seen = false;
        loop {
            let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = reader.read_event().map_err(|e| {
                let line = line_at(text, usize::try_from(reader.error_position()).unwrap_or(0));
                ParseError::new(path, format!("line {line}: {e}"))
            })?;
            let (element, opens) = match &event {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let tag = element.local_name();
            if depth == 0 {
                if tag.as_ref() != b"packages" {
                    return Err(ParseError::new(path, "the root element is not <packages>"));
                }
                root_seen = true;
            } else if depth == 1 && tag.as_ref() == b"package" {
                let (mut id, mut version, mut dev) = (None, None, false);
                for attr in element.attributes().flatten() {
                    let value = attr
                        .unescape_value()
                        .map(|v| v.trim().to_string())
                        .unwrap_or_default();
                    match attr.key.local_name().as_ref() {
                        b"id" => id = Some(value),
                        b"version" => version = Some(value),
                        b"developmentDependency" => dev = value.eq_ignore_ascii_case("true"),
                        _ => {}
                    }
                }
                if let (Some(id), Some(version)) = (id, version) {
                    if !id.is_empty() && !version.is_empty() {
                        let line = line_at(text, text[at..].find('<').map_or(at, |i| at + i));
                        let mut p = Package::language(&id, &version, Some(line));
                        p.dev = dev;
                        found.push(p);
                    }
                }
            }
            if opens {
                depth += 1;
            }
        }
        if !root_seen {
            return Err(ParseError::new(path, "no <packages> element"));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="Newtonsoft.Json" version="9.0.1" targetFramework="net462" />
  <!-- <package id="Commented.Out" version="1.0.0" /> -->
  <package id="StyleCop.Analyzers" version="1.1.118" targetFramework="net462" developmentDependency="true" />
  <package id="log4net" version="2.0.8" targetFramework="net462"></package>
</packages>
"#;

    #[test]
    fn packages_with_their_lines_and_dev_flags() {
        let found = PackagesConfigAnalyzer
            .parse("packages.config", CONFIG.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Newtonsoft.Json", "9.0.1", Some(3), false),
                ("StyleCop.Analyzers", "1.1.118", Some(5), true),
                ("log4net", "2.0.8", Some(6), false),
            ]
        );
    }

    #[test]
    fn bad_xml_is_one_error_naming_the_file() {
        let e = PackagesConfigAnalyzer
            .parse(
                "web/packages.config",
                b"<packages>\n<package id=\"a\" version=\"1\">\n</oops>",
            )
            .unwrap_err();
        assert!(
            e.to_string().starts_with("web/packages.config: line "),
            "{e}"
        );
        let e = PackagesConfigAnalyzer
            .parse("packages.config", b"<configuration/>")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "packages.config: the root element is not <packages>"
        );
    }
}
