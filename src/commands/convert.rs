//! `convert`: CKL ⇄ CKLB, and XCCDF results to either.

use super::{Notify, Outcome, count, stem, warn_all, warn_unrepresentable};
use crate::{output, source};
use std::path::Path;
use uuid::Uuid;

/// Reads `input` (format detected from its content) and writes it as
/// `output`'s extension says, warning about every field the output
/// format cannot hold.
pub fn convert(
    input: &Path,
    output: &Path,
    force: bool,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let loaded = source::load_checklist(input)?;
    warn_all(notify, input, &loaded.warnings);
    let mut checklist = loaded.checklist;
    if checklist.name.is_empty() {
        checklist.name = stem(output);
    }
    checklist.fill_identifiers(Uuid::new_v4);
    warn_unrepresentable(notify, input, output, &checklist);
    output::write_checklist(output, &checklist, force)?;
    Ok(Outcome::noted(vec![format!(
        "wrote {} ({}, {} rules)",
        output.display(),
        count(checklist.stigs.len(), "STIG"),
        checklist.rule_count()
    )]))
}
