//! S3 buckets: public ACLs, public-access blocks, encryption, versioning
//! and access logging. Since provider v4 most bucket settings live in
//! companion resources (`aws_s3_bucket_versioning` …) that point at the
//! bucket; a companion counts when its `bucket` refers to the bucket's
//! resource address or equals its literal name, in the same file.

use super::hcl::{Block, Module, Value};
use super::{at_attr, at_header};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static PUBLIC_ACL: Rule = Rule {
    id: "SG-TF-002",
    aliases: &[
        "AWS-0092",
        "AVD-AWS-0092",
        "aws-s3-no-public-access-with-acl",
    ],
    title: "S3 bucket has a public ACL",
    severity: Severity::High,
    rationale: "A canned ACL such as `public-read` lets anyone on the internet (or, for \
                `authenticated-read`, any AWS account) list or read the bucket's objects.",
    resolution: "Use the `private` ACL (or none, with object ownership enforced) and grant \
                 access through bucket policies:\n\n    acl = \"private\"",
};

pub(super) static NO_PUBLIC_ACCESS_BLOCK: Rule = Rule {
    id: "SG-TF-003",
    aliases: &[
        "AWS-0094",
        "AVD-AWS-0094",
        "aws-s3-specify-public-access-block",
    ],
    title: "S3 bucket has no public access block",
    severity: Severity::Low,
    rationale: "Without an `aws_s3_bucket_public_access_block`, a later ACL or policy change \
                can make the bucket public without any guard rail.",
    resolution: "Add a public access block for the bucket:\n\n    \
                 resource \"aws_s3_bucket_public_access_block\" \"logs\" {\n      \
                 bucket                  = aws_s3_bucket.logs.id\n      \
                 block_public_acls       = true\n      \
                 block_public_policy     = true\n      \
                 ignore_public_acls      = true\n      \
                 restrict_public_buckets = true\n    }",
};

pub(super) static BLOCK_PUBLIC_ACLS: Rule = Rule {
    id: "SG-TF-004",
    aliases: &["AWS-0086", "AVD-AWS-0086", "aws-s3-block-public-acls"],
    title: "S3 public access block does not block public ACLs",
    severity: Severity::High,
    rationale: "With `block_public_acls` off, a PUT with a public ACL makes objects public.",
    resolution: "Set `block_public_acls = true` in the bucket's public access block.",
};

pub(super) static BLOCK_PUBLIC_POLICY: Rule = Rule {
    id: "SG-TF-005",
    aliases: &["AWS-0087", "AVD-AWS-0087", "aws-s3-block-public-policy"],
    title: "S3 public access block does not block public policies",
    severity: Severity::High,
    rationale: "With `block_public_policy` off, a bucket policy granting public access is \
                accepted.",
    resolution: "Set `block_public_policy = true` in the bucket's public access block.",
};

pub(super) static IGNORE_PUBLIC_ACLS: Rule = Rule {
    id: "SG-TF-006",
    aliases: &["AWS-0091", "AVD-AWS-0091", "aws-s3-ignore-public-acls"],
    title: "S3 public access block does not ignore public ACLs",
    severity: Severity::High,
    rationale: "With `ignore_public_acls` off, public ACLs already on the bucket or its \
                objects still grant access.",
    resolution: "Set `ignore_public_acls = true` in the bucket's public access block.",
};

pub(super) static RESTRICT_PUBLIC_BUCKETS: Rule = Rule {
    id: "SG-TF-007",
    aliases: &["AWS-0093", "AVD-AWS-0093", "aws-s3-no-public-buckets"],
    title: "S3 public access block does not restrict public buckets",
    severity: Severity::High,
    rationale: "With `restrict_public_buckets` off, a public bucket policy still lets \
                anyone access the bucket.",
    resolution: "Set `restrict_public_buckets = true` in the bucket's public access block.",
};

pub(super) static NO_VERSIONING: Rule = Rule {
    id: "SG-TF-009",
    aliases: &["AWS-0090", "AVD-AWS-0090", "aws-s3-enable-versioning"],
    title: "S3 bucket versioning is missing or disabled",
    severity: Severity::Medium,
    rationale: "Without versioning, an overwritten or deleted object (by mistake or by an \
                attacker) cannot be recovered.",
    resolution: "Enable versioning:\n\n    \
                 resource \"aws_s3_bucket_versioning\" \"logs\" {\n      \
                 bucket = aws_s3_bucket.logs.id\n      \
                 versioning_configuration {\n        status = \"Enabled\"\n      }\n    }",
};

pub(super) static NO_LOGGING: Rule = Rule {
    id: "SG-TF-010",
    aliases: &["AWS-0089", "AVD-AWS-0089", "aws-s3-enable-logging"],
    title: "S3 bucket has no access logging",
    severity: Severity::Low,
    rationale: "Server access logs are how you find out who read or changed objects after an \
                incident.",
    resolution: "Send access logs to a log bucket:\n\n    \
                 resource \"aws_s3_bucket_logging\" \"data\" {\n      \
                 bucket        = aws_s3_bucket.data.id\n      \
                 target_bucket = aws_s3_bucket.logs.id\n      \
                 target_prefix = \"data/\"\n    }",
};

/// Canned ACLs that open a bucket beyond its owner.
const PUBLIC_ACLS: &[&str] = &[
    "public-read",
    "public-read-write",
    "authenticated-read",
    "website",
];

