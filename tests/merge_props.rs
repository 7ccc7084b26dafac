//! Properties of `merge` over random sets of inputs: nothing anyone wrote
//! is lost, and each rule's status follows the precedence table.

use proptest::prelude::*;
use stigkit::merge::{Merger, Options, Prefer};
use stigkit::model::{
    Asset, Checklist, ChecklistRule, Engine, Review, Rule, RuleRecord, Severity, Status,
    StigChecklist, StigInfo,
};

const RULES: usize = 5;

/// One input's review of one rule (absent when the input lacks the rule).
#[derive(Clone, Debug)]
struct Given {
    status: Status,
    tool: bool,
    details: String,
    comments: String,
    justification: String,
    time: Option<u32>,
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Open),
        Just(Status::NotAFinding),
        Just(Status::NotApplicable),
        Just(Status::NotReviewed),
    ]
}

/// Short texts from a small alphabet, so inputs often repeat each other.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[ab ]{1,4}", "[a-z<&>\"é\n]{1,12}"]
}

fn given() -> impl Strategy<Value = Given> {
    (
        status(),
        any::<bool>(),
        text(),
        text(),
        text(),
        proptest::option::of(0u32..5),
    )
        .prop_map(
            |(status, tool, details, comments, justification, time)| Given {
                status,
                tool,
                details,
                comments,
                justification,
                time,
            },
        )
}

/// Inputs × rules, each rule present or not.
fn inputs() -> impl Strategy<Value = Vec<Vec<Option<Given>>>> {
    prop::collection::vec(
        prop::collection::vec(proptest::option::weighted(0.85, given()), RULES),
        1..6,
    )
}

fn checklist(rules: &[Option<Given>]) -> Checklist {
    let stig_rules = rules
        .iter()
        .enumerate()
        .filter_map(|(i, g)| g.as_ref().map(|g| (i, g)))
        .map(|(i, g)| ChecklistRule {
            rule: Rule {
                vuln_id: format!("V-{}", 1000 + i),
                rule_id: format!("SV-{}r1_rule", 1000 + i),
                severity: Severity::Medium,
                ..Rule::default()
            },
            review: Review {
                status: g.status,
                finding_details: g.details.clone(),
                comments: g.comments.clone(),
                severity_override: None,
                severity_justification: g.justification.clone(),
            },
            record: RuleRecord {
                updated_at: g
                    .time
                    .map(|t| format!("2026-01-0{}T00:00:00Z", t + 1))
                    .unwrap_or_default(),
                engine: g.tool.then(|| Engine {
                    product: "scanner".into(),
                    version: "1".into(),
                }),
                ..RuleRecord::default()
            },
            ..ChecklistRule::default()
        })
        .collect();
    Checklist {
        asset: Asset {
            host_name: "host-1".into(),
            ..Asset::default()
        },
        stigs: vec![StigChecklist {
            info: StigInfo {
                stig_id: "TEST_STIG".into(),
                version: "1".into(),
                release_info: "Release: 1 Benchmark Date: 01 Jan 2026".into(),
                ..StigInfo::default()
            },
            rules: stig_rules,
            ..StigChecklist::default()
        }],
        ..Checklist::default()
    }
}

/// The precedence table, written out independently of the merge code:
/// the index of the input whose review must win.
fn expected_winner(candidates: &[(usize, &Given)], prefer: Prefer) -> usize {
    let rank = |g: &Given| -> (u32, u32) {
        let reviewed = (g.status != Status::NotReviewed) as u32;
        let person = (!g.tool) as u32;
        match prefer {
            Prefer::Manual => (reviewed, person),
            Prefer::Automated => (reviewed, 1 - person),
            Prefer::Newest => (reviewed, g.time.map_or(0, |t| t + 1)),
            Prefer::Worst => (
                match g.status {
                    Status::Open => 3,
                    Status::NotAFinding => 2,
                    Status::NotApplicable => 1,
                    Status::NotReviewed => 0,
                },
                person,
            ),
        }
    };
    // Ties go to the later input.
    candidates
        .iter()
        .fold(None::<(usize, (u32, u32))>, |best, &(i, g)| match best {
            Some((_, r)) if r > rank(g) => best,
            _ => Some((i, rank(g))),
        })
        .unwrap()
        .0
}

fn prefer() -> impl Strategy<Value = Prefer> {
    prop_oneof![
        Just(Prefer::Manual),
        Just(Prefer::Automated),
        Just(Prefer::Newest),
        Just(Prefer::Worst),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn nothing_written_is_lost_and_precedence_holds(inputs in inputs(), prefer in prefer()) {
        let mut merger = Merger::new(Options { prefer, ..Options::default() });
        for (i, rules) in inputs.iter().enumerate() {
            merger.add(&format!("in{i}.ckl"), checklist(rules)).unwrap();
        }
        let (out, report) = merger.finish();
        let merged = &out.stigs[0].rules;
        let mut conflicts = 0;
        for r in 0..RULES {
            let candidates: Vec<(usize, &Given)> = inputs
                .iter()
                .enumerate()
                .filter_map(|(i, rules)| rules[r].as_ref().map(|g| (i, g)))
                .collect();
            let rule_id = format!("SV-{}r1_rule", 1000 + r);
            let m = merged.iter().find(|m| m.rule.rule_id == rule_id);
            if candidates.is_empty() {
                prop_assert!(m.is_none());
                continue;
            }
            let m = m.unwrap();
            for (i, g) in &candidates {
                prop_assert!(m.review.finding_details.contains(&g.details), "input {} details", i);
                prop_assert!(m.review.comments.contains(&g.comments), "input {} comments", i);
                prop_assert!(
                    m.review.severity_justification.contains(&g.justification),
                    "input {} justification", i
                );
            }
            let win = expected_winner(&candidates, prefer);
            prop_assert_eq!(m.review.status, inputs[win][r].as_ref().unwrap().status);
            let reviewed: std::collections::BTreeSet<Status> = candidates
                .iter()
                .map(|(_, g)| g.status)
                .filter(|s| *s != Status::NotReviewed)
                .collect();
            if reviewed.len() > 1 {
                conflicts += 1;
                prop_assert!(report.conflicts.iter().any(|c| c.rule_id == rule_id));
            }
        }
        prop_assert_eq!(report.totals.conflicts, conflicts);
        prop_assert_eq!(report.conflicts.len(), conflicts);
    }
}
