//! What each command does, start to finish: the pipeline in order
//! (source → inventory → vulnerability database → matching → report).

use crate::cache::LayerCache;
use crate::cli::{
    ConfigArgs, DbArgs, DbCommand, DetectionPriority, FeedArgs, ImageArgs, PkgType, PolicyArgs,
    RegistryArgs, ReportArgs, ScanArgs, Scanner, WalkArgs,
};
use crate::config::{self, scan::ConfigScan};
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::image::dockerfile_map::ImageDockerfile;
use crate::inventory::{self, Inventory};
use crate::matching;
use crate::policy::baseline::Baseline;
use crate::policy::ignorefile::{self, IgnoreFile};
use crate::policy::vex::Vex;
use crate::policy::{GatePolicy, Policy, Suppressor};
use crate::registry;
use crate::report::{self, ReportOptions, ReportSpec, ScanResult};
use crate::secret::{self, SecretScan};
use crate::source::skip::Skip;
use crate::source::{self, Artifact, ArtifactKind, RootFs, Source};
use crate::vulndb::freshness::{self, Origin, ScanDb};
use crate::vulndb::scores::update::{FeedOptions, FeedOutcome};
use crate::vulndb::scores::{self, Feed};
use crate::vulndb::update::{self, Needed, Outcome, UpdateOptions};
use crate::vulndb::{oci, VulnDb};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The source `scangate image` reads: the `--input` file or directory, or
/// the image reference (daemon or registry), with the layer cache unless
/// `--no-cache`.
pub fn image_source(args: &ImageArgs, cache_dir: &Path) -> Result<Box<dyn Source>> {
    let layer_cache = if args.layer_cache.no_cache {
        None
    } else {
        LayerCache::open_or_warn(cache_dir, args.layer_cache.cache_max_size).map(Arc::new)
    };
    match (&args.input, &args.image) {
        (Some(path), _) => source::for_input(path, args.reference.as_deref(), layer_cache),
        (None, Some(image)) => source::for_image(
            image,
            &args.platform,
            args.docker_host.as_deref(),
            registry_options(&args.registry),
            layer_cache,
        ),
        (None, None) => Err(Error::Usage(
            "name an image (`scangate image ghcr.io/org/app:1.0`) or pass --input PATH".into(),
        )),
    }
}

fn registry_options(args: &RegistryArgs) -> registry::Options {
    registry::Options {
        username: args.username.clone(),
        password: args.password.clone(),
        insecure: args.insecure,
    }
}

/// `scangate config DIR`: config checks only, no package inventory.
pub(crate) fn scan_config(args: &ConfigArgs) -> Result<u8> {
    let specs = args.reports.specs();
    check_outputs(&specs)?;
    let (result, options) = config_result(&args.path, &args.policy, &args.reports, &args.walk)?;
    write_reports(&result, &specs, options)?;
    Ok(result.outcome.gate.exit_code)
}

/// Checks the config files under `path` and applies the policy.
fn config_result<'a>(
    path: &Path,
    policy: &PolicyArgs,
    reports: &'a ReportArgs,
    walk: &WalkArgs,
) -> Result<(ScanResult, ReportOptions<'a>)> {
    let started_at = crate::vulndb::time::now_unix();
    let policy = build_policy(policy, Some(path))?;
    let config = check_config(path, &skip(walk)?, walk)?;
    if config.files.is_empty() {
        tracing::warn!(
            "{}: no supported config files (Kubernetes manifests, GitHub workflows)",
            path.display()
        );
    }
    let artifact = Artifact {
        name: path.display().to_string(),
        reference: None,
        kind: ArtifactKind::Filesystem,
        digest: None,
        layers: Vec::new(),
    };
    let inventory = Inventory {
        os: None,
        package_dbs: Vec::new(),
    };
    let scanned = Scanned {
        artifact,
        inventory,
        config,
        config_scanned: true,
        secrets: None,
        vulnerabilities: None,
        baseline: None,
        dockerfile: None,
        images: Vec::new(),
    };
    let options = ReportOptions {
        started_at,
        category: reports.category.as_deref(),
        ..ReportOptions::default()
    };
    Ok(assemble(scanned, policy, options))
}

