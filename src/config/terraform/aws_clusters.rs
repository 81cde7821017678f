//! EMR security configurations (AWS-0137..0139); the EC2-Classic
//! security groups of ElastiCache and Redshift (AWS-0049, AWS-0083,
//! AWS-0085), which AWS has retired but old modules still declare; and S3
//! bucket names that are not DNS-compliant (AWS-0320).
//!
//! An EMR security configuration is a JSON document; as in Trivy, a
//! setting fires only when the document states it (`false`, or an empty
//! key provider), since EMR has no defaults to fall back on there.

use super::hcl::{Block, Module};
use super::spec::{trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};
use serde_json::Value as Json;

/// The `EncryptionConfiguration` of an EMR security configuration.
fn encryption(block: &Block) -> Option<(&super::hcl::Attr, Json)> {
    let attr = block.attr("configuration")?;
    let document: Json = serde_json::from_str(attr.value.as_str()?).ok()?;
    let encryption = document.get("EncryptionConfiguration")?.clone();
    Some((attr, encryption))
}

/// A violation on the configuration when `unsafe_setting` holds.
fn emr_setting(
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
    message: &str,
    unsafe_setting: impl Fn(&Json) -> bool,
) {
    if let Some((attr, encryption)) = encryption(block) {
        if unsafe_setting(&encryption) {
            found.push(Violation {
                message: message.into(),
                ..wrong(rule, block, "", attr)
            });
        }
    }
}

fn emr_at_rest(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    emr_setting(
        block,
        rule,
        found,
        "`EnableAtRestEncryption` is false.",
        |e| e.get("EnableAtRestEncryption") == Some(&Json::Bool(false)),
    );
}

fn emr_in_transit(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    emr_setting(
        block,
        rule,
        found,
        "`EnableInTransitEncryption` is false.",
        |e| e.get("EnableInTransitEncryption") == Some(&Json::Bool(false)),
    );
}

fn emr_local_disk(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    emr_setting(
        block,
        rule,
        found,
        "Local disks have no encryption key provider.",
        |e| {
            e.pointer("/AtRestEncryptionConfiguration/LocalDiskEncryptionConfiguration/EncryptionKeyProviderType")
            == Some(&Json::String(String::new()))
        },
    );
}

