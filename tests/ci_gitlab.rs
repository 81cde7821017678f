//! `scangate ci` in a GitLab pipeline, against a stub of GitLab's REST API
//! on 127.0.0.1: one living merge-request note (found across pages, system
//! notes skipped, updated in place, created once), the token header, and
//! the exit code.

mod cisupport;

use cisupport::*;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOTES: &str = "/api/v4/projects/42/merge_requests/5/notes";
const MARKER: &str = "<!-- scangate:comment category=scangate/image -->";

fn gitlab(sb: &Sandbox, api: &str, mr: bool) -> assert_cmd::Command {
    let mut c = ci(sb);
    c.env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{api}/api/v4"))
        .env("CI_PROJECT_ID", "42")
        .env("CI_COMMIT_SHA", "abc123")
        .env("CI_PROJECT_DIR", sb.path("ws"))
        .env("CI_JOB_TOKEN", "job-token-not-used")
        .env("SCANGATE_GITLAB_TOKEN", TOKEN)
        .env(
            "CI_PIPELINE_SOURCE",
            if mr { "merge_request_event" } else { "push" },
        );
    if mr {
        c.env("CI_MERGE_REQUEST_IID", "5");
    }
    c
}

async fn sent(server: &MockServer, verb: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .map(|r| body(&r))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn merge_request_note_is_created_once_then_updated_in_place() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 1, "body": "nice", "system": false },
            { "id": 2, "body": format!("{MARKER} mentioned in commit"), "system": true }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(NOTES))
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 77 })))
        .expect(1)
        .mount(&server)
        .await;
    let sb = sandbox();
    let mut c = gitlab(&sb, &server.uri(), true);
    c.arg("--input")
        .arg(sb.path("vulnerable.tar"))
        .args(["--fail-on", "CRITICAL"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let posts = sent(&server, "POST").await;
    let created = posts[0]["body"].as_str().unwrap().to_string();
    assert!(created.starts_with(MARKER), "{created}");
    assert!(created.contains("CVE-2024-0002"));
    assert!(
        ran.stderr.contains("MR !5 note created (id 77)"),
        "{}",
        ran.stderr
    );
    assert_no_token(&sb, &ran);

    // Second run, clean: our note is on page 2 → PUT, no POST.
    server.reset().await;
    let others: Vec<Value> = (1..=100)
        .map(|i| json!({ "id": i, "body": format!("note {i}"), "system": false }))
        .collect();
    Mock::given(method("GET"))
        .and(path(NOTES))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(others)
                .insert_header("x-next-page", "2"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{ "id": 77, "body": created, "system": false }]))
                .insert_header("x-next-page", ""),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{NOTES}/77")))
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 77 })))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = gitlab(&sb, &server.uri(), true);
    c.arg("--input")
        .arg(sb.path("clean.tar"))
        .args(["--fail-on", "CRITICAL"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(sent(&server, "POST").await.is_empty());
    let put = sent(&server, "PUT").await;
    assert!(put[0]["body"].as_str().unwrap().contains("No findings"));
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_note_outside_merge_requests_and_problems_are_warnings() {
    let server = MockServer::start().await;
    let sb = sandbox();
    // A branch pipeline: no MR, no API call.
    let mut c = gitlab(&sb, &server.uri(), false);
    c.arg("--input").arg(sb.path("vulnerable.tar"));
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
    // The report artifacts the template's artifacts:reports expect.
    for file in [
        "gl-container-scanning-report.json",
        "gl-code-quality-report.json",
    ] {
        let text = std::fs::read_to_string(sb.path("ws").join(file)).unwrap();
        serde_json::from_str::<Value>(&text).unwrap();
    }
    // The repository was not checked: no SAST report saying it is clean.
    assert!(!sb.path("ws/gl-sast-report.json").exists());
    // An image scan checked no lockfile: no dependency-scanning report.
    assert!(!sb.path("ws/gl-dependency-scanning-report.json").exists());

    // No token: a warning naming why CI_JOB_TOKEN is not enough.
    let mut c = gitlab(&sb, &server.uri(), true);
    c.env_remove("SCANGATE_GITLAB_TOKEN")
        .arg("--input")
        .arg(sb.path("vulnerable.tar"))
        .args(["--fail-on", "HIGH"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("no SCANGATE_GITLAB_TOKEN")
            && ran.stderr.contains("CI_JOB_TOKEN cannot write"),
        "{}",
        ran.stderr
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    // 401 from GitLab: a warning; --strict-publish makes it exit 3.
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "401 Unauthorized" })),
        )
        .mount(&server)
        .await;
    for (strict, expected) in [(false, 0), (true, 3)] {
        let mut c = gitlab(&sb, &server.uri(), true);
        c.arg("--input").arg(sb.path("vulnerable.tar"));
        if strict {
            c.arg("--strict-publish");
        }
        let ran = run(c);
        assert_eq!(ran.code, Some(expected), "{ran:?}");
        assert!(
            ran.stderr.contains("MR note skipped") && ran.stderr.contains("401"),
            "{}",
            ran.stderr
        );
        assert_no_token(&sb, &ran);
    }
}

