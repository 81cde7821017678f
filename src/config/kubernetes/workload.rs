//! Rules on pod specs: the pod itself (host namespaces, volumes, sysctls,
//! service-account token, namespace, pod security context); each of its
//! containers, init containers and ephemeral containers is checked by
//! [`super::container`].
//!
//! A rule about a setting points at the setting's key; a rule about a
//! missing setting points at the container (its first line), as Trivy does.

use super::container::Container;
use super::rules::*;
use super::Resource;
use crate::config::yaml::Node;
use crate::config::{CheckOptions, Rule, Violation};

/// Sysctls the baseline profile allows (namespaced, safe).
const SAFE_SYSCTLS: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Volume types the restricted profile does not allow (Trivy's KSV-0028
/// list; `hostPath` has rules of its own).
const NON_CORE_VOLUMES: [&str; 19] = [
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephFS",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];
/// Node directories a pod must not mount (Trivy's KSV-0121 list).
const SYSTEM_DIRECTORIES: [&str; 9] = [
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/var/lib/docker",
];
/// Where the kubelet mounts the service-account token.
const TOKEN_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The pod template of a workload: its metadata and spec.
fn pod_template<'a>(res: &Resource<'a>) -> Option<(Option<&'a Node>, &'a Node)> {
    let doc = res.doc;
    let template = match res.kind {
        "Pod" => doc,
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => doc.path(&["spec", "template"])?,
        "CronJob" => doc.path(&["spec", "jobTemplate", "spec", "template"])?,
        _ => return None,
    };
    Some((template.get("metadata"), template.get("spec")?))
}

pub(super) fn check(res: &Resource, options: &CheckOptions, out: &mut Vec<Violation>) {
    let Some((meta, spec)) = pod_template(res) else {
        return;
    };
    check_namespace(res, out);
    check_pod(res, spec, out);
    check_pod_security_context(res, spec, out);
    let annotations = meta.and_then(|m| m.get("annotations"));
    let tiller_pod = res.doc.get("metadata").is_some_and(is_tiller) || meta.is_some_and(is_tiller);
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in spec.get(list).map(Node::items).unwrap_or_default() {
            Container::new(res, spec, annotations, container).check(options, tiller_pod, out);
        }
    }
}

/// Trivy's KSV-0102 test of an object's metadata: named like Tiller, or
/// labelled as Helm 2's server.
fn is_tiller(metadata: &Node) -> bool {
    let field = |path: &[&str]| metadata.path(path).and_then(Node::as_str);
    field(&["name"]).is_some_and(|n| n.contains("tiller"))
        || field(&["labels", "app"]) == Some("helm")
        || field(&["labels", "name"]) == Some("tiller")
}

fn check_namespace(res: &Resource, out: &mut Vec<Violation>) {
    let meta = res.doc.entry("metadata");
    match meta.and_then(|(_, m)| m.entry("namespace")) {
        Some((key, value)) if value.as_str() == Some("default") => out.push(res.violation(
            &DEFAULT_NAMESPACE,
            format!("{} is in the default namespace", res.describe()),
            (key.line, value.line),
            "namespace",
        )),
        Some(_) => {}
        None => {
            let lines = meta.map_or((res.doc.line, res.doc.line), |(k, v)| {
                (k.line, v.last_line())
            });
            out.push(res.violation(
                &DEFAULT_NAMESPACE,
                format!(
                    "{} sets no metadata.namespace: it lands in the default namespace unless one is given when applied",
                    res.describe()
                ),
                lines,
                "namespace",
            ));
        }
    }
}

