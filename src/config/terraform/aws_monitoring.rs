//! Account-level monitoring around CloudTrail: the bucket a trail writes
//! to (AWS-0161, AWS-0163), and the CIS CloudWatch alarms (AWS-0147..0160,
//! AWS-0174): a trail that delivers to CloudWatch Logs needs, for each
//! kind of sensitive event, a metric filter matching it and an alarm on
//! that filter's metric.
//!
//! The alarm checks are account-level, as in Trivy: the filter and alarm
//! may be anywhere in the module (Trivy's `lib.aws.trails`). They apply to
//! trails that are multi-region, logging and send to CloudWatch Logs
//! (`cloud_watch_logs_group_arn` set). A filter matches when its pattern,
//! with whitespace removed, contains the CIS pattern; an alarm belongs to
//! a filter when its `metric_name` is the filter's metric (or, as Trivy
//! compares it, the filter's name).

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, Check, Test};
use crate::config::{Rule, Violation};

/// Whether a trail's `s3_bucket_name` names `bucket`: a reference to it
/// (Terraform `aws_s3_bucket.logs.id`, CloudFormation `!Ref Logs`) or its
/// literal bucket name.
fn names_bucket(value: &Value, bucket: &Block) -> bool {
    match value {
        Value::Reference(reference) => {
            let name = bucket.labels.get(1).map(String::as_str).unwrap_or("");
            reference.strip_prefix("cfn.") == Some(name)
                || reference
                    .strip_prefix(bucket.address().as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        }
        Value::String(name) => ["bucket", "bucket_name"]
            .iter()
            .any(|key| bucket.value(key).and_then(Value::as_str) == Some(name)),
        _ => false,
    }
}

/// The buckets of the module a trail writes its logs to.
fn trail_buckets<'a>(module: &'a Module, trail: &Block) -> Vec<&'a Block> {
    let Some(target) = trail.value("s3_bucket_name") else {
        return Vec::new();
    };
    module
        .resources("aws_s3_bucket")
        .filter(|bucket| names_bucket(target, bucket))
        .collect()
}

/// Canned ACLs that expose a bucket (Trivy's `lib.aws.s3.public_acls`).
const PUBLIC_ACLS: &[&str] = &[
    "public-read",
    "public-read-write",
    "website",
    "authenticated-read",
];

/// AWS-0161: the trail's bucket has a public ACL that no public access
/// block neutralises.
fn public_trail_bucket(
    module: &Module,
    trail: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for bucket in trail_buckets(module, trail) {
        let Some(acl) = bucket.attr("acl") else {
            continue;
        };
        if !acl.value.as_str().is_some_and(|a| PUBLIC_ACLS.contains(&a)) {
            continue;
        }
        // A public access block that blocks or ignores public ACLs (or
        // might: a computed value) neutralises the ACL.
        let blocked = super::aws_s3::companion(module, "aws_s3_bucket_public_access_block", bucket)
            .is_some_and(|block| {
                ["block_public_acls", "ignore_public_acls"]
                    .iter()
                    .any(|key| block.value(key).is_some_and(|v| v.as_bool() != Some(false)))
            });
        if !blocked {
            found.push(Violation {
                rule,
                message: format!(
                    "Trail `{}` writes to bucket `{}`, which has the public ACL {:?}.",
                    trail.address(),
                    bucket.address(),
                    acl.value.as_str().unwrap_or_default()
                ),
                start_line: acl.line,
                end_line: acl.end_line,
                subject: format!("{}.{}.acl", trail.address(), bucket.address()),
            });
        }
    }
}

/// AWS-0163: the trail's bucket has no access logging.
fn unlogged_trail_bucket(
    module: &Module,
    trail: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for bucket in trail_buckets(module, trail) {
        let logged = bucket.blocks("logging").next().is_some()
            || super::aws_s3::companion(module, "aws_s3_bucket_logging", bucket).is_some();
        if !logged {
            found.push(Violation {
                message: format!(
                    "Trail `{}` writes to bucket `{}`, which has no access logging.",
                    trail.address(),
                    bucket.address()
                ),
                subject: format!("{}.{}.logging", trail.address(), bucket.address()),
                ..missing(rule, bucket, bucket, "", "logging")
            });
        }
    }
}

