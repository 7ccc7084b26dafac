//! A POA&M draft in eMASS's layout: one item per Open finding, in the
//! columns of eMASS's POA&M import template as MITRE SAF CLI ships it
//! (`saf convert ckl2POAM`, @mitre/saf 1.5.3, `POAMTemplate`): sheet
//! `POA&M`, header in row 7, columns A to V, items from row 8.
//!
//! Values follow SAF's `ckl2POAM` where it maps a checklist field, and the
//! template's own instructions where SAF does not follow them:
//! - Security Control Number: the NIST 800-53 control of the rule's first
//!   CCI that DISA's list maps ([`super::nist`]), as a control acronym
//!   (`CM-7`, `IA-5(1)`). SAF also takes the first CCI, but writes the
//!   reference with one space removed (`CM-7a`, `IA-5(1) (c)`), which is
//!   neither a control nor an assessment procedure eMASS knows. A rule's
//!   other CCIs are named in Comments.
//! - Raw Severity: DISA's category in eMASS's roman form (`I`, `II`,
//!   `III`), from the rule's own severity, before any override (the
//!   template: "prior to implementing mitigations").
//! - Severity, Relevance of Threat, Likelihood, Impact and Residual Risk
//!   Level: SAF's mapping, from the severity after any override.
//! - POA&M Item ID, Office/Org, Resources Required, dates, milestones and
//!   Mitigations: blank. eMASS assigns the item id on import (template
//!   instruction 3); the rest is a person's decision (SAF fills defaults).
//! - Open findings as `Ongoing` items and Not_Applicable rules as `Not
//!   Applicable` ones, as SAF does and as the template's "NC/NA controls"
//!   column asks; NotAFinding and Not_Reviewed rules are no items.
//!
//! Column A: the template repeats `Control Vulnerability Description`
//! there (its Example sheet leaves it blank); SAF and stigkit leave the
//! cells blank, so every other column sits where eMASS reads it.

use crate::model::{Checklist, ChecklistRule, Severity, Status, StigChecklist};
use std::borrow::Cow;

/// The header row: the template's row 7, byte for byte (with its trailing
/// and leading spaces).
pub const COLUMNS: [&str; 22] = [
    "Control Vulnerability Description",
    "POA&M Item ID",
    "Control Vulnerability Description",
    "Security Control Number (NC/NA controls only)",
    "Office/Org",
    "Security Checks",
    "Resources Required",
    "Scheduled Completion Date",
    "Milestone with Completion Dates",
    "Milestone Changes",
    "Source Identifying Vulnerability ",
    "Status",
    "Comments",
    " Raw Severity",
    "Mitigations",
    "Severity",
    "Relevance of Threat",
    "Likelihood",
    "Impact",
    "Impact Description",
    "Residual Risk Level",
    "Recommendations",
];

// Column positions (A = 0).
const DESCRIPTION: usize = 2;
const CONTROL: usize = 3;
const CHECKS: usize = 5;
const SOURCE: usize = 10;
const STATUS: usize = 11;
const COMMENTS: usize = 12;
const RAW_SEVERITY: usize = 13;
const SEVERITY: usize = 15;
const RELEVANCE: usize = 16;
const LIKELIHOOD: usize = 17;
const IMPACT: usize = 18;
const IMPACT_DESCRIPTION: usize = 19;
const RESIDUAL_RISK: usize = 20;
const RECOMMENDATIONS: usize = 21;

/// One POA&M item: its cells, and which finding it is, for messages.
pub struct Item {
    /// `<host> <Vuln ID>`.
    pub finding: String,
    pub cells: [String; 22],
}

/// The items of the Open and Not_Applicable rules of `checklists`, in
/// file, STIG and rule order.
pub fn items(checklists: &[Checklist]) -> Vec<Item> {
    checklists
        .iter()
        .flat_map(|c| {
            c.stigs.iter().flat_map(move |s| {
                s.rules
                    .iter()
                    .filter(|r| is_item(r.review.status))
                    .map(move |r| item(&c.asset.host_name, s, r))
            })
        })
        .collect()
}

/// Whether a rule of this status is a POA&M item.
pub fn is_item(status: Status) -> bool {
    matches!(status, Status::Open | Status::NotApplicable)
}

