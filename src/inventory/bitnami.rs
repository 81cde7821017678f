//! Bitnami's images: the applications Bitnami builds from source (nginx,
//! postgresql, ...) are in no package database, but each component
//! directory holds an SPDX document, `/opt/bitnami/<component>/.spdx-<component>.spdx`,
//! whose packages name themselves by `pkg:bitnami/<name>@<version>` purls.
//! Trivy's SBOM analyzer reads the same files; Bitnami's advisories are
//! published in OSV's `Bitnami` ecosystem.

use super::purl::decode;
use crate::inventory::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use serde::Deserialize;

pub struct BitnamiAnalyzer;

static WANTS: &[Want] = &[Want::Glob("opt/bitnami/*/.spdx-*.spdx")];

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize)]
struct SpdxPackage {
    #[serde(default, rename = "externalRefs")]
    external_refs: Vec<ExternalRef>,
    #[serde(default, rename = "licenseConcluded")]
    license: Option<String>,
}

#[derive(Deserialize)]
struct ExternalRef {
    #[serde(default, rename = "referenceType")]
    kind: String,
    #[serde(default, rename = "referenceLocator")]
    locator: String,
}

impl PackageAnalyzer for BitnamiAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Bitnami, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let doc: Document = serde_json::from_slice(content)
            .map_err(|e| ParseError::new(path, format!("not an SPDX JSON document: {e}")))?;
        Ok(doc
            .packages
            .iter()
            .filter_map(|p| {
                let purl = p
                    .external_refs
                    .iter()
                    .find(|r| r.kind == "purl" && r.locator.starts_with("pkg:bitnami/"))?;
                let mut package = from_purl(&purl.locator)?;
                package.licenses = p
                    .license
                    .iter()
                    .filter(|l| !matches!(l.as_str(), "" | "NOASSERTION" | "NONE"))
                    .cloned()
                    .collect();
                Some(package)
            })
            .collect())
    }
}

/// `pkg:bitnami/nginx@1.25.3-0?arch=amd64&distro=debian-12` → nginx
/// `1.25.3-0`, arch `amd64`.
fn from_purl(purl: &str) -> Option<Package> {
    let rest = purl.strip_prefix("pkg:bitnami/")?;
    let (rest, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let (name, version) = rest.split_once('@')?;
    let (name, version) = (decode(name)?, decode(version)?);
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let mut package = Package::language(&name, &version, None);
    package.arch = qualifiers
        .split('&')
        .find_map(|q| q.strip_prefix("arch="))
        .and_then(decode);
    Some(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of Bitnami's `.spdx-nginx.spdx` (bitnami/containers'
    /// images, as Trivy's `sbom` analyzer test data has it): the component
    /// and a bundled library, each with a `pkg:bitnami` purl.
    const SPDX: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "name": "nginx",
  "packages": [
    {"name": "nginx", "versionInfo": "1.25.3-0", "licenseConcluded": "BSD-2-Clause",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:bitnami/nginx@1.25.3-0?arch=amd64&distro=debian-12"}]},
    {"name": "openssl", "versionInfo": "3.0.13", "licenseConcluded": "NOASSERTION",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:bitnami/openssl@3.0.13?arch=amd64"}]},
    {"name": "render-template", "versionInfo": "1.0.6",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:golang/github.com/bitnami/render-template@1.0.6"}]}
  ]
}"#;

    #[test]
    fn bitnami_purls_are_the_packages() {
        let got = BitnamiAnalyzer
            .parse("opt/bitnami/nginx/.spdx-nginx.spdx", SPDX.as_bytes())
            .unwrap();
        let rows: Vec<String> = got
            .iter()
            .map(|p| format!("{} {} {:?} {:?}", p.name, p.version, p.arch, p.licenses))
            .collect();
        assert_eq!(
            rows,
            [
                "nginx 1.25.3-0 Some(\"amd64\") [\"BSD-2-Clause\"]",
                "openssl 3.0.13 Some(\"amd64\") []",
            ]
        );
        assert!(BitnamiAnalyzer.parse("x.spdx", b"{").is_err());
    }

    #[test]
    fn wants_component_spdx_files_only() {
        let want = WANTS[0];
        assert!(crate::inventory::all_wants().list().contains(&want));
        assert!(want.matches("opt/bitnami/nginx/.spdx-nginx.spdx"));
        assert!(!want.matches("opt/bitnami/nginx/lib/.spdx-x.spdx"));
    }
}