/// The GitLab template's variables, exported as GitLab exports them (the
/// ones declared `""` arrive empty), with an archive from a build job: an
/// empty variable is unset, so the job scans instead of stopping at a
/// usage error.
#[test]
fn the_templates_empty_variables_are_unset() {
    let sb = sandbox();
    std::fs::copy(sb.path("vulnerable.tar"), sb.path("ws/image.tar")).unwrap();
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    for name in [
        "SCANGATE_FAIL_ON",
        "SCANGATE_SEVERITY",
        "SCANGATE_EXTRA_ARGS",
        "SCANGATE_IMAGE_REF",
        "SCANGATE_DOCKERFILE",
        "SCANGATE_SCANNERS",
        "SCANGATE_PLATFORM",
        "SCANGATE_USERNAME",
        "SCANGATE_PASSWORD",
        "CS_SEVERITY_THRESHOLD",
    ] {
        c.env(name, "");
    }
    c.env("SCANGATE_INPUT", "image.tar")
        .env("SCANGATE_EXIT_CODE", "")
        .env("SCANGATE_CATEGORY", "scangate/image");
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let report: Value = serde_json::from_slice(
        &std::fs::read(sb.path("ws/gl-container-scanning-report.json")).unwrap(),
    )
    .unwrap();
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2);
    // The image by its tag in the archive, not the archive's file name.
    assert_eq!(vulns[0]["location"]["image"], "app:1");
}

/// GitLab's container-scanning names work as aliases, and the default
/// image is the one the pipeline pushed.
#[test]
fn container_scanning_variables_are_aliases() {
    let sb = sandbox();
    std::fs::copy(sb.path("vulnerable.tar"), sb.path("ws/image.tar")).unwrap();
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    c.env("SCANGATE_INPUT", "image.tar")
        .env("CS_SEVERITY_THRESHOLD", "CRITICAL");
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let report: Value = serde_json::from_slice(
        &std::fs::read(sb.path("ws/gl-container-scanning-report.json")).unwrap(),
    )
    .unwrap();
    let severities: Vec<&str> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["Critical"]);

    // Nothing named: `$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA`, from a registry
    // that is not there: one error line naming it, exit code 3.
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    c.env("CI_REGISTRY_IMAGE", "127.0.0.1:9/g/p");
    let ran = run(c);
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let errors: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", ran.stderr);
    assert!(errors[0].contains("127.0.0.1:9/g/p"), "{}", ran.stderr);
}

