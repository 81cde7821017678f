//! `RUN` commands: package installs that bloat the image or go stale,
//! `sudo`, `cd` instead of `WORKDIR`, and scripts piped from the internet
//! into a shell.
//!
//! The shell text is split into pipelines (at `;`, `&&`, `||`, `&` and new
//! lines, outside quotes) and commands (at `|`); a command's program is its
//! first word after variable assignments and `sudo`/`env`/`exec`.

use super::{at_instruction, command_text};
use crate::config::{Rule, Violation};
use crate::dockerfile::{Dockerfile, Keyword};
use crate::matching::severity::Severity;

pub(super) static APT_INSTALL_RECOMMENDS: Rule = Rule {
    id: "SG-DS-005",
    aliases: &["DS-0029", "DS029", "AVD-DS-0029"],
    title: "`apt-get install` without `--no-install-recommends`",
    severity: Severity::High,
    rationale: "Recommended packages are installed by default: more code in the image, more \
                vulnerabilities to patch, none of it asked for.",
    resolution: "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    \
                 && rm -rf /var/lib/apt/lists/*",
};

pub(super) static UPDATE_ALONE: Rule = Rule {
    id: "SG-DS-006",
    aliases: &["DS-0017", "DS017", "AVD-DS-0017"],
    title: "Package index update without an install in the same `RUN`",
    severity: Severity::High,
    rationale: "The layer with the updated index is cached: a later `RUN … install` reuses \
                the stale index and installs outdated (or no longer available) packages.",
    resolution: "Update and install in one RUN:\n\n    \
                 RUN apt-get update && apt-get install -y --no-install-recommends curl",
};

pub(super) static APK_CACHE: Rule = Rule {
    id: "SG-DS-007",
    aliases: &["DS-0025", "DS025", "AVD-DS-0025"],
    title: "`apk add` without `--no-cache`",
    severity: Severity::High,
    rationale: "The package index downloaded by `apk add` stays in the layer: a bigger \
                image for nothing.",
    resolution: "RUN apk add --no-cache curl",
};

pub(super) static PIPE_TO_SHELL: Rule = Rule {
    id: "SG-DS-008",
    aliases: &[],
    title: "Script downloaded and piped into a shell",
    severity: Severity::High,
    rationale: "`curl … | sh` runs whatever the server returns at build time, unverified: a \
                compromised or changed script runs with the build's privileges and ends up \
                in the image.",
    resolution: "Download to a file, verify its checksum, then run it:\n\n    \
                 RUN curl -fsSLo install.sh https://example.com/install.sh \\\n    \
                 && echo \"<sha256>  install.sh\" | sha256sum -c - && sh install.sh",
};

pub(super) static SUDO: Rule = Rule {
    id: "SG-DS-009",
    aliases: &["DS-0010", "DS010", "AVD-DS-0010"],
    title: "`RUN` uses `sudo`",
    severity: Severity::Critical,
    rationale: "`sudo` in an image means a user with root rights through sudo: a privilege \
                escalation path at run time, and unpredictable TTY/signal behaviour.",
    resolution: "Run the step as root (`USER root` … then `USER app`), or use `gosu`.",
};

pub(super) static RUN_CD: Rule = Rule {
    id: "SG-DS-012",
    aliases: &["DS-0013", "DS013", "AVD-DS-0013"],
    title: "`RUN cd …` instead of `WORKDIR`",
    severity: Severity::Medium,
    rationale: "A `RUN` that starts by changing directory hides where the following steps \
                work; `WORKDIR` states it once and applies to every later instruction.",
    resolution: "WORKDIR /app\nRUN make",
};

pub(super) static PIP_CACHE: Rule = Rule {
    id: "SG-DS-014",
    aliases: &[],
    title: "`pip install` without `--no-cache-dir`",
    severity: Severity::Low,
    rationale: "pip's download cache stays in the layer: a bigger image for nothing.",
    resolution: "RUN pip install --no-cache-dir -r requirements.txt\n\n(or `ENV \
                 PIP_NO_CACHE_DIR=1` earlier in the stage)",
};

/// Words before the program that do not change what runs.
const PREFIXES: &[&str] = &["sudo", "env", "exec", "command", "time", "nohup"];

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ash", "ksh"];

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    for stage in &file.stages {
        for (position, run) in stage.instructions.iter().enumerate() {
            if run.keyword != Keyword::Run {
                continue;
            }
            let text = command_text(run);
            let pipelines = split_pipelines(&text);
            let commands: Vec<&[String]> = pipelines
                .iter()
                .flat_map(|p| p.iter().map(Vec::as_slice))
                .collect();
            let cache_env = stage.instructions[..position]
                .iter()
                .any(|i| i.keyword == Keyword::Env && i.text.contains("PIP_NO_CACHE_DIR"));
            let mut report = |rule: &'static Rule, message: String| {
                found.push(at_instruction(rule, stage, run, message));
            };
            if let Some(cmd) = commands.iter().find(|c| apt_install_with_recommends(c)) {
                report(
                    &APT_INSTALL_RECOMMENDS,
                    format!("`{}` installs recommended packages.", cmd.join(" ")),
                );
            }
            if let Some(manager) = update_without_install(&commands) {
                report(
                    &UPDATE_ALONE,
                    format!("`{manager} update` is not followed by an install in this RUN."),
                );
            }
            if commands
                .iter()
                .any(|c| subcommand(c, &["apk"]) == Some("add") && !has_word(c, "--no-cache"))
            {
                report(
                    &APK_CACHE,
                    "`apk add` keeps its package index in the layer.".into(),
                );
            }
            if let Some(shell) = pipelines.iter().find_map(|p| piped_download(p)) {
                report(
                    &PIPE_TO_SHELL,
                    format!("A download is piped into `{shell}`."),
                );
            }
            if commands.iter().any(|c| {
                c.iter()
                    .find(|w| !w.contains('='))
                    .is_some_and(|w| w == "sudo")
            }) {
                report(&SUDO, "RUN uses sudo.".into());
            }
            if commands.first().is_some_and(|c| program(c) == Some("cd")) {
                report(&RUN_CD, "RUN starts with `cd`; use WORKDIR.".into());
            }
            if !cache_env && commands.iter().any(|c| pip_install_with_cache(c)) {
                report(
                    &PIP_CACHE,
                    "`pip install` keeps its cache in the layer.".into(),
                );
            }
        }
    }
}

