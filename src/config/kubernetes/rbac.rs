//! RBAC rules: what Roles and ClusterRoles grant, and who bindings give
//! it to.
//!
//! Most of Trivy's RBAC checks share one shape ("a rule of a Role or
//! ClusterRole that names one of these resources with one of these
//! verbs"), so they are data: one [`Grant`] per rule in [`GRANTS`]. A grant
//! that needs two rules of the same role (create a binding, then bind any
//! role) names the second in [`Grant::then`]. Each match is reported on
//! the offending rule's lines.

use super::rules::{
    ksv, RBAC_ADMIN_BINDING, RBAC_ESCALATION_VERBS, RBAC_WILDCARD_BOTH, RBAC_WILDCARD_RESOURCE,
    RBAC_WILDCARD_VERB,
};
use super::Resource;
use crate::config::yaml::Node;
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity::{Critical, High, Low, Medium};

/// Verbs that let a subject gain permissions it was not given.
const ESCALATION_VERBS: [&str; 3] = ["escalate", "bind", "impersonate"];
/// Built-in roles that grant broad control.
const ADMIN_ROLES: [&str; 3] = ["cluster-admin", "admin", "edit"];
/// Verbs that change an object (Trivy's list for the "manage" checks).
const WRITE_VERBS: &[&str] = &[
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
];
/// Every verb that reads or writes (Trivy's list for the secrets checks).
const READ_WRITE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
];
/// Trivy's verbs for "manage all resources".
const MANAGE_ALL_VERBS: &[&str] = &[
    "create",
    "update",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
    "list",
    "get",
];
const ROLE: &[&str] = &["Role"];
const CLUSTER_ROLE: &[&str] = &["ClusterRole"];
const ANY_ROLE: &[&str] = &["Role", "ClusterRole"];
const RBAC_GROUP: &[&str] = &["rbac.authorization.k8s.io"];
const ALL_GROUPS: &[&str] = &["*"];

/// What one rule of a role must hold for a [`Grant`] to match. An empty
/// list means "anything".
struct RuleMatch {
    api_groups: &'static [&'static str],
    /// Any of these resources.
    resources: &'static [&'static str],
    /// Any of these verbs.
    verbs: &'static [&'static str],
    /// Every one of these verbs as well.
    all_verbs: &'static [&'static str],
    /// Any of these `resourceNames`.
    resource_names: &'static [&'static str],
}

/// A shorthand for the common case: resources and verbs only.
const fn on(resources: &'static [&'static str], verbs: &'static [&'static str]) -> RuleMatch {
    RuleMatch {
        api_groups: &[],
        resources,
        verbs,
        all_verbs: &[],
        resource_names: &[],
    }
}

/// A permission a role should not grant.
struct Grant {
    rule: &'static Rule,
    /// `Role`, `ClusterRole` or both.
    kinds: &'static [&'static str],
    first: RuleMatch,
    /// A later rule of the same role that must match too.
    then: Option<RuleMatch>,
}

pub static MANAGE_SECRETS: Rule = Rule {
    id: "SG-K8S-057",
    aliases: ksv!("041", "0041"),
    title: "ClusterRole can read or manage secrets",
    severity: Critical,
    rationale: "Any verb on `secrets` cluster-wide reads every credential of the cluster, service-account tokens included.",
    resolution: "Grant access to named secrets in one namespace with a Role (`resourceNames: [app-db]`).",
};

pub static DELETE_POD_LOGS: Rule = Rule {
    id: "SG-K8S-058",
    aliases: ksv!("042", "0042"),
    title: "Role can delete pod logs",
    severity: Medium,
    rationale: "Deleting `pods/log` lets an attacker erase the traces of what they did.",
    resolution: "Remove `delete`/`deletecollection`/`*` on `pods/log`.",
};

