//! Terraform checks at Trivy's breadth for AWS, Azure and Google Cloud, on
//! `.tf` and `.tf.json` files evaluated as modules (`project.rs`: variables,
//! tfvars, locals, local module calls) and on plan JSON
//! (`terraform show -json`).
//!
//! Most rules are declarative entries of a catalog (`spec.rs`; one table
//! per family: `aws_data.rs`, `aws_compute.rs`, `aws_services.rs`,
//! `azure_data.rs`, `azure_compute.rs`, `azure_workloads.rs`,
//! `azure_governance.rs`, `gcp_data.rs`, `gcp_compute.rs`, `gcp_project.rs`),
//! each with its Trivy ids, documentation and a failing and a passing
//! example; the first rules are hand-written modules. What is and is not
//! evaluated is described in `hcl.rs`.

mod adapt;
mod arm;
mod arm_types;
mod aws_cloudtrail;
mod aws_clusters;
mod aws_compute;
mod aws_data;
mod aws_encryption;
mod aws_iam;
mod aws_monitoring;
mod aws_network;
mod aws_policy_docs;
mod aws_s3;
mod aws_s3_audit;
mod aws_sam;
mod aws_services;
mod aws_user_data;
mod azure;
mod azure_compute;
mod azure_data;
mod azure_governance;
mod azure_workloads;
mod cloudformation;
mod cloudformation_types;
mod custom_data;
mod eval;
mod functions;
mod gcp;
mod gcp_compute;
mod gcp_data;
mod gcp_project;
mod hcl;
mod project;
mod spec;
mod tfjson;

use super::{Checker, FileType, Rule, Violation};
use hcl::{Attr, Block};
use std::sync::LazyLock;

/// The Terraform checker: `*.tf` and `*.tf.json` files, evaluated module by
/// module with the tree's variables files and the `--tf-vars` files.
pub struct TerraformChecker {
    /// `--tf-vars` files as (path, content), applied to every root module.
    tf_vars: Vec<(String, String)>,
}

impl TerraformChecker {
    /// The checker without `--tf-vars` files.
    pub const DEFAULT: TerraformChecker = TerraformChecker {
        tf_vars: Vec::new(),
    };

    /// The checker with `--tf-vars` files (path and content).
    pub fn with_vars(tf_vars: Vec<(String, String)>) -> TerraformChecker {
        TerraformChecker { tf_vars }
    }
}

/// Terraform plan output (`terraform show -json`): its planned values are
/// checked with the Terraform rules.
pub struct TerraformPlanChecker;

/// CloudFormation templates (YAML or JSON), adapted to the Terraform model
/// and checked with the AWS rules.
pub struct CloudFormationChecker;

/// Azure Resource Manager templates, adapted to the Terraform model and
/// checked with the Azure rules.
pub struct ArmChecker;

/// The hand-written rules, in id order.
static HAND_RULES: &[&Rule] = &[
    &aws_network::SG_OPEN_ADMIN_PORT,
    &aws_s3::PUBLIC_ACL,
    &aws_s3::NO_PUBLIC_ACCESS_BLOCK,
    &aws_s3::BLOCK_PUBLIC_ACLS,
    &aws_s3::BLOCK_PUBLIC_POLICY,
    &aws_s3::IGNORE_PUBLIC_ACLS,
    &aws_s3::RESTRICT_PUBLIC_BUCKETS,
    &aws_s3::NO_VERSIONING,
    &aws_s3::NO_LOGGING,
    &aws_encryption::EBS_UNENCRYPTED,
    &aws_encryption::RDS_INSTANCE_UNENCRYPTED,
    &aws_encryption::RDS_CLUSTER_UNENCRYPTED,
    &aws_encryption::RDS_PUBLIC,
    &aws_encryption::SNS_UNENCRYPTED,
    &aws_encryption::SQS_UNENCRYPTED,
    &aws_iam::WILDCARD_POLICY,
    &aws_iam::S3_FULL_ACCESS,
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

/// The declarative checks ([`spec::Check`]), one table per family.
static CATALOGS: &[&[spec::Check]] = &[
    aws_data::CHECKS,
    aws_compute::CHECKS,
    aws_services::CHECKS,
    aws_monitoring::CHECKS,
    aws_policy_docs::CHECKS,
    aws_user_data::CHECKS,
    aws_clusters::CHECKS,
    aws_s3_audit::CHECKS,
    azure_data::CHECKS,
    azure_compute::CHECKS,
    gcp_data::CHECKS,
    gcp_compute::CHECKS,
    azure_workloads::CHECKS,
    azure_governance::CHECKS,
    gcp_project::CHECKS,
];

/// Every Terraform rule: the hand-written ones, then each catalog's.
static RULES: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let catalogs = CATALOGS
        .iter()
        .flat_map(|c| c.iter().map(|check| &check.rule));
    HAND_RULES.iter().copied().chain(catalogs).collect()
});

