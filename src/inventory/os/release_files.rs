//! The files that name an operating system, each read the way Trivy's OS
//! analyzer for it reads it (`pkg/fanal/analyzer/os/*`), so that an image
//! gets the same family and version from scangate as from Trivy: users
//! compare the two side by side, and ignore files, VEX documents and
//! baselines carry the purls built from them.

use super::OsFamily;

/// What one file says: a family, a version (Trivy's `Name`: `12.5`,
/// `2 (Karoo)`, `15.5`) and, for Ubuntu, whether ESM (Ubuntu Pro) is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    pub family: Option<OsFamily>,
    pub version: String,
    pub extended: bool,
}

impl Found {
    fn new(family: OsFamily, version: &str) -> Found {
        Found {
            family: Some(family),
            version: version.to_string(),
            extended: false,
        }
    }
}

/// Reads one file's content into what it says about the OS.
pub(super) type Reader = fn(&str) -> Option<Found>;

/// The reader for each file, in the order Trivy 0.76 lets their results
/// win (measured: with `etc/os-release` and `etc/alpine-release`
/// disagreeing the latter wins, with `etc/rocky-release` the former; the
/// order is the paths' byte order).
pub(super) const READERS: &[(&str, Reader)] = &[
    ("etc/almalinux-release", alma),
    ("etc/alpine-release", alpine),
    ("etc/centos-release", centos),
    ("etc/debian_version", debian),
    ("etc/fedora-release", fedora),
    ("etc/lsb-release", ubuntu_lsb),
    ("etc/oracle-release", oracle),
    ("etc/os-release", os_release),
    ("etc/redhat-release", redhat),
    ("etc/rocky-release", rocky),
    ("etc/system-release", amazon),
    ("usr/lib/fedora-release", fedora),
    ("usr/lib/os-release", os_release),
    ("usr/lib/system-release", amazon),
    (UBUNTU_ADVANTAGE, ubuntu_esm),
];

/// Where Ubuntu Pro's client records which services are enabled.
pub(super) const UBUNTU_ADVANTAGE: &str = "var/lib/ubuntu-advantage/status.json";

/// Combines what two files say as Trivy's `OS.Merge` does: the first family
/// and version found stand, except that a Red Hat or Debian result gives way
/// to any later family (Oracle Linux also ships `redhat-release`, Ubuntu
/// also ships `debian_version`); ESM is on when any file says so.
pub(super) fn merge(current: &mut Option<Found>, new: Found) {
    match current {
        None => *current = Some(new),
        Some(c)
            if matches!(c.family, Some(OsFamily::Redhat | OsFamily::Debian))
                && new.family.is_some() =>
        {
            *c = new
        }
        Some(c) => {
            if c.family.is_none() {
                c.family = new.family;
            }
            if c.version.is_empty() {
                c.version = new.version;
            }
            c.extended |= new.extended;
        }
    }
}

fn first_line(content: &str) -> Option<&str> {
    content.lines().next()
}

fn alpine(content: &str) -> Option<Found> {
    first_line(content).map(|l| Found::new(OsFamily::Alpine, l))
}

fn debian(content: &str) -> Option<Found> {
    first_line(content).map(|l| Found::new(OsFamily::Debian, l))
}

/// `DISTRIB_ID=Ubuntu`, then `DISTRIB_RELEASE=`.
fn ubuntu_lsb(content: &str) -> Option<Found> {
    let mut ubuntu = false;
    for line in content.lines() {
        if line == "DISTRIB_ID=Ubuntu" {
            ubuntu = true;
        } else if let Some(v) = line.strip_prefix("DISTRIB_RELEASE=").filter(|_| ubuntu) {
            return Some(Found::new(OsFamily::Ubuntu, v.trim()));
        }
    }
    None
}

