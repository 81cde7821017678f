//! The `scangate` binary: gather the settings (flags, action inputs,
//! environment, Trivy's config file), run, and turn the result into an exit
//! code (see the README for the contract).

use clap::{CommandFactory, Parser};
use scangate::cli::Cli;
use scangate::publish::{ci_env::Env, gitlab_vars, inputs};
use scangate::settings;
use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    drop_empty_scangate_vars();
    let mut command = Cli::command();
    command.build();
    let known = |subcommand: &str, flag: &str| {
        command
            .find_subcommand(subcommand)
            .is_some_and(|c| c.get_arguments().any(|a| a.get_long() == Some(flag)))
    };
    // `scangate ci` also takes GitHub Action inputs (INPUT_*) and GitLab
    // CI variables, as flags appended after the user's own (which win).
    let env = Env::from_process();
    let (argv, mut warnings) = inputs::apply(std::env::args_os().collect(), &env, &|flag| {
        known("ci", flag)
    });
    let (argv, gitlab_warnings) = gitlab_vars::apply(argv, &env);
    warnings.extend(gitlab_warnings);
    // Then TRIVY_* variables and trivy.yaml, below everything else.
    let cwd = std::env::current_dir().unwrap_or_default();
    let var = |name: &str| std::env::var(name).ok();
    let cx = settings::Context {
        env: &var,
        cwd: &cwd,
        known: &known,
    };
    let runs_ci = inputs::is_ci(&argv[1.min(argv.len())..]);
    let argv = match settings::apply(argv, &cx) {
        Ok((argv, more)) => {
            warnings.extend(more);
            argv
        }
        Err(message) => {
            eprintln!("error: {message}");
            record_usage_error(&env, runs_ci, &message);
            return ExitCode::from(2);
        }
    };
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            // Say why a setting was not used before the usage error it may
            // explain.
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            if e.exit_code() == 2 {
                let text = e.to_string();
                record_usage_error(&env, runs_ci, text.lines().next().unwrap_or_default());
            }
            return usage_error(e, &argv);
        }
    };
    init_logging(&cli);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    if cli.no_progress {
        scangate::vulndb::fetch::hide_progress();
    }
    if let Some(limit) = cli.timeout {
        watchdog(limit);
    }
    match scangate::cmd::run(cli.command, cli.cache_dir) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(3))
        }
    }
}

/// GitLab exports every variable a template declares, empty when the user
/// set none; clap would read an empty `SCANGATE_*` value as an invalid one.
/// An empty variable means unset, so it is removed before parsing (while
/// the process has one thread).
fn drop_empty_scangate_vars() {
    let empty: Vec<OsString> = std::env::vars_os()
        .filter(|(k, v)| k.to_str().is_some_and(|k| k.starts_with("SCANGATE_")) && v.is_empty())
        .map(|(k, _)| k)
        .collect();
    for key in empty {
        std::env::remove_var(key);
    }
}

/// `--timeout`: the whole command gets this long, then exits 3 (as Trivy's
/// "context deadline exceeded"). Downloads write aside and rename, so an
/// exit mid-way leaves no partial database.
fn watchdog(limit: std::time::Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!(
            "error: scangate did not finish within --timeout {}s; raise --timeout",
            limit.as_secs()
        );
        std::process::exit(3);
    });
}

/// `scangate ci` in GitHub Actions leaves its job summary and step outputs
/// (exit code 2, gate `error`) even when its settings are unusable, such as
/// a mistyped action input.
fn record_usage_error(env: &Env, runs_ci: bool, message: &str) {
    if runs_ci {
        let (ci, _) = scangate::publish::ci_env::Ci::detect(env);
        scangate::publish::ci::record_failure(&ci, 2, message);
    }
}

/// Help and version go out as clap writes them; a usage error is one line
/// on stderr (a CI log shows it whole) and exit code 2. A Trivy flag that
/// scangate lacks says so; clap's "a similar argument exists" tip is kept.
fn usage_error(e: clap::Error, argv: &[OsString]) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let help = match settings::subcommand_of(&argv[1.min(argv.len())..]) {
        Some(sub) if Cli::command().find_subcommand(sub).is_some() => {
            format!("scangate {sub} --help")
        }
        _ => "scangate --help".to_string(),
    };
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        kind => {
            if kind == ErrorKind::UnknownArgument {
                if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
                    if let Some(message) = settings::unsupported::explain(arg, &help) {
                        eprintln!("error: {message}");
                        return ExitCode::from(2);
                    }
                }
            }
            // clap's message is its lines up to the blank line before
            // "Usage:", plus any "tip:" lines after it.
            let text = e.to_string();
            let mut lines = text.lines().map(str::trim);
            let mut message: Vec<&str> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
            message.extend(lines.filter(|l| l.starts_with("tip:")));
            eprintln!("{}; see `{help}`", message.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Warnings by default, plus the database download's progress lines (a
/// CI log must show that a long download is moving); `-q` errors only;
/// `-v`/`-vv` (or `--debug`) everything at info/debug.
fn init_logging(cli: &Cli) {
    let filter = match (cli.quiet, cli.verbose, cli.debug) {
        (true, _, _) => "error",
        (false, _, true) | (false, 2.., _) => "debug",
        (false, 1, false) => "info",
        (false, 0, false) => "warn,scangate::vulndb::fetch=info,scangate::vulndb::update=info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .init();
}
