//! Raw CKL checks: what the model cannot show because the reader forgives
//! it (status spellings, element order, field names, entities, encoding).
//! Findings carry no CKL spelling the caller must know.

use crate::model::{Finding, Level};
use crate::xml::{self, Input, XmlError, XmlErrorKind};
use quick_xml::events::Event;

/// STIG_DATA order as STIG Viewer 2.17 (and Evaluate-STIG) write it.
const ATTRIBUTE_ORDER: [&str; 27] = [
    "Vuln_Num",
    "Severity",
    "Group_Title",
    "Rule_ID",
    "Rule_Ver",
    "Rule_Title",
    "Vuln_Discuss",
    "IA_Controls",
    "Check_Content",
    "Fix_Text",
    "False_Positives",
    "False_Negatives",
    "Documentable",
    "Mitigations",
    "Potential_Impact",
    "Third_Party_Tools",
    "Mitigation_Control",
    "Responsibility",
    "Security_Override_Guidance",
    "Check_Content_Ref",
    "Weight",
    "Class",
    "STIGRef",
    "TargetKey",
    "STIG_UUID",
    "LEGACY_ID",
    "CCI_REF",
];

/// The children of VULN in the order DISA's schema fixes.
const VULN_ORDER: [&str; 6] = [
    "STIG_DATA",
    "STATUS",
    "FINDING_DETAILS",
    "COMMENTS",
    "SEVERITY_OVERRIDE",
    "SEVERITY_JUSTIFICATION",
];

/// The STIG_INFO names DISA's schema allows.
const SID_NAMES: [&str; 11] = [
    "version",
    "classification",
    "customname",
    "stigid",
    "description",
    "filename",
    "releaseinfo",
    "title",
    "uuid",
    "notice",
    "source",
];

/// The statuses DISA's schema allows, spelt exactly so.
const STATUSES: [&str; 4] = ["NotAFinding", "Open", "Not_Applicable", "Not_Reviewed"];

/// Checks a CKL's bytes. A file that is not well-formed gets one finding
/// for the first fault (the model-level pass then adds nothing).
pub fn lint(bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let text = match xml::decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            out.push(fault(&e));
            return out;
        }
    };
    let mut walk = Walk::default();
    let mut input = Input::new(text);
    if let Err(e) = walk.run(&mut input, &mut out) {
        // Structure faults (no root, …) are the reader's to describe.
        if !matches!(e.kind, XmlErrorKind::Unexpected(_)) {
            out.push(fault(&e));
        }
    }
    out
}

/// One finding for a document that cannot be read, by what broke it.
fn fault(e: &XmlError) -> Finding {
    let code = match e.kind {
        XmlErrorKind::Encoding(_) => "encoding",
        XmlErrorKind::Doctype | XmlErrorKind::UndefinedEntity(_) => "broken-entity",
        XmlErrorKind::Syntax(_) | XmlErrorKind::Unexpected(_) => "unreadable",
    };
    let why = match e.kind {
        XmlErrorKind::Doctype => {
            "; entity declarations are refused (STIG Viewer and STIG Manager do not expand them either)"
        }
        XmlErrorKind::UndefinedEntity(_) => {
            "; only &amp; &lt; &gt; &quot; &apos; and character references exist in XML without a DOCTYPE"
        }
        _ => "",
    };
    Finding::new(Level::Error, code, format!("{e}{why}"))
}

/// What is being read in the current `iSTIG`.
#[derive(Default)]
struct Stig {
    id: String,
    unknown_names: Vec<String>,
    /// First rule whose STIG_DATA is out of order, and how many are.
    attr_order: Option<(String, String)>,
    attr_order_count: usize,
    child_order: Option<(String, String)>,
    child_order_count: usize,
}

#[derive(Default)]
struct Vuln {
    attrs: Vec<String>,
    children: Vec<String>,
    rule_id: String,
    vuln_id: String,
    status: Option<String>,
}

#[derive(Default)]
struct Walk {
    stack: Vec<String>,
    text: String,
    capture: bool,
    attr: String,
    sid_name: String,
    sid_data: String,
    stig: Stig,
    vuln: Vuln,
}

