//! DISA's rule `<description>`: an escaped pseudo-XML fragment
//! (`<VulnDiscussion>…</VulnDiscussion><FalsePositives>…`) with eleven
//! fields in a fixed order. Older STIGs put raw `&` and `<` inside it, so it
//! is split by tag names rather than parsed as XML.

use crate::model::Discussion;

/// Splits a rule description (already unescaped once by the XML reader).
/// Text without any of the tags is taken as the whole discussion.
pub fn split(text: &str) -> Discussion {
    if !text.contains("<VulnDiscussion") {
        return Discussion {
            vuln_discussion: text.to_string(),
            ..Discussion::default()
        };
    }
    Discussion {
        vuln_discussion: field(text, "VulnDiscussion"),
        false_positives: field(text, "FalsePositives"),
        false_negatives: field(text, "FalseNegatives"),
        documentable: field(text, "Documentable"),
        mitigations: field(text, "Mitigations"),
        severity_override_guidance: field(text, "SeverityOverrideGuidance"),
        potential_impacts: field(text, "PotentialImpacts"),
        third_party_tools: field(text, "ThirdPartyTools"),
        mitigation_control: field(text, "MitigationControl"),
        responsibility: field(text, "Responsibility"),
        ia_controls: field(text, "IAControls"),
    }
}

/// Content of `<tag>…</tag>`, with the fragment's own escaping undone.
fn field(text: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let Some(start) = text.find(&open).map(|i| i + open.len()) else {
        return String::new();
    };
    let close = format!("</{tag}>");
    let end = text[start..].find(&close).map_or(text.len(), |i| start + i);
    unescape_lenient(&text[start..end])
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
