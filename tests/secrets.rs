//! The secret scanner end to end: a tree and an image built in code with
//! planted secrets (assembled from pieces at run time, so no scanner ever
//! flags this repository, and none of them a real credential), every
//! report format grepped for the values, the trivy-secret.yaml and ignore
//! files, the gate, GitLab's secret-detection schema, and inputs that must
//! stay linear.

mod vulnsupport;

use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

/// Planted values: the shapes of real credentials, made of pieces.
struct Planted {
    aws_id: String,
    aws_secret: String,
    github: String,
    key_body: String,
}

impl Planted {
    fn new() -> Self {
        Planted {
            aws_id: ["AK", "IA", "Z7QXW2J4K5M6N8P3"].concat(),
            aws_secret: ["q8Vn3", "Lw0Tz/kR5yHb", "2Xc9Jm4Fs7Dp1Ge6Ua0Bi3K"].concat(),
            github: ["gh", "p_", "R4nd0mT0k3nV4lu3F0rT3st1ngS3cr3tsXyZ"].concat(),
            key_body: ["MIIEpAIBAAKCAQEA", &"q7Zr3XvB9kLm2Np4".repeat(8)].concat(),
        }
    }

    fn config(&self) -> String {
        format!(
            "region = eu-west-1\naws_access_key_id = {}\naws_secret_access_key = {}\n\ntoken: {}\n",
            self.aws_id, self.aws_secret, self.github
        )
    }

    fn private_key(&self) -> String {
        let begin = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
        let end = ["-----END RSA ", "PRIVATE KEY-----"].concat();
        let lines: Vec<&str> = self
            .key_body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!("{begin}\n{}\n{end}\n", lines.join("\n"))
    }

    /// Every value, and a tail of each (a report that cut the prefix off
    /// but kept the rest would still leak).
    fn needles(&self) -> Vec<String> {
        let mut all = Vec::new();
        for v in [&self.aws_id, &self.aws_secret, &self.github, &self.key_body] {
            all.push(v.clone());
            all.push(v[v.len() - 12..].to_string());
        }
        all
    }
}

fn secrets_of(report: &Value) -> Vec<Value> {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "secret")
        .flat_map(|t| t["secrets"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn rule_ids(report: &Value) -> Vec<String> {
    path_rules(&secrets_of(report))
}

/// `path:rule_id` of each secret, sorted.
fn path_rules(secrets: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = secrets
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["path"].as_str().unwrap(),
                s["rule_id"].as_str().unwrap()
            )
        })
        .collect();
    ids.sort();
    ids
}

/// A repository with secrets, and files that must not be reported.
fn tree(root: &Path, p: &Planted) {
    write_tree(
        root,
        &[
            ("config/app.env", p.config()),
            ("deploy/id_rsa", p.private_key()),
            // Trivy's built-in allow rules: test paths, example values.
            ("test/fixtures/creds.env", p.config()),
            (
                "docs/setup.txt",
                format!("token: {}EXAMPLE\n", &p.github[..33]),
            ),
            // Trivy's default skip patterns and the size floor.
            ("node_modules/pkg/.env", p.config()),
            ("tiny", "AKIA".to_string()),
            // Skipped by the user.
            ("vendor-cache/creds.env", p.config()),
        ],
    );
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    binary.extend_from_slice(p.config().as_bytes());
    std::fs::write(root.join("bin-tool"), binary).unwrap();
}

