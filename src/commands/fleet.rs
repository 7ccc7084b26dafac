//! Reading a fleet from a bucket (`show`, `report` and `archive` given
//! `s3://bucket/prefix`): each cluster's latest run, or its run as of a
//! day, fetched and checked against the run's record, with its age.

use super::Notify;
use crate::report::ClusterRun;
use crate::store::{Limits, Location, Store, runs};
use chrono::{NaiveDate, Utc};
use std::path::PathBuf;

/// Clusters whose run is older than this many hours are stale by
/// default: a daily CronJob that missed one run.
pub const DEFAULT_STALE_AFTER_HOURS: u64 = 48;

/// Requests in flight while reading a fleet.
const PARALLEL: usize = 64;

/// Which runs to read.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    /// The newest complete run finished by the end of this day (UTC);
    /// each cluster's `latest.json` when `None`.
    pub as_of: Option<NaiveDate>,
    pub stale_after_hours: u64,
}

/// The fleet's checklists, fetched into a local folder.
pub struct Fetched {
    /// Holds the files below; deleted when dropped.
    _dir: tempfile::TempDir,
    /// Local copies, one per cluster with a checklist, by cluster name.
    pub paths: Vec<PathBuf>,
    /// The `s3://` name of each path, for what is shown.
    pub names: Vec<PathBuf>,
    pub clusters: Vec<ClusterRun>,
    /// Local copies of the runs' evidence bundles, when asked for.
    pub evidence: Vec<PathBuf>,
}

/// Whether `inputs` is one `s3://` location; more than one, or one mixed
/// with files, is refused.
pub fn source(inputs: &[PathBuf]) -> anyhow::Result<Option<Location>> {
    let s3: Vec<&str> = inputs
        .iter()
        .filter_map(|p| p.to_str())
        .filter(|t| Location::is_s3(t))
        .collect();
    match (s3.as_slice(), inputs.len()) {
        ([], _) => Ok(None),
        ([one], 1) => Ok(Some(Location::parse(one).map_err(anyhow::Error::msg)?)),
        _ => anyhow::bail!(
            "{}: read one s3:// location alone, not with other inputs",
            s3[0]
        ),
    }
}

/// Reads each cluster's run from `location` (with its evidence bundle when
/// `evidence`): every object's bytes must
/// match the SHA-256 its run recorded. Stale clusters and clusters without
/// a run are warned about, by name.
pub fn fetch(
    location: &Location,
    sel: Selection,
    evidence: bool,
    notify: &dyn Notify,
) -> anyhow::Result<Fetched> {
    let store = Store::open(location, Limits::from_env().map_err(anyhow::Error::msg)?)
        .map_err(anyhow::Error::msg)?;
    let now = Utc::now();
    let cutoff = sel.as_of.map(|d| {
        let end = d
            .succ_opt()
            .unwrap_or(d)
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        (end.and_utc() - chrono::Duration::seconds(1)).min(now)
    });
    let (found, warnings) = runs::fleet(&store, cutoff).map_err(anyhow::Error::msg)?;
    for w in &warnings {
        notify.warning(w);
    }
    let reference = cutoff.unwrap_or(now);
    let dir = tempfile::Builder::new()
        .prefix("stigkit-fleet-")
        .tempdir()
        .map_err(|e| {
            anyhow::anyhow!(
                "creating a folder in {}: {e}",
                std::env::temp_dir().display()
            )
        })?;
    // Each run's checklist, and its evidence when asked for.
    let mut wanted: Vec<(&runs::Run, &runs::Object, bool)> = Vec::new();
    for r in &found {
        if let Some(o) = r.checklist() {
            wanted.push((r, o, false));
        }
        if evidence && let Some(o) = r.objects.iter().find(|o| o.name == runs::EVIDENCE) {
            wanted.push((r, o, true));
        }
    }
    let keys: Vec<String> = wanted.iter().map(|(r, o, _)| r.key(&o.name)).collect();
    let mut paths = Vec::with_capacity(wanted.len());
    let mut names = Vec::with_capacity(wanted.len());
    let mut bundles = Vec::new();
    store.get_each(&keys, PARALLEL, |i, body| {
        let (run, object, is_evidence) = wanted[i];
        let url = location.url(&keys[i]);
        let bytes = body.map_err(anyhow::Error::msg)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{url}: missing, though {} names it (deleted, or the run was never complete)",
                location.url(&format!("{}/{}", run.cluster, runs::RUN_RECORD))
            )
        })?;
        let got = crate::evidence::sha256_hex(&bytes);
        if got != object.sha256 {
            anyhow::bail!(
                "{url}: sha256 {got}, but its run recorded {}: changed since it was stored",
                object.sha256
            );
        }
        // Cluster names are unique and file-safe: no two copies collide.
        let local = dir.path().join(format!("{}_{}", run.cluster, object.name));
        std::fs::write(&local, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", local.display()))?;
        if is_evidence {
            bundles.push(local);
        } else {
            paths.push(local);
            names.push(PathBuf::from(url));
        }
        Ok(())
    })?;
    if paths.is_empty() {
        anyhow::bail!(
            "{location}: no cluster has a run with a checklist{}",
            cutoff.map_or(String::new(), |t| format!(
                " by {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ))
        );
    }
    let mut clusters = Vec::with_capacity(found.len());
    for run in &found {
        let finished = run.finished().unwrap_or(reference);
        let age = (reference - finished).num_seconds().max(0) as f64 / 3600.0;
        let stale = age > sel.stale_after_hours as f64;
        let checklist = run
            .checklist()
            .map(|o| location.url(&run.key(&o.name)))
            .unwrap_or_default();
        if stale {
            notify.warning(&format!(
                "{}: its run {} is {:.1} hours old (stale after {} hours): has its CronJob stopped?",
                location.url(&run.cluster),
                run.run,
                age,
                sel.stale_after_hours
            ));
        }
        if checklist.is_empty() {
            notify.warning(&format!(
                "{}: run {} holds no checklist (a collect-only run)",
                location.url(&run.cluster),
                run.run
            ));
        }
        clusters.push(ClusterRun {
            cluster: run.cluster.clone(),
            run: run.run.clone(),
            finished_at: run.finished_at.clone(),
            age_hours: (age * 10.0).round() / 10.0,
            stale,
            checklist,
        });
    }
    Ok(Fetched {
        _dir: dir,
        paths,
        names,
        clusters,
        evidence: bundles,
    })
}
