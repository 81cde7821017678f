//! Google Cloud: Cloud Storage buckets readable by anyone, buckets without
//! uniform bucket-level access, and firewall rules open to the internet.

use super::hcl::{Module, Value};
use super::{at_attr, is_world_cidr, require_true};
use crate::config::{Rule, Violation};
use crate::matching::severity::Severity;

pub(super) static BUCKET_PUBLIC_MEMBER: Rule = Rule {
    id: "SG-TF-021",
    aliases: &[
        "GCP-0001",
        "AVD-GCP-0001",
        "google-storage-no-public-access",
    ],
    title: "Cloud Storage bucket is granted to allUsers or allAuthenticatedUsers",
    severity: Severity::High,
    rationale: "`allUsers` is anyone on the internet and `allAuthenticatedUsers` is anyone \
                with a Google account: the bucket's objects become public.",
    resolution: "Grant the role to specific users, groups or service accounts:\n\n    \
                 member = \"group:readers@example.com\"",
};

pub(super) static BUCKET_NO_UNIFORM_ACCESS: Rule = Rule {
    id: "SG-TF-022",
    aliases: &["GCP-0002", "AVD-GCP-0002", "google-storage-enable-ubla"],
    title: "Cloud Storage bucket does not use uniform bucket-level access",
    severity: Severity::Medium,
    rationale: "Without uniform bucket-level access, per-object ACLs can grant access that \
                the bucket's IAM policy does not show.",
    resolution: "Set `uniform_bucket_level_access = true` on the bucket.",
};

pub(super) static FIREWALL_OPEN_INGRESS: Rule = Rule {
    id: "SG-TF-023",
    aliases: &[
        "GCP-0027",
        "AVD-GCP-0027",
        "google-compute-no-public-ingress",
    ],
    title: "Firewall rule allows ingress from the internet",
    severity: Severity::Critical,
    rationale: "An allow rule with source 0.0.0.0/0 exposes the targeted instances' ports to \
                every host on the internet.",
    resolution: "Restrict `source_ranges` to the networks that need access, or use IAP for \
                 administration:\n\n    source_ranges = [\"35.235.240.0/20\"]",
};

/// IAM members that mean "everyone".
fn is_public_member(member: &str) -> bool {
    matches!(member, "allUsers" | "allAuthenticatedUsers")
}

pub(super) fn check(module: &Module, found: &mut Vec<Violation>) {
    for resource_type in [
        "google_storage_bucket_iam_member",
        "google_storage_bucket_iam_binding",
    ] {
        for grant in module.resources(resource_type) {
            for key in ["member", "members"] {
                let Some(attr) = grant.attr(key) else {
                    continue;
                };
                if let Some(member) = attr
                    .value
                    .strings()
                    .into_iter()
                    .find(|m| is_public_member(m))
                {
                    found.push(at_attr(
                        &BUCKET_PUBLIC_MEMBER,
                        format!("{}.{key}", grant.address()),
                        attr,
                        format!("Bucket access is granted to {member}."),
                    ));
                }
            }
        }
    }
    for bucket in module.resources("google_storage_bucket") {
        found.extend(require_true(
            &BUCKET_NO_UNIFORM_ACCESS,
            bucket,
            "uniform_bucket_level_access",
            || "Bucket does not enable uniform bucket-level access.".into(),
        ));
    }
    for firewall in module.resources("google_compute_firewall") {
        let ingress = firewall
            .value("direction")
            .and_then(Value::as_str)
            .is_none_or(|d| d.eq_ignore_ascii_case("INGRESS"));
        let allows = firewall.blocks("allow").next().is_some();
        let Some(attr) = firewall.attr("source_ranges") else {
            continue;
        };
        if let (true, true, Some(cidr)) = (
            ingress,
            allows,
            attr.value.strings().into_iter().find(|c| is_world_cidr(c)),
        ) {
            found.push(at_attr(
                &FIREWALL_OPEN_INGRESS,
                format!("{}.source_ranges", firewall.address()),
                attr,
                format!("Firewall rule allows ingress from {cidr}."),
            ));
        }
    }
}
