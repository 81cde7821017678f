//! Azure checks that look past one attribute: storage accounts judged by
//! the queues and containers that use them, virtual machines by their boot
//! data and network interfaces, and App Service runtimes past end of life.
//! Companion resources are matched as Trivy's adapter matches them: by a
//! reference to the account or interface (`azurerm_x.name.id`), or by the
//! account's literal name.

use super::azure_data::refers_to;
use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

/// The VM resources Trivy reads boot data and interfaces from.
const VMS: &[&str] = &[
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_virtual_machine",
];

const WEB_APPS: &[&str] = &[
    "azurerm_app_service",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
];

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-400", "AZU-0009", "azure-storage-queue-services-logging-enabled", Medium,
            "Storage account with queues does not log queue requests",
            "The account serves queues, but without Storage Analytics logging nobody can tell \
             who read, wrote or deleted their messages.",
            "Add `queue_properties { logging { delete = true, read = true, write = true, \
             version = \"1.0\" } }` to the account.",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::Custom(queue_logging),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n}\nresource \"azurerm_storage_queue\" \"q\" {\n  storage_account_name = azurerm_storage_account.a.name\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n  queue_properties {\n    logging {\n      delete = true\n      read = true\n      write = true\n      version = \"1.0\"\n    }\n  }\n}\nresource \"azurerm_storage_queue\" \"q\" {\n  storage_account_name = azurerm_storage_account.a.name\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-401", "AZU-0060", "azure-storage-blob-container-cmk-encrypted", Medium,
            "Storage account with blob containers is not encrypted with a customer-managed key",
            "With a key of your own in Key Vault, access to the blobs can be audited and revoked \
             by disabling the key.",
            "Add `customer_managed_key { key_vault_key_id = azurerm_key_vault_key.k.id }` or an \
             `azurerm_storage_account_customer_managed_key` for the account.",
        ),
        resources: &["azurerm_storage_account"],
        test: Test::Custom(container_cmk),
        bad: "resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n}\nresource \"azurerm_storage_container\" \"c\" {\n  storage_account_id = azurerm_storage_account.a.id\n}\n",
        good: "resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n  customer_managed_key {\n    key_vault_key_id = azurerm_key_vault_key.k.id\n  }\n}\nresource \"azurerm_storage_container\" \"c\" {\n  storage_account_id = azurerm_storage_account.a.id\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-402", "AZU-0037", "azure-compute-no-secrets-in-custom-data", Medium,
            "Virtual machine custom data contains a credential",
            "Custom data is readable by anyone who can read the VM's configuration and by every \
             process on the VM through the metadata service; credentials in it leak.",
            "Fetch credentials at boot from Key Vault with the VM's managed identity instead of \
             writing them into `custom_data`.",
        ),
        resources: VMS,
        test: Test::Custom(custom_data_secret),
        bad: "resource \"azurerm_linux_virtual_machine\" \"a\" {\n  custom_data = \"export DATABASE_PASSWORD=Sup3rS3cret\"\n}\n",
        good: "resource \"azurerm_linux_virtual_machine\" \"a\" {\n  custom_data = \"apt-get update\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-403", "AZU-0068", "azure-compute-vm-not-attached-to-network", Medium,
            "Virtual machine network interface has no network security group",
            "Without a network security group on the interface, nothing at the VM filters what \
             reaches its ports.",
            "Associate a network security group with the interface \
             (`azurerm_network_interface_security_group_association`).",
        ),
        resources: VMS,
        test: Test::Custom(vm_nic_without_nsg),
        bad: "resource \"azurerm_network_interface\" \"n\" {}\nresource \"azurerm_linux_virtual_machine\" \"a\" {\n  network_interface_ids = [azurerm_network_interface.n.id]\n}\n",
        good: "resource \"azurerm_network_interface\" \"n\" {}\nresource \"azurerm_network_security_group\" \"g\" {}\nresource \"azurerm_network_interface_security_group_association\" \"x\" {\n  network_interface_id = azurerm_network_interface.n.id\n  network_security_group_id = azurerm_network_security_group.g.id\n}\nresource \"azurerm_linux_virtual_machine\" \"a\" {\n  network_interface_ids = [azurerm_network_interface.n.id]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-404", "AZU-0069", "azure-appservice-supported-php-version", Medium,
            "App Service runs a PHP version past end of life",
            "PHP 8.0 and older get no security fixes any more.",
            "Set the PHP version to 8.1 or newer.",
        ),
        resources: WEB_APPS,
        test: Test::Custom(php_version),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    application_stack {\n      php_version = \"7.4\"\n    }\n  }\n}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    application_stack {\n      php_version = \"8.2\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-405", "AZU-0070", "azure-appservice-supported-python-version", Medium,
            "App Service runs a Python version past end of life",
            "Python 3.8 and older (and 2.7) get no security fixes any more.",
            "Set the Python version to 3.9 or newer.",
        ),
        resources: WEB_APPS,
        test: Test::Custom(python_version),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    application_stack {\n      python_version = \"3.8\"\n    }\n  }\n}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    application_stack {\n      python_version = \"3.12\"\n    }\n  }\n}\n",
    },
];

