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
