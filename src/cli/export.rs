//! `stigkit export`.

use super::{Exit, Stderr, finish};
use crate::commands::export;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output file, or for XCCDF of several STIGs a folder (end it with /).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Host name for checklists that name none (STIG Viewer leaves it
    /// blank until filled in; XCCDF results and POA&Ms need one).
    #[arg(long, value_name = "H")]
    pub host_name: Option<String>,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// XCCDF 1.2 results, one file per STIG (STIG Manager, eMASS).
    Xccdf,
    /// STIG Viewer's CSV column set, one row per rule.
    Csv,
    /// eMASS POA&M import template columns, one row per Open finding.
    Poam,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let format = match a.format {
        Format::Xccdf => export::Format::Xccdf,
        Format::Csv => export::Format::Csv,
        Format::Poam => export::Format::Poam,
    };
    finish(export::export(
        export::Request {
            checklists: &a.checklists,
            format,
            output: &a.output,
            host_name: a.host_name.as_deref(),
            force: a.force,
        },
        &Stderr,
    )?)
}
