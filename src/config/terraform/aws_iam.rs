//! IAM policies that allow every action on every resource: an
//! administrator grant, usually written by accident or for convenience.
//!
//! Policies are read from literal JSON (a heredoc, a string, or
//! `jsonencode` of a literal object) in `aws_iam_*policy` resources and
//! `aws_iam_role.inline_policy`, and from `aws_iam_policy_document` data
//! blocks.

use super::at_attr;
use super::hcl::{Attr, Block, Module, Value};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static WILDCARD_POLICY: Rule = Rule {
    id: "SG-TF-017",
    aliases: &["AWS-0057", "AVD-AWS-0057", "aws-iam-no-policy-wildcards"],
    title: "IAM policy allows all actions on all resources",
    severity: Severity::High,
    rationale: "`\"Action\": \"*\"` on `\"Resource\": \"*\"` is full administrator access: \
                whoever holds the policy can do anything in the account, including granting \
                themselves more. (Trivy has deprecated its broader wildcard check, AWS-0057; \
                this rule keeps the narrow case that is always an administrator grant.)",
    resolution: "List the actions and resources the principal needs:\n\n    \
                 actions   = [\"s3:GetObject\"]\n    \
                 resources = [\"arn:aws:s3:::my-bucket/*\"]",
};

pub(super) static S3_FULL_ACCESS: Rule = Rule {
    id: "SG-TF-269",
    aliases: &["AWS-0345", "AVD-AWS-0345", "aws-iam-no-s3-full-access"],
    title: "IAM policy allows every S3 action",
    severity: Severity::High,
    rationale: "`s3:*` includes deleting buckets, rewriting bucket policies and reading every \
                object: far more than a workload needs, and a leaked credential with it can \
                expose or destroy the data.",
    resolution: "List the S3 actions needed:\n\n    \
                 \"Action\": [\"s3:GetObject\", \"s3:PutObject\"]",
};

/// Resources whose `policy` attribute is an IAM policy document.
const POLICY_RESOURCES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for resource_type in POLICY_RESOURCES {
        for resource in module.resources(resource_type) {
            if let Some(attr) = resource.attr("policy") {
                check_json_policy(format!("{}.policy", resource.address()), attr, found);
            }
        }
    }
    for role in module.resources("aws_iam_role") {
        for (index, inline) in role.blocks("inline_policy").enumerate() {
            if let Some(attr) = inline.attr("policy") {
                let subject = format!("{}.inline_policy[{index}].policy", role.address());
                check_json_policy(subject, attr, found);
            }
        }
    }
    check_role_attachments(module, found);
    for document in module.data("aws_iam_policy_document") {
        for (index, statement) in document.blocks("statement").enumerate() {
            check_document_statement(document, index, statement, found);
        }
    }
}

/// A JSON policy attribute; text that is not literal or not JSON is skipped.
fn check_json_policy(subject: String, attr: &Attr, found: &mut Vec<Violation>) {
    let Some(json) = attr
        .value
        .as_str()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    else {
        return;
    };
    let statements = match json.get("Statement") {
        Some(serde_json::Value::Array(statements)) => statements.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    let admin = statements.into_iter().any(|statement| {
        let allows = statement.get("Effect").and_then(|e| e.as_str()) == Some("Allow");
        allows && has_star(statement.get("Action")) && has_star(statement.get("Resource"))
    });
    if admin {
        found.push(at_attr(
            &WILDCARD_POLICY,
            subject.clone(),
            attr,
            "Policy allows action \"*\" on resource \"*\".".into(),
        ));
    }
    if allows_s3_star(&json) {
        found.push(at_attr(
            &S3_FULL_ACCESS,
            subject,
            attr,
            "Policy allows the action \"s3:*\".".into(),
        ));
    }
}

/// Whether a policy document allows `s3:*` and no statement denies it.
fn allows_s3_star(json: &serde_json::Value) -> bool {
    let names_s3_star = |statement: &serde_json::Value, effect: &str| {
        statement.get("Effect").and_then(|e| e.as_str()) == Some(effect)
            && match statement.get("Action") {
                Some(serde_json::Value::String(a)) => a.eq_ignore_ascii_case("s3:*"),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case("s3:*"))),
                _ => false,
            }
    };
    let statements: Vec<&serde_json::Value> = match json.get("Statement") {
        Some(serde_json::Value::Array(statements)) => statements.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    let allowed = statements.iter().any(|s| names_s3_star(s, "Allow"));
    let denied = statements.iter().any(|s| names_s3_star(s, "Deny"));
    allowed && !denied
}

