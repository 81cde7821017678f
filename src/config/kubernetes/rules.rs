//! The Kubernetes rules: the Pod Security Standards' baseline and
//! restricted profiles, RBAC and the usual hygiene. Each carries Trivy's
//! ids for the same check in all three spellings Trivy has used (`KSV001`,
//! `AVD-KSV-0001`, and 0.76's `KSV-0001`), so `.trivyignore` entries and
//! `#trivy:ignore:` comments keep working.

use crate::config::Rule;
use crate::matching::severity::Severity::{Critical, High, Low, Medium};

/// Trivy's three spellings of one KSV id, sorted as finding aliases are:
/// `ksv!("001", "0001")`.
macro_rules! ksv {
    ($short:literal, $long:literal) => {
        &[
            concat!("AVD-KSV-", $long),
            concat!("KSV-", $long),
            concat!("KSV", $short),
        ]
    };
}

pub static PRIVILEGED: Rule = Rule {
    id: "SG-K8S-001",
    aliases: ksv!("017", "0017"),
    title: "Privileged container",
    severity: High,
    rationale: "A privileged container has every capability and all host devices: a compromise of it is a compromise of the node.",
    resolution: "Remove `privileged: true` (or set it to `false`) in the container's `securityContext`; grant the one capability it needs instead.",
};

pub static PRIVILEGE_ESCALATION: Rule = Rule {
    id: "SG-K8S-002",
    aliases: ksv!("001", "0001"),
    title: "Privilege escalation allowed",
    severity: Medium,
    rationale: "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its parent (setuid binaries, file capabilities).",
    resolution: "Set `securityContext: {allowPrivilegeEscalation: false}` on every container.",
};

pub static RUN_AS_NON_ROOT: Rule = Rule {
    id: "SG-K8S-003",
    aliases: ksv!("012", "0012"),
    title: "Container may run as root",
    severity: Medium,
    rationale: "Without `runAsNonRoot: true` the kubelet starts the container as whatever user the image names, often root.",
    resolution: "Set `runAsNonRoot: true` in the pod's or the container's `securityContext` (and a non-zero `runAsUser`).",
};

pub static RUN_AS_ROOT_USER: Rule = Rule {
    id: "SG-K8S-004",
    aliases: ksv!("105", "0105"),
    title: "Container runs as UID 0",
    severity: Low,
    rationale: "`runAsUser: 0` runs the process as root, which the restricted profile forbids.",
    resolution: "Set `runAsUser` to a non-zero UID, e.g. `runAsUser: 10001`.",
};

pub static CAP_SYS_ADMIN: Rule = Rule {
    id: "SG-K8S-005",
    aliases: ksv!("005", "0005"),
    title: "SYS_ADMIN capability added",
    severity: High,
    rationale: "CAP_SYS_ADMIN is close to full root: mounts, namespaces, many kernel interfaces.",
    resolution: "Remove `SYS_ADMIN` from `securityContext.capabilities.add`.",
};

pub static CAP_NET_RAW: Rule = Rule {
    id: "SG-K8S-006",
    aliases: ksv!("119", "0119"),
    title: "NET_RAW capability added",
    severity: High,
    rationale:
        "CAP_NET_RAW allows crafting raw packets: ARP and DNS spoofing of other pods on the node.",
    resolution: "Remove `NET_RAW` from `securityContext.capabilities.add`.",
};

pub static CAP_ADDED: Rule = Rule {
    id: "SG-K8S-007",
    aliases: ksv!("022", "0022"),
    title: "Capabilities beyond the baseline added",
    severity: Medium,
    rationale: "The baseline profile allows adding only the default capabilities (CHOWN, NET_BIND_SERVICE, SETUID…); anything else, or `ALL`, widens what a compromised process can do.",
    resolution: "Remove the capability from `securityContext.capabilities.add`; add only `NET_BIND_SERVICE` when a low port is needed.",
};

pub static CAP_DROP_ALL: Rule = Rule {
    id: "SG-K8S-008",
    aliases: ksv!("003", "0003"),
    title: "Capabilities not dropped",
    severity: Low,
    rationale: "Containers get a default set of capabilities; the restricted profile requires dropping them all and adding back only what is needed.",
    resolution: "Set `securityContext: {capabilities: {drop: [ALL]}}`.",
};