fn fs_json(sb: &Sandbox, root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = sb
        .cmd()
        .arg("fs")
        .arg(root)
        .args([
            "--scanners",
            "secret",
            "--skip-dirs",
            "vendor-cache",
            "-f",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (code, json, stderr)
}

#[test]
fn a_tree_reports_each_planted_secret_with_trivys_rule_and_lines() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let root = sb.path("repo");
    tree(&root, &p);
    let (code, report, stderr) = fs_json(&sb, &root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        rule_ids(&report),
        [
            "config/app.env:aws-access-key-id",
            "config/app.env:aws-secret-access-key",
            "config/app.env:github-pat",
            "deploy/id_rsa:private-key",
        ]
    );
    let secrets = secrets_of(&report);
    let find = |rule: &str| secrets.iter().find(|s| s["rule_id"] == rule).unwrap();
    let aws = find("aws-access-key-id");
    assert_eq!(aws["category"], "AWS");
    assert_eq!(aws["severity"], "CRITICAL");
    assert_eq!(aws["start_line"], 2);
    assert_eq!(aws["match"], "AKIA*****");
    assert!(aws.get("layer_diff_id").is_none());
    assert_eq!(find("github-pat")["start_line"], 5);
    let key = find("private-key");
    assert_eq!(
        (key["start_line"].clone(), key["end_line"].clone()),
        (2.into(), 4.into())
    );
    assert_eq!(key["severity"], "HIGH");
    assert_eq!(report["summary"]["CRITICAL"], 3);
}

#[test]
fn secrets_fail_the_gate_with_their_rules_severity() {
    let sb = Sandbox::new();
    let root = sb.path("repo");
    write_tree(&root, &[("deploy/id_rsa", Planted::new().private_key())]);
    let (code, _, _) = fs_json(&sb, &root, &["--fail-on", "CRITICAL"]);
    assert_eq!(code, 0, "a HIGH secret passes a CRITICAL gate");
    let (code, report, _) = fs_json(&sb, &root, &["--fail-on", "HIGH"]);
    assert_eq!(code, 1);
    assert_eq!(report["gate"]["failed"], true);
    let (code, _, _) = fs_json(&sb, &root, &["--exit-code", "7"]);
    assert_eq!(code, 7, "--exit-code alone fails on any reported secret");
}

#[test]
fn trivy_secret_yaml_and_ignore_files_work_as_in_trivy() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let root = sb.path("repo");
    tree(&root, &p);
    let internal = ["itk_", "0f3a9c2e7b1d5f8a"].concat();
    write_tree(
        &root,
        &[("services/api.ini", format!("[auth]\nkey={internal}\n"))],
    );
    let config = sb.path("trivy-secret.yaml");
    std::fs::write(
        &config,
        "disable-rules: [aws-secret-access-key]\n\
         disable-allow-rules: [tests]\n\
         rules:\n  - id: internal-token\n    category: Internal\n    title: Internal token\n    severity: low\n    regex: 'itk_[a-f0-9]{16}'\n    keywords: [itk_]\n",
    )
    .unwrap();
    let ignore = sb.path("ignore.yaml");
    std::fs::write(
        &ignore,
        "secrets:\n  - id: github-pat\n    paths: [\"test/**\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let ignore = ignore.to_str().unwrap();
    let (code, report, stderr) = fs_json(
        &sb,
        &root,
        &["--secret-config", config, "--ignorefile", ignore],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        rule_ids(&report),
        [
            "config/app.env:aws-access-key-id",
            "config/app.env:github-pat",
            "deploy/id_rsa:private-key",
            "services/api.ini:internal-token",
            // The `tests` allow rule is disabled: the fixture is scanned.
            "test/fixtures/creds.env:aws-access-key-id",
        ]
    );
    let ignored: Vec<&Value> = report["ignored"].as_array().unwrap().iter().collect();
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert_eq!(ignored[0]["kind"], "secret");
    assert_eq!(ignored[0]["rule_id"], "github-pat");
    assert_eq!(ignored[0]["path"], "test/fixtures/creds.env");

    std::fs::write(sb.path("bad.yaml"), "rules:\n  - id: x\n    regex: '(a'\n").unwrap();
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .args(["--secret-config", sb.path("bad.yaml").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml: rule x: invalid regex"),
        "{stderr}"
    );
}

/// An app image: a key added in one layer and deleted in the next, a
/// config with keys, then overwritten by a later layer with other values.
fn app_image(sb: &Sandbox, p: &Planted) -> ImageBuilder {
    let image = ImageBuilder::new()
        .tag("app:1")
        .history("ADD rootfs.tar /")
        .history("COPY id_rsa /root/.ssh/id_rsa # buildkit")
        .history("RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit")
        .history("COPY config /app/ # buildkit")
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .layer(Layer::new().file("root/.ssh/id_rsa", p.private_key()))
        .layer(Layer::new().whiteout("root/.ssh/id_rsa"))
        .layer(
            Layer::new()
                .file("app/config.env", p.config())
                .file("usr/share/doc/x/README", p.config()),
        );
    image.docker_archive(&sb.path("app.tar"));
    image
}

fn image_json(sb: &Sandbox, extra: &[&str]) -> Value {
    let app = sb.path("app.tar");
    let mut args = vec!["image".as_ref(), "--input".as_ref(), app.as_os_str()];
    args.extend(
        ["--scanners", "secret", "-f", "json"]
            .iter()
            .chain(extra)
            .map(std::ffi::OsStr::new),
    );
    sb.json_of(args)
}

#[test]
fn an_image_reports_deleted_secrets_at_the_layer_that_added_them() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let image = app_image(&sb, &p);
    let diff_ids = image.diff_ids();
    for extra in [&["--no-cache"][..], &[], &[]] {
        // Cold, then stored in the layer cache, then read from it.
        let report = image_json(&sb, extra);
        assert_eq!(
            rule_ids(&report),
            [
                "app/config.env:aws-access-key-id",
                "app/config.env:aws-secret-access-key",
                "app/config.env:github-pat",
                "root/.ssh/id_rsa:private-key",
            ],
            "{extra:?}"
        );
        let secrets = secrets_of(&report);
        let key = secrets
            .iter()
            .find(|s| s["rule_id"] == "private-key")
            .unwrap();
        assert_eq!(key["layer_diff_id"], diff_ids[1].as_str());
        assert_eq!(key["deleted_later"], true);
        assert_eq!(
            key["created_by"],
            "COPY id_rsa /root/.ssh/id_rsa # buildkit"
        );
        let pat = secrets
            .iter()
            .find(|s| s["rule_id"] == "github-pat")
            .unwrap();
        assert_eq!(pat["layer_diff_id"], diff_ids[3].as_str());
        assert_eq!(pat["deleted_later"], false);
    }
}

#[test]
fn a_secret_overwritten_later_is_still_reported_and_a_copy_only_once() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let other = ["gh", "p_", "An0th3rT0k3nV4lu3F0rT3st1ngXyZ123456"].concat();
    ImageBuilder::new()
        .layer(Layer::new().file("app/token", format!("token: {}\n", p.github)))
        // The same file copied again (a chmod): not a second finding.
        .layer(Layer::new().file("app/token", format!("token: {}\n", p.github)))
        // Then replaced by another value.
        .layer(Layer::new().file("app/token", format!("token: {other}\n")))
        .docker_archive(&sb.path("app.tar"));
    let report = image_json(&sb, &[]);
    let secrets = secrets_of(&report);
    let flags: Vec<(bool, String)> = secrets
        .iter()
        .map(|s| {
            (
                s["deleted_later"].as_bool().unwrap(),
                s["layer_diff_id"].to_string(),
            )
        })
        .collect();
    assert_eq!(flags.len(), 2, "{secrets:?}");
    assert!(flags[0].0, "the first value was overwritten");
    assert!(!flags[1].0, "the second is in the final image");
}