/// Splits shell text into pipelines of commands of words (quotes kept
/// together, quote characters removed).
fn split_pipelines(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut pipelines = Vec::new();
    let mut pipeline: Vec<Vec<String>> = Vec::new();
    let mut command: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    let end_word = |word: &mut String, command: &mut Vec<String>| {
        if !word.is_empty() {
            command.push(std::mem::take(word));
        }
    };
    let end_command = |command: &mut Vec<String>, pipeline: &mut Vec<Vec<String>>| {
        if !command.is_empty() {
            pipeline.push(std::mem::take(command));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '|') if chars.peek() != Some(&'|') => {
                end_word(&mut word, &mut command);
                end_command(&mut command, &mut pipeline);
            }
            (None, ';' | '\n' | '&' | '|') => {
                chars.next_if(|next| *next == c);
                end_word(&mut word, &mut command);
                end_command(&mut command, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            (None, c) if c.is_whitespace() => end_word(&mut word, &mut command),
            (None, c) => word.push(c),
        }
    }
    end_word(&mut word, &mut command);
    end_command(&mut command, &mut pipeline);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

/// The words from the program on: assignments and prefixes such as `sudo`
/// (with their options) skipped.
fn from_program(command: &[String]) -> &[String] {
    let mut rest = command;
    loop {
        match rest.first() {
            Some(w) if w.contains('=') && !w.starts_with('-') => rest = &rest[1..],
            Some(w) if PREFIXES.contains(&w.as_str()) => {
                rest = &rest[1..];
                while rest.first().is_some_and(|w| w.starts_with('-')) {
                    rest = &rest[1..];
                }
            }
            _ => return rest,
        }
    }
}

/// The program's name without its directory (`/usr/bin/apt-get` → `apt-get`).
fn program(command: &[String]) -> Option<&str> {
    let word = from_program(command).first()?;
    Some(word.rsplit('/').next().unwrap_or(word))
}

/// The first non-option word after the program, when the program is one of
/// `programs`.
fn subcommand<'a>(command: &'a [String], programs: &[&str]) -> Option<&'a str> {
    let words = from_program(command);
    let name = words.first()?;
    if !programs.contains(&name.rsplit('/').next().unwrap_or(name)) {
        return None;
    }
    words[1..]
        .iter()
        .find(|w| !w.starts_with('-'))
        .map(String::as_str)
}

fn has_word(command: &[String], word: &str) -> bool {
    command.iter().any(|w| w == word)
}

fn apt_install_with_recommends(command: &[String]) -> bool {
    subcommand(command, &["apt-get", "apt"]) == Some("install")
        && !has_word(command, "--no-install-recommends")
        && !command.iter().any(|w| {
            w.contains("APT::Install-Recommends=false") || w.contains("APT::Install-Recommends=0")
        })
}

/// The package manager whose `update` no later command of the same RUN
/// follows with an install.
fn update_without_install(commands: &[&[String]]) -> Option<&'static str> {
    let managers: [(&'static str, &[&str], &[&str]); 2] = [
        (
            "apt-get",
            &["apt-get", "apt"],
            &["install", "upgrade", "dist-upgrade"],
        ),
        ("apk", &["apk"], &["add", "upgrade"]),
    ];
    managers.into_iter().find_map(|(name, programs, installs)| {
        let update = commands
            .iter()
            .position(|c| subcommand(c, programs) == Some("update"))?;
        let installed = commands[update..]
            .iter()
            .any(|c| subcommand(c, programs).is_some_and(|s| installs.contains(&s)));
        (!installed).then_some(name)
    })
}

/// The shell a pipeline feeds a `curl`/`wget` download into, if it does.
fn piped_download(pipeline: &[Vec<String>]) -> Option<String> {
    let download = pipeline
        .iter()
        .position(|c| matches!(program(c), Some("curl" | "wget")))?;
    pipeline[download + 1..]
        .iter()
        .filter_map(|c| program(c))
        .find(|p| SHELLS.contains(p) || p.starts_with("python"))
        .map(str::to_string)
}

fn pip_install_with_cache(command: &[String]) -> bool {
    let words = from_program(command);
    let is_pip = |w: &String| {
        let name = w.rsplit('/').next().unwrap_or(w);
        name == "pip" || name.starts_with("pip3")
    };
    let install = match words {
        [first, rest @ ..] if is_pip(first) => rest.first().is_some_and(|w| w == "install"),
        [first, m, pip, sub, ..] if first.starts_with("python") && m == "-m" => {
            pip == "pip" && sub == "install"
        }
        _ => false,
    };
    install && !has_word(command, "--no-cache-dir")
}

#[cfg(test)]
mod tests {
    use super::split_pipelines;

    #[test]
    fn splits_lists_pipes_and_quotes() {
        let text = "a=1 curl -s 'x y' | sh && b || c; d & e\nf \"g|h\"";
        insta::assert_debug_snapshot!(split_pipelines(text));
    }
}
