//! Instructions that are wrong in themselves: repeated `CMD`,
//! `ENTRYPOINT` and `HEALTHCHECK` (only the last counts), exposed ports out
//! of range, relative or system `WORKDIR`s, multi-source `COPY` to a
//! destination that is not a directory, and the deprecated `MAINTAINER`.

use super::at_instruction;
use crate::config::{Rule, Violation};
use crate::dockerfile::{Arguments, Dockerfile, Instruction, Keyword};
use crate::matching::severity::Severity;

pub(super) static MULTIPLE_ENTRYPOINT: Rule = Rule {
    id: "SG-DS-018",
    aliases: &["AVD-DS-0007", "DS-0007", "DS007"],
    title: "More than one `ENTRYPOINT` in a stage",
    severity: Severity::Critical,
    rationale: "Only the last `ENTRYPOINT` of a stage takes effect: the earlier ones are dead \
                code that misleads whoever reads the Dockerfile about what the image runs.",
    resolution: "Keep one `ENTRYPOINT` per stage.",
};

pub(super) static PORT_OUT_OF_RANGE: Rule = Rule {
    id: "SG-DS-019",
    aliases: &["AVD-DS-0008", "DS-0008", "DS008"],
    title: "Exposed port out of range",
    severity: Severity::Critical,
    rationale: "A TCP or UDP port is at most 65535: an `EXPOSE` beyond that is a typo, and the \
                service is not reachable where the Dockerfile says.",
    resolution: "EXPOSE 8080",
};

pub(super) static WORKDIR_RELATIVE: Rule = Rule {
    id: "SG-DS-020",
    aliases: &["AVD-DS-0009", "DS-0009", "DS009"],
    title: "`WORKDIR` path not absolute",
    severity: Severity::High,
    rationale: "A relative `WORKDIR` depends on every earlier `WORKDIR` (and on the base \
                image's): the directory the following steps run in is easy to get wrong.",
    resolution: "WORKDIR /app",
};

pub(super) static COPY_DESTINATION: Rule = Rule {
    id: "SG-DS-021",
    aliases: &["AVD-DS-0011", "DS-0011", "DS011"],
    title: "`COPY` of several sources to a destination without a trailing slash",
    severity: Severity::Critical,
    rationale: "With more than one source, `COPY` needs a directory destination ending in `/`; \
                otherwise the build fails.",
    resolution: "COPY package.json package-lock.json /app/",
};

pub(super) static MULTIPLE_CMD: Rule = Rule {
    id: "SG-DS-022",
    aliases: &["AVD-DS-0016", "DS-0016", "DS016"],
    title: "More than one `CMD` in a stage",
    severity: Severity::High,
    rationale: "Only the last `CMD` of a stage takes effect: the earlier ones are dead code \
                that misleads whoever reads the Dockerfile about what the image runs.",
    resolution: "Keep one `CMD` per stage.",
};

pub(super) static MAINTAINER: Rule = Rule {
    id: "SG-DS-023",
    aliases: &["AVD-DS-0022", "DS-0022", "DS022"],
    title: "Deprecated `MAINTAINER`",
    severity: Severity::High,
    rationale: "`MAINTAINER` is deprecated since Docker 1.13; the OCI `authors` label carries \
                the same information where tools look for it.",
    resolution: "LABEL org.opencontainers.image.authors=\"team@example.com\"",
};

pub(super) static MULTIPLE_HEALTHCHECK: Rule = Rule {
    id: "SG-DS-024",
    aliases: &["AVD-DS-0023", "DS-0023", "DS023"],
    title: "More than one `HEALTHCHECK` in a stage",
    severity: Severity::Medium,
    rationale: "Only the last `HEALTHCHECK` takes effect: the earlier ones are dead code.",
    resolution: "Keep one `HEALTHCHECK` per stage.",
};

