//! Image references as manifests write them, split the way Kustomize's
//! `images:` transformer sees them (name, tag, digest), and normalised the
//! way a registry client pulls them (`nginx` → `docker.io/library/nginx`).

use oci_client::Reference;

/// An image reference as written: `name[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Written {
    /// Splits `text`; the tag is a `:` after the last `/` (so a registry's
    /// port is not one).
    pub fn split(text: &str) -> Written {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (text, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        Written {
            name: name.to_string(),
            tag,
            digest,
        }
    }

    /// Whether a tag or digest says which image is meant.
    pub fn is_pinned(&self) -> bool {
        self.tag.is_some() || self.digest.is_some()
    }

    /// Applies one Kustomize `images:` entry when its `name` is this
    /// image's name: `newName` replaces the name, `digest` replaces tag and
    /// digest, else `newTag` replaces the tag (and drops a digest), as
    /// `kustomize build` does. Returns whether it applied.
    pub fn apply(&mut self, o: &Override) -> bool {
        if o.name != self.name {
            return false;
        }
        if let Some(name) = &o.new_name {
            self.name.clone_from(name);
        }
        if let Some(digest) = &o.digest {
            self.digest = Some(digest.clone());
            self.tag = None;
        } else if let Some(tag) = &o.new_tag {
            self.tag = Some(tag.clone());
            self.digest = None;
        }
        true
    }

    /// The reference as text again.
    pub fn text(&self) -> String {
        let mut s = self.name.clone();
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
        s
    }
}

/// One entry of a kustomization's `images:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// Why a written reference cannot be pulled as it is, if it cannot: a
/// variable or template left in it, or a malformed name.
pub fn unresolvable(text: &str) -> Option<&'static str> {
    if text.contains("{{") {
        Some("a Helm template expression")
    } else if text.contains("${") || text.contains("$(") {
        Some("a variable nobody substitutes before the sync")
    } else if text.trim().is_empty() {
        Some("an empty image")
    } else {
        None
    }
}

/// The reference a registry client pulls (`docker.io/library/nginx:1.25`),
/// or why `text` is not one.
pub fn normalize(text: &str) -> Result<String, String> {
    Reference::try_from(text)
        .map(|r| r.whole())
        .map_err(|e| format!("not an image reference: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_not_a_tag() {
        let w = Written::split("127.0.0.1:5000/team/app:1.2@sha256:abc");
        assert_eq!(w.name, "127.0.0.1:5000/team/app");
        assert_eq!(w.tag.as_deref(), Some("1.2"));
        assert_eq!(w.digest.as_deref(), Some("sha256:abc"));
        let w = Written::split("127.0.0.1:5000/team/app");
        assert_eq!(
            (w.name.as_str(), w.tag, w.digest),
            ("127.0.0.1:5000/team/app", None, None)
        );
        assert_eq!(Written::split("nginx:1.25").text(), "nginx:1.25");
    }

    #[test]
    fn overrides_follow_kustomize() {
        let o = |new_name: Option<&str>, new_tag: Option<&str>, digest: Option<&str>| Override {
            name: "app".into(),
            new_name: new_name.map(Into::into),
            new_tag: new_tag.map(Into::into),
            digest: digest.map(Into::into),
        };
        let mut w = Written::split("app:1");
        assert!(w.apply(&o(Some("ghcr.io/org/app"), Some("2"), None)));
        assert_eq!(w.text(), "ghcr.io/org/app:2");
        let mut w = Written::split("app:1");
        assert!(w.apply(&o(None, Some("2"), Some("sha256:d"))));
        assert_eq!(w.text(), "app@sha256:d");
        let mut w = Written::split("other:1");
        assert!(!w.apply(&o(None, Some("2"), None)));
        assert_eq!(w.text(), "other:1");
    }

    #[test]
    fn docker_hub_names_are_normalised() {
        assert_eq!(
            normalize("nginx:1.25").unwrap(),
            "docker.io/library/nginx:1.25"
        );
        assert!(normalize("app:bad tag").is_err());
        assert_eq!(
            unresolvable("ghcr.io/org/app:${TAG}"),
            Some("a variable nobody substitutes before the sync")
        );
        assert_eq!(
            unresolvable("{{ .Values.image }}"),
            Some("a Helm template expression")
        );
        assert_eq!(unresolvable("nginx:1"), None);
    }
}
