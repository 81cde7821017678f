//! The command line (clap definitions only). Flags are a public contract:
//! see the README before changing one.

use crate::matching::severity::Severity;
use crate::report::{Format, ReportSpec};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// The exit codes, as `--help` lists them (a public contract: see the
/// README's "Exit codes").
const EXIT_CODES: &str = "\
Exit codes:
  0  no finding failed the gate
  1  the gate failed (or the code given with --exit-code N)
  2  usage or configuration error
  3  the scan could not be done (unreadable input, no usable vulnerability
     database, network failure, --timeout)";

#[derive(Debug, Parser)]
#[command(
    name = "scangate",
    version,
    about = "Scan container images and root filesystems for vulnerable packages.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Debug log output (Trivy's spelling of -vv).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub debug: bool,
    /// Only errors on stderr, no warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Trivy's configuration file [default: `trivy.yaml` in the working
    /// directory, when there is one; env TRIVY_CONFIG]. Its settings shared
    /// with scangate apply below flags and environment variables.
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stop with exit code 3 when the whole command takes longer than this
    /// (`90s`, `5m`, `1h`) [default: no limit].
    #[arg(long, global = true, env = "SCANGATE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// No progress bars (downloads log plain lines instead).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Where the vulnerability database and caches live [default: the
    /// user cache directory + `scangate`].
    #[arg(long, global = true, env = "SCANGATE_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a container image.
    Image(ImageArgs),
    /// Scan an unpacked root filesystem or a source tree (packages and
    /// config files).
    Fs(FsArgs),
    /// Check the config files of a source tree (Kubernetes manifests,
    /// GitHub Actions workflows, …) for misconfigurations.
    Config(ConfigArgs),
    /// The GitOps gate: pull and scan every image the Kubernetes
    /// manifests of a tree deploy (workloads, Kustomize `images:`
    /// overrides, Flux HelmRelease values), each once, and gate on the
    /// findings, located on the manifest lines naming the images.
    Manifests(ManifestsArgs),
    /// Print scangate's version and the vulnerability database's state.
    Version,
    /// List every config-check rule (id, Trivy aliases, severity, why, fix).
    Rules {
        #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Markdown)]
        format: RulesFormat,
    },
    /// Manage the vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Manage the layer cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// A CI step's whole job: scan an image, write the reports, publish
    /// them (code scanning, PR comment or MR note, job summary), and exit
    /// with the gate's code. Also reads GitHub Action inputs (INPUT_*).
    Ci(CiArgs),
}

/// `scangate ci`: every flag of `scangate image`, plus what to scan and
/// publishing.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// What to scan: `image` (the image named by IMAGE or --input; with
    /// `--scanners vuln,config` the repository's config files too), `fs`
    /// (the directory IMAGE names, default the working directory: packages
    /// and config files) or `config` (its config files only) [default:
    /// `image` when an image is named, `config` with `--scanners config`].
    #[arg(long, value_enum, value_name = "TYPE")]
    pub scan_type: Option<ScanType>,
    #[command(flatten)]
    pub image: ImageArgs,
    /// How `--scanners images` pulls what the repository's manifests deploy
    /// (`--scan-type fs`); the platform, `--insecure` and the layer cache
    /// are the image flags above.
    #[command(flatten)]
    pub images: ImagesArgs,
    #[command(flatten)]
    pub publish: PublishArgs,
}

/// What `scangate ci` scans (trivy-action's `scan-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanType {
    Image,
    Fs,
    Config,
}

/// Where and how `scangate ci` publishes.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Publishing")]
pub struct PublishArgs {
    /// Fail (exit 3) when something could not be published; by default a
    /// publishing problem is a warning and the exit code is the gate's.
    #[arg(long)]
    pub strict_publish: bool,
    /// Upload the SARIF report to GitHub code scanning (the default in
    /// GitHub Actions).
    #[arg(long, overrides_with = "no_upload_sarif")]
    pub upload_sarif: bool,
    /// Do not upload SARIF.
    #[arg(long, overrides_with = "upload_sarif")]
    pub no_upload_sarif: bool,
    /// Keep one comment on the pull request (GitHub) or merge request
    /// (GitLab) up to date (the default).
    #[arg(long, overrides_with = "no_pr_comment")]
    pub pr_comment: bool,
    /// Do not comment.
    #[arg(long, overrides_with = "pr_comment")]
    pub no_pr_comment: bool,
    /// GitHub token [default: the `github-token` action input, else
    /// GITHUB_TOKEN].
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// Upload this SARIF file (e.g. from another tool) instead of the one
    /// scangate writes.
    #[arg(long, value_name = "PATH")]
    pub sarif_file: Option<std::path::PathBuf>,
}