pub static IMPERSONATE_GROUPS: Rule = Rule {
    id: "SG-K8S-059",
    aliases: ksv!("043", "0043"),
    title: "Role can impersonate groups",
    severity: Critical,
    rationale: "`impersonate` on `groups` in every API group lets the subject act as a member of any group, `system:masters` included.",
    resolution: "Remove the `impersonate` verb on `groups`.",
};

pub static NODE_PROXY: Rule = Rule {
    id: "SG-K8S-060",
    aliases: ksv!("047", "0047"),
    title: "Role can use the node proxy",
    severity: High,
    rationale: "`get` or `create` on `nodes/proxy` reaches the kubelet API directly, around admission control and audit: exec into any pod on the node.",
    resolution: "Remove access to `nodes/proxy`.",
};

pub static MANAGE_WORKLOADS: Rule = Rule {
    id: "SG-K8S-061",
    aliases: ksv!("048", "0048"),
    title: "Role can create or change workloads",
    severity: Medium,
    rationale: "Creating or updating pods and workload controllers lets the subject run any image with any service account of the namespace, and so use its permissions.",
    resolution: "Limit workload changes to the deploying identity; give people read-only access.",
};

pub static MANAGE_CONFIGMAPS: Rule = Rule {
    id: "SG-K8S-062",
    aliases: ksv!("049", "0049"),
    title: "Role can change configmaps",
    severity: Medium,
    rationale: "ConfigMaps drive the behaviour of workloads and of cluster components (`aws-auth`, CoreDNS): changing them changes what runs and who gets in.",
    resolution: "Remove write verbs on `configmaps`, or restrict them with `resourceNames`.",
};

pub static MANAGE_RBAC: Rule = Rule {
    id: "SG-K8S-063",
    aliases: ksv!("050", "0050"),
    title: "Role can escalate through roles or bindings",
    severity: Critical,
    rationale: "`escalate`, `bind`, `impersonate` or `*` on `roles`/`rolebindings` lets the subject grant itself permissions it does not hold.",
    resolution: "Remove these verbs on RBAC resources.",
};

pub static BIND_ANY_ROLE: Rule = Rule {
    id: "SG-K8S-064",
    aliases: ksv!("051", "0051"),
    title: "Role can create bindings to any role",
    severity: High,
    rationale: "`create` on `rolebindings` together with `bind` on every role (`resourceNames: [\"*\"]`) lets the subject bind itself to any role, admin included.",
    resolution: "Restrict `bind` to the named roles it may hand out.",
};

pub static BIND_ANY_CLUSTER_ROLE: Rule = Rule {
    id: "SG-K8S-065",
    aliases: ksv!("052", "0052"),
    title: "Role can create cluster role bindings to any cluster role",
    severity: High,
    rationale: "`create` on `clusterrolebindings` together with `bind` on every cluster role lets the subject make itself cluster-admin.",
    resolution: "Restrict `bind` to the named cluster roles it may hand out.",
};

pub static EXEC_PODS: Rule = Rule {
    id: "SG-K8S-066",
    aliases: ksv!("053", "0053"),
    title: "Role can exec into pods",
    severity: High,
    rationale: "`create` on `pods/exec` opens a shell in any pod of the scope, with that pod's secrets and service account.",
    resolution: "Remove access to `pods/exec`; debug with ephemeral containers under a separate, audited role.",
};

pub static ATTACH_PODS: Rule = Rule {
    id: "SG-K8S-067",
    aliases: ksv!("054", "0054"),
    title: "Role can attach to pods",
    severity: High,
    rationale: "`create` on `pods/attach` with `get` on `pods` attaches to the running process of any pod: its input, output and whatever it prints.",
    resolution: "Remove access to `pods/attach`.",
};

pub static ROLEBINDING_PATCH: Rule = Rule {
    id: "SG-K8S-068",
    aliases: ksv!("055", "0055"),
    title: "Role can add subjects to role bindings",
    severity: Low,
    rationale: "`get` and `patch` on `rolebindings` let a subject add other users to the bindings it can see.",
    resolution: "Remove `patch` on `rolebindings`.",
};

