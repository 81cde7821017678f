//! Google Cloud project-wide settings: OS Login in the project metadata and
//! Cloud Audit Logs configuration. Audit configs belong to the project
//! their `project` names (a reference to a `google_project`, or its literal
//! `project_id`), as in Trivy's adapter.

use super::gcp_compute::metadata_bool;
use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-411", "GCP-0042", "google-compute-project-level-oslogin", Medium,
            "Project metadata does not enable OS Login",
            "OS Login ties SSH access to IAM for every instance of the project, so access is \
             granted, audited and revoked centrally instead of through metadata SSH keys.",
            "Set `metadata = { enable-oslogin = \"TRUE\" }` in `google_compute_project_metadata`.",
        ),
        resources: &["google_compute_project_metadata"],
        test: Test::Custom(project_oslogin),
        bad: "resource \"google_compute_project_metadata\" \"a\" {\n  metadata = {\n    enable-oslogin = \"FALSE\"\n  }\n}\n",
        good: "resource \"google_compute_project_metadata\" \"a\" {\n  metadata = {\n    enable-oslogin = \"TRUE\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-412", "GCP-0079", "google-iam-configure-audit-logging", Low,
            "Project audit logging is missing or incomplete",
            "Data Access audit logs are off by default; without an audit config for \
             `allServices` with ADMIN_READ, DATA_READ and DATA_WRITE, reads and changes of data \
             leave no trace.",
            "Add a `google_project_iam_audit_config` with `service = \"allServices\"` and an \
             `audit_log_config` for each of ADMIN_READ, DATA_READ and DATA_WRITE.",
        ),
        resources: &["google_project", "google_project_iam_audit_config"],
        test: Test::Custom(audit_logging),
        bad: "resource \"google_project\" \"a\" {\n  project_id = \"p\"\n}\n",
        good: "resource \"google_project\" \"a\" {\n  project_id = \"p\"\n}\nresource \"google_project_iam_audit_config\" \"a\" {\n  project = google_project.a.project_id\n  service = \"allServices\"\n  audit_log_config {\n    log_type = \"ADMIN_READ\"\n  }\n  audit_log_config {\n    log_type = \"DATA_READ\"\n  }\n  audit_log_config {\n    log_type = \"DATA_WRITE\"\n  }\n}\n",
    },
];

/// GCP-0042: without `enable-oslogin` (or without metadata at all) OS Login
/// is off; a computed map is not judged. A separate
/// `google_compute_project_metadata_item` for the key counts too.
fn project_oslogin(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let item = module
        .resources("google_compute_project_metadata_item")
        .any(|i| {
            i.value("key").and_then(Value::as_str) == Some("enable-oslogin")
                && i.value("value").and_then(metadata_bool) != Some(false)
        });
    if item {
        return;
    }
    match block.attr("metadata") {
        None => found.push(missing(rule, block, block, "metadata.", "enable-oslogin")),
        Some(attr) => {
            let Value::Object(entries) = &attr.value else {
                return;
            };
            let flag = entries.iter().find(|(k, _)| k == "enable-oslogin");
            let off = match flag {
                None => true,
                Some((_, value)) => metadata_bool(value) == Some(false),
            };
            if off {
                found.push(Violation {
                    message: "Project metadata does not set `enable-oslogin` to true.".into(),
                    subject: format!("{}.metadata.enable-oslogin", block.address()),
                    ..wrong(rule, block, "", attr)
                });
            }
        }
    }
}

/// The log types an audit config must turn on.
const LOG_TYPES: [&str; 3] = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"];

/// Whether `config` is attached to `project`: its `project` refers to the
/// block, or equals the project's literal `project_id`.
fn belongs_to(config: &Block, project: &Block) -> bool {
    match config.value("project") {
        Some(Value::Reference(r)) => r
            .strip_prefix(project.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
        Some(Value::String(id)) => {
            project.value("project_id").and_then(Value::as_str) == Some(id.as_str())
        }
        _ => false,
    }
}

/// GCP-0079, as Trivy's three findings: a project without any audit config;
/// a project's config for a single service instead of `allServices`; any
/// config that leaves out a log type.
fn audit_logging(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.is_resource("google_project") {
        let configs: Vec<&Block> = module
            .resources("google_project_iam_audit_config")
            .filter(|c| belongs_to(c, block))
            .collect();
        // A config whose project is computed may be this project's.
        let unresolved = module
            .resources("google_project_iam_audit_config")
            .any(|c| matches!(c.value("project"), Some(Value::Unknown)));
        if configs.is_empty() && !unresolved {
            found.push(Violation {
                message: "The project has no `google_project_iam_audit_config`.".into(),
                ..missing(rule, block, block, "", "audit_config")
            });
        }
        for config in configs {
            if let Some(attr) = config
                .attr("service")
                .filter(|a| a.value.as_str().is_some_and(|s| s != "allServices"))
            {
                found.push(Violation {
                    message: "The project's audit config covers one service, not `allServices`."
                        .into(),
                    ..wrong(rule, config, "", attr)
                });
            }
        }
        return;
    }
    let configured: Vec<&Value> = block
        .blocks("audit_log_config")
        .filter_map(|c| c.value("log_type"))
        .collect();
    if configured.iter().any(|v| v.as_str().is_none()) {
        return;
    }
    let absent: Vec<&str> = LOG_TYPES
        .into_iter()
        .filter(|t| !configured.iter().any(|v| v.as_str() == Some(t)))
        .collect();
    if !absent.is_empty() {
        found.push(Violation {
            message: format!("The audit config does not log {}.", absent.join(", ")),
            ..missing(rule, block, block, "audit_log_config.", "log_type")
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::config::terraform::TerraformChecker;
    use crate::config::Checker;

    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }

    fn count(hcl: &str) -> usize {
        TerraformChecker::DEFAULT
            .check("main.tf", hcl)
            .expect("parses")
            .iter()
            .filter(|v| v.rule.id == "SG-TF-412")
            .count()
    }

    #[test]
    fn audit_configs_attach_by_project_id_and_report_each_gap() {
        let narrow = concat!(
            "resource \"google_project\" \"a\" {\n  project_id = \"p\"\n}\n",
            "resource \"google_project_iam_audit_config\" \"a\" {\n  project = \"p\"\n",
            "  service = \"storage.googleapis.com\"\n  audit_log_config {\n    log_type = \"ADMIN_READ\"\n  }\n}\n",
        );
        // One service only, and two log types missing.
        assert_eq!(count(narrow), 2);
        // A config for a project defined elsewhere is still judged by its
        // log types.
        let orphan = "resource \"google_project_iam_audit_config\" \"a\" {\n  project = \"elsewhere\"\n  service = \"allServices\"\n}\n";
        assert_eq!(count(orphan), 1);
    }

    #[test]
    fn project_metadata_without_the_flag_is_off() {
        let ids = |hcl: &str| -> Vec<&str> {
            TerraformChecker::DEFAULT
                .check("main.tf", hcl)
                .expect("parses")
                .into_iter()
                .map(|v| v.rule.id)
                .collect()
        };
        assert!(ids("resource \"google_compute_project_metadata\" \"a\" {\n  metadata = {\n    foo = \"bar\"\n  }\n}\n").contains(&"SG-TF-411"));
        assert!(!ids(
            "resource \"google_compute_project_metadata\" \"a\" {\n  metadata = var.m\n}\n"
        )
        .contains(&"SG-TF-411"));
    }
}
