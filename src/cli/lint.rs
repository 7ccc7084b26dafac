//! `stigkit lint`.

use super::{Exit, finish};
use crate::commands::lint;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also check each STIG against this benchmark (XCCDF or DISA zip) of
    /// the same id: unknown and missing rules, another release. Repeatable.
    #[arg(long, value_name = "BENCH")]
    pub benchmark: Vec<PathBuf>,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(lint::lint(&a.checklists, &a.benchmark, a.json)?)
}
