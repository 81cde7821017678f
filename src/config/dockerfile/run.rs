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

pub(super) static CURL_AND_WGET: Rule = Rule {
    id: "SG-DS-026",
    aliases: &["AVD-DS-0014", "DS-0014", "DS014"],
    title: "Both `curl` and `wget` used",
    severity: Severity::Low,
    rationale: "Two download tools in one stage means two tools to install, patch and audit \
                for the same job.",
    resolution: "Pick one (`curl -fsSLo file URL`) for every download of the stage.",
};

pub(super) static YUM_CLEAN: Rule = Rule {
    id: "SG-DS-027",
    aliases: &["AVD-DS-0015", "DS-0015", "DS015"],
    title: "`yum install` without `yum clean all`",
    severity: Severity::High,
    rationale: "yum's package cache stays in the layer unless the same RUN cleans it: a \
                bigger image for nothing.",
    resolution: "RUN yum install -y httpd && yum clean all",
};

pub(super) static DNF_CLEAN: Rule = Rule {
    id: "SG-DS-028",
    aliases: &["AVD-DS-0019", "DS-0019", "DS019"],
    title: "`dnf install` without `dnf clean all`",
    severity: Severity::High,
    rationale: "dnf's package cache stays in the layer unless the same RUN cleans it: a \
                bigger image for nothing.",
    resolution: "RUN dnf install -y httpd && dnf clean all",
};

pub(super) static ZYPPER_CLEAN: Rule = Rule {
    id: "SG-DS-029",
    aliases: &["AVD-DS-0020", "DS-0020", "DS020"],
    title: "`zypper install` without `zypper clean`",
    severity: Severity::High,
    rationale: "zypper's package cache stays in the layer unless the same RUN cleans it: a \
                bigger image for nothing.",
    resolution: "RUN zypper install -y httpd && zypper clean",
};

pub(super) static APT_ASSUME_YES: Rule = Rule {
    id: "SG-DS-030",
    aliases: &["AVD-DS-0021", "DS-0021", "DS021"],
    title: "`apt-get install` without `-y`",
    severity: Severity::High,
    rationale: "Without `-y` apt-get asks for confirmation, which a build cannot give: the \
                build fails or hangs as soon as an install needs more than the named packages.",
    resolution: "RUN apt-get update && apt-get install -y --no-install-recommends curl",
};

pub(super) static MICRODNF_CLEAN: Rule = Rule {
    id: "SG-DS-031",
    aliases: &["AVD-DS-0027", "DS-0027", "DS027"],
    title: "`microdnf install` without `microdnf clean all`",
    severity: Severity::High,
    rationale: "microdnf's package cache stays in the layer unless the same RUN cleans it: a \
                bigger image for nothing.",
    resolution: "RUN microdnf install -y httpd && microdnf clean all",
};

/// A package manager whose cache a RUN must clean after installing: the
/// rule, the programs, their install subcommands, and the words of the
/// clean commands (any one) that must follow the last install.
struct CacheClean {
    rule: &'static Rule,
    programs: &'static [&'static str],
    installs: &'static [&'static str],
    cleans: &'static [&'static [&'static str]],
}

const CACHE_CLEANS: [CacheClean; 4] = [
    CacheClean {
        rule: &YUM_CLEAN,
        programs: &["yum"],
        installs: &["install"],
        cleans: &[&["clean", "all"]],
    },
    CacheClean {
        rule: &DNF_CLEAN,
        programs: &["dnf", "dnf5"],
        installs: &[
            "install",
            "in",
            "reinstall",
            "rei",
            "install-n",
            "install-na",
            "install-nevra",
        ],
        cleans: &[&["clean", "all"]],
    },
    CacheClean {
        rule: &ZYPPER_CLEAN,
        programs: &["zypper"],
        installs: &[
            "install",
            "in",
            "remove",
            "rm",
            "source-install",
            "si",
            "patch",
        ],
        cleans: &[&["clean"], &["cc"]],
    },
    CacheClean {
        rule: &MICRODNF_CLEAN,
        programs: &["microdnf"],
        installs: &["install", "reinstall"],
        cleans: &[&["clean", "all"]],
    },
];

/// Words before the program that do not change what runs.
const PREFIXES: &[&str] = &["sudo", "env", "exec", "command", "time", "nohup"];

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ash", "ksh"];

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    for stage in &file.stages {
        check_download_tools(stage, found);
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
            for CacheClean {
                rule,
                programs,
                installs,
                cleans,
            } in CACHE_CLEANS
            {
                let last_install = commands
                    .iter()
                    .rposition(|c| subcommand(c, programs).is_some_and(|s| installs.contains(&s)));
                let last_clean = commands.iter().rposition(|c| {
                    let words = from_program(c);
                    subcommand(c, programs).is_some()
                        && cleans
                            .iter()
                            .any(|clean| clean.iter().all(|w| words[1..].iter().any(|x| x == w)))
                });
                if let Some(install) = last_install {
                    if last_clean.is_none_or(|clean| clean < install) {
                        let name = program(commands[install]).unwrap_or("");
                        report(
                            rule,
                            format!("`{name}` installs packages but the RUN does not clean its cache afterwards."),
                        );
                    }
                }
            }
            if let Some(cmd) = commands.iter().find(|c| apt_get_without_yes(c)) {
                report(
                    &APT_ASSUME_YES,
                    format!("`{}` may wait for a confirmation.", cmd.join(" ")),
                );
            }
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

/// `apt-get install` without `-y` (alone or among short options: `-qy`),
/// `--yes` or `--assume-yes`.
fn apt_get_without_yes(command: &[String]) -> bool {
    subcommand(command, &["apt-get"]) == Some("install")
        && !command.iter().any(|w| {
            w == "--yes"
                || w == "--assume-yes"
                || w.starts_with("--assume-yes=")
                || (w.starts_with('-')
                    && !w.starts_with("--")
                    && w[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && w.contains('y'))
        })
}

/// DS-0014: a stage whose RUNs call both `curl` and `wget` (installing
/// them does not count), reported on the first RUN using wget.
fn check_download_tools(stage: &crate::dockerfile::Stage, found: &mut Vec<Violation>) {
    let mut wget = None;
    let mut curl = false;
    for run in stage
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Run)
    {
        for pipeline in split_pipelines(&command_text(run)) {
            for command in &pipeline {
                match program(command) {
                    Some("wget") if wget.is_none() => wget = Some(run),
                    Some("curl") => curl = true,
                    _ => {}
                }
            }
        }
    }
    if let (Some(run), true) = (wget, curl) {
        found.push(at_instruction(
            &CURL_AND_WGET,
            stage,
            run,
            "The stage downloads with both curl and wget.".into(),
        ));
    }
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
