//! The summary `evaluate` and `scan` print: counts by CAT, the Open
//! findings, failed evidence calls, notes, and what was written.

use super::{Evaluation, RuleResult};
use crate::evidence::Evidence;
use crate::model::{Benchmark, Counts, Status, Summary};
use crate::templates::Templates;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Serialize)]
struct Row<'a> {
    label: &'a str,
    c: Counts,
}

#[derive(Serialize)]
struct OpenFinding {
    vuln_id: String,
    category: &'static str,
    summary: String,
}

#[derive(Serialize)]
struct SummaryView<'a> {
    host: &'a str,
    stig_id: &'a str,
    revision: String,
    rules: usize,
    collected_at: &'a str,
    target: String,
    rows: Vec<Row<'a>>,
    open: Vec<OpenFinding>,
    failed_calls: Vec<String>,
    notes: &'a [String],
    outputs: Vec<String>,
}

/// Renders `scan_summary.txt.j2` for an evaluation of `ev` against
/// `benchmark` that wrote `outputs`.
pub fn summary_text(
    templates: &Templates,
    e: &Evaluation,
    benchmark: &Benchmark,
    ev: &Evidence,
    outputs: &[PathBuf],
) -> Result<String, minijinja::Error> {
    let s = counts(&e.results);
    let mut open: Vec<OpenFinding> = e
        .results
        .iter()
        .filter(|r| r.status == Status::Open)
        .map(|r| OpenFinding {
            vuln_id: r.vuln_id.clone(),
            category: r.severity.category(),
            summary: r
                .automated
                .as_ref()
                .map_or_else(|| r.title.clone(), |o| o.summary.clone()),
        })
        .collect();
    open.sort_by(|a, b| a.category.cmp(b.category).then(a.vuln_id.cmp(&b.vuln_id)));
    let view = SummaryView {
        host: &e.checklist.asset.host_name,
        stig_id: &benchmark.id,
        revision: benchmark
            .revision()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        rules: e.results.len(),
        collected_at: &ev.manifest.finished_at,
        target: ev
            .manifest
            .target
            .mke_url
            .clone()
            .or_else(|| ev.manifest.target.docker.first().cloned())
            .unwrap_or_default(),
        rows: vec![
            Row {
                label: "CAT I",
                c: s.cat_i,
            },
            Row {
                label: "CAT II",
                c: s.cat_ii,
            },
            Row {
                label: "CAT III",
                c: s.cat_iii,
            },
            Row {
                label: "Total",
                c: s.all,
            },
        ],
        open,
        failed_calls: ev
            .manifest
            .calls
            .iter()
            .filter_map(|c| {
                c.error
                    .as_ref()
                    .map(|e| format!("{} ({} {}): {e}", c.key, c.method, c.path))
            })
            .collect(),
        notes: &e.notes,
        outputs: outputs.iter().map(|p| p.display().to_string()).collect(),
    };
    templates.render("scan_summary.txt.j2", &view)
}

/// Counts of a result set, per category.
fn counts(results: &[RuleResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        s.add(r.severity, r.status);
    }
    s
}
