//! `composer.lock`: `packages` (what production installs) and
//! `packages-dev` (`require-dev`, left out unless `--include-dev-deps`, as
//! Trivy does). A finding is placed on the line where the package's object
//! opens, as Trivy places it.

use super::{packages, Locked};
use crate::inventory::lockfile;
use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};
use serde::Deserialize;

pub struct ComposerLockAnalyzer;

static WANTS: &[Want] = &[Want::Glob("**/composer.lock")];

#[derive(Deserialize)]
struct Lock {
    packages: Vec<Locked>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Locked>,
}

impl PackageAnalyzer for ComposerLockAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Composer, WANTS).scope(Scope::Trees)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = lockfile::text(path, content)?;
        let lock: Lock = lockfile::json(path, content)?;
        let mut found = Vec::new();
        let mut cursor = 0;
        packages(text, &mut cursor, &lock.packages, false, &mut found);
        packages(text, &mut cursor, &lock.packages_dev, true, &mut found);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped as Composer 2.6 writes it.
    const LOCK: &str = r#"{
    "_readme": [
        "This file locks the dependencies of your project to a known state"
    ],
    "content-hash": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "packages": [
        {
            "name": "guzzlehttp/psr7",
            "version": "2.4.3",
            "source": {
                "type": "git",
                "url": "https://github.com/guzzle/psr7.git",
                "reference": "67c26b443f348a51926030c83481b85718457d3d"
            },
            "license": [
                "MIT"
            ],
            "authors": [
                {
                    "name": "Graham Campbell"
                }
            ]
        },
        {
            "name": "symfony/http-kernel",
            "version": "v5.4.20",
            "license": "MIT"
        }
    ],
    "packages-dev": [
        {
            "name": "phpunit/phpunit",
            "version": "9.6.3"
        }
    ],
    "aliases": [],
    "minimum-stability": "stable"
}
"#;

    #[test]
    fn packages_and_dev_packages_with_their_lines() {
        let found = ComposerLockAnalyzer
            .parse("composer.lock", LOCK.as_bytes())
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.line, p.dev))
            .collect();
        assert_eq!(
            got,
            vec![
                ("guzzlehttp/psr7", "2.4.3", Some(7), false),
                ("symfony/http-kernel", "v5.4.20", Some(24), false),
                ("phpunit/phpunit", "9.6.3", Some(31), true),
            ]
        );
        assert_eq!(found[0].licenses, vec!["MIT".to_string()]);
        assert_eq!(found[1].licenses, vec!["MIT".to_string()]);
    }

    #[test]
    fn malformed_json_is_one_error_naming_the_file_and_line() {
        let e = ComposerLockAnalyzer
            .parse("app/composer.lock", b"{\n \"packages\": [\n")
            .unwrap_err();
        assert!(e.to_string().starts_with("app/composer.lock: line "), "{e}");
        let e = ComposerLockAnalyzer
            .parse("composer.lock", b"{\"content-hash\": \"x\"}")
            .unwrap_err();
        assert!(e.to_string().contains("packages"), "{e}");
    }
}
