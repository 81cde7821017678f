//! Data stores that must be encrypted at rest (EBS, RDS, SNS, SQS) and RDS
//! instances reachable from the internet.

use super::hcl::{Block, Module, Value};
use super::{at_attr, at_header, require_true};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static EBS_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-011",
    aliases: &[
        "AWS-0026",
        "AVD-AWS-0026",
        "aws-ec2-enable-volume-encryption",
    ],
    title: "EBS volume is not encrypted",
    severity: Severity::High,
    rationale: "An unencrypted volume's data, and every snapshot taken of it, can be read by \
                anyone who gets hold of the snapshot or the underlying storage.",
    resolution: "Set `encrypted = true` (and preferably `kms_key_id`) on the volume.",
};

pub(super) static INSTANCE_DISK_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-029",
    aliases: &[
        "AWS-0131",
        "AVD-AWS-0131",
        "aws-ec2-enable-at-rest-encryption",
    ],
    title: "EC2 instance block device is not encrypted",
    severity: Severity::High,
    rationale: "An instance's root and attached EBS volumes hold its data, logs and often \
                credentials; unencrypted, every snapshot of them is readable too. Without a \
                `root_block_device` block the root volume is encrypted only if the account \
                turned on EBS encryption by default.",
    resolution: "Encrypt the instance's volumes:\n\n    root_block_device {\n      \
                 encrypted = true\n    }",
};

pub(super) static RDS_INSTANCE_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-012",
    aliases: &[
        "AWS-0080",
        "AVD-AWS-0080",
        "aws-rds-encrypt-instance-storage-data",
    ],
    title: "RDS instance storage is not encrypted",
    severity: Severity::High,
    rationale: "Database storage, its automated backups and snapshots are readable without \
                a key when encryption is off; it cannot be turned on later without a restore.",
    resolution: "Set `storage_encrypted = true` on the `aws_db_instance`.",
};

pub(super) static RDS_CLUSTER_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-013",
    aliases: &[
        "AWS-0079",
        "AVD-AWS-0079",
        "aws-rds-encrypt-cluster-storage-data",
    ],
    title: "RDS cluster storage is not encrypted with a customer-managed key",
    severity: Severity::High,
    rationale: "Cluster storage, its backups and snapshots are readable without a key when \
                encryption is off, and encryption cannot be turned on later without a \
                restore. Under the AWS-managed key, anyone the account lets use RDS can read \
                it; a key of your own can be restricted, audited and revoked.",
    resolution: "Set `storage_encrypted = true` and `kms_key_id = aws_kms_key.db.arn` on the \
                 `aws_rds_cluster`.",
};

pub(super) static RDS_PUBLIC: Rule = Rule {
    id: "SG-TF-014",
    aliases: &["AWS-0180", "AVD-AWS-0180", "aws-rds-enable-public-access"],
    title: "RDS instance is publicly accessible",
    severity: Severity::High,
    rationale: "A publicly accessible database gets a public DNS name and address: only its \
                password stands between it and the internet.",
    resolution: "Set `publicly_accessible = false` and reach the database from inside the VPC.",
};

pub(super) static SNS_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-015",
    aliases: &[
        "AWS-0095",
        "AVD-AWS-0095",
        "aws-sns-enable-topic-encryption",
    ],
    title: "SNS topic is not encrypted with KMS",
    severity: Severity::High,
    rationale: "Messages at rest in an unencrypted topic are readable by anyone with access \
                to the underlying storage.",
    resolution: "Set `kms_master_key_id` (e.g. `\"alias/aws/sns\"` or your own key).",
};

