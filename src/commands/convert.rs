//! `convert`: CKL ⇄ CKLB, and XCCDF results to either.

use super::{Notify, Outcome, count, stem, warn_all, warn_unrepresentable};
use crate::{cklb, output, source};
use std::path::Path;
use uuid::Uuid;

/// How `convert` writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Replace the output if it exists.
    pub force: bool,
    /// Write the marking into a CKLB (see [`cklb::keep_marking`]).
    pub cklb_marking: bool,
}

/// Reads `input` (format detected from its content) and writes it as
/// `output`'s extension says, warning about every field the output
/// format cannot hold.
pub fn convert(
    input: &Path,
    output: &Path,
    options: Options,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let loaded = source::load_checklist(input)?;
    warn_all(notify, input, &loaded.warnings);
    let mut checklist = loaded.checklist;
    if options.cklb_marking {
        cklb::keep_marking(&mut checklist);
    }
    // Before names and ids are made up for the output: they are not lost.
    warn_unrepresentable(notify, loaded.format, input, output, &checklist);
    if checklist.name.is_empty() {
        checklist.name = stem(output);
    }
    checklist.fill_identifiers(Uuid::new_v4);
    if source::Format::from_path(output) == Some(source::Format::Ckl) {
        // DISA's CKL schema has no empty ROLE or ASSET_TYPE, which a CKLB
        // or XCCDF results may leave blank: STIG Viewer's defaults stand in.
        let a = &mut checklist.asset;
        for (field, default) in [(&mut a.role, "None"), (&mut a.asset_type, "Computing")] {
            if field.is_empty() {
                *field = default.into();
            }
        }
    }
    output::write_checklist(output, &checklist, options.force)?;
    Ok(Outcome::noted(vec![format!(
        "wrote {} ({}, {} rules)",
        output.display(),
        count(checklist.stigs.len(), "STIG"),
        checklist.rule_count()
    )]))
}
