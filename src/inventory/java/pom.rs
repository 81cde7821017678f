//! `pom.xml` in source trees: the project itself and its direct
//! dependencies, as far as one file can tell without a Maven repository.
//!
//! A version is taken literally or from `${...}` properties: the POM's own
//! `<properties>` (which may refer to each other), `project.version`,
//! `project.groupId`, `project.artifactId` (falling back to the
//! `<parent>`'s group and version, as Maven does), and
//! `project.parent.version`. A dependency without a version takes it from
//! the same POM's `<dependencyManagement>`. As Trivy does, dependencies of
//! scope `test`, `provided` or `system` and optional ones are left out, and
//! the project itself is listed (without a line).
//!
//! What needs a Maven repository is not resolved: versions managed by a
//! parent POM or an imported BOM, properties defined in a parent,
//! version ranges, and transitive dependencies. Each such dependency is
//! left out, and one warning per file names them, so a gap is never
//! silent. A finding is placed on the line of the `<dependency>` element.

use super::artifact;
use crate::inventory::lockfile::{line_at, text};
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use quick_xml::events::Event;
use std::collections::HashMap;

pub struct PomAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/pom.xml")];

impl PackageAnalyzer for PomAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Pom, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let pom = read(path, text(path, content)?)?;
        let (found, unresolved) = pom.packages();
        if !unresolved.is_empty() {
            const SHOWN: usize = 10;
            let mut names = unresolved[..unresolved.len().min(SHOWN)].join(", ");
            if unresolved.len() > SHOWN {
                names.push_str(&format!(" and {} more", unresolved.len() - SHOWN));
            }
            tracing::warn!(
                "{path}: {} dependencies left out, their versions need a Maven repository (a parent POM, a BOM, a range): {names}",
                unresolved.len()
            );
        }
        Ok(found)
    }
}

/// A `<dependency>` as written.
#[derive(Debug, Default)]
struct Dependency {
    group: String,
    artifact: String,
    version: Option<String>,
    scope: String,
    optional: String,
    line: u32,
}

/// What one POM says about itself and its dependencies.
#[derive(Debug, Default)]
struct Pom {
    group: Option<String>,
    artifact: Option<String>,
    version: Option<String>,
    parent_group: Option<String>,
    parent_version: Option<String>,
    properties: HashMap<String, String>,
    dependencies: Vec<Dependency>,
    managed: Vec<Dependency>,
}

/// Properties referring to properties: deeper than this is a loop.
const MAX_INTERPOLATION_DEPTH: usize = 10;

impl Pom {
    /// The project and its resolved dependencies; the unresolved ones by
    /// name, with why.
    fn packages(&self) -> (Vec<Package>, Vec<String>) {
        let mut found = Vec::new();
        let mut unresolved = Vec::new();
        let own = |v: &Option<String>| v.as_deref().and_then(|v| self.interpolate(v, 0).ok());
        if let (Some(group), Some(id), Some(version)) = (
            own(&self.group).or_else(|| own(&self.parent_group)),
            own(&self.artifact),
            own(&self.version).or_else(|| own(&self.parent_version)),
        ) {
            found.push(artifact(&group, &id, &version, None));
        }
        for dep in &self.dependencies {
            if matches!(dep.scope.as_str(), "test" | "provided" | "system")
                || dep.optional == "true"
            {
                continue;
            }
            let (group, id) = match (
                self.interpolate(&dep.group, 0),
                self.interpolate(&dep.artifact, 0),
            ) {
                (Ok(g), Ok(a)) if !g.is_empty() && !a.is_empty() => (g, a),
                _ => {
                    unresolved.push(format!("{}:{}", dep.group, dep.artifact));
                    continue;
                }
            };
            let written = dep
                .version
                .clone()
                .or_else(|| self.managed_version(&group, &id));
            let version = match written.as_deref().map(|v| self.interpolate(v, 0)) {
                Some(Ok(v)) if !v.is_empty() && !v.starts_with(['[', '(']) => v,
                Some(Ok(v)) if !v.is_empty() => {
                    unresolved.push(format!("{group}:{id} (range {v})"));
                    continue;
                }
                Some(Err(name)) => {
                    unresolved.push(format!("{group}:{id} (${{{name}}})"));
                    continue;
                }
                _ => {
                    unresolved.push(format!("{group}:{id}"));
                    continue;
                }
            };
            found.push(artifact(&group, &id, &version, Some(dep.line)));
        }
        (found, unresolved)
    }

