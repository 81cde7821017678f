//! The secret rules in `scangate rules` and `docs/rules.md`, listed from
//! the rule data the scanner runs, like the config rules.

use super::rules::RuleSet;
use crate::core::rule_entry::RuleEntry;
use std::borrow::Cow;
use std::io::{self, Write};

/// What to do about any secret found.
pub const RESOLUTION: &str =
    "Remove the secret from the file (and from every image layer that carries it), then revoke and rotate it: it must be treated as leaked.";

/// The rules of `set` as `scangate rules --format json` lists them.
pub fn entries(set: &RuleSet) -> Vec<RuleEntry<'_>> {
    set.rules
        .iter()
        .map(|r| RuleEntry {
            id: &r.id,
            file_type: "secret",
            aliases: &[],
            title: &r.title,
            severity: r.severity,
            rationale: Cow::Owned(format!(
                "A {} credential ({}) in a file of the repository or image: anyone who can read the file can use it.",
                r.category, r.title
            )),
            resolution: RESOLUTION,
        })
        .collect()
}

/// The rules and allow rules of `set` as Markdown.
pub fn write_markdown(set: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "# Secret rules")?;
    writeln!(out)?;
    writeln!(
        out,
        "Trivy's built-in secret rules (same ids, categories and severities). Add, narrow or disable rules in `trivy-secret.yaml` (`--secret-config`); ignore a finding by rule id and path in `.trivyignore.yaml` (`secrets:`)."
    )?;
    writeln!(out)?;
    writeln!(out, "| id | category | severity | title |")?;
    writeln!(out, "|---|---|---|---|")?;
    for r in &set.rules {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.id, r.category, r.severity, r.title
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{RESOLUTION}")?;
    writeln!(out)?;
    writeln!(out, "## Allow rules")?;
    writeln!(out)?;
    writeln!(
        out,
        "A file whose path matches an allow rule is not scanned; a match that matches one is not reported. Disable one with `disable-allow-rules` in `trivy-secret.yaml`."
    )?;
    writeln!(out)?;
    writeln!(out, "| id | description |")?;
    writeln!(out, "|---|---|")?;
    for a in &set.allow {
        writeln!(out, "| {} | {} |", a.id, a.description)?;
    }
    Ok(())
}
