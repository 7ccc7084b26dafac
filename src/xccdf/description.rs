//! DISA's rule `<description>`: an escaped pseudo-XML fragment
//! (`<VulnDiscussion>…</VulnDiscussion><FalsePositives>…`) with eleven
//! fields in a fixed order. Older STIGs put raw `&` and `<` inside it, so it
//! is split by tag names rather than parsed as XML.

use crate::model::Discussion;

/// The eleven fields, in the order DISA writes them.
const TAGS: [&str; 11] = [
    "VulnDiscussion",
    "FalsePositives",
    "FalseNegatives",
    "Documentable",
    "Mitigations",
    "SeverityOverrideGuidance",
    "PotentialImpacts",
    "ThirdPartyTools",
    "MitigationControl",
    "Responsibility",
    "IAControls",
];

/// Splits a rule description (already unescaped once by the XML reader).
/// Text without any of the tags is taken as the whole discussion.
pub fn split(text: &str) -> Discussion {
    if !text.contains("<VulnDiscussion") {
        return Discussion {
            vuln_discussion: text.to_string(),
            ..Discussion::default()
        };
    }
    // Fields come in a fixed order, so each search starts where the last
    // field ended; a field out of order is still found from the start.
    let mut cursor = 0;
    let [vd, fp, fneg, doc, mit, sog, pi, tpt, mc, resp, ia] = TAGS.map(|tag| {
        let (value, end) = field(text, tag, cursor)
            .or_else(|| field(text, tag, 0))
            .unwrap_or_default();
        cursor = cursor.max(end);
        value
    });
    Discussion {
        vuln_discussion: vd,
        false_positives: fp,
        false_negatives: fneg,
        documentable: doc,
        mitigations: mit,
        severity_override_guidance: sog,
        potential_impacts: pi,
        third_party_tools: tpt,
        mitigation_control: mc,
        responsibility: resp,
        ia_controls: ia,
    }
}

/// Content of `<tag>…</tag>` at or after `from`, with the fragment's own
/// escaping undone, and the offset after it. An unterminated field runs to
/// the end of the text rather than being lost.
fn field(text: &str, tag: &str, from: usize) -> Option<(String, usize)> {
    let rest = &text[from..];
    let at = rest.find(tag)?;
    // `tag` must sit inside `<…>`: check the surrounding brackets.
    let open_start = (from + at).checked_sub(1)?;
    let after = from + at + tag.len();
    if text.as_bytes()[open_start] != b'<' || text.as_bytes().get(after) != Some(&b'>') {
        return field(text, tag, after);
    }
    let start = after + 1;
    let (end, next) = match text[start..].find("</") {
        Some(i) if text[start + i + 2..].starts_with(tag) => {
            // Past `</tag`, and its `>` when there is one: what follows a
            // damaged end tag may be any character.
            let close = start + i + 2 + tag.len();
            let gt = usize::from(text.as_bytes().get(close) == Some(&b'>'));
            (start + i, close + gt)
        }
        _ => match text[start..].find(&format!("</{tag}>")) {
            Some(i) => (start + i, start + i + tag.len() + 3),
            None => (text.len(), text.len()),
        },
    };
    Some((unescape_lenient(&text[start..end]), next))
}

/// Resolves the predefined entities and character references in a
/// fragment, leaving any stray `&` untouched (old STIGs contain them).
pub fn unescape_lenient(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let resolved = rest[1..].find(';').filter(|&n| n <= 10).and_then(|n| {
            let name = &rest[1..=n];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, n + 2))
        });
        match resolved {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `xccdf` fuzz target: an end tag followed by a
    /// multi-byte character instead of `>` made the next search start
    /// inside that character.
    #[test]
    fn a_damaged_end_tag_before_a_multibyte_character() {
        let d = split("<VulnDiscussion>a</VulnDiscussionڝ<FalsePositives>b</FalsePositives>");
        assert_eq!(d.vuln_discussion, "a");
        assert_eq!(d.false_positives, "b");
    }

    #[test]
    fn splits_the_eleven_fields() {
        let d = split(
            "<VulnDiscussion>Use TLS.\n\nAlways.</VulnDiscussion><FalsePositives></FalsePositives>\
             <FalseNegatives></FalseNegatives><Documentable>false</Documentable><Mitigations>m</Mitigations>\
             <SeverityOverrideGuidance>s</SeverityOverrideGuidance><PotentialImpacts>p</PotentialImpacts>\
             <ThirdPartyTools>t</ThirdPartyTools><MitigationControl>mc</MitigationControl>\
             <Responsibility>r</Responsibility><IAControls>ia</IAControls>",
        );
        assert_eq!(d.vuln_discussion, "Use TLS.\n\nAlways.");
        assert_eq!(d.documentable, "false");
        assert_eq!(d.severity_override_guidance, "s");
        assert_eq!(d.potential_impacts, "p");
        assert_eq!(d.ia_controls, "ia");
    }

    #[test]
    fn tolerates_raw_ampersands_and_missing_tags() {
        let d = split("<VulnDiscussion>a & b &lt;c&gt; &#x26; &bogus;</VulnDiscussion>");
        assert_eq!(d.vuln_discussion, "a & b <c> & &bogus;");
        assert_eq!(d.false_positives, "");
        assert_eq!(split("plain text").vuln_discussion, "plain text");
        // An unterminated field runs to the end rather than being lost.
        assert_eq!(split("<VulnDiscussion>cut off").vuln_discussion, "cut off");
    }
}
