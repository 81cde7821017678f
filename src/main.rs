//! The `scangate` binary: parse the command line, run, and turn the result
//! into an exit code (see the README for the contract).

use clap::Parser;
use scangate::cli::{Cli, Command, OutputArgs};
use scangate::error::{Error, Result};
use scangate::inventory;
use scangate::report::{self, ReportOptions, ScanResult};
use scangate::source::{self, RootFs, Source};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(3))
        }
    }
}

fn init_logging(cli: &Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, _) => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .init();
}

fn run(cli: Cli) -> Result<()> {
    let (source, output): (Box<dyn Source>, OutputArgs) = match cli.command {
        Command::Image(args) => (
            source::for_input(&args.input, args.reference.as_deref())?,
            args.output,
        ),
        Command::Fs(args) => (Box::new(RootFs::new(&args.path)?), args.output),
    };
    let collected = source.collect(&inventory::all_wants())?;
    let result = ScanResult {
        inventory: inventory::inventory(&collected.layers),
        artifact: collected.artifact,
    };
    let options = ReportOptions {
        list_packages: output.list_packages,
    };
    write_report(&output, &result, options)
}

fn write_report(output: &OutputArgs, result: &ScanResult, options: ReportOptions) -> Result<()> {
    match &output.output {
        Some(path) => {
            let io_err = |e| Error::io(path.display(), e);
            let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io_err)?);
            report::write(output.format, result, options, &mut file).map_err(io_err)?;
            file.flush().map_err(io_err)
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            report::write(output.format, result, options, &mut lock)
                .map_err(|e| Error::io("stdout", e))
        }
    }
}
