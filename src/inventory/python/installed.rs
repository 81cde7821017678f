//! Installed Python distributions: the core metadata file of each one
//! (`NAME-VER.dist-info/METADATA` for wheels and modern pip,
//! `NAME.egg-info/PKG-INFO` for setuptools eggs, or a single
//! `NAME.egg-info` file written by old distutils installs), in system
//! `site-packages`/`dist-packages` and in virtual environments alike.
//!
//! The metadata is an RFC 822 header block (core metadata spec); only the
//! headers before the first blank line are read, so a long description in
//! the body costs nothing.

use crate::inventory::{
    AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Scope, Want,
};

pub struct InstalledAnalyzer;

static WANTS: &[Want] = &[
    Want::Glob("**/*.dist-info/METADATA"),
    Want::Glob("**/*.egg-info/PKG-INFO"),
    Want::Glob("**/*.egg-info"),
];

impl PackageAnalyzer for InstalledAnalyzer {
    /// Installed packages are what an image runs; in a source tree a
    /// virtual environment is a build by-product and its lockfile is the
    /// truth (Trivy reads these in images and root filesystems only).
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::PythonPkg, WANTS).scope(Scope::Images)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut name = None;
        let mut version = None;
        let mut licenses = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.to_ascii_lowercase().as_str() {
                "name" => name = Some(value),
                "version" => version = Some(value),
                "license-expression" => licenses = vec![value.to_string()],
                // Some projects paste the whole licence text here: keep
                // only what looks like a name.
                "license"
                    if licenses.is_empty()
                        && !value.is_empty()
                        && value != "UNKNOWN"
                        && value.len() <= 100 =>
                {
                    licenses.push(value.to_string());
                }
                _ => {}
            }
        }
        match (name, version) {
            (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => {
                let mut p = Package::language(n, v, None);
                p.licenses = licenses;
                Ok(vec![p])
            }
            _ => Err(ParseError::new(path, "no Name and Version headers")),
        }
    }

    /// The directory the distribution is installed in: the
    /// `site-packages` that holds its `.dist-info`/`.egg-info`.
    fn set_path(&self, file: &str) -> String {
        let info = file
            .strip_suffix("/METADATA")
            .or_else(|| file.strip_suffix("/PKG-INFO"))
            .unwrap_or(file);
        match info.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "Metadata-Version: 2.1\nName: Flask_SQLAlchemy\nVersion: 3.1.1\nLicense-Expression: MIT\nRequires-Dist: flask>=2.2\n\nName: not-a-header\nVersion: 9\n";

    #[test]
    fn reads_name_version_and_licence_from_the_headers_only() {
        let found = InstalledAnalyzer
            .parse("x.dist-info/METADATA", METADATA.as_bytes())
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Flask_SQLAlchemy");
        assert_eq!(found[0].version, "3.1.1");
        assert_eq!(found[0].licenses, vec!["MIT".to_string()]);
    }

    #[test]
    fn metadata_without_a_version_is_an_error_naming_the_file() {
        let e = InstalledAnalyzer
            .parse("a/b.egg-info/PKG-INFO", b"Name: b\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "a/b.egg-info/PKG-INFO: no Name and Version headers"
        );
    }

    #[test]
    fn sets_are_the_install_directories() {
        let a = &InstalledAnalyzer;
        assert_eq!(
            a.set_path("usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"),
            "usr/lib/python3.11/site-packages"
        );
        assert_eq!(
            a.set_path("venv/lib/python3.12/site-packages/x.egg-info/PKG-INFO"),
            "venv/lib/python3.12/site-packages"
        );
        assert_eq!(
            a.set_path("usr/lib/python3/dist-packages/y-1.0.egg-info"),
            "usr/lib/python3/dist-packages"
        );
    }
}
