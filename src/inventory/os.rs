//! Which operating system an image runs, read from `os-release` and the older
//! release files. The OS decides the OSV ecosystem its packages are matched
//! against and the purl namespace they are named with.

use super::Want;
use serde::Serialize;
use std::fmt;

/// The files OS detection reads, in order of preference.
pub static WANTS: &[Want] = &[
    Want::File("etc/os-release"),
    Want::File("usr/lib/os-release"),
    Want::File("etc/alpine-release"),
    Want::File("etc/debian_version"),
    Want::File("etc/redhat-release"),
    Want::File("etc/centos-release"),
    Want::File("etc/rocky-release"),
    Want::File("etc/almalinux-release"),
    Want::File("etc/oracle-release"),
    Want::File("etc/fedora-release"),
    Want::File("etc/system-release"),
    Want::File("etc/lsb-release"),
];

/// OS families scangate recognises. Each maps to at most one OSV ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    Alpine,
    Debian,
    Ubuntu,
    /// Red Hat Enterprise Linux (and UBI images).
    Redhat,
    Centos,
    Rocky,
    Almalinux,
    Oracle,
    Fedora,
    Amazon,
    Wolfi,
    Chainguard,
}

impl OsFamily {
    /// The `ID=` of os-release, which is also the purl namespace.
    pub fn id(self) -> &'static str {
        match self {
            OsFamily::Alpine => "alpine",
            OsFamily::Debian => "debian",
            OsFamily::Ubuntu => "ubuntu",
            OsFamily::Redhat => "redhat",
            OsFamily::Centos => "centos",
            OsFamily::Rocky => "rocky",
            OsFamily::Almalinux => "almalinux",
            OsFamily::Oracle => "oracle",
            OsFamily::Fedora => "fedora",
            OsFamily::Amazon => "amazon",
            OsFamily::Wolfi => "wolfi",
            OsFamily::Chainguard => "chainguard",
        }
    }

    fn from_os_release_id(id: &str) -> Option<OsFamily> {
        Some(match id {
            "alpine" => OsFamily::Alpine,
            "debian" => OsFamily::Debian,
            "ubuntu" => OsFamily::Ubuntu,
            "rhel" => OsFamily::Redhat,
            "centos" => OsFamily::Centos,
            "rocky" => OsFamily::Rocky,
            "almalinux" => OsFamily::Almalinux,
            "ol" => OsFamily::Oracle,
            "fedora" => OsFamily::Fedora,
            "amzn" => OsFamily::Amazon,
            "wolfi" => OsFamily::Wolfi,
            "chainguard" => OsFamily::Chainguard,
            _ => return None,
        })
    }
}

/// A detected operating system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Os {
    pub family: OsFamily,
    /// `VERSION_ID` (or the release file's number): `3.19.1`, `12`, `22.04`,
    /// `9.3`. Empty for rolling distributions (Wolfi, Chainguard).
    pub version: String,
    /// Ubuntu only: os-release says this is a long-term-support release,
    /// which OSV spells into the ecosystem name (`Ubuntu:22.04:LTS`).
    #[serde(skip)]
    pub lts: bool,
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            f.write_str(self.family.id())
        } else {
            write!(f, "{} {}", self.family.id(), self.version)
        }
    }
}

impl Os {
    /// The OSV ecosystem this OS's packages are published under, spelled as
    /// OSV spells it. `None` where OSV publishes no advisories for the OS
    /// (CentOS, Oracle, Fedora, Amazon Linux) or where the ecosystem is per
    /// package rather than per OS (Red Hat's CPE-based names).
    pub fn osv_ecosystem(&self) -> Option<String> {
        let major = self.version.split('.').next().unwrap_or("");
        match self.family {
            OsFamily::Alpine => {
                let mut parts = self.version.split('.');
                let (maj, min) = (parts.next()?, parts.next()?);
                let min: String = min.chars().take_while(char::is_ascii_digit).collect();
                (!maj.is_empty() && !min.is_empty()).then(|| format!("Alpine:v{maj}.{min}"))
            }
            OsFamily::Debian => (!major.is_empty()).then(|| format!("Debian:{major}")),
            OsFamily::Ubuntu => {
                let v = self.version.as_str();
                (!v.is_empty()).then(|| {
                    if self.lts {
                        format!("Ubuntu:{v}:LTS")
                    } else {
                        format!("Ubuntu:{v}")
                    }
                })
            }
            OsFamily::Rocky => (!major.is_empty()).then(|| format!("Rocky Linux:{major}")),
            OsFamily::Almalinux => (!major.is_empty()).then(|| format!("AlmaLinux:{major}")),
            OsFamily::Wolfi => Some("Wolfi".to_string()),
            OsFamily::Chainguard => Some("Chainguard".to_string()),
            OsFamily::Redhat
            | OsFamily::Centos
            | OsFamily::Oracle
            | OsFamily::Fedora
            | OsFamily::Amazon => None,
        }
    }
}