/// The config job (`.scangate-config`: `scangate ci --scan-type config`)
/// and an image job with `--scanners vuln,config` hand the repository's
/// misconfigurations to GitLab's SAST report as well as to code quality;
/// a config-only job writes no container-scanning report.
#[test]
fn config_findings_go_to_the_sast_report() {
    let sb = sandbox();
    std::fs::write(
        sb.path("ws/Dockerfile"),
        "FROM debian:12\nUSER root\nRUN make\n",
    )
    .unwrap();
    let sast = || -> Value {
        serde_json::from_slice(&std::fs::read(sb.path("ws/gl-sast-report.json")).unwrap()).unwrap()
    };
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    c.args(["--scan-type", "config"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let report = sast();
    assert_eq!(report["scan"]["type"], "sast");
    let files: Vec<&str> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["location"]["file"].as_str().unwrap())
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| *f == "Dockerfile"),
        "{report}"
    );
    assert!(sb.path("ws/gl-code-quality-report.json").exists());
    assert!(!sb.path("ws/gl-container-scanning-report.json").exists());

    std::fs::remove_file(sb.path("ws/gl-sast-report.json")).unwrap();
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    c.arg("--input")
        .arg(sb.path("vulnerable.tar"))
        .args(["--scanners", "vuln,config"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!sast()["vulnerabilities"].as_array().unwrap().is_empty());
    assert!(sb.path("ws/gl-container-scanning-report.json").exists());
}

/// `ci --scan-type fs`: the repository's lockfile findings go to GitLab's
/// dependency-scanning report, each on its file; no container-scanning
/// report, as no image was scanned.
#[test]
fn a_repository_scan_writes_the_dependency_scanning_report() {
    let sb = sandbox();
    sb.import(&[json!({
        "id": "RUSTSEC-2020-0071",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": { "ecosystem": "crates.io", "name": "time" },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "0.3.21" }] }]
        }]
    })]);
    std::fs::create_dir_all(sb.path("ws/tool")).unwrap();
    std::fs::write(
        sb.path("ws/tool/Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"time\"\nversion = \"0.3.20\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .unwrap();
    let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
    c.args(["--scan-type", "fs"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let report: Value = serde_json::from_slice(
        &std::fs::read(sb.path("ws/gl-dependency-scanning-report.json")).unwrap(),
    )
    .unwrap();
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 1, "{report:#}");
    assert_eq!(vulns[0]["location"]["file"], "tool/Cargo.lock");
    assert_eq!(
        vulns[0]["location"]["dependency"]["package"]["name"],
        "time"
    );
    assert!(!sb.path("ws/gl-container-scanning-report.json").exists());
}

/// The template's `SCANGATE_TF_VARS`, `SCANGATE_TRUSTED_REGISTRIES` and
/// `SCANGATE_IGNORE_STATUS` are declared empty (unset) and, when set,
/// reach `--tf-vars`, `--trusted-registries` and `--ignore-status`.
#[test]
fn config_variables_reach_their_flags() {
    let template = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".gitlab-ci-template.yml"),
    )
    .unwrap();
    let sb = sandbox();
    write_config_repo(&sb);
    let scan = |vars: &[(&str, &str)]| {
        let mut c = gitlab(&sb, "http://127.0.0.1:9", false);
        c.args(["--scan-type", "config", "-f", "json", "-o", "report.json"]);
        for (name, value) in vars {
            assert!(
                template.contains(&format!("    {name}: \"\"\n")),
                "the template declares {name}"
            );
            c.env(name, value);
        }
        let ran = run(c);
        let report = std::fs::read(sb.path("ws/report.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        let _ = std::fs::remove_file(sb.path("ws/report.json"));
        (ran, report.unwrap_or(Value::Null))
    };
    let (ran, report) = scan(&[
        ("SCANGATE_TF_VARS", ""),
        ("SCANGATE_TRUSTED_REGISTRIES", ""),
        ("SCANGATE_IGNORE_STATUS", ""),
    ]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!has_alias(&report, "AWS-0092"), "{report}");
    assert!(has_alias(&report, "KSV-0125"), "{report}");
    let (ran, report) = scan(&[
        ("SCANGATE_TF_VARS", "prod.tfvars"),
        ("SCANGATE_TRUSTED_REGISTRIES", "registry.example.com"),
        ("SCANGATE_IGNORE_STATUS", "will_not_fix"),
    ]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(has_alias(&report, "AWS-0092"), "{report}");
    assert!(!has_alias(&report, "KSV-0125"), "{report}");
    let (ran, _) = scan(&[("SCANGATE_IGNORE_STATUS", "maybe_later")]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
}
