//! Every Kubernetes rule fails on `BAD` (snapshot) and passes on `GOOD`.

use super::rules::RULES;
use super::Kubernetes;
use crate::config::{Checker, Violation};
use std::collections::BTreeSet;

/// One line per violation: lines, rule, subject, message.
fn render(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| {
            format!(
                "{}-{} {} [{}] {}",
                v.start_line, v.end_line, v.rule.id, v.subject, v.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(text: &str) -> Vec<Violation> {
    Kubernetes.check("test.yaml", text).expect("valid YAML")
}

const BAD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      hostNetwork: true
      hostPID: true
      hostIPC: true
      automountServiceAccountToken: true
      hostAliases:
        - ip: 10.0.0.1
          hostnames: [db.internal]
      securityContext:
        runAsUser: 0
        fsGroup: 0
        seLinuxOptions: {type: spc_t}
        sysctls:
          - name: kernel.msgmax
            value: "65536"
          - name: net.ipv4.tcp_syncookies
            value: "1"
      volumes:
        - name: docker
          hostPath:
            path: /var/run/docker.sock
        - name: etc
          hostPath: {path: /etc/}
        - name: shared
          nfs: {server: nfs.example.com, path: /exports}
      containers:
        - name: app
          image: nginx:latest
          ports:
            - containerPort: 80
              hostPort: 8080
          env:
            - name: DB_PASSWORD
              value: hunter2
            - name: PASSWORD_FILE
              value: /run/secrets/db
            - name: API_TOKEN
              valueFrom:
                secretKeyRef: {name: api, key: token}
          securityContext:
            privileged: true
            allowPrivilegeEscalation: true
            runAsNonRoot: false
            runAsUser: 0
            readOnlyRootFilesystem: false
            procMount: Unmasked
            seccompProfile:
              type: Unconfined
            windowsOptions: {hostProcess: true}
            capabilities:
              add: [SYS_ADMIN, NET_RAW, CAP_NET_BIND_SERVICE, ALL, SYS_MODULE]
      initContainers:
        - name: init
          image: busybox
          securityContext:
            appArmorProfile:
              type: Unconfined
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
  - apiGroups: [""]
    resources: ["users"]
    verbs: ["impersonate"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: too-much
  namespace: shop
rules:
  - {apiGroups: [""], resources: ["*"], verbs: ["get"]}
  - {apiGroups: [""], resources: ["secrets"], verbs: ["list"]}
  - {apiGroups: [""], resources: ["pods/log"], verbs: ["delete"]}
  - {apiGroups: ["*"], resources: ["groups"], verbs: ["impersonate"]}
  - {apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}
  - {apiGroups: [""], resources: ["pods"], verbs: ["create"]}
  - {apiGroups: [""], resources: ["configmaps"], verbs: ["update"], resourceNames: ["aws-auth"]}
  - {apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"]}
  - {apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "clusterrolebindings"], verbs: ["create"]}
  - {apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "clusterroles"], verbs: ["bind"], resourceNames: ["*"]}
  - {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}
  - {apiGroups: ["*"], resources: ["pods/attach"], verbs: ["create"]}
  - {apiGroups: ["*"], resources: ["pods", "rolebindings"], verbs: ["get", "patch"]}
  - {apiGroups: [""], resources: ["services"], verbs: ["create"]}
  - {apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"], verbs: ["create"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admins
roleRef:
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: Group
    name: ops
  - kind: User
    name: system:anonymous
  - kind: Group
    name: system:masters
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  ports: [{port: 80}]
  externalIPs: [203.0.113.7]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  rules:
    - host: shop.example.com
---
apiVersion: v1
kind: Pod
metadata:
  name: tiller-deploy
  namespace: kube-system
spec:
  containers:
    - name: tiller
      image: gcr.io/kubernetes-helm/tiller:v2.16.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: shop}
spec:
  policyTypes: [Ingress]
---
apiVersion: v1
kind: LimitRange
metadata: {name: partial, namespace: shop}
spec:
  limits:
    - type: Container
      max: {cpu: "1"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods-only, namespace: shop}
spec:
  hard: {pods: "10"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data:
  LOG_LEVEL: info
  DB_PASSWORD: hunter2
  app.properties: |
    url=https://example.com
    api.token=3f9a7c2e1b
"#;

/// Hardened: passes every rule.
const GOOD: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          automountServiceAccountToken: false
          securityContext:
            runAsNonRoot: true
            runAsGroup: 10001
            seccompProfile: {type: RuntimeDefault}
            sysctls:
              - name: net.ipv4.ip_local_port_range
                value: "1024 65535"
          volumes:
            - name: tmp
              emptyDir: {}
          containers:
            - name: report
              image: shop.azurecr.io/report:1.4.2
              env:
                - name: DB_PASSWORD
                  valueFrom: {secretKeyRef: {name: db, key: password}}
                - name: LOG_LEVEL
                  value: info
              resources:
                requests: {cpu: 100m, memory: 64Mi}
                limits: {cpu: 200m, memory: 128Mi}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                runAsUser: 10001
                capabilities:
                  drop: [ALL]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: readers
  namespace: shop
roleRef: {kind: Role, name: reader}
---
apiVersion: v1
kind: Service
metadata:
  name: report
  namespace: shop
spec:
  type: ClusterIP
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: report
  namespace: shop
spec:
  tls:
    - hosts: [report.example.com]
      secretName: report-tls
  rules:
    - host: report.example.com
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
    - type: Container
      max: {cpu: "1", memory: 1Gi}
      min: {cpu: 10m, memory: 16Mi}
      default: {cpu: 200m, memory: 128Mi}
      defaultRequest: {cpu: 100m, memory: 64Mi}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: shop}
spec:
  hard:
    requests.cpu: "4"
    requests.memory: 8Gi
    limits.cpu: "8"
    limits.memory: 16Gi
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data:
  DB_PASSWORD: INSERT_PASSWORD_HERE
  API_TOKEN: changeme
  SESSION_SECRET: "{{ .Values.sessionSecret }}"
  PASSWORD_FILE: /run/secrets/db
  bypass_cache: "true"
  token_ttl: "3600"
  app.properties: |
    password=${DB_PASSWORD}
    client.secret=
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: viewers
roleRef: {kind: ClusterRole, name: view}
subjects:
  - kind: Group
    name: auditors
"#;

#[test]
fn bad_manifest_breaks_every_rule() {
    let violations = check(BAD);
    insta::assert_snapshot!(render(&violations));
    let reported: BTreeSet<&str> = violations.iter().map(|v| v.rule.id).collect();
    let all: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(reported, all, "every rule needs a failing example");
}

#[test]
fn each_violation_has_its_own_fingerprint_subject() {
    let mut seen = BTreeSet::new();
    for v in check(BAD) {
        assert!(
            seen.insert((v.rule.id, v.subject.clone())),
            "{} {} twice",
            v.rule.id,
            v.subject
        );
    }
}

#[test]
fn hardened_manifest_passes_every_rule() {
    assert_eq!(render(&check(GOOD)), "");
}

#[test]
fn missing_settings_point_at_the_container() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx@sha256:0123\n";
    insta::assert_snapshot!(render(&check(text)));
}

#[test]
fn pod_level_settings_are_inherited() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: Localhost, localhostProfile: x.json}\n  containers:\n    - name: c\n      image: nginx:1\n";
    let ids: BTreeSet<&str> = check(text).iter().map(|v| v.rule.id).collect();
    assert!(!ids.contains(super::rules::RUN_AS_NON_ROOT.id), "{ids:?}");
    assert!(!ids.contains(super::rules::SECCOMP_UNSET.id), "{ids:?}");
    assert!(ids.contains(super::rules::READ_ONLY_ROOT.id), "{ids:?}");
}