pub static MANAGE_NETWORKING: Rule = Rule {
    id: "SG-K8S-069",
    aliases: ksv!("056", "0056"),
    title: "Role can change networking",
    severity: High,
    rationale: "Changing services, endpoints, network policies or ingresses lets the subject redirect traffic or open the network to other pods.",
    resolution: "Remove write verbs on networking resources.",
};

pub static MANAGE_ALL_IN_NAMESPACE: Rule = Rule {
    id: "SG-K8S-070",
    aliases: ksv!("112", "0112"),
    title: "Role manages every resource of its namespace",
    severity: Critical,
    rationale: "`resources: [\"*\"]` with a reading or writing verb in a namespaced Role covers the namespace's secrets, workloads and RBAC objects.",
    resolution: "List the resources needed.",
};

pub static MANAGE_NAMESPACE_SECRETS: Rule = Rule {
    id: "SG-K8S-071",
    aliases: ksv!("113", "0113"),
    title: "Role can read or manage secrets",
    severity: Medium,
    rationale: "Any verb on `secrets` reads every credential of the namespace, service-account tokens included.",
    resolution: "Restrict the rule to the secrets needed with `resourceNames`.",
};

pub static MANAGE_WEBHOOKS: Rule = Rule {
    id: "SG-K8S-072",
    aliases: ksv!("114", "0114"),
    title: "Role can change admission webhooks",
    severity: Critical,
    rationale: "Mutating and validating webhook configurations see and can rewrite every object sent to the API server: secrets, pods, RBAC.",
    resolution: "Remove write verbs on `mutatingwebhookconfigurations` and `validatingwebhookconfigurations`.",
};

pub static MANAGE_AWS_AUTH: Rule = Rule {
    id: "SG-K8S-073",
    aliases: ksv!("115", "0115"),
    title: "Role can change the EKS aws-auth ConfigMap",
    severity: Critical,
    rationale: "`aws-auth` maps AWS identities to Kubernetes users and groups: changing it grants any AWS principal `system:masters`.",
    resolution: "Remove write verbs on the `aws-auth` configmap.",
};

pub static ANONYMOUS_BINDING: Rule = Rule {
    id: "SG-K8S-074",
    aliases: ksv!("122", "0122"),
    title: "Binding to anonymous users",
    severity: Critical,
    rationale: "A binding whose subject is `system:anonymous` or `system:unauthenticated` gives its role to anyone who can reach the API server, without credentials.",
    resolution: "Remove the anonymous subject; bind named users, groups or service accounts.",
};

pub static MASTERS_BINDING: Rule = Rule {
    id: "SG-K8S-075",
    aliases: ksv!("0123", "0123"),
    title: "Binding to system:masters",
    severity: Critical,
    rationale: "Members of `system:masters` bypass RBAC entirely; binding roles to it is meaningless at best and a sign of a misunderstood access model.",
    resolution: "Bind a dedicated group instead of `system:masters`.",
};

