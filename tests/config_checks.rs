//! `scangate config DIR` and `scangate fs DIR` on source trees built in a
//! temp dir: JSON shape, inline suppression, severity filter, gate,
//! .gitignore, unparsable files, `scangate rules`.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{path_str, run};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: app
      image: shop.azurecr.io/nginx:1.27
      securityContext:
        privileged: true
        allowPrivilegeEscalation: false
        runAsNonRoot: true
        readOnlyRootFilesystem: true
        seccompProfile: {type: RuntimeDefault}
        capabilities: {drop: [ALL]}
        runAsUser: 10001
        runAsGroup: 10001
      resources:
        requests: {cpu: 100m, memory: 64Mi}
        limits: {cpu: 100m, memory: 64Mi}
  securityContext:
    runAsNonRoot: true
";

const WORKFLOW: &str = "on: issues
permissions: {}
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"${{ github.event.issue.title }}\"
";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `scangate config ROOT -f json ARGS…`, parsed.
fn config_json(root: &Path, args: &[&str]) -> Value {
    let mut all = vec!["config", path_str(root), "-f", "json"];
    all.extend_from_slice(args);
    run(&all).json()
}

/// A config target as (path, type, [(id, start_line)]).
type ConfigTarget = (String, String, Vec<(String, u64)>);

/// Each config target of a report.
fn targets(report: &Value) -> Vec<ConfigTarget> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["kind"] == "config")
        .map(|t| {
            let found = t["misconfigurations"]
                .as_array()
                .expect("misconfigurations")
                .iter()
                .map(|m| {
                    (
                        m["id"].as_str().unwrap_or("").to_string(),
                        m["start_line"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            (
                t["path"].as_str().unwrap_or("").to_string(),
                t["type"].as_str().unwrap_or("").to_string(),
                found,
            )
        })
        .collect()
}

#[test]
fn config_targets_in_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "k8s/pod.yaml", POD);
    write(dir.path(), ".github/workflows/triage.yml", WORKFLOW);
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n",
    );
    write(dir.path(), "README.md", "# not config\n");
    let report = config_json(dir.path(), &[]);
    assert_eq!(
        targets(&report),
        vec![
            (
                ".github/workflows/triage.yml".into(),
                "github-workflow".into(),
                vec![("SG-GHA-002".into(), 7)]
            ),
            (
                "k8s/pod.yaml".into(),
                "kubernetes".into(),
                vec![("SG-K8S-001".into(), 11)]
            ),
        ]
    );
    let pod = &report["targets"][1]["misconfigurations"][0];
    insta::assert_json_snapshot!(pod);
    assert_eq!(pod["fingerprint"].as_str().map(str::len), Some(32));
    assert_eq!(report["artifact"]["kind"], "filesystem");
    assert_eq!(report["summary"]["total"], 2);
}

#[test]
fn inline_comments_suppress_by_id_or_trivy_alias() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pod = POD.replace(
        "        privileged: true\n",
        "        # trivy:ignore:KSV017 reviewed: debug pod\n        privileged: true\n",
    );
    write(dir.path(), "pod.yaml", &pod);
    let workflow = WORKFLOW.replace(
        "\"${{ github.event.issue.title }}\"",
        "\"${{ github.event.issue.title }}\" # scangate:ignore:SG-GHA-002",
    );
    write(dir.path(), ".github/workflows/triage.yml", &workflow);
    let report = config_json(dir.path(), &[]);
    assert_eq!(report["summary"]["total"], 0, "{report:#}");
    let ignored: Vec<(String, String, String)> = report["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or("").to_string(),
                i["ignored_by"]["source"].as_str().unwrap_or("").to_string(),
                i["ignored_by"]["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        ignored,
        vec![
            ("SG-GHA-002".into(), "inline".into(), "SG-GHA-002".into()),
            ("SG-K8S-001".into(), "inline".into(), "KSV017".into()),
        ]
    );
    assert_eq!(report["ignored"][1]["path"], "pod.yaml");
    assert_eq!(report["ignored"][1]["kind"], "misconfiguration");
}

