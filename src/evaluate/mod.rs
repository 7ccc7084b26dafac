//! From an evidence bundle to a filled checklist: run each rule's check,
//! apply the organisation's answers, and write finding details and
//! comments through the templates.
//!
//! Rule ids and texts come from the benchmark in use; checks are matched
//! to its rules by Vuln ID. A rule without a check stays Not_Reviewed, and
//! a check whose Vuln ID the benchmark lacks is reported and skipped.

mod asset;
mod summary;

pub use asset::asset_from;
pub use summary::summary_text;

use crate::checks::answers::{Answers, Decision};
use crate::checks::{Facts, Outcome, Policy, registry};
use crate::evidence::Evidence;
use crate::model::{
    Asset, Benchmark, Checklist, MAX_TEXT, Severity, Status, bundle_mention, bundles_named,
    marker_line, stigkit_engine, text_len,
};
use crate::templates::Templates;
use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

/// Everything an evaluation needs.
pub struct Inputs<'a> {
    pub benchmark: &'a Benchmark,
    pub evidence: &'a Evidence,
    pub policy: &'a Policy,
    pub answers: &'a Answers,
    pub templates: &'a Templates,
    pub asset: Asset,
    /// For answer expiry.
    pub today: NaiveDate,
    pub stig_uuid: Uuid,
    /// ISO-8601 time stamped on the rules.
    pub now: String,
}

/// The decision on one rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleResult {
    pub vuln_id: String,
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    /// The final status written to the checklist.
    pub status: Status,
    /// What the check said, when there is a check.
    pub automated: Option<Outcome>,
    /// What became of an answer for this rule, when there is one.
    pub answer: Option<String>,
}

/// The outcome of an evaluation.
pub struct Evaluation {
    pub checklist: Checklist,
    pub results: Vec<RuleResult>,
    /// Things the user should know (skipped checks, answers not applied).
    pub notes: Vec<String>,
}

#[derive(Clone, Serialize)]
struct SourceView {
    request: String,
    status: Option<u16>,
}

#[derive(Clone, Serialize)]
struct AnswerView<'a> {
    applied: bool,
    reason: String,
    status: String,
    finding_details: &'a str,
    comments: &'a str,
    author: &'a str,
    date: String,
    expires: Option<String>,
    source: &'a str,
}

#[derive(Clone, Serialize)]
struct AutomatedView {
    status: String,
}

#[derive(Clone, Serialize)]
struct RuleView<'a> {
    requirement: &'a str,
    outcome: &'a Outcome,
    automated: Option<AutomatedView>,
    answer: Option<AnswerView<'a>>,
    sources: Vec<SourceView>,
    collected_at: &'a str,
    target: String,
    /// sha256 of the bundle's manifest.json.
    bundle: Option<&'a str>,
    tool: String,
}

