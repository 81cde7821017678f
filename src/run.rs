//! What each command does, start to finish: the pipeline in order
//! (source → inventory → vulnerability database → matching → report).

use crate::cache::{self, LayerCache};
use crate::cli::{
    CacheCommand, Command, DbArgs, DbCommand, ImageArgs, RegistryArgs, ScanArgs, Scanner,
};
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};
use crate::inventory;
use crate::matching;
use crate::registry;
use crate::report::{self, ReportOptions, ScanResult};
use crate::source::{self, RootFs, Source};
use crate::vulndb::update::{self, Needed, Outcome, UpdateOptions};
use crate::vulndb::{oci, VulnDb};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Runs one command.
pub fn run(command: Command, cache_dir: Option<PathBuf>) -> Result<()> {
    let cache = || cache_dir.clone().map_or_else(default_cache_dir, Ok);
    match command {
        Command::Image(args) => {
            let cache_dir = cache()?;
            let source = image_source(&args, &cache_dir)?;
            scan(source.as_ref(), &args.scan, &cache_dir)
        }
        Command::Fs(args) => scan(&RootFs::new(&args.path)?, &args.scan, &cache()?),
        Command::Db(db) => run_db(db, &cache()?),
        Command::Cache(CacheCommand::Clean) => {
            let dir = cache()?;
            let what = if cache::clean(&dir)? {
                "emptied"
            } else {
                "already empty"
            };
            println!("layer cache {}: {what}", cache::cache_file(&dir).display());
            Ok(())
        }
    }
}

/// The source `scangate image` reads: the `--input` file or directory, or
/// the image reference (daemon or registry), with the layer cache unless
/// `--no-cache`.
fn image_source(args: &ImageArgs, cache_dir: &Path) -> Result<Box<dyn Source>> {
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

fn scan(source: &dyn Source, args: &ScanArgs, cache_dir: &Path) -> Result<()> {
    let collected = source.collect(&inventory::all_wants())?;
    let inventory = inventory::inventory(&collected.layers);
    let vulnerabilities = if args.scanners.contains(&Scanner::Vuln) {
        Some(find_vulnerabilities(&inventory, args, cache_dir)?)
    } else {
        None
    };
    let result = ScanResult {
        artifact: collected.artifact,
        inventory,
        vulnerabilities,
    };
    let options = ReportOptions {
        list_packages: args.list_packages,
    };
    write_report(args.output.as_deref(), |out| {
        report::write(args.format, &result, options, out)
    })
}

fn find_vulnerabilities(
    inventory: &inventory::Inventory,
    args: &ScanArgs,
    cache_dir: &Path,
) -> Result<Vec<matching::DbFindings>> {
    let mut needed = Needed::default();
    match inventory.os.as_ref().map(|os| (os, os.osv_ecosystem())) {
        Some((_, Some(eco))) => needed.add(&eco),
        Some((os, None)) if !inventory.package_dbs.is_empty() => {
            tracing::warn!(
                "OSV publishes no advisories for {os}: its packages are listed but not matched"
            )
        }
        _ => {}
    }
    let path = db_path(cache_dir);
    if !args.offline && !needed.is_empty() {
        update::update(&path, &needed, &update_options(&args.db, false))?;
    }
    if needed.is_empty() {
        return Ok(inventory
            .package_dbs
            .iter()
            .map(|_| matching::DbFindings::default())
            .collect());
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
    matching::match_inventory(inventory, &db)
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
            Ok(())
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
            ..
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