/// Every role check that is a pattern over the role's rules.
static GRANTS: &[Grant] = &[
    Grant {
        rule: &RBAC_WILDCARD_BOTH,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: ALL_GROUPS,
            ..on(&["*"], &["*"])
        },
        then: None,
    },
    Grant {
        rule: &RBAC_WILDCARD_VERB,
        kinds: ANY_ROLE,
        first: on(
            &[
                "secrets",
                "pods",
                "deployments",
                "daemonsets",
                "statefulsets",
                "replicationcontrollers",
                "replicasets",
                "cronjobs",
                "jobs",
                "roles",
                "clusterroles",
                "rolebindings",
                "clusterrolebindings",
                "users",
                "groups",
            ],
            &["*"],
        ),
        then: None,
    },
    Grant {
        rule: &RBAC_WILDCARD_RESOURCE,
        kinds: CLUSTER_ROLE,
        first: on(&["*"], MANAGE_ALL_VERBS),
        then: None,
    },
    Grant {
        rule: &MANAGE_ALL_IN_NAMESPACE,
        kinds: ROLE,
        first: on(&["*"], MANAGE_ALL_VERBS),
        then: None,
    },
    Grant {
        rule: &MANAGE_SECRETS,
        kinds: CLUSTER_ROLE,
        first: on(&["secrets"], READ_WRITE_VERBS),
        then: None,
    },
    Grant {
        rule: &MANAGE_NAMESPACE_SECRETS,
        kinds: ROLE,
        first: on(&["secrets"], READ_WRITE_VERBS),
        then: None,
    },
    Grant {
        rule: &DELETE_POD_LOGS,
        kinds: ANY_ROLE,
        first: on(&["pods/log"], &["delete", "deletecollection", "*"]),
        then: None,
    },
    Grant {
        rule: &IMPERSONATE_GROUPS,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: ALL_GROUPS,
            ..on(&["groups"], &["impersonate"])
        },
        then: None,
    },
    Grant {
        rule: &NODE_PROXY,
        kinds: ANY_ROLE,
        first: on(&["nodes/proxy"], &["get", "create"]),
        then: None,
    },
    Grant {
        rule: &MANAGE_WORKLOADS,
        kinds: ANY_ROLE,
        first: on(
            &[
                "pods",
                "deployments",
                "jobs",
                "cronjobs",
                "statefulsets",
                "daemonsets",
                "replicasets",
                "replicationcontrollers",
            ],
            WRITE_VERBS,
        ),
        then: None,
    },
    Grant {
        rule: &MANAGE_CONFIGMAPS,
        kinds: ANY_ROLE,
        first: on(&["configmaps"], WRITE_VERBS),
        then: None,
    },
    Grant {
        rule: &MANAGE_RBAC,
        kinds: ANY_ROLE,
        first: on(
            &["roles", "rolebindings"],
            &["escalate", "bind", "impersonate", "*"],
        ),
        then: None,
    },
    Grant {
        rule: &BIND_ANY_ROLE,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: RBAC_GROUP,
            ..on(&["rolebindings"], &["create"])
        },
        then: Some(RuleMatch {
            api_groups: RBAC_GROUP,
            resource_names: &["*"],
            ..on(&["clusterroles", "roles"], &["bind"])
        }),
    },
    Grant {
        rule: &BIND_ANY_CLUSTER_ROLE,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: RBAC_GROUP,
            ..on(&["clusterrolebindings"], &["create"])
        },
        then: Some(RuleMatch {
            resource_names: &["*"],
            ..on(&["clusterroles"], &["bind"])
        }),
    },
    Grant {
        rule: &EXEC_PODS,
        kinds: ANY_ROLE,
        first: on(&["pods/exec"], WRITE_VERBS),
        then: None,
    },
    Grant {
        rule: &ATTACH_PODS,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: ALL_GROUPS,
            ..on(&["pods/attach"], &["create"])
        },
        then: Some(RuleMatch {
            api_groups: ALL_GROUPS,
            ..on(&["pods"], &["get"])
        }),
    },
    Grant {
        rule: &ROLEBINDING_PATCH,
        kinds: ANY_ROLE,
        first: RuleMatch {
            api_groups: ALL_GROUPS,
            all_verbs: &["get", "patch"],
            ..on(&["rolebindings"], &[])
        },
        then: None,
    },
    Grant {
        rule: &MANAGE_NETWORKING,
        kinds: ANY_ROLE,
        first: on(
            &[
                "services",
                "endpoints",
                "endpointslices",
                "networkpolicies",
                "ingresses",
            ],
            WRITE_VERBS,
        ),
        then: None,
    },
    Grant {
        rule: &MANAGE_WEBHOOKS,
        kinds: ANY_ROLE,
        first: on(
            &[
                "mutatingwebhookconfigurations",
                "validatingwebhookconfigurations",
            ],
            WRITE_VERBS,
        ),
        then: None,
    },
    Grant {
        rule: &MANAGE_AWS_AUTH,
        kinds: ANY_ROLE,
        first: RuleMatch {
            resource_names: &["aws-auth"],
            ..on(&["configmaps"], WRITE_VERBS)
        },
        then: None,
    },
];

