//! `collect`: evidence from MKE, Kubernetes, MSR and Docker Engines.

use super::{Attention, Notify, Outcome, count};
use crate::collect::{self, Flags, ProcessEnvironment, Progress, Settings};
use std::path::Path;
use std::sync::Arc;

/// Resolves the connection settings (flags, environment, config file),
/// collects into a bundle at `out`, and names every failed call;
/// [`Attention::Partial`] when any failed.
pub fn collect(
    flags: &Flags,
    out: &Path,
    force: bool,
    progress: Arc<dyn Progress>,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let settings = Settings::resolve(flags, &ProcessEnvironment).map_err(anyhow::Error::msg)?;
    if !force && out.exists() {
        anyhow::bail!(
            "{}: already exists (use --force to replace it)",
            out.display()
        );
    }
    for w in &settings.warnings {
        notify.warning(w);
    }
    let summary = collect::collect(&settings, progress, out, force).map_err(anyhow::Error::msg)?;
    let calls = &summary.manifest.calls;
    let mut notes: Vec<String> = calls
        .iter()
        .filter_map(|f| {
            f.error
                .as_ref()
                .map(|e| format!("failed: {} ({} {}): {e}", f.key, f.source, f.path))
        })
        .collect();
    let failed = notes.len();
    notes.push(format!(
        "wrote {} ({}, {failed} failed)",
        out.display(),
        count(calls.len(), "call"),
    ));
    let attention = if failed == 0 {
        Attention::None
    } else {
        Attention::Partial
    };
    Ok(Outcome::noted(notes).with(attention))
}
