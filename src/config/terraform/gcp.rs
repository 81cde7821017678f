//! Google Cloud: Cloud Storage buckets readable by anyone, buckets without
//! uniform bucket-level access, and firewall rules open to the internet.

use super::hcl::{Block, Module, Value};
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
        open_ingress(firewall, found);
    }
}

/// GCP-0027 as Trivy checks it: an enabled ingress rule not scoped by
/// network tags, from anywhere (no `source_ranges` means anywhere); one
/// finding per `allow` block.
fn open_ingress(firewall: &Block, found: &mut Vec<Violation>) {
    let egress = firewall
        .value("direction")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("EGRESS"));
    let disabled = firewall.value("disabled").and_then(Value::as_bool) == Some(true);
    if egress || disabled || super::gcp_compute::uses_tags(firewall) {
        return;
    }
    for (index, _) in firewall.blocks("allow").enumerate() {
        let at = if index == 0 {
            String::new()
        } else {
            format!("[{index}]")
        };
        match firewall.attr("source_ranges") {
            None => found.push(Violation {
                rule: &FIREWALL_OPEN_INGRESS,
                message: "`source_ranges` is not set, so the rule allows ingress from anywhere."
                    .into(),
                start_line: firewall.line,
                end_line: firewall.line,
                subject: format!("{}.source_ranges{at}", firewall.address()),
            }),
            Some(attr) => {
                if let Some(cidr) = attr.value.strings().into_iter().find(|c| is_world_cidr(c)) {
                    found.push(at_attr(
                        &FIREWALL_OPEN_INGRESS,
                        format!("{}.source_ranges{at}", firewall.address()),
                        attr,
                        format!("Firewall rule allows ingress from {cidr}."),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::terraform::TerraformChecker;
    use crate::config::Checker;

    fn count(hcl: &str, id: &str) -> usize {
        TerraformChecker::DEFAULT
            .check("main.tf", hcl)
            .expect("parses")
            .iter()
            .filter(|v| v.rule.id == id)
            .count()
    }

    #[test]
    fn firewall_rules_as_trivy_reads_them() {
        // Open to the internet but scoped by target tags: not GCP-0027 nor
        // GCP-0070, still GCP-0071 (SSH).
        let tagged = "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"0.0.0.0/0\"]\n  target_tags = [\"web\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"22\", \"3389\"]\n  }\n}\n";
        assert_eq!(count(tagged, "SG-TF-023"), 0);
        assert_eq!(count(tagged, "SG-TF-216"), 0);
        assert_eq!(count(tagged, "SG-TF-215"), 1);
        // No `source_ranges` means anywhere; no `ports` means all ports,
        // whatever the protocol.
        let bare = "resource \"google_compute_firewall\" \"a\" {\n  allow {\n    protocol = \"icmp\"\n  }\n}\n";
        assert_eq!(count(bare, "SG-TF-023"), 1);
        assert_eq!(count(bare, "SG-TF-217"), 1);
        assert_eq!(count(bare, "SG-TF-218"), 1);
        let disabled = "resource \"google_compute_firewall\" \"a\" {\n  disabled = true\n  allow {\n    protocol = \"tcp\"\n    ports = [\"443\"]\n  }\n}\n";
        assert_eq!(count(disabled, "SG-TF-023"), 0);
    }

    #[test]
    fn gke_defaults_as_trivy_reads_them() {
        let pool = concat!(
            "resource \"google_container_cluster\" \"c\" {\n  remove_default_node_pool = true\n}\n",
            "resource \"google_container_node_pool\" \"p\" {\n  cluster = google_container_cluster.c.id\n",
            "  node_config {\n    service_account = \"n@p.iam.gserviceaccount.com\"\n  }\n}\n",
        );
        // The cluster without its default pool has no nodes to judge.
        assert_eq!(count(pool, "SG-TF-161"), 0);
        // The pool states no image type and no workload metadata mode.
        assert_eq!(count(pool, "SG-TF-165"), 1);
        assert_eq!(count(pool, "SG-TF-168"), 1);
        let members = "resource \"google_project_iam_binding\" \"b\" {\n  members = [\"user:a@gmail.com\", \"user:b@hotmail.com\"]\n}\n";
        assert_eq!(count(members, "SG-TF-229"), 2);
    }
}
