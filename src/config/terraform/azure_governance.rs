//! Azure subscription governance: activity log profiles that skip regions,
//! custom roles that can create more roles, and Security Center contacts
//! that nobody would hear from. Semantics follow Trivy's checks and its
//! Terraform and ARM adapters (ARM templates are adapted in `arm.rs`).

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-406", "AZU-0032", "azure-monitor-capture-all-regions", Medium,
            "Activity log profile does not capture every region",
            "Activity in a region the log profile leaves out (an attacker's favourite) leaves no \
             trace in the exported activity log.",
            "List every Azure region, and `global`, in `locations`.",
        ),
        resources: &["azurerm_monitor_log_profile"],
        test: Test::Custom(all_regions),
        bad: "resource \"azurerm_monitor_log_profile\" \"a\" {\n  locations = [\"eastus\", \"global\"]\n}\n",
        good: "resource \"azurerm_monitor_log_profile\" \"a\" {\n  locations = [\"eastus\", \"eastus2\", \"southcentralus\", \"westus2\", \"westus3\", \"australiaeast\", \"southeastasia\", \"northeurope\", \"swedencentral\", \"uksouth\", \"westeurope\", \"centralus\", \"northcentralus\", \"westus\", \"southafricanorth\", \"centralindia\", \"eastasia\", \"japaneast\", \"jioindiawest\", \"koreacentral\", \"canadacentral\", \"francecentral\", \"germanywestcentral\", \"norwayeast\", \"switzerlandnorth\", \"uaenorth\", \"brazilsouth\", \"centralusstage\", \"eastusstage\", \"eastus2stage\", \"northcentralusstage\", \"southcentralusstage\", \"westusstage\", \"westus2stage\", \"asia\", \"asiapacific\", \"australia\", \"brazil\", \"canada\", \"europe\", \"global\", \"india\", \"japan\", \"uk\", \"unitedstates\", \"eastasiastage\", \"southeastasiastage\", \"centraluseuap\", \"eastus2euap\", \"westcentralus\", \"southafricawest\", \"australiacentral\", \"australiacentral2\", \"australiasoutheast\", \"japanwest\", \"jioindiacentral\", \"koreasouth\", \"southindia\", \"westindia\", \"canadaeast\", \"francesouth\", \"germanynorth\", \"norwaywest\", \"swedensouth\", \"switzerlandwest\", \"ukwest\", \"uaecentral\", \"brazilsoutheast\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-407", "AZU-0052", "azure-authorization-prevent-custom-role-creation", Medium,
            "Custom role can create role definitions",
            "Whoever holds a role that may write role definitions can write one granting \
             anything, and so escalate to full control.",
            "Leave `Microsoft.Authorization/roleDefinitions/write` (and wildcards covering it) \
             out of `permissions.actions`; keep role creation with a few administrators.",
        ),
        resources: &["azurerm_role_definition"],
        test: Test::Custom(role_creation),
        bad: "resource \"azurerm_role_definition\" \"a\" {\n  permissions {\n    actions = [\"Microsoft.Authorization/roleDefinitions/write\"]\n  }\n}\n",
        good: "resource \"azurerm_role_definition\" \"a\" {\n  permissions {\n    actions = [\"Microsoft.Compute/virtualMachines/read\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-408", "AZU-0062", "azure-securitycenter-security-contact-email", Medium,
            "Security Center contact has no email address",
            "Security alerts are mailed to the contact's address; without one they reach nobody.",
            "Set `email` to a monitored address.",
        ),
        resources: &["azurerm_security_center_contact"],
        test: Test::Present("email"),
        bad: "resource \"azurerm_security_center_contact\" \"a\" {\n  phone = \"+1-555-0100\"\n}\n",
        good: "resource \"azurerm_security_center_contact\" \"a\" {\n  email = \"security@example.com\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-409", "AZU-0063", "azure-securitycenter-email-alerts-disabled", Medium,
            "Security Center contact does not get alert emails, or subscription admins do not",
            "Alerts nobody is mailed about are found late, if at all.",
            "Set `alert_notifications = true` and `alerts_to_admins = true`.",
        ),
        resources: &["azurerm_security_center_contact"],
        test: Test::Custom(email_alerts),
        bad: "resource \"azurerm_security_center_contact\" \"a\" {\n  alert_notifications = true\n  alerts_to_admins = false\n}\n",
        good: "resource \"azurerm_security_center_contact\" \"a\" {\n  alert_notifications = true\n  alerts_to_admins = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-410", "AZU-0064", "azure-securitycenter-security-contact-disabled", High,
            "Security Center contact is disabled",
            "A disabled contact receives no notifications at all.",
            "Enable the contact (`\"isEnabled\": true` in an ARM template).",
        ),
        resources: &["azurerm_security_center_contact"],
        // Terraform has no such setting; ARM's `isEnabled` is adapted to it.
        test: Test::NotFalse("is_enabled"),
        bad: "resource \"azurerm_security_center_contact\" \"a\" {\n  is_enabled = false\n}\n",
        good: "resource \"azurerm_security_center_contact\" \"a\" {\n  email = \"security@example.com\"\n}\n",
    },
];

