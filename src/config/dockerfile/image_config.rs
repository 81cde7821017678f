//! What the final image is configured to do at run time: the user it runs
//! as, the ports it exposes, its health check, and secrets baked into its
//! environment or build arguments.

use super::at_instruction;
use crate::config::{Rule, Violation};
use crate::dockerfile::{Dockerfile, Instruction, Keyword, Stage};
use crate::matching::severity::Severity;

pub(super) static ROOT_USER: Rule = Rule {
    id: "SG-DS-002",
    aliases: &["DS-0002", "DS002", "AVD-DS-0002"],
    title: "Image runs as root",
    severity: Severity::High,
    rationale: "A process running as root in the container is root on the host's kernel: a \
                container escape or a writable host mount becomes a host compromise.",
    resolution: "Create an unprivileged user and switch to it at the end:\n\n    \
                 RUN useradd --system --uid 10001 app\n    USER 10001",
};

pub(super) static SECRET_IN_ENV: Rule = Rule {
    id: "SG-DS-010",
    aliases: &["DS-0031", "DS031", "AVD-DS-0031"],
    title: "Secret in `ENV` or `ARG`",
    severity: Severity::Critical,
    rationale: "`ENV` values are stored in the image config and `ARG` values in its history: \
                anyone who can pull the image can read them.",
    resolution: "Pass secrets at build time with a secret mount and at run time through the \
                 orchestrator:\n\n    RUN --mount=type=secret,id=token TOKEN=$(cat \
                 /run/secrets/token) ./fetch.sh",
};

pub(super) static EXPOSE_SSH: Rule = Rule {
    id: "SG-DS-011",
    aliases: &["DS-0004", "DS004", "AVD-DS-0004"],
    title: "Image exposes port 22",
    severity: Severity::Medium,
    rationale: "An SSH server in a container is an extra way in that bypasses the \
                orchestrator's access control; use `docker exec`/`kubectl exec` instead.",
    resolution: "Remove 22 from `EXPOSE` and the SSH server from the image.",
};

pub(super) static NO_HEALTHCHECK: Rule = Rule {
    id: "SG-DS-013",
    aliases: &["DS-0026", "DS026", "AVD-DS-0026"],
    title: "Image has no HEALTHCHECK",
    severity: Severity::Low,
    rationale: "Without a health check, Docker reports a hung service as running and nothing \
                restarts it.",
    resolution: "Add a health check (or `HEALTHCHECK NONE` to say none is wanted):\n\n    \
                 HEALTHCHECK CMD curl -fsS http://localhost:8080/health || exit 1",
};

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    let Some(last) = file.stages.last() else {
        return;
    };
    let lineage = lineage(file, last);
    let last_user = lineage
        .iter()
        .flat_map(|stage| stage.instructions.iter().rev().map(move |i| (stage, i)))
        .find(|(_, i)| i.keyword == Keyword::User);
    match last_user {
        None => found.push(at_instruction(
            &ROOT_USER,
            last,
            &last.from,
            "The final stage sets no USER, so the image runs as root unless its base sets one."
                .into(),
        )),
        Some((stage, user)) if is_root(&user.text) => found.push(at_instruction(
            &ROOT_USER,
            stage,
            user,
            "The last USER of the final image is root.".into(),
        )),
        Some(_) => {}
    }
    let has_healthcheck = lineage.iter().any(|stage| {
        stage
            .instructions
            .iter()
            .any(|i| i.keyword == Keyword::Healthcheck)
    });
    if !has_healthcheck {
        found.push(at_instruction(
            &NO_HEALTHCHECK,
            last,
            &last.from,
            "The final image has no HEALTHCHECK.".into(),
        ));
    }
    for stage in &file.stages {
        for instruction in &stage.instructions {
            match instruction.keyword {
                Keyword::Expose if exposes_port_22(&instruction.text) => {
                    found.push(at_instruction(
                        &EXPOSE_SSH,
                        stage,
                        instruction,
                        "Port 22 (SSH) is exposed.".into(),
                    ))
                }
                Keyword::Env | Keyword::Arg => {
                    if let Some(why) = secret(instruction) {
                        found.push(at_instruction(&SECRET_IN_ENV, stage, instruction, why));
                    }
                }
                _ => {}
            }
        }
    }
}

