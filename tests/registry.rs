//! `scangate image REGISTRY/REPO:TAG` and `scangate db push/pull` against a
//! real registry (Debian's `docker-registry`, started per test on
//! loopback; skipped with a note when not installed, required in CI), and
//! against an in-process stub for the failures a real registry will not
//! produce on demand: a corrupt blob and downloads cut off mid-way.

mod regsupport;
mod support;

use regsupport::{StubRegistry, TestRegistry, PASSWORD, USER};
use serde_json::Value;
use std::path::Path;
use support::image::oci_layout_multi_platform;
use support::*;

/// A scangate command with its own cache directory and no credentials
/// from the host (`DOCKER_CONFIG` points at an empty directory).
fn cmd(cache: &Path) -> assert_cmd::Command {
    let mut c = scangate();
    c.env("SCANGATE_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", cache.join("no-docker-config"))
        .env_remove("SCANGATE_NO_CACHE");
    for var in [
        "SCANGATE_USERNAME",
        "SCANGATE_PASSWORD",
        "GITHUB_TOKEN",
        "CI_REGISTRY",
        "DOCKER_HOST",
    ] {
        c.env_remove(var);
    }
    c
}

fn run_cmd(mut c: assert_cmd::Command, args: &[&str]) -> Run {
    let out = c.args(args).output().expect("run scangate");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A Debian image: a base layer and an app layer adding `openssl`.
fn app_image(arch: &str, app_package: &str) -> ImageBuilder {
    let base = Layer::new()
        .file("etc/os-release", debian12_os_release())
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[("base-files", "12.4+deb12u5", None)]),
        )
        .gzip();
    let app = Layer::new()
        .file(
            "var/lib/dpkg/status",
            dpkg_status(&[
                ("base-files", "12.4+deb12u5", None),
                (app_package, "1.0-1", None),
            ]),
        )
        .gzip();
    ImageBuilder::new()
        .tag("app:1")
        .architecture(arch)
        .layer(base)
        .layer(app)
}

fn scan(cache: &Path, image: &str, extra: &[&str]) -> Run {
    let mut args = vec!["image", image, "--list-packages", "--format", "json"];
    args.extend_from_slice(extra);
    run_cmd(cmd(cache), &args)
}

fn package_names(report: &Value) -> Vec<String> {
    let mut names: Vec<String> = all_packages(report)
        .iter()
        .map(|p| p["name"].as_str().unwrap_or("").to_string())
        .collect();
    names.sort();
    names
}

/// The manifest digest of the single image in an OCI layout.
fn manifest_digest(layout: &Path) -> String {
    let index: Value =
        serde_json::from_slice(&regsupport::read(&layout.join("index.json"))).unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_image_is_pulled_by_tag_and_by_digest() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let img = app_image("amd64", "openssl");
    let layout = dir.path().join("layout");
    img.oci_layout(&layout);
    registry.push_layout(&layout, "team/app:1");

    let by_tag = format!("{}/team/app:1", registry.host);
    let report = scan(&dir.path().join("cache1"), &by_tag, &["--insecure"]).json();
    assert_eq!(package_names(&report), ["base-files", "openssl"]);
    assert_eq!(report["artifact"]["name"], by_tag.as_str());
    assert_eq!(report["artifact"]["digest"], img.config_digest());
    assert_eq!(report["artifact"]["os"]["family"], "debian");

    let by_digest = format!("{}/team/app@{}", registry.host, manifest_digest(&layout));
    let report = scan(&dir.path().join("cache2"), &by_digest, &["--insecure"]).json();
    assert_eq!(package_names(&report), ["base-files", "openssl"]);

    let missing = format!("{}/team/app:nope", registry.host);
    let err = scan(&dir.path().join("cache3"), &missing, &["--insecure"]).error_line(3);
    assert!(err.contains("team/app"), "{err}");
}

#[test]
fn a_multi_platform_image_resolves_to_the_chosen_platform() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let amd = app_image("amd64", "amd-only");
    let arm = app_image("arm64", "arm-only");
    let layout = dir.path().join("layout");
    oci_layout_multi_platform(&layout, "1", &[&amd, &arm]);
    registry.push_layout(&layout, "multi:1");
    let image = format!("{}/multi:1", registry.host);
    let cache = dir.path().join("cache");

    let report = scan(&cache, &image, &["--insecure"]).json();
    assert_eq!(package_names(&report), ["amd-only", "base-files"]);
    assert_eq!(report["artifact"]["digest"], amd.config_digest());

    let report = scan(&cache, &image, &["--insecure", "--platform", "linux/arm64"]).json();
    assert_eq!(package_names(&report), ["arm-only", "base-files"]);

    let err = scan(&cache, &image, &["--insecure", "--platform", "linux/s390x"]).error_line(2);
    assert!(
        err.contains("no linux/s390x image") && err.contains("linux/amd64, linux/arm64"),
        "{err}"
    );
}

