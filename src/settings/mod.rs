//! Settings from outside the command line: `SCANGATE_*` and `TRIVY_*`
//! environment variables and Trivy's `trivy.yaml`, so a pipeline moved from
//! Trivy keeps its gate.
//!
//! Like the action inputs ([`crate::publish::inputs`]), each setting becomes
//! the flag it stands for, appended to the command line before clap parses
//! it, so it is validated exactly like the flag. Precedence, highest first:
//! a flag on the command line (or an action input), the flag's `SCANGATE_*`
//! variable (read by clap itself), the `TRIVY_*` variable, the config file.
//! An empty variable is unset (GitLab exports every declared variable, empty
//! when not given).

mod trivy_yaml;
pub mod unsupported;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How a setting's value becomes arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `--flag=VALUE`.
    Value,
    /// A list: `--flag=A,B` (the flag splits on commas).
    List,
    /// A list of a flag that takes one value per occurrence:
    /// `--flag=A --flag=B`.
    Repeat,
    /// `true` → `--flag`; `false` → nothing.
    Switch,
}

/// One setting both tools share.
struct Setting {
    /// The scangate flag (long name).
    flag: &'static str,
    /// Every spelling of the flag on a command line.
    spellings: &'static [&'static str],
    /// The flag's own variable, which clap reads (and which wins over
    /// Trivy's).
    scangate_env: Option<&'static str>,
    /// Trivy's variables for it, first found wins.
    trivy_env: &'static [&'static str],
    /// Its keys in `trivy.yaml`, dotted (`vulnerability.ignore-unfixed`).
    yaml: &'static [&'static str],
    kind: Kind,
}

