//! OSV's "is this version affected?" for one `affected[]` entry: explicit
//! `versions[]`, and `ranges[]` of introduced / fixed / last_affected /
//! limit events evaluated in version order, as the OSV schema specifies.

use crate::version::{Comparator, VersionError};
use crate::vulndb::osv::{Affected, Event, RangeType};
use std::cmp::Ordering;

/// The verdict for one installed version against one `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    NotAffected,
    /// Affected; `fixed` is the lowest fixed version above the installed
    /// one, if any range names one.
    Affected {
        fixed: Option<String>,
    },
}

/// Evaluates `installed` against `affected`. `ecosystem_cmp` orders
/// ECOSYSTEM ranges; `semver_cmp` orders SEMVER ranges. GIT ranges name
/// commits and are ignored.
///
/// Errors when a version needed for the decision cannot be compared: the
/// caller reports it, because "not affected" would be a guess.
pub fn evaluate(
    installed: &str,
    affected: &Affected,
    ecosystem_cmp: &dyn Comparator,
    semver_cmp: &dyn Comparator,
) -> Result<Verdict, VersionError> {
    let mut hit = affected.versions.iter().any(|v| v == installed);
    let mut fixed: Option<String> = None;
    for range in &affected.ranges {
        let cmp = match range.kind {
            RangeType::Ecosystem => ecosystem_cmp,
            RangeType::Semver => semver_cmp,
            RangeType::Git | RangeType::Other(_) => continue,
        };
        if !hit
            && affected
                .versions
                .iter()
                .any(|v| cmp.compare(installed, v) == Ok(Ordering::Equal))
        {
            hit = true;
        }
        if in_range(installed, &range.events, cmp)? {
            hit = true;
            if let Some(f) = lowest_fix_above(installed, &range.events, cmp)? {
                fixed = match fixed {
                    Some(prev) if cmp.compare(&prev, &f)? != Ordering::Greater => Some(prev),
                    _ => Some(f),
                };
            }
        }
    }
    Ok(if hit {
        Verdict::Affected { fixed }
    } else {
        Verdict::NotAffected
    })
}

/// The event's version, with OSV's `introduced: "0"` ("since the first
/// version") as `None`, which sorts below every version.
fn version_of(event: &Event) -> Option<&str> {
    match event {
        Event::Introduced(v) if v == "0" => None,
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => {
            Some(v)
        }
    }
}

