//! `scangate config DIR` on CloudFormation and ARM templates: adapted to the
//! Terraform model, checked with the same AWS and Azure rules, findings on
//! the template's lines, and unparseable templates as one warning each.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{path_str, run};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// (path, type, line) of every finding with the Trivy id `alias`.
fn findings(report: &Value, alias: &str) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for target in report["targets"].as_array().expect("targets") {
        for m in target["misconfigurations"]
            .as_array()
            .expect("misconfigurations")
        {
            if m["aliases"]
                .as_array()
                .expect("aliases")
                .iter()
                .any(|a| a == alias)
            {
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

const CFN: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Public:
    Type: String
    Default: "yes"
Conditions:
  MakePublic: !Equals [!Ref Public, "yes"]
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: !If [MakePublic, PublicRead, Private]
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      StorageEncrypted: false
      PubliclyAccessible: true
"#;

const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"httpsOnly": {"type": "bool", "defaultValue": false}},
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "store",
      "kind": "StorageV2",
      "properties": {
        "supportsHttpsTrafficOnly": "[parameters('httpsOnly')]",
        "minimumTlsVersion": "TLS1_0"
      }
    }
  ]
}
"#;

#[test]
fn cloudformation_and_arm_findings_on_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "cfn/stack.yaml", CFN);
    write(dir.path(), "arm/azuredeploy.json", ARM);
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let report = r.json();
    let cfn = |id| {
        (
            "cfn/stack.yaml".to_string(),
            "cloudformation".to_string(),
            id,
        )
    };
    assert_eq!(findings(&report, "AWS-0092"), [cfn(12)]);
    assert_eq!(findings(&report, "AWS-0080"), [cfn(16)]);
    assert_eq!(findings(&report, "AWS-0180"), [cfn(17)]);
    let arm = |id| {
        (
            "arm/azuredeploy.json".to_string(),
            "azure-arm".to_string(),
            id,
        )
    };
    assert_eq!(findings(&report, "AZU-0008"), [arm(12)]);
    assert_eq!(findings(&report, "AZU-0011"), [arm(13)]);
}

#[test]
fn unparseable_templates_are_one_warning_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "bad.yaml",
        "AWSTemplateFormatVersion: x\nResources: [\n",
    );
    write(
        dir.path(),
        "bad.json",
        "{\"$schema\": \"deploymentTemplate.json\", \"resources\": [\n",
    );
    write(dir.path(), "good.yaml", CFN);
    let r = run(&["config", path_str(dir.path()), "-f", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for name in ["bad.yaml", "bad.json"] {
        let lines = r.stderr.lines().filter(|l| l.contains(name)).count();
        assert_eq!(lines, 1, "one warning for {name}:\n{}", r.stderr);
    }
    let paths: Vec<String> = findings(&r.json(), "AWS-0092")
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(paths, ["good.yaml"]);
}
