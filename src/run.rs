//! What each command does, start to finish: the pipeline in order
//! (source → inventory → vulnerability database → matching → report).

use crate::cli::{Command, DbArgs, DbCommand, PolicyArgs, ScanArgs, Scanner};
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::image::dockerfile_map::ImageDockerfile;
use crate::inventory;
use crate::matching;
use crate::policy::baseline::Baseline;
use crate::policy::ignorefile::{self, IgnoreFile};
use crate::policy::vex::Vex;
use crate::policy::{GatePolicy, Policy, Suppressor};
use crate::report::{self, ReportOptions, ReportSpec, ScanResult};
use crate::source::{self, ArtifactKind, RootFs, Source};
use crate::vulndb::update::{self, Needed, Outcome, UpdateOptions};
use crate::vulndb::VulnDb;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs one command; returns the process exit code (0, or the gate's
/// `--exit-code` when it failed).
pub fn run(command: Command, cache_dir: Option<PathBuf>) -> Result<u8> {
    let cache = || cache_dir.clone().map_or_else(default_cache_dir, Ok);
    match command {
        Command::Image(args) => {
            let source = source::for_input(&args.input, args.reference.as_deref())?;
            scan(source.as_ref(), &args.scan, &cache()?, None)
        }
        Command::Fs(args) => scan(
            &RootFs::new(&args.path)?,
            &args.scan,
            &cache()?,
            Some(&args.path),
        ),
        Command::Db(db) => run_db(db, &cache()?).map(|()| 0),
    }
}

/// The vulnerability database's file inside the cache directory.
pub fn db_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("db").join("osv.sqlite")
}

fn default_cache_dir() -> Result<PathBuf> {
    dirs::cache_dir()
        .map(|d| d.join("scangate"))
        .ok_or_else(|| {
            Error::Usage("cannot tell where the user cache directory is; pass --cache-dir".into())
        })
}

/// Scans `source`; `tree` is the scanned directory of `scangate fs`, where
/// a default ignore file is looked for first.
fn scan(source: &dyn Source, args: &ScanArgs, cache_dir: &Path, tree: Option<&Path>) -> Result<u8> {
    let specs = args.reports.specs();
    check_outputs(&specs)?;
    let policy = build_policy(&args.policy, tree)?;
    let baseline = load_baseline(&args.policy)?;
    let collected = source.collect(&inventory::all_wants())?;
    let inventory = inventory::inventory(&collected.layers);
    let vulnerabilities_scanned = args.scanners.contains(&Scanner::Vuln);
    let (findings, baseline_findings) = if vulnerabilities_scanned {
        let mut inventories = vec![&inventory];
        inventories.extend(baseline.as_ref().map(|b| &b.inventory));
        let db = open_db(&inventories, args, cache_dir)?;
        let find = |inv: &inventory::Inventory| -> Result<Vec<Finding>> {
            db.as_ref()
                .map_or(Ok(Vec::new()), |db| matching::match_inventory(inv, db))
        };
        let old = match &baseline {
            Some(b) => Some(b.relocate(find(&b.inventory)?, &collected.artifact.layers)),
            None => None,
        };
        (find(&inventory)?, old)
    } else {
        (Vec::new(), None)
    };
    let outcome = policy.apply(findings, baseline_findings);
    for reason in &outcome.gate.reasons {
        tracing::warn!("gate failed: {reason}");
    }
    let exit_code = outcome.gate.exit_code;
    let dockerfile = match collected.artifact.kind {
        ArtifactKind::Image => ImageDockerfile::locate(
            args.reports.dockerfile.as_deref(),
            &collected.artifact.layers,
        )?,
        ArtifactKind::Filesystem => None,
    };
    let result = ScanResult {
        artifact: collected.artifact,
        inventory,
        config_files: Vec::new(),
        vulnerabilities_scanned,
        outcome,
        dockerfile,
    };
    let options = ReportOptions {
        list_packages: args.list_packages,
        category: args.reports.category.as_deref(),
    };
    for spec in &specs {
        write_report(spec.path.as_deref(), |out| {
            report::write(spec.format, &result, options, out)
        })?;
    }
    Ok(exit_code)
}

/// At most one report can go to stdout.
fn check_outputs(specs: &[ReportSpec]) -> Result<()> {
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(Error::Usage(
            "only one report can go to stdout; give the others a path (--report FORMAT=PATH)"
                .into(),
        ));
    }
    Ok(())
}

