//! `scangate ci`: scan, write every report to disk, publish, and exit with
//! the gate's code.
//!
//! Order matters: secrets are masked before anything is printed; reports
//! are on disk before any API call, so a failing API loses nothing;
//! publishing problems are warnings that say what was skipped and why, and
//! change the exit code (to 3) only with `--strict-publish`.

use super::ci_env::{Ci, Env, GitHub, GitLab, Secret, SECRET_VARIABLES};
use super::github::{self, Annotation, CommentAction, Level, Processing};
use super::gitlab::{self, NoteAction};
use super::retry::Timing;
use super::{comment_body, comment_marker, PublishError};
use crate::cli::{CiArgs, PublishArgs};
use crate::error::{Result, EXIT_SCAN_FAILED};
use crate::finding::Location;
use crate::matching::severity::Severity;
use crate::policy::counts;
use crate::report::markdown::{self, MarkdownOptions};
use crate::report::{Format, ReportSpec, ScanResult};
use crate::run as pipeline;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The category when none is given.
pub const DEFAULT_CATEGORY: &str = "scangate/image";
/// The SARIF file `scangate ci` writes for upload in GitHub Actions.
pub const DEFAULT_SARIF: &str = "scangate.sarif";
/// The report files a GitLab pipeline's `artifacts:reports` expect.
pub const GITLAB_REPORTS: &[(&str, &str)] = &[
    ("gitlab", "gl-container-scanning-report.json"),
    ("gitlab-codequality", "gl-code-quality-report.json"),
];

/// Publishing problems and what went well, in order.
#[derive(Debug, Default)]
struct Log {
    problems: usize,
}

impl Log {
    /// Something requested could not be done: a warning (an error for
    /// `--strict-publish`).
    fn problem(&mut self, message: impl std::fmt::Display) {
        self.problems += 1;
        tracing::warn!("{message}");
    }

    fn done(&self, message: impl std::fmt::Display) {
        eprintln!("scangate: {message}");
    }
}

/// A report format by its `--format` name, when this build has it (the
/// SARIF and GitLab formats are separate modules).
fn format_named(name: &str) -> Option<Format> {
    <Format as clap::ValueEnum>::from_str(name, true).ok()
}

/// Runs `scangate ci`; returns the exit code.
pub fn run(args: CiArgs, cache_dir: &Path, env: &Env) -> Result<u8> {
    let (ci, warnings) = Ci::detect(env);
    if let Ci::GitHub(_) = ci {
        let mut secrets: Vec<&str> = SECRET_VARIABLES.iter().filter_map(|v| env.get(v)).collect();
        secrets.extend(args.publish.github_token.as_deref());
        secrets.extend(args.image.registry.password.as_deref());
        print_stdout(&github::mask_commands(secrets));
    }
    for w in warnings {
        tracing::warn!("{w}");
    }
    let publish = &args.publish;
    let scan_args = &args.image.scan;
    let mut specs = scan_args.reports.specs();
    let sarif_path = match &ci {
        Ci::GitHub(gh) if publish.upload_sarif() => sarif_to_upload(gh, publish, &mut specs),
        _ => None,
    };
    if let Ci::GitLab(gl) = &ci {
        add_gitlab_reports(gl, &mut specs);
    }
    pipeline::check_outputs(&specs)?;
    let source = pipeline::image_source(&args.image, cache_dir)?;
    let scanners = pipeline::scanners(scan_args, None)?;
    let (result, options) =
        pipeline::scan_result(source.as_ref(), scan_args, cache_dir, &scanners, None)?;
    pipeline::write_reports(&result, &specs, options)?;
    let gate_code = result.outcome.gate.exit_code;

    // The SARIF category (`--category`) also names the living comment.
    let category = scan_args
        .reports
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_CATEGORY);
    let mut log = Log::default();
    let timing = Timing::from_env(env);
    match &ci {
        Ci::GitHub(gh) => {
            let written: Vec<&Path> = specs.iter().filter_map(|s| s.path.as_deref()).collect();
            publish_github(
                gh,
                publish,
                &result,
                category,
                sarif_path.as_deref(),
                &written,
                timing,
                &mut log,
            )
        }
        Ci::GitLab(gl) => publish_gitlab(gl, publish, &result, category, timing, &mut log),
        Ci::Other => {}
    }
    if log.problems > 0 && publish.strict_publish {
        eprintln!(
            "error: {} publishing step(s) failed and --strict-publish is set",
            log.problems
        );
        return Ok(u8::try_from(EXIT_SCAN_FAILED).unwrap_or(3));
    }
    Ok(gate_code)
}

