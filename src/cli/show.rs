//! `stigkit show`.

use super::{Exit, Stderr, finish};
use crate::commands::show;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(show::show(&a.checklists, a.json, &Stderr)?)
}
