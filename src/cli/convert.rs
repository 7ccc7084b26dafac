//! `stigkit convert`.

use super::{Exit, Stderr, finish};
use crate::commands::convert;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklist to read: .ckl, .cklb or XCCDF results (detected from content).
    pub input: PathBuf,
    /// Output file; .ckl or .cklb decides the format.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(convert::convert(&a.input, &a.output, a.force, &Stderr)?)
}
