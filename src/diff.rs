//! Comparing two assessments of one asset: which reviews changed.
//!
//! STIGs are paired by benchmark id, rules by Rule ID, falling back to the
//! SV number (the two files hold different releases) and then the Vuln ID.
//! Only the review is compared (status, finding details, comments, severity
//! override and justification); rule texts come from DISA and an asset's
//! fields are not a review. Line endings are normalised before comparing:
//! an XML reader turns CRLF into LF while JSON keeps it, so the same review
//! read from a CKL and a CKLB would otherwise differ.
//!
//! Nothing here reads or writes files.

use crate::model::{
    Checklist, ChecklistRule, MatchKey, Rule, Severity, Status, StigChecklist, pair_rules,
    revision_label,
};
use serde::Serialize;

/// The keys rules are paired on, strongest first.
pub const KEYS: [MatchKey; 3] = [MatchKey::RuleId, MatchKey::SvNumber, MatchKey::VulnId];

/// Largest middle section (lines of A times lines of B, after the common
/// beginning and end are set aside) diffed line by line; beyond it the
/// section is shown as removed and added whole, to bound memory.
const MAX_DIFF_CELLS: usize = 4_000_000;

/// How to compare.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Compare checklists whose host names differ.
    pub allow_host_mismatch: bool,
}

/// Why two checklists cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "host names differ ('{a}' and '{b}'): these are not the same asset (use --allow-host-mismatch to compare anyway)"
    )]
    HostMismatch { a: String, b: String },
}

/// A value in A and in B.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    pub a: T,
    pub b: T,
}

/// A text in A and in B, and the changed lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextChange {
    pub a: String,
    pub b: String,
    /// Hunks without context, as in `diff -U0`: `@@ -3 +3,2 @@`, then
    /// `-line` for A's lines and `+line` for B's.
    pub diff: Vec<String>,
}

/// A rule whose review differs.
#[derive(Clone, Debug, Serialize)]
pub struct RuleDiff {
    pub vuln_id: String,
    pub stig_id: String,
    pub a_rule_id: String,
    pub b_rule_id: String,
    pub matched_by: MatchKey,
    pub status: Option<Change<Status>>,
    pub finding_details: Option<TextChange>,
    pub comments: Option<TextChange>,
    pub severity_override: Option<Change<Option<Severity>>>,
    pub severity_justification: Option<TextChange>,
}

/// A rule in one checklist only.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSide {
    pub vuln_id: String,
    pub rule_id: String,
    pub stig_id: String,
    pub status: Status,
    /// Whether anything was decided or written for it.
    pub reviewed: bool,
}

/// How often a status changed from one value to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub rules: usize,
}

/// Counts of differences.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Rules paired between A and B.
    pub compared: usize,
    /// Paired rules whose review differs in any field.
    pub changed: usize,
    pub status_changed: usize,
    pub finding_details_changed: usize,
    pub comments_changed: usize,
    /// Severity override or its justification.
    pub severity_changed: usize,
    pub only_in_a: usize,
    pub only_in_b: usize,
    /// Status changes by old and new status, in report order.
    pub status_changes: Vec<Transition>,
}

impl Totals {
    fn count(&mut self, d: &RuleDiff) {
        self.changed += 1;
        if let Some(s) = &d.status {
            self.status_changed += 1;
            self.transition(s.a, s.b, 1);
        }
        self.finding_details_changed += d.finding_details.is_some() as usize;
        self.comments_changed += d.comments.is_some() as usize;
        self.severity_changed +=
            (d.severity_override.is_some() || d.severity_justification.is_some()) as usize;
    }

    fn merge(&mut self, o: &Totals) {
        self.compared += o.compared;
        self.changed += o.changed;
        self.status_changed += o.status_changed;
        self.finding_details_changed += o.finding_details_changed;
        self.comments_changed += o.comments_changed;
        self.severity_changed += o.severity_changed;
        self.only_in_a += o.only_in_a;
        self.only_in_b += o.only_in_b;
        for t in &o.status_changes {
            self.transition(t.from, t.to, t.rules);
        }
    }

    fn transition(&mut self, from: Status, to: Status, rules: usize) {
        match self
            .status_changes
            .iter_mut()
            .find(|t| t.from == from && t.to == to)
        {
            Some(t) => t.rules += rules,
            None => self.status_changes.push(Transition { from, to, rules }),
        }
    }

    fn sort(&mut self) {
        let rank = |s: Status| Status::ALL.iter().position(|x| *x == s);
        self.status_changes
            .sort_by_key(|t| (rank(t.from), rank(t.to)));
    }
}

/// One STIG present in both checklists.
#[derive(Clone, Debug, Serialize)]
pub struct StigDiff {
    pub stig_id: String,
    pub title: String,
    /// `V2R4`, or the release-info text when the checklist does not say.
    pub a_revision: String,
    pub b_revision: String,
    pub changed: Vec<RuleDiff>,
    pub only_in_a: Vec<RuleSide>,
    pub only_in_b: Vec<RuleSide>,
    pub totals: Totals,
}