impl PublishArgs {
    /// Whether to upload SARIF (`--no-upload-sarif` turns it off).
    pub fn upload_sarif(&self) -> bool {
        !self.no_upload_sarif
    }

    /// Whether to keep a PR/MR comment (`--no-pr-comment` turns it off).
    pub fn pr_comment(&self) -> bool {
        !self.no_pr_comment
    }
}

/// The image to scan. Naming none is a usage error of `scangate image`;
/// `scangate ci` also scans a directory (`--scan-type fs|config`).
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image to pull: `ghcr.io/org/app:1.4`, `host:5000/app@sha256:…`,
    /// `docker-daemon:app:dev` (the local Docker or podman daemon), or a
    /// bare `app:dev` (the daemon if it has it, else the registry).
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
    /// A local image: docker-archive (`docker save`, .tar or .tar.gz), OCI
    /// image layout directory, or OCI archive.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,
    /// Which image to scan when the archive holds several (a tag such as
    /// `app:1.2`).
    #[arg(long = "ref", value_name = "TAG")]
    pub reference: Option<String>,
    /// The platform to pick from a multi-platform image
    /// (`os/arch[/variant]`).
    #[arg(
        long,
        value_name = "PLATFORM",
        default_value = "linux/amd64",
        env = "SCANGATE_PLATFORM"
    )]
    pub platform: String,
    /// The Docker or podman daemon to look in first
    /// (`unix:///run/user/1000/podman/podman.sock`) [default: DOCKER_HOST,
    /// else Docker's, then podman's usual sockets].
    #[arg(long, value_name = "unix://PATH")]
    pub docker_host: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub layer_cache: LayerCacheArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// How to reach a registry.
#[derive(Debug, Args, Clone)]
pub struct RegistryArgs {
    /// Registry user name (else ~/.docker/config.json, then the CI's
    /// variables).
    #[arg(
        long,
        env = "SCANGATE_USERNAME",
        value_name = "USER",
        requires = "password"
    )]
    pub username: Option<String>,
    /// Registry password or token.
    #[arg(
        long,
        env = "SCANGATE_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,
    /// Talk plain HTTP to the registry (local test registries only).
    #[arg(long)]
    pub insecure: bool,
}

/// The layer cache.
#[derive(Debug, Args, Clone)]
pub struct LayerCacheArgs {
    /// Read every layer; neither read nor write the layer cache.
    #[arg(long, env = "SCANGATE_NO_CACHE")]
    pub no_cache: bool,
    /// The layer cache's size bound (`500M`, `2G`; bytes without a unit);
    /// least recently used layers are evicted beyond it.
    #[arg(long, env = "SCANGATE_CACHE_MAX_SIZE", value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub cache_max_size: u64,
}

#[derive(Debug, Args)]
pub struct FsArgs {
    /// The root directory of the filesystem.
    #[arg(value_name = "DIR")]
    pub path: PathBuf,
    /// How `--scanners images` pulls what the tree's manifests deploy.
    #[command(flatten)]
    pub pull: PullArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `scangate manifests DIR`.
#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// The manifest tree (or one file); `.gitignore` is respected.
    #[arg(value_name = "DIR")]
    pub path: PathBuf,
    #[command(flatten)]
    pub pull: PullArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// How `scangate manifests` (and the `images` scanner of `fs`) pulls the
/// images it finds.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Images")]
pub struct PullArgs {
    #[command(flatten)]
    pub images: ImagesArgs,
    /// The platform to pick from multi-platform images
    /// (`os/arch[/variant]`).
    #[arg(
        long,
        value_name = "PLATFORM",
        default_value = "linux/amd64",
        env = "SCANGATE_PLATFORM"
    )]
    pub platform: String,
    /// Talk plain HTTP to the registries (local test registries only).
    /// Credentials come per registry from Docker's config.json, then the
    /// CI's variables: one --username would reach every registry named.
    #[arg(long)]
    pub insecure: bool,
    #[command(flatten)]
    pub layer_cache: LayerCacheArgs,
}

