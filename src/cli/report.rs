//! `stigkit report`.

use super::{Exit, Stderr, finish};
use crate::commands::report;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results); several make a fleet
    /// report. Or one s3://bucket/prefix holding a fleet's runs.
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// The report to write (.html, .md), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Format; by default from the output's extension (html for `-`).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Per-rule tables: always, never, or (auto) for up to 20 checklists.
    #[arg(long, value_enum, default_value_t = Details::Auto)]
    pub details: Details,
    /// A folder whose report.html.j2 / report.md.j2 replace the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Replace an existing report.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub fleet: super::show::FleetArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Md,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Details {
    Auto,
    Always,
    Never,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(report::report(
        report::Request {
            checklists: &a.checklists,
            output: &a.output,
            format: a.format.map(|f| match f {
                ReportFormat::Html => report::Format::Html,
                ReportFormat::Md => report::Format::Md,
            }),
            details: match a.details {
                Details::Auto => report::Details::Auto,
                Details::Always => report::Details::Always,
                Details::Never => report::Details::Never,
            },
            templates: a.templates.as_deref(),
            force: a.force,
            fleet: a.fleet.selection(),
        },
        &Stderr,
    )?)
}
