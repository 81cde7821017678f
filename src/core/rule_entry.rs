//! The documentation record of one rule, config or secret alike: what
//! `scangate rules --format json` lists. Here, below both scanners, so the
//! secret rules can be listed in it without the secret scanner importing
//! the config checks.

use super::severity::Severity;
use serde::Serialize;
use std::borrow::Cow;

/// One rule as `scangate rules --format json` lists it (config rules and
/// secret rules alike; a secret rule's `file_type` is `secret`).
#[derive(Serialize)]
pub struct RuleEntry<'a> {
    pub id: &'a str,
    pub file_type: &'static str,
    pub aliases: &'a [&'a str],
    pub title: &'a str,
    pub severity: Severity,
    pub rationale: Cow<'a, str>,
    pub resolution: &'a str,
}
