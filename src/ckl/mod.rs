//! STIG Viewer 2.x checklists (`.ckl`, XML).
//!
//! The reader matches elements by name, never by position, so every
//! producer's layout loads (STIG Viewer 2.7–2.17, STIG Manager, Evaluate-STIG,
//! Heimdall, STIGQter). XML comments (Evaluate-STIG keeps its result-engine
//! data in them) and unknown elements are kept and written back.
//!
//! The writer reproduces STIG Viewer 2.17's layout byte for byte: the
//! header comment, tab indentation, element and attribute order, `SID_DATA`
//! omitted when empty, and no newline after `</CHECKLIST>`.

mod lint;
mod read;
mod skim;
mod write;

pub use lint::lint;
pub use read::read;
pub use skim::skim;
pub use write::{write, write_to_string};

use crate::model::Checklist;
use crate::xml::XmlError;

/// Why a file could not be read as a CKL.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root element is something other than `CHECKLIST`.
    #[error("not a STIG Viewer checklist: the root element is <{0}>, expected <CHECKLIST>")]
    NotAChecklist(String),
    /// `CHECKLIST` has no `STIGS`, so there is nothing to review.
    #[error("the checklist has no <STIGS> element")]
    NoStigs,
}

/// Passthrough keys owned by this codec.
pub(crate) mod keys {
    /// A comment before `<CHECKLIST>`.
    pub const ROOT_COMMENT: &str = "ckl:comment:root";
    /// A comment directly inside `<iSTIG>`.
    pub const ISTIG_COMMENT: &str = "ckl:comment:istig";
    /// A comment directly inside `<VULN>`.
    pub const VULN_COMMENT: &str = "ckl:comment:vuln";
    /// An unknown element directly inside `<VULN>`; the key suffix is its name.
    pub const VULN_ELEMENT: &str = "ckl:element:vuln:";
}

/// Values of `checklist` that a CKL has no place for, and so would be lost
/// by writing one: a CKLB's title and ids, per-rule uuids and times, group
/// descriptions, check reference hrefs and a rule count that differs from
/// the rules listed. Named as a CKLB spells them, where they come from.
pub fn unrepresentable(checklist: &Checklist) -> Vec<String> {
    let mut lost = Vec::new();
    if !checklist.name.is_empty() {
        lost.push(format!("title '{}'", checklist.name));
    }
    if !checklist.id.is_empty() {
        lost.push(format!("id '{}'", checklist.id));
    }
    let rules = || checklist.stigs.iter().flat_map(|s| &s.rules);
    let count = |what: &str, n: usize| {
        (n > 0).then(|| format!("{what} of {n} rule{}", if n == 1 { "" } else { "s" }))
    };
    lost.extend(count(
        "uuid",
        rules().filter(|r| !r.record.uuid.is_empty()).count(),
    ));
    lost.extend(count(
        "createdAt/updatedAt times",
        rules()
            .filter(|r| !r.record.created_at.is_empty() || !r.record.updated_at.is_empty())
            .count(),
    ));
    lost.extend(count(
        "group_tree description",
        rules()
            .filter(|r| !r.rule.group_description.is_empty())
            .count(),
    ));
    lost.extend(count(
        "check_content_ref href",
        rules()
            .filter(|r| {
                r.rule
                    .check_content_ref
                    .as_ref()
                    .is_some_and(|c| !c.href.is_empty())
            })
            .count(),
    ));
    for s in &checklist.stigs {
        if let Some(size) = s.info.size.filter(|n| *n != s.rules.len()) {
            lost.push(format!(
                "{} size {size} ({} rules listed)",
                s.info.stig_id,
                s.rules.len()
            ));
        }
    }
    lost
}
