//! Azure data services at Trivy's breadth: storage accounts, Key Vault and
//! its secrets and keys, SQL Server, PostgreSQL, MySQL and MariaDB servers,
//! Data Factory, Data Lake and Synapse. Defaults follow Trivy's Terraform
//! adapter (e.g. a storage account without network rules allows all).

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-100", "AZU-0012", "azure-storage-default-action-deny", Critical,
            "Storage account network rules allow access by default",
            "Without network rules (or with `default_action = \"Allow\"`) the account's \
             endpoints answer any network, so a leaked key works from anywhere.",
            "Deny by default and allow what needs access:\n\n    network_rules {\n      \
             default_action = \"Deny\"\n      bypass         = [\"AzureServices\"]\n    }",
        ),
        resources: &["azurerm_storage_account", "azurerm_storage_account_network_rules"],
        test: Test::Custom(storage_default_action),
        bad: "resource \"azurerm_storage_account\" \"a\" {}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  network_rules {\n    default_action = \"Deny\"\n    bypass = [\"AzureServices\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-101", "AZU-0010", "azure-storage-allow-microsoft-service-bypass", High,
            "Storage account network rules do not let trusted Microsoft services through",
            "Backup, monitoring and other trusted Azure services break when the network rules \
             shut them out, which tempts people to open the account instead.",
            "Add `bypass = [\"AzureServices\"]` to the network rules.",
        ),
        resources: &["azurerm_storage_account", "azurerm_storage_account_network_rules"],
        test: Test::Custom(storage_bypass),
        bad: "resource \"azurerm_storage_account_network_rules\" \"a\" {\n  default_action = \"Deny\"\n}\n",
        good: "resource \"azurerm_storage_account_network_rules\" \"a\" {\n  default_action = \"Deny\"\n  bypass = [\"AzureServices\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-102", "AZU-0011", "azure-storage-use-secure-tls-policy", Critical,
            "Storage account accepts TLS older than 1.2",
            "TLS 1.0 and 1.1 have known weaknesses.",
            "Set `min_tls_version = \"TLS1_2\"` (the default).",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::NoneOf("min_tls_version", &["TLS1_0", "TLS1_1"]),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  min_tls_version = \"TLS1_0\"\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  min_tls_version = \"TLS1_2\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-103", "AZU-0059", "azure-storage-log-storage-encryption", High,
            "Storage account allows plain HTTP or TLS older than 1.2",
            "Data and shared-key signatures cross the network unprotected or weakly protected.",
            "Keep HTTPS only (the default) and `min_tls_version = \"TLS1_2\"`.",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::Custom(storage_transport),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  https_traffic_only_enabled = false\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-104", "AZU-0057", "azure-storage-storage-account-logging-enabled", Medium,
            "Storage account does not log queue service requests",
            "Without Storage Analytics logging there is no record of who read or changed \
             queue messages.",
            "Add `queue_properties { logging { delete = true, read = true, write = true, \
             version = \"1.0\", retention_policy_days = 10 } }`.",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::Custom(storage_logging),
        bad: "resource \"azurerm_storage_account\" \"a\" {}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  queue_properties {\n    logging {\n      read = true\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-105", "AZU-0058", "azure-storage-enable-geo-redundant-backups", Low,
            "Storage account is not geo-redundant",
            "Locally or zone-redundant storage loses data when the region does.",
            "Use `account_replication_type = \"GRS\"` (or `RAGRS`, `GZRS`, `RAGZRS`).",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::OneOf("account_replication_type", &["GRS", "RAGRS", "GZRS", "RAGZRS"]),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  account_replication_type = \"LRS\"\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  account_replication_type = \"GRS\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-106", "AZU-0061", "azure-storage-infrastructure-encryption-enabled", Medium,
            "Storage account has no infrastructure (double) encryption",
            "A second layer of encryption with a different key protects the data if one \
             algorithm or key is compromised.",
            "Set `infrastructure_encryption_enabled = true` (only possible at creation).",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::IsTrue("infrastructure_encryption_enabled"),
        bad: "resource \"azurerm_storage_account\" \"a\" {}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  infrastructure_encryption_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-107", "AZU-0056", "azure-storage-blobs-soft-deletion-enabled", Medium,
            "Storage account blob soft delete is disabled",
            "Without soft delete a deleted or overwritten blob is gone at once.",
            "Keep `blob_properties { delete_retention_policy { days = 7 } }` above zero.",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::Custom(storage_soft_delete),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  blob_properties {\n    delete_retention_policy {\n      days = 0\n    }\n  }\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  blob_properties {\n    delete_retention_policy {\n      days = 7\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-108", "AZU-0013", "azure-keyvault-specify-network-acl", Critical,
            "Key Vault network ACL does not deny by default",
            "Without `network_acls { default_action = \"Deny\" }` the vault answers any network.",
            "Add `network_acls { default_action = \"Deny\", bypass = \"AzureServices\" }`.",
        ),
        resources: &["azurerm_key_vault"],
        test: Test::OneOf("network_acls.default_action", &["Deny"]),
        bad: "resource \"azurerm_key_vault\" \"a\" {}\n",
        good: "resource \"azurerm_key_vault\" \"a\" {\n  purge_protection_enabled = true\n  soft_delete_retention_days = 7\n  network_acls {\n    default_action = \"Deny\"\n    bypass = \"AzureServices\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-109", "AZU-0016", "azure-keyvault-no-purge", Medium,
            "Key Vault purge protection is disabled",
            "Without purge protection a deleted vault, and every key in it, can be purged at \
             once, by mistake or by an attacker.",
            "Set `purge_protection_enabled = true` and `soft_delete_retention_days` between 7 \
             and 90.",
        ),
        resources: &["azurerm_key_vault"],
        test: Test::Custom(vault_purge),
        bad: "resource \"azurerm_key_vault\" \"a\" {}\n",
        good: "resource \"azurerm_key_vault\" \"a\" {\n  purge_protection_enabled = true\n  soft_delete_retention_days = 7\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-110", "AZU-0017", "azure-keyvault-ensure-secret-expiry", Low,
            "Key Vault secret has no expiry date",
            "A secret that never expires is never rotated.",
            "Set `expiration_date = \"2030-01-01T00:00:00Z\"` and rotate before it.",
        ),
        resources: &["azurerm_key_vault_secret"],
        test: Test::Present("expiration_date"),
        bad: "resource \"azurerm_key_vault_secret\" \"a\" {}\n",
        good: "resource \"azurerm_key_vault_secret\" \"a\" {\n  expiration_date = \"2030-01-01T00:00:00Z\"\n  content_type = \"password\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-111", "AZU-0014", "azure-keyvault-ensure-key-expiry", Medium,
            "Key Vault key has no expiry date",
            "A key that never expires is never rotated.",
            "Set `expiration_date = \"2030-01-01T00:00:00Z\"` and rotate before it.",
        ),
        resources: &["azurerm_key_vault_key"],
        test: Test::Present("expiration_date"),
        bad: "resource \"azurerm_key_vault_key\" \"a\" {}\n",
        good: "resource \"azurerm_key_vault_key\" \"a\" {\n  expiration_date = \"2030-01-01T00:00:00Z\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-112", "AZU-0015", "azure-keyvault-content-type-for-secret", Low,
            "Key Vault secret has no content type",
            "A content type tells whoever rotates the secret what it is and how to use it.",
            "Set `content_type = \"password\"` (or what the secret is).",
        ),
        resources: &["azurerm_key_vault_secret"],
        test: Test::Present("content_type"),
        bad: "resource \"azurerm_key_vault_secret\" \"a\" {}\n",
        good: "resource \"azurerm_key_vault_secret\" \"a\" {\n  content_type = \"password\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-113", "AZU-0022", "azure-database-no-public-access", Medium,
            "Database server allows public network access",
            "With public network access on (the default), the server's endpoint is reachable \
             from the internet, guarded only by firewall rules and credentials.",
            "Set `public_network_access_enabled = false` and use private endpoints.",
        ),
        resources: &[
            "azurerm_mssql_server",
            "azurerm_sql_server",
            "azurerm_postgresql_server",
            "azurerm_postgresql_flexible_server",
            "azurerm_mysql_server",
            "azurerm_mysql_flexible_server",
            "azurerm_mariadb_server",
        ],
        test: Test::Custom(db_public_access),
        bad: "resource \"azurerm_postgresql_server\" \"a\" {}\n",
        good: "resource \"azurerm_postgresql_server\" \"a\" {\n  public_network_access_enabled = false\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-114", "AZU-0020", "azure-database-enable-ssl-enforcement", Medium,
            "Database server does not enforce SSL",
            "Without SSL enforcement clients may connect in plaintext, exposing queries and \
             credentials.",
            "Set `ssl_enforcement_enabled = true`.",
        ),
        resources: &["azurerm_postgresql_server", "azurerm_mysql_server", "azurerm_mariadb_server"],
        test: Test::IsTrue("ssl_enforcement_enabled"),
        bad: "resource \"azurerm_mysql_server\" \"a\" {\n  ssl_enforcement_enabled = false\n}\n",
        good: "resource \"azurerm_mysql_server\" \"a\" {\n  ssl_enforcement_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-115", "AZU-0026", "azure-database-secure-tls-policy", Medium,
            "Database server accepts TLS older than 1.2",
            "TLS 1.0 and 1.1 have known weaknesses.",
            "Set `ssl_minimal_tls_version_enforced = \"TLS1_2\"` (PostgreSQL/MySQL) or \
             `minimum_tls_version = \"1.2\"` (SQL Server).",
        ),
        resources: &[
            "azurerm_postgresql_server",
            "azurerm_mysql_server",
            "azurerm_mssql_server",
            "azurerm_sql_server",
        ],
        test: Test::Custom(db_tls),
        bad: "resource \"azurerm_mssql_server\" \"a\" {\n  minimum_tls_version = \"1.0\"\n}\n",
        good: "resource \"azurerm_mssql_server\" \"a\" {\n  minimum_tls_version = \"1.2\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-116", "AZU-0029", "azure-database-no-public-firewall-access", High,
            "Database firewall rule allows a public address range",
            "A firewall rule spanning public addresses opens the server to those networks (or \
             the whole internet).",
            "Allow single known addresses or use private endpoints.",
        ),
        resources: &[
            "azurerm_sql_firewall_rule",
            "azurerm_mssql_firewall_rule",
            "azurerm_postgresql_firewall_rule",
            "azurerm_postgresql_flexible_server_firewall_rule",
            "azurerm_mysql_firewall_rule",
            "azurerm_mysql_flexible_server_firewall_rule",
            "azurerm_mariadb_firewall_rule",
        ],
        test: Test::Custom(db_firewall),
        bad: "resource \"azurerm_sql_firewall_rule\" \"a\" {\n  start_ip_address = \"0.0.0.0\"\n  end_ip_address = \"255.255.255.255\"\n}\n",
        good: "resource \"azurerm_sql_firewall_rule\" \"a\" {\n  start_ip_address = \"0.0.0.0\"\n  end_ip_address = \"0.0.0.0\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-117", "AZU-0027", "azure-database-enable-audit", Medium,
            "SQL Server has no extended auditing policy",
            "Without auditing there is no record of who queried or changed the data.",
            "Add an `azurerm_mssql_server_extended_auditing_policy` for the server.",
        ),
        resources: &["azurerm_mssql_server", "azurerm_sql_server"],
        test: Test::Custom(sql_auditing),
        bad: "resource \"azurerm_mssql_server\" \"a\" {}\n",
        good: "resource \"azurerm_mssql_server\" \"a\" {}\nresource \"azurerm_mssql_server_extended_auditing_policy\" \"a\" {\n  server_id = azurerm_mssql_server.a.id\n  retention_in_days = 90\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-118", "AZU-0025", "azure-database-retention-period-set", Medium,
            "SQL auditing keeps logs for less than 90 days",
            "Intrusions are often found months later; the audit trail must still be there.",
            "Set `retention_in_days = 90` or more (0 keeps logs forever).",
        ),
        resources: &[
            "azurerm_mssql_server_extended_auditing_policy",
            "azurerm_mssql_database_extended_auditing_policy",
        ],
        test: Test::Custom(audit_retention),
        bad: "resource \"azurerm_mssql_server_extended_auditing_policy\" \"a\" {\n  retention_in_days = 30\n}\n",
        good: "resource \"azurerm_mssql_server_extended_auditing_policy\" \"a\" {\n  retention_in_days = 90\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-119", "AZU-0028", "azure-database-all-threat-alerts-enabled", Medium,
            "SQL security alert policy disables some alerts",
            "Disabled alert types are attacks you will not hear about.",
            "Remove `disabled_alerts`.",
        ),
        resources: &["azurerm_mssql_server_security_alert_policy"],
        test: Test::Custom(disabled_alerts),
        bad: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {\n  disabled_alerts = [\"Sql_Injection\"]\n  email_account_admins = true\n}\n",
        good: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {\n  email_account_admins = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-120", "AZU-0023", "azure-database-threat-alert-email-to-owner", Low,
            "SQL security alerts are not sent to the subscription's admins",
            "Alerts nobody responsible reads do not help.",
            "Set `email_account_admins = true`.",
        ),
        resources: &["azurerm_mssql_server_security_alert_policy"],
        test: Test::IsTrue("email_account_admins"),
        bad: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {}\n",
        good: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {\n  email_account_admins = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-121", "AZU-0018", "azure-database-threat-alert-email-set", Medium,
            "SQL security alert policy has no email addresses",
            "Alerts that reach nobody do not help.",
            "Set `email_addresses = [\"security@example.com\"]`.",
        ),
        resources: &["azurerm_mssql_server_security_alert_policy"],
        test: Test::Present("email_addresses"),
        bad: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {}\n",
        good: "resource \"azurerm_mssql_server_security_alert_policy\" \"a\" {\n  email_addresses = [\"security@example.com\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-122", "AZU-0019", "azure-database-postgres-configuration-log-connections", Medium,
            "PostgreSQL server does not log connections",
            "Connection logs show brute-force attempts and where sessions came from.",
            "Add an `azurerm_postgresql_configuration` with `name = \"log_connections\"` and \
             `value = \"on\"`.",
        ),
        resources: &["azurerm_postgresql_server"],
        test: Test::Custom(pg_log_connections),
        bad: "resource \"azurerm_postgresql_server\" \"a\" {}\n",
        good: "resource \"azurerm_postgresql_server\" \"a\" {}\nresource \"azurerm_postgresql_configuration\" \"a\" {\n  server_name = azurerm_postgresql_server.a.name\n  name = \"log_connections\"\n  value = \"on\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-123", "AZU-0024", "azure-database-postgres-configuration-log-checkpoints", Medium,
            "PostgreSQL server does not log checkpoints",
            "Checkpoint logs help diagnose performance and recovery problems.",
            "Add an `azurerm_postgresql_configuration` with `name = \"log_checkpoints\"` and \
             `value = \"on\"`.",
        ),
        resources: &["azurerm_postgresql_server"],
        test: Test::Custom(pg_log_checkpoints),
        bad: "resource \"azurerm_postgresql_server\" \"a\" {}\n",
        good: "resource \"azurerm_postgresql_server\" \"a\" {}\nresource \"azurerm_postgresql_configuration\" \"a\" {\n  server_name = azurerm_postgresql_server.a.name\n  name = \"log_checkpoints\"\n  value = \"on\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-124", "AZU-0021", "azure-database-postgres-configuration-connection-throttling", Medium,
            "PostgreSQL server does not throttle connections",
            "Connection throttling slows down password guessing and connection floods.",
            "Add an `azurerm_postgresql_configuration` with `name = \"connection_throttling\"` \
             and `value = \"on\"`.",
        ),
        resources: &["azurerm_postgresql_server"],
        test: Test::Custom(pg_throttling),
        bad: "resource \"azurerm_postgresql_server\" \"a\" {}\n",
        good: "resource \"azurerm_postgresql_server\" \"a\" {}\nresource \"azurerm_postgresql_configuration\" \"a\" {\n  server_name = azurerm_postgresql_server.a.name\n  name = \"connection_throttling\"\n  value = \"on\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-125", "AZU-0035", "azure-datafactory-no-public-access", Critical,
            "Data Factory allows public network access",
            "A factory reachable from the internet exposes its pipelines and linked-service \
             credentials to anyone who obtains a token.",
            "Set `public_network_enabled = false`.",
        ),
        resources: &["azurerm_data_factory"],
        test: Test::IsFalse("public_network_enabled"),
        bad: "resource \"azurerm_data_factory\" \"a\" {}\n",
        good: "resource \"azurerm_data_factory\" \"a\" {\n  public_network_enabled = false\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-126", "AZU-0036", "azure-datalake-enable-at-rest-encryption", High,
            "Data Lake store is not encrypted",
            "Files in an unencrypted store are readable without a key.",
            "Set `encryption_state = \"Enabled\"` (the default).",
        ),
        resources: &["azurerm_data_lake_store"],
        test: Test::NoneOf("encryption_state", &["Disabled"]),
        bad: "resource \"azurerm_data_lake_store\" \"a\" {\n  encryption_state = \"Disabled\"\n}\n",
        good: "resource \"azurerm_data_lake_store\" \"a\" {\n  encryption_state = \"Enabled\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-127", "AZU-0034", "azure-synapse-virtual-network-enabled", Medium,
            "Synapse workspace has no managed virtual network",
            "Without a managed virtual network the workspace's integration runtimes reach and \
             are reached over public networks.",
            "Set `managed_virtual_network_enabled = true`.",
        ),
        resources: &["azurerm_synapse_workspace"],
        test: Test::IsTrue("managed_virtual_network_enabled"),
        bad: "resource \"azurerm_synapse_workspace\" \"a\" {}\n",
        good: "resource \"azurerm_synapse_workspace\" \"a\" {\n  managed_virtual_network_enabled = true\n}\n",
    },
];

