//! Carrying a checklist's reviews to new releases of its STIGs.
//!
//! Each STIG of the old checklist is rebuilt from its new benchmark (title,
//! release, rule ids and texts all come from the new release) and every
//! old review is placed by these rules:
//!
//! - Rules are paired on the SV number of the Rule ID (the revision suffix
//!   changes with every edit; DISA keeps the number), then on the STIG ID,
//!   then on legacy ids ([`KEYS`]).
//! - **carried**: the check content is unchanged ([`check_digest`]), so the
//!   review (status, finding details, comments, severity override and
//!   justification) is carried unchanged.
//! - **reset**: the check content changed, so the old result no longer
//!   answers the rule: Not_Reviewed, with the whole old review kept in
//!   COMMENTS under a heading naming the old release and rule id.
//! - **new**: a rule of the new release nothing paired with; Not_Reviewed.
//! - **removed**: an old rule the new release lacks; its review goes into
//!   the report, since the new checklist has no place for it.
//!
//! Nothing here reads or writes files.

use crate::model::{
    Benchmark, Checklist, ChecklistRule, MatchKey, Review, Revision, Rule, Severity, Status,
    StigChecklist, pair_rules, revision_label,
};
use crate::templates::Templates;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The keys rules are paired on, strongest first. DISA's guidance is that
/// the SV number stays stable across releases of one STIG while the STIG
/// ID may be renamed; legacy ids bridge the 2020 renumbering.
pub const KEYS: [MatchKey; 3] = [MatchKey::SvNumber, MatchKey::StigId, MatchKey::LegacyId];

/// What an upgrade needs.
pub struct Inputs<'a> {
    pub old: &'a Checklist,
    /// The new releases, one per benchmark id.
    pub benchmarks: &'a [Benchmark],
    pub templates: &'a Templates,
    /// ISO-8601 time stamped on rebuilt rules.
    pub now: &'a str,
}

/// Why an upgrade cannot be done. Indexes point into [`Inputs::benchmarks`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("benchmark {id} matches no STIG of the checklist (it holds {})", .available.join(", "))]
    NoStig {
        index: usize,
        id: String,
        available: Vec<String>,
    },
    #[error("two benchmarks have the id {id}; give one new release per STIG")]
    DuplicateBenchmark { index: usize, id: String },
    #[error("rendering upgrade_reset.txt.j2: {0:#}")]
    Template(#[from] minijinja::Error),
}

/// What became of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Carried,
    Reset,
    New,
    Removed,
}

/// The identity of a rule on one side of the upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleIds {
    pub vuln_id: String,
    pub rule_id: String,
    pub stig_id: String,
    pub severity: Severity,
    /// [`check_digest`] of its check content.
    pub check_sha256: String,
}

impl RuleIds {
    fn of(r: &Rule) -> RuleIds {
        RuleIds {
            vuln_id: r.vuln_id.clone(),
            rule_id: r.rule_id.clone(),
            stig_id: r.stig_id.clone(),
            severity: r.severity,
            check_sha256: check_digest(&r.check_content),
        }
    }
}

/// The decision on one rule.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub category: Category,
    /// The key that paired the old and new rule (none for new and removed).
    pub matched_by: Option<MatchKey>,
    pub old: Option<RuleIds>,
    pub new: Option<RuleIds>,
    /// Status in the old checklist.
    pub old_status: Option<Status>,
    /// Status in the new checklist.
    pub new_status: Option<Status>,
    /// The old review of a reset or removed rule, when it held anything.
    pub previous_review: Option<Review>,
}

/// How many rules each key paired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatchCounts {
    pub sv_number: usize,
    pub stig_id: usize,
    pub legacy_id: usize,
}

/// Rules per category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub carried: usize,
    pub reset: usize,
    pub new: usize,
    pub removed: usize,
    /// Removed rules whose review held a status or text.
    pub removed_with_review: usize,
    /// Rules of STIGs no new release was given for, kept as they were.
    pub kept: usize,
    pub matched_by: MatchCounts,
}