/// The CIS filter pattern(s) each alarm rule looks for, by rule id.
const PATTERNS: &[(&str, &[&str])] = &[
    ("SG-TF-520", &[r#"($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")"#]),
    ("SG-TF-521", &[r#"($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type=="IAMUser") && ($.responseElements.ConsoleLogin == "Success")"#]),
    // Trivy's pattern has a typo (`&.eventType`) that no real filter has.
    ("SG-TF-522", &[r#"$.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent""#]),
    ("SG-TF-523", &["{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"]),
    ("SG-TF-524", &["{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"]),
    ("SG-TF-525", &[r#"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#]),
    ("SG-TF-526", &["{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"]),
    ("SG-TF-527", &["{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"]),
    ("SG-TF-528", &["{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"]),
    ("SG-TF-529", &["{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"]),
    ("SG-TF-530", &["{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"]),
    ("SG-TF-531", &["{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"]),
    ("SG-TF-532", &["{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}"]),
    ("SG-TF-533", &["{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"]),
    ("SG-TF-534", &["$.eventSource = organizations.amazonaws.com", r#"$.eventSource = "organizations.amazonaws.com""#]),
];

/// A filter pattern without whitespace, as Trivy compares them.
fn squeezed(pattern: &str) -> String {
    pattern.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The names an alarm may use for a metric filter: its metric
/// (`metric_transformation.name`) and its own name.
fn filter_metrics(filter: &Block) -> Vec<&str> {
    let metrics = filter
        .blocks("metric_transformation")
        .filter_map(|m| m.value("name").and_then(Value::as_str));
    metrics
        .chain(filter.value("name").and_then(Value::as_str))
        .collect()
}

/// AWS-0147..0160, AWS-0174: a filter and an alarm for the rule's pattern.
fn cis_alarm(module: &Module, trail: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some((_, patterns)) = PATTERNS.iter().find(|(id, _)| *id == rule.id) else {
        return;
    };
    let multi_region = trail
        .value("is_multi_region_trail")
        .and_then(Value::as_bool)
        == Some(true);
    let logging = trail.value("enable_logging").and_then(Value::as_bool) != Some(false);
    let to_cloudwatch = trail
        .value("cloud_watch_logs_group_arn")
        .is_some_and(|v| !super::spec::is_empty(v));
    if !(multi_region && logging && to_cloudwatch) {
        return;
    }
    let wanted: Vec<String> = patterns.iter().map(|p| squeezed(p)).collect();
    let filters: Vec<&Block> = module
        .resources("aws_cloudwatch_log_metric_filter")
        .filter(|f| {
            f.value("pattern").and_then(Value::as_str).is_some_and(|p| {
                let p = squeezed(p);
                wanted.iter().any(|w| p.contains(w.as_str()))
            })
        })
        .collect();
    let what = rule.title.trim_start_matches("No CloudWatch alarm for ");
    if filters.is_empty() {
        found.push(Violation {
            rule,
            message: format!("No log metric filter in the module matches {what}."),
            start_line: trail.line,
            end_line: trail.line,
            subject: format!("{}.metric_filter", trail.address()),
        });
        return;
    }
    let alarmed = module
        .resources("aws_cloudwatch_metric_alarm")
        .filter_map(|a| a.value("metric_name").and_then(Value::as_str))
        .any(|metric| filters.iter().any(|f| filter_metrics(f).contains(&metric)));
    if !alarmed {
        found.push(Violation {
            rule,
            message: format!("No alarm in the module watches the metric filter for {what}."),
            start_line: trail.line,
            end_line: trail.line,
            subject: format!("{}.alarm", trail.address()),
        });
    }
}

/// A trail that sends to CloudWatch Logs, for the alarm rules' failing
/// examples.
macro_rules! monitored_trail {
    () => {
        "resource \"aws_cloudtrail\" \"all\" {\n  name                       = \"all\"\n  s3_bucket_name             = \"audit-logs\"\n  is_multi_region_trail      = true\n  cloud_watch_logs_group_arn = \"arn:aws:logs:eu-west-1:123456789012:log-group:trail:*\"\n}\n"
    };
}

/// The trail plus a filter with `$pattern` (HCL-escaped) and an alarm on
/// its metric, for the alarm rules' passing examples.
macro_rules! alarmed_trail {
    ($pattern:literal) => {
        concat!(
            monitored_trail!(),
            "\nresource \"aws_cloudwatch_log_metric_filter\" \"f\" {\n  name           = \"cis\"\n  log_group_name = \"trail\"\n  pattern        = \"",
            $pattern,
            "\"\n  metric_transformation {\n    name      = \"CisEvents\"\n    namespace = \"CIS\"\n    value     = \"1\"\n  }\n}\n\nresource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  alarm_name          = \"cis\"\n  metric_name         = \"CisEvents\"\n  namespace           = \"CIS\"\n  comparison_operator = \"GreaterThanOrEqualToThreshold\"\n  evaluation_periods  = 1\n  period              = 300\n  statistic           = \"Sum\"\n  threshold           = 1\n}\n"
        )
    };
}

/// One CIS alarm rule (its Trivy ids, what it watches, the CIS
/// recommendation): the trail must have a filter and an alarm for
/// `$pattern`.
macro_rules! alarm_check {
    ($id:literal, [$($alias:literal),+], $what:literal, $cis:literal, $pattern:literal) => {
        Check {
            rule: Rule {
                id: $id,
                aliases: &[$($alias),+],
                title: concat!("No CloudWatch alarm for ", $what),
                severity: crate::matching::severity::Severity::Low,
                rationale: concat!(
                    "CIS AWS Foundations ", $cis, ": a trail that delivers to CloudWatch Logs \
                     should have a metric filter and an alarm for ", $what, ", so they are \
                     noticed when they happen. Trivy runs this check only for its CIS \
                     compliance reports."
                ),
                resolution: concat!(
                    "Add an `aws_cloudwatch_log_metric_filter` whose `pattern` matches ",
                    $what,
                    " (the CIS pattern is in the passing example) and an \
                     `aws_cloudwatch_metric_alarm` on its metric."
                ),
            },
            resources: &["aws_cloudtrail"],
            test: Test::Custom(cis_alarm),
            bad: monitored_trail!(),
            good: alarmed_trail!($pattern),
        }
    };
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-510", "AWS-0161", "aws-cloudtrail-no-public-log-access", Critical,
            "CloudTrail writes to a publicly readable bucket",
            "The audit log tells an attacker which accounts, roles and resources exist and \
             what they do; a public ACL on its bucket publishes it.",
            "Remove the public `acl` from the trail's bucket, or block public ACLs with an \
             `aws_s3_bucket_public_access_block`.",
        ),
        resources: &["aws_cloudtrail"],
        test: Test::Custom(public_trail_bucket),
        bad: "resource \"aws_cloudtrail\" \"a\" {\n  s3_bucket_name = aws_s3_bucket.logs.id\n}\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}\n",
        good: "resource \"aws_cloudtrail\" \"a\" {\n  s3_bucket_name = aws_s3_bucket.logs.id\n}\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n  acl    = \"private\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-511", "AWS-0163", "aws-cloudtrail-require-bucket-access-logging", Low,
            "CloudTrail bucket has no access logging",
            "Access logs on the audit log's bucket show who read or deleted the audit trail.",
            "Add `aws_s3_bucket_logging` (or a `logging` block) for the trail's bucket.",
        ),
        resources: &["aws_cloudtrail"],
        test: Test::Custom(unlogged_trail_bucket),
        bad: "resource \"aws_cloudtrail\" \"a\" {\n  s3_bucket_name = aws_s3_bucket.logs.id\n}\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
        good: "resource \"aws_cloudtrail\" \"a\" {\n  s3_bucket_name = aws_s3_bucket.logs.id\n}\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n\nresource \"aws_s3_bucket_logging\" \"logs\" {\n  bucket        = aws_s3_bucket.logs.id\n  target_bucket = \"access-logs\"\n}\n",
    },
    alarm_check!("SG-TF-520", ["AWS-0147", "AVD-AWS-0147", "aws-cloudwatch-require-unauthorised-api-call-alarm"], "unauthorized API calls", "3.1 (1.2) / 4.1 (1.4)", r#"($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\")"#),
    alarm_check!("SG-TF-521", ["AWS-0148", "AVD-AWS-0148", "aws-cloudwatch-require-non-mfa-login-alarm"], "console logins without MFA", "3.2 / 4.2", r#"($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") && ($.userIdentity.type==\"IAMUser\") && ($.responseElements.ConsoleLogin == \"Success\")"#),
    alarm_check!("SG-TF-522", ["AWS-0149", "AVD-AWS-0149", "aws-cloudwatch-require-root-user-usage-alarm"], "use of the root user", "3.3 / 4.3", r#"$.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\""#),
    alarm_check!("SG-TF-523", ["AWS-0150", "AVD-AWS-0150", "aws-cloudwatch-require-iam-policy-change-alarm"], "IAM policy changes", "3.4 / 4.4", "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"),
    alarm_check!("SG-TF-524", ["AWS-0151", "AVD-AWS-0151", "aws-cloudwatch-require-cloud-trail-change-alarm"], "CloudTrail configuration changes", "3.5 / 4.5", "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"),
    alarm_check!("SG-TF-525", ["AWS-0152", "AVD-AWS-0152", "aws-cloudwatch-require-console-login-failures-alarm"], "console login failures", "3.6 / 4.6", r#"{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}"#),
    alarm_check!("SG-TF-526", ["AWS-0153", "AVD-AWS-0153", "aws-cloudwatch-require-cmk-disabled-alarm"], "customer-managed keys being disabled or scheduled for deletion", "3.7 / 4.7", "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"),
    alarm_check!("SG-TF-527", ["AWS-0154", "AVD-AWS-0154", "aws-cloudwatch-require-s3-bucket-policy-change-alarm"], "S3 bucket policy changes", "3.8 / 4.8", "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"),
    alarm_check!("SG-TF-528", ["AWS-0155", "AVD-AWS-0155", "aws-cloudwatch-require-config-configuration-changes-alarm"], "AWS Config configuration changes", "3.9 / 4.9", "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"),
    alarm_check!("SG-TF-529", ["AWS-0156", "AVD-AWS-0156", "aws-cloudwatch-require-sg-change-alarms"], "security group changes", "3.10 / 4.10", "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"),
    alarm_check!("SG-TF-530", ["AWS-0157", "AVD-AWS-0157", "aws-cloudwatch-require-nacl-changes-alarm"], "network ACL changes", "3.11 / 4.11", "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"),
    alarm_check!("SG-TF-531", ["AWS-0158", "AVD-AWS-0158", "aws-cloudwatch-require-network-gateway-changes-alarm"], "network gateway changes", "3.12 / 4.12", "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"),
    alarm_check!("SG-TF-532", ["AWS-0159", "AVD-AWS-0159"], "route table changes", "3.13 / 4.13", "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}"),
    alarm_check!("SG-TF-533", ["AWS-0160", "AVD-AWS-0160", "aws-cloudwatch-require-vpc-changes-alarm"], "VPC changes", "3.14 / 4.14", "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"),
    alarm_check!("SG-TF-534", ["AWS-0174", "AVD-AWS-0174", "aws-cloudwatch-require-org-changes-alarm"], "AWS Organizations changes", "4.15 (1.4)", r#"{ $.eventSource = \"organizations.amazonaws.com\" }"#),
];

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }

    #[test]
    fn every_alarm_rule_has_its_pattern() {
        for check in super::CHECKS.iter().skip(2) {
            assert!(
                super::PATTERNS.iter().any(|(id, _)| *id == check.rule.id),
                "{} has no pattern",
                check.rule.id
            );
        }
    }
}
