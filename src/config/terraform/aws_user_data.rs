//! Secrets written into EC2 user data and ECS task definitions: Trivy's
//! AWS-0029 (instances), AWS-0122 (launch configurations), AWS-0129
//! (launch templates) and AWS-0036 (container environment variables).
//!
//! Trivy scans these texts with its string scanner (squealer): AWS key
//! ids and secret keys, private keys, GitHub and Slack tokens, and
//! `password=…` literals. The same kinds are recognised here. A password
//! whose value is a placeholder (`${VAR}`, `{{ … }}`, `INSERT_…`,
//! `changeme`) or read from elsewhere (`$(…)`, `$VAR`) is not a secret.

use super::hcl::{Block, Module};
use super::spec::{trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};
use regex::Regex;
use std::sync::LazyLock;

/// The kinds of secret recognised in free text, with what a finding says.
static SECRET_PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b",
            "an AWS access key id",
        ),
        (
            r#"(?i:aws).{0,20}?['"][0-9a-zA-Z/+]{40}['"]"#,
            "an AWS secret access key",
        ),
        (
            r"-----BEGIN (?:(?:EC|PGP|DSA|RSA|OPENSSH) )?PRIVATE KEY(?: BLOCK)?-----",
            "a private key",
        ),
        (r"\bgh[pousr]_[A-Za-z0-9]{36}\b", "a GitHub token"),
        (r"\bxox[abprs]-[0-9A-Za-z-]{10,}", "a Slack token"),
        (
            r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]{8}/B[A-Za-z0-9_]{8}/[A-Za-z0-9_]{24}",
            "a Slack webhook",
        ),
    ]
    .into_iter()
    .map(|(pattern, what)| (Regex::new(pattern).expect("valid secret pattern"), what))
    .collect()
});

/// `password = value`, `PASSWORD: value`, `DB_PASSWORD="value"`.
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)password\\?"?\s?[:=]\s?(\S[^\r\n]*)"#).expect("valid password pattern")
});

/// Whether a password value is a placeholder or a reference, not a secret.
fn is_placeholder(value: &str) -> bool {
    let value = value
        .trim()
        .trim_start_matches('\\')
        .trim_matches(|c| c == '"' || c == '\'' || c == '\\');
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || value.starts_with(['$', '{', '?', '<', '%'])
        || value.contains("{{")
        || lower.starts_with("insert_")
        || lower.contains("changeme")
        || lower.contains("change_me")
        || lower.contains("placeholder")
}

/// What secret `text` holds, if any (the first kind found).
pub(super) fn secret_in(text: &str) -> Option<&'static str> {
    if let Some((_, what)) = SECRET_PATTERNS.iter().find(|(re, _)| re.is_match(text)) {
        return Some(what);
    }
    PASSWORD
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .any(|value| !is_placeholder(value.as_str()))
        .then_some("a password")
}

/// AWS-0029/0122/0129: a secret in `user_data`, or in `user_data_base64`
/// once decoded.
pub(super) fn user_data(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    use base64::Engine as _;
    let plain = block
        .attr("user_data")
        .and_then(|attr| Some((attr, attr.value.as_str()?.to_string())));
    let encoded = block.attr("user_data_base64").and_then(|attr| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(attr.value.as_str()?.trim())
            .ok()?;
        Some((attr, String::from_utf8_lossy(&bytes).into_owned()))
    });
    for (attr, text) in plain.into_iter().chain(encoded) {
        if let Some(what) = secret_in(&text) {
            found.push(Violation {
                message: format!("User data contains {what}."),
                ..wrong(rule, block, "", attr)
            });
        }
    }
}

/// Environment variable names that announce a secret (Trivy's
/// `sensitive_attribute_tokens`), and prefixes that do not.
const SENSITIVE_NAMES: &[&str] = &[
    "password",
    "secret",
    "private_key",
    "aws_access_key_id",
    "aws_secret_access_key",
    "token",
    "api_key",
];
const NOT_SENSITIVE_PREFIXES: &[&str] = &["token_type", "version"];

fn is_sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SENSITIVE_NAMES.iter().any(|token| name.contains(token))
        && (SENSITIVE_NAMES.contains(&name.as_str())
            || !NOT_SENSITIVE_PREFIXES.iter().any(|p| name.starts_with(p)))
}

/// A key of a container definition, as Terraform (`environment`) or
/// CloudFormation (`Environment`) spells it.
fn key<'a>(object: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    object
        .as_object()?
        .iter()
        .find_map(|(k, v)| k.eq_ignore_ascii_case(name).then_some(v))
}

