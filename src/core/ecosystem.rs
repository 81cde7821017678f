//! OSV ecosystems (https://ossf.github.io/osv-schema/#affectedpackage-field),
//! spelled exactly as OSV spells them. The ecosystem decides which version
//! comparator applies and which bulk export (`<Base>/all.zip`) holds the
//! advisories.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The part of an ecosystem name before the first `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Base {
    Alpine,
    Debian,
    Ubuntu,
    RockyLinux,
    AlmaLinux,
    RedHat,
    Suse,
    OpenSuse,
    AzureLinux,
    /// Converted from ALAS (`vulndb::vendor`): OSV publishes none.
    AmazonLinux,
    /// Converted from ELSA (`vulndb::vendor`).
    OracleLinux,
    /// Converted from Photon's CVE lists (`vulndb::vendor`).
    PhotonOs,
    /// Bitnami's applications (its own OSV ecosystem).
    Bitnami,
    Wolfi,
    Chainguard,
    PyPI,
    Npm,
    CratesIo,
    Go,
    Maven,
    RubyGems,
    Packagist,
    NuGet,
    /// Actions used by GitHub Actions workflows (`owner/repo`), by tag.
    GithubActions,
}

/// How versions of an ecosystem are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionScheme {
    Dpkg,
    Apk,
    Rpm,
    Pep440,
    Semver,
    /// Go modules: SemVer with Go's `v` prefix and shorthands.
    Go,
    /// Maven's `ComparableVersion`.
    Maven,
    /// RubyGems' `Gem::Version`.
    RubyGems,
    /// Composer's `composer/semver` (Packagist).
    Composer,
    /// `NuGet.Versioning`.
    NuGet,
    /// GitHub Actions tags: SemVer with an optional `v` and short cores
    /// (`v4` is `4.0.0`).
    GithubActions,
}

impl Base {
    const ALL: [Base; 24] = [
        Base::Alpine,
        Base::Debian,
        Base::Ubuntu,
        Base::RockyLinux,
        Base::AlmaLinux,
        Base::RedHat,
        Base::Suse,
        Base::OpenSuse,
        Base::AzureLinux,
        Base::AmazonLinux,
        Base::OracleLinux,
        Base::PhotonOs,
        Base::Bitnami,
        Base::Wolfi,
        Base::Chainguard,
        Base::PyPI,
        Base::Npm,
        Base::CratesIo,
        Base::Go,
        Base::Maven,
        Base::RubyGems,
        Base::Packagist,
        Base::NuGet,
        Base::GithubActions,
    ];

    /// OSV's spelling, also the folder of its bulk export.
    pub fn as_str(self) -> &'static str {
        match self {
            Base::Alpine => "Alpine",
            Base::Debian => "Debian",
            Base::Ubuntu => "Ubuntu",
            Base::RockyLinux => "Rocky Linux",
            Base::AlmaLinux => "AlmaLinux",
            Base::RedHat => "Red Hat",
            Base::Suse => "SUSE",
            Base::OpenSuse => "openSUSE",
            Base::AzureLinux => "Azure Linux",
            Base::AmazonLinux => "Amazon Linux",
            Base::OracleLinux => "Oracle Linux",
            Base::PhotonOs => "Photon OS",
            Base::Bitnami => "Bitnami",
            Base::Wolfi => "Wolfi",
            Base::Chainguard => "Chainguard",
            Base::PyPI => "PyPI",
            Base::Npm => "npm",
            Base::CratesIo => "crates.io",
            Base::Go => "Go",
            Base::Maven => "Maven",
            Base::RubyGems => "RubyGems",
            Base::Packagist => "Packagist",
            Base::NuGet => "NuGet",
            Base::GithubActions => "GitHub Actions",
        }
    }

    /// The name under which OSV files a package of this ecosystem: PyPI
    /// names are PEP 503-normalised (lowercase, runs of `-_.` become one
    /// `-`), so `Flask_SQLAlchemy` finds `flask-sqlalchemy`'s advisories;
    /// NuGet ids are case-insensitive (nuget.org serves `newtonsoft.json`
    /// as `Newtonsoft.Json`), so they are lowercased; every other
    /// ecosystem's names are compared exactly as written.
    pub fn package_key(self, name: &str) -> Cow<'_, str> {
        match self {
            Base::PyPI => {}
            Base::NuGet => return Cow::Owned(name.to_ascii_lowercase()),
            _ => return Cow::Borrowed(name),
        }
        let mut out = String::with_capacity(name.len());
        let mut in_sep = false;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !in_sep {
                    out.push('-');
                }
                in_sep = true;
            } else {
                out.extend(c.to_lowercase());
                in_sep = false;
            }
        }
        Cow::Owned(out)
    }

    /// Whether OSV names the *source* package in this ecosystem's records
    /// (dpkg `Source:`, apk origin, the source rpm of SUSE and Azure
    /// Linux, Photon's package), so installed packages are looked up by
    /// their source name and version. Red Hat, Rocky Linux, AlmaLinux,
    /// Amazon Linux and Oracle Linux name binary rpms.
    pub fn names_source_packages(self) -> bool {
        matches!(
            self,
            Base::Debian
                | Base::Ubuntu
                | Base::Alpine
                | Base::Wolfi
                | Base::Chainguard
                | Base::Suse
                | Base::OpenSuse
                | Base::AzureLinux
                | Base::PhotonOs
        )
    }

    pub fn version_scheme(self) -> VersionScheme {
        match self {
            Base::Debian | Base::Ubuntu => VersionScheme::Dpkg,
            Base::Alpine | Base::Wolfi | Base::Chainguard => VersionScheme::Apk,
            Base::RockyLinux
            | Base::AlmaLinux
            | Base::RedHat
            | Base::Suse
            | Base::OpenSuse
            | Base::AzureLinux
            | Base::AmazonLinux
            | Base::OracleLinux
            | Base::PhotonOs => VersionScheme::Rpm,
            Base::PyPI => VersionScheme::Pep440,
            Base::Npm | Base::CratesIo | Base::Bitnami => VersionScheme::Semver,
            Base::Go => VersionScheme::Go,
            Base::Maven => VersionScheme::Maven,
            Base::RubyGems => VersionScheme::RubyGems,
            Base::Packagist => VersionScheme::Composer,
            Base::NuGet => VersionScheme::NuGet,
            Base::GithubActions => VersionScheme::GithubActions,
        }
    }
}