/// The SARIF file to upload: `--sarif-file`, else the SARIF report the
/// user asked for, else `scangate.sarif` in the workspace (added to
/// `specs`). `None` when this build writes no SARIF.
fn sarif_to_upload(
    gh: &GitHub,
    publish: &PublishArgs,
    specs: &mut Vec<ReportSpec>,
) -> Option<PathBuf> {
    if let Some(path) = &publish.sarif_file {
        return Some(path.clone());
    }
    let format = format_named("sarif")?;
    if let Some(path) = specs
        .iter()
        .find(|s| s.format == format)
        .and_then(|s| s.path.clone())
    {
        return Some(path);
    }
    let path = gh
        .workspace
        .as_deref()
        .unwrap_or(Path::new("."))
        .join(DEFAULT_SARIF);
    specs.push(ReportSpec {
        format,
        path: Some(path.clone()),
    });
    Some(path)
}

/// The GitLab report artifacts, in `CI_PROJECT_DIR`, unless the user
/// already asked for that format.
fn add_gitlab_reports(gl: &GitLab, specs: &mut Vec<ReportSpec>) {
    let dir = gl.project_dir.as_deref().unwrap_or(Path::new("."));
    for (name, file) in GITLAB_REPORTS {
        let Some(format) = format_named(name) else {
            tracing::warn!("not writing {file}: this scangate build has no `{name}` report format");
            continue;
        };
        if !specs.iter().any(|s| s.format == format) {
            specs.push(ReportSpec {
                format,
                path: Some(dir.join(file)),
            });
        }
    }
}

fn print_stdout(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
}

fn runtime() -> std::result::Result<tokio::runtime::Runtime, PublishError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Setup(format!("async runtime: {e}")))
}

#[allow(clippy::too_many_arguments)]
fn publish_github(
    gh: &GitHub,
    publish: &PublishArgs,
    result: &ScanResult,
    category: &str,
    sarif_path: Option<&Path>,
    written: &[&Path],
    timing: Timing,
    log: &mut Log,
) {
    if let Some(path) = &gh.step_summary {
        if let Err(e) = github::append_step_summary(path, &summary_markdown(result, true)) {
            log.problem(format!("job summary not written: {}: {e}", path.display()));
        }
    }
    if let Some(path) = &gh.output {
        let text = github::output_lines(&step_outputs(result, sarif_path, written));
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            log.problem(format!("step outputs not written: {}: {e}", path.display()));
        }
    }
    print_stdout(&github::annotation_commands(&annotations(result)));

    let upload = publish.upload_sarif();
    let comment = publish.pr_comment() && gh.pull_request.is_some();
    if publish.pr_comment() && gh.pull_request.is_none() {
        tracing::info!(
            "no PR comment: the {} event is not a pull request",
            gh.event_name.as_deref().unwrap_or("unknown")
        );
    }
    if !upload && !comment {
        return;
    }
    let token = publish
        .github_token
        .as_deref()
        .map(Secret::new)
        .or_else(|| gh.token.clone());
    let wanted = match (upload, comment) {
        (true, true) => "SARIF upload and PR comment",
        (true, false) => "SARIF upload",
        _ => "PR comment",
    };
    let Some(token) = token else {
        log.problem(format!(
            "{wanted} skipped: no GitHub token (set the action's `github-token` input, GITHUB_TOKEN, or --github-token)"
        ));
        return;
    };
    let Some((owner, repo)) = gh.owner_repo() else {
        log.problem(format!(
            "{wanted} skipped: GITHUB_REPOSITORY is not set as owner/name"
        ));
        return;
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return log.problem(format!("{wanted} skipped: {e}")),
    };
    // octocrab's client spawns its buffer task on the current runtime.
    let _entered = rt.enter();
    let publisher = match github::Publisher::new(&gh.api_url, &token, owner, repo, timing) {
        Ok(p) => p,
        Err(e) => return log.problem(format!("{wanted} skipped: {e}")),
    };
    if upload {
        rt.block_on(upload_sarif(gh, &publisher, sarif_path, log));
    }
    if let (true, Some(pr)) = (comment, &gh.pull_request) {
        let marker = comment_marker(category);
        let body = comment_body(&marker, &summary_markdown(result, false));
        match rt.block_on(publisher.upsert_comment(pr.number, &body, &marker)) {
            Ok(CommentAction::Created(id)) => {
                log.done(format!("PR #{} comment created (id {id})", pr.number))
            }
            Ok(CommentAction::Updated(id)) => {
                log.done(format!("PR #{} comment updated (id {id})", pr.number))
            }
            Err(e) => log.problem(format!("PR comment skipped: {e}")),
        }
    }
}

