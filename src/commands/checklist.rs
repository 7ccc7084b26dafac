//! `checklist new`: a blank checklist of one or more benchmarks.

use super::{Outcome, count, load_benchmark, now_stamp, stem};
use crate::model::{Asset, Checklist};
use crate::output;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What `checklist new` makes.
pub struct NewRequest<'a> {
    /// Benchmarks (XCCDF or DISA zip); the built-in catalog when empty.
    pub benchmarks: &'a [PathBuf],
    /// In a zip holding several benchmarks, the one whose name holds this.
    pub pick: Option<&'a str>,
    pub asset: Asset,
    pub output: &'a Path,
    pub force: bool,
}

/// Writes a checklist with every rule Not_Reviewed.
pub fn new(r: NewRequest<'_>) -> anyhow::Result<Outcome> {
    if r.asset.host_name.trim().is_empty() {
        anyhow::bail!(
            "--host-name is required and must not be empty: STIG Manager and eMASS reject checklists without one"
        );
    }
    let benchmarks = if r.benchmarks.is_empty() {
        vec![load_benchmark(None, None)?]
    } else {
        r.benchmarks
            .iter()
            .map(|p| load_benchmark(Some(p), r.pick))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let refs: Vec<_> = benchmarks.iter().collect();
    let ids: Vec<Uuid> = benchmarks.iter().map(|_| Uuid::new_v4()).collect();
    let mut checklist = Checklist::blank(r.asset, &refs, &ids, &now_stamp());
    checklist.name = stem(r.output);
    checklist.fill_identifiers(Uuid::new_v4);
    output::write_checklist(r.output, &checklist, r.force)?;
    Ok(Outcome::noted(vec![format!(
        "wrote {} ({}, {} rules, all Not_Reviewed)",
        r.output.display(),
        count(checklist.stigs.len(), "STIG"),
        checklist.rule_count()
    )]))
}
