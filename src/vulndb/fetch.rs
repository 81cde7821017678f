//! Downloading one OSV bulk export (`<base>/<Ecosystem>/all.zip`) with a
//! conditional request, so an unchanged ecosystem costs one small request,
//! retrying transient failures, and streaming the body to a temp file.

use crate::error::{Error, Result};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// How many times a transient failure (connection error, 5xx, 429) is tried.
const ATTEMPTS: u32 = 4;
/// Longest wait honoured from a `Retry-After` header.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How often a progress line is logged when stderr is not a terminal (CI).
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Validators from the previous download of the same URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The outcome of a conditional download.
#[derive(Debug)]
pub enum Fetched {
    /// The server says our copy is current (304).
    NotModified,
    /// A new body, written to the temp file the caller named.
    Downloaded { validators: Validators, bytes: u64 },
}

/// Downloads `url` into `dest` unless `previous` is still current.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    previous: &Validators,
    dest: &Path,
) -> Result<Fetched> {
    let shown = redact(url);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_fetch(client, url, &shown, previous, dest).await {
            Ok(fetched) => return Ok(fetched),
            Err(Failure::Transient(message, retry_after)) if attempt < ATTEMPTS => {
                let wait = retry_after
                    .unwrap_or_else(|| Duration::from_millis(500 * 2u64.pow(attempt)))
                    .min(MAX_RETRY_AFTER);
                tracing::warn!("{shown}: {message}; retrying in {}s", wait.as_secs_f32());
                tokio::time::sleep(wait).await;
            }
            Err(Failure::Transient(message, _)) | Err(Failure::Permanent(message)) => {
                return Err(Error::Network {
                    url: shown,
                    message,
                });
            }
            Err(Failure::Local(e)) => return Err(e),
        }
    }
}

enum Failure {
    Transient(String, Option<Duration>),
    Permanent(String),
    Local(Error),
}

async fn try_fetch(
    client: &reqwest::Client,
    url: &str,
    shown: &str,
    previous: &Validators,
    dest: &Path,
) -> std::result::Result<Fetched, Failure> {
    let mut request = client.get(url);
    if let Some(etag) = &previous.etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &previous.last_modified {
        request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| Failure::Transient(describe(e), None))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Err(Failure::Transient(
            format!("server answered {status}"),
            retry_after,
        ));
    }
    if !status.is_success() {
        return Err(Failure::Permanent(format!("server answered {status}")));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header(reqwest::header::ETAG),
        last_modified: header(reqwest::header::LAST_MODIFIED),
    };
    let total = response.content_length();
    let local = |e: std::io::Error| Failure::Local(Error::io(dest.display(), e));
    let mut file = std::fs::File::create(dest).map_err(local)?;
    let mut progress = Progress::new(shown, total);
    let mut bytes = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::Transient(describe(e), None))?
    {
        file.write_all(&chunk).map_err(local)?;
        bytes += chunk.len() as u64;
        progress.update(bytes);
    }
    file.flush().map_err(local)?;
    progress.finish(bytes);
    if let Some(expected) = total {
        if bytes != expected {
            return Err(Failure::Transient(
                format!("download ended after {bytes} of {expected} bytes"),
                None,
            ));
        }
    }
    Ok(Fetched::Downloaded { validators, bytes })
}

/// Set by `--no-progress`: no bars, and no periodic download lines.
static PROGRESS_HIDDEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--no-progress`: downloads show neither a bar nor periodic lines (the
/// line that a download finished stays, at info level).
pub fn hide_progress() {
    PROGRESS_HIDDEN.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn progress_hidden() -> bool {
    PROGRESS_HIDDEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// A bar on a terminal; a line every few seconds in a CI log.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    name: String,
    total: Option<u64>,
    last_log: Instant,
}

impl Progress {
    fn new(name: &str, total: Option<u64>) -> Self {
        let bar = (std::io::stderr().is_terminal() && !progress_hidden()).then(|| {
            let bar = match total {
                Some(t) => indicatif::ProgressBar::new(t),
                None => indicatif::ProgressBar::new_spinner(),
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            ) {
                bar.set_style(style);
            }
            bar.set_message(name.to_string());
            bar
        });
        Progress {
            bar,
            name: name.to_string(),
            total,
            last_log: Instant::now(),
        }
    }

    fn update(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        } else if !progress_hidden() && self.last_log.elapsed() >= LOG_EVERY {
            self.last_log = Instant::now();
            match self.total {
                Some(t) => tracing::info!(
                    "downloading {}: {} of {} MB",
                    self.name,
                    bytes >> 20,
                    t >> 20
                ),
                None => tracing::info!("downloading {}: {} MB", self.name, bytes >> 20),
            }
        }
    }

    fn finish(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        tracing::info!("downloaded {} ({} KB)", self.name, bytes >> 10);
    }
}

/// A URL without credentials, safe to print.
pub fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("");
                let _ = u.set_password(None);
            }
            u.set_query(None);
            u.to_string()
        }
        Err(_) => "<invalid URL>".to_string(),
    }
}

/// reqwest's message without the URL it repeats (which may hold secrets).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    message
}
