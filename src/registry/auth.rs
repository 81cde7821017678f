//! Which credentials to present to a registry, first match wins:
//!
//! 1. `--username`/`--password` (or `SCANGATE_USERNAME`/`SCANGATE_PASSWORD`);
//! 2. Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
//!    `~/.docker/config.json`): a `credHelpers` entry for the registry, an
//!    `auths` entry (base64 `user:password`), or the `credsStore` helper;
//! 3. CI conventions: for `ghcr.io` the GitHub token (`GITHUB_TOKEN`, or
//!    the action's `github-token` input, which a container action receives
//!    as `INPUT_GITHUB-TOKEN`), and GitLab's
//!    `CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD` for `$CI_REGISTRY`;
//! 4. anonymous.
//!
//! An empty variable counts as unset. Secrets never reach a log line; only
//! where they came from does.

use super::Options;
use base64::Engine;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Credentials for one registry, and where they came from.
pub struct Credentials {
    pub auth: RegistryAuth,
    /// Where the credentials were found (`CI_REGISTRY_USER/CI_REGISTRY_PASSWORD`,
    /// a `config.json` path), never the secret: a refusal names it, so the
    /// user knows which credentials to fix. `None` for anonymous access.
    pub origin: Option<String>,
}

impl Credentials {
    fn from(origin: impl Into<String>, auth: RegistryAuth) -> Self {
        let origin = origin.into();
        tracing::debug!("using registry credentials from {origin}");
        Credentials {
            auth,
            origin: Some(origin),
        }
    }
}

/// The credentials for `registry` (a host, with port if any).
pub fn resolve(registry: &str, options: &Options) -> Credentials {
    resolve_with(registry, options, &|name: &str| {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    })
}

fn resolve_with(
    registry: &str,
    options: &Options,
    env: &dyn Fn(&str) -> Option<String>,
) -> Credentials {
    if let (Some(user), Some(password)) = (&options.username, &options.password) {
        return Credentials::from(
            "--username/--password (SCANGATE_USERNAME/SCANGATE_PASSWORD)",
            RegistryAuth::Basic(user.clone(), password.clone()),
        );
    }
    if let Some(found) = from_docker_config(registry, env) {
        return found;
    }
    if registry == "ghcr.io" {
        let token = env("GITHUB_TOKEN").or_else(|| env("INPUT_GITHUB-TOKEN"));
        if let Some(token) = token {
            let user = env("GITHUB_ACTOR").unwrap_or_else(|| "github-actions".into());
            return Credentials::from(
                "the GitHub token (GITHUB_TOKEN or the github-token input)",
                RegistryAuth::Basic(user, token),
            );
        }
    }
    if env("CI_REGISTRY").is_some_and(|r| same_registry(&r, registry)) {
        if let (Some(user), Some(password)) = (env("CI_REGISTRY_USER"), env("CI_REGISTRY_PASSWORD"))
        {
            return Credentials::from(
                "CI_REGISTRY_USER/CI_REGISTRY_PASSWORD",
                RegistryAuth::Basic(user, password),
            );
        }
    }
    Credentials {
        auth: RegistryAuth::Anonymous,
        origin: None,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

fn docker_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match env("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => dirs::home_dir().map(|h| h.join(".docker").join("config.json")),
    }
}

fn from_docker_config(registry: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<Credentials> {
    let path = docker_config_path(env)?;
    let raw = std::fs::read(&path).ok()?;
    let config: DockerConfig = match serde_json::from_slice(&raw) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("{}: not read ({e})", path.display());
            return None;
        }
    };
    if let Some((_, helper)) = config
        .cred_helpers
        .iter()
        .find(|(host, _)| same_registry(host, registry))
    {
        return from_helper(helper, registry);
    }
    if let Some((_, entry)) = config
        .auths
        .iter()
        .find(|(host, _)| same_registry(host, registry))
    {
        if let Some(auth) = decode_entry(entry) {
            return Some(Credentials::from(path.display().to_string(), auth));
        }
    }
    config
        .creds_store
        .as_deref()
        .and_then(|helper| from_helper(helper, registry))
}

