//! GitHub Actions workflows (`.github/workflows/*.yml|yaml`): triggers,
//! token permissions, jobs, steps, `uses`, `run`, `with`, `env`. The rules
//! (see [`rules`]) go beyond Trivy, which has no workflow checks.

mod expressions;
pub mod rules;

use super::yaml::{self, Node};
use super::{Checker, FileType, Rule, Violation};
use rules::*;

/// The workflow checker (registered in [`super::CHECKERS`]).
pub struct Workflows;

/// Triggers that run with the base repository's secrets and token on
/// events an outsider can cause.
const PRIVILEGED_TRIGGERS: [&str; 2] = ["pull_request_target", "workflow_run"];
/// Expressions in a checkout's `ref` that name the untrusted head.
const UNTRUSTED_REFS: [&str; 6] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "refs/pull/",
];
/// Owners whose actions are GitHub's own and exempt from pinning.
const TRUSTED_OWNERS: [&str; 2] = ["actions", "github"];

impl Checker for Workflows {
    fn file_type(&self) -> FileType {
        FileType::GithubWorkflow
    }

    fn wants(&self, path: &str) -> bool {
        let Some((dir, file)) = path.rsplit_once('/') else {
            return false;
        };
        (dir == ".github/workflows" || dir.ends_with("/.github/workflows"))
            && (file.ends_with(".yml") || file.ends_with(".yaml"))
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let docs = yaml::parse(content)?;
        let mut out = Vec::new();
        if let Some(doc) = docs.first() {
            Workflow::new(doc, content).check(&mut out);
        }
        out.sort_by_key(|v| (v.start_line, v.rule.id));
        Ok(out)
    }

    fn rules(&self) -> &'static [&'static Rule] {
        RULES
    }
}

struct Workflow<'a> {
    doc: &'a Node,
    lines: Vec<&'a str>,
}

impl<'a> Workflow<'a> {
    fn new(doc: &'a Node, content: &'a str) -> Self {
        Workflow {
            doc,
            lines: content.lines().collect(),
        }
    }

    fn check(&self, out: &mut Vec<Violation>) {
        let privileged = self
            .triggers()
            .into_iter()
            .any(|t| PRIVILEGED_TRIGGERS.contains(&t));
        check_permissions(self.doc, "workflow", out);
        check_env(self.doc, "workflow", out);
        let jobs = self.doc.entry("jobs");
        let mut unscoped_jobs = Vec::new();
        for (id, job) in jobs.map(|(_, j)| j.entries()).unwrap_or_default() {
            let job_id = id.as_str().unwrap_or("");
            let part = format!("jobs/{job_id}");
            if job.get("permissions").is_none() {
                unscoped_jobs.push(job_id);
            }
            check_permissions(job, &part, out);
            check_env(job, &part, out);
            if let Some(uses) = job.get("uses") {
                check_pinned(uses, &part, out);
                if let Some((k, v)) = job
                    .entry("secrets")
                    .filter(|(_, v)| v.as_str() == Some("inherit"))
                {
                    if !uses.as_str().unwrap_or("").starts_with("./") {
                        out.push(violation(
                            &SECRETS_INHERIT,
                            format!(
                                "Job '{job_id}' passes all secrets to {}",
                                uses.as_str().unwrap_or("")
                            ),
                            (k.line, v.line),
                            &part,
                        ));
                    }
                }
            }
            for (i, step) in job
                .get("steps")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let part = match step.get("id").or(step.get("name")).and_then(Node::as_str) {
                    Some(name) => format!("{part}/steps/{name}"),
                    None => format!("{part}/steps/{i}"),
                };
                check_env(step, &part, out);
                if let Some(uses) = step.get("uses") {
                    check_pinned(uses, &part, out);
                    if privileged {
                        self.check_checkout(step, uses, &part, out);
                    }
                }
                self.check_injection(step, &part, out);
            }
        }
        let top_scoped = self.doc.get("permissions").is_some();
        if !top_scoped && !unscoped_jobs.is_empty() && self.uses_secrets() {
            if let Some((key, _)) = jobs {
                out.push(violation(
                    &MISSING_PERMISSIONS,
                    format!(
                        "The workflow uses secrets but neither it nor job(s) {} set `permissions`",
                        unscoped_jobs.join(", ")
                    ),
                    (key.line, key.line),
                    "permissions",
                ));
            }
        }
    }

    /// The events the workflow runs on (`on:` as a name, a list or a map).
    fn triggers(&self) -> Vec<&'a str> {
        match self.doc.get("on") {
            Some(on) => match on.as_str() {
                Some(one) => vec![one],
                None => on
                    .items()
                    .iter()
                    .chain(on.entries().iter().map(|(k, _)| k))
                    .filter_map(Node::as_str)
                    .collect(),
            },
            None => Vec::new(),
        }
    }

    fn uses_secrets(&self) -> bool {
        self.lines.iter().any(|line| {
            expressions::expressions(line)
                .iter()
                .any(|(_, inner)| inner.contains("secrets."))
        })
    }

    fn check_checkout(&self, step: &Node, uses: &Node, part: &str, out: &mut Vec<Violation>) {
        if !uses.as_str().unwrap_or("").starts_with("actions/checkout@") {
            return;
        }
        let Some((key, value)) = step.get("with").and_then(|w| w.entry("ref")) else {
            return;
        };
        let reference = value.as_str().unwrap_or("");
        if UNTRUSTED_REFS.iter().any(|u| reference.contains(u)) {
            out.push(violation(
                &UNTRUSTED_CHECKOUT,
                format!("A pull_request_target/workflow_run workflow checks out the untrusted head {reference:?}"),
                (key.line, value.line),
                part,
            ));
        }
    }

    /// `run:` scripts, and `actions/github-script`'s `script:` (the same
    /// injection, in JavaScript).
    fn check_injection(&self, step: &Node, part: &str, out: &mut Vec<Violation>) {
        let github_script = step
            .get("uses")
            .and_then(Node::as_str)
            .is_some_and(|u| u.starts_with("actions/github-script@"));
        let script = match step.entry("run") {
            Some(run) => Some(run),
            None if github_script => step.get("with").and_then(|w| w.entry("script")),
            None => None,
        };
        let Some((key, value)) = script else { return };
        let Some(text) = value.as_str() else { return };
        let mut reported: Vec<String> = Vec::new();
        for (whole, inner) in expressions::expressions(text) {
            for untrusted in expressions::untrusted_values(inner) {
                if reported.contains(&untrusted) {
                    continue;
                }
                let line = self.line_of(whole, key.line, text.lines().count());
                out.push(violation(
                    &SCRIPT_INJECTION,
                    format!("`{whole}` puts the untrusted {untrusted} into the script"),
                    (line, line),
                    &format!("{part}/{untrusted}"),
                ));
                reported.push(untrusted);
            }
        }
    }

    /// The first line at or after `from` (within `span` lines and a few
    /// more for block-scalar headers) that contains `text`.
    fn line_of(&self, text: &str, from: u32, span: usize) -> u32 {
        let start = from.saturating_sub(1) as usize;
        self.lines
            .iter()
            .enumerate()
            .skip(start)
            .take(span + 2)
            .find(|(_, l)| l.contains(text))
            .map_or(from, |(i, _)| u32::try_from(i + 1).unwrap_or(from))
    }
}

