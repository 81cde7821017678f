//! Google Cloud compute, networking and IAM at Trivy's breadth: instances
//! (metadata, Shielded VM, service accounts, disks), disks, subnetworks,
//! firewall rules, SSL policies, projects, IAM members and bindings, and
//! workload identity pool providers. Defaults follow Trivy's Terraform
//! adapter (e.g. an instance without `shielded_instance_config` has no
//! vTPM).

use super::hcl::{Attr, Block, Module, Value};
use super::is_world_cidr;
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

const INSTANCE: &[&str] = &["google_compute_instance"];

/// IAM member resources by level, as Trivy groups them.
const PROJECT_IAM: &[&str] = &["google_project_iam_member", "google_project_iam_binding"];
const FOLDER_IAM: &[&str] = &["google_folder_iam_member", "google_folder_iam_binding"];
const ORG_IAM: &[&str] = &[
    "google_organization_iam_member",
    "google_organization_iam_binding",
];
const ALL_IAM: &[&str] = &[
    "google_project_iam_member",
    "google_project_iam_binding",
    "google_folder_iam_member",
    "google_folder_iam_binding",
    "google_organization_iam_member",
    "google_organization_iam_binding",
];

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-200", "GCP-0030", "google-compute-no-project-wide-ssh-keys", Medium,
            "Instance accepts project-wide SSH keys",
            "A project-wide key opens every instance of the project; one leaked key is enough.",
            "Set `metadata = { block-project-ssh-keys = true }`.",
        ),
        resources: INSTANCE,
        test: Test::Custom(project_ssh_keys),
        bad: "resource \"google_compute_instance\" \"a\" {}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  metadata = {\n    block-project-ssh-keys = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-201", "GCP-0036", "google-compute-no-oslogin-override", Medium,
            "Instance metadata turns OS Login off or leaves it out",
            "OS Login ties SSH access to IAM, so it is granted, audited and revoked centrally. \
             Metadata written on the instance without `enable-oslogin` counts as off (as in \
             Trivy).",
            "Set `enable-oslogin = \"TRUE\"` in the instance's metadata.",
        ),
        resources: INSTANCE,
        test: Test::Custom(oslogin_override),
        bad: "resource \"google_compute_instance\" \"a\" {\n  metadata = {\n    enable-oslogin = false\n  }\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  metadata = {\n    enable-oslogin = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-202", "GCP-0032", "google-compute-no-serial-port", Medium,
            "Instance enables the interactive serial console",
            "The serial console accepts connections from any address with the right key, \
             bypassing firewall rules.",
            "Remove `serial-port-enable = true` from the metadata.",
        ),
        resources: INSTANCE,
        test: Test::Custom(serial_port),
        bad: "resource \"google_compute_instance\" \"a\" {\n  metadata = {\n    serial-port-enable = true\n  }\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-203", "GCP-0041", "google-compute-enable-shielded-vm-vtpm", Medium,
            "Instance has no virtual TPM",
            "The vTPM enables measured boot, which detects tampering with the boot chain.",
            "Add `shielded_instance_config { enable_vtpm = true }`.",
        ),
        resources: INSTANCE,
        test: Test::Custom(shielded_vtpm),
        bad: "resource \"google_compute_instance\" \"a\" {}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  shielded_instance_config {\n    enable_vtpm = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-204", "GCP-0045", "google-compute-enable-shielded-vm-im", Medium,
            "Instance has Shielded VM integrity monitoring disabled",
            "Integrity monitoring reports when the boot sequence changes.",
            "Add `shielded_instance_config { enable_integrity_monitoring = true }`.",
        ),
        resources: INSTANCE,
        test: Test::Custom(shielded_integrity),
        bad: "resource \"google_compute_instance\" \"a\" {}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  shielded_instance_config {\n    enable_integrity_monitoring = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-205", "GCP-0067", "google-compute-enable-shielded-vm-sb", Medium,
            "Instance has Shielded VM Secure Boot disabled",
            "Secure Boot refuses boot components that are not signed, stopping rootkits.",
            "Add `shielded_instance_config { enable_secure_boot = true }`.",
        ),
        resources: INSTANCE,
        test: Test::IsTrue("shielded_instance_config.enable_secure_boot"),
        bad: "resource \"google_compute_instance\" \"a\" {}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  shielded_instance_config {\n    enable_secure_boot = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-206", "GCP-0043", "google-compute-no-ip-forwarding", High,
            "Instance forwards IP traffic",
            "IP forwarding lets the instance route packets not addressed to it, bypassing \
             firewall rules; only network appliances need it.",
            "Remove `can_ip_forward = true`.",
        ),
        resources: INSTANCE,
        test: Test::NotTrue("can_ip_forward"),
        bad: "resource \"google_compute_instance\" \"a\" {\n  can_ip_forward = true\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-207", "GCP-0044", "google-compute-no-default-service-account", Critical,
            "Instance runs as the default Compute Engine service account",
            "The default service account has the Editor role on the project.",
            "Create a service account with the roles needed and set \
             `service_account { email = google_service_account.x.email }`.",
        ),
        resources: INSTANCE,
        test: Test::Custom(default_service_account),
        bad: "resource \"google_compute_instance\" \"a\" {\n  service_account {\n    email = \"123-compute@developer.gserviceaccount.com\"\n  }\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  service_account {\n    email = google_service_account.a.email\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-208", "GCP-0031", "google-compute-no-public-ip", High,
            "Instance has a public IP address",
            "An `access_config` gives the instance an external address reachable from the \
             internet.",
            "Remove `access_config` and reach the instance through IAP, a bastion or a load \
             balancer.",
        ),
        resources: INSTANCE,
        test: Test::Custom(public_ip),
        bad: "resource \"google_compute_instance\" \"a\" {\n  network_interface {\n    access_config {}\n  }\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  network_interface {\n    network = \"default\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-209", "GCP-0033", "google-compute-vm-disk-encryption-customer-key", Low,
            "Instance disk is not encrypted with a customer-managed key",
            "A key you manage makes access to the disk auditable and revocable.",
            "Set `kms_key_self_link` on `boot_disk` and each `attached_disk`.",
        ),
        resources: INSTANCE,
        test: Test::Custom(instance_disk_keys),
        bad: "resource \"google_compute_instance\" \"a\" {\n  boot_disk {\n    auto_delete = true\n  }\n}\n",
        good: "resource \"google_compute_instance\" \"a\" {\n  boot_disk {\n    kms_key_self_link = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-210", "GCP-0037", "google-compute-disk-encryption-no-plaintext-key", Critical,
            "Disk encryption key is written in plain text",
            "A raw key in the configuration is readable by everyone with the repository or the \
             state file.",
            "Use `kms_key_self_link` instead of a raw key.",
        ),
        resources: &["google_compute_instance", "google_compute_disk"],
        test: Test::Custom(raw_disk_keys),
        bad: "resource \"google_compute_disk\" \"a\" {\n  disk_encryption_key {\n    raw_key = \"b2ggbm8gdGhpcyBpcyBiYWQ=\"\n  }\n}\n",
        good: "resource \"google_compute_disk\" \"a\" {\n  disk_encryption_key {\n    kms_key_self_link = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-211", "GCP-0034", "google-compute-disk-encryption-customer-key", Low,
            "Disk is not encrypted with a customer-managed key",
            "A key you manage makes access to the disk auditable and revocable.",
            "Add `disk_encryption_key { kms_key_self_link = google_kms_crypto_key.x.id }`.",
        ),
        resources: &["google_compute_disk"],
        test: Test::Present("disk_encryption_key.kms_key_self_link"),
        bad: "resource \"google_compute_disk\" \"a\" {}\n",
        good: "resource \"google_compute_disk\" \"a\" {\n  disk_encryption_key {\n    kms_key_self_link = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-212", "GCP-0029", "google-compute-enable-vpc-flow-logs", Low,
            "Subnetwork has no VPC flow logs",
            "Flow logs are the record of which addresses talked to what.",
            "Add `log_config { aggregation_interval = \"INTERVAL_5_SEC\" }`.",
        ),
        resources: &["google_compute_subnetwork"],
        test: Test::Custom(flow_logs),
        bad: "resource \"google_compute_subnetwork\" \"a\" {}\n",
        good: "resource \"google_compute_subnetwork\" \"a\" {\n  log_config {\n    aggregation_interval = \"INTERVAL_5_SEC\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-213", "GCP-0076", "google-compute-google-compute-subnetwork-logging", Medium,
            "Subnetwork logging is not configured",
            "Flow logs are the record of which addresses talked to what.",
            "Add a `log_config` block.",
        ),
        resources: &["google_compute_subnetwork"],
        test: Test::Custom(flow_logs),
        bad: "resource \"google_compute_subnetwork\" \"a\" {}\n",
        good: "resource \"google_compute_subnetwork\" \"a\" {\n  log_config {\n    aggregation_interval = \"INTERVAL_5_SEC\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-231", "GCP-0075", "google-compute-enable-subnetwork-private-google-access", Low,
            "Subnetwork does not enable Private Google Access",
            "Without it, instances without external addresses reach Google APIs only through a \
             NAT or public IPs, which tempts teams to give them external addresses.",
            "Set `private_ip_google_access = true`.",
        ),
        resources: &["google_compute_subnetwork"],
        test: Test::IsTrue("private_ip_google_access"),
        bad: "resource \"google_compute_subnetwork\" \"a\" {}\n",
        good: "resource \"google_compute_subnetwork\" \"a\" {\n  private_ip_google_access = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-232", "GCP-0073", "google-compute-disable-default-firewall-rules", Medium,
            "Firewall rule looks like one of the default network's rules",
            "The default network's rules (everything from 10.128.0.0/9, SSH, RDP and ICMP from \
             anywhere) are broader than any workload needs.",
            "Replace it with rules for the sources and ports needed.",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(default_like_rule),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"10.128.0.0/9\"]\n  allow {\n    protocol = \"tcp\"\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"10.1.0.0/16\"]\n  allow {\n    protocol = \"tcp\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-214", "GCP-0035", "google-compute-no-public-egress", Critical,
            "Firewall rule allows egress to any address",
            "Unrestricted egress lets malware reach its command server and data leave.",
            "Set `destination_ranges` to the destinations needed.",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(open_egress),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  direction = \"EGRESS\"\n  allow {\n    protocol = \"tcp\"\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  direction = \"EGRESS\"\n  destination_ranges = [\"10.0.0.0/8\"]\n  allow {\n    protocol = \"tcp\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-215", "GCP-0071", "google-compute-restrict-ssh-access", Medium,
            "Firewall rule allows SSH from the internet",
            "SSH open to the internet is scanned and brute-forced within minutes.",
            "Restrict `source_ranges` (e.g. to IAP's `35.235.240.0/20`).",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(open_ssh),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"0.0.0.0/0\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"22\"]\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"35.235.240.0/20\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"22\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-216", "GCP-0070", "google-compute-no-open-rdp-access", High,
            "Firewall rule allows RDP from the internet",
            "RDP open to the internet is a leading ransomware entry point.",
            "Restrict `source_ranges` (e.g. to IAP's `35.235.240.0/20`).",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(open_rdp),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"0.0.0.0/0\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"3389\"]\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"10.0.0.0/8\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"3389\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-217", "GCP-0072", "google-compute-disable-allow-all-ports", Medium,
            "Firewall rule allows all ports",
            "A rule without `ports` (or with 0-65535) exposes every service on the targets.",
            "List the ports needed: `ports = [\"443\"]`.",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(all_ports),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  allow {\n    protocol = \"tcp\"\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  allow {\n    protocol = \"tcp\"\n    ports = [\"443\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-218", "GCP-0074", "google-compute-disable-port-range-rule", Low,
            "Firewall rule allows a large port range",
            "Ranges of more than 30 ports usually open more than the service needs.",
            "List the ports needed instead of a wide range.",
        ),
        resources: &["google_compute_firewall"],
        test: Test::Custom(large_port_range),
        bad: "resource \"google_compute_firewall\" \"a\" {\n  allow {\n    protocol = \"tcp\"\n    ports = [\"1000-2000\"]\n  }\n}\n",
        good: "resource \"google_compute_firewall\" \"a\" {\n  allow {\n    protocol = \"tcp\"\n    ports = [\"8080-8090\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-219", "GCP-0039", "google-compute-use-secure-tls-policy", Critical,
            "SSL policy allows TLS older than 1.2",
            "TLS 1.0 (the default) and 1.1 have known weaknesses.",
            "Set `min_tls_version = \"TLS_1_2\"`.",
        ),
        resources: &["google_compute_ssl_policy"],
        test: Test::OneOf("min_tls_version", &["TLS_1_2", "TLS_1_3"]),
        bad: "resource \"google_compute_ssl_policy\" \"a\" {}\n",
        good: "resource \"google_compute_ssl_policy\" \"a\" {\n  min_tls_version = \"TLS_1_2\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-220", "GCP-0010", "google-iam-no-default-network", High,
            "Project creates the default network",
            "The default network comes with permissive firewall rules (SSH and RDP from anywhere).",
            "Set `auto_create_network = false`.",
        ),
        resources: &["google_project"],
        test: Test::IsFalse("auto_create_network"),
        bad: "resource \"google_project\" \"a\" {}\n",
        good: "resource \"google_project\" \"a\" {\n  auto_create_network = false\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-221", "GCP-0003", "google-iam-no-user-granted-permissions", Medium,
            "IAM role granted directly to a user",
            "Roles granted to individuals are forgotten when people change teams; groups are \
             easier to review and revoke.",
            "Grant the role to a group: `member = \"group:team@example.com\"`.",
        ),
        resources: ALL_IAM,
        test: Test::Custom(user_members),
        bad: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/viewer\"\n  member = \"user:jane@example.com\"\n}\n",
        good: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/viewer\"\n  member = \"group:team@example.com\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-222", "GCP-0007", "google-iam-no-privileged-service-accounts", High,
            "Service account granted a privileged role",
            "Owner, Editor and admin roles on a service account turn any leak of its key or any \
             compromise of its workload into a project takeover.",
            "Grant the service account only the specific roles it needs.",
        ),
        resources: ALL_IAM,
        test: Test::Custom(privileged_service_accounts),
        bad: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/owner\"\n  member = \"serviceAccount:ci@p.iam.gserviceaccount.com\"\n}\n",
        good: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/storage.objectViewer\"\n  member = \"serviceAccount:ci@p.iam.gserviceaccount.com\"\n}\n",
    },
    iam_level_check(trivy_rule!(
        "SG-TF-223", "GCP-0006", "google-iam-no-project-level-default-service-account-assignment", Medium,
        "Project role granted to a default service account",
        "Default service accounts are shared by every instance or App Engine app; roles \
         granted to them reach all of those.",
        "Create a dedicated service account for the workload.",
    ), PROJECT_IAM, default_account_members),
    iam_level_check(trivy_rule!(
        "SG-TF-224", "GCP-0004", "google-iam-no-folder-level-default-service-account-assignment", Medium,
        "Folder role granted to a default service account",
        "Default service accounts are shared by every instance or App Engine app; roles \
         granted to them reach all of those.",
        "Create a dedicated service account for the workload.",
    ), FOLDER_IAM, default_account_members),
    iam_level_check(trivy_rule!(
        "SG-TF-225", "GCP-0008", "google-iam-no-org-level-default-service-account-assignment", Medium,
        "Organization role granted to a default service account",
        "Default service accounts are shared by every instance or App Engine app; roles \
         granted to them reach all of those.",
        "Create a dedicated service account for the workload.",
    ), ORG_IAM, default_account_members),
    iam_level_check(trivy_rule!(
        "SG-TF-226", "GCP-0011", "google-iam-no-project-level-service-account-impersonation", Medium,
        "Service account impersonation granted at project level",
        "Service Account User or Token Creator on the project lets the member act as every \
         service account in it.",
        "Grant impersonation on the one service account needed.",
    ), PROJECT_IAM, impersonation_roles),
    iam_level_check(trivy_rule!(
        "SG-TF-227", "GCP-0005", "google-iam-no-folder-level-service-account-impersonation", Medium,
        "Service account impersonation granted at folder level",
        "Service Account User or Token Creator on a folder lets the member act as every \
         service account below it.",
        "Grant impersonation on the one service account needed.",
    ), FOLDER_IAM, impersonation_roles),
    iam_level_check(trivy_rule!(
        "SG-TF-228", "GCP-0009", "google-iam-no-org-level-service-account-impersonation", Medium,
        "Service account impersonation granted at organization level",
        "Service Account User or Token Creator on the organization lets the member act as \
         every service account in it.",
        "Grant impersonation on the one service account needed.",
    ), ORG_IAM, impersonation_roles),
    Check {
        rule: trivy_rule!(
            "SG-TF-229", "GCP-0069", "google-iam-no-personal-emails", Low,
            "IAM role granted to a personal email account",
            "Personal accounts are outside the organization's control: no MFA policy, no \
             offboarding.",
            "Grant roles to accounts of your organization's domain.",
        ),
        resources: ALL_IAM,
        test: Test::Custom(personal_emails),
        bad: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/viewer\"\n  member = \"user:jane@gmail.com\"\n}\n",
        good: "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/viewer\"\n  member = \"group:team@example.com\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-230", "GCP-0068", "google-iam-no-conditions-workload-identity-pool-provider", High,
            "Workload identity pool provider has no attribute condition",
            "Without a condition, any identity the external issuer vouches for (any GitHub \
             repository, for example) can obtain Google credentials.",
            "Set `attribute_condition = \"assertion.repository_owner == 'my-org'\"`.",
        ),
        resources: &["google_iam_workload_identity_pool_provider"],
        test: Test::Present("attribute_condition"),
        bad: "resource \"google_iam_workload_identity_pool_provider\" \"a\" {}\n",
        good: "resource \"google_iam_workload_identity_pool_provider\" \"a\" {\n  attribute_condition = \"assertion.repository_owner == 'my-org'\"\n}\n",
    },
];