const SETTINGS: &[Setting] = &[
    Setting {
        flag: "severity",
        spellings: &["--severity"],
        scangate_env: Some("SCANGATE_SEVERITY"),
        trivy_env: &["TRIVY_SEVERITY"],
        yaml: &["severity"],
        kind: Kind::List,
    },
    Setting {
        flag: "exit-code",
        spellings: &["--exit-code"],
        scangate_env: Some("SCANGATE_EXIT_CODE"),
        trivy_env: &["TRIVY_EXIT_CODE"],
        yaml: &["exit-code"],
        kind: Kind::Value,
    },
    Setting {
        flag: "ignore-unfixed",
        spellings: &["--ignore-unfixed"],
        scangate_env: Some("SCANGATE_IGNORE_UNFIXED"),
        trivy_env: &["TRIVY_IGNORE_UNFIXED"],
        yaml: &["vulnerability.ignore-unfixed", "ignore-unfixed"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "scanners",
        spellings: &["--scanners"],
        scangate_env: Some("SCANGATE_SCANNERS"),
        trivy_env: &["TRIVY_SCANNERS", "TRIVY_SECURITY_CHECKS"],
        yaml: &["scan.scanners", "scanners"],
        kind: Kind::List,
    },
    Setting {
        flag: "skip-dirs",
        spellings: &["--skip-dirs"],
        scangate_env: Some("SCANGATE_SKIP_DIRS"),
        trivy_env: &["TRIVY_SKIP_DIRS"],
        yaml: &["scan.skip-dirs", "skip-dirs"],
        kind: Kind::List,
    },
    Setting {
        flag: "skip-files",
        spellings: &["--skip-files"],
        scangate_env: Some("SCANGATE_SKIP_FILES"),
        trivy_env: &["TRIVY_SKIP_FILES"],
        yaml: &["scan.skip-files", "skip-files"],
        kind: Kind::List,
    },
    Setting {
        flag: "ignorefile",
        spellings: &["--ignorefile"],
        scangate_env: None,
        trivy_env: &["TRIVY_IGNOREFILE"],
        yaml: &["ignorefile"],
        kind: Kind::Repeat,
    },
    Setting {
        flag: "cache-dir",
        spellings: &["--cache-dir"],
        scangate_env: Some("SCANGATE_CACHE_DIR"),
        trivy_env: &["TRIVY_CACHE_DIR"],
        yaml: &["cache.dir", "cache-dir"],
        kind: Kind::Value,
    },
    Setting {
        flag: "format",
        spellings: &["--format", "-f"],
        scangate_env: None,
        trivy_env: &["TRIVY_FORMAT"],
        yaml: &["format"],
        kind: Kind::Value,
    },
    Setting {
        flag: "output",
        spellings: &["--output", "-o"],
        scangate_env: None,
        trivy_env: &["TRIVY_OUTPUT"],
        yaml: &["output"],
        kind: Kind::Value,
    },
    Setting {
        flag: "timeout",
        spellings: &["--timeout"],
        scangate_env: Some("SCANGATE_TIMEOUT"),
        trivy_env: &["TRIVY_TIMEOUT"],
        yaml: &["timeout"],
        kind: Kind::Value,
    },
    Setting {
        flag: "list-packages",
        spellings: &["--list-packages", "--list-all-pkgs"],
        scangate_env: Some("SCANGATE_LIST_PACKAGES"),
        trivy_env: &["TRIVY_LIST_ALL_PKGS"],
        yaml: &["list-all-pkgs"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "include-dev-deps",
        spellings: &["--include-dev-deps"],
        scangate_env: None,
        trivy_env: &["TRIVY_INCLUDE_DEV_DEPS"],
        yaml: &["include-dev-deps"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "detection-priority",
        spellings: &["--detection-priority"],
        scangate_env: None,
        trivy_env: &["TRIVY_DETECTION_PRIORITY"],
        yaml: &["scan.detection-priority"],
        kind: Kind::Value,
    },
    Setting {
        flag: "pkg-types",
        spellings: &["--pkg-types", "--vuln-type"],
        scangate_env: None,
        trivy_env: &["TRIVY_PKG_TYPES", "TRIVY_VULN_TYPE"],
        yaml: &["pkg.types", "vulnerability.type"],
        kind: Kind::List,
    },
    Setting {
        flag: "offline",
        spellings: &["--offline", "--skip-db-update"],
        scangate_env: None,
        trivy_env: &["TRIVY_SKIP_DB_UPDATE"],
        yaml: &["db.skip-update"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "no-progress",
        spellings: &["--no-progress"],
        scangate_env: None,
        trivy_env: &["TRIVY_NO_PROGRESS"],
        yaml: &["db.no-progress", "no-progress"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "quiet",
        spellings: &["--quiet", "-q"],
        scangate_env: None,
        trivy_env: &["TRIVY_QUIET"],
        yaml: &["quiet"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "debug",
        spellings: &["--debug", "-d"],
        scangate_env: None,
        trivy_env: &["TRIVY_DEBUG"],
        yaml: &["debug"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "insecure",
        spellings: &["--insecure"],
        scangate_env: None,
        trivy_env: &["TRIVY_INSECURE"],
        yaml: &["insecure"],
        kind: Kind::Switch,
    },
    Setting {
        flag: "platform",
        spellings: &["--platform"],
        scangate_env: Some("SCANGATE_PLATFORM"),
        trivy_env: &["TRIVY_PLATFORM"],
        yaml: &["image.platform", "platform"],
        kind: Kind::Value,
    },
    Setting {
        flag: "username",
        spellings: &["--username"],
        scangate_env: Some("SCANGATE_USERNAME"),
        trivy_env: &["TRIVY_USERNAME"],
        yaml: &["registry.username"],
        kind: Kind::Value,
    },
    Setting {
        flag: "password",
        spellings: &["--password"],
        scangate_env: Some("SCANGATE_PASSWORD"),
        trivy_env: &["TRIVY_PASSWORD"],
        yaml: &["registry.password"],
        kind: Kind::Value,
    },
    Setting {
        flag: "secret-config",
        spellings: &["--secret-config"],
        scangate_env: Some("SCANGATE_SECRET_CONFIG"),
        trivy_env: &["TRIVY_SECRET_CONFIG"],
        yaml: &["secret.config"],
        kind: Kind::Value,
    },
    Setting {
        flag: "vex",
        spellings: &["--vex"],
        scangate_env: None,
        trivy_env: &["TRIVY_VEX"],
        yaml: &["vulnerability.vex", "vex"],
        kind: Kind::Repeat,
    },
    Setting {
        flag: "tf-vars",
        spellings: &["--tf-vars"],
        scangate_env: Some("SCANGATE_TF_VARS"),
        trivy_env: &["TRIVY_TF_VARS"],
        yaml: &["misconfiguration.terraform.vars"],
        kind: Kind::List,
    },
];

/// The subcommands whose unused config-file keys are worth a warning (the
/// others take only a few of the settings, `--cache-dir` say).
const SCAN_COMMANDS: &[&str] = &["image", "fs", "config", "ci"];

/// Global flags that take a value, so the subcommand is found past them.
const GLOBAL_VALUE_FLAGS: &[&str] = &["--cache-dir", "--config", "-c", "--timeout"];

/// The environment, the working directory, and which flags each subcommand
/// has: what [`apply`] needs to know.
pub struct Context<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub cwd: &'a Path,
    /// Whether `subcommand` has the long flag `flag`.
    pub known: &'a dyn Fn(&str, &str) -> bool,
}

impl Context<'_> {
    /// A variable's value; an empty one is unset.
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }
}

/// `argv` (program name first) with the `TRIVY_*` variables and the config
/// file's settings appended as flags. Returns the arguments and the
/// warnings to log once logging is up; an explicitly named config file that
/// cannot be read is an error (a usage error: exit 2).
pub fn apply(
    argv: Vec<OsString>,
    cx: &Context<'_>,
) -> Result<(Vec<OsString>, Vec<String>), String> {
    let mut warnings = Vec::new();
    let args = &argv[1.min(argv.len())..];
    let Some(subcommand) = subcommand_of(args) else {
        return Ok((argv, warnings));
    };
    let file = match config_file(args, cx) {
        Some((path, explicit)) => trivy_yaml::load(&path, explicit)?,
        None => None,
    };
    let mut used = BTreeSet::new();
    let mut extra: Vec<String> = Vec::new();
    for setting in SETTINGS {
        if !(cx.known)(subcommand, setting.flag) || given(args, setting.spellings) {
            continue;
        }
        if setting
            .scangate_env
            .is_some_and(|name| cx.var(name).is_some())
        {
            continue;
        }
        let from_env = setting
            .trivy_env
            .iter()
            .find_map(|name| cx.var(name).map(|v| (*name, trivy_yaml::Value::Text(v))));
        let from_file = || {
            let file = file.as_ref()?;
            setting
                .yaml
                .iter()
                .find_map(|key| file.get(key).map(|v| (*key, v.clone())))
        };
        let Some((origin, value)) = from_env.or_else(from_file) else {
            continue;
        };
        used.insert(origin);
        match flags(setting, &value) {
            Ok(flags) => extra.extend(flags),
            Err(why) => warnings.push(format!("{origin} is ignored: {why}")),
        }
    }
    if let Some(file) = file
        .as_ref()
        .filter(|_| SCAN_COMMANDS.contains(&subcommand))
    {
        let unused: Vec<&str> = file
            .keys()
            .filter(|k| !SETTINGS.iter().any(|s| s.yaml.contains(k)))
            .collect();
        if !unused.is_empty() {
            warnings.push(format!(
                "{}: scangate has no equivalent of {} (ignored)",
                file.path.display(),
                unused.join(", ")
            ));
        }
    }
    let mut argv = argv;
    argv.extend(extra.into_iter().map(OsString::from));
    Ok((argv, warnings))
}

/// The flags one setting's value stands for.
fn flags(setting: &Setting, value: &trivy_yaml::Value) -> Result<Vec<String>, String> {
    let flag = setting.flag;
    let items = value.items();
    Ok(match setting.kind {
        Kind::Value => match &items[..] {
            [one] => vec![format!("--{flag}={one}")],
            _ => return Err("expected one value".into()),
        },
        Kind::List if items.is_empty() => Vec::new(),
        Kind::List => vec![format!("--{flag}={}", items.join(","))],
        Kind::Repeat => items.iter().map(|v| format!("--{flag}={v}")).collect(),
        Kind::Switch => match &items[..] {
            [one] => match truthy(one) {
                Some(true) => vec![format!("--{flag}")],
                Some(false) => Vec::new(),
                None => return Err(format!("{one:?} is not true or false")),
            },
            _ => return Err("expected true or false".into()),
        },
    })
}

fn truthy(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The subcommand of `args` (the command line after the program name): the
/// first argument that is neither a global flag nor the value of one.
pub fn subcommand_of(args: &[OsString]) -> Option<&str> {
    let mut iter = args.iter().map(|a| a.to_str());
    while let Some(arg) = iter.next() {
        let arg = arg?;
        if GLOBAL_VALUE_FLAGS.contains(&arg) {
            iter.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// Whether one of `spellings` is on the command line (`--flag`,
/// `--flag=…`, or a short flag with its value attached, `-fjson`).
pub(crate) fn given(args: &[OsString], spellings: &[&str]) -> bool {
    args.iter().filter_map(|a| a.to_str()).any(|a| {
        spellings.iter().any(|s| {
            a == *s
                || (s.starts_with("--") && a.starts_with(&format!("{s}=")))
                || (!s.starts_with("--") && a.starts_with(s) && !a.starts_with("--"))
        })
    })
}

/// The config file to read and whether it was named explicitly: `--config`,
/// else `TRIVY_CONFIG`, else `trivy.yaml` in the working directory when it
/// exists.
fn config_file(args: &[OsString], cx: &Context<'_>) -> Option<(PathBuf, bool)> {
    let mut iter = args.iter().filter_map(|a| a.to_str());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" || arg == "-c" {
            return iter.next().map(|v| (PathBuf::from(v), true));
        }
        if let Some(v) = arg.strip_prefix("--config=") {
            return Some((PathBuf::from(v), true));
        }
        if let Some(v) = arg
            .strip_prefix("-c")
            .filter(|v| !v.is_empty() && !arg.starts_with("--"))
        {
            return Some((PathBuf::from(v), true));
        }
    }
    if let Some(path) = cx.var("TRIVY_CONFIG") {
        return Some((PathBuf::from(path), true));
    }
    let default = cx.cwd.join("trivy.yaml");
    default.is_file().then_some((default, false))
}

#[cfg(test)]
mod tests;
