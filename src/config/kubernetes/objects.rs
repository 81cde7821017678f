//! Rules on objects other than workloads and RBAC: network policies,
//! limit ranges, resource quotas, services with external addresses,
//! secrets written into ConfigMaps, and user objects in `kube-system`.

use super::rules::{ksv, KUBE_SYSTEM};
use super::Resource;
use crate::config::yaml::Node;
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity::{High, Low, Medium};

pub static NETWORK_POLICY_SELECTOR: Rule = Rule {
    id: "SG-K8S-052",
    aliases: ksv!("038", "0038"),
    title: "NetworkPolicy selects nothing",
    severity: Medium,
    rationale: "A NetworkPolicy without a `podSelector`, a `namespaceSelector` or peers selected by them does not say which traffic it restricts.",
    resolution: "Set `spec.podSelector` (`{}` for every pod of the namespace) and select the allowed peers in `ingress[].from` / `egress[].to`.",
};

pub static LIMIT_RANGE: Rule = Rule {
    id: "SG-K8S-053",
    aliases: ksv!("039", "0039"),
    title: "LimitRange without defaults and bounds",
    severity: Low,
    rationale: "A LimitRange gives containers that set no resources a default request and limit, and bounds what they may ask; one without `type`, `max`, `min`, `default` and `defaultRequest` leaves part of that open.",
    resolution: "Give a limit `type: Container` with `max`, `min`, `default` and `defaultRequest`.",
};

pub static RESOURCE_QUOTA: Rule = Rule {
    id: "SG-K8S-054",
    aliases: ksv!("040", "0040"),
    title: "ResourceQuota without CPU and memory bounds",
    severity: Low,
    rationale: "A namespace's ResourceQuota should cap `requests.cpu`, `requests.memory`, `limits.cpu` and `limits.memory`, so one namespace cannot take the whole cluster.",
    resolution: "Set all four under `spec.hard`.",
};

pub static SERVICE_EXTERNAL_IP: Rule = Rule {
    id: "SG-K8S-055",
    aliases: ksv!("0108"),
    title: "Service with external IPs or an external name",
    severity: High,
    rationale: "`externalIPs` lets a Service claim any address, intercepting traffic meant for it (CVE-2020-8554); `externalName` sends in-cluster traffic to a name outside the cluster's control.",
    resolution: "Remove `spec.externalIPs` and `spec.externalName`; use a LoadBalancer or Ingress.",
};

pub static CONFIGMAP_SECRET: Rule = Rule {
    id: "SG-K8S-056",
    aliases: ksv!("0109"),
    title: "Secret in a ConfigMap",
    severity: High,
    rationale: "ConfigMaps are not secret: anyone who can read the namespace's configuration, and the repository, reads them. A key named like a password or token, or a `password=`/`token:` line in a value, with a real value, is a credential in the clear. Empty values, templates (`{{ … }}`, `${…}`, `$(…)`) and placeholders (`INSERT_…`, `changeme`, `<password>`) are not reported.",
    resolution: "Move the value into a Secret (or an external secret store) and reference it with `secretKeyRef`.",
};

/// Words in a key or a `key=value` line that say the value is a secret
/// (Trivy's KSV-0109 list, lower case).
const SECRET_WORDS: [&str; 14] = [
    "password",
    "passphrase",
    "passwrd",
    "passwd",
    "pword",
    "pswrd",
    "pwd",
    "secretkey",
    "appsecret",
    "clientsecret",
    "secret",
    "aws_access_key_id",
    "token",
    "pass",
];
/// Key endings that say the value points at a secret rather than being one.
const REFERENCE_SUFFIXES: [&str; 8] = [
    "_file", "_path", "_url", "_name", "_ref", "file", "path", "name",
];
/// Values (lower case) that stand for "fill this in".
const PLACEHOLDERS: [&str; 12] = [
    "insert_",
    "insert-",
    "changeme",
    "change_me",
    "change-me",
    "replace_me",
    "replaceme",
    "your_",
    "your-",
    "xxx",
    "placeholder",
    "redacted",
];
/// The components Trivy lets live in `kube-system`.
const CORE_COMPONENTS: [&str; 4] = [
    "kube-apiserver",
    "etcd",
    "kube-controller-manager",
    "kube-scheduler",
];

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    check_kube_system(res, out);
    let Some((key, spec)) = res.doc.entry("spec") else {
        if res.kind == "ConfigMap" {
            check_configmap(res, out);
        }
        return;
    };
    let at = (key.line, key.line);
    match res.kind {
        "NetworkPolicy" if !has_selector(spec) => out.push(res.violation(
            &NETWORK_POLICY_SELECTOR,
            format!("{} selects neither pods nor namespaces", res.describe()),
            at,
            "spec",
        )),
        "LimitRange" => {
            let fields = ["type", "max", "min", "default", "defaultRequest"];
            let complete = spec
                .get("limits")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|l| fields.iter().all(|f| l.get(f).is_some()));
            if !complete {
                out.push(res.violation(
                    &LIMIT_RANGE,
                    format!(
                        "{} has no limit with type, max, min, default and defaultRequest",
                        res.describe()
                    ),
                    at,
                    "spec",
                ));
            }
        }
        "ResourceQuota" => {
            let fields = [
                "requests.cpu",
                "requests.memory",
                "limits.cpu",
                "limits.memory",
            ];
            let hard = spec.entry("hard");
            let missing: Vec<&str> = fields
                .into_iter()
                .filter(|f| hard.and_then(|(_, h)| h.get(f)).is_none())
                .collect();
            if !missing.is_empty() {
                let lines = hard.map_or(at, |(k, _)| (k.line, k.line));
                out.push(res.violation(
                    &RESOURCE_QUOTA,
                    format!("{} sets no hard {}", res.describe(), missing.join(", ")),
                    lines,
                    "spec",
                ));
            }
        }
        "Service" => {
            let ips = spec
                .entry("externalIPs")
                .filter(|(_, v)| !v.items().is_empty());
            let name = spec
                .entry("externalName")
                .filter(|(_, v)| v.as_str().is_some());
            if let Some((k, v)) = ips.or(name) {
                out.push(res.violation(
                    &SERVICE_EXTERNAL_IP,
                    format!("{} sets {}", res.describe(), k.as_str().unwrap_or("")),
                    (k.line, v.last_line()),
                    "external",
                ));
            }
        }
        "ConfigMap" => check_configmap(res, out),
        _ => {}
    }
}

