//! `scangate config DIR` on Terraform as modules: variables from defaults,
//! `terraform.tfvars` and `--tf-vars`, local module calls whose findings
//! land in the module's files, `.tf.json`, plan JSON, and bad input
//! (unparseable files, recursive modules) as one warning each.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{path_str, run};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Every finding with a Trivy-style alias, as (path, type, alias, line).
fn findings(report: &Value, alias: &str) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for target in report["targets"].as_array().expect("targets") {
        for m in target["misconfigurations"]
            .as_array()
            .expect("misconfigurations")
        {
            let aliases: Vec<&str> = m["aliases"]
                .as_array()
                .expect("aliases")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if aliases.contains(&alias) {
                out.push((
                    target["path"].as_str().unwrap_or("").to_string(),
                    target["type"].as_str().unwrap_or("").to_string(),
                    m["start_line"].as_u64().unwrap_or(0),
                ));
            }
        }
    }
    out
}

const ROOT_MAIN: &str = r#"variable "acl" {
  default = "private"
}

module "logs" {
  source = "./modules/bucket"
  acl    = var.acl
}
"#;

const MODULE_MAIN: &str = r#"variable "acl" {
  default = "private"
}

resource "aws_s3_bucket" "this" {
  bucket = "logs"
  acl    = var.acl
}
"#;

#[test]
fn module_findings_land_in_the_module_with_tfvars_and_tf_vars_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", ROOT_MAIN);
    write(dir.path(), "modules/bucket/main.tf", MODULE_MAIN);
    let scan = |extra: &[&str]| {
        let mut args = vec!["config", path_str(dir.path()), "-f", "json"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        findings(&r.json(), "AWS-0092")
    };
    // The defaults are private on both levels.
    assert_eq!(scan(&[]), []);
    // terraform.tfvars of the root module reaches the module's resource.
    write(dir.path(), "terraform.tfvars", "acl = \"public-read\"\n");
    let public = vec![(
        "modules/bucket/main.tf".to_string(),
        "terraform".to_string(),
        7,
    )];
    assert_eq!(scan(&[]), public);
    // --tf-vars comes after terraform.tfvars and wins.
    let vars = dir.path().join("private.tfvars");
    std::fs::write(&vars, "acl = \"private\"\n").expect("write");
    assert_eq!(scan(&["--tf-vars", path_str(&vars)]), []);
}

#[test]
fn a_missing_tf_vars_file_is_unreadable_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", MODULE_MAIN);
    let missing = dir.path().join("nope.tfvars");
    let r = run(&[
        "config",
        path_str(dir.path()),
        "--tf-vars",
        path_str(&missing),
    ]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("nope.tfvars"), "{}", r.stderr);
}

#[test]
fn companions_in_other_files_of_the_module_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "bucket.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    );
    write(
        dir.path(),
        "access.tf",
        "resource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n",
    );
    let report = run(&["config", path_str(dir.path()), "-f", "json"]).json();
    assert_eq!(findings(&report, "AWS-0094"), []);
    assert_eq!(findings(&report, "AWS-0086"), []);
}

#[test]
fn tf_json_and_plan_json_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf.json",
        "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"site\": {\n        \"bucket\": \"site\",\n        \"acl\": \"public-read\"\n      }\n    }\n  }\n}\n",
    );
    write(
        dir.path(),
        "plan/tfplan.json",
        r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "child_modules": [{
        "address": "module.site",
        "resources": [{
          "address": "module.site.aws_s3_bucket.site",
          "mode": "managed",
          "type": "aws_s3_bucket",
          "name": "site",
          "values": {
            "bucket": "site",
            "acl": "public-read"
          }
        }]
      }]
    }
  }
}
"#,
    );
    let report = run(&["config", path_str(dir.path()), "-f", "json"]).json();
    assert_eq!(
        findings(&report, "AWS-0092"),
        [
            ("main.tf.json".to_string(), "terraform".to_string(), 6),
            (
                "plan/tfplan.json".to_string(),
                "terraformplan-json".to_string(),
                14
            ),
        ]
    );
}

#[test]
fn bad_input_is_one_warning_per_file_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "good/main.tf",
        MODULE_MAIN.replace("var.acl", "\"public-read\"").as_str(),
    );
    write(dir.path(), "broken/main.tf.json", "{\"resource\": {\n");
    write(
        dir.path(),
        "plan.json",
        "{\"format_version\": \"1.2\", \"planned_values\": {\n",
    );
    write(
        dir.path(),
        "loop/main.tf",
        "module \"again\" {\n  source = \"./\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n",
    );
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for name in ["broken/main.tf.json", "plan.json", "loop/main.tf"] {
        let lines = r.stderr.lines().filter(|l| l.contains(name)).count();
        assert_eq!(lines, 1, "one warning for {name}:\n{}", r.stderr);
    }
    assert!(r.stderr.contains("recursively"), "{}", r.stderr);
    let public: Vec<String> = findings(&r.json(), "AWS-0092")
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(public, ["good/main.tf", "loop/main.tf"]);
}
