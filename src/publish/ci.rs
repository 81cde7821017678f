//! Publishing a finished scan from `scangate ci`: which reports a CI
//! needs on disk, the code-scanning upload, the living PR comment or MR
//! note, and the job summary and step outputs. The command
//! (`crate::ci`) scans and writes the reports; this module takes the
//! finished [`ScanResult`] and plain [`Settings`], and knows nothing of the
//! command line or of how the scan ran.
//!
//! Order matters: secrets are masked before anything is printed; reports
//! are on disk before any API call, so a failing API loses nothing;
//! publishing problems are warnings that say what was skipped and why, and
//! change the exit code (to 3) only with `strict`; the job summary and the
//! step outputs come last, so they carry the exit code the step ends with,
//! and are written on every exit code, a failed scan included.

use super::ci_env::{Ci, Env, GitHub, GitLab, Secret, SECRET_VARIABLES};
use super::github::{self, Annotation, CommentAction, Level, Processing};
use super::gitlab::{self, NoteAction};
use super::retry::Timing;
use super::{comment_body, comment_marker, PublishError};
use crate::error::EXIT_SCAN_FAILED;
use crate::finding::Location;
use crate::matching::severity::Severity;
use crate::policy::counts;
use crate::report::markdown::{self, MarkdownOptions};
use crate::report::{Format, ReportSpec, ScanResult};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The category of an image scan when none is given (`scangate/fs` and
/// `scangate/config` for the repository).
pub const DEFAULT_CATEGORY: &str = "scangate/image";
/// The SARIF file `scangate ci` writes for upload in GitHub Actions.
pub const DEFAULT_SARIF: &str = "scangate.sarif";
/// The report files a GitLab pipeline's `artifacts:reports` expect.
pub const GITLAB_REPORTS: &[(&str, &str)] = &[
    ("gitlab", "gl-container-scanning-report.json"),
    ("gitlab-codequality", "gl-code-quality-report.json"),
    ("gitlab-secret-detection", "gl-secret-detection-report.json"),
    (
        "gitlab-dependency-scanning",
        "gl-dependency-scanning-report.json",
    ),
    ("gitlab-sast", "gl-sast-report.json"),
];

/// How to publish: plain values the command fills from its flags.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A publishing problem fails the step (exit 3).
    pub strict: bool,
    pub upload_sarif: bool,
    pub pr_comment: bool,
    /// The token given explicitly (`--github-token`); else the CI's.
    pub github_token: Option<Secret>,
    /// Upload this SARIF file instead of the one scangate writes.
    pub sarif_file: Option<PathBuf>,
    /// The analysis category; also names the living comment.
    pub category: String,
    /// An image was scanned: GitLab gets a container-scanning report. The
    /// code-quality report is written whatever was scanned.
    pub image_scan: bool,
    /// Secrets were looked for: GitLab gets a secret-detection report.
    pub secret_scan: bool,
    /// A repository's lockfiles were checked for vulnerabilities (`fs`):
    /// GitLab gets a dependency-scanning report.
    pub dependency_scan: bool,
    /// The repository's config files are checked: GitLab gets a SAST
    /// report.
    pub config_scan: bool,
}

/// Publishing problems and what went well, in order.
#[derive(Debug, Default)]
pub struct Log {
    problems: usize,
}

impl Log {
    /// Something requested could not be done: a warning (an error for
    /// `strict`).
    fn problem(&mut self, message: impl std::fmt::Display) {
        self.problems += 1;
        tracing::warn!("{message}");
    }

    fn done(&self, message: impl std::fmt::Display) {
        eprintln!("scangate: {message}");
    }

    /// The exit code the step ends with: the gate's, or 3 when something
    /// could not be published and `strict` is set.
    pub fn exit_code(&self, settings: &Settings, gate_code: u8) -> u8 {
        if self.problems > 0 && settings.strict {
            eprintln!(
                "error: {} publishing step(s) failed and --strict-publish is set",
                self.problems
            );
            return u8::try_from(EXIT_SCAN_FAILED).unwrap_or(3);
        }
        gate_code
    }
}

