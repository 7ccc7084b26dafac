//! `merge`: one checklist from several passes over one asset.

use super::{Notify, Outcome, stem, warn_all};
use crate::merge::{Merger, Options, Report};
use crate::{batch, output, templates};
use serde::Serialize;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What `merge` combines, and where it writes.
pub struct Request<'a> {
    /// Oldest pass first: later inputs win ties.
    pub inputs: &'a [PathBuf],
    pub output: &'a Path,
    /// Every conflict and decision as JSON.
    pub report: Option<&'a Path>,
    pub options: Options,
    pub force: bool,
}

#[derive(Serialize)]
struct SummaryView<'a> {
    output: String,
    stigs: usize,
    report: &'a Report,
    report_file: Option<String>,
}

/// Merges the inputs by the stated precedence and writes the checklist
/// (and the report).
pub fn merge(r: Request<'_>, notify: &dyn Notify) -> anyhow::Result<Outcome> {
    // Refuse a bad output name or an existing file before reading anything.
    output::render_checklist(r.output, &crate::model::Checklist::default())?;
    for out in std::iter::once(r.output).chain(r.report) {
        if !r.force && out.exists() {
            anyhow::bail!(
                "{}: already exists (use --force to replace it)",
                out.display()
            );
        }
    }
    let mut merger = Merger::new(r.options);
    merger.expect_inputs(r.inputs.len());
    batch::for_each_checklist(r.inputs, batch::workers(), |i, loaded| {
        let loaded = loaded?;
        let path = &r.inputs[i];
        warn_all(notify, path, &loaded.warnings);
        merger.add(&path.display().to_string(), loaded.checklist)?;
        anyhow::Ok(())
    })?;
    let (mut checklist, report) = merger.finish();
    checklist.name = stem(r.output);
    checklist.fill_identifiers(Uuid::new_v4);
    if let Some(path) = r.report {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        output::write_atomic(path, json.as_bytes(), r.force)?;
    }
    output::write_checklist(r.output, &checklist, r.force)?;
    let view = SummaryView {
        output: r.output.display().to_string(),
        stigs: checklist.stigs.len(),
        report: &report,
        report_file: r.report.map(|p| p.display().to_string()),
    };
    Ok(Outcome::shown(templates::render(
        "merge_summary.txt.j2",
        &view,
    )?))
}
