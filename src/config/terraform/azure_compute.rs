//! Azure compute and networking at Trivy's breadth: AKS clusters, App
//! Service and Function apps, virtual machines and managed disks, network
//! security rules, network interfaces and flow logs, activity log
//! profiles, Security Center and custom roles. Defaults follow Trivy's
//! Terraform adapter (e.g. AKS RBAC counts as off unless it is set).

use super::azure::{internet_source, port_range_includes};
use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

const WEB_APPS: &[&str] = &[
    "azurerm_app_service",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
];
const FUNCTION_APPS: &[&str] = &[
    "azurerm_function_app",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
];

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-130", "AZU-0040", "azure-container-logging", Medium,
            "AKS cluster does not send logs to Azure Monitor",
            "Without the monitoring agent, container and node logs are lost when pods go away.",
            "Add `oms_agent { log_analytics_workspace_id = azurerm_log_analytics_workspace.x.id }`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Custom(aks_logging),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  oms_agent {\n    log_analytics_workspace_id = \"w\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-131", "AZU-0041", "azure-container-limit-authorized-ips", Critical,
            "AKS API server is open to all addresses",
            "A public API server without authorized IP ranges answers the whole internet.",
            "Set `api_server_access_profile { authorized_ip_ranges = [\"203.0.113.0/24\"] }` or \
             `private_cluster_enabled = true`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Custom(aks_authorized_ips),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  private_cluster_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-132", "AZU-0042", "azure-container-use-rbac-permissions", High,
            "AKS cluster does not state that RBAC is enabled",
            "Without Kubernetes RBAC every authenticated user can do everything in the cluster.",
            "Set `role_based_access_control_enabled = true`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Custom(aks_rbac),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  role_based_access_control_enabled = false\n}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  role_based_access_control_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-133", "AZU-0043", "azure-container-configured-network-policy", High,
            "AKS cluster has no network policy engine",
            "Without a network policy engine, NetworkPolicies are ignored and every pod can reach \
             every other.",
            "Set `network_profile { network_policy = \"calico\" }` (or `azure`, `cilium`).",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Present("network_profile.network_policy"),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  network_profile {\n    network_policy = \"calico\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-134", "AZU-0065", "azure-container-enable-private-cluster", High,
            "AKS cluster API server is not private",
            "A public API server endpoint is reachable from the internet.",
            "Set `private_cluster_enabled = true`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::IsTrue("private_cluster_enabled"),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  private_cluster_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-135", "AZU-0066", "azure-container-enable-azure-policy-addon", Low,
            "AKS cluster does not run the Azure Policy add-on",
            "The add-on enforces pod security and other policies at admission.",
            "Set `azure_policy_enabled = true`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Custom(aks_policy),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  azure_policy_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-136", "AZU-0067", "azure-container-enable-disk-encryption", Low,
            "AKS cluster disks are not encrypted with a customer managed key",
            "A disk encryption set with your key makes access to node disks auditable and \
             revocable.",
            "Set `disk_encryption_set_id`.",
        ),
        resources: &["azurerm_kubernetes_cluster"],
        test: Test::Present("disk_encryption_set_id"),
        bad: "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
        good: "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  disk_encryption_set_id = \"d\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-137", "AZU-0072", "azure-appservice-web-app-https-only", Medium,
            "Web app accepts plain HTTP",
            "Requests, cookies and credentials over HTTP can be read and altered on the way.",
            "Set `https_only = true`.",
        ),
        resources: WEB_APPS,
        test: Test::IsTrue("https_only"),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  https_only = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-138", "AZU-0004", "azure-appservice-enforce-https", Critical,
            "Function app accepts plain HTTP",
            "Requests and function keys over HTTP can be read and altered on the way.",
            "Set `https_only = true`.",
        ),
        resources: FUNCTION_APPS,
        test: Test::IsTrue("https_only"),
        bad: "resource \"azurerm_linux_function_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_function_app\" \"a\" {\n  https_only = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-139", "AZU-0001", "azure-appservice-require-client-cert", Low,
            "Web app does not require client certificates",
            "Client certificates authenticate callers before any application code runs.",
            "Set `client_certificate_enabled = true` (`client_cert_enabled` on `azurerm_app_service`).",
        ),
        resources: WEB_APPS,
        test: Test::Custom(client_cert),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  client_certificate_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-140", "AZU-0002", "azure-appservice-account-identity-registered", Low,
            "Web app has no managed identity",
            "A managed identity lets the app reach other Azure services without stored secrets.",
            "Add `identity { type = \"SystemAssigned\" }`.",
        ),
        resources: WEB_APPS,
        test: Test::Present("identity.type"),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  identity {\n    type = \"SystemAssigned\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-141", "AZU-0003", "azure-appservice-authentication-enabled", Medium,
            "Web app has App Service authentication disabled",
            "Built-in authentication keeps anonymous requests away from the application.",
            "Add `auth_settings { enabled = true }`.",
        ),
        resources: WEB_APPS,
        test: Test::IsTrue("auth_settings.enabled"),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  auth_settings {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-142", "AZU-0005", "azure-appservice-enable-http2", Low,
            "Web app does not enable HTTP/2",
            "HTTP/2 brings performance and security improvements (header compression, one TLS \
             connection).",
            "Set `site_config { http2_enabled = true }`.",
        ),
        resources: WEB_APPS,
        test: Test::IsTrue("site_config.http2_enabled"),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    http2_enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-143", "AZU-0006", "azure-appservice-use-secure-tls-policy", High,
            "Web app accepts TLS older than 1.2",
            "TLS 1.0 and 1.1 have known weaknesses.",
            "Set `site_config { minimum_tls_version = \"1.2\" }` (`min_tls_version` on \
             `azurerm_app_service`).",
        ),
        resources: WEB_APPS,
        test: Test::Custom(app_tls),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    minimum_tls_version = \"1.0\"\n  }\n}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    minimum_tls_version = \"1.2\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-144", "AZU-0071", "azure-appservice-enforce-ftps", Medium,
            "Web app allows plain FTP deployments",
            "Plain FTP sends deployment credentials and code in clear text.",
            "Set `site_config { ftps_state = \"FtpsOnly\" }` or `\"Disabled\"`.",
        ),
        resources: WEB_APPS,
        test: Test::Custom(app_ftps),
        bad: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    ftps_state = \"AllAllowed\"\n  }\n}\n",
        good: "resource \"azurerm_linux_web_app\" \"a\" {\n  site_config {\n    ftps_state = \"FtpsOnly\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-145", "AZU-0039", "azure-compute-disable-password-authentication", High,
            "Linux virtual machine allows password authentication",
            "Passwords can be guessed; SSH keys cannot.",
            "Set `disable_password_authentication = true` and provide `admin_ssh_key`.",
        ),
        resources: &["azurerm_linux_virtual_machine", "azurerm_virtual_machine"],
        test: Test::Custom(vm_passwords),
        bad: "resource \"azurerm_linux_virtual_machine\" \"a\" {\n  disable_password_authentication = false\n}\n",
        good: "resource \"azurerm_linux_virtual_machine\" \"a\" {\n  disable_password_authentication = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-146", "AZU-0038", "azure-compute-enable-disk-encryption", High,
            "Managed disk encryption is disabled",
            "Turning off encryption settings leaves the disk's data readable without a key.",
            "Remove `encryption_settings { enabled = false }`.",
        ),
        resources: &["azurerm_managed_disk"],
        test: Test::NotFalse("encryption_settings.enabled"),
        bad: "resource \"azurerm_managed_disk\" \"a\" {\n  encryption_settings {\n    enabled = false\n  }\n}\n",
        good: "resource \"azurerm_managed_disk\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-147", "AZU-0047", "azure-network-no-public-ingress", Critical,
            "Network security rule allows ingress from any address",
            "An inbound allow rule from `*`/`Internet` exposes the destination ports to everyone.",
            "Restrict `source_address_prefix` to known ranges.",
        ),
        resources: &["azurerm_network_security_rule", "azurerm_network_security_group"],
        test: Test::Custom(nsg_public_ingress),
        bad: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Inbound\"\n  access = \"Allow\"\n  source_address_prefix = \"*\"\n}\n",
        good: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Inbound\"\n  access = \"Allow\"\n  source_address_prefix = \"10.0.0.0/8\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-148", "AZU-0051", "azure-network-no-public-egress", Critical,
            "Network security rule allows egress to any address",
            "Unrestricted egress lets malware reach its command server and data leave.",
            "Restrict `destination_address_prefix` to the destinations needed.",
        ),
        resources: &["azurerm_network_security_rule", "azurerm_network_security_group"],
        test: Test::Custom(nsg_public_egress),
        bad: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Outbound\"\n  access = \"Allow\"\n  destination_address_prefix = \"*\"\n}\n",
        good: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Outbound\"\n  access = \"Allow\"\n  destination_address_prefix = \"10.0.0.0/8\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-149", "AZU-0074", "azure-network-sensitive-port-is-exposed-to-entire-network", High,
            "Network security rule exposes a sensitive port to the internet",
            "Database, directory, mail and file-transfer ports open to the internet are scanned \
             and attacked constantly.",
            "Restrict `source_address_prefix` for rules reaching ports such as 1433, 3306, 5432, \
             6379 or 445.",
        ),
        resources: &["azurerm_network_security_rule", "azurerm_network_security_group"],
        test: Test::Custom(nsg_sensitive_ports),
        bad: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Inbound\"\n  access = \"Allow\"\n  protocol = \"Tcp\"\n  source_address_prefix = \"*\"\n  destination_port_range = \"5432\"\n}\n",
        good: "resource \"azurerm_network_security_rule\" \"a\" {\n  direction = \"Inbound\"\n  access = \"Allow\"\n  protocol = \"Tcp\"\n  source_address_prefix = \"10.0.0.0/8\"\n  destination_port_range = \"5432\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-150", "AZU-0049", "azure-network-retention-policy-set", Low,
            "Network watcher flow log keeps records for less than 90 days",
            "Intrusions are often found weeks later; the flow records must still be there.",
            "Add `retention_policy { enabled = true, days = 90 }`.",
        ),
        resources: &["azurerm_network_watcher_flow_log"],
        test: Test::Custom(flow_log_retention),
        bad: "resource \"azurerm_network_watcher_flow_log\" \"a\" {}\n",
        good: "resource \"azurerm_network_watcher_flow_log\" \"a\" {\n  retention_policy {\n    enabled = true\n    days = 90\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-151", "AZU-0073", "azure-network-network-watcher-flow-disabled", Medium,
            "Network watcher flow log is disabled",
            "A disabled flow log records nothing.",
            "Set `enabled = true`.",
        ),
        resources: &["azurerm_network_watcher_flow_log"],
        test: Test::NotFalse("enabled"),
        bad: "resource \"azurerm_network_watcher_flow_log\" \"a\" {\n  enabled = false\n}\n",
        good: "resource \"azurerm_network_watcher_flow_log\" \"a\" {\n  enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-152", "AZU-0075", "azure-network-network-ip-forwarding-enabled", Medium,
            "Network interface forwards IP traffic",
            "IP forwarding lets the VM route traffic not addressed to it, bypassing network \
             security rules; only network appliances need it.",
            "Remove `ip_forwarding_enabled = true`.",
        ),
        resources: &["azurerm_network_interface"],
        test: Test::Custom(ip_forwarding),
        bad: "resource \"azurerm_network_interface\" \"a\" {\n  ip_forwarding_enabled = true\n}\n",
        good: "resource \"azurerm_network_interface\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-153", "AZU-0076", "azure-network-network-interface-public-ip", Medium,
            "Network interface has a public IP address",
            "A public IP makes the VM directly reachable from the internet.",
            "Reach the VM through a load balancer, Bastion or VPN instead of \
             `public_ip_address_id`.",
        ),
        resources: &["azurerm_network_interface"],
        test: Test::Custom(nic_public_ip),
        bad: "resource \"azurerm_network_interface\" \"a\" {\n  ip_configuration {\n    public_ip_address_id = azurerm_public_ip.a.id\n  }\n}\n",
        good: "resource \"azurerm_network_interface\" \"a\" {\n  ip_configuration {\n    subnet_id = \"s\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-154", "AZU-0031", "azure-monitor-activity-log-retention-set", Medium,
            "Activity log profile keeps logs for less than a year",
            "The activity log records control-plane changes; investigations need a year of it.",
            "Add `retention_policy { enabled = true, days = 365 }`.",
        ),
        resources: &["azurerm_monitor_log_profile"],
        test: Test::Custom(log_profile_retention),
        bad: "resource \"azurerm_monitor_log_profile\" \"a\" {}\n",
        good: "resource \"azurerm_monitor_log_profile\" \"a\" {\n  categories = [\"Action\", \"Write\", \"Delete\"]\n  retention_policy {\n    enabled = true\n    days = 365\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-155", "AZU-0033", "azure-monitor-capture-all-activities", Medium,
            "Activity log profile does not capture all categories",
            "Without Action, Write and Delete events, some control-plane changes go unrecorded.",
            "Set `categories = [\"Action\", \"Write\", \"Delete\"]`.",
        ),
        resources: &["azurerm_monitor_log_profile"],
        test: Test::Custom(log_profile_categories),
        bad: "resource \"azurerm_monitor_log_profile\" \"a\" {\n  categories = [\"Write\"]\n}\n",
        good: "resource \"azurerm_monitor_log_profile\" \"a\" {\n  categories = [\"Action\", \"Write\", \"Delete\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-156", "AZU-0044", "azure-securitycenter-alert-on-severe-notifications", Medium,
            "Security Center contact does not get alert notifications",
            "High-severity alerts nobody is told about are not acted on.",
            "Set `alert_notifications = true`.",
        ),
        resources: &["azurerm_security_center_contact"],
        test: Test::IsTrue("alert_notifications"),
        bad: "resource \"azurerm_security_center_contact\" \"a\" {}\n",
        good: "resource \"azurerm_security_center_contact\" \"a\" {\n  alert_notifications = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-157", "AZU-0046", "azure-securitycenter-set-required-contact-details", Low,
            "Security Center contact has no phone number",
            "Microsoft needs a way to reach you quickly when your resources are compromised.",
            "Set `phone`.",
        ),
        resources: &["azurerm_security_center_contact"],
        test: Test::Present("phone"),
        bad: "resource \"azurerm_security_center_contact\" \"a\" {}\n",
        good: "resource \"azurerm_security_center_contact\" \"a\" {\n  phone = \"+1-555-0100\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-158", "AZU-0045", "azure-securitycenter-enable-standard-subscription", Low,
            "Security Center pricing tier is Free",
            "The Free tier has no threat detection.",
            "Set `tier = \"Standard\"`.",
        ),
        resources: &["azurerm_security_center_subscription_pricing"],
        test: Test::NoneOf("tier", &["Free"]),
        bad: "resource \"azurerm_security_center_subscription_pricing\" \"a\" {\n  tier = \"Free\"\n}\n",
        good: "resource \"azurerm_security_center_subscription_pricing\" \"a\" {\n  tier = \"Standard\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-159", "AZU-0030", "azure-authorization-limit-role-actions", Medium,
            "Custom role allows all actions at the root scope",
            "A wildcard action assignable at `/` grants everything everywhere.",
            "List the actions needed and scope the role to a subscription or resource group.",
        ),
        resources: &["azurerm_role_definition"],
        test: Test::Custom(role_wildcard),
        bad: "resource \"azurerm_role_definition\" \"a\" {\n  assignable_scopes = [\"/\"]\n  permissions {\n    actions = [\"*\"]\n  }\n}\n",
        good: "resource \"azurerm_role_definition\" \"a\" {\n  assignable_scopes = [\"/subscriptions/0\"]\n  permissions {\n    actions = [\"Microsoft.Compute/*/read\"]\n  }\n}\n",
    },
];

