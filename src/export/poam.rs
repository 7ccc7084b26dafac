//! A POA&M draft: one row per Open finding, in the columns of the eMASS
//! POA&M import template (its columns B to Y, as listed in
//! sullivan1337/pcs-scripts `c-ato-master/poamExporter/mapping.py` and
//! filled by NIWC's CSTS "scans to POA&M" export).
//!
//! stigkit fills what a checklist knows: the weakness, its CCIs (and the
//! NIST control when the STIG names it in IA_Controls: stigkit has no
//! CCI-to-800-53 table and invents none), the checks, the raw severity after
//! any override, the host, the finding details and the source STIG. What a
//! person decides (office, resources, dates, milestones, mitigations, risk)
//! is left blank; the status is `Ongoing`, as for a new item.

use crate::model::{Checklist, Severity, Status};

/// The header row.
pub const COLUMNS: [&str; 24] = [
    "Control Vulnerability Description",
    "Security Control Number (NC/NA controls only)",
    "Office/Org",
    "Security Checks",
    "Resources Required",
    "Scheduled Completion Date",
    "Milestone with Completion Dates",
    "Milestone Changes",
    "Source Identifying Control Vulnerability",
    "Status",
    "Comments",
    "Raw Severity Value",
    "Devices Affected",
    "Mitigations",
    "Predisposing Conditions",
    "Severity Value",
    "Relevance of Threat",
    "Threat Description",
    "Likelihood",
    "Impact",
    "Impact Description",
    "Residual Risk Level",
    "Recommendations",
    "Resulting Residual Risk after Proposed Mitigations",
];

/// The POA&M rows of the Open findings of `checklists`.
pub fn write(checklists: &[Checklist]) -> Result<Vec<u8>, ::csv::Error> {
    let rows = checklists.iter().flat_map(|c| {
        c.stigs.iter().flat_map(move |s| {
            let source = s.info.stig_ref();
            s.rules
                .iter()
                .filter(|r| r.review.status == Status::Open)
                .map(move |r| {
                    let (rule, review) = (&r.rule, &r.review);
                    let mut control: Vec<&str> = rule.ccis.iter().map(String::as_str).collect();
                    if !rule.discussion.ia_controls.trim().is_empty() {
                        control.push(rule.discussion.ia_controls.trim());
                    }
                    let checks: Vec<&str> = [&rule.vuln_id, &rule.rule_id, &rule.stig_id]
                        .into_iter()
                        .map(String::as_str)
                        .filter(|s| !s.is_empty())
                        .collect();
                    let mut comments = Vec::new();
                    if !review.finding_details.is_empty() {
                        comments.push(format!("Finding details:\n{}", review.finding_details));
                    }
                    if !review.comments.is_empty() {
                        comments.push(format!("Comments:\n{}", review.comments));
                    }
                    if let Some(o) = review.severity_override {
                        comments.push(format!(
                            "Severity overridden from {} to {}: {}",
                            rule.severity.category(),
                            o.category(),
                            review.severity_justification
                        ));
                    }
                    let raw = match r.effective_severity() {
                        Severity::Unknown => String::new(),
                        s => s.category().to_string(),
                    };
                    let blank = String::new;
                    vec![
                        rule.title.clone(),
                        control.join("\n"),
                        blank(),
                        checks.join("\n"),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        source.clone(),
                        "Ongoing".to_string(),
                        comments.join("\n\n"),
                        raw,
                        c.asset.host_name.clone(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                        blank(),
                    ]
                })
        })
    });
    super::to_csv(&COLUMNS, rows)
}
