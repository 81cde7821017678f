//! The gate over what a manifest tree deploys: each distinct image pulled
//! from its registry once (a bounded number at a time, through the layer
//! cache, so a base layer shared by twenty images is downloaded and
//! analysed once), matched against the vulnerability database, and every
//! finding placed on each manifest line that deploys the image. Config
//! checks of the same tree join the same result with `--scanners config`,
//! so one policy gates everything.
//!
//! The gate fails closed: an image that cannot be pulled (registry
//! unreachable, unknown tag, credentials refused) stops the run with exit
//! code 3; an unresolvable reference is a warning, or exit 3 with
//! `--strict`.

use super::{find, Deployed, Found};
use crate::cache::LayerCache;
use crate::cli::{DetectionPriority, ManifestsArgs, PkgType, PullArgs, ScanArgs, Scanner};
use crate::config::scan::ConfigScan;
use crate::error::{Error, Result};
use crate::finding::{fingerprint, Finding, Location, TargetRef};
use crate::image::skip::Skip;
use crate::inventory::{self, Inventory};
use crate::report::{DeployedImage, ReportOptions};
use crate::run::{self, Scanned};
use crate::source::{Artifact, ArtifactKind, Collected, Registry};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The SARIF category of the image findings unless `--category` says
/// otherwise: their alerts never close those of `fs` or `image` scans.
const CATEGORY: &str = "scangate/manifests";

/// How the images are pulled: `scangate manifests`' flags, or `scangate
/// fs`/`ci`'s for the `images` scanner.
#[derive(Debug, Clone)]
pub struct Pull {
    /// Images pulled and scanned at once.
    pub concurrency: u16,
    /// Whether an unresolvable reference stops the scan (exit 3).
    pub strict: bool,
    /// The platform picked from multi-platform images.
    pub platform: String,
    /// Plain HTTP to the registries.
    pub insecure: bool,
    /// No persistent layer cache (a private one still shares layers).
    pub no_cache: bool,
    pub cache_max_size: u64,
}

impl Pull {
    pub fn from_args(args: &PullArgs) -> Pull {
        Pull {
            concurrency: args.images.image_concurrency,
            strict: args.images.strict,
            platform: args.platform.clone(),
            insecure: args.insecure,
            no_cache: args.layer_cache.no_cache,
            cache_max_size: args.layer_cache.cache_max_size,
        }
    }
}

/// `scangate manifests DIR`: returns the gate's exit code.
pub fn run(args: &ManifestsArgs, cache_dir: &Path) -> Result<u8> {
    let scanners = scanners(&args.scan)?;
    let specs = args.scan.reports.specs();
    run::check_outputs(&specs)?;
    let root = &args.path;
    if !root.exists() {
        return Err(Error::input(root.display(), "no such file or directory"));
    }
    let skip = run::skip(&args.scan.walk)?;
    let prefix = repository_prefix(root);
    let mut found = find_logged(root, &skip);
    for deployed in &mut found.images {
        for site in &mut deployed.sites {
            site.file = format!("{prefix}{}", site.file);
        }
    }
    for problem in &mut found.unresolved {
        problem.file = format!("{prefix}{}", problem.file);
    }
    let pull = Pull::from_args(&args.pull);
    let vulnerable = scanners.contains(&Scanner::Vuln);
    let pulled = scan_images(&pull, &args.scan, &found, vulnerable, cache_dir)?;
    let mut scanned = Scanned {
        artifact: Artifact {
            name: args.path.display().to_string(),
            reference: None,
            kind: ArtifactKind::Filesystem,
            digest: None,
            layers: Vec::new(),
        },
        inventory: Inventory {
            os: None,
            package_dbs: Vec::new(),
        },
        config: ConfigScan::default(),
        config_scanned: false,
        secrets: None,
        vulnerabilities: None,
        baseline: None,
        dockerfile: None,
        images: Vec::new(),
    };
    pulled.merge_into(&mut scanned, vulnerable);
    if scanners.contains(&Scanner::Config) {
        let mut config = run::check_config(root, &skip, &args.scan.walk)?;
        for file in &mut config.files {
            file.path = format!("{prefix}{}", file.path);
        }
        for f in &mut config.findings {
            if let Location::Lines { path, .. } = &mut f.location {
                *path = format!("{prefix}{path}");
            }
        }
        config.inline = std::mem::take(&mut config.inline).prefixed(&prefix);
        scanned.config = config;
        scanned.config_scanned = true;
    }
    let policy = run::build_policy(&args.scan.policy, Some(root))?;
    let options = ReportOptions {
        list_packages: args.scan.list_packages,
        started_at: crate::vulndb::time::now_unix(),
        category: Some(args.scan.reports.category.as_deref().unwrap_or(CATEGORY)),
        ..ReportOptions::default()
    };
    let (result, options) = run::assemble(scanned, policy, options);
    run::write_reports(&result, &specs, options)?;
    if pull.strict && !found.unresolved.is_empty() {
        return Err(strict_error(root, found.unresolved.len()));
    }
    Ok(result.outcome.gate.exit_code)
}