/// An EMR security configuration with `$encryption` as its
/// `EncryptionConfiguration`, for the examples.
macro_rules! emr_configuration {
    ($encryption:literal) => {
        concat!(
            "resource \"aws_emr_security_configuration\" \"a\" {\n  configuration = jsonencode({\n    EncryptionConfiguration = ",
            $encryption,
            "\n  })\n}\n"
        )
    };
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-560", "AWS-0137", "aws-emr-enable-at-rest-encryption", High,
            "EMR security configuration turns off at-rest encryption",
            "Data the cluster writes to S3 and to its disks is stored unencrypted.",
            "Set `\"EnableAtRestEncryption\": true` with an `AtRestEncryptionConfiguration`.",
        ),
        resources: &["aws_emr_security_configuration"],
        test: Test::Custom(emr_at_rest),
        bad: emr_configuration!("{ EnableAtRestEncryption = false }"),
        good: emr_configuration!("{ EnableAtRestEncryption = true }"),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-561", "AWS-0138", "aws-emr-enable-in-transit-encryption", High,
            "EMR security configuration turns off in-transit encryption",
            "Traffic between the cluster's nodes and to its clients can be read on the network.",
            "Set `\"EnableInTransitEncryption\": true` with an `InTransitEncryptionConfiguration`.",
        ),
        resources: &["aws_emr_security_configuration"],
        test: Test::Custom(emr_in_transit),
        bad: emr_configuration!("{ EnableInTransitEncryption = false }"),
        good: emr_configuration!("{ EnableInTransitEncryption = true }"),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-562", "AWS-0139", "aws-emr-enable-local-disk-encryption", High,
            "EMR security configuration does not encrypt local disks",
            "Without a key provider, the nodes' local volumes (HDFS, spill files) are \
             unencrypted.",
            "Set `LocalDiskEncryptionConfiguration.EncryptionKeyProviderType` to `AwsKms` (with \
             `AwsKmsKey`) or `Custom`.",
        ),
        resources: &["aws_emr_security_configuration"],
        test: Test::Custom(emr_local_disk),
        bad: emr_configuration!("{ AtRestEncryptionConfiguration = { LocalDiskEncryptionConfiguration = { EncryptionKeyProviderType = \"\" } } }"),
        good: emr_configuration!("{ AtRestEncryptionConfiguration = { LocalDiskEncryptionConfiguration = { EncryptionKeyProviderType = \"AwsKms\", AwsKmsKey = \"arn:aws:kms:eu-west-1:1:key/k\" } } }"),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-563", "AWS-0049", "aws-elasticache-add-description-for-security-group", Low,
            "ElastiCache security group has no description",
            "A description says why the group exists, so a reviewer can tell whether its \
             access is still needed; Terraform's default `Managed by Terraform` says nothing.",
            "Set `description` to what the group is for.",
        ),
        resources: &["aws_elasticache_security_group"],
        test: Test::Custom(super::aws_compute::group_description),
        bad: "resource \"aws_elasticache_security_group\" \"a\" {\n  description = \"\"\n}\n",
        good: "resource \"aws_elasticache_security_group\" \"a\" {\n  description = \"Cache clients of the web tier\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-564", "AWS-0083", "aws-redshift-add-description-to-security-group", Low,
            "Redshift security group has no description",
            "A description says why the group exists, so a reviewer can tell whether its \
             access is still needed; Terraform's default `Managed by Terraform` says nothing.",
            "Set `description` to what the group is for.",
        ),
        resources: &["aws_redshift_security_group"],
        test: Test::Custom(super::aws_compute::group_description),
        bad: "resource \"aws_redshift_security_group\" \"a\" {\n  name = \"a\"\n}\n",
        good: "resource \"aws_redshift_security_group\" \"a\" {\n  name        = \"a\"\n  description = \"Analysts' access\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-565", "AWS-0085", "aws-redshift-no-classic-resources", Critical,
            "Redshift uses an EC2-Classic security group",
            "EC2-Classic is retired: its security groups cannot be scoped to a VPC, and a \
             cluster that still depends on one is outside the VPC's network controls.",
            "Run the cluster in a VPC (`cluster_subnet_group_name`) with \
             `vpc_security_group_ids` instead of `aws_redshift_security_group`.",
        ),
        resources: &["aws_redshift_security_group"],
        test: Test::Custom(classic_group),
        bad: "resource \"aws_redshift_security_group\" \"a\" {\n  name = \"a\"\n}\n",
        good: "resource \"aws_redshift_cluster\" \"a\" {\n  cluster_subnet_group_name = \"private\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-566", "AWS-0320", "aws-s3-dns-compliant-name", Medium,
            "S3 bucket name contains a dot",
            "A dotted bucket name does not match the `*.s3.amazonaws.com` wildcard \
             certificate, so virtual-hosted HTTPS access fails certificate checks, and \
             Transfer Acceleration cannot be used.",
            "Use `-` instead of `.` in the bucket name (renaming means recreating the bucket).",
        ),
        resources: &["aws_s3_bucket"],
        test: Test::Custom(dotted_bucket_name),
        bad: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"logs.example.com\"\n}\n",
        good: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"logs-example-com\"\n}\n",
    },
];

/// AWS-0320: a literal bucket name (Terraform `bucket`, CloudFormation
/// `BucketName`) with a dot.
fn dotted_bucket_name(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for key in ["bucket", "bucket_name"] {
        if let Some(attr) = block.attr(key) {
            if attr.value.as_str().is_some_and(|name| name.contains('.')) {
                found.push(wrong(rule, block, "", attr));
            }
        }
    }
}

/// AWS-0085: the group exists at all.
fn classic_group(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    found.push(Violation {
        rule,
        message: "Redshift security groups are EC2-Classic resources.".into(),
        start_line: block.line,
        end_line: block.line,
        subject: block.address(),
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