fn item(host: &str, stig: &StigChecklist, r: &ChecklistRule) -> Item {
    let (rule, review) = (&r.rule, &r.review);
    let mut cells: [String; 22] = Default::default();

    cells[DESCRIPTION] = if review.finding_details.is_empty() {
        rule.title.clone()
    } else {
        format!("{}\n\n{}", rule.title, review.finding_details)
    };

    // The first CCI DISA's list maps; the others go into Comments.
    let mapped = rule
        .ccis
        .iter()
        .find_map(|cci| super::nist::cci_control(cci).map(|c| (cci, c)));
    if let Some((_, control)) = &mapped {
        cells[CONTROL] = control.clone();
    }
    cells[CHECKS] = if rule.rule_id.is_empty() {
        rule.vuln_id.clone()
    } else {
        rule.rule_id.clone()
    };
    cells[SOURCE] = stig.info.stig_ref();
    let open = review.status == Status::Open;
    cells[STATUS] = if open { "Ongoing" } else { "Not Applicable" }.to_string();
    let state = if open { "Open" } else { "Not Applicable" };

    let mut comments = Vec::new();
    let ids: Vec<&str> = [&rule.vuln_id, &rule.stig_id]
        .into_iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    comments.push(if host.trim().is_empty() {
        format!("{} is {state}.", ids.join(" "))
    } else {
        format!("{} is {state} on {host}.", ids.join(" "))
    });
    if rule.ccis.len() > 1 || (mapped.is_none() && !rule.ccis.is_empty()) {
        let named: Vec<String> = rule
            .ccis
            .iter()
            .map(|cci| match super::nist::reference(cci) {
                Some(r) => format!("{cci} ({r})"),
                None => format!("{cci} (not in DISA's CCI list)"),
            })
            .collect();
        let chosen = match &mapped {
            Some((cci, _)) => format!("; Security Control Number is {cci}'s control"),
            None => String::new(),
        };
        comments.push(format!("CCIs: {}{chosen}.", named.join(", ")));
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
    cells[COMMENTS] = comments.join("\n\n");

    cells[RAW_SEVERITY] = raw_severity(rule.severity).to_string();
    let [severity, relevance, likelihood, impact, residual] = risk(r.effective_severity());
    cells[SEVERITY] = severity.to_string();
    cells[RELEVANCE] = relevance.to_string();
    cells[LIKELIHOOD] = likelihood.to_string();
    cells[IMPACT] = impact.to_string();
    cells[RESIDUAL_RISK] = residual.to_string();
    cells[IMPACT_DESCRIPTION] = rule.discussion.vuln_discussion.clone();
    cells[RECOMMENDATIONS] = rule.fix_text.clone();

    Item {
        finding: format!("{host} {}", rule.vuln_id).trim().to_string(),
        cells,
    }
}

/// eMASS's Raw Severity: `I`, `II` or `III` (template instruction 16).
pub fn raw_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "I",
        Severity::Medium => "II",
        Severity::Low => "III",
        Severity::Unknown => "",
    }
}

/// Severity, Relevance of Threat, Likelihood, Impact and Residual Risk
/// Level as SAF's ckl2POAM maps a CKL severity (`lib/utils/ckl2poam.js`).
pub fn risk(s: Severity) -> [&'static str; 5] {
    match s {
        Severity::High => ["High", "Moderate", "Moderate", "High", "Moderate"],
        Severity::Medium => ["Moderate"; 5],
        Severity::Low => ["Low", "Moderate", "Low", "Low", "Low"],
        Severity::Unknown => [""; 5],
    }
}

/// The POA&M as CSV: the template's header row, then one row per item.
pub fn write_csv(checklists: &[Checklist]) -> Result<Vec<u8>, ::csv::Error> {
    super::to_csv(
        &COLUMNS,
        items(checklists).into_iter().map(|i| i.cells.to_vec()),
    )
}

/// An Excel cell holds at most 32,767 UTF-16 units.
const CELL_MAX: usize = 32_767;

/// The POA&M as an .xlsx workbook and the cells that had to be cut.
pub struct Workbook {
    pub bytes: Vec<u8>,
    /// `<finding>: <column> cut from N to 32,767 characters`.
    pub cut: Vec<String>,
}

/// The template's cells above the header: its labels and its merged
/// ranges (rows and columns from 0), values left for a person.
const TOP: [(u32, u16, u32, u16, &str); 21] = [
    (
        0,
        0,
        0,
        21,
        "***** UNCLASSIFIED//FOR OFFICIAL USE ONLY *****",
    ),
    (1, 0, 1, 2, "Date Exported:"),
    (1, 3, 1, 8, ""),
    (1, 9, 2, 9, "System Type:"),
    (1, 10, 2, 11, ""),
    (1, 12, 2, 12, "OMB Project ID:"),
    (1, 13, 2, 15, ""),
    (2, 0, 2, 2, "Exported By:"),
    (2, 3, 2, 8, ""),
    (3, 0, 3, 2, "DoD Component:"),
    (3, 3, 3, 8, ""),
    (3, 10, 3, 11, ""),
    (3, 12, 3, 15, ""),
    (4, 0, 4, 2, "System / Project Name:"),
    (4, 3, 4, 8, ""),
    (4, 10, 4, 11, ""),
    (4, 13, 4, 15, ""),
    (5, 0, 5, 2, "DoD IT Registration No:"),
    (5, 3, 5, 8, ""),
    (5, 10, 5, 11, ""),
    (5, 12, 5, 15, ""),
];