fn violation(rule: &'static Rule, message: String, lines: (u32, u32), subject: &str) -> Violation {
    Violation {
        rule,
        message,
        start_line: lines.0,
        end_line: lines.1.max(lines.0),
        subject: subject.to_string(),
    }
}

fn check_permissions(node: &Node, part: &str, out: &mut Vec<Violation>) {
    if let Some((k, v)) = node
        .entry("permissions")
        .filter(|(_, v)| v.as_str() == Some("write-all"))
    {
        out.push(violation(
            &WRITE_ALL,
            format!(
                "`permissions: write-all` on the {}",
                part.replace("jobs/", "job ")
            ),
            (k.line, v.line),
            part,
        ));
    }
}

fn check_env(node: &Node, part: &str, out: &mut Vec<Violation>) {
    let Some(env) = node.get("env") else { return };
    if let Some((k, v)) = env
        .entry("ACTIONS_ALLOW_UNSECURE_COMMANDS")
        .filter(|(_, v)| !v.is_false())
    {
        out.push(violation(
            &UNSECURE_COMMANDS,
            format!(
                "ACTIONS_ALLOW_UNSECURE_COMMANDS is set to {:?}",
                v.as_str().unwrap_or("")
            ),
            (k.line, v.line),
            part,
        ));
    }
}

/// A third-party action or reusable workflow must name a full commit SHA.
fn check_pinned(uses: &Node, part: &str, out: &mut Vec<Violation>) {
    let Some(action) = uses.as_str() else { return };
    if action.starts_with("./") || action.starts_with("docker://") {
        return;
    }
    let (name, reference) = action.split_once('@').unwrap_or((action, ""));
    let owner = name.split('/').next().unwrap_or("");
    if TRUSTED_OWNERS.contains(&owner.to_ascii_lowercase().as_str()) {
        return;
    }
    let pinned = reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit());
    if !pinned {
        let what = if reference.is_empty() {
            "no version".to_string()
        } else {
            format!("{reference:?}, not a commit SHA")
        };
        out.push(violation(
            &UNPINNED_ACTION,
            format!("{name} is used at {what}"),
            (uses.line, uses.line),
            &format!("{part}/{name}"),
        ));
    }
}

#[cfg(test)]
mod tests;
