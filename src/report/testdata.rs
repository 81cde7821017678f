//! Scan results built by hand for the reporters' unit tests: a two-layer
//! Debian image with vulnerable packages, and a misconfiguration in a
//! Dockerfile (no config scanner exists yet, so only a hand-built result
//! can show that every format handles both kinds).

use super::{ReportOptions, ScanResult};
use crate::config::{ConfigFile, FileType};
use crate::ecosystem::{Base, Ecosystem};
use crate::finding::{
    fingerprint, Detail, Finding, Location, Misconfiguration, PackageVulnerability, Status,
    TargetRef,
};
use crate::inventory::os::{Os, OsFamily};
use crate::inventory::{FoundPackage, Inventory, Package, PackageFormat, PackageSet};
use crate::matching::severity::Severity;
use crate::policy::{Gate, Ignored, Outcome, Reported, State, Suppression, SuppressionSource};
use crate::source::{Artifact, ArtifactKind, LayerInfo};

/// 2024-03-01T12:00:00Z and ten seconds later.
pub const OPTIONS: ReportOptions = ReportOptions {
    list_packages: false,
    category: None,
    color: false,
    started_at: 1_709_294_400,
    finished_at: 1_709_294_410,
};

fn package(name: &str, version: &str, source: &str, layer: usize) -> FoundPackage {
    FoundPackage {
        purl: format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
        file: "var/lib/dpkg/status".into(),
        package: Package {
            name: name.into(),
            version: version.into(),
            source_name: source.into(),
            source_version: version.into(),
            arch: Some("amd64".into()),
            licenses: if name == "curl" {
                vec!["curl".into()]
            } else {
                Vec::new()
            },
            modularity_label: None,
            line: None,
            dev: false,
        },
        layer,
    }
}

/// A vulnerability of package `index` of the sample's one database.
pub fn vulnerability(
    id: &str,
    severity: Severity,
    index: usize,
    fixed: Option<&str>,
    title: &str,
) -> Finding {
    let packages = [
        ("curl", "7.88.1-10+deb12u5", 1),
        ("libssl3", "3.0.11-1~deb12u2", 0),
        ("zlib1g", "1:1.2.13.dfsg-1", 0),
    ];
    let (name, version, layer) = packages[index];
    Finding {
        id: id.into(),
        aliases: vec![format!("DEBIAN-{id}")],
        severity,
        score: (severity == Severity::Critical).then_some(9.8),
        title: title.into(),
        references: vec![format!("https://security-tracker.debian.org/tracker/{id}")],
        target: TargetRef::PackageDb(0),
        location: Location::Package {
            db_path: "var/lib/dpkg/status".into(),
            layer: Some(layer),
            line: None,
        },
        fingerprint: fingerprint(&[id, name, "var/lib/dpkg/status"]),
        detail: Detail::Vulnerability(PackageVulnerability {
            package: index,
            package_name: name.into(),
            purl: format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
            installed_version: version.into(),
            fixed_version: fixed.map(Into::into),
            status: if fixed.is_some() {
                Status::Fixed
            } else {
                Status::Affected
            },
            scoring: Default::default(),
        }),
    }
}

/// A misconfiguration on lines 3–4 of the Dockerfile.
pub fn misconfiguration() -> Finding {
    Finding {
        id: "DS002".into(),
        aliases: vec!["AVD-DS-0002".into()],
        severity: Severity::High,
        score: None,
        title: "Image user should not be 'root'".into(),
        references: Vec::new(),
        target: TargetRef::ConfigFile(0),
        location: Location::Lines {
            path: "Dockerfile".into(),
            start_line: 3,
            end_line: 4,
        },
        fingerprint: fingerprint(&["DS002", "Dockerfile"]),
        detail: Detail::Misconfiguration(Misconfiguration {
            message: "Last USER command in Dockerfile should not be 'root'".into(),
            resolution: "Add 'USER nonroot' after the last RUN".into(),
            snippet: "USER root\nRUN make".into(),
        }),
    }
}

