//! `vendor/composer/installed.json`: what Composer actually installed into
//! `vendor/`. Composer 1 writes a plain array of packages, Composer 2 an
//! object `{"packages": [...], "dev": …, "dev-package-names": [...]}`.
//! Every installed package is reported, development ones included: they
//! are on disk, so their code can run (Trivy reports them too). Read in
//! images only, as Trivy 0.76 does: in a source tree `composer.lock` is
//! the truth, and reading both would count every package twice.

use super::{packages, Locked};
use crate::inventory::lockfile;
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;

pub struct InstalledJsonAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/vendor/composer/installed.json")];

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V2 { packages: Vec<Locked> },
    V1(Vec<Locked>),
}

impl PackageAnalyzer for InstalledJsonAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::ComposerVendor, WANTS).scope(Scope::Images)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        // Syntax errors are reported with their line by the plain parse;
        // the untagged enum only says that no shape fitted.
        let value: serde_json::Value = lockfile::json(path, content)?;
        let installed = Installed::deserialize(value).map_err(|_| {
            ParseError::new(
                path,
                "neither a list of packages (Composer 1) nor {\"packages\": [...]} (Composer 2)",
            )
        })?;
        let list = match &installed {
            Installed::V2 { packages } | Installed::V1(packages) => packages,
        };
        let mut found = Vec::new();
        packages(text, &mut 0, list, false, &mut found);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_2_and_composer_1_shapes() {
        let v2 = r#"{
    "packages": [
        {
            "name": "monolog/monolog",
            "version": "2.9.1",
            "version_normalized": "2.9.1.0",
            "install-path": "../monolog/monolog"
        },
        {
            "name": "phpunit/phpunit",
            "version": "9.6.3"
        }
    ],
    "dev": true,
    "dev-package-names": ["phpunit/phpunit"]
}"#;
        let found = InstalledJsonAnalyzer
            .parse("app/vendor/composer/installed.json", v2.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("monolog/monolog", "2.9.1", Some(3), false),
                ("phpunit/phpunit", "9.6.3", Some(9), false),
            ]
        );
        let v1 = "[\n  {\"name\": \"psr/log\", \"version\": \"1.1.4\"}\n]\n";
        let found = InstalledJsonAnalyzer
            .parse("vendor/composer/installed.json", v1.as_bytes())
            .unwrap();
        assert_eq!(
            (found[0].name.as_str(), found[0].line),
            ("psr/log", Some(2))
        );
    }

    #[test]
    fn other_shapes_are_one_error_naming_the_file() {
        let e = InstalledJsonAnalyzer
            .parse("vendor/composer/installed.json", b"{\"packages\": 3}")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("vendor/composer/installed.json: neither"),
            "{e}"
        );
        let e = InstalledJsonAnalyzer
            .parse("vendor/composer/installed.json", b"[{")
            .unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
