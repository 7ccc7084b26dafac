//! From XCCDF's words to the model's: the result mapping table, the tool
//! that produced a result, and the asset.

use super::parse::{Override, ResultEngine, RuleResult, TestResult};
use crate::model::{Asset, EVALUATE_STIG, Engine, ROLES, Status};

/// The XCCDF 1.2 result values (§6.6.4.4), and the checklist status each
/// becomes. STIG Manager's importer (the oracle) maps everything but pass,
/// fail and notapplicable to notchecked; stigkit does the same except for
/// `fixed`, which XCCDF scores as a pass: the rule had failed and the tool
/// fixed it (OpenSCAP reports `fixed` only when the check run again after
/// remediation passes). Reading it as Not_Reviewed would send a person to
/// redo a check the tool already passed.
pub(super) const RESULTS: [(&str, Status); 9] = [
    ("pass", Status::NotAFinding),
    ("fail", Status::Open),
    ("notapplicable", Status::NotApplicable),
    ("fixed", Status::NotAFinding),
    ("notchecked", Status::NotReviewed),
    ("notselected", Status::NotReviewed),
    ("informational", Status::NotReviewed),
    ("error", Status::NotReviewed),
    ("unknown", Status::NotReviewed),
];

/// The status of one result word; `None` for a word XCCDF does not define.
pub(super) fn status(result: &str) -> Option<Status> {
    RESULTS
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(result))
        .map(|(_, s)| *s)
}

/// Whether the checklist status alone says what the XCCDF result was. When
/// it does not (Not_Reviewed covers five words, NotAFinding also `fixed`),
/// the reader writes the word into the finding details.
pub(super) fn status_tells(result: &str) -> bool {
    ["pass", "fail", "notapplicable"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(result))
}

/// Several results for one rule (XCCDF instances, or a file that repeats a
/// rule) make one review: met only when every result says so, the way
/// XCCDF combines the checks of a rule (an AND). Open wins, then
/// Not_Reviewed; Not_Applicable counts only when all results are.
pub(super) fn combine(statuses: impl IntoIterator<Item = Status>) -> Status {
    let rank = |s: Status| match s {
        Status::Open => 3,
        Status::NotReviewed => 2,
        Status::NotAFinding => 1,
        Status::NotApplicable => 0,
    };
    statuses
        .into_iter()
        .max_by_key(|s| rank(*s))
        .unwrap_or(Status::NotReviewed)
}

/// Who wrote the file, which decides whose reviews its results are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Producer {
    /// A STIG Manager export: people's reviews, except those carrying an
    /// `sm:resultEngine`.
    StigManager,
    /// stigkit's own export: like STIG Manager's, and its `notchecked` is
    /// how it writes Not_Reviewed, so the word needs no note.
    Stigkit,
    /// A scanner or script (SCC, OpenSCAP, Evaluate-STIG…).
    Tool,
}

