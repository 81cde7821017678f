//! Publishing a finished scan where a CI shows it: GitHub code scanning, a
//! living PR comment, the job summary, step outputs and annotations
//! ([`github`]); a living GitLab merge-request note ([`gitlab`]). [`ci_env`]
//! says which CI we are in, [`inputs`] maps GitHub Action inputs and
//! [`gitlab_vars`] GitLab CI variables onto flags, [`ci`] runs `scangate ci` start to finish.
//!
//! Publishers take content that is already rendered (SARIF bytes, Markdown
//! bodies, counts), so they know nothing of how reports are made.

pub mod ci;
pub mod ci_env;
pub mod github;
pub mod gitlab;
pub mod gitlab_vars;
#[cfg(test)]
mod hostile_tests;
pub mod inputs;
pub mod retry;

use std::time::Duration;

/// Why a publishing step did not happen. Messages never hold a token.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The client could not be set up (bad API URL).
    #[error("{0}")]
    Setup(String),
    /// The API could not be reached, after retries.
    #[error("API unreachable: {0}")]
    Unreachable(String),
    /// The token lacks the permission (403/401/404 without rate limit).
    #[error("{what}: HTTP {status} {message:?}{hint}")]
    Forbidden {
        what: String,
        status: u16,
        message: String,
        hint: &'static str,
    },
    /// Rate limited for longer than scangate waits.
    #[error("{what}: rate limited for {}s more, longer than scangate waits (SCANGATE_PUBLISH_MAX_WAIT)", wait.as_secs())]
    RateLimited { what: String, wait: Duration },
    /// Any other HTTP failure, after retries.
    #[error("{what}: HTTP {status} {message:?}")]
    Http {
        what: String,
        status: u16,
        message: String,
    },
}

impl PublishError {
    pub fn from_status(what: &str, status: u16, message: String) -> PublishError {
        let hint = if message.contains("Resource not accessible by integration") {
            " (a pull request from a fork gets a read-only token; this is expected there)"
        } else if status == 401 {
            " (the token is invalid or expired)"
        } else {
            " (the token lacks the permission this needs)"
        };
        match status {
            401 | 403 | 404 => PublishError::Forbidden {
                what: what.to_string(),
                status,
                message,
                hint,
            },
            _ => PublishError::Http {
                what: what.to_string(),
                status,
                message,
            },
        }
    }
}

/// An error and its sources on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// `text` cut to at most `limit` bytes at a character boundary, ending with
/// `note` when it had to be cut.
pub fn truncate(text: &str, limit: usize, note: &str) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit.saturating_sub(note.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text[..end].to_string();
    if out.len() + note.len() <= limit {
        out.push_str(note);
    }
    out
}

/// The hidden marker that identifies scangate's comment for `category`, so
/// several scangate steps in one workflow keep separate comments.
pub fn comment_marker(category: &str) -> String {
    format!(
        "<!-- scangate:comment category={} -->",
        category.replace("--", "-")
    )
}

/// GitHub rejects comment bodies over 65,536 characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// A comment body: the marker, then `markdown`, within [`COMMENT_LIMIT`]
/// (counted in bytes, which is never fewer than characters).
pub fn comment_body(marker: &str, markdown: &str) -> String {
    let room = COMMENT_LIMIT - marker.len() - 1;
    format!(
        "{marker}\n{}",
        truncate(
            markdown,
            room,
            "\n\n_(cut at GitHub's comment size limit; see the job's reports)_\n"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_characters_whole_and_notes_the_cut() {
        assert_eq!(truncate("short", 10, "!"), "short");
        let cut = truncate("ééééé", 6, "~");
        assert_eq!(cut, "éé~");
        assert!(cut.len() <= 6);
    }

    #[test]
    fn comment_bodies_stay_under_the_limit() {
        let marker = comment_marker("scangate/image");
        assert_eq!(marker, "<!-- scangate:comment category=scangate/image -->");
        let body = comment_body(&marker, &"x".repeat(100_000));
        assert!(body.len() <= COMMENT_LIMIT);
        assert!(body.starts_with(&marker));
        assert!(body.ends_with("reports)_\n"));
    }
}
