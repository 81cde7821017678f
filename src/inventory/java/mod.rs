//! Java: archives (`.jar`, `.war`, `.ear`, `.par`, with the archives
//! nested in them) in images and trees, and `pom.xml` and
//! `gradle.lockfile` in source trees, matched in OSV's `Maven` ecosystem.
//!
//! A Maven artifact is named `groupId:artifactId`, as OSV's Maven records
//! name their packages (`org.apache.logging.log4j:log4j-core`), and its
//! purl is `pkg:maven/<groupId>/<artifactId>@<version>`.

pub mod gradle;
pub mod jar;
mod manifest;
pub mod pom;

use crate::inventory::Package;

/// A Maven artifact as a package: `group:artifact` at `version`.
fn artifact(group: &str, artifact: &str, version: &str, line: Option<u32>) -> Package {
    Package::language(&format!("{group}:{artifact}"), version, line)
}
