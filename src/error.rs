//! The error type, and the one place that maps errors to exit codes.
//!
//! Exit codes are a public contract (see README): 0 success, 1 the policy
//! gate failed, 2 usage or configuration error, 3 the scan could not be done.

use std::fmt;

/// Why a scan stopped. Every variant renders as one line naming what was
/// wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or configuration asks for something impossible
    /// (unknown image tag in a multi-image archive, conflicting flags).
    #[error("{0}")]
    Usage(String),
    /// The input could not be read as what it claims to be.
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    /// One layer of an image is unreadable (truncated, corrupt, digest
    /// mismatch).
    #[error("layer {layer}: {message}")]
    Layer { layer: String, message: String },
    /// A download failed after retries. The URL is shown without
    /// credentials or query string.
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    /// An I/O failure on a file scangate had to read or write.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn input(path: impl fmt::Display, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Input { .. }
            | Error::Layer { .. }
            | Error::Network { .. }
            | Error::Io { .. } => EXIT_SCAN_FAILED,
        }
    }
}

/// Usage or configuration error.
pub const EXIT_USAGE: i32 = 2;
/// The scan could not be done.
pub const EXIT_SCAN_FAILED: i32 = 3;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A JSON parse error as one line that never quotes the input. serde_json
/// repeats offending values (`invalid type: string "…"`), and the JSON may
/// be a file that is not what it claims (a credentials file behind an image
/// blob): only the kind of problem, a missing field's name and the
/// position are kept.
pub fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "not valid JSON".to_string(),
        Category::Eof => "truncated JSON".to_string(),
        Category::Io => "unreadable JSON".to_string(),
        Category::Data => {
            let text = e.to_string();
            match text.strip_prefix("missing field `") {
                Some(rest) => format!("missing field `{}`", rest.split('`').next().unwrap_or("")),
                None => "JSON of an unexpected shape".to_string(),
            }
        }
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::json_problem;

    #[test]
    fn json_problems_never_quote_the_input() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Manifest {
            layers: Vec<String>,
            size: u64,
        }
        for (input, expected) in [
            (
                r#"{"size": "ghp_SECRET"}"#,
                "JSON of an unexpected shape (line 1",
            ),
            (r#"{"size": 1}"#, "missing field `layers` (line 1"),
            (r#"{"auths": "ghp_SECRET"#, "truncated JSON"),
            (r#"ghp_SECRET"#, "not valid JSON"),
        ] {
            let e = serde_json::from_str::<Manifest>(input).unwrap_err();
            let shown = json_problem(&e);
            assert!(shown.starts_with(expected), "{shown}");
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }
}
