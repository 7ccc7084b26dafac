//! `stigkit benchmark show`.

use super::{Exit, print};
use crate::model::Benchmark;
use crate::{catalog, report, source};
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

/// Loads the named benchmark, or the built-in MKE catalog.
pub fn load(path: Option<&PathBuf>, pick: Option<&str>) -> anyhow::Result<Benchmark> {
    match path {
        Some(p) => Ok(source::load_benchmark(p, pick)?),
        None => Ok(catalog::mke()),
    }
}

pub fn run(cmd: Command) -> anyhow::Result<Exit> {
    match cmd {
        Command::Show(a) => {
            let b = load(a.benchmark.as_ref(), a.xccdf.as_deref())?;
            let view = report::BenchmarkView::of(&b);
            let text = if a.json {
                serde_json::to_string_pretty(&view)? + "\n"
            } else {
                report::render("benchmark.txt.j2", &view)?
            };
            print(&text)?;
            Ok(Exit::Ok)
        }
    }
}