/// AWS-0036: a container's environment variable named like a secret, or
/// whose literal value is one.
fn task_environment(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(attr) = block.attr("container_definitions") else {
        return;
    };
    let Some(containers) = attr
        .value
        .as_str()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    else {
        return;
    };
    let containers = match containers {
        serde_json::Value::Array(items) => items,
        _ => return,
    };
    for container in &containers {
        let Some(serde_json::Value::Array(environment)) = key(container, "environment") else {
            continue;
        };
        for variable in environment {
            let name = key(variable, "name").and_then(|n| n.as_str()).unwrap_or("");
            let value = key(variable, "value")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            let reason = if is_sensitive_name(name) && !is_placeholder(value) {
                Some("is named like a secret".to_string())
            } else {
                secret_in(value).map(|what| format!("holds {what}"))
            };
            if let Some(reason) = reason {
                found.push(Violation {
                    message: format!(
                        "Environment variable {name:?} {reason}; use `secrets` instead."
                    ),
                    subject: format!("{}.container_definitions.{name}", block.address()),
                    ..wrong(rule, block, "", attr)
                });
            }
        }
    }
}

/// A resource of type `$kind` with failing (`bad`) or passing (`good`)
/// user data, for the examples.
macro_rules! with_user_data {
    ($kind:literal, bad) => {
        concat!("resource \"", $kind, "\" \"a\" {\n  user_data = <<EOF\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nEOF\n}\n")
    };
    ($kind:literal, good) => {
        concat!("resource \"", $kind, "\" \"a\" {\n  user_data = <<EOF\nexport DATABASE_PASSWORD=\"$(aws ssm get-parameter --name db)\"\nEOF\n}\n")
    };
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-550", "AWS-0122", "aws-ec2-no-sensitive-info", High,
            "Launch configuration user data contains a secret",
            "User data is readable by anyone who can describe the launch configuration and, \
             from inside the instance, through the metadata service.",
            "Read secrets at boot from Secrets Manager or SSM Parameter Store with the \
             instance's role.",
        ),
        resources: &["aws_launch_configuration"],
        test: Test::Custom(user_data),
        bad: with_user_data!("aws_launch_configuration", bad),
        good: with_user_data!("aws_launch_configuration", good),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-551", "AWS-0129", "aws-ec2-no-secrets-in-launch-template-user-data", Critical,
            "Launch template user data contains a secret",
            "User data is readable by anyone who can describe the launch template and, from \
             inside the instance, through the metadata service.",
            "Read secrets at boot from Secrets Manager or SSM Parameter Store with the \
             instance's role.",
        ),
        resources: &["aws_launch_template"],
        test: Test::Custom(user_data),
        bad: with_user_data!("aws_launch_template", bad),
        good: with_user_data!("aws_launch_template", good),
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-552", "AWS-0036", "aws-ecs-no-plaintext-secrets", Critical,
            "ECS task definition has a secret in an environment variable",
            "Environment values are stored in the task definition in plain text, visible to \
             anyone who can describe it and in every revision.",
            "Move the value to `secrets = [{ name = ..., valueFrom = <Secrets Manager or SSM ARN> }]`.",
        ),
        resources: &["aws_ecs_task_definition"],
        test: Test::Custom(task_environment),
        bad: "resource \"aws_ecs_task_definition\" \"a\" {\n  container_definitions = jsonencode([{\n    name        = \"app\"\n    environment = [{ name = \"DATABASE_PASSWORD\", value = \"hunter22\" }]\n  }])\n}\n",
        good: "resource \"aws_ecs_task_definition\" \"a\" {\n  container_definitions = jsonencode([{\n    name    = \"app\"\n    secrets = [{ name = \"DATABASE_PASSWORD\", valueFrom = \"arn:aws:ssm:eu-west-1:1:parameter/db\" }]\n  }])\n}\n",
    },
];

#[cfg(test)]
mod tests {
    use super::secret_in;

    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }

    #[test]
    fn finds_secrets_and_skips_placeholders() {
        for text in [
            "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
            "export DATABASE_PASSWORD=password1234",
            " export DATABASE_PASSWORD=\\\"SomeSortOfPassword\\\"",
            "-----BEGIN RSA PRIVATE KEY-----",
        ] {
            assert!(secret_in(text).is_some(), "{text}");
        }
        for text in [
            "echo hello",
            "DB_PASSWORD=${db_password}",
            "password: {{ .Values.password }}",
            "PASSWORD=INSERT_PASSWORD_HERE",
            "password=changeme",
            "PASSWORD=$(cat /run/secrets/db)",
        ] {
            assert!(secret_in(text).is_none(), "{text}");
        }
    }
}