/// OSV's evaluation: sort the events by version, then walk them, turning
/// "affected" on at an introduced version at or below the installed one and
/// off at a fixed version at or below it (or a last_affected version
/// strictly below it). A `limit` caps the range: versions at or above the
/// lowest limit are outside it (`*` means no cap).
fn in_range(installed: &str, events: &[Event], cmp: &dyn Comparator) -> Result<bool, VersionError> {
    let mut limits = events.iter().filter_map(|e| match e {
        Event::Limit(v) if v != "*" => Some(v.as_str()),
        _ => None,
    });
    if let Some(first) = limits.next() {
        let mut below_some_limit = cmp.compare(installed, first)? == Ordering::Less;
        for limit in limits {
            below_some_limit |= cmp.compare(installed, limit)? == Ordering::Less;
        }
        if !below_some_limit {
            return Ok(false);
        }
    }
    let unsorted: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
        .collect();
    // Validate first so the sort below never meets an error half way.
    for e in &unsorted {
        if let Some(v) = version_of(e) {
            cmp.validate(v)?;
        }
    }
    cmp.validate(installed)?;
    let order = |a: &Event, b: &Event| match (version_of(a), version_of(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp.compare(x, y).unwrap_or(Ordering::Equal),
    };
    // A stable binary-insertion sort: unlike `sort_by`, it cannot panic
    // when an ecosystem's own order is not transitive (Maven's
    // `ComparableVersion` has cycles on odd versions).
    let mut sorted: Vec<&Event> = Vec::with_capacity(unsorted.len());
    for event in unsorted {
        let at = sorted.partition_point(|x| order(x, event) != Ordering::Greater);
        sorted.insert(at, event);
    }
    let mut affected = false;
    for event in sorted {
        let at_or_below = |v: &str| cmp.compare(v, installed).map(|o| o != Ordering::Greater);
        match event {
            Event::Introduced(v) if v == "0" => affected = true,
            Event::Introduced(v) => {
                if at_or_below(v)? {
                    affected = true;
                }
            }
            Event::Fixed(v) => {
                if at_or_below(v)? {
                    affected = false;
                }
            }
            Event::LastAffected(v) => {
                if cmp.compare(v, installed)? == Ordering::Less {
                    affected = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    Ok(affected)
}

/// The lowest `fixed` version of the range that is above `installed`.
fn lowest_fix_above(
    installed: &str,
    events: &[Event],
    cmp: &dyn Comparator,
) -> Result<Option<String>, VersionError> {
    let mut best: Option<&str> = None;
    for event in events {
        if let Event::Fixed(v) = event {
            if cmp.compare(v, installed)? == Ordering::Greater
                && best.map_or(Ok(true), |b| cmp.compare(v, b).map(|o| o == Ordering::Less))?
            {
                best = Some(v);
            }
        }
    }
    Ok(best.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::VersionScheme;
    use crate::version::comparator;
    use serde_json::json;

    fn affected(value: serde_json::Value) -> Affected {
        serde_json::from_value(value).expect("valid affected entry")
    }

    fn check(installed: &str, entry: &Affected, scheme: VersionScheme) -> Verdict {
        let semver = comparator(VersionScheme::Semver);
        evaluate(installed, entry, comparator(scheme), semver).expect("comparable")
    }

    fn dpkg(installed: &str, entry: &Affected) -> Verdict {
        check(installed, entry, VersionScheme::Dpkg)
    }

    fn yes(fixed: Option<&str>) -> Verdict {
        Verdict::Affected {
            fixed: fixed.map(str::to_string),
        }
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let e = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.15-1~deb12u1"}]}]}),
        );
        assert_eq!(dpkg("3.0.14-1~deb12u2", &e), yes(Some("3.0.15-1~deb12u1")));
        assert_eq!(dpkg("3.0.15-1~deb12u1", &e), Verdict::NotAffected);
        assert_eq!(dpkg("3.0.16-1", &e), Verdict::NotAffected);
        // dpkg order, not string order: 3.0.9 < 3.0.15.
        assert_eq!(dpkg("3.0.9-1", &e), yes(Some("3.0.15-1~deb12u1")));
    }

    #[test]
    fn introduced_bounds_the_range_from_below() {
        let e = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-1"}, {"fixed": "2.5-1"}]}]}),
        );
        assert_eq!(dpkg("1.9-1", &e), Verdict::NotAffected);
        assert_eq!(dpkg("2.0-1", &e), yes(Some("2.5-1")));
    }

    #[test]
    fn last_affected_includes_its_own_version() {
        let e = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "1.4-2"}]}]}),
        );
        assert_eq!(dpkg("1.4-2", &e), yes(None));
        assert_eq!(dpkg("1.4-3", &e), Verdict::NotAffected);
    }

    #[test]
    fn several_ranges_and_unsorted_events() {
        // Two affected windows, events deliberately out of order.
        let e = affected(json!({"ranges": [{"type": "ECOSYSTEM", "events": [
            {"fixed": "1.5"}, {"introduced": "2.0"}, {"introduced": "1.0"}, {"fixed": "2.3"}
        ]}]}));
        assert_eq!(dpkg("0.9", &e), Verdict::NotAffected);
        assert_eq!(dpkg("1.2", &e), yes(Some("1.5")));
        assert_eq!(dpkg("1.7", &e), Verdict::NotAffected);
        assert_eq!(dpkg("2.1", &e), yes(Some("2.3")));
        assert_eq!(dpkg("2.3", &e), Verdict::NotAffected);
        let two = affected(json!({"ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.3"}]}
        ]}));
        assert_eq!(dpkg("1.0", &two), yes(Some("1.5")));
        assert_eq!(dpkg("2.2", &two), yes(Some("2.3")));
    }

    #[test]
    fn explicit_versions_match_without_ranges() {
        let e = affected(json!({"versions": ["1.2-1", "1.3-1"]}));
        assert_eq!(dpkg("1.3-1", &e), yes(None));
        assert_eq!(dpkg("1.4-1", &e), Verdict::NotAffected);
    }

    #[test]
    fn limit_caps_a_range() {
        let e = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "2.0"}]}]}),
        );
        assert_eq!(dpkg("1.0", &e), yes(None));
        assert_eq!(dpkg("2.0", &e), Verdict::NotAffected);
        let star = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"limit": "*"}]}]}),
        );
        assert_eq!(dpkg("9.0", &star), yes(None));
    }

    #[test]
    fn git_ranges_are_ignored_and_semver_ranges_use_semver() {
        let git = affected(
            json!({"ranges": [{"type": "GIT", "repo": "https://example.invalid/r", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}]}),
        );
        assert_eq!(dpkg("1.0", &git), Verdict::NotAffected);
        let semver = affected(
            json!({"ranges": [{"type": "SEMVER", "events": [{"introduced": "1.2.0"}, {"fixed": "1.10.0"}]}]}),
        );
        assert_eq!(
            check("1.9.0", &semver, VersionScheme::Dpkg),
            yes(Some("1.10.0"))
        );
    }

    #[test]
    fn apk_and_rpm_orders_apply_to_their_ecosystems() {
        let apk = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.4_git20230717-r5"}]}]}),
        );
        assert_eq!(
            check("1.2.4_git20230717-r4", &apk, VersionScheme::Apk),
            yes(Some("1.2.4_git20230717-r5"))
        );
        assert_eq!(
            check("1.2.4_git20230717-r10", &apk, VersionScheme::Apk),
            Verdict::NotAffected
        );
        let rpm = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-27.el9"}]}]}),
        );
        assert_eq!(
            check("1:3.0.7-25.el9_3", &rpm, VersionScheme::Rpm),
            yes(Some("1:3.0.7-27.el9"))
        );
        assert_eq!(
            check("3.1.0-1.el9", &rpm, VersionScheme::Rpm),
            yes(Some("1:3.0.7-27.el9")),
            "the epoch wins"
        );
    }

    #[test]
    fn the_lowest_fix_above_the_installed_version_is_reported() {
        let e = affected(json!({"ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}]}
        ]}));
        assert_eq!(dpkg("1.0", &e), yes(Some("1.5")));
    }

    #[test]
    fn an_uncomparable_installed_version_is_an_error_not_a_verdict() {
        let e = affected(
            json!({"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}),
        );
        let semver = comparator(VersionScheme::Semver);
        assert!(evaluate("1:", &e, comparator(VersionScheme::Dpkg), semver).is_err());
    }
}
