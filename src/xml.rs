//! Safe XML input shared by the XML codecs.
//!
//! Every XML file stigkit reads goes through [`Input`]: it must be UTF-8
//! (a byte-order mark is dropped), a DOCTYPE is refused before any entity
//! could be expanded, only the five predefined entities and character
//! references are resolved, and every error carries a line and column.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use std::borrow::Cow;
use std::fmt;

/// Why an XML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub column: usize,
    pub kind: XmlErrorKind,
}

/// The kinds of [`XmlError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlErrorKind {
    /// The bytes are not UTF-8 (or are UTF-16).
    Encoding(String),
    /// A DOCTYPE (and with it any entity declaration) is present.
    Doctype,
    /// A reference to an entity other than the five XML predefines.
    UndefinedEntity(String),
    /// The document is not well-formed.
    Syntax(String),
    /// Well-formed, but not the document we expected.
    Unexpected(String),
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        match &self.kind {
            XmlErrorKind::Encoding(m) => write!(f, "{m}"),
            XmlErrorKind::Doctype => f.write_str(
                "DOCTYPE declarations are refused (entity expansion could exhaust memory)",
            ),
            XmlErrorKind::UndefinedEntity(name) => write!(f, "undefined entity &{name};"),
            XmlErrorKind::Syntax(m) => write!(f, "malformed XML: {m}"),
            XmlErrorKind::Unexpected(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for XmlError {}

/// Checks the encoding and returns the document text without its BOM.
pub fn decode(bytes: &[u8]) -> Result<&str, XmlError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(XmlError {
            line: 1,
            column: 1,
            kind: XmlErrorKind::Encoding("UTF-16 is not supported; save the file as UTF-8".into()),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // SIMD validation: a fleet's checklists are gigabytes of text, and
    // std's check was a fifth of `show`'s time.
    simdutf8::compat::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, column) = line_column(&String::from_utf8_lossy(&bytes[..at]), at);
        XmlError {
            line,
            column,
            kind: XmlErrorKind::Encoding("invalid UTF-8".into()),
        }
    })
}

/// 1-based line and column of byte offset `pos` in `text`.
pub fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// A pull reader over a whole document held in memory.
pub struct Input<'a> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    /// Start offset of the last event, for error positions.
    last: usize,
}

