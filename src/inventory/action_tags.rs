//! Actions pinned to a bare commit SHA (`uses: owner/repo@<40 hex>` with no
//! `# vX.Y.Z` comment) resolved to the release they are, so they can be
//! matched in OSV's "GitHub Actions" ecosystem like a tag. As zizmor's
//! `known-vulnerable-actions` audit does: list the repository's tags
//! through GitHub's REST API (`GET {api}/repos/{owner}/{repo}/tags`, which
//! gives each tag's commit, so annotated tags need no second request) and
//! take the longest tag name on that commit (`v4.1.7` rather than `v4`).
//!
//! The API root is the one publishing uses (`GITHUB_API_URL`, GitHub
//! Enterprise Server's `https://HOST/api/v3`), with the token if there is
//! one. Bounded: each repository is asked once per run, at most
//! [`MAX_PAGES`] pages of 100 tags and [`MAX_REPOSITORIES`] repositories,
//! every request with a timeout and a body limit, and after the first
//! request that cannot reach the API nothing more is asked.
//!
//! When the API cannot answer (unreachable, rate-limited, an error status,
//! or `--offline`), each such `uses:` line gets one warning naming it and
//! the action is left unmatched; the scan goes on. This does not fail
//! closed, deliberately: the tag lookup is an enrichment of a ref the
//! workflow already pins immutably, the anonymous API allows 60 requests
//! an hour, and a gate that failed whenever api.github.com did would fail
//! most forks' and air-gapped runs for a reason unrelated to their code.
//! The warning says how to make the line resolvable offline (the
//! `# vX.Y.Z` comment pinning tools write). zizmor, for comparison, skips
//! the audit entirely without a token and stops on an API error.

use super::{purl, Inventory, PackageFormat};
use std::collections::HashMap;
use std::time::Duration;

/// Pages of 100 tags read per repository (tags come newest first).
pub const MAX_PAGES: usize = 10;
/// Distinct repositories asked per run.
pub const MAX_REPOSITORIES: usize = 100;
/// The most one page of tags may weigh.
const MAX_PAGE_BYTES: usize = 4 << 20;

/// Where and how to ask GitHub.
pub struct Resolver {
    /// The REST API root, without a trailing slash.
    api_url: String,
    token: Option<String>,
    /// Never ask (`--offline`).
    offline: bool,
    /// Tags by `owner/repo`: `Err` holds why they could not be read.
    cache: HashMap<String, Result<Vec<Tag>, String>>,
    /// Set after a request that could not reach the API.
    unreachable: Option<String>,
}

/// One tag of the list: its name and the commit it points at.
#[derive(Debug, Clone, serde::Deserialize)]
struct Tag {
    name: String,
    commit: Commit,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct Commit {
    sha: String,
}

/// Whether a version is a bare commit SHA, as the workflow analyzer leaves
/// an action pinned to one without a tag comment.
pub fn is_commit(version: &str) -> bool {
    version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Resolver {
    pub fn new(api_url: &str, token: Option<String>, offline: bool) -> Resolver {
        Resolver {
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            offline,
            cache: HashMap::new(),
            unreachable: None,
        }
    }

    /// Replaces each SHA-pinned action's version in `inventory` by its tag,
    /// and drops (with a warning naming the line) the ones the API could
    /// not answer for; an action whose commit has no tag is dropped
    /// quietly, as zizmor does (a commit off any release names no version).
    pub fn resolve(&mut self, inventory: &mut Inventory) {
        for set in &mut inventory.package_dbs {
            if set.format != PackageFormat::GithubActions {
                continue;
            }
            let mut packages = std::mem::take(&mut set.packages);
            packages.retain_mut(|found| {
                let package = &mut found.package;
                if !is_commit(&package.version) {
                    return true;
                }
                let at = format!("{}:{}", found.file, package.line.unwrap_or(0));
                match self.tag_for(&package.name, &package.version) {
                    Ok(Some(tag)) => {
                        package.version = tag;
                        found.purl = purl::for_package(PackageFormat::GithubActions, None, package);
                        true
                    }
                    Ok(None) => {
                        tracing::debug!(
                            "{at}: no tag of {} points at {}: not matched",
                            package.name,
                            package.version
                        );
                        false
                    }
                    Err(why) => {
                        tracing::warn!(
                            "{at}: {}@{} not checked for known vulnerabilities: its tag could not be looked up ({why}); a `# vX.Y.Z` comment after the SHA names it without the API",
                            package.name,
                            package.version
                        );
                        false
                    }
                }
            });
            packages.sort_by(|a, b| {
                (&a.package.name, &a.package.version, &a.file).cmp(&(
                    &b.package.name,
                    &b.package.version,
                    &b.file,
                ))
            });
            set.packages = packages;
        }
        inventory.package_dbs.retain(|set| !set.packages.is_empty());
    }

    /// The longest tag of `repository` on `commit`.
    fn tag_for(&mut self, repository: &str, commit: &str) -> Result<Option<String>, String> {
        if self.offline {
            return Err("--offline".into());
        }
        if !self.cache.contains_key(repository) {
            let tags = if let Some(why) = &self.unreachable {
                Err(why.clone())
            } else if self.cache.len() >= MAX_REPOSITORIES {
                Err(format!("more than {MAX_REPOSITORIES} repositories to ask"))
            } else {
                self.fetch(repository)
            };
            self.cache.insert(repository.to_string(), tags);
        }
        let tags = self.cache[repository].as_ref().map_err(Clone::clone)?;
        Ok(tags
            .iter()
            .filter(|t| t.commit.sha.eq_ignore_ascii_case(commit))
            .max_by_key(|t| t.name.len())
            .map(|t| t.name.clone()))
    }

    /// Every tag of `repository`, page by page.
    fn fetch(&mut self, repository: &str) -> Result<Vec<Tag>, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("scangate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let mut tags = Vec::new();
        for page in 1..=MAX_PAGES {
            let url = format!(
                "{}/repos/{repository}/tags?per_page=100&page={page}",
                self.api_url
            );
            let batch = match runtime.block_on(self.page(&client, &url)) {
                Ok(batch) => batch,
                Err(Failure::Unreachable(why)) => {
                    self.unreachable = Some(why.clone());
                    return Err(why);
                }
                Err(Failure::Answer(why)) => return Err(why),
            };
            let last = batch.len() < 100;
            tags.extend(batch);
            if last {
                break;
            }
        }
        Ok(tags)
    }

    /// One page of tags; a repository GitHub does not know has none.
    async fn page(&self, client: &reqwest::Client, url: &str) -> Result<Vec<Tag>, Failure> {
        let mut request = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        // reqwest's error names the URL, which holds no secret.
        let mut response = request
            .send()
            .await
            .map_err(|e| Failure::Unreachable(format!("{} unreachable: {e}", self.api_url)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(Failure::Answer(format!("GitHub API answered {status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Failure::Answer(format!("reading the tag list: {e}")))?
        {
            if body.len() + chunk.len() > MAX_PAGE_BYTES {
                return Err(Failure::Answer("tag list page too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map_err(|e| Failure::Answer(format!("unreadable tag list: {e}")))
    }
}

/// Why a page could not be read: the API could not be reached at all (so
/// nothing more is asked), or it answered with an error.
enum Failure {
    Unreachable(String),
    Answer(String),
}
