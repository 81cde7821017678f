//! What CI we are in and what it told us: GitHub Actions or GitLab CI, read
//! from environment variables through an [`Env`] map so tests never touch
//! the process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot of environment variables. `scangate ci` reads the process
/// environment once into this map; tests build one by hand.
#[derive(Debug, Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// The process environment (variables whose name or value is not
    /// Unicode are left out: none of ours are).
    pub fn from_process() -> Self {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }

    /// The variable's value; an empty value counts as unset (GitHub sets
    /// every declared action input, empty when the user gave none).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A GitHub Action input (`with: name: value`): `INPUT_<NAME>`, the
    /// name upper-cased with hyphens kept, as Docker container actions
    /// receive them.
    pub fn input(&self, name: &str) -> Option<&str> {
        self.get(&format!("INPUT_{}", name.to_ascii_uppercase()))
            .map(str::trim)
    }
}

/// A secret read from the environment or a flag. Its `Debug` never shows
/// the value; [`Secret::expose`] is the only way to it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Environment variables that may hold secrets: their values are masked in
/// GitHub's log before anything else is printed.
pub const SECRET_VARIABLES: &[&str] = &[
    "INPUT_GITHUB-TOKEN",
    "GITHUB_TOKEN",
    "SCANGATE_GITLAB_TOKEN",
    "SCANGATE_PASSWORD",
    "INPUT_REGISTRY-PASSWORD",
    "CI_REGISTRY_PASSWORD",
    "CS_REGISTRY_PASSWORD",
    "CI_JOB_TOKEN",
];

/// The CI we run in.
#[derive(Debug, Clone)]
pub enum Ci {
    GitHub(GitHub),
    GitLab(GitLab),
    /// Neither: reports are written, nothing is published.
    Other,
}

impl Ci {
    /// Detects the CI from `env`; a GitHub event file that cannot be read
    /// is a warning in the returned list, and the context goes on without
    /// the pull request.
    pub fn detect(env: &Env) -> (Ci, Vec<String>) {
        if env.is_true("GITHUB_ACTIONS") {
            let (gh, warnings) = GitHub::from_env(env);
            (Ci::GitHub(gh), warnings)
        } else if env.is_true("GITLAB_CI") {
            (Ci::GitLab(GitLab::from_env(env)), Vec::new())
        } else {
            (Ci::Other, Vec::new())
        }
    }
}

/// What GitHub Actions told us.
#[derive(Debug, Clone)]
pub struct GitHub {
    /// `owner/name`.
    pub repository: Option<String>,
    /// `GITHUB_SHA`: for `pull_request` events the merge commit GitHub made.
    pub sha: Option<String>,
    /// `GITHUB_REF`: `refs/heads/…`, `refs/tags/…`, `refs/pull/N/merge`.
    pub git_ref: Option<String>,
    pub event_name: Option<String>,
    pub pull_request: Option<PullRequest>,
    /// REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).
    pub api_url: String,
    pub server_url: String,
    pub workspace: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// The `github-token` input, else `GITHUB_TOKEN`.
    pub token: Option<Secret>,
}

/// The pull request of a `pull_request`/`pull_request_target` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub head_sha: Option<String>,
    pub base_ref: Option<String>,
    /// The head repository is not the base repository: GitHub gives such
    /// runs a read-only token.
    pub fork: bool,
}

