//! `stigkit show`.

use super::{Exit, print, warn_all};
use crate::{batch, report};
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
    let mut views = Vec::with_capacity(a.checklists.len());
    // A fleet is thousands of files: parse on every core, keep only counts.
    batch::for_each_mapped(
        &a.checklists,
        batch::workers(),
        |i, loaded| {
            loaded.map(|l| {
                let view = report::ChecklistView::of(&a.checklists[i], &l.checklist);
                (view, l.warnings)
            })
        },
        |i, viewed| {
            let (view, warnings) = viewed?;
            warn_all(&a.checklists[i], &warnings);
            views.push(view);
            anyhow::Ok(())
        },
    )?;
    let fleet = report::FleetView::of(views);
    let text = if a.json {
        serde_json::to_string_pretty(&fleet)? + "\n"
    } else {
        report::render("summary.txt.j2", &fleet)?
    };
    print(&text)?;
    Ok(Exit::Ok)
}
