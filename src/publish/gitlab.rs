//! GitLab: one living merge-request note, through reqwest.
//!
//! The token is `SCANGATE_GITLAB_TOKEN`, sent as `PRIVATE-TOKEN`: a project
//! (or group) access token with `api` scope, kept in a masked CI/CD
//! variable. `CI_JOB_TOKEN` cannot be used: GitLab's job token reaches only
//! a short list of endpoints, and merge-request notes are not among them.

use super::ci_env::Secret;
use super::retry::{self, Reply, Timing};
use super::PublishError;
use crate::redact::Redactor;
use serde_json::{json, Value};
use std::time::Duration;

/// A client for one project's merge-request notes.
pub struct Publisher {
    client: reqwest::Client,
    api_url: String,
    project_id: String,
    token: Secret,
    redactor: Redactor,
    timing: Timing,
}

/// What happened to the living note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteAction {
    Created(u64),
    Updated(u64),
}

/// GitLab's `message` (or `error`), else the body's start.
fn message(reply: &Reply) -> String {
    let v = reply.json();
    match v["message"].as_str().or(v["error"].as_str()) {
        Some(m) => m.to_string(),
        None if !v["message"].is_null() => v["message"].to_string(),
        None => reply.body.chars().take(200).collect(),
    }
}

impl Publisher {
    pub fn new(
        api_url: &str,
        project_id: &str,
        token: &Secret,
        timing: Timing,
    ) -> Result<Publisher, PublishError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("scangate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| PublishError::Setup(format!("GitLab client: {e}")))?;
        Ok(Publisher {
            client,
            api_url: api_url.trim_end_matches('/').to_string(),
            project_id: project_id.to_string(),
            token: token.clone(),
            redactor: {
                let mut r = Redactor::default();
                r.add(None, token.expose());
                r
            },
            timing,
        })
    }

    /// GitLab's words about a failed call, through the redactor (an error
    /// body may quote the token back).
    fn message(&self, reply: &Reply) -> String {
        self.redactor.apply(&message(reply))
    }

    /// The project id as a path segment (a `group/project` path is
    /// percent-encoded; a numeric id stays as it is).
    fn project(&self) -> String {
        self.project_id.replace('/', "%2F")
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PublishError> {
        let url = format!("{}{path}", self.api_url);
        let what = format!("{method} {path}");
        // reqwest's error message names the URL, which holds no secret (the
        // token is a header).
        retry::send_with_retries(&what, &self.timing, false, || async {
            let mut request = self
                .client
                .request(method.clone(), &url)
                .header("PRIVATE-TOKEN", self.token.expose());
            if let Some(body) = body {
                // (reqwest's `json` feature is not enabled in this crate.)
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| retry::Incomplete(super::error_chain(&e)))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            // A body that breaks off or runs past the limit is an error
            // (retried), never a shorter answer: a cut note list read as
            // "no note yet" would post a second living note.
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                retry::Incomplete(format!("the answer's body: {}", super::error_chain(&e)))
            })? {
                if body.len() + chunk.len() > retry::MAX_BODY {
                    return Err(retry::Incomplete(format!(
                        "the answer is longer than {} MiB",
                        retry::MAX_BODY >> 20
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let body = String::from_utf8(body)
                .map_err(|_| retry::Incomplete("the answer is not UTF-8 text".into()))?;
            Ok::<_, retry::Incomplete>(Reply {
                status,
                headers,
                body,
            })
        })
        .await
    }

    /// Updates the merge request's note holding `marker` (system notes are
    /// skipped), or creates it when there is none.
    pub async fn upsert_note(
        &self,
        iid: u64,
        body: &str,
        marker: &str,
    ) -> Result<NoteAction, PublishError> {
        let base = format!("/projects/{}/merge_requests/{iid}/notes", self.project());
        let mut page = 1u32;
        let existing = loop {
            let path = format!("{base}?per_page=100&page={page}&sort=asc");
            let reply = self.call(reqwest::Method::GET, &path, None).await?;
            if !(200..300).contains(&reply.status) {
                return Err(PublishError::from_status(
                    "listing MR notes",
                    reply.status,
                    self.message(&reply),
                ));
            }
            let Some(notes) = reply.json().as_array().cloned() else {
                return Err(PublishError::Http {
                    what: "listing MR notes".into(),
                    status: reply.status,
                    message: "the answer is not a JSON list of notes".into(),
                });
            };
            if let Some(id) = notes.iter().find_map(|n| {
                (n["system"].as_bool() != Some(true)
                    && n["body"].as_str().is_some_and(|b| b.contains(marker)))
                .then(|| n["id"].as_u64())
                .flatten()
            }) {
                break Some(id);
            }
            let next = reply
                .headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok());
            match next {
                Some(n) if n > page && page < 100 => page = n,
                None if notes.len() >= 100
                    && page < 100
                    && !reply.headers.contains_key("x-next-page") =>
                {
                    page += 1
                }
                _ => break None,
            }
        };
        let payload = json!({ "body": body });
        match existing {
            Some(id) => {
                let reply = self
                    .call(
                        reqwest::Method::PUT,
                        &format!("{base}/{id}"),
                        Some(&payload),
                    )
                    .await?;
                if !(200..300).contains(&reply.status) {
                    return Err(PublishError::from_status(
                        "updating the MR note",
                        reply.status,
                        self.message(&reply),
                    ));
                }
                Ok(NoteAction::Updated(id))
            }
            None => {
                let reply = self
                    .call(reqwest::Method::POST, &base, Some(&payload))
                    .await?;
                if !(200..300).contains(&reply.status) {
                    return Err(PublishError::from_status(
                        "creating the MR note",
                        reply.status,
                        self.message(&reply),
                    ));
                }
                Ok(NoteAction::Created(
                    reply.json()["id"].as_u64().unwrap_or_default(),
                ))
            }
        }
    }
}
