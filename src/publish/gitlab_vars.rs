//! GitLab CI variables mapped onto `scangate ci` flags, so the GitLab
//! template's script is just `scangate ci` and a job configures it with
//! `variables:` alone.
//!
//! GitLab exports every job variable, and a template variable declared as
//! `""` arrives as an empty string: an empty variable is unset here, as
//! everywhere. Besides scangate's own `SCANGATE_*` names, the variable
//! names of GitLab's own container scanning are aliases (`CS_IMAGE`,
//! `CS_SEVERITY_THRESHOLD`, `CS_DOCKERFILE_PATH`, `CS_REGISTRY_USER`,
//! `CS_REGISTRY_PASSWORD`, `CS_IGNORE_UNFIXED`), so a job moving from
//! GitLab's scanner keeps its settings. Precedence: a flag on the command
//! line, then the `SCANGATE_*` variable, then the `CS_*` alias. Like
//! [`super::inputs`], values become flags appended before parsing, so they
//! are validated exactly like the flags.

use super::ci_env::Env;
use crate::matching::severity::Severity;
use std::ffi::OsString;

/// One setting: the flag, its spellings on a command line, and the
/// variables that set it, first match wins.
struct Mapping {
    flag: &'static str,
    spellings: &'static [&'static str],
    variables: &'static [&'static str],
}

const MAPPINGS: &[Mapping] = &[
    Mapping {
        flag: "exit-code",
        spellings: &["--exit-code"],
        variables: &["SCANGATE_EXIT_CODE"],
    },
    Mapping {
        flag: "dockerfile",
        spellings: &["--dockerfile"],
        variables: &["SCANGATE_DOCKERFILE", "CS_DOCKERFILE_PATH"],
    },
    Mapping {
        flag: "username",
        spellings: &["--username"],
        variables: &["CS_REGISTRY_USER"],
    },
    Mapping {
        flag: "password",
        spellings: &["--password"],
        variables: &["CS_REGISTRY_PASSWORD"],
    },
];

/// Whether `args` (after the program name) hold one of `spellings`.
fn given(args: &[OsString], spellings: &[&str]) -> bool {
    args.iter().filter_map(|a| a.to_str()).any(|a| {
        spellings
            .iter()
            .any(|s| a == *s || a.starts_with(&format!("{s}=")))
    })
}

/// Whether `args` (after the program name) run `ci`.
fn is_ci(args: &[OsString]) -> bool {
    let mut i = 0;
    while let Some(arg) = args.get(i).and_then(|a| a.to_str()) {
        match arg {
            "--cache-dir" => i += 2,
            a if a.starts_with('-') => i += 1,
            a => return a == "ci",
        }
    }
    false
}

/// Whether `args` (after `ci`) name an image or a directory positionally.
fn has_positional(args: &[OsString]) -> bool {
    let mut after_ci = false;
    let mut skip_value = false;
    for a in args.iter().filter_map(|a| a.to_str()) {
        if skip_value {
            skip_value = false;
            continue;
        }
        if !after_ci {
            after_ci = a == "ci";
            skip_value = a == "--cache-dir";
            continue;
        }
        if a.starts_with('-') {
            // Options of `ci` that take a separate value.
            skip_value = !a.contains('=') && TAKES_VALUE.contains(&a);
            continue;
        }
        return true;
    }
    false
}

/// `ci` options written `--flag VALUE` (a separate value), so the value
/// is not taken for the positional image.
const TAKES_VALUE: &[&str] = &[
    "--input",
    "--ref",
    "--platform",
    "--username",
    "--password",
    "--cache-max-size",
    "--scanners",
    "--scan-type",
    "--db-url",
    "--db-ttl",
    "--severity",
    "--fail-on",
    "--exit-code",
    "--ignorefile",
    "--vex",
    "--baseline",
    "--baseline-input",
    "--format",
    "-f",
    "--output",
    "-o",
    "--report",
    "--category",
    "--dockerfile",
    "--github-token",
    "--sarif-file",
];

/// `CS_SEVERITY_THRESHOLD` reports that severity and above, as GitLab's
/// scanner does: as a `--severity` list.
fn severities_from(threshold: &str) -> Option<String> {
    let min: Severity = threshold.trim().parse().ok()?;
    let list: Vec<String> = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .filter(|s| *s >= min)
    .map(|s| s.to_string())
    .collect();
    Some(list.join(","))
}