/// An IAM check on members of one level (project, folder, organization).
const fn iam_level_check(
    rule: Rule,
    resources: &'static [&'static str],
    test: fn(&Module, &Block, &'static Rule, &mut Vec<Violation>),
) -> Check {
    Check {
        rule,
        resources,
        test: Test::Custom(test),
        bad: IAM_BAD,
        good: IAM_GOOD,
    }
}

const IAM_BAD: &str = "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/iam.serviceAccountUser\"\n  member = \"serviceAccount:1-compute@developer.gserviceaccount.com\"\n}\nresource \"google_folder_iam_member\" \"a\" {\n  role = \"roles/iam.serviceAccountTokenCreator\"\n  member = \"serviceAccount:p@appspot.gserviceaccount.com\"\n}\nresource \"google_organization_iam_binding\" \"a\" {\n  role = \"roles/iam.serviceAccountUser\"\n  members = [\"serviceAccount:1-compute@developer.gserviceaccount.com\"]\n}\n";
const IAM_GOOD: &str = "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/viewer\"\n  member = \"group:team@example.com\"\n}\n";

/// The metadata map of an instance, when it is a literal object.
fn metadata_value<'a>(block: &'a Block, key: &str) -> Option<&'a Value> {
    match &block.attr("metadata")?.value {
        Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// GCP-0030: `block-project-ssh-keys` must be true; without it (or without
/// metadata) project keys are accepted.
fn project_ssh_keys(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let literal_metadata = matches!(block.value("metadata"), None | Some(Value::Object(_)));
    if !literal_metadata {
        return;
    }
    match metadata_value(block, "block-project-ssh-keys").map(Value::as_bool) {
        Some(Some(true)) | Some(None) => {}
        _ => {
            let owner = block.attr("metadata");
            found.push(Violation {
                message: "Instance does not block project-wide SSH keys.".into(),
                start_line: owner.map_or(block.line, |a| a.line),
                end_line: owner.map_or(block.line, |a| a.end_line),
                ..missing(rule, block, block, "metadata.", "block-project-ssh-keys")
            })
        }
    }
}

/// A metadata value as a boolean, read as Trivy reads it: `true`, `yes`,
/// `y`, `on`, `1` (any case) and their opposites, or a number 1/0.
pub(super) fn metadata_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if *n == 1.0 => Some(true),
        Value::Number(n) if *n == 0.0 => Some(false),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "on" => Some(true),
            "false" | "no" | "n" | "0" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A metadata key set to a literal boolean, reported on the metadata.
fn metadata_flag(
    block: &Block,
    key: &str,
    bad: bool,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if metadata_value(block, key).and_then(metadata_bool) == Some(bad) {
        if let Some(attr) = block.attr("metadata") {
            found.push(Violation {
                message: format!("Instance metadata sets `{key} = {bad}`."),
                subject: format!("{}.metadata.{key}", block.address()),
                ..wrong(rule, block, "", attr)
            });
        }
    }
}

/// GCP-0036, as Trivy's adapter reads it: an instance that sets its own
/// literal metadata without `enable-oslogin` turns OS Login off too.
fn oslogin_override(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(attr) = block.attr("metadata") else {
        return;
    };
    let Value::Object(entries) = &attr.value else {
        return;
    };
    if entries.iter().any(|(k, _)| k == "enable-oslogin") {
        metadata_flag(block, "enable-oslogin", false, rule, found);
    } else {
        found.push(Violation {
            message: "Instance metadata does not set `enable-oslogin`, so OS Login is off.".into(),
            subject: format!("{}.metadata.enable-oslogin", block.address()),
            ..wrong(rule, block, "", attr)
        });
    }
}

fn serial_port(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    metadata_flag(block, "serial-port-enable", true, rule, found);
}

/// A Shielded VM setting that is off without the block and on (by
/// default) inside it.
fn shielded_setting(block: &Block, key: &str, rule: &'static Rule, found: &mut Vec<Violation>) {
    match block.blocks("shielded_instance_config").next() {
        None => found.push(missing(
            rule,
            block,
            block,
            "shielded_instance_config.",
            key,
        )),
        Some(config) => {
            if let Some(attr) = config
                .attr(key)
                .filter(|a| a.value.as_bool() == Some(false))
            {
                found.push(wrong(rule, block, "shielded_instance_config.", attr));
            }
        }
    }
}

fn shielded_vtpm(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    shielded_setting(block, "enable_vtpm", rule, found);
}

fn shielded_integrity(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    shielded_setting(block, "enable_integrity_monitoring", rule, found);
}

/// GCP-0044: an empty email or a `-compute@developer` one; a reference to
/// a `google_service_account` is a dedicated account.
fn default_service_account(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for account in block.blocks("service_account") {
        match account.attr("email") {
            None => found.push(missing(rule, block, account, "service_account.", "email")),
            Some(attr)
                if attr.value.as_str().is_some_and(|e| {
                    e.is_empty() || e.ends_with("-compute@developer.gserviceaccount.com")
                }) =>
            {
                found.push(wrong(rule, block, "service_account.", attr))
            }
            Some(_) => {}
        }
    }
}

fn public_ip(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (index, interface) in block.blocks("network_interface").enumerate() {
        if let Some(config) = interface.blocks("access_config").next() {
            found.push(Violation {
                rule,
                message: "Network interface has an external IP address (`access_config`).".into(),
                start_line: config.line,
                end_line: config.line,
                subject: format!(
                    "{}.network_interface[{index}].access_config",
                    block.address()
                ),
            });
        }
    }
}

fn instance_disk_keys(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for kind in ["boot_disk", "attached_disk"] {
        for (index, disk) in block.blocks(kind).enumerate() {
            let prefix = format!("{kind}[{index}].");
            match disk.attr("kms_key_self_link") {
                None => found.push(missing(rule, block, disk, &prefix, "kms_key_self_link")),
                Some(attr) if super::spec::is_empty(&attr.value) => {
                    found.push(wrong(rule, block, &prefix, attr))
                }
                Some(_) => {}
            }
        }
    }
}

fn raw_disk_keys(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let mut report = |prefix: String, attr: &Attr| {
        if !super::spec::is_empty(&attr.value) {
            found.push(wrong(rule, block, &prefix, attr));
        }
    };
    for kind in ["boot_disk", "attached_disk"] {
        for (index, disk) in block.blocks(kind).enumerate() {
            if let Some(attr) = disk.attr("disk_encryption_key_raw") {
                report(format!("{kind}[{index}]."), attr);
            }
        }
    }
    for key in block.blocks("disk_encryption_key") {
        if let Some(attr) = key.attr("raw_key") {
            report("disk_encryption_key.".into(), attr);
        }
    }
}

fn flow_logs(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let purpose = block.value("purpose").and_then(Value::as_str).unwrap_or("");
    let proxy = matches!(
        purpose,
        "REGIONAL_MANAGED_PROXY" | "GLOBAL_MANAGED_PROXY" | "INTERNAL_HTTPS_LOAD_BALANCER"
    );
    if !proxy && block.blocks("log_config").next().is_none() {
        found.push(missing(rule, block, block, "", "log_config"));
    }
}

/// A firewall rule's `allow` blocks, unless the rule is disabled.
fn allows(block: &Block) -> Vec<&Block> {
    if block.value("disabled").and_then(Value::as_bool) == Some(true) {
        return Vec::new();
    }
    block.blocks("allow").collect()
}

fn is_egress(block: &Block) -> bool {
    block
        .value("direction")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("EGRESS"))
}

