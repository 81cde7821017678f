//! Fetching a manifest with a size limit. `oci-client` reads a manifest
//! (and any error body) whole, however long the registry keeps sending:
//! a hostile registry exhausts memory that way. This request is made here
//! instead, with the session's token, reading at most
//! [`MAX_MANIFEST_SIZE`] bytes of a manifest and [`MAX_ERROR_BODY`] of an
//! error, and checking the digest as `oci-client` does.

use reqwest::header::{HeaderMap, ACCEPT, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use sha2::{Digest, Sha256, Sha512};

/// Docker's registry refuses manifests beyond 4 MiB; so do we.
pub const MAX_MANIFEST_SIZE: usize = 4 << 20;

/// Of an error answer, only the start is read: it is for a message.
const MAX_ERROR_BODY: usize = 16 << 10;

/// Why a manifest request failed.
#[derive(Debug)]
pub enum FetchError {
    /// The request did not complete (connection, timeout, broken body).
    Transport(reqwest::Error),
    /// The registry answered with an error status; `body` is its start.
    Status { status: StatusCode, body: String },
    /// The answer is not an acceptable manifest.
    Invalid(String),
}

impl FetchError {
    /// Whether asking again may help: transport trouble, a 5xx, a 429.
    pub fn transient(&self) -> bool {
        match self {
            FetchError::Transport(e) => !e.is_builder() && !e.is_redirect(),
            FetchError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            FetchError::Invalid(_) => false,
        }
    }
}

/// How to authenticate the request.
pub enum Credentials<'a> {
    Bearer(&'a str),
    /// Sent only when the registry asks (a 401 with a Basic challenge).
    Basic(&'a str, &'a str),
    Anonymous,
}

/// GETs the manifest at `url`; returns its bytes and digest. `expected` is
/// the digest the reference pinned, if it did.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    accepted: &[&str],
    credentials: &Credentials<'_>,
    expected: Option<&str>,
) -> Result<(Vec<u8>, String), FetchError> {
    let request = |basic: bool| {
        let mut r = client.get(url).header(ACCEPT, accepted.join(", "));
        match credentials {
            Credentials::Bearer(token) => r = r.bearer_auth(token),
            Credentials::Basic(user, password) if basic => {
                r = r.basic_auth(user, Some(password));
            }
            _ => {}
        }
        r
    };
    let mut response = request(false).send().await.map_err(FetchError::Transport)?;
    if response.status() == StatusCode::UNAUTHORIZED
        && matches!(credentials, Credentials::Basic(..))
        && asks_for_basic(response.headers())
    {
        response = request(true).send().await.map_err(FetchError::Transport)?;
    }
    let status = response.status();
    let header_digest = response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !status.is_success() {
        let body = read_limited(&mut response, MAX_ERROR_BODY).await?;
        return Err(FetchError::Status {
            status,
            body: String::from_utf8_lossy(&body.0).into_owned(),
        });
    }
    let (body, complete) = read_limited(&mut response, MAX_MANIFEST_SIZE).await?;
    if !complete {
        return Err(FetchError::Invalid(format!(
            "the manifest is larger than {} MiB (refused)",
            MAX_MANIFEST_SIZE >> 20
        )));
    }
    let digest = match expected.or(header_digest.as_deref()) {
        Some(claimed) => {
            let actual = digest_like(claimed, &body).ok_or_else(|| {
                FetchError::Invalid(format!("unsupported digest algorithm in {claimed:?}"))
            })?;
            if actual != claimed {
                return Err(FetchError::Invalid(format!(
                    "the manifest's digest is {actual}, expected {claimed}"
                )));
            }
            actual
        }
        None => format!("sha256:{:x}", Sha256::digest(&body)),
    };
    Ok((body, digest))
}

/// Whether a 401's challenge is HTTP Basic (a bearer challenge was already
/// answered by the session's token flow).
fn asks_for_basic(headers: &HeaderMap) -> bool {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.trim_start().to_ascii_lowercase().starts_with("basic"))
}

/// `body`'s digest in the algorithm `claimed` uses.
fn digest_like(claimed: &str, body: &[u8]) -> Option<String> {
    match claimed.split_once(':')?.0 {
        "sha256" => Some(format!("sha256:{:x}", Sha256::digest(body))),
        "sha512" => Some(format!("sha512:{:x}", Sha512::digest(body))),
        _ => None,
    }
}

/// Reads at most `max` bytes of the body; the flag says whether that was
/// all of it. A body that breaks off is a transport error, never a short
/// success.
async fn read_limited(
    response: &mut reqwest::Response,
    max: usize,
) -> Result<(Vec<u8>, bool), FetchError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::Transport)? {
        if body.len() + chunk.len() > max {
            body.extend_from_slice(&chunk[..max - body.len()]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}
