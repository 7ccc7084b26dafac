//! Writing one STIG of a checklist as XCCDF 1.2 results: a `Benchmark`
//! holding the STIG's rules (so the file describes itself) and one
//! `TestResult` with a `rule-result` per rule.
//!
//! STIG Manager's own XCCDF export is the model: 1.2 namespace, DISA's
//! long-form ids (`xccdf_mil.disa.stig_rule_…`, which its importer strips),
//! and the review text in `sm:detail` / `sm:comment` inside the
//! `check-content` of each result, where its importer reads it. The asset
//! goes into `target`, `target-address` and SCC's
//! `urn:scap:fact:asset:identifier:*` facts.
//!
//! A severity override is the `rule-result@severity`; its justification,
//! which neither XCCDF nor STIG Manager has a place for, goes into
//! `stigkit:severity-justification` beside `sm:detail` (namespace
//! [`STIGKIT_NS`]). The tool that decided a review, when one did, is an
//! `sm:resultEngine`, as STIG Manager writes it.

use super::Error;
use crate::model::{
    Asset, ChecklistRule, Discussion, Severity, Status, StigChecklist, evidence_collected_at,
};
use std::fmt::Write as _;

/// XCCDF results word written for each status (see [`super::map::RESULTS`]
/// for the way back). Not_Reviewed is `notchecked`: "the rule was not
/// evaluated", which STIG Manager imports as not reviewed.
pub const WRITTEN: [(Status, &str); 4] = [
    (Status::NotAFinding, "pass"),
    (Status::Open, "fail"),
    (Status::NotApplicable, "notapplicable"),
    (Status::NotReviewed, "notchecked"),
];

/// The XCCDF result word for a status.
pub fn result_word(status: Status) -> &'static str {
    WRITTEN
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("notchecked", |(_, w)| w)
}

const XCCDF_NS: &str = "http://checklists.nist.gov/xccdf/1.2";
const SM_NS: &str = "http://github.com/nuwcdivnpt/stig-manager";
/// stigkit's namespace for review fields STIG Manager has no element for.
pub const STIGKIT_NS: &str = "urn:x-stigkit:xccdf-results:1";
/// Names stigkit as the publisher: the reader knows its own exports by it.
pub(super) const PUBLISHER: &str = "stigkit";
const FACT: &str = "urn:scap:fact:asset:identifier:";

/// XCCDF results for STIG `stig` of a checklist about `asset`. `now` is an
/// RFC 3339 time, the TestResult's end time.
pub fn write(asset: &Asset, stig: &StigChecklist, now: &str) -> Result<String, Error> {
    if asset.host_name.trim().is_empty() {
        return Err(Error::NoTarget);
    }
    let info = &stig.info;
    let mut x = String::with_capacity(4096 + stig.rules.len() * 2048);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<!-- stigkit {} -->", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        x,
        "<Benchmark xmlns=\"{XCCDF_NS}\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:sm=\"{SM_NS}\" xmlns:stigkit=\"{STIGKIT_NS}\" id=\"xccdf_mil.disa.stig_benchmark_{}\" xml:lang=\"en\">",
        id_part(&info.stig_id)
    );
    x.push_str("  <status>accepted</status>\n");
    elem(&mut x, 2, "title", &info.title);
    elem(&mut x, 2, "description", &info.description);
    if !info.notice.is_empty() {
        let _ = writeln!(x, "  <notice id=\"{}\"/>", attr(&info.notice));
    }
    if !info.source.is_empty() {
        let _ = writeln!(
            x,
            "  <reference><dc:source>{}</dc:source></reference>",
            text(&info.source)
        );
    }
    if !info.release_info.is_empty() {
        let _ = writeln!(
            x,
            "  <plain-text id=\"release-info\">{}</plain-text>",
            text(&info.release_info)
        );
    }
    elem(&mut x, 2, "version", &info.version);
    let _ = writeln!(
        x,
        "  <metadata><dc:creator>DISA</dc:creator><dc:publisher>{PUBLISHER}</dc:publisher></metadata>"
    );
    // A checklist may list a rule twice (lint calls it an error); XCCDF
    // ids must be unique, so each Group and Rule is defined once, while
    // every review still becomes a rule-result.
    let mut groups: Vec<(&str, Vec<&ChecklistRule>)> = Vec::new();
    for r in &stig.rules {
        match groups
            .iter_mut()
            .find(|(v, _)| id_part(v) == id_part(&r.rule.vuln_id))
        {
            Some((_, rules)) => {
                if !rules.iter().any(|o| rule_key(&o.rule) == rule_key(&r.rule)) {
                    rules.push(r);
                }
            }
            None => groups.push((&r.rule.vuln_id, vec![r])),
        }
    }
    for (_, rules) in &groups {
        group(&mut x, rules);
    }
    test_result(&mut x, asset, stig, now);
    x.push_str("</Benchmark>\n");
    Ok(x)
}