/// The attribute holding the rule's internet-wide ranges (`source_ranges`
/// or `destination_ranges`), or `None` when it is absent (Trivy then
/// assumes 0.0.0.0/0, reported on the header) — as `Err(())`.
fn world_ranges<'a>(block: &'a Block, key: &str) -> Option<Result<&'a Attr, ()>> {
    match block.attr(key) {
        None => Some(Err(())),
        Some(attr) if attr.value.strings().iter().any(|c| is_world_cidr(c)) => Some(Ok(attr)),
        Some(_) => None,
    }
}

fn report_ranges(
    rule: &'static Rule,
    block: &Block,
    key: &str,
    ranges: Result<&Attr, ()>,
    found: &mut Vec<Violation>,
) {
    match ranges {
        Ok(attr) => found.push(wrong(rule, block, "", attr)),
        Err(()) => found.push(Violation {
            message: format!("`{key}` is not set, so it is 0.0.0.0/0."),
            ..missing(rule, block, block, "", key)
        }),
    }
}

fn open_egress(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_egress(block) && !allows(block).is_empty() {
        if let Some(ranges) = world_ranges(block, "destination_ranges") {
            report_ranges(rule, block, "destination_ranges", ranges, found);
        }
    }
}

/// Whether a port spec (`"22"`, `"20-30"`) includes `port`; no ports means
/// all ports.
fn ports_include(allow: &Block, port: i64) -> bool {
    match allow.value("ports") {
        None => true,
        Some(ports) => ports.strings().iter().any(|p| match p.split_once('-') {
            Some((from, to)) => match (from.trim().parse::<i64>(), to.trim().parse::<i64>()) {
                (Ok(from), Ok(to)) => (from..=to).contains(&port),
                _ => false,
            },
            None => p.trim().parse::<i64>() == Ok(port),
        }),
    }
}