fn aks_logging(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.blocks("oms_agent").next().is_some() {
        return;
    }
    let legacy = block
        .blocks("addon_profile")
        .flat_map(|p| p.blocks("oms_agent"))
        .next();
    match legacy.and_then(|agent| agent.attr("enabled")) {
        Some(attr) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "addon_profile.oms_agent.", attr))
        }
        Some(_) => {}
        None => found.push(missing(rule, block, block, "", "oms_agent")),
    }
}

fn aks_authorized_ips(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    match block.value("private_cluster_enabled").map(Value::as_bool) {
        Some(Some(true)) | Some(None) => return,
        _ => {}
    }
    let ranges = block
        .blocks("api_server_access_profile")
        .filter_map(|p| p.value("authorized_ip_ranges"))
        .next()
        .or_else(|| block.value("api_server_authorized_ip_ranges"));
    match ranges {
        None => found.push(missing(
            rule,
            block,
            block,
            "api_server_access_profile.",
            "authorized_ip_ranges",
        )),
        Some(Value::List(items)) if items.is_empty() => found.push(missing(
            rule,
            block,
            block,
            "api_server_access_profile.",
            "authorized_ip_ranges",
        )),
        Some(_) => {}
    }
}

/// AZU-0042: Trivy counts RBAC as off unless `role_based_access_control_enabled`,
/// a legacy `role_based_access_control { enabled }` or Azure AD RBAC says on.
fn aks_rbac(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let flag = block.attr("role_based_access_control_enabled").or_else(|| {
        block
            .blocks("role_based_access_control")
            .find_map(|b| b.attr("enabled"))
    });
    let azure_rbac = block
        .blocks("azure_active_directory_role_based_access_control")
        .any(|b| b.value("azure_rbac_enabled").and_then(Value::as_bool) != Some(false));
    match flag {
        Some(attr) if attr.value.as_bool() == Some(false) && !azure_rbac => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
        None if azure_rbac => {}
        None => found.push(missing(
            rule,
            block,
            block,
            "",
            "role_based_access_control_enabled",
        )),
    }
}

