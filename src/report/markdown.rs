//! The Markdown report: the body of a pull-request comment and of a CI job
//! summary. A verdict first, then counts, then the findings that matter most
//! (new ones first against a baseline, then worst first), the rest folded
//! away, all within a hard size limit (GitHub rejects comments over 65,536
//! characters).
//!
//! Advisory titles, package names and versions come from outside (OSV
//! records, the scanned image) and are escaped so that they cannot break
//! the table, inject HTML or mention people.

use super::{advisory_url, ScanResult};
use crate::finding::{Detail, Finding, Kind, Location};
use crate::matching::severity::Severity;
use crate::policy::{counts, SeverityCounts, State};
use std::cmp::Reverse;

/// How a Markdown report is shaped.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// Hard limit on the whole text, in bytes (so also in characters).
    pub max_chars: usize,
    /// Findings shown in the main table; the rest go in a folded section.
    pub table_rows: usize,
}

impl Default for MarkdownOptions {
    /// 60,000 characters leaves room under GitHub's 65,536 for a marker and
    /// a header that a caller may add.
    fn default() -> Self {
        MarkdownOptions {
            max_chars: 60_000,
            table_rows: 20,
        }
    }
}

/// Room kept for what closes the report once the limit is near: the
/// "not shown" line and the closing tags.
const RESERVE: usize = 400;
/// Longest title shown.
const TITLE_CHARS: usize = 100;

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
];

/// Renders `result` as Markdown of at most `options.max_chars` bytes.
pub fn render(result: &ScanResult, options: &MarkdownOptions) -> String {
    let mut out = Budget::new(options.max_chars);
    let outcome = &result.outcome;
    out.push(&headline(result));
    out.push(&counts_table(result));

    let mut shown: Vec<(&Finding, Option<State>)> = outcome
        .findings
        .iter()
        .map(|r| (&r.finding, r.state))
        .collect();
    // Stable: among equals, the scanners' order (already worst first).
    shown.sort_by_key(|(f, state)| (*state != Some(State::New), Reverse(f.severity)));

    let mut not_shown = 0;
    // Secrets are a section of their own; when both ran, so are the
    // repository's config findings, after the image's.
    let (secrets, shown): (Vec<_>, Vec<_>) = shown
        .into_iter()
        .partition(|(f, _)| f.kind() == Kind::Secret);
    if result.config_scanned && result.vulnerabilities_scanned {
        let (config, other): (Vec<_>, Vec<_>) = shown
            .into_iter()
            .partition(|(f, _)| matches!(f.detail, Detail::Misconfiguration(_)));
        not_shown += push_section(&mut out, result, "Findings", &other, options);
        not_shown += push_section(&mut out, result, "Repository config", &config, options);
    } else {
        not_shown += push_section(&mut out, result, "Findings", &shown, options);
    }
    not_shown += push_section(&mut out, result, "Secrets", &secrets, options);
    if let Some(fixed) = outcome.fixed.as_ref().filter(|f| !f.is_empty()) {
        let open = format!(
            "\n<details><summary>{} fixed since the baseline</summary>\n\n",
            fixed.len()
        );
        if out.push(&open) {
            for f in fixed {
                let line = format!("- {} {}\n", f.severity, link(f));
                if !out.push(&line) {
                    not_shown += 1;
                }
            }
            out.push_closing("\n</details>\n");
        } else {
            not_shown += fixed.len();
        }
    }
    if !outcome.ignored.is_empty() {
        out.push(&format!(
            "\n{} finding{} ignored by suppression rules (listed in the JSON report's `ignored`).\n",
            outcome.ignored.len(),
            plural(outcome.ignored.len())
        ));
    }
    if not_shown > 0 {
        out.push_closing(&format!(
            "\n**{not_shown} more not shown** (size limit); see the full JSON report.\n"
        ));
    }
    out.text
}