/// What to scan.
pub enum Target {
    /// An image; with [`Scanner::Config`], the config files under
    /// `config_root` (the repository) are checked too.
    Image {
        source: Box<dyn Source>,
        config_root: PathBuf,
    },
    /// A directory: its packages and config files, as `scangate fs`.
    Tree(PathBuf),
    /// A directory's config files only, as `scangate config`.
    Config(PathBuf),
}

/// One scan, decided: what to scan, and how (the scanners are
/// `settings.scanners`, else the target's default). The commands that scan
/// more than one way (`scangate ci`) build one and hand it to [`execute`]
/// rather than re-entering command dispatch.
pub struct ScanRequest<'a> {
    pub target: Target,
    pub settings: &'a ScanArgs,
    pub cache_dir: &'a Path,
    /// The `images` scanner, for a tree scanned with it.
    pub(crate) images: Option<TreeScanner<'a>>,
}

/// A scanner a higher layer runs on the scanned tree and whose findings
/// join the tree's before policy: the `images` scanner, which pulls what
/// the tree's manifests deploy (the GitOps gate sits above this pipeline,
/// so it is handed in rather than called).
pub(crate) type TreeScanner<'a> = &'a dyn Fn(&Path, &Skip, &mut Scanned) -> Result<()>;

/// Runs `request`: the finished result, and the options to write its
/// reports with.
pub fn execute<'a>(request: &ScanRequest<'a>) -> Result<(ScanResult, ReportOptions<'a>)> {
    let args = request.settings;
    match &request.target {
        Target::Image {
            source,
            config_root,
        } => {
            let scanners = match &args.scanners[..] {
                [] => vec![Scanner::Vuln, Scanner::Secret],
                chosen => chosen.to_vec(),
            };
            if scanners.contains(&Scanner::Images) {
                return Err(images_need_a_tree());
            }
            let root = scanners
                .contains(&Scanner::Config)
                .then_some(config_root.as_path());
            scan_result(
                source.as_ref(),
                args,
                request.cache_dir,
                &scanners,
                root,
                None,
            )
        }
        Target::Tree(path) => {
            let scanners = scanners(args, Some(path))?;
            let source = RootFs::new(path)?;
            scan_result(
                &source,
                args,
                request.cache_dir,
                &scanners,
                Some(path),
                request.images,
            )
        }
        Target::Config(path) => config_result(path, &args.policy, &args.reports, &args.walk),
    }
}

/// `--skip-dirs` and `--skip-files`, compiled.
pub(crate) fn skip(args: &WalkArgs) -> Result<Skip> {
    Skip::new(&args.skip_dirs, &args.skip_files)
}

/// Scans the tree at `root` for secrets.
fn scan_secrets(root: &Path, engine: &secret::Engine, skip: &Skip) -> SecretScan {
    let started = Instant::now();
    let files = secret::tree::scan_tree(root, engine, skip);
    tracing::info!(
        "scanned for secrets in {:.0?}: {} files with secrets",
        started.elapsed(),
        files.len()
    );
    SecretScan::from_tree(files, engine)
}

