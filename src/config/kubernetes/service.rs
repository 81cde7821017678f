//! Service rules.

use super::rules::SERVICE_NODE_PORT;
use super::Resource;
use crate::config::Violation;

pub(super) fn check(res: &Resource, out: &mut Vec<Violation>) {
    if res.kind != "Service" {
        return;
    }
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