fn group(x: &mut String, rules: &[&ChecklistRule]) {
    let rule = &rules[0].rule;
    let _ = writeln!(
        x,
        "  <Group id=\"xccdf_mil.disa.stig_group_{}\">",
        id_part(&rule.vuln_id)
    );
    elem(x, 4, "title", &rule.group_title);
    if !rule.group_description.is_empty() {
        elem(x, 4, "description", &rule.group_description);
    }
    for r in rules {
        rule_definition(x, &r.rule);
    }
    x.push_str("  </Group>\n");
}

fn rule_definition(x: &mut String, rule: &crate::model::Rule) {
    let _ = write!(
        x,
        "    <Rule id=\"xccdf_mil.disa.stig_rule_{}\" weight=\"{}\"",
        rule_key(rule),
        attr(weight(&rule.weight))
    );
    if rule.severity != Severity::Unknown {
        let _ = write!(x, " severity=\"{}\"", rule.severity.as_str());
    }
    x.push_str(">\n");
    // DISA's rules always have one; readers such as stig-parser require it.
    elem(x, 6, "version", &rule.stig_id);
    elem(x, 6, "title", &rule.title);
    elem(x, 6, "description", &description(&rule.discussion));
    if !rule.target_key.is_empty() {
        let _ = writeln!(
            x,
            "      <reference><dc:identifier>{}</dc:identifier></reference>",
            text(&rule.target_key)
        );
    }
    idents(x, 6, &rule.legacy_ids, &rule.ccis);
    let id = check_and_fix_ids(&rule.rule_id);
    if !rule.fix_text.is_empty() {
        let _ = writeln!(
            x,
            "      <fixtext fixref=\"{}\">{}</fixtext>",
            attr(&id.1),
            text(&rule.fix_text)
        );
        let _ = writeln!(x, "      <fix id=\"{}\"/>", attr(&id.1));
    }
    // XCCDF 1.2 requires `system`; checklists do not carry DISA's check
    // id, so it is derived from the rule id in DISA's spelling.
    let _ = writeln!(x, "      <check system=\"{}\">", attr(&id.0));
    if let Some(c) = &rule.check_content_ref {
        let _ = writeln!(
            x,
            "        <check-content-ref href=\"{}\" name=\"{}\"/>",
            attr(&c.href),
            attr(&c.name)
        );
    }
    elem(x, 8, "check-content", &rule.check_content);
    x.push_str("      </check>\n    </Rule>\n");
}

