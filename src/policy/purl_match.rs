//! Package URLs as ignore files and VEX documents write them, and when one
//! names a package a finding is about. The rule is Trivy's, so ignore files
//! carried over from Trivy mean the same here: type, namespace and name must
//! be equal; a version, subpath or qualifier in the pattern must be present
//! and equal in the package's purl; what the pattern leaves out matches
//! anything (`pkg:deb/debian/openssl` names every version of it).

use crate::inventory::purl::decode;
use std::collections::BTreeMap;

/// A parsed package URL (https://github.com/package-url/purl-spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    ty: String,
    namespace: String,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath`; `None`
    /// when `s` is not a package URL.
    pub fn parse(s: &str) -> Option<Purl> {
        let rest = s.trim().strip_prefix("pkg:")?.trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sub)) => (r, Some(decode(sub.trim_matches('/'))?)),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => (r, qualifiers(q)?),
            None => (rest, BTreeMap::new()),
        };
        let (path, version) = match rest.rsplit_once('@') {
            Some((p, v)) if !v.is_empty() => (p, Some(decode(v)?)),
            Some((p, _)) => (p, None),
            None => (rest, None),
        };
        let (ty, path) = path.split_once('/')?;
        let path = path.trim_matches('/');
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, name)) => (ns, name),
            None => ("", path),
        };
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        let namespace = namespace
            .split('/')
            .map(decode)
            .collect::<Option<Vec<_>>>()?
            .join("/");
        Some(Purl {
            ty: ty.to_ascii_lowercase(),
            namespace,
            name: decode(name)?,
            version,
            qualifiers,
            subpath,
        })
    }

    /// Whether this purl, used as a pattern, names the package `target`.
    pub fn matches(&self, target: &Purl) -> bool {
        self.ty == target.ty
            && self.namespace == target.namespace
            && self.name == target.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| target.version.as_ref() == Some(v))
            && self
                .subpath
                .as_ref()
                .is_none_or(|s| target.subpath.as_ref() == Some(s))
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| target.qualifiers.get(k) == Some(v))
    }
}

/// `k=v&k=v`, keys lower-cased; an empty value counts as absent (as the
/// purl spec says).
fn qualifiers(q: &str) -> Option<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        let v = decode(v)?;
        if !v.is_empty() {
            map.insert(k.to_ascii_lowercase(), v);
        }
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::Purl;

    fn p(s: &str) -> Purl {
        Purl::parse(s).unwrap_or_else(|| panic!("{s} does not parse"))
    }

    const LIBSSL: &str = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";

    #[test]
    fn parses_every_part_and_decodes_escapes() {
        let purl = p("pkg:rpm/redhat/bash@4.4.20%2B1?arch=x86_64&epoch=1#sub/dir");
        assert_eq!(purl.ty, "rpm");
        assert_eq!(purl.namespace, "redhat");
        assert_eq!(purl.name, "bash");
        assert_eq!(purl.version.as_deref(), Some("4.4.20+1"));
        assert_eq!(purl.qualifiers["epoch"], "1");
        assert_eq!(purl.subpath.as_deref(), Some("sub/dir"));
        let oci = p("pkg:oci/app@sha256%3Aabc?repository_url=example.test/app");
        assert_eq!(oci.namespace, "");
        assert_eq!(oci.version.as_deref(), Some("sha256:abc"));
    }

    #[test]
    fn rejects_what_is_not_a_purl() {
        for bad in [
            "",
            "deb/debian/x",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:deb/x%zz",
        ] {
            assert_eq!(Purl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_pattern_without_version_matches_every_version() {
        let target = p(LIBSSL);
        assert!(p("pkg:deb/debian/libssl3").matches(&target));
        assert!(p("pkg:deb/debian/libssl3@3.0.11-1~deb12u2").matches(&target));
        assert!(!p("pkg:deb/debian/libssl3@3.0.13-1~deb12u1").matches(&target));
        assert!(!p("pkg:deb/ubuntu/libssl3").matches(&target));
        assert!(!p("pkg:deb/debian/openssl").matches(&target));
        assert!(!p("pkg:apk/debian/libssl3").matches(&target));
    }

    #[test]
    fn qualifiers_in_the_pattern_must_all_be_in_the_target() {
        let target = p(LIBSSL);
        assert!(p("pkg:deb/debian/libssl3?arch=amd64").matches(&target));
        assert!(!p("pkg:deb/debian/libssl3?arch=arm64").matches(&target));
        assert!(!p("pkg:deb/debian/libssl3?epoch=1").matches(&target));
        // A qualifier of the pattern that the target lacks: no match.
        assert!(!p(LIBSSL).matches(&p("pkg:deb/debian/libssl3@3.0.11-1~deb12u2")));
    }
}