/// A `### title` table of `shown` (the first `table_rows` open, the rest
/// folded); returns how many rows did not fit.
fn push_section(
    out: &mut Budget,
    result: &ScanResult,
    title: &str,
    shown: &[(&Finding, Option<State>)],
    options: &MarkdownOptions,
) -> usize {
    let mut not_shown = 0;
    if shown.is_empty() {
        return 0;
    }
    let (top, rest) = shown.split_at(shown.len().min(options.table_rows));
    let header = if shown.iter().all(|(f, _)| f.kind() == Kind::Secret) {
        "| Severity | Rule | Secret | Match | Where |\n|---|---|---|---|---|\n"
    } else {
        "| Severity | ID | Package | Installed → fixed | Where |\n|---|---|---|---|---|\n"
    };
    if out.push(&format!("\n### {title}\n\n")) && out.push(header) {
        not_shown += push_rows(out, result, top);
    } else {
        not_shown += top.len();
    }
    if !rest.is_empty() {
        let open = format!(
            "\n<details><summary>{} more finding{}</summary>\n\n{header}",
            rest.len(),
            plural(rest.len())
        );
        if out.push(&open) {
            not_shown += push_rows(out, result, rest);
            out.push_closing("\n</details>\n");
        } else {
            not_shown += rest.len();
        }
    }
    not_shown
}

/// Text that never grows past its limit: what does not fit is refused, and
/// a part of the limit is kept for closing text.
struct Budget {
    text: String,
    max: usize,
}

impl Budget {
    fn new(max: usize) -> Self {
        Budget {
            text: String::new(),
            max,
        }
    }

    /// Appends `s` if it fits below the limit minus the reserve.
    fn push(&mut self, s: &str) -> bool {
        self.append(s, self.max.saturating_sub(RESERVE))
    }

    /// Appends closing text, which may use the reserve.
    fn push_closing(&mut self, s: &str) -> bool {
        self.append(s, self.max)
    }

    fn append(&mut self, s: &str, limit: usize) -> bool {
        if self.text.len() + s.len() > limit {
            return false;
        }
        self.text.push_str(s);
        true
    }
}

