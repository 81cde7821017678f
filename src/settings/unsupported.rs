//! Trivy flags scangate does not have: a Trivy command line moved over
//! unchanged gets a usage error that says so (and what to use instead),
//! not clap's generic "unexpected argument".

/// Trivy's flags of `image`, `fs`, `config`, `repo` and `rootfs` that have
/// no scangate equivalent, with what to use instead where there is
/// something.
const TRIVY_ONLY: &[(&str, &str)] = &[
    (
        "--template",
        "use --format (sarif, gitlab, markdown, cyclonedx, json)",
    ),
    (
        "-t",
        "use --format (sarif, gitlab, markdown, cyclonedx, json)",
    ),
    ("--dependency-tree", ""),
    (
        "--ignore-policy",
        "use an ignore file (.trivyignore.yaml) or --vex",
    ),
    ("--exit-on-eol", ""),
    ("--compliance", ""),
    (
        "--show-suppressed",
        "suppressed findings are always in the JSON report's ignored[]",
    ),
    ("--output-plugin-arg", ""),
    ("--db-repository", "use --db-url, or `scangate db pull REF`"),
    ("--java-db-repository", ""),
    ("--skip-java-db-update", ""),
    ("--download-db-only", "use `scangate db update`"),
    ("--download-java-db-only", ""),
    ("--reset", "use `scangate cache clean`"),
    ("--clear-cache", "use `scangate cache clean`"),
    ("--cache-backend", ""),
    ("--cache-ttl", "use --db-ttl"),
    ("--redis-ca", ""),
    ("--redis-cert", ""),
    ("--redis-key", ""),
    ("--redis-tls", ""),
    ("--server", "scangate has no client/server mode"),
    ("--token", ""),
    ("--token-header", ""),
    ("--custom-headers", ""),
    ("--offline-scan", "use --offline"),
    ("--parallel", ""),
    ("--file-patterns", ""),
    ("--image-config-scanners", ""),
    ("--removed-pkgs", ""),
    (
        "--image-src",
        "a reference is looked up in the local daemon, then the registry",
    ),
    (
        "--podman-host",
        "use --docker-host unix:///path/to/podman.sock",
    ),
    ("--max-image-size", ""),
    ("--distro", ""),
    ("--pkg-relationships", ""),
    ("--sbom-sources", ""),
    ("--rekor-url", ""),
    ("--license-full", ""),
    ("--license-confidence-level", ""),
    ("--ignored-licenses", ""),
    ("--misconfig-scanners", ""),
    ("--include-non-failures", ""),
    ("--config-check", ""),
    ("--config-data", ""),
    ("--config-file-schemas", ""),
    ("--check-namespaces", ""),
    ("--policy-namespaces", ""),
    ("--trace", "use -vv"),
    ("--helm-values", ""),
    ("--helm-set", ""),
    ("--helm-set-file", ""),
    ("--helm-set-string", ""),
    ("--helm-api-versions", ""),
    ("--helm-kube-version", ""),
    ("--tf-exclude-downloaded-modules", ""),
    ("--cf-params", ""),
    ("--k8s-version", ""),
    ("--skip-check-update", ""),
    ("--skip-policy-update", ""),
    ("--skip-vex-repo-update", ""),
    ("--enable-modules", ""),
    ("--module-dir", ""),
    ("--generate-default-config", ""),
    ("--registry-token", "use --password"),
];

/// The one-line usage error for `arg` when it is a Trivy flag scangate
/// does not have; `None` for anything else.
pub fn explain(arg: &str, help: &str) -> Option<String> {
    let name = arg.split_once('=').map_or(arg, |(name, _)| name);
    let (flag, instead) = TRIVY_ONLY.iter().find(|(flag, _)| *flag == name)?;
    let instead = if instead.is_empty() {
        String::new()
    } else {
        format!(" ({instead})")
    };
    Some(format!(
        "{flag} is a Trivy flag that scangate does not have yet{instead}; see `{help}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn trivy_only_flags_are_named_with_what_to_use_instead() {
        assert_eq!(
            explain("--template=@contrib/gitlab.tpl", "scangate image --help").as_deref(),
            Some("--template is a Trivy flag that scangate does not have yet (use --format (sarif, gitlab, markdown, cyclonedx, json)); see `scangate image --help`")
        );
        assert_eq!(
            explain("--exit-on-eol", "scangate image --help").as_deref(),
            Some("--exit-on-eol is a Trivy flag that scangate does not have yet; see `scangate image --help`")
        );
        assert_eq!(explain("--no-such-flag", "scangate --help"), None);
    }
}
