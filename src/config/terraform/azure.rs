//! Azure: storage accounts and containers open to anonymous readers or to
//! plain HTTP, and network security rules that open SSH or RDP to the
//! internet.

use super::at_attr;
use super::hcl::{Attr, Block, Module, Value};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static STORAGE_PUBLIC_NESTED_ITEMS: Rule = Rule {
    id: "SG-TF-024",
    aliases: &[],
    title: "Storage account allows public access to blobs",
    severity: Severity::High,
    rationale: "With `allow_nested_items_to_be_public` (formerly `allow_blob_public_access`) \
                on, any container in the account can be switched to anonymous read access.",
    resolution: "Set `allow_nested_items_to_be_public = false` on the storage account.",
};

pub(super) static CONTAINER_PUBLIC: Rule = Rule {
    id: "SG-TF-025",
    aliases: &["AZU-0007", "AVD-AZU-0007", "azure-storage-no-public-access"],
    title: "Storage container allows anonymous access",
    severity: Severity::High,
    rationale: "A container with access type `blob` or `container` serves its blobs (and, \
                for `container`, their listing) to anyone on the internet.",
    resolution: "Set `container_access_type = \"private\"`.",
};

pub(super) static STORAGE_PLAIN_HTTP: Rule = Rule {
    id: "SG-TF-026",
    aliases: &["AZU-0008", "AVD-AZU-0008", "azure-storage-enforce-https"],
    title: "Storage account accepts plain HTTP",
    severity: Severity::High,
    rationale: "Requests over plain HTTP carry data and shared-key signatures unencrypted.",
    resolution: "Remove `https_traffic_only_enabled = false` (HTTPS only is the default).",
};

pub(super) static NSG_OPEN_SSH: Rule = Rule {
    id: "SG-TF-027",
    aliases: &[
        "AZU-0050",
        "AVD-AZU-0050",
        "azure-network-ssh-blocked-from-internet",
    ],
    title: "Network security rule allows SSH from the internet",
    severity: Severity::Critical,
    rationale: "SSH open to the internet is scanned and brute-forced within minutes.",
    resolution: "Restrict `source_address_prefix` to known ranges, or use Azure Bastion.",
};

pub(super) static NSG_OPEN_RDP: Rule = Rule {
    id: "SG-TF-028",
    aliases: &[
        "AZU-0048",
        "AVD-AZU-0048",
        "azure-network-disable-rdp-from-internet",
    ],
    title: "Network security rule allows RDP from the internet",
    severity: Severity::Critical,
    rationale: "RDP open to the internet is a leading ransomware entry point.",
    resolution: "Restrict `source_address_prefix` to known ranges, or use Azure Bastion.",
};

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for account in module.resources("azurerm_storage_account") {
        for key in [
            "allow_nested_items_to_be_public",
            "allow_blob_public_access",
        ] {
            if let Some(attr) = account
                .attr(key)
                .filter(|a| a.value.as_bool() == Some(true))
            {
                found.push(at_attr(
                    &STORAGE_PUBLIC_NESTED_ITEMS,
                    format!("{}.{key}", account.address()),
                    attr,
                    format!("Storage account sets `{key} = true`."),
                ));
            }
        }
        for key in ["https_traffic_only_enabled", "enable_https_traffic_only"] {
            if let Some(attr) = account
                .attr(key)
                .filter(|a| a.value.as_bool() == Some(false))
            {
                found.push(at_attr(
                    &STORAGE_PLAIN_HTTP,
                    format!("{}.{key}", account.address()),
                    attr,
                    "Storage account accepts plain HTTP.".into(),
                ));
            }
        }
    }
    for container in module.resources("azurerm_storage_container") {
        let Some(attr) = container.attr("container_access_type") else {
            continue;
        };
        if let Some(access) = attr.value.as_str().filter(|a| *a != "private") {
            found.push(at_attr(
                &CONTAINER_PUBLIC,
                format!("{}.container_access_type", container.address()),
                attr,
                format!("Container allows anonymous {access:?} access."),
            ));
        }
    }
    for rule in module.resources("azurerm_network_security_rule") {
        check_security_rule(rule, rule.address(), found);
    }
    for group in module.resources("azurerm_network_security_group") {
        for (index, rule) in group.blocks("security_rule").enumerate() {
            check_security_rule(
                rule,
                format!("{}.security_rule[{index}]", group.address()),
                found,
            );
        }
    }
}

/// An inbound allow rule from the internet whose destination ports include
/// 22 or 3389. Direction and access default to inbound and allow, as in
/// Trivy's adapter (Terraform requires both anyway).
fn check_security_rule(rule: &Block, path: String, found: &mut Vec<Violation>) {
    let is = |key: &str, expected: &str| {
        rule.value(key)
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(expected))
    };
    if is("direction", "Outbound") || is("access", "Deny") || is("protocol", "Icmp") {
        return;
    }
    let Some(source) = internet_source(rule) else {
        return;
    };
    let ports: Vec<&str> = ["destination_port_range", "destination_port_ranges"]
        .iter()
        .filter_map(|key| rule.value(key))
        .flat_map(Value::strings)
        .collect();
    for (port, rule_for_port, name) in [(22, &NSG_OPEN_SSH, "SSH"), (3389, &NSG_OPEN_RDP, "RDP")] {
        if ports.iter().any(|range| port_range_includes(range, port)) {
            found.push(at_attr(
                rule_for_port,
                format!("{path}.{}", source.key),
                source,
                format!("Security rule allows {name} (port {port}) from the internet."),
            ));
        }
    }
}

/// The source attribute that names the whole internet, if any.
pub(super) fn internet_source(rule: &Block) -> Option<&Attr> {
    ["source_address_prefix", "source_address_prefixes"]
        .iter()
        .filter_map(|key| rule.attr(key))
        .find(|attr| {
            attr.value
                .strings()
                .iter()
                .any(|prefix| is_internet(prefix))
        })
}

/// Whether an NSG address prefix means any address on the internet.
pub(super) fn is_internet(prefix: &str) -> bool {
    matches!(
        prefix.trim().to_ascii_lowercase().as_str(),
        "*" | "0.0.0.0" | "0.0.0.0/0" | "::/0" | "internet" | "any"
    )
}

/// Whether an NSG port spec (`*`, `22`, `20-30`) includes `port`.
pub(super) fn port_range_includes(spec: &str, port: u16) -> bool {
    let spec = spec.trim();
    if spec == "*" {
        return true;
    }
    match spec.split_once('-') {
        Some((from, to)) => match (from.trim().parse::<u16>(), to.trim().parse::<u16>()) {
            (Ok(from), Ok(to)) => (from..=to).contains(&port),
            _ => false,
        },
        None => spec.parse::<u16>() == Ok(port),
    }
}
