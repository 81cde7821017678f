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

/// The lines of every finding with `alias` in one file, sorted.
fn lines(report: &Value, file: &str, alias: &str) -> Vec<u64> {
    let mut out: Vec<u64> = findings(report, alias)
        .into_iter()
        .filter(|(path, _, _)| path == file)
        .map(|(_, _, line)| line)
        .collect();
    out.sort_unstable();
    out
}

fn scan_dir(dir: &Path) -> Value {
    let r = run(&["config", path_str(dir), "-f", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.json()
}

/// `count` and `for_each` as Trivy 0.76 expands them (checked with
/// `trivy config` on this module): one finding per instance, on the
/// block's lines; `count = 0` and a false condition make no instance; an
/// unknown count makes one, an unknown `for_each` none; `count.index`,
/// `each.key` and `each.value` resolve per instance.
#[test]
fn count_and_for_each_make_one_finding_per_instance() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        r#"variable "enabled" {}
variable "on" {
  default = false
}

resource "aws_s3_bucket" "zero" {
  count  = 0
  acl    = "public-read"
}

resource "aws_s3_bucket" "off" {
  count = var.on ? 1 : 0
  acl   = "public-read"
}

resource "aws_s3_bucket" "unknown" {
  count = var.enabled ? 1 : 0
  acl   = "public-read"
}

resource "aws_s3_bucket" "two" {
  count  = 2
  bucket = "two-${count.index}"
  acl    = "public-read"
}

resource "aws_s3_bucket" "idx" {
  count = 3
  acl   = count.index == 1 ? "public-read" : "private"
}

resource "aws_s3_bucket" "set" {
  for_each = toset(["a", "b", "c"])
  acl      = each.value == "b" ? "private" : "public-read"
}

resource "aws_s3_bucket" "map" {
  for_each = { x = "public-read", y = "private" }
  bucket   = each.key
  acl      = each.value
}

resource "aws_s3_bucket" "unknown_each" {
  for_each = var.enabled
  acl      = "public-read"
}
"#,
    );
    let report = scan_dir(dir.path());
    // Trivy: unknown[0] 18; two[0], two[1] 24; idx[1] 29; set["a"], set["c"]
    // 34; map["x"] 40.
    assert_eq!(
        lines(&report, "main.tf", "AWS-0092"),
        [18, 24, 24, 29, 34, 34, 40]
    );
    // AWS-0093 (no public access block) is on every instance's header.
    assert_eq!(
        lines(&report, "main.tf", "AWS-0093"),
        [16, 21, 21, 27, 27, 27, 32, 32, 32, 37, 37]
    );
}

/// `dynamic` blocks become nested blocks the checks see, their iterator
/// (named or not) bound; the blocks of one `dynamic` share the content's
/// lines and report once, as in Trivy; an unknown `for_each` makes none.
#[test]
fn dynamic_blocks_are_nested_blocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        r#"variable "rules" {}

resource "aws_security_group" "dyn" {
  name        = "dyn"
  description = "d"
  dynamic "ingress" {
    for_each = { ssh = 22, https = 443 }
    iterator = port
    content {
      from_port   = port.value
      to_port     = port.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_security_group" "unknown" {
  name        = "unknown"
  description = "d"
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_s3_bucket" "versioned" {
  bucket = "v"
  dynamic "versioning" {
    for_each = [false]
    content {
      enabled = versioning.value
    }
  }
}
"#,
    );
    let report = scan_dir(dir.path());
    // Trivy: AWS-0124 once on the content (line 9), AWS-0107 once (the
    // SSH instance, line 13), AWS-0090 on `enabled` (line 37).
    assert_eq!(lines(&report, "main.tf", "AWS-0124"), [9]);
    assert_eq!(lines(&report, "main.tf", "AWS-0107"), [13]);
    assert_eq!(lines(&report, "main.tf", "AWS-0090"), [37]);
}

