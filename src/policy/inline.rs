//! Inline suppressions: a `# scangate:ignore:<ID>` comment (or Trivy's
//! `#trivy:ignore:<ID>`) on the offending line or the line above silences
//! that rule there, by our id or any alias. The finding goes to the
//! report's `ignored[]` like any other suppression, so it stays auditable.

use super::{Suppression, SuppressionSource, Suppressor};
use crate::finding::{Finding, Location};
use std::collections::HashMap;

/// The comment markers recognised, after `#` or `//`.
const MARKERS: [&str; 2] = ["scangate:ignore:", "trivy:ignore:"];

/// Every inline ignore comment of the scanned config files.
#[derive(Debug, Default, Clone)]
pub struct InlineIgnores {
    /// File path → (line, rule id as written).
    by_path: HashMap<String, Vec<(u32, String)>>,
}

impl InlineIgnores {
    /// The same comments with `prefix` before every path, for findings
    /// whose paths were moved under the same prefix.
    pub fn prefixed(self, prefix: &str) -> InlineIgnores {
        InlineIgnores {
            by_path: self
                .by_path
                .into_iter()
                .map(|(path, ids)| (format!("{prefix}{path}"), ids))
                .collect(),
        }
    }

    /// The ignore comments of one file. A marker counts only inside a
    /// comment (after `#` or `//` on its line); the id runs to the next
    /// space, `:` or `,`, so Trivy's `:exp:DATE` suffix is accepted (and not
    /// enforced).
    pub fn from_comments(path: &str, content: &str) -> InlineIgnores {
        let mut found = Vec::new();
        for (i, line) in content.lines().enumerate() {
            let Some(comment) = comment_start(line) else {
                continue;
            };
            let comment = &line[comment..];
            for marker in MARKERS {
                for (at, _) in comment.match_indices(marker) {
                    let rest = &comment[at + marker.len()..];
                    let id: String = rest
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != ':' && *c != ',')
                        .collect();
                    if !id.is_empty() {
                        found.push((u32::try_from(i + 1).unwrap_or(u32::MAX), id));
                    }
                }
            }
        }
        let mut by_path = HashMap::new();
        if !found.is_empty() {
            by_path.insert(path.to_string(), found);
        }
        InlineIgnores { by_path }
    }

    /// Adds another file's comments.
    pub fn extend(&mut self, other: InlineIgnores) {
        for (path, mut ids) in other.by_path {
            self.by_path.entry(path).or_default().append(&mut ids);
        }
    }
}

/// Where a line's comment starts: a `#` or `//` at the start of the line or
/// after whitespace (YAML's rule; a `#` inside a word or a quoted value
/// directly after the quote is not a comment).
fn comment_start(line: &str) -> Option<usize> {
    line.char_indices()
        .find(|&(i, c)| {
            (c == '#' || line[i..].starts_with("//"))
                && line[..i]
                    .chars()
                    .next_back()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(i, _)| i)
}

impl Suppressor for InlineIgnores {
    fn suppression(&self, finding: &Finding) -> Option<Suppression> {
        let Location::Lines {
            path, start_line, ..
        } = &finding.location
        else {
            return None;
        };
        let comments = self.by_path.get(path)?;
        comments
            .iter()
            .filter(|(line, _)| *line == *start_line || *line + 1 == *start_line)
            .find(|(_, id)| finding.ids().any(|f| f.eq_ignore_ascii_case(id)))
            .map(|(_, id)| Suppression {
                source: SuppressionSource::Inline,
                path: path.clone(),
                rule: id.clone(),
                statement: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Detail, Misconfiguration, TargetRef};
    use crate::matching::severity::Severity;

    fn finding(line: u32) -> Finding {
        Finding {
            id: "SG-K8S-001".into(),
            aliases: vec!["KSV017".into(), "AVD-KSV-0017".into()],
            severity: Severity::High,
            score: None,
            title: "t".into(),
            references: Vec::new(),
            target: TargetRef::ConfigFile(0),
            location: Location::Lines {
                path: "k8s/pod.yaml".into(),
                start_line: line,
                end_line: line,
            },
            fingerprint: "f".into(),
            detail: Detail::Misconfiguration(Misconfiguration {
                message: "m".into(),
                resolution: "r".into(),
                snippet: String::new(),
            }),
        }
    }

    #[test]
    fn same_line_or_line_above_by_id_or_alias() {
        let text = "a: 1\n# scangate:ignore:SG-K8S-001\nprivileged: true\nb: 2  #trivy:ignore:avd-ksv-0017:exp:2030-01-01\nc: 3\nd: \"# scangate:ignore:KSV017\" # real comment\n";
        let ignores = InlineIgnores::from_comments("k8s/pod.yaml", text);
        let on = |line| ignores.suppression(&finding(line)).map(|s| s.rule);
        assert_eq!(on(3).as_deref(), Some("SG-K8S-001"));
        assert_eq!(on(2).as_deref(), Some("SG-K8S-001"));
        assert_eq!(on(4).as_deref(), Some("avd-ksv-0017"));
        assert_eq!(on(5).as_deref(), Some("avd-ksv-0017"));
        assert_eq!(on(1), None);
        // A marker in a quoted value is not a comment.
        assert_eq!(on(6), None);
    }

    #[test]
    fn other_rules_and_files_are_not_suppressed() {
        let ignores =
            InlineIgnores::from_comments("k8s/pod.yaml", "# scangate:ignore:SG-K8S-002\nx: 1\n");
        assert_eq!(ignores.suppression(&finding(2)), None);
        let elsewhere =
            InlineIgnores::from_comments("other.yaml", "# scangate:ignore:SG-K8S-001\nx: 1\n");
        assert_eq!(elsewhere.suppression(&finding(2)), None);
    }
}