/// Runs the config checkers on the tree at `path`, with the check
/// settings of `walk` (`--trusted-registries`, `--tf-vars`).
pub(crate) fn check_config(path: &Path, skip: &Skip, walk: &WalkArgs) -> Result<ConfigScan> {
    if !path.exists() {
        return Err(Error::input(path.display(), "no such file or directory"));
    }
    let started = Instant::now();
    let vars = walk
        .tf_vars
        .iter()
        .map(|file| match std::fs::read_to_string(file) {
            Ok(content) => Ok((file.display().to_string(), content)),
            Err(e) => Err(Error::input(
                file.display(),
                format!("cannot read --tf-vars file: {e}"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let terraform = config::terraform::TerraformChecker::with_vars(vars);
    let checkers: Vec<&dyn config::Checker> = config::CHECKERS
        .iter()
        .map(|c| match c.file_type() {
            config::FileType::Terraform => &terraform,
            _ => *c,
        })
        .collect();
    let options = config::CheckOptions {
        helm: config::helm::find_helm(),
        ..config::CheckOptions::with_trusted_registries(&walk.trusted_registries)
    };
    let scan = config::scan::scan(path, &checkers, skip, &options);
    tracing::info!(
        "checked {} config files in {:.0?}",
        scan.files.len(),
        started.elapsed()
    );
    Ok(scan)
}

/// What the scanners produced, before policy.
pub(crate) struct Scanned {
    pub(crate) artifact: Artifact,
    pub(crate) inventory: Inventory,
    pub(crate) config: ConfigScan,
    /// Whether the config checks ran.
    pub(crate) config_scanned: bool,
    /// `None` when secrets were not looked for.
    pub(crate) secrets: Option<SecretScan>,
    /// `None` when vulnerabilities were not looked for.
    pub(crate) vulnerabilities: Option<Vec<Finding>>,
    /// The baseline's findings against today's database, when one is given.
    pub(crate) baseline: Option<Vec<Finding>>,
    /// The image's layers placed on Dockerfile lines, when one is known.
    pub(crate) dockerfile: Option<ImageDockerfile>,
    /// The images of a manifest tree (`scangate manifests`).
    pub(crate) images: Vec<report::DeployedImage>,
}

/// Applies the policy to everything found: the finished result.
pub(crate) fn assemble<'a>(
    scanned: Scanned,
    mut policy: Policy,
    options: ReportOptions<'a>,
) -> (ScanResult, ReportOptions<'a>) {
    let vulnerabilities_scanned = scanned.vulnerabilities.is_some();
    let secrets_scanned = scanned.secrets.is_some();
    let secrets = scanned.secrets.unwrap_or_default();
    let mut findings = scanned.vulnerabilities.unwrap_or_default();
    findings.extend(scanned.config.findings);
    findings.extend(secrets.findings);
    policy.suppressors.push(Box::new(scanned.config.inline));
    let outcome = policy.apply(findings, scanned.baseline);
    let finished_at = crate::vulndb::time::now_unix();
    for reason in &outcome.gate.reasons {
        tracing::warn!("gate failed: {reason}");
    }
    let result = ScanResult {
        artifact: scanned.artifact,
        inventory: scanned.inventory,
        config_files: scanned.config.files,
        secret_files: secrets.targets,
        vulnerabilities_scanned,
        secrets_scanned,
        config_scanned: scanned.config_scanned,
        outcome,
        dockerfile: scanned.dockerfile,
        images: scanned.images,
    };
    (
        result,
        ReportOptions {
            finished_at,
            ..options
        },
    )
}

/// Writes every report in `specs` (at most one to stdout: see
/// [`check_outputs`]).
pub fn write_reports(
    result: &ScanResult,
    specs: &[ReportSpec],
    options: ReportOptions<'_>,
) -> Result<()> {
    for spec in specs {
        let options = ReportOptions {
            color: spec.path.is_none() && colors_on_stdout(),
            ..options
        };
        write_report(spec.path.as_deref(), |out| {
            report::write(spec.format, result, options, out)
        })?;
    }
    Ok(())
}

/// The vulnerability database's file inside the cache directory.
pub fn db_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("db").join("osv.sqlite")
}

pub(crate) fn default_cache_dir() -> Result<PathBuf> {
    dirs::cache_dir()
        .map(|d| d.join("scangate"))
        .ok_or_else(|| {
            Error::Usage("cannot tell where the user cache directory is; pass --cache-dir".into())
        })
}

/// The scanners asked for, or the command's default, as Trivy's:
/// `vuln,secret` for an image, `vuln,secret,config` for a tree (`tree`).
/// Config checks need a tree. Trivy's `license`, which scangate lacks, is
/// dropped with a warning, so a Trivy command line keeps its other
/// scanners; asking for nothing else is a usage error rather than a scan
/// that checks nothing.
pub fn scanners(args: &ScanArgs, tree: Option<&Path>) -> Result<Vec<Scanner>> {
    let mut chosen = match (&args.scanners[..], tree) {
        ([], None) => vec![Scanner::Vuln, Scanner::Secret],
        ([], Some(_)) => vec![Scanner::Vuln, Scanner::Secret, Scanner::Config],
        (chosen, _) => chosen.to_vec(),
    };
    if chosen.contains(&Scanner::License) {
        chosen.retain(|s| *s != Scanner::License);
        if chosen.is_empty() {
            return Err(Error::Usage(
                "scangate has no license scanner yet; choose vuln, secret or misconfig".into(),
            ));
        }
        tracing::warn!("scangate has no license scanner yet: --scanners license is not checked");
    }
    if chosen.contains(&Scanner::Images) && tree.is_none() {
        return Err(images_need_a_tree());
    }
    if chosen.contains(&Scanner::Config) && tree.is_none() {
        return Err(Error::Usage(
            "--scanners config needs a source tree: use `scangate fs DIR` or `scangate config DIR`"
                .into(),
        ));
    }
    Ok(chosen)
}

fn images_need_a_tree() -> Error {
    Error::Usage(
        "--scanners images scans the images a tree's manifests deploy: use `scangate fs DIR`, `scangate ci --scan-type fs` or `scangate manifests DIR`"
            .into(),
    )
}

/// `image` and `fs`: the package inventory, then the chosen scanners.
/// `config_root` is the tree whose config files are checked with
/// `--scanners config`.
pub(crate) fn scan(
    source: &dyn Source,
    args: &ScanArgs,
    cache_dir: &Path,
    scanners: &[Scanner],
    config_root: Option<&Path>,
    images: Option<TreeScanner<'_>>,
) -> Result<u8> {
    let specs = args.reports.specs();
    check_outputs(&specs)?;
    let (result, options) = scan_result(source, args, cache_dir, scanners, config_root, images)?;
    write_reports(&result, &specs, options)?;
    Ok(result.outcome.gate.exit_code)
}

/// Scans `source` with `scanners` and applies the policy: the result every
/// report formats, and the options to write them with (`scangate ci`
/// publishes the same result after writing). `images` is the `images`
/// scanner, run on the tree when `scanners` names it.
pub(crate) fn scan_result<'a>(
    source: &dyn Source,
    args: &'a ScanArgs,
    cache_dir: &Path,
    scanners: &[Scanner],
    config_root: Option<&Path>,
    images: Option<TreeScanner<'_>>,
) -> Result<(ScanResult, ReportOptions<'a>)> {
    let started_at = crate::vulndb::time::now_unix();
    let policy = build_policy(&args.policy, config_root)?;
    let tree = config_root;
    let config_root = config_root.filter(|_| scanners.contains(&Scanner::Config));
    let skip = skip(&args.walk)?;
    let options = inventory::Options {
        include_dev_deps: args.include_dev_deps,
        comprehensive: args.detection_priority == DetectionPriority::Comprehensive,
    };
    let secret_engine = if scanners.contains(&Scanner::Secret) {
        let rules = secret::rules::RuleSet::load(Some(&args.secret_config))?;
        Some(Arc::new(secret::Engine::new(rules)))
    } else {
        None
    };
    let wants = match &secret_engine {
        Some(engine) => inventory::all_wants()
            .clone()
            .with_secrets(Arc::clone(engine)),
        None => inventory::all_wants().clone(),
    };
    let baseline = load_baseline(&args.policy, options, &wants, &skip)?;
    let mut collected = source.collect(&wants)?;
    forget_skipped(&mut collected, &skip);
    let secrets = match (&secret_engine, collected.artifact.kind, tree) {
        (Some(engine), ArtifactKind::Filesystem, Some(root)) => {
            Some(scan_secrets(root, engine, &skip))
        }
        (Some(engine), _, _) => Some(SecretScan::from_layers(&collected.layers, engine)),
        (None, _, _) => None,
    };
    let mut inventory = inventory::inventory(&collected.layers, options);
    inventory.package_dbs.retain(|set| {
        args.matches_pkg_type(if set.format.is_os() {
            PkgType::Os
        } else {
            PkgType::Library
        })
    });
    let (vulnerabilities, old_vulnerabilities) = if scanners.contains(&Scanner::Vuln) {
        resolve_action_tags(&mut inventory, args.offline);
        let mut inventories = vec![&inventory];
        inventories.extend(baseline.as_ref().map(|b| &b.inventory));
        let db = open_db(&inventories, args, cache_dir)?;
        let find = |inv: &Inventory| -> Result<Vec<Finding>> {
            let Some(db) = db.as_ref() else {
                return Ok(Vec::new());
            };
            let mut found = matching::match_inventory(inv, db)?;
            matching::enrich::enrich(&mut found, db)?;
            Ok(found)
        };
        let old = match &baseline {
            Some(b) => b.relocate(find(&b.inventory)?, &collected.artifact.layers),
            None => Vec::new(),
        };
        (Some(find(&inventory)?), old)
    } else {
        (None, Vec::new())
    };
    // Every scanner's baseline findings, so each kind gets its states: with
    // a baseline and no vulnerability scan, secrets are still compared.
    let baseline_findings = baseline.as_ref().map(|b| {
        let mut old = old_vulnerabilities;
        if secrets.is_some() {
            old.extend(b.secrets(&skip, &collected.artifact.layers));
        }
        old
    });
    let config = match config_root {
        Some(root) => check_config(root, &skip, &args.walk)?,
        None => ConfigScan::default(),
    };
    let config_scanned = config_root.is_some();
    let dockerfile = match collected.artifact.kind {
        ArtifactKind::Image => ImageDockerfile::locate(
            args.reports.dockerfile.as_deref(),
            &collected.artifact.layers,
        )?,
        ArtifactKind::Filesystem => None,
    };
    let mut scanned = Scanned {
        artifact: collected.artifact,
        inventory,
        config,
        config_scanned,
        secrets,
        vulnerabilities,
        baseline: baseline_findings,
        dockerfile,
        images: Vec::new(),
    };
    if let (true, Some(root), Some(images)) = (scanners.contains(&Scanner::Images), tree, images) {
        images(root, &skip, &mut scanned)?;
    }
    let options = ReportOptions {
        list_packages: args.list_packages,
        started_at,
        category: args.reports.category.as_deref(),
        ..ReportOptions::default()
    };
    Ok(assemble(scanned, policy, options))
}

/// Actions pinned to a bare commit SHA, resolved to their tags through the
/// GitHub API publishing uses (`GITHUB_API_URL`, the `github-token` input
/// or `GITHUB_TOKEN`), before they are matched.
fn resolve_action_tags(inventory: &mut inventory::Inventory, offline: bool) {
    let pinned = inventory.package_dbs.iter().any(|set| {
        set.format == inventory::PackageFormat::GithubActions
            && set
                .packages
                .iter()
                .any(|p| inventory::action_tags::is_commit(&p.package.version))
    });
    if !pinned {
        return;
    }
    let env = crate::publish::ci_env::Env::from_process();
    let (github, _) = crate::publish::ci_env::GitHub::from_env(&env);
    let token = github.token.map(|t| t.expose().to_string());
    inventory::action_tags::Resolver::new(&github.api_url, token, offline).resolve(inventory);
}

/// ANSI colours only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
fn colors_on_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// At most one report can go to stdout.
pub fn check_outputs(specs: &[ReportSpec]) -> Result<()> {
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(Error::Usage(
            "only one report can go to stdout; give the others a path (--report FORMAT=PATH)"
                .into(),
        ));
    }
    Ok(())
}

pub(crate) fn build_policy(args: &PolicyArgs, tree: Option<&Path>) -> Result<Policy> {
    if args.fail_on_new && args.baseline.is_none() && args.baseline_input.is_none() {
        return Err(Error::Usage(
            "--fail-on-new needs a baseline (--baseline or --baseline-input)".into(),
        ));
    }
    let mut suppressors: Vec<Box<dyn Suppressor>> = Vec::new();
    let ignore_paths = if args.ignorefile.is_empty() {
        let cwd = std::env::current_dir().ok();
        let dirs: Vec<&Path> = tree.into_iter().chain(cwd.as_deref()).collect();
        ignorefile::find_defaults(&dirs)
    } else {
        args.ignorefile.clone()
    };
    let now = crate::vulndb::time::now_unix();
    for path in ignore_paths {
        tracing::info!("ignore file: {}", path.display());
        suppressors.push(Box::new(IgnoreFile::load(&path, now)?));
    }
    if !args.vex.is_empty() {
        suppressors.push(Box::new(Vex::load(&args.vex)?));
    }
    Ok(Policy {
        severities: (!args.severity.is_empty()).then(|| args.severity.iter().copied().collect()),
        ignore_unfixed: args.ignore_unfixed,
        ignore_status: args.ignore_status.iter().copied().collect(),
        suppressors,
        gate: GatePolicy {
            fail_on: args.fail_on,
            exit_code: args.exit_code,
            only_new: args.fail_on_new,
            fail_on_kev: args.fail_on_kev,
            fail_on_epss: args.fail_on_epss,
        },
    })
}

/// The baseline of `--baseline` (a JSON report) or `--baseline-input` (an
/// image scanned the way `image --input` scans, with the same `wants`, so
/// its secrets too when the secret scanner is on, and the same skips), if
/// one is given.
fn load_baseline(
    args: &PolicyArgs,
    options: inventory::Options,
    wants: &inventory::Wants,
    skip: &Skip,
) -> Result<Option<Baseline>> {
    if let Some(report) = &args.baseline {
        return Baseline::from_report(report).map(Some);
    }
    match &args.baseline_input {
        Some(input) => {
            let mut collected = source::for_input(input, None, None)?.collect(wants)?;
            forget_skipped(&mut collected, skip);
            let engine = wants.secrets();
            Ok(Some(Baseline::from_scan(&collected, options, engine)))
        }
        None => Ok(None),
    }
}

/// Drops what `--skip-dirs`/`--skip-files` name from every collected layer.
fn forget_skipped(collected: &mut source::Collected, skip: &Skip) {
    if !skip.is_empty() {
        for layer in &mut collected.layers {
            layer.forget(|path| skip.skips_file(path));
        }
    }
}

/// The vulnerability database, brought up to date for the ecosystems of
/// `inventories` (the scan's first, then the baseline's) and checked to
/// hold the scan's (see [`freshness`]); `None` when none of them has an
/// ecosystem OSV publishes.
pub(crate) fn open_db(
    inventories: &[&inventory::Inventory],
    args: &ScanArgs,
    cache_dir: &Path,
) -> Result<Option<VulnDb>> {
    let mut needed = Needed::default();
    let mut required = Needed::default();
    for (i, inventory) in inventories.iter().enumerate() {
        let mut unmatched = false;
        for set in &inventory.package_dbs {
            if set.ecosystems.is_empty() {
                unmatched = true;
            }
            for eco in &set.ecosystems {
                needed.add(eco);
                if i == 0 {
                    required.add(eco);
                }
            }
        }
        if let (true, Some(os)) = (unmatched, &inventory.os) {
            tracing::warn!(
                "OSV publishes no advisories for {os}: its packages are listed but not matched"
            );
        }
    }
    if needed.is_empty() {
        return Ok(None);
    }
    let options = ScanDb {
        offline: args.offline,
        update: update_options(&args.db, false),
        max_age: args.db.db_max_age,
    };
    freshness::open_for_scan(&db_path(cache_dir), &needed, &required, &options).map(Some)
}

fn update_options(db: &DbArgs, force: bool) -> UpdateOptions {
    UpdateOptions {
        base_url: db.db_url.clone(),
        ttl: db.db_ttl,
        force,
        vendor_urls: crate::vulndb::vendor::fetch::VendorUrls {
            amazon: db.amazon_url.clone(),
            oracle: db.oracle_url.clone(),
            photon: db.photon_url.clone(),
        },
    }
}

pub(crate) fn run_db(command: DbCommand, cache_dir: &Path) -> Result<()> {
    let path = db_path(cache_dir);
    match command {
        DbCommand::Update {
            from: Some(reference),
            registry,
            ..
        }
        | DbCommand::Pull {
            reference,
            registry,
        } => {
            println!(
                "{}",
                oci::pull(&path, &reference, &registry_options(&registry))?
            );
            VulnDb::open(&path)?.set_origin(Origin::Pull)
        }
        DbCommand::Push {
            reference,
            registry,
        } => {
            if !path.exists() {
                return Err(Error::input(
                    path.display(),
                    "no vulnerability database to push; run `scangate db update` first",
                ));
            }
            println!(
                "{}",
                oci::push(&path, &reference, &registry_options(&registry))?
            );
            Ok(())
        }
        DbCommand::Update {
            ecosystems,
            force,
            db,
            nvd,
            kev,
            epss,
            debian_tracker,
            redhat_vex,
            ubuntu_tracker,
            feeds,
            ..
        } => {
            let mut wanted: Vec<Feed> = [
                (Feed::Nvd, nvd),
                (Feed::Kev, kev),
                (Feed::Epss, epss),
                (Feed::DebianTracker, debian_tracker),
                (Feed::RedHatVex, redhat_vex),
                (Feed::UbuntuTracker, ubuntu_tracker),
            ]
            .into_iter()
            .filter_map(|(feed, asked)| asked.then_some(feed))
            .collect();
            let names: Vec<String> = if ecosystems.is_empty() {
                if path.exists() {
                    wanted.extend(VulnDb::open_read_only(&path)?.feeds()?);
                    wanted.sort();
                    wanted.dedup();
                }
                known_ecosystems(&path)?
            } else {
                ecosystems
            };
            if names.is_empty() && wanted.is_empty() {
                return Err(Error::Usage(
                    "the database is empty: name the ecosystems to fetch, e.g. `scangate db update Debian:12 Alpine:v3.19`"
                        .into(),
                ));
            }
            if !names.is_empty() {
                update_osv(&path, &names, &update_options(&db, force))?;
            }
            update_feeds(&path, &wanted, &feed_options(&feeds, &db, force))
        }
        DbCommand::Build {
            ecosystems,
            feeds,
            db,
        } => {
            // Built beside the database and renamed over it when whole.
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            let aside = tempfile::Builder::new()
                .prefix(".osv.sqlite.build")
                .tempdir_in(dir)
                .map_err(|e| Error::io(dir.display(), e))?;
            let building = aside.path().join("osv.sqlite");
            update_osv(&building, &ecosystems, &update_options(&db, true))?;
            update_feeds(&building, &Feed::ALL, &feed_options(&feeds, &db, true))?;
            std::fs::rename(&building, &path).map_err(|e| Error::io(path.display(), e))?;
            println!(
                "built {}; publish it with `scangate db push REF`",
                path.display()
            );
            Ok(())
        }
        DbCommand::Import { paths } => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            }
            let started = Instant::now();
            let mut db = VulnDb::open(&path)?;
            // NVD, KEV and EPSS files are told by their content; the rest
            // is OSV.
            let mut osv = Vec::new();
            for p in &paths {
                let feed = if p.is_file() {
                    scores::open_feed(p)
                        .map_err(|e| Error::io(p.display(), e))?
                        .map(|(feed, _)| feed)
                } else {
                    None
                };
                let vendor = match (feed, p.is_file()) {
                    (None, true) => {
                        crate::vulndb::vendor::open(p).map_err(|e| Error::io(p.display(), e))?
                    }
                    _ => None,
                };
                if let Some((feed, content)) = vendor {
                    let shown = p.display().to_string();
                    let state = crate::vulndb::SourceState::default();
                    let stats =
                        crate::vulndb::vendor::import(&mut db, feed, &shown, &content, state)?;
                    println!(
                        "{shown}: {} {} advisories converted",
                        stats.records(),
                        feed.base().as_str()
                    );
                    continue;
                }
                match feed {
                    Some(feed) => {
                        let shown = p.display().to_string();
                        let records = scores::update::import_file(&mut db, feed, p, &shown)?;
                        db.set_source_state(&crate::vulndb::SourceState {
                            source: feed.source().to_string(),
                            fetched_at: Some(crate::vulndb::time::now_unix()),
                            records,
                            ..Default::default()
                        })?;
                        println!("{shown}: {records} {} records", feed.source());
                    }
                    None => osv.push(p.clone()),
                }
            }
            if !osv.is_empty() {
                let stats = db.import_paths(&osv)?;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "imported {} new, {} replaced, {} unchanged, {} older ignored, {} skipped ({} records in {secs:.1}s, {:.0} records/s)",
                    stats.imported,
                    stats.replaced,
                    stats.unchanged,
                    stats.stale,
                    stats.skipped,
                    stats.records(),
                    stats.records() as f64 / secs.max(1e-9)
                );
            }
            db.set_origin(Origin::Import)
        }
        DbCommand::Info { format } => {
            if !path.exists() {
                return Err(Error::input(
                    path.display(),
                    "no vulnerability database; run `scangate db update`",
                ));
            }
            let info = VulnDb::open_read_only(&path)?.info()?;
            write_report(None, |out| report::db_info::write(format, &info, out))
        }
    }
}