/// What the image-pulling scanners share with `scangate ci`, whose
/// platform, registry and layer-cache flags are its image's.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Images")]
pub struct ImagesArgs {
    /// Images pulled and scanned at once (layers shared between them are
    /// analysed once either way).
    #[arg(long, env = "SCANGATE_IMAGE_CONCURRENCY", value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub image_concurrency: u16,
    /// Exit 3 when a manifest names an image that cannot be resolved
    /// (`image: ${TAG}`, a Helm template, a placeholder no Kustomize
    /// override replaces); by default each is a warning.
    #[arg(long, env = "SCANGATE_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The directory (or one file) to check; `.gitignore` is respected.
    #[arg(value_name = "DIR")]
    pub path: PathBuf,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub reports: ReportArgs,
}

/// Which files of a tree or an image are read.
#[derive(Debug, Args, Clone, Default)]
pub struct WalkArgs {
    /// Directories not to read (comma-separated, repeatable; globs with
    /// `*` and `**`, relative to the scanned tree, or absolute inside an
    /// image: `node_modules`, `**/testdata`, `/usr/lib/ruby`).
    #[arg(
        long,
        value_delimiter = ',',
        env = "SCANGATE_SKIP_DIRS",
        value_name = "GLOB"
    )]
    pub skip_dirs: Vec<String>,
    /// Files not to read (comma-separated, repeatable; globs as
    /// --skip-dirs).
    #[arg(
        long,
        value_delimiter = ',',
        env = "SCANGATE_SKIP_FILES",
        value_name = "GLOB"
    )]
    pub skip_files: Vec<String>,
    /// Terraform variables files applied to every root module of the
    /// checked tree, after its `terraform.tfvars` and `*.auto.tfvars`
    /// (comma-separated, repeatable; Trivy's flag).
    #[arg(
        long,
        value_delimiter = ',',
        env = "SCANGATE_TF_VARS",
        value_name = "FILE"
    )]
    pub tf_vars: Vec<PathBuf>,
    /// Registry hosts Kubernetes images may come from (comma-separated,
    /// repeatable; a host matches when it ends with one: `azurecr.io`,
    /// `registry.example.com`). Default: Trivy's KSV-0125 list (Azure,
    /// ECR, GCR).
    #[arg(
        long,
        value_delimiter = ',',
        env = "SCANGATE_TRUSTED_REGISTRIES",
        value_name = "HOST"
    )]
    pub trusted_registries: Vec<String>,
}

/// How `scangate rules` prints the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// The text of `docs/rules.md`.
    Markdown,
    Json,
}

/// How far package detection goes (Trivy's `--detection-priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectionPriority {
    /// Only what the files state.
    Precise,
    /// Also what they imply (Go's `stdlib` from `go.mod`).
    Comprehensive,
}

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scanner {
    /// Vulnerable packages (needs the vulnerability database).
    Vuln,
    /// Misconfigured config files in the tree (`fs`, and `ci`, which
    /// checks the repository; Trivy's `misconfig`).
    #[value(alias = "misconfig")]
    Config,
    /// Secrets (keys, tokens, private keys) in every file of the tree or
    /// of every image layer, with Trivy's rules.
    Secret,
    /// Trivy's license scanner: not in this build; accepted with a warning.
    License,
    /// The images the Kubernetes manifests of the tree deploy (workloads,
    /// Kustomize, Flux), pulled from their registries and matched, each
    /// finding on the manifest line naming the image, as `scangate
    /// manifests` does. Opt-in (`fs`, `ci --scan-type fs`): it pulls
    /// images.
    Images,
    /// Nothing beyond the package inventory.
    None,
}

/// Which packages are matched (Trivy's `--pkg-types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PkgType {
    /// Packages of the operating system's package manager.
    Os,
    /// Language packages (lockfiles, installed libraries, binaries).
    Library,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to look for (comma-separated): `vuln`, `secret`, `config`,
    /// `images` (a tree's deployed images; never by default), or `none`
    /// for the package inventory only [default: `image` vuln,secret, `fs`
    /// vuln,secret,config].
    #[arg(long, value_enum, value_delimiter = ',', env = "SCANGATE_SCANNERS")]
    pub scanners: Vec<Scanner>,
    /// Secret rules to add, narrow or disable, in Trivy's
    /// `trivy-secret.yaml` format; a missing file means the built-in rules.
    #[arg(
        long,
        env = "SCANGATE_SECRET_CONFIG",
        value_name = "PATH",
        default_value = "trivy-secret.yaml"
    )]
    pub secret_config: PathBuf,
    /// List every package found, with its version, source and layer.
    #[arg(long, visible_alias = "list-all-pkgs", env = "SCANGATE_LIST_PACKAGES")]
    pub list_packages: bool,
    /// Keep lockfiles' development-only dependencies (npm `devDependencies`,
    /// Poetry and uv dev groups, Pipenv `develop`), which are left out by
    /// default, as Trivy does.
    #[arg(long)]
    pub include_dev_deps: bool,
    /// `comprehensive` also reports what can only be guessed, as Trivy's
    /// flag does: Go's `stdlib` at the minimum toolchain a `go.mod` asks
    /// for (its `go`/`toolchain` lines, Go 1.21 on).
    #[arg(long, value_enum, default_value_t = DetectionPriority::Precise)]
    pub detection_priority: DetectionPriority,
    /// Which packages to match (comma-separated: `os`, `library`)
    /// [default: both].
    #[arg(
        long,
        visible_alias = "vuln-type",
        value_enum,
        value_delimiter = ',',
        value_name = "TYPES"
    )]
    pub pkg_types: Vec<PkgType>,
    /// Never touch the network: use the vulnerability database as it is.
    #[arg(long, visible_alias = "skip-db-update")]
    pub offline: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub reports: ReportArgs,
}