impl<'a> Input<'a> {
    pub fn new(src: &'a str) -> Input<'a> {
        let mut reader = Reader::from_str(src);
        reader.config_mut().check_end_names = true;
        Input {
            src,
            reader,
            last: 0,
        }
    }

    /// The next event; a DOCTYPE is an error.
    pub fn next_event(&mut self) -> Result<Event<'a>, XmlError> {
        self.last = self.reader.buffer_position() as usize;
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(self.error_at(self.last, XmlErrorKind::Doctype)),
            Ok(ev) => Ok(ev),
            Err(e) => {
                let at = self.reader.error_position() as usize;
                Err(self.error_at(at, XmlErrorKind::Syntax(e.to_string())))
            }
        }
    }

    /// `bytes` as a slice of the source, when it is one (it always is for
    /// borrowed events): no copy and no second UTF-8 check.
    fn slice(&self, bytes: &[u8]) -> Option<&'a str> {
        let start = (bytes.as_ptr() as usize).checked_sub(self.src.as_ptr() as usize)?;
        self.src.get(start..start.checked_add(bytes.len())?)
    }

    fn element(&self, start: BytesStart<'a>, has_body: bool) -> Element<'a> {
        let name = match self.slice(start.local_name().into_inner().as_bytes()) {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(local_name(&start)),
        };
        Element {
            name,
            start,
            has_body,
        }
    }

    /// An error located at the start of the last event read.
    pub fn error(&self, kind: XmlErrorKind) -> XmlError {
        self.error_at(self.last, kind)
    }

    /// A structural error at the last event, with a message.
    pub fn unexpected(&self, message: impl Into<String>) -> XmlError {
        self.error(XmlErrorKind::Unexpected(message.into()))
    }

    fn error_at(&self, pos: usize, kind: XmlErrorKind) -> XmlError {
        let (line, column) = line_column(self.src, pos);
        XmlError { line, column, kind }
    }

    /// Moves to the root element and returns it, keeping the comments seen
    /// before it.
    pub fn root(&mut self, comments: &mut Vec<String>) -> Result<Element<'a>, XmlError> {
        loop {
            match self.next_event()? {
                Event::Start(e) => return Ok(self.element(e, true)),
                Event::Empty(e) => return Ok(self.element(e, false)),
                Event::Comment(c) => comments.push(c.to_string()),
                Event::Eof => return Err(self.unexpected("no root element")),
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.unexpected("text before the root element"));
                }
                _ => {}
            }
        }
    }

    /// The next child of the element being read, or `None` at its end tag.
    /// Text between children is skipped; comments are handed to `comments`.
    pub fn child(
        &mut self,
        comments: &mut dyn FnMut(&str),
    ) -> Result<Option<Element<'a>>, XmlError> {
        loop {
            match self.next_event()? {
                Event::Start(e) => return Ok(Some(self.element(e, true))),
                Event::Empty(e) => return Ok(Some(self.element(e, false))),
                Event::End(_) => return Ok(None),
                Event::Comment(c) => comments(&c),
                Event::Eof => return Err(self.unexpected("unexpected end of file")),
                _ => {}
            }
        }
    }

    /// Reads the text content of `el` up to its end tag. Nested markup is an
    /// error: checklist and benchmark text fields hold plain text.
    pub fn text(&mut self, el: &Element<'a>) -> Result<String, XmlError> {
        let mut out = String::new();
        if !el.has_body {
            return Ok(out);
        }
        loop {
            match self.next_event()? {
                // Text is a slice of the (already checked) UTF-8 source:
                // copied once, with XML's line-end normalisation.
                Event::Text(t) => match self.slice(t.as_bytes()) {
                    Some(text) => push_eol_normalised(&mut out, text),
                    None => out.push_str(&t.xml10_content()),
                },
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => self.push_reference(&r, &mut out)?,
                Event::End(_) => return Ok(out),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(e) | Event::Empty(e) => {
                    return Err(self.unexpected(format!(
                        "element <{}> inside the text of <{}>",
                        local_name(&e),
                        el.name
                    )));
                }
                Event::Eof => return Err(self.unexpected("unexpected end of file")),
                _ => {}
            }
        }
    }

    /// Appends what a reference stands for: a character reference, or one
    /// of XML's five predefined entities; any other entity is an error.
    fn push_reference(&self, r: &BytesRef<'_>, out: &mut String) -> Result<(), XmlError> {
        if let Some(c) = r
            .resolve_char_ref()
            .map_err(|e| self.error(XmlErrorKind::Syntax(e.to_string())))?
        {
            out.push(c);
            return Ok(());
        }
        match predefined(r) {
            Some(s) => {
                out.push_str(s);
                Ok(())
            }
            None => Err(self.error(XmlErrorKind::UndefinedEntity(r.to_string()))),
        }
    }

    /// Skips `el` and everything inside it.
    pub fn skip(&mut self, el: &Element<'a>) -> Result<(), XmlError> {
        if !el.has_body {
            return Ok(());
        }
        let mut depth = 1usize;
        while depth > 0 {
            match self.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.unexpected("unexpected end of file")),
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks nothing but whitespace and comments follow the root element.
    pub fn finish(&mut self, comments: &mut Vec<String>) -> Result<(), XmlError> {
        loop {
            match self.next_event()? {
                Event::Eof => return Ok(()),
                Event::Comment(c) => comments.push(c.to_string()),
                Event::Text(t) if t.trim().is_empty() => {}
                Event::PI(_) => {}
                _ => return Err(self.unexpected("content after the root element")),
            }
        }
    }
}

/// The local name of a document's root element, read no further than its
/// start tag (so format sniffing costs nothing on large files).
pub fn root_name(bytes: &[u8]) -> Result<String, XmlError> {
    // The root tag comes after at most a prolog and some comments: try the
    // first 64 KiB (cut at a character boundary) before the whole file, so
    // sniffing a fleet's files does not validate each twice.
    const HEAD: usize = 64 << 10;
    if bytes.len() > HEAD {
        let head = &bytes[..HEAD];
        let valid = match std::str::from_utf8(head) {
            Ok(_) => HEAD,
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => 0,
        };
        if valid > 0
            && let Ok(text) = decode(&head[..valid])
            && let Ok(root) = Input::new(text).root(&mut Vec::new())
        {
            return Ok(root.name.into_owned());
        }
    }
    let mut input = Input::new(decode(bytes)?);
    Ok(input.root(&mut Vec::new())?.name.into_owned())
}

