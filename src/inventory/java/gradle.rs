//! `gradle.lockfile` (Gradle's dependency locking): one resolved module per
//! line, `group:artifact:version=configuration,configuration,...`; `#`
//! starts a comment and `empty=...` lists configurations that resolved
//! nothing. A module only test configurations resolve (`testCompileClasspath`,
//! `testRuntimeClasspath`, ...) is a development dependency, as Trivy
//! counts it. A finding is placed on the module's line.

use super::artifact;
use crate::inventory::lockfile::text;
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};

pub struct GradleLockAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/gradle.lockfile")];

impl PackageAnalyzer for GradleLockAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Gradle, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = text(path, content)?;
        let mut found = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (module, configurations) = line.split_once('=').unwrap_or((line, ""));
            if module == "empty" {
                continue;
            }
            let parts: Vec<&str> = module.split(':').collect();
            let [group, id, version] = parts[..] else {
                tracing::warn!(
                    "{path}:{}: skipping a line that is not `group:artifact:version=...`",
                    index + 1
                );
                continue;
            };
            if [group, id, version].iter().any(|s| s.is_empty()) {
                continue;
            }
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let mut package = artifact(group, id, version, Some(line));
            package.dev = !configurations.is_empty()
                && configurations
                    .split(',')
                    .all(|c| c.trim().starts_with("test"));
            found.push(package);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_with_lines_and_test_only_ones_as_dev() {
        let text = "# This is a Gradle generated file for dependency locking.\n\
# Manual edits can break the build and are not advised.\n\
# This file is expected to be part of source control.\n\
com.google.guava:guava:30.1-jre=compileClasspath,runtimeClasspath\n\
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\n\
org.apache.logging.log4j:log4j-core:2.14.1=runtimeClasspath\n\
broken-line\n\
empty=annotationProcessor\n";
        let found = GradleLockAnalyzer
            .parse("gradle.lockfile", text.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("com.google.guava:guava", "30.1-jre", Some(4), false),
                ("junit:junit", "4.13.2", Some(5), true),
                (
                    "org.apache.logging.log4j:log4j-core",
                    "2.14.1",
                    Some(6),
                    false
                ),
            ]
        );
    }
}