pub static HOST_PATH: Rule = Rule {
    id: "SG-K8S-009",
    aliases: ksv!("023", "0023"),
    title: "hostPath volume",
    severity: Medium,
    rationale: "A hostPath volume exposes the node's filesystem to the pod: reading secrets of other pods, or writing to the host.",
    resolution: "Use a `persistentVolumeClaim`, `emptyDir`, `configMap` or `secret` volume instead.",
};

pub static DOCKER_SOCKET: Rule = Rule {
    id: "SG-K8S-010",
    aliases: ksv!("006", "0006"),
    title: "Docker socket mounted",
    severity: High,
    rationale: "Mounting `/var/run/docker.sock` gives the pod control of the node's container runtime, which is root on the node.",
    resolution: "Do not mount the runtime socket; build images with a daemonless builder instead.",
};

pub static HOST_NETWORK: Rule = Rule {
    id: "SG-K8S-011",
    aliases: ksv!("009", "0009"),
    title: "Host network namespace",
    severity: High,
    rationale: "`hostNetwork: true` lets the pod see and bind the node's interfaces and reach services bound to localhost.",
    resolution: "Remove `hostNetwork: true`; expose ports through a Service.",
};

pub static HOST_PID: Rule = Rule {
    id: "SG-K8S-012",
    aliases: ksv!("010", "0010"),
    title: "Host PID namespace",
    severity: High,
    rationale: "`hostPID: true` lets the pod see and signal every process on the node.",
    resolution: "Remove `hostPID: true`.",
};

pub static HOST_IPC: Rule = Rule {
    id: "SG-K8S-013",
    aliases: ksv!("008", "0008"),
    title: "Host IPC namespace",
    severity: High,
    rationale: "`hostIPC: true` shares the node's shared memory and semaphores with the pod.",
    resolution: "Remove `hostIPC: true`.",
};

pub static HOST_PORT: Rule = Rule {
    id: "SG-K8S-014",
    aliases: ksv!("024", "0024"),
    title: "Host port",
    severity: High,
    rationale:
        "A `hostPort` binds the node's own port, bypassing network policy and limiting scheduling.",
    resolution: "Remove `hostPort`; use a Service (ClusterIP or LoadBalancer) instead.",
};

pub static READ_ONLY_ROOT: Rule = Rule {
    id: "SG-K8S-015",
    aliases: ksv!("014", "0014"),
    title: "Root filesystem is writable",
    severity: High,
    rationale: "A writable root filesystem lets an attacker drop tools and persist changes inside the container.",
    resolution: "Set `securityContext: {readOnlyRootFilesystem: true}` and mount an `emptyDir` where the app must write.",
};

pub static CPU_LIMIT: Rule = Rule {
    id: "SG-K8S-016",
    aliases: ksv!("011", "0011"),
    title: "CPU limit missing",
    severity: Low,
    rationale: "Without a CPU limit one container can starve the others on its node.",
    resolution: "Set `resources: {limits: {cpu: 500m}}` (a value fitted to the app).",
};

pub static MEMORY_LIMIT: Rule = Rule {
    id: "SG-K8S-017",
    aliases: ksv!("018", "0018"),
    title: "Memory limit missing",
    severity: Low,
    rationale: "Without a memory limit one container can exhaust its node's memory and get other pods evicted.",
    resolution: "Set `resources: {limits: {memory: 256Mi}}` (a value fitted to the app).",
};

pub static CPU_REQUEST: Rule = Rule {
    id: "SG-K8S-018",
    aliases: ksv!("015", "0015"),
    title: "CPU request missing",
    severity: Low,
    rationale:
        "Without a CPU request the scheduler cannot place the pod where there is room for it.",
    resolution: "Set `resources: {requests: {cpu: 100m}}`.",
};

