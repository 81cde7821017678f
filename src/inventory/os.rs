//! Which operating system an image runs, read from `os-release` and the older
//! release files. The OS decides the OSV ecosystem its packages are matched
//! against and the purl namespace they are named with.

use super::Want;
use crate::ecosystem::{Base, Ecosystem};
use serde::{Deserialize, Serialize};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    pub fn osv_ecosystem(&self) -> Option<Ecosystem> {
        let major = self.version.split('.').next().unwrap_or("");
        match self.family {
            OsFamily::Alpine => {
                let mut parts = self.version.split('.');
                let (maj, min) = (parts.next()?, parts.next()?);
                let min: String = min.chars().take_while(char::is_ascii_digit).collect();
                (!maj.is_empty() && !min.is_empty())
                    .then(|| Ecosystem::new(Base::Alpine, Some(&format!("v{maj}.{min}"))))
            }
            OsFamily::Debian => {
                (!major.is_empty()).then(|| Ecosystem::new(Base::Debian, Some(major)))
            }
            OsFamily::Ubuntu => {
                let v = self.version.as_str();
                (!v.is_empty()).then(|| {
                    if self.lts {
                        Ecosystem::new(Base::Ubuntu, Some(&format!("{v}:LTS")))
                    } else {
                        Ecosystem::new(Base::Ubuntu, Some(v))
                    }
                })
            }
            OsFamily::Rocky => {
                (!major.is_empty()).then(|| Ecosystem::new(Base::RockyLinux, Some(major)))
            }
            OsFamily::Almalinux => {
                (!major.is_empty()).then(|| Ecosystem::new(Base::AlmaLinux, Some(major)))
            }
            OsFamily::Wolfi => Some(Ecosystem::new(Base::Wolfi, None)),
            OsFamily::Chainguard => Some(Ecosystem::new(Base::Chainguard, None)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn detect_from(files: &[(&str, &str)]) -> Option<Os> {
        let files: HashMap<&str, &str> = files.iter().copied().collect();
        detect(&|p: &str| files.get(p).map(|c| c.as_bytes().to_vec()))
    }

    fn ecosystem(files: &[(&str, &str)]) -> Option<String> {
        detect_from(files)
            .and_then(|os| os.osv_ecosystem())
            .map(|e| e.to_string())
    }

    #[test]
    fn os_release_gives_family_version_and_the_osv_ecosystem() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ID=alpine\nVERSION_ID=3.19.1\n", Some("Alpine:v3.19")),
            (
                "ID=alpine\nVERSION_ID=3.21.0_alpha20240807\n",
                Some("Alpine:v3.21"),
            ),
            (
                "ID=debian\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n",
                Some("Debian:12"),
            ),
            (
                "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\n",
                Some("Ubuntu:22.04:LTS"),
            ),
            (
                "ID=ubuntu\nVERSION_ID=\"23.10\"\nVERSION=\"23.10 (Mantic Minotaur)\"\n",
                Some("Ubuntu:23.10"),
            ),
            ("ID=\"rocky\"\nVERSION_ID=\"9.3\"\n", Some("Rocky Linux:9")),
            (
                "ID=\"almalinux\"\nVERSION_ID=\"8.9\"\n",
                Some("AlmaLinux:8"),
            ),
            ("ID=wolfi\nVERSION_ID=20230201\n", Some("Wolfi")),
            ("ID=chainguard\nVERSION_ID=20230214\n", Some("Chainguard")),
            // OSV has no per-OS ecosystem for these.
            ("ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", None),
            ("ID=\"amzn\"\nVERSION_ID=\"2023\"\n", None),
            ("ID=\"centos\"\nVERSION_ID=\"7\"\n", None),
        ];
        for (content, expected) in cases {
            assert_eq!(
                ecosystem(&[("etc/os-release", content)]).as_deref(),
                *expected,
                "for {content:?}"
            );
        }
    }

    #[test]
    fn family_names_follow_os_release_ids() {
        let os = detect_from(&[("etc/os-release", "ID=ol\nVERSION_ID=\"8.9\"\n")]).unwrap();
        assert_eq!((os.family, os.version.as_str()), (OsFamily::Oracle, "8.9"));
        let os = detect_from(&[("etc/os-release", "ID=amzn\nVERSION_ID=\"2\"\n")]).unwrap();
        assert_eq!(os.to_string(), "amazon 2");
    }

    #[test]
    fn unknown_ids_are_not_guessed_from_id_like() {
        assert_eq!(
            detect_from(&[(
                "etc/os-release",
                "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"
            )]),
            None
        );
    }

    #[test]
    fn usr_lib_os_release_is_used_when_etc_has_none() {
        let os = detect_from(&[("usr/lib/os-release", "ID=debian\nVERSION_ID=\"11\"\n")]).unwrap();
        assert_eq!(
            os.osv_ecosystem().map(|e| e.to_string()).as_deref(),
            Some("Debian:11")
        );
    }

    #[test]
    fn older_release_files_are_read_when_os_release_is_missing() {
        assert_eq!(
            ecosystem(&[("etc/alpine-release", "3.18.4\n")]).as_deref(),
            Some("Alpine:v3.18")
        );
        // Distroless Debian images have only debian_version.
        assert_eq!(
            ecosystem(&[("etc/debian_version", "12.5\n")]).as_deref(),
            Some("Debian:12")
        );
        let testing = detect_from(&[("etc/debian_version", "trixie/sid\n")]).unwrap();
        assert_eq!(
            (testing.family, testing.osv_ecosystem()),
            (OsFamily::Debian, None)
        );
        let centos = detect_from(&[(
            "etc/centos-release",
            "CentOS Linux release 7.9.2009 (Core)\n",
        )])
        .unwrap();
        assert_eq!(
            (centos.family, centos.version.as_str()),
            (OsFamily::Centos, "7.9.2009")
        );
        let rocky = detect_from(&[(
            "etc/redhat-release",
            "Rocky Linux release 8.9 (Green Obsidian)\n",
        )])
        .unwrap();
        assert_eq!(
            rocky.osv_ecosystem().map(|e| e.to_string()).as_deref(),
            Some("Rocky Linux:8")
        );
        let amazon =
            detect_from(&[("etc/system-release", "Amazon Linux release 2 (Karoo)\n")]).unwrap();
        assert_eq!(
            (amazon.family, amazon.version.as_str()),
            (OsFamily::Amazon, "2")
        );
        let ubuntu = detect_from(&[(
            "etc/lsb-release",
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\nDISTRIB_DESCRIPTION=\"Ubuntu 20.04.6 LTS\"\n",
        )])
        .unwrap();
        assert_eq!(
            ubuntu.osv_ecosystem().map(|e| e.to_string()).as_deref(),
            Some("Ubuntu:20.04:LTS")
        );
    }

    #[test]
    fn os_release_wins_over_older_files() {
        let os = detect_from(&[
            (
                "etc/os-release",
                "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION=\"24.04 LTS (Noble Numbat)\"\n",
            ),
            ("etc/debian_version", "trixie/sid\n"),
        ])
        .unwrap();
        assert_eq!(
            os.osv_ecosystem().map(|e| e.to_string()).as_deref(),
            Some("Ubuntu:24.04:LTS")
        );
    }
}
