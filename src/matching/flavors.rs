//! Oracle Linux build flavors. Oracle ships some packages in three
//! flavors: the normal build, a FIPS-validated one (release ending in
//! `_fips`, `3.0.7-27.0.2.el9_fips`) and a Ksplice userspace one (a
//! `ksplice1` part, `2.17-157.ksplice1.el7_3.4`), each fixed by advisories
//! of its own. A fix in one flavor says nothing about the others:
//! comparing a normal build with a FIPS build's fix would report it
//! vulnerable to a fix it cannot install. So, as Trivy's Oracle detector
//! does (trivy-db's `oracleoval.PackageFlavor`), an advisory's range
//! applies only to installed builds of its own flavor.

use crate::vulndb::osv::{Affected, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Normal,
    Fips,
    Ksplice,
}

/// The flavor of an rpm version or release, as Trivy tells it: a `_fips`
/// suffix, else any dot-separated part starting with `ksplice`.
fn flavor(version: &str) -> Flavor {
    let version = version.to_ascii_lowercase();
    if version.ends_with("_fips") {
        Flavor::Fips
    } else if version.split('.').any(|part| part.starts_with("ksplice")) {
        Flavor::Ksplice
    } else {
        Flavor::Normal
    }
}

/// Whether `affected` can be about the installed build `installed`: its
/// fixed build is of the same flavor. A range with no fixed build is a
/// normal build's.
pub fn applies(installed: &str, affected: &Affected) -> bool {
    let fixed = affected
        .ranges
        .iter()
        .flat_map(|r| &r.events)
        .find_map(|e| match e {
            Event::Fixed(v) => Some(v.as_str()),
            _ => None,
        });
    fixed.map_or(Flavor::Normal, flavor) == flavor(installed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of Trivy's oracle detector tests (`ksplice-cases.yaml`:
    /// ELSA-2017-3582's `2:2.17-157.ksplice1.el7_3.4`, ELSA-2022-9221's
    /// `10:3.6.16-4.0.1.el8_fips`).
    #[test]
    fn flavors_as_trivy_tells_them() {
        assert_eq!(flavor("2:2.17-157.ksplice1.el7_3.4"), Flavor::Ksplice);
        assert_eq!(flavor("157.KSPLICE1.el7"), Flavor::Ksplice);
        assert_eq!(flavor("10:3.6.16-4.0.1.el8_fips"), Flavor::Fips);
        assert_eq!(flavor("3.6.16-4.el8"), Flavor::Normal);
        // `fips` elsewhere in the release is not the FIPS flavor.
        assert_eq!(flavor("1.0-1.fips.el8"), Flavor::Normal);
    }

    #[test]
    fn a_range_applies_to_its_own_flavor_only() {
        let affected = |fixed: &str| -> Affected {
            serde_json::from_value(serde_json::json!({
                "package": {"ecosystem": "Oracle Linux:8", "name": "gnutls"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }))
            .expect("affected")
        };
        let fips = affected("10:3.6.16-4.0.1.el8_fips");
        let normal = affected("3.6.16-4.el8");
        assert!(applies("10:3.6.16-4.el8_fips", &fips));
        assert!(!applies("3.6.16-3.el8", &fips));
        assert!(applies("3.6.16-3.el8", &normal));
        assert!(!applies("3.6.16-3.ksplice1.el8", &normal));
    }
}
