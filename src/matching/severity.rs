//! Severity of a finding: a base score computed from the advisory's CVSS
//! vectors where it has one, else the rating the ecosystem itself gives
//! (GHSA `database_specific.severity`, Ubuntu priority, Debian urgency),
//! mapped to one level with CVSS's qualitative ranges.

pub use crate::core::severity::{Severity, UnknownSeverity};
use std::str::FromStr;

/// The severity decided for one advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub severity: Severity,
    /// The CVSS base score it came from, when it came from one.
    pub score: Option<f64>,
    /// The CVSS vector scored.
    pub vector: Option<String>,
}

/// One entry of an OSV `severity[]` list: `type` and `score` (for CVSS
/// types the score field holds the vector string).
#[derive(Debug, Clone, Copy)]
pub struct SeverityEntry<'a> {
    pub kind: &'a str,
    pub score: &'a str,
}

/// CVSS types in order of preference. v3.x first: it is what NVD, GHSA and
/// the distributions publish for nearly every CVE, so scores agree with
/// what users see elsewhere; v4 next, v2 only as a last resort.
const CVSS_PREFERENCE: [&str; 3] = ["CVSS_V3", "CVSS_V4", "CVSS_V2"];

/// Decides the severity from `entries` (the record's `severity[]`, or the
/// affected package's when the record has none) and, failing a usable CVSS
/// vector, from rating words in `specific` (the `database_specific` and
/// `ecosystem_specific` objects, and Ubuntu's `severity[]` priority).
pub fn assess<'a>(
    entries: &[SeverityEntry<'_>],
    specific: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Assessment {
    for kind in CVSS_PREFERENCE {
        for entry in entries.iter().filter(|e| e.kind == kind) {
            match cvss::Cvss::from_str(entry.score.trim()) {
                Ok(cvss) => {
                    let score = cvss.score();
                    return Assessment {
                        severity: Severity::from_score(score),
                        score: Some(score),
                        vector: Some(entry.score.trim().to_string()),
                    };
                }
                Err(e) => tracing::debug!(vector = entry.score, error = %e, "unusable CVSS vector"),
            }
        }
    }
    let from_entries = entries
        .iter()
        .filter(|e| e.kind.eq_ignore_ascii_case("Ubuntu"))
        .find_map(|e| Severity::from_rating_word(e.score));
    let from_specific = || {
        specific.into_iter().find_map(|v| {
            ["severity", "urgency"]
                .iter()
                .filter_map(|k| v.get(k).and_then(|s| s.as_str()))
                .find_map(Severity::from_rating_word)
        })
    };
    Assessment {
        severity: from_entries
            .or_else(from_specific)
            .unwrap_or(Severity::Unknown),
        score: None,
        vector: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry<'a>(kind: &'a str, score: &'a str) -> SeverityEntry<'a> {
        SeverityEntry { kind, score }
    }

    #[test]
    fn qualitative_ranges_follow_cvss() {
        let cases = [
            (0.0, Severity::Low),
            (3.9, Severity::Low),
            (4.0, Severity::Medium),
            (6.9, Severity::Medium),
            (7.0, Severity::High),
            (8.9, Severity::High),
            (9.0, Severity::Critical),
            (10.0, Severity::Critical),
        ];
        for (score, level) in cases {
            assert_eq!(Severity::from_score(score), level, "{score}");
        }
    }

    #[test]
    fn cvss_v3_vector_is_scored() {
        // Log4Shell, CVE-2021-44228: 10.0 per NVD.
        let a = assess(
            &[entry(
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            )],
            [],
        );
        assert_eq!((a.severity, a.score), (Severity::Critical, Some(10.0)));
        // CVE-2023-38545-like medium: AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N = 3.7.
        let a = assess(
            &[entry(
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
            )],
            [],
        );
        assert_eq!((a.severity, a.score), (Severity::Low, Some(3.7)));
    }

    #[test]
    fn v3_is_preferred_over_v4_and_v4_over_v2() {
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        let v3 = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N";
        let a = assess(&[entry("CVSS_V4", v4), entry("CVSS_V3", v3)], []);
        assert_eq!(a.vector.as_deref(), Some(v3));
        let a = assess(
            &[
                entry("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
                entry("CVSS_V4", v4),
            ],
            [],
        );
        assert_eq!((a.severity, a.score), (Severity::Critical, Some(9.3)));
    }

    #[test]
    fn a_broken_vector_falls_back_to_the_next_source() {
        let a = assess(
            &[entry("CVSS_V3", "CVSS:3.1/AV:X"), entry("Ubuntu", "medium")],
            [],
        );
        assert_eq!((a.severity, a.score), (Severity::Medium, None));
    }

    #[test]
    fn ecosystem_ratings_are_used_without_a_vector() {
        let ghsa = json!({"severity": "MODERATE", "cwe_ids": []});
        assert_eq!(assess(&[], [&ghsa]).severity, Severity::Medium);
        let debian = json!({"urgency": "unimportant"});
        assert_eq!(assess(&[], [&debian]).severity, Severity::Low);
        let ubuntu = [entry("Ubuntu", "high")];
        assert_eq!(assess(&ubuntu, []).severity, Severity::High);
        let untriaged = json!({"urgency": "not yet assigned"});
        assert_eq!(assess(&[], [&untriaged]).severity, Severity::Unknown);
    }

    #[test]
    fn severity_names_parse_case_insensitively_and_order_by_badness() {
        assert_eq!("high".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
    }
}
