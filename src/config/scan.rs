//! Walks a source tree and runs the config checkers on it: `.gitignore`
//! (and `.ignore`) are respected, as a developer expects of a tool run in
//! their checkout; files over [`MAX_FILE_SIZE`] and binary files are
//! skipped; each file goes to the first checker that wants it, and files
//! are read and checked on the walker's threads, one per core.

use super::{helm, CheckOptions, Checker, ConfigFile, FileType, Violation};
use crate::finding::{Finding, TargetRef};
use crate::image::skip::{relative, Skip};
use crate::policy::inline::InlineIgnores;
use ignore::{WalkBuilder, WalkState};
use std::path::Path;
use std::sync::Mutex;

/// Larger files are not config a team writes by hand (generated bundles,
/// data): skipped, as Trivy does with its own limits.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;
/// How much of a file is looked at to tell binary from text.
const SNIFF_BYTES: usize = 8000;

/// What a config scan found.
#[derive(Debug, Default)]
pub struct ConfigScan {
    /// Checked files, sorted by path: the report's config targets.
    pub files: Vec<ConfigFile>,
    /// Findings, in file order then line order; each points at its file's
    /// index in `files`.
    pub findings: Vec<Finding>,
    /// The `scangate:ignore` / `trivy:ignore` comments of the checked files.
    pub inline: InlineIgnores,
}

/// One checked file, before indexes are assigned.
struct Checked {
    file: ConfigFile,
    findings: Vec<Finding>,
    inline: InlineIgnores,
}

/// Checks every supported file under `root` (a directory, or one file)
/// with `checkers`, except what `skip` skips. Unreadable or unparsable
/// files are a one-line warning naming the file; the scan goes on.
pub fn scan(
    root: &Path,
    checkers: &[&dyn Checker],
    skip: &Skip,
    options: &CheckOptions,
) -> ConfigScan {
    let checked = Mutex::new(Vec::new());
    let deferred = Mutex::new(Vec::new());
    walker(root, skip).build_parallel().run(|| {
        let (checked, deferred) = (&checked, &deferred);
        Box::new(move |entry| {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    let rel = relative(root, entry.path());
                    let found = if entry.file_name() == helm::CHART_FILE {
                        if helm::is_subchart(entry.path()) {
                            Vec::new() // rendered with its parent chart
                        } else {
                            check_chart(entry.path(), &rel, options)
                        }
                    } else if helm::is_template_name(&rel) && helm::in_chart(root, entry.path()) {
                        Vec::new() // checked through its chart
                    } else {
                        match check_file(entry.path(), &rel, checkers, options) {
                            Some(Outcome::Checked(found)) => vec![found],
                            Some(Outcome::Deferred(index, content)) => {
                                if let Ok(mut all) = deferred.lock() {
                                    all.push((index, rel, content));
                                }
                                Vec::new()
                            }
                            None => Vec::new(),
                        }
                    };
                    if let Ok(mut all) = checked.lock() {
                        all.extend(found);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("{e}"),
            }
            WalkState::Continue
        })
    });
    let mut checked = checked.into_inner().unwrap_or_else(|e| e.into_inner());
    let deferred = deferred.into_inner().unwrap_or_else(|e| e.into_inner());
    checked.extend(check_deferred(checkers, deferred));
    checked.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    let mut result = ConfigScan::default();
    for (index, one) in checked.into_iter().enumerate() {
        result.files.push(one.file);
        result
            .findings
            .extend(one.findings.into_iter().map(|mut f| {
                f.target = TargetRef::ConfigFile(index);
                f
            }));
        result.inline.extend(one.inline);
    }
    result
}

/// The walk of the tree at `root`, shared by [`scan`] and `scangate
/// manifests` so both read the same files: `.gitignore` respected, `.git`
/// and what `skip` skips left out, files over [`MAX_FILE_SIZE`] never
/// opened.
pub(crate) fn walker(root: &Path, skip: &Skip) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_global(false)
        .require_git(false)
        .max_filesize(Some(MAX_FILE_SIZE))
        .filter_entry({
            let (root, skip) = (root.to_path_buf(), skip.clone());
            move |e| {
                e.file_name() != ".git"
                    && (e.depth() == 0 || {
                        let rel = relative(&root, e.path());
                        if e.file_type().is_some_and(|t| t.is_dir()) {
                            !skip.skips_dir(&rel)
                        } else {
                            !skip.skips_file(&rel)
                        }
                    })
            }
        });
    builder
}