#[test]
fn anchors_lists_and_non_manifests() {
    let text = r#"apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a, namespace: n}
    spec:
      containers:
        - &hardened
          name: a
          image: a:1
          privileged_note: "see below"
          securityContext: {privileged: true}
  - apiVersion: v1
    kind: Pod
    metadata: {name: b, namespace: n}
    spec:
      containers:
        - *hardened
---
# a document that is not a manifest
just: data
"#;
    let privileged: Vec<String> = check(text)
        .iter()
        .filter(|v| v.rule.id == super::rules::PRIVILEGED.id)
        .map(|v| format!("{} {}", v.start_line, v.subject))
        .collect();
    assert_eq!(
        privileged,
        ["13 Pod/n/a/container/a", "13 Pod/n/b/container/a"]
    );
}

#[test]
fn fingerprint_subjects_ignore_line_numbers() {
    let shifted = format!("# a comment added on top\n\n{BAD}");
    let subjects = |t: &str| -> Vec<String> {
        check(t)
            .iter()
            .map(|v| format!("{} {}", v.rule.id, v.subject))
            .collect()
    };
    assert_eq!(subjects(BAD), subjects(&shifted));
    let lines: Vec<u32> = check(&shifted).iter().map(|v| v.start_line).collect();
    let before: Vec<u32> = check(BAD).iter().map(|v| v.start_line + 2).collect();
    assert_eq!(lines, before);
}

#[test]
fn only_yaml_with_api_version_and_kind_is_a_manifest() {
    assert!(Kubernetes.wants("deploy/app.YAML"));
    assert!(Kubernetes.wants("deploy/app.json"));
    assert!(!Kubernetes.wants("deploy/app.toml"));
    assert!(Kubernetes.accepts("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"));
    // ARM templates have apiVersion and kind on their resources only.
    assert!(!Kubernetes
        .accepts("{\"resources\": [{\"apiVersion\": \"2023-01-01\", \"kind\": \"StorageV2\"}]}"));
    // Broken JSON is taken, so it is reported as unparsable.
    assert!(Kubernetes.accepts("{\"apiVersion\": \"v1\", \"kind\": \"Pod\",}"));
    assert!(Kubernetes
        .check("x.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",}")
        .is_err_and(|e| e.contains("invalid JSON")));
    assert!(Kubernetes.accepts("apiVersion: v1\nkind: Pod\n"));
    assert!(!Kubernetes.accepts("services:\n  web:\n    image: nginx\n"));
    assert!(Kubernetes.check("x.yaml", "kind: [\n").is_err());
}