impl Totals {
    fn count(&mut self, d: &Decision) {
        match d.category {
            Category::Carried => self.carried += 1,
            Category::Reset => self.reset += 1,
            Category::New => self.new += 1,
            Category::Removed => {
                self.removed += 1;
                self.removed_with_review += d.previous_review.is_some() as usize;
            }
        }
        match d.matched_by {
            Some(MatchKey::SvNumber) => self.matched_by.sv_number += 1,
            Some(MatchKey::StigId) => self.matched_by.stig_id += 1,
            Some(MatchKey::LegacyId) => self.matched_by.legacy_id += 1,
            _ => {}
        }
    }

    fn merge(&mut self, o: &Totals) {
        self.carried += o.carried;
        self.reset += o.reset;
        self.new += o.new;
        self.removed += o.removed;
        self.removed_with_review += o.removed_with_review;
        self.kept += o.kept;
        self.matched_by.sv_number += o.matched_by.sv_number;
        self.matched_by.stig_id += o.matched_by.stig_id;
        self.matched_by.legacy_id += o.matched_by.legacy_id;
    }
}

/// The upgrade of one STIG of the old checklist.
#[derive(Clone, Debug, Serialize)]
pub struct StigReport {
    pub stig_id: String,
    /// Title of the new release (the old one when kept).
    pub title: String,
    /// `V1R2`, or the release-info text when the revision is not stated.
    pub old_revision: String,
    pub new_revision: String,
    pub old_release_info: String,
    pub new_release_info: String,
    /// File the new release was read from; empty when kept.
    pub benchmark_file: String,
    /// False when no new release was given and the STIG was kept as it was.
    pub upgraded: bool,
    /// Something the user should know about this STIG, or empty.
    pub note: String,
    pub totals: Totals,
    /// The new release's rules in its order, then removed ones in the old
    /// checklist's order. Empty when kept.
    pub rules: Vec<Decision>,
}

/// Every decision of an upgrade.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub host_name: String,
    pub stigs: Vec<StigReport>,
    pub totals: Totals,
}

/// The new checklist and how it was made.
pub struct Upgrade {
    pub checklist: Checklist,
    pub report: Report,
}

