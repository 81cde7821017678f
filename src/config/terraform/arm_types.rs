//! What each ARM resource type adapts to: its Terraform resource type, and
//! the properties Terraform names or shapes differently (`fix_up`), so the
//! Azure rules read ARM templates with Terraform's attribute names.

use super::adapt::{child, hoist, map_value, rename, set};
use super::hcl::{Block, Value};
use crate::config::yaml::Node;

/// The Terraform resource type an ARM type (with its resource) adapts to.
pub(super) fn terraform_type(kind: &str, resource: &Node) -> Option<&'static str> {
    let kind = kind.to_ascii_lowercase();
    Some(match kind.as_str() {
        "microsoft.storage/storageaccounts" => "azurerm_storage_account",
        "microsoft.storage/storageaccounts/blobservices/containers" => "azurerm_storage_container",
        "microsoft.network/networksecuritygroups" => "azurerm_network_security_group",
        "microsoft.network/networksecuritygroups/securityrules" => "azurerm_network_security_rule",
        "microsoft.network/networkinterfaces" => "azurerm_network_interface",
        "microsoft.keyvault/vaults" => "azurerm_key_vault",
        "microsoft.keyvault/vaults/secrets" => "azurerm_key_vault_secret",
        "microsoft.keyvault/vaults/keys" => "azurerm_key_vault_key",
        "microsoft.sql/servers" => "azurerm_mssql_server",
        "microsoft.dbforpostgresql/servers" => "azurerm_postgresql_server",
        "microsoft.dbformysql/servers" => "azurerm_mysql_server",
        "microsoft.dbformariadb/servers" => "azurerm_mariadb_server",
        "microsoft.web/sites" => {
            let kind = resource.get("kind").and_then(Node::as_str).unwrap_or("");
            if kind.contains("functionapp") {
                "azurerm_linux_function_app"
            } else {
                "azurerm_linux_web_app"
            }
        }
        "microsoft.containerservice/managedclusters" => "azurerm_kubernetes_cluster",
        "microsoft.compute/disks" => "azurerm_managed_disk",
        "microsoft.compute/virtualmachines" => {
            let windows = resource
                .get("properties")
                .and_then(|p| p.get("osProfile"))
                .and_then(|p| p.get("windowsConfiguration"))
                .is_some();
            if windows {
                "azurerm_windows_virtual_machine"
            } else {
                "azurerm_linux_virtual_machine"
            }
        }
        "microsoft.datafactory/factories" => "azurerm_data_factory",
        "microsoft.datalakestore/accounts" => "azurerm_data_lake_store",
        "microsoft.synapse/workspaces" => "azurerm_synapse_workspace",
        "microsoft.network/networkwatchers/flowlogs" => "azurerm_network_watcher_flow_log",
        // Trivy's adapter reads containers under this (non-ARM) child type.
        "microsoft.storage/storageaccounts/containerservices/containers" => {
            "azurerm_storage_container"
        }
        "microsoft.storage/storageaccounts/queueservices/queues" => "azurerm_storage_queue",
        "microsoft.authorization/roledefinitions" => "azurerm_role_definition",
        "microsoft.insights/logprofiles" => "azurerm_monitor_log_profile",
        "microsoft.security/securitycontacts" => "azurerm_security_center_contact",
        "microsoft.security/pricings" => "azurerm_security_center_subscription_pricing",
        "microsoft.sql/servers/securityalertpolicies" => {
            "azurerm_mssql_server_security_alert_policy"
        }
        "microsoft.sql/servers/extendedauditingsettings" => {
            "azurerm_mssql_server_extended_auditing_policy"
        }
        _ => return None,
    })
}

/// The attribute through which a child resource type names its parent in
/// Terraform.
pub(super) fn parent_key(tf_type: &str) -> Option<&'static str> {
    match tf_type {
        "azurerm_storage_container" | "azurerm_storage_queue" => Some("storage_account_name"),
        "azurerm_mssql_server_security_alert_policy"
        | "azurerm_mssql_server_extended_auditing_policy" => Some("server_id"),
        _ => None,
    }
}

