//! The view behind `stigkit report`: where each asset and the fleet stand,
//! worst first, for the HTML page and the Markdown summary.
//!
//! A view is built per checklist ([`AssetReport::of`]) so a fleet of
//! thousands can be read in parallel and each checklist dropped at once;
//! [`AssessmentReport::of`] then adds the fleet-wide parts.

use crate::model::{Checklist, ChecklistRule, Severity, Status, StigSummary, Summary};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Statuses in the order reports show them: what needs action first.
const ORDER: [Status; 4] = [
    Status::Open,
    Status::NotReviewed,
    Status::NotAFinding,
    Status::NotApplicable,
];

/// Open rules listed fleet-wide, at most.
const FLEET_TOP: usize = 50;
/// Hosts named per fleet-wide rule, at most.
const FLEET_HOSTS: usize = 10;

#[derive(Serialize)]
pub struct AssessmentReport {
    /// `stigkit 0.1.0`.
    pub tool: String,
    pub generated: String,
    /// Whether per-rule tables are included.
    pub details: bool,
    pub fleet: bool,
    pub totals: Summary,
    pub bar: Bar,
    /// Share of rules with a reviewed status, in whole percent.
    pub reviewed_pct: u32,
    pub assets: Vec<AssetReport>,
    /// For a fleet: the rules Open in the most checklists, CAT I first.
    pub top_open: Vec<FleetRule>,
    /// Read from a bucket: each cluster's run and its age.
    pub clusters: Vec<super::ClusterRun>,
}

#[derive(Serialize)]
pub struct AssetReport {
    pub file: String,
    pub host_name: String,
    pub host_ip: String,
    pub host_fqdn: String,
    pub totals: Summary,
    pub stigs: Vec<StigReport>,
}

#[derive(Serialize)]
pub struct StigReport {
    /// Unique in the page: `a3-s1` (asset 3, STIG 1, in page order).
    pub anchor: String,
    #[serde(flatten)]
    pub summary: StigSummary,
    pub bar: Bar,
    /// One bar per category, scaled to the largest category.
    pub cat_bars: Vec<CatBar>,
    pub reviewed_pct: u32,
    /// Open CAT I findings (after severity overrides).
    pub open_cat_i: Vec<RuleRow>,
    /// Every Open finding, CAT I first (texts only with details: without,
    /// these rows serve the fleet ranking alone).
    pub open: Vec<RuleRow>,
    /// Every rule, Open first then by category; empty without details.
    pub rules: Vec<RuleRow>,
}

#[derive(Clone, Serialize)]
pub struct RuleRow {
    pub vuln_id: String,
    pub rule_id: String,
    pub stig_rule_id: String,
    pub title: String,
    pub category: &'static str,
    /// The effective severity `category` names; orders rules, not shown.
    #[serde(skip)]
    pub severity: Severity,
    /// `true` when a severity override set the category.
    pub overridden: bool,
    /// Status key: `open`, `not_a_finding`, …
    pub status: Status,
    pub finding_details: String,
    pub comments: String,
}

/// A stacked bar: one segment per status with rules, in percent of the
/// bar's width.
#[derive(Serialize)]
pub struct Bar {
    pub segments: Vec<Segment>,
}

#[derive(Serialize)]
pub struct Segment {
    pub status: Status,
    pub count: usize,
    pub x: f64,
    pub width: f64,
}

#[derive(Serialize)]
pub struct CatBar {
    pub category: &'static str,
    pub total: usize,
    pub bar: Bar,
}

#[derive(Serialize)]
pub struct FleetRule {
    pub stig_id: String,
    pub vuln_id: String,
    pub rule_id: String,
    pub title: String,
    pub category: &'static str,
    #[serde(skip)]
    severity: Severity,
    /// Checklists in which the rule is Open.
    pub checklists: usize,
    /// Their distinct host names (file names where none), up to [`FLEET_HOSTS`].
    pub examples: Vec<String>,
}