fn aks_policy(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let flag = block.attr("azure_policy_enabled").or_else(|| {
        block
            .blocks("addon_profile")
            .flat_map(|p| p.blocks("azure_policy"))
            .find_map(|b| b.attr("enabled"))
    });
    match flag {
        None => found.push(missing(rule, block, block, "", "azure_policy_enabled")),
        Some(attr) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

fn is_legacy_app(block: &Block) -> bool {
    block
        .labels
        .first()
        .is_some_and(|t| t == "azurerm_app_service")
}

fn client_cert(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let key = if is_legacy_app(block) {
        "client_cert_enabled"
    } else {
        "client_certificate_enabled"
    };
    Test::IsTrue(key).run_on(module, block, rule, found);
}

fn app_tls(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let path = if is_legacy_app(block) {
        "site_config.min_tls_version"
    } else {
        "site_config.minimum_tls_version"
    };
    Test::NoneOf(path, &["1.0", "1.1"]).run_on(module, block, rule, found);
}

/// AZU-0071: the legacy resource defaults to allowing FTP; the new ones
/// default to `Disabled`.
fn app_ftps(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_legacy_app(block) {
        Test::OneOf("site_config.ftps_state", &["FtpsOnly", "Disabled"])
            .run_on(module, block, rule, found);
    } else {
        Test::NoneOf("site_config.ftps_state", &["AllAllowed"]).run_on(module, block, rule, found);
    }
}

fn vm_passwords(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block
        .labels
        .first()
        .is_some_and(|t| t == "azurerm_virtual_machine")
    {
        Test::NotFalse("os_profile_linux_config.disable_password_authentication")
            .run_on(module, block, rule, found);
    } else {
        Test::NotFalse("disable_password_authentication").run_on(module, block, rule, found);
    }
}

/// The security rules of a standalone rule resource or an NSG's inline
/// `security_rule` blocks, with their path from the resource.
fn security_rules(block: &Block) -> Vec<(&Block, String)> {
    if block
        .labels
        .first()
        .is_some_and(|t| t == "azurerm_network_security_rule")
    {
        return vec![(block, String::new())];
    }
    block
        .blocks("security_rule")
        .enumerate()
        .map(|(i, r)| (r, format!("security_rule[{i}].")))
        .collect()
}

fn is(rule: &Block, key: &str, expected: &str) -> bool {
    rule.value(key)
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(expected))
}

/// Inbound (the default) and allowing (the default).
fn inbound_allow(rule: &Block) -> bool {
    !is(rule, "direction", "Outbound") && !is(rule, "access", "Deny")
}

fn nsg_public_ingress(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (security_rule, prefix) in security_rules(block) {
        if inbound_allow(security_rule) {
            if let Some(attr) = internet_source(security_rule) {
                found.push(wrong(rule, block, &prefix, attr));
            }
        }
    }
}

fn nsg_public_egress(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (security_rule, prefix) in security_rules(block) {
        if is(security_rule, "direction", "Outbound") && !is(security_rule, "access", "Deny") {
            let open = ["destination_address_prefix", "destination_address_prefixes"]
                .iter()
                .filter_map(|k| security_rule.attr(k))
                .find(|a| {
                    a.value
                        .strings()
                        .iter()
                        .any(|p| super::azure::is_internet(p))
                });
            if let Some(attr) = open {
                found.push(wrong(rule, block, &prefix, attr));
            }
        }
    }
}

/// Trivy's list of sensitive ports (SSH and RDP have rules of their own).
const SENSITIVE_PORTS: &[u16] = &[
    20, 21, 23, 25, 53, 110, 135, 139, 143, 161, 389, 636, 993, 995, 1433, 1521, 3306, 5432, 6379,
];

fn nsg_sensitive_ports(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (security_rule, prefix) in security_rules(block) {
        if !inbound_allow(security_rule) || is(security_rule, "protocol", "Icmp") {
            continue;
        }
        let Some(source) = internet_source(security_rule) else {
            continue;
        };
        let ports: Vec<&str> = ["destination_port_range", "destination_port_ranges"]
            .iter()
            .filter_map(|k| security_rule.value(k))
            .flat_map(Value::strings)
            .collect();
        let exposed: Vec<String> = SENSITIVE_PORTS
            .iter()
            .filter(|p| ports.iter().any(|range| port_range_includes(range, **p)))
            .map(u16::to_string)
            .collect();
        if !exposed.is_empty() {
            found.push(Violation {
                message: format!(
                    "Security rule exposes port(s) {} to the internet.",
                    exposed.join(", ")
                ),
                ..wrong(rule, block, &prefix, source)
            });
        }
    }
}

fn flow_log_retention(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(policy) = block.blocks("retention_policy").next() else {
        found.push(missing(rule, block, block, "retention_policy.", "enabled"));
        return;
    };
    match (policy.attr("enabled"), policy.attr("days")) {
        (Some(attr), _) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "retention_policy.", attr))
        }
        (None, _) => found.push(missing(rule, block, policy, "retention_policy.", "enabled")),
        (Some(_), Some(days)) if days.value.as_i64().is_some_and(|d| d < 90) => {
            found.push(wrong(rule, block, "retention_policy.", days))
        }
        (Some(_), None) => found.push(missing(rule, block, policy, "retention_policy.", "days")),
        _ => {}
    }
}