pub(super) static SQS_UNENCRYPTED: Rule = Rule {
    id: "SG-TF-016",
    aliases: &[
        "AWS-0096",
        "AVD-AWS-0096",
        "aws-sqs-enable-queue-encryption",
    ],
    title: "SQS queue is not encrypted",
    severity: Severity::High,
    rationale: "Messages at rest in an unencrypted queue are readable by anyone with access \
                to the underlying storage.",
    resolution: "Set `kms_master_key_id`, or `sqs_managed_sse_enabled = true` for \
                 SQS-managed keys.",
};

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    let required: [(&str, &str, &'static Rule, &str); 3] = [
        (
            "aws_ebs_volume",
            "encrypted",
            &EBS_UNENCRYPTED,
            "EBS volume is not encrypted.",
        ),
        (
            "aws_db_instance",
            "storage_encrypted",
            &RDS_INSTANCE_UNENCRYPTED,
            "RDS instance storage is not encrypted.",
        ),
        (
            "aws_rds_cluster",
            "storage_encrypted",
            &RDS_CLUSTER_UNENCRYPTED,
            "RDS cluster storage is not encrypted.",
        ),
    ];
    for (resource_type, key, rule, message) in required {
        for resource in module.resources(resource_type) {
            found.extend(require_true(rule, resource, key, || message.to_string()));
        }
    }
    // AWS-0079's other half: encrypted, but under the AWS-managed key.
    for cluster in module.resources("aws_rds_cluster") {
        let encrypted = cluster.value("storage_encrypted").and_then(Value::as_bool) == Some(true);
        let no_key = cluster
            .attr("kms_key_id")
            .is_none_or(|a| a.value.as_str().is_some_and(|k| k.trim().is_empty()));
        if encrypted && no_key {
            found.push(at_header(
                &RDS_CLUSTER_UNENCRYPTED,
                cluster,
                "kms_key_id",
                "RDS cluster storage is encrypted with the AWS-managed key, not a \
                 customer-managed one."
                    .into(),
            ));
        }
    }
    for instance in module.resources("aws_instance") {
        check_instance_disks(instance, found);
    }
    for resource in module
        .resources("aws_db_instance")
        .chain(module.resources("aws_rds_cluster_instance"))
    {
        if let Some(attr) = resource.attr("publicly_accessible") {
            if attr.value.as_bool() == Some(true) {
                found.push(at_attr(
                    &RDS_PUBLIC,
                    format!("{}.publicly_accessible", resource.address()),
                    attr,
                    "Database instance is publicly accessible.".into(),
                ));
            }
        }
    }
    for topic in module.resources("aws_sns_topic") {
        found.extend(missing_key(
            &SNS_UNENCRYPTED,
            topic,
            "Topic has no KMS key.",
        ));
    }
    for queue in module.resources("aws_sqs_queue") {
        let managed = queue
            .value("sqs_managed_sse_enabled")
            .and_then(Value::as_bool);
        if managed != Some(true) {
            found.extend(missing_key(
                &SQS_UNENCRYPTED,
                queue,
                "Queue has neither a KMS key nor SQS-managed encryption.",
            ));
        }
    }
}

/// `root_block_device` and each `ebs_block_device` of an instance must set
/// `encrypted = true`; a missing `root_block_device` leaves the root volume
/// to the account default, reported on the instance's header.
fn check_instance_disks(instance: &Block, found: &mut Vec<Violation>) {
    let address = instance.address();
    if instance.blocks("root_block_device").next().is_none() {
        found.push(at_header(
            &INSTANCE_DISK_UNENCRYPTED,
            instance,
            "root_block_device.encrypted",
            "Instance root block device is not encrypted.".into(),
        ));
    }
    let devices = instance
        .blocks("root_block_device")
        .map(|d| (d, "root_block_device".to_string(), "root"))
        .chain(
            instance
                .blocks("ebs_block_device")
                .enumerate()
                .map(|(i, d)| (d, format!("ebs_block_device[{i}]"), "EBS")),
        );
    for (device, path, kind) in devices {
        let subject = format!("{address}.{path}.encrypted");
        let message = format!("Instance {kind} block device is not encrypted.");
        match device.attr("encrypted") {
            None => found.push(Violation {
                rule: &INSTANCE_DISK_UNENCRYPTED,
                message,
                start_line: device.line,
                end_line: device.line,
                subject,
            }),
            Some(attr) if attr.value.as_bool() == Some(false) => {
                found.push(at_attr(&INSTANCE_DISK_UNENCRYPTED, subject, attr, message))
            }
            Some(_) => {}
        }
    }
}

/// A violation when `kms_master_key_id` is absent or the empty string.
fn missing_key(rule: &'static Rule, resource: &Block, message: &str) -> Option<Violation> {
    match resource.attr("kms_master_key_id") {
        None => Some(at_header(
            rule,
            resource,
            "kms_master_key_id",
            message.into(),
        )),
        Some(attr) if attr.value.as_str() == Some("") => Some(at_attr(
            rule,
            format!("{}.kms_master_key_id", resource.address()),
            attr,
            message.into(),
        )),
        Some(_) => None,
    }
}