fn check_pod(res: &Resource, spec: &Node, out: &mut Vec<Violation>) {
    let flags: [(&str, &'static Rule); 4] = [
        ("hostNetwork", &HOST_NETWORK),
        ("hostPID", &HOST_PID),
        ("hostIPC", &HOST_IPC),
        ("automountServiceAccountToken", &SERVICE_ACCOUNT_TOKEN),
    ];
    for (key, rule) in flags {
        if let Some((k, v)) = spec.entry(key).filter(|(_, v)| v.is_true()) {
            out.push(res.violation(
                rule,
                format!("{} sets {key}: true", res.describe()),
                (k.line, v.line),
                key,
            ));
        }
    }
    if spec.get("automountServiceAccountToken").is_none() {
        check_token_mount(res, spec, out);
    }
    if let Some((k, v)) = spec.entry("hostAliases") {
        out.push(res.violation(
            &HOST_ALIASES,
            format!("{} sets hostAliases", res.describe()),
            (k.line, v.last_line()),
            "hostAliases",
        ));
    }
    for volume in spec.get("volumes").map(Node::items).unwrap_or_default() {
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        for (k, v) in volume.entries() {
            let kind = k.as_str().unwrap_or("");
            if NON_CORE_VOLUMES.contains(&kind) {
                out.push(res.violation(
                    &NON_CORE_VOLUME,
                    format!("{} uses a {kind} volume ('{name}')", res.describe()),
                    (k.line, v.last_line()),
                    &format!("volume/{name}"),
                ));
            }
        }
        let Some((key, host)) = volume.entry("hostPath") else {
            continue;
        };
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        let path = host.get("path").and_then(Node::as_str).unwrap_or("");
        let lines = (key.line, host.last_line());
        let part = format!("volume/{name}");
        let normalized = match path.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        };
        if SYSTEM_DIRECTORIES.contains(&normalized) {
            out.push(res.violation(
                &SENSITIVE_HOST_PATH,
                format!("{} mounts the node's {path:?}", res.describe()),
                lines,
                &part,
            ));
        }
        out.push(res.violation(
            &HOST_PATH,
            format!(
                "{} mounts the host path {path:?} (volume '{name}')",
                res.describe()
            ),
            lines,
            &part,
        ));
        if path.ends_with("docker.sock") {
            out.push(res.violation(
                &DOCKER_SOCKET,
                format!("{} mounts the Docker socket {path:?}", res.describe()),
                lines,
                &part,
            ));
        }
    }
    let sysctls = spec
        .path(&["securityContext", "sysctls"])
        .map(Node::items)
        .unwrap_or_default();
    for sysctl in sysctls {
        if let Some((key, name)) = sysctl.entry("name") {
            let name = name.as_str().unwrap_or("");
            if !SAFE_SYSCTLS.contains(&name) {
                out.push(res.violation(
                    &UNSAFE_SYSCTL,
                    format!("{} sets the unsafe sysctl {name}", res.describe()),
                    (key.line, key.line),
                    &format!("sysctl/{name}"),
                ));
            }
        }
    }
    if let Some((key, value)) = spec
        .get("securityContext")
        .and_then(|sc| sc.entry("runAsUser"))
        .filter(|(_, v)| v.as_str() == Some("0"))
    {
        out.push(res.violation(
            &RUN_AS_ROOT_USER,
            format!("{} sets securityContext.runAsUser: 0", res.describe()),
            (key.line, value.line),
            "pod",
        ));
    }
}

/// KSV-0036 when `automountServiceAccountToken` is not set: a container
/// that mounts the token path by hand.
fn check_token_mount(res: &Resource, spec: &Node, out: &mut Vec<Violation>) {
    let containers = ["initContainers", "containers"]
        .into_iter()
        .flat_map(|l| spec.get(l).map(Node::items).unwrap_or_default());
    for mount in containers.flat_map(|c| c.get("volumeMounts").map(Node::items).unwrap_or_default())
    {
        if let Some((k, v)) = mount.entry("mountPath").filter(|(_, v)| {
            v.as_str()
                .is_some_and(|p| p.trim_end_matches('/') == TOKEN_MOUNT)
        }) {
            out.push(res.violation(
                &SERVICE_ACCOUNT_TOKEN,
                format!(
                    "{} mounts the service-account token at {TOKEN_MOUNT}",
                    res.describe()
                ),
                (k.line, v.line),
                "automountServiceAccountToken",
            ));
            return;
        }
    }
}

/// The pod's own `securityContext`: missing altogether, root group, SELinux
/// options, Windows host processes.
fn check_pod_security_context(res: &Resource, spec: &Node, out: &mut Vec<Violation>) {
    let Some(sc) = spec
        .get("securityContext")
        .filter(|sc| !sc.entries().is_empty())
    else {
        let lines = spec.get("securityContext").map_or(spec.line, |n| n.line);
        out.push(res.violation(
            &DEFAULT_SECURITY_CONTEXT,
            format!("{} sets no pod securityContext", res.describe()),
            (lines, lines),
            "pod",
        ));
        return;
    };
    let zero = |n: &Node| n.as_str() == Some("0");
    let root_group = ["runAsGroup", "fsGroup"]
        .into_iter()
        .filter_map(|key| sc.entry(key))
        .find(|(_, v)| zero(v))
        .map(|(k, v)| (k.line, v.line))
        .or_else(|| {
            sc.get("supplementalGroups")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .find(|g| zero(g))
                .map(|g| (g.line, g.line))
        });
    if let Some(lines) = root_group {
        out.push(res.violation(
            &ROOT_GROUP,
            format!("{} runs with the root group (GID 0)", res.describe()),
            lines,
            "pod",
        ));
    }
    if let Some(lines) = bad_selinux(sc) {
        out.push(res.violation(
            &SELINUX_OPTIONS,
            format!("{} sets custom SELinux options", res.describe()),
            lines,
            "pod",
        ));
    }
    if let Some((k, v)) = sc
        .get("windowsOptions")
        .and_then(|w| w.entry("hostProcess"))
        .filter(|(_, v)| v.is_true())
    {
        out.push(res.violation(
            &WINDOWS_HOST_PROCESS,
            format!("{} runs as a Windows HostProcess pod", res.describe()),
            (k.line, v.line),
            "pod",
        ));
    }
}

/// Allowed SELinux types (the baseline profile's list).
const SELINUX_TYPES: [&str; 3] = ["container_t", "container_init_t", "container_kvm_t"];

/// The lines of a `seLinuxOptions` that sets a user, a role or a type
/// outside the allowed ones.
pub(super) fn bad_selinux(sc: &Node) -> Option<(u32, u32)> {
    let (key, options) = sc.entry("seLinuxOptions")?;
    let bad_type = options
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| !SELINUX_TYPES.contains(&t));
    let forbidden = options.get("user").is_some() || options.get("role").is_some();
    (bad_type || forbidden).then(|| (key.line, options.last_line()))
}
