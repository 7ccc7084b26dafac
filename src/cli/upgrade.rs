//! `stigkit upgrade`.

use super::{Exit, Stderr, finish};
use crate::commands::upgrade;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The checklist to carry to the new release (.ckl or .cklb).
    pub old: PathBuf,
    /// New release (XCCDF or DISA zip) of a STIG in OLD, found by benchmark
    /// id; repeat for each STIG to upgrade. STIGs without one are kept.
    #[arg(long = "benchmark", value_name = "NEW", required = true)]
    pub benchmarks: Vec<PathBuf>,
    /// In a zip holding several benchmarks, the one whose entry name contains this.
    #[arg(long, value_name = "NAME")]
    pub xccdf: Option<String>,
    /// Output file: .ckl (STIG Viewer 2) or .cklb (STIG Viewer 3).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Also write every decision, per rule, as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Replace OUT (and the report) if they exist.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(upgrade::upgrade(
        upgrade::Request {
            old: &a.old,
            benchmarks: &a.benchmarks,
            pick: a.xccdf.as_deref(),
            output: &a.output,
            report: a.report.as_deref(),
            force: a.force,
        },
        &Stderr,
    )?)
}