    /// The version this POM's `<dependencyManagement>` gives an artifact.
    fn managed_version(&self, group: &str, id: &str) -> Option<String> {
        self.managed
            .iter()
            .find(|m| {
                self.interpolate(&m.group, 0).ok().as_deref() == Some(group)
                    && self.interpolate(&m.artifact, 0).ok().as_deref() == Some(id)
            })
            .and_then(|m| m.version.clone())
    }

    /// `value` with every `${name}` replaced; `Err(name)` for the first
    /// property this file does not define.
    fn interpolate(&self, value: &str, depth: usize) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = value.trim();
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            let name = &rest[start + 2..start + 2 + len];
            out.push_str(&rest[..start]);
            out.push_str(&self.property(name, depth)?);
            rest = &rest[start + 3 + len..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn property(&self, name: &str, depth: usize) -> Result<String, String> {
        if depth >= MAX_INTERPOLATION_DEPTH {
            return Err(name.to_string());
        }
        let model = match name {
            "project.version" | "pom.version" | "version" => {
                self.version.as_ref().or(self.parent_version.as_ref())
            }
            "project.groupId" | "pom.groupId" | "groupId" => {
                self.group.as_ref().or(self.parent_group.as_ref())
            }
            "project.artifactId" | "pom.artifactId" | "artifactId" => self.artifact.as_ref(),
            "project.parent.version" | "parent.version" => self.parent_version.as_ref(),
            "project.parent.groupId" | "parent.groupId" => self.parent_group.as_ref(),
            _ => self.properties.get(name),
        };
        match model {
            Some(v) => self.interpolate(v, depth + 1),
            None => Err(name.to_string()),
        }
    }
}

/// Reads the parts of a POM this analyzer uses.
fn read(path: &str, text: &str) -> Result<Pom, ParseError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut pom = Pom::default();
    let mut stack: Vec<String> = Vec::new();
    let mut value = String::new();
    let mut dep: Option<Dependency> = None;
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let line = line_at(text, reader.error_position() as usize);
            ParseError::new(path, format!("line {line}: not well-formed XML ({e})"))
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() && name != "project" {
                    return Err(ParseError::new(path, "not a Maven POM (no <project>)"));
                }
                stack.push(name);
                value.clear();
                if is_dependency(&stack) {
                    dep = Some(Dependency {
                        line: line_at(text, at),
                        ..Dependency::default()
                    });
                }
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let [p, props] = &stack[..] {
                    if p == "project" && props == "properties" {
                        pom.properties.insert(name, String::new());
                    }
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned().into());
                value.push_str(&text);
            }
            Event::CData(t) => value.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                let text = value.trim().to_string();
                match &path[..] {
                    ["project", field] => set_field(&mut pom, false, field, text),
                    ["project", "parent", field] => set_field(&mut pom, true, field, text),
                    ["project", "properties", name] => {
                        pom.properties.insert(name.to_string(), text);
                    }
                    ["project", .., "dependency", field] => {
                        if let Some(d) = dep.as_mut() {
                            match *field {
                                "groupId" => d.group = text,
                                "artifactId" => d.artifact = text,
                                "version" => d.version = Some(text),
                                "scope" => d.scope = text,
                                "optional" => d.optional = text,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                if is_dependency(&stack) {
                    if let Some(d) = dep.take() {
                        match path[1] {
                            "dependencies" => pom.dependencies.push(d),
                            _ => pom.managed.push(d),
                        }
                    }
                }
                stack.pop();
                value.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(pom)
}

/// Whether the element path is a direct or managed `<dependency>`.
fn is_dependency(stack: &[String]) -> bool {
    let path: Vec<&str> = stack.iter().map(String::as_str).collect();
    matches!(
        path[..],
        ["project", "dependencies", "dependency"]
            | [
                "project",
                "dependencyManagement",
                "dependencies",
                "dependency"
            ]
    )
}

/// Sets the project's (or, with `parent`, its parent's) coordinate.
fn set_field(pom: &mut Pom, parent: bool, field: &str, text: String) {
    let slot = match (parent, field) {
        (false, "groupId") => &mut pom.group,
        (false, "artifactId") => &mut pom.artifact,
        (false, "version") => &mut pom.version,
        (true, "groupId") => &mut pom.parent_group,
        (true, "version") => &mut pom.parent_version,
        _ => return,
    };
    *slot = Some(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>2.6.1</version>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>1.0.0</version>
  <properties>
    <log4j.version>2.14.1</log4j.version>
    <jackson.version>${jackson.base}.1</jackson.version>
    <jackson.base>2.12</jackson.base>
    <empty/>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>commons-io</groupId>
        <artifactId>commons-io</artifactId>
        <version>2.6</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${log4j.version}</version>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.version}</version>
    </dependency>
    <dependency>
      <groupId>commons-io</groupId>
      <artifactId>commons-io</artifactId>
    </dependency>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>demo-lib</artifactId>
      <version>${project.version}</version>
      <exclusions><exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion></exclusions>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
      <version>4.12</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>javax.servlet</groupId>
      <artifactId>servlet-api</artifactId>
      <version>2.5</version>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>org.opt</groupId>
      <artifactId>optional-one</artifactId>
      <version>1.0</version>
      <optional>true</optional>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>org.range</groupId>
      <artifactId>ranged</artifactId>
      <version>[1.0,2.0)</version>
    </dependency>
    <dependency>
      <groupId>org.parent</groupId>
      <artifactId>from-parent</artifactId>
      <version>${parent.only}</version>
    </dependency>
    <dependency>
      <groupId>org.rt</groupId>
      <artifactId>rt</artifactId>
      <version>1.2</version>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
</project>
"#;

    #[test]
    fn direct_dependencies_with_properties_and_lines() {
        let found = PomAnalyzer.parse("pom.xml", POM.as_bytes()).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
            .collect();
        // The same packages and lines as Trivy 0.76 (`trivy fs
        // --offline-scan`) lists for this POM, less the three whose
        // version it cannot know either.
        assert_eq!(
            got,
            [
                ("com.example:demo", "1.0.0", None),
                ("org.apache.logging.log4j:log4j-core", "2.14.1", Some(28)),
                (
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.12.1",
                    Some(33)
                ),
                ("commons-io:commons-io", "2.6", Some(38)),
                ("com.example:demo-lib", "1.0.0", Some(42)),
                ("org.rt:rt", "1.2", Some(80)),
            ]
        );
        let pom = read("pom.xml", POM).unwrap();
        let (_, unresolved) = pom.packages();
        assert_eq!(
            unresolved,
            [
                "org.springframework.boot:spring-boot-starter-web",
                "org.range:ranged (range [1.0,2.0))",
                "org.parent:from-parent (${parent.only})",
            ]
        );
    }

    #[test]
    fn project_coordinates_fall_back_to_the_parent() {
        let text = "<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>3</version></parent><artifactId>child</artifactId></project>";
        let found = PomAnalyzer.parse("m/pom.xml", text.as_bytes()).unwrap();
        assert_eq!(
            (found[0].name.as_str(), found[0].version.as_str()),
            ("g:child", "3")
        );
    }

    #[test]
    fn property_loops_and_bad_xml_are_errors_not_hangs() {
        let looped = "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><properties><a>${b}</a><b>${a}</b></properties><dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId><version>${a}</version></dependency></dependencies></project>";
        let found = PomAnalyzer.parse("pom.xml", looped.as_bytes()).unwrap();
        assert_eq!(found.len(), 1, "only the project itself");
        let e = PomAnalyzer
            .parse("sub/pom.xml", b"<project><dependencies></project>")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("sub/pom.xml: line 1: not well-formed XML"),
            "{e}"
        );
        let e = PomAnalyzer.parse("pom.xml", b"<html></html>").unwrap_err();
        assert!(e.to_string().contains("not a Maven POM"), "{e}");
    }
}
