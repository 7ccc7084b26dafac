//! `show`: review counts per STIG, by status and category.

use super::{Notify, Outcome, warn_all};
use crate::report::{ChecklistView, FleetView};
use crate::{batch, templates};
use std::path::PathBuf;

/// Counts the reviews of every checklist, with fleet totals.
pub fn show(checklists: &[PathBuf], json: bool, notify: &dyn Notify) -> anyhow::Result<Outcome> {
    let mut views = Vec::with_capacity(checklists.len());
    // A fleet is thousands of files: parse on every core, keep only counts.
    batch::for_each_mapped(
        checklists,
        batch::workers(),
        |i, loaded| {
            loaded.map(|l| {
                let view = ChecklistView::of(&checklists[i], &l.checklist);
                (view, l.warnings)
            })
        },
        |i, viewed| {
            let (view, warnings) = viewed?;
            warn_all(notify, &checklists[i], &warnings);
            views.push(view);
            anyhow::Ok(())
        },
    )?;
    let fleet = FleetView::of(views);
    let text = if json {
        serde_json::to_string_pretty(&fleet)? + "\n"
    } else {
        templates::render("summary.txt.j2", &fleet)?
    };
    Ok(Outcome::shown(text))
}