async fn upload_sarif(
    gh: &GitHub,
    publisher: &github::Publisher,
    sarif_path: Option<&Path>,
    log: &mut Log,
) {
    let Some(path) = sarif_path else {
        return log.problem(
            "SARIF upload skipped: this scangate build writes no SARIF report; pass --sarif-file or --no-upload-sarif",
        );
    };
    let sarif = match std::fs::read(path) {
        Ok(s) => s,
        Err(e) => return log.problem(format!("SARIF upload skipped: {}: {e}", path.display())),
    };
    let Some((sha, git_ref)) = gh.upload_target() else {
        return log.problem(
            "SARIF upload skipped: GITHUB_SHA/GITHUB_REF (or the pull request's head commit) are not set",
        );
    };
    let checkout_uri = gh
        .workspace
        .as_ref()
        .map(|w| format!("file://{}", w.display()));
    let id = match publisher
        .upload_sarif(&sarif, &sha, &git_ref, checkout_uri.as_deref(), "scangate")
        .await
    {
        Ok(id) => id,
        Err(e) => return log.problem(format!("SARIF upload skipped: {e}")),
    };
    match publisher.wait_for_processing(&id).await {
        Ok(Processing::Complete) => log.done(format!(
            "SARIF uploaded to code scanning for {git_ref} ({sha}), upload {id}: processing complete"
        )),
        Ok(Processing::Failed(errors)) => log.problem(format!(
            "GitHub failed to process the SARIF upload {id}: {}",
            if errors.is_empty() {
                "(no errors given)".to_string()
            } else {
                errors.join("; ")
            }
        )),
        Ok(Processing::Pending) => log.done(format!(
            "SARIF uploaded (upload {id}); GitHub was still processing it when scangate stopped waiting"
        )),
        Err(e) => log.problem(format!(
            "SARIF uploaded (upload {id}), but its processing status is unknown: {e}"
        )),
    }
}

fn publish_gitlab(
    gl: &GitLab,
    publish: &PublishArgs,
    result: &ScanResult,
    category: &str,
    timing: Timing,
    log: &mut Log,
) {
    if !publish.pr_comment() {
        return;
    }
    let Some(iid) = gl.merge_request_iid else {
        tracing::info!("no MR note: not a merge-request pipeline (no CI_MERGE_REQUEST_IID)");
        return;
    };
    let Some(token) = &gl.token else {
        return log.problem(
            "MR note skipped: no SCANGATE_GITLAB_TOKEN (CI_JOB_TOKEN cannot write merge-request notes; store a project access token with `api` scope as a masked CI/CD variable)",
        );
    };
    let (Some(api), Some(project)) = (&gl.api_url, &gl.project_id) else {
        return log.problem("MR note skipped: CI_API_V4_URL or CI_PROJECT_ID is not set");
    };
    let marker = comment_marker(category);
    let body = comment_body(&marker, &summary_markdown(result, false));
    let outcome = gitlab::Publisher::new(api, project, token, timing)
        .and_then(|p| runtime()?.block_on(p.upsert_note(iid, &body, &marker)));
    match outcome {
        Ok(NoteAction::Created(id)) => log.done(format!("MR !{iid} note created (id {id})")),
        Ok(NoteAction::Updated(id)) => log.done(format!("MR !{iid} note updated (id {id})")),
        Err(e) => log.problem(format!("MR note skipped: {e}")),
    }
}

/// Step outputs: counts by severity, the total, the gate, report paths.
fn step_outputs(
    result: &ScanResult,
    sarif: Option<&Path>,
    written: &[&Path],
) -> Vec<(&'static str, String)> {
    let c = counts(result.outcome.findings.iter().map(|r| &r.finding));
    let gate = if result.outcome.gate.failed {
        "failed"
    } else {
        "passed"
    };
    let mut out = vec![
        ("critical", c.critical.to_string()),
        ("high", c.high.to_string()),
        ("medium", c.medium.to_string()),
        ("low", c.low.to_string()),
        ("unknown", c.unknown.to_string()),
        ("total", c.total().to_string()),
        ("gate", gate.to_string()),
        ("exit-code", result.outcome.gate.exit_code.to_string()),
    ];
    if let Some(path) = sarif {
        out.push(("sarif", path.display().to_string()));
    }
    let reports: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    out.push(("reports", reports.join("\n")));
    out
}

/// Annotations for findings that point at lines of a file.
fn annotations(result: &ScanResult) -> Vec<Annotation> {
    result
        .outcome
        .findings
        .iter()
        .filter_map(|r| {
            let f = &r.finding;
            let Location::Lines {
                path,
                start_line,
                end_line,
            } = &f.location
            else {
                return None;
            };
            let level = match f.severity {
                Severity::Critical | Severity::High => Level::Error,
                Severity::Medium => Level::Warning,
                Severity::Low | Severity::Unknown => Level::Notice,
            };
            let message = match &f.detail {
                crate::finding::Detail::Misconfiguration(m) if !m.message.is_empty() => {
                    m.message.clone()
                }
                _ => f.title.clone(),
            };
            Some(Annotation {
                level,
                file: path.clone(),
                line: *start_line,
                end_line: *end_line,
                title: format!("{} ({}): {}", f.id, f.severity, f.title),
                message,
            })
        })
        .collect()
}

/// The Markdown of the PR comment (the report format's default size, which
/// leaves room for the marker under GitHub's 65,536) or of the job summary
/// (up to its 1 MiB).
fn summary_markdown(result: &ScanResult, for_summary: bool) -> String {
    let defaults = MarkdownOptions::default();
    let options = if for_summary {
        MarkdownOptions {
            max_chars: github::STEP_SUMMARY_LIMIT - 4096,
            table_rows: defaults.table_rows.max(50),
        }
    } else {
        defaults
    };
    markdown::render(result, &options)
}
