//! `stigkit show`.

use super::{Exit, print, warn_all};
use crate::{report, source};
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
    for path in &a.checklists {
        let loaded = source::load_checklist(path)?;
        warn_all(path, &loaded.warnings);
        views.push(report::ChecklistView::of(path, &loaded.checklist));
    }
    let fleet = report::FleetView::of(views);
    let text = if a.json {
        serde_json::to_string_pretty(&fleet)? + "\n"
    } else {
        report::render("summary.txt.j2", &fleet)?
    };
    print(&text)?;
    Ok(Exit::Ok)
}