/// `"Enabled"`/`"Disabled"` as a boolean.
fn enabled(text: &str) -> Option<Value> {
    match text.to_ascii_lowercase().as_str() {
        "enabled" | "true" => Some(Value::Bool(true)),
        "disabled" | "false" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// What Terraform names differently, per adapted type.
pub(super) fn fix_up(tf_type: &str, block: &mut Block) {
    match tf_type {
        "azurerm_storage_account" => {
            rename(
                block,
                "supports_https_traffic_only",
                "https_traffic_only_enabled",
            );
            rename(block, "minimum_tls_version", "min_tls_version");
            if block.attr("min_tls_version").is_none() {
                // Unlike Terraform's provider, ARM leaves TLS 1.0 allowed
                // when `minimumTlsVersion` is not set.
                let line = block.line;
                set(
                    block,
                    "min_tls_version",
                    Value::String("TLS1_0".into()),
                    line,
                );
            }
            rename(
                block,
                "allow_blob_public_access",
                "allow_nested_items_to_be_public",
            );
            rename(block, "network_acls", "network_rules");
            for rules in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "network_rules")
            {
                map_value(rules, "bypass", |b| {
                    Some(Value::List(
                        b.split(',')
                            .map(|p| Value::String(p.trim().to_string()))
                            .collect(),
                    ))
                });
            }
            let infrastructure = block
                .blocks
                .iter()
                .find(|b| b.kind == "encryption")
                .and_then(|e| e.attr("require_infrastructure_encryption"))
                .cloned();
            if let Some(attr) = infrastructure {
                set(
                    block,
                    "infrastructure_encryption_enabled",
                    attr.value,
                    attr.line,
                );
            }
            storage_queue_logging(block);
            let key = block
                .blocks("encryption")
                .flat_map(|e| e.blocks("key_vault_properties"))
                .find_map(|k| k.attr("key_uri"))
                .cloned();
            if let Some(attr) = key {
                set(
                    child(block, "customer_managed_key"),
                    "key_vault_key_id",
                    attr.value,
                    attr.line,
                );
            }
            let replication = block.blocks("sku").find_map(|s| s.attr("name")).cloned();
            if let Some(attr) = replication {
                let value = match attr.value.as_str().and_then(|s| s.split_once('_')) {
                    Some((_, replication)) => Value::String(replication.to_string()),
                    None => Value::Unknown,
                };
                set(block, "account_replication_type", value, attr.line);
            }
        }
        "azurerm_storage_container" => {
            rename(block, "public_access", "container_access_type");
            map_value(block, "container_access_type", |a| {
                Some(Value::String(match a.to_ascii_lowercase().as_str() {
                    "none" => "private".to_string(),
                    other => other.to_string(),
                }))
            });
        }
        "azurerm_network_security_group" => {
            rename(block, "security_rules", "security_rule");
            for rule in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "security_rule")
            {
                hoist(rule, "properties");
            }
        }
        "azurerm_network_interface" => {
            rename(block, "ip_configurations", "ip_configuration");
            for config in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "ip_configuration")
            {
                hoist(config, "properties");
                let public = config
                    .blocks
                    .iter()
                    .find(|b| b.kind == "public_ip_address")
                    .and_then(|p| p.attr("id"))
                    .cloned();
                if let Some(attr) = public {
                    set(config, "public_ip_address_id", attr.value, attr.line);
                }
            }
        }
        "azurerm_key_vault" => {
            rename(block, "enable_purge_protection", "purge_protection_enabled");
            rename(
                block,
                "soft_delete_retention_in_days",
                "soft_delete_retention_days",
            );
        }
        "azurerm_key_vault_secret" | "azurerm_key_vault_key" => {
            let expiry = block
                .blocks
                .iter()
                .find(|b| b.kind == "attributes")
                .and_then(|a| a.attr("exp"))
                .cloned();
            if let Some(attr) = expiry {
                set(block, "expiration_date", attr.value, attr.line);
            }
        }
        "azurerm_mssql_server" => {
            rename(block, "minimal_tls_version", "minimum_tls_version");
            rename(
                block,
                "public_network_access",
                "public_network_access_enabled",
            );
            map_value(block, "public_network_access_enabled", enabled);
        }
        "azurerm_postgresql_server" | "azurerm_mysql_server" | "azurerm_mariadb_server" => {
            rename(block, "ssl_enforcement", "ssl_enforcement_enabled");
            map_value(block, "ssl_enforcement_enabled", enabled);
            rename(
                block,
                "minimal_tls_version",
                "ssl_minimal_tls_version_enforced",
            );
            rename(
                block,
                "public_network_access",
                "public_network_access_enabled",
            );
            map_value(block, "public_network_access_enabled", enabled);
        }
        "azurerm_linux_web_app" | "azurerm_linux_function_app" => {
            rename(block, "client_cert_enabled", "client_certificate_enabled");
            for site in block.blocks.iter_mut().filter(|b| b.kind == "site_config") {
                rename(site, "min_tls_version", "minimum_tls_version");
                rename(site, "http20_enabled", "http2_enabled");
                site_runtimes(site);
            }
        }
        "azurerm_security_center_contact" => security_contact(block),
        "azurerm_mssql_server_extended_auditing_policy" => {
            rename(block, "retention_days", "retention_in_days");
        }
        "azurerm_security_center_subscription_pricing" => {
            rename(block, "pricing_tier", "tier");
        }
        "azurerm_kubernetes_cluster" => {
            rename(block, "enable_rbac", "role_based_access_control_enabled");
            let private = block
                .blocks
                .iter()
                .find(|b| b.kind == "api_server_access_profile")
                .and_then(|p| p.attr("enable_private_cluster"))
                .cloned();
            if let Some(attr) = private {
                set(block, "private_cluster_enabled", attr.value, attr.line);
            }
            let addon = |block: &Block, name: &str| {
                block
                    .blocks
                    .iter()
                    .filter(|b| b.kind == "addon_profiles")
                    .flat_map(|p| p.blocks.iter())
                    .find(|a| a.kind.eq_ignore_ascii_case(name))
                    .and_then(|a| a.attr("enabled"))
                    .cloned()
            };
            if let Some(attr) = addon(block, "omsagent").or_else(|| addon(block, "oms_agent")) {
                if attr.value.as_bool() == Some(true) {
                    child(block, "oms_agent").line = attr.line;
                }
            }
            if let Some(attr) = addon(block, "azurepolicy").or_else(|| addon(block, "azure_policy"))
            {
                set(block, "azure_policy_enabled", attr.value, attr.line);
            }
        }
        "azurerm_managed_disk" => {
            rename(
                block,
                "encryption_settings_collection",
                "encryption_settings",
            );
        }
        "azurerm_linux_virtual_machine" | "azurerm_windows_virtual_machine" => {
            let custom_data = block
                .blocks("os_profile")
                .find_map(|p| p.attr("custom_data"))
                .cloned();
            if let Some(attr) = custom_data {
                set(block, "custom_data", attr.value, attr.line);
            }
            let password = block
                .blocks
                .iter()
                .filter(|b| b.kind == "os_profile")
                .flat_map(|p| p.blocks.iter().filter(|b| b.kind == "linux_configuration"))
                .find_map(|l| l.attr("disable_password_authentication"))
                .cloned();
            if let Some(attr) = password {
                set(
                    block,
                    "disable_password_authentication",
                    attr.value,
                    attr.line,
                );
            }
        }
        "azurerm_data_factory" => {
            rename(block, "public_network_access", "public_network_enabled");
            map_value(block, "public_network_enabled", enabled);
        }
        "azurerm_synapse_workspace" => {
            let managed = block.attr("managed_virtual_network").cloned();
            if let Some(attr) = managed {
                let value = attr.value.as_str().map_or(Value::Unknown, |v| {
                    Value::Bool(v.eq_ignore_ascii_case("default"))
                });
                set(block, "managed_virtual_network_enabled", value, attr.line);
            }
        }
        _ => {}
    }
}

