//! `ADD`, whose extra powers (unpacking archives, fetching URLs) are
//! surprising when used by accident and unverified when used on purpose.

use super::at_instruction;
use crate::config::{Rule, Violation};
use crate::dockerfile::{Dockerfile, Keyword};
use crate::matching::severity::Severity;

pub(super) static ADD_INSTEAD_OF_COPY: Rule = Rule {
    id: "SG-DS-003",
    aliases: &["DS-0005", "DS005", "AVD-DS-0005"],
    title: "`ADD` used where `COPY` would do",
    severity: Severity::Low,
    rationale: "`ADD` unpacks archives and fetches URLs; for plain files `COPY` does the same \
                with no surprises when a file later turns out to be an archive.",
    resolution: "Use `COPY` for local files:\n\n    COPY app.py /app/",
};

pub(super) static ADD_REMOTE_URL: Rule = Rule {
    id: "SG-DS-004",
    aliases: &[],
    title: "`ADD` fetches a remote URL without a checksum",
    severity: Severity::Medium,
    rationale: "Whatever the URL serves at build time goes into the image unverified: a \
                compromised or changed download is not noticed.",
    resolution: "Pin the content with `ADD --checksum=sha256:…`, or download and verify it in \
                 a `RUN`:\n\n    ADD --checksum=sha256:24454f… https://example.com/tool.tgz \
                 /tmp/",
};

/// Archive suffixes `ADD` unpacks, which make `ADD` the right tool.
const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
];

pub(super) fn check(file: &Dockerfile, found: &mut Vec<Violation>) {
    for stage in &file.stages {
        for add in stage
            .instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Add)
        {
            let words: Vec<&str> = add.text.split_whitespace().collect();
            let Some((_, sources)) = words.split_last() else {
                continue;
            };
            let remote = |s: &&&str| {
                let lower = s.to_ascii_lowercase();
                lower.starts_with("http://")
                    || lower.starts_with("https://")
                    || lower.starts_with("git@")
            };
            if let Some(url) = sources.iter().find(remote) {
                // A bare `--checksum` (no value) verifies nothing.
                let verified = add.flag("checksum").is_some_and(|sum| !sum.is_empty());
                if !verified {
                    found.push(at_instruction(
                        &ADD_REMOTE_URL,
                        stage,
                        add,
                        format!("ADD downloads {url} without --checksum."),
                    ));
                }
                continue;
            }
            let archive = sources.iter().any(|s| {
                let lower = s.to_ascii_lowercase();
                ARCHIVES.iter().any(|suffix| lower.ends_with(suffix))
            });
            if !archive && add.heredocs.is_empty() {
                found.push(at_instruction(
                    &ADD_INSTEAD_OF_COPY,
                    stage,
                    add,
                    format!("Use COPY instead of ADD for {}.", sources.join(" ")),
                ));
            }
        }
    }
}
