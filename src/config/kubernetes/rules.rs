//! The Kubernetes rules: the Pod Security Standards' baseline and
//! restricted profiles, RBAC and the usual hygiene. Each carries Trivy's
//! ids for the same check in all three spellings Trivy has used (`KSV001`,
//! `AVD-KSV-0001`, and 0.76's `KSV-0001`), so `.trivyignore` entries and
//! `#trivy:ignore:` comments keep working.

use crate::config::Rule;
use crate::matching::severity::Severity::{Critical, High, Low, Medium};

/// Trivy's spellings of one KSV id, sorted as finding aliases are:
/// `ksv!("001", "0001")` for `AVD-KSV-0001`, `KSV-0001` and `KSV001`;
/// `ksv!("0108")` for the few checks whose metadata lists no short form.
macro_rules! ksv {
    ($short:literal, $long:literal) => {
        &[
            concat!("AVD-KSV-", $long),
            concat!("KSV-", $long),
            concat!("KSV", $short),
        ]
    };
    ($long:literal) => {
        &[concat!("AVD-KSV-", $long), concat!("KSV-", $long)]
    };
}
pub(super) use ksv;

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
    title: "Capabilities added",
    severity: Medium,
    rationale: "Every capability added to a container widens what a compromised process can do; Trivy's KSV-0022 allows none by default. Capabilities outside the baseline profile's default set (CHOWN, NET_BIND_SERVICE, SETUID…), or `ALL`, are named as such in the message.",
    resolution: "Remove `securityContext.capabilities.add`; if a low port is truly needed, prefer a port above 1024 over adding `NET_BIND_SERVICE`.",
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
    title: "Seccomp disabled or unset",
    severity: Medium,
    rationale: "`seccompProfile: {type: Unconfined}` turns system-call filtering off explicitly, and a container with no profile at all (on its own, its pod, or a `container.seccomp.security.alpha.kubernetes.io/<name>` annotation) runs unconfined by default.",
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
    title: "Role allows every verb on sensitive resources",
    severity: Critical,
    rationale: "`verbs: [\"*\"]` on secrets, pods, workloads, RBAC objects, users or groups grants every current and future verb on them, including `escalate` and `impersonate`.",
    resolution: "List the verbs needed, e.g. `verbs: [get, list, watch]`.",
};

