//! Which operating system an image runs, read from the files Trivy reads
//! (os-release and each distribution's own release file, see
//! [`release_files`]), with the family and version Trivy names it by. The
//! OS decides the OSV ecosystems its packages are matched against and the
//! purl namespace and `distro=` qualifier they are named with.

mod redhat_streams;
mod release_files;

use super::Want;
use crate::ecosystem::{Base, Ecosystem};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The files OS detection reads.
pub static WANTS: &[Want] = &[
    Want::File("etc/os-release"),
    Want::File("usr/lib/os-release"),
    Want::File("etc/alpine-release"),
    Want::File("etc/debian_version"),
    Want::File("etc/lsb-release"),
    Want::File("etc/redhat-release"),
    Want::File("etc/centos-release"),
    Want::File("etc/rocky-release"),
    Want::File("etc/almalinux-release"),
    Want::File("etc/oracle-release"),
    Want::File("etc/fedora-release"),
    Want::File("usr/lib/fedora-release"),
    Want::File("etc/system-release"),
    Want::File("usr/lib/system-release"),
    Want::File(release_files::UBUNTU_ADVANTAGE),
    Want::DirEntries(redhat_streams::MANIFEST_DIRS[0]),
    Want::DirEntries(redhat_streams::MANIFEST_DIRS[1]),
];

/// OS families, named as Trivy names them (its `types.OSType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OsFamily {
    #[serde(rename = "alpine")]
    Alpine,
    #[serde(rename = "debian")]
    Debian,
    #[serde(rename = "ubuntu")]
    Ubuntu,
    /// Red Hat Enterprise Linux (and UBI images).
    #[serde(rename = "redhat")]
    Redhat,
    #[serde(rename = "centos")]
    Centos,
    #[serde(rename = "centos-stream")]
    CentosStream,
    #[serde(rename = "rocky")]
    Rocky,
    /// AlmaLinux.
    #[serde(rename = "alma", alias = "almalinux")]
    Alma,
    #[serde(rename = "oracle")]
    Oracle,
    #[serde(rename = "fedora")]
    Fedora,
    #[serde(rename = "amazon")]
    Amazon,
    /// SUSE Linux Enterprise Server.
    #[serde(rename = "sles")]
    Sles,
    /// SUSE Linux Enterprise Micro.
    #[serde(rename = "slem")]
    Slem,
    #[serde(rename = "opensuse-leap")]
    OpensuseLeap,
    #[serde(rename = "opensuse-tumbleweed")]
    OpensuseTumbleweed,
    /// CBL-Mariner, Azure Linux's name up to 2.0.
    #[serde(rename = "cbl-mariner")]
    CblMariner,
    #[serde(rename = "azurelinux")]
    AzureLinux,
    /// VMware Photon OS.
    #[serde(rename = "photon")]
    Photon,
    #[serde(rename = "wolfi")]
    Wolfi,
    #[serde(rename = "chainguard")]
    Chainguard,
}

impl OsFamily {
    /// Trivy's name of the family: what reports show.
    pub fn id(self) -> &'static str {
        match self {
            OsFamily::Alpine => "alpine",
            OsFamily::Debian => "debian",
            OsFamily::Ubuntu => "ubuntu",
            OsFamily::Redhat => "redhat",
            OsFamily::Centos => "centos",
            OsFamily::CentosStream => "centos-stream",
            OsFamily::Rocky => "rocky",
            OsFamily::Alma => "alma",
            OsFamily::Oracle => "oracle",
            OsFamily::Fedora => "fedora",
            OsFamily::Amazon => "amazon",
            OsFamily::Sles => "sles",
            OsFamily::Slem => "slem",
            OsFamily::OpensuseLeap => "opensuse-leap",
            OsFamily::OpensuseTumbleweed => "opensuse-tumbleweed",
            OsFamily::CblMariner => "cbl-mariner",
            OsFamily::AzureLinux => "azurelinux",
            OsFamily::Photon => "photon",
            OsFamily::Wolfi => "wolfi",
            OsFamily::Chainguard => "chainguard",
        }
    }

    /// The purl namespace of its packages: the family, except that every
    /// SUSE product is `suse` and every openSUSE one `opensuse` (Trivy's
    /// `PurlNamespace`).
    pub fn purl_namespace(self) -> &'static str {
        match self {
            OsFamily::Sles | OsFamily::Slem => "suse",
            OsFamily::OpensuseLeap | OsFamily::OpensuseTumbleweed => "opensuse",
            other => other.id(),
        }
    }
}

