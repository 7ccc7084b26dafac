//! `stigkit diff`.

use super::{Exit, Stderr, finish};
use crate::commands::diff;
use crate::diff::Options;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The earlier checklist (.ckl or .cklb).
    pub a: PathBuf,
    /// The later checklist (.ckl or .cklb).
    pub b: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Compare even when the host names differ.
    #[arg(long)]
    pub allow_host_mismatch: bool,
}

/// Exit 0 when the reviews are identical and 1 when they differ, as diff(1).
pub fn run(a: Args) -> anyhow::Result<Exit> {
    let opts = Options {
        allow_host_mismatch: a.allow_host_mismatch,
    };
    finish(diff::diff(&a.a, &a.b, opts, a.json, &Stderr)?)
}
