//! `scangate config DIR` on Terraform and Dockerfiles: the checkers are
//! registered, findings land on the right lines with stable fingerprints,
//! Trivy ids suppress inline, and a broken file (or a Dockerfile's unreadable
//! lines) is a warning.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{path_str, run};

const MAIN_TF: &str = r#"resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}
"#;

const DOCKERFILE: &str = "FROM python:3.12-slim
HEALTHCHECK NONE
USER root
";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A config target as (path, type, [(id, start_line)]).
type Target = (String, String, Vec<(String, u64)>);

fn targets(report: &Value) -> Vec<Target> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let found = t["misconfigurations"]
                .as_array()
                .expect("misconfigurations")
                .iter()
                .map(|m| {
                    let id = m["id"].as_str().unwrap_or("").to_string();
                    (id, m["start_line"].as_u64().unwrap_or(0))
                })
                .collect();
            let path = t["path"].as_str().unwrap_or("").to_string();
            (path, t["type"].as_str().unwrap_or("").to_string(), found)
        })
        .collect()
}

fn config_json(root: &Path) -> Value {
    run(&["config", path_str(root), "-f", "json"]).json()
}

#[test]
fn terraform_and_dockerfile_findings_in_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "infra/main.tf", MAIN_TF);
    write(dir.path(), "app/Dockerfile", DOCKERFILE);
    let report = config_json(dir.path());
    let tf = |id: &str, line| (id.to_string(), line);
    assert_eq!(
        targets(&report),
        vec![
            (
                "app/Dockerfile".into(),
                "dockerfile".into(),
                vec![tf("SG-DS-002", 3)]
            ),
            (
                "infra/main.tf".into(),
                "terraform".into(),
                vec![
                    tf("SG-TF-003", 1),
                    tf("SG-TF-004", 1),
                    tf("SG-TF-005", 1),
                    tf("SG-TF-006", 1),
                    tf("SG-TF-007", 1),
                    tf("SG-TF-009", 1),
                    tf("SG-TF-010", 1),
                    tf("SG-TF-268", 1),
                    tf("SG-TF-002", 3),
                ]
            ),
        ]
    );
    insta::assert_json_snapshot!(report["targets"][1]["misconfigurations"][8]);
}

#[test]
fn fingerprints_survive_edits_above_the_finding() {
    let fingerprint = |content: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "main.tf", content);
        let report = config_json(dir.path());
        let found = &report["targets"][0]["misconfigurations"];
        let acl = found
            .as_array()
            .expect("misconfigurations")
            .iter()
            .find(|m| m["id"] == "SG-TF-002")
            .expect("public ACL finding")
            .clone();
        (acl["fingerprint"].clone(), acl["start_line"].clone())
    };
    let before = fingerprint(MAIN_TF);
    let after = fingerprint(&format!("# a comment\n\n{MAIN_TF}"));
    assert_eq!(before.0, after.0);
    assert_ne!(before.1, after.1);
}

#[test]
fn trivy_ids_suppress_inline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tf = MAIN_TF.replace(
        "  acl    = \"public-read\"\n",
        "  #trivy:ignore:AWS-0092\n  acl    = \"public-read\"\n",
    );
    write(dir.path(), "main.tf", &tf);
    let dockerfile = DOCKERFILE.replace("USER root\n", "# trivy:ignore:DS002\nUSER root\n");
    write(dir.path(), "Dockerfile", &dockerfile);
    let report = config_json(dir.path());
    let ignored: Vec<(&str, &str)> = report["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or(""),
                i["ignored_by"]["rule"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ignored,
        [("SG-DS-002", "DS002"), ("SG-TF-002", "AWS-0092")],
        "{report:#}"
    );
}

#[test]
fn broken_terraform_and_dockerfile_are_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "broken.tf",
        "resource \"a\" \"b\" {\n  x = \n}\n",
    );
    write(dir.path(), "Dockerfile", "FROM a:1\nRUN <<EOF\necho\n");
    write(dir.path(), "nofrom/Dockerfile", "RUN echo\n");
    write(dir.path(), "main.tf", MAIN_TF);
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("broken.tf") || l.contains("Dockerfile"))
        .collect();
    assert_eq!(warnings.len(), 3, "{}", r.stderr);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Dockerfile: line 2") && w.contains("heredoc")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("nofrom/Dockerfile") && w.contains("no FROM")),
        "{warnings:?}"
    );
    // The Dockerfile's unreadable heredoc is skipped; the stage before it
    // is still checked. A Dockerfile without any stage is not.
    let paths: Vec<String> = targets(&r.json()).into_iter().map(|t| t.0).collect();
    assert_eq!(paths, ["Dockerfile", "main.tf"]);
}
