//! A fast path for counting a CKL's reviews (`stigkit show`): the asset's
//! host name, each STIG's `STIG_INFO`, and per rule its Vuln ID, Rule ID,
//! severity, status and severity override. The long texts (discussion,
//! check, fix, finding details, comments) are checked but never copied.
//!
//! It reads only files in the plain shape checklist producers write: no
//! attributes, CDATA, comments past the header, DOCTYPE or stray text. For
//! anything else, and for anything the full reader would warn about, it
//! gives up (`None`) and the caller reads the file with [`super::read`],
//! so what is shown, warned and refused is always the full reader's.

use super::read::set_info;
use crate::model::{Checklist, ChecklistRule, Severity, Status, StigChecklist, StigInfo};
use crate::xml;

/// The skeleton of a checklist: enough for its summary, nothing more.
pub fn skim(bytes: &[u8]) -> Option<Checklist> {
    let text = xml::decode(bytes).ok()?;
    let mut s = Scan {
        src: text.as_bytes(),
        text,
        pos: 0,
    };
    s.prolog()?;
    let mut checklist = Checklist::default();
    if s.tag()? != Tag::Start("CHECKLIST") {
        return None;
    }
    let (mut saw_asset, mut saw_stigs) = (false, false);
    loop {
        match s.tag()? {
            Tag::Start("ASSET") => {
                saw_asset = true;
                checklist.asset.host_name = s.asset()?;
            }
            Tag::Start("STIGS") => {
                saw_stigs = true;
                loop {
                    match s.tag()? {
                        Tag::Start("iSTIG") => checklist.stigs.push(s.istig()?),
                        Tag::End("STIGS") => break,
                        _ => return None,
                    }
                }
            }
            Tag::End("CHECKLIST") => break,
            _ => return None,
        }
    }
    s.epilog()?;
    // What the full reader would warn about, it should say.
    if !saw_asset || !saw_stigs || checklist.asset.host_name.is_empty() {
        return None;
    }
    Some(checklist)
}