/// The sha256 (lower-case hex) of a check text, normalised so only a
/// change of wording counts. Every run of whitespace (spaces, tabs, CR, LF,
/// no-break spaces) becomes one space and the ends are trimmed: line
/// endings differ by producer (CRLF from Windows tools and Evaluate-STIG),
/// and DISA re-wraps and re-indents text between releases without changing
/// the check. Case, punctuation and every character else count: `-auto-tls`
/// and `--auto-tls` are different checks.
pub fn check_digest(text: &str) -> String {
    let mut h = Sha256::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(word.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Numeric (version, release) for telling newer from older.
fn ordinal(r: &Revision) -> Option<(u64, u64)> {
    let n = |s: &str| s.split('.').next()?.parse::<u64>().ok();
    Some((n(&r.version)?, n(&r.release)?))
}

/// Builds the checklist for the new releases. `new_uuid` makes the uuids
/// of the rebuilt STIGs.
pub fn upgrade(i: Inputs<'_>, mut new_uuid: impl FnMut() -> Uuid) -> Result<Upgrade, Error> {
    for (index, b) in i.benchmarks.iter().enumerate() {
        if i.benchmarks[..index].iter().any(|o| o.id == b.id) {
            return Err(Error::DuplicateBenchmark {
                index,
                id: b.id.clone(),
            });
        }
        if !i.old.stigs.iter().any(|s| s.info.stig_id == b.id) {
            return Err(Error::NoStig {
                index,
                id: b.id.clone(),
                available: i
                    .old
                    .stigs
                    .iter()
                    .map(|s| match s.info.stig_id.as_str() {
                        "" => "a STIG without a benchmark id".to_string(),
                        id => id.to_string(),
                    })
                    .collect(),
            });
        }
    }
    let mut checklist = Checklist {
        // A new checklist: the caller names it and gives it a new id.
        name: String::new(),
        id: String::new(),
        asset: i.old.asset.clone(),
        stigs: Vec::with_capacity(i.old.stigs.len()),
        passthrough: i.old.passthrough.clone(),
    };
    let mut report = Report {
        host_name: i.old.asset.host_name.clone(),
        stigs: Vec::with_capacity(i.old.stigs.len()),
        totals: Totals::default(),
    };
    for old in &i.old.stigs {
        let (stig, r) = match i.benchmarks.iter().find(|b| b.id == old.info.stig_id) {
            Some(b) => upgrade_stig(old, b, i.templates, i.now, new_uuid())?,
            None => keep(old),
        };
        report.totals.merge(&r.totals);
        checklist.stigs.push(stig);
        report.stigs.push(r);
    }
    Ok(Upgrade { checklist, report })
}

/// A STIG no new release was given for: unchanged.
fn keep(old: &StigChecklist) -> (StigChecklist, StigReport) {
    let revision = revision_label(&old.info.version, &old.info.release_info);
    let report = StigReport {
        stig_id: old.info.stig_id.clone(),
        title: old.info.title.clone(),
        old_revision: revision.clone(),
        new_revision: revision,
        old_release_info: old.info.release_info.clone(),
        new_release_info: old.info.release_info.clone(),
        benchmark_file: String::new(),
        upgraded: false,
        note: "no new release of this STIG was given".into(),
        totals: Totals {
            kept: old.rules.len(),
            ..Totals::default()
        },
        rules: Vec::new(),
    };
    (old.clone(), report)
}

/// What the reset template is given.
#[derive(Serialize)]
struct ResetView<'a> {
    stig_id: &'a str,
    old_revision: &'a str,
    new_revision: &'a str,
    old_rule_id: &'a str,
    old_stig_id: &'a str,
    status: &'static str,
    severity_override: Option<&'static str>,
    severity_justification: &'a str,
    finding_details: &'a str,
    comments: &'a str,
}

fn upgrade_stig(
    old: &StigChecklist,
    b: &Benchmark,
    templates: &Templates,
    now: &str,
    uuid: Uuid,
) -> Result<(StigChecklist, StigReport), Error> {
    let old_revision = revision_label(&old.info.version, &old.info.release_info);
    let new_revision = revision_label(&b.version, &b.release_info);
    let mut stig = StigChecklist::blank(b, uuid, now);
    // Set by the people who keep the checklist, not by DISA.
    stig.info.custom_name = old.info.custom_name.clone();
    stig.info.extra = old.info.extra.clone();
    stig.passthrough = old.passthrough.clone();

    let old_rules: Vec<&Rule> = old.rules.iter().map(|r| &r.rule).collect();
    let new_rules: Vec<&Rule> = b.rules.iter().collect();
    let pairs = pair_rules(&old_rules, &new_rules, &KEYS);
    let mut paired_with = vec![None; new_rules.len()];
    for (o, p) in pairs.iter().enumerate() {
        if let Some((n, key)) = p {
            paired_with[*n] = Some((o, *key));
        }
    }

    let mut decisions = Vec::with_capacity(new_rules.len() + old_rules.len());
    for (slot, paired) in stig.rules.iter_mut().zip(&paired_with) {
        let new_ids = RuleIds::of(&slot.rule);
        let Some((o, key)) = *paired else {
            decisions.push(Decision {
                category: Category::New,
                matched_by: None,
                old: None,
                new: Some(new_ids),
                old_status: None,
                new_status: Some(slot.review.status),
                previous_review: None,
            });
            continue;
        };
        let prev = &old.rules[o];
        let old_ids = RuleIds::of(&prev.rule);
        let category = if old_ids.check_sha256 == new_ids.check_sha256 {
            carry(prev, slot);
            Category::Carried
        } else {
            // Nothing to keep from a review nobody made.
            if prev.review.holds_anything() {
                let view = ResetView {
                    stig_id: &old.info.stig_id,
                    old_revision: &old_revision,
                    new_revision: &new_revision,
                    old_rule_id: &prev.rule.rule_id,
                    old_stig_id: &prev.rule.stig_id,
                    status: prev.review.status.label(),
                    severity_override: prev.review.severity_override.map(Severity::as_str),
                    severity_justification: &prev.review.severity_justification,
                    finding_details: &prev.review.finding_details,
                    comments: &prev.review.comments,
                };
                slot.review.comments = templates
                    .render("upgrade_reset.txt.j2", &view)?
                    .trim_end()
                    .to_string();
            }
            Category::Reset
        };
        decisions.push(Decision {
            category,
            matched_by: Some(key),
            old: Some(old_ids),
            new: Some(new_ids),
            old_status: Some(prev.review.status),
            new_status: Some(slot.review.status),
            previous_review: (category == Category::Reset && prev.review.holds_anything())
                .then(|| prev.review.clone()),
        });
    }
    for (prev, _) in old.rules.iter().zip(&pairs).filter(|(_, p)| p.is_none()) {
        decisions.push(Decision {
            category: Category::Removed,
            matched_by: None,
            old: Some(RuleIds::of(&prev.rule)),
            new: None,
            old_status: Some(prev.review.status),
            new_status: None,
            previous_review: prev.review.holds_anything().then(|| prev.review.clone()),
        });
    }

    let mut totals = Totals::default();
    for d in &decisions {
        totals.count(d);
    }
    let mut notes = Vec::new();
    match (
        old.revision().as_ref().and_then(ordinal),
        b.revision().as_ref().and_then(ordinal),
    ) {
        (Some(o), Some(n)) if n == o => {
            notes.push(format!("{new_revision} is the release the checklist has"))
        }
        (Some(o), Some(n)) if n < o => notes.push(format!(
            "{new_revision} is older than the checklist's {old_revision}"
        )),
        _ => {}
    }
    // Some producers leave rule texts out; say why everything was reset.
    if !old.rules.is_empty()
        && old
            .rules
            .iter()
            .all(|r| r.rule.check_content.trim().is_empty())
    {
        notes.push(
            "the checklist holds no check texts, so no review could be shown to be unchanged"
                .into(),
        );
    }
    let note = notes.join("; ");
    let report = StigReport {
        stig_id: old.info.stig_id.clone(),
        title: b.title.clone(),
        old_revision,
        new_revision,
        old_release_info: old.info.release_info.clone(),
        new_release_info: b.release_info.clone(),
        benchmark_file: b.file_name.clone(),
        upgraded: true,
        note,
        totals,
        rules: decisions,
    };
    Ok((stig, report))
}

/// Moves an unchanged review onto its rule in the new release, with what
/// travels with it: who decided it, when, and producer data the model has
/// no field for (Evaluate-STIG's result-engine comments, unknown CKLB keys).
/// A reset rule gets none of that: it describes a result that no longer
/// stands, and the old checklist still holds it.
fn carry(prev: &ChecklistRule, slot: &mut ChecklistRule) {
    slot.review = prev.review.clone();
    slot.record.engine = prev.record.engine.clone();
    if !prev.record.created_at.is_empty() {
        slot.record.created_at = prev.record.created_at.clone();
    }
    if !prev.record.updated_at.is_empty() {
        slot.record.updated_at = prev.record.updated_at.clone();
    }
    slot.extra = prev.extra.clone();
    slot.passthrough = prev.passthrough.clone();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Asset;

    fn bench(version: &str, release: &str, rules: &[(&str, &str, &str)]) -> Benchmark {
        Benchmark {
            id: "Demo_STIG".into(),
            title: "Demo Security Technical Implementation Guide".into(),
            version: version.into(),
            release_info: format!("Release: {release} Benchmark Date: 01 Jan 2025"),
            rules: rules
                .iter()
                .map(|(id, stig_id, check)| Rule {
                    vuln_id: format!("V-{}", &crate::model::sv_number(id)[3..]),
                    rule_id: (*id).into(),
                    stig_id: (*stig_id).into(),
                    check_content: (*check).into(),
                    severity: Severity::Medium,
                    ..Rule::default()
                })
                .collect(),
            ..Benchmark::default()
        }
    }

    fn run(old: &Checklist, new: &Benchmark) -> Upgrade {
        upgrade(
            Inputs {
                old,
                benchmarks: std::slice::from_ref(new),
                templates: &Templates::builtin(),
                now: "2026-01-01T00:00:00.000Z",
            },
            Uuid::new_v4,
        )
        .unwrap()
    }

    #[test]
    fn a_reset_keeps_the_whole_review_under_a_heading() {
        let v1 = bench("1", "1", &[("SV-1r1_rule", "DEMO-001", "Check a.")]);
        let v2 = bench("1", "2", &[("SV-1r2_rule", "DEMO-001", "Check b.")]);
        let mut old = Checklist::blank(Asset::default(), &[&v1], &[Uuid::nil()], "t");
        old.stigs[0].rules[0].review = Review {
            status: Status::Open,
            finding_details: "Port 80 open.".into(),
            comments: "Seen by A.\nTicket 7.".into(),
            severity_override: Some(Severity::High),
            severity_justification: "Internet facing.".into(),
        };
        let up = run(&old, &v2);
        let r = &up.checklist.stigs[0].rules[0];
        assert_eq!(r.rule.rule_id, "SV-1r2_rule");
        assert_eq!(r.review.status, Status::NotReviewed);
        assert_eq!(r.review.severity_override, None);
        assert_eq!(
            r.review.comments,
            "stigkit upgrade V1R1 -> V1R2: the check content of this rule changed, so its \
             previous result was not carried over. Review the rule again against the new \
             check; the previous review is kept below in full.\n\
             === Previous review: Demo_STIG V1R1, rule SV-1r1_rule (DEMO-001) ===\n\
             Status: Open\n\
             Severity override: high\n\
             Severity justification:\nInternet facing.\n\
             Finding details:\nPort 80 open.\n\
             Comments:\nSeen by A.\nTicket 7.\n\
             === End of previous review ==="
        );
        let d = &up.report.stigs[0].rules[0];
        assert_eq!(d.category, Category::Reset);
        assert_eq!(d.matched_by, Some(MatchKey::SvNumber));
        assert_eq!(
            d.previous_review.as_ref(),
            Some(&old.stigs[0].rules[0].review)
        );
    }

    #[test]
    fn a_checklist_without_check_texts_says_why_all_was_reset() {
        let v1 = bench("1", "1", &[("SV-1r1_rule", "DEMO-001", "")]);
        let v2 = bench("1", "1", &[("SV-1r2_rule", "DEMO-001", "Check b.")]);
        let old = Checklist::blank(Asset::default(), &[&v1], &[Uuid::nil()], "t");
        let up = run(&old, &v2);
        assert_eq!(
            up.report.stigs[0].note,
            "V1R1 is the release the checklist has; the checklist holds no check texts, \
             so no review could be shown to be unchanged"
        );
        assert_eq!(up.report.totals.reset, 1);
    }

    #[test]
    fn digest_ignores_whitespace_layout_only() {
        let a = check_digest("Run:\r\n  kubectl get pods\tin all namespaces. ");
        assert_eq!(a, check_digest("Run: kubectl get pods in all\nnamespaces."));
        assert_eq!(
            a,
            check_digest("Run:\u{a0}kubectl get pods in all namespaces.")
        );
        assert_ne!(a, check_digest("run: kubectl get pods in all namespaces."));
        assert_ne!(
            check_digest("set \"-auto-tls\""),
            check_digest("set \"--auto-tls\"")
        );
        // sha256 of the empty string.
        assert_eq!(
            check_digest(" \n "),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