fn build_policy(args: &PolicyArgs, tree: Option<&Path>) -> Result<Policy> {
    if args.fail_on_new && args.baseline.is_none() && args.baseline_input.is_none() {
        return Err(Error::Usage(
            "--fail-on-new needs a baseline (--baseline or --baseline-input)".into(),
        ));
    }
    let mut suppressors: Vec<Box<dyn Suppressor>> = Vec::new();
    let ignore_path = match &args.ignorefile {
        Some(path) => Some(path.clone()),
        None => {
            let cwd = std::env::current_dir().ok();
            let dirs: Vec<&Path> = tree.into_iter().chain(cwd.as_deref()).collect();
            ignorefile::find_default(&dirs)
        }
    };
    if let Some(path) = ignore_path {
        tracing::info!("ignore file: {}", path.display());
        let now = crate::vulndb::time::now_unix();
        suppressors.push(Box::new(IgnoreFile::load(&path, now)?));
    }
    if !args.vex.is_empty() {
        suppressors.push(Box::new(Vex::load(&args.vex)?));
    }
    Ok(Policy {
        severities: (!args.severity.is_empty()).then(|| args.severity.iter().copied().collect()),
        ignore_unfixed: args.ignore_unfixed,
        suppressors,
        gate: GatePolicy {
            fail_on: args.fail_on,
            exit_code: args.exit_code,
            only_new: args.fail_on_new,
        },
    })
}

/// The baseline of `--baseline` (a JSON report) or `--baseline-input` (an
/// image scanned the way `image --input` scans), if one is given.
fn load_baseline(args: &PolicyArgs) -> Result<Option<Baseline>> {
    if let Some(report) = &args.baseline {
        return Baseline::from_report(report).map(Some);
    }
    match &args.baseline_input {
        Some(input) => {
            let collected = source::for_input(input, None)?.collect(&inventory::all_wants())?;
            Ok(Some(Baseline::from_scan(&collected)))
        }
        None => Ok(None),
    }
}

/// The vulnerability database, brought up to date for the ecosystems of
/// `inventories` (the scan's and the baseline's); `None` when none of
/// them has an ecosystem OSV publishes.
fn open_db(
    inventories: &[&inventory::Inventory],
    args: &ScanArgs,
    cache_dir: &Path,
) -> Result<Option<VulnDb>> {
    let mut needed = Needed::default();
    for inventory in inventories {
        match inventory.os.as_ref().map(|os| (os, os.osv_ecosystem())) {
            Some((_, Some(eco))) => needed.add(&eco),
            Some((os, None)) if !inventory.package_dbs.is_empty() => {
                tracing::warn!(
                    "OSV publishes no advisories for {os}: its packages are listed but not matched"
                )
            }
            _ => {}
        }
    }
    let path = db_path(cache_dir);
    if !args.offline && !needed.is_empty() {
        update::update(&path, &needed, &update_options(&args.db, false))?;
    }
    if needed.is_empty() {
        return Ok(None);
    }
    if !path.exists() {
        return Err(Error::input(
            path.display(),
            "no vulnerability database; run `scangate db update` or scan without --offline",
        ));
    }
    let db = VulnDb::open_read_only(&path)?;
    if args.offline {
        warn_if_missing(&db, &needed)?;
    }
    Ok(Some(db))
}

/// An offline scan against a database that lacks the image's ecosystem
/// would report nothing and look clean; say so.
fn warn_if_missing(db: &VulnDb, needed: &Needed) -> Result<()> {
    let held: Vec<String> = db
        .info()?
        .ecosystems
        .into_iter()
        .map(|e| e.ecosystem)
        .collect();
    for eco in needed.ecosystems() {
        if !held.iter().any(|h| h == eco) {
            tracing::warn!(
                "the vulnerability database holds no advisories for {eco}; run `scangate db update {eco}`"
            );
        }
    }
    Ok(())
}

fn update_options(db: &DbArgs, force: bool) -> UpdateOptions {
    UpdateOptions {
        base_url: db.db_url.clone(),
        ttl: db.db_ttl,
        force,
    }
}

fn run_db(command: DbCommand, cache_dir: &Path) -> Result<()> {
    let path = db_path(cache_dir);
    match command {
        DbCommand::Update {
            ecosystems,
            force,
            db,
        } => {
            let mut needed = Needed::default();
            let names: Vec<String> = if ecosystems.is_empty() {
                known_ecosystems(&path)?
            } else {
                ecosystems
            };
            if names.is_empty() {
                return Err(Error::Usage(
                    "the database is empty: name the ecosystems to fetch, e.g. `scangate db update Debian:12 Alpine:v3.19`"
                        .into(),
                ));
            }
            for name in &names {
                let eco: Ecosystem = name.parse().map_err(|e| Error::Usage(format!("{e}")))?;
                needed.add(&eco);
            }
            let outcomes = update::update(&path, &needed, &update_options(&db, force))?;
            for (base, outcome) in outcomes {
                let what = match outcome {
                    Outcome::Fresh => "fresh (within the TTL), not checked".to_string(),
                    Outcome::NotModified => "unchanged".to_string(),
                    Outcome::Updated { records } => format!("updated, {records} advisories read"),
                };
                println!("{}: {what}", base.as_str());
            }
            Ok(())
        }
        DbCommand::Import { paths } => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
            }
            let started = Instant::now();
            let mut db = VulnDb::open(&path)?;
            let stats = db.import_paths(&paths)?;
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
            Ok(())
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

fn write_report(
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