fn gate(failed: bool) -> Gate {
    Gate {
        failed,
        fail_on: Some(Severity::High),
        only_new: false,
        fail_on_kev: false,
        fail_on_epss: None,
        reasons: if failed {
            vec!["3 findings at or above HIGH (1 CRITICAL, 2 HIGH)".into()]
        } else {
            Vec::new()
        },
        exit_code: u8::from(failed),
    }
}

/// The findings every sample has, worst first.
fn findings() -> Vec<Finding> {
    vec![
        vulnerability(
            "CVE-2024-0001",
            Severity::Critical,
            1,
            Some("3.0.13-1~deb12u1"),
            "OpenSSL: buffer overread in `X509` | <script>@alice</script>",
        ),
        vulnerability(
            "CVE-2024-0002",
            Severity::High,
            0,
            None,
            "curl: cookie mix-up",
        ),
        misconfiguration(),
        vulnerability("CVE-2024-0003", Severity::Low, 1, None, "OpenSSL: timing"),
    ]
}

/// The sample scan with the gate failed (`--fail-on HIGH`), one finding
/// ignored by an ignore file, and no baseline.
pub fn sample() -> ScanResult {
    ScanResult {
        artifact: Artifact {
            name: "app.tar".into(),
            reference: Some("registry.example.com/app:1.0".into()),
            kind: ArtifactKind::Image,
            digest: Some(format!("sha256:{}", "ab".repeat(32))),
            layers: vec![
                LayerInfo {
                    diff_id: format!("sha256:{}", "11".repeat(32)),
                    created_by: Some("ADD rootfs.tar /".into()),
                },
                LayerInfo {
                    diff_id: format!("sha256:{}", "22".repeat(32)),
                    created_by: Some("RUN apt-get install -y curl".into()),
                },
            ],
        },
        inventory: Inventory {
            os: Some(Os::new(OsFamily::Debian, "12")),
            package_dbs: vec![PackageSet {
                format: PackageFormat::Deb,
                ecosystems: vec![Ecosystem::new(Base::Debian, Some("12"))],
                path: "var/lib/dpkg/status".into(),
                packages: vec![
                    package("curl", "7.88.1-10+deb12u5", "curl", 1),
                    package("libssl3", "3.0.11-1~deb12u2", "openssl", 0),
                    package("zlib1g", "1:1.2.13.dfsg-1", "zlib", 0),
                ],
            }],
        },
        config_files: vec![ConfigFile {
            path: "Dockerfile".into(),
            file_type: FileType::Dockerfile,
        }],
        secret_files: Vec::new(),
        secrets_scanned: false,
        vulnerabilities_scanned: true,
        config_scanned: false,
        dockerfile: None,
        images: Vec::new(),
        outcome: Outcome {
            findings: findings()
                .into_iter()
                .map(|finding| Reported {
                    finding,
                    state: None,
                })
                .collect(),
            ignored: vec![Ignored {
                finding: vulnerability("CVE-2023-9999", Severity::Medium, 2, None, "zlib: old"),
                by: Suppression {
                    source: SuppressionSource::Ignorefile,
                    path: ".trivyignore".into(),
                    rule: "CVE-2023-9999".into(),
                    statement: None,
                },
            }],
            fixed: None,
            gate: gate(true),
        },
    }
}

/// The sample against a baseline: the critical finding is new, the rest
/// existed, and one baseline finding is gone; the gate passed.
pub fn with_baseline() -> ScanResult {
    let mut result = sample();
    for (i, r) in result.outcome.findings.iter_mut().enumerate() {
        r.state = Some(if i == 0 { State::New } else { State::Existing });
    }
    result.outcome.fixed = Some(vec![vulnerability(
        "CVE-2023-1111",
        Severity::High,
        2,
        Some("1:1.2.13.dfsg-2"),
        "zlib: inflate overflow",
    )]);
    result.outcome.gate = gate(false);
    result
}

/// The sample without a gate and without findings' states.
pub fn without_gate() -> ScanResult {
    let mut result = sample();
    result.outcome.gate = Gate {
        failed: false,
        fail_on: None,
        only_new: false,
        fail_on_kev: false,
        fail_on_epss: None,
        reasons: Vec::new(),
        exit_code: 0,
    };
    result
}
