//! GitHub: code-scanning SARIF upload, one living pull-request comment, and
//! the runner's files and workflow commands (job summary, step outputs,
//! annotations, masks).
//!
//! API calls go through octocrab (its base URI comes from `GITHUB_API_URL`,
//! so GitHub Enterprise Server and test stubs work). They use octocrab's
//! raw `_get`/`_post`/`_patch` methods rather than its typed API: the
//! retry policy needs each response's status and `Retry-After`/
//! `x-ratelimit-*` headers, the SARIF body is our own gzip+base64 string,
//! and the sarif-status endpoint's `errors[]` must be reported verbatim.
//! Paths are relative so octocrab adds the token only for the configured
//! API host.

use super::ci_env::Secret;
use super::retry::{self, Reply, Timing};
use super::PublishError;
use crate::redact::Redactor;
use base64::Engine as _;
use http_body_util::BodyExt as _;
use octocrab::Octocrab;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

/// A client for one repository's API.
pub struct Publisher {
    octo: Octocrab,
    redactor: Redactor,
    owner: String,
    repo: String,
    timing: Timing,
}

/// GitHub's `message`, else the body's start.
fn message(reply: &Reply) -> String {
    match reply.json()["message"].as_str() {
        Some(m) => m.to_string(),
        None => reply.body.chars().take(200).collect(),
    }
}

/// What a SARIF upload came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processing {
    Complete,
    /// GitHub rejected the analysis; its `errors[]` as given.
    Failed(Vec<String>),
    /// Still pending when polling stopped.
    Pending,
}

/// What happened to the living comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAction {
    Created(u64),
    Updated(u64),
}