/// The resources of `kind` in the module whose `keys` refer to `block`
/// (by address, `azurerm_x.name.id`) or are computed.
pub(super) fn referencing<'a>(
    module: &'a Module,
    kind: &'a str,
    keys: &'a [&str],
    block: &'a Block,
) -> impl Iterator<Item = &'a Block> + 'a {
    module.resources(kind).filter(move |candidate| {
        keys.iter()
            .filter_map(|k| candidate.value(k))
            .any(|v| matches!(v, Value::Unknown) || refers_to(v, block))
    })
}

/// Whether a value names `target`: a reference to it (`azurerm_x.name`,
/// `azurerm_x.name.id`) or its literal `name`.
pub(super) fn refers_to(value: &Value, target: &Block) -> bool {
    match value {
        Value::Reference(r) => r
            .strip_prefix(target.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
        Value::String(name) => target.value("name").and_then(Value::as_str) == Some(name),
        _ => false,
    }
}

const ACCOUNT_KEYS: &[&str] = &["storage_account_id", "storage_account_name"];

/// The network rules of an account: its `network_rules` blocks, or the
/// standalone resource itself.
fn rule_blocks(block: &Block) -> Vec<&Block> {
    if block
        .labels
        .first()
        .is_some_and(|t| t == "azurerm_storage_account_network_rules")
    {
        return vec![block];
    }
    block.blocks("network_rules").collect()
}

fn storage_default_action(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let rules = rule_blocks(block);
    let standalone = referencing(
        module,
        "azurerm_storage_account_network_rules",
        ACCOUNT_KEYS,
        block,
    )
    .next();
    if rules.is_empty() && standalone.is_none() {
        found.push(missing(
            rule,
            block,
            block,
            "network_rules.",
            "default_action",
        ));
    }
    let is_standalone = rules.len() == 1 && std::ptr::eq(rules[0], block);
    for network in rules {
        if let Some(attr) = network.attr("default_action").filter(|a| {
            a.value
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("allow"))
        }) {
            found.push(wrong(
                rule,
                block,
                if is_standalone { "" } else { "network_rules." },
                attr,
            ));
        }
    }
}