/// A STIG in one checklist only.
#[derive(Clone, Debug, Serialize)]
pub struct StigSide {
    pub stig_id: String,
    pub title: String,
    pub revision: String,
    pub rules: usize,
    /// Rules with a decision or text.
    pub reviewed: usize,
}

/// The differences between two checklists.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub a_host_name: String,
    pub b_host_name: String,
    /// No review differs and no rule or STIG is in one checklist only.
    pub identical: bool,
    pub stigs: Vec<StigDiff>,
    pub stigs_only_in_a: Vec<StigSide>,
    pub stigs_only_in_b: Vec<StigSide>,
    pub totals: Totals,
}

/// Whether two host names name the same host: DNS names ignore case.
fn same_host(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Compares the reviews of `a` and `b`.
pub fn diff(a: &Checklist, b: &Checklist, opts: Options) -> Result<Diff, Error> {
    if !opts.allow_host_mismatch && !same_host(&a.asset.host_name, &b.asset.host_name) {
        return Err(Error::HostMismatch {
            a: a.asset.host_name.clone(),
            b: b.asset.host_name.clone(),
        });
    }
    // STIGs pair by benchmark id; repeats (rare) pair in order.
    let mut b_taken = vec![false; b.stigs.len()];
    let mut stigs = Vec::new();
    let mut only_a = Vec::new();
    let mut totals = Totals::default();
    for sa in &a.stigs {
        let found =
            (0..b.stigs.len()).find(|&j| !b_taken[j] && b.stigs[j].info.stig_id == sa.info.stig_id);
        match found {
            Some(j) => {
                b_taken[j] = true;
                let d = diff_stig(sa, &b.stigs[j]);
                totals.merge(&d.totals);
                stigs.push(d);
            }
            None => only_a.push(side(sa)),
        }
    }
    let only_b: Vec<StigSide> = b
        .stigs
        .iter()
        .zip(&b_taken)
        .filter(|(_, t)| !**t)
        .map(|(s, _)| side(s))
        .collect();
    totals.only_in_a += only_a.iter().map(|s| s.rules).sum::<usize>();
    totals.only_in_b += only_b.iter().map(|s| s.rules).sum::<usize>();
    totals.sort();
    let identical = totals.changed == 0 && totals.only_in_a == 0 && totals.only_in_b == 0
        // A STIG without rules still makes the checklists differ.
        && only_a.is_empty()
        && only_b.is_empty();
    Ok(Diff {
        a_host_name: a.asset.host_name.clone(),
        b_host_name: b.asset.host_name.clone(),
        identical,
        stigs,
        stigs_only_in_a: only_a,
        stigs_only_in_b: only_b,
        totals,
    })
}

fn revision(s: &StigChecklist) -> String {
    revision_label(&s.info.version, &s.info.release_info)
}

fn side(s: &StigChecklist) -> StigSide {
    StigSide {
        stig_id: s.info.stig_id.clone(),
        title: s.info.title.clone(),
        revision: revision(s),
        rules: s.rules.len(),
        reviewed: s.rules.iter().filter(|r| r.review.holds_anything()).count(),
    }
}

fn rule_side(r: &ChecklistRule) -> RuleSide {
    RuleSide {
        vuln_id: r.rule.vuln_id.clone(),
        rule_id: r.rule.rule_id.clone(),
        stig_id: r.rule.stig_id.clone(),
        status: r.review.status,
        reviewed: r.review.holds_anything(),
    }
}

fn diff_stig(a: &StigChecklist, b: &StigChecklist) -> StigDiff {
    let ra: Vec<&Rule> = a.rules.iter().map(|r| &r.rule).collect();
    let rb: Vec<&Rule> = b.rules.iter().map(|r| &r.rule).collect();
    let pairs = pair_rules(&ra, &rb, &KEYS);
    let mut totals = Totals::default();
    let mut changed = Vec::new();
    let mut only_in_a = Vec::new();
    let mut b_paired = vec![false; b.rules.len()];
    for (x, p) in a.rules.iter().zip(&pairs) {
        let Some((j, key)) = *p else {
            only_in_a.push(rule_side(x));
            continue;
        };
        b_paired[j] = true;
        totals.compared += 1;
        if let Some(d) = diff_rule(x, &b.rules[j], key) {
            totals.count(&d);
            changed.push(d);
        }
    }
    let only_in_b: Vec<RuleSide> = b
        .rules
        .iter()
        .zip(&b_paired)
        .filter(|(_, p)| !**p)
        .map(|(r, _)| rule_side(r))
        .collect();
    totals.only_in_a = only_in_a.len();
    totals.only_in_b = only_in_b.len();
    totals.sort();
    StigDiff {
        stig_id: a.info.stig_id.clone(),
        title: if b.info.title.is_empty() {
            a.info.title.clone()
        } else {
            b.info.title.clone()
        },
        a_revision: revision(a),
        b_revision: revision(b),
        changed,
        only_in_a,
        only_in_b,
        totals,
    }
}

/// CRLF and lone CR become LF (see the module comment).
fn normalise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

fn text_change(a: &str, b: &str) -> Option<TextChange> {
    let (na, nb) = (normalise(a), normalise(b));
    (na != nb).then(|| TextChange {
        a: a.to_string(),
        b: b.to_string(),
        diff: line_diff(&na, &nb),
    })
}

fn diff_rule(a: &ChecklistRule, b: &ChecklistRule, key: MatchKey) -> Option<RuleDiff> {
    let (x, y) = (&a.review, &b.review);
    let d = RuleDiff {
        vuln_id: if b.rule.vuln_id.is_empty() {
            a.rule.vuln_id.clone()
        } else {
            b.rule.vuln_id.clone()
        },
        stig_id: if b.rule.stig_id.is_empty() {
            a.rule.stig_id.clone()
        } else {
            b.rule.stig_id.clone()
        },
        a_rule_id: a.rule.rule_id.clone(),
        b_rule_id: b.rule.rule_id.clone(),
        matched_by: key,
        status: (x.status != y.status).then_some(Change {
            a: x.status,
            b: y.status,
        }),
        finding_details: text_change(&x.finding_details, &y.finding_details),
        comments: text_change(&x.comments, &y.comments),
        severity_override: (x.severity_override != y.severity_override).then_some(Change {
            a: x.severity_override,
            b: y.severity_override,
        }),
        severity_justification: text_change(&x.severity_justification, &y.severity_justification),
    };
    let any = d.status.is_some()
        || d.finding_details.is_some()
        || d.comments.is_some()
        || d.severity_override.is_some()
        || d.severity_justification.is_some();
    any.then_some(d)
}

/// Lines of a text; an empty text has none.
fn lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    }
}