fn strict_error(root: &Path, count: usize) -> Error {
    Error::input(
        root.display(),
        format!("{count} image references cannot be resolved (listed above) and --strict is set"),
    )
}

/// [`find`], each unresolvable reference logged as a warning.
fn find_logged(root: &Path, skip: &Skip) -> Found {
    let found = find(root, skip);
    for problem in &found.unresolved {
        tracing::warn!("{problem}");
    }
    tracing::info!(
        "{} manifest files deploy {} distinct images",
        found.files,
        found.images.len()
    );
    found
}

/// The `images` scanner of `scangate fs` and `scangate ci --scan-type
/// fs`, for [`run::TreeScanner`]: the images the manifests of the scanned
/// tree deploy, pulled and matched as by `scangate manifests`, joining
/// the tree's own findings (paths stay relative to the tree, as the
/// tree's other findings). With `--strict`, an unresolvable reference
/// stops the scan before anything is pulled.
pub(crate) fn tree_scanner<'a>(
    pull: &'a Pull,
    args: &'a ScanArgs,
    cache_dir: &'a Path,
) -> impl Fn(&Path, &Skip, &mut Scanned) -> Result<()> + 'a {
    move |root, skip, scanned| {
        let found = find_logged(root, skip);
        if pull.strict && !found.unresolved.is_empty() {
            return Err(strict_error(root, found.unresolved.len()));
        }
        scan_images(pull, args, &found, true, cache_dir)?.merge_into(scanned, true);
        Ok(())
    }
}

/// What turns a path relative to the scanned directory into one relative
/// to the working directory (the repository's root, in CI), which is what
/// code scanning and merge-request reports place findings by: `apps/` for
/// `scangate manifests apps`; empty when the directory is the working
/// directory or outside it (paths then stay relative to it).
fn repository_prefix(root: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return String::new();
    };
    let absolute = if root.is_absolute() {
        root.to_path_buf()
    } else {
        cwd.join(root)
    };
    let dir = if absolute.is_file() {
        absolute.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        absolute
    };
    let (Ok(dir), Ok(cwd)) = (dir.canonicalize(), cwd.canonicalize()) else {
        return String::new();
    };
    match dir.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            format!("{}/", parts.join("/"))
        }
        _ => String::new(),
    }
}

/// The scanners asked for: `vuln` by default; `config` adds the tree's
/// config checks. Secrets in deployed images are `scangate image`'s job.
fn scanners(args: &ScanArgs) -> Result<Vec<Scanner>> {
    let chosen = if args.scanners.is_empty() {
        vec![Scanner::Vuln]
    } else {
        args.scanners.clone()
    };
    for other in &chosen {
        let name = match other {
            Scanner::Vuln | Scanner::Config | Scanner::Images | Scanner::None => continue,
            Scanner::Secret => "secret",
            Scanner::License => "license",
        };
        return Err(Error::Usage(format!(
            "scangate manifests runs the vuln and config scanners, not {name}; scan one image with `scangate image REF --scanners {name}`"
        )));
    }
    Ok(chosen)
}

/// The deployed images, scanned: their package sets and findings indexed
/// from 0, to be moved past a scan's own by [`ImageScan::merge_into`].
pub(crate) struct ImageScan {
    images: Vec<DeployedImage>,
    package_dbs: Vec<crate::inventory::PackageSet>,
    findings: Vec<Finding>,
}

impl ImageScan {
    /// Adds the images to `scanned`: their package sets after its own,
    /// their findings among its vulnerabilities (`vulnerable`: whether
    /// they were matched).
    pub(crate) fn merge_into(self, scanned: &mut Scanned, vulnerable: bool) {
        let offset = scanned.inventory.package_dbs.len();
        scanned.inventory.package_dbs.extend(self.package_dbs);
        scanned
            .images
            .extend(self.images.into_iter().map(|mut image| {
                image.package_dbs =
                    offset + image.package_dbs.start..offset + image.package_dbs.end;
                image
            }));
        if vulnerable {
            let findings = self.findings.into_iter().map(|mut f| {
                if let TargetRef::PackageDb(i) = f.target {
                    f.target = TargetRef::PackageDb(offset + i);
                }
                f
            });
            scanned
                .vulnerabilities
                .get_or_insert_with(Vec::new)
                .extend(findings);
        }
    }
}

