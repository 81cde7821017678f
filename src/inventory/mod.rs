//! Inventory: turns the files of an image (or a root filesystem) into the
//! packages installed in it, remembering where each one was found.
//!
//! The seam is [`PackageAnalyzer`]: each package format (an OS package
//! database, a lockfile, an installed-package record) is one file in this
//! folder plus one line in [`ANALYZERS`]. An analyzer declares the paths it
//! wants ([`Want`]: exact paths, directories, globs; all compiled into one
//! matcher) so that the layer walk reads nothing else, and parses one file
//! at a time. What it finds becomes [`PackageSet`]s, each carrying its own
//! OSV ecosystem, so matching and reports never assume the OS's.

pub mod action_tags;
mod analyze;
pub mod apk;
pub mod binary;
pub mod bitnami;
mod collect;
pub mod dotnet;
pub mod dpkg;
pub mod github_actions;
pub mod golang;
pub mod java;
pub mod javascript;
pub mod layer;
mod lockfile;
pub mod os;
pub mod php;
pub mod purl;
pub mod python;
pub mod rpm;
pub mod ruby;
pub mod rust;
mod skips;
mod wants;

pub use analyze::{
    analyze_at_once, analyze_files, fingerprint, parsed_at_once, Beside, FileAnalysis,
};
pub use collect::{inventory, FoundPackage, Inventory, Options, PackageSet};
pub use layer::{scan_layer, LayerFiles, LayerScan};
pub use wants::{Want, Wants};

use crate::ecosystem::{Base, Ecosystem};
use serde::{Deserialize, Serialize};

/// The package formats scangate reads: one per analyzer. The format
/// decides the purl type, the OSV ecosystem of its package set and which
/// name and version advisories are matched on. Serialised with Trivy's
/// type names (`python-pkg`, `poetry`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageFormat {
    Apk,
    Deb,
    Rpm,
    /// Installed Python distributions (`*.dist-info`, `*.egg-info`).
    PythonPkg,
    /// `requirements.txt` pins.
    Pip,
    /// `Pipfile.lock`.
    Pipenv,
    /// `poetry.lock`.
    Poetry,
    /// `uv.lock`.
    Uv,
    /// `pylock.toml` (PEP 751).
    Pylock,
    /// Installed npm packages (`node_modules/**/package.json`).
    NodePkg,
    /// `package-lock.json`, `npm-shrinkwrap.json`.
    Npm,
    /// `yarn.lock`.
    Yarn,
    /// `pnpm-lock.yaml`.
    Pnpm,
    /// `bun.lock`.
    Bun,
    /// `go.mod`.
    #[serde(rename = "gomod")]
    GoMod,
    /// A Go binary's build info.
    #[serde(rename = "gobinary")]
    GoBinary,
    /// `Cargo.lock`.
    Cargo,
    /// A Rust binary's cargo-auditable crate list.
    #[serde(rename = "rustbinary")]
    RustBinary,
    /// Bitnami's SPDX documents under `/opt/bitnami`.
    Bitnami,
    /// Java archives: `pom.properties` and `MANIFEST.MF` in `.jar`,
    /// `.war`, `.ear`, `.par` and the archives nested in them.
    Jar,
    /// `pom.xml`.
    Pom,
    /// `gradle.lockfile`.
    Gradle,
    /// Installed gems' `specifications/*.gemspec`.
    Gemspec,
    /// `Gemfile.lock`.
    Bundler,
    /// `composer.lock`.
    Composer,
    /// `vendor/composer/installed.json`.
    ComposerVendor,
    /// `*.deps.json`.
    DotnetCore,
    /// `packages.lock.json`.
    Nuget,
    /// `packages.config`.
    PackagesConfig,
    /// The actions a GitHub Actions workflow uses.
    GithubActions,
}

impl PackageFormat {
    /// Whether this is an operating system's package database (whose
    /// ecosystem the OS decides) rather than a language's.
    pub fn is_os(self) -> bool {
        matches!(
            self,
            PackageFormat::Apk | PackageFormat::Deb | PackageFormat::Rpm
        )
    }

    /// The OSV ecosystems the packages of a set of this format are matched
    /// in, the main one first: the OS's for OS packages (none when OSV
    /// publishes nothing for it; several for Red Hat's product streams and
    /// Ubuntu Pro), the language's otherwise.
    pub fn ecosystems(self, os: Option<&os::Os>) -> Vec<Ecosystem> {
        let language = |base| vec![Ecosystem::new(base, None)];
        match self {
            PackageFormat::Apk | PackageFormat::Deb | PackageFormat::Rpm => {
                os.map(os::Os::osv_ecosystems).unwrap_or_default()
            }
            PackageFormat::PythonPkg
            | PackageFormat::Pip
            | PackageFormat::Pipenv
            | PackageFormat::Poetry
            | PackageFormat::Uv
            | PackageFormat::Pylock => language(Base::PyPI),
            PackageFormat::NodePkg
            | PackageFormat::Npm
            | PackageFormat::Yarn
            | PackageFormat::Pnpm
            | PackageFormat::Bun => language(Base::Npm),
            PackageFormat::GoMod | PackageFormat::GoBinary => language(Base::Go),
            PackageFormat::Cargo | PackageFormat::RustBinary => language(Base::CratesIo),
            PackageFormat::Bitnami => language(Base::Bitnami),
            PackageFormat::Jar | PackageFormat::Pom | PackageFormat::Gradle => {
                language(Base::Maven)
            }
            PackageFormat::Gemspec | PackageFormat::Bundler => language(Base::RubyGems),
            PackageFormat::Composer | PackageFormat::ComposerVendor => language(Base::Packagist),
            PackageFormat::DotnetCore | PackageFormat::Nuget | PackageFormat::PackagesConfig => {
                language(Base::NuGet)
            }
            PackageFormat::GithubActions => language(Base::GithubActions),
        }
    }
}

