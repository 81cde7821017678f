//! Rules on pod specs: the pod itself (host namespaces, volumes, sysctls,
//! service-account token, namespace) and each of its containers, init
//! containers and ephemeral containers (security context, resources,
//! image, environment).
//!
//! A rule about a setting points at the setting's key; a rule about a
//! missing setting points at the container (its first line), as Trivy does.

use super::rules::*;
use super::Resource;
use crate::config::yaml::Node;
use crate::config::{Rule, Violation};

/// Capabilities the baseline profile allows adding.
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

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

/// Words in an environment variable's name that say its value is a secret.
const SECRET_WORDS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];
/// Name endings that say the value points at a secret rather than being one.
const REFERENCE_SUFFIXES: [&str; 5] = ["_FILE", "_PATH", "_URL", "_NAME", "_REF"];

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

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    let Some((meta, spec)) = pod_template(res) else {
        return;
    };
    check_namespace(res, out);
    check_pod(res, spec, out);
    let annotations = meta.and_then(|m| m.get("annotations"));
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in spec.get(list).map(Node::items).unwrap_or_default() {
            Container::new(res, spec, annotations, container).check(out);
        }
    }
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
    for volume in spec.get("volumes").map(Node::items).unwrap_or_default() {
        let Some((key, host)) = volume.entry("hostPath") else {
            continue;
        };
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        let path = host.get("path").and_then(Node::as_str).unwrap_or("");
        let lines = (key.line, host.last_line());
        let part = format!("volume/{name}");
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

/// One container and the pod-level settings it inherits.
struct Container<'r, 'a> {
    res: &'r Resource<'a>,
    pod_sc: Option<&'a Node>,
    annotations: Option<&'a Node>,
    node: &'a Node,
    sc: Option<&'a Node>,
    name: &'a str,
}

impl<'r, 'a> Container<'r, 'a> {
    fn new(
        res: &'r Resource<'a>,
        spec: &'a Node,
        annotations: Option<&'a Node>,
        node: &'a Node,
    ) -> Self {
        Container {
            res,
            pod_sc: spec.get("securityContext"),
            annotations,
            node,
            sc: node.get("securityContext"),
            name: node.get("name").and_then(Node::as_str).unwrap_or(""),
        }
    }

    fn push(&self, out: &mut Vec<Violation>, rule: &'static Rule, what: &str, lines: (u32, u32)) {
        self.push_about(out, rule, what, lines, "");
    }

    /// [`Self::push`] for one of several things a rule can find in a
    /// container (a capability, a port, a variable): `about` keeps their
    /// fingerprints apart.
    fn push_about(
        &self,
        out: &mut Vec<Violation>,
        rule: &'static Rule,
        what: &str,
        lines: (u32, u32),
        about: &str,
    ) {
        let mut part = format!("container/{}", self.name);
        if !about.is_empty() {
            part.push('/');
            part.push_str(about);
        }
        out.push(self.res.violation(
            rule,
            format!(
                "Container '{}' of {} {what}",
                self.name,
                self.res.describe()
            ),
            lines,
            &part,
        ));
    }

    /// The container's own lines: where a missing setting is reported.
    fn lines(&self) -> (u32, u32) {
        (self.node.line, self.node.line)
    }

    /// The key and value of a container `securityContext` setting.
    fn setting(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.sc.and_then(|sc| sc.entry(key))
    }

    fn check(&self, out: &mut Vec<Violation>) {
        self.check_security_context(out);
        self.check_capabilities(out);
        self.check_profiles(out);
        self.check_resources(out);
        self.check_image(out);
        self.check_ports_and_env(out);
    }

    fn check_security_context(&self, out: &mut Vec<Violation>) {
        let at = |(k, v): (&Node, &Node)| (k.line, v.line);
        if let Some(e) = self.setting("privileged").filter(|(_, v)| v.is_true()) {
            self.push(
                out,
                &PRIVILEGED,
                "sets securityContext.privileged: true",
                at(e),
            );
        }
        match self.setting("allowPrivilegeEscalation") {
            Some((_, v)) if v.is_false() => {}
            Some(e) => self.push(
                out,
                &PRIVILEGE_ESCALATION,
                "should set securityContext.allowPrivilegeEscalation to false",
                at(e),
            ),
            None => self.push(
                out,
                &PRIVILEGE_ESCALATION,
                "does not set securityContext.allowPrivilegeEscalation to false",
                self.lines(),
            ),
        }
        let pod_non_root = self.pod_sc.and_then(|sc| sc.get("runAsNonRoot"));
        match self.setting("runAsNonRoot") {
            Some((_, v)) if v.is_true() => {}
            Some(e) => self.push(
                out,
                &RUN_AS_NON_ROOT,
                "should set securityContext.runAsNonRoot to true",
                at(e),
            ),
            None if pod_non_root.is_some_and(Node::is_true) => {}
            None => self.push(
                out,
                &RUN_AS_NON_ROOT,
                "does not set securityContext.runAsNonRoot to true (nor does its pod)",
                self.lines(),
            ),
        }
        if let Some(e) = self
            .setting("runAsUser")
            .filter(|(_, v)| v.as_str() == Some("0"))
        {
            self.push(
                out,
                &RUN_AS_ROOT_USER,
                "sets securityContext.runAsUser: 0",
                at(e),
            );
        }
        match self.setting("readOnlyRootFilesystem") {
            Some((_, v)) if v.is_true() => {}
            Some(e) => self.push(
                out,
                &READ_ONLY_ROOT,
                "should set securityContext.readOnlyRootFilesystem to true",
                at(e),
            ),
            None => self.push(
                out,
                &READ_ONLY_ROOT,
                "does not set securityContext.readOnlyRootFilesystem to true",
                self.lines(),
            ),
        }
        if let Some(e) = self
            .setting("procMount")
            .filter(|(_, v)| v.as_str() == Some("Unmasked"))
        {
            self.push(
                out,
                &PROC_MOUNT,
                "sets securityContext.procMount: Unmasked",
                at(e),
            );
        }
    }

    fn check_capabilities(&self, out: &mut Vec<Violation>) {
        let caps = self.setting("capabilities");
        let list = |key| caps.and_then(|(_, c)| c.entry(key));
        let add = list("add");
        for cap in add.map(|(_, v)| v.items()).unwrap_or_default() {
            let Some(raw) = cap.as_str() else { continue };
            let name = raw.trim_start_matches("CAP_").to_ascii_uppercase();
            let lines = (cap.line, cap.line);
            let what = format!("adds the capability {raw}");
            match name.as_str() {
                "SYS_ADMIN" => self.push(out, &CAP_SYS_ADMIN, &what, lines),
                "NET_RAW" => self.push(out, &CAP_NET_RAW, &what, lines),
                _ => {}
            }
            if !BASELINE_CAPABILITIES.contains(&name.as_str()) {
                self.push_about(out, &CAP_ADDED, &what, lines, &name);
            }
        }
        let drop = list("drop");
        let drops_all = drop.is_some_and(|(_, v)| {
            v.items()
                .iter()
                .any(|n| n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
        });
        if !drops_all {
            let lines = drop
                .or(caps)
                .map_or(self.lines(), |(k, _)| (k.line, k.line));
            self.push(
                out,
                &CAP_DROP_ALL,
                "does not drop all capabilities (securityContext.capabilities.drop: [ALL])",
                lines,
            );
        }
    }

    fn check_profiles(&self, out: &mut Vec<Violation>) {
        let profile_type = |sc: Option<&'a Node>, key: &str| {
            sc.and_then(|sc| sc.get(key)).and_then(|p| p.entry("type"))
        };
        let seccomp =
            profile_type(self.sc, "seccompProfile").or(profile_type(self.pod_sc, "seccompProfile"));
        let legacy = self.annotation("seccomp.security.alpha.kubernetes.io/pod");
        match seccomp {
            Some((k, v)) if v.as_str() == Some("Unconfined") => {
                self.push(out, &SECCOMP_UNCONFINED, "uses the seccomp profile Unconfined", (k.line, v.line))
            }
            Some(_) => {}
            None => match legacy {
                Some((k, v)) if v.as_str() == Some("unconfined") => {
                    self.push(out, &SECCOMP_UNCONFINED, "uses the seccomp profile unconfined", (k.line, v.line))
                }
                Some(_) => {}
                None => self.push(out, &SECCOMP_UNSET, "sets no seccomp profile (securityContext.seccompProfile.type: RuntimeDefault), nor does its pod", self.lines()),
            },
        }
        let apparmor = profile_type(self.sc, "appArmorProfile")
            .or(profile_type(self.pod_sc, "appArmorProfile"));
        if let Some((k, v)) = apparmor.filter(|(_, v)| v.as_str() == Some("Unconfined")) {
            self.push(
                out,
                &APPARMOR_UNCONFINED,
                "uses the AppArmor profile Unconfined",
                (k.line, v.line),
            );
        }
        let key = format!(
            "container.apparmor.security.beta.kubernetes.io/{}",
            self.name
        );
        if let Some((k, v)) = self
            .annotation(&key)
            .filter(|(_, v)| v.as_str() == Some("unconfined"))
        {
            self.push_about(
                out,
                &APPARMOR_UNCONFINED,
                "is annotated with the AppArmor profile unconfined",
                (k.line, v.line),
                "annotation",
            );
        }
    }

    fn annotation(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.annotations.and_then(|a| a.entry(key))
    }

    fn check_resources(&self, out: &mut Vec<Violation>) {
        let resources = self.node.entry("resources");
        let checks: [(&str, &str, &'static Rule); 4] = [
            ("limits", "cpu", &CPU_LIMIT),
            ("limits", "memory", &MEMORY_LIMIT),
            ("requests", "cpu", &CPU_REQUEST),
            ("requests", "memory", &MEMORY_REQUEST),
        ];
        for (group, what, rule) in checks {
            let section = resources.and_then(|(_, r)| r.entry(group));
            if section.is_some_and(|(_, s)| s.get(what).is_some()) {
                continue;
            }
            let lines = section
                .or(resources)
                .map_or(self.lines(), |(k, _)| (k.line, k.line));
            self.push(
                out,
                rule,
                &format!("does not set resources.{group}.{what}"),
                lines,
            );
        }
    }

    fn check_image(&self, out: &mut Vec<Violation>) {
        let Some((key, value)) = self.node.entry("image") else {
            return;
        };
        let Some(image) = value.as_str() else { return };
        if image.contains('@') {
            return; // pinned by digest
        }
        let last = image.rsplit('/').next().unwrap_or(image);
        let what = match last.split_once(':') {
            None => format!("uses the image {image:?} without a tag"),
            Some((_, "latest")) => format!("uses the image {image:?} with the tag latest"),
            Some(_) => return,
        };
        self.push(out, &IMAGE_TAG, &what, (key.line, value.line));
    }

    fn check_ports_and_env(&self, out: &mut Vec<Violation>) {
        for port in self.node.get("ports").map(Node::items).unwrap_or_default() {
            if let Some((k, v)) = port
                .entry("hostPort")
                .filter(|(_, v)| v.as_str().is_some_and(|p| p != "0"))
            {
                let p = v.as_str().unwrap_or("");
                self.push_about(
                    out,
                    &HOST_PORT,
                    &format!("binds the host port {p}"),
                    (k.line, v.line),
                    p,
                );
            }
        }
        for var in self.node.get("env").map(Node::items).unwrap_or_default() {
            let name = var.get("name").and_then(Node::as_str).unwrap_or("");
            let Some((k, v)) = var.entry("value") else {
                continue;
            };
            let literal = v
                .as_str()
                .is_some_and(|s| !s.trim().is_empty() && !s.starts_with("$("));
            if literal && looks_secret(name) {
                self.push_about(
                    out,
                    &ENV_SECRET,
                    &format!("sets the secret-looking variable {name} to a literal value"),
                    (k.line, v.line),
                    name,
                );
            }
        }
    }
}

/// Whether an environment variable's name says it holds a secret.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}
