//! A checklist as STIG Viewer 2.x's "Export to CSV": one row per rule of
//! every STIG, the rule's fields, then the review.
//!
//! Columns: the STIG Viewer 2.x CSV column set as the project's issue
//! gives it, which follows the CKL's `STIG_DATA` attributes in STIG
//! Viewer's order with STIG Viewer's display names. No genuine STIG Viewer
//! CSV export was available to check it against: public readers of such
//! exports (ajhanisch/yet-another-stig-parser) read `Vuln ID`, `Severity`,
//! `Rule Title`, `STIG`, `Status` and `Comments` by these names, and also
//! asset columns (`HostName`, `IPAddress`, `TechnologyArea`) this set
//! does not have.

use crate::model::{Checklist, Severity};

/// The header row.
pub const COLUMNS: [&str; 28] = [
    "Vuln ID",
    "Severity",
    "Group Title",
    "Rule ID",
    "STIG ID",
    "Rule Title",
    "Discussion",
    "IA Controls",
    "Check Content",
    "Fix Text",
    "False Positives",
    "False Negatives",
    "Documentable",
    "Mitigations",
    "Potential Impact",
    "Third Party Tools",
    "Mitigation Control",
    "Responsibility",
    "Severity Override Guidance",
    "Check Content Reference",
    "Classification",
    "STIG",
    "Status",
    "Comments",
    "Finding Details",
    "Severity Override",
    "Severity Override Justification",
    "CCI",
];

/// The CSV of `checklists`, rows in file, STIG and rule order.
pub fn write(checklists: &[Checklist]) -> Result<Vec<u8>, ::csv::Error> {
    let rows = checklists.iter().flat_map(|c| {
        c.stigs.iter().flat_map(|s| {
            let stig_ref = s.info.stig_ref();
            s.rules.iter().map(move |r| {
                let (rule, d, review) = (&r.rule, &r.rule.discussion, &r.review);
                let severity = |s: Severity| match s {
                    Severity::Unknown => String::new(),
                    s => s.as_str().to_string(),
                };
                vec![
                    rule.vuln_id.clone(),
                    severity(rule.severity),
                    rule.group_title.clone(),
                    rule.rule_id.clone(),
                    rule.stig_id.clone(),
                    rule.title.clone(),
                    d.vuln_discussion.clone(),
                    d.ia_controls.clone(),
                    rule.check_content.clone(),
                    rule.fix_text.clone(),
                    d.false_positives.clone(),
                    d.false_negatives.clone(),
                    d.documentable.clone(),
                    d.mitigations.clone(),
                    d.potential_impacts.clone(),
                    d.third_party_tools.clone(),
                    d.mitigation_control.clone(),
                    d.responsibility.clone(),
                    d.severity_override_guidance.clone(),
                    rule.check_content_ref
                        .as_ref()
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    rule.classification.clone(),
                    if r.record.stig_ref.is_empty() {
                        stig_ref.clone()
                    } else {
                        r.record.stig_ref.clone()
                    },
                    review.status.label().to_string(),
                    review.comments.clone(),
                    review.finding_details.clone(),
                    review.severity_override.map(severity).unwrap_or_default(),
                    review.severity_justification.clone(),
                    rule.ccis.join("\n"),
                ]
            })
        })
    });
    super::to_csv(&COLUMNS, rows)
}
