//! `scangate ci`: a CI step's whole job. It decides what to scan (an image,
//! the repository, or both), builds a plain [`ScanRequest`] for the
//! pipeline, writes every report, hands the files it wrote to the
//! workspace's owner, then lets [`crate::publish`] upload, comment and
//! record the job summary and step outputs, and exits with the gate's code.

use crate::cli::{CiArgs, ScanType, Scanner};
use crate::error::{Error, Result};
use crate::manifests::scan::Pull;
use crate::publish::ci::{self as publish, Settings, DEFAULT_CATEGORY};
use crate::publish::ci_env::{Ci, Env, Secret};
use crate::report::{ReportSpec, ScanResult};
use crate::run::{self, ScanRequest, Target};
use std::path::{Path, PathBuf};

/// Runs `scangate ci`; returns the exit code.
pub fn run(args: CiArgs, cache_dir: &Path, env: &Env) -> Result<u8> {
    let (ci, warnings) = Ci::detect(env);
    let given_secrets: Vec<&str> = args
        .publish
        .github_token
        .iter()
        .chain(&args.image.registry.password)
        .map(String::as_str)
        .collect();
    publish::mask_secrets(&ci, env, &given_secrets);
    for w in warnings {
        tracing::warn!("{w}");
    }
    let scan_type = match scan_type(&args) {
        Ok(t) => t,
        Err(e) => return Err(failed(&ci, e)),
    };
    let settings = settings(&args, scan_type);
    let mut specs = args.image.scan.reports.specs();
    let sarif_path = publish::plan_reports(&ci, &settings, &mut specs);
    let result = match scan_and_write(&args, scan_type, cache_dir, &ci, &specs) {
        Ok(result) => result,
        Err(e) => return Err(failed(&ci, e)),
    };
    let written: Vec<&Path> = specs.iter().filter_map(|s| s.path.as_deref()).collect();
    hand_to_workspace_owner(&ci, &written, cache_dir);
    let log = publish::publish(&ci, &settings, &result, sarif_path.as_deref(), env);
    let code = log.exit_code(&settings, result.outcome.gate.exit_code);
    publish::record(&ci, &result, code, sarif_path.as_deref(), &written);
    Ok(code)
}

/// A scan that could not finish still leaves a job summary and step
/// outputs saying so, with the exit code the step ends with.
fn failed(ci: &Ci, e: Error) -> Error {
    let code = u8::try_from(e.exit_code()).unwrap_or(3);
    publish::record_failure(ci, code, &e.to_string());
    e
}

/// `--scan-type`, else `image` when an image is named, else `config` for
/// `--scanners config`.
fn scan_type(args: &CiArgs) -> Result<ScanType> {
    if let Some(t) = args.scan_type {
        return Ok(t);
    }
    let image = &args.image;
    if image.input.is_some() || image.image.is_some() {
        return Ok(ScanType::Image);
    }
    if image.scan.scanners == [Scanner::Config] {
        return Ok(ScanType::Config);
    }
    Err(Error::Usage(
        "name an image (IMAGE or --input PATH), or check the repository with --scanners config or --scan-type fs|config"
            .into(),
    ))
}

fn settings(args: &CiArgs, scan_type: ScanType) -> Settings {
    let p = &args.publish;
    let category = args
        .image
        .scan
        .reports
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| match scan_type {
            ScanType::Image => DEFAULT_CATEGORY.to_string(),
            ScanType::Fs => "scangate/fs".to_string(),
            ScanType::Config => "scangate/config".to_string(),
        });
    Settings {
        strict: p.strict_publish,
        upload_sarif: p.upload_sarif(),
        pr_comment: p.pr_comment(),
        github_token: p.github_token.clone().map(Secret::new),
        sarif_file: p.sarif_file.clone(),
        category,
        image_scan: scan_type == ScanType::Image,
        secret_scan: scan_type != ScanType::Config
            && (args.image.scan.scanners.is_empty()
                || args.image.scan.scanners.contains(&Scanner::Secret)),
        dependency_scan: scan_type == ScanType::Fs
            && (checks_dependencies(&args.image.scan.scanners)
                || args.image.scan.scanners.contains(&Scanner::Images)),
        config_scan: checks_config(&args.image.scan.scanners, scan_type),
    }
}

/// Whether the repository's config files are checked: always for
/// `config`, by default for `fs` (as `scangate fs`), for an image only with
/// `--scanners config`.
fn checks_config(scanners: &[Scanner], scan_type: ScanType) -> bool {
    match scan_type {
        ScanType::Config => true,
        ScanType::Fs => scanners.is_empty() || scanners.contains(&Scanner::Config),
        ScanType::Image => scanners.contains(&Scanner::Config),
    }
}

