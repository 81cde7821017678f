//! Declarative resource checks: most of Trivy's cloud checks say "this
//! resource type must (not) set this attribute to that", so they are data
//! here: a [`Check`] names the resource types, the attribute path and the
//! [`Test`], and carries its own failing and passing example. The handful
//! that need more (a companion resource, a JSON document, a list of log
//! types) use [`Test::Custom`].
//!
//! Values follow `hcl.rs`: a missing attribute means Terraform's (or the
//! provider's) default, a computed one is unknown and never fires.

use super::hcl::{Attr, Block, Module, Value};
use crate::config::{Rule, Violation};

/// One rule and how it is checked on a resource.
pub(super) struct Check {
    pub rule: Rule,
    /// The resource types it applies to; `data.TYPE` for data sources.
    pub resources: &'static [&'static str],
    pub test: Test,
    /// A Terraform snippet the rule fires on, and one it accepts: the rule's
    /// examples, and its unit test.
    pub bad: &'static str,
    pub good: &'static str,
}

/// A path is `block.block.attribute`: every segment but the last names a
/// nested block (each of them, when repeated), the last an attribute.
pub(super) enum Test {
    /// Must be literally true; missing means false.
    IsTrue(&'static str),
    /// Must not be literally true; missing is fine (default false).
    NotTrue(&'static str),
    /// Must be literally false; missing means true.
    IsFalse(&'static str),
    /// Must not be literally false; missing is fine (default true).
    NotFalse(&'static str),
    /// Must be set to something non-empty.
    Present(&'static str),
    /// Must be one of the values (case-insensitive); missing fails.
    OneOf(&'static str, &'static [&'static str]),
    /// Must not be one of the values (case-insensitive); missing is fine.
    NoneOf(&'static str, &'static [&'static str]),
    /// Missing or below the minimum fails (the default is below it).
    AtLeast(&'static str, i64),
    /// Anything else: the function reports its own violations.
    Custom(fn(&Module, &Block, &'static Rule, &mut Vec<Violation>)),
}

/// Runs every check of `checks` on every matching resource of `module`.
pub(super) fn run(checks: &'static [Check], module: &Module, found: &mut Vec<Violation>) {
    for check in checks {
        for block in module.blocks.iter().filter(|b| applies(check, b)) {
            check.test.run_on(module, block, &check.rule, found);
        }
    }
}

fn applies(check: &Check, block: &Block) -> bool {
    let Some(kind) = block.labels.first() else {
        return false;
    };
    check
        .resources
        .iter()
        .any(|r| match r.strip_prefix("data.") {
            Some(data) => block.kind == "data" && kind == data,
            None => block.kind == "resource" && kind == r,
        })
}

impl Test {
    /// Runs the test on one resource.
    pub(super) fn run_on(
        &self,
        module: &Module,
        block: &Block,
        rule: &'static Rule,
        found: &mut Vec<Violation>,
    ) {
        let (path, missing_fails): (&str, bool) = match self {
            Test::IsTrue(p)
            | Test::IsFalse(p)
            | Test::Present(p)
            | Test::OneOf(p, _)
            | Test::AtLeast(p, _) => (p, true),
            Test::NotTrue(p) | Test::NotFalse(p) | Test::NoneOf(p, _) => (p, false),
            Test::Custom(f) => return f(module, block, rule, found),
        };
        for (owner, prefix, attr) in lookup(block, path) {
            let key = path.rsplit('.').next().unwrap_or(path);
            let Some(attr) = attr else {
                if missing_fails {
                    found.push(missing(rule, block, owner, &prefix, key));
                }
                continue;
            };
            let bad = match self {
                Test::IsTrue(_) => attr.value.as_bool() == Some(false),
                Test::NotTrue(_) | Test::IsFalse(_) => attr.value.as_bool() == Some(true),
                Test::NotFalse(_) => attr.value.as_bool() == Some(false),
                Test::Present(_) => is_empty(&attr.value),
                Test::OneOf(_, allowed) => attr
                    .value
                    .as_str()
                    .is_some_and(|v| !allowed.iter().any(|a| a.eq_ignore_ascii_case(v))),
                Test::NoneOf(_, denied) => attr
                    .value
                    .as_str()
                    .is_some_and(|v| denied.iter().any(|d| d.eq_ignore_ascii_case(v))),
                Test::AtLeast(_, min) => attr.value.as_i64().is_some_and(|v| v < *min),
                Test::Custom(_) => false,
            };
            if bad {
                found.push(wrong(rule, block, &prefix, attr));
            }
        }
    }
}

/// Each place the attribute at `path` can be: (the block that would hold
/// it, its path from the resource, the attribute if set). A missing nested
/// block yields the deepest block that exists, with no attribute.
pub(super) fn lookup<'a>(
    block: &'a Block,
    path: &str,
) -> Vec<(&'a Block, String, Option<&'a Attr>)> {
    let segments: Vec<&str> = path.split('.').collect();
    let (key, nested) = segments.split_last().unwrap_or((&"", &[]));
    // (the block reached, its path, whether the whole chain exists)
    let mut places = vec![(block, String::new(), true)];
    for segment in nested {
        let mut deeper = Vec::new();
        for (owner, prefix, complete) in places {
            let children: Vec<&Block> = if complete {
                owner.blocks.iter().filter(|b| b.kind == *segment).collect()
            } else {
                Vec::new()
            };
            if children.is_empty() {
                deeper.push((owner, format!("{prefix}{segment}."), false));
                continue;
            }
            let many = children.len() > 1;
            for (index, child) in children.into_iter().enumerate() {
                let at = if many {
                    format!("[{index}]")
                } else {
                    String::new()
                };
                deeper.push((child, format!("{prefix}{segment}{at}."), true));
            }
        }
        places = deeper;
    }
    places
        .into_iter()
        .map(|(owner, prefix, complete)| {
            let attr = if complete { owner.attr(key) } else { None };
            (owner, prefix, attr)
        })
        .collect()
}

/// Whether a value is empty: `""`, `[]`, `{}` or `null`.
pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::List(items) => items.is_empty(),
        Value::Object(entries) => entries.is_empty(),
        _ => false,
    }
}

/// The violation for a missing attribute: on the header of the block that
/// should hold it (or the resource, when that block is missing too).
pub(super) fn missing(
    rule: &'static Rule,
    resource: &Block,
    owner: &Block,
    prefix: &str,
    key: &str,
) -> Violation {
    Violation {
        rule,
        message: format!("`{prefix}{key}` is not set."),
        start_line: owner.line,
        end_line: owner.line,
        subject: format!("{}.{prefix}{key}", resource.address()),
    }
}

/// The violation for an attribute set to a value the rule rejects.
pub(super) fn wrong(rule: &'static Rule, resource: &Block, prefix: &str, attr: &Attr) -> Violation {
    let shown = match &attr.value {
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => "this value".to_string(),
    };
    Violation {
        rule,
        message: format!("`{prefix}{}` is {shown}.", attr.key),
        start_line: attr.line,
        end_line: attr.end_line,
        subject: format!("{}.{prefix}{}", resource.address(), attr.key),
    }
}

/// A rule with Trivy's three spellings of one check id as aliases:
/// `trivy_rule!("SG-TF-030", "AWS-0028", "aws-ec2-enforce-http-token-imds",
/// High, "title", "why", "fix")`.
macro_rules! trivy_rule {
    ($id:literal, $trivy:literal, $long:literal, $severity:ident, $title:literal, $why:literal, $fix:literal $(,)?) => {
        $crate::config::Rule {
            id: $id,
            aliases: &[$trivy, concat!("AVD-", $trivy), $long],
            title: $title,
            severity: $crate::matching::severity::Severity::$severity,
            rationale: $why,
            resolution: $fix,
        }
    };
}
pub(super) use trivy_rule;

#[cfg(test)]
pub(super) mod tests {
    use super::Check;
    use crate::config::terraform::TerraformChecker;
    use crate::config::Checker;

    /// Every check's failing example fires it and its passing example does
    /// not.
    pub(crate) fn examples_hold(checks: &[Check]) {
        for check in checks {
            let ids = |hcl: &str| -> Vec<&str> {
                TerraformChecker::DEFAULT
                    .check("main.tf", hcl)
                    .unwrap_or_else(|e| panic!("{}: example does not parse: {e}", check.rule.id))
                    .into_iter()
                    .map(|v| v.rule.id)
                    .collect()
            };
            assert!(
                ids(check.bad).contains(&check.rule.id),
                "{}: failing example passes",
                check.rule.id
            );
            assert!(
                !ids(check.good).contains(&check.rule.id),
                "{}: passing example fails",
                check.rule.id
            );
        }
    }
}
