//! Policy: which findings a team sees and which fail the job. Filters
//! (`--severity`, `--ignore-unfixed`, `--ignore-status`) drop findings silently, as in Trivy;
//! suppressions (ignore files, VEX, inline comments) move them to the
//! report's `ignored[]` with the rule that matched, so they stay auditable;
//! a baseline marks each finding new or existing; the gate decides.

pub mod baseline;
pub mod ignorefile;
pub mod inline;
mod purl_match;
#[cfg(test)]
mod tests;
pub mod vex;

use crate::finding::{Finding, Status};
use crate::matching::severity::Severity;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

/// The policy of one scan, from flags, files and environment.
pub struct Policy {
    /// Severities kept (`--severity`); `None` keeps all.
    pub severities: Option<BTreeSet<Severity>>,
    /// Drop findings without a fix (`--ignore-unfixed`).
    pub ignore_unfixed: bool,
    /// Drop vulnerabilities whose status is listed (`--ignore-status`).
    pub ignore_status: BTreeSet<Status>,
    /// Suppression sources, tried in order; the first that matches wins.
    pub suppressors: Vec<Box<dyn Suppressor>>,
    pub gate: GatePolicy,
}

/// When the job fails (`--fail-on`, `--exit-code`, `--fail-on-new`), with
/// Trivy's semantics: `--exit-code N` alone fails on any reported finding,
/// `--fail-on SEVERITY` alone fails with 1 at or above the threshold, and
/// given both the threshold decides and N is the code.
#[derive(Debug, Clone, Copy, Default)]
pub struct GatePolicy {
    /// Fail when a reported finding is at or above this.
    pub fail_on: Option<Severity>,
    /// `--exit-code`: the process exit code when the gate fails; alone, it
    /// also makes any reported finding fail the gate (`0` never fails).
    pub exit_code: Option<u8>,
    /// Only findings new against the baseline count.
    pub only_new: bool,
    /// `--fail-on-kev`: fail on any finding in CISA's KEV catalog.
    pub fail_on_kev: bool,
    /// `--fail-on-epss SCORE`: fail on any finding whose EPSS score is at
    /// or above this.
    pub fail_on_epss: Option<f64>,
}

impl GatePolicy {
    /// The severity at or above which a finding fails the gate, if any
    /// does: `--fail-on`, else every severity when `--exit-code` is a
    /// non-zero code (Trivy's "any finding fails").
    pub fn threshold(&self) -> Option<Severity> {
        match (self.fail_on, self.exit_code) {
            (Some(s), _) => Some(s),
            (None, Some(code)) if code != 0 => Some(Severity::Unknown),
            (None, _) => None,
        }
    }

    /// The exit code of a failed gate: `--exit-code`, else 1.
    pub fn failure_code(&self) -> u8 {
        self.exit_code.unwrap_or(1)
    }
}

/// Something that can suppress findings: an ignore file, a VEX document,
/// inline comments in a config file.
pub trait Suppressor {
    /// Why `finding` is suppressed, if this source suppresses it.
    fn suppression(&self, finding: &Finding) -> Option<Suppression>;
}

/// The rule that suppressed a finding, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// What kind of source: `ignorefile`, `vex` or `inline`.
    pub source: SuppressionSource,
    /// The file holding the rule.
    pub path: String,
    /// The rule's id as written (may be an alias of the finding's id).
    pub rule: String,
    /// The reason the rule gives (an ignore entry's `statement`, a VEX
    /// status and justification).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionSource {
    Ignorefile,
    Vex,
    Inline,
}

/// A finding's state against a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not in the baseline: this change introduced it.
    New,
    /// Also in the baseline.
    Existing,
}

/// A finding the policy kept.
#[derive(Debug, Clone)]
pub struct Reported {
    pub finding: Finding,
    /// `None` without a baseline.
    pub state: Option<State>,
}

/// A finding a suppression rule removed.
#[derive(Debug, Clone)]
pub struct Ignored {
    pub finding: Finding,
    pub by: Suppression,
}

/// The gate's decision.
#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    pub failed: bool,
    /// The threshold the gate applied (`UNKNOWN` when `--exit-code` alone
    /// made every reported finding count); `None` when it could not fail.
    pub fail_on: Option<Severity>,
    /// Whether only new findings counted (`--fail-on-new`).
    pub only_new: bool,
    /// Whether findings in CISA's KEV catalog fail it (absent when not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fail_on_kev: bool,
    /// The EPSS score at or above which a finding fails it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on_epss: Option<f64>,
    /// Why it failed, one line each (empty when it passed).
    pub reasons: Vec<String>,
    /// The exit code the process ends with.
    #[serde(skip)]
    pub exit_code: u8,
}

/// What the policy made of a scan's findings.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Kept findings, in the scanners' order.
    pub findings: Vec<Reported>,
    pub ignored: Vec<Ignored>,
    /// Baseline findings no longer present; `None` without a baseline.
    pub fixed: Option<Vec<Finding>>,
    pub gate: Gate,
}

impl Policy {
    /// Whether the filters keep `finding` (before suppressions).
    fn keeps(&self, finding: &Finding) -> bool {
        self.severities
            .as_ref()
            .is_none_or(|s| s.contains(&finding.severity))
            && (!self.ignore_unfixed || finding.has_fix())
            && finding
                .package()
                .is_none_or(|p| !self.ignore_status.contains(&p.status))
    }