/// A detected operating system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Os {
    pub family: OsFamily,
    /// The version as Trivy states it (its `Name`): `3.19.1`, `12.5`,
    /// `22.04`, `9.3`, `2 (Karoo)`, `20230201` (Wolfi's build date).
    pub version: String,
    /// Ubuntu with Ubuntu Pro's `esm-infra` enabled: its ESM advisories
    /// (`Ubuntu:Pro:…`) apply as well (Trivy's `extended`).
    #[serde(skip)]
    pub extended: bool,
    /// Red Hat only: the product streams the image's content manifests
    /// name (empty: the release's defaults apply).
    #[serde(skip)]
    pub redhat_streams: Vec<String>,
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
    pub fn new(family: OsFamily, version: &str) -> Os {
        Os {
            family,
            version: version.to_string(),
            extended: false,
            redhat_streams: Vec::new(),
        }
    }

    /// The OSV ecosystems this OS's packages are published under, spelled
    /// as OSV spells them, the main one first (reports name it); empty
    /// where there are no advisories for the OS (CentOS, Fedora) or the
    /// version has no release in OSV's terms (Debian testing). Amazon
    /// Linux, Oracle Linux and Photon OS get the ecosystems their vendors'
    /// feeds are converted into.
    pub fn osv_ecosystems(&self) -> Vec<Ecosystem> {
        let major = self.version.split('.').next().unwrap_or("");
        let numeric = !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit());
        let one = |base, release: Option<&str>| vec![Ecosystem::new(base, release)];
        match self.family {
            OsFamily::Alpine => {
                let mut parts = self.version.split('.');
                let (Some(maj), Some(min)) = (parts.next(), parts.next()) else {
                    return Vec::new();
                };
                let min: String = min.chars().take_while(char::is_ascii_digit).collect();
                if maj.is_empty() || min.is_empty() {
                    return Vec::new();
                }
                one(Base::Alpine, Some(&format!("v{maj}.{min}")))
            }
            OsFamily::Debian if numeric => one(Base::Debian, Some(major)),
            OsFamily::Ubuntu => self.ubuntu_ecosystems(),
            OsFamily::Rocky if numeric => one(Base::RockyLinux, Some(major)),
            OsFamily::Alma if numeric => one(Base::AlmaLinux, Some(major)),
            OsFamily::Redhat => {
                let streams = match self.redhat_streams.is_empty() {
                    true => redhat_streams::defaults(&self.version),
                    false => self.redhat_streams.clone(),
                };
                streams
                    .iter()
                    .map(|s| Ecosystem::new(Base::RedHat, Some(s)))
                    .collect()
            }
            // OSV's SUSE releases are the products' marketing names
            // (os-release's PRETTY_NAME without the vendor).
            OsFamily::Sles if numeric => {
                let name = match self.version.split_once('.') {
                    Some((m, "0")) | Some((m, "")) => m.to_string(),
                    Some((m, sp)) => format!("{m} SP{sp}"),
                    None => self.version.clone(),
                };
                one(Base::Suse, Some(&format!("Linux Enterprise Server {name}")))
            }
            OsFamily::Slem if numeric => one(
                Base::Suse,
                Some(&format!("Linux Enterprise Micro {}", self.version)),
            ),
            OsFamily::OpensuseLeap if numeric => {
                one(Base::OpenSuse, Some(&format!("Leap {}", self.version)))
            }
            OsFamily::OpensuseTumbleweed => one(Base::OpenSuse, Some("Tumbleweed")),
            // CBL-Mariner 2.0 is Azure Linux 2 in OSV.
            OsFamily::CblMariner | OsFamily::AzureLinux if numeric => {
                one(Base::AzureLinux, Some(major))
            }
            // Converted from the vendors' own feeds (`vulndb::vendor`).
            OsFamily::Amazon | OsFamily::Oracle | OsFamily::Photon => {
                let base = match self.family {
                    OsFamily::Amazon => Base::AmazonLinux,
                    OsFamily::Oracle => Base::OracleLinux,
                    _ => Base::PhotonOs,
                };
                crate::ecosystem::release_of(base, &self.version)
                    .map(|r| one(base, Some(&r)))
                    .unwrap_or_default()
            }
            OsFamily::Wolfi => one(Base::Wolfi, None),
            OsFamily::Chainguard => one(Base::Chainguard, None),
            _ => Vec::new(),
        }
    }

    /// `Ubuntu:22.04:LTS` (LTS releases are the even years' April ones),
    /// plus `Ubuntu:Pro:22.04:LTS` when ESM is on.
    fn ubuntu_ecosystems(&self) -> Vec<Ecosystem> {
        let v = self.version.as_str();
        let Some((year, month)) = v.split_once('.') else {
            return Vec::new();
        };
        let Ok(year) = year.parse::<u32>() else {
            return Vec::new();
        };
        if month != "04" || year % 2 != 0 {
            return vec![Ecosystem::new(Base::Ubuntu, Some(v))];
        }
        let mut ecosystems = vec![Ecosystem::new(Base::Ubuntu, Some(&format!("{v}:LTS")))];
        if self.extended {
            ecosystems.push(Ecosystem::new(Base::Ubuntu, Some(&format!("Pro:{v}:LTS"))));
        }
        ecosystems
    }
}