pub static MEMORY_REQUEST: Rule = Rule {
    id: "SG-K8S-019",
    aliases: ksv!("016", "0016"),
    title: "Memory request missing",
    severity: Low,
    rationale: "Without a memory request the scheduler cannot place the pod where there is room for it, and it is evicted first.",
    resolution: "Set `resources: {requests: {memory: 128Mi}}`.",
};

pub static IMAGE_TAG: Rule = Rule {
    id: "SG-K8S-020",
    aliases: ksv!("013", "0013"),
    title: "Image tag `latest` or missing",
    severity: Medium,
    rationale: "`latest` (or no tag) names a different image over time: deployments are not reproducible and rollbacks do not roll back.",
    resolution: "Pin a version tag, or better a digest: `image: nginx:1.27.2@sha256:…`.",
};

pub static SECCOMP_UNSET: Rule = Rule {
    id: "SG-K8S-021",
    aliases: ksv!("030", "0030"),
    title: "Seccomp profile not set",
    severity: Low,
    rationale: "Without a seccomp profile every system call is allowed; the restricted profile requires `RuntimeDefault` or `Localhost`.",
    resolution: "Set `securityContext: {seccompProfile: {type: RuntimeDefault}}` on the pod.",
};

pub static SECCOMP_UNCONFINED: Rule = Rule {
    id: "SG-K8S-022",
    aliases: ksv!("104", "0104"),
    title: "Seccomp disabled",
    severity: Medium,
    rationale: "`seccompProfile: {type: Unconfined}` turns system-call filtering off explicitly.",
    resolution: "Use `type: RuntimeDefault` (or a `Localhost` profile).",
};

pub static APPARMOR_UNCONFINED: Rule = Rule {
    id: "SG-K8S-023",
    aliases: ksv!("002", "0002"),
    title: "AppArmor disabled",
    severity: Low,
    rationale: "An `unconfined` AppArmor profile removes the mandatory access control the runtime's default profile gives.",
    resolution: "Use `appArmorProfile: {type: RuntimeDefault}` (or the annotation value `runtime/default`).",
};

pub static PROC_MOUNT: Rule = Rule {
    id: "SG-K8S-024",
    aliases: ksv!("027", "0027"),
    title: "Unmasked /proc",
    severity: Medium,
    rationale:
        "`procMount: Unmasked` exposes kernel interfaces under /proc that the default mask hides.",
    resolution: "Remove `procMount` or set it to `Default`.",
};

pub static UNSAFE_SYSCTL: Rule = Rule {
    id: "SG-K8S-025",
    aliases: ksv!("026", "0026"),
    title: "Unsafe sysctl",
    severity: Medium,
    rationale: "Only a few sysctls are namespaced and safe; others change the whole node's kernel.",
    resolution: "Use only the safe sysctls (`kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, …) or none.",
};

pub static DEFAULT_NAMESPACE: Rule = Rule {
    id: "SG-K8S-026",
    aliases: ksv!("110", "0110"),
    title: "Workload in the default namespace",
    severity: Low,
    rationale: "The `default` namespace (where a manifest without `namespace` usually lands) mixes unrelated workloads under one set of policies and quotas.",
    resolution: "Set `metadata: {namespace: my-app}`.",
};

pub static SERVICE_ACCOUNT_TOKEN: Rule = Rule {
    id: "SG-K8S-027",
    aliases: ksv!("036", "0036"),
    title: "Service account token mounted",
    severity: Medium,
    rationale: "`automountServiceAccountToken: true` puts an API token in every container; a compromised app can then talk to the API server.",
    resolution: "Set `automountServiceAccountToken: false` unless the app calls the Kubernetes API.",
};

pub static ENV_SECRET: Rule = Rule {
    id: "SG-K8S-028",
    aliases: &[],
    title: "Secret in an environment value",
    severity: High,
    rationale: "A password or token written as a literal `value:` is in the repository and visible to anyone who can read the manifest or the pod spec.",
    resolution: "Store it in a Secret and use `valueFrom: {secretKeyRef: {name: db, key: password}}`.",
};