fn test_result(x: &mut String, asset: &Asset, stig: &StigChecklist, now: &str) {
    // The run spans the times its results were decided: evidence
    // collection for stigkit's, the review time for others; the export
    // time only when the checklist tells none.
    let times: Vec<&str> = stig.rules.iter().filter_map(result_time).collect();
    let start = times.iter().min().copied().unwrap_or(now);
    let end = times.iter().max().copied().unwrap_or(now);
    let _ = writeln!(
        x,
        "  <TestResult id=\"xccdf_stigkit_testresult_{}\" test-system=\"cpe:/a:stigkit:stigkit:{}\" start-time=\"{}\" end-time=\"{}\" version=\"{}\">",
        id_part(&stig.info.stig_id),
        env!("CARGO_PKG_VERSION"),
        attr(start),
        attr(end),
        attr(&stig.info.version)
    );
    elem(
        x,
        4,
        "title",
        &format!("stigkit export of {}", stig.info.stig_id),
    );
    elem(x, 4, "target", &asset.host_name);
    let ips = split_list(&asset.host_ip);
    for ip in &ips {
        elem(x, 4, "target-address", ip);
    }
    x.push_str("    <target-facts>\n");
    let mut fact = |name: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(
                x,
                "      <fact name=\"{FACT}{name}\" type=\"string\">{}</fact>",
                text(value)
            );
        }
    };
    fact("host_name", &asset.host_name);
    fact("fqdn", &asset.host_fqdn);
    for ip in &ips {
        let kind = if ip.contains(':') { "ipv6" } else { "ipv4" };
        fact(kind, ip);
    }
    for mac in split_list(&asset.host_mac) {
        fact("mac", mac);
    }
    if asset.role != "None" {
        fact("role", &asset.role);
    }
    if asset.web_or_database {
        fact("webordatabase", "true");
        fact("site", &asset.web_db_site);
        fact("instance", &asset.web_db_instance);
    }
    x.push_str("    </target-facts>\n");
    for r in &stig.rules {
        rule_result(x, r, result_time(r).unwrap_or(end));
    }
    let (score, max) = flat_score(stig);
    let _ = writeln!(
        x,
        "    <score system=\"urn:xccdf:scoring:flat\" maximum=\"{max:.1}\">{score:.1}</score>"
    );
    x.push_str("  </TestResult>\n");
}

/// When a result was decided: the review's time (CKLB `updatedAt`, a
/// results file's `time`), else the evidence time of stigkit's marker.
fn result_time(r: &ChecklistRule) -> Option<&str> {
    Some(r.record.updated_at.as_str())
        .filter(|t| is_time(t))
        .or_else(|| evidence_collected_at(&r.review.comments).filter(|t| is_time(t)))
}

fn rule_result(x: &mut String, r: &ChecklistRule, time: &str) {
    let rule = &r.rule;
    let review = &r.review;
    let _ = write!(
        x,
        "    <rule-result idref=\"xccdf_mil.disa.stig_rule_{}\"",
        rule_key(rule)
    );
    // STIG Manager turns the time into a Date; an unparseable one throws,
    // so only checked times come here.
    let _ = write!(x, " time=\"{}\"", attr(time));
    let severity = r.effective_severity();
    if severity != Severity::Unknown {
        let _ = write!(x, " severity=\"{}\"", severity.as_str());
    }
    let _ = write!(x, " weight=\"{}\"", attr(weight(&rule.weight)));
    if !rule.stig_id.is_empty() {
        let _ = write!(x, " version=\"{}\"", attr(&rule.stig_id));
    }
    x.push_str(">\n");
    elem(x, 6, "result", result_word(review.status));
    idents(x, 6, &rule.legacy_ids, &rule.ccis);
    let _ = writeln!(
        x,
        "      <check system=\"{}\">",
        attr(&check_and_fix_ids(&rule.rule_id).0)
    );
    x.push_str("        <check-content>\n");
    if !review.finding_details.is_empty() {
        elem(x, 10, "sm:detail", &review.finding_details);
    }
    if !review.comments.is_empty() {
        elem(x, 10, "sm:comment", &review.comments);
    }
    if review.severity_override.is_some() && !review.severity_justification.is_empty() {
        elem(
            x,
            10,
            "stigkit:severity-justification",
            &review.severity_justification,
        );
    }
    if let Some(e) = &r.record.engine {
        x.push_str("          <sm:resultEngine>\n");
        elem(x, 12, "sm:type", "script");
        elem(x, 12, "sm:product", &e.product);
        if !e.version.is_empty() {
            elem(x, 12, "sm:version", &e.version);
        }
        x.push_str("          </sm:resultEngine>\n");
    }
    x.push_str("        </check-content>\n      </check>\n    </rule-result>\n");
}