#[test]
fn an_authenticated_registry_takes_credentials_and_never_prints_them() {
    let Some(registry) = TestRegistry::start(true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image("amd64", "openssl").oci_layout(&layout);
    registry.push_layout(&layout, "private/app:1");
    let image = format!("{}/private/app:1", registry.host);
    let cache = dir.path().join("cache");

    let anonymous = scan(&cache, &image, &["--insecure"]);
    let err = anonymous.error_line(3);
    assert!(
        err.contains("unauthorized (401): no credentials for this registry"),
        "{err}"
    );

    let flags = ["--insecure", "--username", USER, "--password", PASSWORD];
    let report = scan(&cache, &image, &flags).json();
    assert_eq!(package_names(&report), ["base-files", "openssl"]);

    let wrong = "wr0ng-pa55word";
    let run = scan(
        &cache,
        &image,
        &["--insecure", "--username", USER, "--password", wrong],
    );
    let err = run.error_line(3);
    assert!(
        err.contains("the registry refused the credentials from --username/--password"),
        "{err}"
    );
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));

    // The same credentials from the environment and from Docker's config.
    let mut c = cmd(&cache);
    c.env("SCANGATE_USERNAME", USER)
        .env("SCANGATE_PASSWORD", PASSWORD);
    run_cmd(c, &["image", &image, "--insecure", "-f", "json"]).json();

    let docker_config = dir.path().join("docker");
    std::fs::create_dir_all(&docker_config).unwrap();
    let auth = base64_encode(format!("{USER}:{PASSWORD}").as_bytes());
    std::fs::write(
        docker_config.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, registry.host),
    )
    .unwrap();
    let mut c = cmd(&cache);
    c.env("DOCKER_CONFIG", &docker_config);
    run_cmd(c, &["image", &image, "--insecure", "-f", "json"]).json();
}

