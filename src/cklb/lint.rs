//! Raw CKLB checks: what the lenient reader forgives (status spellings,
//! encoding). Findings carry no CKLB spelling the caller must know.

use crate::model::{Finding, Level};
use serde_json::Value;

/// The statuses STIG Viewer 3 writes and STIG Manager maps, spelt exactly so.
const STATUSES: [&str; 4] = ["not_a_finding", "open", "not_applicable", "not_reviewed"];

/// Checks a CKLB's bytes. JSON that does not parse is left to the reader,
/// whose error names the path, line and column.
pub fn lint(bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let body = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => {
            // JSON forbids a byte-order mark (RFC 8259 §8.1); a browser's
            // JSON.parse, as in STIG Manager's web client, fails on it.
            out.push(Finding::new(
                Level::Warning,
                "encoding",
                "the file starts with a UTF-8 byte-order mark, which JSON does not allow; strict JSON parsers refuse it",
            ));
            rest
        }
        None => bytes,
    };
    if let Err(e) = std::str::from_utf8(body) {
        let (line, column) =
            crate::xml::line_column(&String::from_utf8_lossy(body), e.valid_up_to());
        out.push(Finding::new(
            Level::Error,
            "encoding",
            format!("line {line}, column {column}: invalid UTF-8; save the file as UTF-8"),
        ));
        return out;
    }
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return out;
    };
    let Some(stigs) = doc.get("stigs").and_then(Value::as_array) else {
        return out;
    };
    for stig in stigs {
        let stig_id = text(stig, "stig_id");
        let Some(rules) = stig.get("rules").and_then(Value::as_array) else {
            continue;
        };
        for rule in rules {
            let rule_id = match text(rule, "rule_id_src") {
                "" => text(rule, "rule_id"),
                id => id,
            };
            let at = |f: Finding| f.stig(stig_id).rule(rule_id, text(rule, "group_id"));
            match rule.get("status") {
                None | Some(Value::Null) => out.push(at(Finding::new(
                    Level::Error,
                    "missing-status",
                    "no status: STIG Manager drops the review",
                ))),
                Some(Value::String(s)) if STATUSES.contains(&s.as_str()) => {}
                Some(other) => {
                    let shown = other
                        .as_str()
                        .map_or_else(|| other.to_string(), str::to_string);
                    out.push(at(Finding::new(
                        Level::Error,
                        "status-spelling",
                        format!(
                            "status '{shown}' is not one of {}: STIG Viewer and STIG Manager do not recognise it and drop the review",
                            STATUSES.join(", ")
                        ),
                    )))
                }
            }
        }
    }
    out
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_status_spelling_and_encoding() {
        let doc = r#"{"stigs":[{"stig_id":"X_STIG","rules":[
            {"rule_id_src":"SV-1r1_rule","status":"not_a_finding"},
            {"rule_id_src":"SV-2r1_rule","status":"NotAFinding"},
            {"group_id":"V-3","status":null}]}]}"#;
        let f = lint(doc.as_bytes());
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.code, f.stig.as_deref(), f.rule.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("status-spelling", Some("X_STIG"), Some("SV-2r1_rule")),
                ("missing-status", Some("X_STIG"), Some("V-3")),
            ]
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), b"{\"stigs\":[]}"].concat();
        assert_eq!(lint(&bom)[0].level, Level::Warning);
        assert_eq!(lint(b"{\"a\":\"\xFF\"}")[0].code, "encoding");
    }
}
