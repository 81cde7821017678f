//! Policy::apply and the gate, on findings built here; and the finding
//! builder the parsers' tests share.

use super::*;
use crate::finding::{
    fingerprint, Detail, Location, Misconfiguration, PackageVulnerability, Status, TargetRef,
};

/// A vulnerability of `package` (Debian 12 purl) in `var/lib/dpkg/status`.
pub(super) fn vuln(id: &str, severity: Severity, package: &str, fixed: Option<&str>) -> Finding {
    Finding {
        id: id.to_string(),
        aliases: Vec::new(),
        severity,
        score: None,
        title: format!("{id} in {package}"),
        references: Vec::new(),
        target: TargetRef::PackageDb(0),
        location: Location::Package {
            db_path: "var/lib/dpkg/status".into(),
            layer: Some(0),
            line: None,
        },
        fingerprint: fingerprint(&[
            "vulnerability",
            id,
            "Debian",
            "var/lib/dpkg/status",
            package,
        ]),
        detail: Detail::Vulnerability(PackageVulnerability {
            package: 0,
            package_name: package.to_string(),
            purl: format!("pkg:deb/debian/{package}@1.0-1?arch=amd64&distro=debian-12"),
            installed_version: "1.0-1".into(),
            fixed_version: fixed.map(String::from),
            status: if fixed.is_some() {
                Status::Fixed
            } else {
                Status::Affected
            },
            scoring: Default::default(),
        }),
    }
}

/// A misconfiguration `id` at `path` line 3.
pub(super) fn misconfig(id: &str, path: &str) -> Finding {
    Finding {
        id: id.to_string(),
        aliases: Vec::new(),
        severity: Severity::High,
        score: None,
        title: id.to_string(),
        references: Vec::new(),
        target: TargetRef::ConfigFile(0),
        location: Location::Lines {
            path: path.to_string(),
            start_line: 3,
            end_line: 3,
        },
        fingerprint: fingerprint(&["misconfiguration", id, path]),
        detail: Detail::Misconfiguration(Misconfiguration {
            message: id.to_string(),
            resolution: String::new(),
            snippet: String::new(),
        }),
    }
}

fn policy(fail_on: Option<Severity>) -> Policy {
    Policy {
        severities: None,
        ignore_unfixed: false,
        ignore_status: Default::default(),
        suppressors: Vec::new(),
        gate: GatePolicy {
            fail_on,
            exit_code: None,
            only_new: false,
            ..Default::default()
        },
    }
}

/// Suppresses one id, as a stand-in for ignore files and VEX.
struct IgnoreId(&'static str);

impl Suppressor for IgnoreId {
    fn suppression(&self, finding: &Finding) -> Option<Suppression> {
        finding.ids().any(|id| id == self.0).then(|| Suppression {
            source: SuppressionSource::Ignorefile,
            path: ".trivyignore".into(),
            rule: self.0.into(),
            statement: None,
        })
    }
}

fn ids(findings: &[Reported]) -> Vec<&str> {
    findings.iter().map(|r| r.finding.id.as_str()).collect()
}

fn mixed() -> Vec<Finding> {
    vec![
        vuln("CVE-1", Severity::Critical, "libssl3", None),
        vuln("CVE-2", Severity::High, "libssl3", Some("2.0-1")),
        vuln("CVE-3", Severity::Low, "zlib1g", Some("2.0-1")),
    ]
}

#[test]
fn exit_code_alone_fails_on_any_reported_finding_as_trivy_does() {
    let mut p = policy(None);
    p.gate.exit_code = Some(5);
    let out = p.apply(mixed(), None);
    assert!(out.gate.failed);
    assert_eq!(out.gate.exit_code, 5);
    assert_eq!(out.gate.fail_on, Some(Severity::Unknown));
    assert_eq!(
        out.gate.reasons,
        ["3 findings reported (1 CRITICAL, 1 HIGH, 1 LOW)"]
    );
    // Nothing left after the filters: the gate passes.
    p.severities = Some([Severity::Medium].into_iter().collect());
    let out = p.apply(mixed(), None);
    assert!(!out.gate.failed);
    assert_eq!(out.gate.exit_code, 0);
    // `--exit-code 0` is Trivy's default: never fail.
    let mut p = policy(None);
    p.gate.exit_code = Some(0);
    assert!(!p.apply(mixed(), None).gate.failed);
}

#[test]
fn fail_on_alone_fails_with_one() {
    let out = policy(Some(Severity::Critical)).apply(mixed(), None);
    assert!(out.gate.failed);
    assert_eq!(out.gate.exit_code, 1);
}

#[test]
fn without_fail_on_the_gate_never_fails() {
    let out = policy(None).apply(mixed(), None);
    assert!(!out.gate.failed);
    assert_eq!(out.gate.exit_code, 0);
    assert!(out.gate.reasons.is_empty());
    assert_eq!(ids(&out.findings), ["CVE-1", "CVE-2", "CVE-3"]);
    assert!(out.fixed.is_none());
}

#[test]
fn the_gate_fails_at_or_above_its_threshold_with_the_configured_code() {
    let mut p = policy(Some(Severity::High));
    p.gate.exit_code = Some(7);
    let out = p.apply(mixed(), None);
    assert!(out.gate.failed);
    assert_eq!(out.gate.exit_code, 7);
    assert_eq!(
        out.gate.reasons,
        ["2 findings at or above HIGH (1 CRITICAL, 1 HIGH)"]
    );
    let out = policy(Some(Severity::Critical)).apply(vec![mixed().remove(1)], None);
    assert!(!out.gate.failed, "HIGH is below CRITICAL");
}

#[test]
fn filters_drop_findings_before_the_gate() {
    let mut p = policy(Some(Severity::Critical));
    p.ignore_unfixed = true;
    let out = p.apply(mixed(), None);
    assert_eq!(ids(&out.findings), ["CVE-2", "CVE-3"]);
    assert!(!out.gate.failed, "the only critical has no fix");
    assert!(out.ignored.is_empty(), "filters do not list what they drop");

    let mut p = policy(Some(Severity::Low));
    p.severities = Some([Severity::Low].into_iter().collect());
    let out = p.apply(mixed(), None);
    assert_eq!(ids(&out.findings), ["CVE-3"]);
    assert_eq!(out.gate.reasons, ["1 finding at or above LOW (1 LOW)"]);
}

#[test]
fn ignore_status_drops_only_the_listed_states_and_ignore_unfixed_every_unfixed_one() {
    let mut findings = mixed();
    let unfixed: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.has_fix())
        .map(|(i, _)| i)
        .collect();
    assert!(!unfixed.is_empty(), "the fixture has an unfixed finding");
    let Detail::Vulnerability(p) = &mut findings[unfixed[0]].detail else {
        panic!("a vulnerability")
    };
    p.status = Status::WillNotFix;
    let will_not_fix = findings[unfixed[0]].id.clone();

    let mut p = policy(None);
    p.ignore_status = [Status::WillNotFix].into_iter().collect();
    let out = p.apply(findings.clone(), None);
    assert!(!ids(&out.findings).contains(&will_not_fix.as_str()));
    assert_eq!(out.findings.len(), findings.len() - 1);

    let mut p = policy(None);
    p.ignore_status = [Status::FixDeferred].into_iter().collect();
    assert_eq!(
        p.apply(findings.clone(), None).findings.len(),
        findings.len()
    );

    let mut p = policy(None);
    p.ignore_unfixed = true;
    let out = p.apply(findings.clone(), None);
    assert!(out.findings.iter().all(|r| r.finding.has_fix()));
    assert!(!ids(&out.findings).contains(&will_not_fix.as_str()));
}