pub static RBAC_WILDCARD_RESOURCE: Rule = Rule {
    id: "SG-K8S-031",
    aliases: ksv!("046", "0046"),
    title: "ClusterRole manages every resource",
    severity: Critical,
    rationale: "`resources: [\"*\"]` with a reading or writing verb, cluster-wide, covers secrets, RBAC objects and every future resource type.",
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

pub static CAP_DROP_NONE: Rule = Rule {
    id: "SG-K8S-036",
    aliases: ksv!("004", "0004"),
    title: "No capabilities dropped",
    severity: Low,
    rationale: "A container that sets no `securityContext.capabilities.drop` keeps every default capability of its runtime, whether it needs them or not.",
    resolution: "Set `securityContext: {capabilities: {drop: [ALL]}}` and add back only what is needed.",
};

pub static HOST_ALIASES: Rule = Rule {
    id: "SG-K8S-037",
    aliases: ksv!("007", "0007"),
    title: "Pod manages /etc/hosts",
    severity: Low,
    rationale: "`hostAliases` rewrites the pod's /etc/hosts: names can be pointed at other addresses than DNS says, which hides where traffic really goes.",
    resolution: "Remove `spec.hostAliases`; publish the name through DNS (a Service, or an ExternalName Service).",
};

pub static LOW_UID: Rule = Rule {
    id: "SG-K8S-038",
    aliases: ksv!("020", "0020"),
    title: "Runs with a UID of 10000 or less",
    severity: Low,
    rationale: "UIDs up to 10000 collide with users of the node's own user table: a container escape lands as a real host user.",
    resolution: "Set `securityContext: {runAsUser: 10001}` (any UID above 10000) on the container or its pod.",
};

pub static LOW_GID: Rule = Rule {
    id: "SG-K8S-039",
    aliases: ksv!("021", "0021"),
    title: "Runs with a GID of 10000 or less",
    severity: Low,
    rationale: "GIDs up to 10000 collide with groups of the node's own group table: a container escape gains that group's files.",
    resolution: "Set `securityContext: {runAsGroup: 10001}` (any GID above 10000) on the container or its pod.",
};

pub static SELINUX_OPTIONS: Rule = Rule {
    id: "SG-K8S-040",
    aliases: ksv!("025", "0025"),
    title: "Custom SELinux options",
    severity: Medium,
    rationale: "The baseline profile forbids setting the SELinux `user` or `role`, and allows only the `container_t`, `container_init_t` and `container_kvm_t` types: anything else can lift the container out of its SELinux confinement.",
    resolution: "Remove `seLinuxOptions`, or set only `type: container_t` (and a `level`).",
};

pub static NON_CORE_VOLUME: Rule = Rule {
    id: "SG-K8S-041",
    aliases: ksv!("028", "0028"),
    title: "Non-core volume type",
    severity: Low,
    rationale: "The restricted profile allows only the core volume types (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); in-tree network and cloud volumes (nfs, gcePersistentDisk, gitRepo, …) bypass the cluster's storage policy, and gitRepo runs git on the node.",
    resolution: "Mount the storage through a `persistentVolumeClaim` instead.",
};

pub static KUBE_SYSTEM: Rule = Rule {
    id: "SG-K8S-042",
    aliases: ksv!("037", "0037"),
    title: "User resource in kube-system",
    severity: Medium,
    rationale: "`kube-system` holds the control plane's own components and credentials; user workloads there share its service accounts and policies, and a compromise of them is close to a compromise of the cluster.",
    resolution: "Move the object to a namespace of its own: `metadata: {namespace: my-app}`.",
};

pub static TILLER: Rule = Rule {
    id: "SG-K8S-043",
    aliases: ksv!("102", "0102"),
    title: "Tiller deployed",
    severity: Critical,
    rationale: "Tiller, the server side of Helm 2, serves an unauthenticated gRPC API with cluster-admin rights by default: anyone who can reach it controls the cluster.",
    resolution: "Remove Tiller and move to Helm 3, which has no server side.",
};

pub static WINDOWS_HOST_PROCESS: Rule = Rule {
    id: "SG-K8S-044",
    aliases: ksv!("103", "0103"),
    title: "Windows HostProcess container",
    severity: Medium,
    rationale: "`windowsOptions.hostProcess: true` runs the container as a process on the Windows node itself, with the node's privileges.",
    resolution: "Remove `securityContext.windowsOptions.hostProcess`.",
};

pub static CAP_ONLY_NET_BIND: Rule = Rule {
    id: "SG-K8S-045",
    aliases: ksv!("106", "0106"),
    title: "Capabilities other than NET_BIND_SERVICE",
    severity: Low,
    rationale: "The restricted profile requires dropping `ALL` capabilities and allows adding back only `NET_BIND_SERVICE`.",
    resolution: "Set `capabilities: {drop: [ALL]}` and add nothing but `NET_BIND_SERVICE`.",
};

pub static ROOT_GROUP: Rule = Rule {
    id: "SG-K8S-046",
    aliases: ksv!("116", "0116"),
    title: "Runs with the root group",
    severity: Low,
    rationale: "A primary GID (`runAsGroup`), supplementary group or `fsGroup` of 0 gives the process root's group: every root-group-writable file of the image and volumes.",
    resolution: "Set `runAsGroup`, `supplementalGroups` and `fsGroup` to non-zero GIDs.",
};

pub static PRIVILEGED_PORT: Rule = Rule {
    id: "SG-K8S-047",
    aliases: ksv!("117", "0117"),
    title: "Container port below 1024",
    severity: Medium,
    rationale: "Binding a port below 1024 needs root or `NET_BIND_SERVICE` inside the container; an app that needs neither can listen on a high port and be exposed on 80/443 through its Service.",
    resolution: "Listen on a port of 1024 or above (`containerPort: 8080`) and map it in the Service (`port: 80, targetPort: 8080`).",
};

pub static DEFAULT_SECURITY_CONTEXT: Rule = Rule {
    id: "SG-K8S-048",
    aliases: ksv!("118", "0118"),
    title: "Default security context",
    severity: High,
    rationale: "A pod or container that sets no security context at all runs with the runtime's defaults: root, writable root filesystem, default capabilities, no seccomp.",
    resolution: "Set a `securityContext` on the pod (`runAsNonRoot`, `runAsUser`, `seccompProfile`) and on each container (`allowPrivilegeEscalation: false`, `readOnlyRootFilesystem: true`, `capabilities: {drop: [ALL]}`).",
};

pub static CAP_SYS_MODULE: Rule = Rule {
    id: "SG-K8S-049",
    aliases: ksv!("120", "0120"),
    title: "SYS_MODULE capability added",
    severity: High,
    rationale: "CAP_SYS_MODULE loads kernel modules: arbitrary code in the node's kernel.",
    resolution: "Remove `SYS_MODULE` from `securityContext.capabilities.add`.",
};

pub static SENSITIVE_HOST_PATH: Rule = Rule {
    id: "SG-K8S-050",
    aliases: ksv!("121", "0121"),
    title: "System directory of the node mounted",
    severity: High,
    rationale: "Mounting `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys`, `/usr` or `/var/lib/docker` from the node exposes its credentials, devices and container runtime to the pod.",
    resolution: "Do not mount the node's system directories; use the Kubernetes API or a dedicated agent.",
};

pub static UNTRUSTED_REGISTRY: Rule = Rule {
    id: "SG-K8S-051",
    aliases: &["AVD-KSV-0125", "KSV-0125", "KSV0125"],
    title: "Image from an untrusted registry",
    severity: Medium,
    rationale: "Images from registries the organisation does not control can change or disappear under the same name. The trusted registries are `--trusted-registries` (or `SCANGATE_TRUSTED_REGISTRIES`), by default Trivy's: Azure (`azurecr.io`), ECR and GCR (`gcr.io` and its regional hosts); a registry is trusted when its host ends with one of them. An image without a registry host (`nginx`, `bitnami/redis`) comes from Docker Hub (`docker.io`).",
    resolution: "Mirror the image into a trusted registry (`image: myacr.azurecr.io/nginx:1.27`), or add your registry to `--trusted-registries`.",
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
    &CAP_DROP_NONE,
    &HOST_ALIASES,
    &LOW_UID,
    &LOW_GID,
    &SELINUX_OPTIONS,
    &NON_CORE_VOLUME,
    &KUBE_SYSTEM,
    &TILLER,
    &WINDOWS_HOST_PROCESS,
    &CAP_ONLY_NET_BIND,
    &ROOT_GROUP,
    &PRIVILEGED_PORT,
    &DEFAULT_SECURITY_CONTEXT,
    &CAP_SYS_MODULE,
    &SENSITIVE_HOST_PATH,
    &UNTRUSTED_REGISTRY,
    &super::objects::NETWORK_POLICY_SELECTOR,
    &super::objects::LIMIT_RANGE,
    &super::objects::RESOURCE_QUOTA,
    &super::objects::SERVICE_EXTERNAL_IP,
    &super::objects::CONFIGMAP_SECRET,
    &super::rbac::MANAGE_SECRETS,
    &super::rbac::DELETE_POD_LOGS,
    &super::rbac::IMPERSONATE_GROUPS,
    &super::rbac::NODE_PROXY,
    &super::rbac::MANAGE_WORKLOADS,
    &super::rbac::MANAGE_CONFIGMAPS,
    &super::rbac::MANAGE_RBAC,
    &super::rbac::BIND_ANY_ROLE,
    &super::rbac::BIND_ANY_CLUSTER_ROLE,
    &super::rbac::EXEC_PODS,
    &super::rbac::ATTACH_PODS,
    &super::rbac::ROLEBINDING_PATCH,
    &super::rbac::MANAGE_NETWORKING,
    &super::rbac::MANAGE_ALL_IN_NAMESPACE,
    &super::rbac::MANAGE_NAMESPACE_SECRETS,
    &super::rbac::MANAGE_WEBHOOKS,
    &super::rbac::MANAGE_AWS_AUTH,
    &super::rbac::ANONYMOUS_BINDING,
    &super::rbac::MASTERS_BINDING,
];
