//! The run's own credentials, found in every form a server could echo them
//! in, before any byte is written.
//!
//! A careless or hostile server may send back what it was sent: the
//! password, the `Authorization` header, the login body, the token. Each
//! credential is looked for raw, JSON-escaped (in the styles of the common
//! encoders), and as base64 (standard and URL-safe, padded or not, at each
//! of the three byte offsets it can take inside a larger blob); a token's
//! JWT parts count as credentials of their own, and so does `user:password`,
//! whose base64 is the Basic header. Percent-encoded text (any mix of
//! encoded and plain characters, `+` or `%20` for a space) is decoded and
//! searched by the same rules, and so are base64 runs that may hide a short
//! credential (long ones are found encoded, once or twice, without
//! decoding), two levels deep; a base64 run that hides a credential goes
//! whole.
//!
//! The rule for where a credential is removed: one of [`LONG`] characters
//! or more wherever it appears; a shorter one only where it stands alone,
//! i.e. the characters right before and after it are not letters, digits
//! or `_` (or it starts or ends the text, as a whole JSON string does).
//! Ordinary words that merely contain a short password stay as they are.

use super::redact::REDACTED;
use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;
use std::ops::Range;
use std::sync::{Arc, RwLock};

/// Credentials of this many characters or more are removed wherever they
/// appear; shorter ones only where they stand alone.
pub const LONG: usize = 8;

/// How many times text is decoded to look inside it (base64 in
/// percent-encoding, base64 in base64).
const DEPTH: u8 = 2;

/// Decodes base64 runs whatever their padding or trailing bits.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The credentials of a run, growing as tokens are issued, and the
/// redactor that removes them.
pub struct Keyring {
    state: RwLock<State>,
}

struct State {
    secrets: Vec<String>,
    redactor: Arc<Redactor>,
}

impl Default for Keyring {
    fn default() -> Self {
        Keyring {
            state: RwLock::new(State {
                secrets: Vec::new(),
                redactor: Arc::new(Redactor::new(&[])),
            }),
        }
    }
}

impl Keyring {
    /// A password, and `user:password` (what a Basic header encodes).
    pub fn add_password(&self, user: &str, password: &str) {
        self.add([password.to_string(), format!("{user}:{password}")]);
    }

    /// A bearer token, and each part of it when it is a JWT.
    pub fn add_token(&self, token: &str) {
        let mut all = vec![token.to_string()];
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 3 {
            all.extend(parts.iter().map(|p| p.to_string()));
        }
        self.add(all);
    }

    /// Any other secret text (the base64 lines of a private key).
    pub fn add_secret(&self, secret: &str) {
        self.add([secret.to_string()]);
    }

    fn add(&self, new: impl IntoIterator<Item = String>) {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        let before = st.secrets.len();
        for s in new {
            if !s.is_empty() && !st.secrets.contains(&s) {
                st.secrets.push(s);
            }
        }
        if st.secrets.len() != before {
            st.redactor = Arc::new(Redactor::new(&st.secrets));
        }
    }

    /// The redactor for every credential known now.
    pub fn redactor(&self) -> Arc<Redactor> {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        st.redactor.clone()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    /// Text: raw or escaped.
    Text,
    /// Base64 text: a match takes the whole run of base64 around it.
    Base64,
}

/// The bytes of one form and how they are written.
type Pattern = (Vec<u8>, Form);

/// One pattern's kind: its form, and whether it only counts where it
/// stands alone (the forms of short credentials).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Kind {
    form: Form,
    alone: bool,
}

/// Every form of every credential in one automaton, so that a text is
/// read once.
struct Search {
    automaton: AhoCorasick,
    kinds: Vec<Kind>,
}

/// Finds and removes the forms of a fixed set of credentials.
pub struct Redactor {
    search: Option<Search>,
    /// Whether some credential is long (has forms that go anywhere).
    long: bool,
    /// Shortest base64 run worth decoding.
    min_run: usize,
    /// Whether some credential holds a space (then `+` may stand for it).
    spaces: bool,
    /// Base64 characters only a short credential decides (at some byte
    /// offset, in some form): a base64 run is decoded only when it holds
    /// one, or always when a credential is too short to have them.
    hints: Hints,
}

