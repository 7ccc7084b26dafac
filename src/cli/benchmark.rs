//! `stigkit benchmark show`.

use super::{Exit, finish};
use crate::commands::benchmark;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Show a benchmark's identity, release, rule counts and rules.
    Show(ShowArgs),
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// XCCDF file or DISA zip; the built-in MKE catalog when omitted.
    pub benchmark: Option<PathBuf>,
    /// In a zip holding several benchmarks, the one whose entry name contains this.
    #[arg(long, value_name = "NAME")]
    pub xccdf: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: Command) -> anyhow::Result<Exit> {
    match cmd {
        Command::Show(a) => finish(benchmark::show(
            a.benchmark.as_deref(),
            a.xccdf.as_deref(),
            a.json,
        )?),
    }
}
