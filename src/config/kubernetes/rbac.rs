//! RBAC rules: wildcards and privilege-granting verbs in Roles and
//! ClusterRoles, and bindings to the built-in admin roles.

use super::rules::{
    RBAC_ADMIN_BINDING, RBAC_ESCALATION_VERBS, RBAC_WILDCARD_BOTH, RBAC_WILDCARD_RESOURCE,
    RBAC_WILDCARD_VERB,
};
use super::Resource;
use crate::config::yaml::Node;
use crate::config::Violation;

/// Verbs that let a subject gain permissions it was not given.
const ESCALATION_VERBS: [&str; 3] = ["escalate", "bind", "impersonate"];
/// Built-in roles that grant broad control.
const ADMIN_ROLES: [&str; 3] = ["cluster-admin", "admin", "edit"];

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    match res.kind {
        "Role" | "ClusterRole" => check_role(res, out),
        "RoleBinding" | "ClusterRoleBinding" => check_binding(res, out),
        _ => {}
    }
}

fn check_role(res: &Resource, out: &mut Vec<Violation>) {
    let rules = res.doc.get("rules").map(Node::items).unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        let part = format!("rules[{i}]");
        let list = |key| rule.entry(key);
        let has = |entry: Option<(&Node, &Node)>, word: &str| {
            entry.is_some_and(|(_, v)| v.items().iter().any(|n| n.as_str() == Some(word)))
        };
        let verbs = list("verbs");
        let resources = list("resources");
        let lines = |e: Option<(&Node, &Node)>| {
            e.map_or((rule.line, rule.line), |(k, v)| (k.line, v.last_line()))
        };
        if has(verbs, "*") && has(resources, "*") {
            out.push(res.violation(
                &RBAC_WILDCARD_BOTH,
                format!("{} allows every verb on every resource", res.describe()),
                (rule.line, rule.last_line()),
                &part,
            ));
        }
        if has(verbs, "*") {
            out.push(res.violation(
                &RBAC_WILDCARD_VERB,
                format!("{} allows every verb (`*`)", res.describe()),
                lines(verbs),
                &part,
            ));
        }
        if has(resources, "*") {
            out.push(res.violation(
                &RBAC_WILDCARD_RESOURCE,
                format!("{} applies to every resource (`*`)", res.describe()),
                lines(resources),
                &part,
            ));
        }
        let granted: Vec<&str> = ESCALATION_VERBS
            .into_iter()
            .filter(|v| has(verbs, v))
            .collect();
        if !granted.is_empty() {
            out.push(res.violation(
                &RBAC_ESCALATION_VERBS,
                format!("{} grants {}", res.describe(), granted.join(", ")),
                lines(verbs),
                &part,
            ));
        }
    }
}

fn check_binding(res: &Resource, out: &mut Vec<Violation>) {
    let Some((key, value)) = res.doc.get("roleRef").and_then(|r| r.entry("name")) else {
        return;
    };
    if let Some(role) = value.as_str().filter(|r| ADMIN_ROLES.contains(r)) {
        out.push(res.violation(
            &RBAC_ADMIN_BINDING,
            format!("{} binds the `{role}` role", res.describe()),
            (key.line, value.line),
            "roleRef",
        ));
    }
}