enum Hints {
    Never,
    Some(AhoCorasick),
    Always,
}

impl Redactor {
    fn new(secrets: &[String]) -> Redactor {
        let mut patterns: Vec<(Vec<u8>, Kind)> = Vec::new();
        let mut hints: Vec<Vec<u8>> = Vec::new();
        for s in secrets {
            let long = s.chars().count() >= LONG;
            let (forms, h) = forms(s, long);
            for (p, form) in forms {
                let kind = Kind { form, alone: !long };
                if !patterns.iter().any(|(q, k)| *q == p && *k == kind) {
                    patterns.push((p, kind));
                }
            }
            hints.extend(h);
        }
        let search = (!patterns.is_empty()).then(|| Search {
            automaton: AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(p, _)| p))
                .expect("literal patterns always build"),
            kinds: patterns.iter().map(|(_, k)| *k).collect(),
        });
        let hints = if hints.is_empty() {
            Hints::Never
        } else if hints.iter().any(|h| h.len() < 2) {
            Hints::Always
        } else {
            Hints::Some(AhoCorasick::new(&hints).expect("literal patterns always build"))
        };
        let shortest = secrets.iter().map(String::len).min().unwrap_or(1);
        Redactor {
            search,
            long: secrets.iter().any(|s| s.chars().count() >= LONG),
            min_run: (shortest * 4).div_ceil(3).max(2),
            spaces: secrets.iter().any(|s| s.contains(' ')),
            hints,
        }
    }

    fn is_empty(&self) -> bool {
        self.search.is_none()
    }

    /// `text` without any credential, or `None` when it holds none.
    pub fn text(&self, text: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut spans = Vec::new();
        self.spans(text.as_bytes(), 0, true, &mut spans);
        (!spans.is_empty())
            .then(|| String::from_utf8_lossy(&replace(text.as_bytes(), spans)).into_owned())
    }

    /// The last net over bytes about to be written: the forms of long
    /// credentials, undecoded. Everything finer ran on each value before.
    pub fn literal(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let search = self.search.as_ref().filter(|_| self.long)?;
        let mut spans = Vec::new();
        search_in(search, bytes, false, &mut spans);
        (!spans.is_empty()).then(|| replace(bytes, spans))
    }

    /// A copy of `v` with every credential removed from its strings,
    /// object keys and numbers, or `None` when it holds none.
    pub fn json(&self, v: &Value) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        match v {
            Value::String(s) => self.text(s).map(Value::String),
            Value::Number(n) => self
                .text(&n.to_string())
                .map(|_| Value::String(REDACTED.into())),
            Value::Array(items) => {
                let mut out: Option<Vec<Value>> = None;
                for (i, item) in items.iter().enumerate() {
                    match (self.json(item), out.as_mut()) {
                        (Some(clean), Some(o)) => o.push(clean),
                        (Some(clean), None) => {
                            let mut o = items[..i].to_vec();
                            o.push(clean);
                            out = Some(o);
                        }
                        (None, Some(o)) => o.push(item.clone()),
                        (None, None) => {}
                    }
                }
                out.map(Value::Array)
            }
            Value::Object(map) => {
                let cleaned: Vec<(Option<String>, Option<Value>)> = map
                    .iter()
                    .map(|(k, v)| (self.text(k), self.json(v)))
                    .collect();
                if cleaned.iter().all(|(k, v)| k.is_none() && v.is_none()) {
                    return None;
                }
                let mut out = serde_json::Map::new();
                for ((key, value), (new_key, new_value)) in map.iter().zip(cleaned) {
                    let mut key = new_key.unwrap_or_else(|| key.clone());
                    // Two keys redacted alike must not overwrite each other.
                    let base = key.clone();
                    let mut n = 1;
                    while out.contains_key(&key) {
                        n += 1;
                        key = format!("{base} ({n})");
                    }
                    out.insert(key, new_value.unwrap_or_else(|| value.clone()));
                }
                Some(Value::Object(out))
            }
            _ => None,
        }
    }

    /// A TOML document without any credential: each string value as it
    /// decodes (so an escaped form is found as the raw one), then the
    /// whole text (comments, keys). `None` when it holds none, or when the
    /// text is not TOML.
    pub fn toml(&self, text: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
        let mut changed = false;
        self.toml_table(doc.as_table_mut(), &mut changed);
        let values_done = if changed {
            doc.to_string()
        } else {
            text.to_string()
        };
        match self.text(&values_done) {
            Some(clean) => Some(clean),
            None => changed.then_some(values_done),
        }
    }

    fn toml_table(&self, t: &mut dyn toml_edit::TableLike, changed: &mut bool) {
        for (_, item) in t.iter_mut() {
            match item {
                toml_edit::Item::Table(t) => self.toml_table(t, changed),
                toml_edit::Item::ArrayOfTables(a) => {
                    for t in a.iter_mut() {
                        self.toml_table(t, changed);
                    }
                }
                toml_edit::Item::Value(v) => self.toml_value(v, changed),
                toml_edit::Item::None => {}
            }
        }
    }

    fn toml_value(&self, v: &mut toml_edit::Value, changed: &mut bool) {
        match v {
            toml_edit::Value::String(s) => {
                if let Some(clean) = self.text(s.value()) {
                    let decor = s.decor().clone();
                    let mut new = toml_edit::Formatted::new(clean);
                    *new.decor_mut() = decor;
                    *s = new;
                    *changed = true;
                }
            }
            toml_edit::Value::InlineTable(t) => self.toml_table(t, changed),
            toml_edit::Value::Array(a) => {
                for x in a.iter_mut() {
                    self.toml_value(x, changed);
                }
            }
            _ => {}
        }
    }

    /// Byte ranges of `hay` that hold a credential. `text` says whether
    /// `hay` is text, where short credentials are looked for.
    fn spans(&self, hay: &[u8], depth: u8, text: bool, out: &mut Vec<Range<usize>>) {
        if let Some(s) = &self.search {
            search_in(s, hay, text, out);
        }
        // Bytes decoded into something that is not text hold no further
        // encoding of a credential; their raw forms were looked for above.
        if depth >= DEPTH || !text {
            return;
        }
        for plus in [false, true] {
            if plus && !(self.spaces && hay.contains(&b'+')) {
                continue;
            }
            if let Some((decoded, map)) = percent_decode(hay, plus) {
                let mut inner = Vec::new();
                let is_text = std::str::from_utf8(&decoded).is_ok();
                self.spans(&decoded, depth + 1, is_text, &mut inner);
                out.extend(
                    inner
                        .into_iter()
                        .map(|r| map[r.start].start..map[r.end - 1].end),
                );
            }
        }
        for run in base64_runs(hay, self.min_run) {
            let worth = match &self.hints {
                Hints::Never => false,
                Hints::Some(h) => h.is_match(&hay[run.clone()]),
                Hints::Always => true,
            };
            if !worth {
                continue;
            }
            let normal = normalise_base64(&hay[run.clone()]);
            if (0..4.min(normal.len())).any(|shift| {
                decode_base64(&normal[shift..]).is_some_and(|d| {
                    let mut inner = Vec::new();
                    let is_text = std::str::from_utf8(&d).is_ok();
                    self.spans(&d, depth + 1, is_text, &mut inner);
                    !inner.is_empty()
                })
            }) {
                out.push(run);
            }
        }
    }
}

