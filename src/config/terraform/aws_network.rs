//! AWS security groups that let the whole internet reach SSH, RDP or every
//! port: the most common way an instance gets brute-forced.

use super::hcl::{Block, Module, Value};
use super::{at_attr, is_world_cidr};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static SG_OPEN_ADMIN_PORT: Rule = Rule {
    id: "SG-TF-001",
    aliases: &["AWS-0107", "AVD-AWS-0107", "aws-ec2-no-public-ingress-sgr"],
    title: "Security group allows ingress from the internet to SSH, RDP or all ports",
    severity: Severity::High,
    rationale: "Remote administration ports open to 0.0.0.0/0 or ::/0 are scanned and \
                brute-forced within minutes of being exposed; a rule for all ports exposes \
                every service on the instance.",
    resolution: "Restrict the source to known ranges, or reach the instance through a \
                 bastion or SSM Session Manager:\n\n    cidr_blocks = [\"10.0.0.0/8\"]",
};

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for group in module.resources("aws_security_group") {
        for (index, ingress) in group.blocks("ingress").enumerate() {
            let path = format!("{}.ingress[{index}]", group.address());
            let protocol = ingress.value("protocol");
            check_rule(
                ingress,
                &path,
                protocol,
                &["cidr_blocks", "ipv6_cidr_blocks"],
                found,
            );
        }
    }
    for rule in module.resources("aws_security_group_rule") {
        if rule.value("type").and_then(Value::as_str) == Some("ingress") {
            let path = rule.address();
            let protocol = rule.value("protocol");
            check_rule(
                rule,
                &path,
                protocol,
                &["cidr_blocks", "ipv6_cidr_blocks"],
                found,
            );
        }
    }
    for rule in module.resources("aws_vpc_security_group_ingress_rule") {
        let path = rule.address();
        let protocol = rule.value("ip_protocol");
        check_rule(rule, &path, protocol, &["cidr_ipv4", "cidr_ipv6"], found);
    }
}

/// Reports each source attribute of `rule` that names the whole internet,
/// when the rule's protocol and port range reach an administration port.
fn check_rule(
    rule: &Block,
    path: &str,
    protocol: Option<&Value>,
    source_keys: &[&str],
    found: &mut Vec<Violation>,
) {
    let Some(exposed) = exposed_service(rule, protocol) else {
        return;
    };
    for key in source_keys {
        let Some(attr) = rule.attr(key) else {
            continue;
        };
        if let Some(cidr) = attr.value.strings().into_iter().find(|c| is_world_cidr(c)) {
            found.push(at_attr(
                &SG_OPEN_ADMIN_PORT,
                format!("{path}.{key}"),
                attr,
                format!("Security group rule allows ingress from {cidr} to {exposed}."),
            ));
        }
    }
}

/// What an ingress rule exposes: all ports for protocol `-1`/`all`, SSH or
/// RDP when its TCP/UDP port range includes 22 or 3389. `None` when it
/// exposes neither or the ports are not literal.
fn exposed_service(rule: &Block, protocol: Option<&Value>) -> Option<&'static str> {
    let protocol = match protocol? {
        Value::Number(n) => n.to_string(),
        other => other.as_str()?.to_ascii_lowercase(),
    };
    match protocol.as_str() {
        "-1" | "all" => return Some("all ports"),
        "tcp" | "udp" | "6" | "17" => {}
        _ => return None,
    }
    let from = rule.value("from_port")?.as_i64()?;
    let to = rule.value("to_port")?.as_i64()?;
    [(22, "SSH (port 22)"), (3389, "RDP (port 3389)")]
        .into_iter()
        .find(|(port, _)| (from..=to).contains(port))
        .map(|(_, name)| name)
}
