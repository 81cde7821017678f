//! Checks that read IAM and resource policy documents: pass-role grants
//! (AWS-0342), `s3:Get*` with `s3:Put*` on everything (AWS-0346), groups
//! without an MFA condition (AWS-0123), ECR and SQS policies open to
//! everyone or to every action (AWS-0032, AWS-0097), and access keys of a
//! user named `root` (AWS-0141).
//!
//! A policy is read from literal JSON (a heredoc, `jsonencode` of a
//! literal, a CloudFormation document) or from the
//! `data "aws_iam_policy_document"` it refers to (`….json`); a policy we
//! cannot read never fires. `Action`, `Resource` and principals may be a
//! string or a list, as IAM allows.

use super::hcl::{Attr, Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};
use serde_json::{json, Map, Value as Json};

/// The policy document an attribute holds or refers to.
pub(super) fn document(module: &Module, value: &Value) -> Option<Json> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        Value::Reference(reference) => {
            let address = reference.strip_suffix(".json")?;
            let data = module
                .data("aws_iam_policy_document")
                .find(|d| d.address() == address)?;
            from_data_block(data)
        }
        _ => None,
    }
}

/// A `data "aws_iam_policy_document"` as the JSON document it renders;
/// `None` when a statement holds something computed.
fn from_data_block(data: &Block) -> Option<Json> {
    let literal = |value: &Value| -> Option<Json> {
        match value {
            Value::String(s) => Some(json!(s)),
            Value::List(items) => items
                .iter()
                .map(|i| i.as_str().map(|s| json!(s)))
                .collect::<Option<Vec<_>>>()
                .map(Json::Array),
            _ => None,
        }
    };
    let mut statements = Vec::new();
    for statement in data.blocks("statement") {
        let mut out = Map::new();
        let effect = match statement.value("effect") {
            None => "Allow".to_string(),
            Some(v) => v.as_str()?.to_string(),
        };
        out.insert("Effect".into(), json!(effect));
        for (key, name) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(value) = statement.value(key) {
                out.insert(name.into(), literal(value)?);
            }
        }
        let mut principals = Map::new();
        let mut anyone = false;
        for principal in statement.blocks("principals") {
            let kind = principal.value("type")?.as_str()?.to_string();
            let identifiers = literal(principal.value("identifiers")?)?;
            // `type = "*"` with identifier `*` renders as `"Principal": "*"`.
            anyone |= kind == "*" && identifiers.to_string().contains("\"*\"");
            principals.insert(kind, identifiers);
        }
        if anyone {
            out.insert("Principal".into(), json!("*"));
        } else if !principals.is_empty() {
            out.insert("Principal".into(), Json::Object(principals));
        }
        let mut conditions: Map<String, Json> = Map::new();
        for condition in statement.blocks("condition") {
            let test = condition.value("test")?.as_str()?.to_string();
            let variable = condition.value("variable")?.as_str()?.to_string();
            let values = literal(condition.value("values")?)?;
            if let Json::Object(entry) = conditions.entry(test).or_insert_with(|| json!({})) {
                entry.insert(variable, values);
            }
        }
        if !conditions.is_empty() {
            out.insert("Condition".into(), Json::Object(conditions));
        }
        statements.push(Json::Object(out));
    }
    Some(json!({ "Statement": statements }))
}