impl Bar {
    /// Segments of `counts` over a bar that stands for `scale` rules.
    fn of(counts: &crate::model::Counts, scale: usize) -> Bar {
        let mut x = 0.0;
        let segments = ORDER
            .iter()
            .filter(|s| counts.get(**s) > 0)
            .map(|&status| {
                let count = counts.get(status);
                let width = 100.0 * count as f64 / scale.max(1) as f64;
                let seg = Segment {
                    status,
                    count,
                    x: round(x),
                    width: round(width),
                };
                x += width;
                seg
            })
            .collect();
        Bar { segments }
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn reviewed_pct(c: &crate::model::Counts) -> u32 {
    if c.total == 0 {
        return 0;
    }
    let reviewed = c.total - c.not_reviewed;
    // Floor, so 99.9% is not shown as done.
    (100 * reviewed / c.total) as u32
}

/// A rule's row; `texts` keeps its finding details and comments (only the
/// per-rule tables show them).
fn row(r: &ChecklistRule, texts: bool) -> RuleRow {
    let text = |t: &String| if texts { t.clone() } else { String::new() };
    RuleRow {
        vuln_id: r.rule.vuln_id.clone(),
        rule_id: r.rule.rule_id.clone(),
        stig_rule_id: r.rule.stig_id.clone(),
        title: r.rule.title.clone(),
        category: r.effective_severity().category(),
        severity: r.effective_severity(),
        overridden: r.review.severity_override.is_some(),
        status: r.review.status,
        finding_details: text(&r.review.finding_details),
        comments: text(&r.review.comments),
    }
}

/// Worst first: status in [`ORDER`], then CAT I before II before III
/// (`Severity` orders that way).
fn rank(r: &ChecklistRule) -> (usize, Severity) {
    let status = ORDER
        .iter()
        .position(|s| *s == r.review.status)
        .unwrap_or(4);
    (status, r.effective_severity())
}

impl AssetReport {
    /// The report of one checklist; `details` keeps every rule's row.
    pub fn of(path: &Path, c: &Checklist, details: bool) -> AssetReport {
        let stigs: Vec<StigReport> = c
            .stigs
            .iter()
            .map(|s| {
                let summary = StigSummary::of(s);
                let mut ranked: Vec<&ChecklistRule> = s.rules.iter().collect();
                // Stable: equal ranks keep the STIG's order.
                ranked.sort_by_key(|r| rank(r));
                let open: Vec<RuleRow> = ranked
                    .iter()
                    .filter(|r| r.review.status == Status::Open)
                    .map(|r| row(r, details))
                    .collect();
                let open_cat_i = open
                    .iter()
                    .filter(|r| r.severity == Severity::High)
                    .cloned()
                    .collect();
                let rules = if details {
                    ranked.iter().map(|r| row(r, true)).collect()
                } else {
                    Vec::new()
                };
                let c = &summary.counts;
                let scale = [c.cat_i.total, c.cat_ii.total, c.cat_iii.total]
                    .into_iter()
                    .max()
                    .unwrap_or(0);
                let cat_bars = [
                    (Severity::High, &c.cat_i),
                    (Severity::Medium, &c.cat_ii),
                    (Severity::Low, &c.cat_iii),
                ]
                .into_iter()
                .map(|(sev, counts)| CatBar {
                    category: sev.category(),
                    total: counts.total,
                    bar: Bar::of(counts, scale),
                })
                .collect();
                StigReport {
                    anchor: String::new(),
                    bar: Bar::of(&c.all, c.all.total),
                    reviewed_pct: reviewed_pct(&c.all),
                    cat_bars,
                    open_cat_i,
                    open,
                    rules,
                    summary,
                }
            })
            .collect();
        let mut totals = Summary::default();
        for s in &stigs {
            totals.merge(&s.summary.counts);
        }
        AssetReport {
            file: path.display().to_string(),
            host_name: c.asset.host_name.clone(),
            host_ip: c.asset.host_ip.clone(),
            host_fqdn: c.asset.host_fqdn.clone(),
            totals,
            stigs,
        }
    }
}

impl AssessmentReport {
    /// The whole report. For a fleet, assets are ordered worst first (most
    /// open CAT I, then CAT II, then CAT III findings).
    pub fn of(mut assets: Vec<AssetReport>, details: bool, generated: String) -> AssessmentReport {
        let fleet = assets.len() > 1;
        let mut totals = Summary::default();
        for a in &assets {
            totals.merge(&a.totals);
        }
        let top_open = if fleet { top_open(&assets) } else { Vec::new() };
        if fleet {
            assets.sort_by_key(|a| {
                std::cmp::Reverse((
                    a.totals.cat_i.open,
                    a.totals.cat_ii.open,
                    a.totals.cat_iii.open,
                ))
            });
        }
        for (i, a) in assets.iter_mut().enumerate() {
            for (j, s) in a.stigs.iter_mut().enumerate() {
                s.anchor = format!("a{}-s{}", i + 1, j + 1);
            }
        }
        AssessmentReport {
            tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
            generated,
            details,
            fleet,
            bar: Bar::of(&totals.all, totals.all.total),
            reviewed_pct: reviewed_pct(&totals.all),
            totals,
            assets,
            top_open,
            clusters: Vec::new(),
        }
    }
}

/// Rules Open in the most checklists, CAT I first.
fn top_open(assets: &[AssetReport]) -> Vec<FleetRule> {
    let mut by_rule: HashMap<(&str, &str), FleetRule> = HashMap::new();
    for a in assets {
        for s in &a.stigs {
            for r in &s.open {
                let e = by_rule
                    .entry((&s.summary.stig_id, &r.vuln_id))
                    .or_insert_with(|| FleetRule {
                        stig_id: s.summary.stig_id.clone(),
                        vuln_id: r.vuln_id.clone(),
                        rule_id: r.rule_id.clone(),
                        title: r.title.clone(),
                        category: r.category,
                        severity: r.severity,
                        checklists: 0,
                        examples: Vec::new(),
                    });
                e.checklists += 1;
                let host = if a.host_name.is_empty() {
                    &a.file
                } else {
                    &a.host_name
                };
                if e.examples.len() < FLEET_HOSTS && !e.examples.contains(host) {
                    e.examples.push(host.clone());
                }
            }
        }
    }
    let mut rules: Vec<FleetRule> = by_rule.into_values().collect();
    rules.sort_by(|a, b| {
        (
            a.severity,
            std::cmp::Reverse(a.checklists),
            &a.stig_id,
            &a.vuln_id,
        )
            .cmp(&(
                b.severity,
                std::cmp::Reverse(b.checklists),
                &b.stig_id,
                &b.vuln_id,
            ))
    });
    rules.truncate(FLEET_TOP);
    rules
}