/// `queueServices.properties.logging` with reads, writes or deletes logged
/// is Terraform's `queue_properties { logging {} }`.
fn storage_queue_logging(block: &mut Block) {
    let logging = block
        .blocks("queue_services")
        .flat_map(|q| q.blocks("properties"))
        .flat_map(|p| p.blocks("logging"))
        .find(|l| {
            ["delete", "read", "write"]
                .iter()
                .any(|k| l.value(k).and_then(Value::as_bool) == Some(true))
        })
        .map(|l| l.line);
    if let Some(line) = logging {
        child(child(block, "queue_properties"), "logging").line = line;
    }
}

/// A site's runtime versions where the Terraform rules read them
/// (`site_config.application_stack`): `phpVersion`, `pythonVersion`, or
/// the Linux `linuxFxVersion` (`"PHP|7.4"`, `"PYTHON|3.8"`).
fn site_runtimes(site: &mut Block) {
    let mut versions = Vec::new();
    for key in ["php_version", "python_version"] {
        if let Some(attr) = site.attr(key) {
            versions.push((key, attr.value.clone(), attr.line));
        }
    }
    if let Some(attr) = site.attr("linux_fx_version") {
        if let Some((stack, version)) = attr.value.as_str().and_then(|v| v.split_once('|')) {
            let key = match stack.to_ascii_lowercase().as_str() {
                "php" => Some("php_version"),
                "python" => Some("python_version"),
                _ => None,
            };
            if let Some(key) = key.filter(|k| !versions.iter().any(|(v, _, _)| v == k)) {
                versions.push((key, Value::String(version.to_string()), attr.line));
            }
        }
    }
    for (key, value, line) in versions {
        set(child(site, "application_stack"), key, value, line);
    }
}

