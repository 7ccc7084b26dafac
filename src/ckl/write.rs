//! CKL writer in STIG Viewer 2.17's exact layout.

use super::keys;
use crate::model::{Checklist, ChecklistRule, Rule, Status, StigChecklist};
use std::io;

/// The header comment STIG Viewer 2.17 writes; some reviewers treat a CKL
/// without it as suspect.
const HEADER: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--DISA STIG Viewer :: 2.17-->\n";

/// STATUS spellings of the CKL schema.
fn status(s: Status) -> &'static str {
    match s {
        Status::NotAFinding => "NotAFinding",
        Status::Open => "Open",
        Status::NotApplicable => "Not_Applicable",
        Status::NotReviewed => "Not_Reviewed",
    }
}

/// Writes `checklist` as a CKL, streaming: a merged fleet checklist is
/// larger than is worth holding twice in memory.
pub fn write(checklist: &Checklist, out: &mut impl io::Write) -> io::Result<()> {
    let mut w = Out {
        buf: String::with_capacity(2 * SPILL),
        sink: Some(out),
        error: None,
    };
    render(&mut w, checklist);
    w.spill(0);
    match w.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Renders `checklist` as CKL text.
pub fn write_to_string(checklist: &Checklist) -> String {
    let mut w = Out {
        buf: String::with_capacity(estimate(checklist)),
        sink: None,
        error: None,
    };
    render(&mut w, checklist);
    w.buf
}

/// Buffered text is handed to the sink in chunks of about this size.
const SPILL: usize = 1 << 16;

fn render(w: &mut Out<'_>, checklist: &Checklist) {
    w.buf.push_str(HEADER);
    for c in checklist.passthrough.values(keys::ROOT_COMMENT) {
        w.comment(0, c);
    }
    w.buf.push_str("<CHECKLIST>\n");
    write_asset(w, checklist);
    w.open(1, "STIGS");
    for stig in &checklist.stigs {
        write_istig(w, stig);
    }
    w.close(1, "STIGS");
    w.buf.push_str("</CHECKLIST>");
}

fn estimate(c: &Checklist) -> usize {
    // About 6 KB of markup and DISA text per rule in real STIGs.
    4096 + c.rule_count() * 6144
}

fn write_asset(w: &mut Out<'_>, c: &Checklist) {
    let a = &c.asset;
    let extra = |name: &'static str| a.extra.iter().filter(move |(k, _)| k == name);
    w.open(1, "ASSET");
    w.leaf(2, "ROLE", &a.role);
    w.leaf(2, "ASSET_TYPE", &a.asset_type);
    w.leaf(2, "MARKING", &a.marking);
    w.leaf(2, "HOST_NAME", &a.host_name);
    w.leaf(2, "HOST_IP", &a.host_ip);
    w.leaf(2, "HOST_MAC", &a.host_mac);
    // The schema places these two deprecated elements here when present.
    for (k, v) in extra("HOST_GUID") {
        w.leaf(2, k, v);
    }
    w.leaf(2, "HOST_FQDN", &a.host_fqdn);
    w.leaf(2, "TARGET_COMMENT", &a.target_comment);
    w.leaf(2, "TECH_AREA", &a.tech_area);
    w.leaf(2, "TARGET_KEY", &a.target_key);
    for (k, v) in extra("STIG_GUID") {
        w.leaf(2, k, v);
    }
    w.leaf(
        2,
        "WEB_OR_DATABASE",
        if a.web_or_database { "true" } else { "false" },
    );
    w.leaf(2, "WEB_DB_SITE", &a.web_db_site);
    w.leaf(2, "WEB_DB_INSTANCE", &a.web_db_instance);
    for (k, v) in a
        .extra
        .iter()
        .filter(|(k, _)| k != "HOST_GUID" && k != "STIG_GUID")
    {
        w.leaf(2, k, v);
    }
    w.close(1, "ASSET");
}

fn write_istig(w: &mut Out<'_>, stig: &StigChecklist) {
    let i = &stig.info;
    w.open(2, "iSTIG");
    for c in stig.passthrough.values(keys::ISTIG_COMMENT) {
        w.comment(3, c);
    }
    w.open(3, "STIG_INFO");
    for (name, value) in [
        ("version", &i.version),
        ("classification", &i.classification),
        ("customname", &i.custom_name),
        ("stigid", &i.stig_id),
        ("description", &i.description),
        ("filename", &i.filename),
        ("releaseinfo", &i.release_info),
        ("title", &i.title),
        ("uuid", &i.uuid),
        ("notice", &i.notice),
        ("source", &i.source),
    ]
    .into_iter()
    .chain(i.extra.iter().map(|(k, v)| (k.as_str(), v)))
    {
        w.open(4, "SI_DATA");
        w.leaf(5, "SID_NAME", name);
        // STIG Viewer omits SID_DATA rather than writing it empty.
        if !value.is_empty() {
            w.leaf(5, "SID_DATA", value);
        }
        w.close(4, "SI_DATA");
    }
    w.close(3, "STIG_INFO");
    for r in &stig.rules {
        write_vuln(w, r);
        w.spill(SPILL);
    }
    w.close(2, "iSTIG");
}

fn write_vuln(w: &mut Out<'_>, r: &ChecklistRule) {
    let rule: &Rule = &r.rule;
    let d = &rule.discussion;
    w.open(3, "VULN");
    let check_ref = rule
        .check_content_ref
        .as_ref()
        .map_or("", |c| c.name.as_str());
    for (name, value) in [
        ("Vuln_Num", rule.vuln_id.as_str()),
        ("Severity", rule.severity.as_str()),
        ("Group_Title", &rule.group_title),
        ("Rule_ID", &rule.rule_id),
        ("Rule_Ver", &rule.stig_id),
        ("Rule_Title", &rule.title),
        ("Vuln_Discuss", &d.vuln_discussion),
        ("IA_Controls", &d.ia_controls),
        ("Check_Content", &rule.check_content),
        ("Fix_Text", &rule.fix_text),
        ("False_Positives", &d.false_positives),
        ("False_Negatives", &d.false_negatives),
        ("Documentable", &d.documentable),
        ("Mitigations", &d.mitigations),
        ("Potential_Impact", &d.potential_impacts),
        ("Third_Party_Tools", &d.third_party_tools),
        ("Mitigation_Control", &d.mitigation_control),
        ("Responsibility", &d.responsibility),
        ("Security_Override_Guidance", &d.severity_override_guidance),
        ("Check_Content_Ref", check_ref),
        ("Weight", &rule.weight),
        ("Class", &rule.classification),
        ("STIGRef", &r.record.stig_ref),
        ("TargetKey", &rule.target_key),
        ("STIG_UUID", &r.record.stig_uuid),
    ] {
        w.stig_data(name, value);
    }
    // STIG Viewer 2.17 always writes at least two LEGACY_IDs, empty ones
    // standing in for an SV/V pair the STIG does not have.
    for i in 0..rule.legacy_ids.len().max(2) {
        w.stig_data(
            "LEGACY_ID",
            rule.legacy_ids.get(i).map_or("", String::as_str),
        );
    }
    for cci in &rule.ccis {
        w.stig_data("CCI_REF", cci);
    }
    for (k, v) in &r.extra {
        w.stig_data(k, v);
    }
    let rv = &r.review;
    w.leaf(4, "STATUS", status(rv.status));
    w.leaf(4, "FINDING_DETAILS", &rv.finding_details);
    w.leaf(4, "COMMENTS", &rv.comments);
    w.leaf(
        4,
        "SEVERITY_OVERRIDE",
        rv.severity_override.map_or("", |s| s.as_str()),
    );
    w.leaf(4, "SEVERITY_JUSTIFICATION", &rv.severity_justification);
    for (name, text) in r.passthrough.with_prefix(keys::VULN_ELEMENT) {
        w.leaf(4, name, text);
    }
    for c in r.passthrough.values(keys::VULN_COMMENT) {
        w.comment(4, c);
    }
    w.close(3, "VULN");
}

/// Text output with STIG Viewer's indentation and escaping.
struct Out<'w> {
    buf: String,
    /// Where full buffers go; `None` renders to `buf` alone.
    sink: Option<&'w mut dyn io::Write>,
    /// The first write error; later output is dropped.
    error: Option<io::Error>,
}

