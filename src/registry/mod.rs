//! Talking to an OCI registry (through the `oci-client` crate): one
//! [`Session`] per image reference, with credentials resolved once
//! ([`auth`]), transient failures retried with backoff, and blobs streamed
//! into synchronous readers ([`blob::BlobReader`]) so the layer scanner
//! never waits for a whole layer nor writes one to disk.
//!
//! Used by the registry image source and by `db push`/`db pull`.

pub mod auth;
mod blob;
mod manifest;

pub use blob::BlobReader;

use crate::error::{Error, Result};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use std::future::Future;
use std::time::Duration;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub username: Option<String>,
    pub password: Option<String>,
    /// Plain HTTP instead of HTTPS.
    pub insecure: bool,
}

/// Attempts per request (the first included) on transient failures.
const ATTEMPTS: u32 = 4;
/// No single request (authentication, a manifest, a blob's first bytes, an
/// upload) may take longer than this in all, however slowly the registry
/// trickles its answer: the read timeout alone restarts with every byte.
const REQUEST_DEADLINE: Duration = Duration::from_secs(300);
/// The read timeout: a registry silent for this long is given up on.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The first retry waits this long; each further one twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// An authenticated connection to one repository.
pub struct Session {
    client: Client,
    /// For the requests made without `oci-client` (manifests, see
    /// [`manifest`]).
    http: reqwest::Client,
    auth: RegistryAuth,
    /// Where `auth` came from (`None`: anonymous), named when the registry
    /// refuses it.
    auth_origin: Option<String>,
    /// The pull token the registry issued, if it uses the token flow.
    token: Option<String>,
    /// The credentials in every form a server might echo them in.
    redactor: crate::redact::Redactor,
    insecure: bool,
    /// The reference as parsed (registry, repository, tag or digest).
    pub reference: Reference,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    /// Parses `reference`, resolves credentials for its registry and
    /// authenticates for `operation` (the bearer-token flow when the
    /// registry asks for it).
    pub fn connect(
        reference: &str,
        options: &Options,
        operation: RegistryOperation,
    ) -> Result<Self> {
        let parsed: Reference = reference
            .parse()
            .map_err(|e| Error::Usage(format!("{reference}: not an image reference: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::io("the async runtime", e))?;
        let config = ClientConfig {
            protocol: if options.insecure {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            platform_resolver: None,
            ..ClientConfig::default()
        };
        let auth::Credentials {
            auth,
            origin: auth_origin,
        } = auth::resolve(parsed.resolve_registry(), options);
        let http = reqwest::Client::builder()
            .user_agent(concat!("scangate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .timeout(REQUEST_DEADLINE)
            .build()
            .map_err(|e| Error::Usage(format!("HTTP client: {e}")))?;
        let mut redactor = crate::redact::Redactor::default();
        match &auth {
            RegistryAuth::Basic(user, password) => redactor.add(Some(user), password),
            RegistryAuth::Bearer(token) => redactor.add(None, token),
            RegistryAuth::Anonymous => {}
        }
        let mut session = Session {
            client: Client::new(config),
            http,
            auth,
            auth_origin,
            token: None,
            redactor,
            insecure: options.insecure,
            reference: parsed,
            runtime,
        };
        // A push needs pull access too (the upload flow reads back).
        let operations: &[RegistryOperation] = match operation {
            RegistryOperation::Push => &[RegistryOperation::Pull, RegistryOperation::Push],
            RegistryOperation::Pull => &[RegistryOperation::Pull],
        };
        for op in operations {
            let token = session.run("authenticate", || {
                session.client.auth(&session.reference, &session.auth, *op)
            })?;
            if *op == RegistryOperation::Pull {
                if let Some(token) = token {
                    session.redactor.add(None, &token);
                    session.token = Some(token);
                }
            }
        }
        Ok(session)
    }

    /// `registry/repository`, for messages.
    pub fn repository(&self) -> String {
        format!(
            "{}/{}",
            self.reference.registry(),
            self.reference.repository()
        )
    }

    /// The raw manifest (or index) at `reference` and its digest, at most
    /// [`manifest::MAX_MANIFEST_SIZE`] bytes.
    pub fn manifest(&self, reference: &Reference, accepted: &[&str]) -> Result<(Vec<u8>, String)> {
        let url = format!(
            "{}://{}/v2/{}/manifests/{}",
            if self.insecure { "http" } else { "https" },
            reference.resolve_registry(),
            reference.repository(),
            reference.digest().or(reference.tag()).unwrap_or("latest")
        );
        let credentials = match (&self.token, &self.auth) {
            (Some(token), _) => manifest::Credentials::Bearer(token),
            (None, RegistryAuth::Basic(user, password)) => {
                manifest::Credentials::Basic(user, password)
            }
            (None, RegistryAuth::Bearer(token)) => manifest::Credentials::Bearer(token),
            (None, RegistryAuth::Anonymous) => manifest::Credentials::Anonymous,
        };
        let what = "fetch the manifest";
        let mut delay = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let fetched = self.runtime.block_on(manifest::fetch(
                &self.http,
                &url,
                accepted,
                &credentials,
                reference.digest(),
            ));
            let e = match fetched {
                Ok(found) => return Ok(found),
                Err(e) => e,
            };
            let message = self.describe_fetch(&e);
            // A setting problem (a name that does not resolve, HTTP against
            // HTTPS) will not pass on the next try.
            if attempt < ATTEMPTS && e.transient() && connection_hint(&message).is_none() {
                tracing::warn!(
                    "{}: cannot {what} ({message}); retrying in {delay:?}",
                    self.repository()
                );
                std::thread::sleep(delay);
                delay *= 2;
            } else {
                return Err(self.error(what, &message));
            }
        }
        Err(self.error(what, "gave up"))
    }

    fn describe_fetch(&self, e: &manifest::FetchError) -> String {
        let text = match e {
            manifest::FetchError::Transport(e) => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    text = format!("{text}: {s}");
                    source = s.source();
                }
                let text = one_line(&text);
                match connection_hint(&text) {
                    Some(hint) => format!("{hint} ({text})"),
                    None => text,
                }
            }
            manifest::FetchError::Status { status, .. } if *status == 401 => {
                self.refused("unauthorized (401)")
            }
            manifest::FetchError::Status { status, body } => {
                format!("HTTP {}: {}", status.as_u16(), server_message(body))
            }
            manifest::FetchError::Invalid(why) => why.clone(),
        };
        self.redactor.apply(&one_line(&text))
    }

    /// A small blob (an image config) in memory, digest verified, refused
    /// beyond `max` bytes.
    pub fn small_blob(&self, digest: &str, max: u64) -> Result<Vec<u8>> {
        let mut reader = self.blob(digest)?;
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut reader, max + 1), &mut content)
            .map_err(|e| self.error(&format!("blob {digest}"), &e.to_string()))?;
        if content.len() as u64 > max {
            return Err(self.error(&format!("blob {digest}"), "larger than expected"));
        }
        Ok(content)
    }

    /// A blob as a reader that fails at its end unless the content matches
    /// `digest`. Opening is retried; a break in the middle shows as
    /// [`BlobReader::broken`] so the caller can start the blob over.
    pub fn blob(&self, digest: &str) -> Result<BlobReader> {
        let stream = self.run(&format!("fetch blob {digest}"), || {
            self.client.pull_blob_stream(&self.reference, digest)
        })?;
        Ok(BlobReader::new(
            self.runtime.handle().clone(),
            stream.stream,
            digest,
        ))
    }

    /// Uploads a blob.
    pub fn push_blob(&self, data: &[u8], digest: &str) -> Result<()> {
        self.run(&format!("push blob {digest}"), || {
            self.client.push_blob(&self.reference, data, digest)
        })?;
        Ok(())
    }

    /// Uploads a manifest under the session's tag (or digest); returns the
    /// manifest's URL.
    pub fn push_manifest(&self, body: &[u8], media_type: &str) -> Result<String> {
        let content_type = reqwest::header::HeaderValue::from_str(media_type)
            .map_err(|e| Error::Usage(format!("media type {media_type:?}: {e}")))?;
        self.run("push the manifest", || {
            self.client
                .push_manifest_raw(&self.reference, body.to_vec(), content_type.clone())
        })
    }

    /// Runs one registry request, retrying transient failures with backoff.
    /// Each attempt has [`REQUEST_DEADLINE`] in all.
    fn run<T, F, Fut>(&self, what: &str, mut request: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OciDistributionError>>,
    {
        let mut delay = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let answer = self
                .runtime
                .block_on(async { tokio::time::timeout(REQUEST_DEADLINE, request()).await });
            let (message, retry) = match answer {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => (self.redactor.apply(&self.describe(&e)), transient(&e)),
                Err(_) => (
                    format!("no complete answer within {}s", REQUEST_DEADLINE.as_secs()),
                    true,
                ),
            };
            if attempt < ATTEMPTS && retry {
                tracing::warn!(
                    "{}: cannot {what} ({message}); retrying in {delay:?}",
                    self.repository()
                );
                std::thread::sleep(delay);
                delay *= 2;
            } else {
                return Err(self.error(what, &message));
            }
        }
        Err(self.error(what, "gave up"))
    }

    /// A failure, naming the credentials the registry refused.
    fn describe(&self, e: &OciDistributionError) -> String {
        match e {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => self.refused(&describe(e)),
            _ => describe(e),
        }
    }

    /// `what` (an unauthorized answer) with the credentials that were
    /// refused, or the places credentials can come from when there were
    /// none: the one thing the user must fix.
    fn refused(&self, what: &str) -> String {
        match &self.auth_origin {
            Some(origin) => format!("{what}: the registry refused the credentials from {origin}"),
            None => format!(
                "{what}: no credentials for this registry (--username/--password, `docker login`, \
                 GITHUB_TOKEN for ghcr.io, CI_REGISTRY_USER/CI_REGISTRY_PASSWORD for $CI_REGISTRY)"
            ),
        }
    }

    /// The one error of a failed request; whatever the server said passes
    /// through the redactor first.
    fn error(&self, what: &str, message: &str) -> Error {
        Error::Network {
            url: self.repository(),
            message: self.redactor.apply(&format!("cannot {what}: {message}")),
        }
    }

    /// Waits `backoff(attempt)` before starting a broken blob over.
    pub fn backoff(attempt: u32) -> Duration {
        FIRST_BACKOFF * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// How many times a caller may start a broken blob over.
    pub const RESTARTS: u32 = ATTEMPTS - 1;
}

/// Whether a failure may pass if asked again: connection trouble, a 5xx,
/// or rate limiting (429 / `TOOMANYREQUESTS`).
fn transient(e: &OciDistributionError) -> bool {
    match e {
        // A host that does not resolve will not resolve on the next try.
        OciDistributionError::RequestError(r) => {
            ((r.is_connect() || r.is_timeout() || r.is_body() || r.is_request())
                && connection_hint(&describe(e)).is_none())
                || r.status()
                    .is_some_and(|s| s.is_server_error() || s.as_u16() == 429)
        }
        OciDistributionError::ServerError { code, .. } => *code >= 500 || *code == 429,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| e.code == OciErrorCode::Toomanyrequests),
        OciDistributionError::IoError(_) => true,
        _ => false,
    }
}

/// One line for a registry failure; never includes credentials (the
/// crate's messages carry URLs without them, and server bodies are cut).
fn describe(e: &OciDistributionError) -> String {
    match e {
        OciDistributionError::UnauthorizedError { .. } => "unauthorized (401)".into(),
        OciDistributionError::AuthenticationFailure(_) => "authentication failed".into(),
        OciDistributionError::ServerError {
            code: 400, message, ..
        } if message.contains("HTTP request to an HTTPS server") => {
            "the registry speaks HTTPS: drop --insecure".into()
        }
        OciDistributionError::ServerError { code, message, .. } => {
            format!("HTTP {code}: {}", server_message(message))
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<String> = envelope
                .errors
                .iter()
                .map(|e| format!("{:?}: {}", e.code, one_line(&e.message)))
                .collect();
            codes.join("; ")
        }
        OciDistributionError::RequestError(r) => {
            let mut text = r.to_string();
            let mut source = std::error::Error::source(r);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            let text = one_line(&text);
            match connection_hint(&text) {
                Some(hint) => format!("{hint} ({text})"),
                None => text,
            }
        }
        other => one_line(&other.to_string()),
    }
}

/// What a registry's error body says: the `errors[].message` of an OCI
/// error envelope, else the body's first line.
fn server_message(body: &str) -> String {
    let envelope: Option<oci_client::errors::OciEnvelope> = serde_json::from_str(body).ok();
    match envelope {
        Some(env) if !env.errors.is_empty() => env
            .errors
            .iter()
            .map(|e| format!("{:?}: {}", e.code, one_line(&e.message)))
            .collect::<Vec<_>>()
            .join("; "),
        _ => one_line(body),
    }
}

/// What to do about a connection failure whose cause is a setting: a host
/// that does not resolve, or a plain-HTTP registry asked over HTTPS.
fn connection_hint(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Some("the registry's host name does not resolve: check the image reference (and that this runner can reach the registry)")
    } else if lower.contains("invalidcontenttype")
        || lower.contains("corrupt message")
        || lower.contains("wrong version number")
        || lower.contains("http response to https client")
    {
        Some("the registry answered plain HTTP to HTTPS: pass --insecure for a plain-HTTP registry")
    } else {
        None
    }
}

/// The first line of a server message, shortened.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::connection_hint;

    #[test]
    fn setting_failures_name_their_fix() {
        let dns = "error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known";
        assert!(connection_hint(dns).unwrap().contains("does not resolve"));
        let tls = "error sending request: client error (Connect): received corrupt message of type InvalidContentType";
        assert!(connection_hint(tls).unwrap().contains("--insecure"));
        assert_eq!(connection_hint("connection refused"), None);
    }
}
