//! `find` over trees built here: raw manifests, Kustomize bases and
//! overlays, Flux HelmReleases, Helm chart templates and unresolvable
//! references.

use super::*;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn found(files: &[(&str, &str)]) -> Found {
    let dir = tree(files);
    find(dir.path(), &Skip::new(&[], &[]).unwrap())
}

fn sites(found: &Found) -> Vec<String> {
    found
        .images
        .iter()
        .flat_map(|d| {
            d.sites
                .iter()
                .map(move |s| format!("{} {}:{} {}", d.reference, s.file, s.line, s.subject))
        })
        .collect()
}

const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: app:0
        - name: proxy
          image: nginx:1.25
";

#[test]
fn kustomize_overrides_reach_the_files_their_bases_list() {
    let found = found(&[
        ("base/deploy.yaml", DEPLOY),
        ("base/kustomization.yaml", "resources:\n  - deploy.yaml\n"),
        (
            "prod/kustomization.yaml",
            "resources: [../base]\nimages:\n  - name: app\n    newName: reg.example/team/app\n    newTag: \"2.1\"\n",
        ),
        ("other/pod.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},\n \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx:1.25\"}]}}\n"),
        ("package.json", "{\"name\": \"not-a-manifest\"}"),
    ]);
    assert_eq!(
        sites(&found),
        [
            "docker.io/library/nginx:1.25 base/deploy.yaml:12 Deployment//web/proxy",
            "docker.io/library/nginx:1.25 other/pod.json:2 Pod//p/c",
            "reg.example/team/app:2.1 base/deploy.yaml:10 Deployment//web/web",
        ]
    );
    assert!(found.unresolved.is_empty(), "{:?}", found.unresolved);
}

#[test]
fn placeholders_variables_and_templates_are_unresolved_once_each() {
    let found = found(&[
        ("base/deploy.yaml", DEPLOY.replace("app:0", "app")),
        ("base/kustomization.yaml", "resources: [deploy.yaml]\n".into()),
        (
            "raw/job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers:\n        - name: j\n          image: ghcr.io/org/job:${TAG}\n".into(),
        ),
        (
            "chart/templates/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.enabled }}\nspec: {{ .Values.spec | toYaml }}\n{{- end }}\n".into(),
        ),
    ]
    .iter()
    .map(|(a, b)| (*a, b.as_str()))
    .collect::<Vec<_>>());
    let shown: Vec<String> = found.unresolved.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].starts_with("base/deploy.yaml:10: Deployment//web/web: image \"app\" has no tag"),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("chart/templates/deploy.yaml:1: a Helm template"),
        "{shown:?}"
    );
    assert!(
        shown[2].starts_with(
            "raw/job.yaml:9: Job//j/j: image \"ghcr.io/org/job:${TAG}\" holds a variable"
        ),
        "{shown:?}"
    );
    assert_eq!(
        sites(&found),
        ["docker.io/library/nginx:1.25 base/deploy.yaml:12 Deployment//web/proxy"]
    );
}

#[test]
fn flux_kustomizations_apply_their_images_and_substitute_variables() {
    let found = found(&[
        (
            "apps/base/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${REGISTRY}/web:${TAG}\n        - name: proxy\n          image: nginx:1.25\n        - name: side\n          image: ${SIDE}\n",
        ),
        ("apps/base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        (
            "apps/plain/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: p\n      image: app\n",
        ),
        (
            "clusters/prod/apps.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps/base\n  images:\n    - {name: nginx, newTag: '1.27'}\n  postBuild:\n    substitute: {REGISTRY: ghcr.io/org}\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-vars}\n      - {kind: Secret, name: in-the-cluster}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: plain, namespace: flux-system}\nspec:\n  path: ./apps/plain\n  images:\n    - {name: app, newName: ghcr.io/org/app, newTag: '5'}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: gone, namespace: flux-system}\nspec:\n  path: ./apps/gone\n",
        ),
        (
            "clusters/prod/vars.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-vars, namespace: flux-system}\ndata:\n  TAG: '2.0'\n",
        ),
    ]);
    assert_eq!(
        sites(&found),
        [
            "docker.io/library/nginx:1.27 apps/base/deploy.yaml:12 Deployment//web/proxy",
            "ghcr.io/org/app:5 apps/plain/pod.yaml:7 Pod//p/p",
            "ghcr.io/org/web:2.0 apps/base/deploy.yaml:10 Deployment//web/web",
        ]
    );
    let shown: Vec<String> = found.unresolved.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].starts_with("apps/base/deploy.yaml:14: Deployment//web/side: image \"${SIDE}\": variable SIDE is not set by Kustomization/flux-system/apps's postBuild (it may come from Secret/in-the-cluster)"),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("clusters/prod/apps.yaml:12: Kustomization/flux-system/apps: postBuild.substituteFrom Secret/in-the-cluster is not in the scanned tree"),
        "{shown:?}"
    );
    assert!(
        shown[2].starts_with("clusters/prod/apps.yaml:26: Kustomization/flux-system/gone: spec.path apps/gone holds no manifests"),
        "{shown:?}"
    );
}

#[test]
fn kustomize_patches_change_images_before_the_overrides() {
    let found = found(&[
        ("base/deploy.yaml", DEPLOY),
        ("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        (
            "prod/kustomization.yaml",
            "resources: [../base]\npatchesStrategicMerge: [web-image.yaml]\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |\n      - op: replace\n        path: /spec/template/spec/containers/1/image\n        value: nginx:1.26\nimages:\n  - {name: reg.example/web, newTag: '3'}\n",
        ),
        (
            "prod/web-image.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: reg.example/web:2\n",
        ),
    ]);
    assert_eq!(
        sites(&found),
        [
            "docker.io/library/nginx:1.26 base/deploy.yaml:12 Deployment//web/proxy",
            "reg.example/web:3 base/deploy.yaml:10 Deployment//web/web",
        ]
    );
    assert!(found.unresolved.is_empty(), "{:?}", found.unresolved);
}

#[test]
fn helm_release_values_from_the_tree_s_config_maps() {
    let found = found(&[(
        "apps/web.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: apps}\nspec:\n  chart: {spec: {chart: web}}\n  valuesFrom:\n    - {kind: ConfigMap, name: web-values}\n  values:\n    image: {tag: '2'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-values, namespace: apps}\ndata:\n  values.yaml: |\n    image:\n      repository: ghcr.io/org/web\n      tag: '1'\n",
    )]);
    assert_eq!(
        sites(&found),
        ["ghcr.io/org/web:2 apps/web.yaml:17 HelmRelease/apps/web/image"]
    );
    assert!(found.unresolved.is_empty(), "{:?}", found.unresolved);
}