impl Out<'_> {
    /// Hands the buffer to the sink once it holds at least `min` bytes.
    fn spill(&mut self, min: usize) {
        if self.buf.len() < min || self.error.is_some() {
            return;
        }
        if let Some(sink) = self.sink.as_mut() {
            if let Err(e) = sink.write_all(self.buf.as_bytes()) {
                self.error = Some(e);
            }
            self.buf.clear();
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.buf.push('\t');
        }
    }

    fn open(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn leaf(&mut self, depth: usize, name: &str, text: &str) {
        self.indent(depth);
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        escape_into(&mut self.buf, text);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn stig_data(&mut self, name: &str, value: &str) {
        self.open(4, "STIG_DATA");
        self.leaf(5, "VULN_ATTRIBUTE", name);
        self.leaf(5, "ATTRIBUTE_DATA", value);
        self.close(4, "STIG_DATA");
    }

    fn comment(&mut self, depth: usize, text: &str) {
        self.indent(depth);
        self.buf.push_str("<!--");
        self.buf.push_str(text);
        self.buf.push_str("-->\n");
    }
}

/// Escapes element text as STIG Viewer does (`&`, `<`, `>` only), plus two
/// cases it gets wrong: a carriage return is written as `&#13;` so it
/// survives XML line-end normalisation, and characters XML 1.0 cannot hold
/// at all are written as `[U+XXXX]` instead of producing an invalid file.
fn escape_into(buf: &mut String, text: &str) {
    // Fast path on bytes: most text needs nothing. 0xEF leads the UTF-8 of
    // U+FFFE/U+FFFF, so any such byte takes the careful path below.
    let plain = |b: &u8| {
        !matches!(b, b'&' | b'<' | b'>' | b'\r' | 0xEF)
            && (*b >= 0x20 || *b == b'\t' || *b == b'\n')
    };
    if text.as_bytes().iter().all(plain) {
        buf.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '\r' => buf.push_str("&#13;"),
            c if is_forbidden(c) => buf.push_str(&format!("[U+{:04X}]", c as u32)),
            c => buf.push(c),
        }
    }
}

/// Characters outside XML 1.0's `Char` production.
fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_what_xml_requires() {
        let mut s = String::new();
        escape_into(&mut s, "a & b < c > d \"q\" 'x' caf\u{e9}\r\n\u{1}");
        assert_eq!(
            s,
            "a &amp; b &lt; c &gt; d \"q\" 'x' caf\u{e9}&#13;\n[U+0001]"
        );
    }

    #[test]
    fn streaming_writes_the_same_bytes_as_rendering() {
        use crate::model::{ChecklistRule, StigChecklist};
        let rule = |i: usize| ChecklistRule {
            rule: crate::model::Rule {
                rule_id: format!("SV-{i}r1_rule"),
                check_content: "x".repeat(900),
                ..Default::default()
            },
            ..Default::default()
        };
        let c = Checklist {
            stigs: vec![StigChecklist {
                rules: (0..300).map(rule).collect(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut streamed = Vec::new();
        write(&c, &mut streamed).unwrap();
        assert!(streamed.len() > 3 * SPILL, "spills several times");
        assert_eq!(String::from_utf8(streamed).unwrap(), write_to_string(&c));
    }
}
