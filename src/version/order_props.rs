//! Property tests: every comparator is a total order on the versions it
//! accepts. Matching sorts and range-checks with these comparators; an
//! order that is not antisymmetric or not transitive makes a range check
//! depend on the order events happen to be listed in.
//!
//! Versions are generated from each scheme's alphabet, weighted towards the
//! characters with special rules (`~`, `^`, `+`, `-`, `_`, `.`, epochs,
//! pre-release words), so that the hard cases are common rather than rare.

use super::{comparator, Comparator};
use crate::ecosystem::VersionScheme;
use proptest::prelude::*;
use std::cmp::Ordering;

/// Strategies per scheme: mostly-valid versions (the property is about
/// valid ones; invalid ones are filtered out by `validate`).
fn versions(scheme: VersionScheme) -> BoxedStrategy<String> {
    let pattern = match scheme {
        VersionScheme::Dpkg => "([0-3]:)?[0-9][0-9a-c.+~]{0,6}(-[0-9a-c.+~]{1,4})?",
        VersionScheme::Apk => {
            "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}[a-c]?(_(alpha|beta|pre|rc|p|cvs|svn|git|hg)[0-9]?){0,2}(~[0-9a-f]{1,3})?(-r[0-9])?"
        }
        VersionScheme::Rpm => "([0-3]:)?[0-9a-c][0-9a-c.~^_+]{0,6}(-[0-9a-c.~^_+]{1,4})?",
        VersionScheme::Pep440 => {
            "([0-2]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-z0-9]{1,3})?"
        }
        VersionScheme::Semver => {
            "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-(alpha|beta|rc|[0-9]{1,2})(\\.[0-9a-z]{1,2}){0,2})?(\\+[a-z0-9]{1,3})?"
        }
        VersionScheme::Go => {
            "v?[0-9]{1,2}(\\.[0-9]{1,2}(\\.[0-9]{1,2}(-(0\\.2021010100000[0-9]-abcdef12345[0-9]|rc|pre|[0-9]{1,2})(\\.[0-9a-z]{1,2}){0,2})?(\\+incompatible)?)?)?"
        }
        VersionScheme::RubyGems => {
            "[0-9]{1,2}(\\.([0-9]{1,2}|a|b|rc|pre|[0-9]a)){0,3}(-(rc|[0-9]|beta)(\\.[0-9a-z]{1,2}){0,2})?"
        }
        VersionScheme::Composer => {
            "v?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-.]?(alpha|beta|RC|rc|a|b|p|pl|patch|stable)[0-9]{0,2})?(-dev)?"
        }
        VersionScheme::NuGet => {
            "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-(alpha|Beta|rc|[0-9]{1,2}|x-y)(\\.[0-9a-zA-Z]{1,2}){0,2})?(\\+[a-z0-9]{1,3})?"
        }
        // Well-formed Maven versions: Maven's own order has cycles on
        // versions with a bare word in the middle (`1.x.2`, `1.rc-1`)
        // and on runs of ten zeros (see `maven.rs`).
        VersionScheme::Maven => {
            "[0-9]{1,2}(\\.([0-9]{1,3}|1234567890123)){0,3}(-?(alpha|beta|milestone|rc|cr|snapshot|ga|final|release|sp|a|b|m|jre|xyz)(-?[0-9]{1,2})?|\\.(alpha|beta|rc|snapshot|final|release|sp|jre|xyz)([0-9]{1,2})?)?"
        }
        VersionScheme::GithubActions => {
            "v?[0-9]{1,2}(\\.[0-9]{1,2}(\\.[0-9]{1,2}(-(alpha|beta|rc|[0-9]{1,2})(\\.[0-9a-z]{1,2}){0,2})?)?)?"
        }
    };
    proptest::string::string_regex(pattern)
        .expect("valid pattern")
        .boxed()
}

const SCHEMES: [VersionScheme; 11] = [
    VersionScheme::Dpkg,
    VersionScheme::Apk,
    VersionScheme::Rpm,
    VersionScheme::Pep440,
    VersionScheme::Semver,
    VersionScheme::Go,
    VersionScheme::Maven,
    VersionScheme::RubyGems,
    VersionScheme::Composer,
    VersionScheme::NuGet,
    VersionScheme::GithubActions,
];

fn cmp(c: &dyn Comparator, a: &str, b: &str) -> Ordering {
    c.compare(a, b)
        .unwrap_or_else(|e| panic!("both validated, yet: {e}"))
}

/// Antisymmetry, reflexivity and transitivity over three versions.
fn check(scheme: VersionScheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let comp = comparator(scheme);
    for v in [a, b, c] {
        if comp.validate(v).is_err() {
            return Ok(());
        }
    }
    prop_assert_eq!(cmp(comp, a, a), Ordering::Equal, "{:?} reflexive", a);
    prop_assert_eq!(
        cmp(comp, a, b),
        cmp(comp, b, a).reverse(),
        "antisymmetry of {:?} and {:?}",
        a,
        b
    );
    let (ab, bc, ac) = (cmp(comp, a, b), cmp(comp, b, c), cmp(comp, a, c));
    if ab != Ordering::Greater && bc != Ordering::Greater {
        prop_assert_ne!(ac, Ordering::Greater, "{:?} <= {:?} <= {:?}", a, b, c);
    }
    if ab == Ordering::Equal && bc == Ordering::Equal {
        prop_assert_eq!(ac, Ordering::Equal, "{:?} = {:?} = {:?}", a, b, c);
    }
    Ok(())
}

/// A scheme and three of its versions.
fn triples() -> impl Strategy<Value = (VersionScheme, String, String, String)> {
    prop::sample::select(SCHEMES.to_vec()).prop_flat_map(|scheme| {
        (
            Just(scheme),
            versions(scheme),
            versions(scheme),
            versions(scheme),
        )
    })
}

/// A scheme and a list of its versions.
fn lists() -> impl Strategy<Value = (VersionScheme, Vec<String>)> {
    prop::sample::select(SCHEMES.to_vec()).prop_flat_map(|scheme| {
        (
            Just(scheme),
            proptest::collection::vec(versions(scheme), 2..12),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn every_comparator_is_a_total_order((scheme, a, b, c) in triples()) {
        check(scheme, &a, &b, &c)?;
    }

    #[test]
    fn sorting_agrees_with_every_pairwise_comparison((scheme, mut list) in lists()) {
        let comp = comparator(scheme);
        list.retain(|v| comp.validate(v).is_ok());
        list.sort_by(|a, b| cmp(comp, a, b));
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                prop_assert_ne!(cmp(comp, a, b), Ordering::Greater, "{:?} sorted before {:?}", a, b);
            }
        }
    }
}
