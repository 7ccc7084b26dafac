//! `stigkit merge`.

use super::{Exit, print, warn_all};
use crate::merge::{Merger, Options, Prefer};
use crate::{batch, output};
use serde::Serialize;
use std::path::PathBuf;
use uuid::Uuid;

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

#[derive(Serialize)]
struct SummaryView<'a> {
    output: String,
    stigs: usize,
    report: &'a crate::merge::Report,
    report_file: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    // Refuse a bad output name or an existing file before reading anything.
    output::render_checklist(&a.output, &crate::model::Checklist::default())?;
    for out in std::iter::once(&a.output).chain(&a.report) {
        if !a.force && out.exists() {
            anyhow::bail!(
                "{}: already exists (use --force to replace it)",
                out.display()
            );
        }
    }
    let mut merger = Merger::new(Options {
        prefer: match a.prefer {
            PreferArg::Manual => Prefer::Manual,
            PreferArg::Automated => Prefer::Automated,
            PreferArg::Newest => Prefer::Newest,
            PreferArg::Worst => Prefer::Worst,
        },
        conflict_comments: !a.no_conflict_comments,
        allow_host_mismatch: a.allow_host_mismatch,
    });
    merger.expect_inputs(a.inputs.len());
    batch::for_each_checklist(&a.inputs, batch::workers(), |i, loaded| {
        let loaded = loaded?;
        let path = &a.inputs[i];
        warn_all(path, &loaded.warnings);
        merger.add(&path.display().to_string(), loaded.checklist)?;
        anyhow::Ok(())
    })?;
    let (mut checklist, report) = merger.finish();
    checklist.name = a
        .output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    checklist.fill_identifiers(Uuid::new_v4);
    if let Some(path) = &a.report {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        output::write_atomic(path, json.as_bytes(), a.force)?;
    }
    output::write_checklist(&a.output, &checklist, a.force)?;
    let view = SummaryView {
        output: a.output.display().to_string(),
        stigs: checklist.stigs.len(),
        report: &report,
        report_file: a.report.as_ref().map(|p| p.display().to_string()),
    };
    print(&crate::report::render("merge_summary.txt.j2", &view)?)?;
    Ok(Exit::Ok)
}
