//! `META-INF/MANIFEST.MF`: the fallback that names an archive without a
//! `pom.properties` of its own, read as Trivy reads it offline. Only the
//! main section (up to the first empty line) describes the archive; the
//! sections after it describe entries. Long values are folded onto
//! continuation lines that start with one space. Values starting with `%`
//! are localisation keys (`Bundle-Name: %bundleName`), not values.
//!
//! The artifact is taken from the first attribute present of each list:
//! group from `Implementation-Vendor-Id`, `Bundle-SymbolicName` (without
//! its last dot-separated part), `Implementation-Vendor`,
//! `Specification-Vendor`; artifact from `Implementation-Title`,
//! `Specification-Title`, `Bundle-Name`; version from
//! `Implementation-Version`, `Specification-Version`, `Bundle-Version`.
//! All three are needed: an artifact without a group matches no advisory;
//! so are group and artifact that could be Maven coordinates (letters,
//! digits, `.`, `_`, `-`): a vendor's name or a title is not one. Such
//! coordinates are unverified: Trivy confirms them in its Java DB (Maven
//! Central's index) and drops those it cannot find; scangate has no such
//! index and keeps them.

use std::collections::HashMap;

const GROUP: &[&str] = &[
    "Implementation-Vendor-Id",
    "Bundle-SymbolicName",
    "Implementation-Vendor",
    "Specification-Vendor",
];
const ARTIFACT: &[&str] = &["Implementation-Title", "Specification-Title", "Bundle-Name"];
const VERSION: &[&str] = &[
    "Implementation-Version",
    "Specification-Version",
    "Bundle-Version",
];

/// `(group, artifact, version)` from a manifest, when it names all three.
pub(super) fn artifact(text: &str) -> Option<(String, String, String)> {
    let main = main_section(text);
    let first = |keys: &[&'static str]| -> Option<(&'static str, String)> {
        keys.iter()
            .find_map(|k| main.get(*k).map(|v| (*k, v.trim().to_string())))
    };
    let (key, mut group) = first(GROUP)?;
    if key == "Bundle-SymbolicName" {
        // `com.fasterxml.jackson.core.jackson-databind` → its package.
        if let Some((prefix, _)) = group.rsplit_once('.') {
            group = prefix.to_string();
        }
    }
    let (_, artifact) = first(ARTIFACT)?;
    let (_, version) = first(VERSION)?;
    // Titles and vendor names (`Guava: Google Core Libraries for Java`,
    // `The Apache Software Foundation`) are no Maven coordinates and could
    // never match an advisory.
    let coordinate = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    (coordinate(&group) && coordinate(&artifact) && !version.is_empty())
        .then_some((group, artifact, version))
}

/// The main section's attributes with a usable value, unfolded.
fn main_section(text: &str) -> HashMap<&'static str, String> {
    let mut attributes = HashMap::new();
    let mut current: Option<String> = None;
    let mut add = |line: Option<String>| {
        let Some(line) = line else { return };
        let Some((key, value)) = line.split_once(':') else {
            return;
        };
        let value = value.trim();
        if value.is_empty() || value.starts_with('%') {
            return;
        }
        for known in GROUP.iter().chain(ARTIFACT).chain(VERSION) {
            if key == *known {
                attributes.insert(*known, value.to_string());
            }
        }
    };
    // CRLF, LF and a lone CR all end a line in a manifest.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        if let Some(folded) = line.strip_prefix(' ') {
            if let Some(c) = current.as_mut() {
                c.push_str(folded);
            }
            continue;
        }
        add(current.take());
        current = Some(line.to_string());
    }
    add(current);
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implementation_fields_first_then_bundle() {
        let text = "Manifest-Version: 1.0\r\nImplementation-Title: log4j-core\r\nImplementation-Version: 2.14.1\r\nImplementation-Vendor-Id: org.apache.logging.log4j\r\nBundle-SymbolicName: org.apache.logging.log4j.core\r\n\r\nName: org/apache/\r\nImplementation-Version: 9.9\r\n";
        assert_eq!(
            artifact(text),
            Some((
                "org.apache.logging.log4j".into(),
                "log4j-core".into(),
                "2.14.1".into()
            ))
        );
        let osgi = "Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind\nBundle-Name: jackson-databind\nBundle-Version: 2.12.1\nSpecification-Title: %title\n";
        assert_eq!(
            artifact(osgi),
            Some((
                "com.fasterxml.jackson.core".into(),
                "jackson-databind".into(),
                "2.12.1".into()
            ))
        );
    }

    #[test]
    fn folded_values_and_missing_parts() {
        let folded = "Implementation-Vendor-Id: org.exa\n mple\nImplementation-Title: a\nImplementation-Version: 1\n";
        assert_eq!(
            artifact(folded).map(|a| a.0),
            Some("org.example".to_string())
        );
        assert_eq!(
            artifact("Implementation-Title: a\nImplementation-Version: 1\n"),
            None
        );
        let vendor = "Implementation-Vendor: The Apache Software Foundation\nImplementation-Title: a\nImplementation-Version: 1\n";
        assert_eq!(artifact(vendor), None);
    }
}
