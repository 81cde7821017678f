//! Dockerfile checks: base images that drift, images that run as root or
//! carry secrets, and `RUN` lines that bloat the image or pipe the internet
//! into a shell.
//!
//! The parser here ([`parse`]) is this module's own; a fuller one for the
//! image-history work may replace it.

mod add;
mod base_image;
mod image_config;
mod parse;
mod run;

use super::{Checker, FileType, Rule, Violation};
use parse::{Instruction, Stage};

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

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let file = parse::parse(content)?;
        let mut found = Vec::new();
        base_image::check(&file, &mut found);
        image_config::check(&file, &mut found);
        add::check(&file, &mut found);
        run::check(&file, &mut found);
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
            stage.label(),
            instruction.keyword,
            instruction.normalized()
        ),
    }
}

#[cfg(test)]
mod tests;