/// Ubuntu Pro's `esm-infra` service enabled: the ESM advisories apply.
fn ubuntu_esm(content: &str) -> Option<Found> {
    #[derive(serde::Deserialize)]
    struct Status {
        #[serde(default)]
        services: Vec<Service>,
    }
    #[derive(serde::Deserialize)]
    struct Service {
        name: String,
        status: String,
    }
    let status: Status = match serde_json::from_str(content) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                "{UBUNTU_ADVANTAGE}: not Ubuntu Pro's status file ({e}); ESM not assumed"
            );
            return None;
        }
    };
    status
        .services
        .iter()
        .any(|s| s.name == "esm-infra" && s.status == "enabled")
        .then(|| Found {
            family: Some(OsFamily::Ubuntu),
            version: String::new(),
            extended: true,
        })
}

/// Trivy's `(.*) release (\d[\d\.]*)`: the text before the last
/// ` release ` that a digit follows, and the number after it.
fn release_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let mut end = line.len();
    while let Some(at) = line[..end].rfind(" release ") {
        let rest = &line[at + " release ".len()..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            return Some((&line[..at], &rest[..n]));
        }
        end = at;
    }
    None
}

/// The readers of `*-release` files of the Red Hat family: lines of the
/// form `NAME release N`, where `names` decide the family (any line that
/// does not have the form ends the file, as in Trivy).
fn named_release(content: &str, names: &[&str], family: OsFamily) -> Option<Found> {
    for line in content.lines() {
        let (name, version) = release_line(line)?;
        if names.is_empty() || names.contains(&name.to_ascii_lowercase().as_str()) {
            return Some(Found::new(family, version));
        }
    }
    None
}

fn centos(content: &str) -> Option<Found> {
    named_release(content, &["centos", "centos linux"], OsFamily::Centos)
}

fn rocky(content: &str) -> Option<Found> {
    named_release(content, &["rocky", "rocky linux"], OsFamily::Rocky)
}

fn alma(content: &str) -> Option<Found> {
    named_release(
        content,
        &["alma", "almalinux", "alma linux"],
        OsFamily::Alma,
    )
}

fn fedora(content: &str) -> Option<Found> {
    named_release(content, &["fedora", "fedora linux"], OsFamily::Fedora)
}

fn oracle(content: &str) -> Option<Found> {
    named_release(content, &[], OsFamily::Oracle)
}

/// `etc/redhat-release` is shared by every rebuild; its first line names
/// which, and anything unnamed counts as Red Hat.
fn redhat(content: &str) -> Option<Found> {
    let (name, version) = release_line(first_line(content)?)?;
    let family = match name.to_ascii_lowercase().as_str() {
        "centos" | "centos linux" => OsFamily::Centos,
        "rocky" | "rocky linux" => OsFamily::Rocky,
        "alma" | "almalinux" | "alma linux" => OsFamily::Alma,
        "oracle" | "oracle linux" | "oracle linux server" => OsFamily::Oracle,
        "fedora" | "fedora linux" => OsFamily::Fedora,
        _ => OsFamily::Redhat,
    };
    Some(Found::new(family, version))
}

/// `Amazon Linux release 2 (Karoo)` → `2 (Karoo)`; `Amazon Linux AMI
/// release 2018.03` → `AMI release 2018.03` (Trivy keeps the words).
fn amazon(content: &str) -> Option<Found> {
    for line in content.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with("Amazon Linux release 2") {
            if fields.len() >= 5 {
                return Some(Found::new(OsFamily::Amazon, &fields[3..].join(" ")));
            }
        } else if line.starts_with("Amazon Linux") {
            return Some(Found::new(OsFamily::Amazon, &fields[2..].join(" ")));
        }
    }
    None
}