/// The statements of a document (`Statement` may be one object).
pub(super) fn statements(document: &Json) -> Vec<&Json> {
    match document.get("Statement") {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(single @ Json::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// A string-or-list field of a statement as its strings.
pub(super) fn field<'a>(statement: &'a Json, key: &str) -> Vec<&'a str> {
    match statement.get(key) {
        Some(Json::String(s)) => vec![s.as_str()],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the statement's `Effect` is `effect` (case-insensitive).
fn has_effect(statement: &Json, effect: &str) -> bool {
    statement
        .get("Effect")
        .and_then(Json::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case(effect))
}

/// The `policy` attribute of `block` and the document it holds.
fn policy_of<'a>(module: &Module, block: &'a Block, key: &str) -> Option<(&'a Attr, Json)> {
    let attr = block.attr(key)?;
    Some((attr, document(module, &attr.value)?))
}

/// AWS-0342: `iam:PassRole` allowed and never denied.
fn pass_role(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some((attr, doc)) = policy_of(module, block, "policy") else {
        return;
    };
    let names_pass_role = |s: &Json| {
        field(s, "Action")
            .iter()
            .any(|a| a.eq_ignore_ascii_case("iam:PassRole"))
    };
    let statements = statements(&doc);
    let allowed = statements
        .iter()
        .any(|s| has_effect(s, "Allow") && names_pass_role(s));
    let denied = statements
        .iter()
        .any(|s| has_effect(s, "Deny") && names_pass_role(s));
    if allowed && !denied {
        found.push(Violation {
            message: "Policy allows `iam:PassRole` without a Deny restricting it.".into(),
            ..wrong(rule, block, "", attr)
        });
    }
}

/// Whether a document has one Allow statement with `s3:Get*` and
/// `s3:Put*` on resource `*`.
fn s3_get_and_put(doc: &Json) -> bool {
    statements(doc).into_iter().any(|s| {
        let actions: Vec<String> = field(s, "Action")
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        has_effect(s, "Allow")
            && field(s, "Resource").contains(&"*")
            && actions.iter().any(|a| a == "s3:get*")
            && actions.iter().any(|a| a == "s3:put*")
    })
}

/// AWS-0346 on a policy resource or a role's inline policies.
fn get_and_put(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let mut places: Vec<(String, &Attr)> = block
        .attr("policy")
        .map(|attr| (String::new(), attr))
        .into_iter()
        .collect();
    for (index, inline) in block.blocks("inline_policy").enumerate() {
        if let Some(attr) = inline.attr("policy") {
            places.push((format!("inline_policy[{index}]."), attr));
        }
    }
    for (prefix, attr) in places {
        if document(module, &attr.value).is_some_and(|doc| s3_get_and_put(&doc)) {
            found.push(Violation {
                message: "Policy allows both `s3:Get*` and `s3:Put*` on all resources.".into(),
                ..wrong(rule, block, &prefix, attr)
            });
        }
    }
}

/// Whether `value` (a `group`, `user` or `role` argument) names `target`:
/// a reference to it or its literal `name`.
pub(super) fn names(value: &Value, target: &Block) -> bool {
    match value {
        Value::Reference(reference) => reference
            .strip_prefix(target.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
        Value::String(name) => target.value("name").and_then(Value::as_str) == Some(name),
        _ => false,
    }
}

/// The policy documents attached to a group, user or role: its
/// `<kind>_policy` resources and the `aws_iam_policy` resources its
/// `<kind>_policy_attachment`s name. `None` when one cannot be read.
fn attached_documents(module: &Module, principal: &Block, kind: &str) -> Option<Vec<Json>> {
    let linked = |resource_type: String| {
        module
            .resources(&resource_type)
            .filter(|r| r.value(kind).is_some_and(|v| names(v, principal)))
            .cloned()
            .collect::<Vec<Block>>()
    };
    let mut out = Vec::new();
    for policy in linked(format!("aws_iam_{kind}_policy")) {
        out.push(document(module, policy.value("policy")?)?);
    }
    for attachment in linked(format!("aws_iam_{kind}_policy_attachment")) {
        let Value::Reference(arn) = attachment.value("policy_arn")? else {
            return None;
        };
        let policy = module
            .resources("aws_iam_policy")
            .find(|p| names(&Value::Reference(arn.clone()), p))?;
        out.push(document(module, policy.value("policy")?)?);
    }
    Some(out)
}

/// AWS-0123: no policy of the group has an `aws:MultiFactorAuthPresent`
/// condition.
fn group_mfa(module: &Module, group: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(documents) = attached_documents(module, group, "group") else {
        return;
    };
    let enforced = documents.iter().flat_map(statements).any(|s| {
        s.get("Condition")
            .and_then(Json::as_object)
            .is_some_and(|conditions| {
                conditions.values().any(|c| {
                    c.as_object()
                        .is_some_and(|c| c.contains_key("aws:MultiFactorAuthPresent"))
                })
            })
    });
    if !enforced {
        found.push(Violation {
            message: "No policy of the group requires `aws:MultiFactorAuthPresent`.".into(),
            ..missing(rule, group, group, "", "policy")
        });
    }
}

/// AWS-0032: an `ecr:` action granted to principal `*`.
fn ecr_public(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some((attr, doc)) = policy_of(module, block, "policy") else {
        return;
    };
    let public = statements(&doc).into_iter().any(|s| {
        let to_anyone = match s.get("Principal") {
            Some(Json::String(p)) => p == "*",
            Some(principal) => field(principal, "AWS").contains(&"*"),
            None => false,
        };
        let ecr_action = field(s, "Action")
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("ecr:"));
        to_anyone && ecr_action
    });
    if public {
        found.push(Violation {
            message: "Repository policy grants ECR actions to principal \"*\".".into(),
            ..wrong(rule, block, "", attr)
        });
    }
}

/// AWS-0097: an Allow of `*` or `sqs:*`.
fn sqs_wildcard(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some((attr, doc)) = policy_of(module, block, "policy") else {
        return;
    };
    let wildcard = statements(&doc).into_iter().any(|s| {
        has_effect(s, "Allow")
            && field(s, "Action")
                .iter()
                .any(|a| *a == "*" || a.eq_ignore_ascii_case("sqs:*"))
    });
    if wildcard {
        found.push(Violation {
            message: "Queue policy allows every action (`*` or `sqs:*`).".into(),
            ..wrong(rule, block, "", attr)
        });
    }
}

/// AWS-0141: an active access key of the IAM user named `root`.
fn root_access_key(module: &Module, key: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(user) = key.value("user") else {
        return;
    };
    let of_root = module
        .resources("aws_iam_user")
        .filter(|u| u.value("name").and_then(Value::as_str) == Some("root"))
        .any(|u| names(user, u));
    let active = key
        .value("status")
        .is_none_or(|s| s.as_str() != Some("Inactive"));
    if of_root && active {
        found.push(Violation {
            rule,
            message: "The user named `root` has an active access key.".into(),
            start_line: key.line,
            end_line: key.line,
            subject: key.address(),
        });
    }
}

/// A Terraform policy resource with `$statement` (HCL object) in its
/// document, for the examples.
macro_rules! iam_policy {
    ($statement:literal) => {
        concat!(
            "resource \"aws_iam_policy\" \"a\" {\n  policy = jsonencode({\n    Version   = \"2012-10-17\"\n    Statement = [",
            $statement,
            "]\n  })\n}\n"
        )
    };
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-540", "AWS-0342", "aws-iam-filter-passrole-access", Medium,
            "IAM policy allows iam:PassRole",
            "`iam:PassRole` lets the holder hand a role to a service (an EC2 instance, a \
             Lambda function) and then act with that role's permissions: a privilege \
             escalation unless a Deny narrows it.",
            "Remove `iam:PassRole`, or add a Deny statement that limits it to the roles the \
             principal must pass.",
        ),
        resources: &["aws_iam_policy"],
        test: Test::Custom(pass_role),
        bad: iam_policy!("{ Effect = \"Allow\", Action = \"iam:PassRole\", Resource = \"*\" }"),
        good: iam_policy!("{ Effect = \"Allow\", Action = \"iam:GetRole\", Resource = \"*\" }"),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-541", "AWS-0346", "aws-iam-unauthorized-bucket-access", High,
            "IAM policy allows s3:Get* and s3:Put* on every resource",
            "Reading and writing every object of every bucket in the account reaches \
             buckets the principal has no business with, including other services' data.",
            "Name the buckets in `Resource` (`arn:aws:s3:::my-bucket/*`) and the actions \
             needed.",
        ),
        resources: &["aws_iam_policy", "aws_iam_role_policy", "aws_iam_role"],
        test: Test::Custom(get_and_put),
        bad: iam_policy!("{ Effect = \"Allow\", Action = [\"s3:Get*\", \"s3:Put*\"], Resource = \"*\" }"),
        good: iam_policy!("{ Effect = \"Allow\", Action = [\"s3:Get*\", \"s3:Put*\"], Resource = \"arn:aws:s3:::data/*\" }"),
    },
    Check {
        rule: Rule {
            id: "SG-TF-542",
            aliases: &[
                "AWS-0123",
                "AVD-AWS-0123",
                "aws-iam-enforce-group-mfa",
                "aws-iam-enforce-mfa",
            ],
            title: "IAM group does not require MFA",
            severity: crate::matching::severity::Severity::Medium,
            rationale: "Without a policy condition on `aws:MultiFactorAuthPresent`, a stolen \
                        password alone is enough to act with the group's permissions.",
            resolution: "Attach a policy to the group that denies actions when \
                         `aws:MultiFactorAuthPresent` is false (for example the \
                         `terraform-module/enforce-mfa/aws` module).",
        },
        resources: &["aws_iam_group"],
        test: Test::Custom(group_mfa),
        bad: "resource \"aws_iam_group\" \"dev\" {\n  name = \"dev\"\n}\n",
        good: "resource \"aws_iam_group\" \"dev\" {\n  name = \"dev\"\n}\n\nresource \"aws_iam_group_policy\" \"mfa\" {\n  group  = aws_iam_group.dev.name\n  policy = data.aws_iam_policy_document.mfa.json\n}\n\ndata \"aws_iam_policy_document\" \"mfa\" {\n  statement {\n    effect    = \"Deny\"\n    actions   = [\"*\"]\n    resources = [\"*\"]\n    condition {\n      test     = \"BoolIfExists\"\n      variable = \"aws:MultiFactorAuthPresent\"\n      values   = [\"false\"]\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-543", "AWS-0032", "aws-ecr-no-public-access", High,
            "ECR repository policy grants access to everyone",
            "Principal `*` is every AWS account: anyone can pull (or, with write actions, \
             replace) the images.",
            "Name the accounts or roles in `Principal` (`{\"AWS\": \"arn:aws:iam::123456789012:root\"}`).",
        ),
        resources: &["aws_ecr_repository_policy", "aws_ecr_repository"],
        test: Test::Custom(ecr_public),
        bad: "resource \"aws_ecr_repository_policy\" \"a\" {\n  repository = \"app\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = [\"ecr:BatchGetImage\"] }]\n  })\n}\n",
        good: "resource \"aws_ecr_repository_policy\" \"a\" {\n  repository = \"app\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::123456789012:root\" }, Action = [\"ecr:BatchGetImage\"] }]\n  })\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-544", "AWS-0097", "aws-sqs-no-wildcards-in-policy-documents", High,
            "SQS queue policy allows every action",
            "`sqs:*` includes deleting the queue, purging it and changing its policy; whoever \
             the statement names can do all of it.",
            "List the actions needed (`sqs:SendMessage`, `sqs:ReceiveMessage`).",
        ),
        resources: &["aws_sqs_queue_policy", "aws_sqs_queue"],
        test: Test::Custom(sqs_wildcard),
        bad: "resource \"aws_sqs_queue_policy\" \"a\" {\n  queue_url = \"q\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"sqs:*\" }]\n  })\n}\n",
        good: "resource \"aws_sqs_queue_policy\" \"a\" {\n  queue_url = \"q\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = \"sqs:SendMessage\" }]\n  })\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-545", "AWS-0141", "aws-iam-no-root-access-keys", Critical,
            "Access key for an IAM user named root",
            "Long-lived keys for the account's most powerful identity cannot be limited by \
             policy and are the first thing an attacker looks for.",
            "Delete the access key; use roles with temporary credentials instead.",
        ),
        resources: &["aws_iam_access_key"],
        test: Test::Custom(root_access_key),
        bad: "resource \"aws_iam_user\" \"root\" {\n  name = \"root\"\n}\n\nresource \"aws_iam_access_key\" \"k\" {\n  user = aws_iam_user.root.name\n}\n",
        good: "resource \"aws_iam_user\" \"ci\" {\n  name = \"ci\"\n}\n\nresource \"aws_iam_access_key\" \"k\" {\n  user = aws_iam_user.ci.name\n}\n",
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
