use super::*;
use std::collections::HashMap;

/// Runs [`apply`] with `vars` as the environment, `yaml` as `trivy.yaml`
/// in the working directory (when given), and every flag known.
fn run(args: &[&str], vars: &[(&str, &str)], yaml: Option<&str>) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(yaml) = yaml {
        std::fs::write(dir.path().join("trivy.yaml"), yaml).unwrap();
    }
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = |name: &str| vars.get(name).cloned();
    let known = |_: &str, flag: &str| flag != "platform";
    let cx = Context {
        env: &env,
        cwd: dir.path(),
        known: &known,
    };
    let argv = args.iter().map(OsString::from).collect();
    let (out, warnings) = apply(argv, &cx).unwrap();
    (
        out.into_iter().map(|a| a.into_string().unwrap()).collect(),
        warnings,
    )
}

#[test]
fn trivy_variables_become_flags() {
    let (args, warnings) = run(
        &["scangate", "image", "--input", "x.tar"],
        &[
            ("TRIVY_SEVERITY", "HIGH,CRITICAL"),
            ("TRIVY_EXIT_CODE", "1"),
            ("TRIVY_IGNORE_UNFIXED", "true"),
            ("TRIVY_LIST_ALL_PKGS", "false"),
            ("TRIVY_SKIP_DIRS", ""),
        ],
        None,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        args,
        [
            "scangate",
            "image",
            "--input",
            "x.tar",
            "--severity=HIGH,CRITICAL",
            "--exit-code=1",
            "--ignore-unfixed"
        ]
    );
}

#[test]
fn flags_then_scangate_variables_then_trivy_variables_then_the_file() {
    let yaml = "severity: [LOW]\nexit-code: 4\nformat: json\ncache:\n  dir: .trivycache\n";
    let (args, _) = run(
        &[
            "scangate",
            "--cache-dir",
            "c",
            "image",
            "--severity",
            "CRITICAL",
        ],
        &[
            ("TRIVY_SEVERITY", "MEDIUM"),
            ("SCANGATE_EXIT_CODE", "9"),
            ("TRIVY_EXIT_CODE", "8"),
            ("TRIVY_FORMAT", "sarif"),
        ],
        Some(yaml),
    );
    // The flag beats all; SCANGATE_EXIT_CODE is left to clap; TRIVY_FORMAT
    // beats the file.
    assert_eq!(
        args,
        [
            "scangate",
            "--cache-dir",
            "c",
            "image",
            "--severity",
            "CRITICAL",
            "--format=sarif"
        ]
    );
}

#[test]
fn the_config_file_applies_and_unknown_keys_are_warned_once() {
    let yaml = "severity:\n  - HIGH\n  - CRITICAL\nexit-code: 1\nvulnerability:\n  ignore-unfixed: true\nscan:\n  skip-dirs: [node_modules, \"**/testdata\"]\n  scanners: [vuln, misconfig]\ndb:\n  repository: ghcr.io/x\nimage:\n  platform: linux/arm64\n";
    let (args, warnings) = run(&["scangate", "fs", "."], &[], Some(yaml));
    assert_eq!(
        args,
        [
            "scangate",
            "fs",
            ".",
            "--severity=HIGH,CRITICAL",
            "--exit-code=1",
            "--ignore-unfixed",
            "--scanners=vuln,misconfig",
            "--skip-dirs=node_modules,**/testdata"
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].ends_with("trivy.yaml: scangate has no equivalent of db.repository (ignored)"),
        "{warnings:?}"
    );
}

#[test]
fn a_named_config_file_must_exist() {
    let env = |_: &str| None;
    let known = |_: &str, _: &str| true;
    let cx = Context {
        env: &env,
        cwd: Path::new("/nonexistent"),
        known: &known,
    };
    let argv = ["scangate", "image", "--config", "/nonexistent/t.yaml", "x"]
        .iter()
        .map(OsString::from)
        .collect();
    let err = apply(argv, &cx).unwrap_err();
    assert!(err.starts_with("/nonexistent/t.yaml: cannot read"), "{err}");
}

#[test]
fn bad_values_are_warned_and_other_commands_untouched() {
    let (args, warnings) = run(
        &["scangate", "ci"],
        &[("TRIVY_IGNORE_UNFIXED", "maybe")],
        None,
    );
    assert_eq!(args, ["scangate", "ci"]);
    assert_eq!(
        warnings,
        ["TRIVY_IGNORE_UNFIXED is ignored: \"maybe\" is not true or false"]
    );
    // The database commands share the cache directory with the scans.
    let (args, _) = run(
        &["scangate", "db", "info"],
        &[("TRIVY_CACHE_DIR", "x")],
        None,
    );
    assert_eq!(args, ["scangate", "db", "info", "--cache-dir=x"]);
}

#[test]
fn repeatable_flags_get_one_occurrence_per_item() {
    let yaml = "vulnerability:\n  vex: [a.json, b.json]\n";
    let (args, _) = run(&["scangate", "image", "x"], &[], Some(yaml));
    assert_eq!(args[3..], ["--vex=a.json", "--vex=b.json"]);
}
