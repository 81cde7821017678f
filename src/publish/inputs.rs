//! GitHub Action inputs (`INPUT_<NAME>`) mapped onto `scangate ci` flags.
//!
//! A Docker container action receives each `with:` input as an environment
//! variable. Rather than a second settings path, each input becomes the flag
//! it stands for, appended to the command line before it is parsed, so an
//! input is validated exactly like the flag. Precedence: a flag on the
//! command line wins over its input; an input wins over the flag's
//! `SCANGATE_*` environment variable; both win over the default. An empty
//! input (GitHub sets every declared input, empty when not given) is unset.

use super::ci_env::Env;
use std::ffi::OsString;

/// How an input's value becomes arguments.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `--flag=VALUE`.
    Value,
    /// `true` → `--flag`; `false` → nothing.
    Switch,
    /// `true` → `--flag`, `false` → `--no-flag`.
    OnOff,
    /// A comma-separated list → `--flag=A --flag=B` (trivy-action's
    /// `trivyignores`).
    Each,
}

/// One input: its name in `action.yml`, the flag it sets, and every
/// spelling of that flag on a command line (to tell whether it was given).
struct Mapping {
    input: &'static str,
    flag: &'static str,
    kind: Kind,
    spellings: &'static [&'static str],
}

const MAPPINGS: &[Mapping] = &[
    m("input", "input", Kind::Value, &["--input"]),
    m("severity", "severity", Kind::Value, &["--severity"]),
    m(
        "vuln-type",
        "pkg-types",
        Kind::Value,
        &["--pkg-types", "--vuln-type"],
    ),
    m("skip-dirs", "skip-dirs", Kind::Value, &["--skip-dirs"]),
    m("skip-files", "skip-files", Kind::Value, &["--skip-files"]),
    m("trivyignores", "ignorefile", Kind::Each, &["--ignorefile"]),
    m("trivy-config", "config", Kind::Value, &["--config", "-c"]),
    m(
        "hide-progress",
        "no-progress",
        Kind::Switch,
        &["--no-progress"],
    ),
    m("timeout", "timeout", Kind::Value, &["--timeout"]),
    m(
        "docker-host",
        "docker-host",
        Kind::Value,
        &["--docker-host"],
    ),
    m(
        "ignore-unfixed",
        "ignore-unfixed",
        Kind::Switch,
        &["--ignore-unfixed"],
    ),
    m("fail-on", "fail-on", Kind::Value, &["--fail-on"]),
    m("exit-code", "exit-code", Kind::Value, &["--exit-code"]),
    m(
        "fail-on-kev",
        "fail-on-kev",
        Kind::Switch,
        &["--fail-on-kev"],
    ),
    m(
        "fail-on-epss",
        "fail-on-epss",
        Kind::Value,
        &["--fail-on-epss"],
    ),
    m("format", "format", Kind::Value, &["--format", "-f"]),
    m("output", "output", Kind::Value, &["--output", "-o"]),
    m("cache-dir", "cache-dir", Kind::Value, &["--cache-dir"]),
    m("ignorefile", "ignorefile", Kind::Value, &["--ignorefile"]),
    m(
        "skip-db-update",
        "offline",
        Kind::Switch,
        &["--offline", "--skip-db-update"],
    ),
    m("scanners", "scanners", Kind::Value, &["--scanners"]),
    m(
        "list-all-pkgs",
        "list-packages",
        Kind::Switch,
        &["--list-packages", "--list-all-pkgs"],
    ),
    m("tf-vars", "tf-vars", Kind::Value, &["--tf-vars"]),
    m(
        "trusted-registries",
        "trusted-registries",
        Kind::Value,
        &["--trusted-registries"],
    ),
    m(
        "ignore-status",
        "ignore-status",
        Kind::Value,
        &["--ignore-status"],
    ),
    m("vex", "vex", Kind::Value, &["--vex"]),
    m("baseline", "baseline", Kind::Value, &["--baseline"]),
    m(
        "fail-on-new",
        "fail-on-new",
        Kind::Switch,
        &["--fail-on-new"],
    ),
    m("category", "category", Kind::Value, &["--category"]),
    m("dockerfile", "dockerfile", Kind::Value, &["--dockerfile"]),
    m("sarif-file", "sarif-file", Kind::Value, &["--sarif-file"]),
    m(
        "upload-sarif",
        "upload-sarif",
        Kind::OnOff,
        &["--upload-sarif", "--no-upload-sarif"],
    ),
    m(
        "pr-comment",
        "pr-comment",
        Kind::OnOff,
        &["--pr-comment", "--no-pr-comment"],
    ),
    m(
        "strict-publish",
        "strict-publish",
        Kind::Switch,
        &["--strict-publish"],
    ),
    m(
        "registry-username",
        "username",
        Kind::Value,
        &["--username"],
    ),
    m(
        "registry-password",
        "password",
        Kind::Value,
        &["--password"],
    ),
    m("scan-type", "scan-type", Kind::Value, &["--scan-type"]),
];