#[test]
fn the_database_goes_to_a_registry_and_back() {
    let Some(registry) = TestRegistry::start(false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let osv = dir.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(
        osv.join("DSA-1.json"),
        r#"{"id":"DSA-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.15-1"}]}]}]}"#,
    )
    .unwrap();
    let origin = dir.path().join("origin");
    let mirror = dir.path().join("mirror");
    let run = run_cmd(cmd(&origin), &["db", "import", path_str(&osv)]);
    assert_eq!(run.code, Some(0), "{run:?}");

    let reference = format!("{}/scangate/db:1", registry.host);
    let run = run_cmd(cmd(&origin), &["db", "push", &reference, "--insecure"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("pushed"), "{run:?}");

    let run = run_cmd(cmd(&mirror), &["db", "pull", &reference, "--insecure"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let info = |cache: &Path| {
        let mut v = run_cmd(cmd(cache), &["db", "info", "-f", "json"]).json();
        v.as_object_mut().unwrap().remove("path");
        v
    };
    assert_eq!(info(&mirror), info(&origin));
    assert!(info(&mirror).to_string().contains("Debian:12"));

    // `db update --from` is the same pull; a leftover temp file is none.
    let run = run_cmd(
        cmd(&mirror),
        &["db", "update", "--from", &reference, "--insecure"],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let leftovers: Vec<_> = std::fs::read_dir(mirror.join("db"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("pull"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An image is not a database.
    let layout = dir.path().join("layout");
    app_image("amd64", "openssl").oci_layout(&layout);
    registry.push_layout(&layout, "app:1");
    let image = format!("{}/app:1", registry.host);
    let err = run_cmd(cmd(&mirror), &["db", "pull", &image, "--insecure"]).error_line(3);
    assert!(err.contains("not a scangate database"), "{err}");
}

/// A stub serving `img` (uncompressed layers, so a flipped byte still
/// makes a readable tar and only the digests can tell).
fn stub_for(img: &ImageBuilder, dir: &Path) -> StubRegistry {
    let layout = dir.join("layout");
    img.oci_layout(&layout);
    StubRegistry::serve_layout(&layout)
}

fn plain_image() -> ImageBuilder {
    ImageBuilder::new()
        .tag("app:1")
        .layer(Layer::new().file("etc/os-release", debian12_os_release()))
        .layer(Layer::new().file(
            "var/lib/dpkg/status",
            dpkg_status(&[("openssl", "3.0.15-1", None)]),
        ))
}

#[test]
fn a_corrupt_blob_fails_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let img = plain_image();
    let stub = stub_for(&img, dir.path());
    let layer = img.layers()[1].blob_digest();
    stub.corrupt(&layer);
    let image = format!("{}/app:1", stub.host);
    let err = scan(&dir.path().join("cache"), &image, &["--insecure"]).error_line(3);
    assert!(
        err.contains("does not match its digest") && err.contains(&layer),
        "{err}"
    );
}

#[test]
fn a_download_cut_off_is_started_over_then_given_up() {
    let dir = tempfile::tempdir().unwrap();
    let img = plain_image();
    let stub = stub_for(&img, dir.path());
    let image = format!("{}/app:1", stub.host);

    stub.cut_downloads(2);
    let run = scan(&dir.path().join("cache1"), &image, &["--insecure"]);
    let report = run.json();
    assert_eq!(package_names(&report), ["openssl"]);
    assert!(run.stderr.contains("starting it over"), "{}", run.stderr);

    stub.cut_downloads(usize::MAX);
    let err = scan(&dir.path().join("cache2"), &image, &["--insecure", "-q"]).error_line(3);
    assert!(err.contains("broke off"), "{err}");
}

#[test]
fn a_rescan_downloads_no_layer_and_a_rebuild_only_its_new_layers() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let img = plain_image();
    let stub = stub_for(&img, dir.path());
    let image = format!("{}/app:1", stub.host);
    let layers: Vec<String> = img.layers().iter().map(|l| l.blob_digest()).collect();
    let layer_gets = |stub: &StubRegistry| {
        stub.blob_gets()
            .into_iter()
            .filter(|d| layers.contains(d))
            .count()
    };

    scan(&cache, &image, &["--insecure"]).json();
    assert_eq!(layer_gets(&stub), 2);
    let second = scan(&cache, &image, &["--insecure"]).json();
    assert_eq!(layer_gets(&stub), 2, "the rescan downloaded a layer");
    assert_eq!(package_names(&second), ["openssl"]);
    scan(&cache, &image, &["--insecure", "--no-cache"]).json();
    assert_eq!(layer_gets(&stub), 4, "--no-cache reads every layer");

    // The same base with a new top layer: only that one is downloaded.
    let rebuilt = ImageBuilder::new()
        .tag("app:2")
        .layer(img.layers()[0].clone())
        .layer(Layer::new().file(
            "var/lib/dpkg/status",
            dpkg_status(&[("openssl", "3.0.16-1", None)]),
        ));
    let dir2 = tempfile::tempdir().unwrap();
    let stub2 = stub_for(&rebuilt, dir2.path());
    let report = scan(&cache, &format!("{}/app:2", stub2.host), &["--insecure"]).json();
    assert_eq!(package(&report, "openssl")["version"], "3.0.16-1");
    let gets = stub2.blob_gets();
    assert!(!gets.contains(&img.layers()[0].blob_digest()), "{gets:?}");
    assert!(
        gets.contains(&rebuilt.layers()[1].blob_digest()),
        "{gets:?}"
    );
}

/// Standard base64 with padding.
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_blob_answering_500_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let img = plain_image();
    let stub = stub_for(&img, dir.path());
    let image = format!("{}/app:1", stub.host);
    stub.fail_blobs(2);
    let run = scan(&dir.path().join("cache"), &image, &["--insecure"]);
    assert_eq!(package_names(&run.json()), ["openssl"]);
    assert!(run.stderr.contains("500"), "{}", run.stderr);
}

#[test]
fn an_endless_manifest_is_cut_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let stub = stub_for(&plain_image(), dir.path());
    stub.endless_manifest();
    let image = format!("{}/app:1", stub.host);
    let started = std::time::Instant::now();
    let err = scan(&dir.path().join("cache"), &image, &["--insecure"]).error_line(3);
    assert!(err.contains("larger than 4 MiB"), "{err}");
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn credentials_echoed_by_the_registry_are_masked_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let stub = stub_for(&plain_image(), dir.path());
    stub.echo_credentials();
    let image = format!("{}/app:1", stub.host);
    let password = "s3cr3t/pa ss+word";
    let mut c = cmd(&dir.path().join("cache"));
    c.env("SCANGATE_USERNAME", "ci")
        .env("SCANGATE_PASSWORD", password);
    let run = run_cmd(c, &["image", &image, "--insecure", "--format", "json"]);
    let err = run.error_line(3);
    assert!(err.contains("rejected Basic *** (ci:***; ***)"), "{err}");
    assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
}