/// `(path, content)` pairs as the project's input files.
fn as_files(pairs: &[(String, String)]) -> Vec<project::File<'_>> {
    pairs
        .iter()
        .map(|(path, content)| project::File { path, content })
        .collect()
}

/// Every rule, hand-written and catalogued, on one module.
fn check_module(module: &hcl::Module) -> Vec<Violation> {
    let mut found = Vec::new();
    aws_network::check(module, &mut found);
    aws_s3::check(module, &mut found);
    aws_encryption::check(module, &mut found);
    aws_iam::check(module, &mut found);
    aws_cloudtrail::check(module, &mut found);
    gcp::check(module, &mut found);
    azure::check(module, &mut found);
    for catalog in CATALOGS {
        spec::run(catalog, module, &mut found);
    }
    found.sort_by(|a, b| (a.start_line, a.rule.id).cmp(&(b.start_line, b.rule.id)));
    found
}

impl Checker for TerraformChecker {
    fn file_type(&self) -> FileType {
        FileType::Terraform
    }

    fn wants(&self, path: &str) -> bool {
        [".tf", ".tf.json", ".tfvars", ".tfvars.json"]
            .iter()
            .any(|suffix| path.ends_with(suffix))
    }

    /// One file on its own (`var.NAME` from its own `variable` blocks).
    fn check(&self, path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let files = [(path.to_string(), content.to_string())];
        let mut results = self.check_together(&files);
        match results.pop() {
            Some((_, result)) => result,
            None => Ok(Vec::new()),
        }
    }

    fn examples(&self, rule_id: &str) -> Option<(&'static str, &'static str)> {
        CATALOGS
            .iter()
            .flat_map(|c| c.iter())
            .find(|check| check.rule.id == rule_id)
            .map(|check| (check.bad, check.good))
    }

    fn together(&self) -> bool {
        true
    }

    fn check_together(
        &self,
        files: &[(String, String)],
    ) -> Vec<(String, Result<Vec<Violation>, String>)> {
        project::check(&as_files(files), &as_files(&self.tf_vars), check_module)
    }

    fn rules(&self) -> &'static [&'static Rule] {
        &RULES
    }
}

impl Checker for TerraformPlanChecker {
    fn file_type(&self) -> FileType {
        FileType::TerraformPlan
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".json") && !path.ends_with(".tf.json") && !path.ends_with(".tfvars.json")
    }

    fn accepts(&self, content: &str) -> bool {
        content.contains("\"planned_values\"") && content.trim_start().starts_with('{')
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let root = crate::config::json::parse(content)?;
        if !tfjson::is_plan(&root) {
            return Err("not Terraform plan JSON (no `planned_values`)".into());
        }
        Ok(check_module(&tfjson::plan_module(&root)))
    }

    fn rules(&self) -> &'static [&'static Rule] {
        // The Terraform checker lists the same rules.
        &[]
    }
}

impl Checker for CloudFormationChecker {
    fn file_type(&self) -> FileType {
        FileType::CloudFormation
    }

    fn wants(&self, path: &str) -> bool {
        [".yaml", ".yml", ".json", ".template"]
            .iter()
            .any(|suffix| path.ends_with(suffix))
    }

    fn accepts(&self, content: &str) -> bool {
        cloudformation::looks_like_template(content)
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        let module = cloudformation::module(content)?;
        let mut found = check_module(&module);
        spec::run(aws_sam::CHECKS, &module, &mut found);
        found.sort_by(|a, b| (a.start_line, a.rule.id).cmp(&(b.start_line, b.rule.id)));
        Ok(found)
    }

    fn examples(&self, rule_id: &str) -> Option<(&'static str, &'static str)> {
        aws_sam::CHECKS
            .iter()
            .find(|check| check.rule.id == rule_id)
            .map(|check| (check.bad, check.good))
    }

    /// The SAM rules, which only templates can break; the Terraform
    /// checker lists the rest.
    fn rules(&self) -> &'static [&'static Rule] {
        &SAM_RULES
    }
}

/// The rules of the SAM resource types ([`aws_sam`]).
static SAM_RULES: LazyLock<Vec<&'static Rule>> =
    LazyLock::new(|| aws_sam::CHECKS.iter().map(|check| &check.rule).collect());

impl Checker for ArmChecker {
    fn file_type(&self) -> FileType {
        FileType::AzureArm
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".json")
    }

    fn accepts(&self, content: &str) -> bool {
        arm::looks_like_template(content)
    }

    fn check(&self, _path: &str, content: &str) -> Result<Vec<Violation>, String> {
        Ok(check_module(&arm::module(content)?))
    }

    fn rules(&self) -> &'static [&'static Rule] {
        // The Terraform checker lists the same rules.
        &[]
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