/// The AWS-managed policy that grants `s3:*`.
const S3_FULL_ACCESS_ARN: &str = "arn:aws:iam::aws:policy/AmazonS3FullAccess";

/// AWS-0345 once more for each role that attaches an `s3:*` policy (as
/// Trivy reports it for the policy and again for the role): on the
/// attached `aws_iam_policy`'s document, or on the attachment when it
/// names the AWS-managed `AmazonS3FullAccess`.
fn check_role_attachments(module: &Module, found: &mut Vec<Violation>) {
    for role in module.resources("aws_iam_role") {
        let attachments = module
            .resources("aws_iam_role_policy_attachment")
            .filter(|a| {
                a.value("role")
                    .is_some_and(|v| super::aws_policy_docs::names(v, role))
            });
        for attachment in attachments {
            let Some(arn) = attachment.attr("policy_arn") else {
                continue;
            };
            let subject = format!("{}.{}", role.address(), attachment.address());
            match &arn.value {
                Value::String(name) if name == S3_FULL_ACCESS_ARN => found.push(at_attr(
                    &S3_FULL_ACCESS,
                    subject,
                    arn,
                    format!(
                        "Role `{}` attaches AmazonS3FullAccess, which allows \"s3:*\".",
                        role.address()
                    ),
                )),
                reference @ Value::Reference(_) => {
                    let policy = module
                        .resources("aws_iam_policy")
                        .find(|p| super::aws_policy_docs::names(reference, p));
                    let Some(document) = policy.and_then(|p| p.attr("policy")) else {
                        continue;
                    };
                    if super::aws_policy_docs::document(module, &document.value)
                        .is_some_and(|json| allows_s3_star(&json))
                    {
                        found.push(at_attr(
                            &S3_FULL_ACCESS,
                            subject,
                            document,
                            format!(
                                "Role `{}` uses this policy, which allows \"s3:*\".",
                                role.address()
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
}

fn has_star(value: Option<&serde_json::Value>) -> bool {
    match value {
        Some(serde_json::Value::String(s)) => s == "*",
        Some(serde_json::Value::Array(items)) => items.iter().any(|i| i.as_str() == Some("*")),
        _ => false,
    }
}

/// A `statement` block of `data "aws_iam_policy_document"`: effect defaults
/// to Allow.
fn check_document_statement(
    document: &Block,
    index: usize,
    statement: &Block,
    found: &mut Vec<Violation>,
) {
    let allows = statement
        .value("effect")
        .and_then(Value::as_str)
        .is_none_or(|effect| effect == "Allow");
    let star = |key: &str| {
        statement
            .value(key)
            .is_some_and(|v| v.strings().contains(&"*"))
    };
    if let (true, Some(actions)) = (allows, statement.attr("actions")) {
        let s3_star = actions
            .value
            .strings()
            .iter()
            .any(|a| a.eq_ignore_ascii_case("s3:*"));
        if s3_star {
            found.push(at_attr(
                &S3_FULL_ACCESS,
                format!("{}.statement[{index}].actions", document.address()),
                actions,
                "Policy document allows the action \"s3:*\".".into(),
            ));
        }
    }
    if let (true, true, Some(actions)) = (allows, star("resources"), statement.attr("actions")) {
        if actions.value.strings().contains(&"*") {
            found.push(at_attr(
                &WILDCARD_POLICY,
                format!("{}.statement[{index}].actions", document.address()),
                actions,
                "Policy document allows action \"*\" on resource \"*\".".into(),
            ));
        }
    }
}
