//! Package URLs (https://github.com/package-url/purl-spec), the identifiers
//! SBOMs, VEX documents and ignore files refer to packages by.

use super::os::Os;
use super::{Package, PackageFormat};

/// Builds the purl of a package of `format`, in canonical form.
pub fn for_package(format: PackageFormat, os: Option<&Os>, pkg: &Package) -> String {
    match format {
        PackageFormat::Apk | PackageFormat::Deb | PackageFormat::Rpm => {
            for_os_package(format, os, pkg)
        }
        PackageFormat::PythonPkg
        | PackageFormat::Pip
        | PackageFormat::Pipenv
        | PackageFormat::Poetry
        | PackageFormat::Uv
        | PackageFormat::Pylock => format!(
            "pkg:pypi/{}@{}",
            encode(&pypi_name(&pkg.name)),
            encode(&pkg.version)
        ),
        PackageFormat::NodePkg
        | PackageFormat::Npm
        | PackageFormat::Yarn
        | PackageFormat::Pnpm
        | PackageFormat::Bun => {
            // A scope is the namespace: `@babel/core` → `%40babel/core`.
            let name = match pkg.name.split_once('/') {
                Some((scope, name)) => format!("{}/{}", encode(scope), encode(name)),
                None => encode(&pkg.name),
            };
            format!("pkg:npm/{name}@{}", encode(&pkg.version))
        }
        // A module path's segments are the namespace and name.
        PackageFormat::GoMod | PackageFormat::GoBinary => format!(
            "pkg:golang/{}@{}",
            pkg.name
                .split('/')
                .map(encode)
                .collect::<Vec<_>>()
                .join("/"),
            encode(&pkg.version)
        ),
        // Trivy's bitnami purls: the arch as the only qualifier.
        PackageFormat::Bitnami => {
            let mut purl = format!("pkg:bitnami/{}@{}", encode(&pkg.name), encode(&pkg.version));
            if let Some(arch) = &pkg.arch {
                purl.push_str(&format!("?arch={}", encode_qualifier(arch)));
            }
            purl
        }
        PackageFormat::Cargo | PackageFormat::RustBinary => {
            format!("pkg:cargo/{}@{}", encode(&pkg.name), encode(&pkg.version))
        }
        PackageFormat::Gemspec | PackageFormat::Bundler => {
            format!("pkg:gem/{}@{}", encode(&pkg.name), encode(&pkg.version))
        }
        // `vendor/name`: the vendor is the namespace.
        PackageFormat::Composer | PackageFormat::ComposerVendor => {
            let name = match pkg.name.split_once('/') {
                Some((vendor, name)) => format!("{}/{}", encode(vendor), encode(name)),
                None => encode(&pkg.name),
            };
            format!("pkg:composer/{name}@{}", encode(&pkg.version))
        }
        PackageFormat::DotnetCore | PackageFormat::Nuget | PackageFormat::PackagesConfig => {
            format!("pkg:nuget/{}@{}", encode(&pkg.name), encode(&pkg.version))
        }
        // purl-spec's `githubactions` type: the owner as namespace.
        PackageFormat::GithubActions => format!(
            "pkg:githubactions/{}@{}",
            pkg.name
                .split('/')
                .map(encode)
                .collect::<Vec<_>>()
                .join("/"),
            encode(&pkg.version)
        ),
    }
}

/// purl-spec's `pypi` type: the name lowercased, `_` written as `-`.
fn pypi_name(name: &str) -> String {
    name.to_lowercase().replace('_', "-")
}