/// The locations Trivy 0.76 requires a log profile to capture.
const REGIONS: &[&str] = &[
    "eastus",
    "eastus2",
    "southcentralus",
    "westus2",
    "westus3",
    "australiaeast",
    "southeastasia",
    "northeurope",
    "swedencentral",
    "uksouth",
    "westeurope",
    "centralus",
    "northcentralus",
    "westus",
    "southafricanorth",
    "centralindia",
    "eastasia",
    "japaneast",
    "jioindiawest",
    "koreacentral",
    "canadacentral",
    "francecentral",
    "germanywestcentral",
    "norwayeast",
    "switzerlandnorth",
    "uaenorth",
    "brazilsouth",
    "centralusstage",
    "eastusstage",
    "eastus2stage",
    "northcentralusstage",
    "southcentralusstage",
    "westusstage",
    "westus2stage",
    "asia",
    "asiapacific",
    "australia",
    "brazil",
    "canada",
    "europe",
    "global",
    "india",
    "japan",
    "uk",
    "unitedstates",
    "eastasiastage",
    "southeastasiastage",
    "centraluseuap",
    "eastus2euap",
    "westcentralus",
    "southafricawest",
    "australiacentral",
    "australiacentral2",
    "australiasoutheast",
    "japanwest",
    "jioindiacentral",
    "koreasouth",
    "southindia",
    "westindia",
    "canadaeast",
    "francesouth",
    "germanynorth",
    "norwaywest",
    "swedensouth",
    "switzerlandwest",
    "ukwest",
    "uaecentral",
    "brazilsoutheast",
];

/// AZU-0032: a missing list captures nothing; a computed one is not judged.
/// Display names (`"East US"`) count as their location names.
fn all_regions(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let attr = block.attr("locations");
    let listed: Vec<String> = match attr.map(|a| &a.value) {
        None => Vec::new(),
        Some(Value::List(items)) if items.iter().all(|i| i.as_str().is_some()) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|l| l.replace(' ', "").to_ascii_lowercase())
            .collect(),
        Some(_) => return,
    };
    let absent: Vec<&str> = REGIONS
        .iter()
        .copied()
        .filter(|r| !listed.iter().any(|l| l == r))
        .collect();
    if absent.is_empty() {
        return;
    }
    let detail = if absent.len() < 10 {
        format!("missing: {}", absent.join(", "))
    } else {
        format!("{} regions are missing", absent.len())
    };
    let message = format!("Log profile does not capture every region ({detail}).");
    found.push(match attr {
        Some(attr) => Violation {
            message,
            ..wrong(rule, block, "", attr)
        },
        None => Violation {
            message,
            ..missing(rule, block, block, "", "locations")
        },
    });
}

/// Actions that include `Microsoft.Authorization/roleDefinitions/write`.
const ROLE_WRITE: &[&str] = &[
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/*",
    "*",
];

/// AZU-0052: one finding per granting action, as Trivy reports them.
fn role_creation(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (index, permissions) in block.blocks("permissions").enumerate() {
        let Some(attr) = permissions.attr("actions") else {
            continue;
        };
        for action in attr.value.strings() {
            if ROLE_WRITE.iter().any(|a| a.eq_ignore_ascii_case(action)) {
                found.push(Violation {
                    rule,
                    message: format!("The role allows `{action}`, which creates role definitions."),
                    start_line: attr.line,
                    end_line: attr.end_line,
                    subject: format!("{}.permissions[{index}].actions.{action}", block.address()),
                });
            }
        }
    }
}

/// AZU-0063: both notification switches default to off.
fn email_alerts(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for key in ["alert_notifications", "alerts_to_admins"] {
        Test::IsTrue(key).run_on(module, block, rule, found);
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

    fn count(hcl: &str, id: &str) -> usize {
        TerraformChecker::DEFAULT
            .check("main.tf", hcl)
            .expect("parses")
            .iter()
            .filter(|v| v.rule.id == id)
            .count()
    }

    #[test]
    fn log_profiles_without_or_with_computed_locations() {
        assert_eq!(
            count(
                "resource \"azurerm_monitor_log_profile\" \"a\" {}\n",
                "SG-TF-406"
            ),
            1
        );
        assert_eq!(
            count(
                "resource \"azurerm_monitor_log_profile\" \"a\" {\n  locations = var.all\n}\n",
                "SG-TF-406"
            ),
            0
        );
    }

    #[test]
    fn each_granting_action_and_each_alert_switch_is_one_finding() {
        let role = "resource \"azurerm_role_definition\" \"a\" {\n  permissions {\n    actions = [\"Microsoft.Authorization/*\", \"Microsoft.Compute/*\"]\n  }\n  permissions {\n    actions = [\"*\"]\n  }\n}\n";
        assert_eq!(count(role, "SG-TF-407"), 2);
        assert_eq!(
            count(
                "resource \"azurerm_security_center_contact\" \"a\" {}\n",
                "SG-TF-409"
            ),
            2
        );
    }
}