/// The `kind` resources whose `keys` name `target`: by reference
/// (`azurerm_x.name.id`) or, for `*_name` keys, by `target`'s literal name.
fn companions<'a>(
    module: &'a Module,
    kind: &'a str,
    keys: &'a [&str],
    target: &'a Block,
) -> impl Iterator<Item = &'a Block> + 'a {
    module.resources(kind).filter(move |candidate| {
        keys.iter()
            .filter_map(|k| candidate.value(k))
            .any(|v| refers_to(v, target))
    })
}

const ACCOUNT_KEYS: &[&str] = &["storage_account_id", "storage_account_name"];

/// AZU-0009: only accounts that serve queues; the `logging` block is what
/// Trivy reads as "logging enabled".
fn queue_logging(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if companions(module, "azurerm_storage_queue", ACCOUNT_KEYS, block)
        .next()
        .is_none()
    {
        return;
    }
    let logged = block
        .blocks("queue_properties")
        .any(|q| q.blocks("logging").next().is_some());
    if !logged {
        let owner = block.blocks("queue_properties").next().unwrap_or(block);
        found.push(Violation {
            message: "The account has queues but `queue_properties.logging` is not set.".into(),
            ..missing(rule, block, owner, "queue_properties.", "logging")
        });
    }
}

/// AZU-0060: only accounts with containers; the key comes from the
/// account's `customer_managed_key` block or from an
/// `azurerm_storage_account_customer_managed_key` for it.
fn container_cmk(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if companions(module, "azurerm_storage_container", ACCOUNT_KEYS, block)
        .next()
        .is_none()
    {
        return;
    }
    let inline = block.blocks("customer_managed_key").next();
    let key_set = |b: &Block| b.value("key_vault_key_id").is_some_and(|v| !is_blank(v));
    if inline.is_some_and(key_set) {
        return;
    }
    let standalone = companions(
        module,
        "azurerm_storage_account_customer_managed_key",
        &["storage_account_id"],
        block,
    )
    .any(|k| {
        key_set(k)
            || ["key_vault_id", "key_name"]
                .iter()
                .all(|a| k.value(a).is_some_and(|v| !is_blank(v)))
    });
    if !standalone {
        let owner = inline.unwrap_or(block);
        found.push(Violation {
            message: "The account has blob containers but no customer-managed key.".into(),
            ..missing(
                rule,
                block,
                owner,
                "customer_managed_key.",
                "key_vault_key_id",
            )
        });
    }
}

/// An empty or null literal; anything computed counts as set.
fn is_blank(value: &Value) -> bool {
    matches!(value, Value::Null) || value.as_str().is_some_and(|s| s.trim().is_empty())
}

/// `azurerm_virtual_machine` counts as Linux or Windows only with an OS
/// profile config block, as in Trivy's adapter.
fn is_checked_vm(block: &Block) -> bool {
    !block.is_resource("azurerm_virtual_machine")
        || block.blocks("os_profile_linux_config").next().is_some()
        || block.blocks("os_profile_windows_config").next().is_some()
}

fn custom_data_secret(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if !is_checked_vm(block) {
        return;
    }
    let (holder, prefix) = match block.blocks("os_profile").next() {
        Some(profile) if block.is_resource("azurerm_virtual_machine") => (profile, "os_profile."),
        _ => (block, ""),
    };
    let Some(attr) = holder.attr("custom_data") else {
        return;
    };
    let Some(what) = attr
        .value
        .as_str()
        .and_then(super::custom_data::find_secret)
    else {
        return;
    };
    found.push(Violation {
        message: format!("`{prefix}custom_data` contains {what}."),
        ..wrong(rule, block, prefix, attr)
    });
}