/// A report format by its `--format` name, when this build has it.
fn format_named(name: &str) -> Option<Format> {
    <Format as clap::ValueEnum>::from_str(name, true).ok()
}

/// Masks every secret scangate may print near (GitHub's `::add-mask::`),
/// before anything else is printed.
pub fn mask_secrets(ci: &Ci, env: &Env, extra: &[&str]) {
    if let Ci::GitHub(_) = ci {
        let mut secrets: Vec<&str> = SECRET_VARIABLES.iter().filter_map(|v| env.get(v)).collect();
        secrets.extend(extra.iter().copied().filter(|s| !s.trim().is_empty()));
        print_stdout(&github::mask_commands(secrets));
    }
}

/// Adds the reports the CI needs to `specs`: the SARIF file to upload
/// (GitHub), the security and code-quality reports (GitLab). Returns the
/// SARIF file to upload, if any.
pub fn plan_reports(ci: &Ci, settings: &Settings, specs: &mut Vec<ReportSpec>) -> Option<PathBuf> {
    match ci {
        Ci::GitHub(gh) if settings.upload_sarif => sarif_to_upload(gh, settings, specs),
        Ci::GitLab(gl) => {
            add_gitlab_reports(gl, settings, specs);
            None
        }
        _ => None,
    }
}

/// Uploads and comments (GitHub) or keeps the MR note (GitLab); returns
/// the log of what could not be done.
pub fn publish(
    ci: &Ci,
    settings: &Settings,
    result: &ScanResult,
    sarif_path: Option<&Path>,
    env: &Env,
) -> Log {
    let mut log = Log::default();
    let timing = Timing::from_env(env);
    match ci {
        Ci::GitHub(gh) => publish_github(gh, settings, result, sarif_path, timing, &mut log),
        Ci::GitLab(gl) => publish_gitlab(gl, settings, result, timing, &mut log),
        Ci::Other => {}
    }
    log
}

/// The job summary, step outputs and annotations of a finished scan
/// (GitHub Actions), carrying the step's real `exit_code`.
pub fn record(
    ci: &Ci,
    result: &ScanResult,
    exit_code: u8,
    sarif_path: Option<&Path>,
    written: &[&Path],
) {
    let Ci::GitHub(gh) = ci else {
        return;
    };
    let mut outputs = step_outputs(result, exit_code);
    if let Some(path) = sarif_path {
        outputs.push(("sarif", shown_path(gh, path)));
    }
    let reports: Vec<String> = written.iter().map(|p| shown_path(gh, p)).collect();
    outputs.push(("reports", reports.join("\n")));
    write_summary_and_outputs(gh, &summary_markdown(result, true), &outputs);
    print_stdout(&github::annotation_commands(&annotations(result)));
}

/// The job summary and step outputs of a scan that failed before it had
/// a result (GitHub Actions): what failed, and the exit code.
pub fn record_failure(ci: &Ci, exit_code: u8, message: &str) {
    let Ci::GitHub(gh) = ci else {
        return;
    };
    let summary = format!(
        "## ⚠️ scangate: the scan did not run to the end\n\n{}\n\nExit code {exit_code}: see the step's log.\n",
        markdown::escape(message)
    );
    let outputs = vec![
        ("gate", "error".to_string()),
        ("exit-code", exit_code.to_string()),
    ];
    write_summary_and_outputs(gh, &summary, &outputs);
}

fn write_summary_and_outputs(gh: &GitHub, summary: &str, outputs: &[(&str, String)]) {
    if let Some(path) = &gh.step_summary {
        if let Err(e) = github::append_step_summary(path, summary) {
            tracing::warn!("job summary not written: {}: {e}", path.display());
        }
    }
    if let Some(path) = &gh.output {
        let text = github::output_lines(outputs);
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            tracing::warn!("step outputs not written: {}: {e}", path.display());
        }
    }
}

