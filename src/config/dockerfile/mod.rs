//! Dockerfile checks: base images that drift, images that run as root or
//! carry secrets, and `RUN` lines that bloat the image or pipe the internet
//! into a shell.
//!
//! Files are read with the shared parser in [`crate::dockerfile`]; the few
//! text helpers the rules need on top of it are at the end of this file.

mod add;
mod base_image;
mod image_config;
mod instructions;
mod run;

use super::{Checker, FileType, Rule, Violation};
use crate::dockerfile::{self, Arguments, Dockerfile, Instruction, Stage};
use std::collections::HashMap;

/// The Dockerfile checker: `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`,
/// `Containerfile`.
pub struct DockerfileChecker;

/// Every Dockerfile rule, in id order.
static RULES: &[&Rule] = &[
    &base_image::LATEST_TAG,
    &image_config::ROOT_USER,
    &add::ADD_INSTEAD_OF_COPY,
    &add::ADD_REMOTE_URL,
    &run::APT_INSTALL_RECOMMENDS,
    &run::UPDATE_ALONE,
    &run::APK_CACHE,
    &run::PIPE_TO_SHELL,
    &run::SUDO,
    &image_config::SECRET_IN_ENV,
    &image_config::EXPOSE_SSH,
    &run::RUN_CD,
    &image_config::NO_HEALTHCHECK,
    &run::PIP_CACHE,
    &base_image::DUPLICATE_STAGE_NAME,
    &base_image::COPY_FROM_SELF,
    &base_image::COPY_FROM_LATER_STAGE,
    &instructions::MULTIPLE_ENTRYPOINT,
    &instructions::PORT_OUT_OF_RANGE,
    &instructions::WORKDIR_RELATIVE,
    &instructions::COPY_DESTINATION,
    &instructions::MULTIPLE_CMD,
    &instructions::MAINTAINER,
    &instructions::MULTIPLE_HEALTHCHECK,
    &instructions::WORKDIR_SYSTEM,
    &run::CURL_AND_WGET,
    &run::YUM_CLEAN,
    &run::DNF_CLEAN,
    &run::ZYPPER_CLEAN,
    &run::APT_ASSUME_YES,
    &run::MICRODNF_CLEAN,
];

impl Checker for DockerfileChecker {
    fn file_type(&self) -> FileType {
        FileType::Dockerfile
    }

    fn wants(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let documentation = [".md", ".txt", ".rst"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext));
        name == "Dockerfile"
            || name == "dockerfile"
            || name == "Containerfile"
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerfile")
            || ((name.starts_with("Dockerfile.") || name.starts_with("Containerfile."))
                && !documentation)
    }

    /// The parser skips lines it cannot read (with a warning naming the
    /// line) and the rules run on the rest; only a file with no usable
    /// `FROM` at all is an error.
    fn check(&self, path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let file = dockerfile::parse(content);
        if file.stages.is_empty() {
            return Err(match file.warnings.first() {
                Some(w) => format!("no FROM instruction (line {}: {})", w.line, w.message),
                None => "no FROM instruction".into(),
            });
        }
        for w in &file.warnings {
            tracing::warn!("{path}: line {}: {}", w.line, w.message);
        }
        let mut found = Vec::new();
        base_image::check(&file, &mut found);
        image_config::check(&file, &mut found);
        add::check(&file, &mut found);
        run::check(&file, &mut found);
        instructions::check(&file, &mut found);
        found.sort_by(|a, b| (a.start_line, a.rule.id).cmp(&(b.start_line, b.rule.id)));
        Ok(found)
    }

    fn rules(&self) -> &'static [&'static Rule] {
        RULES
    }
}

/// A violation on an instruction's lines; the subject is the stage, the
/// keyword and the normalised arguments, which survive edits elsewhere.
fn at_instruction(
    rule: &'static Rule,
    stage: &Stage,
    instruction: &Instruction,
    message: String,
) -> Violation {
    Violation {
        rule,
        message,
        start_line: instruction.start_line,
        end_line: instruction.end_line,
        subject: format!(
            "stage {} {} {}",
            stage_label(stage),
            instruction.keyword,
            normalized(instruction)
        ),
    }
}

/// How messages and fingerprints name a stage: its name, or its index.
fn stage_label(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => name.clone(),
        None => stage.index.to_string(),
    }
}

/// Flags and arguments with whitespace collapsed: what the instruction
/// does, independent of formatting, for fingerprints.
fn normalized(instruction: &Instruction) -> String {
    let flags = instruction.flags.iter().map(|f| match &f.value {
        Some(value) => format!("--{}={value}", f.name),
        None => format!("--{}", f.name),
    });
    flags
        .chain(instruction.text.split_whitespace().map(str::to_string))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shell text a `RUN` executes: exec-form arrays joined by spaces,
/// heredoc bodies after the arguments, each on its own line.
fn command_text(instruction: &Instruction) -> String {
    let mut text = match &instruction.args {
        Arguments::Exec(words) => words.join(" "),
        Arguments::Shell(_) => instruction.text.clone(),
    };
    for heredoc in &instruction.heredocs {
        text.push('\n');
        text.push_str(&heredoc.body);
    }
    text
}

/// `image` with `$NAME`/`${NAME}` replaced by the defaults of the `ARG`s
/// before the first `FROM`; `None` when a variable has no default there
/// (it is set at build time).
fn resolve_global_args(file: &Dockerfile, image: &str) -> Option<String> {
    let defaults: HashMap<&str, &str> = file
        .args_before_from
        .iter()
        .flat_map(|arg| arg.text.split_whitespace())
        .filter_map(|word| word.split_once('='))
        .map(|(name, value)| (name, value.trim_matches('"')))
        .collect();
    let mut out = String::new();
    let mut rest = image;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(braced) => {
                let end = braced.find('}')?;
                (&braced[..end], &braced[end + 1..])
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push_str(defaults.get(name)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests;