/// Appends table rows while they fit; returns how many did not.
fn push_rows(out: &mut Budget, result: &ScanResult, rows: &[(&Finding, Option<State>)]) -> usize {
    let mut refused = 0;
    for (f, state) in rows {
        if refused > 0 || !out.push(&row(result, f, *state)) {
            refused += 1;
        }
    }
    refused
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "## ❌ scangate: gate failed" plus why, or the number of findings.
fn headline(result: &ScanResult) -> String {
    let outcome = &result.outcome;
    let target = escape(&super::json::target_name(result));
    let total = outcome.findings.len();
    let gate = &outcome.gate;
    let mut s = if gate.failed {
        let mut s = "## ❌ scangate: gate failed\n\n".to_string();
        for reason in &gate.reasons {
            s.push_str(&format!("- {}\n", escape(reason)));
        }
        s
    } else if gate.is_set() {
        let new = if gate.only_new { "new " } else { "" };
        let which = match gate.fail_on {
            Some(Severity::Unknown) => String::new(),
            Some(threshold) => format!(" at or above {threshold}"),
            None => " that fail the gate".to_string(),
        };
        format!("## ✅ scangate: gate passed\n\nNo {new}findings{which}.\n")
    } else {
        format!("## scangate: {total} finding{}\n", plural(total))
    };
    s.push_str(&format!("\nScanned `{target}`"));
    if !result.vulnerabilities_scanned {
        s.push_str(" (vulnerabilities not scanned)");
    }
    s.push_str(".\n");
    s
}

/// Findings per severity; with a baseline, also new, existing and fixed.
fn counts_table(result: &ScanResult) -> String {
    let outcome = &result.outcome;
    let all = counts(outcome.findings.iter().map(|r| &r.finding));
    let Some(fixed) = &outcome.fixed else {
        let mut s = "\n| Severity | Findings |\n|---|---:|\n".to_string();
        for sev in SEVERITIES {
            s.push_str(&format!("| {sev} | {} |\n", get(&all, sev)));
        }
        s.push_str(&format!("| **Total** | **{}** |\n", all.total()));
        return s;
    };
    let in_state = |state: State| {
        counts(
            outcome
                .findings
                .iter()
                .filter(|r| r.state == Some(state))
                .map(|r| &r.finding),
        )
    };
    let (new, existing, gone) = (
        in_state(State::New),
        in_state(State::Existing),
        counts(fixed),
    );
    let mut s = "\n| Severity | New | Existing | Fixed |\n|---|---:|---:|---:|\n".to_string();
    for sev in SEVERITIES {
        s.push_str(&format!(
            "| {sev} | {} | {} | {} |\n",
            get(&new, sev),
            get(&existing, sev),
            get(&gone, sev)
        ));
    }
    s.push_str(&format!(
        "| **Total** | **{}** | **{}** | **{}** |\n",
        new.total(),
        existing.total(),
        gone.total()
    ));
    s
}

fn get(c: &SeverityCounts, s: Severity) -> usize {
    match s {
        Severity::Critical => c.critical,
        Severity::High => c.high,
        Severity::Medium => c.medium,
        Severity::Low => c.low,
        Severity::Unknown => c.unknown,
    }
}

/// One table row: severity (and "new"), linked id, package or title,
/// installed → fixed, where.
fn row(result: &ScanResult, f: &Finding, state: Option<State>) -> String {
    let new = if state == Some(State::New) {
        " 🆕"
    } else {
        ""
    };
    let (what, versions) = match &f.detail {
        Detail::Vulnerability(p) => (
            format!("`{}`", code(&p.package_name)),
            format!(
                "`{}` → {}",
                code(&p.installed_version),
                p.fixed_version
                    .as_deref()
                    .map_or("no fix yet".to_string(), |v| format!("`{}`", code(v)))
            ),
        ),
        Detail::Misconfiguration(_) => (escape(&short(&f.title)), "—".to_string()),
        // Only the masked prefix of the value, never the value.
        Detail::Secret(secret) => (
            escape(&short(&f.title)),
            format!("`{}`", code(&secret.shown)),
        ),
    };
    // A language package names its lockfile, binary or manifest: in an
    // image many of them share a layer.
    let lang = result.package_db(f).is_some_and(|set| !set.format.is_os());
    let place = match &f.location {
        Location::Package {
            layer,
            line,
            db_path,
        } => match (result.short_layer_id(*layer), line) {
            (Some(id), _) if lang => format!("`{}` (layer `{id}`)", code(db_path)),
            (Some(id), _) => format!("layer `{id}`"),
            (None, Some(line)) => format!("`{}:{line}`", code(db_path)),
            (None, None) => format!("`{}`", code(db_path)),
        },
        Location::Lines {
            path, start_line, ..
        } => {
            let mut at = format!("`{}:{start_line}`", code(path));
            if let Some(image) = result.image_of(f) {
                at.push_str(&format!(" (image `{}`)", code(&image.pinned())));
            }
            if let Some(secret) = f.secret() {
                if let Some(id) = result.short_layer_id(secret.layer) {
                    at.push_str(&format!(" (layer `{id}`)"));
                }
                if secret.deleted_later {
                    at.push_str(", deleted later but still in the image");
                }
            }
            at
        }
    };
    let exploited = f
        .package()
        .and_then(|p| p.scoring.exploitation())
        .map_or(String::new(), |e| format!(" · **{}**", escape(&e)));
    format!(
        "| {}{new}{exploited} | {} | {what} | {versions} | {place} |\n",
        f.severity,
        link(f)
    )
}

/// `[ID](advisory)`: the id escaped, the URL made safe inside `( )`; the
/// bare id when there is nowhere to link to.
fn link(f: &Finding) -> String {
    let Some(url) = advisory_url(f) else {
        return escape(&f.id);
    };
    let url: String = url
        .chars()
        .map(|c| match c {
            '(' => "%28".to_string(),
            ')' => "%29".to_string(),
            ' ' => "%20".to_string(),
            '<' => "%3C".to_string(),
            '>' => "%3E".to_string(),
            '|' => "%7C".to_string(),
            '"' => "%22".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!("[{}]({url})", escape(&f.id))
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(TITLE_CHARS).collect();
    if s.chars().count() > TITLE_CHARS {
        t.push('…');
    }
    t
}

/// Text for inside a code span in a table cell: no backticks (they would
/// end the span), no pipes (they would end the cell), one line.
fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

/// Untrusted text made inert: Markdown punctuation backslash-escaped, HTML
/// special characters as entities, `@` as an entity so no one is
/// mentioned, one line.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("&#64;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, vulnerability};
    use super::*;

    fn render_default(result: &ScanResult) -> String {
        render(result, &MarkdownOptions::default())
    }

    #[test]
    fn gate_failed_snapshot() {
        insta::assert_snapshot!(render_default(&testdata::sample()));
    }

    #[test]
    fn baseline_snapshot_lists_new_findings_first() {
        insta::assert_snapshot!(render_default(&testdata::with_baseline()));
    }

    #[test]
    fn repository_config_is_a_section_of_its_own() {
        let mut result = testdata::sample();
        result.config_scanned = true;
        let text = render_default(&result);
        let findings = text.find("### Findings").expect("findings section");
        let config = text.find("### Repository config").expect("config section");
        assert!(findings < config, "{text}");
        assert!(!text[..config].contains("DS002"), "{text}");
        assert!(text[config..].contains("DS002"), "{text}");
    }

    #[test]
    fn no_gate_headline_counts_findings() {
        let text = render_default(&testdata::without_gate());
        assert!(text.starts_with("## scangate: 4 findings\n"), "{text}");
    }

    #[test]
    fn untrusted_text_cannot_break_out() {
        let text = escape("a | b `c` <script>@alice</script> [x](y)");
        assert_eq!(
            text,
            r"a \| b \`c\` &lt;script&gt;&#64;alice&lt;/script&gt; \[x\](y)"
        );
        let mut result = testdata::sample();
        if let Detail::Vulnerability(p) = &mut result.outcome.findings[0].finding.detail {
            p.package_name = "evil|`pkg`\nnext".into();
        }
        result.outcome.findings[0].finding.references = vec!["https://x.test/a b)(|".into()];
        let text = render_default(&result);
        let row = text
            .lines()
            .find(|l| l.contains("evil"))
            .unwrap_or_else(|| panic!("{text}"));
        // Six cell separators: the cell contents added none.
        assert_eq!(row.matches('|').count(), 6, "{row}");
        assert!(row.contains("(https://x.test/a%20b%29%28%7C)"), "{row}");
    }

    #[test]
    fn never_longer_than_the_limit_and_says_what_is_missing() {
        let mut result = testdata::sample();
        let long = "x".repeat(500);
        result.outcome.findings = (0..2_000)
            .map(|i| crate::policy::Reported {
                finding: vulnerability(&format!("CVE-2024-{i:05}"), Severity::High, 0, None, &long),
                state: None,
            })
            .collect();
        for max in [60_000, 5_000, 1_000] {
            let text = render(
                &result,
                &MarkdownOptions {
                    max_chars: max,
                    ..MarkdownOptions::default()
                },
            );
            assert!(text.len() <= max, "{} > {max}", text.len());
            let shown = text.matches("| HIGH | [CVE-").count();
            assert!(shown < 2_000);
            assert!(
                text.contains(&format!("**{} more not shown**", 2_000 - shown)),
                "{max}: {}",
                &text[text.len().saturating_sub(300)..]
            );
        }
    }

    #[test]
    fn everything_fits_so_nothing_is_said_missing() {
        let text = render_default(&testdata::sample());
        assert!(!text.contains("not shown"), "{text}");
        assert_eq!(text.matches("[CVE-").count(), 3, "{text}");
    }
}