impl ScanArgs {
    /// Whether packages of `kind` are matched (`--pkg-types`).
    pub fn matches_pkg_type(&self, kind: PkgType) -> bool {
        self.pkg_types.is_empty() || self.pkg_types.contains(&kind)
    }
}

/// Which findings are reported, which are suppressed, and when the job fails.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Policy")]
pub struct PolicyArgs {
    /// Report only these severities (comma-separated: UNKNOWN, LOW, MEDIUM,
    /// HIGH, CRITICAL) [default: all].
    #[arg(long, value_delimiter = ',', value_parser = parse_severity, env = "SCANGATE_SEVERITY", value_name = "LIST")]
    pub severity: Vec<Severity>,
    /// Drop findings that have no fixed version yet.
    #[arg(long, env = "SCANGATE_IGNORE_UNFIXED", value_parser = clap::builder::BoolishValueParser::new())]
    pub ignore_unfixed: bool,
    /// Drop vulnerabilities whose status is listed (comma-separated:
    /// fixed, affected, will_not_fix, fix_deferred, end_of_life,
    /// under_investigation), as Trivy's `--ignore-status`.
    #[arg(long, value_delimiter = ',', value_parser = parse_status, env = "SCANGATE_IGNORE_STATUS", value_name = "LIST")]
    pub ignore_status: Vec<crate::finding::Status>,
    /// Fail the job when a reported finding is at or above this severity
    /// (exit 1, or --exit-code's N).
    #[arg(long, value_parser = parse_severity, env = "SCANGATE_FAIL_ON", value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Exit with N when the gate fails. Alone (without --fail-on) any
    /// reported finding fails the gate, as in Trivy; `0` never fails.
    #[arg(long, env = "SCANGATE_EXIT_CODE", value_name = "N")]
    pub exit_code: Option<u8>,
    /// Fail the job when a reported finding is in CISA's Known Exploited
    /// Vulnerabilities catalog (needs KEV data: `scangate db update --kev`).
    #[arg(long, env = "SCANGATE_FAIL_ON_KEV", value_parser = clap::builder::BoolishValueParser::new())]
    pub fail_on_kev: bool,
    /// Fail the job when a reported finding's EPSS score (0–1) is at or
    /// above SCORE (needs EPSS data: `scangate db update --epss`).
    #[arg(long, env = "SCANGATE_FAIL_ON_EPSS", value_name = "SCORE", value_parser = parse_probability)]
    pub fail_on_epss: Option<f64>,
    /// Only findings new against the baseline fail the gate.
    #[arg(long)]
    pub fail_on_new: bool,
    /// Ignore file (repeatable; all apply) [default: every one of
    /// .scangateignore.yaml, .trivyignore.yaml and .trivyignore found in
    /// the scanned tree and the working directory].
    #[arg(long, value_name = "PATH")]
    pub ignorefile: Vec<PathBuf>,
    /// OpenVEX document whose `not_affected` and `fixed` statements suppress
    /// findings (repeatable).
    #[arg(long, value_name = "PATH")]
    pub vex: Vec<PathBuf>,
    /// A previous scangate JSON report (e.g. of the main branch's image):
    /// its packages are matched again and each finding marked new or
    /// existing.
    #[arg(long, value_name = "REPORT.json", group = "baseline_source")]
    pub baseline: Option<PathBuf>,
    /// Scan this local image (archive or OCI layout) as the baseline.
    #[arg(long, value_name = "PATH", group = "baseline_source")]
    pub baseline_input: Option<PathBuf>,
}