/// The rendered templates of the chart whose `Chart.yaml` is at `path`
/// (`rel`), checked; none, with one warning naming the chart, when it
/// cannot be rendered.
fn check_chart(path: &Path, rel: &str, options: &CheckOptions) -> Vec<Checked> {
    let dir = path.parent().unwrap_or(path);
    let chart_rel = rel.rsplit_once('/').map_or("", |(d, _)| d);
    match helm::check_chart(dir, chart_rel, options) {
        Ok(templates) => templates
            .into_iter()
            .map(|t| {
                let content = t.content.unwrap_or_default();
                Checked {
                    findings: t
                        .violations
                        .into_iter()
                        .map(|v| v.into_finding(&t.path, 0, &content))
                        .collect(),
                    inline: InlineIgnores::from_comments(&t.path, &content),
                    file: ConfigFile {
                        path: t.path,
                        file_type: FileType::Kubernetes,
                    },
                }
            })
            .collect(),
        Err(reason) => {
            tracing::warn!("{rel}: Helm chart skipped: {reason}");
            Vec::new()
        }
    }
}

/// A walked file: checked, or kept (with the index of its checker and its
/// text) to be checked with the other files of a [`Checker::together`]
/// checker.
enum Outcome {
    Checked(Checked),
    Deferred(usize, String),
}

/// Runs each together-checker on its deferred files, in path order.
fn check_deferred(
    checkers: &[&dyn Checker],
    mut deferred: Vec<(usize, String, String)>,
) -> Vec<Checked> {
    deferred.sort();
    let mut out = Vec::new();
    for (index, checker) in checkers.iter().enumerate() {
        let files: Vec<(String, String)> = deferred
            .iter()
            .filter(|(i, _, _)| *i == index)
            .map(|(_, rel, content)| (rel.clone(), content.clone()))
            .collect();
        if files.is_empty() {
            continue;
        }
        for (rel, result) in checker.check_together(&files) {
            let Some((_, content)) = files.iter().find(|(path, _)| *path == rel) else {
                continue;
            };
            out.extend(to_checked(*checker, &rel, content, result));
        }
    }
    out
}

/// A checked file's target and findings, or a warning for a file that
/// could not be parsed.
fn to_checked(
    checker: &dyn Checker,
    rel: &str,
    content: &str,
    result: Result<Vec<Violation>, String>,
) -> Option<Checked> {
    match result {
        Ok(violations) => Some(Checked {
            file: ConfigFile {
                path: rel.to_string(),
                file_type: checker.file_type(),
            },
            findings: violations
                .into_iter()
                .map(|v| v.into_finding(rel, 0, content))
                .collect(),
            inline: InlineIgnores::from_comments(rel, content),
        }),
        Err(reason) if content.contains("{{") => {
            // Helm charts and other templates are not YAML until rendered.
            tracing::info!("{rel}: skipped, looks like a template: {reason}");
            None
        }
        Err(reason) => {
            tracing::warn!("{rel}: skipped, cannot parse: {reason}");
            None
        }
    }
}

fn check_file(
    path: &Path,
    rel: &str,
    checkers: &[&dyn Checker],
    options: &CheckOptions,
) -> Option<Outcome> {
    let wanting: Vec<&dyn Checker> = checkers.iter().copied().filter(|c| c.wants(rel)).collect();
    if wanting.is_empty() {
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!("{rel}: cannot read: {e}");
            return None;
        }
    };
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return None;
    }
    let Ok(content) = std::str::from_utf8(&bytes) else {
        tracing::warn!("{rel}: skipped: not UTF-8 text");
        return None;
    };
    let checker = wanting.into_iter().find(|c| c.accepts(content))?;
    if checker.together() {
        let index = checkers
            .iter()
            .position(|c| std::ptr::addr_eq(*c, checker))?;
        return Some(Outcome::Deferred(index, content.to_string()));
    }
    let result = checker.check_with(rel, content, options);
    to_checked(checker, rel, content, result).map(Outcome::Checked)
}