/// Whether an `fs` scan looks for vulnerabilities: by default, as
/// `scangate fs` does, or when `--scanners` names `vuln`.
fn checks_dependencies(scanners: &[Scanner]) -> bool {
    scanners.is_empty() || scanners.contains(&Scanner::Vuln)
}

/// The repository's root: the CI's workspace, else the working directory.
fn repository_root(ci: &Ci) -> PathBuf {
    let from_ci = match ci {
        Ci::GitHub(gh) => gh.workspace.clone(),
        Ci::GitLab(gl) => gl.project_dir.clone(),
        Ci::Other => None,
    };
    from_ci.unwrap_or_else(|| PathBuf::from("."))
}

/// Scans and writes every report in `specs`.
fn scan_and_write(
    args: &CiArgs,
    scan_type: ScanType,
    cache_dir: &Path,
    ci: &Ci,
    specs: &[ReportSpec],
) -> Result<ScanResult> {
    run::check_outputs(specs)?;
    let settings = &args.image.scan;
    // For `fs` and `config`, the positional names the directory.
    let directory = || {
        args.image
            .image
            .as_deref()
            .map(PathBuf::from)
            .unwrap_or_else(|| repository_root(ci))
    };
    let target = match scan_type {
        ScanType::Image => Target::Image {
            source: run::image_source(&args.image, cache_dir)?,
            config_root: repository_root(ci),
        },
        ScanType::Fs => Target::Tree(directory()),
        ScanType::Config => {
            if let Some(other) = settings.scanners.iter().find(|s| **s != Scanner::Config) {
                return Err(Error::Usage(format!(
                    "--scan-type config runs the config checks only; --scanners {} needs --scan-type fs or image",
                    format!("{other:?}").to_lowercase()
                )));
            }
            Target::Config(directory())
        }
    };
    let image = &args.image;
    let pull = Pull {
        concurrency: args.images.image_concurrency,
        strict: args.images.strict,
        platform: image.platform.clone(),
        insecure: image.registry.insecure,
        no_cache: image.layer_cache.no_cache,
        cache_max_size: image.layer_cache.cache_max_size,
    };
    let images = crate::manifests::scan::tree_scanner(&pull, settings, cache_dir);
    let request = ScanRequest {
        target,
        settings,
        cache_dir,
        images: Some(&images),
    };
    let (result, options) = run::execute(&request)?;
    run::write_reports(&result, specs, options)?;
    Ok(result)
}

/// GitHub runs a container action as root in a workspace owned by the
/// runner's user (uid 1001), whose later steps must be able to read and
/// delete what scangate wrote: the reports and the database cache inside
/// the workspace get the workspace's owner. Nothing happens when scangate
/// is not root (it then cannot, and need not, change owners) or outside
/// GitHub (GitLab's project directory is the job's own).
fn hand_to_workspace_owner(ci: &Ci, written: &[&Path], cache_dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ci::GitHub(gh) = ci else {
        return;
    };
    let Some(workspace) = gh.workspace.as_deref() else {
        return;
    };
    let Ok(meta) = std::fs::metadata(workspace) else {
        return;
    };
    let (uid, gid) = (meta.uid(), meta.gid());
    let Ok(workspace) = workspace.canonicalize() else {
        return;
    };
    let inside = |p: &Path| {
        p.canonicalize()
            .is_ok_and(|abs| abs.starts_with(&workspace) && abs != workspace)
    };
    let mut paths: Vec<PathBuf> = written
        .iter()
        .filter(|p| inside(p))
        .map(|p| p.to_path_buf())
        .collect();
    // The cache directory, and its parents up to the workspace (the
    // action's default `.cache/scangate` creates `.cache` too).
    if inside(cache_dir) {
        if let Ok(abs) = cache_dir.canonicalize() {
            collect_tree(&abs, &mut paths);
            let mut parent = abs.parent();
            while let Some(dir) = parent.filter(|d| *d != workspace && d.starts_with(&workspace)) {
                paths.push(dir.to_path_buf());
                parent = dir.parent();
            }
        }
    }
    for path in paths {
        let owned = std::fs::symlink_metadata(&path).is_ok_and(|m| m.uid() == uid);
        if owned {
            continue;
        }
        if let Err(e) = std::os::unix::fs::lchown(&path, Some(uid), Some(gid)) {
            tracing::debug!("{}: owner not changed: {e}", path.display());
        }
    }
}

/// `dir` and everything below it (symbolic links are not followed).
fn collect_tree(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_tree(&path, out),
            _ => out.push(path),
        }
    }
}
