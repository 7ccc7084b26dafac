//! Views of benchmarks and checklists for `benchmark show`, `show` and
//! `report`: plain serialisable structs built from the model, which
//! [`crate::templates`] turns into text. Nothing here reads files.

mod assessment;

pub use assessment::{AssessmentReport, AssetReport};

use crate::model::{Benchmark, Checklist, Severity, StigSummary, Summary};
use serde::Serialize;
use std::path::Path;

/// What `benchmark show` reports.
#[derive(Serialize)]
pub struct BenchmarkView {
    pub id: String,
    pub title: String,
    pub version: String,
    pub release: String,
    /// `V2R4`, or empty.
    pub revision: String,
    pub date: String,
    pub release_info: String,
    pub file_name: String,
    pub rule_count: usize,
    pub cat_i: usize,
    pub cat_ii: usize,
    pub cat_iii: usize,
    pub profiles: Vec<ProfileView>,
    pub rules: Vec<RuleView>,
}

#[derive(Serialize)]
pub struct ProfileView {
    pub id: String,
    pub title: String,
    pub selected: usize,
}

#[derive(Serialize)]
pub struct RuleView {
    pub vuln_id: String,
    pub rule_id: String,
    pub stig_id: String,
    pub severity: Severity,
    pub category: &'static str,
    pub title: String,
}

impl BenchmarkView {
    pub fn of(b: &Benchmark) -> BenchmarkView {
        let revision = b.revision();
        let [cat_i, cat_ii, cat_iii, _] = b.severity_counts();
        BenchmarkView {
            id: b.id.clone(),
            title: b.title.clone(),
            version: revision
                .as_ref()
                .map_or_else(|| b.version.clone(), |r| r.version.clone()),
            release: revision
                .as_ref()
                .map(|r| r.release.clone())
                .unwrap_or_default(),
            revision: revision.map(|r| r.to_string()).unwrap_or_default(),
            date: crate::model::benchmark_date(&b.release_info)
                .unwrap_or_default()
                .to_string(),
            release_info: b.release_info.clone(),
            file_name: b.file_name.clone(),
            rule_count: b.rules.len(),
            cat_i,
            cat_ii,
            cat_iii,
            profiles: b
                .profiles
                .iter()
                .map(|p| ProfileView {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    selected: p.selected.len(),
                })
                .collect(),
            rules: b
                .rules
                .iter()
                .map(|r| RuleView {
                    vuln_id: r.vuln_id.clone(),
                    rule_id: r.rule_id.clone(),
                    stig_id: r.stig_id.clone(),
                    severity: r.severity,
                    category: r.severity.category(),
                    title: r.title.clone(),
                })
                .collect(),
        }
    }
}

/// One checklist file in `show`.
#[derive(Serialize)]
pub struct ChecklistView {
    pub file: String,
    pub host_name: String,
    pub stigs: Vec<StigSummary>,
    pub totals: Summary,
}

impl ChecklistView {
    pub fn of(path: &Path, c: &Checklist) -> ChecklistView {
        let stigs = c.summaries();
        let mut totals = Summary::default();
        for s in &stigs {
            totals.merge(&s.counts);
        }
        ChecklistView {
            file: path.display().to_string(),
            host_name: c.asset.host_name.clone(),
            stigs,
            totals,
        }
    }
}

/// Several checklists and their grand totals.
#[derive(Serialize)]
pub struct FleetView {
    pub checklists: Vec<ChecklistView>,
    pub totals: Summary,
    /// Read from a bucket: each cluster's run and its age.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterRun>,
}

impl FleetView {
    pub fn of(checklists: Vec<ChecklistView>) -> FleetView {
        let mut totals = Summary::default();
        for c in &checklists {
            totals.merge(&c.totals);
        }
        FleetView {
            checklists,
            totals,
            clusters: Vec::new(),
        }
    }
}

/// One cluster's run in a fleet read from object storage.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterRun {
    pub cluster: String,
    /// The run's folder name, `20261204T031700.123Z`.
    pub run: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    /// Hours between the run and now (or `--as-of`), one decimal.
    pub age_hours: f64,
    /// Older than the staleness limit: its CronJob may have stopped.
    pub stale: bool,
    /// The checklist read, as an `s3://` name; empty when the run has none.
    pub checklist: String,
}
