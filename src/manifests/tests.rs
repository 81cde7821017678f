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