/// An ingress rule from the internet allowing TCP (or all protocols) to
/// `port`.
fn open_port(block: &Block, port: i64, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_egress(block) {
        return;
    }
    let reaches = allows(block).into_iter().any(|allow| {
        let protocol = allow
            .value("protocol")
            .and_then(Value::as_str)
            .unwrap_or("tcp")
            .to_ascii_lowercase();
        matches!(protocol.as_str(), "tcp" | "all" | "6") && ports_include(allow, port)
    });
    if reaches {
        if let Some(ranges) = world_ranges(block, "source_ranges") {
            if block.attr("source_tags").is_none() || ranges.is_ok() {
                report_ranges(rule, block, "source_ranges", ranges, found);
            }
        }
    }
}

/// GCP-0073: an ingress allow rule from the default network's internal
/// range or from anywhere (no `source_ranges` means anywhere).
fn default_like_rule(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_egress(block) || allows(block).is_empty() {
        return;
    }
    match block.attr("source_ranges") {
        None if block.attr("source_tags").is_none() => {
            found.push(missing(rule, block, block, "", "source_ranges"))
        }
        Some(attr)
            if attr
                .value
                .strings()
                .iter()
                .any(|c| *c == "10.128.0.0/9" || is_world_cidr(c)) =>
        {
            found.push(wrong(rule, block, "", attr))
        }
        _ => {}
    }
}