/// A path as later steps can open it: relative to the workspace when it
/// lies inside it (steps run on the host, where the container's
/// `/github/workspace` does not exist, with the workspace as their working
/// directory), else as it is.
fn shown_path(gh: &GitHub, path: &Path) -> String {
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    gh.workspace
        .as_deref()
        .and_then(|ws| absolute.strip_prefix(ws).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The SARIF file to upload: the given `sarif_file`, else the SARIF report
/// the user asked for, else `scangate.sarif` in the workspace (added to
/// `specs`). `None` when this build writes no SARIF.
fn sarif_to_upload(
    gh: &GitHub,
    settings: &Settings,
    specs: &mut Vec<ReportSpec>,
) -> Option<PathBuf> {
    if let Some(path) = &settings.sarif_file {
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
/// already asked for that format. A security report is written only for
/// what was scanned: a config-only scan has no container-scanning report,
/// an image scan no dependency-scanning report, a scan without the config
/// checks no SAST report, a scan without the secret scanner no
/// secret-detection report (an empty one would tell GitLab the repository
/// was checked and is clean).
fn add_gitlab_reports(gl: &GitLab, settings: &Settings, specs: &mut Vec<ReportSpec>) {
    let dir = gl.project_dir.as_deref().unwrap_or(Path::new("."));
    for (name, file) in GITLAB_REPORTS {
        let scanned = match *name {
            "gitlab" => settings.image_scan,
            "gitlab-dependency-scanning" => settings.dependency_scan,
            "gitlab-sast" => settings.config_scan,
            "gitlab-secret-detection" => settings.secret_scan,
            _ => true,
        };
        if !scanned {
            continue;
        }
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

fn publish_github(
    gh: &GitHub,
    settings: &Settings,
    result: &ScanResult,
    sarif_path: Option<&Path>,
    timing: Timing,
    log: &mut Log,
) {
    let upload = settings.upload_sarif;
    let comment = settings.pr_comment && gh.pull_request.is_some();
    if settings.pr_comment && gh.pull_request.is_none() {
        tracing::info!(
            "no PR comment: the {} event is not a pull request",
            gh.event_name.as_deref().unwrap_or("unknown")
        );
    }
    if !upload && !comment {
        return;
    }
    let token = settings.github_token.clone().or_else(|| gh.token.clone());
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
        let marker = comment_marker(&settings.category);
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
    settings: &Settings,
    result: &ScanResult,
    timing: Timing,
    log: &mut Log,
) {
    if !settings.pr_comment {
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
    let marker = comment_marker(&settings.category);
    let body = comment_body(&marker, &summary_markdown(result, false));
    let outcome = gitlab::Publisher::new(api, project, token, timing)
        .and_then(|p| runtime()?.block_on(p.upsert_note(iid, &body, &marker)));
    match outcome {
        Ok(NoteAction::Created(id)) => log.done(format!("MR !{iid} note created (id {id})")),
        Ok(NoteAction::Updated(id)) => log.done(format!("MR !{iid} note updated (id {id})")),
        Err(e) => log.problem(format!("MR note skipped: {e}")),
    }
}

/// Step outputs: counts by severity, the total, the gate, and the exit
/// code the step ends with.
fn step_outputs(result: &ScanResult, exit_code: u8) -> Vec<(&'static str, String)> {
    let c = counts(result.outcome.findings.iter().map(|r| &r.finding));
    let gate = if result.outcome.gate.failed {
        "failed"
    } else {
        "passed"
    };
    vec![
        ("critical", c.critical.to_string()),
        ("high", c.high.to_string()),
        ("medium", c.medium.to_string()),
        ("low", c.low.to_string()),
        ("unknown", c.unknown.to_string()),
        ("total", c.total().to_string()),
        ("gate", gate.to_string()),
        ("exit-code", exit_code.to_string()),
    ]
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
