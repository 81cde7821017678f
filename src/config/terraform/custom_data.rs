//! Credentials written into VM boot scripts (`custom_data`, `user_data`):
//! the patterns Trivy's cloud checks use for this (its `squealer` scanner:
//! cloud access keys, tokens, private keys, `password=` assignments),
//! restated here. Boot data is often base64; it is decoded first when it
//! decodes to text, as Trivy does.
//!
//! Placeholders (`changeme`, `INSERT_…`, `<password>`, `${…}`, `{{…}}`)
//! are not credentials, so a `password=` line with one is not reported.

use base64::Engine as _;
use regex::Regex;
use std::sync::LazyLock;

/// Token shapes that are credentials whatever surrounds them.
static TOKENS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        (
            "an AWS access key id",
            r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b",
        ),
        (
            "an AWS secret access key",
            r"(?i)aws_?secret[a-z_]*\s*[=:]\s*\\?['\x22]?[A-Za-z0-9/+=]{40}\b",
        ),
        ("a GitHub token", r"\bgh[opusr]_[A-Za-z0-9_]{30,255}\b"),
        ("a Slack token", r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        (
            "a private key",
            r"-----BEGIN (?:(?:EC|PGP|DSA|RSA|OPENSSH) )?PRIVATE KEY(?: BLOCK)?-----",
        ),
    ]
    .into_iter()
    .map(|(what, pattern)| (what, Regex::new(pattern).expect("valid token pattern")))
    .collect()
});

/// `password = value` / `PASSWORD: value` with the value captured.
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)pass(?:word|wd)\s?[:=]\s?\\?["']?([^\s"'\\]+)"#).expect("valid pattern")
});

/// Values that stand for "fill this in" (lower case).
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "insert_",
    "insert-",
    "replace_me",
    "replaceme",
    "your_",
    "your-",
    "xxx",
    "placeholder",
    "redacted",
];

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.starts_with(['$', '{', '<', '%', '(']) || PLACEHOLDERS.iter().any(|p| lower.contains(p))
}

/// What kind of credential the boot data holds, if any.
pub(super) fn find_secret(data: &str) -> Option<&'static str> {
    let decoded = decode(data);
    let text = decoded.as_deref().unwrap_or(data);
    if let Some((what, _)) = TOKENS.iter().find(|(_, re)| re.is_match(text)) {
        return Some(what);
    }
    PASSWORD
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .any(|value| !is_placeholder(value.as_str()))
        .then_some("a password")
}

/// The text base64 data decodes to, when it is base64 of UTF-8 text.
fn decode(data: &str) -> Option<String> {
    let compact: String = data.split_whitespace().collect();
    if compact.len() < 8 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::find_secret;

    #[test]
    fn finds_credentials_in_plain_and_base64_boot_data() {
        assert_eq!(
            find_secret("export DATABASE_PASSWORD=\\\"SomeSortOfPassword\\\""),
            Some("a password")
        );
        assert_eq!(
            find_secret("echo AKIAIOSFODNN7EXAMPLE > /tmp/k"),
            Some("an AWS access key id")
        );
        // "export PASSWORD=hunter2hunter2" in base64.
        assert_eq!(
            find_secret("ZXhwb3J0IFBBU1NXT1JEPWh1bnRlcjJodW50ZXIy"),
            Some("a password")
        );
        assert_eq!(
            find_secret("-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
            Some("a private key")
        );
    }

    #[test]
    fn placeholders_and_plain_scripts_are_not_secrets() {
        assert_eq!(find_secret("#!/bin/sh\napt-get update\n"), None);
        assert_eq!(find_secret("password=changeme"), None);
        assert_eq!(find_secret("PASSWORD=${DB_PASSWORD}"), None);
        assert_eq!(find_secret("password: <your password>"), None);
        assert_eq!(find_secret("password: \"{{ vault_password }}\""), None);
    }
}
