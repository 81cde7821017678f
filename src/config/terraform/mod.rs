//! Terraform checks: security groups and firewalls open to the internet,
//! public or unencrypted storage, wildcard IAM policies and unprotected
//! audit trails in `*.tf` files, for AWS first and the most common GCP and
//! Azure resources.
//!
//! Each file is checked on its own (the [`Checker`] seam hands over one file
//! at a time): a bucket whose public-access block or encryption resource
//! sits in another file of the same module is reported as missing it. What
//! is and is not evaluated is described in `hcl.rs`.

mod aws_cloudtrail;
mod aws_encryption;
mod aws_iam;
mod aws_network;
mod aws_s3;
mod azure;
mod gcp;
mod hcl;

use super::{Checker, FileType, Rule, Violation};
use hcl::{Attr, Block};

/// The Terraform checker: `*.tf` files.
pub struct TerraformChecker;

/// Every Terraform rule, in id order.
static RULES: &[&Rule] = &[
    &aws_network::SG_OPEN_ADMIN_PORT,
    &aws_s3::PUBLIC_ACL,
    &aws_s3::NO_PUBLIC_ACCESS_BLOCK,
    &aws_s3::BLOCK_PUBLIC_ACLS,
    &aws_s3::BLOCK_PUBLIC_POLICY,
    &aws_s3::IGNORE_PUBLIC_ACLS,
    &aws_s3::RESTRICT_PUBLIC_BUCKETS,
    &aws_s3::NO_ENCRYPTION,
    &aws_s3::NO_VERSIONING,
    &aws_s3::NO_LOGGING,
    &aws_encryption::EBS_UNENCRYPTED,
    &aws_encryption::RDS_INSTANCE_UNENCRYPTED,
    &aws_encryption::RDS_CLUSTER_UNENCRYPTED,
    &aws_encryption::RDS_PUBLIC,
    &aws_encryption::SNS_UNENCRYPTED,
    &aws_encryption::SQS_UNENCRYPTED,
    &aws_iam::WILDCARD_POLICY,
    &aws_cloudtrail::NOT_MULTI_REGION,
    &aws_cloudtrail::NO_KMS_KEY,
    &aws_cloudtrail::LOGGING_DISABLED,
    &gcp::BUCKET_PUBLIC_MEMBER,
    &gcp::BUCKET_NO_UNIFORM_ACCESS,
    &gcp::FIREWALL_OPEN_INGRESS,
    &azure::STORAGE_PUBLIC_NESTED_ITEMS,
    &azure::CONTAINER_PUBLIC,
    &azure::STORAGE_PLAIN_HTTP,
    &azure::NSG_OPEN_SSH,
    &azure::NSG_OPEN_RDP,
    &aws_encryption::INSTANCE_DISK_UNENCRYPTED,
];

impl Checker for TerraformChecker {
    fn file_type(&self) -> FileType {
        FileType::Terraform
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".tf")
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let module = hcl::parse(content)?;
        let mut found = Vec::new();
        aws_network::check(&module, &mut found);
        aws_s3::check(&module, &mut found);
        aws_encryption::check(&module, &mut found);
        aws_iam::check(&module, &mut found);
        aws_cloudtrail::check(&module, &mut found);
        gcp::check(&module, &mut found);
        azure::check(&module, &mut found);
        found.sort_by(|a, b| (a.start_line, a.rule.id).cmp(&(b.start_line, b.rule.id)));
        Ok(found)
    }

    fn rules(&self) -> &'static [&'static Rule] {
        RULES
    }
}

/// A violation on an attribute's lines; `subject` is the resource address
/// plus the path to the attribute (`aws_s3_bucket.logs.acl`).
fn at_attr(rule: &'static Rule, subject: String, attr: &Attr, message: String) -> Violation {
    Violation {
        rule,
        message,
        start_line: attr.line,
        end_line: attr.end_line,
        subject,
    }
}

/// A violation for something a block lacks, on the block's header line;
/// `missing` names what is missing, for the fingerprint.
fn at_header(rule: &'static Rule, block: &Block, missing: &str, message: String) -> Violation {
    Violation {
        rule,
        message,
        start_line: block.line,
        end_line: block.line,
        subject: format!("{}.{missing}", block.address()),
    }
}

/// An attribute that must be literally `true`: a violation on the attribute
/// when it is literally false, on the header when it is absent, nothing when
/// it is computed (we cannot tell).
fn require_true(
    rule: &'static Rule,
    block: &Block,
    key: &str,
    message: impl Fn() -> String,
) -> Option<Violation> {
    match block.attr(key) {
        None => Some(at_header(rule, block, key, message())),
        Some(attr) if attr.value.as_bool() == Some(false) => Some(at_attr(
            rule,
            format!("{}.{key}", block.address()),
            attr,
            message(),
        )),
        Some(_) => None,
    }
}

/// CIDR ranges that mean "anyone on the internet".
fn is_world_cidr(cidr: &str) -> bool {
    matches!(
        cidr.trim(),
        "0.0.0.0/0" | "::/0" | "0000:0000:0000:0000:0000:0000:0000:0000/0"
    )
}

#[cfg(test)]
mod tests;
