//! When to try an API call again, and how long to wait first: 5xx and
//! connection errors back off exponentially; rate limits (429, or 403 with
//! `x-ratelimit-remaining: 0` or a "secondary rate limit" message) wait for
//! `Retry-After` or `x-ratelimit-reset`. A wait longer than the cap is not
//! waited: the call gives up at once and says until when it was limited.

use super::PublishError;
use serde_json::Value;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest API answer read: a page of 100 PR comments of GitHub's
/// maximum size is under 7 MiB. A longer answer is an error, not a
/// truncated success.
pub const MAX_BODY: usize = 16 << 20;

/// Why one attempt got no complete answer (connection, timeout, a body cut
/// short or too long). Retried like a 5xx.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Incomplete(pub String);

/// One raw API response.
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends one API call (`send` makes one attempt) until its reply is final:
/// connection errors and 5xx back off, rate limits wait as [`verdict`]
/// decides. `body_names_rate_limits`: the API says "secondary rate limit"
/// in the body of a 403 (GitHub) rather than only in headers.
pub async fn send_with_retries<F, Fut, E>(
    what: &str,
    timing: &Timing,
    body_names_rate_limits: bool,
    mut send: F,
) -> Result<Reply, PublishError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Reply, E>>,
    E: std::error::Error,
{
    let mut retry = 0;
    loop {
        retry += 1;
        let attempt = tokio::time::timeout(timing.request_timeout, send()).await;
        let failure = match attempt {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(super::error_chain(&e)),
            Err(_) => Err(format!(
                "no complete answer within {:.0}s",
                timing.request_timeout.as_secs_f64()
            )),
        };
        let reply = match failure {
            Ok(reply) => reply,
            Err(why) => {
                if retry >= timing.attempts {
                    return Err(PublishError::Unreachable(format!("{what}: {why}")));
                }
                tracing::info!("{what}: {why}; retrying");
                tokio::time::sleep(timing.backoff(retry)).await;
                continue;
            }
        };
        let lookup = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let response = Response {
            status: reply.status,
            header: &lookup,
            body: if body_names_rate_limits {
                &reply.body
            } else {
                ""
            },
        };
        match verdict(&response, retry, timing) {
            Verdict::Final => return Ok(reply),
            Verdict::RetryAfter(wait) => {
                tracing::info!(
                    "{what}: HTTP {}, retrying in {:.1}s",
                    reply.status,
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
            }
            Verdict::RateLimited { wait } => {
                return Err(PublishError::RateLimited {
                    what: what.to_string(),
                    wait,
                })
            }
        }
    }
}

/// Retry and polling limits. `SCANGATE_PUBLISH_MAX_WAIT` and
/// `SCANGATE_PUBLISH_BACKOFF` (`90s`, `500ms`) tune them; tests set them
/// tiny.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Tries per call, the first included.
    pub attempts: u32,
    /// First backoff delay; doubles each retry.
    pub backoff: Duration,
    /// Longest single wait (backoff, `Retry-After`, rate-limit reset).
    pub max_wait: Duration,
    /// How long to poll a SARIF upload's processing status.
    pub poll_timeout: Duration,
    /// The whole of one attempt, body included. The client's read timeout
    /// restarts with every byte, so an API trickling its answer would
    /// otherwise hold the job forever; with this, a call ends within
    /// `attempts × (request_timeout + max_wait)`.
    pub request_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            attempts: 4,
            backoff: Duration::from_secs(2),
            max_wait: Duration::from_secs(120),
            poll_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(120),
        }
    }
}

impl Timing {
    pub fn from_env(env: &super::ci_env::Env) -> Timing {
        let mut t = Timing::default();
        if let Some(d) = env
            .get("SCANGATE_PUBLISH_MAX_WAIT")
            .and_then(parse_duration)
        {
            t.max_wait = d;
        }
        if let Some(d) = env.get("SCANGATE_PUBLISH_BACKOFF").and_then(parse_duration) {
            t.backoff = d;
        }
        if let Some(d) = env.get("SCANGATE_PUBLISH_TIMEOUT").and_then(parse_duration) {
            t.request_timeout = d;
        }
        if let Some(d) = env
            .get("SCANGATE_SARIF_POLL_TIMEOUT")
            .and_then(parse_duration)
        {
            t.poll_timeout = d;
        }
        t
    }