/// Where reports go.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Reports")]
pub struct ReportArgs {
    /// Report format (with --output, one report; see --report for several).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the --format report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a report in FORMAT to PATH (stdout without `=PATH`);
    /// repeatable, e.g. `--report sarif=out.sarif --report table`.
    #[arg(long = "report", value_name = "FORMAT[=PATH]")]
    pub report: Vec<ReportSpec>,
    /// SARIF: the analysis category (`runAutomationDetails.id` is
    /// `NAME/`), so scans of several images of one repository keep
    /// separate alerts [default: `scangate/image/` or `scangate/fs/`].
    #[arg(long, value_name = "NAME", env = "SCANGATE_CATEGORY")]
    pub category: Option<String>,
    /// The Dockerfile the image was built from: findings point at the
    /// instruction whose layer brought the package in [default:
    /// `Dockerfile` in the working directory, when there is one].
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
}

impl ReportArgs {
    /// Every report to write: each `--report`, plus the `--format`/`--output`
    /// one when given (a table on stdout when nothing is).
    pub fn specs(&self) -> Vec<ReportSpec> {
        let mut specs = self.report.clone();
        if specs.is_empty() || self.format.is_some() || self.output.is_some() {
            specs.push(ReportSpec {
                format: self.format.unwrap_or(Format::Table),
                path: self.output.clone(),
            });
        }
        specs
    }
}

/// Where the vulnerability database comes from.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Base URL of OSV's bulk exports (`<URL>/<Ecosystem>/all.zip`): a
    /// mirror, or a test server.
    #[arg(long, env = "SCANGATE_DB_URL", value_name = "URL", default_value = crate::vulndb::update::DEFAULT_BASE_URL)]
    pub db_url: String,
    /// How long a downloaded export counts as fresh (`30m`, `12h`, `2d`;
    /// `0` always asks the server).
    #[arg(long, env = "SCANGATE_DB_TTL", value_name = "DURATION", default_value = "12h", value_parser = parse_duration)]
    pub db_ttl: Duration,
    /// Fail (exit 3) when the database's data is older than this (`7d`)
    /// [default: any age, with a warning when an update failed].
    #[arg(long, env = "SCANGATE_DB_MAX_AGE", value_name = "DURATION", value_parser = parse_duration)]
    pub db_max_age: Option<Duration>,
    /// Amazon Linux's advisories: a mirror list or `updateinfo.xml(.gz)`
    /// URL, `{release}` standing for `2`, `2023`, ... [default: each
    /// release's official mirror list].
    #[arg(long, env = "SCANGATE_AMAZON_URL", value_name = "URL")]
    pub amazon_url: Option<String>,
    /// Oracle Linux's ELSA OVAL file (`.xml`, `.xml.bz2`, `.xml.gz`).
    #[arg(long, env = "SCANGATE_ORACLE_URL", value_name = "URL", default_value = crate::vulndb::vendor::fetch::DEFAULT_ORACLE_URL)]
    pub oracle_url: String,
    /// Photon OS's CVE list of a release, `{release}` standing for `5.0`.
    #[arg(long, env = "SCANGATE_PHOTON_URL", value_name = "URL", default_value = crate::vulndb::vendor::fetch::DEFAULT_PHOTON_URL)]
    pub photon_url: String,
}