/// An OS package's purl as Trivy writes it: the distribution as namespace
/// (`suse` and `opensuse` for all their products), a percent-encoded
/// version, and qualifiers sorted by key: `arch`, `distro` (the family and
/// version, `rocky-9.3`; apk's the version alone), a non-zero `epoch`, rpm's
/// `modularitylabel`.
fn for_os_package(format: PackageFormat, os: Option<&Os>, pkg: &Package) -> String {
    let ty = match format {
        PackageFormat::Apk => "apk",
        PackageFormat::Rpm => "rpm",
        _ => "deb",
    };
    // The namespace is the distribution; when the OS is unknown it is left
    // out rather than guessed (a SUSE package is not a Red Hat one).
    let namespace = os
        .map(|o| match format {
            PackageFormat::Rpm => format!("{}/", o.family.purl_namespace()),
            _ => format!("{}/", o.family.id()),
        })
        .unwrap_or_default();
    let (epoch, version) = match format {
        // apk versions have no epoch.
        PackageFormat::Apk => (None, pkg.version.as_str()),
        _ => match pkg.version.split_once(':') {
            Some((e, v)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => (Some(e), v),
            _ => (None, pkg.version.as_str()),
        },
    };
    // apk names are lowercased, as Trivy does.
    let name = match format {
        PackageFormat::Apk => pkg.name.to_lowercase(),
        _ => pkg.name.clone(),
    };
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    if let Some(arch) = &pkg.arch {
        qualifiers.push(("arch", arch.clone()));
    }
    if let Some(os) = os {
        let distro = match (format, os.version.is_empty()) {
            (_, true) => os.family.id().to_string(),
            (PackageFormat::Apk, false) => os.version.clone(),
            (_, false) => format!("{}-{}", os.family.id(), os.version),
        };
        qualifiers.push(("distro", distro));
    }
    if let Some(e) = epoch.filter(|e| !e.trim_start_matches('0').is_empty()) {
        qualifiers.push(("epoch", e.to_string()));
    }
    if let Some(label) = pkg
        .modularity_label
        .as_ref()
        .filter(|_| format == PackageFormat::Rpm)
    {
        qualifiers.push(("modularitylabel", label.clone()));
    }
    qualifiers.sort_by(|a, b| a.0.cmp(b.0));
    let mut purl = format!("pkg:{ty}/{namespace}{}@{}", encode(&name), encode(version));
    for (i, (k, v)) in qualifiers.iter().enumerate() {
        purl.push(if i == 0 { '?' } else { '&' });
        purl.push_str(k);
        purl.push('=');
        purl.push_str(&encode_qualifier(v));
    }
    purl
}

/// Percent-decodes one purl component (the inverse of the encoding
/// below); `None` on a broken escape or non-UTF-8. Used wherever a purl is
/// read back: Bitnami's SPDX files, VEX and ignore-file purls.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but the purl spec's unreserved characters.
fn encode(s: &str) -> String {
    encode_except(s, b"")
}

/// A qualifier value as Trivy's purl library writes it (Go's
/// `url.PathEscape`): `:` and a few other sub-delimiters stay as they are
/// (`modularitylabel=nodejs:18:…`), spaces and parentheses are encoded
/// (`distro=amazon-2%20%28Karoo%29`).
fn encode_qualifier(s: &str) -> String {
    encode_except(s, b"$&+:=@")
}

fn encode_except(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') || keep.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::os::OsFamily;

    fn pkg(name: &str, version: &str, arch: Option<&str>) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            source_name: name.into(),
            source_version: version.into(),
            arch: arch.map(Into::into),
            licenses: vec![],
            modularity_label: None,
            line: None,
            dev: false,
        }
    }

    #[test]
    fn debian_purl_encodes_plus_and_moves_epoch_to_a_qualifier() {
        let os = Os::new(OsFamily::Debian, "12");
        assert_eq!(
            for_os_package(
                PackageFormat::Deb,
                Some(&os),
                &pkg("openssl", "3.0.15-1~deb12u1", Some("amd64"))
            ),
            "pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            for_os_package(
                PackageFormat::Deb,
                Some(&os),
                &pkg("libgcc-s1", "1:12.2.0-14+deb12u1", Some("amd64"))
            ),
            "pkg:deb/debian/libgcc-s1@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&epoch=1"
        );
    }

    #[test]
    fn alpine_and_rpm_purls() {
        let alpine = Os::new(OsFamily::Alpine, "3.19.1");
        assert_eq!(
            for_os_package(
                PackageFormat::Apk,
                Some(&alpine),
                &pkg("musl", "1.2.4_git20230717-r4", Some("x86_64"))
            ),
            "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1"
        );
        let rocky = Os::new(OsFamily::Rocky, "9.3");
        assert_eq!(
            for_os_package(
                PackageFormat::Rpm,
                Some(&rocky),
                &pkg("openssl-libs", "1:3.0.7-25.el9_3", Some("x86_64"))
            ),
            "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1"
        );
    }

    /// Each purl as Trivy 0.76 wrote it for a real rpmdb.sqlite (built by
    /// `rpmbuild` and `rpm --justdb`) under that os-release.
    #[test]
    fn rpm_purls_equal_trivys() {
        let mut nodejs = pkg(
            "nodejs",
            "1:18.14.2-2.module+el8.7.0+18113+9c1b8b4e",
            Some("noarch"),
        );
        nodejs.modularity_label = Some("nodejs:18:8070020230306:9c1b8b4e".into());
        let gamma = pkg("gamma", "0:0.9-1", Some("noarch"));
        let cases = [
            (
                Os::new(OsFamily::Sles, "15.5"),
                &gamma,
                "pkg:rpm/suse/gamma@0.9-1?arch=noarch&distro=sles-15.5",
            ),
            (
                Os::new(OsFamily::OpensuseLeap, "15.5"),
                &gamma,
                "pkg:rpm/opensuse/gamma@0.9-1?arch=noarch&distro=opensuse-leap-15.5",
            ),
            (
                Os::new(OsFamily::Amazon, "2 (Karoo)"),
                &gamma,
                "pkg:rpm/amazon/gamma@0.9-1?arch=noarch&distro=amazon-2%20%28Karoo%29",
            ),
            (
                Os::new(OsFamily::CblMariner, "2.0"),
                &gamma,
                "pkg:rpm/cbl-mariner/gamma@0.9-1?arch=noarch&distro=cbl-mariner-2.0",
            ),
            (
                Os::new(OsFamily::Alma, "9.3"),
                &nodejs,
                "pkg:rpm/alma/nodejs@18.14.2-2.module%2Bel8.7.0%2B18113%2B9c1b8b4e?arch=noarch&distro=alma-9.3&epoch=1&modularitylabel=nodejs:18:8070020230306:9c1b8b4e",
            ),
        ];
        for (os, p, want) in cases {
            assert_eq!(for_os_package(PackageFormat::Rpm, Some(&os), p), want);
        }
    }

    #[test]
    fn npm_purls_put_the_scope_in_the_namespace() {
        let purl = |name| {
            for_package(
                PackageFormat::Npm,
                None,
                &Package::language(name, "7.24.0", None),
            )
        };
        assert_eq!(purl("@babel/core"), "pkg:npm/%40babel/core@7.24.0");
        assert_eq!(purl("lodash"), "pkg:npm/lodash@7.24.0");
    }

    #[test]
    fn gem_composer_and_nuget_purls() {
        let purl =
            |format, name| for_package(format, None, &Package::language(name, "1.2.3", None));
        assert_eq!(purl(PackageFormat::Gemspec, "rack"), "pkg:gem/rack@1.2.3");
        assert_eq!(
            purl(PackageFormat::Composer, "symfony/http-kernel"),
            "pkg:composer/symfony/http-kernel@1.2.3"
        );
        assert_eq!(
            purl(PackageFormat::PackagesConfig, "Newtonsoft.Json"),
            "pkg:nuget/Newtonsoft.Json@1.2.3"
        );
    }

    #[test]
    fn golang_and_cargo_purls() {
        let go = Package::language("github.com/gin-gonic/gin", "v1.9.1", None);
        assert_eq!(
            for_package(PackageFormat::GoBinary, None, &go),
            "pkg:golang/github.com/gin-gonic/gin@v1.9.1"
        );
        let krate = Package::language("time", "0.3.36", None);
        assert_eq!(
            for_package(PackageFormat::Cargo, None, &krate),
            "pkg:cargo/time@0.3.36"
        );
    }

    #[test]
    fn pypi_purls_lowercase_and_dash_the_name() {
        assert_eq!(
            for_package(
                PackageFormat::Poetry,
                None,
                &Package::language("Flask_SQLAlchemy", "3.1.1+local", None)
            ),
            "pkg:pypi/flask-sqlalchemy@3.1.1%2Blocal"
        );
    }
}