impl Publisher {
    /// A client for `owner/repo` at `api_url` with `token`.
    pub fn new(
        api_url: &str,
        token: &Secret,
        owner: &str,
        repo: &str,
        timing: Timing,
    ) -> Result<Publisher, PublishError> {
        let octo = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| PublishError::Setup(format!("GITHUB_API_URL {api_url:?}: {e}")))?
            .personal_token(token.expose().to_string())
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| PublishError::Setup(format!("GitHub client: {e}")))?;
        let mut redactor = Redactor::default();
        redactor.add(Some("x-access-token"), token.expose());
        Ok(Publisher {
            octo,
            redactor,
            owner: owner.to_string(),
            repo: repo.to_string(),
            timing,
        })
    }

    /// One call with retries on 5xx, connection errors and rate limits.
    async fn call(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PublishError> {
        let what = format!("{method} {path}");
        retry::send_with_retries(&what, &self.timing, true, || async {
            let response = match method {
                http::Method::POST => self.octo._post(path, body).await,
                http::Method::PATCH => self.octo._patch(path, body).await,
                _ => self.octo._get(path).await,
            }
            .map_err(|e| retry::Incomplete(super::error_chain(&e)))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            // A body that breaks off or runs past the limit is an error
            // (retried), never a shorter answer: a cut comment list read
            // as "no comment yet" would post a second living comment.
            let body = http_body_util::Limited::new(response.into_body(), retry::MAX_BODY)
                .collect()
                .await
                .map_err(|e| retry::Incomplete(format!("the answer's body: {e}")))?
                .to_bytes();
            let body = String::from_utf8(body.to_vec())
                .map_err(|_| retry::Incomplete("the answer is not UTF-8 text".into()))?;
            Ok::<_, retry::Incomplete>(Reply {
                status,
                headers,
                body,
            })
        })
        .await
    }

    /// The error for a failed call; the server's words pass through the
    /// redactor (an error body may quote the token back).
    fn fail(&self, what: &str, reply: &Reply) -> PublishError {
        PublishError::from_status(what, reply.status, self.redactor.apply(&message(reply)))
    }

    /// Uploads `sarif` (gzip then base64, as the endpoint wants) for
    /// `commit_sha` on `git_ref`; returns the upload's id.
    pub async fn upload_sarif(
        &self,
        sarif: &[u8],
        commit_sha: &str,
        git_ref: &str,
        checkout_uri: Option<&str>,
        tool_name: &str,
    ) -> Result<String, PublishError> {
        let mut body = json!({
            "commit_sha": commit_sha,
            "ref": git_ref,
            "sarif": gzip_base64(sarif),
            "tool_name": tool_name,
        });
        if let Some(uri) = checkout_uri {
            body["checkout_uri"] = json!(uri);
        }
        let path = format!("/repos/{}/{}/code-scanning/sarifs", self.owner, self.repo);
        let reply = self.call(http::Method::POST, &path, Some(&body)).await?;
        if !(200..300).contains(&reply.status) {
            return Err(self.fail("SARIF upload", &reply));
        }
        reply.json()["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| PublishError::Http {
                what: "SARIF upload".into(),
                status: reply.status,
                message: "the answer has no upload id".into(),
            })
    }

    /// Polls the upload's processing status until complete or failed, or
    /// until the poll timeout (backing off from 1 s to 15 s).
    pub async fn wait_for_processing(&self, id: &str) -> Result<Processing, PublishError> {
        let path = format!(
            "/repos/{}/{}/code-scanning/sarifs/{id}",
            self.owner, self.repo
        );
        let started = Instant::now();
        let mut delay = self.timing.backoff.min(Duration::from_secs(1));
        loop {
            let reply = self.call(http::Method::GET, &path, None).await?;
            if !(200..300).contains(&reply.status) {
                return Err(self.fail("SARIF status", &reply));
            }
            let v = reply.json();
            match v["processing_status"].as_str() {
                Some("complete") => return Ok(Processing::Complete),
                Some("failed") => {
                    let errors = v["errors"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    return Ok(Processing::Failed(errors));
                }
                _ => {}
            }
            if started.elapsed() + delay > self.timing.poll_timeout {
                return Ok(Processing::Pending);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(15));
        }
    }

    /// Updates the PR comment that holds `marker`, or creates it when there
    /// is none (comments are read 100 a page, every page).
    pub async fn upsert_comment(
        &self,
        pr: u64,
        body: &str,
        marker: &str,
    ) -> Result<CommentAction, PublishError> {
        let mut page = 1;
        let existing = loop {
            let path = format!(
                "/repos/{}/{}/issues/{pr}/comments?per_page=100&page={page}",
                self.owner, self.repo
            );
            let reply = self.call(http::Method::GET, &path, None).await?;
            if !(200..300).contains(&reply.status) {
                return Err(self.fail("listing PR comments", &reply));
            }
            let Some(comments) = reply.json().as_array().cloned() else {
                return Err(PublishError::Http {
                    what: "listing PR comments".into(),
                    status: reply.status,
                    message: "the answer is not a JSON list of comments".into(),
                });
            };
            if let Some(id) = comments.iter().find_map(|c| {
                c["body"]
                    .as_str()
                    .filter(|b| b.contains(marker))
                    .and(c["id"].as_u64())
            }) {
                break Some(id);
            }
            let has_next = reply
                .headers
                .get("link")
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.contains("rel=\"next\""));
            if comments.len() < 100 && !has_next || comments.is_empty() || page >= 100 {
                break None;
            }
            page += 1;
        };
        let payload = json!({ "body": body });
        match existing {
            Some(id) => {
                let path = format!("/repos/{}/{}/issues/comments/{id}", self.owner, self.repo);
                let reply = self
                    .call(http::Method::PATCH, &path, Some(&payload))
                    .await?;
                if !(200..300).contains(&reply.status) {
                    return Err(self.fail("updating the PR comment", &reply));
                }
                Ok(CommentAction::Updated(id))
            }
            None => {
                let path = format!("/repos/{}/{}/issues/{pr}/comments", self.owner, self.repo);
                let reply = self.call(http::Method::POST, &path, Some(&payload)).await?;
                if !(200..300).contains(&reply.status) {
                    return Err(self.fail("creating the PR comment", &reply));
                }
                Ok(CommentAction::Created(
                    reply.json()["id"].as_u64().unwrap_or_default(),
                ))
            }
        }
    }
}

/// gzip, then standard base64 without line breaks.
pub fn gzip_base64(data: &[u8]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(data);
    let compressed = gz.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(compressed)
}

// ---- workflow commands and runner files ------------------------------------

/// `::add-mask::VALUE` for each secret (one line each; a multi-line secret
/// is masked line by line, as GitHub matches per line).
pub fn mask_commands<'a>(secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for secret in secrets {
        for line in secret.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("::add-mask::{}\n", escape_data(line)));
        }
    }
    out
}

/// Escapes a workflow command's message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// An annotation's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation to emit.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub level: Level,
    pub file: String,
    pub line: u32,
    pub end_line: u32,
    pub title: String,
    pub message: String,
}