#[test]
fn severity_filter_and_gate_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    write(dir.path(), ".github/workflows/triage.yml", WORKFLOW);
    let report = config_json(dir.path(), &["--severity", "CRITICAL"]);
    assert_eq!(report["summary"]["total"], 0);
    let passed = run(&["config", path_str(dir.path()), "--fail-on", "CRITICAL"]);
    assert_eq!(passed.code, Some(0), "{passed:?}");
    let failed = run(&[
        "config",
        path_str(dir.path()),
        "--fail-on",
        "HIGH",
        "--exit-code",
        "7",
    ]);
    assert_eq!(failed.code, Some(7), "{failed:?}");
    assert!(
        failed
            .stdout
            .contains("pod.yaml — 1 misconfiguration (1 HIGH)"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains("SG-K8S-001  HIGH      11"),
        "{}",
        failed.stdout
    );
}

#[test]
fn gitignored_large_and_binary_files_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".gitignore", "generated/\n");
    write(dir.path(), "generated/pod.yaml", POD);
    write(
        dir.path(),
        "big.yaml",
        &format!("{POD}{}", "# padding\n".repeat(120_000)),
    );
    write(dir.path(), "bin.yaml", &format!("{POD}\0"));
    write(dir.path(), "kept.yaml", POD);
    let report = config_json(dir.path(), &[]);
    let paths: Vec<String> = targets(&report).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["kept.yaml"]);
}

#[test]
fn unparsable_file_is_a_warning_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: Pod\nspec: [unclosed\n",
    );
    write(dir.path(), "pod.yaml", POD);
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("broken.yaml"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(warnings[0].contains("cannot parse"), "{}", warnings[0]);
    let paths: Vec<String> = targets(&r.json()).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["pod.yaml"]);
}

#[test]
fn fs_checks_config_by_default_and_scanners_choose() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    let fs = |scanners: Option<&str>| {
        let mut cmd = support::scangate();
        cmd.args(["fs", path_str(dir.path()), "-f", "json"]);
        match scanners {
            Some(s) => cmd.env("SCANGATE_SCANNERS", s),
            None => cmd.env_remove("SCANGATE_SCANNERS"),
        };
        let out = cmd.output().expect("run");
        assert!(out.status.success(), "{out:?}");
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        targets(&report).len()
    };
    assert_eq!(fs(None), 1, "fs defaults to vuln,config");
    assert_eq!(fs(Some("config")), 1);
    assert_eq!(fs(Some("vuln")), 0);
    let image = run(&[
        "image",
        "--input",
        path_str(dir.path()),
        "--scanners",
        "config",
    ]);
    assert!(image
        .error_line(2)
        .contains("--scanners config needs a source tree"));
}

#[test]
fn rules_are_listed_from_the_rule_data() {
    let r = run(&["rules", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let rules: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let privileged = rules
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["id"] == "SG-K8S-001")
        .expect("SG-K8S-001 listed");
    assert_eq!(
        privileged["aliases"],
        serde_json::json!(["AVD-KSV-0017", "KSV-0017", "KSV017"])
    );
    assert_eq!(privileged["severity"], "HIGH");
    let md = run(&["rules"]);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .expect("docs/rules.md");
    assert_eq!(md.stdout, doc);
}

#[test]
fn helm_templates_are_skipped_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\n",
    );
    write(dir.path(), "pod.yaml", POD);
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    assert!(!r.stderr.contains("deployment.yaml"), "{}", r.stderr);
    let paths: Vec<String> = targets(&r.json()).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["pod.yaml"]);
}

#[test]
fn one_file_can_be_checked_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "k8s/pod.yaml", POD);
    let report = config_json(&dir.path().join("k8s/pod.yaml"), &[]);
    assert_eq!(
        targets(&report),
        vec![(
            "pod.yaml".into(),
            "kubernetes".into(),
            vec![("SG-K8S-001".into(), 11)]
        )]
    );
    let missing = run(&["config", path_str(&dir.path().join("nope"))]);
    assert!(missing.error_line(3).contains("nope"));
}