/// `argv` (program name first) with the GitLab variables in `env` appended
/// as flags, for `scangate ci` in GitLab CI (`GITLAB_CI=true`) only.
/// Returns the arguments and a warning per variable not used.
pub fn apply(argv: Vec<OsString>, env: &Env) -> (Vec<OsString>, Vec<String>) {
    let mut warnings = Vec::new();
    let in_gitlab = env
        .get("GITLAB_CI")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !in_gitlab || argv.len() < 2 || !is_ci(&argv[1..]) {
        return (argv, warnings);
    }
    let args = &argv[1..];
    let mut extra: Vec<String> = Vec::new();
    for m in MAPPINGS {
        if given(args, m.spellings) {
            continue;
        }
        if let Some(value) = m.variables.iter().find_map(|v| env.get(v)) {
            extra.push(format!("--{}={}", m.flag, value.trim()));
        }
    }
    // SCANGATE_SEVERITY is the flag's own variable (read by clap); the
    // alias applies only without it.
    if !given(args, &["--severity"]) && env.get("SCANGATE_SEVERITY").is_none() {
        if let Some(threshold) = env.get("CS_SEVERITY_THRESHOLD") {
            match severities_from(threshold) {
                Some(list) => extra.push(format!("--severity={list}")),
                None => warnings.push(format!(
                    "CS_SEVERITY_THRESHOLD is ignored: {threshold:?} is not a severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)"
                )),
            }
        }
    }
    if !given(args, &["--ignore-unfixed"])
        && env
            .get("CS_IGNORE_UNFIXED")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        extra.push("--ignore-unfixed".into());
    }
    // What to scan: a flag or positional on the command line; else
    // SCANGATE_INPUT (an archive from a build job); else the image named by
    // SCANGATE_IMAGE_REF or CS_IMAGE; else, for an image scan, the image
    // this pipeline pushed, `$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA`.
    let mut positional = None;
    let config_only = given(args, &["--scan-type=config", "--scan-type=fs"])
        || args
            .windows(2)
            .any(|w| w[0] == "--scan-type" && (w[1] == "config" || w[1] == "fs"));
    if !given(args, &["--input"]) && !has_positional(&argv) && !config_only {
        if let Some(input) = env.get("SCANGATE_INPUT") {
            extra.push(format!("--input={}", input.trim()));
        } else if let Some(image) = env.get("SCANGATE_IMAGE_REF").or(env.get("CS_IMAGE")) {
            positional = Some(image.trim().to_string());
        } else if !scanners_config_only(args, env) {
            if let (Some(image), Some(sha)) =
                (env.get("CI_REGISTRY_IMAGE"), env.get("CI_COMMIT_SHA"))
            {
                positional = Some(format!("{}:{}", image.trim(), sha.trim()));
            }
        }
    }
    let mut argv = argv;
    argv.extend(extra.into_iter().map(OsString::from));
    argv.extend(positional.map(OsString::from));
    (argv, warnings)
}