impl Package {
    /// The name and version advisories of `base` refer to this package by:
    /// its source package's where OSV names source packages there (see
    /// [`Base::names_source_packages`]), its own otherwise.
    ///
    /// Bitnami's own build revision (`1.25.3-0`) is not part of the
    /// upstream version its advisories' ranges are written in (Trivy's
    /// Bitnami comparison ignores it too): `1.25.3-0` is `1.25.3`.
    pub fn query(&self, base: Base) -> (&str, &str) {
        if base == Base::Bitnami {
            let version = match self.version.rsplit_once('-') {
                Some((v, rev)) if !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_digit()) => v,
                _ => &self.version,
            };
            return (&self.name, version);
        }
        match base.names_source_packages() {
            true => (&self.source_name, &self.source_version),
            false => (&self.name, &self.version),
        }
    }
}

/// One installed package as its package manager records it (read back
/// from a JSON report for a baseline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    /// The full version exactly as the package manager prints it:
    /// dpkg `[epoch:]upstream[-revision]`, rpm `[epoch:]version-release`,
    /// apk `version-rN`. Vulnerability matching compares this string with
    /// the ecosystem's own rules.
    pub version: String,
    /// The source package this binary was built from. OSV's Debian, Ubuntu
    /// and Alpine advisories name source packages, so matching needs it.
    pub source_name: String,
    pub source_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// rpm only: the module stream a package came from (`nodejs:18:...`);
    /// advisories for modular packages apply per stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modularity_label: Option<String>,
    /// The 1-based line of the file where the package is declared, for
    /// formats that have lines (lockfiles): where a finding is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// A development-only dependency of a lockfile: left out of the
    /// inventory unless `--include-dev-deps`, as Trivy does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

impl Package {
    /// A language package: it is its own source, has no architecture, and
    /// may be declared at a line of its file.
    pub fn language(name: &str, version: &str, line: Option<u32>) -> Package {
        Package {
            name: name.to_string(),
            version: version.to_string(),
            source_name: name.to_string(),
            source_version: version.to_string(),
            arch: None,
            licenses: Vec::new(),
            modularity_label: None,
            line,
            dev: false,
        }
    }

    /// Identity used to decide whether two package-DB snapshots hold the
    /// same install of a package (for the layer that introduced it). A key
    /// rather than a comparison, so snapshots are matched through a hash
    /// set, not pairwise.
    pub(crate) fn install_key(&self) -> (&str, &str, Option<&str>) {
        (&self.name, &self.version, self.arch.as_deref())
    }
}

/// What an analyzer is, declared in one expression: the format it reads,
/// the files it wants, its version and where it runs. The rest of the
/// [`PackageAnalyzer`] seam is derived from it, so an analyzer file holds
/// its parsing and nothing else.
#[derive(Debug, Clone, Copy)]
pub struct AnalyzerInfo {
    pub format: PackageFormat,
    pub wants: &'static [Want],
    pub version: u32,
    pub scope: Scope,
}

impl AnalyzerInfo {
    /// An analyzer of `format` reading `wants`, at version 1, everywhere.
    pub const fn new(format: PackageFormat, wants: &'static [Want]) -> AnalyzerInfo {
        AnalyzerInfo {
            format,
            wants,
            version: 1,
            scope: Scope::Everywhere,
        }
    }

    /// Bumped whenever parsing changes, so cached layer results are
    /// invalidated (the layer cache keys on analyzer versions).
    pub const fn version(self, version: u32) -> AnalyzerInfo {
        AnalyzerInfo { version, ..self }
    }

    /// Where the analyzer runs (see [`Scope`]).
    pub const fn scope(self, scope: Scope) -> AnalyzerInfo {
        AnalyzerInfo { scope, ..self }
    }
}