/// Labels of the template that stand in one cell.
const TOP_SINGLE: [(u32, u16, &str); 4] = [
    (3, 9, "POC Name:"),
    (4, 9, "POC Phone:"),
    (4, 12, "Security Costs:"),
    (5, 9, "POC E-Mail:"),
];

/// The template's column widths, A to V.
const WIDTHS: [f64; 22] = [
    17.16, 14.5, 34.5, 18.5, 18.5, 18.5, 15.5, 25.5, 15.16, 16.0, 21.5, 24.66, 25.16, 17.16, 16.16,
    19.0, 19.0, 19.0, 19.0, 27.5, 19.0, 30.5,
];

/// The POA&M as the first sheet (`POA&M`) of an .xlsx in the template's
/// layout: its rows 1 to 6, the header in row 7, one row per item from
/// row 8. Every cell is [`super::spreadsheet_safe`], and a cell longer
/// than Excel's limit is cut with a note saying so (the checklist keeps
/// the whole text).
pub fn write_xlsx(checklists: &[Checklist]) -> Result<Workbook, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign};
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("POA&M")?;
    let bold = Format::new().set_bold();
    for (r0, c0, r1, c1, text) in TOP {
        sheet.merge_range(r0, c0, r1, c1, text, &bold)?;
    }
    for (r, c, text) in TOP_SINGLE {
        sheet.write_string_with_format(r, c, text, &bold)?;
    }
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    for (c, (name, width)) in COLUMNS.iter().zip(WIDTHS).enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, width)?;
        sheet.write_string_with_format(6, c, *name, &header)?;
    }
    let mut cut = Vec::new();
    for (row, item) in (7u32..).zip(items(checklists)) {
        for (c, cell) in item.cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let safe = super::spreadsheet_safe(cell);
            let (text, was) = fit(&safe);
            if let Some(n) = was {
                cut.push(format!(
                    "{}: {} cut from {n} to {CELL_MAX} characters (Excel's limit for a cell)",
                    item.finding,
                    COLUMNS[c].trim()
                ));
            }
            sheet.write_string(row, c as u16, text.as_ref())?;
        }
    }
    Ok(Workbook {
        bytes: book.save_to_buffer()?,
        cut,
    })
}

/// `text` cut to Excel's cell limit with a note, and its length in UTF-16
/// units when it was cut.
fn fit(text: &str) -> (Cow<'_, str>, Option<usize>) {
    let units = text.encode_utf16().count();
    if units <= CELL_MAX {
        return (text.into(), None);
    }
    let note = format!(
        "\n[cut: {units} characters in all, more than an Excel cell holds; the checklist has the whole text]"
    );
    let room = CELL_MAX - note.encode_utf16().count();
    let mut used = 0;
    let end = text
        .char_indices()
        .find(|(_, ch)| {
            used += ch.len_utf16();
            used > room
        })
        .map_or(text.len(), |(i, _)| i);
    (format!("{}{note}", &text[..end]).into(), Some(units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_to_excel_s_limit_with_a_note() {
        let short = "x".repeat(CELL_MAX);
        assert_eq!(fit(&short), (Cow::from(short.as_str()), None));
        // Characters outside the BMP take two UTF-16 units each.
        let long = "😀".repeat(20_000);
        let (text, was) = fit(&long);
        assert_eq!(was, Some(40_000));
        assert!(text.encode_utf16().count() <= CELL_MAX);
        assert!(text.encode_utf16().count() > CELL_MAX - 2 - 120);
        assert!(text.ends_with("the checklist has the whole text]"));
        assert!(text.starts_with("😀😀"));
    }

    #[test]
    fn severities_map_as_saf_and_emass_spell_them() {
        assert_eq!(Severity::CATEGORIES.map(raw_severity), ["I", "II", "III"]);
        assert_eq!(raw_severity(Severity::Unknown), "");
        assert_eq!(risk(Severity::High)[0], "High");
        assert_eq!(
            risk(Severity::Low),
            ["Low", "Moderate", "Low", "Low", "Low"]
        );
    }
}
