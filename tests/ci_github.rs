//! `scangate ci` in GitHub Actions, against a stub of GitHub's REST API on
//! 127.0.0.1: the exact requests (SARIF upload body, ref and sha, status
//! polling, the living PR comment), retries, rate limits, forks, and the
//! exit code, which is always the gate's unless `--strict-publish`.

mod cisupport;

use assert_cmd::Command;
use cisupport::*;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const UPLOAD: &str = "/repos/o/r/code-scanning/sarifs";
const COMMENTS: &str = "/repos/o/r/issues/7/comments";
const MARKER: &str = "<!-- scangate:comment category=scangate/image -->";

async fn mount_upload_ok(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "id": "up-1", "url": "x" })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{UPLOAD}/up-1")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "processing_status": "complete", "errors": null })),
        )
        .mount(server)
        .await;
}

async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn outputs(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.path("output.txt")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn push_uploads_the_sarif_gzipped_for_the_pushed_ref_and_polls_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "id": "up-1", "url": "x" })))
        .expect(1)
        .mount(&server)
        .await;
    // Pending once, then complete: scangate polls until it is done.
    Mock::given(method("GET"))
        .and(path(format!("{UPLOAD}/up-1")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "processing_status": "pending" })),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{UPLOAD}/up-1")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "processing_status": "complete" })),
        )
        .mount(&server)
        .await;

    let sb = sandbox();
    let (sarif_path, sarif) = sarif_fixture(&sb);
    let c = github_ci(&sb, &server.uri(), "push", &sarif_path);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");

    let uploads = requests(&server, "POST", UPLOAD).await;
    assert_eq!(uploads.len(), 1);
    let b = body(&uploads[0]);
    assert_eq!(b["commit_sha"], "pushsha");
    assert_eq!(b["ref"], "refs/heads/main");
    assert_eq!(b["tool_name"], "scangate");
    assert_eq!(
        b["checkout_uri"],
        format!("file://{}", sb.path("ws").display())
    );
    assert_eq!(decode_sarif(b["sarif"].as_str().unwrap()), sarif);
    assert_eq!(
        requests(&server, "GET", &format!("{UPLOAD}/up-1"))
            .await
            .len(),
        2
    );
    // No comment outside a pull request.
    assert!(requests(&server, "GET", COMMENTS).await.is_empty());
    assert!(ran.stderr.contains("processing complete"), "{}", ran.stderr);
    // The runner's files: outputs, summary, masks first.
    let out = outputs(&sb);
    for line in ["critical=1\n", "high=1\n", "total=2\n", "gate=passed\n"] {
        assert!(out.contains(line), "{line:?} not in {out}");
    }
    let summary = std::fs::read_to_string(sb.path("summary.md")).unwrap();
    assert!(summary.contains("CVE-2024-0001"), "{summary}");
    assert!(ran.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")));
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn processing_errors_are_reported_verbatim_and_strict_publish_makes_them_exit_3() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "id": "up-9" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{UPLOAD}/up-9")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "processing_status": "failed",
            "errors": ["locationFromSarifResult: expected artifact location"]
        })))
        .mount(&server)
        .await;
    let sb = sandbox();
    let (sarif_path, _) = sarif_fixture(&sb);
    for (strict, expected) in [(false, 0), (true, 3)] {
        let mut c = github_ci(&sb, &server.uri(), "push", &sarif_path);
        if strict {
            c.arg("--strict-publish");
        }
        let ran = run(c);
        assert_eq!(ran.code, Some(expected), "{ran:?}");
        assert!(
            ran.stderr
                .contains("locationFromSarifResult: expected artifact location"),
            "{}",
            ran.stderr
        );
        assert_no_token(&sb, &ran);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_request_uploads_to_the_merge_ref_and_keeps_one_living_comment() {
    let server = MockServer::start().await;
    mount_upload_ok(&server).await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 1, "body": "LGTM" }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 55 })))
        .mount(&server)
        .await;

    let sb = sandbox();
    let (sarif_path, _) = sarif_fixture(&sb);
    let first = || {
        let mut c = github_ci(&sb, &server.uri(), "pull_request", &sarif_path);
        c.args(["--fail-on", "HIGH"]);
        run(c)
    };
    // First run: no comment of ours yet → one POST. The gate fails → 1.
    let ran = first();
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let b = body(&requests(&server, "POST", UPLOAD).await[0]);
    assert_eq!(b["ref"], "refs/pull/7/merge");
    assert_eq!(b["commit_sha"], "mergesha");
    let posts = requests(&server, "POST", COMMENTS).await;
    assert_eq!(posts.len(), 1);
    let created = body(&posts[0])["body"].as_str().unwrap().to_string();
    assert!(created.starts_with(MARKER), "{created}");
    assert!(created.contains("CVE-2024-0001") && created.contains("gate failed"));
    assert!(outputs(&sb).contains("gate=failed\n"));
    assert_no_token(&sb, &ran);

    // Second run: our comment is there (on page 2) → PATCH, no new POST;
    // the PR is clean now, and the comment says so.
    server.reset().await;
    mount_upload_ok(&server).await;
    let others: Vec<Value> = (1..=100)
        .map(|i| json!({ "id": i, "body": format!("comment {i}") }))
        .collect();
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(others).insert_header(
            "link",
            "<https://api.github.example/repositories/1/issues/7/comments?page=2>; rel=\"next\"",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 555, "body": created }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/o/r/issues/comments/555"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": 555 })))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "pull_request");
    c.arg("--input")
        .arg(sb.path("clean.tar"))
        .arg("--sarif-file")
        .arg(&sarif_path)
        .args(["--fail-on", "HIGH"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(requests(&server, "POST", COMMENTS).await.is_empty());
    let patch = &requests(&server, "PATCH", "/repos/o/r/issues/comments/555").await[0];
    let updated = body(patch)["body"].as_str().unwrap().to_string();
    assert!(updated.starts_with(MARKER));
    assert!(updated.contains("No findings"), "{updated}");
    assert!(
        ran.stderr.contains("comment updated (id 555)"),
        "{}",
        ran.stderr
    );
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_of_another_category_are_left_alone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "id": 3, "body": "<!-- scangate:comment category=scangate/image -->\nold" }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 4 })))
        .expect(1)
        .mount(&server)
        .await;
    let sb = sandbox();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "pull_request");
    c.arg("--input").arg(sb.path("vulnerable.tar")).args([
        "--no-upload-sarif",
        "--category",
        "base-image",
    ]);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let posts = requests(&server, "POST", COMMENTS).await;
    assert!(body(&posts[0])["body"]
        .as_str()
        .unwrap()
        .starts_with("<!-- scangate:comment category=base-image -->"));
    assert!(requests(&server, "POST", UPLOAD).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fork_read_only_token_is_a_warning_and_the_exit_code_stays_the_gate() {
    let server = MockServer::start().await;
    let forbidden = ResponseTemplate::new(403).set_body_json(json!({
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest"
    }));
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(forbidden.clone())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(COMMENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(COMMENTS))
        .respond_with(forbidden)
        .mount(&server)
        .await;
    let sb = sandbox();
    let (sarif_path, _) = sarif_fixture(&sb);
    for (fail_on, strict, expected) in [
        ("CRITICAL", false, 1),
        ("", false, 0),
        ("CRITICAL", true, 3),
    ] {
        let mut c = github_ci(&sb, &server.uri(), "fork", &sarif_path);
        if !fail_on.is_empty() {
            c.args(["--fail-on", fail_on]);
        }
        if strict {
            c.arg("--strict-publish");
        }
        let ran = run(c);
        assert_eq!(ran.code, Some(expected), "{ran:?}");
        assert!(
            ran.stderr.contains("SARIF upload skipped")
                && ran
                    .stderr
                    .contains("Resource not accessible by integration")
                && ran.stderr.contains("fork"),
            "{}",
            ran.stderr
        );
        assert!(ran.stderr.contains("PR comment skipped"), "{}", ran.stderr);
        assert_no_token(&sb, &ran);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_is_retried_until_the_upload_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_upload_ok(&server).await;
    let sb = sandbox();
    let (sarif_path, sarif) = sarif_fixture(&sb);
    let c = github_ci(&sb, &server.uri(), "push", &sarif_path);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let uploads = requests(&server, "POST", UPLOAD).await;
    assert_eq!(uploads.len(), 2, "one 502, one accepted");
    assert_eq!(body(&uploads[0]), body(&uploads[1]));
    assert_eq!(
        decode_sarif(body(&uploads[1])["sarif"].as_str().unwrap()),
        sarif
    );
    assert!(ran.stderr.contains("processing complete"), "{}", ran.stderr);
}

/// `scangate ci` in a GitHub `event` against `api`, scanning the sandbox's
/// vulnerable image and uploading the fixture SARIF at `sarif_path`.
fn github_ci(sb: &Sandbox, api: &str, event: &str, sarif_path: &Path) -> Command {
    let mut c = ci(sb);
    github_env(&mut c, sb, api, event);
    c.arg("--input")
        .arg(sb.path("vulnerable.tar"))
        .arg("--sarif-file")
        .arg(sarif_path);
    c
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_wait_for_the_reset_within_the_cap_and_give_up_beyond_it() {
    let server = MockServer::start().await;
    // Primary rate limit, reset in 2 s: waited for, then retried.
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({ "message": "API rate limit exceeded" }))
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (epoch() + 2).to_string().as_str()),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_upload_ok(&server).await;
    let sb = sandbox();
    let (sarif_path, _) = sarif_fixture(&sb);
    let c = github_ci(&sb, &server.uri(), "push", &sarif_path);
    let started = Instant::now();
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(requests(&server, "POST", UPLOAD).await.len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(ran.stderr.contains("processing complete"), "{}", ran.stderr);

    // Retry-After beyond the cap (5 s in these tests): one request, a
    // warning, the gate's exit code.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let mut c = github_ci(&sb, &server.uri(), "push", &sarif_path);
    c.args(["--fail-on", "CRITICAL"]);
    let started = Instant::now();
    let ran = run(c);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(requests(&server, "POST", UPLOAD).await.len(), 1);
    assert!(
        ran.stderr.contains("rate limited for 3600s"),
        "{}",
        ran.stderr
    );
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_down_or_no_token_are_warnings_that_say_what_was_skipped() {
    let sb = sandbox();
    let (sarif_path, _) = sarif_fixture(&sb);
    // Nothing listens on port 9.
    let mut c = github_ci(&sb, "http://127.0.0.1:9", "pull_request", &sarif_path);
    c.args(["--fail-on", "HIGH"]);
    let ran = run(c);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("SARIF upload skipped: API unreachable"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("PR comment skipped"), "{}", ran.stderr);
    assert_no_token(&sb, &ran);

    let mut c = ci(&sb);
    github_env(&mut c, &sb, "http://127.0.0.1:9", "pull_request");
    c.env_remove("INPUT_GITHUB-TOKEN")
        .arg("--input")
        .arg(sb.path("vulnerable.tar"))
        .arg("--sarif-file")
        .arg(&sarif_path);
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(
        ran.stderr
            .contains("SARIF upload and PR comment skipped: no GitHub token"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn action_inputs_set_the_scan_and_flags_win_over_them() {
    let server = MockServer::start().await;
    let sb = sandbox();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    // Inputs only: the image, the gate, no upload.
    c.env("INPUT_INPUT", sb.path("vulnerable.tar"))
        .env("INPUT_FAIL-ON", "HIGH")
        .env("INPUT_EXIT-CODE", "7")
        .env("INPUT_UPLOAD-SARIF", "false")
        .env("INPUT_SEVERITY", "");
    let ran = run(c);
    assert_eq!(ran.code, Some(7), "{ran:?}");
    assert!(server.received_requests().await.unwrap().is_empty());

    // A flag wins over its input.
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.env("INPUT_INPUT", sb.path("vulnerable.tar"))
        .env("INPUT_FAIL-ON", "HIGH")
        .env("INPUT_UPLOAD-SARIF", "false")
        .args(["--fail-on", "CRITICAL", "--exit-code", "5"]);
    assert_eq!(run(c).code, Some(5));
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.env("INPUT_INPUT", sb.path("clean.tar"))
        .env("INPUT_FAIL-ON", "LOW")
        .env("INPUT_UPLOAD-SARIF", "false");
    assert_eq!(run(c).code, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn trivy_action_gate_inputs_fail_on_any_reported_finding() {
    let server = MockServer::start().await;
    let sb = sandbox();
    // trivy-action's gate: exit-code and severity, no fail-on.
    for (image, code) in [("vulnerable.tar", 1), ("clean.tar", 0)] {
        let mut c = ci(&sb);
        github_env(&mut c, &sb, &server.uri(), "push");
        c.env("INPUT_INPUT", sb.path(image))
            .env("INPUT_EXIT-CODE", "1")
            .env("INPUT_SEVERITY", "HIGH,CRITICAL")
            .env("INPUT_IGNORE-UNFIXED", "false")
            .env("INPUT_FAIL-ON", "")
            .env("INPUT_UPLOAD-SARIF", "false");
        let ran = run(c);
        assert_eq!(ran.code, Some(code), "{image}: {ran:?}");
        assert!(
            outputs(&sb).contains(&format!("exit-code={code}")),
            "{}",
            outputs(&sb)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_sarif_file_the_sarif_report_scangate_writes_is_uploaded() {
    let server = MockServer::start().await;
    mount_upload_ok(&server).await;
    let sb = sandbox();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.arg("--input").arg(sb.path("vulnerable.tar"));
    let ran = run(c);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    // Written to disk first, in the workspace, then uploaded as it is.
    let on_disk = std::fs::read(sb.path("ws/scangate.sarif")).unwrap();
    let uploads = requests(&server, "POST", UPLOAD).await;
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        decode_sarif(body(&uploads[0])["sarif"].as_str().unwrap()),
        on_disk
    );
    let sarif: Value = serde_json::from_slice(&on_disk).unwrap();
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "scangate");
    // Relative to the workspace: later steps run on the host, where the
    // container's workspace path does not exist.
    assert!(
        outputs(&sb).contains("sarif=scangate.sarif\n"),
        "{}",
        outputs(&sb)
    );
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_repository_alone_with_scanners_config_in_its_own_category() {
    let server = MockServer::start().await;
    mount_upload_ok(&server).await;
    let sb = sandbox();
    std::fs::write(
        sb.path("ws/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: app:1\n      securityContext:\n        privileged: true\n",
    )
    .unwrap();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.env("INPUT_SCANNERS", "config")
        .env("INPUT_FAIL-ON", "HIGH");
    let ran = run(c);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let uploads = requests(&server, "POST", UPLOAD).await;
    assert_eq!(uploads.len(), 1);
    let sarif: Value =
        serde_json::from_slice(&decode_sarif(body(&uploads[0])["sarif"].as_str().unwrap()))
            .unwrap();
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["automationDetails"]["id"], "scangate/config/");
    let uri = &runs[0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "pod.yaml");
    // The step's outputs carry the code it ends with.
    let out = outputs(&sb);
    assert!(
        out.contains("exit-code=1\n") && out.contains("gate=failed\n"),
        "{out}"
    );
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_input_is_a_usage_error_that_still_writes_the_outputs() {
    let server = MockServer::start().await;
    let sb = sandbox();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.env("INPUT_INPUT", sb.path("vulnerable.tar"))
        .env("INPUT_FAIL-ON", "HUGE");
    let ran = run(c);
    assert_eq!(ran.code, Some(2), "{ran:?}");
    let out = outputs(&sb);
    assert!(
        out.contains("exit-code=2\n") && out.contains("gate=error\n"),
        "{out}"
    );
    let summary = std::fs::read_to_string(sb.path("summary.md")).unwrap();
    assert!(summary.contains("HUGE"), "{summary}");
    assert_no_token(&sb, &ran);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_that_fails_still_writes_the_summary_and_the_real_exit_code() {
    let server = MockServer::start().await;
    let sb = sandbox();
    let mut c = ci(&sb);
    github_env(&mut c, &sb, &server.uri(), "push");
    c.env("INPUT_INPUT", "missing.tar");
    let ran = run(c);
    assert_eq!(ran.code, Some(3), "{ran:?}");
    let out = outputs(&sb);
    assert!(
        out.contains("exit-code=3\n") && out.contains("gate=error\n"),
        "{out}"
    );
    let summary = std::fs::read_to_string(sb.path("summary.md")).unwrap();
    assert!(summary.contains("missing.tar"), "{summary}");
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_no_token(&sb, &ran);
}

/// `tf-vars`, `trusted-registries` and `ignore-status` reach their flags:
/// the tfvars file makes the bucket public, the trusted registry clears the
/// pod's image, and a status that is not one is the flag's usage error.
#[tokio::test(flavor = "multi_thread")]
async fn config_inputs_reach_their_flags() {
    let server = MockServer::start().await;
    let sb = sandbox();
    write_config_repo(&sb);
    let scan = |inputs: &[(&str, &str)]| {
        let mut c = ci(&sb);
        github_env(&mut c, &sb, &server.uri(), "push");
        c.env("INPUT_SCAN-TYPE", "config")
            .env("INPUT_UPLOAD-SARIF", "false")
            .env("INPUT_PR-COMMENT", "false")
            .env("INPUT_FORMAT", "json")
            .env("INPUT_OUTPUT", "report.json");
        for (name, value) in inputs {
            c.env(format!("INPUT_{name}"), value);
        }
        let ran = run(c);
        let report = std::fs::read(sb.path("ws/report.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        let _ = std::fs::remove_file(sb.path("ws/report.json"));
        (ran, report.unwrap_or(Value::Null))
    };
    // Declared but empty, as GitHub passes inputs not given: unset.
    let (ran, report) = scan(&[
        ("TF-VARS", ""),
        ("TRUSTED-REGISTRIES", ""),
        ("IGNORE-STATUS", ""),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(!has_alias(&report, "AWS-0092"), "{report}");
    assert!(has_alias(&report, "KSV-0125"), "{report}");
    let (ran, report) = scan(&[
        ("TF-VARS", "prod.tfvars"),
        ("TRUSTED-REGISTRIES", "registry.example.com"),
        ("IGNORE-STATUS", "will_not_fix,end_of_life"),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(has_alias(&report, "AWS-0092"), "{report}");
    assert!(!has_alias(&report, "KSV-0125"), "{report}");
    let (ran, _) = scan(&[("IGNORE-STATUS", "maybe_later")]);
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("maybe_later"), "{}", ran.stderr);
}