fn open_ssh(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    open_port(block, 22, rule, found);
}

/// GCP-0070 (unlike GCP-0071) leaves rules scoped by network tags alone,
/// as Trivy does.
fn open_rdp(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if !uses_tags(block) {
        open_port(block, 3389, rule, found);
    }
}

/// Whether a firewall rule is scoped by source or target network tags (a
/// computed tag list counts as scoped).
pub(super) fn uses_tags(block: &Block) -> bool {
    ["source_tags", "target_tags"]
        .iter()
        .filter_map(|k| block.value(k))
        .any(|v| !matches!(v, Value::List(items) if items.is_empty()) && !matches!(v, Value::Null))
}

/// GCP-0072, as Trivy checks it: any enabled allow rule (ingress or
/// egress, any protocol) without `ports`, with `0-65535`, or for all
/// protocols.
fn all_ports(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (index, allow) in allows(block).into_iter().enumerate() {
        let protocol = allow
            .value("protocol")
            .and_then(Value::as_str)
            .unwrap_or("tcp")
            .to_ascii_lowercase();
        match allow.attr("ports") {
            None => found.push(missing(
                rule,
                block,
                allow,
                &format!("allow[{index}]."),
                "ports",
            )),
            Some(attr)
                if matches!(protocol.as_str(), "all" | "-1")
                    || attr
                        .value
                        .strings()
                        .iter()
                        .any(|p| matches!(p.trim(), "0-65535" | "1-65535")) =>
            {
                found.push(wrong(rule, block, &format!("allow[{index}]."), attr))
            }
            Some(_) => {}
        }
    }
}