/// A compact line diff of `a` to `b` (hunks without context, as
/// `diff -U0` prints them). A trailing newline counts as an empty last line.
pub fn line_diff(a: &str, b: &str) -> Vec<String> {
    let (la, lb) = (lines(a), lines(b));
    let prefix = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let suffix = la[prefix..]
        .iter()
        .rev()
        .zip(lb[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let ma = &la[prefix..la.len() - suffix];
    let mb = &lb[prefix..lb.len() - suffix];
    // Which lines of the middle sections are common (longest common subsequence).
    let (mut keep_a, mut keep_b) = (vec![false; ma.len()], vec![false; mb.len()]);
    if ma.len().saturating_mul(mb.len()) <= MAX_DIFF_CELLS {
        let w = mb.len() + 1;
        let mut t = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                t[i * w + j] = if ma[i] == mb[j] {
                    t[(i + 1) * w + j + 1] + 1
                } else {
                    t[(i + 1) * w + j].max(t[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() && j < mb.len() {
            if ma[i] == mb[j] {
                keep_a[i] = true;
                keep_b[j] = true;
                i += 1;
                j += 1;
            } else if t[(i + 1) * w + j] >= t[i * w + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    // Walk both sides; every run of unkept lines is one hunk.
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        if i < ma.len() && j < mb.len() && keep_a[i] && keep_b[j] {
            i += 1;
            j += 1;
            continue;
        }
        let (i0, j0) = (i, j);
        while i < ma.len() && !keep_a[i] {
            i += 1;
        }
        while j < mb.len() && !keep_b[j] {
            j += 1;
        }
        out.push(format!(
            "@@ -{} +{} @@",
            range(prefix + i0, i - i0),
            range(prefix + j0, j - j0)
        ));
        out.extend(ma[i0..i].iter().map(|l| format!("-{l}")));
        out.extend(mb[j0..j].iter().map(|l| format!("+{l}")));
    }
    out
}

/// A hunk range as `diff -U0` writes it: `start,count` (1-based), `start`
/// alone for one line, and the line before for none.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_is_compact_and_positioned() {
        assert_eq!(line_diff("a\nb\nc", "a\nB\nc"), ["@@ -2 +2 @@", "-b", "+B"]);
        assert_eq!(line_diff("a\nc", "a\nb\nc"), ["@@ -1,0 +2 @@", "+b"]);
        assert_eq!(
            line_diff("a\nb\nc\nd", "a\nd"),
            ["@@ -2,2 +1,0 @@", "-b", "-c"]
        );
        assert_eq!(line_diff("", "new"), ["@@ -0,0 +1 @@", "+new"]);
        assert_eq!(line_diff("x", "x\n"), ["@@ -1,0 +2 @@", "+"]);
        assert_eq!(
            line_diff("1\n2\n3\n4", "1\nX\n3\nY"),
            ["@@ -2 +2 @@", "-2", "+X", "@@ -4 +4 @@", "-4", "+Y"]
        );
        assert!(line_diff("same", "same").is_empty());
    }

    #[test]
    fn line_endings_alone_are_no_change() {
        assert_eq!(text_change("a\r\nb", "a\nb"), None);
        assert!(text_change("a\r\nb", "a\nc").is_some());
    }
}