fn storage_bypass(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let rules = rule_blocks(block);
    let is_standalone = rules.len() == 1 && std::ptr::eq(rules[0], block);
    let prefix = if is_standalone { "" } else { "network_rules." };
    for network in rules {
        match network.attr("bypass") {
            None => found.push(missing(rule, block, network, prefix, "bypass")),
            Some(attr) => {
                let literal = matches!(&attr.value, Value::List(items) if items.iter().all(|i| i.as_str().is_some()));
                if literal && !attr.value.strings().contains(&"AzureServices") {
                    found.push(wrong(rule, block, prefix, attr));
                }
            }
        }
    }
}

fn storage_transport(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for key in ["https_traffic_only_enabled", "enable_https_traffic_only"] {
        Test::NotFalse(key).run_on(module, block, rule, found);
    }
    Test::NoneOf("min_tls_version", &["TLS1_0", "TLS1_1"]).run_on(module, block, rule, found);
}

fn storage_logging(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let logged = block
        .blocks("queue_properties")
        .any(|q| q.blocks("logging").next().is_some());
    if !logged {
        let owner = block.blocks("queue_properties").next().unwrap_or(block);
        found.push(missing(rule, block, owner, "queue_properties.", "logging"));
    }
}

fn storage_soft_delete(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for properties in block.blocks("blob_properties") {
        for policy in properties.blocks("delete_retention_policy") {
            if let Some(attr) = policy.attr("days").filter(|a| a.value.as_i64() == Some(0)) {
                found.push(wrong(
                    rule,
                    block,
                    "blob_properties.delete_retention_policy.",
                    attr,
                ));
            }
        }
    }
}