/// GCP-0074: ingress `allow` or `deny` ranges of more than 30 ports; no
/// `ports` means all of them.
fn large_port_range(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_egress(block) {
        return;
    }
    for (index, allow) in block
        .blocks("allow")
        .chain(block.blocks("deny"))
        .enumerate()
    {
        let prefix = format!("{}[{index}].", allow.kind);
        let Some(attr) = allow.attr("ports") else {
            found.push(Violation {
                message: "`ports` is not set, so the rule covers all 65535 ports.".into(),
                ..missing(rule, block, allow, &prefix, "ports")
            });
            continue;
        };
        let wide = attr.value.strings().iter().any(|p| {
            p.split_once('-').is_some_and(|(from, to)| {
                match (from.trim().parse::<i64>(), to.trim().parse::<i64>()) {
                    (Ok(from), Ok(to)) => to - from > 30,
                    _ => false,
                }
            })
        });
        if wide {
            found.push(wrong(rule, block, &prefix, attr));
        }
    }
}

/// The members of an IAM member or binding resource, with their attribute.
fn members(block: &Block) -> Vec<(&str, &Attr)> {
    ["member", "members"]
        .iter()
        .filter_map(|k| block.attr(k))
        .flat_map(|attr| attr.value.strings().into_iter().map(move |m| (m, attr)))
        .collect()
}