/// A full OSV ecosystem name: a base plus an optional release suffix
/// (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ecosystem {
    pub base: Base,
    /// Everything after the first `:`, as OSV writes it.
    pub release: Option<String>,
}

impl Ecosystem {
    pub fn new(base: Base, release: Option<&str>) -> Self {
        Ecosystem {
            base,
            release: release.map(str::to_string),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.release {
            Some(r) => write!(f, "{}:{r}", self.base.as_str()),
            None => f.write_str(self.base.as_str()),
        }
    }
}

/// An ecosystem name scangate does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OSV ecosystem {0:?}")]
pub struct UnknownEcosystem(pub String);

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (base, release) = match s.split_once(':') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        let base = Base::ALL
            .into_iter()
            .find(|b| b.as_str() == base)
            .ok_or_else(|| UnknownEcosystem(s.to_string()))?;
        Ok(Ecosystem::new(base, release.filter(|r| !r.is_empty())))
    }
}

/// The release part of a vendor ecosystem for an OS version as Trivy states
/// it: Amazon `2 (Karoo)` → `2`, `2023.3.20240131 (Amazon Linux)` → `2023`,
/// `AMI release 2018.03` → `1` (Amazon Linux 1, as in Trivy); Oracle
/// `8.9` → `8`; Photon `5.0` as is. Here rather than with the feeds
/// (`vulndb::vendor`), because OS detection names the ecosystems too.
pub fn release_of(base: Base, version: &str) -> Option<String> {
    let first = version.split_whitespace().next()?;
    let major = first.split('.').next().unwrap_or("");
    let numeric = !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit());
    match base {
        Base::AmazonLinux => Some(match major {
            "2" | "2022" | "2023" => major.to_string(),
            _ => "1".to_string(),
        }),
        Base::OracleLinux => numeric.then(|| major.to_string()),
        Base::PhotonOs => numeric.then(|| first.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_osv_spells_them() {
        for name in [
            "Debian:12",
            "Alpine:v3.19",
            "Ubuntu:22.04:LTS",
            "Ubuntu:Pro:18.04:LTS",
            "Rocky Linux:9",
            "Red Hat:enterprise_linux:9::baseos",
            "SUSE:Linux Enterprise Server 15 SP5",
            "openSUSE:Leap 15.5",
            "Azure Linux:3",
            "Amazon Linux:2023",
            "Oracle Linux:9",
            "Photon OS:5.0",
            "PyPI",
            "npm",
            "crates.io",
            "GitHub Actions",
        ] {
            assert_eq!(name.parse::<Ecosystem>().unwrap().to_string(), name);
        }
        assert!(
            "debian:12".parse::<Ecosystem>().is_err(),
            "OSV names are case-sensitive"
        );
        assert!("Gentoo".parse::<Ecosystem>().is_err());
    }
}
