//! `stigkit merge`.

use super::{Exit, Stderr, finish};
use crate::commands::merge;
use crate::merge::{Options, Prefer};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists to merge (CKL, CKLB, XCCDF results), oldest pass first:
    /// later inputs win ties.
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// Output file; .ckl or .cklb decides the format.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Which review wins when inputs disagree.
    #[arg(long, value_enum, default_value_t = PreferArg::Manual)]
    pub prefer: PreferArg,
    /// Write every conflict and decision as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Do not append conflicts to the merged rules' comments.
    #[arg(long)]
    pub no_conflict_comments: bool,
    /// Merge inputs whose host names differ.
    #[arg(long)]
    pub allow_host_mismatch: bool,
    /// Replace OUT (and the report) if they exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PreferArg {
    /// A person's review over a tool's.
    Manual,
    /// A tool's review over a person's.
    Automated,
    /// The most recent review.
    Newest,
    /// The most severe status: Open, NotAFinding, Not_Applicable.
    Worst,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let options = Options {
        prefer: match a.prefer {
            PreferArg::Manual => Prefer::Manual,
            PreferArg::Automated => Prefer::Automated,
            PreferArg::Newest => Prefer::Newest,
            PreferArg::Worst => Prefer::Worst,
        },
        conflict_comments: !a.no_conflict_comments,
        allow_host_mismatch: a.allow_host_mismatch,
    };
    finish(merge::merge(
        merge::Request {
            inputs: &a.inputs,
            output: &a.output,
            report: a.report.as_deref(),
            options,
            force: a.force,
        },
        &Stderr,
    )?)
}
