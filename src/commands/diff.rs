//! `diff`: the reviews that differ between two checklists of one asset.

use super::{Attention, Notify, Outcome, warn_all};
use crate::diff::{self, Diff, Options};
use crate::{source, templates};
use serde::Serialize;
use std::path::Path;

/// What `diff` prints (as text or `--json`).
#[derive(Serialize)]
pub struct DiffView<'a> {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub diff: &'a Diff,
}

/// Compares `a` with `b`; [`Attention::Findings`] when they differ, as
/// diff(1) exits 1.
pub fn diff(
    a: &Path,
    b: &Path,
    opts: Options,
    json: bool,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let la = source::load_checklist(a)?;
    warn_all(notify, a, &la.warnings);
    let lb = source::load_checklist(b)?;
    warn_all(notify, b, &lb.warnings);
    let d = diff::diff(&la.checklist, &lb.checklist, opts)
        .map_err(|e| anyhow::anyhow!("{} and {}: {e}", a.display(), b.display()))?;
    let view = DiffView {
        a: a.display().to_string(),
        b: b.display().to_string(),
        diff: &d,
    };
    let text = if json {
        serde_json::to_string_pretty(&view)? + "\n"
    } else {
        templates::render("diff.txt.j2", &view)?
    };
    let attention = if d.identical {
        Attention::None
    } else {
        Attention::Findings
    };
    Ok(Outcome::shown(text).with(attention))
}