    /// The exponential backoff before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff
            .saturating_mul(1 << retry.saturating_sub(1).min(16))
            .min(self.max_wait)
    }
}

/// `250ms`, `2s`, `1m`, or a bare number of seconds.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    if let Some(m) = s.strip_suffix('m') {
        return m.parse().ok().map(|m: u64| Duration::from_secs(m * 60));
    }
    s.trim_end_matches('s')
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// What to do with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not a transient failure: hand the response to the caller.
    Final,
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Rate limited for longer than the cap allows.
    RateLimited { wait: Duration },
}

/// The response facts the decision needs.
pub struct Response<'a> {
    pub status: u16,
    /// Header lookup by lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<String>,
    pub body: &'a str,
}

/// Decides whether retry number `retry` (1-based) should happen after
/// `response`.
pub fn verdict(response: &Response<'_>, retry: u32, timing: &Timing) -> Verdict {
    let header = |name: &str| (response.header)(name);
    let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
    let remaining_zero = header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0");
    let reset_wait = header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|reset| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            // One second more: the reset time is truncated to seconds.
            Duration::from_secs(reset.saturating_sub(now) + 1)
        });
    let secondary = response.body.to_ascii_lowercase().contains("rate limit");
    let rate_limited = response.status == 429
        || (response.status == 403 && (retry_after.is_some() || remaining_zero || secondary));
    let wait = if rate_limited {
        match (retry_after, remaining_zero, reset_wait) {
            (Some(secs), _, _) => Duration::from_secs(secs),
            (None, true, Some(wait)) => wait,
            // GitHub: without either header, wait at least a minute for a
            // secondary rate limit.
            _ if response.status == 403 => Duration::from_secs(60).max(timing.backoff(retry)),
            _ => timing.backoff(retry),
        }
    } else if response.status >= 500 {
        timing.backoff(retry)
    } else {
        return Verdict::Final;
    };
    if rate_limited && wait > timing.max_wait {
        return Verdict::RateLimited { wait };
    }
    if retry >= timing.attempts {
        return if rate_limited {
            Verdict::RateLimited { wait }
        } else {
            Verdict::Final
        };
    }
    Verdict::RetryAfter(wait.min(timing.max_wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, headers: &[(&str, String)], body: &str, retry: u32) -> Verdict {
        let timing = Timing {
            attempts: 3,
            backoff: Duration::from_millis(100),
            max_wait: Duration::from_secs(10),
            poll_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
        };
        let lookup = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        verdict(
            &Response {
                status,
                header: &lookup,
                body,
            },
            retry,
            &timing,
        )
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn server_errors_back_off_then_stop() {
        assert_eq!(
            check(502, &[], "", 1),
            Verdict::RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            check(503, &[], "", 2),
            Verdict::RetryAfter(Duration::from_millis(200))
        );
        assert_eq!(check(502, &[], "", 3), Verdict::Final);
        assert_eq!(check(404, &[], "", 1), Verdict::Final);
        assert_eq!(check(201, &[], "", 1), Verdict::Final);
    }

    #[test]
    fn rate_limits_wait_for_the_reset_or_retry_after() {
        let reset = (now() + 3).to_string();
        let v = check(
            403,
            &[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", reset),
            ],
            "API rate limit exceeded",
            1,
        );
        assert!(
            matches!(v, Verdict::RetryAfter(d) if d >= Duration::from_secs(3) && d <= Duration::from_secs(5)),
            "{v:?}"
        );
        assert_eq!(
            check(429, &[("retry-after", "2".into())], "", 1),
            Verdict::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            check(429, &[("retry-after", "3600".into())], "", 1),
            Verdict::RateLimited {
                wait: Duration::from_secs(3600)
            }
        );
        // A 403 that is no rate limit is a permission problem: final.
        assert_eq!(
            check(403, &[], "Resource not accessible by integration", 1),
            Verdict::Final
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("x"), None);
    }
}
