//! `scangate manifests` end to end against a real registry (Debian's
//! `docker-registry` on loopback, filled with `skopeo`; skipped with a
//! note when not installed, required in CI): images by tag and by digest,
//! an init container, a CronJob, a Kustomize override, the exit codes, the
//! SARIF lines, shared base layers analysed once, and the registry going
//! away in the middle of the run.

mod regsupport;
mod vulnsupport;

use regsupport::TestRegistry;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

/// The base layer every image shares: Debian 12 with an old libssl3.
fn base() -> Layer {
    Layer::new()
        .file(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .file(
            "var/lib/dpkg/status",
            dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
        )
        .gzip()
}

/// An image on the shared base adding package `extra` (version 1.0-1).
fn image(extra: &str) -> ImageBuilder {
    let status = format!(
        "{}\n{}",
        dpkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")),
        dpkg(extra, "1.0-1", None)
    );
    ImageBuilder::new()
        .layer(base())
        .layer(Layer::new().file("var/lib/dpkg/status", status).gzip())
}

/// Pushes `img` as `repo:tag`; returns its manifest digest.
fn push(registry: &TestRegistry, dir: &Path, img: &ImageBuilder, repo_tag: &str) -> String {
    let layout = dir.join(repo_tag.replace([':', '/'], "_"));
    img.oci_layout(&layout);
    registry.push_layout(&layout, repo_tag);
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// CVE-2024-0001 in openssl (every image, CRITICAL, unfixed); CVE-2024-0009
/// in `web2thing` (only web:2, fixed).
fn advisories() -> Vec<Value> {
    vec![
        with(
            osv("CVE-2024-0001", "Debian:12", "openssl", unfixed()),
            "severity",
            json!([{ "type": "CVSS_V3", "score": CRITICAL }]),
        ),
        osv("CVE-2024-0009", "Debian:12", "web2thing", fixed_in("1.0-2")),
    ]
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The manifest tree: a Kustomize base (init container + web:1) whose
/// overlay moves web to tag 2, a CronJob pinned by digest, a Pod with an
/// unsubstituted variable.
fn manifests(root: &Path, host: &str, job_digest: &str) {
    write(
        root,
        "apps/base/deploy.yaml",
        &format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: {host}/team/init:1
      containers:
        - name: web
          image: {host}/team/web:1
"
        ),
    );
    write(
        root,
        "apps/base/kustomization.yaml",
        "resources:\n  - deploy.yaml\n",
    );
    write(
        root,
        "apps/prod/kustomization.yaml",
        &format!(
            "resources:\n  - ../base\nimages:\n  - name: {host}/team/web\n    newTag: \"2\"\n"
        ),
    );
    write(
        root,
        "apps/cron.yaml",
        &format!(
            "apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
              image: {host}/team/job@{job_digest}
"
        ),
    );
    write(
        root,
        "apps/pending.yaml",
        &format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: p\n      image: {host}/team/web:${{TAG}}\n"),
    );
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `scangate ARGS` in a working directory outside the manifest tree:
/// paths are relative to the tree.
fn run(sb: &Sandbox, args: &[&str]) -> Out {
    let cwd = sb.path("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    run_in(sb, &cwd, args)
}

/// `scangate ARGS` in the working directory `cwd`.
fn run_in(sb: &Sandbox, cwd: &Path, args: &[&str]) -> Out {
    let out = sb
        .cmd()
        .current_dir(cwd)
        .env("DOCKER_CONFIG", sb.path("no-docker-config"))
        .env_remove("GITHUB_TOKEN")
        .env_remove("CI_REGISTRY")
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn every_deployed_image_is_scanned_once_and_reported_on_its_manifest_line() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let sb = Sandbox::new();
    sb.import(&advisories());
    let host = registry.host.clone();
    let dir = sb.path("images");
    let web2 = push(&registry, &dir, &image("web2thing"), "team/web:2");
    push(&registry, &dir, &image("initthing"), "team/init:1");
    let job = push(&registry, &dir, &image("jobthing"), "team/job:1");
    let root = sb.path("repo");
    manifests(&root, &host, &job);
    let apps = root.join("apps");
    let apps = apps.to_str().unwrap();

    let out = run(
        &sb,
        &[
            "-v",
            "manifests",
            apps,
            "--insecure",
            "--offline",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One warning for the variable; the base's web:1 is never pulled (the
    // overlay moves it to :2).
    assert!(
        out.stderr.contains(&format!(
            "pending.yaml:8: Pod//p/p: image \"{host}/team/web:${{TAG}}\" holds a variable"
        )),
        "{}",
        out.stderr
    );
    // Three images, one shared base: four layers analysed, not six.
    assert!(out.stderr.contains("pulled 3 images"), "{}", out.stderr);
    assert!(
        out.stderr.contains("4 layers analysed (downloaded)"),
        "{}",
        out.stderr
    );
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "scangate/manifests/");
    let mut placed: Vec<String> = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {}:{} {}",
                r["ruleId"].as_str().unwrap(),
                loc["artifactLocation"]["uri"].as_str().unwrap(),
                loc["region"]["startLine"],
                r["properties"]["image"].as_str().unwrap()
            )
        })
        .collect();
    placed.sort();
    assert_eq!(
        placed,
        [
            format!("CVE-2024-0001 base/deploy.yaml:10 {host}/team/init:1"),
            format!("CVE-2024-0001 base/deploy.yaml:13 {host}/team/web:2"),
            format!("CVE-2024-0001 cron.yaml:14 {host}/team/job@{job}"),
            format!("CVE-2024-0009 base/deploy.yaml:13 {host}/team/web:2"),
        ]
    );
    let web2_result = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CVE-2024-0009")
        .unwrap();
    assert_eq!(web2_result["properties"]["imageDigest"], web2.as_str());
    let message = web2_result["message"]["text"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("Image {host}/team/web:2@{web2}: web2thing 1.0-1")),
        "{message}"
    );

    // The gate: any CRITICAL fails with --exit-code; --strict makes the
    // unresolved variable exit 3; a fresh cache still analyses the base
    // once, from the persistent cache the second time.
    // Run at the repository's root, paths are the repository's.
    let gate = run_in(
        &sb,
        &root,
        &[
            "manifests",
            "apps",
            "--insecure",
            "--offline",
            "--severity",
            "CRITICAL",
            "--exit-code",
            "7",
            "--format",
            "json",
        ],
    );
    assert_eq!(gate.code, 7, "{}", gate.stderr);
    let report: Value = serde_json::from_str(&gate.stdout).unwrap();
    let deployed: Vec<Value> = vulns(&report)
        .iter()
        .map(|v| v["deployed"].clone())
        .filter(|d| d["manifest"] == "apps/cron.yaml")
        .collect();
    assert_eq!(
        deployed,
        [
            json!({"image": format!("{host}/team/job@{job}"), "image_digest": job, "manifest": "apps/cron.yaml", "line": 14})
        ]
    );
    let strict = run(
        &sb,
        &["manifests", apps, "--insecure", "--offline", "--strict"],
    );
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains("1 image references cannot be resolved"),
        "{}",
        strict.stderr
    );
    let again = run(&sb, &["-v", "manifests", apps, "--insecure", "--offline"]);
    assert!(
        again
            .stderr
            .contains("0 layers analysed (downloaded), 6 read from the layer cache"),
        "{}",
        again.stderr
    );

    // Config checks of the same manifests in the same pass and report.
    let both = run(
        &sb,
        &[
            "manifests",
            apps,
            "--insecure",
            "--offline",
            "--scanners",
            "vuln,config",
            "--format",
            "json",
        ],
    );
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert!(
        both.stdout.contains("KSV") || both.stdout.contains("\"misconfigurations\""),
        "{}",
        both.stdout
    );

    // An image the registry does not have fails closed.
    write(&root, "apps/missing.yaml", &format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\nspec:\n  containers:\n    - name: m\n      image: {host}/team/nope:1\n"));
    let missing = run(&sb, &["manifests", apps, "--insecure", "--offline"]);
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("team/nope:1 (deployed at missing.yaml:8)"),
        "{}",
        missing.stderr
    );
}