/// Spans of `hay` matched by the forms of long credentials and, when `hay`
/// is `text`, by those of short ones where they stand alone.
fn search_in(s: &Search, hay: &[u8], text: bool, out: &mut Vec<Range<usize>>) {
    for m in s.automaton.find_overlapping_iter(hay) {
        let r = m.range();
        let kind = s.kinds[m.pattern().as_usize()];
        if kind.alone && !text {
            continue;
        }
        match kind.form {
            Form::Text if !kind.alone || stands_alone(hay, &r) => out.push(r),
            Form::Base64 if !kind.alone || base64_alone(hay, &r) => out.push(widen(hay, r)),
            _ => {}
        }
    }
}

/// Every pattern for one credential.
///
/// A long credential's base64 forms are the characters only it decides, at
/// each byte offset: of itself, of its JSON-escaped and percent-encoded
/// selves (a login body, a query), and of its base64 (base64 twice). A
/// short one's are whole encodings that must stand alone; the characters
/// only it decides in a larger blob are returned as hints: a base64 run
/// that holds one is decoded and searched.
fn forms(s: &str, long: bool) -> (Vec<Pattern>, Vec<Vec<u8>>) {
    let mut out: Vec<Pattern> = Vec::new();
    let mut hints: Vec<Vec<u8>> = Vec::new();
    let mut push = |p: Vec<u8>, f: Form| {
        if !p.is_empty() && !out.iter().any(|(q, g)| *q == p && *g == f) {
            out.push((p, f));
        }
    };
    let escaped = escapes(s);
    for e in &escaped {
        push(e.clone().into_bytes(), Form::Text);
    }
    let mut encodable = vec![escaped[0].clone()];
    for t in [json_escape(s, Style::Plain), percent(s)] {
        if !encodable.contains(&t) {
            encodable.push(t);
        }
    }
    for t in &encodable {
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            for k in 0..3 {
                let c = core(engine, t.as_bytes(), k);
                if long {
                    push(c, Form::Base64);
                } else {
                    hints.push(c);
                }
            }
            if !long {
                push(engine.encode(t).into_bytes(), Form::Base64);
            }
        }
    }
    if long {
        for inner in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let once = inner.encode(s);
            for outer in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                for k in 0..3 {
                    push(core(outer, once.as_bytes(), k), Form::Base64);
                }
            }
        }
    }
    (out, hints)
}