/// `C-<rule>_chk` and `F-<rule>_fix` for rule `SV-<n>r<rev>_rule`: ids in
/// DISA's spelling, from the one id every checklist keeps.
fn check_and_fix_ids(rule_id: &str) -> (String, String) {
    let base = rule_id.strip_suffix("_rule").unwrap_or(rule_id);
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (format!("C-{base}_chk"), format!("F-{base}_fix"))
}

/// XCCDF's flat model: the weights of passed rules over the weights of
/// rules that passed or failed.
fn flat_score(stig: &StigChecklist) -> (f64, f64) {
    let mut score = 0.0;
    let mut max = 0.0;
    for r in &stig.rules {
        let w: f64 = weight(&r.rule.weight).parse().unwrap_or(10.0);
        match r.review.status {
            Status::NotAFinding => {
                score += w;
                max += w;
            }
            Status::Open => max += w,
            _ => {}
        }
    }
    (score, max)
}

fn idents(x: &mut String, indent: usize, legacy: &[String], ccis: &[String]) {
    for l in legacy {
        let _ = writeln!(
            x,
            "{:indent$}<ident system=\"http://cyber.mil/legacy\">{}</ident>",
            "",
            text(l)
        );
    }
    for c in ccis {
        let _ = writeln!(
            x,
            "{:indent$}<ident system=\"http://cyber.mil/cci\">{}</ident>",
            "",
            text(c)
        );
    }
}

/// DISA's rule description: the eleven fields as an escaped pseudo-XML
/// fragment, each field's text escaped once inside it.
fn description(d: &Discussion) -> String {
    let fields = [
        ("VulnDiscussion", &d.vuln_discussion),
        ("FalsePositives", &d.false_positives),
        ("FalseNegatives", &d.false_negatives),
        ("Documentable", &d.documentable),
        ("Mitigations", &d.mitigations),
        ("SeverityOverrideGuidance", &d.severity_override_guidance),
        ("PotentialImpacts", &d.potential_impacts),
        ("ThirdPartyTools", &d.third_party_tools),
        ("MitigationControl", &d.mitigation_control),
        ("Responsibility", &d.responsibility),
        ("IAControls", &d.ia_controls),
    ];
    let mut s = String::new();
    for (tag, value) in fields {
        // DISA's benchmarks hold the fields as text, escaped once by the
        // XML around them; escaping here too would show `&amp;` to readers.
        let _ = write!(s, "<{tag}>{value}</{tag}>");
    }
    s
}

/// Rule weights are decimals; checklists sometimes hold none.
fn weight(w: &str) -> &str {
    if w.trim().parse::<f64>().is_ok() {
        w.trim()
    } else {
        "10.0"
    }
}

