//! End to end: Red Hat's CSAF VEX files give a UBI 9 image the CVEs Red
//! Hat has not fixed, with Red Hat's state (`will_not_fix`,
//! `fix_deferred`, `end_of_life`, `affected`), as Trivy reports them; OSV's
//! Red Hat records (RHSAs) only know fixed CVEs. `--ignore-unfixed` drops
//! them, `--ignore-status` the listed states; JSON and SARIF say the state.
//!
//! The VEX documents are written here in the shape Red Hat publishes
//! (CSAF 2.0, https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html:
//! `product_tree` branches and `relationships` §3.2.2, `product_status`
//! §3.2.3.9, `remediations` §3.2.3.12, `threats` §3.2.3.13), following
//! Red Hat's own file for CVE-2023-5344
//! (`https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-5344.json`,
//! mirrored at `aquasecurity/vuln-list-redhat` `csaf-vex/2023/cve-2023-5344.json`,
//! commit 1c9cc12dae89ac09eaa1c762619ca719444c3dba): products
//! `red_hat_enterprise_linux_N` carrying the release's CPE, packages as
//! `product_version` branches carrying a purl, joined by
//! `default_component_of` relationships whose product ids the
//! remediations list; module streams as trivy-db's test data
//! (`aquasecurity/trivy-db` `pkg/vulnsrc/redhat-csaf`) has them, a
//! `pkg:rpmmod` product between package and release. Served by a loopback
//! stub to `db update`, or given to `db import`.

#[path = "support/rpmdb.rs"]
mod rpmdb;
mod vulnsupport;

use rpmdb::{rpmdb_sqlite, RpmPackage};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use vulnsupport::*;