/// Percent-encoding of all but unreserved characters, as most clients
/// send it (the decoding pass finds every other mix).
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The base64 characters that depend only on `s` when `s` starts `k`
/// bytes into a 3-byte group of a larger blob.
fn core(engine: &GeneralPurpose, s: &[u8], k: usize) -> Vec<u8> {
    let mut buf = vec![0u8; k];
    buf.extend_from_slice(s);
    let enc = engine.encode(&buf).into_bytes();
    let from = (8 * k).div_ceil(6);
    let to = 8 * (k + s.len()) / 6;
    enc[from.min(to)..to].to_vec()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// serde_json, Go without HTML escaping: `"`, `\`, control characters.
    Plain,
    /// Python's default and JavaScript's JSON.stringify of ASCII: also
    /// non-ASCII as `\uxxxx`.
    Ascii,
    /// The same with upper-case hex (Java, .NET).
    AsciiUpper,
    /// Go's encoding/json: `<`, `>`, `&` as `\u003c`…
    Html,
    /// PHP: also `/` as `\/`, non-ASCII as `\uxxxx`.
    Slashes,
}

/// The credential raw, then JSON-escaped in each style (the first two are
/// raw and the plain escape).
fn escapes(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    for style in [
        Style::Plain,
        Style::Ascii,
        Style::AsciiUpper,
        Style::Html,
        Style::Slashes,
    ] {
        let e = json_escape(s, style);
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

fn json_escape(s: &str, style: Style) -> String {
    let upper = style == Style::AsciiUpper;
    let hex = |u: u32| {
        if upper {
            format!("\\u{u:04X}")
        } else {
            format!("\\u{u:04x}")
        }
    };
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '/' if style == Style::Slashes => out.push_str("\\/"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if style == Style::Html => {
                out.push_str(&hex(c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&hex(c as u32)),
            c if !c.is_ascii()
                && matches!(style, Style::Ascii | Style::AsciiUpper | Style::Slashes) =>
            {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&hex(u32::from(*u)));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn char_before(hay: &[u8], pos: usize) -> Option<char> {
    (1..=4.min(pos)).find_map(|n| {
        std::str::from_utf8(&hay[pos - n..pos])
            .ok()
            .and_then(|s| s.chars().next_back())
    })
}

fn char_at(hay: &[u8], pos: usize) -> Option<char> {
    (1..=4.min(hay.len().saturating_sub(pos))).find_map(|n| {
        std::str::from_utf8(&hay[pos..pos + n])
            .ok()
            .and_then(|s| s.chars().next())
    })
}

/// Whether a letter, digit or `_` comes right before `pos`. The end of an
/// escape (`\n`, `\u00e9`, `%22`) is a separator, not a letter.
fn word_before(hay: &[u8], pos: usize) -> bool {
    if !char_before(hay, pos).is_some_and(is_word) {
        return false;
    }
    let h = &hay[..pos];
    let n = h.len();
    let hex = |b: &[u8]| b.iter().all(u8::is_ascii_hexdigit);
    let short_escape =
        n >= 2 && h[n - 2] == b'\\' && matches!(h[n - 1], b'n' | b'r' | b't' | b'b' | b'f');
    let unicode = n >= 6 && h[n - 6] == b'\\' && h[n - 5] == b'u' && hex(&h[n - 4..]);
    let percent = n >= 3 && h[n - 3] == b'%' && hex(&h[n - 2..]);
    !(short_escape || unicode || percent)
}

fn stands_alone(hay: &[u8], r: &Range<usize>) -> bool {
    !word_before(hay, r.start) && !char_at(hay, r.end).is_some_and(is_word)
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Whether a base64 form stands alone: no letter or digit right before
/// it or right after its padding (`/` and `+` also separate the segments
/// of a path or a query).
fn base64_alone(hay: &[u8], r: &Range<usize>) -> bool {
    let before = r.start > 0 && hay[r.start - 1].is_ascii_alphanumeric();
    let mut end = r.end;
    while end < hay.len() && hay[end] == b'=' {
        end += 1;
    }
    let after = end < hay.len() && hay[end].is_ascii_alphanumeric();
    !before && !after
}

/// The whole base64 run (with its padding) around a match.
fn widen(hay: &[u8], r: Range<usize>) -> Range<usize> {
    let mut a = r.start;
    while a > 0 && is_base64(hay[a - 1]) {
        a -= 1;
    }
    let mut b = r.end;
    while b < hay.len() && is_base64(hay[b]) {
        b += 1;
    }
    while b < hay.len() && hay[b] == b'=' {
        b += 1;
    }
    a..b
}

/// Runs of base64 characters at least `min` long, with their padding.
fn base64_runs(hay: &[u8], min: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        if !is_base64(hay[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < hay.len() && is_base64(hay[i]) {
            i += 1;
        }
        let chars = i - start;
        while i < hay.len() && hay[i] == b'=' {
            i += 1;
        }
        if chars >= min {
            out.push(start..i);
        }
    }
    out
}

/// A base64 run without its padding, in the standard alphabet.
fn normalise_base64(run: &[u8]) -> Vec<u8> {
    run.iter()
        .take_while(|b| **b != b'=')
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => *b,
        })
        .collect()
}

/// Decodes base64 (see [`normalise_base64`]), whatever its length.
fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    // One character left over carries no whole byte.
    let len = body.len() - usize::from(body.len() % 4 == 1);
    if len < 2 {
        return None;
    }
    LENIENT.decode(&body[..len]).ok()
}

/// Percent-decoded bytes (`+` as a space when `plus`) and, for each, the
/// bytes of `hay` it came from; `None` when nothing was encoded.
fn percent_decode(hay: &[u8], plus: bool) -> Option<(Vec<u8>, Vec<Range<usize>>)> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(hay.len());
    let mut map = Vec::with_capacity(hay.len());
    let mut changed = false;
    let mut i = 0;
    while i < hay.len() {
        if hay[i] == b'%'
            && i + 2 < hay.len()
            && let (Some(h), Some(l)) = (hex(hay[i + 1]), hex(hay[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            map.push(i..i + 3);
            i += 3;
            changed = true;
            continue;
        }
        if plus && hay[i] == b'+' {
            out.push(b' ');
            changed = true;
        } else {
            out.push(hay[i]);
        }
        map.push(i..i + 1);
        i += 1;
    }
    changed.then_some((out, map))
}

/// `hay` with each span (merged where they touch) replaced by the marker.
fn replace(hay: &[u8], mut spans: Vec<Range<usize>>) -> Vec<u8> {
    spans.sort_by_key(|r| (r.start, r.end));
    let mut out = Vec::with_capacity(hay.len());
    let mut at = 0;
    let mut i = 0;
    while i < spans.len() {
        let start = spans[i].start.max(at);
        let mut end = spans[i].end;
        i += 1;
        while i < spans.len() && spans[i].start <= end {
            end = end.max(spans[i].end);
            i += 1;
        }
        if end <= at {
            continue;
        }
        out.extend_from_slice(&hay[at..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        at = end;
    }
    out.extend_from_slice(&hay[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use serde_json::json;

    fn ring(user: &str, password: &str) -> Arc<Redactor> {
        let k = Keyring::default();
        k.add_password(user, password);
        k.redactor()
    }

    /// Percent-encoding with lower-case hex digits.
    fn lower_hex(enc: &str) -> String {
        let mut out = String::new();
        let mut hex_left = 0;
        for c in enc.chars() {
            if c == '%' {
                hex_left = 2;
                out.push(c);
            } else if hex_left > 0 {
                hex_left -= 1;
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    fn clean(r: &Redactor, text: &str) -> String {
        r.text(text).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn a_long_password_goes_in_every_form() {
        let pw = "Sup3r\"Secret\\Pw é密";
        let r = ring("msruser", pw);
        let json = serde_json::to_string(pw).unwrap();
        let basic = STANDARD.encode(format!("msruser:{pw}"));
        let texts = [
            format!("raw {pw} raw"),
            format!("escaped {}", &json[1..json.len() - 1]),
            format!("ascii {}", json_escape(pw, Style::Ascii)),
            format!("upper {}", json_escape(pw, Style::AsciiUpper)),
            format!("url ?p={}", super::super::percent_encode(pw)),
            format!(
                "form ?p={}",
                super::super::percent_encode(pw).replace("%20", "+")
            ),
            format!("lower {}", lower_hex(&super::super::percent_encode(pw))),
            format!("Authorization: Basic {basic}"),
            format!("b64 {}", STANDARD.encode(pw)),
            format!("b64url {}", URL_SAFE.encode(pw)),
            format!("nopad {}", URL_SAFE_NO_PAD.encode(pw)),
        ];
        for t in &texts {
            let out = clean(&r, t);
            assert!(out.contains(REDACTED), "{t} -> {out}");
            assert!(
                !out.contains("Secret") && !out.contains("3r"),
                "{t} -> {out}"
            );
        }
        // Inside a larger blob, at each byte offset.
        for prefix in ["", "x", "xy"] {
            let blob = STANDARD.encode(format!("{prefix}{{\"password\":{json}}}"));
            let out = clean(&r, &format!("blob={blob};"));
            assert_eq!(out, format!("blob={REDACTED};"), "offset {}", prefix.len());
        }
        // The same text twice encoded: base64 of the Basic header.
        let twice = STANDARD.encode(format!("Basic {basic}"));
        assert_eq!(clean(&r, &twice), REDACTED);
    }

    #[test]
    fn the_readme_example() {
        let r = ring("auditor", "hunter2");
        assert_eq!(
            clean(
                &r,
                "login failed for password hunter2 (Authorization: Basic YXVkaXRvcjpodW50ZXIy)"
            ),
            "login failed for password [REDACTED] (Authorization: Basic [REDACTED])"
        );
    }

    #[test]
    fn a_short_password_goes_only_where_it_stands_alone() {
        let r = ring("admin", "hunter2");
        assert_eq!(
            clean(&r, "login failed for password hunter2"),
            "login failed for password [REDACTED]"
        );
        assert_eq!(clean(&r, "hunter2"), REDACTED);
        assert_eq!(clean(&r, "\"hunter2\","), "\"[REDACTED]\",");
        // Part of a longer word: an ordinary word, kept.
        assert_eq!(r.text("hunter2s and xhunter2 and hunter22"), None);
        // After an escape or a percent-encoded character it stands alone.
        assert_eq!(clean(&r, "a\\nhunter2"), "a\\n[REDACTED]");
        assert_eq!(clean(&r, "q=%22hunter2%22"), "q=%22[REDACTED]%22");
        // Base64 of it alone, and of a login body holding it.
        assert_eq!(clean(&r, "aHVudGVyMg=="), REDACTED);
        // A base64 run goes whole, `/` included (it is a base64 character).
        assert_eq!(
            clean(&r, "/accounts/aHVudGVyMg%3D%3D/teams"),
            format!("{REDACTED}/teams")
        );
        // Base64 of a longer word that starts with it: kept.
        assert_eq!(r.text("aHVudGVyMnM="), None);
        let body = STANDARD.encode(r#"{"username":"admin","password":"hunter2"}"#);
        assert_eq!(
            clean(&r, &format!("echo {body}")),
            format!("echo {REDACTED}")
        );
        // Basic of user:password is long: it goes anywhere.
        let basic = STANDARD.encode("admin:hunter2");
        assert_eq!(clean(&r, &format!("x{basic}")), REDACTED);
    }

    #[test]
    fn short_non_ascii_passwords_and_percent_encoding() {
        let pw = "é\"\\%";
        let r = ring("u", pw);
        let enc = super::super::percent_encode(pw);
        assert_eq!(
            clean(&r, &format!("p={enc}&x=1")),
            format!("p={REDACTED}&x=1")
        );
        assert_eq!(
            clean(&r, &format!("p={}&x=1", lower_hex(&enc))),
            format!("p={REDACTED}&x=1")
        );
        assert_eq!(
            clean(&r, r#"{"password":"é\"\\%"}"#),
            r#"{"password":"[REDACTED]"}"#
        );
        assert_eq!(clean(&r, r#""\u00e9\"\\%""#), r#""[REDACTED]""#);
        // Percent-encoded inside base64, base64 inside percent-encoding.
        let blob = STANDARD.encode(format!("p={enc}&q=1"));
        assert_eq!(clean(&r, &format!("x {blob}")), format!("x {REDACTED}"));
        let b64 = super::percent(&STANDARD.encode(pw));
        assert_eq!(clean(&r, &format!("a={b64}&")), format!("a={REDACTED}&"));
        // Ordinary text with a % sign is left alone.
        assert_eq!(r.text("100% done, café"), None);
        // A space may come as + in a form body.
        let r = ring("u", "a b");
        assert_eq!(clean(&r, "p=a+b&q=1"), format!("p={REDACTED}&q=1"));
        assert_eq!(r.text("a+bc"), None);
    }

    #[test]
    fn tokens_and_their_jwt_parts() {
        let k = Keyring::default();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXBhcnQ";
        k.add_token(jwt);
        let r = k.redactor();
        assert_eq!(
            clean(&r, &format!("Bearer {jwt}")),
            format!("Bearer {REDACTED}")
        );
        assert_eq!(
            clean(&r, "kid eyJzdWIiOiJhZG1pbiJ9 sig"),
            format!("kid {REDACTED} sig")
        );
    }

    #[test]
    fn json_values_keys_and_numbers() {
        let r = ring("admin", "4321");
        let v = json!({"4321": "x", "n": 4321, "m": 43210, "s": ["a", "pw 4321"], "ok": true});
        let out = r.json(&v).unwrap();
        assert_eq!(
            out,
            json!({"[REDACTED]": "x", "n": "[REDACTED]", "m": 43210, "s": ["a", "pw [REDACTED]"], "ok": true})
        );
        assert_eq!(r.json(&json!({"a": [1, "b"]})), None);
        // Keys redacted alike stay apart.
        let r = ring("admin", "secret-password");
        let v = json!({"secret-password": 1, "Basic secret-password": 2});
        let out = r.json(&v).unwrap();
        assert_eq!(out, json!({"[REDACTED]": 1, "Basic [REDACTED]": 2}));
    }

    #[test]
    fn toml_values_as_they_decode_and_the_text_around_them() {
        let pw = "é\"\\%";
        let r = ring("admin", pw);
        // The value holds the JSON-escaped password, itself escaped for TOML.
        let twice = serde_json::to_string(&serde_json::to_string(pw).unwrap()).unwrap();
        let text = format!("# pw {pw}\n[a]\n  x = {twice} # kept\n  y = \"plain\"\n");
        let out = r.toml(&text).unwrap();
        assert_eq!(
            out,
            "# pw [REDACTED]\n[a]\n  x = '\"[REDACTED]\"' # kept\n  y = \"plain\"\n"
        );
        assert_eq!(r.toml("[a]\nx = 1\n"), None);
    }

    #[test]
    fn the_last_net_finds_long_forms_only() {
        let r = ring("admin", "correct-horse");
        assert_eq!(
            r.literal(b"a \"correct-horse\" b").unwrap(),
            b"a \"[REDACTED]\" b"
        );
        assert_eq!(ring("admin", "true").literal(b"{\"a\": true}"), None);
    }

    #[test]
    fn nothing_known_nothing_changed() {
        let k = Keyring::default();
        assert_eq!(k.redactor().text("anything at all"), None);
    }
}
