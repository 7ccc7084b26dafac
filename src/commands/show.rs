//! `show`: review counts per STIG, by status and category.

use super::fleet::{self, Selection};
use super::{Notify, Outcome, warn_all};
use crate::report::{ChecklistView, FleetView};
use crate::{batch, templates};
use std::path::PathBuf;

/// Counts the reviews of every checklist, with fleet totals. `checklists`
/// may instead be one `s3://bucket/prefix`: each cluster's run there.
pub fn show(
    checklists: &[PathBuf],
    sel: Selection,
    json: bool,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let fetched = match fleet::source(checklists)? {
        Some(location) => Some(fleet::fetch(&location, sel, false, notify)?),
        None => None,
    };
    let (paths, names) = match &fetched {
        Some(f) => (f.paths.as_slice(), f.names.as_slice()),
        None => (checklists, checklists),
    };
    let mut views = Vec::with_capacity(paths.len());
    // A fleet is thousands of files: parse on every core, keep only counts.
    batch::for_each_path(
        paths,
        batch::workers(),
        |i, path, buf| {
            crate::source::load_summary_with(path, buf).map(|l| {
                let view = ChecklistView::of(&names[i], &l.checklist);
                (view, l.warnings)
            })
        },
        |i, viewed| {
            let (view, warnings) = viewed?;
            warn_all(notify, &names[i], &warnings);
            views.push(view);
            anyhow::Ok(())
        },
    )?;
    let mut fleet = FleetView::of(views);
    if let Some(f) = fetched {
        fleet.clusters = f.clusters;
    }
    let text = if json {
        serde_json::to_string_pretty(&fleet)? + "\n"
    } else {
        templates::render("summary.txt.j2", &fleet)?
    };
    Ok(Outcome::shown(text))
}
