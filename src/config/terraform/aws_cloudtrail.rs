//! CloudTrail trails: the audit log of the account, which must cover every
//! region, be encrypted with a key you control, and actually be logging.

use super::hcl::Module;
use super::{at_attr, at_header, require_true};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static NOT_MULTI_REGION: Rule = Rule {
    id: "SG-TF-018",
    aliases: &[
        "AWS-0014",
        "AVD-AWS-0014",
        "aws-cloudtrail-enable-all-regions",
    ],
    title: "CloudTrail trail does not cover all regions",
    severity: Severity::Medium,
    rationale: "An attacker who works in a region the trail does not cover leaves no audit \
                record.",
    resolution: "Set `is_multi_region_trail = true` on the trail.",
};

pub(super) static NO_KMS_KEY: Rule = Rule {
    id: "SG-TF-019",
    aliases: &[
        "AWS-0015",
        "AVD-AWS-0015",
        "aws-cloudtrail-encryption-customer-managed-key",
    ],
    title: "CloudTrail logs are not encrypted with a customer-managed key",
    severity: Severity::High,
    rationale: "With a KMS key of your own, reading the audit logs needs both S3 and KMS \
                permissions, and key use is itself logged.",
    resolution: "Set `kms_key_id = aws_kms_key.trail.arn` on the trail.",
};

pub(super) static LOGGING_DISABLED: Rule = Rule {
    id: "SG-TF-020",
    aliases: &[],
    title: "CloudTrail trail has logging turned off",
    severity: Severity::High,
    rationale: "`enable_logging = false` creates the trail but records nothing: the account \
                looks audited and is not.",
    resolution: "Remove `enable_logging = false` (logging is on by default).",
};

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for trail in module.resources("aws_cloudtrail") {
        found.extend(require_true(
            &NOT_MULTI_REGION,
            trail,
            "is_multi_region_trail",
            || "Trail is not enabled across all regions.".into(),
        ));
        if trail.attr("kms_key_id").is_none() {
            found.push(at_header(
                &NO_KMS_KEY,
                trail,
                "kms_key_id",
                "Trail is not encrypted with a customer-managed KMS key.".into(),
            ));
        }
        if let Some(attr) = trail.attr("enable_logging") {
            if attr.value.as_bool() == Some(false) {
                found.push(at_attr(
                    &LOGGING_DISABLED,
                    format!("{}.enable_logging", trail.address()),
                    attr,
                    "Trail has logging turned off.".into(),
                ));
            }
        }
    }
}
