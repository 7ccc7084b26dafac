//! Counting reviews by status and category, for `show` and reports.

use super::{Checklist, ChecklistRule, Severity, Status, StigChecklist};
use serde::{Deserialize, Serialize};

/// Rules counted by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: usize,
    pub open: usize,
    pub not_a_finding: usize,
    pub not_applicable: usize,
    pub not_reviewed: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        self.total += 1;
        *self.get_mut(status) += 1;
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Open => self.open,
            Status::NotAFinding => self.not_a_finding,
            Status::NotApplicable => self.not_applicable,
            Status::NotReviewed => self.not_reviewed,
        }
    }

    fn get_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Open => &mut self.open,
            Status::NotAFinding => &mut self.not_a_finding,
            Status::NotApplicable => &mut self.not_applicable,
            Status::NotReviewed => &mut self.not_reviewed,
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.total += other.total;
        self.open += other.open;
        self.not_a_finding += other.not_a_finding;
        self.not_applicable += other.not_applicable;
        self.not_reviewed += other.not_reviewed;
    }
}

/// Status counts overall and per category (by effective severity, so a
/// severity override moves a rule between categories).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub all: Counts,
    pub cat_i: Counts,
    pub cat_ii: Counts,
    pub cat_iii: Counts,
}

impl Summary {
    pub fn of_rules<'a>(rules: impl IntoIterator<Item = &'a ChecklistRule>) -> Summary {
        let mut s = Summary::default();
        for r in rules {
            s.add(r.effective_severity(), r.review.status);
        }
        s
    }

    pub fn add(&mut self, severity: Severity, status: Status) {
        self.all.add(status);
        if let Some(c) = self.category_mut(severity) {
            c.add(status);
        }
    }

    /// Counts for one category; `None` for `Severity::Unknown`.
    pub fn category(&self, severity: Severity) -> Option<&Counts> {
        match severity {
            Severity::High => Some(&self.cat_i),
            Severity::Medium => Some(&self.cat_ii),
            Severity::Low => Some(&self.cat_iii),
            Severity::Unknown => None,
        }
    }

    fn category_mut(&mut self, severity: Severity) -> Option<&mut Counts> {
        match severity {
            Severity::High => Some(&mut self.cat_i),
            Severity::Medium => Some(&mut self.cat_ii),
            Severity::Low => Some(&mut self.cat_iii),
            Severity::Unknown => None,
        }
    }

    pub fn merge(&mut self, other: &Summary) {
        self.all.merge(&other.all);
        self.cat_i.merge(&other.cat_i);
        self.cat_ii.merge(&other.cat_ii);
        self.cat_iii.merge(&other.cat_iii);
    }
}

/// The summary of one STIG in a checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StigSummary {
    pub stig_id: String,
    pub title: String,
    /// `V2R4`, or empty when the checklist does not say.
    pub revision: String,
    pub release_info: String,
    pub counts: Summary,
}

impl StigSummary {
    pub fn of(stig: &StigChecklist) -> StigSummary {
        StigSummary {
            stig_id: stig.info.stig_id.clone(),
            title: stig.info.title.clone(),
            revision: stig.revision().map(|r| r.to_string()).unwrap_or_default(),
            release_info: stig.info.release_info.clone(),
            counts: Summary::of_rules(&stig.rules),
        }
    }
}

impl Checklist {
    /// One summary per STIG, in checklist order.
    pub fn summaries(&self) -> Vec<StigSummary> {
        self.stigs.iter().map(StigSummary::of).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Review, Rule};

    fn rule(sev: Severity, status: Status, over: Option<Severity>) -> ChecklistRule {
        ChecklistRule {
            rule: Rule {
                severity: sev,
                ..Rule::default()
            },
            review: Review {
                status,
                severity_override: over,
                ..Review::default()
            },
            ..ChecklistRule::default()
        }
    }

    #[test]
    fn counts_follow_severity_override() {
        let rules = [
            rule(Severity::High, Status::Open, None),
            rule(Severity::High, Status::Open, Some(Severity::Low)),
            rule(Severity::Medium, Status::NotAFinding, None),
            rule(Severity::Low, Status::NotReviewed, None),
        ];
        let s = Summary::of_rules(&rules);
        assert_eq!(s.all.total, 4);
        assert_eq!(s.all.open, 2);
        assert_eq!(s.cat_i.open, 1);
        assert_eq!(s.cat_iii.open, 1);
        assert_eq!(s.cat_iii.not_reviewed, 1);
        assert_eq!(s.cat_ii.not_a_finding, 1);
    }
}