/// A small XML fragment (such as the XML Evaluate-STIG writes inside CKL
/// comments) flattened: the root's local name, and the text of every element
/// without element children, keyed by its path below the root
/// (`global/version`).
pub fn leaves(src: &str) -> Result<(String, Vec<(String, String)>), XmlError> {
    let mut input = Input::new(src);
    let root = input.root(&mut Vec::new())?;
    let mut out = Vec::new();
    // An explicit, bounded stack rather than recursion: the fragment comes
    // from a file, and deep nesting must not exhaust the call stack (or, as
    // paths grow with depth, memory). Each entry is (path, text, has
    // element children); the root is never a leaf.
    let mut open: Vec<(String, String, bool)> = Vec::new();
    if root.has_body {
        open.push((String::new(), String::new(), true));
    }
    while let Some(depth) = open.len().checked_sub(1) {
        let top = &mut open[depth];
        match input.next_event()? {
            Event::Start(e) => {
                // Paths grow with depth; the fragments read here are a few
                // levels deep, and a deeper one is not one of them.
                if depth >= MAX_FRAGMENT_DEPTH {
                    return Err(input.unexpected("XML fragment nested too deeply"));
                }
                top.2 = true;
                let path = child_path(&top.0, &e);
                open.push((path, String::new(), false));
            }
            Event::Empty(e) => {
                top.2 = true;
                out.push((child_path(&top.0, &e), String::new()));
            }
            Event::Text(t) => top.1.push_str(&t.xml10_content()),
            Event::CData(t) => top.1.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => input.push_reference(&r, &mut top.1)?,
            Event::End(_) => {
                if let Some((path, text, false)) = open.pop() {
                    out.push((path, text));
                }
            }
            Event::Eof => return Err(input.unexpected("unexpected end of file")),
            _ => {}
        }
    }
    input.finish(&mut Vec::new())?;
    Ok((root.name.into_owned(), out))
}

const MAX_FRAGMENT_DEPTH: usize = 32;

fn child_path(parent: &str, e: &BytesStart<'_>) -> String {
    if parent.is_empty() {
        local_name(e)
    } else {
        format!("{parent}/{}", local_name(e))
    }
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// A start tag as the codecs need it: local name and attributes.
pub struct Element<'a> {
    /// Borrowed from the document: a fleet has millions of elements.
    pub name: Cow<'a, str>,
    start: BytesStart<'a>,
    /// False for `<x/>`, which has no content and no end tag.
    pub has_body: bool,
}

impl<'a> Element<'a> {
    /// Value of the attribute with this local name (namespace prefixes are
    /// ignored, so `xml:lang` is `lang`).
    pub fn attr(&self, name: &str) -> Option<String> {
        self.start.attributes().flatten().find_map(|a| {
            (a.key.local_name().as_ref() == name)
                .then(|| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                .flatten()
                .map(|v| v.into_owned())
        })
    }
}

/// Appends `text` with XML's end-of-line handling: CR LF and lone CR
/// become LF.
fn push_eol_normalised(out: &mut String, text: &str) {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('\n') {
            rest = r;
        }
    }
    out.push_str(rest);
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_root_text(doc: &str) -> Result<String, XmlError> {
        let mut input = Input::new(decode(doc.as_bytes())?);
        let root = input.root(&mut Vec::new())?;
        input.text(&root)
    }

    #[test]
    fn resolves_predefined_and_character_references_once() {
        assert_eq!(
            read_root_text("<a>x &amp;lt; &lt;b&gt; &#039; &#x26; caf\u{e9}</a>").unwrap(),
            "x &lt; <b> ' & caf\u{e9}"
        );
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let e =
            read_root_text("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>")
                .unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Doctype);
        assert_eq!(e.line, 2);
        let e = read_root_text("<a>&nbsp;</a>").unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::UndefinedEntity("nbsp".into()));
    }

    #[test]
    fn reports_line_and_column_of_malformed_input() {
        let src = "<a>\n  <b></c></a>";
        let mut input = Input::new(src);
        let root = input.root(&mut Vec::new()).unwrap();
        let e = input.skip(&root).unwrap_err();
        assert_eq!((e.line, e.column), (2, 6));
        assert!(matches!(e.kind, XmlErrorKind::Syntax(_)), "{e}");
    }

    #[test]
    fn text_line_ends_are_normalised_as_xml_requires() {
        assert_eq!(
            read_root_text("<a>one\r\ntwo\rthree\n\r\nfour &#13;</a>").unwrap(),
            "one\ntwo\nthree\n\nfour \r"
        );
    }

    #[test]
    fn strips_bom_and_rejects_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
        assert!(decode(b"\xFF\xFE<\0a\0").is_err());
        let e = decode(b"<a>\n\xFF</a>").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
    }

    #[test]
    fn flattens_fragments_into_leaf_paths() {
        let (root, leaves) = leaves(
            "<Evaluate-STIG><global><version>1.2204.1</version><time/></global><AFMod>True &amp; x</AFMod></Evaluate-STIG>",
        )
        .unwrap();
        assert_eq!(root, "Evaluate-STIG");
        let want = [
            ("global/version", "1.2204.1"),
            ("global/time", ""),
            ("AFMod", "True & x"),
        ];
        let got: Vec<(&str, &str)> = leaves
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want);
        assert!(super::leaves("<a><b></a>").is_err());
        let deep = "<a>".repeat(100_000);
        assert!(
            super::leaves(&deep).is_err(),
            "deep nesting is an error, not a crash"
        );
    }

    #[test]
    fn normalises_crlf_in_text() {
        assert_eq!(read_root_text("<a>x\r\ny</a>").unwrap(), "x\ny");
    }
}