/// Runs every check and builds the checklist.
pub fn evaluate(i: Inputs<'_>) -> Result<Evaluation, minijinja::Error> {
    let facts = Facts::new(i.evidence);
    let mut checklist = Checklist::blank(i.asset, &[i.benchmark], &[i.stig_uuid], &i.now);
    let mut notes = Vec::new();
    let mut results = Vec::new();
    let tool = format!("stigkit {}", env!("CARGO_PKG_VERSION"));
    let target = i
        .evidence
        .manifest
        .target
        .mke_url
        .clone()
        .or_else(|| i.evidence.manifest.target.docker.first().cloned())
        .unwrap_or_default();
    let skipped: Vec<&str> = registry::CHECKS
        .iter()
        .map(|c| c.vuln_id)
        .filter(|v| i.benchmark.rule(v).is_none())
        .collect();
    if !skipped.is_empty() {
        notes.push(format!(
            "{} check{} skipped: benchmark {} has no rule {}",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            i.benchmark.id,
            skipped.join(", ")
        ));
    }
    let stig = checklist
        .stigs
        .first_mut()
        .expect("one STIG per evaluation");
    for rule in &mut stig.rules {
        let vuln = rule.rule.vuln_id.clone();
        let check = registry::check(&vuln);
        let outcome = match check {
            Some(c) => (c.run)(&facts, i.policy),
            None => Outcome::review("No automated check exists for this rule.")
                .step("Review this rule by hand."),
        };
        let automated = check.map(|_| outcome.status);
        let mut status = outcome.status;
        let answer = i.answers.get(&vuln);
        let mut answer_note = None;
        let mut answered = false;
        let answer_view = answer.map(|a| {
            let decision = a.decide(outcome.status, i.today);
            let reason = match &decision {
                Decision::Applied => String::new(),
                Decision::Expired(d) => format!("it expired on {d}"),
                Decision::ConditionNotMet(s) => format!(
                    "it applies only when the automated status is {}, and it was {}",
                    list(a.only_when.as_deref().unwrap_or_default()),
                    label(*s)
                ),
                Decision::KeptOpen => {
                    "the automated check found the rule Open, and an answer never overrides that"
                        .to_string()
                }
            };
            if decision == Decision::Applied {
                status = a.status;
                answered = true;
                answer_note = Some(format!("applied answer from {} ({})", a.source, a.author));
            } else {
                let note = format!("{vuln}: answer from {} not applied: {reason}", a.source);
                notes.push(note.clone());
                answer_note = Some(note);
            }
            AnswerView {
                applied: decision == Decision::Applied,
                reason,
                status: label(a.status),
                finding_details: &a.finding_details,
                comments: &a.comments,
                author: &a.author,
                date: a.date.to_string(),
                expires: a.expires.map(|d| d.to_string()),
                source: &a.source,
            }
        });
        let requirement = check.map_or(rule.rule.title.as_str(), |c| c.requirement);
        let view = RuleView {
            requirement,
            outcome: &outcome,
            automated: automated.map(|s| AutomatedView { status: label(s) }),
            answer: answer_view,
            sources: outcome
                .sources
                .iter()
                .filter_map(|k| source(i.evidence, k))
                .collect(),
            collected_at: &facts.collected_at,
            target: target.clone(),
            bundle: i.evidence.manifest_sha256.as_deref(),
            tool: tool.clone(),
        };
        rule.review.status = status;
        rule.review.finding_details = finding_details(i.templates, &view)?;
        // The bundle a review was judged from is named even when a custom
        // template leaves it out: `evaluate --verify-against` reads it.
        if let Some(h) = view.bundle.filter(|h| {
            !bundles_named(&rule.review.finding_details)
                .iter()
                .any(|n| n == h)
        }) {
            rule.review
                .finding_details
                .push_str(&format!("\n\nSource: {}.", bundle_mention(h)));
        }
        rule.review.comments = i
            .templates
            .render("comments.txt.j2", &view)?
            .trim_end()
            .to_string();
        // The marker says a tool decided this review; code appends it so a
        // custom template cannot lose it (merge relies on it).
        if let Some(auto) = automated.filter(|_| !answered) {
            if !rule.review.comments.is_empty() {
                rule.review.comments.push('\n');
            }
            rule.review.comments.push_str(&marker_line(
                auto,
                env!("CARGO_PKG_VERSION"),
                &facts.collected_at,
            ));
            rule.record.engine = stigkit_engine(&rule.review);
        }
        results.push(RuleResult {
            vuln_id: vuln,
            rule_id: rule.rule.rule_id.clone(),
            severity: rule.rule.severity,
            title: rule.rule.title.clone(),
            status,
            automated: check.map(|_| outcome),
            answer: answer_note,
        });
    }
    for a in i.answers.iter() {
        if i.benchmark.rule(&a.vuln_id).is_none() {
            notes.push(format!(
                "answer for {} ({}) skipped: benchmark {} has no such rule",
                a.vuln_id, a.source, i.benchmark.id
            ));
        }
    }
    Ok(Evaluation {
        checklist,
        results,
        notes,
    })
}