/// The same gate as the opt-in `images` scanner of `scangate fs` and
/// `scangate ci --scan-type fs`: never by default, the manifests' images
/// joined with the tree's config findings in one report and one gate,
/// `--strict` and the pull flags as for `manifests`, and the images'
/// findings in GitLab's dependency-scanning report on the manifest lines.
#[test]
fn fs_and_ci_scan_the_deployed_images_with_the_images_scanner() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let sb = Sandbox::new();
    sb.import(&advisories());
    let host = registry.host.clone();
    let dir = sb.path("images");
    push(&registry, &dir, &image("web2thing"), "team/web:2");
    push(&registry, &dir, &image("initthing"), "team/init:1");
    let job = push(&registry, &dir, &image("jobthing"), "team/job:1");
    let root = sb.path("repo");
    manifests(&root, &host, &job);

    // Not by default: `fs` alone pulls nothing.
    let plain = run_in(
        &sb,
        &root,
        &["-v", "fs", "apps", "--offline", "--format", "json"],
    );
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!plain.stderr.contains("pulled"), "{}", plain.stderr);

    let out = run_in(
        &sb,
        &root,
        &[
            "-v",
            "fs",
            "apps",
            "--scanners",
            "vuln,config,images",
            "--insecure",
            "--image-concurrency",
            "2",
            "--offline",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("pulled 3 images"), "{}", out.stderr);
    assert!(
        out.stderr.contains("4 layers analysed (downloaded)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("pending.yaml:8: Pod//p/p: image"),
        "{}",
        out.stderr
    );
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let results: Vec<&Value> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .collect();
    let on_images: Vec<String> = results
        .iter()
        .filter(|r| r["properties"]["image"].is_string())
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {}:{}",
                r["ruleId"].as_str().unwrap(),
                loc["artifactLocation"]["uri"].as_str().unwrap(),
                loc["region"]["startLine"]
            )
        })
        .collect();
    assert!(
        on_images.contains(&"CVE-2024-0009 base/deploy.yaml:13".to_string()),
        "{on_images:?}"
    );
    assert_eq!(on_images.len(), 4, "{on_images:?}");
    assert!(
        results.iter().any(|r| r["ruleId"]
            .as_str()
            .is_some_and(|id| id.starts_with("SG-K8S-"))),
        "config findings of the same tree are in the same report"
    );

    // One gate over everything; --strict fails closed on the variable.
    let gate = run_in(
        &sb,
        &root,
        &[
            "fs",
            "apps",
            "--scanners",
            "vuln,images",
            "--insecure",
            "--offline",
            "--severity",
            "CRITICAL",
            "--exit-code",
            "7",
        ],
    );
    assert_eq!(gate.code, 7, "{}", gate.stderr);
    let strict = run_in(
        &sb,
        &root,
        &[
            "fs",
            "apps",
            "--scanners",
            "images",
            "--insecure",
            "--offline",
            "--strict",
        ],
    );
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains("1 image references cannot be resolved"),
        "{}",
        strict.stderr
    );
    // An image scan has no manifests to follow.
    let image = run_in(&sb, &root, &["image", "alpine:3", "--scanners", "images"]);
    assert_eq!(image.code, 2, "{}", image.stderr);

    // `scangate ci` in a GitLab pipeline: the images' findings land in the
    // dependency-scanning report, on the repository's manifest lines.
    let ci = sb
        .cmd()
        .current_dir(&root)
        .env("DOCKER_CONFIG", sb.path("no-docker-config"))
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_TOKEN")
        .env_remove("CI_REGISTRY")
        .env("GITLAB_CI", "true")
        .env("CI_PROJECT_DIR", &root)
        .env("CI_PIPELINE_SOURCE", "push")
        .args([
            "ci",
            "--scan-type",
            "fs",
            "--scanners",
            "vuln,images",
            "--insecure",
            "--offline",
            "--severity",
            "CRITICAL",
            "--exit-code",
            "5",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ci.stderr);
    assert_eq!(ci.status.code(), Some(5), "{stderr}");
    let report: Value = serde_json::from_slice(
        &std::fs::read(root.join("gl-dependency-scanning-report.json")).unwrap(),
    )
    .unwrap();
    let mut placed: Vec<String> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{} {}", v["location"]["file"].as_str().unwrap(), v["name"]))
        .collect();
    placed.sort();
    placed.dedup();
    assert!(placed.iter().all(|p| p.starts_with("apps/")), "{placed:?}");
    assert!(
        placed.iter().any(|p| p.starts_with("apps/cron.yaml")),
        "{placed:?}"
    );
}