/// `db update ECOSYSTEM…` and the OSV part of `db build`.
fn update_osv(path: &Path, names: &[String], options: &UpdateOptions) -> Result<()> {
    let mut needed = Needed::default();
    for name in names {
        let eco: Ecosystem = name.parse().map_err(|e| Error::Usage(format!("{e}")))?;
        needed.add(&eco);
    }
    for (base, outcome) in update::update(path, &needed, options)? {
        let what = match outcome {
            Outcome::Fresh => "fresh (within the TTL), not checked".to_string(),
            Outcome::NotModified => "unchanged".to_string(),
            Outcome::Updated { records } => format!("updated, {records} advisories read"),
        };
        println!("{}: {what}", base.as_str());
    }
    Ok(())
}

/// `db update --nvd/--kev/--epss` and the feeds of `db build`.
fn update_feeds(path: &Path, feeds: &[Feed], options: &FeedOptions) -> Result<()> {
    if feeds.is_empty() {
        return Ok(());
    }
    for (feed, outcome) in scores::update::update(path, feeds, options)? {
        let what = match outcome {
            FeedOutcome::Fresh => "fresh (within the TTL), not checked".to_string(),
            FeedOutcome::NotModified => "unchanged".to_string(),
            FeedOutcome::Updated { files, records } => {
                format!("updated, {records} records from {files} file(s)")
            }
        };
        println!("{}: {what}", feed.source());
    }
    Ok(())
}