/// os-release: `ID` decides the family (only the IDs Trivy knows there:
/// Debian, Ubuntu and Amazon Linux are told by their own files, see
/// [`os_release_fallback`]), and a `VERSION_ID` is required.
fn os_release(content: &str) -> Option<Found> {
    let (id, name, version_id) = os_release_fields(content);
    let family = match id {
        "rhel" => OsFamily::Redhat,
        "centos" if name == "CentOS Stream" => OsFamily::CentosStream,
        "centos" => OsFamily::Centos,
        "rocky" => OsFamily::Rocky,
        "almalinux" => OsFamily::Alma,
        "ol" => OsFamily::Oracle,
        "fedora" => OsFamily::Fedora,
        "alpine" => OsFamily::Alpine,
        "opensuse-tumbleweed" => OsFamily::OpensuseTumbleweed,
        "opensuse-leap" | "opensuse" => OsFamily::OpensuseLeap,
        "sles" => OsFamily::Sles,
        "sle-micro" | "sl-micro" | "sle-micro-rancher" => OsFamily::Slem,
        "photon" => OsFamily::Photon,
        "wolfi" => OsFamily::Wolfi,
        "chainguard" => OsFamily::Chainguard,
        "azurelinux" => OsFamily::AzureLinux,
        "mariner" => OsFamily::CblMariner,
        _ => return None,
    };
    (!version_id.is_empty()).then(|| Found::new(family, version_id))
}

/// os-release's `ID`, `NAME` and `VERSION_ID`, unquoted.
fn os_release_fields(content: &str) -> (&str, &str, &str) {
    let (mut id, mut name, mut version_id) = ("", "", "");
    for line in content.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        match key.trim() {
            "ID" => id = value,
            "NAME" => name = value,
            "VERSION_ID" => version_id = value,
            _ => {}
        }
    }
    (id, name, version_id)
}

/// The os-release IDs Trivy leaves to other files (`debian`, `ubuntu`,
/// `amzn`), read only when no file at all named a family. Real images of
/// these distributions carry `debian_version`, `lsb-release` or
/// `system-release`, so the result equals Trivy's wherever Trivy detects
/// anything; on an image stripped of those files Trivy finds no OS and
/// matches nothing, which would let a security gate pass unseen.
pub(super) fn os_release_fallback(content: &str) -> Option<Found> {
    let (id, _, version_id) = os_release_fields(content);
    let family = match id {
        "debian" => OsFamily::Debian,
        "ubuntu" => OsFamily::Ubuntu,
        "amzn" => OsFamily::Amazon,
        _ => return None,
    };
    (!version_id.is_empty()).then(|| Found::new(family, version_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_lines_split_as_trivys_expression_does() {
        assert_eq!(
            release_line("Red Hat Enterprise Linux release 8.9 (Ootpa)"),
            Some(("Red Hat Enterprise Linux", "8.9"))
        );
        assert_eq!(
            release_line("CentOS Linux release 7.9.2009 (Core)"),
            Some(("CentOS Linux", "7.9.2009"))
        );
        assert_eq!(
            release_line("CentOS Stream release 9"),
            Some(("CentOS Stream", "9"))
        );
        assert_eq!(release_line("Fedora release rawhide"), None);
    }

    #[test]
    fn a_named_release_file_of_another_distribution_says_nothing() {
        assert_eq!(centos("CentOS Stream release 9\n"), None);
        assert_eq!(
            rocky("Rocky Linux release 9.3 (Blue Onyx)\n").map(|f| f.version),
            Some("9.3".to_string())
        );
    }

    #[test]
    fn amazon_versions_keep_trivys_words() {
        let v = |s: &str| amazon(s).map(|f| f.version);
        assert_eq!(
            v("Amazon Linux release 2 (Karoo)\n").as_deref(),
            Some("2 (Karoo)")
        );
        assert_eq!(
            v("Amazon Linux release 2023.3.20240131 (Amazon Linux)\n").as_deref(),
            Some("2023.3.20240131 (Amazon Linux)")
        );
        assert_eq!(
            v("Amazon Linux AMI release 2018.03\n").as_deref(),
            Some("AMI release 2018.03")
        );
    }

    #[test]
    fn esm_needs_esm_infra_enabled() {
        let on = r#"{"services":[{"name":"esm-apps","status":"enabled"},{"name":"esm-infra","status":"enabled"}]}"#;
        assert!(ubuntu_esm(on).is_some_and(|f| f.extended));
        let off = r#"{"services":[{"name":"esm-infra","status":"disabled"}]}"#;
        assert_eq!(ubuntu_esm(off), None);
        assert_eq!(ubuntu_esm("not json"), None);
    }
}
