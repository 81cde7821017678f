//! Rules on one container of a pod: its security context (with the fields
//! it inherits from the pod's), capabilities, seccomp and AppArmor
//! profiles, resources, image, ports and environment.
//!
//! As in Kubernetes (and Trivy), `runAsUser`, `runAsGroup`,
//! `runAsNonRoot`, `seLinuxOptions`, `seccompProfile` and `windowsOptions`
//! set on the pod apply to every container that does not set them itself.

use super::rules::*;
use super::workload::bad_selinux;
use super::Resource;
use crate::config::yaml::Node;
use crate::config::{CheckOptions, Rule, Violation};

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
/// Pod security-context fields a container inherits.
const INHERITED: [&str; 6] = [
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
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
/// UIDs and GIDs up to this one collide with the node's own users.
const HIGHEST_HOST_ID: i64 = 10000;

/// One container and the pod-level settings it inherits.
pub(super) struct Container<'r, 'a> {
    res: &'r Resource<'a>,
    pod_sc: Option<&'a Node>,
    annotations: Option<&'a Node>,
    node: &'a Node,
    sc: Option<&'a Node>,
    name: &'a str,
}

impl<'r, 'a> Container<'r, 'a> {
    pub(super) fn new(
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
    /// container (a port, a variable): `about` keeps their fingerprints
    /// apart.
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

    /// [`Self::setting`], else the pod's for the fields a container
    /// inherits.
    fn effective(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.setting(key).or_else(|| {
            INHERITED
                .contains(&key)
                .then(|| self.pod_sc.and_then(|sc| sc.entry(key)))
                .flatten()
        })
    }

    pub(super) fn check(&self, options: &CheckOptions, tiller_pod: bool, out: &mut Vec<Violation>) {
        self.check_security_context(out);
        self.check_ids(out);
        self.check_capabilities(out);
        self.check_profiles(out);
        self.check_resources(out);
        self.check_image(options, tiller_pod, out);
        self.check_ports_and_env(out);
    }

    fn check_security_context(&self, out: &mut Vec<Violation>) {
        let at = |(k, v): (&Node, &Node)| (k.line, v.line);
        let inherited = INHERITED.iter().any(|k| self.effective(k).is_some());
        if self.sc.is_none_or(|sc| sc.entries().is_empty()) && !inherited {
            self.push(
                out,
                &DEFAULT_SECURITY_CONTEXT,
                "sets no securityContext (nor does its pod)",
                self.lines(),
            );
        }
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
        match self.effective("runAsNonRoot") {
            Some((_, v)) if v.is_true() => {}
            Some(e) => self.push(
                out,
                &RUN_AS_NON_ROOT,
                "should set securityContext.runAsNonRoot to true",
                at(e),
            ),
            None => self.push(
                out,
                &RUN_AS_NON_ROOT,
                "does not set securityContext.runAsNonRoot to true (nor does its pod)",
                self.lines(),
            ),
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
        if let Some(lines) = self.sc.and_then(bad_selinux) {
            self.push(out, &SELINUX_OPTIONS, "sets custom SELinux options", lines);
        }
        if let Some(e) = self
            .setting("windowsOptions")
            .and_then(|(_, w)| w.entry("hostProcess"))
            .filter(|(_, v)| v.is_true())
        {
            self.push(
                out,
                &WINDOWS_HOST_PROCESS,
                "runs as a Windows HostProcess container",
                at(e),
            );
        }
    }

    /// `runAsUser` and `runAsGroup`: root, and IDs shared with the node.
    fn check_ids(&self, out: &mut Vec<Violation>) {
        let at = |(k, v): (&Node, &Node)| (k.line, v.line);
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
        if let Some(e) = self
            .setting("runAsGroup")
            .filter(|(_, v)| v.as_str() == Some("0"))
        {
            self.push(
                out,
                &ROOT_GROUP,
                "sets securityContext.runAsGroup: 0",
                at(e),
            );
        }
        let checks: [(&str, &'static Rule); 2] =
            [("runAsUser", &LOW_UID), ("runAsGroup", &LOW_GID)];
        for (key, rule) in checks {
            match self.effective(key) {
                Some((k, v)) => {
                    let id = v.as_str().and_then(|s| s.parse::<i64>().ok());
                    if let Some(id) = id.filter(|id| *id <= HIGHEST_HOST_ID) {
                        self.push(
                            out,
                            rule,
                            &format!("sets securityContext.{key}: {id} (10000 or less)"),
                            at((k, v)),
                        );
                    }
                }
                None => self.push(
                    out,
                    rule,
                    &format!("does not set securityContext.{key} above 10000 (nor does its pod)"),
                    self.lines(),
                ),
            }
        }
    }

    fn check_capabilities(&self, out: &mut Vec<Violation>) {
        let caps = self.setting("capabilities");
        let list = |key| caps.and_then(|(_, c)| c.entry(key));
        let add = list("add");
        let added: Vec<(&Node, String)> = add
            .map(|(_, v)| v.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|cap| Some((cap, cap.as_str()?.to_string())))
            .collect();
        let name_of = |raw: &str| raw.trim_start_matches("CAP_").to_ascii_uppercase();
        for (cap, raw) in &added {
            let what = format!("adds the capability {raw}");
            let lines = (cap.line, cap.line);
            match name_of(raw).as_str() {
                "SYS_ADMIN" => self.push(out, &CAP_SYS_ADMIN, &what, lines),
                "NET_RAW" => self.push(out, &CAP_NET_RAW, &what, lines),
                "SYS_MODULE" => self.push(out, &CAP_SYS_MODULE, &what, lines),
                _ => {}
            }
        }
        if let Some((key, _)) = add.filter(|_| !added.is_empty()) {
            let names: Vec<&str> = added.iter().map(|(_, r)| r.as_str()).collect();
            let beyond: Vec<&str> = names
                .iter()
                .copied()
                .filter(|r| !BASELINE_CAPABILITIES.contains(&name_of(r).as_str()))
                .collect();
            let what = if beyond.is_empty() {
                format!("adds the capabilities {}", names.join(", "))
            } else {
                format!(
                    "adds the capabilities {} ({} beyond the baseline profile)",
                    names.join(", "),
                    beyond.join(", ")
                )
            };
            self.push(out, &CAP_ADDED, &what, (key.line, key.line));
        }
        let drop = list("drop");
        let drops_all = drop.is_some_and(|(_, v)| {
            v.items()
                .iter()
                .any(|n| n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
        });
        if drop.is_none() {
            let lines = caps.map_or(self.lines(), |(k, _)| (k.line, k.line));
            self.push(
                out,
                &CAP_DROP_NONE,
                "drops no capabilities (securityContext.capabilities.drop)",
                lines,
            );
        }
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
            self.push(
                out,
                &CAP_ONLY_NET_BIND,
                "does not drop ALL capabilities before adding NET_BIND_SERVICE at most",
                lines,
            );
        } else if let Some((cap, raw)) = added.iter().find(|(_, r)| r != "NET_BIND_SERVICE") {
            self.push(
                out,
                &CAP_ONLY_NET_BIND,
                &format!("adds the capability {raw}; only NET_BIND_SERVICE is allowed"),
                (cap.line, cap.line),
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
        let own_legacy = self.annotation(&format!(
            "container.seccomp.security.alpha.kubernetes.io/{}",
            self.name
        ));
        // KSV-0104: the profile type, else the container's annotation.
        match seccomp.or(own_legacy) {
            Some((k, v))
                if v.as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("unconfined")) =>
            {
                self.push(
                    out,
                    &SECCOMP_UNCONFINED,
                    &format!("uses the seccomp profile {}", v.as_str().unwrap_or("")),
                    (k.line, v.line),
                )
            }
            Some(_) => {}
            None => self.push(
                out,
                &SECCOMP_UNCONFINED,
                "sets no seccomp profile, so it runs unconfined",
                self.lines(),
            ),
        }
        // KSV-0030: RuntimeDefault or Localhost, or the pod's annotation.
        match legacy {
            Some((k, v)) if v.as_str() != Some("runtime/default") => self.push(
                out,
                &SECCOMP_UNSET,
                "is in a pod annotated with a seccomp profile other than runtime/default",
                (k.line, v.line),
            ),
            Some(_) => {}
            None => {
                let valid = seccomp.is_some_and(|(_, v)| {
                    matches!(v.as_str(), Some("RuntimeDefault" | "Localhost"))
                });
                if !valid {
                    self.push(out, &SECCOMP_UNSET, "sets no RuntimeDefault or Localhost seccomp profile (securityContext.seccompProfile.type), nor does its pod", self.lines());
                }
            }
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

    fn check_image(&self, options: &CheckOptions, tiller_pod: bool, out: &mut Vec<Violation>) {
        let image = self.node.entry("image");
        let text = image.and_then(|(_, v)| v.as_str()).unwrap_or("");
        let lines = image.map_or(self.lines(), |(k, v)| (k.line, v.line));
        if tiller_pod || text.contains("tiller") {
            self.push(out, &TILLER, "deploys Tiller (Helm 2's server)", lines);
        }
        if image.is_none() {
            return;
        }
        let registry = registry_of(text);
        if !options.trusts_registry(registry) {
            self.push(
                out,
                &UNTRUSTED_REGISTRY,
                &format!("uses an image from the untrusted registry {registry}"),
                lines,
            );
        }
        if text.contains('@') {
            return; // pinned by digest
        }
        let last = text.rsplit('/').next().unwrap_or(text);
        let what = match last.split_once(':') {
            None => format!("uses the image {text:?} without a tag"),
            Some((_, "latest")) => format!("uses the image {text:?} with the tag latest"),
            Some(_) => return,
        };
        self.push(out, &IMAGE_TAG, &what, lines);
    }

    fn check_ports_and_env(&self, out: &mut Vec<Violation>) {
        let mut low_port_reported = false;
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
            let low = port.entry("containerPort").filter(|(_, v)| {
                v.as_str()
                    .and_then(|p| p.parse::<u32>().ok())
                    .is_some_and(|p| p < 1024)
            });
            if let Some((k, v)) = low.filter(|_| !low_port_reported) {
                low_port_reported = true;
                self.push(
                    out,
                    &PRIVILEGED_PORT,
                    &format!(
                        "listens on the privileged port {}",
                        v.as_str().unwrap_or("")
                    ),
                    (k.line, v.line),
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

/// The registry host of an image reference, as Docker resolves it: the
/// first path component when it has a `.` or a `:` or is `localhost`,
/// else Docker Hub.
fn registry_of(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Whether an environment variable's name says it holds a secret.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}