/// Reads what the OS detection needs from an image or tree.
pub trait OsFiles {
    /// The final content of a path (after layers and symlinks), if present.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// The regular files directly in a directory, as (path, content).
    fn dir(&self, dir: &'static str) -> Vec<(String, Vec<u8>)>;
}

/// Detects the OS from the image's files: each release file as Trivy's
/// analyzer for it reads it, their results combined as Trivy combines
/// them. `None` when no file names a family.
pub fn detect(files: &dyn OsFiles) -> Option<Os> {
    let mut found = None;
    for (path, reader) in release_files::READERS {
        if let Some(f) = files
            .read(path)
            .and_then(|c| reader(&String::from_utf8_lossy(&c)))
        {
            release_files::merge(&mut found, f);
        }
    }
    if found.is_none() {
        found = ["etc/os-release", "usr/lib/os-release"]
            .iter()
            .find_map(|p| files.read(p))
            .and_then(|c| release_files::os_release_fallback(&String::from_utf8_lossy(&c)));
    }
    let found = found?;
    let mut os = Os::new(found.family?, &found.version);
    os.extended = found.extended && os.family == OsFamily::Ubuntu;
    if os.family == OsFamily::Redhat {
        let sets: Vec<String> = redhat_streams::MANIFEST_DIRS
            .iter()
            .flat_map(|d| files.dir(d))
            .filter(|(path, _)| path.ends_with(".json"))
            .flat_map(|(path, content)| redhat_streams::content_sets(&path, &content))
            .collect();
        os.redhat_streams = redhat_streams::from_content_sets(&sets);
    }
    Some(os)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Files(HashMap<&'static str, &'static str>);

    impl OsFiles for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0.get(path).map(|c| c.as_bytes().to_vec())
        }
        fn dir(&self, dir: &'static str) -> Vec<(String, Vec<u8>)> {
            self.0
                .iter()
                .filter(|(p, _)| p.rsplit_once('/').is_some_and(|(d, _)| d == dir))
                .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
                .collect()
        }
    }

    fn detect_from(files: &[(&'static str, &'static str)]) -> Option<Os> {
        detect(&Files(files.iter().copied().collect()))
    }

    fn ecosystems(files: &[(&'static str, &'static str)]) -> Vec<String> {
        detect_from(files)
            .map(|os| os.osv_ecosystems())
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Each case as Trivy 0.76 reports it (`Metadata.OS` of
    /// `trivy image --input`, on an image holding just these files).
    #[test]
    fn family_and_version_equal_trivys() {
        let cases: &[Case<&str>] = &[
            (
                &[
                    ("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                    ("etc/debian_version", "12.5\n"),
                ],
                "debian 12.5",
            ),
            (
                &[
                    ("etc/os-release", "ID=debian\n"),
                    ("etc/debian_version", "trixie/sid\n"),
                ],
                "debian trixie/sid",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"centos\"\nVERSION_ID=\"7\"\n"),
                    (
                        "etc/centos-release",
                        "CentOS Linux release 7.9.2009 (Core)\n",
                    ),
                    (
                        "etc/redhat-release",
                        "CentOS Linux release 7.9.2009 (Core)\n",
                    ),
                ],
                "centos 7.9.2009",
            ),
            (
                &[
                    (
                        "etc/os-release",
                        "NAME=\"CentOS Stream\"\nID=\"centos\"\nVERSION_ID=\"9\"\n",
                    ),
                    ("etc/centos-release", "CentOS Stream release 9\n"),
                    ("etc/redhat-release", "CentOS Stream release 9\n"),
                ],
                "centos-stream 9",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n"),
                    ("etc/rocky-release", "Rocky Linux release 9.4 (Blue Onyx)\n"),
                ],
                "rocky 9.3",
            ),
            (
                &[(
                    "etc/redhat-release",
                    "Rocky Linux release 8.9 (Green Obsidian)\n",
                )],
                "rocky 8.9",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n"),
                    (
                        "etc/almalinux-release",
                        "AlmaLinux release 9.3 (Shamrock Pampas Cat)\n",
                    ),
                ],
                "alma 9.3",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"8.9\"\n"),
                    (
                        "etc/redhat-release",
                        "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
                    ),
                ],
                "redhat 8.9",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"ol\"\nVERSION_ID=\"8.9\"\n"),
                    ("etc/oracle-release", "Oracle Linux Server release 8.9\n"),
                    (
                        "etc/redhat-release",
                        "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
                    ),
                ],
                "oracle 8.9",
            ),
            (
                &[
                    ("etc/os-release", "ID=fedora\nVERSION_ID=39\n"),
                    ("etc/fedora-release", "Fedora release 39 (Thirty Nine)\n"),
                ],
                "fedora 39",
            ),
            (
                &[
                    ("etc/os-release", "ID=\"amzn\"\nVERSION_ID=\"2\"\n"),
                    ("etc/system-release", "Amazon Linux release 2 (Karoo)\n"),
                ],
                "amazon 2 (Karoo)",
            ),
            (
                &[(
                    "usr/lib/system-release",
                    "Amazon Linux release 2023.3.20240131 (Amazon Linux)\n",
                )],
                "amazon 2023.3.20240131 (Amazon Linux)",
            ),
            (
                &[(
                    "usr/lib/os-release",
                    "NAME=\"SLES\"\nVERSION_ID=\"15.5\"\nID=\"sles\"\n",
                )],
                "sles 15.5",
            ),
            (
                &[(
                    "usr/lib/os-release",
                    "ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n",
                )],
                "opensuse-leap 15.5",
            ),
            (
                &[(
                    "usr/lib/os-release",
                    "ID=\"opensuse-tumbleweed\"\nVERSION_ID=\"20240101\"\n",
                )],
                "opensuse-tumbleweed 20240101",
            ),
            (
                &[("etc/os-release", "ID=mariner\nVERSION_ID=\"2.0\"\n")],
                "cbl-mariner 2.0",
            ),
            (
                &[("etc/os-release", "ID=azurelinux\nVERSION_ID=\"3.0\"\n")],
                "azurelinux 3.0",
            ),
            (
                &[("etc/os-release", "ID=photon\nVERSION_ID=5.0\n")],
                "photon 5.0",
            ),
            (
                &[("etc/os-release", "ID=wolfi\nVERSION_ID=20230201\n")],
                "wolfi 20230201",
            ),
            (
                &[("etc/os-release", "ID=chainguard\nVERSION_ID=20230214\n")],
                "chainguard 20230214",
            ),
            (
                &[
                    ("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
                    ("etc/alpine-release", "3.19.0\n"),
                ],
                "alpine 3.19.0",
            ),
            (
                &[
                    ("etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n"),
                    ("etc/debian_version", "bookworm/sid\n"),
                ],
                "debian bookworm/sid",
            ),
            (
                &[
                    (
                        "etc/lsb-release",
                        "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\n",
                    ),
                    ("etc/debian_version", "bullseye/sid\n"),
                ],
                "ubuntu 20.04",
            ),
        ];
        for (files, want) in cases {
            let got = detect_from(files).map(|os| os.to_string());
            assert_eq!(got.as_deref(), Some(*want), "{files:?}");
        }
    }

    #[test]
    fn what_trivy_does_not_detect_is_not_detected() {
        // Trivy reads no SuSE-release, no versionless os-release and no
        // unknown IDs (a derivative's packages are not its parent's).
        for files in [
            &[("etc/os-release", "ID=rocky\n")][..],
            &[(
                "etc/SuSE-release",
                "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\n",
            )],
            &[(
                "etc/os-release",
                "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
            )],
        ] {
            assert_eq!(detect_from(files), None, "{files:?}");
        }
    }

    #[test]
    fn os_release_names_debian_ubuntu_and_amazon_only_without_their_own_files() {
        let alone =
            |osr: &'static str| detect_from(&[("etc/os-release", osr)]).map(|o| o.to_string());
        assert_eq!(
            alone("ID=debian\nVERSION_ID=\"12\"\n").as_deref(),
            Some("debian 12")
        );
        assert_eq!(
            alone("ID=ubuntu\nVERSION_ID=\"24.04\"\n").as_deref(),
            Some("ubuntu 24.04")
        );
        assert_eq!(
            alone("ID=\"amzn\"\nVERSION_ID=\"2023\"\n").as_deref(),
            Some("amazon 2023")
        );
        let with_own = detect_from(&[
            ("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            ("etc/debian_version", "12.7\n"),
        ]);
        assert_eq!(
            with_own.map(|o| o.to_string()).as_deref(),
            Some("debian 12.7")
        );
    }

    /// Release files, and what is expected of them.
    type Case<'a, T> = (&'a [(&'static str, &'static str)], T);

    #[test]
    fn osv_ecosystems_of_each_family() {
        let cases: &[Case<&[&str]>] = &[
            (
                &[("etc/alpine-release", "3.21.0_alpha20240807\n")],
                &["Alpine:v3.21"],
            ),
            (&[("etc/debian_version", "12.5\n")], &["Debian:12"]),
            (&[("etc/debian_version", "trixie/sid\n")], &[]),
            (
                &[(
                    "etc/lsb-release",
                    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n",
                )],
                &["Ubuntu:22.04:LTS"],
            ),
            (
                &[(
                    "etc/lsb-release",
                    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=23.10\n",
                )],
                &["Ubuntu:23.10"],
            ),
            (
                &[
                    (
                        "etc/lsb-release",
                        "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\n",
                    ),
                    (
                        "var/lib/ubuntu-advantage/status.json",
                        r#"{"services":[{"name":"esm-infra","status":"enabled"}]}"#,
                    ),
                ],
                &["Ubuntu:18.04:LTS", "Ubuntu:Pro:18.04:LTS"],
            ),
            (
                &[("etc/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n")],
                &["Rocky Linux:9"],
            ),
            (
                &[("etc/os-release", "ID=\"almalinux\"\nVERSION_ID=\"8.9\"\n")],
                &["AlmaLinux:8"],
            ),
            (
                &[("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n")],
                &[
                    "Red Hat:enterprise_linux:9::appstream",
                    "Red Hat:enterprise_linux:9::baseos",
                ],
            ),
            (
                &[
                    ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"8.6\"\n"),
                    (
                        "root/buildinfo/content_manifests/ubi8-container-8.6-754.json",
                        r#"{"metadata":{"icm_version":1},"content_sets":["rhel-8-for-x86_64-baseos-eus-rpms__8_DOT_6","rhel-8-for-x86_64-appstream-eus-rpms__8_DOT_6"]}"#,
                    ),
                ],
                &[
                    "Red Hat:rhel_eus:8.6::appstream",
                    "Red Hat:rhel_eus:8.6::baseos",
                ],
            ),
            (
                &[("etc/os-release", "ID=\"sles\"\nVERSION_ID=\"15.5\"\n")],
                &["SUSE:Linux Enterprise Server 15 SP5"],
            ),
            (
                &[("etc/os-release", "ID=\"sles\"\nVERSION_ID=\"15\"\n")],
                &["SUSE:Linux Enterprise Server 15"],
            ),
            (
                &[("etc/os-release", "ID=\"sle-micro\"\nVERSION_ID=\"5.5\"\n")],
                &["SUSE:Linux Enterprise Micro 5.5"],
            ),
            (
                &[(
                    "etc/os-release",
                    "ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n",
                )],
                &["openSUSE:Leap 15.5"],
            ),
            (
                &[(
                    "etc/os-release",
                    "ID=\"opensuse-tumbleweed\"\nVERSION_ID=\"20240101\"\n",
                )],
                &["openSUSE:Tumbleweed"],
            ),
            (
                &[("etc/os-release", "ID=mariner\nVERSION_ID=\"2.0\"\n")],
                &["Azure Linux:2"],
            ),
            (
                &[("etc/os-release", "ID=azurelinux\nVERSION_ID=\"3.0\"\n")],
                &["Azure Linux:3"],
            ),
            (
                &[("etc/os-release", "ID=wolfi\nVERSION_ID=20230201\n")],
                &["Wolfi"],
            ),
            (
                &[("etc/os-release", "ID=chainguard\nVERSION_ID=20230214\n")],
                &["Chainguard"],
            ),
            // No advisories anywhere.
            (
                &[("etc/os-release", "ID=\"centos\"\nVERSION_ID=\"7\"\n")],
                &[],
            ),
            // The vendors' own feeds, converted.
            (
                &[("etc/os-release", "ID=photon\nVERSION_ID=5.0\n")],
                &["Photon OS:5.0"],
            ),
            (
                &[("etc/system-release", "Amazon Linux release 2 (Karoo)\n")],
                &["Amazon Linux:2"],
            ),
            (
                &[("etc/os-release", "ID=\"ol\"\nVERSION_ID=\"8.9\"\n")],
                &["Oracle Linux:8"],
            ),
        ];
        for (files, want) in cases {
            assert_eq!(ecosystems(files), *want, "{files:?}");
        }
    }
}
