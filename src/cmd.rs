//! Which command runs which part of the pipeline: the one place that
//! dispatches. It sits above both the pipeline ([`crate::run`]) and
//! `scangate ci` ([`crate::ci`]), so neither needs to call the other back.

use crate::cache;
use crate::cli::{CacheCommand, Command, RulesFormat};
use crate::config;
use crate::error::Result;
use crate::run::{
    default_cache_dir, image_source, print_version, run_db, scan, scan_config, scanners,
    write_report,
};
use crate::source::RootFs;
use std::path::PathBuf;

/// Runs one command; returns the process exit code (0, or the gate's
/// `--exit-code` when it failed).
pub fn run(command: Command, cache_dir: Option<PathBuf>) -> Result<u8> {
    let cache = || cache_dir.clone().map_or_else(default_cache_dir, Ok);
    match command {
        Command::Image(args) => {
            let scanners = scanners(&args.scan, None)?;
            let cache_dir = cache()?;
            let source = image_source(&args, &cache_dir)?;
            scan(
                source.as_ref(),
                &args.scan,
                &cache_dir,
                &scanners,
                None,
                None,
            )
        }
        Command::Fs(args) => {
            let scanners = scanners(&args.scan, Some(&args.path))?;
            let source = RootFs::new(&args.path)?;
            let cache_dir = cache()?;
            let pull = crate::manifests::scan::Pull::from_args(&args.pull);
            let images = crate::manifests::scan::tree_scanner(&pull, &args.scan, &cache_dir);
            let tree = Some(args.path.as_path());
            scan(
                &source,
                &args.scan,
                &cache_dir,
                &scanners,
                tree,
                Some(&images),
            )
        }
        Command::Config(args) => scan_config(&args),
        Command::Manifests(args) => crate::manifests::scan::run(&args, &cache()?),
        Command::Version => print_version(&cache()?).map(|()| 0),
        Command::Rules { format } => write_report(None, |out| match format {
            RulesFormat::Markdown => config::rules_doc::write_docs(out),
            RulesFormat::Json => {
                let secrets = crate::secret::rules::RuleSet::builtin();
                let more = crate::secret::rules_doc::entries(&secrets);
                config::rules_doc::write_json(config::CHECKERS, more, out)
            }
        })
        .map(|()| 0),
        Command::Db(db) => run_db(db, &cache()?).map(|()| 0),
        Command::Cache(CacheCommand::Clean) => {
            let dir = cache()?;
            let what = if cache::clean(&dir)? {
                "emptied"
            } else {
                "already empty"
            };
            println!("layer cache {}: {what}", cache::cache_file(&dir).display());
            Ok(0)
        }
        Command::Ci(args) => crate::ci::run(
            args,
            &cache()?,
            &crate::publish::ci_env::Env::from_process(),
        ),
    }
}
