//! The CIS S3 checks Trivy runs only in its compliance reports: MFA
//! delete (AWS-0170) and object-level CloudTrail logging of writes and
//! reads (AWS-0171, AWS-0172).
//!
//! Two choices keep them precise as default rules. MFA delete fires only
//! when versioning explicitly sets it off (`mfa_delete = "Disabled"`), as
//! Trivy's own example does; a bucket that never mentions it is not
//! reported. Object-level logging is checked only in modules that declare
//! a CloudTrail trail, where the trails' data-event selectors are in
//! scope: each bucket must be covered by a selector for `AWS::S3::Object`
//! on `arn:aws:s3` (every bucket) or on the bucket's own ARN. A selector
//! whose values are computed is taken to cover the bucket.

use super::hcl::{Block, Module, Value};
use super::spec::{trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

/// AWS-0170: versioning that sets MFA delete off, inline or in the
/// bucket's `aws_s3_bucket_versioning`.
fn mfa_delete_off(
    module: &Module,
    bucket: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let inline = bucket
        .blocks("versioning")
        .map(|v| (bucket, v, "versioning."));
    let companion = super::aws_s3::companion(module, "aws_s3_bucket_versioning", bucket)
        .into_iter()
        .flat_map(|c| {
            c.blocks("versioning_configuration")
                .map(move |v| (c, v, "versioning_configuration."))
        });
    for (owner, versioning, prefix) in inline.chain(companion) {
        if let Some(attr) = versioning.attr("mfa_delete") {
            let off = match &attr.value {
                Value::String(s) => s.eq_ignore_ascii_case("Disabled") || s == "false",
                Value::Bool(b) => !b,
                _ => false,
            };
            if off {
                found.push(wrong(rule, owner, prefix, attr));
            }
        }
    }
}

/// Whether some trail's event selector logs object-level events of
/// `bucket`, for the direction `excluded` does not rule out
/// (`ReadOnly` for writes, `WriteOnly` for reads).
fn object_events_logged(module: &Module, bucket: &Block, excluded: &str) -> bool {
    let name = ["bucket", "bucket_name"]
        .iter()
        .find_map(|key| bucket.value(key).and_then(Value::as_str));
    let covers = |value: &Value| match value {
        Value::String(v) => {
            v == "arn:aws:s3"
                || v == "arn:aws:s3:::"
                || name.is_some_and(|n| v.trim_end_matches('/') == format!("arn:aws:s3:::{n}"))
                || name.is_some_and(|n| v.starts_with(&format!("arn:aws:s3:::{n}/")))
        }
        _ => true,
    };
    module
        .resources("aws_cloudtrail")
        .flat_map(|trail| trail.blocks("event_selector"))
        .filter(|selector| {
            selector
                .value("read_write_type")
                .and_then(Value::as_str)
                .is_none_or(|t| !t.eq_ignore_ascii_case(excluded))
        })
        .flat_map(|selector| selector.blocks("data_resource"))
        .filter(|resource| {
            resource.value("type").and_then(Value::as_str) == Some("AWS::S3::Object")
        })
        .any(|resource| match resource.value("values") {
            Some(Value::List(values)) => values.iter().any(covers),
            Some(value) => covers(value),
            None => false,
        })
}

/// AWS-0171/0172 for one direction.
fn object_logging(
    module: &Module,
    bucket: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
    excluded: &str,
    what: &str,
) {
    if module.resources("aws_cloudtrail").next().is_none() {
        return;
    }
    if !object_events_logged(module, bucket, excluded) {
        found.push(Violation {
            rule,
            message: format!(
                "No CloudTrail event selector logs object-level {what} of this bucket."
            ),
            start_line: bucket.line,
            end_line: bucket.line,
            subject: format!("{}.object_{what}_logging", bucket.address()),
        });
    }
}

fn object_writes(module: &Module, bucket: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    object_logging(module, bucket, rule, found, "ReadOnly", "writes");
}

fn object_reads(module: &Module, bucket: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    object_logging(module, bucket, rule, found, "WriteOnly", "reads");
}

/// A bucket and a trail logging every bucket's object events of
/// `read_write_type = $read_write`, for the examples.
macro_rules! bucket_and_trail {
    ($read_write:literal) => {
        concat!(
            "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n}\n\n",
            "resource \"aws_cloudtrail\" \"all\" {\n  event_selector {\n    read_write_type = \"",
            $read_write,
            "\"\n    data_resource {\n      type   = \"AWS::S3::Object\"\n      values = [\"arn:aws:s3\"]\n    }\n  }\n}\n"
        )
    };
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-570", "AWS-0170", "aws-s3-require-mfa-delete", Low,
            "S3 bucket versioning turns MFA delete off",
            "With MFA delete, permanently deleting an object version or suspending versioning \
             needs the root user's MFA code, so stolen credentials cannot destroy the history. \
             (CIS AWS 1.4 2.1.3; Trivy runs this check only for its CIS compliance reports.)",
            "Set `mfa_delete = \"Enabled\"` in `versioning_configuration` (it is enabled by \
             the root user with an MFA device).",
        ),
        resources: &["aws_s3_bucket"],
        test: Test::Custom(mfa_delete_off),
        bad: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\nresource \"aws_s3_bucket_versioning\" \"a\" {\n  bucket = aws_s3_bucket.a.id\n  versioning_configuration {\n    status     = \"Enabled\"\n    mfa_delete = \"Disabled\"\n  }\n}\n",
        good: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n\nresource \"aws_s3_bucket_versioning\" \"a\" {\n  bucket = aws_s3_bucket.a.id\n  versioning_configuration {\n    status     = \"Enabled\"\n    mfa_delete = \"Enabled\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-571", "AWS-0171", "aws-s3-enable-object-write-logging", Low,
            "S3 object writes are not logged by CloudTrail",
            "Without data events, CloudTrail does not record who put or deleted which object, \
             which is what an investigation of a tampered bucket needs. (CIS AWS 1.4 3.10; \
             Trivy runs this check only for its CIS compliance reports. Checked in modules \
             that declare a trail.)",
            "Add `event_selector { read_write_type = \"All\" data_resource { type = \
             \"AWS::S3::Object\" values = [\"arn:aws:s3\"] } }` to the trail.",
        ),
        resources: &["aws_s3_bucket"],
        test: Test::Custom(object_writes),
        bad: bucket_and_trail!("ReadOnly"),
        good: bucket_and_trail!("WriteOnly"),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-572", "AWS-0172", "aws-s3-enable-object-read-logging", Low,
            "S3 object reads are not logged by CloudTrail",
            "Without data events, CloudTrail does not record who read which object, which is \
             what an investigation of a data leak needs. (CIS AWS 1.4 3.11; Trivy runs this \
             check only for its CIS compliance reports. Checked in modules that declare a \
             trail.)",
            "Add `event_selector { read_write_type = \"All\" data_resource { type = \
             \"AWS::S3::Object\" values = [\"arn:aws:s3\"] } }` to the trail.",
        ),
        resources: &["aws_s3_bucket"],
        test: Test::Custom(object_reads),
        bad: bucket_and_trail!("WriteOnly"),
        good: bucket_and_trail!("ReadOnly"),
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