/// `stage` and the earlier stages it builds on (`FROM build AS final`),
/// newest first: their USER and HEALTHCHECK carry over into it.
fn lineage<'a>(file: &'a Dockerfile, stage: &'a Stage) -> Vec<&'a Stage> {
    let mut chain = vec![stage];
    let mut current = stage;
    while let Some(parent) = file.stages[..current.index].iter().rev().find(|s| {
        s.name
            .as_ref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&current.base))
    }) {
        chain.push(parent);
        current = parent;
    }
    chain
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

fn exposes_port_22(args: &str) -> bool {
    args.split_whitespace().any(|spec| {
        let port = spec.split('/').next().unwrap_or(spec);
        match port.split_once('-') {
            Some((from, to)) => match (from.parse::<u16>(), to.parse::<u16>()) {
                (Ok(from), Ok(to)) => (from..=to).contains(&22),
                _ => false,
            },
            None => port == "22",
        }
    })
}

/// Why an `ENV`/`ARG` looks like it carries a secret: a secret-sounding
/// name (with a value for `ENV`), or a value shaped like a known token.
fn secret(instruction: &Instruction) -> Option<String> {
    for (name, value) in assignments(instruction) {
        if let Some(kind) = token_shape(value) {
            return Some(format!(
                "{} {name} holds what looks like {kind}.",
                instruction.keyword
            ));
        }
        let named = secret_name(name);
        let bakes_value = instruction.keyword == Keyword::Arg || !value.is_empty();
        if named && bakes_value {
            return Some(format!(
                "{} {name} looks like a secret and is stored in the image.",
                instruction.keyword
            ));
        }
    }
    None
}

/// `NAME=value` pairs of an `ENV` or `ARG` (and the legacy `ENV NAME value`).
fn assignments(instruction: &Instruction) -> Vec<(&str, &str)> {
    let args = instruction.text.trim();
    let first = args.split_whitespace().next().unwrap_or("");
    if instruction.keyword == Keyword::Env && !first.contains('=') {
        let value = args[first.len()..].trim();
        return vec![(first, value.trim_matches('"'))];
    }
    args.split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => (name, value.trim_matches(['"', '\''])),
            None => (word, ""),
        })
        .collect()
}

/// Names such as `DB_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`;
/// not `PASSWORD_FILE` or `TOKEN_PATH`, which point at a secret elsewhere.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-']).collect();
    let pointer = matches!(
        words.last(),
        Some(&"FILE" | &"PATH" | &"DIR" | &"URL" | &"ID")
    ) && !upper.ends_with("ACCESS_KEY_ID");
    let secret_word = words.iter().any(|w| {
        matches!(
            *w,
            "PASSWORD" | "PASSWD" | "SECRET" | "TOKEN" | "APIKEY" | "CREDENTIALS"
        )
    });
    let secret_pair = ["API_KEY", "ACCESS_KEY", "PRIVATE_KEY", "SECRET_KEY"]
        .iter()
        .any(|pair| upper.contains(pair));
    !pointer && (secret_word || secret_pair)
}

/// Values with the shape of a well-known credential.
fn token_shape(value: &str) -> Option<&'static str> {
    let prefixes = [
        ("ghp_", "a GitHub token"),
        ("github_pat_", "a GitHub token"),
        ("glpat-", "a GitLab token"),
        ("xoxb-", "a Slack token"),
        ("xoxp-", "a Slack token"),
        ("-----BEGIN", "a private key"),
    ];
    if let Some((_, kind)) = prefixes.iter().find(|(p, _)| value.starts_with(p)) {
        return Some(kind);
    }
    let aws_key = value.len() == 20
        && value.starts_with("AKIA")
        && value[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    aws_key.then_some("an AWS access key id")
}