impl GitHub {
    pub fn from_env(env: &Env) -> (GitHub, Vec<String>) {
        let mut warnings = Vec::new();
        let event_name = env.get("GITHUB_EVENT_NAME").map(str::to_string);
        let pull_request = match (event_name.as_deref(), env.get("GITHUB_EVENT_PATH")) {
            (Some("pull_request" | "pull_request_target"), Some(path)) => {
                match std::fs::read(path)
                    .map_err(|e| e.to_string())
                    .and_then(|b| PullRequest::from_event(&b))
                {
                    Ok(pr) => Some(pr),
                    Err(e) => {
                        warnings.push(format!("cannot read the event payload {path}: {e}"));
                        None
                    }
                }
            }
            _ => None,
        };
        let gh = GitHub {
            repository: env.get("GITHUB_REPOSITORY").map(str::to_string),
            sha: env.get("GITHUB_SHA").map(str::to_string),
            git_ref: env.get("GITHUB_REF").map(str::to_string),
            event_name,
            pull_request,
            api_url: env
                .get("GITHUB_API_URL")
                .unwrap_or("https://api.github.com")
                .trim_end_matches('/')
                .to_string(),
            server_url: env
                .get("GITHUB_SERVER_URL")
                .unwrap_or("https://github.com")
                .trim_end_matches('/')
                .to_string(),
            workspace: env.get("GITHUB_WORKSPACE").map(PathBuf::from),
            step_summary: env.get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: env.get("GITHUB_OUTPUT").map(PathBuf::from),
            token: env
                .input("github-token")
                .or_else(|| env.get("GITHUB_TOKEN"))
                .map(Secret::new),
        };
        (gh, warnings)
    }

    /// `(owner, name)` of the repository.
    pub fn owner_repo(&self) -> Option<(&str, &str)> {
        let (owner, name) = self.repository.as_deref()?.split_once('/')?;
        (!owner.is_empty() && !name.is_empty()).then_some((owner, name))
    }

    /// The commit and ref a code-scanning upload belongs to, as GitHub
    /// documents them: for a `pull_request` run, `GITHUB_REF` is
    /// `refs/pull/N/merge` and `GITHUB_SHA` that merge commit (what the job
    /// checked out and scanned), and both are sent as they are; for a
    /// `pull_request_target` run they name the base branch, so the upload
    /// goes to `refs/pull/N/head` with the PR's head commit from the event
    /// payload. A push sends its own `GITHUB_REF` and `GITHUB_SHA`.
    pub fn upload_target(&self) -> Option<(String, String)> {
        let git_ref = self.git_ref.as_deref()?;
        if let Some(pr) = &self.pull_request {
            let merge_ref = format!("refs/pull/{}/merge", pr.number);
            if git_ref != merge_ref {
                let sha = pr.head_sha.clone()?;
                return Some((sha, format!("refs/pull/{}/head", pr.number)));
            }
        }
        Some((self.sha.clone()?, git_ref.to_string()))
    }
}

impl PullRequest {
    /// Reads the `pull_request` object of an event payload.
    pub fn from_event(payload: &[u8]) -> Result<PullRequest, String> {
        let v: serde_json::Value =
            serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
        let pr = &v["pull_request"];
        let number = pr["number"]
            .as_u64()
            .or_else(|| v["number"].as_u64())
            .ok_or("no pull_request.number")?;
        let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let head_repo = s(&pr["head"]["repo"]["full_name"]);
        let base_repo = s(&pr["base"]["repo"]["full_name"]);
        Ok(PullRequest {
            number,
            head_sha: s(&pr["head"]["sha"]),
            base_ref: s(&pr["base"]["ref"]),
            // A deleted fork leaves `head.repo` null.
            fork: match (&head_repo, &base_repo) {
                (Some(h), Some(b)) => h != b,
                (None, Some(_)) => true,
                _ => false,
            },
        })
    }
}

/// What GitLab CI told us.
#[derive(Debug, Clone)]
pub struct GitLab {
    /// `CI_API_V4_URL`, e.g. `https://gitlab.com/api/v4`.
    pub api_url: Option<String>,
    pub project_id: Option<String>,
    /// `CI_MERGE_REQUEST_IID`: set in merge-request pipelines only.
    pub merge_request_iid: Option<u64>,
    pub commit_sha: Option<String>,
    pub pipeline_source: Option<String>,
    pub project_dir: Option<PathBuf>,
    /// `SCANGATE_GITLAB_TOKEN`: a project or group access token with `api`
    /// scope (`CI_JOB_TOKEN` cannot write merge-request notes).
    pub token: Option<Secret>,
}