/// `"On"`, `{"state": "On"}` or a boolean as a boolean.
fn on_off(value: &Value) -> Option<bool> {
    match value {
        Value::Object(entries) => entries
            .iter()
            .find(|(k, _)| k == "state")
            .and_then(|(_, v)| on_off(v)),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "on" | "true" | "enabled" => Some(true),
            "off" | "false" | "disabled" => Some(false),
            _ => None,
        },
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Security contacts, in both API shapes: `emails`, `isEnabled`,
/// `alertNotifications` (`"On"` or `{"state"}`) or, in the newer API, an
/// `Alert` entry of `notificationsSources` on an enabled contact; and
/// `notificationsByRole.state` for the subscription admins.
fn security_contact(block: &mut Block) {
    rename(block, "emails", "email");
    let enabled = block.attr("is_enabled").and_then(|a| a.value.as_bool());
    let alerts = match block.attr("notifications_sources") {
        Some(sources) => {
            let alert_source = matches!(&sources.value, Value::List(items) if items.iter().any(|i| {
                matches!(i, Value::Object(e) if e.iter().any(|(k, v)| k == "sourceType" && v.as_str() == Some("Alert")))
            }));
            Some((
                Value::Bool(alert_source && enabled == Some(true)),
                sources.line,
            ))
        }
        None => block
            .attr("alert_notifications")
            .map(|a| (on_off(&a.value).map_or(Value::Unknown, Value::Bool), a.line)),
    };
    block.blocks.retain(|b| b.kind != "alert_notifications");
    match alerts {
        Some((value, at)) => set(block, "alert_notifications", value, at),
        None => block.attrs.retain(|a| a.key != "alert_notifications"),
    }
    let admins = block
        .attr("notifications_by_role")
        .map(|a| (on_off(&a.value).map_or(Value::Unknown, Value::Bool), a.line));
    if let Some((value, at)) = admins {
        set(block, "alerts_to_admins", value, at);
    }
}

#[cfg(test)]
mod tests {
    use crate::config::terraform::ArmChecker;
    use crate::config::Checker;

    const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "name": "store",
      "properties": {"minimumTlsVersion": "TLS1_2"},
      "resources": [{"type": "queueServices/queues", "name": "jobs"}]
    },
    {"type": "Microsoft.Storage/storageAccounts/blobServices/containers", "name": "store/default/data"},
    {
      "type": "Microsoft.Web/sites",
      "name": "site",
      "properties": {"siteConfig": {"linuxFxVersion": "PYTHON|3.8"}}
    },
    {
      "type": "Microsoft.Security/securityContacts",
      "name": "default",
      "properties": {"isEnabled": false, "notificationsByRole": {"state": "On"}}
    },
    {
      "type": "Microsoft.Compute/virtualMachines",
      "name": "vm",
      "properties": {"osProfile": {"customData": "export DB_PASSWORD=Sup3rS3cret", "windowsConfiguration": {}}}
    },
    {"type": "Microsoft.DataLakeStore/accounts", "name": "lake", "properties": {"encryptionState": "Disabled"}}
  ]
}"#;

    #[test]
    fn children_runtimes_contacts_and_custom_data_adapt() {
        let ids: Vec<&str> = ArmChecker
            .check("azuredeploy.json", TEMPLATE)
            .expect("template")
            .into_iter()
            .map(|v| v.rule.id)
            .collect();
        // Queue logging and customer-managed key: the account has a nested
        // queue and a `store/...` container.
        for id in [
            "SG-TF-400",
            "SG-TF-401",
            "SG-TF-405",
            "SG-TF-402",
            "SG-TF-126",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        // The contact: no email, alerts off (admins on), disabled.
        assert!(ids.contains(&"SG-TF-408") && ids.contains(&"SG-TF-410"));
        assert_eq!(ids.iter().filter(|i| **i == "SG-TF-409").count(), 1);
    }
}