impl Walk {
    fn run(&mut self, input: &mut Input<'_>, out: &mut Vec<Finding>) -> Result<(), XmlError> {
        loop {
            match input.next_event()? {
                Event::Start(e) => {
                    let name = e.local_name().as_ref().to_string();
                    self.open(name);
                }
                Event::Empty(e) => {
                    let name = e.local_name().as_ref().to_string();
                    self.open(name);
                    self.close(out);
                }
                Event::End(_) => self.close(out),
                Event::Text(t) if self.capture => self.text.push_str(&t.xml10_content()),
                Event::CData(t) if self.capture => self.text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = r
                        .resolve_char_ref()
                        .map_err(|e| input.error(XmlErrorKind::Syntax(e.to_string())))?;
                    let s = match (c, r.as_ref()) {
                        (Some(c), _) => c.to_string(),
                        (None, "lt") => "<".into(),
                        (None, "gt") => ">".into(),
                        (None, "amp") => "&".into(),
                        (None, "apos") => "'".into(),
                        (None, "quot") => "\"".into(),
                        (None, other) => {
                            let name = other.to_string();
                            return Err(input.error(XmlErrorKind::UndefinedEntity(name)));
                        }
                    };
                    if self.capture {
                        self.text.push_str(&s);
                    }
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    fn parent(&self) -> Option<&str> {
        self.stack.last().map(String::as_str)
    }

    fn open(&mut self, name: String) {
        match (self.parent(), name.as_str()) {
            (_, "iSTIG") => self.stig = Stig::default(),
            (_, "VULN") => self.vuln = Vuln::default(),
            (Some("VULN"), _) => self.vuln.children.push(name.clone()),
            _ => {}
        }
        // Only short fields are kept: the long texts are the model's.
        self.capture = match name.as_str() {
            "VULN_ATTRIBUTE" | "SID_NAME" | "SID_DATA" | "STATUS" => true,
            "ATTRIBUTE_DATA" => matches!(self.attr.as_str(), "Rule_ID" | "Vuln_Num"),
            _ => false,
        };
        self.text.clear();
        self.stack.push(name);
    }

    fn close(&mut self, out: &mut Vec<Finding>) {
        let Some(name) = self.stack.pop() else { return };
        let text = std::mem::take(&mut self.text);
        self.capture = false;
        match name.as_str() {
            "VULN_ATTRIBUTE" => self.attr = text.trim().to_string(),
            "ATTRIBUTE_DATA" => match self.attr.as_str() {
                "Rule_ID" => self.vuln.rule_id = text.trim().to_string(),
                "Vuln_Num" => self.vuln.vuln_id = text.trim().to_string(),
                _ => {}
            },
            "STIG_DATA" => {
                let attr = std::mem::take(&mut self.attr);
                if !ATTRIBUTE_ORDER.contains(&attr.as_str()) {
                    self.unknown(format!("STIG_DATA '{attr}'"));
                }
                self.vuln.attrs.push(attr);
            }
            "STATUS" if self.parent() == Some("VULN") => self.vuln.status = Some(text),
            "SID_NAME" => self.sid_name = text.trim().to_string(),
            "SID_DATA" => self.sid_data = text,
            "SI_DATA" => {
                let (n, d) = (
                    std::mem::take(&mut self.sid_name),
                    std::mem::take(&mut self.sid_data),
                );
                if n == "stigid" {
                    self.stig.id = d.trim().to_string();
                }
                if !SID_NAMES.contains(&n.as_str()) {
                    self.unknown(format!("STIG_INFO '{n}'"));
                }
            }
            "VULN" => self.end_vuln(out),
            "iSTIG" => self.end_stig(out),
            _ => {}
        }
    }

    fn unknown(&mut self, what: String) {
        if !self.stig.unknown_names.contains(&what) {
            self.stig.unknown_names.push(what);
        }
    }

    fn end_vuln(&mut self, out: &mut Vec<Finding>) {
        let v = std::mem::take(&mut self.vuln);
        let at = |f: Finding| f.stig(&self.stig.id).rule(&v.rule_id, &v.vuln_id);
        match v.status.as_deref() {
            None => out.push(at(Finding::new(
                Level::Error,
                "missing-status",
                "no status: DISA's schema requires one, and STIG Manager drops the review",
            ))),
            Some(s) if s.trim().is_empty() => out.push(at(Finding::new(
                Level::Error,
                "missing-status",
                "empty status: DISA's schema allows none, and STIG Manager drops the review",
            ))),
            Some(s) if !STATUSES.contains(&s) => out.push(at(Finding::new(
                Level::Error,
                "status-spelling",
                format!(
                    "status '{s}' is not one of {}: STIG Viewer rejects it and STIG Manager drops the review",
                    STATUSES.join(", ")
                ),
            ))),
            Some(_) => {}
        }
        if let Some(pair) = first_disorder(&v.attrs, &ATTRIBUTE_ORDER) {
            self.stig.attr_order_count += 1;
            self.stig
                .attr_order
                .get_or_insert((rule_name(&v.rule_id, &v.vuln_id), pair));
        }
        if let Some(pair) = first_disorder(&v.children, &VULN_ORDER) {
            self.stig.child_order_count += 1;
            self.stig
                .child_order
                .get_or_insert((rule_name(&v.rule_id, &v.vuln_id), pair));
        }
    }

    /// Order findings are one per STIG: a producer orders every rule alike.
    fn end_stig(&mut self, out: &mut Vec<Finding>) {
        let s = std::mem::take(&mut self.stig);
        let named = |f: Finding, rule: &str| f.stig(&s.id).rule(rule, "");
        if let Some((rule, pair)) = &s.attr_order {
            out.push(named(
                Finding::new(
                    Level::Warning,
                    "stig-data-order",
                    format!(
                        "{} rule(s) list STIG_DATA out of STIG Viewer's order (first here: {pair}); tools that read fields by position rather than by name misread them",
                        s.attr_order_count
                    ),
                ),
                rule,
            ));
        }
        if let Some((rule, pair)) = &s.child_order {
            out.push(named(
                Finding::new(
                    Level::Warning,
                    "element-order",
                    format!(
                        "{} rule(s) have VULN children out of the schema's order (first here: {pair}); schema-validating importers reject them",
                        s.child_order_count
                    ),
                ),
                rule,
            ));
        }
        if !s.unknown_names.is_empty() {
            out.push(
                Finding::new(
                    Level::Warning,
                    "unknown-field",
                    format!(
                        "names outside DISA's schema: {}; STIG Viewer and STIG Manager ignore them",
                        s.unknown_names.join(", ")
                    ),
                )
                .stig(&s.id),
            );
        }
    }
}

fn rule_name(rule_id: &str, vuln_id: &str) -> String {
    if rule_id.is_empty() { vuln_id } else { rule_id }.to_string()
}

/// The first pair of known names that comes in the wrong order, as
/// `"B before A"`; unknown names are skipped.
fn first_disorder(names: &[String], order: &[&str]) -> Option<String> {
    let mut last: Option<(usize, &str)> = None;
    for n in names {
        let Some(rank) = order.iter().position(|o| o == n) else {
            continue;
        };
        if let Some((prev_rank, prev)) = last
            && rank < prev_rank
        {
            return Some(format!("{n} after {prev}"));
        }
        last = Some((rank, n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(doc: &str) -> Vec<&'static str> {
        lint(doc.as_bytes()).iter().map(|f| f.code).collect()
    }

    const VULN: &str = "<VULN><STIG_DATA><VULN_ATTRIBUTE>Vuln_Num</VULN_ATTRIBUTE><ATTRIBUTE_DATA>V-1</ATTRIBUTE_DATA></STIG_DATA><STIG_DATA><VULN_ATTRIBUTE>Rule_ID</VULN_ATTRIBUTE><ATTRIBUTE_DATA>SV-1r1_rule</ATTRIBUTE_DATA></STIG_DATA><STATUS>{S}</STATUS><FINDING_DETAILS/><COMMENTS/><SEVERITY_OVERRIDE/><SEVERITY_JUSTIFICATION/></VULN>";

    fn doc(status: &str) -> String {
        format!(
            "<CHECKLIST><STIGS><iSTIG><STIG_INFO><SI_DATA><SID_NAME>stigid</SID_NAME><SID_DATA>X_STIG</SID_DATA></SI_DATA></STIG_INFO>{}</iSTIG></STIGS></CHECKLIST>",
            VULN.replace("{S}", status)
        )
    }

    #[test]
    fn status_spelling_is_exact() {
        assert!(codes(&doc("Not_Applicable")).is_empty());
        let f = lint(doc("Not_a_Finding").as_bytes());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "status-spelling");
        assert_eq!(f[0].stig.as_deref(), Some("X_STIG"));
        assert_eq!(f[0].rule.as_deref(), Some("SV-1r1_rule"));
    }

    #[test]
    fn order_is_checked_by_rank() {
        let swapped = doc("Open").replace(
            "<STATUS>Open</STATUS><FINDING_DETAILS/>",
            "<FINDING_DETAILS/><STATUS>Open</STATUS>",
        );
        assert_eq!(codes(&swapped), ["element-order"]);
        let names: Vec<String> = ["Vuln_Num", "Weight", "Group_Title", "X"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            first_disorder(&names, &ATTRIBUTE_ORDER).as_deref(),
            Some("Group_Title after Weight")
        );
    }

    #[test]
    fn unreadable_documents_give_one_finding() {
        assert_eq!(codes("<CHECKLIST>&nbsp;</CHECKLIST>"), ["broken-entity"]);
        assert_eq!(
            codes("<!DOCTYPE a [<!ENTITY x \"y\">]><CHECKLIST/>"),
            ["broken-entity"]
        );
        assert_eq!(lint(b"<a>\xFF</a>")[0].code, "encoding");
        assert_eq!(codes("<CHECKLIST><A></B></CHECKLIST>"), ["unreadable"]);
    }
}