    fn suppression(&self, finding: &Finding) -> Option<Suppression> {
        self.suppressors.iter().find_map(|s| s.suppression(finding))
    }

    /// Applies filters, suppressions, the baseline (the baseline's own
    /// findings, computed against today's database) and the gate.
    pub fn apply(&self, findings: Vec<Finding>, baseline: Option<Vec<Finding>>) -> Outcome {
        let mut kept = Vec::new();
        let mut ignored = Vec::new();
        for finding in findings.into_iter().filter(|f| self.keeps(f)) {
            match self.suppression(&finding) {
                Some(by) => ignored.push(Ignored { finding, by }),
                None => kept.push(finding),
            }
        }
        let (findings, fixed): (Vec<Reported>, _) = match baseline {
            None => (
                kept.into_iter()
                    .map(|finding| Reported {
                        finding,
                        state: None,
                    })
                    .collect(),
                None,
            ),
            Some(old) => {
                let old: Vec<Finding> = old
                    .into_iter()
                    .filter(|f| self.keeps(f) && self.suppression(f).is_none())
                    .collect();
                let before: HashSet<&str> = old.iter().map(|f| f.fingerprint.as_str()).collect();
                let now: HashSet<&str> = kept.iter().map(|f| f.fingerprint.as_str()).collect();
                let fixed: Vec<Finding> = old
                    .iter()
                    .filter(|f| !now.contains(f.fingerprint.as_str()))
                    .cloned()
                    .collect();
                let reported: Vec<Reported> = kept
                    .into_iter()
                    .map(|finding| {
                        let state = if before.contains(finding.fingerprint.as_str()) {
                            State::Existing
                        } else {
                            State::New
                        };
                        Reported {
                            finding,
                            state: Some(state),
                        }
                    })
                    .collect();
                (reported, Some(fixed))
            }
        };
        let gate = self.gate.decide(&findings);
        Outcome {
            findings,
            ignored,
            fixed,
            gate,
        }
    }
}

impl GatePolicy {
    fn decide(&self, findings: &[Reported]) -> Gate {
        let mut gate = Gate {
            failed: false,
            fail_on: self.threshold(),
            only_new: self.only_new,
            fail_on_kev: self.fail_on_kev,
            fail_on_epss: self.fail_on_epss,
            reasons: Vec::new(),
            exit_code: 0,
        };
        let counted: Vec<&Finding> = findings
            .iter()
            .filter(|r| !self.only_new || r.state != Some(State::Existing))
            .map(|r| &r.finding)
            .collect();
        let new = if self.only_new { "new " } else { "" };
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if let Some(threshold) = gate.fail_on {
            let over = counts(counted.iter().copied().filter(|f| f.severity >= threshold));
            let total = over.total();
            if total > 0 {
                let which = if threshold == Severity::Unknown {
                    "reported".to_string()
                } else {
                    format!("at or above {threshold}")
                };
                let parts: Vec<String> = over
                    .nonzero()
                    .iter()
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect();
                gate.reasons.push(format!(
                    "{total} {new}finding{} {which} ({})",
                    plural(total),
                    parts.join(", ")
                ));
            }
        }
        let scoring = |f: &&Finding| f.package().map(|p| p.scoring.clone());
        if self.fail_on_kev {
            let kev = counted
                .iter()
                .filter(|f| scoring(f).is_some_and(|s| s.kev.is_some()))
                .count();
            if kev > 0 {
                gate.reasons.push(format!(
                    "{kev} {new}finding{} in CISA's Known Exploited Vulnerabilities catalog",
                    plural(kev)
                ));
            }
        }
        if let Some(min) = self.fail_on_epss {
            let likely = counted
                .iter()
                .filter(|f| {
                    scoring(f)
                        .and_then(|s| s.epss)
                        .is_some_and(|e| e.score >= min)
                })
                .count();
            if likely > 0 {
                gate.reasons.push(format!(
                    "{likely} {new}finding{} with an EPSS score of {min} or more",
                    plural(likely)
                ));
            }
        }
        if !gate.reasons.is_empty() {
            gate.failed = true;
            gate.exit_code = self.failure_code();
        }
        gate
    }
}

impl Gate {
    /// Whether any gate condition was set (else it cannot fail and reports
    /// show no verdict).
    pub fn is_set(&self) -> bool {
        self.fail_on.is_some() || self.fail_on_kev || self.fail_on_epss.is_some()
    }
}

/// Counts of findings by severity, worst first, as reports show them.
pub fn counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> SeverityCounts {
    let mut c = SeverityCounts::default();
    for f in findings {
        match f.severity {
            Severity::Critical => c.critical += 1,
            Severity::High => c.high += 1,
            Severity::Medium => c.medium += 1,
            Severity::Low => c.low += 1,
            Severity::Unknown => c.unknown += 1,
        }
    }
    c
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl SeverityCounts {
    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.unknown
    }

    /// (severity, count) pairs worst first, without zero counts.
    pub fn nonzero(&self) -> Vec<(Severity, usize)> {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Unknown, self.unknown),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}
