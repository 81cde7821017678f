//! The command line (clap definitions only). Flags are a public contract:
//! see the README before changing one.

use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "scangate",
    version,
    about = "Scan container images and root filesystems for what they contain."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr, no warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a container image.
    Image(ImageArgs),
    /// Scan an unpacked root filesystem.
    Fs(FsArgs),
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// A local image: docker-archive (`docker save`, .tar or .tar.gz), OCI
    /// image layout directory, or OCI archive.
    #[arg(long, value_name = "PATH")]
    pub input: PathBuf,
    /// Which image to scan when the archive holds several (a tag such as
    /// `app:1.2`).
    #[arg(long = "ref", value_name = "TAG")]
    pub reference: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct FsArgs {
    /// The root directory of the filesystem.
    #[arg(value_name = "DIR")]
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// List every package found, with its version, source and layer.
    #[arg(long)]
    pub list_packages: bool,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}
