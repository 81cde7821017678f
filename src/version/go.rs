//! Go module versions, ordered as `golang.org/x/mod/semver` orders them:
//! SemVer 2.0.0 precedence (see [`super::semver`]), where pseudo-versions
//! (`v0.0.0-20210101000000-abcdef123456`, `v1.2.4-0.2021…`) are ordinary
//! pre-releases and `+incompatible` is build metadata, ignored.
//!
//! Go writes a leading `v` and accepts the shorthands `v1` and `v1.2` (for
//! `v1.0.0` and `v1.2.0`); OSV's Go advisories and the toolchain's
//! `stdlib` versions are written without the `v` (`1.21.5`), so both
//! spellings are accepted.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::semver::Semver;
use super::{Comparator, VersionError};

/// The Go module version comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

/// `v1` → `v1.0.0`, `v1.2` → `v1.2.0`; anything else unchanged.
fn expand(v: &str) -> Cow<'_, str> {
    let Some(bare) = v.strip_prefix('v') else {
        return Cow::Borrowed(v);
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = bare.split('.').collect();
    match parts[..] {
        [major] if numeric(major) => Cow::Owned(format!("v{major}.0.0")),
        [major, minor] if numeric(major) && numeric(minor) => {
            Cow::Owned(format!("v{major}.{minor}.0"))
        }
        _ => Cow::Borrowed(v),
    }
}

fn err(e: VersionError, original: &str) -> VersionError {
    VersionError::new("go", original, e.reason)
}

impl Comparator for Go {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        self.validate(a)?;
        self.validate(b)?;
        Semver.compare(&expand(a), &expand(b))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        Semver.validate(&expand(v)).map_err(|e| err(e, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testutil::*;

    const RULES: &[(&str, &str, &str)] = &[
        ("v1", "=", "v1.0.0"),
        ("v1.2", "=", "v1.2.0"),
        ("v1.2", "<", "v1.2.1"),
        ("1.21.5", "=", "v1.21.5"),
        ("v0.0.0-20210101000000-abcdef123456", "<", "v0.0.1"),
        ("v1.2.3", "<", "v1.2.4-0.20210101000000-abcdef123456"),
        ("v1.2.4-0.20210101000000-abcdef123456", "<", "v1.2.4"),
        (
            "v1.2.3-pre.0.20210101000000-abcdef123456",
            ">",
            "v1.2.3-pre",
        ),
        ("v2.0.0+incompatible", "=", "v2.0.0"),
        ("v2.0.0+incompatible", "<", "v2.0.1+incompatible"),
        ("1.21.0-rc.2", "<", "1.21.0"),
    ];

    #[test]
    fn rules() {
        check_table(&Go, RULES);
    }

    #[test]
    fn refuses_what_go_refuses() {
        check_invalid(
            &Go,
            "v1.0.0",
            &["", "v", "v1.2-pre", "v01.0.0", "vv1.0.0", "1.2"],
        );
    }

    #[test]
    fn pairs_captured_from_x_mod_semver() {
        check_pairs_files(&Go, "go", include_str!("testdata/go-pairs.txt"));
    }

    #[test]
    fn hostile_input_never_panics() {
        check_no_panic(&Go);
    }
}