fn ip_forwarding(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for key in ["ip_forwarding_enabled", "enable_ip_forwarding"] {
        Test::NotTrue(key).run_on(module, block, rule, found);
    }
}

fn nic_public_ip(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for (index, config) in block.blocks("ip_configuration").enumerate() {
        if let Some(attr) = config
            .attr("public_ip_address_id")
            .filter(|a| !super::spec::is_empty(&a.value))
        {
            found.push(wrong(
                rule,
                block,
                &format!("ip_configuration[{index}]."),
                attr,
            ));
        }
    }
}

fn log_profile_retention(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let Some(policy) = block.blocks("retention_policy").next() else {
        found.push(missing(rule, block, block, "retention_policy.", "enabled"));
        return;
    };
    match (policy.attr("enabled"), policy.attr("days")) {
        (Some(attr), _) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "retention_policy.", attr))
        }
        (None, _) => found.push(missing(rule, block, policy, "retention_policy.", "enabled")),
        (Some(_), Some(days)) if days.value.as_i64().is_some_and(|d| d < 365) => {
            found.push(wrong(rule, block, "retention_policy.", days))
        }
        (Some(_), None) => found.push(missing(rule, block, policy, "retention_policy.", "days")),
        _ => {}
    }
}

fn log_profile_categories(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    match block.attr("categories") {
        None => found.push(missing(rule, block, block, "", "categories")),
        Some(attr) => {
            let literal = matches!(&attr.value, Value::List(items) if items.iter().all(|i| i.as_str().is_some()));
            let have = attr.value.strings();
            if literal
                && ["Action", "Write", "Delete"]
                    .iter()
                    .any(|c| !have.contains(c))
            {
                found.push(wrong(rule, block, "", attr));
            }
        }
    }
}

fn role_wildcard(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let root = block
        .value("assignable_scopes")
        .is_some_and(|s| s.strings().contains(&"/"));
    if !root {
        return;
    }
    for (index, permissions) in block.blocks("permissions").enumerate() {
        if let Some(attr) = permissions
            .attr("actions")
            .filter(|a| a.value.strings().iter().any(|s| s.contains('*')))
        {
            found.push(wrong(rule, block, &format!("permissions[{index}]."), attr));
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