#[test]
fn suppressed_findings_are_listed_with_the_rule_and_do_not_fail_the_gate() {
    let mut p = policy(Some(Severity::Critical));
    p.suppressors.push(Box::new(IgnoreId("CVE-1")));
    let out = p.apply(mixed(), None);
    assert_eq!(ids(&out.findings), ["CVE-2", "CVE-3"]);
    assert_eq!(out.ignored.len(), 1);
    assert_eq!(out.ignored[0].finding.id, "CVE-1");
    assert_eq!(out.ignored[0].by.rule, "CVE-1");
    assert!(!out.gate.failed);
}

#[test]
fn a_baseline_splits_findings_into_new_existing_and_fixed() {
    let before = vec![
        vuln("CVE-1", Severity::Critical, "libssl3", None),
        vuln("CVE-9", Severity::High, "curl", Some("2.0-1")),
    ];
    let mut p = policy(Some(Severity::High));
    p.gate.only_new = true;
    let out = p.apply(mixed(), Some(before));
    let states: Vec<(&str, Option<State>)> = out
        .findings
        .iter()
        .map(|r| (r.finding.id.as_str(), r.state))
        .collect();
    assert_eq!(
        states,
        [
            ("CVE-1", Some(State::Existing)),
            ("CVE-2", Some(State::New)),
            ("CVE-3", Some(State::New)),
        ]
    );
    let fixed = out.fixed.expect("a baseline gives a fixed list");
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].id, "CVE-9");
    // Only the new HIGH counts; the existing CRITICAL does not.
    assert_eq!(
        out.gate.reasons,
        ["1 new finding at or above HIGH (1 HIGH)"]
    );
}

#[test]
fn fail_on_new_passes_when_only_existing_findings_are_severe() {
    let mut p = policy(Some(Severity::High));
    p.gate.only_new = true;
    let now = vec![vuln("CVE-1", Severity::Critical, "libssl3", None)];
    let out = p.apply(now.clone(), Some(now));
    assert!(!out.gate.failed);
    assert_eq!(out.fixed.map(|f| f.len()), Some(0));
}

#[test]
fn baseline_findings_suppressed_or_filtered_now_are_not_reported_fixed() {
    let mut p = policy(None);
    p.suppressors.push(Box::new(IgnoreId("CVE-9")));
    p.severities = Some([Severity::Critical, Severity::High].into_iter().collect());
    let before = vec![
        vuln("CVE-9", Severity::High, "curl", None),
        vuln("CVE-8", Severity::Low, "zlib1g", None),
    ];
    let out = p.apply(Vec::new(), Some(before));
    assert_eq!(out.fixed.map(|f| f.len()), Some(0));
}

#[test]
fn misconfigurations_always_count_as_fixable() {
    let mut p = policy(Some(Severity::High));
    p.ignore_unfixed = true;
    let out = p.apply(vec![misconfig("DS002", "Dockerfile")], None);
    assert!(out.gate.failed);
}