/// The settings of a public access block, each its own rule.
static ACCESS_BLOCK_SETTINGS: &[(&str, &Rule)] = &[
    ("block_public_acls", &BLOCK_PUBLIC_ACLS),
    ("block_public_policy", &BLOCK_PUBLIC_POLICY),
    ("ignore_public_acls", &IGNORE_PUBLIC_ACLS),
    ("restrict_public_buckets", &RESTRICT_PUBLIC_BUCKETS),
];

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for acl in module
        .resources("aws_s3_bucket")
        .chain(module.resources("aws_s3_bucket_acl"))
    {
        check_public_acl(acl, found);
    }
    for block in module.resources("aws_s3_bucket_public_access_block") {
        for (key, rule) in ACCESS_BLOCK_SETTINGS {
            found.extend(super::require_true(rule, block, key, || {
                format!("Public access block does not set `{key} = true`.")
            }));
        }
    }
    for bucket in module.resources("aws_s3_bucket") {
        let companion = |resource_type| companion(module, resource_type, bucket);
        if companion("aws_s3_bucket_public_access_block").is_none() {
            found.push(at_header(
                &NO_PUBLIC_ACCESS_BLOCK,
                bucket,
                "public_access_block",
                "Bucket has no aws_s3_bucket_public_access_block.".into(),
            ));
            // Without a block none of its settings is on (as Trivy reports).
            for (key, rule) in ACCESS_BLOCK_SETTINGS {
                found.push(at_header(
                    rule,
                    bucket,
                    &format!("public_access_block.{key}"),
                    format!("Bucket has no public access block, so `{key}` is off."),
                ));
            }
        }
        check_versioning(bucket, companion("aws_s3_bucket_versioning"), found);
        let logged = bucket.blocks("logging").next().is_some()
            || companion("aws_s3_bucket_logging").is_some();
        if !logged && !is_log_bucket(module, bucket) {
            found.push(at_header(
                &NO_LOGGING,
                bucket,
                "logging",
                "Bucket has no access logging.".into(),
            ));
        }
    }
}

fn check_public_acl(resource: &Block, found: &mut Vec<Violation>) {
    let Some(attr) = resource.attr("acl") else {
        return;
    };
    if let Some(acl) = attr.value.as_str().filter(|acl| PUBLIC_ACLS.contains(acl)) {
        found.push(at_attr(
            &PUBLIC_ACL,
            format!("{}.acl", resource.address()),
            attr,
            format!("Bucket has the public ACL {acl:?}."),
        ));
    }
}

/// Versioning is on when an inline `versioning { enabled = true }` or an
/// `aws_s3_bucket_versioning` with status `Enabled` says so.
fn check_versioning(bucket: &Block, companion: Option<&Block>, found: &mut Vec<Violation>) {
    let subject = format!("{}.versioning", bucket.address());
    if let Some(inline) = bucket.blocks("versioning").next() {
        match inline.attr("enabled") {
            Some(attr) if attr.value.as_bool() == Some(false) => found.push(at_attr(
                &NO_VERSIONING,
                subject,
                attr,
                "Bucket versioning is disabled.".into(),
            )),
            None => found.push(Violation {
                rule: &NO_VERSIONING,
                message: "Bucket versioning block does not enable versioning.".into(),
                start_line: inline.line,
                end_line: inline.line,
                subject,
            }),
            Some(_) => {}
        }
        return;
    }
    let status = companion.and_then(|c| {
        let configuration = c.blocks("versioning_configuration").next()?;
        configuration.attr("status")
    });
    match (companion, status) {
        (None, _) => found.push(at_header(
            &NO_VERSIONING,
            bucket,
            "versioning",
            "Bucket has no versioning configuration.".into(),
        )),
        (Some(_), Some(attr))
            if attr
                .value
                .as_str()
                .is_some_and(|status| status != "Enabled") =>
        {
            found.push(at_attr(
                &NO_VERSIONING,
                subject,
                attr,
                "Bucket versioning is not enabled.".into(),
            ))
        }
        _ => {}
    }
}

/// Whether `bucket` receives other buckets' access logs (its ACL is
/// `log-delivery-write`, or a logging configuration targets it): logging a
/// log bucket would only log the logging.
fn is_log_bucket(module: &Module, bucket: &Block) -> bool {
    if bucket.value("acl").and_then(Value::as_str) == Some("log-delivery-write") {
        return true;
    }
    let targets_it = |target: Option<&Value>| target.is_some_and(|t| refers_to(t, bucket));
    let inline_targets = module
        .resources("aws_s3_bucket")
        .flat_map(|b| b.blocks("logging"))
        .map(|logging| logging.value("target_bucket"));
    let companion_targets = module
        .resources("aws_s3_bucket_logging")
        .map(|logging| logging.value("target_bucket"));
    inline_targets.chain(companion_targets).any(targets_it)
}

/// The first `resource_type` resource whose `bucket` points at `bucket`
/// (or is computed, so it might).
pub(super) fn companion<'a>(
    module: &'a Module,
    resource_type: &'a str,
    bucket: &Block,
) -> Option<&'a Block> {
    module
        .resources(resource_type)
        .find(|candidate| match candidate.value("bucket") {
            // A computed `bucket` may well be this one: better quiet than wrong.
            Some(Value::Unknown) => true,
            Some(value) => refers_to(value, bucket),
            None => false,
        })
}

/// Whether `value` names `bucket`: a reference to its address
/// (`aws_s3_bucket.logs.id`) or its literal bucket name.
fn refers_to(value: &Value, bucket: &Block) -> bool {
    match value {
        Value::Reference(reference) => reference
            .strip_prefix(bucket.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
        Value::String(name) => bucket.value("bucket").and_then(Value::as_str) == Some(name),
        _ => false,
    }
}
