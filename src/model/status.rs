//! Review status and rule severity: the one place the four checklist states
//! are defined. Codecs map them to their own spellings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The result of reviewing one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The rule was checked and the system complies.
    NotAFinding,
    /// The rule was checked and the system does not comply.
    Open,
    /// The rule does not apply to this system.
    NotApplicable,
    /// Nobody (and nothing) has decided this rule yet.
    NotReviewed,
}

impl Status {
    /// Every status, in the order reports list them.
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::NotAFinding,
        Status::NotApplicable,
        Status::NotReviewed,
    ];

    /// Whether a person or a check has decided the rule.
    pub fn is_reviewed(self) -> bool {
        self != Status::NotReviewed
    }

    /// The spelling reviewers know (STIG Viewer 2's), used in stigkit's
    /// own texts: finding details, comments, summaries, reports.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotAFinding => "NotAFinding",
            Status::Open => "Open",
            Status::NotApplicable => "Not_Applicable",
            Status::NotReviewed => "Not_Reviewed",
        }
    }

    /// Stable key used in stigkit's own JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Status::NotAFinding => "not_a_finding",
            Status::Open => "open",
            Status::NotApplicable => "not_applicable",
            Status::NotReviewed => "not_reviewed",
        }
    }

    /// Parses any spelling the producers in the wild use (CKL, CKLB, or
    /// STIG Viewer's display text), ignoring case, spaces and underscores.
    pub fn parse_lenient(s: &str) -> Option<Status> {
        let folded: String = s
            .chars()
            .filter(|c| !matches!(c, '_' | ' ' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "notafinding" | "nf" => Some(Status::NotAFinding),
            "open" | "o" => Some(Status::Open),
            "notapplicable" | "na" => Some(Status::NotApplicable),
            "notreviewed" | "nr" => Some(Status::NotReviewed),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::NotAFinding => "Not a Finding",
            Status::Open => "Open",
            Status::NotApplicable => "Not Applicable",
            Status::NotReviewed => "Not Reviewed",
        })
    }
}

/// DISA rule severity. `High` is CAT I, `Medium` CAT II, `Low` CAT III.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
    /// A value no producer should write; kept so a bad file still loads.
    #[default]
    Unknown,
}

impl Severity {
    /// The three real severities, worst first.
    pub const CATEGORIES: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    /// Lower-case XCCDF spelling, shared by every format stigkit reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }
    }

    /// Parses `high|medium|low` (any case) and the `CAT I|II|III` forms.
    pub fn parse(s: &str) -> Option<Severity> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "high" | "cat i" | "cat1" | "i" => Some(Severity::High),
            "medium" | "cat ii" | "cat2" | "ii" => Some(Severity::Medium),
            "low" | "cat iii" | "cat3" | "iii" => Some(Severity::Low),
            "unknown" => Some(Severity::Unknown),
            _ => None,
        }
    }

    /// `CAT I`, `CAT II`, `CAT III` (or `CAT ?`).
    pub fn category(self) -> &'static str {
        match self {
            Severity::High => "CAT I",
            Severity::Medium => "CAT II",
            Severity::Low => "CAT III",
            Severity::Unknown => "CAT ?",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_status_accepts_every_producer_spelling() {
        for (s, want) in [
            ("NotAFinding", Status::NotAFinding),
            ("not_a_finding", Status::NotAFinding),
            ("Not_Applicable", Status::NotApplicable),
            ("not_applicable", Status::NotApplicable),
            ("Not_Reviewed", Status::NotReviewed),
            ("not_reviewed", Status::NotReviewed),
            ("OPEN", Status::Open),
            ("Not a Finding", Status::NotAFinding),
        ] {
            assert_eq!(Status::parse_lenient(s), Some(want), "{s}");
        }
        assert_eq!(Status::parse_lenient("Profile_Error"), None);
        assert_eq!(Status::parse_lenient(""), None);
    }

    #[test]
    fn severity_maps_to_categories() {
        assert_eq!(Severity::parse("HIGH").unwrap().category(), "CAT I");
        assert_eq!(Severity::parse("medium").unwrap().category(), "CAT II");
        assert_eq!(Severity::parse("low").unwrap().category(), "CAT III");
        assert_eq!(Severity::parse("severe"), None);
    }
}