/// A loopback TCP proxy in front of the registry that goes away (closes
/// every connection and stops listening) once it has seen `blobs` blob
/// requests: the registry disappearing in the middle of a run.
struct VanishingProxy {
    host: String,
    gone: Arc<AtomicBool>,
}

impl VanishingProxy {
    fn start(upstream: &str, blobs: usize) -> VanishingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let gone = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(AtomicUsize::new(0));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (upstream, flag) = (upstream.to_string(), gone.clone());
        std::thread::spawn(move || {
            listener.set_nonblocking(true).unwrap();
            while !flag.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = TcpStream::connect(&upstream).unwrap();
                open.lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (flag2, seen2, open2) = (flag.clone(), seen.clone(), open.clone());
                // Client → registry: count blob requests; past the limit,
                // everything closes.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (client, server);
                    let mut buf = [0u8; 16 << 10];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let text = String::from_utf8_lossy(&buf[..n]);
                        let blobs_now = text.matches("/blobs/sha256:").count();
                        if blobs_now > 0
                            && seen2.fetch_add(blobs_now, Ordering::SeqCst) + blobs_now > blobs
                        {
                            flag2.store(true, Ordering::SeqCst);
                            for s in open2.lock().unwrap().iter() {
                                let _ = s.shutdown(Shutdown::Both);
                            }
                            break;
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
                std::thread::spawn(move || {
                    let (mut from, mut to) = (s2, c2);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
            }
            drop(listener);
        });
        VanishingProxy { host, gone }
    }
}

#[test]
fn the_registry_going_away_mid_run_fails_closed() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let sb = Sandbox::new();
    sb.import(&advisories());
    let dir = sb.path("images");
    for name in ["a", "b", "c"] {
        push(
            &registry,
            &dir,
            &image(&format!("{name}thing")),
            &format!("team/{name}:1"),
        );
    }
    let proxy = VanishingProxy::start(&registry.host, 2);
    let root = sb.path("repo");
    let pods: String = ["a", "b", "c"]
        .iter()
        .map(|n| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {n}\nspec:\n  containers:\n    - name: {n}\n      image: {}/team/{n}:1\n---\n",
                proxy.host
            )
        })
        .collect();
    write(&root, "pods.yaml", &pods);
    let out = run(
        &sb,
        &[
            "manifests",
            root.to_str().unwrap(),
            "--insecure",
            "--offline",
            "--image-concurrency",
            "1",
            "--format",
            "json",
        ],
    );
    assert!(
        proxy.gone.load(Ordering::SeqCst),
        "the proxy never went away"
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stdout.is_empty(),
        "no report from a gate that could not look: {}",
        out.stdout
    );
    assert!(
        out.stderr.contains("(deployed at pods.yaml:"),
        "{}",
        out.stderr
    );
}

/// The shipped Flux example (deploy/flux/) parses and passes scangate's
/// own config checks: the pattern users copy is not a bad example (its
/// images come from the registries scangate and Kubernetes publish to,
/// which a team trusts or mirrors).
#[test]
fn the_shipped_flux_example_passes_the_config_checks() {
    let sb = Sandbox::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/flux");
    let out = run(
        &sb,
        &[
            "config",
            dir.to_str().unwrap(),
            "--exit-code",
            "1",
            "--trusted-registries",
            "ghcr.io,registry.k8s.io",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let checked: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["path"].as_str())
        .collect();
    assert!(checked.contains(&"gate/job.yaml"), "{checked:?}");
}