/// Detects the OS from the image's files. `read` returns the final content
/// of a path (after layers and symlinks), if present.
pub fn detect(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Option<Os> {
    for path in ["etc/os-release", "usr/lib/os-release"] {
        if let Some(os) = read(path).and_then(|c| from_os_release(&String::from_utf8_lossy(&c))) {
            return Some(os);
        }
    }
    from_release_files(read)
}

/// Parses os-release (`KEY=value`, values optionally quoted). Unknown `ID`s
/// are not guessed from `ID_LIKE`: a derivative's packages are not the
/// parent's, and matching them against the parent's advisories would mislead.
fn from_os_release(content: &str) -> Option<Os> {
    let mut id = None;
    let mut version_id = String::new();
    let mut version = String::new();
    for line in content.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(value);
        match key {
            "ID" => id = Some(value.to_ascii_lowercase()),
            "VERSION_ID" => version_id = value,
            "VERSION" => version = value,
            _ => {}
        }
    }
    let family = OsFamily::from_os_release_id(&id?)?;
    let lts = family == OsFamily::Ubuntu && version.contains("LTS");
    let version = match family {
        OsFamily::Wolfi | OsFamily::Chainguard => String::new(),
        _ => version_id,
    };
    Some(Os {
        family,
        version,
        lts,
    })
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    v.to_string()
}

/// Falls back to the distribution-specific release files older images have.
fn from_release_files(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Option<Os> {
    let text = |p: &str| read(p).map(|c| String::from_utf8_lossy(&c).trim().to_string());
    if let Some(v) = text("etc/alpine-release") {
        return Some(Os {
            family: OsFamily::Alpine,
            version: v,
            lts: false,
        });
    }
    if let Some(lsb) = text("etc/lsb-release") {
        if lsb.contains("DISTRIB_ID=Ubuntu") {
            let version = lsb
                .lines()
                .find_map(|l| l.strip_prefix("DISTRIB_RELEASE="))
                .map(unquote)
                .unwrap_or_default();
            let lts = lsb.contains("LTS");
            return Some(Os {
                family: OsFamily::Ubuntu,
                version,
                lts,
            });
        }
    }
    if let Some(v) = text("etc/debian_version") {
        // "12.5" on stable; "trixie/sid" on testing, which has no number.
        let version = if v.starts_with(|c: char| c.is_ascii_digit()) {
            v
        } else {
            String::new()
        };
        return Some(Os {
            family: OsFamily::Debian,
            version,
            lts: false,
        });
    }
    let release_files: [(&str, OsFamily); 7] = [
        ("etc/centos-release", OsFamily::Centos),
        ("etc/rocky-release", OsFamily::Rocky),
        ("etc/almalinux-release", OsFamily::Almalinux),
        ("etc/oracle-release", OsFamily::Oracle),
        ("etc/fedora-release", OsFamily::Fedora),
        ("etc/redhat-release", OsFamily::Redhat),
        ("etc/system-release", OsFamily::Amazon),
    ];
    for (path, default_family) in release_files {
        let Some(line) = text(path) else { continue };
        let family = family_from_release_line(&line).unwrap_or(default_family);
        let version = line
            .split_whitespace()
            .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or("")
            .to_string();
        return Some(Os {
            family,
            version,
            lts: false,
        });
    }
    None
}

/// `etc/redhat-release` is shared by every rebuild; its text names which.
fn family_from_release_line(line: &str) -> Option<OsFamily> {
    let l = line.to_ascii_lowercase();
    Some(if l.starts_with("centos") {
        OsFamily::Centos
    } else if l.starts_with("rocky") {
        OsFamily::Rocky
    } else if l.starts_with("almalinux") {
        OsFamily::Almalinux
    } else if l.starts_with("oracle") {
        OsFamily::Oracle
    } else if l.starts_with("fedora") {
        OsFamily::Fedora
    } else if l.starts_with("amazon") {
        OsFamily::Amazon
    } else if l.starts_with("red hat") {
        OsFamily::Redhat
    } else {
        return None;
    })
}