/// Product and version from a `test-system` value: a CPE name
/// (`cpe:/a:spawar:scc:5.4.2`, `cpe:2.3:a:navsea:evaluate-stig:1.2407.1`),
/// or `product:version` as other tools write it.
pub(super) fn test_system(value: &str) -> (String, String) {
    let v = value.trim();
    let cpe = ["cpe:/", "cpe:2.3:"].iter().find_map(|p| {
        v.get(..p.len())
            .filter(|h| h.eq_ignore_ascii_case(p))
            .map(|_| &v[p.len()..])
    });
    let (product, version) = match cpe {
        // part:vendor:product:version:…
        Some(rest) => {
            let mut parts = rest.split(':').skip(2);
            (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
        }
        None => v.split_once(':').unwrap_or((v, "")),
    };
    (display_product(product), version.to_string())
}

/// The names reviewers know for the products seen in XCCDF results.
fn display_product(product: &str) -> String {
    match product.to_ascii_lowercase().as_str() {
        "scc" => "SCC".into(),
        "openscap" => "OpenSCAP".into(),
        "evaluate-stig" => EVALUATE_STIG.into(),
        "stig-manager" => "STIG Manager".into(),
        _ => product.to_string(),
    }
}

/// The tool behind one rule's result, or `None` for a person's decision.
///
/// A STIG Manager export holds people's reviews unless a review carries a
/// result engine, and so does a file that names no `test-system`. Results changed by an override (an Evaluate-STIG answer
/// file, an XCCDF `override`) are a person's answer too, as in the CKL and
/// CKLB readers.
pub(super) fn engine(
    producer: Producer,
    tool: &(String, String),
    rr: &RuleResult,
) -> Option<Engine> {
    if !rr.overrides.is_empty() {
        return None;
    }
    match &rr.engine {
        Some(ResultEngine { overrides, .. }) if !overrides.is_empty() => None,
        Some(e) => Some(Engine {
            product: display_product(&e.product),
            version: e.version.clone(),
        }),
        None if producer != Producer::Tool => None,
        // No test-system names no tool; STIGQter, which writes none,
        // exports its users' reviews.
        None if tool.0.is_empty() => None,
        None => Some(Engine {
            product: tool.0.clone(),
            version: tool.1.clone(),
        }),
    }
}

/// How an override reads in the comments.
pub(super) fn override_line(o: &Override) -> String {
    let mut line = String::from("Result");
    if !o.old_result.is_empty() || !o.new_result.is_empty() {
        let or_unstated = |s: &str| {
            if s.is_empty() {
                "(unstated)".to_string()
            } else {
                s.to_string()
            }
        };
        line.push_str(&format!(
            " changed from {} to {}",
            or_unstated(&o.old_result),
            or_unstated(&o.new_result)
        ));
    } else {
        line.push_str(" overridden");
    }
    if !o.authority.is_empty() {
        line.push_str(&format!(" by {}", o.authority));
    }
    if !o.time.is_empty() {
        line.push_str(&format!(" at {}", o.time));
    }
    line.push('.');
    line
}

/// Fact names stigkit recognises, after their namespace prefix.
const FACT_PREFIXES: [&str; 4] = [
    "urn:scap:fact:asset:identifier:",
    "urn:xccdf:fact:asset:identifier:",
    "fact:asset:identifier:",
    // STIG Manager's own tags; `metadata:` ones are free-form and kept.
    "tag:stig-manager@users.noreply.github.com,2020:asset:",
];

fn fact_key(name: &str) -> &str {
    FACT_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

fn is_stig_manager_fact(name: &str) -> bool {
    name.starts_with(FACT_PREFIXES[3])
}

/// The asset of the first TestResult, and its facts that have no asset
/// field, as `name: value` lines for the target comment.
///
/// The host name is the `target`, as STIG Manager imports it (its own
/// `asset:name` tag wins, as there); host name facts that differ are kept
/// as facts. Addresses come from `target-address`, else from the IP facts;
/// MACs, FQDN, role and web/database fields from the facts.
pub(super) fn asset(tr: &TestResult) -> (Asset, Vec<String>) {
    let mut a = Asset::default();
    let facts: Vec<(&str, &str, &str)> = tr
        .facts
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| (n.as_str(), fact_key(n), v.as_str()))
        .collect();
    let sm = |key: &str| {
        facts
            .iter()
            .find(|(n, k, _)| is_stig_manager_fact(n) && *k == key)
            .map(|(_, _, v)| v.to_string())
    };
    let all = |keys: &[&str]| -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for (_, k, v) in &facts {
            if keys.contains(k) && !seen.contains(v) {
                seen.push(v);
            }
        }
        seen
    };
    let first_target = tr.targets.iter().find(|t| !t.is_empty()).cloned();
    a.host_name = sm("name")
        .or(first_target)
        .or_else(|| {
            all(&["host_name", "hostname"])
                .first()
                .map(|s| s.to_string())
        })
        .unwrap_or_default();
    let addresses: Vec<&str> = tr
        .addresses
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    a.host_ip = sm("ip").unwrap_or_else(|| {
        if addresses.is_empty() {
            all(&["ipv4", "ipv6", "ipaddress"]).join(", ")
        } else {
            addresses.join(", ")
        }
    });
    a.host_mac = sm("mac").unwrap_or_else(|| all(&["mac", "macaddress"]).join(", "));
    a.host_fqdn = sm("fqdn")
        .or_else(|| all(&["fqdn"]).first().map(|s| s.to_string()))
        .unwrap_or_default();
    if let Some(role) = all(&["role"])
        .iter()
        .find_map(|r| ROLES.iter().find(|known| known.eq_ignore_ascii_case(r)))
    {
        a.role = role.to_string();
    }
    if let Some(v) = all(&["webordatabase"]).first() {
        a.web_or_database = v.eq_ignore_ascii_case("true");
    }
    a.web_db_site = all(&["site"])
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    a.web_db_instance = all(&["instance"])
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    if sm("noncomputing").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        a.asset_type = "Non-Computing".into();
    }
    a.target_comment = sm("description").unwrap_or_default();

    // A fact is kept as a line unless its value went into an asset field.
    let fields: Vec<(&[&str], &str)> = vec![
        (&["name", "host_name", "hostname"], &a.host_name),
        (&["ip", "ipv4", "ipv6", "ipaddress"], &a.host_ip),
        (&["mac", "macaddress"], &a.host_mac),
        (&["fqdn"], &a.host_fqdn),
        (&["role"], &a.role),
        (&["site"], &a.web_db_site),
        (&["instance"], &a.web_db_instance),
        (&["description"], &a.target_comment),
    ];
    let used = |key: &str, value: &str| {
        fields.iter().any(|(keys, field)| {
            keys.contains(&key) && (*field == value || field.split(", ").any(|p| p == value))
        }) || (key == "webordatabase" && value.eq_ignore_ascii_case(bool_str(a.web_or_database)))
            || (key == "noncomputing"
                && value.eq_ignore_ascii_case(bool_str(a.asset_type == "Non-Computing")))
    };
    let mut kept: Vec<String> = Vec::new();
    for (name, key, value) in &facts {
        let line = format!("{name}: {value}");
        if !used(key, value) && !kept.contains(&line) {
            kept.push(line);
        }
    }
    (a, kept)
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_xccdf_result_has_a_status() {
        assert_eq!(status("pass"), Some(Status::NotAFinding));
        assert_eq!(status("FAIL"), Some(Status::Open));
        assert_eq!(status("fixed"), Some(Status::NotAFinding));
        for w in [
            "notchecked",
            "notselected",
            "informational",
            "error",
            "unknown",
        ] {
            assert_eq!(status(w), Some(Status::NotReviewed), "{w}");
            assert!(!status_tells(w));
        }
        assert!(!status_tells("fixed"));
        assert_eq!(status("passed"), None);
    }

    #[test]
    fn combined_results_are_met_only_when_all_are() {
        use Status::*;
        assert_eq!(combine([NotAFinding, Open, NotReviewed]), Open);
        assert_eq!(combine([NotAFinding, NotReviewed]), NotReviewed);
        assert_eq!(combine([NotApplicable, NotAFinding]), NotAFinding);
        assert_eq!(combine([NotApplicable]), NotApplicable);
    }

    #[test]
    fn test_system_names_the_tool() {
        let t = |s: &str| test_system(s);
        assert_eq!(t("cpe:/a:spawar:scc:5.4.2"), ("SCC".into(), "5.4.2".into()));
        assert_eq!(
            t("cpe:/a:redhat:openscap:1.3.8"),
            ("OpenSCAP".into(), "1.3.8".into())
        );
        assert_eq!(
            t("cpe:2.3:a:navsea:evaluate-stig:1.2407.1"),
            ("Evaluate-STIG".into(), "1.2407.1".into())
        );
        assert_eq!(
            t("PAAuditEngine:6.5.3"),
            ("PAAuditEngine".into(), "6.5.3".into())
        );
        assert_eq!(t("MyTestSystem"), ("MyTestSystem".into(), String::new()));
    }
}
