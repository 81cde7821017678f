//! Google Cloud clusters and data at Trivy's breadth: GKE clusters and
//! node pools, Cloud SQL instances and their database flags, Cloud
//! Storage buckets, BigQuery datasets, Cloud KMS keys and Cloud DNS zones.
//! Defaults follow Trivy's Terraform adapter (e.g. a PostgreSQL instance
//! without `log_connections = on` does not log connections).

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

const POOLS: &[&str] = &["google_container_cluster", "google_container_node_pool"];

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-160", "GCP-0049", "google-gke-enable-ip-aliasing", Low,
            "GKE cluster does not use IP aliasing (VPC-native networking)",
            "VPC-native clusters give pods routable addresses that firewall rules and VPC flow \
             logs can see.",
            "Add an `ip_allocation_policy {}` block.",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_ip_aliasing),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  ip_allocation_policy {}\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-161", "GCP-0050", "google-gke-use-service-account", Medium,
            "GKE nodes run as the default Compute Engine service account",
            "The default service account has the Editor role on the project: any pod that \
             reaches the metadata server gets it.",
            "Set `node_config { service_account = google_service_account.nodes.email }`.",
        ),
        resources: POOLS,
        test: Test::Custom(gke_service_account),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  node_config {\n    service_account = \"nodes@p.iam.gserviceaccount.com\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-162", "GCP-0051", "google-gke-use-cluster-labels", Low,
            "GKE cluster has no resource labels",
            "Labels tell who owns a cluster and what it is for, for cost and incident routing.",
            "Set `resource_labels = { team = \"...\" }`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::Present("resource_labels"),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  resource_labels = {\n    team = \"infra\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-163", "GCP-0052", "google-gke-enable-stackdriver-monitoring", Low,
            "GKE cluster does not use Cloud Monitoring for Kubernetes",
            "Without it, node and workload metrics needed to notice problems are missing.",
            "Remove `monitoring_service` or set it to `monitoring.googleapis.com/kubernetes`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_monitoring),
        bad: "resource \"google_container_cluster\" \"a\" {\n  monitoring_service = \"none\"\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-164", "GCP-0060", "google-gke-enable-stackdriver-logging", Low,
            "GKE cluster does not use Cloud Logging for Kubernetes",
            "Without it, container and control-plane logs are lost.",
            "Remove `logging_service` or set it to `logging.googleapis.com/kubernetes`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_logging),
        bad: "resource \"google_container_cluster\" \"a\" {\n  logging_service = \"none\"\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-165", "GCP-0054", "google-gke-node-pool-uses-cos", Low,
            "GKE nodes do not run Container-Optimized OS",
            "Container-Optimized OS is a minimal, hardened, automatically updated node image.",
            "Set `node_config { image_type = \"COS_CONTAINERD\" }`.",
        ),
        resources: POOLS,
        test: Test::Custom(gke_cos),
        bad: "resource \"google_container_node_pool\" \"a\" {\n  node_config {\n    image_type = \"UBUNTU_CONTAINERD\"\n  }\n}\n",
        good: "resource \"google_container_node_pool\" \"a\" {\n  node_config {\n    image_type = \"COS_CONTAINERD\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-166", "GCP-0055", "google-gke-node-shielding-enabled", High,
            "GKE cluster has Shielded Nodes disabled",
            "Shielded nodes prove their identity, so a compromised node cannot impersonate \
             another.",
            "Remove `enable_shielded_nodes = false`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::NotFalse("enable_shielded_nodes"),
        bad: "resource \"google_container_cluster\" \"a\" {\n  enable_shielded_nodes = false\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-167", "GCP-0056", "google-gke-enable-network-policy", Medium,
            "GKE cluster does not enforce network policies",
            "Without network policy enforcement every pod can reach every other pod.",
            "Add `network_policy { enabled = true }` or use Dataplane V2 \
             (`datapath_provider = \"ADVANCED_DATAPATH\"`).",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_network_policy),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  network_policy {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-168", "GCP-0057", "google-gke-node-metadata-security", High,
            "GKE nodes expose the instance metadata to pods",
            "Exposed node metadata lets any pod read the node's credentials and bootstrap \
             secrets.",
            "Set `node_config { workload_metadata_config { mode = \"GKE_METADATA\" } }`.",
        ),
        resources: POOLS,
        test: Test::Custom(gke_node_metadata),
        bad: "resource \"google_container_cluster\" \"a\" {\n  node_config {\n    workload_metadata_config {\n      mode = \"GCE_METADATA\"\n    }\n  }\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  node_config {\n    workload_metadata_config {\n      mode = \"GKE_METADATA\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-169", "GCP-0058", "google-gke-enable-auto-upgrade", Low,
            "GKE node pool does not upgrade automatically",
            "Nodes that are not upgraded keep known vulnerabilities.",
            "Add `management { auto_upgrade = true }`.",
        ),
        resources: &["google_container_node_pool"],
        test: Test::IsTrue("management.auto_upgrade"),
        bad: "resource \"google_container_node_pool\" \"a\" {}\n",
        good: "resource \"google_container_node_pool\" \"a\" {\n  management {\n    auto_upgrade = true\n    auto_repair = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-170", "GCP-0063", "google-gke-enable-auto-repair", Low,
            "GKE node pool does not repair nodes automatically",
            "Broken nodes stay in the pool until someone notices.",
            "Add `management { auto_repair = true }`.",
        ),
        resources: &["google_container_node_pool"],
        test: Test::IsTrue("management.auto_repair"),
        bad: "resource \"google_container_node_pool\" \"a\" {}\n",
        good: "resource \"google_container_node_pool\" \"a\" {\n  management {\n    auto_repair = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-171", "GCP-0059", "google-gke-enable-private-cluster", Medium,
            "GKE cluster nodes have public IP addresses",
            "Nodes with public addresses are reachable from the internet.",
            "Add `private_cluster_config { enable_private_nodes = true }`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::IsTrue("private_cluster_config.enable_private_nodes"),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  private_cluster_config {\n    enable_private_nodes = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-172", "GCP-0061", "google-gke-enable-master-networks", High,
            "GKE control plane has no authorized networks",
            "Without authorized networks the Kubernetes API answers any address.",
            "Add `master_authorized_networks_config { cidr_blocks { cidr_block = \"10.0.0.0/8\" } }`.",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_master_networks),
        bad: "resource \"google_container_cluster\" \"a\" {}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = \"10.0.0.0/8\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-173", "GCP-0053", "google-gke-no-public-control-plane", High,
            "GKE control plane authorizes a public network",
            "A public range in the authorized networks lets those addresses reach the API.",
            "Authorize only private ranges (reach the API through a VPN or bastion).",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_public_master_networks),
        bad: "resource \"google_container_cluster\" \"a\" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = \"0.0.0.0/0\"\n    }\n  }\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = \"10.0.0.0/8\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-174", "GCP-0064", "google-gke-no-legacy-authentication", High,
            "GKE cluster uses basic or client-certificate authentication",
            "Static passwords and client certificates cannot be revoked or rotated easily.",
            "Remove `master_auth` credentials; use IAM (and `issue_client_certificate = false`).",
        ),
        resources: &["google_container_cluster"],
        test: Test::Custom(gke_legacy_auth),
        bad: "resource \"google_container_cluster\" \"a\" {\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = true\n    }\n  }\n}\n",
        good: "resource \"google_container_cluster\" \"a\" {\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = false\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-175", "GCP-0017", "google-sql-no-public-access", High,
            "Cloud SQL instance has a public IP address",
            "A public address makes the database reachable from the internet, guarded only by \
             authorized networks and passwords.",
            "Set `settings { ip_configuration { ipv4_enabled = false, private_network = ... } }`.",
        ),
        resources: &["google_sql_database_instance"],
        test: Test::Custom(sql_public),
        bad: "resource \"google_sql_database_instance\" \"a\" {}\n",
        good: "resource \"google_sql_database_instance\" \"a\" {\n  settings {\n    ip_configuration {\n      ipv4_enabled = false\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-176", "GCP-0015", "google-sql-encrypt-in-transit-data", High,
            "Cloud SQL instance accepts unencrypted connections",
            "Queries and credentials can cross the network in clear text.",
            "Set `settings { ip_configuration { ssl_mode = \"ENCRYPTED_ONLY\" } }`.",
        ),
        resources: &["google_sql_database_instance"],
        test: Test::Custom(sql_tls),
        bad: "resource \"google_sql_database_instance\" \"a\" {}\n",
        good: "resource \"google_sql_database_instance\" \"a\" {\n  settings {\n    ip_configuration {\n      ssl_mode = \"ENCRYPTED_ONLY\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-177", "GCP-0024", "google-sql-enable-backup", Medium,
            "Cloud SQL instance has automated backups disabled",
            "Without backups, lost or corrupted data cannot be restored.",
            "Add `settings { backup_configuration { enabled = true } }`.",
        ),
        resources: &["google_sql_database_instance"],
        test: Test::Custom(sql_backup),
        bad: "resource \"google_sql_database_instance\" \"a\" {}\n",
        good: "resource \"google_sql_database_instance\" \"a\" {\n  settings {\n    backup_configuration {\n      enabled = true\n    }\n  }\n}\n",
    },
    flag_check(trivy_rule!(
        "SG-TF-178", "GCP-0016", "google-sql-pg-log-connections", Medium,
        "Cloud SQL PostgreSQL does not log connections",
        "Connection logs show brute-force attempts and where sessions came from.",
        "Add `database_flags { name = \"log_connections\", value = \"on\" }`.",
    ), pg_log_connections),
    flag_check(trivy_rule!(
        "SG-TF-179", "GCP-0022", "google-sql-pg-log-disconnections", Medium,
        "Cloud SQL PostgreSQL does not log disconnections",
        "Disconnection logs give session durations, needed to reconstruct an incident.",
        "Add `database_flags { name = \"log_disconnections\", value = \"on\" }`.",
    ), pg_log_disconnections),
    flag_check(trivy_rule!(
        "SG-TF-180", "GCP-0025", "google-sql-pg-log-checkpoints", Medium,
        "Cloud SQL PostgreSQL does not log checkpoints",
        "Checkpoint logs help diagnose performance and recovery problems.",
        "Add `database_flags { name = \"log_checkpoints\", value = \"on\" }`.",
    ), pg_log_checkpoints),
    flag_check(trivy_rule!(
        "SG-TF-181", "GCP-0020", "google-sql-pg-log-lock-waits", Medium,
        "Cloud SQL PostgreSQL does not log lock waits",
        "Lock-wait logs reveal contention and denial-of-service through long locks.",
        "Add `database_flags { name = \"log_lock_waits\", value = \"on\" }`.",
    ), pg_log_lock_waits),
    flag_check(trivy_rule!(
        "SG-TF-182", "GCP-0014", "google-sql-enable-pg-temp-file-logging", Medium,
        "Cloud SQL PostgreSQL does not log all temporary files",
        "Temporary-file logs reveal queries that spill to disk, a sign of abuse or bad queries.",
        "Add `database_flags { name = \"log_temp_files\", value = \"0\" }`.",
    ), pg_temp_files),
    flag_check(trivy_rule!(
        "SG-TF-183", "GCP-0018", "google-sql-pg-log-errors", Low,
        "Cloud SQL PostgreSQL logs too few messages",
        "With `log_min_messages` at FATAL, PANIC or LOG, errors go unrecorded.",
        "Set `log_min_messages` to `ERROR` or more verbose.",
    ), pg_log_errors),
    flag_check(trivy_rule!(
        "SG-TF-184", "GCP-0021", "google-sql-pg-no-min-statement-logging", Low,
        "Cloud SQL PostgreSQL logs statements by duration",
        "`log_min_duration_statement` logs full statements, which may contain secrets.",
        "Set `log_min_duration_statement` to `-1`.",
    ), pg_min_statement),
    flag_check(trivy_rule!(
        "SG-TF-185", "GCP-0026", "google-sql-mysql-no-local-infile", High,
        "Cloud SQL MySQL allows LOAD DATA LOCAL",
        "`local_infile` lets a malicious server or injected query read files from clients.",
        "Set `database_flags { name = \"local_infile\", value = \"off\" }`.",
    ), mysql_local_infile),
    flag_check(trivy_rule!(
        "SG-TF-186", "GCP-0019", "google-sql-no-cross-db-ownership-chaining", Medium,
        "Cloud SQL Server allows cross-database ownership chaining",
        "Ownership chaining lets a user of one database reach objects of another.",
        "Set `database_flags { name = \"cross db ownership chaining\", value = \"off\" }`.",
    ), mssql_ownership_chaining),
    flag_check(trivy_rule!(
        "SG-TF-187", "GCP-0023", "google-sql-no-contained-db-auth", Medium,
        "Cloud SQL Server allows contained database authentication",
        "Contained database users bypass server-level login policies.",
        "Set `database_flags { name = \"contained database authentication\", value = \"off\" }`.",
    ), mssql_contained_auth),
    Check {
        rule: trivy_rule!(
            "SG-TF-188", "GCP-0066", "google-storage-bucket-encryption-customer-key", Low,
            "Cloud Storage bucket is not encrypted with a customer-managed key",
            "A key you manage makes access to the objects auditable and revocable.",
            "Add `encryption { default_kms_key_name = google_kms_crypto_key.x.id }`.",
        ),
        resources: &["google_storage_bucket"],
        test: Test::Present("encryption.default_kms_key_name"),
        bad: "resource \"google_storage_bucket\" \"a\" {}\n",
        good: "resource \"google_storage_bucket\" \"a\" {\n  encryption {\n    default_kms_key_name = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-189", "GCP-0077", "google-storage-enable-bucket-logging", Medium,
            "Cloud Storage bucket has no access logging",
            "Access logs show who read or changed objects.",
            "Add `logging { log_bucket = google_storage_bucket.logs.name }`.",
        ),
        resources: &["google_storage_bucket"],
        test: Test::Custom(bucket_logging),
        bad: "resource \"google_storage_bucket\" \"a\" {}\n",
        good: "resource \"google_storage_bucket\" \"a\" {\n  logging {\n    log_bucket = \"logs\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-190", "GCP-0078", "google-storage-enable-bucket-versioning", Medium,
            "Cloud Storage bucket versioning is disabled",
            "Without versioning an overwritten or deleted object cannot be recovered.",
            "Add `versioning { enabled = true }`.",
        ),
        resources: &["google_storage_bucket"],
        test: Test::IsTrue("versioning.enabled"),
        bad: "resource \"google_storage_bucket\" \"a\" {}\n",
        good: "resource \"google_storage_bucket\" \"a\" {\n  versioning {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-191", "GCP-0046", "google-bigquery-no-public-access", Critical,
            "BigQuery dataset is shared with all authenticated Google users",
            "`allAuthenticatedUsers` is anyone with a Google account.",
            "Grant access to specific groups, users or a domain instead.",
        ),
        resources: &["google_bigquery_dataset"],
        test: Test::Custom(bigquery_public),
        bad: "resource \"google_bigquery_dataset\" \"a\" {\n  access {\n    role = \"READER\"\n    special_group = \"allAuthenticatedUsers\"\n  }\n}\n",
        good: "resource \"google_bigquery_dataset\" \"a\" {\n  access {\n    role = \"READER\"\n    domain = \"example.com\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-192", "GCP-0065", "google-kms-rotate-kms-keys", High,
            "Cloud KMS key rotates less often than every 90 days",
            "The longer a key is used, the more data a leaked key exposes.",
            "Set `rotation_period = \"7776000s\"` or shorter.",
        ),
        resources: &["google_kms_crypto_key"],
        test: Test::Custom(kms_rotation),
        bad: "resource \"google_kms_crypto_key\" \"a\" {\n  rotation_period = \"31536000s\"\n}\n",
        good: "resource \"google_kms_crypto_key\" \"a\" {\n  rotation_period = \"7776000s\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-193", "GCP-0013", "google-dns-enable-dnssec", Medium,
            "Public Cloud DNS zone does not use DNSSEC",
            "Without DNSSEC, resolvers cannot tell forged answers for the zone from real ones.",
            "Add `dnssec_config { state = \"on\" }`.",
        ),
        resources: &["google_dns_managed_zone"],
        test: Test::Custom(dns_dnssec),
        bad: "resource \"google_dns_managed_zone\" \"a\" {}\n",
        good: "resource \"google_dns_managed_zone\" \"a\" {\n  dnssec_config {\n    state = \"on\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-194", "GCP-0012", "google-dns-no-rsa-sha1", Medium,
            "Cloud DNS zone signs with RSA/SHA-1",
            "SHA-1 signatures can be forged.",
            "Use `algorithm = \"rsasha256\"` (or ECDSA) in `default_key_specs`.",
        ),
        resources: &["google_dns_managed_zone"],
        test: Test::Custom(dns_sha1),
        bad: "resource \"google_dns_managed_zone\" \"a\" {\n  dnssec_config {\n    default_key_specs {\n      algorithm = \"rsasha1\"\n    }\n  }\n}\n",
        good: "resource \"google_dns_managed_zone\" \"a\" {\n  dnssec_config {\n    default_key_specs {\n      algorithm = \"rsasha256\"\n    }\n  }\n}\n",
    },
];

