//! How workloads are exposed: Service and Ingress rules.

use super::rules::{INGRESS_WITHOUT_TLS, SERVICE_NODE_PORT};
use super::Resource;
use crate::config::Violation;

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    match res.kind {
        "Service" => check_service(res, out),
        "Ingress" => check_ingress(res, out),
        _ => {}
    }
}

fn check_service(res: &Resource, out: &mut Vec<Violation>) {
    if let Some((key, value)) = res.doc.get("spec").and_then(|s| s.entry("type")) {
        if value.as_str() == Some("NodePort") {
            out.push(res.violation(
                &SERVICE_NODE_PORT,
                format!("{} is of type NodePort", res.describe()),
                (key.line, value.line),
                "type",
            ));
        }
    }
}

fn check_ingress(res: &Resource, out: &mut Vec<Violation>) {
    let Some((key, spec)) = res.doc.entry("spec") else {
        return;
    };
    if spec.get("tls").is_none_or(|tls| tls.items().is_empty()) {
        out.push(res.violation(
            &INGRESS_WITHOUT_TLS,
            format!(
                "{} serves its hosts without TLS (no spec.tls)",
                res.describe()
            ),
            (key.line, key.line),
            "tls",
        ));
    }
}