/// AZU-0068: each interface of the VM that this module defines must have a
/// network security group, inline (`network_security_group_id`) or through
/// an association resource. An association we cannot resolve counts.
fn vm_nic_without_nsg(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if !is_checked_vm(block) {
        return;
    }
    let Some(ids) = block.value("network_interface_ids") else {
        return;
    };
    let items = match ids {
        Value::List(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    for nic in module.resources("azurerm_network_interface") {
        if !items.iter().any(|id| refers_to(id, nic)) {
            continue;
        }
        let inline = nic
            .value("network_security_group_id")
            .is_some_and(|v| !is_blank(v));
        let associated = module
            .resources("azurerm_network_interface_security_group_association")
            .any(|a| {
                a.value("network_interface_id")
                    .is_some_and(|v| matches!(v, Value::Unknown) || refers_to(v, nic))
                    && a.value("network_security_group_id")
                        .is_some_and(|v| !is_blank(v))
            });
        if !inline && !associated {
            found.push(Violation {
                rule,
                message: format!(
                    "`{}` uses this network interface, which has no network security group.",
                    block.address()
                ),
                start_line: nic.line,
                end_line: nic.line,
                subject: format!("{}.network_security_group_id", nic.address()),
            });
        }
    }
}

/// A runtime version that Trivy lists as past end of life: the version or
/// its `major.minor` is in `retired`.
fn is_retired(version: &str, retired: &[&str]) -> bool {
    let mut parts = version.trim().split('.');
    let major_minor = match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => version.trim().to_string(),
    };
    retired.contains(&version.trim()) || retired.contains(&major_minor.as_str())
}

/// Where Trivy reads a web app's runtime version: `site_config` on
/// `azurerm_app_service`, `site_config.application_stack` on the new
/// resources (Windows web apps have no Python version there).
fn runtime_version(
    block: &Block,
    key: &str,
    rule: &'static Rule,
    retired: &[&str],
) -> Vec<Violation> {
    let legacy = block.is_resource("azurerm_app_service");
    if !legacy && key == "python_version" && block.is_resource("azurerm_windows_web_app") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for site in block.blocks("site_config").take(1) {
        let (holder, prefix) = if legacy {
            (Some(site), "site_config.")
        } else {
            (
                site.blocks("application_stack").next(),
                "site_config.application_stack.",
            )
        };
        let Some(attr) = holder.and_then(|h| h.attr(key)) else {
            continue;
        };
        if attr.value.as_str().is_some_and(|v| is_retired(v, retired)) {
            out.push(wrong(rule, block, prefix, attr));
        }
    }
    out
}

fn php_version(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    const RETIRED: &[&str] = &["7.0", "7.1", "7.2", "7.3", "7.4", "8.0"];
    found.extend(runtime_version(block, "php_version", rule, RETIRED));
}

fn python_version(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    const RETIRED: &[&str] = &["2.7", "3.7", "3.8"];
    found.extend(runtime_version(block, "python_version", rule, RETIRED));
}

#[cfg(test)]
mod tests {
    use crate::config::terraform::TerraformChecker;
    use crate::config::Checker;

    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }

    fn ids(hcl: &str) -> Vec<&'static str> {
        TerraformChecker::DEFAULT
            .check("main.tf", hcl)
            .expect("parses")
            .into_iter()
            .map(|v| v.rule.id)
            .collect()
    }

    #[test]
    fn accounts_without_queues_or_containers_are_not_judged() {
        let found = ids("resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n}\n");
        assert!(!found.contains(&"SG-TF-400") && !found.contains(&"SG-TF-401"));
    }

    #[test]
    fn a_standalone_customer_managed_key_counts() {
        let found = ids(concat!(
            "resource \"azurerm_storage_account\" \"a\" {}\n",
            "resource \"azurerm_storage_container\" \"c\" {\n  storage_account_id = azurerm_storage_account.a.id\n}\n",
            "resource \"azurerm_storage_account_customer_managed_key\" \"k\" {\n",
            "  storage_account_id = azurerm_storage_account.a.id\n  key_vault_id = azurerm_key_vault.v.id\n  key_name = \"k\"\n}\n",
        ));
        assert!(!found.contains(&"SG-TF-401"), "{found:?}");
    }

    #[test]
    fn legacy_vms_read_custom_data_from_their_os_profile() {
        let bad = concat!(
            "resource \"azurerm_virtual_machine\" \"a\" {\n",
            "  os_profile_linux_config {\n    disable_password_authentication = true\n  }\n",
            "  os_profile {\n    custom_data = \"export DATABASE_PASSWORD=SomeSortOfPassword\"\n  }\n}\n",
        );
        assert!(ids(bad).contains(&"SG-TF-402"));
        // Without an OS config block Trivy does not adapt the VM.
        let unadapted = "resource \"azurerm_virtual_machine\" \"a\" {\n  os_profile {\n    custom_data = \"password=Sup3rS3cret\"\n  }\n}\n";
        assert!(!ids(unadapted).contains(&"SG-TF-402"));
    }

    #[test]
    fn interfaces_defined_elsewhere_are_not_judged() {
        let found = ids("resource \"azurerm_linux_virtual_machine\" \"a\" {\n  network_interface_ids = [\"/subscriptions/s/nic\"]\n}\n");
        assert!(!found.contains(&"SG-TF-403"));
    }

    #[test]
    fn runtime_versions_compare_by_major_minor() {
        assert!(super::is_retired("8.0.30", &["8.0"]));
        assert!(!super::is_retired("8.1", &["8.0"]));
        let legacy = "resource \"azurerm_app_service\" \"a\" {\n  site_config {\n    python_version = \"2.7\"\n  }\n}\n";
        assert!(ids(legacy).contains(&"SG-TF-405"));
    }
}