/// A Cloud SQL database-flag check: the rule and its test, with the
/// examples all flag checks share.
const fn flag_check(
    rule: Rule,
    test: fn(&Module, &Block, &'static Rule, &mut Vec<Violation>),
) -> Check {
    Check {
        rule,
        resources: &["google_sql_database_instance"],
        test: Test::Custom(test),
        bad: FLAG_BAD,
        good: FLAG_GOOD,
    }
}

/// One instance per engine with every flag at its insecure value, and one
/// with every flag at its secure value: the flag checks' shared examples.
const FLAG_BAD: &str = "resource \"google_sql_database_instance\" \"pg\" {\n  database_version = \"POSTGRES_15\"\n  settings {\n    database_flags {\n      name = \"log_min_messages\"\n      value = \"PANIC\"\n    }\n    database_flags {\n      name = \"log_min_duration_statement\"\n      value = \"100\"\n    }\n  }\n}\nresource \"google_sql_database_instance\" \"my\" {\n  database_version = \"MYSQL_8_0\"\n  settings {\n    database_flags {\n      name = \"local_infile\"\n      value = \"on\"\n    }\n  }\n}\nresource \"google_sql_database_instance\" \"ms\" {\n  database_version = \"SQLSERVER_2019_STANDARD\"\n}\n";
const FLAG_GOOD: &str = "resource \"google_sql_database_instance\" \"pg\" {\n  database_version = \"POSTGRES_15\"\n  settings {\n    database_flags {\n      name = \"log_connections\"\n      value = \"on\"\n    }\n    database_flags {\n      name = \"log_disconnections\"\n      value = \"on\"\n    }\n    database_flags {\n      name = \"log_checkpoints\"\n      value = \"on\"\n    }\n    database_flags {\n      name = \"log_lock_waits\"\n      value = \"on\"\n    }\n    database_flags {\n      name = \"log_temp_files\"\n      value = \"0\"\n    }\n    database_flags {\n      name = \"log_min_messages\"\n      value = \"WARNING\"\n    }\n  }\n}\nresource \"google_sql_database_instance\" \"ms\" {\n  database_version = \"SQLSERVER_2019_STANDARD\"\n  settings {\n    database_flags {\n      name = \"cross db ownership chaining\"\n      value = \"off\"\n    }\n    database_flags {\n      name = \"contained database authentication\"\n      value = \"off\"\n    }\n  }\n}\n";

fn gke_ip_aliasing(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.blocks("ip_allocation_policy").next().is_none() && !autopilot(block) {
        found.push(missing(rule, block, block, "", "ip_allocation_policy"));
    }
}

fn autopilot(block: &Block) -> bool {
    block.value("enable_autopilot").and_then(Value::as_bool) == Some(true)
}

fn is_pool(block: &Block) -> bool {
    block
        .labels
        .first()
        .is_some_and(|t| t == "google_container_node_pool")
}

/// GCP-0050: the cluster's (or pool's) `node_config.service_account`; a
/// cluster may instead set it in `cluster_autoscaling`'s provisioning
/// defaults, and Autopilot manages it.
fn gke_service_account(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if autopilot(block) {
        return;
    }
    let autoscaling_account = block
        .blocks("cluster_autoscaling")
        .flat_map(|c| c.blocks("auto_provisioning_defaults"))
        .any(|d| d.attr("service_account").is_some());
    // A cluster that removes its default pool has no nodes of its own to
    // judge (its pools are judged as `google_container_node_pool`).
    let removes_default_pool = block
        .value("remove_default_node_pool")
        .and_then(Value::as_bool)
        == Some(true);
    if is_pool(block) || (!autoscaling_account && !removes_default_pool) {
        Test::Present("node_config.service_account").run_on(module, block, rule, found);
    }
}

fn gke_monitoring(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("monitoring_service") {
        if attr
            .value
            .as_str()
            .is_some_and(|s| s != "monitoring.googleapis.com/kubernetes")
        {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

fn gke_logging(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("logging_service") {
        if attr
            .value
            .as_str()
            .is_some_and(|s| s != "logging.googleapis.com/kubernetes")
        {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

/// GCP-0054. As in Trivy, a node pool of a cluster this module defines
/// that does not state `image_type` is reported too (Trivy reads the
/// missing value as "not COS").
fn gke_cos(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let cos = |t: &str| {
        matches!(
            t.to_ascii_lowercase().as_str(),
            "cos" | "cos_containerd" | ""
        )
    };
    let config = block.blocks("node_config").next();
    match config.and_then(|c| c.attr("image_type")) {
        Some(attr)
            if attr
                .value
                .as_str()
                .is_some_and(|t| !cos(t) || (t.is_empty() && is_pool(block))) =>
        {
            found.push(wrong(rule, block, "node_config.", attr))
        }
        Some(_) => {}
        None if is_pool(block) && in_module_cluster(module, block) => found.push(missing(
            rule,
            block,
            config.unwrap_or(block),
            "node_config.",
            "image_type",
        )),
        None => {}
    }
}

/// Whether a node pool's `cluster` refers to a cluster of this module (as
/// Trivy's adapter attaches pools; other pools are not judged on
/// defaults).
fn in_module_cluster(module: &Module, pool: &Block) -> bool {
    let Some(Value::Reference(target)) = pool.value("cluster") else {
        return false;
    };
    module.resources("google_container_cluster").any(|c| {
        target
            .strip_prefix(c.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

fn gke_network_policy(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let dataplane_v2 =
        block.value("datapath_provider").and_then(Value::as_str) == Some("ADVANCED_DATAPATH");
    if !autopilot(block) && !dataplane_v2 {
        Test::IsTrue("network_policy.enabled").run_on(module, block, rule, found);
    }
}

/// GCP-0057: a `workload_metadata_config` whose mode exposes the node's
/// metadata (a block without a mode counts as `UNSPECIFIED`).
fn gke_node_metadata(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    const EXPOSING: &[&str] = &["UNSPECIFIED", "EXPOSE", "MODE_UNSPECIFIED", "GCE_METADATA"];
    // A `node_config` without the block leaves the mode unspecified (as
    // Trivy reads it); pools count when they belong to a cluster here.
    let judged = !is_pool(block) || in_module_cluster(module, block);
    for node_config in block.blocks("node_config") {
        if judged
            && node_config
                .blocks("workload_metadata_config")
                .next()
                .is_none()
        {
            found.push(missing(
                rule,
                block,
                node_config,
                "node_config.",
                "workload_metadata_config",
            ));
        }
    }
    for config in block
        .blocks("node_config")
        .flat_map(|c| c.blocks("workload_metadata_config"))
    {
        match config.attr("mode").or_else(|| config.attr("node_metadata")) {
            None => found.push(missing(
                rule,
                block,
                config,
                "node_config.workload_metadata_config.",
                "mode",
            )),
            Some(attr) if attr.value.as_str().is_some_and(|m| EXPOSING.contains(&m)) => found.push(
                wrong(rule, block, "node_config.workload_metadata_config.", attr),
            ),
            Some(_) => {}
        }
    }
}

fn gke_master_networks(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block
        .blocks("master_authorized_networks_config")
        .next()
        .is_none()
    {
        found.push(missing(
            rule,
            block,
            block,
            "",
            "master_authorized_networks_config",
        ));
    }
}

fn gke_public_master_networks(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let cidrs = block
        .blocks("master_authorized_networks_config")
        .flat_map(|c| c.blocks("cidr_blocks"))
        .filter_map(|c| c.attr("cidr_block"));
    for attr in cidrs {
        if attr
            .value
            .as_str()
            .is_some_and(super::aws_compute::is_public_cidr)
        {
            found.push(wrong(
                rule,
                block,
                "master_authorized_networks_config.cidr_blocks.",
                attr,
            ));
        }
    }
}

fn gke_legacy_auth(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for auth in block.blocks("master_auth") {
        let certificate = auth
            .blocks("client_certificate_config")
            .filter_map(|c| c.attr("issue_client_certificate"))
            .find(|a| a.value.as_bool() == Some(true));
        if let Some(attr) = certificate {
            found.push(wrong(
                rule,
                block,
                "master_auth.client_certificate_config.",
                attr,
            ));
        } else if let Some(attr) = auth
            .attr("username")
            .filter(|a| a.value.as_str().is_some_and(|u| !u.is_empty()))
        {
            found.push(wrong(rule, block, "master_auth.", attr));
        }
    }
}

fn sql_public(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    Test::IsFalse("settings.ip_configuration.ipv4_enabled").run_on(module, block, rule, found);
    let networks = block
        .blocks("settings")
        .flat_map(|s| s.blocks("ip_configuration"))
        .flat_map(|i| i.blocks("authorized_networks"))
        .filter_map(|n| n.attr("value"));
    for attr in networks {
        if attr
            .value
            .as_str()
            .is_some_and(super::aws_compute::is_public_cidr)
        {
            found.push(wrong(
                rule,
                block,
                "settings.ip_configuration.authorized_networks.",
                attr,
            ));
        }
    }
}

/// GCP-0015: `ssl_mode` ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED,
/// or (without `ssl_mode`) the older `require_ssl = true`.
fn sql_tls(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let ip = block
        .blocks("settings")
        .flat_map(|s| s.blocks("ip_configuration"))
        .next();
    let (mode, require) = (
        ip.and_then(|i| i.attr("ssl_mode")),
        ip.and_then(|i| i.attr("require_ssl")),
    );
    let prefix = "settings.ip_configuration.";
    match (mode, require) {
        (Some(attr), _) => {
            if attr.value.as_str().is_some_and(|m| {
                !["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"].contains(&m)
            }) {
                found.push(wrong(rule, block, prefix, attr));
            }
        }
        (None, Some(attr)) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, prefix, attr))
        }
        (None, Some(_)) => {}
        (None, None) => found.push(missing(
            rule,
            block,
            ip.unwrap_or(block),
            prefix,
            "ssl_mode",
        )),
    }
}

fn sql_backup(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.attr("master_instance_name").is_none() {
        Test::IsTrue("settings.backup_configuration.enabled").run_on(module, block, rule, found);
    }
}

/// The engine family of a Cloud SQL instance, from `database_version`.
fn engine(block: &Block) -> &str {
    let version = block
        .value("database_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    ["POSTGRES", "MYSQL", "SQLSERVER"]
        .into_iter()
        .find(|e| version.starts_with(e))
        .unwrap_or("")
}

/// The `database_flags` block named `name`, and its `value` attribute.
fn flag<'a>(block: &'a Block, name: &str) -> Option<&'a super::hcl::Attr> {
    block
        .blocks("settings")
        .flat_map(|s| s.blocks("database_flags"))
        .find(|f| f.value("name").and_then(Value::as_str) == Some(name))
        .and_then(|f| f.attr("value"))
}

/// A flag that must be `on` for `engine` instances; missing means off.
fn flag_must_be_on(
    block: &Block,
    family: &str,
    name: &str,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if engine(block) != family {
        return;
    }
    match flag(block, name) {
        None => found.push(missing(
            rule,
            block,
            block,
            "settings.database_flags.",
            name,
        )),
        Some(attr) if attr.value.as_str().is_some_and(|v| v != "on") => {
            found.push(wrong(rule, block, "settings.database_flags.", attr))
        }
        Some(_) => {}
    }
}

/// A flag that must not be `on`; `default_on` when unset means it is on.
fn flag_must_be_off(
    block: &Block,
    family: &str,
    name: &str,
    default_on: bool,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if engine(block) != family {
        return;
    }
    match flag(block, name) {
        None if default_on => found.push(missing(
            rule,
            block,
            block,
            "settings.database_flags.",
            name,
        )),
        Some(attr) if attr.value.as_str() == Some("on") => {
            found.push(wrong(rule, block, "settings.database_flags.", attr))
        }
        _ => {}
    }
}

fn pg_log_connections(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    flag_must_be_on(block, "POSTGRES", "log_connections", rule, found);
}

fn pg_log_disconnections(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    flag_must_be_on(block, "POSTGRES", "log_disconnections", rule, found);
}

fn pg_log_checkpoints(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    flag_must_be_on(block, "POSTGRES", "log_checkpoints", rule, found);
}

fn pg_log_lock_waits(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    flag_must_be_on(block, "POSTGRES", "log_lock_waits", rule, found);
}

/// GCP-0014: `log_temp_files` must be 0 (unset means -1, disabled).
fn pg_temp_files(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if engine(block) != "POSTGRES" {
        return;
    }
    match flag(block, "log_temp_files") {
        None => found.push(missing(
            rule,
            block,
            block,
            "settings.database_flags.",
            "log_temp_files",
        )),
        Some(attr) if attr.value.as_i64().is_some_and(|v| v != 0) => {
            found.push(wrong(rule, block, "settings.database_flags.", attr))
        }
        Some(_) => {}
    }
}

fn pg_log_errors(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if engine(block) != "POSTGRES" {
        return;
    }
    if let Some(attr) = flag(block, "log_min_messages") {
        if attr
            .value
            .as_str()
            .is_some_and(|v| ["FATAL", "PANIC", "LOG"].contains(&v))
        {
            found.push(wrong(rule, block, "settings.database_flags.", attr));
        }
    }
}

fn pg_min_statement(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if engine(block) != "POSTGRES" {
        return;
    }
    if let Some(attr) = flag(block, "log_min_duration_statement") {
        if attr.value.as_i64().is_some_and(|v| v != -1) {
            found.push(wrong(rule, block, "settings.database_flags.", attr));
        }
    }
}

fn mysql_local_infile(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    flag_must_be_off(block, "MYSQL", "local_infile", false, rule, found);
}

fn mssql_ownership_chaining(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    flag_must_be_off(
        block,
        "SQLSERVER",
        "cross db ownership chaining",
        true,
        rule,
        found,
    );
}

fn mssql_contained_auth(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    flag_must_be_off(
        block,
        "SQLSERVER",
        "contained database authentication",
        true,
        rule,
        found,
    );
}

/// GCP-0077: a bucket that is itself another bucket's log target is exempt.
fn bucket_logging(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let name = block.value("name").and_then(Value::as_str);
    let is_target = module
        .resources("google_storage_bucket")
        .flat_map(|b| b.blocks("logging"))
        .filter_map(|l| l.value("log_bucket"))
        .any(|target| {
            target.as_str().is_some_and(|t| Some(t) == name)
                || matches!(target, Value::Reference(r) if r.starts_with(&format!("{}.", block.address())))
        });
    if !is_target {
        Test::Present("logging.log_bucket").run_on(module, block, rule, found);
    }
}

fn bigquery_public(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (index, access) in block.blocks("access").enumerate() {
        if let Some(attr) = access
            .attr("special_group")
            .filter(|a| a.value.as_str() == Some("allAuthenticatedUsers"))
        {
            found.push(wrong(rule, block, &format!("access[{index}]."), attr));
        }
    }
}

/// GCP-0065: a literal rotation period (`"7776000s"`) above 90 days.
fn kms_rotation(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("rotation_period") {
        let seconds = attr
            .value
            .as_str()
            .and_then(|p| p.strip_suffix('s'))
            .and_then(|s| s.parse::<f64>().ok());
        if seconds.is_some_and(|s| s > 7_776_000.0) {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

fn dns_dnssec(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.value("visibility").and_then(Value::as_str) == Some("private") {
        return;
    }
    match block.blocks("dnssec_config").next() {
        None => found.push(missing(rule, block, block, "dnssec_config.", "state")),
        Some(config) => match config.attr("state") {
            None => found.push(missing(rule, block, config, "dnssec_config.", "state")),
            Some(attr)
                if attr
                    .value
                    .as_str()
                    .is_some_and(|s| s != "on" && s != "transfer") =>
            {
                found.push(wrong(rule, block, "dnssec_config.", attr))
            }
            Some(_) => {}
        },
    }
}

fn dns_sha1(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let specs = block
        .blocks("dnssec_config")
        .flat_map(|c| c.blocks("default_key_specs"));
    for attr in specs.filter_map(|s| s.attr("algorithm")) {
        if attr.value.as_str() == Some("rsasha1") {
            found.push(wrong(rule, block, "dnssec_config.default_key_specs.", attr));
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