fn role(block: &Block) -> &str {
    block.value("role").and_then(Value::as_str).unwrap_or("")
}

/// Reports each member matching `matches`, once per attribute.
fn report_members(
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
    matches: impl Fn(&str) -> bool,
) {
    let mut reported: Vec<&str> = Vec::new();
    for (member, attr) in members(block) {
        if matches(member) && !reported.contains(&attr.key.as_str()) {
            reported.push(&attr.key);
            found.push(Violation {
                message: format!("IAM member {member:?} is granted `{}`.", role(block)),
                ..wrong(rule, block, "", attr)
            });
        }
    }
}

fn user_members(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    report_members(block, rule, found, |m| m.starts_with("user:"));
}

fn privileged_service_accounts(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let role = role(block);
    if matches!(role, "roles/owner" | "roles/editor")
        || role.to_ascii_lowercase().ends_with("admin")
    {
        report_members(block, rule, found, |m| m.starts_with("serviceAccount:"));
    }
}

fn default_account_members(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    report_members(block, rule, found, |m| {
        m.ends_with("-compute@developer.gserviceaccount.com")
            || m.ends_with("@appspot.gserviceaccount.com")
    });
    // A reference to a `*_default_service_account` data source or resource
    // names the default account too (as Trivy resolves it).
    let default_ref = |v: &Value| {
        matches!(v, Value::Reference(r) if r
            .trim_start_matches("data.")
            .split('.')
            .next()
            .is_some_and(|t| t.ends_with("_default_service_account")))
    };
    let attr = block
        .attr("member")
        .filter(|a| default_ref(&a.value))
        .or_else(|| {
            block
                .attr("members")
                .filter(|a| matches!(&a.value, Value::List(items) if items.iter().any(default_ref)))
        });
    if let Some(attr) = attr {
        found.push(Violation {
            message: format!("A default service account is granted `{}`.", role(block)),
            ..wrong(rule, block, "", attr)
        });
    }
}

fn impersonation_roles(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("role") {
        if matches!(
            attr.value.as_str(),
            Some("roles/iam.serviceAccountUser" | "roles/iam.serviceAccountTokenCreator")
        ) {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

/// Trivy's list of public mail domains.
const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "protonmail.com",
    "mail.com",
    "zoho.com",
];

/// GCP-0069: one finding per personal address, as Trivy reports them.
fn personal_emails(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (member, attr) in members(block) {
        let personal = member.starts_with("user:")
            && member.rsplit_once('@').is_some_and(|(_, domain)| {
                PERSONAL_DOMAINS.contains(&domain.to_ascii_lowercase().as_str())
            });
        if personal {
            found.push(Violation {
                message: format!("IAM member {member:?} uses a personal email domain."),
                subject: format!("{}.{}.{member}", block.address(), attr.key),
                ..wrong(rule, block, "", attr)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