fn feed_options(feeds: &FeedArgs, db: &DbArgs, force: bool) -> FeedOptions {
    FeedOptions {
        nvd_url: feeds.nvd_url.clone(),
        kev_url: feeds.kev_url.clone(),
        epss_url: feeds.epss_url.clone(),
        debian_tracker_url: feeds.debian_tracker_url.clone(),
        redhat_vex_url: feeds.redhat_vex_url.clone(),
        ubuntu_tracker_url: feeds.ubuntu_tracker_url.clone(),
        ttl: db.db_ttl,
        force,
    }
}

/// `scangate version`: the version, and the database's state when there is
/// one (as `trivy version` shows its DB).
pub(crate) fn print_version(cache_dir: &Path) -> Result<()> {
    println!("Version: {}", env!("CARGO_PKG_VERSION"));
    let path = db_path(cache_dir);
    if !path.exists() {
        println!("Vulnerability DB: none yet ({})", path.display());
        return Ok(());
    }
    let db = VulnDb::open_read_only(&path)?;
    let info = db.info()?;
    println!("Vulnerability DB: {}", path.display());
    println!("  Advisories: {}", info.advisories);
    let ecosystems: Vec<&str> = info
        .ecosystems
        .iter()
        .map(|e| e.ecosystem.as_str())
        .collect();
    println!("  Ecosystems: {}", ecosystems.join(", "));
    if let Some(at) = info.last_import {
        println!("  UpdatedAt: {}", crate::vulndb::time::format_unix(at));
    }
    if let Some((origin, _)) = db.origin()? {
        println!("  From: db {}", origin.as_str());
    }
    Ok(())
}

/// The ecosystems the database already holds, for `db update` without names.
fn known_ecosystems(path: &Path) -> Result<Vec<String>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let info = VulnDb::open_read_only(path)?.info()?;
    Ok(info
        .ecosystems
        .into_iter()
        .map(|e| e.ecosystem)
        .filter(|e| e.parse::<Ecosystem>().is_ok())
        .collect())
}

pub(crate) fn write_report(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match output {
        Some(path) => {
            let io_err = |e| Error::io(path.display(), e);
            let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io_err)?);
            write(&mut file).map_err(io_err)?;
            file.flush().map_err(io_err)
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write(&mut lock).map_err(|e| Error::io("stdout", e))
        }
    }
}
