//! `scangate image docker-daemon:NAME` and bare names, against a stand-in
//! for the Docker Engine API on a unix socket (no real daemon runs in the
//! test environment): the export is streamed, chunked, through the
//! docker-archive reader.

mod regsupport;
mod support;

use regsupport::StandInDaemon;
use std::path::Path;
use support::image::{docker_archive, docker_archive_oci};
use support::*;

fn image() -> ImageBuilder {
    ImageBuilder::new()
        .tag("app:dev")
        .layer(Layer::new().file("etc/os-release", debian12_os_release()))
        .layer(Layer::new().file(
            "var/lib/dpkg/status",
            dpkg_status(&[("openssl", "3.0.15-1", None)]),
        ))
}

/// The image as `docker save` writes it: Docker 25+'s OCI layout, or the
/// older format.
fn exported(img: &ImageBuilder, modern: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("save.tar");
    if modern {
        docker_archive_oci(&path, &[img]);
    } else {
        docker_archive(&path, &[img], Compression::None);
    }
    regsupport::read(&path)
}

fn run_with(daemon: &StandInDaemon, cache: &Path, args: &[&str]) -> Run {
    let mut cmd = scangate();
    cmd.env("DOCKER_HOST", daemon.docker_host())
        .env("SCANGATE_CACHE_DIR", cache)
        .env_remove("SCANGATE_NO_CACHE")
        .args(args);
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_daemon_exports_the_image_as_a_stream() {
    for modern in [true, false] {
        let img = image();
        let daemon = StandInDaemon::start("app:dev", exported(&img, modern));
        let cache = tempfile::tempdir().unwrap();
        let report = run_with(
            &daemon,
            cache.path(),
            &[
                "image",
                "docker-daemon:app:dev",
                "--list-packages",
                "-f",
                "json",
            ],
        )
        .json();
        assert_eq!(package(&report, "openssl")["version"], "3.0.15-1");
        assert_eq!(report["artifact"]["name"], "docker-daemon:app:dev");
        assert_eq!(report["artifact"]["digest"], img.config_digest());
        assert_eq!(daemon.requests(), ["/images/app:dev/get"]);
    }
}

#[test]
fn a_bare_name_the_daemon_has_is_read_from_the_daemon() {
    let daemon = StandInDaemon::start("app:dev", exported(&image(), true));
    let cache = tempfile::tempdir().unwrap();
    let run = run_with(
        &daemon,
        cache.path(),
        &["-v", "image", "app:dev", "--list-packages", "-f", "json"],
    );
    assert_eq!(package(&run.json(), "openssl")["version"], "3.0.15-1");
    assert!(
        run.stderr.contains("scanning the image of the daemon"),
        "{}",
        run.stderr
    );
    assert_eq!(
        daemon.requests(),
        ["/images/app:dev/json", "/images/app:dev/get"]
    );
}

#[test]
fn a_full_reference_right_after_docker_build_is_the_daemons() {
    // Trivy users scan `docker.io/org/app:$SHA` straight after building it:
    // the daemon is asked first, here through --docker-host.
    let daemon = StandInDaemon::start("docker.io/acme/app:abc123", exported(&image(), true));
    let cache = tempfile::tempdir().unwrap();
    let out = scangate()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("SCANGATE_CACHE_DIR", cache.path())
        .args(["-v", "image", "docker.io/acme/app:abc123", "--docker-host"])
        .arg(daemon.docker_host())
        .args(["--list-packages", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(package(&report, "openssl")["version"], "3.0.15-1");
    assert!(
        stderr.contains("scanning the image of the daemon"),
        "{stderr}"
    );
    assert_eq!(
        daemon.requests(),
        [
            "/images/docker.io/acme/app:abc123/json",
            "/images/docker.io/acme/app:abc123/get"
        ]
    );
}

#[test]
fn an_image_the_daemon_lacks_is_a_clear_error() {
    let daemon = StandInDaemon::start("app:dev", exported(&image(), true));
    let cache = tempfile::tempdir().unwrap();
    let err = run_with(&daemon, cache.path(), &["image", "docker-daemon:other:1"]).error_line(3);
    assert!(
        err.contains("404") && err.contains("No such image"),
        "{err}"
    );
}

#[test]
fn only_unix_sockets_are_supported() {
    let mut cmd = scangate();
    let out = cmd
        .env("DOCKER_HOST", "tcp://127.0.0.1:2375")
        .args(["image", "docker-daemon:app:dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only unix://"));
}

#[test]
fn a_second_export_skips_the_cached_layers() {
    let daemon = StandInDaemon::start("app:dev", exported(&image(), true));
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "-v",
        "image",
        "docker-daemon:app:dev",
        "--list-packages",
        "-f",
        "json",
    ];
    let first = run_with(&daemon, cache.path(), &args);
    assert!(
        first
            .stderr
            .contains("0 layers from the layer cache, 2 read"),
        "{}",
        first.stderr
    );
    let second = run_with(&daemon, cache.path(), &args);
    assert!(
        second
            .stderr
            .contains("2 layers from the layer cache, 0 read"),
        "{}",
        second.stderr
    );
    assert_eq!(all_packages(&first.json()), all_packages(&second.json()));
    assert_eq!(
        package(&second.json(), "openssl"),
        package(&first.json(), "openssl")
    );
}