/// `scangate config ROOT -f json` with `PATH` set to `path` only (so
/// `helm` is whatever that directory holds).
fn config_with_path(root: &Path, path: &Path) -> support::Run {
    let out = support::scangate()
        .args(["config", path_str(root), "-f", "json"])
        .env("PATH", path)
        .output()
        .expect("run scangate");
    support::Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A chart whose one template sets `privileged` from a value.
fn write_chart(root: &Path) {
    write(
        root,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    );
    write(root, "chart/values.yaml", "privileged: true\n");
    write(
        root,
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include \"web.labels\" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: shop.azurecr.io/web:1.0
          securityContext:
            privileged: {{ .Values.privileged }}
",
    );
}

/// A stub `helm` in `dir` that prints `rendered` for `helm template`.
#[cfg(unix)]
fn write_helm(dir: &Path, script_body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let helm = dir.join("helm");
    std::fs::write(&helm, format!("#!/bin/sh\n{script_body}\n")).expect("write helm");
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn helm_charts_are_rendered_and_findings_land_on_the_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_chart(dir.path());
    let bin = tempfile::tempdir().expect("bin");
    write_helm(
        bin.path(),
        "[ \"$1\" = template ] || exit 2
printf '%s' '---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name
  namespace: shop
  labels:
    app: web
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: shop.azurecr.io/web:1.0
          securityContext:
            privileged: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 100m, memory: 64Mi}
'",
    );
    let r = config_with_path(dir.path(), bin.path());
    assert_eq!(
        targets(&r.json()),
        vec![(
            "chart/templates/deployment.yaml".into(),
            "kubernetes".into(),
            vec![("SG-K8S-001".into(), 14)]
        )],
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn charts_helm_cannot_render_are_one_warning_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_chart(dir.path());
    write(dir.path(), "pod.yaml", POD);
    // No helm on PATH at all.
    let empty = tempfile::tempdir().expect("empty");
    let r = config_with_path(dir.path(), empty.path());
    let warnings: Vec<&str> = r.stderr.lines().filter(|l| l.contains("chart")).collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].contains("chart/Chart.yaml") && warnings[0].contains("helm"),
        "{}",
        warnings[0]
    );
    let paths: Vec<String> = targets(&r.json()).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["pod.yaml"]);
    // A helm that cannot render the chart.
    let bin = tempfile::tempdir().expect("bin");
    write_helm(
        bin.path(),
        "echo 'Error: parse error at (web/templates/deployment.yaml:6): function \"include\" not defined' >&2\nexit 1",
    );
    let r = config_with_path(dir.path(), bin.path());
    let warnings: Vec<&str> = r.stderr.lines().filter(|l| l.contains("chart")).collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(warnings[0].contains("parse error"), "{}", warnings[0]);
    let paths: Vec<String> = targets(&r.json()).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["pod.yaml"]);
}

#[test]
fn kubernetes_json_manifests_and_lists_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pod_json = serde_json::to_string_pretty(&serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [{
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "securityContext": {"runAsNonRoot": true},
                "containers": [{
                    "name": "app",
                    "image": "shop.azurecr.io/nginx:1.27",
                    "securityContext": {
                        "privileged": true,
                        "allowPrivilegeEscalation": false,
                        "readOnlyRootFilesystem": true,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                        "capabilities": {"drop": ["ALL"]}
                    },
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "64Mi"},
                        "limits": {"cpu": "100m", "memory": "64Mi"}
                    }
                }]
            }
        }]
    }))
    .expect("JSON");
    write(dir.path(), "k8s/pod.json", &pod_json);
    let privileged_line = pod_json
        .lines()
        .position(|l| l.contains("\"privileged\""))
        .expect("privileged line") as u64
        + 1;
    // Not Kubernetes: an ARM template (nested apiVersion/kind), and a
    // package.json.
    write(
        dir.path(),
        "azure/deploy.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
 "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "kind": "StorageV2"}]}"#,
    );
    write(dir.path(), "package.json", "{\"name\": \"x\"}\n");
    write(
        dir.path(),
        "broken.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",}\n",
    );
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("broken.json"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(warnings[0].contains("invalid JSON"), "{}", warnings[0]);
    // The ARM template is checked as one (not as Kubernetes).
    let kubernetes: Vec<_> = targets(&r.json())
        .into_iter()
        .filter(|t| t.1 != "azure-arm")
        .collect();
    assert_eq!(
        kubernetes,
        vec![(
            "k8s/pod.json".into(),
            "kubernetes".into(),
            vec![("SG-K8S-001".into(), privileged_line)]
        )]
    );
}

#[test]
fn trusted_registries_are_configurable() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pod.yaml",
        &POD.replace(
            "shop.azurecr.io/nginx:1.27",
            "registry.example.com/nginx:1.27",
        ),
    );
    let ids = |args: &[&str]| -> Vec<String> {
        let mut ids: Vec<String> = targets(&config_json(dir.path(), args))
            .into_iter()
            .flat_map(|t| t.2.into_iter().map(|f| f.0))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&[]), ["SG-K8S-001", "SG-K8S-051"]);
    assert_eq!(
        ids(&["--trusted-registries", "gcr.io,example.com"]),
        ["SG-K8S-001"]
    );
}
