//! The `scangate` binary: parse the command line, run, and turn the result
//! into an exit code (see the README for the contract).

use clap::{CommandFactory, Parser};
use scangate::cli::Cli;
use scangate::publish::{ci_env::Env, gitlab_vars, inputs};
use std::process::ExitCode;

fn main() -> ExitCode {
    unset_empty_env(&Cli::command());
    // `scangate ci` also takes GitHub Action inputs (INPUT_*) and GitLab
    // CI variables, as flags appended after the user's own (which win).
    let env = Env::from_process();
    let ci_flags: Vec<String> = Cli::command()
        .find_subcommand("ci")
        .map(|c| {
            c.get_arguments()
                .filter_map(|a| a.get_long().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let known = |flag: &str| flag == "cache-dir" || ci_flags.iter().any(|f| f == flag);
    let (argv, mut input_warnings) = inputs::apply(std::env::args_os().collect(), &env, &known);
    let (argv, gitlab_warnings) = gitlab_vars::apply(argv, &env);
    input_warnings.extend(gitlab_warnings);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            // Say why an input was not used (image-ref without input)
            // before the usage error it may explain.
            for warning in &input_warnings {
                eprintln!("warning: {warning}");
            }
            return usage_error(e);
        }
    };
    init_logging(&cli);
    for warning in input_warnings {
        tracing::warn!("{warning}");
    }
    match scangate::cmd::run(cli.command, cli.cache_dir) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(3))
        }
    }
}

/// An empty environment variable means "not set", everywhere: GitLab
/// exports a template variable declared as `""` as an empty string, and
/// GitHub sets every declared action input. clap would read an empty
/// `SCANGATE_*` value as an invalid value, so the variables clap reads are
/// dropped from the environment when empty, before parsing (and before any
/// thread exists).
fn unset_empty_env(command: &clap::Command) {
    for arg in command.get_arguments() {
        if let Some(name) = arg.get_env() {
            let empty = std::env::var_os(name)
                .is_some_and(|v| v.to_str().is_some_and(|s| s.trim().is_empty()));
            if empty {
                std::env::remove_var(name);
            }
        }
    }
    for sub in command.get_subcommands() {
        unset_empty_env(sub);
    }
}

/// Help and version go out as clap writes them; a usage error is one line
/// on stderr (a CI log shows it whole) and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            // clap's message is its lines up to the blank line before "Usage:".
            let text = e.to_string();
            let message: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            eprintln!("{}; see `scangate --help`", message.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Warnings by default, plus the database download's progress lines (a
/// CI log must show that a long download is moving); `-q` errors only;
/// `-v`/`-vv` everything at info/debug.
fn init_logging(cli: &Cli) {
    let filter = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn,scangate::vulndb::fetch=info,scangate::vulndb::update=info",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .init();
}