const fn m(
    input: &'static str,
    flag: &'static str,
    kind: Kind,
    spellings: &'static [&'static str],
) -> Mapping {
    Mapping {
        input,
        flag,
        kind,
        spellings,
    }
}

/// trivy-action inputs that cannot apply to scangate's container action:
/// accepted (a workflow moved over keeps validating), and warned about at
/// run time when set.
const INERT: &[(&str, &str)] = &[
    ("template", "scangate has no Go templates; use `format` (sarif, gitlab, markdown, cyclonedx, json)"),
    ("ignore-policy", "use an ignore file (`trivyignores`, .trivyignore.yaml) or `vex`"),
    ("github-pat", "scangate does not submit dependency snapshots"),
    ("version", "the scangate version is the action's own (pin the action)"),
    ("cache", "a container action cannot use actions/cache itself: cache `cache-dir` with actions/cache in a step before"),
    ("skip-setup-trivy", "there is no Trivy to set up"),
    ("token-setup-trivy", "there is no Trivy to set up"),
];

/// The input names `scangate ci` reads as flags (besides `image-ref`, the
/// positional image, and `github-token`, read as a secret by `ci_env`).
pub fn names() -> impl Iterator<Item = &'static str> {
    MAPPINGS.iter().map(|m| m.input)
}

