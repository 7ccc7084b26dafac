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
    /// Keep the marking in a CKLB's `target_data.marking`, as STIGQter
    /// does. DISA's CKLB schema has no such key, so by default the marking
    /// is left out with a warning.
    #[arg(long)]
    pub cklb_marking: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let options = convert::Options {
        force: a.force,
        cklb_marking: a.cklb_marking,
    };
    finish(convert::convert(&a.input, &a.output, options, &Stderr)?)
}