/// Where NVD, KEV and EPSS data come from.
#[derive(Debug, Args, Clone)]
pub struct FeedArgs {
    /// The directory of NVD's `nvdcve-2.0-*.json.gz` feeds (a mirror).
    #[arg(long, env = "SCANGATE_NVD_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_NVD_URL)]
    pub nvd_url: String,
    /// CISA's KEV catalog (JSON).
    #[arg(long, env = "SCANGATE_KEV_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_KEV_URL)]
    pub kev_url: String,
    /// FIRST's EPSS scores (CSV, gzipped).
    #[arg(long, env = "SCANGATE_EPSS_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_EPSS_URL)]
    pub epss_url: String,
    /// Debian's security tracker JSON (unfixed states: will_not_fix,
    /// fix_deferred, end_of_life).
    #[arg(long, env = "SCANGATE_DEBIAN_TRACKER_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_DEBIAN_TRACKER_URL)]
    pub debian_tracker_url: String,
    /// Red Hat's CSAF VEX directory (`archive_latest.txt` and the archive
    /// it names), for unfixed Red Hat states.
    #[arg(long, env = "SCANGATE_REDHAT_VEX_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_REDHAT_VEX_URL)]
    pub redhat_vex_url: String,
    /// A tarball of Ubuntu's CVE tracker repository (`active/`,
    /// `retired/`), for unfixed Ubuntu states.
    #[arg(long, env = "SCANGATE_UBUNTU_TRACKER_URL", value_name = "URL", default_value = crate::vulndb::scores::update::DEFAULT_UBUNTU_TRACKER_URL)]
    pub ubuntu_tracker_url: String,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download or refresh OSV advisories, and NVD, KEV and EPSS data.
    Update {
        /// OSV ecosystems to fetch (`Debian:12`, `Alpine:v3.19`, `Wolfi`);
        /// default: those already in the database (and the feeds it has).
        #[arg(value_name = "ECOSYSTEM")]
        ecosystems: Vec<String>,
        /// Also fetch NVD's CVSS scores (all yearly feeds the first time,
        /// then the `modified` feed).
        #[arg(long)]
        nvd: bool,
        /// Also fetch CISA's Known Exploited Vulnerabilities catalog.
        #[arg(long)]
        kev: bool,
        /// Also fetch FIRST's EPSS scores.
        #[arg(long)]
        epss: bool,
        /// Also fetch Debian's security tracker, for the states of unfixed
        /// Debian findings (will_not_fix, fix_deferred, end_of_life).
        #[arg(long)]
        debian_tracker: bool,
        /// Also fetch Red Hat's CSAF VEX files, for the CVEs Red Hat has not
        /// fixed (affected, will_not_fix, fix_deferred, end_of_life).
        #[arg(long)]
        redhat_vex: bool,
        /// Also fetch Ubuntu's CVE tracker, for the states of unfixed
        /// Ubuntu findings (will_not_fix, fix_deferred).
        #[arg(long)]
        ubuntu_tracker: bool,
        #[command(flatten)]
        feeds: FeedArgs,
        /// Ask the server even when the data is fresh.
        #[arg(long)]
        force: bool,
        /// Pull the whole database from this OCI reference (pushed by
        /// `db push`) instead of OSV.
        #[arg(long, value_name = "REF", conflicts_with_all = ["ecosystems", "force", "nvd", "kev", "epss", "debian_tracker", "redhat_vex", "ubuntu_tracker"])]
        from: Option<String>,
        #[command(flatten)]
        registry: RegistryArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Build a team's database from scratch: the OSV ecosystems named plus
    /// NVD, KEV and EPSS, replacing the local one when complete (then `db
    /// push` it).
    Build {
        /// OSV ecosystems to include (`Debian:12 Alpine:v3.19 PyPI`).
        #[arg(value_name = "ECOSYSTEM", required = true)]
        ecosystems: Vec<String>,
        #[command(flatten)]
        feeds: FeedArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Push the database to a registry as an OCI artifact.
    Push {
        #[arg(value_name = "REF")]
        reference: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Pull a database pushed by `db push`, replacing the local one.
    Pull {
        #[arg(value_name = "REF")]
        reference: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Import OSV JSON files, directories, OSV's per-ecosystem all.zip, and
    /// NVD feed files, the KEV catalog and EPSS CSV files (told by content).
    Import {
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
    },
    /// Show what the database holds.
    Info {
        #[arg(long, short = 'f', value_enum, default_value_t = crate::report::db_info::InfoFormat::Table)]
        format: crate::report::db_info::InfoFormat,
    },
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{s:?} is not a probability between 0 and 1 (e.g. 0.5)"
        )),
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)"))
}

fn parse_status(s: &str) -> Result<crate::finding::Status, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Empty the layer cache.
    Clean,
}

/// Parses `1G`, `500M`, `64K` (powers of 1024; an optional trailing `B`
/// or `iB`) or a bare number of bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 500M or 2G"))?;
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use K, M, G or T)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Parses `90s`, `30m`, `12h`, `2d`, a bare number of seconds, or Go's
/// compound form that Trivy users write (`5m0s`, `1h30m`).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration such as 30m, 12h, 2d or 5m0s");
    if s.is_empty() {
        return Err(bad());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(Duration::from_secs).map_err(|_| bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let part = match &rest[digits..digits + unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86400)),
            unit => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m, h or d)")),
        };
        total = total.saturating_add(part);
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, parse_size};
    use std::time::Duration;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43200)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("5m0s"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("12 hours").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
    }

    #[test]
    fn sizes_take_a_binary_unit() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("500MiB"), Ok(500 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("1 GB").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