/// Every output: each report format of an image and of a tree scan, and
/// the debug log.
#[test]
fn no_output_ever_holds_a_planted_value() {
    let sb = Sandbox::new();
    let p = Planted::new();
    app_image(&sb, &p);
    let root = sb.path("repo");
    tree(&root, &p);
    let formats = [
        "table",
        "json",
        "sarif",
        "markdown",
        "gitlab",
        "gitlab-secret-detection",
        "gitlab-codequality",
        "cyclonedx",
    ];
    let mut seen = 0;
    for format in formats {
        for target in ["image", "fs"] {
            let mut cmd = sb.cmd();
            cmd.args(["-d", target]);
            if target == "image" {
                cmd.arg("--input").arg(sb.path("app.tar"));
            } else {
                cmd.arg(&root);
            }
            let out = cmd
                .args(["--scanners", "secret", "-f", format])
                .output()
                .unwrap();
            assert!(out.status.success(), "{format} {target}");
            let text = [out.stdout, out.stderr].concat();
            let text = String::from_utf8_lossy(&text);
            for needle in p.needles() {
                assert!(!text.contains(&needle), "{format} {target} leaks {needle}");
            }
            if text.contains("AKIA*****") {
                seen += 1;
            }
        }
    }
    // The scans did find them (a report without the finding proves nothing).
    assert!(seen >= 10, "{seen}");
}