/// Parses one package-database format.
pub trait PackageAnalyzer: Sync {
    /// The format, files, version and scope of this analyzer.
    fn info(&self) -> AnalyzerInfo;
    /// Which format this analyzer reads.
    fn format(&self) -> PackageFormat {
        self.info().format
    }
    /// Paths this analyzer reads. Only these are collected from layers.
    fn wants(&self) -> &'static [Want] {
        self.info().wants
    }
    /// See [`AnalyzerInfo::version`].
    fn version(&self) -> u32 {
        self.info().version
    }
    /// Parses one file's content. A malformed entry is skipped with a
    /// warning naming `path`; only an unreadable file as a whole is an error.
    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError>;
    /// Files a parse needs from its directory or below, by relative path
    /// (`*` matches one directory; `node_modules` and hidden directories
    /// are not looked into), in source trees: a `yarn.lock` cannot tell
    /// development dependencies apart without its project's `package.json`
    /// and its workspace members'.
    fn companions(&self) -> &'static [&'static str] {
        &[]
    }
    /// [`PackageAnalyzer::parse`] with the companions at hand, when the
    /// tree has them.
    fn parse_beside(
        &self,
        path: &str,
        content: &[u8],
        beside: &Beside<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let _ = beside;
        self.parse(path, content)
    }
    /// Whether `package` is a guess rather than a fact of the file (Go's
    /// `stdlib` from a `go.mod`'s minimum toolchain): kept only with
    /// `--detection-priority comprehensive`, as Trivy does.
    fn guessed(&self, package: &Package) -> bool {
        let _ = package;
        false
    }
    /// Where this analyzer runs: OS databases everywhere; installed
    /// language packages in images, lockfiles in source trees, as Trivy
    /// splits them (so a lockfile and the packages installed from it are
    /// not reported twice).
    fn scope(&self) -> Scope {
        self.info().scope
    }
    /// The package set a file found through a [`Want::Glob`] belongs to,
    /// named by a path: by default the file itself (a lockfile is one
    /// set). Installed packages, one file each, are grouped by the
    /// directory they are installed in (a `site-packages`).
    fn set_path(&self, file: &str) -> String {
        file.to_string()
    }
    /// Whether a file is parsed the moment it is read, its bytes dropped
    /// before the next file, rather than held with the layer's other
    /// wanted files until the layer ends: archives, which can be large
    /// and many (an image's jars can pass any sensible total). Only for
    /// analyzers of [`Scope::Everywhere`] that need no companions.
    fn at_once(&self) -> bool {
        false
    }
}

/// Which scanned artifacts an analyzer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    /// Container images (`image`).
    Images,
    /// Directory trees (`fs`, `ci`): repositories and root filesystems.
    Trees,
}

/// A package database that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

impl ParseError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        ParseError {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Every package analyzer scangate runs. Adding a format = one file + one line.
pub static ANALYZERS: &[&dyn PackageAnalyzer] = &[
    &apk::ApkAnalyzer,
    &dpkg::DpkgAnalyzer,
    &rpm::RpmAnalyzer,
    &python::installed::InstalledAnalyzer,
    &python::requirements::RequirementsAnalyzer,
    &python::pipenv::PipenvAnalyzer,
    &python::poetry::PoetryAnalyzer,
    &python::uv::UvAnalyzer,
    &python::pylock::PylockAnalyzer,
    &javascript::node_modules::NodeModulesAnalyzer,
    &javascript::npm_lock::NpmLockAnalyzer,
    &javascript::yarn::YarnAnalyzer,
    &javascript::pnpm::PnpmAnalyzer,
    &javascript::bun::BunAnalyzer,
    &golang::gomod::GoModAnalyzer,
    &rust::cargo_lock::CargoLockAnalyzer,
    &bitnami::BitnamiAnalyzer,
    &java::jar::JarAnalyzer,
    &java::pom::PomAnalyzer,
    &java::gradle::GradleLockAnalyzer,
    &ruby::gemspec::GemspecAnalyzer,
    &ruby::gemfile_lock::GemfileLockAnalyzer,
    &php::composer_lock::ComposerLockAnalyzer,
    &php::installed_json::InstalledJsonAnalyzer,
    &dotnet::deps_json::DepsJsonAnalyzer,
    &dotnet::packages_lock::PackagesLockAnalyzer,
    &dotnet::packages_config::PackagesConfigAnalyzer,
    &github_actions::GithubActionsAnalyzer,
];

/// Files larger than this are skipped with a warning instead of being read
/// into memory. The largest real package database seen (an RHEL rpm
/// `Packages` BerkeleyDB) is well under 200 MiB.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// Everything the layer walk must collect: every analyzer's wants plus the
/// OS identification files, compiled once.
pub fn all_wants() -> &'static Wants {
    static ALL: std::sync::LazyLock<Wants> = std::sync::LazyLock::new(|| {
        let mut wants: Vec<Want> = os::WANTS.to_vec();
        for a in ANALYZERS {
            wants.extend_from_slice(a.wants());
        }
        wants.push(Want::Executable);
        let companions = ANALYZERS
            .iter()
            .filter(|a| !a.companions().is_empty())
            .flat_map(|a| a.wants().iter().map(|w| (*w, a.companions())))
            .collect();
        Wants::new(wants).with_companions(companions)
    });
    &ALL
}