/// GitHub shows 10 annotations of each level per step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// The workflow commands for `annotations`: at most
/// [`ANNOTATIONS_PER_LEVEL`] of each level, then one notice counting the
/// rest.
pub fn annotation_commands(annotations: &[Annotation]) -> String {
    let mut out = String::new();
    let mut left_out = 0;
    for level in [Level::Error, Level::Warning, Level::Notice] {
        let of_level: Vec<&Annotation> = annotations.iter().filter(|a| a.level == level).collect();
        for a in of_level.iter().take(ANNOTATIONS_PER_LEVEL) {
            out.push_str(&format!(
                "::{} file={},line={},endLine={},title={}::{}\n",
                level.command(),
                escape_property(&a.file),
                a.line,
                a.end_line.max(a.line),
                escape_property(&a.title),
                escape_data(&a.message)
            ));
        }
        left_out += of_level.len().saturating_sub(ANNOTATIONS_PER_LEVEL);
    }
    if left_out > 0 {
        out.push_str(&format!(
            "::notice title=scangate::{left_out} more findings with a file location are not annotated (GitHub shows {ANNOTATIONS_PER_LEVEL} per level); see the reports\n"
        ));
    }
    out
}

/// `GITHUB_STEP_SUMMARY` holds at most 1 MiB per step.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Appends `markdown` to the step summary file, cut to what the 1 MiB limit
/// leaves (the file may already hold other steps' text of this step).
pub fn append_step_summary(path: &std::path::Path, markdown: &str) -> std::io::Result<()> {
    let used = std::fs::metadata(path)
        .map(|m| m.len() as usize)
        .unwrap_or(0);
    let room = STEP_SUMMARY_LIMIT.saturating_sub(used);
    let text = super::truncate(
        markdown,
        room,
        "\n\n_(summary cut at GitHub's 1 MiB limit)_\n",
    );
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// Step outputs in `GITHUB_OUTPUT` syntax: `name=value`, or the heredoc
/// form `name<<DELIMITER` … `DELIMITER` for a value with line breaks.
pub fn output_lines(outputs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in outputs {
        if value.contains('\n') || value.contains('\r') {
            let mut delimiter = "ghadelimiter_scangate".to_string();
            while value.contains(&delimiter) {
                delimiter.push('_');
            }
            out.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            out.push_str(&format!("{name}={value}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn masks_every_line() {
        assert_eq!(
            mask_commands(["tok", "two\nlines"]),
            "::add-mask::tok\n::add-mask::two\n::add-mask::lines\n"
        );
    }

    #[test]
    fn annotations_are_capped_per_level_with_one_notice_for_the_rest() {
        let a = |level, i: u32| Annotation {
            level,
            file: "deploy/app,1.yaml".into(),
            line: i,
            end_line: i,
            title: "KSV001: no root".into(),
            message: "runs as root\nfix it".into(),
        };
        let mut all: Vec<Annotation> = (1..=12).map(|i| a(Level::Error, i)).collect();
        all.push(a(Level::Warning, 1));
        let out = annotation_commands(&all);
        assert_eq!(
            out.lines().filter(|l| l.starts_with("::error ")).count(),
            10
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("::warning ")).count(),
            1
        );
        assert!(out.contains(
            "::error file=deploy/app%2C1.yaml,line=1,endLine=1,title=KSV001%3A no root::runs as root%0Afix it\n"
        ));
        assert!(out.ends_with("::notice title=scangate::2 more findings with a file location are not annotated (GitHub shows 10 per level); see the reports\n"));
    }

    #[test]
    fn outputs_use_heredocs_for_multi_line_values() {
        let out = output_lines(&[
            ("gate", "passed".into()),
            ("reports", "a.sarif\nb.json".into()),
        ]);
        assert_eq!(
            out,
            "gate=passed\nreports<<ghadelimiter_scangate\na.sarif\nb.json\nghadelimiter_scangate\n"
        );
    }

    #[test]
    fn sarif_is_gzipped_then_base64() {
        use std::io::Read;
        let encoded = gzip_base64(b"{\"runs\":[]}");
        let gz = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"runs\":[]}");
    }

    #[test]
    fn step_summary_respects_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "x".repeat(STEP_SUMMARY_LIMIT - 100)).unwrap();
        append_step_summary(&path, &"y".repeat(5000)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() as usize <= STEP_SUMMARY_LIMIT);
    }
}