/// Renders the finding details. When they would pass [`MAX_TEXT`], where
/// STIG Manager cuts silently, as many evidence lines are kept as fit, and a
/// last line says how many more the evidence bundle holds. An answer's text
/// is never cut: what a person wrote stays whole (and `lint` flags it).
fn finding_details(templates: &Templates, view: &RuleView<'_>) -> Result<String, minijinja::Error> {
    let render = |v: &RuleView<'_>| {
        templates
            .render("finding_details.txt.j2", v)
            .map(|t| t.trim_end().to_string())
    };
    let full = render(view)?;
    let total = view.outcome.evidence.len();
    if text_len(&full) <= MAX_TEXT || total == 0 {
        return Ok(full);
    }
    let with = |keep: usize| -> Result<String, minijinja::Error> {
        let mut outcome = view.outcome.clone();
        outcome.evidence.truncate(keep);
        outcome.evidence.push(format!(
            "… and {} more evidence lines, in the evidence bundle: finding details stop at {MAX_TEXT} characters, the most STIG Manager and eMASS keep.",
            total - keep
        ));
        let mut v = view.clone();
        v.outcome = &outcome;
        render(&v)
    };
    // The most lines that fit, by bisection: rendering is cheap, and lines
    // differ in length.
    let (mut lo, mut hi) = (0, total - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_len(&with(mid)?) <= MAX_TEXT {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    with(lo)
}

/// CKL spelling of a status, as reviewers know it.
fn label(s: Status) -> String {
    s.label().to_string()
}

fn list(s: &[Status]) -> String {
    s.iter().map(|s| label(*s)).collect::<Vec<_>>().join(" or ")
}

/// The request behind an evidence key, for finding details.
fn source(ev: &Evidence, key: &str) -> Option<SourceView> {
    if key == crate::checks::facts_containers_key() {
        let lists: Vec<&str> = ev
            .manifest
            .calls
            .iter()
            .filter(|c| {
                c.key == "mke/containers"
                    || (c.key.starts_with("docker/") && c.key.ends_with("/containers"))
            })
            .map(|c| c.key.as_str())
            .collect();
        let list = lists.first()?;
        let prefix = list.trim_end_matches("/containers");
        let inspected = ev
            .calls_under(&format!("{prefix}/inspect/"))
            .filter(|c| c.ok())
            .count();
        let tops = ev
            .calls_under(&format!("{prefix}/top/"))
            .filter(|c| c.ok())
            .count();
        let call = ev.call(list)?;
        return Some(SourceView {
            request: format!(
                "GET /containers/json?all=1, then /containers/{{id}}/json for {inspected} and /containers/{{id}}/top for {tops} containers"
            ),
            status: call.status,
        });
    }
    let call = ev.call(key).or_else(|| {
        // Without MKE, Docker facts come from an engine asked directly.
        let name = key.strip_prefix("mke/")?;
        let engine = ev
            .manifest
            .calls
            .iter()
            .find(|c| c.key.starts_with("docker/") && c.key.ends_with(&format!("/{name}")))?;
        Some(engine)
    });
    match call {
        Some(c) => Some(SourceView {
            request: format!(
                "{} {}",
                if c.method == "TLS" {
                    "TLS handshake of"
                } else {
                    &c.method
                },
                c.path
            ),
            status: c.status,
        }),
        // Families of calls (per node, per organisation) name the pattern.
        None => {
            let prefix = format!("{key}/");
            let family = ev.calls_under(&prefix).next()?;
            Some(SourceView {
                request: format!("{} {} (and the like)", family.method, family.path),
                status: family.status,
            })
        }
    }
}

/// The least severe Open finding that fails a pipeline (`--fail-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Open CAT I findings.
    Cat1,
    /// Open CAT I or CAT II findings.
    Cat2,
    /// Any open finding.
    Cat3,
}

impl FailOn {
    /// Whether an Open finding of severity `s` reaches the threshold.
    pub fn counts(self, s: Severity) -> bool {
        matches!(
            (self, s),
            (_, Severity::High)
                | (FailOn::Cat2 | FailOn::Cat3, Severity::Medium)
                | (FailOn::Cat3, Severity::Low | Severity::Unknown)
        )
    }
}

impl Evaluation {
    /// Whether an Open finding reaches `fail`.
    pub fn fails(&self, fail: FailOn) -> bool {
        self.results
            .iter()
            .any(|r| r.status == Status::Open && fail.counts(r.severity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Cat1.counts(Severity::High) && !FailOn::Cat1.counts(Severity::Medium));
        assert!(FailOn::Cat2.counts(Severity::Medium) && !FailOn::Cat2.counts(Severity::Low));
        assert!(FailOn::Cat3.counts(Severity::Low));
    }
}