/// Trivy's KSV-0038 test: any pod or namespace selector, on the policy or
/// on one of its peers.
fn has_selector(spec: &Node) -> bool {
    let peers = |dir: &str, side: &str| {
        spec.get(dir)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .flat_map(|r| r.get(side).map(Node::items).unwrap_or_default())
            .any(|p| p.get("podSelector").is_some() || p.get("namespaceSelector").is_some())
    };
    spec.entry("podSelector").is_some()
        || spec.entry("namespaceSelector").is_some()
        || peers("ingress", "from")
        || peers("egress", "to")
}

fn check_kube_system(res: &Resource, out: &mut Vec<Violation>) {
    if res.namespace != Some("kube-system") || res.doc.get("spec").is_none() {
        return;
    }
    let labels = res.doc.path(&["metadata", "labels"]);
    let label = |k| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
    let core = label("tier") == Some("control-plane")
        && label("component").is_some_and(|c| CORE_COMPONENTS.contains(&c))
        && res
            .doc
            .path(&["spec", "priorityClassName"])
            .and_then(Node::as_str)
            == Some("system-node-critical");
    if core {
        return;
    }
    if let Some((k, v)) = res.doc.get("metadata").and_then(|m| m.entry("namespace")) {
        out.push(res.violation(
            &KUBE_SYSTEM,
            format!("{} is in the kube-system namespace", res.describe()),
            (k.line, v.line),
            "namespace",
        ));
    }
}

/// One finding per ConfigMap, on its first secret-looking key; the
/// message names them all.
fn check_configmap(res: &Resource, out: &mut Vec<Violation>) {
    let Some(data) = res.doc.get("data") else {
        return;
    };
    let mut found: Vec<(&Node, String)> = Vec::new();
    for (key, value) in data.entries() {
        let name = key.as_str().unwrap_or("");
        let text = value.as_str().unwrap_or("");
        if secret_name(name) && real_value(text) {
            found.push((key, name.to_string()));
            continue;
        }
        if let Some(inner) = text.lines().find_map(secret_line) {
            found.push((key, format!("{name} ({inner})")));
        }
    }
    let Some((first, _)) = found.first() else {
        return;
    };
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    out.push(res.violation(
        &CONFIGMAP_SECRET,
        format!(
            "{} stores secret-looking values under {}",
            res.describe(),
            names.join(", ")
        ),
        (first.line, first.line),
        "data",
    ));
}

/// Whether a key names a secret (and not a reference to one).
fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| contains_word(&lower, w))
        && !REFERENCE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// `word` in `text`; the short `pass` and `pwd` only as a whole word (so
/// `bypass` and `compass` are not passwords).
fn contains_word(text: &str, word: &str) -> bool {
    if word.len() > 4 {
        return text.contains(word);
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| part == word)
}

/// A `password = value` / `token: value` line of a value: the key, when
/// the value is real.
fn secret_line(line: &str) -> Option<String> {
    let (key, value) = line.split_once(['=', ':'])?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.contains(' ') || !secret_name(key) {
        return None;
    }
    real_value(value).then(|| key.to_string())
}

/// Whether a value is a literal credential: not empty, not a template or a
/// reference, not a placeholder, not a number or a boolean.
fn real_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim();
    let lower = v.to_ascii_lowercase();
    !(v.is_empty()
        || ["${", "$(", "{{", "<", "%"]
            .iter()
            .any(|p| v.starts_with(p))
        || v.contains("{{")
        || PLACEHOLDERS.iter().any(|p| lower.starts_with(p))
        || matches!(lower.as_str(), "true" | "false" | "null" | "none")
        || v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}
