//! `collect`: evidence from MKE, Kubernetes, MSR and Docker Engines.

use super::publish::Destination;
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
    cluster: Option<&str>,
    progress: Arc<dyn Progress>,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let Some(dest) = Destination::of(out, cluster)? else {
        return Ok(collect_into(flags, out, force, progress, notify)?.0);
    };
    let staging = dest.staging()?;
    let bundle = staging.path().join(crate::store::runs::EVIDENCE);
    let (mut outcome, host) = collect_into(flags, &bundle, false, progress, notify)?;
    let cluster = dest.cluster(&host)?;
    let stored = dest.publish(&cluster, staging, &[bundle], &mut outcome.stdout)?;
    outcome.notes.push(stored);
    Ok(outcome)
}

/// [`collect`] to a local folder or zip; also returns the MKE (else
/// Kubernetes) host, which names the cluster in a bucket.
fn collect_into(
    flags: &Flags,
    out: &Path,
    force: bool,
    progress: Arc<dyn Progress>,
    notify: &dyn Notify,
) -> anyhow::Result<(Outcome, String)> {
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
    let target = &summary.manifest.target;
    let host = target
        .mke_url
        .iter()
        .chain(&target.kube_url)
        .find_map(|u| reqwest::Url::parse(u).ok()?.host_str().map(str::to_string))
        .unwrap_or_default();
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
    Ok((Outcome::noted(notes).with(attention), host))
}