/// A module with `count = 0` is not evaluated; one with `for_each`, or
/// called twice, reports once per instance and call in the module's file,
/// as in Trivy (`module.m["a"]`, `module.a`, `module.b`).
#[test]
fn module_instances_report_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        r#"module "none" {
  source = "./mod"
  count  = 0
  acl    = "public-read"
}

module "each" {
  source   = "./mod"
  for_each = { a = "public-read", b = "private" }
  acl      = each.value
}

module "twice" {
  source = "./mod"
  acl    = "public-read"
}
"#,
    );
    write(dir.path(), "mod/main.tf", MODULE_MAIN);
    write(
        dir.path(),
        "other/main.tf",
        ROOT_MAIN.replace("./modules/bucket", "../mod").as_str(),
    );
    let report = scan_dir(dir.path());
    // each["a"] and twice; other/'s call passes the private default.
    assert_eq!(lines(&report, "mod/main.tf", "AWS-0092"), [7, 7]);
    // Every instance and call: each["a"], each["b"], twice, other's logs.
    assert_eq!(lines(&report, "mod/main.tf", "AWS-0093"), [5, 5, 5, 5]);
}

/// Built-in functions and operators evaluate as in Terraform; Trivy
/// reports each of these buckets (AWS-0092 on `acl`).
#[test]
fn built_in_functions_are_evaluated() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        r#"variable "config" {
  default = { tier = "public" }
}
variable "unset" {}

locals {
  acls    = { public = "public-read", private = "private" }
  grants  = [for g in ["READ", "WRITE"] : lower(g)]
  by_name = { for k, v in local.acls : upper(k) => v }
}

resource "aws_s3_bucket" "a" {
  bucket = format("%s-%d", "b", 3)
  acl    = lookup(local.acls, var.config.tier, "private")
}
resource "aws_s3_bucket" "b" {
  acl = try(var.config.missing, "public-read")
}
resource "aws_s3_bucket" "c" {
  acl = coalesce("", merge({ acl = "private" }, { acl = "public-read" }).acl)
}
resource "aws_s3_bucket" "d" {
  acl = join("-", split(",", "public,read"))
}
resource "aws_s3_bucket" "e" {
  acl = element(concat(["private"], ["public-read"]), 3)
}
resource "aws_s3_bucket" "f" {
  acl = jsondecode(jsonencode({ acl = "public-read" })).acl
}
resource "aws_s3_bucket" "g" {
  count = length(keys(local.acls))
  acl   = contains(values(local.acls), "private") && local.grants[1] == "write" ? local.by_name["PUBLIC"] : "private"
}
resource "aws_s3_bucket" "h" {
  acl = tostring(tobool("true")) == "true" ? "public-read" : "private"
}
resource "aws_s3_bucket" "quiet" {
  acl = try(var.unset, "public-read")
}
resource "aws_s3_bucket" "quiet2" {
  acl = upper(var.unset)
}
"#,
    );
    let report = scan_dir(dir.path());
    assert_eq!(
        lines(&report, "main.tf", "AWS-0092"),
        [14, 17, 20, 23, 26, 29, 33, 33, 36]
    );
}

/// `.tf.json` resources expand like `.tf` ones; Trivy reports these lines
/// for this file.
#[test]
fn tf_json_count_and_for_each_expand() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf.json",
        r#"{
  "resource": {
    "aws_s3_bucket": {
      "zero": {
        "count": 0,
        "acl": "public-read"
      },
      "two": {
        "count": 2,
        "bucket": "two-${count.index}",
        "acl": "${count.index == 1 ? \"public-read\" : \"private\"}"
      },
      "each": {
        "for_each": {"a": "public-read", "b": "private"},
        "acl": "${each.value}"
      }
    }
  }
}
"#,
    );
    let report = scan_dir(dir.path());
    assert_eq!(lines(&report, "main.tf.json", "AWS-0092"), [11, 15]);
    assert_eq!(lines(&report, "main.tf.json", "AWS-0093"), [8, 8, 13, 13]);
}