/// Pulls every image of `found`, inventories and, when `vulnerable`,
/// matches each: the findings placed on the manifests, and the images'
/// package sets.
fn scan_images(
    pull: &Pull,
    args: &ScanArgs,
    found: &Found,
    vulnerable: bool,
    cache_dir: &Path,
) -> Result<ImageScan> {
    let started = Instant::now();
    // Without the persistent cache (`--no-cache`) a cache private to the
    // run still lets images share the analysis of common layers.
    let private_dir;
    let cache = if pull.no_cache {
        private_dir = tempfile::tempdir().map_err(|e| Error::io("temporary directory", e))?;
        LayerCache::open(private_dir.path(), pull.cache_max_size)?
    } else {
        LayerCache::open(cache_dir, pull.cache_max_size)?
    };
    let cache = Arc::new(cache);
    let pulled = pull_all(pull, &found.images, &cache)?;
    let counts = cache.counts();
    tracing::info!(
        "pulled {} images in {:.1?}: {} layers analysed (downloaded), {} read from the layer cache",
        pulled.len(),
        started.elapsed(),
        counts.stored,
        counts.hits
    );
    let options = inventory::Options {
        include_dev_deps: args.include_dev_deps,
        comprehensive: args.detection_priority == DetectionPriority::Comprehensive,
    };
    let inventories: Vec<Inventory> = pulled
        .iter()
        .map(|(collected, _)| {
            let mut inv = inventory::inventory(&collected.layers, options);
            inv.package_dbs.retain(|set| {
                args.matches_pkg_type(if set.format.is_os() {
                    PkgType::Os
                } else {
                    PkgType::Library
                })
            });
            inv
        })
        .collect();
    let db = if vulnerable {
        let refs: Vec<&Inventory> = inventories.iter().collect();
        run::open_db(&refs, args, cache_dir)?
    } else {
        None
    };
    let mut images = Vec::new();
    let mut package_dbs = Vec::new();
    let mut findings = Vec::new();
    for ((deployed, (_, digest)), inventory) in found.images.iter().zip(&pulled).zip(inventories) {
        let offset = package_dbs.len();
        if let Some(db) = &db {
            let mut own = crate::matching::match_inventory(&inventory, db)?;
            crate::matching::enrich::enrich(&mut own, db)?;
            findings.extend(place(own, deployed, offset));
        }
        images.push(DeployedImage {
            reference: deployed.reference.clone(),
            digest: digest.clone(),
            package_dbs: offset..offset + inventory.package_dbs.len(),
        });
        package_dbs.extend(inventory.package_dbs.into_iter().map(|mut set| {
            set.path = format!("{}:/{}", deployed.reference, set.path);
            set
        }));
    }
    Ok(ImageScan {
        images,
        package_dbs,
        findings,
    })
}

/// An image's findings, once per manifest line deploying it: the target
/// moved past the package sets of the images before it, the location
/// the manifest line, the fingerprint the package finding's plus the
/// manifest and container (so each deployment keeps its own alert).
fn place(own: Vec<Finding>, deployed: &Deployed, offset: usize) -> Vec<Finding> {
    let mut out = Vec::with_capacity(own.len() * deployed.sites.len());
    for f in own {
        for site in &deployed.sites {
            let mut g = f.clone();
            if let TargetRef::PackageDb(i) = g.target {
                g.target = TargetRef::PackageDb(offset + i);
            }
            g.location = Location::Lines {
                path: site.file.clone(),
                start_line: site.line,
                end_line: site.line,
            };
            g.fingerprint = fingerprint(&[&f.fingerprint, &site.file, &site.subject]);
            out.push(g);
        }
    }
    out
}

/// An image's wanted files, and the digest its reference resolved to.
type Pulled = (Collected, String);

/// Pulls the images, `--image-concurrency` at a time, in `images`' order.
/// The first failure stops the images not yet started and is the error
/// (each failure is logged): a gate that could not look must not pass.
fn pull_all(pull: &Pull, images: &[Deployed], cache: &Arc<LayerCache>) -> Result<Vec<Pulled>> {
    let wants = inventory::all_wants();
    // No user name or password for all: each registry's own credentials
    // (Docker's config.json, the CI's variables) are looked up by host.
    let registry = crate::registry::Options {
        username: None,
        password: None,
        insecure: pull.insecure,
    };
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let done: Mutex<Vec<(usize, Result<Pulled>)>> = Mutex::new(Vec::new());
    let workers = usize::from(pull.concurrency).min(images.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(image) = images.get(index) else {
                        break;
                    };
                    let pulled = Registry::new(
                        &image.reference,
                        &pull.platform,
                        registry.clone(),
                        Some(Arc::clone(cache)),
                    )
                    .and_then(|r| r.collect_pinned(wants));
                    if let Err(e) = &pulled {
                        failed.store(true, Ordering::Relaxed);
                        let site = &image.sites[0];
                        tracing::error!(
                            "{} (deployed at {}:{}): {e}",
                            image.reference,
                            site.file,
                            site.line
                        );
                    }
                    if let Ok(mut done) = done.lock() {
                        done.push((index, pulled));
                    }
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.sort_by_key(|(i, _)| *i);
    if let Some(pos) = done.iter().position(|(_, r)| r.is_err()) {
        if let (_, Err(e)) = done.swap_remove(pos) {
            return Err(e);
        }
    }
    Ok(done.into_iter().filter_map(|(_, r)| r.ok()).collect())
}