impl GitLab {
    pub fn from_env(env: &Env) -> GitLab {
        GitLab {
            api_url: env
                .get("CI_API_V4_URL")
                .map(|u| u.trim_end_matches('/').to_string()),
            project_id: env.get("CI_PROJECT_ID").map(str::to_string),
            merge_request_iid: env
                .get("CI_MERGE_REQUEST_IID")
                .and_then(|v| v.trim().parse().ok()),
            commit_sha: env.get("CI_COMMIT_SHA").map(str::to_string),
            pipeline_source: env.get("CI_PIPELINE_SOURCE").map(str::to_string),
            project_dir: env.get("CI_PROJECT_DIR").map(PathBuf::from),
            token: env.get("SCANGATE_GITLAB_TOKEN").map(Secret::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pr_event(head_repo: &str, base_repo: &str) -> Vec<u8> {
        json!({
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"sha": "headsha", "ref": "feature", "repo": {"full_name": head_repo}},
                "base": {"ref": "main", "repo": {"full_name": base_repo}}
            }
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn pull_request_payload_gives_number_head_and_fork() {
        let pr = PullRequest::from_event(&pr_event("o/r", "o/r")).unwrap();
        assert_eq!(pr.number, 7);
        assert_eq!(pr.head_sha.as_deref(), Some("headsha"));
        assert_eq!(pr.base_ref.as_deref(), Some("main"));
        assert!(!pr.fork);
        assert!(
            PullRequest::from_event(&pr_event("someone/r", "o/r"))
                .unwrap()
                .fork
        );
        assert!(PullRequest::from_event(b"{}").is_err());
    }

    fn github(git_ref: &str, pr: Option<PullRequest>) -> GitHub {
        let (mut gh, _) = GitHub::from_env(&Env::from_pairs([
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "mergesha"),
            ("GITHUB_REF", git_ref),
        ]));
        gh.pull_request = pr;
        gh
    }

    #[test]
    fn upload_target_follows_the_event() {
        let push = github("refs/heads/main", None);
        assert_eq!(
            push.upload_target(),
            Some(("mergesha".into(), "refs/heads/main".into()))
        );
        let pr = PullRequest {
            number: 7,
            head_sha: Some("headsha".into()),
            base_ref: Some("main".into()),
            fork: false,
        };
        let pull_request = github("refs/pull/7/merge", Some(pr.clone()));
        assert_eq!(
            pull_request.upload_target(),
            Some(("mergesha".into(), "refs/pull/7/merge".into()))
        );
        // pull_request_target: GITHUB_REF is the base branch.
        let target = github("refs/heads/main", Some(pr));
        assert_eq!(
            target.upload_target(),
            Some(("headsha".into(), "refs/pull/7/head".into()))
        );
    }

    #[test]
    fn token_input_wins_over_github_token_and_empty_counts_as_unset() {
        let env = Env::from_pairs([
            ("INPUT_GITHUB-TOKEN", "from-input"),
            ("GITHUB_TOKEN", "from-env"),
        ]);
        assert_eq!(
            GitHub::from_env(&env).0.token,
            Some(Secret::new("from-input"))
        );
        let env = Env::from_pairs([("INPUT_GITHUB-TOKEN", ""), ("GITHUB_TOKEN", "from-env")]);
        assert_eq!(
            GitHub::from_env(&env).0.token,
            Some(Secret::new("from-env"))
        );
        assert_eq!(format!("{:?}", Secret::new("s3cr3t")), "Secret(***)");
    }

    #[test]
    fn detects_the_ci() {
        let (ci, _) = Ci::detect(&Env::from_pairs([
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "12"),
            ("CI_API_V4_URL", "https://gitlab.example/api/v4/"),
        ]));
        let Ci::GitLab(gl) = ci else {
            panic!("not GitLab: {ci:?}")
        };
        assert_eq!(gl.merge_request_iid, Some(12));
        assert_eq!(gl.api_url.as_deref(), Some("https://gitlab.example/api/v4"));
        assert!(matches!(Ci::detect(&Env::default()).0, Ci::Other));
    }
}