#[test]
fn the_gitlab_secret_detection_report_validates_against_gitlabs_schema() {
    let sb = Sandbox::new();
    app_image(&sb, &Planted::new());
    let out = sb
        .cmd()
        .args(["image", "--input"])
        .arg(sb.path("app.tar"))
        .args(["--scanners", "secret", "-f", "gitlab-secret-detection"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gitlab");
    let schema: Value = serde_json::from_slice(
        &std::fs::read(dir.join("secret-detection-report-format.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 4);
    assert_eq!(report["scan"]["type"], "secret_detection");
    let key = vulns
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "private-key")
        .unwrap();
    assert_eq!(key["location"]["file"], "root/.ssh/id_rsa");
    assert!(
        key["description"]
            .as_str()
            .unwrap()
            .contains("deleted the file"),
        "{key}"
    );
    // The validation can fail: a vulnerability without a location is caught.
    let mut broken = report.clone();
    broken["vulnerabilities"][0]
        .as_object_mut()
        .unwrap()
        .remove("location");
    assert_eq!(validator.iter_errors(&broken).count(), 1);
}

#[test]
fn sarif_puts_secrets_in_a_category_of_their_own_on_their_lines() {
    let sb = Sandbox::new();
    let root = sb.path("repo");
    tree(&root, &Planted::new());
    let log = sb.fs_report(&root, "sarif", &["--offline"]);
    let runs = log["runs"].as_array().unwrap();
    let secret_run = runs
        .iter()
        .find(|r| r["automationDetails"]["id"] == "scangate/secret/")
        .expect("a secret run");
    let result = secret_run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "github-pat")
        .unwrap();
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "config/app.env");
    assert_eq!(loc["region"]["startLine"], 5);
}

#[test]
fn bad_input_stays_linear() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let root = sb.path("repo");
    // A 6 MB minified line with the token at its end; invalid UTF-8 around
    // a token; a user rule that backtracks exponentially in a backtracking
    // engine, on a long run of what it almost matches.
    let mut minified = "var a=\"x\",b=1;".repeat(400_000);
    minified.push_str(&format!("var t=\"{}\";", p.github));
    let mut invalid = b"\xff\xfe\xc3\x28 garbage \x80\x81\n".repeat(1000);
    invalid.extend_from_slice(format!("id = {}\n", p.aws_id).as_bytes());
    invalid.extend_from_slice(b"\xf0\x28\x8c\xbc\n");
    write_tree(
        &root,
        &[
            ("dist/app.min.js", minified),
            ("backtrack.txt", format!("{}!\n", "a".repeat(200_000))),
        ],
    );
    std::fs::write(root.join("latin1.conf"), invalid).unwrap();
    std::fs::write(
        sb.path("rules.yaml"),
        "rules:\n  - id: evil\n    category: Test\n    title: Evil\n    severity: LOW\n    regex: '(a+)+b'\n    keywords: [aaa]\n",
    )
    .unwrap();
    let started = Instant::now();
    let (code, report, stderr) = fs_json(
        &sb,
        &root,
        &["--secret-config", sb.path("rules.yaml").to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        rule_ids(&report),
        [
            "dist/app.min.js:github-pat",
            "latin1.conf:aws-access-key-id"
        ]
    );
}

/// `(rule:path, state)` of every reported secret, sorted.
fn secret_states(report: &Value) -> Vec<String> {
    let mut states: Vec<String> = secrets_of(report)
        .iter()
        .map(|s| {
            format!(
                "{}:{} {}",
                s["path"].as_str().unwrap(),
                s["rule_id"].as_str().unwrap(),
                s["state"].as_str().unwrap_or("-")
            )
        })
        .collect();
    states.sort();
    states
}

/// `rule:path` of every secret in `fixed[]`, sorted.
fn fixed_secrets(report: &Value) -> Vec<String> {
    path_rules(
        report["fixed"]
            .as_array()
            .expect("a baseline gives fixed[]"),
    )
}

#[test]
fn a_report_with_secrets_serves_as_a_baseline() {
    let sb = Sandbox::new();
    app_image(&sb, &Planted::new());
    let report = image_json(&sb, &[]);
    std::fs::write(sb.path("base.json"), report.to_string()).unwrap();
    let again = image_json(&sb, &["--baseline", sb.path("base.json").to_str().unwrap()]);
    assert_eq!(
        secret_states(&again),
        [
            "app/config.env:aws-access-key-id existing",
            "app/config.env:aws-secret-access-key existing",
            "app/config.env:github-pat existing",
            "root/.ssh/id_rsa:private-key existing",
        ]
    );
    assert_eq!(fixed_secrets(&again), Vec::<String>::new());
    assert_eq!(again["summary"]["new"], 0);
}

/// The baseline's secrets keep their identity when lines move; a key
/// rotated in place is new (the old one fixed), a removed file's key is
/// fixed; `--fail-on-new` gates the new one only; a secret the baseline's
/// ignore file suppressed is still known to the baseline.
#[test]
fn baseline_secrets_are_new_existing_or_fixed_by_rule_path_and_value() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let root = sb.path("repo");
    write_tree(
        &root,
        &[
            ("config/app.env", p.config()),
            ("deploy/id_rsa", p.private_key()),
        ],
    );
    let ignore = sb.path("ignore.yaml");
    std::fs::write(&ignore, "secrets:\n  - id: aws-secret-access-key\n").unwrap();
    let (_, base, _) = fs_json(&sb, &root, &["--ignorefile", ignore.to_str().unwrap()]);
    assert_eq!(base["ignored"].as_array().unwrap().len(), 1);
    std::fs::write(sb.path("base.json"), base.to_string()).unwrap();
    let base = sb.path("base.json");
    let base = base.to_str().unwrap();

    // Unchanged: nothing is new, and --fail-on-new passes where the plain
    // gate fails.
    let (code, report, stderr) = fs_json(
        &sb,
        &root,
        &["--baseline", base, "--fail-on", "HIGH", "--fail-on-new"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["summary"]["new"], 0, "{report}");
    assert_eq!(report["summary"]["existing"], 4);
    let (code, _, _) = fs_json(&sb, &root, &["--baseline", base, "--fail-on", "HIGH"]);
    assert_eq!(code, 1, "without --fail-on-new existing secrets still fail");

    // Lines moved, the GitHub token rotated, the key file removed.
    let rotated = ["gh", "p_", "An0th3rT0k3nV4lu3F0rT3st1ngS3cr3tsAbC"].concat();
    let config = p.config().replace(&p.github, &rotated);
    std::fs::write(root.join("config/app.env"), format!("# moved\n\n{config}")).unwrap();
    std::fs::remove_file(root.join("deploy/id_rsa")).unwrap();
    let (code, report, stderr) = fs_json(
        &sb,
        &root,
        &["--baseline", base, "--fail-on", "HIGH", "--fail-on-new"],
    );
    assert_eq!(
        secret_states(&report),
        [
            "config/app.env:aws-access-key-id existing",
            "config/app.env:aws-secret-access-key existing",
            "config/app.env:github-pat new",
        ]
    );
    assert_eq!(
        fixed_secrets(&report),
        ["config/app.env:github-pat", "deploy/id_rsa:private-key"]
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        report["gate"]["reasons"][0],
        "1 new finding at or above HIGH (1 CRITICAL)"
    );
    let summary = &report["summary"];
    assert_eq!(
        (
            summary["new"].as_u64(),
            summary["existing"].as_u64(),
            summary["fixed"].as_u64()
        ),
        (Some(1), Some(2), Some(2))
    );
    // Nothing of the values in the baseline or the comparison.
    let text = report.to_string() + &std::fs::read_to_string(base).unwrap();
    for needle in p.needles().iter().chain([&rotated]) {
        assert!(!text.contains(needle.as_str()), "leaked {needle}");
    }
}

#[test]
fn baseline_input_scans_the_old_image_for_secrets() {
    let sb = Sandbox::new();
    let p = Planted::new();
    let old = sb.path("old.tar");
    app_image(&sb, &p);
    std::fs::rename(sb.path("app.tar"), &old).unwrap();
    let token = ["gh", "p_", "An0th3rT0k3nV4lu3F0rT3st1ngS3cr3tsAbC"].concat();
    // The new image: the config moved down two lines, the key never
    // added, a new token in a file of its own.
    ImageBuilder::new()
        .tag("app:2")
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .layer(
            Layer::new()
                .file("app/config.env", format!("# v2\n\n{}", p.config()))
                .file("app/ci.env", format!("GH_TOKEN={token}\n")),
        )
        .docker_archive(&sb.path("app.tar"));
    let report = image_json(&sb, &["--baseline-input", old.to_str().unwrap()]);
    assert_eq!(
        secret_states(&report),
        [
            "app/ci.env:github-pat new",
            "app/config.env:aws-access-key-id existing",
            "app/config.env:aws-secret-access-key existing",
            "app/config.env:github-pat existing",
        ]
    );
    assert_eq!(fixed_secrets(&report), ["root/.ssh/id_rsa:private-key"]);
    let fixed = &report["fixed"][0];
    assert_eq!(fixed["deleted_later"], true);
    assert!(
        fixed.get("layer_diff_id").is_none(),
        "the old image's layer is not in this one: {fixed}"
    );

    // Without the secret scanner the baseline's secrets are not looked for.
    let out = sb
        .cmd()
        .args(["image", "--input"])
        .arg(sb.path("app.tar"))
        .args([
            "--scanners",
            "vuln",
            "--offline",
            "-f",
            "json",
            "--baseline-input",
        ])
        .arg(&old)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["fixed"], serde_json::json!([]), "{stderr}");
}
