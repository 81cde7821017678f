//! Versions of GitHub Actions: the git tags actions are released under
//! (`v4`, `v4.1`, `v4.1.7`, `1.0.0-beta.2`), as OSV's "GitHub Actions"
//! advisories write their ranges (`45.0.7`, `46.0.1`, `41`).
//!
//! A tag is SemVer with the conveniences action authors use and GitHub's
//! advisories accept: one optional leading `v` (or `V`), and a short core
//! whose missing minor and patch are 0, so the floating major tag `v4`
//! orders as `4.0.0` (the earliest release it may point at, which is how
//! zizmor and GitHub's advisory matching read it). Pre-release and build
//! parts follow SemVer §11. Anything else (a branch such as `main`) is
//! refused: it names no version.

use std::cmp::Ordering;

use super::{Comparator, VersionError};

/// The GitHub Actions tag comparator (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct GithubActions;

fn parse(v: &str) -> Result<::semver::Version, VersionError> {
    let fail = |why: &str| VersionError::new("github-actions", v, why.to_string());
    let bare = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let (core, rest) = match bare.find(['-', '+']) {
        Some(i) => bare.split_at(i),
        None => (bare, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(fail("not a version tag"));
    }
    let mut numbers = [0u64; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("not a version tag"));
        }
        *slot = part.parse().map_err(|_| fail("number too large"))?;
    }
    let full = format!("{}.{}.{}{rest}", numbers[0], numbers[1], numbers[2]);
    ::semver::Version::parse(&full)
        .map_err(|e| VersionError::new("github-actions", v, e.to_string()))
}

/// Whether `tag` reads as a version (so an action used at it can be looked
/// up in advisories), rather than a branch or a commit.
pub fn is_version_tag(tag: &str) -> bool {
    parse(tag).is_ok()
}

impl Comparator for GithubActions {
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp_precedence(&parse(b)?))
    }

    fn validate(&self, v: &str) -> Result<(), VersionError> {
        parse(v).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        GithubActions.compare(a, b).expect("versions")
    }

    #[test]
    fn short_tags_pad_and_v_is_optional() {
        assert_eq!(cmp("v4", "4.0.0"), Ordering::Equal);
        assert_eq!(cmp("v45", "45.0.7"), Ordering::Less);
        assert_eq!(cmp("v46.0.1", "46.0.1"), Ordering::Equal);
        assert_eq!(cmp("V4.1", "4.0.9"), Ordering::Greater);
        assert_eq!(cmp("v41", "41"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-beta.2", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("v1.0.0-beta.11", "1.0.0-beta.2"), Ordering::Greater);
        assert_eq!(cmp("v010", "10"), Ordering::Equal);
    }

    #[test]
    fn branches_and_commits_are_not_versions() {
        for bad in [
            "main",
            "master",
            "v",
            "",
            "4.x",
            "1.2.3.4",
            "releases/v1",
            "8f4b7f84864484a7bf31766abe9204da3cbe65b3",
        ] {
            assert!(GithubActions.validate(bad).is_err(), "{bad}");
            assert!(!is_version_tag(bad), "{bad}");
        }
    }
}
