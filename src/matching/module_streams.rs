//! RHEL 8+ module streams. A package built for a module stream (its rpm
//! header's `modularitylabel`, `nodejs:18:8070020230306:9c1b8b4e`) is
//! fixed by that stream's builds only: an advisory for `nodejs:20`, or for
//! the non-modular `nodejs`, says nothing about it, and comparing its
//! version with theirs would report `nodejs:18` as vulnerable to every
//! `nodejs:20` fix. Trivy keys modular advisories by `name:stream`; OSV's
//! Red Hat, Rocky Linux and AlmaLinux records carry the stream in their
//! summary (`Important: nodejs:20 security update`) and mark modular builds
//! in the version (`.module+el8…`, AlmaLinux `.module_el8…`). So:
//!
//! - a modular package is matched by modular ranges only, and when the
//!   advisory's summary names streams, only if its own stream is one of
//!   them;
//! - a non-modular package is matched by non-modular ranges only.
//!
//! A range whose versions say neither (only `introduced: 0`) applies to
//! both: without evidence, a finding is kept rather than dropped.

use crate::vulndb::osv::{Affected, Event, Record};

/// Whether `affected` (of `record`) can be about a package with
/// modularity label `label`.
pub fn applies(label: Option<&str>, record: &Record, affected: &Affected) -> bool {
    let Some(modular) = range_is_modular(affected) else {
        return true;
    };
    match label.and_then(stream_of) {
        None => !modular,
        Some(stream) => {
            modular && {
                let named = summary_streams(record.summary.as_deref().unwrap_or(""));
                named.is_empty() || named.contains(&stream)
            }
        }
    }
}

/// `nodejs:18:8070020230306:9c1b8b4e` → `nodejs:18`.
pub(crate) fn stream_of(label: &str) -> Option<String> {
    let mut parts = label.split(':');
    let (name, stream) = (parts.next()?, parts.next()?);
    (!name.is_empty() && !stream.is_empty()).then(|| format!("{name}:{stream}"))
}

/// Whether the range's versions are module builds; `None` when it has no
/// version to tell by.
fn range_is_modular(affected: &Affected) -> Option<bool> {
    let versions: Vec<&str> = affected
        .ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) => Some(v.as_str()),
            Event::Limit(_) => None,
        })
        .chain(affected.versions.iter().map(String::as_str))
        .filter(|v| *v != "0")
        .collect();
    if versions.is_empty() {
        return None;
    }
    Some(versions.iter().any(|v| v.contains(".module")))
}

/// The `name:stream` words of a summary: `Important: nodejs:20 security
/// update` → `nodejs:20`; `Moderate: container-tools:rhel8 and
/// perl:5.32 security update` → both. The severity prefix (`Important:`)
/// is not one (nothing follows its colon).
fn summary_streams(summary: &str) -> Vec<String> {
    summary
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter_map(|w| {
            let (name, stream) = w.split_once(':')?;
            let ok = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
            };
            (ok(name) && ok(stream)).then(|| w.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(summary: &str, fixed: &str) -> Record {
        serde_json::from_value(json!({
            "id": "RHSA-2024:0001",
            "summary": summary,
            "affected": [{
                "package": {"ecosystem": "Red Hat:enterprise_linux:8::appstream", "name": "nodejs"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }],
        }))
        .unwrap()
    }

    const NODE18: &str = "nodejs:18:8070020230306:9c1b8b4e";

    #[test]
    fn a_modular_package_matches_its_own_streams_advisories_only() {
        let cases = [
            // The stream's own fix.
            (
                "Important: nodejs:18 security update",
                "1:18.19.1-1.module+el8.9.0+21000+abcdef12",
                Some(NODE18),
                true,
            ),
            // Another stream's fix.
            (
                "Important: nodejs:20 security update",
                "1:20.11.1-1.module+el8.9.0+21001+abcdef12",
                Some(NODE18),
                false,
            ),
            // AlmaLinux's spelling, no stream in the summary.
            (
                "Important: nodejs security update",
                "1:18.19.1-1.module_el8.9.0+3755+1b2b2d1a",
                Some(NODE18),
                true,
            ),
            // A non-modular fix says nothing about a modular package ...
            (
                "Important: nodejs security update",
                "1:10.24.0-1.el8",
                Some(NODE18),
                false,
            ),
            // ... and a modular fix nothing about a non-modular one.
            (
                "Important: nodejs:18 security update",
                "1:18.19.1-1.module+el8.9.0+21000+abcdef12",
                None,
                false,
            ),
            (
                "Important: openssl security update",
                "1:1.1.1k-12.el8_9",
                None,
                true,
            ),
        ];
        for (summary, fixed, label, want) in cases {
            let r = record(summary, fixed);
            assert_eq!(
                applies(label, &r, &r.affected[0]),
                want,
                "{summary} {fixed} {label:?}"
            );
        }
    }

    #[test]
    fn a_range_without_versions_applies_to_both() {
        let mut r = record("Moderate: nodejs:20 security update", "x");
        r.affected[0].ranges[0].events.truncate(1);
        assert!(applies(Some(NODE18), &r, &r.affected[0]));
        assert!(applies(None, &r, &r.affected[0]));
    }

    #[test]
    fn streams_named_in_summaries() {
        assert_eq!(
            summary_streams("Moderate: container-tools:rhel8 and perl:5.32 security update"),
            ["container-tools:rhel8", "perl:5.32"]
        );
        assert!(summary_streams("Important: curl security update").is_empty());
    }
}
