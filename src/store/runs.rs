//! How a fleet's runs are laid out in a bucket:
//!
//! ```text
//! <prefix>/<cluster>/<run>/<host>.ckl, <host>.cklb, evidence.zip, summary.txt
//! <prefix>/<cluster>/<run>/run.json      what the run holds, with hashes
//! <prefix>/<cluster>/latest.json         the newest complete run.json
//! <prefix>/archives/<time>.zip           sealed archives (`stigkit archive`)
//! ```
//!
//! `<run>` is the UTC time the run finished, to the millisecond,
//! `20261204T031700.123Z`, so runs sort by name and two runs of a cluster
//! never share a folder. Each object is verified before the next is written, and
//! `run.json` then `latest.json` go last: a reader that follows
//! `latest.json` never meets a half-written run, whatever moment the
//! writer died at.

use super::Store;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

pub const RUN_RECORD: &str = "run.json";
pub const LATEST: &str = "latest.json";
/// The evidence bundle's name in a run.
pub const EVIDENCE: &str = "evidence.zip";
/// The folder beside the clusters where `archive` keeps fleet archives.
pub const ARCHIVES: &str = "archives";

/// What one run wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub format: u32,
    pub cluster: String,
    /// The run's folder name.
    pub run: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    pub tool: String,
    pub objects: Vec<Object>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Run {
    /// The key of one of the run's objects.
    pub fn key(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.cluster, self.run)
    }

    /// When the run finished.
    pub fn finished(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.finished_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The checklist a fleet view reads: the CKLB, else the CKL.
    pub fn checklist(&self) -> Option<&Object> {
        let by_ext = |ext: &str| self.objects.iter().find(|o| o.name.ends_with(ext));
        by_ext(".cklb").or_else(|| by_ext(".ckl"))
    }
}

/// The folder name of a run that finished at `t`.
pub fn run_name(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

fn run_time(name: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(name, "%Y%m%dT%H%M%S%.3fZ")
        .ok()
        .map(|t| t.and_utc())
}

/// A cluster name is one path segment of plain characters.
pub fn check_cluster(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name != ARCHIVES
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "cluster name '{name}': use letters, digits, '-', '_' or '.' (at most 128), and not '{ARCHIVES}'"
        ))
    }
}

/// Writes one run: every file, then `run.json`, then `latest.json`.
/// On error, what was written stays unreferenced and `latest.json` still
/// names the previous run.
pub fn publish(
    store: &Store,
    cluster: &str,
    finished: DateTime<Utc>,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Run, String> {
    check_cluster(cluster)?;
    let mut run = Run {
        format: 1,
        cluster: cluster.to_string(),
        run: run_name(finished),
        finished_at: finished.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
        objects: Vec::new(),
    };
    for (name, bytes) in files {
        let stored = store.put_verified(&run.key(&name), bytes)?;
        run.objects.push(Object {
            name,
            bytes: stored.bytes,
            sha256: stored.sha256,
        });
    }
    let record = serde_json::to_vec_pretty(&run).map_err(|e| e.to_string())?;
    store.put_verified(&run.key(RUN_RECORD), record.clone())?;
    store.put_verified(&format!("{cluster}/{LATEST}"), record)?;
    Ok(run)
}

/// Each cluster's run as of `as_of` (the newest complete one finished by
/// then), or its `latest.json` when `as_of` is `None`. Clusters without
/// one are named in the warnings.
pub fn fleet(
    store: &Store,
    as_of: Option<DateTime<Utc>>,
) -> Result<(Vec<Run>, Vec<String>), String> {
    let mut clusters = store.folders("")?;
    clusters.retain(|c| c != ARCHIVES);
    let mut runs = Vec::new();
    let mut warnings = Vec::new();
    match as_of {
        None => {
            let keys: Vec<String> = clusters.iter().map(|c| format!("{c}/{LATEST}")).collect();
            store.get_each(&keys, 64, |i, got| {
                match got? {
                    Some(bytes) => runs.push(record(store, &keys[i], &clusters[i], &bytes)?),
                    None => warnings.push(format!(
                        "{}: no {LATEST} (no complete run yet)",
                        store.location.url(&clusters[i])
                    )),
                }
                Ok::<(), String>(())
            })?;
        }
        Some(t) => {
            for cluster in &clusters {
                let mut names: Vec<String> = store
                    .folders(cluster)?
                    .into_iter()
                    .filter(|n| run_time(n).is_some_and(|rt| rt <= t))
                    .collect();
                names.sort();
                let mut found = None;
                // The newest run whose record exists: an older run may
                // stand in for one that never completed.
                for name in names.iter().rev() {
                    let key = format!("{cluster}/{name}/{RUN_RECORD}");
                    if let Some(bytes) = store.get(&key)? {
                        found = Some(record(store, &key, cluster, &bytes)?);
                        break;
                    }
                }
                match found {
                    Some(r) => runs.push(r),
                    None => warnings.push(format!(
                        "{}: no complete run by {}",
                        store.location.url(cluster),
                        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )),
                }
            }
        }
    }
    Ok((runs, warnings))
}

fn record(store: &Store, key: &str, cluster: &str, bytes: &[u8]) -> Result<Run, String> {
    let url = store.location.url(key);
    let run: Run = serde_json::from_slice(bytes).map_err(|e| format!("{url}: {e}"))?;
    if run.cluster != cluster || run_time(&run.run).is_none() || check_cluster(cluster).is_err() {
        return Err(format!(
            "{url}: names cluster '{}' run '{}', not a run of {cluster}",
            run.cluster, run.run
        ));
    }
    for o in &run.objects {
        if o.name.is_empty() || o.name.contains('/') || o.name.starts_with('.') {
            return Err(format!(
                "{url}: object name '{}' is not a file name",
                o.name
            ));
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_sort_by_time_and_read_back() {
        let t = DateTime::parse_from_rfc3339("2026-12-04T03:17:05.042Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(run_name(t), "20261204T031705.042Z");
        assert_eq!(run_time("20261204T031705.042Z"), Some(t));
        assert!(run_name(t) < run_name(t + chrono::Duration::milliseconds(1)));
        assert_eq!(run_time("latest.json"), None);
    }

    #[test]
    fn cluster_names_are_one_plain_segment() {
        for ok in ["prod-east", "mke_01", "a.b"] {
            check_cluster(ok).unwrap();
        }
        for bad in ["", "..", "a/b", "a b", "ü", ARCHIVES] {
            assert!(check_cluster(bad).is_err(), "{bad}");
        }
    }
}