/// `10.0.0.1, 10.0.0.2` or space-separated lists, as producers write them.
fn split_list(s: &str) -> Vec<&str> {
    s.split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn is_time(t: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(t).is_ok()
}

/// A rule's id part: its rule id, else (in a damaged checklist) its Vuln ID.
fn rule_key(rule: &crate::model::Rule) -> String {
    if rule.rule_id.trim().is_empty() {
        id_part(&rule.vuln_id)
    } else {
        id_part(&rule.rule_id)
    }
}

/// The part of an XCCDF id after its `xccdf_…_` prefix. XCCDF 1.2 ids are
/// NCNames, so a character one cannot hold (a space, `:`) becomes `_`;
/// DISA's ids never have one.
pub fn id_part(s: &str) -> String {
    if s.trim().is_empty() {
        return "unknown".into();
    }
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn elem(x: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(x, "{:indent$}<{name}>{}</{name}>", "", text(value));
}

/// Element text: `&`, `<`, `>` escaped, a carriage return as `&#13;` so
/// XML's line-end normalisation keeps it, and characters XML 1.0 cannot
/// hold written as `[U+XXXX]` rather than making the file unreadable.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if forbidden(c) => {
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Attribute values: element escaping plus quotes and whitespace that
/// attribute normalisation would otherwise fold.
fn attr(s: &str) -> String {
    text(s)
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

/// Text inside the description fragment, escaped for the fragment.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Checklist, Review, Rule};

    fn one_rule(review: Review) -> Checklist {
        let mut c = Checklist::default();
        c.asset.host_name = "web-01".into();
        c.asset.host_ip = "10.0.0.5, fe80::1".into();
        let mut stig = StigChecklist::default();
        stig.info.stig_id = "Demo_STIG".into();
        stig.info.title = "Demo".into();
        stig.info.version = "1".into();
        stig.info.release_info = "Release: 2 Benchmark Date: 01 Jan 2024".into();
        stig.rules.push(ChecklistRule {
            rule: Rule {
                vuln_id: "V-1".into(),
                rule_id: "SV-1r1_rule".into(),
                severity: Severity::Medium,
                weight: "10.0".into(),
                title: "A & B <c>".into(),
                discussion: Discussion {
                    vuln_discussion: "x < y & z".into(),
                    ..Discussion::default()
                },
                ccis: vec!["CCI-000001".into()],
                ..Rule::default()
            },
            review,
            ..ChecklistRule::default()
        });
        c.stigs.push(stig);
        c
    }

    #[test]
    fn every_status_reads_back_as_itself() {
        for (status, word) in WRITTEN {
            assert_eq!(super::super::map::status(word), Some(status), "{word}");
        }
    }

    /// What is written comes back through the reader: status, texts,
    /// override and its justification, asset, escaped markup.
    #[test]
    fn reads_back() {
        let review = Review {
            status: Status::Open,
            finding_details: "line 1\n\"quoted\", <tag> & more\r\nend".into(),
            comments: "why".into(),
            severity_override: Some(Severity::High),
            severity_justification: "exposed to the internet".into(),
        };
        let c = one_rule(review.clone());
        let xml = write(&c.asset, &c.stigs[0], "2024-05-01T10:00:00Z").unwrap();
        assert!(!xml.contains("DOCTYPE"));
        let mut w = Vec::new();
        let back = super::super::read(xml.as_bytes(), "x.xml", &mut w).unwrap();
        assert!(w.is_empty(), "{w:?}");
        let r = &back.stigs[0].rules[0];
        assert_eq!(r.review, review);
        assert_eq!(r.rule.title, "A & B <c>");
        assert_eq!(r.rule.discussion.vuln_discussion, "x < y & z");
        assert_eq!(r.record.engine, None, "a person's review stays a person's");
        assert_eq!(back.asset.host_name, "web-01");
        assert_eq!(back.asset.host_ip, "10.0.0.5, fe80::1");
        assert_eq!(
            back.stigs[0].info.release_info,
            c.stigs[0].info.release_info
        );
    }

    #[test]
    fn not_reviewed_reads_back_without_a_note() {
        let c = one_rule(Review::default());
        let xml = write(&c.asset, &c.stigs[0], "2024-05-01T10:00:00Z").unwrap();
        assert!(xml.contains("<result>notchecked</result>"));
        let back = super::super::read(xml.as_bytes(), "x.xml", &mut Vec::new()).unwrap();
        assert_eq!(back.stigs[0].rules[0].review, Review::default());
    }

    #[test]
    fn a_checklist_without_a_host_is_refused() {
        let mut c = one_rule(Review::default());
        c.asset.host_name.clear();
        assert!(matches!(
            write(&c.asset, &c.stigs[0], "2024-05-01T10:00:00Z"),
            Err(Error::NoTarget)
        ));
    }
}