/// Subjects that must not be bound, and the rule each breaks.
const FORBIDDEN_SUBJECTS: [(&str, &Rule); 3] = [
    ("system:anonymous", &ANONYMOUS_BINDING),
    ("system:unauthenticated", &ANONYMOUS_BINDING),
    ("system:masters", &MASTERS_BINDING),
];

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    match res.kind {
        "Role" | "ClusterRole" => check_role(res, out),
        "RoleBinding" | "ClusterRoleBinding" => check_binding(res, out),
        _ => {}
    }
}

/// Whether the list under `key` of a role's rule holds `word`.
fn lists(rule: &Node, key: &str, word: &str) -> bool {
    rule.get(key)
        .is_some_and(|v| v.items().iter().any(|n| n.as_str() == Some(word)))
}

impl RuleMatch {
    fn matches(&self, rule: &Node) -> bool {
        let any = |key: &str, words: &[&str]| {
            words.is_empty() || words.iter().any(|w| lists(rule, key, w))
        };
        any("apiGroups", self.api_groups)
            && any("resources", self.resources)
            && any("verbs", self.verbs)
            && self.all_verbs.iter().all(|w| lists(rule, "verbs", w))
            && any("resourceNames", self.resource_names)
    }
}

fn check_role(res: &Resource, out: &mut Vec<Violation>) {
    let rules = res.doc.get("rules").map(Node::items).unwrap_or_default();
    for grant in GRANTS.iter().filter(|g| g.kinds.contains(&res.kind)) {
        for (i, rule) in rules.iter().enumerate() {
            let later = |m: &RuleMatch| rules[i + 1..].iter().any(|r| m.matches(r));
            if grant.first.matches(rule) && grant.then.as_ref().is_none_or(later) {
                out.push(res.violation(
                    grant.rule,
                    format!("{}: {}", res.describe(), grant.rule.title),
                    (rule.line, rule.last_line()),
                    &format!("rules[{i}]"),
                ));
            }
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        let granted: Vec<&str> = ESCALATION_VERBS
            .into_iter()
            .filter(|v| lists(rule, "verbs", v))
            .collect();
        if !granted.is_empty() {
            let verbs = rule.entry("verbs");
            let lines = verbs.map_or((rule.line, rule.line), |(k, v)| (k.line, v.last_line()));
            out.push(res.violation(
                &RBAC_ESCALATION_VERBS,
                format!("{} grants {}", res.describe(), granted.join(", ")),
                lines,
                &format!("rules[{i}]"),
            ));
        }
    }
}

fn check_binding(res: &Resource, out: &mut Vec<Violation>) {
    if let Some((key, value)) = res.doc.get("roleRef").and_then(|r| r.entry("name")) {
        if let Some(role) = value.as_str().filter(|r| ADMIN_ROLES.contains(r)) {
            out.push(res.violation(
                &RBAC_ADMIN_BINDING,
                format!("{} binds the `{role}` role", res.describe()),
                (key.line, value.line),
                "roleRef",
            ));
        }
    }
    let subjects = res.doc.get("subjects").map(Node::items).unwrap_or_default();
    for subject in subjects {
        let Some((key, name)) = subject.entry("name") else {
            continue;
        };
        let name = name.as_str().unwrap_or("");
        for (forbidden, rule) in FORBIDDEN_SUBJECTS {
            if name == forbidden {
                out.push(res.violation(
                    rule,
                    format!("{} binds its role to `{name}`", res.describe()),
                    (key.line, key.line),
                    &format!("subject/{name}"),
                ));
            }
        }
    }
}