/// A UBI 9 root: rpmdb.sqlite, os-release and a content manifest naming
/// the BaseOS and AppStream repositories.
fn ubi9_root(sb: &Sandbox) -> PathBuf {
    let packages = [
        RpmPackage::new("openssl-libs", "3.0.7", "24.el9", "x86_64")
            .epoch(1)
            .source_rpm("openssl-3.0.7-24.el9.src.rpm"),
        RpmPackage::new("vim-minimal", "8.2.2637", "20.el9_1", "x86_64")
            .epoch(2)
            .source_rpm("vim-8.2.2637-20.el9_1.src.rpm"),
        RpmPackage::new("less", "590", "2.el9_2", "x86_64"),
        RpmPackage::new("libcurl-minimal", "7.76.1", "26.el9_3.2", "x86_64")
            .source_rpm("curl-7.76.1-26.el9_3.2.src.rpm"),
        RpmPackage::new(
            "nodejs",
            "18.14.2",
            "2.module+el9.2.0+18113+9c1b8b4e",
            "x86_64",
        )
        .epoch(1)
        .modularity_label("nodejs:18:9020020230306:9c1b8b4e"),
    ];
    let manifest = json!({
        "metadata": {"icm_version": 1, "image_layer_index": 1},
        "content_sets": ["rhel-9-for-x86_64-baseos-rpms", "rhel-9-for-x86_64-appstream-rpms"],
        "image_contents": [],
    });
    let root = sb.path("root");
    for (rel, content) in [
        (
            "etc/os-release",
            b"ID=\"rhel\"\nVERSION_ID=\"9.2\"\n".to_vec(),
        ),
        (
            "etc/redhat-release",
            b"Red Hat Enterprise Linux release 9.2 (Plow)\n".to_vec(),
        ),
        ("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite(&packages)),
        (
            "root/buildinfo/content_manifests/ubi9-container-9.2-489.json",
            manifest.to_string().into_bytes(),
        ),
    ] {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    root
}

/// The RHSA OSV has for openssl, in both streams (so the database holds
/// the image's Red Hat ecosystems).
fn rhsa() -> Value {
    let events = fixed_in("1:3.0.7-27.el9");
    let affected: Vec<Value> = [
        "enterprise_linux:9::appstream",
        "enterprise_linux:9::baseos",
    ]
    .iter()
    .map(|s| {
        json!({"package": {"ecosystem": format!("Red Hat:{s}"), "name": "openssl-libs"},
                   "ranges": [{"type": "ECOSYSTEM", "events": events}]})
    })
    .collect();
    let mut record = osv(
        "RHSA-2024:2447",
        "Red Hat:unused",
        "openssl-libs",
        events.clone(),
    );
    record["affected"] = Value::Array(affected);
    record["upstream"] = json!(["CVE-2023-5678"]);
    record
}

/// One product of the tree: a release (with its CPE) or a package (with
/// its purl).
fn product(id: &str, helper: Value) -> Value {
    json!({"category": "product_version", "name": id,
           "product": {"name": id, "product_id": id, "product_identification_helper": helper}})
}

fn component(package: &str, of: &str) -> Value {
    json!({"category": "default_component_of",
           "full_product_name": {"name": format!("{package} as a component of {of}"),
                                 "product_id": format!("{of}:{package}")},
           "product_reference": package, "relates_to_product_reference": of})
}

/// A VEX document for `cve`: `products` (id, helper) in the tree,
/// `relationships`, and `remediations` (category, details, product ids),
/// every listed product known_affected and of `impact`.
fn vex(
    cve: &str,
    title: &str,
    impact: &str,
    products: &[(&str, Value)],
    relationships: &[Value],
    remediations: &[(&str, &str, &[&str])],
) -> Value {
    let ids: Vec<&str> = remediations
        .iter()
        .flat_map(|(_, _, ids)| ids.iter().copied())
        .collect();
    let mut branches = vec![
        json!({"category": "product_family", "name": "Red Hat Enterprise Linux 8", "branches": [{
            "category": "product_name", "name": "Red Hat Enterprise Linux 8",
            "product": {"name": "Red Hat Enterprise Linux 8", "product_id": "red_hat_enterprise_linux_8",
                        "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:8"}}}]}),
        json!({"category": "product_family", "name": "Red Hat Enterprise Linux 9", "branches": [{
            "category": "product_name", "name": "Red Hat Enterprise Linux 9",
            "product": {"name": "Red Hat Enterprise Linux 9", "product_id": "red_hat_enterprise_linux_9",
                        "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:9"}}}]}),
        product(
            "BaseOS-9.2.0.Z.MAIN",
            json!({"cpe": "cpe:/o:redhat:enterprise_linux:9::baseos"}),
        ),
    ];
    branches.extend(
        products
            .iter()
            .map(|(id, helper)| product(id, helper.clone())),
    );
    json!({
        "document": {
            "aggregate_severity": {"namespace": "https://access.redhat.com/security/updates/classification/", "text": impact},
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Red Hat Product Security", "namespace": "https://www.redhat.com"},
            "title": title,
            "tracking": {"id": cve, "status": "final", "version": "1",
                         "initial_release_date": "2024-01-01T00:00:00+00:00",
                         "current_release_date": "2024-06-01T00:00:00+00:00"}
        },
        "product_tree": {
            "branches": [{"category": "vendor", "name": "Red Hat", "branches": branches}],
            "relationships": relationships,
        },
        "vulnerabilities": [{
            "cve": cve,
            "title": title,
            "product_status": {"known_affected": ids},
            "remediations": remediations.iter().map(|(category, details, ids)| {
                json!({"category": category, "details": details, "product_ids": ids})
            }).collect::<Vec<_>>(),
            "threats": [{"category": "impact", "details": impact, "product_ids": ids}],
        }]
    })
}

/// vim-minimal: will not fix in RHEL 9 (and out of support in RHEL 8);
/// less: deferred in RHEL 9 BaseOS; nodejs of the nodejs:18 stream
/// affected, npm of nodejs:20 (not installed) too; openssl-libs also
/// listed, but OSV's RHSA already made a (fixed) finding of the CVE.
fn documents() -> Vec<Value> {
    let pkg = |name: &str| json!({"purl": format!("pkg:rpm/redhat/{name}")});
    vec![
        vex(
            "CVE-2023-5344",
            "vim: Heap-based Buffer Overflow in trunc_string()",
            "Low",
            &[
                ("vim", json!({"purl": "pkg:rpm/redhat/vim?arch=src"})),
                ("vim-minimal", pkg("vim-minimal")),
            ],
            &[
                component("vim", "red_hat_enterprise_linux_9"),
                component("vim-minimal", "red_hat_enterprise_linux_8"),
                component("vim-minimal", "red_hat_enterprise_linux_9"),
            ],
            &[
                (
                    "no_fix_planned",
                    "Out of support scope",
                    &["red_hat_enterprise_linux_8:vim-minimal"],
                ),
                (
                    "no_fix_planned",
                    "Will not fix",
                    &[
                        "red_hat_enterprise_linux_9:vim",
                        "red_hat_enterprise_linux_9:vim-minimal",
                    ],
                ),
            ],
        ),
        vex(
            "CVE-2024-32488",
            "less: OS command injection",
            "Important",
            &[("less", pkg("less"))],
            &[component("less", "BaseOS-9.2.0.Z.MAIN")],
            &[("none_available", "Deferred", &["BaseOS-9.2.0.Z.MAIN:less"])],
        ),
        vex(
            "CVE-2024-22025",
            "nodejs: Denial of Service by resource exhaustion in fetch() brotli decoding",
            "Moderate",
            &[
                ("nodejs:18", json!({"purl": "pkg:rpmmod/redhat/nodejs@18"})),
                ("nodejs", pkg("nodejs")),
                (
                    "npm",
                    json!({"purl": "pkg:rpm/redhat/npm?rpmmod=nodejs:20:9040020240301:rhel9"}),
                ),
            ],
            &[
                component("nodejs:18", "red_hat_enterprise_linux_9"),
                component("nodejs", "red_hat_enterprise_linux_9:nodejs:18"),
                component("npm", "red_hat_enterprise_linux_9"),
            ],
            &[(
                "none_available",
                "Affected",
                &[
                    "red_hat_enterprise_linux_9:nodejs:18:nodejs",
                    "red_hat_enterprise_linux_9:npm",
                ],
            )],
        ),
        vex(
            "CVE-2023-5678",
            "openssl: Generating excessively long X9.42 DH keys is slow",
            "Low",
            &[("openssl-libs", pkg("openssl-libs"))],
            &[component("openssl-libs", "red_hat_enterprise_linux_9")],
            &[(
                "none_available",
                "Affected",
                &["red_hat_enterprise_linux_9:openssl-libs"],
            )],
        ),
    ]
}