#[derive(Debug, PartialEq, Eq)]
enum Tag<'a> {
    Start(&'a str),
    End(&'a str),
    /// `<NAME/>`: an empty element.
    Empty(&'a str),
}

struct Scan<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    /// The XML declaration, if present.
    fn prolog(&mut self) -> Option<()> {
        self.space()?;
        if self.src[self.pos..].starts_with(b"<?xml") {
            self.pos += find(&self.src[self.pos..], b"?>")? + 2;
        }
        Some(())
    }

    /// Only whitespace and comments may follow the root element.
    fn epilog(&mut self) -> Option<()> {
        self.space()?;
        (self.pos == self.src.len()).then_some(())
    }

    /// Whitespace and comments: producers' headers and Evaluate-STIG's
    /// result data, which no summary reads.
    fn space(&mut self) -> Option<()> {
        loop {
            while self
                .src
                .get(self.pos)
                .is_some_and(|b| b.is_ascii_whitespace())
            {
                self.pos += 1;
            }
            if !self.src[self.pos..].starts_with(b"<!--") {
                return Some(());
            }
            let body = self.pos + 4;
            let len = find(&self.src[body..], b"--")?;
            // `--` may only end a comment.
            if self.src.get(body + len + 2) != Some(&b'>') {
                return None;
            }
            self.pos = body + len + 3;
        }
    }

    /// The next tag, past whitespace and comments; anything else before it
    /// (text, CDATA, a processing instruction) gives up.
    fn tag(&mut self) -> Option<Tag<'a>> {
        self.space()?;
        if self.src.get(self.pos) != Some(&b'<') {
            return None;
        }
        self.tag_here()
    }

    /// The tag at `pos`, which is a `<`.
    fn tag_here(&mut self) -> Option<Tag<'a>> {
        let start = self.pos + 1;
        let close = start + memchr::memchr(b'>', &self.src[start..])?;
        let inner = &self.text[start..close];
        self.pos = close + 1;
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim_end_matches(is_space);
            return valid_name(name).then_some(Tag::End(name));
        }
        if let Some(name) = inner.strip_suffix('/') {
            let name = name.trim_end_matches(is_space);
            return valid_name(name).then_some(Tag::Empty(name));
        }
        // No attributes: a name alone, perhaps with trailing space.
        let name = inner.trim_end_matches(is_space);
        valid_name(name).then_some(Tag::Start(name))
    }

    /// The raw text of the element `name` just opened, up to its end tag;
    /// `None` if anything but text is inside, or a reference is not one of
    /// XML's five entities or a character reference.
    fn leaf(&mut self, name: &str) -> Option<&'a str> {
        let start = self.pos;
        let lt = start + memchr::memchr(b'<', &self.src[start..])?;
        let raw = &self.text[start..lt];
        checked_references(raw)?;
        self.pos = lt;
        (self.tag_here()? == Tag::End(name)).then_some(raw)
    }

    /// Children of `<ASSET>`, all leaves; returns `HOST_NAME`.
    fn asset(&mut self) -> Option<String> {
        let mut host = String::new();
        loop {
            match self.tag()? {
                Tag::Start(name) => {
                    let raw = self.leaf(name)?;
                    if name == "HOST_NAME" {
                        host = unescape(raw)?;
                    }
                }
                Tag::Empty(_) => {}
                Tag::End("ASSET") => return Some(host),
                _ => return None,
            }
        }
    }

    fn istig(&mut self) -> Option<StigChecklist> {
        let mut stig = StigChecklist::default();
        loop {
            match self.tag()? {
                Tag::Start("STIG_INFO") => stig.info = self.info()?,
                Tag::Start("VULN") => stig.rules.push(self.vuln()?),
                Tag::End("iSTIG") => break,
                _ => return None,
            }
        }
        if stig.info.stig_id.is_empty() {
            return None;
        }
        stig.info.display_name = crate::model::display_name(&stig.info.title);
        Some(stig)
    }

    fn info(&mut self) -> Option<StigInfo> {
        let mut info = StigInfo::default();
        loop {
            match self.tag()? {
                Tag::Start("SI_DATA") => {
                    let (mut name, mut data) = (String::new(), String::new());
                    loop {
                        match self.tag()? {
                            Tag::Start(part @ ("SID_NAME" | "SID_DATA")) => {
                                let value = unescape(self.leaf(part)?)?;
                                match part {
                                    "SID_NAME" => name = value,
                                    _ => data = value,
                                }
                            }
                            Tag::Empty("SID_NAME" | "SID_DATA") => {}
                            Tag::End("SI_DATA") => break,
                            _ => return None,
                        }
                    }
                    set_info(&mut info, name, data);
                }
                Tag::End("STIG_INFO") => return Some(info),
                _ => return None,
            }
        }
    }

    fn vuln(&mut self) -> Option<ChecklistRule> {
        let mut r = ChecklistRule::default();
        let mut status: Option<&str> = None;
        let mut severity_override: Option<&str> = None;
        loop {
            match self.tag()? {
                Tag::Start("STIG_DATA") => {
                    let (mut name, mut data) = ("", "");
                    loop {
                        match self.tag()? {
                            Tag::Start("VULN_ATTRIBUTE") => name = self.leaf("VULN_ATTRIBUTE")?,
                            Tag::Start("ATTRIBUTE_DATA") => data = self.leaf("ATTRIBUTE_DATA")?,
                            Tag::Empty("VULN_ATTRIBUTE") => name = "",
                            Tag::Empty("ATTRIBUTE_DATA") => data = "",
                            Tag::End("STIG_DATA") => break,
                            _ => return None,
                        }
                    }
                    match name {
                        "Vuln_Num" => r.rule.vuln_id = unescape(data)?,
                        "Rule_ID" => r.rule.rule_id = unescape(data)?,
                        "Severity" => {
                            r.rule.severity =
                                Severity::parse(&unescape(data)?).unwrap_or(Severity::Unknown)
                        }
                        _ => {}
                    }
                }
                Tag::Start(name) => {
                    let raw = self.leaf(name)?;
                    match name {
                        "STATUS" => status = Some(raw),
                        "SEVERITY_OVERRIDE" => severity_override = Some(raw),
                        _ => {}
                    }
                }
                Tag::Empty("STATUS") => status = Some(""),
                Tag::Empty("SEVERITY_OVERRIDE") => severity_override = Some(""),
                Tag::Empty(_) => {}
                Tag::End("VULN") => break,
                Tag::End(_) => return None,
            }
        }
        // Each case the full reader warns about gives up.
        r.review.status = Status::parse_lenient(unescape(status?)?.trim())?;
        if let Some(raw) = severity_override {
            let v = unescape(raw)?;
            r.review.severity_override = Severity::parse(&v);
            if r.review.severity_override.is_none() && !v.trim().is_empty() {
                return None;
            }
        }
        if r.rule.rule_id.is_empty() {
            return None;
        }
        Some(r)
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A plain element name, as checklists use them.
fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Checks every `&` in `raw` starts a reference the full reader accepts.
fn checked_references(raw: &str) -> Option<()> {
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'&', &bytes[at..]) {
        let start = at + i + 1;
        let len = memchr::memchr(b';', &bytes[start..])?;
        reference(&raw[start..start + len])?;
        at = start + len + 1;
    }
    Some(())
}