/// Whether the scanners asked for (flag or `SCANGATE_SCANNERS`) are
/// `config` alone: a repository check, which needs no image.
fn scanners_config_only(args: &[OsString], env: &Env) -> bool {
    let from_args = args.iter().enumerate().find_map(|(i, a)| {
        let a = a.to_str()?;
        match a.strip_prefix("--scanners=") {
            Some(v) => Some(v.to_string()),
            None if a == "--scanners" => args.get(i + 1)?.to_str().map(str::to_string),
            None => None,
        }
    });
    let value = from_args.or_else(|| env.get("SCANGATE_SCANNERS").map(str::to_string));
    value.is_some_and(|v| {
        v.split(',')
            .all(|s| s.trim().eq_ignore_ascii_case("config"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], vars: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
        let mut pairs: Vec<(String, String)> = vec![("GITLAB_CI".into(), "true".into())];
        pairs.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let argv = args.iter().map(OsString::from).collect();
        let (out, warnings) = apply(argv, &Env::from_pairs(pairs));
        (
            out.into_iter().map(|a| a.into_string().unwrap()).collect(),
            warnings,
        )
    }

    const PIPELINE: &[(&str, &str)] = &[
        ("CI_REGISTRY_IMAGE", "registry.example.com/g/p"),
        ("CI_COMMIT_SHA", "abc123"),
    ];

    #[test]
    fn template_defaults_scan_the_pipelines_image() {
        let mut vars = PIPELINE.to_vec();
        vars.extend([
            ("SCANGATE_INPUT", ""),
            ("SCANGATE_IMAGE_REF", ""),
            ("SCANGATE_DOCKERFILE", ""),
            ("SCANGATE_EXIT_CODE", ""),
        ]);
        let (args, warnings) = run(&["scangate", "ci"], &vars);
        assert!(warnings.is_empty());
        assert_eq!(args, ["scangate", "ci", "registry.example.com/g/p:abc123"]);
        let mut vars = PIPELINE.to_vec();
        vars.push(("SCANGATE_EXIT_CODE", "4"));
        let (args, _) = run(&["scangate", "ci"], &vars);
        assert_eq!(
            args,
            [
                "scangate",
                "ci",
                "--exit-code=4",
                "registry.example.com/g/p:abc123"
            ]
        );
    }

    #[test]
    fn an_archive_wins_over_every_image_name() {
        let mut vars = PIPELINE.to_vec();
        vars.extend([("SCANGATE_INPUT", "image.tar"), ("CS_IMAGE", "other:1")]);
        let (args, _) = run(&["scangate", "ci"], &vars);
        assert_eq!(args, ["scangate", "ci", "--input=image.tar"]);
    }

    #[test]
    fn container_scanning_names_are_aliases() {
        let (args, warnings) = run(
            &["scangate", "ci"],
            &[
                ("CS_IMAGE", "registry.example.com/g/p:1.0"),
                ("CS_SEVERITY_THRESHOLD", "high"),
                ("CS_DOCKERFILE_PATH", "build/Dockerfile"),
                ("CS_REGISTRY_USER", "bot"),
                ("CS_REGISTRY_PASSWORD", "pw"),
                ("CS_IGNORE_UNFIXED", "true"),
            ],
        );
        assert!(warnings.is_empty());
        assert_eq!(
            args,
            [
                "scangate",
                "ci",
                "--dockerfile=build/Dockerfile",
                "--username=bot",
                "--password=pw",
                "--severity=HIGH,CRITICAL",
                "--ignore-unfixed",
                "registry.example.com/g/p:1.0"
            ]
        );
    }

    #[test]
    fn flags_and_scangate_names_win_over_aliases() {
        let (args, warnings) = run(
            &["scangate", "ci", "--dockerfile", "D", "app:2"],
            &[
                ("CS_IMAGE", "app:1"),
                ("CS_DOCKERFILE_PATH", "E"),
                ("SCANGATE_SEVERITY", "LOW"),
                ("CS_SEVERITY_THRESHOLD", "bogus"),
            ],
        );
        assert!(warnings.is_empty());
        assert_eq!(args, ["scangate", "ci", "--dockerfile", "D", "app:2"]);
    }

    #[test]
    fn a_config_check_needs_no_image() {
        let (args, _) = run(&["scangate", "ci", "--scanners", "config"], PIPELINE);
        assert_eq!(args, ["scangate", "ci", "--scanners", "config"]);
        let mut vars = PIPELINE.to_vec();
        vars.push(("SCANGATE_SCANNERS", "config"));
        let (args, _) = run(&["scangate", "ci"], &vars);
        assert_eq!(args, ["scangate", "ci"]);
    }

    #[test]
    fn a_bad_threshold_is_a_warning_and_outside_gitlab_nothing_changes() {
        let (args, warnings) = run(&["scangate", "ci"], &[("CS_SEVERITY_THRESHOLD", "huge")]);
        assert_eq!(args, ["scangate", "ci"]);
        assert_eq!(warnings.len(), 1);
        let env = Env::from_pairs([("CS_IMAGE", "app:1")]);
        let (args, _) = apply(vec!["scangate".into(), "ci".into()], &env);
        assert_eq!(args, ["scangate", "ci"]);
    }
}