/// AZU-0016: purge protection on, with a retention between 7 and 90 days.
fn vault_purge(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    match block.attr("purge_protection_enabled") {
        None => found.push(missing(rule, block, block, "", "purge_protection_enabled")),
        Some(attr) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(attr) if attr.value.as_bool() == Some(true) => {
            match block.attr("soft_delete_retention_days") {
                None => found.push(missing(
                    rule,
                    block,
                    block,
                    "",
                    "soft_delete_retention_days",
                )),
                Some(days) if days.value.as_i64().is_some_and(|d| !(7..=90).contains(&d)) => {
                    found.push(wrong(rule, block, "", days))
                }
                Some(_) => {}
            }
        }
        Some(_) => {}
    }
}

/// AZU-0022: public network access defaults to on.
fn db_public_access(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    // The old `azurerm_sql_server` has no such setting: it is always public.
    let key = "public_network_access_enabled";
    match block.attr(key) {
        None => found.push(missing(rule, block, block, "", key)),
        Some(attr) if attr.value.as_bool() == Some(true) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

fn db_tls(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let kind = block.labels.first().map(String::as_str).unwrap_or("");
    let (key, allowed): (&str, &[&str]) = match kind {
        "azurerm_mssql_server" => ("minimum_tls_version", &["1.2", "1.3"]),
        // The old resource cannot set a minimum at all.
        "azurerm_sql_server" => {
            found.push(missing(rule, block, block, "", "minimum_tls_version"));
            return;
        }
        _ => ("ssl_minimal_tls_version_enforced", &["TLS1_2", "TLS1_3"]),
    };
    if let Some(attr) = block.attr(key) {
        if attr.value.as_str().is_some_and(|v| !allowed.contains(&v)) {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

/// Whether an IPv4 address is public (not private, loopback, link-local
/// or unspecified).
fn is_public_ip(ip: &str) -> bool {
    ip.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| {
        !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
    })
}

/// AZU-0029: a range (start ≠ end) with a public end, except the
/// 0.0.0.0–0.0.0.0 "Azure services" rule.
fn db_firewall(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let (Some(start), Some(end)) = (block.attr("start_ip_address"), block.attr("end_ip_address"))
    else {
        return;
    };
    let (Some(from), Some(to)) = (start.value.as_str(), end.value.as_str()) else {
        return;
    };
    if from != to && (is_public_ip(from) || is_public_ip(to)) {
        found.push(wrong(rule, block, "", end));
    }
}

fn sql_auditing(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let inline = block.blocks("extended_auditing_policy").next().is_some();
    let companion = referencing(
        module,
        "azurerm_mssql_server_extended_auditing_policy",
        &["server_id"],
        block,
    )
    .next()
    .is_some();
    let per_database =
        referencing(module, "azurerm_mssql_database", &["server_id"], block).any(|db| {
            referencing(
                module,
                "azurerm_mssql_database_extended_auditing_policy",
                &["database_id"],
                db,
            )
            .next()
            .is_some()
        });
    if !(inline || companion || per_database) {
        found.push(missing(rule, block, block, "", "extended_auditing_policy"));
    }
}

fn audit_retention(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("retention_in_days") {
        if attr.value.as_i64().is_some_and(|d| d != 0 && d < 90) {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

fn disabled_alerts(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if let Some(attr) = block.attr("disabled_alerts") {
        if !attr.value.strings().is_empty() {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

/// A PostgreSQL server parameter set to `on` by an
/// `azurerm_postgresql_configuration` of the module.
fn pg_parameter(
    module: &Module,
    block: &Block,
    name: &str,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let configured = referencing(
        module,
        "azurerm_postgresql_configuration",
        &["server_name"],
        block,
    )
    .find(|c| c.value("name").and_then(Value::as_str) == Some(name));
    match configured.and_then(|c| c.attr("value").map(|a| (c, a))) {
        None => found.push(missing(rule, block, block, "", name)),
        Some((config, attr))
            if attr
                .value
                .as_str()
                .is_some_and(|v| !v.eq_ignore_ascii_case("on")) =>
        {
            found.push(wrong(rule, config, "", attr))
        }
        Some(_) => {}
    }
}

fn pg_log_connections(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    pg_parameter(module, block, "log_connections", rule, found);
}

fn pg_log_checkpoints(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    pg_parameter(module, block, "log_checkpoints", rule, found);
}

fn pg_throttling(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    pg_parameter(module, block, "connection_throttling", rule, found);
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