/// What the reference `&name;` stands for.
fn reference(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(hex) if !hex.is_empty() => u32::from_str_radix(hex, 16).ok()?,
                Some(_) => return None,
                None if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok()?,
                None => return None,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

/// `raw` with references resolved and line ends normalised, as the full
/// reader gives text.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains(['&', '\r']) {
        return Some(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\r']) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'\r' {
            out.push('\n');
            rest = &rest[i + 1..];
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        } else {
            let end = i + 1 + rest[i + 1..].find(';')?;
            out.push(reference(&rest[i + 1..end])?);
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CKL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--DISA STIG Viewer :: 2.17-->\n<CHECKLIST><ASSET><ROLE>None</ROLE><HOST_NAME>web&amp;01</HOST_NAME><WEB_OR_DATABASE>false</WEB_OR_DATABASE></ASSET><STIGS><iSTIG><STIG_INFO><SI_DATA><SID_NAME>stigid</SID_NAME><SID_DATA>X</SID_DATA></SI_DATA><SI_DATA><SID_NAME>notice</SID_NAME></SI_DATA></STIG_INFO><VULN><STIG_DATA><VULN_ATTRIBUTE>Vuln_Num</VULN_ATTRIBUTE><ATTRIBUTE_DATA>V-1</ATTRIBUTE_DATA></STIG_DATA><STIG_DATA><VULN_ATTRIBUTE>Severity</VULN_ATTRIBUTE><ATTRIBUTE_DATA>high</ATTRIBUTE_DATA></STIG_DATA><STIG_DATA><VULN_ATTRIBUTE>Rule_ID</VULN_ATTRIBUTE><ATTRIBUTE_DATA>SV-1r1_rule</ATTRIBUTE_DATA></STIG_DATA><STIG_DATA><VULN_ATTRIBUTE>Check_Content</VULN_ATTRIBUTE><ATTRIBUTE_DATA>a &lt; b &#233;</ATTRIBUTE_DATA></STIG_DATA><STATUS>Open</STATUS><FINDING_DETAILS>x\r\ny</FINDING_DETAILS><COMMENTS/><SEVERITY_OVERRIDE>low</SEVERITY_OVERRIDE></VULN></iSTIG></STIGS></CHECKLIST>";

    #[test]
    fn skims_what_the_summary_needs() {
        let c = skim(CKL.as_bytes()).unwrap();
        assert_eq!(c.asset.host_name, "web&01");
        let r = &c.stigs[0].rules[0];
        assert_eq!(c.stigs[0].info.stig_id, "X");
        assert_eq!(
            (r.rule.vuln_id.as_str(), r.rule.rule_id.as_str()),
            ("V-1", "SV-1r1_rule")
        );
        assert_eq!(r.rule.severity, Severity::High);
        assert_eq!(r.review.status, Status::Open);
        assert_eq!(r.review.severity_override, Some(Severity::Low));
        let full = super::super::read(CKL.as_bytes(), &mut Vec::new()).unwrap();
        assert_eq!(c.summaries(), full.summaries());
    }

    #[test]
    fn gives_up_on_anything_unusual() {
        for (from, to) in [
            ("<CHECKLIST>", "<!DOCTYPE x><CHECKLIST>"),
            ("<ASSET>", "<ASSET a=\"1\">"),
            ("a &lt; b", "a &nbsp; b"),
            ("a &lt; b", "a & b"),
            ("a &lt; b", "<![CDATA[a]]>"),
            ("<STATUS>Open", "<STATUS>Opened"),
            ("<STATUS>Open</STATUS>", ""),
            (">SV-1r1_rule<", "><"),
            (">X</SID_DATA>", "></SID_DATA>"),
            (">web&amp;01<", "><"),
            ("<COMMENTS/>", "<COMMENTS><B/></COMMENTS>"),
            ("<COMMENTS/>", "<!-- a -- b --><COMMENTS/>"),
            ("</VULN>", "</VULN>text"),
            (">low<", ">severe<"),
            ("</CHECKLIST>", "</CHECKLIST><x/>"),
            ("</FINDING_DETAILS>", "</COMMENTS>"),
        ] {
            let doc = CKL.replacen(from, to, 1);
            assert_ne!(doc, CKL, "{from}");
            assert!(skim(doc.as_bytes()).is_none(), "{from} -> {to}");
        }
    }
}
