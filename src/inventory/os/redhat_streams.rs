//! Red Hat's product streams. OSV files Red Hat's advisories per stream,
//! by the stream's CPE (`Red Hat:enterprise_linux:9::appstream`), because
//! the same package name is built differently for each. An image says which
//! repositories its packages came from in the content manifests Red Hat's
//! build system writes into UBI and other Red Hat images
//! (`root/buildinfo/content_manifests/*.json`, `content_sets`); Trivy
//! reads the same files. The repository names map onto CPEs by Red Hat's
//! naming rules; an image without manifests gets its release's default
//! repositories, as in Trivy (`baseos` and `appstream` from 8 on, `server`
//! before).

use std::collections::BTreeSet;

/// Where the build system puts the manifests (and RHCOS's location).
pub const MANIFEST_DIRS: &[&str] = &["root/buildinfo/content_manifests", "usr/share/buildinfo"];

/// The repositories (content sets) one manifest names; a manifest that is
/// not one is a warning naming the file, and counts for nothing.
pub fn content_sets(path: &str, content: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        content_sets: Vec<String>,
    }
    match serde_json::from_slice::<Manifest>(content) {
        Ok(m) => m.content_sets,
        Err(e) => {
            tracing::warn!("{path}: not a Red Hat content manifest ({e}); ignored");
            Vec::new()
        }
    }
}

/// The OSV stream names (the CPE without `cpe:/[oa]:redhat:`) of the
/// content sets, in order; a set with no known CPE is a warning, since its
/// packages then match only through the other streams.
pub fn from_content_sets(sets: &[String]) -> Vec<String> {
    let mut streams = BTreeSet::new();
    for set in sets {
        match stream_of(set) {
            Some(s) => {
                streams.insert(s);
            }
            None => tracing::warn!(
                "Red Hat content set {set:?} has no known product stream; its advisories are not matched"
            ),
        }
    }
    streams.into_iter().collect()
}

/// The default streams of a release (`8.9` → `enterprise_linux:8::baseos`,
/// `enterprise_linux:8::appstream`).
pub fn defaults(version: &str) -> Vec<String> {
    let major = version.split('.').next().unwrap_or("");
    match major.parse::<u32>() {
        Ok(m) if m <= 7 => vec![format!("enterprise_linux:{m}::server")],
        Ok(m) => vec![
            format!("enterprise_linux:{m}::appstream"),
            format!("enterprise_linux:{m}::baseos"),
        ],
        Err(_) => Vec::new(),
    }
}

/// One repository name as a stream: `rhel-9-for-x86_64-appstream-rpms` →
/// `enterprise_linux:9::appstream`; `rhel-8-for-x86_64-baseos-eus-rpms__8_DOT_6`
/// → `rhel_eus:8.6::baseos`; `codeready-builder-for-rhel-9-x86_64-rpms` →
/// `enterprise_linux:9::crb`; `rhel-7-server-rpms` → `enterprise_linux:7::server`.
/// A generic `__8` suffix (a build artefact) is dropped, as Trivy does.
fn stream_of(set: &str) -> Option<String> {
    let (name, minor) = match set.rsplit_once("__") {
        Some((n, suffix)) => match suffix.split_once("_DOT_") {
            Some((major, minor)) => (n, Some((major, minor))),
            None if suffix.bytes().all(|b| b.is_ascii_digit()) => (n, None),
            None => return None,
        },
        None => (set, None),
    };
    let name = name.strip_suffix("-rpms")?;
    if let Some(rest) = name.strip_prefix("codeready-builder-for-rhel-") {
        let major = rest.split('-').next()?;
        return numeric(major).then(|| format!("enterprise_linux:{major}::crb"));
    }
    let rest = name.strip_prefix("rhel-")?;
    let (major, rest) = rest.split_once('-')?;
    if !numeric(major) {
        return None;
    }
    if rest == "server" {
        return Some(format!("enterprise_linux:{major}::server"));
    }
    let rest = rest.strip_prefix("for-")?;
    let (_arch, repo) = rest.split_once('-')?;
    for (suffix, product) in [
        ("-eus", "rhel_eus"),
        ("-e4s", "rhel_e4s"),
        ("-aus", "rhel_aus"),
    ] {
        if let Some(repo) = repo.strip_suffix(suffix) {
            let (m, minor) = minor?;
            return (m == major && numeric(minor))
                .then(|| format!("{product}:{major}.{minor}::{repo}"));
        }
    }
    matches!(
        repo,
        "baseos" | "appstream" | "supplementary" | "highavailability"
    )
    .then(|| format!("enterprise_linux:{major}::{repo}"))
}

fn numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_map_onto_red_hat_cpes() {
        let cases = [
            (
                "rhel-8-for-x86_64-baseos-rpms",
                Some("enterprise_linux:8::baseos"),
            ),
            (
                "rhel-9-for-aarch64-appstream-rpms",
                Some("enterprise_linux:9::appstream"),
            ),
            (
                "rhel-9-for-x86_64-appstream-rpms__9",
                Some("enterprise_linux:9::appstream"),
            ),
            (
                "rhel-8-for-x86_64-baseos-eus-rpms__8_DOT_6",
                Some("rhel_eus:8.6::baseos"),
            ),
            (
                "codeready-builder-for-rhel-9-x86_64-rpms",
                Some("enterprise_linux:9::crb"),
            ),
            ("rhel-7-server-rpms", Some("enterprise_linux:7::server")),
            ("rhel-8-for-x86_64-baseos-eus-rpms", None),
            ("rhel-7-server-extras-rpms", None),
            ("epel-9", None),
        ];
        for (set, want) in cases {
            assert_eq!(stream_of(set).as_deref(), want, "{set}");
        }
    }

    #[test]
    fn releases_default_to_trivys_repositories() {
        assert_eq!(
            defaults("8.9"),
            [
                "enterprise_linux:8::appstream",
                "enterprise_linux:8::baseos"
            ]
        );
        assert_eq!(defaults("7.9"), ["enterprise_linux:7::server"]);
        assert!(defaults("").is_empty());
    }

    #[test]
    fn a_manifest_that_is_not_json_counts_for_nothing() {
        assert!(content_sets("m.json", b"{").is_empty());
        assert_eq!(
            content_sets(
                "m.json",
                br#"{"content_sets":["rhel-8-for-x86_64-baseos-rpms"]}"#
            ),
            ["rhel-8-for-x86_64-baseos-rpms"]
        );
    }
}
