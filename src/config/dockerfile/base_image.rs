//! Stages and what they build on: floating base image tags, and stage
//! names that collide or are referenced before they exist.

use super::{at_instruction, resolve_global_args};
use crate::config::{Rule, Violation};
use crate::dockerfile::{Dockerfile, Keyword, Stage};
use crate::matching::severity::Severity;

pub(super) static LATEST_TAG: Rule = Rule {
    id: "SG-DS-001",
    aliases: &["DS-0001", "DS001", "AVD-DS-0001"],
    title: "Base image uses the `latest` tag or no tag",
    severity: Severity::Medium,
    rationale: "`latest` (which an untagged image means) changes under you: the same \
                Dockerfile builds a different image tomorrow, and a rebuild can pull in a new \
                major version or a compromised image without any diff to review.",
    resolution: "Pin a version tag, or better a digest:\n\n    \
                 FROM python:3.12-slim@sha256:…",
};

pub(super) static DUPLICATE_STAGE_NAME: Rule = Rule {
    id: "SG-DS-015",
    aliases: &["DS-0012", "DS012", "AVD-DS-0012"],
    title: "Two stages have the same name",
    severity: Severity::Critical,
    rationale: "`COPY --from=NAME` then silently takes files from one of them, which is \
                rarely the one the author meant.",
    resolution: "Give every `FROM … AS name` a unique name.",
};

pub(super) static COPY_FROM_SELF: Rule = Rule {
    id: "SG-DS-016",
    aliases: &["DS-0006", "DS006", "AVD-DS-0006"],
    title: "`COPY --from` refers to the stage it is in",
    severity: Severity::Critical,
    rationale: "A stage cannot copy from itself: the build fails or, with an image of the \
                same name, copies from something else entirely.",
    resolution: "Point `--from` at an earlier stage or an image.",
};

pub(super) static COPY_FROM_LATER_STAGE: Rule = Rule {
    id: "SG-DS-017",
    aliases: &[],
    title: "`COPY --from` refers to a stage that does not exist yet",
    severity: Severity::High,
    rationale: "A stage index past the current stage, or the name of a stage defined further \
                down, fails the build or (for a name) silently pulls an image of that name \
                from a registry.",
    resolution: "Move the source stage above the stage that copies from it, or fix the \
                 name or index.",
};

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    for stage in &file.stages {
        check_tag(file, stage, found);
        if let Some(name) = &stage.name {
            let earlier = file.stages[..stage.index].iter().any(|s| {
                s.name
                    .as_ref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            if earlier {
                found.push(at_instruction(
                    &DUPLICATE_STAGE_NAME,
                    stage,
                    &stage.from,
                    format!("Stage name {name:?} is already used by an earlier stage."),
                ));
            }
        }
        for copy in stage
            .instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Copy)
        {
            let Some(source) = copy.flag("from") else {
                continue;
            };
            let same = |s: &Stage| {
                s.name
                    .as_ref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(source))
            };
            if same(stage) {
                found.push(at_instruction(
                    &COPY_FROM_SELF,
                    stage,
                    copy,
                    format!("COPY --from={source} refers to the current stage."),
                ));
            } else if source.parse::<usize>().is_ok_and(|n| n >= stage.index)
                || (file.stages[stage.index..].iter().any(same)
                    && !file.stages[..stage.index].iter().any(same))
            {
                found.push(at_instruction(
                    &COPY_FROM_LATER_STAGE,
                    stage,
                    copy,
                    format!("COPY --from={source} refers to a stage that is not defined above."),
                ));
            }
        }
    }
}

/// `FROM image` without a tag or digest, or with `:latest`, unless it is
/// `scratch`, an earlier stage, or depends on a build argument with no
/// default.
fn check_tag(file: &Dockerfile, stage: &Stage, found: &mut Vec<Violation>) {
    let Some(image) = resolve_global_args(file, &stage.base) else {
        return;
    };
    let earlier_stage = file.stages[..stage.index].iter().any(|s| {
        s.name
            .as_ref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&image))
    });
    if image.eq_ignore_ascii_case("scratch") || earlier_stage || image.contains('@') {
        return;
    }
    let last_segment = image.rsplit('/').next().unwrap_or(&image);
    let message = match last_segment.split_once(':') {
        None => format!("Base image {image:?} has no tag, so it means `latest`."),
        Some((_, "latest")) => format!("Base image {image:?} uses the `latest` tag."),
        Some(_) => return,
    };
    found.push(at_instruction(&LATEST_TAG, stage, &stage.from, message));
}