fn decode_entry(entry: &AuthEntry) -> Option<RegistryAuth> {
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Some(RegistryAuth::Basic(u.clone(), p.clone()));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(entry.auth.as_deref()?.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    Some(RegistryAuth::Basic(user.to_string(), password.to_string()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// Asks `docker-credential-<helper> get` (the protocol Docker uses: the
/// server on stdin, JSON on stdout). A helper that fails or has nothing
/// for the registry means no credentials, with a warning.
fn from_helper(helper: &str, registry: &str) -> Option<Credentials> {
    let program = format!("docker-credential-{helper}");
    let server = if registry == "docker.io" || registry == "index.docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("credential helper {program} not run: {e}");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits early closes its stdin; its exit status says why.
        let _ = stdin.write_all(server.as_bytes());
    }
    let output = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!("credential helper {program} failed: {e}");
            return None;
        }
    };
    if !output.status.success() {
        tracing::warn!("credential helper {program} has no credentials for {registry}");
        return None;
    }
    match serde_json::from_slice::<HelperAnswer>(&output.stdout) {
        Ok(answer) => Some(Credentials::from(
            program,
            RegistryAuth::Basic(answer.username, answer.secret),
        )),
        Err(e) => {
            tracing::warn!("credential helper {program}: unreadable answer ({e})");
            None
        }
    }
}

/// Whether a config key (`https://index.docker.io/v1/`, `ghcr.io`,
/// `host:5000`) names `registry`.
fn same_registry(key: &str, registry: &str) -> bool {
    let host = |s: &str| -> String {
        let s = s
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let s = s.split('/').next().unwrap_or(s).to_ascii_lowercase();
        match s.as_str() {
            "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
                "docker.io".to_string()
            }
            _ => s,
        }
    };
    host(key) == host(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(found: Credentials) -> Option<(String, String)> {
        match found.auth {
            RegistryAuth::Basic(u, p) => Some((u, p)),
            _ => None,
        }
    }

    #[test]
    fn docker_hub_has_several_names() {
        assert!(same_registry("https://index.docker.io/v1/", "docker.io"));
        assert!(same_registry("ghcr.io", "ghcr.io"));
        assert!(same_registry("http://localhost:5000", "localhost:5000"));
        assert!(!same_registry("ghcr.io", "quay.io"));
    }

    #[test]
    fn credentials_come_from_flags_then_config_then_ci() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = r#"{"auths":{"reg.example:5000":{"auth":"dXNlcjpzM2NyZXQ="}}}"#;
        std::fs::write(dir.path().join("config.json"), config).expect("write");
        let docker_config = dir.path().display().to_string();
        let env = |name: &str| match name {
            "DOCKER_CONFIG" => Some(docker_config.clone()),
            "GITHUB_TOKEN" => Some("ghp_x".to_string()),
            "CI_REGISTRY" => Some("registry.gitlab.com".to_string()),
            "CI_REGISTRY_USER" => Some("gitlab-ci-token".to_string()),
            "CI_REGISTRY_PASSWORD" => Some("glpat".to_string()),
            _ => None,
        };
        let none = Options::default();
        assert_eq!(
            basic(resolve_with("reg.example:5000", &none, &env)),
            Some(("user".into(), "s3cret".into()))
        );
        let flags = Options {
            username: Some("me".into()),
            password: Some("pw".into()),
            insecure: false,
        };
        assert_eq!(
            basic(resolve_with("reg.example:5000", &flags, &env)),
            Some(("me".into(), "pw".into()))
        );
        assert_eq!(
            basic(resolve_with("ghcr.io", &none, &env)),
            Some(("github-actions".into(), "ghp_x".into()))
        );
        assert_eq!(
            basic(resolve_with("registry.gitlab.com", &none, &env)),
            Some(("gitlab-ci-token".into(), "glpat".into()))
        );
        assert_eq!(
            resolve_with("registry.gitlab.com", &none, &env)
                .origin
                .as_deref(),
            Some("CI_REGISTRY_USER/CI_REGISTRY_PASSWORD")
        );
        let anonymous = resolve_with("quay.io", &none, &env);
        assert!(matches!(anonymous.auth, RegistryAuth::Anonymous));
        assert_eq!(anonymous.origin, None);
    }

    #[test]
    fn ghcr_takes_the_actions_github_token_input() {
        let env = |name: &str| match name {
            "DOCKER_CONFIG" => Some("/nonexistent".to_string()),
            "INPUT_GITHUB-TOKEN" => Some("ghs_input".to_string()),
            "GITHUB_ACTOR" => Some("octocat".to_string()),
            _ => None,
        };
        assert_eq!(
            basic(resolve_with("ghcr.io", &Options::default(), &env)),
            Some(("octocat".into(), "ghs_input".into()))
        );
    }
}