/// Red Hat's archive: every document under its year, zstd-compressed.
fn archive(docs: &[Value]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for doc in docs {
        let cve = doc["vulnerabilities"][0]["cve"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        let bytes = serde_json::to_vec_pretty(doc).unwrap();
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        let name = format!("{}/{cve}.json", &cve[4..8]);
        builder.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    zstd::encode_all(&builder.into_inner().unwrap()[..], 3).unwrap()
}

fn states(report: &Value) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = vulns(report)
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("package_name"), s("id"), s("status"), s("severity"))
        })
        .collect();
    v.sort();
    v
}

fn four(p: &str, id: &str, status: &str, severity: &str) -> (String, String, String, String) {
    (p.into(), id.into(), status.into(), severity.into())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn unfixed_red_hat_cves_show_with_red_hats_state() {
    let sb = Sandbox::new();
    sb.import(&[rhsa()]);
    let root = ubi9_root(&sb);
    let fixed_only = [four("openssl-libs", "CVE-2023-5678", "fixed", "")];
    let before: Vec<_> = states(&sb.scan_json(&root, &["--offline"]))
        .into_iter()
        .map(|(p, id, st, _)| (p, id, st, String::new()))
        .collect();
    assert_eq!(before, fixed_only, "OSV alone knows only the fixed CVE");

    // One document on its own, then the archive of all of them.
    let doc = write(
        &sb.path(""),
        "cve-2023-5344.json",
        &serde_json::to_vec_pretty(&documents()[0]).unwrap(),
    );
    let (out, _) = sb.run_ok(["db".as_ref(), "import".as_ref(), doc.as_os_str()]);
    assert!(
        String::from_utf8_lossy(&out).contains("3 Red Hat VEX records"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let tar = write(
        &sb.path(""),
        "csaf_vex_2026-12-01.tar.zst",
        &archive(&documents()),
    );
    let (out, _) = sb.run_ok(["db".as_ref(), "import".as_ref(), tar.as_os_str()]);
    assert!(
        String::from_utf8_lossy(&out).contains("7 Red Hat VEX records"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    let report = sb.scan_json(&root, &["--offline"]);
    let mut found = states(&report);
    for f in &mut found {
        if f.2 == "fixed" {
            f.3.clear();
        }
    }
    assert_eq!(
        found,
        [
            four("less", "CVE-2024-32488", "fix_deferred", "HIGH"),
            four("nodejs", "CVE-2024-22025", "affected", "MEDIUM"),
            four("openssl-libs", "CVE-2023-5678", "fixed", ""),
            four("vim-minimal", "CVE-2023-5344", "will_not_fix", "LOW"),
        ]
    );
    let vim = vulns(&report)
        .into_iter()
        .find(|v| v["package_name"] == "vim-minimal")
        .unwrap();
    assert_eq!(vim["installed_version"], "2:8.2.2637-20.el9_1");
    assert_eq!(vim["fixed_version"], Value::Null);
    assert_eq!(
        vim["title"],
        "vim: Heap-based Buffer Overflow in trunc_string()"
    );

    let unfixed = states(&sb.scan_json(&root, &["--offline", "--ignore-unfixed"]));
    assert_eq!(unfixed.len(), 1, "{unfixed:?}");
    assert_eq!(unfixed[0].2, "fixed");
    let some = states(&sb.scan_json(
        &root,
        &["--offline", "--ignore-status", "will_not_fix,fix_deferred"],
    ));
    let ids: Vec<&str> = some.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(ids, ["CVE-2024-22025", "CVE-2023-5678"]);

    // SARIF says the state in the message and a property.
    let sarif = sb.fs_report(&root, "sarif", &["--offline"]);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CVE-2023-5344")
        .unwrap()
        .clone();
    assert_eq!(result["properties"]["status"], "will_not_fix");
    let text = result["message"]["text"].as_str().unwrap();
    assert!(text.contains("will not fix it (will_not_fix)"), "{text}");
}

#[test]
fn db_update_fetches_red_hats_latest_archive() {
    let stub = Stub::start();
    let name = "csaf_vex_2026-12-01.tar.zst";
    stub.serve(
        "/vex/archive_latest.txt",
        Reply::Export {
            body: format!("{name}\n").into_bytes(),
            etag: "\"l1\"".into(),
        },
    );
    stub.serve(
        &format!("/vex/{name}"),
        Reply::Export {
            body: archive(&documents()),
            etag: "\"a1\"".into(),
        },
    );
    let sb = Sandbox::new();
    let url = format!("{}/vex", stub.url);
    let (stdout, _) = sb.run_ok(["db", "update", "--redhat-vex", "--redhat-vex-url", &url]);
    let stdout = String::from_utf8_lossy(&stdout);
    assert!(
        stdout.contains("Red Hat VEX: updated, 7 records"),
        "{stdout}"
    );
    sb.import(&[rhsa()]);
    let found = states(&sb.scan_json(&ubi9_root(&sb), &["--offline"]));
    assert!(
        found
            .iter()
            .any(|f| f.1 == "CVE-2023-5344" && f.2 == "will_not_fix"),
        "{found:?}"
    );

    // The variable names the URL too; a latest file that names no archive
    // is one error naming it.
    stub.serve(
        "/bad/archive_latest.txt",
        Reply::Export {
            body: b"../../etc/passwd".to_vec(),
            etag: "\"b\"".into(),
        },
    );
    let out = Sandbox::new()
        .cmd()
        .env("SCANGATE_REDHAT_VEX_URL", format!("{}/bad", stub.url))
        .args(["db", "update", "--redhat-vex"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/bad/archive_latest.txt"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{err}"
    );
}

/// Red Hat's own files (`tests/data/redhat-vex`, see its README): vim's
/// source package "Will not fix" in RHEL 9 and curl's "Fix deferred"
/// reach the binary packages built from them (`vim-minimal`,
/// `libcurl-minimal`); the RHEL 6/7/8/10 and non-RHEL products do not
/// apply to a RHEL 9 image.
#[test]
fn red_hats_published_documents_apply_through_the_source_package() {
    let sb = Sandbox::new();
    sb.import(&[rhsa()]);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/redhat-vex");
    let (out, _) = sb.run_ok([
        "db".as_ref(),
        "import".as_ref(),
        data.join("cve-2023-5344.json").as_os_str(),
        data.join("cve-2025-0725.json").as_os_str(),
    ]);
    let out = String::from_utf8_lossy(&out);
    // vim: RHEL 6-9; curl: RHEL 6-10 and JBoss Core Services; s390utils:
    // RHEL 10; the OpenShift image is not an rpm.
    assert!(
        out.contains("cve-2023-5344.json: 4 Red Hat VEX records"),
        "{out}"
    );
    assert!(
        out.contains("cve-2025-0725.json: 7 Red Hat VEX records"),
        "{out}"
    );
    let report = sb.scan_json(&ubi9_root(&sb), &["--offline"]);
    let found: Vec<_> = states(&report)
        .into_iter()
        .filter(|f| f.2 != "fixed")
        .collect();
    assert_eq!(
        found,
        [
            four("libcurl-minimal", "CVE-2025-0725", "fix_deferred", "LOW"),
            four("vim-minimal", "CVE-2023-5344", "will_not_fix", "LOW"),
        ]
    );
    let curl = vulns(&report)
        .into_iter()
        .find(|v| v["id"] == "CVE-2025-0725")
        .unwrap();
    assert_eq!(
        curl["title"],
        "libcurl: Buffer Overflow in libcurl via zlib Integer Overflow"
    );
}