/// Whether `args` (the command line after the program name) runs `ci`:
/// its first argument that is not a global flag is `ci`.
pub fn is_ci(args: &[OsString]) -> bool {
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

/// Whether one of `spellings` is on the command line (`--flag`,
/// `--flag=…`, or a short flag with its value attached, `-fjson`).
fn given(args: &[OsString], spellings: &[&str]) -> bool {
    args.iter().filter_map(|a| a.to_str()).any(|a| {
        spellings.iter().any(|s| {
            a == *s
                || (s.starts_with("--") && a.starts_with(&format!("{s}=")))
                || (!s.starts_with("--") && a.starts_with(s))
        })
    })
}

fn truthy(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `argv` (program name first) with the action inputs in `env` appended as
/// flags, for `scangate ci` only; `known` says whether this build's `ci`
/// has a flag. Returns the arguments and a warning per input not used.
pub fn apply(
    argv: Vec<OsString>,
    env: &Env,
    known: &dyn Fn(&str) -> bool,
) -> (Vec<OsString>, Vec<String>) {
    let mut warnings = Vec::new();
    if argv.len() < 2 || !is_ci(&argv[1..]) {
        return (argv, warnings);
    }
    for (input, why) in INERT {
        if env.input(input).is_some() {
            warnings.push(format!("action input `{input}` is ignored: {why}"));
        }
    }
    if env
        .input("limit-severities-for-sarif")
        .is_some_and(|v| truthy(v) == Some(false))
    {
        warnings.push(
            "action input `limit-severities-for-sarif: false` is ignored: scangate's SARIF always \
             follows `severity`, like the gate, so the upload and the exit code agree"
                .to_string(),
        );
    }
    let mut extra: Vec<String> = Vec::new();
    for m in MAPPINGS {
        let Some(value) = env.input(m.input) else {
            continue;
        };
        if given(&argv[1..], m.spellings) {
            continue;
        }
        if !known(m.flag) {
            warnings.push(format!(
                "action input `{}` is ignored: this scangate build has no --{}",
                m.input, m.flag
            ));
            continue;
        }
        match m.kind {
            Kind::Value => extra.push(format!("--{}={value}", m.flag)),
            Kind::Each => extra.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("--{}={v}", m.flag)),
            ),
            Kind::Switch | Kind::OnOff => match truthy(value) {
                Some(true) => extra.push(format!("--{}", m.flag)),
                Some(false) if matches!(m.kind, Kind::OnOff) => {
                    extra.push(format!("--no-{}", m.flag))
                }
                Some(false) => {}
                None => warnings.push(format!(
                    "action input `{}` is ignored: {value:?} is not true or false",
                    m.input
                )),
            },
        }
    }
    // `image-ref` is the positional image (registry or daemon); a local
    // `input` wins over it, as in trivy-action. For `scan-type: fs` or
    // `config`, `scan-ref` is the positional directory instead.
    let scans_tree = matches!(env.input("scan-type"), Some("fs" | "config"));
    let positional = if scans_tree {
        env.input("scan-ref").map(str::to_string)
    } else {
        match env.input("image-ref") {
            Some(reference) if env.input("input").is_none() && !given(&argv[1..], &["--input"]) => {
                Some(reference.to_string())
            }
            _ => None,
        }
    };
    let mut argv = argv;
    argv.extend(extra.into_iter().map(OsString::from));
    argv.extend(positional.map(OsString::from));
    (argv, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], inputs: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
        let env = Env::from_pairs(inputs.iter().map(|(k, v)| (format!("INPUT_{k}"), *v)));
        let argv = args.iter().map(OsString::from).collect();
        let (out, warnings) = apply(argv, &env, &|flag| flag != "dockerfile");
        (
            out.into_iter().map(|a| a.into_string().unwrap()).collect(),
            warnings,
        )
    }

    #[test]
    fn inputs_become_flags_and_flags_win() {
        let (args, warnings) = run(
            &["scangate", "-v", "ci", "--fail-on", "CRITICAL", "-fjson"],
            &[
                ("INPUT", "image.tar"),
                ("FAIL-ON", "HIGH"),
                ("FORMAT", "table"),
                ("IGNORE-UNFIXED", "true"),
                ("SKIP-DB-UPDATE", "false"),
                ("UPLOAD-SARIF", "false"),
                ("SEVERITY", ""),
            ],
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            args,
            [
                "scangate",
                "-v",
                "ci",
                "--fail-on",
                "CRITICAL",
                "-fjson",
                "--input=image.tar",
                "--ignore-unfixed",
                "--no-upload-sarif"
            ]
        );
    }

    #[test]
    fn trivy_action_inputs_map_onto_their_flags() {
        let (args, warnings) = run(
            &["scangate", "ci"],
            &[
                ("VULN-TYPE", "os"),
                ("TRIVYIGNORES", ".trivyignore, extra/.trivyignore"),
                ("HIDE-PROGRESS", "true"),
                ("TIMEOUT", "10m0s"),
                ("TEMPLATE", "@/contrib/gitlab.tpl"),
                ("LIMIT-SEVERITIES-FOR-SARIF", "true"),
            ],
        );
        assert_eq!(
            args,
            [
                "scangate",
                "ci",
                "--pkg-types=os",
                "--ignorefile=.trivyignore",
                "--ignorefile=extra/.trivyignore",
                "--no-progress",
                "--timeout=10m0s"
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("action input `template` is ignored"));
    }

    #[test]
    fn scan_ref_names_the_directory_of_a_tree_scan() {
        let (args, _) = run(
            &["scangate", "ci"],
            &[
                ("SCAN-TYPE", "fs"),
                ("SCAN-REF", "sub"),
                ("IMAGE-REF", "app:1"),
            ],
        );
        assert_eq!(args, ["scangate", "ci", "--scan-type=fs", "sub"]);
        let (args, _) = run(
            &["scangate", "ci"],
            &[
                ("SCAN-TYPE", "image"),
                ("SCAN-REF", "sub"),
                ("IMAGE-REF", "app:1"),
            ],
        );
        assert_eq!(args, ["scangate", "ci", "--scan-type=image", "app:1"]);
    }

    /// action.yml, the public contract, declares exactly the inputs this
    /// file reads (mapped, inert, or read elsewhere), each empty by default
    /// unless it is a switch or names a place.
    #[test]
    fn action_yml_declares_every_input() {
        #[derive(serde::Deserialize)]
        struct Meta {
            inputs: std::collections::BTreeMap<String, Input>,
        }
        #[derive(serde::Deserialize)]
        struct Input {
            default: String,
        }
        let meta: Meta = serde_saphyr::from_str(include_str!("../../action.yml")).unwrap();
        let read_elsewhere = [
            "image-ref",
            "scan-ref",
            "github-token",
            "limit-severities-for-sarif",
        ];
        let mut read: Vec<&str> = names()
            .chain(INERT.iter().map(|(name, _)| *name))
            .chain(read_elsewhere)
            .collect();
        read.sort_unstable();
        let declared: Vec<&str> = meta.inputs.keys().map(String::as_str).collect();
        assert_eq!(declared, read);
        for name in ["tf-vars", "trusted-registries", "ignore-status"] {
            assert_eq!(meta.inputs[name].default, "", "{name}");
        }
    }

    #[test]
    fn config_inputs_become_their_flags() {
        let (args, warnings) = run(
            &["scangate", "ci"],
            &[
                ("TF-VARS", "prod.tfvars,extra.tfvars"),
                ("TRUSTED-REGISTRIES", "registry.example.com"),
                ("IGNORE-STATUS", "will_not_fix"),
            ],
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            args,
            [
                "scangate",
                "ci",
                "--tf-vars=prod.tfvars,extra.tfvars",
                "--trusted-registries=registry.example.com",
                "--ignore-status=will_not_fix"
            ]
        );
    }

    #[test]
    fn other_commands_ignore_inputs() {
        let (args, _) = run(
            &["scangate", "image", "--input", "x"],
            &[("FAIL-ON", "HIGH")],
        );
        assert_eq!(args, ["scangate", "image", "--input", "x"]);
    }

    #[test]
    fn unknown_flags_and_bad_switches_are_warnings() {
        let (args, warnings) = run(
            &["scangate", "ci"],
            &[("DOCKERFILE", "Dockerfile"), ("PR-COMMENT", "maybe")],
        );
        assert_eq!(args, ["scangate", "ci"]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("no --dockerfile"));
        assert!(warnings[1].contains("\"maybe\" is not true or false"));
    }
}