pub(super) static WORKDIR_SYSTEM: Rule = Rule {
    id: "SG-DS-025",
    aliases: &["AVD-DS-0030", "DS-0030", "DS030"],
    title: "`WORKDIR` in a system directory",
    severity: Severity::High,
    rationale: "`/proc`, `/boot`, `/dev`, `/initrd` and `/lost+found` belong to the kernel and \
                the host's boot: files written there by later steps are lost or shadowed by \
                mounts at run time.",
    resolution: "WORKDIR /app",
};

/// Directories no `WORKDIR` belongs in (Trivy's DS-0030 list).
const SYSTEM_DIRECTORIES: [&str; 5] = ["/proc", "/boot", "/dev", "/initrd", "/lost+found"];
/// Instructions of which a stage should hold at most one, and the rule a
/// second one breaks.
const SINGLETONS: [(Keyword, &Rule); 3] = [
    (Keyword::Entrypoint, &MULTIPLE_ENTRYPOINT),
    (Keyword::Cmd, &MULTIPLE_CMD),
    (Keyword::Healthcheck, &MULTIPLE_HEALTHCHECK),
];

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    for stage in &file.stages {
        for (keyword, rule) in SINGLETONS {
            let all: Vec<&Instruction> = stage
                .instructions
                .iter()
                .filter(|i| i.keyword == keyword)
                .collect();
            if let [_, second, ..] = all[..] {
                found.push(at_instruction(
                    rule,
                    stage,
                    second,
                    format!(
                        "The stage has {} {keyword} instructions; only the last one counts.",
                        all.len()
                    ),
                ));
            }
        }
        for instruction in &stage.instructions {
            let mut report = |rule: &'static Rule, message: String| {
                found.push(at_instruction(rule, stage, instruction, message));
            };
            match instruction.keyword {
                Keyword::Expose => {
                    for port in instruction.text.split_whitespace() {
                        let number = port.split('/').next().unwrap_or(port);
                        if number.parse::<u64>().is_ok_and(|n| n > 65535) {
                            report(&PORT_OUT_OF_RANGE, format!("Port {number} is above 65535."));
                        }
                    }
                }
                Keyword::Workdir => {
                    let path = instruction.text.trim().trim_matches(['"', '\'']);
                    if !absolute_workdir(path) {
                        report(
                            &WORKDIR_RELATIVE,
                            format!("WORKDIR {path:?} is not absolute."),
                        );
                    }
                    if SYSTEM_DIRECTORIES
                        .iter()
                        .any(|d| path == *d || path.starts_with(&format!("{d}/")))
                    {
                        report(
                            &WORKDIR_SYSTEM,
                            format!("WORKDIR {path:?} is in a system directory."),
                        );
                    }
                }
                Keyword::Copy => {
                    if let Some(destination) = bad_copy_destination(instruction) {
                        report(
                            &COPY_DESTINATION,
                            format!("COPY has several sources but its destination {destination:?} does not end with `/`."),
                        );
                    }
                }
                Keyword::Maintainer => report(
                    &MAINTAINER,
                    "MAINTAINER is deprecated; use the org.opencontainers.image.authors label."
                        .into(),
                ),
                _ => {}
            }
        }
    }
}

/// An absolute Unix path, a Windows drive path, or one that starts from a
/// variable (which the build resolves).
fn absolute_workdir(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('$')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

/// The destination of a `COPY` with more than one source that does not
/// end in `/` (nor is a variable, which may).
fn bad_copy_destination(instruction: &Instruction) -> Option<String> {
    if !instruction.heredocs.is_empty() {
        return None;
    }
    let words: Vec<String> = match &instruction.args {
        Arguments::Exec(words) => words.clone(),
        Arguments::Shell(text) => text.split_whitespace().map(str::to_string).collect(),
    };
    let words: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    let (destination, sources) = words.split_last()?;
    let ends_in_directory = destination.ends_with('/') || destination.ends_with("\\");
    (sources.len() > 1 && !ends_in_directory && !destination.starts_with('$'))
        .then(|| destination.to_string())
}