pub static RBAC_WILDCARD_BOTH: Rule = Rule {
    id: "SG-K8S-029",
    aliases: ksv!("044", "0044"),
    title: "Role allows every verb on every resource",
    severity: Critical,
    rationale:
        "A rule with `verbs: [\"*\"]` and `resources: [\"*\"]` is cluster-admin in disguise.",
    resolution: "List the verbs and resources the subject needs.",
};

pub static RBAC_WILDCARD_VERB: Rule = Rule {
    id: "SG-K8S-030",
    aliases: ksv!("045", "0045"),
    title: "Role allows every verb",
    severity: Critical,
    rationale: "`verbs: [\"*\"]` grants every current and future verb, including `escalate` and `impersonate`.",
    resolution: "List the verbs needed, e.g. `verbs: [get, list, watch]`.",
};

pub static RBAC_WILDCARD_RESOURCE: Rule = Rule {
    id: "SG-K8S-031",
    aliases: ksv!("046", "0046"),
    title: "Role applies to every resource",
    severity: Critical,
    rationale: "`resources: [\"*\"]` covers secrets, RBAC objects and every future resource type.",
    resolution: "List the resources needed.",
};

pub static RBAC_ESCALATION_VERBS: Rule = Rule {
    id: "SG-K8S-032",
    aliases: &[],
    title: "Role grants escalate, bind or impersonate",
    severity: High,
    rationale: "`escalate` and `bind` let a subject grant itself permissions it does not hold; `impersonate` lets it act as any user or group.",
    resolution: "Remove these verbs; grant the specific roles needed instead.",
};

pub static RBAC_ADMIN_BINDING: Rule = Rule {
    id: "SG-K8S-033",
    aliases: ksv!("111", "0111"),
    title: "Binding to an admin role",
    severity: Medium,
    rationale: "Binding `cluster-admin`, `admin` or `edit` gives broad control; such grants should be rare and reviewed.",
    resolution: "Bind a role that lists only the permissions the subject needs.",
};

pub static SERVICE_NODE_PORT: Rule = Rule {
    id: "SG-K8S-034",
    aliases: &[],
    title: "Service of type NodePort",
    severity: Low,
    rationale: "A NodePort opens the port on every node's address, around ingress controllers and load-balancer rules.",
    resolution: "Use `type: ClusterIP` behind an Ingress, or `type: LoadBalancer`.",
};

pub static INGRESS_WITHOUT_TLS: Rule = Rule {
    id: "SG-K8S-035",
    aliases: &[],
    title: "Ingress without TLS",
    severity: Medium,
    rationale: "An Ingress without a `tls` section serves its hosts over plain HTTP: credentials and session cookies cross the network readable.",
    resolution: "Add `tls: [{hosts: [shop.example.com], secretName: shop-tls}]` (cert-manager can issue the secret).",
};

/// Every Kubernetes rule, in id order.
pub static RULES: &[&Rule] = &[
    &PRIVILEGED,
    &PRIVILEGE_ESCALATION,
    &RUN_AS_NON_ROOT,
    &RUN_AS_ROOT_USER,
    &CAP_SYS_ADMIN,
    &CAP_NET_RAW,
    &CAP_ADDED,
    &CAP_DROP_ALL,
    &HOST_PATH,
    &DOCKER_SOCKET,
    &HOST_NETWORK,
    &HOST_PID,
    &HOST_IPC,
    &HOST_PORT,
    &READ_ONLY_ROOT,
    &CPU_LIMIT,
    &MEMORY_LIMIT,
    &CPU_REQUEST,
    &MEMORY_REQUEST,
    &IMAGE_TAG,
    &SECCOMP_UNSET,
    &SECCOMP_UNCONFINED,
    &APPARMOR_UNCONFINED,
    &PROC_MOUNT,
    &UNSAFE_SYSCTL,
    &DEFAULT_NAMESPACE,
    &SERVICE_ACCOUNT_TOKEN,
    &ENV_SECRET,
    &RBAC_WILDCARD_BOTH,
    &RBAC_WILDCARD_VERB,
    &RBAC_WILDCARD_RESOURCE,
    &RBAC_ESCALATION_VERBS,
    &RBAC_ADMIN_BINDING,
    &SERVICE_NODE_PORT,
    &INGRESS_WITHOUT_TLS,
];
