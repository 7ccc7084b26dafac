//! XCCDF results (`TestResult`): read from DISA SCC, OpenSCAP, STIG
//! Manager's XCCDF export (with its `sm:` review fields and result
//! engines), Evaluate-STIG, STIGQter. XCCDF 1.1 and 1.2, prefixed or not.
//!
//! Each `TestResult` becomes one STIG of the checklist. Its rules come from
//! the Benchmark around it (read by [`crate::xccdf`]); results for rules
//! the file does not define (Evaluate-STIG's exports carry none) get a rule
//! built from the `rule-result` itself: rule id, Vuln ID, STIG id,
//! severity, weight, CCIs and legacy ids.
//!
//! What a review is made of:
//! - status: the table [`map::RESULTS`]; when the status alone does not
//!   say what the XCCDF result was (`fixed`, and the five words read as
//!   Not_Reviewed), the finding details end with `XCCDF result: <word>`;
//! - finding details: STIG Manager's `sm:detail`, else the `message`s;
//! - comments: STIG Manager's `sm:comment`, else the remark of an
//!   Evaluate-STIG answer file (moved out of the message, where
//!   Evaluate-STIG also puts it), then one line per override;
//! - severity override: a `rule-result@severity` that differs from the rule's;
//! - several results for one rule: one review, met only if all are met,
//!   with every result's word and text in the finding details.
//!
//! The asset comes from the first TestResult's `target`, `target-address`
//! and `target-facts`; facts with no asset field, and what the TestResult
//! says about the run (tool, times, profile, identity), go into the target
//! comment. See [`map::asset`].
//!
//! Written by [`write`]: one STIG of a checklist per file, read back by
//! this reader review for review.

mod map;
mod parse;
mod write;

pub use write::{STIGKIT_NS, WRITTEN, id_part as xccdf_id, result_word, write};

use crate::model::{
    Benchmark, Checklist, ChecklistRule, Engine, Passthrough, Review, Rule, RuleRecord, Severity,
    Status, StigChecklist, StigInfo,
};
use crate::xccdf::{self, short_id};
use crate::xml::{self, Input, XmlError};
use parse::{RuleResult, TestResult};

/// Why a file could not be read as XCCDF results.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The XML is fine but holds neither a Benchmark nor a TestResult.
    #[error(
        "not an XCCDF results file: the root element is <{0}>, expected <Benchmark> or <TestResult>"
    )]
    NotResults(String),
    /// A benchmark as DISA publishes it: rules, no results.
    #[error(
        "an XCCDF benchmark without results (no <TestResult>), not a checklist; a blank checklist is made from it with `checklist new --benchmark`"
    )]
    NoTestResult,
    /// Writing: XCCDF results need a `<target>`, and STIG Manager refuses
    /// a file without one.
    #[error("the checklist names no host, and XCCDF results need one (<target>)")]
    NoTarget,
}

/// Whether `bytes` look like XCCDF (a `Benchmark` or `TestResult` root);
/// only the start of the document is read.
pub fn looks_like(bytes: &[u8]) -> bool {
    matches!(
        xml::root_name(bytes).as_deref(),
        Ok("Benchmark" | "TestResult")
    )
}

/// Reads XCCDF results into a checklist. `file_name` is recorded as each
/// STIG's `filename`. What a tolerant reader had to overlook is described
/// in `warnings`.
pub fn read(bytes: &[u8], file_name: &str, warnings: &mut Vec<String>) -> Result<Checklist, Error> {
    let text = xml::decode(bytes)?;
    let mut input = Input::new(text);
    let mut comments = Vec::new();
    let root = input.root(&mut comments)?;
    let mut results = Vec::new();
    let mut metadata = Vec::new();
    let benchmark = match root.name.as_ref() {
        "Benchmark" => xccdf::read_body(&mut input, &root, file_name, &mut |input, el| {
            match el.name.as_ref() {
                "TestResult" => results.push(parse::test_result(input, &el)?),
                "metadata" => metadata.extend(parse::metadata(input, &el)?),
                _ => input.skip(&el)?,
            }
            Ok(())
        })?,
        "TestResult" => {
            let tr = parse::test_result(&mut input, &root)?;
            let id = short_id(&tr.benchmark, "_benchmark_").to_string();
            results.push(tr);
            Benchmark {
                // CKL and CKLB need a title; a lone TestResult names only the id.
                title: id.clone(),
                id,
                version: results[0].version.clone(),
                file_name: file_name.to_string(),
                ..Benchmark::default()
            }
        }
        _ => return Err(Error::NotResults(root.name.into_owned())),
    };
    input.finish(&mut Vec::new())?;
    if results.is_empty() {
        return Err(Error::NoTestResult);
    }
    let benchmark = with_revision(benchmark);
    if benchmark.release_info.is_empty() {
        warnings.push(format!(
            "the results give no release info for {}: STIG Manager cannot tell the revision of the checklist",
            benchmark.id
        ));
    }

    let skipped: std::collections::BTreeSet<&str> = results
        .iter()
        .flat_map(|t| t.skipped.iter().map(String::as_str))
        .collect();
    if !skipped.is_empty() {
        warnings.push(format!(
            "a checklist has no field for TestResult {}; they are not kept",
            skipped.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    // STIG Manager marks its exports with a header comment and its name as
    // publisher; its test-system is not always set (or is a placeholder).
    let from_stig_manager = comments
        .iter()
        .any(|c| c.trim_start().starts_with("STIG Manager"))
        || metadata
            .iter()
            .any(|(k, v)| k == "publisher" && v.starts_with("STIG Manager"));
    let from_stigkit = metadata
        .iter()
        .any(|(k, v)| k == "publisher" && v == write::PUBLISHER);

    let (asset, kept_facts) = map::asset(&results[0]);
    let mut checklist = Checklist {
        asset,
        ..Checklist::default()
    };
    let mut run_lines = Vec::new();
    for tr in &results {
        if tr.targets.first() != results[0].targets.first() {
            warnings.push(format!(
                "TestResult {} is about target '{}', not '{}'; its results are kept with the first target's asset",
                tr.id,
                tr.targets.first().map_or("", String::as_str),
                checklist.asset.host_name
            ));
        }
        let tool = map::test_system(&tr.test_system);
        let producer = if from_stigkit {
            map::Producer::Stigkit
        } else if from_stig_manager || tool.0 == "STIG Manager" {
            map::Producer::StigManager
        } else {
            map::Producer::Tool
        };
        run_lines.push(run_line(tr));
        checklist
            .stigs
            .push(stig(&benchmark, tr, producer, &tool, warnings));
    }
    checklist.asset.target_comment = [checklist.asset.target_comment.clone()]
        .into_iter()
        .chain(run_lines)
        .chain(
            (!kept_facts.is_empty()).then(|| format!("Target facts:\n{}", kept_facts.join("\n"))),
        )
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    checklist.asset.target_key = checklist
        .stigs
        .first()
        .map(|s| s.info.target_key.clone())
        .unwrap_or_default();
    if checklist.asset.host_name.is_empty() {
        warnings
            .push("the TestResult names no target: STIG Manager and eMASS need a host name".into());
    }
    Ok(checklist)
}

/// STIG Manager writes the whole revision into `<version>` (`V1R12`) and no
/// release-info. Checklists keep the major version there and need the
/// release in `Release: 12 Benchmark Date: …`, so both are derived.
fn with_revision(mut b: Benchmark) -> Benchmark {
    let Some(rev) = b.revision() else { return b };
    if !b.version.trim_start().starts_with(['V', 'v']) {
        return b;
    }
    if b.release_info.is_empty() {
        b.release_info = format!("Release: {}", rev.release);
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&b.status_date, "%Y-%m-%d") {
            b.release_info
                .push_str(&format!(" Benchmark Date: {}", d.format("%d %b %Y")));
        }
    }
    b.version = rev.version;
    b
}

/// One line on what a TestResult says about its run.
fn run_line(tr: &TestResult) -> String {
    let mut line = String::from("XCCDF results");
    if !tr.id.is_empty() {
        line.push_str(&format!(" {}", tr.id));
    }
    if !tr.test_system.is_empty() {
        line.push_str(&format!(" from {}", tr.test_system));
    }
    match (tr.start_time.as_str(), tr.end_time.as_str()) {
        ("", "") => {}
        ("", end) => line.push_str(&format!(", ended {end}")),
        (start, "") => line.push_str(&format!(", started {start}")),
        (start, end) => line.push_str(&format!(", {start} to {end}")),
    }
    if !tr.profile.is_empty() {
        line.push_str(&format!("; profile {}", short_id(&tr.profile, "_profile_")));
    }
    if let Some(who) = &tr.identity {
        let how: Vec<&str> = [
            (who.authenticated, "authenticated"),
            (who.privileged, "privileged"),
        ]
        .iter()
        .filter_map(|(yes, word)| yes.then_some(*word))
        .collect();
        line.push_str(&format!("; identity {}", who.name));
        if !how.is_empty() {
            line.push_str(&format!(" ({})", how.join(", ")));
        }
    }
    for org in tr.organizations.iter().filter(|o| !o.is_empty()) {
        line.push_str(&format!("; organization {org}"));
    }
    if !tr.title.is_empty() {
        line.push_str(&format!("; title {}", tr.title));
    }
    line
}

/// The STIG of one TestResult: the benchmark's rules, then rules built
/// from results the benchmark does not define, each with its review.
fn stig(
    b: &Benchmark,
    tr: &TestResult,
    producer: map::Producer,
    tool: &(String, String),
    warnings: &mut Vec<String>,
) -> StigChecklist {
    // Results grouped by rule, in file order.
    let mut groups: Vec<(&str, Vec<&RuleResult>)> = Vec::new();
    for rr in &tr.results {
        if rr.rule_id.is_empty() {
            warnings.push(format!(
                "a rule-result ({}) names no rule; skipped",
                if rr.result.is_empty() {
                    "no result"
                } else {
                    &rr.result
                }
            ));
            continue;
        }
        match groups.iter_mut().find(|(id, _)| *id == rr.rule_id) {
            Some((_, v)) => v.push(rr),
            None => groups.push((&rr.rule_id, vec![rr])),
        }
    }
    let mut rules: Vec<(Rule, bool)> = b.rules.iter().map(|r| (r.clone(), true)).collect();
    for (id, rrs) in &groups {
        if !b.rules.iter().any(|r| r.rule_id == *id) {
            rules.push((minimal_rule(rrs[0]), false));
        }
    }
    let mut info = StigInfo::of(b);
    info.size = Some(rules.len());
    let stig_ref = info.stig_ref();
    let rules = rules
        .into_iter()
        .map(|(rule, defined)| {
            let rrs = groups
                .iter()
                .find(|(id, _)| *id == rule.rule_id)
                .map_or(&[][..], |(_, v)| v.as_slice());
            let (review, engine) = if rrs.is_empty() {
                (Review::default(), None)
            } else {
                let review = review_of(&rule, defined, rrs, producer, warnings);
                let engines: Vec<Option<Engine>> = rrs
                    .iter()
                    .map(|rr| map::engine(producer, tool, rr))
                    .collect();
                // Any result a person decided makes the review theirs.
                let engine = if engines.iter().all(Option::is_some) {
                    engines.into_iter().next().flatten()
                } else {
                    None
                };
                (review, engine)
            };
            let updated_at = rrs
                .iter()
                .rev()
                .map(|rr| rr.time.as_str())
                .find(|t| !t.is_empty())
                .unwrap_or(if rrs.is_empty() { "" } else { &tr.end_time })
                .to_string();
            ChecklistRule {
                rule,
                review,
                record: RuleRecord {
                    stig_ref: stig_ref.clone(),
                    updated_at,
                    engine,
                    ..RuleRecord::default()
                },
                extra: Vec::new(),
                passthrough: Passthrough::default(),
            }
        })
        .collect();
    StigChecklist {
        info,
        rules,
        passthrough: Passthrough::default(),
    }
}

/// A rule known only from its result: DISA's `SV-n…` rule ids share their
/// number with the `V-n` Vuln ID.
fn minimal_rule(rr: &RuleResult) -> Rule {
    let sv = crate::model::sv_number(&rr.rule_id);
    let vuln_id = match sv.strip_prefix("SV-") {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => format!("V-{n}"),
        _ => rr.rule_id.clone(),
    };
    Rule {
        vuln_id,
        rule_id: rr.rule_id.clone(),
        severity: Severity::parse(&rr.severity).unwrap_or(Severity::Unknown),
        weight: if rr.weight.is_empty() {
            "10.0".into()
        } else {
            rr.weight.clone()
        },
        stig_id: rr.version.clone(),
        ccis: rr.ccis.clone(),
        legacy_ids: rr.legacy_ids.clone(),
        classification: "Unclass".into(),
        ..Rule::default()
    }
}

/// The review of one rule from its results.
fn review_of(
    rule: &Rule,
    defined: bool,
    rrs: &[&RuleResult],
    producer: map::Producer,
    warnings: &mut Vec<String>,
) -> Review {
    let statuses: Vec<Status> = rrs
        .iter()
        .map(|rr| {
            map::status(&rr.result).unwrap_or_else(|| {
                warnings.push(if rr.result.is_empty() {
                    format!(
                        "{}: a rule-result without a result, read as Not_Reviewed",
                        rule.rule_id
                    )
                } else {
                    format!(
                        "{}: result '{}' is not an XCCDF result; read as Not_Reviewed",
                        rule.rule_id, rr.result
                    )
                });
                Status::NotReviewed
            })
        })
        .collect();
    let status = map::combine(statuses.iter().copied());
    if rrs.len() > 1 {
        warnings.push(format!(
            "{}: {} results for one rule, read as one review ({})",
            rule.rule_id,
            rrs.len(),
            status.label()
        ));
    }
    let (mut details, mut comments) = (Vec::new(), Vec::new());
    for (i, rr) in rrs.iter().enumerate() {
        let (detail, comment) = texts(rr);
        let word = if rr.result.is_empty() {
            "(none)"
        } else {
            rr.result.as_str()
        };
        let instances = if rr.instances.is_empty() {
            String::new()
        } else {
            format!(" (instance {})", rr.instances.join(", "))
        };
        if rrs.len() > 1 {
            let head = format!("XCCDF result {} of {}: {word}{instances}", i + 1, rrs.len());
            details.push([head, detail].join("\n").trim_end().to_string());
        } else {
            details.push(detail);
            let own_word = producer == map::Producer::Stigkit && rr.result == "notchecked";
            if (!map::status_tells(&rr.result) && !own_word) || !instances.is_empty() {
                details.push(format!("XCCDF result: {word}{instances}"));
            }
        }
        if !comments.contains(&comment) {
            comments.push(comment);
        }
    }
    let severity_override = rrs
        .iter()
        .find_map(|rr| Severity::parse(&rr.severity))
        .filter(|s| defined && *s != rule.severity && *s != Severity::Unknown);
    Review {
        status,
        finding_details: join_blocks(details),
        comments: join_blocks(comments),
        severity_override,
        severity_justification: severity_override
            .map(|s| {
                if let Some(j) = rrs
                    .iter()
                    .find_map(|rr| rr.severity_justification.as_deref().map(tidy))
                    .filter(|j| !j.is_empty())
                {
                    return j;
                }
                format!(
                    "The XCCDF result gives severity {s}; the rule has {}.",
                    rule.severity
                )
            })
            .unwrap_or_default(),
    }
}

/// Finding details and comments of one result.
fn texts(rr: &RuleResult) -> (String, String) {
    let mut details: Vec<String> = Vec::new();
    for d in rr.detail.iter().chain(&rr.messages) {
        let d = tidy(d);
        if !d.is_empty() && !details.contains(&d) {
            details.push(d);
        }
    }
    let engine_overrides = rr.engine.iter().flat_map(|e| &e.overrides);
    let mut comment = rr.comment.as_deref().map(tidy).unwrap_or_default();
    if comment.is_empty()
        && let Some(remark) = engine_overrides
            .clone()
            .map(|o| tidy(&o.remark))
            .find(|r| !r.is_empty())
    {
        // Evaluate-STIG appends the answer file's remark to its message
        // for STIG Viewer; as STIG Manager does, it becomes the comment.
        for d in &mut details {
            if let Some(rest) = d.strip_suffix(remark.as_str()) {
                *d = rest.trim_end().to_string();
            }
        }
        details.retain(|d| !d.is_empty());
        comment = remark;
    }
    let mut comments = vec![comment];
    for o in rr.overrides.iter().chain(engine_overrides) {
        let mut line = map::override_line(o);
        let remark = tidy(&o.remark);
        if !remark.is_empty() && !comments.contains(&remark) {
            line.push('\n');
            line.push_str(&remark);
        }
        comments.push(line);
    }
    (join_blocks(details), join_blocks(comments))
}

/// Drops leading blank lines and trailing whitespace (XML indentation
/// around the text); the text itself is kept as written. Public so tests
/// state what a round trip keeps by the reader's own rule.
pub fn tidy(s: &str) -> String {
    let start = s
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(s.len(), |(i, _)| s[..i].rfind('\n').map_or(0, |nl| nl + 1));
    s[start..].trim_end().to_string()
}

/// Non-empty blocks, separated by a blank line.
fn join_blocks(blocks: Vec<String>) -> String {
    blocks
        .into_iter()
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_the_text_and_its_first_indent() {
        assert_eq!(tidy("\n\n   x\n  y  \n  "), "   x\n  y");
        assert_eq!(tidy("x"), "x");
        assert_eq!(tidy("  \n "), "");
    }

    const OPENSCAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.ssgproject.content_benchmark_RHEL-9">
  <title>Guide to the Secure Configuration of RHEL 9</title>
  <version>0.1.72</version>
  <Rule id="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" severity="medium">
    <title>Disable SSH Root Login</title>
  </Rule>
  <TestResult id="xccdf_org.open-scap_testresult_stig" start-time="2024-05-01T10:00:00+00:00" end-time="2024-05-01T10:01:00+00:00" version="0.1.72" test-system="cpe:/a:redhat:openscap:1.3.10">
    <target>rhel9.example.mil</target>
    <target-address>10.0.0.5</target-address>
    <target-facts>
      <fact name="urn:xccdf:fact:scanner:name" type="string">OpenSCAP</fact>
      <fact name="urn:xccdf:fact:asset:identifier:fqdn" type="string">rhel9.example.mil</fact>
    </target-facts>
    <rule-result idref="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" severity="high" time="2024-05-01T10:00:30+00:00">
      <result>fixed</result>
      <message severity="info">PermitRootLogin set to no</message>
    </rule-result>
  </TestResult>
</Benchmark>"#;

    /// OpenSCAP after `--remediate`: its engine, the `fixed` word kept,
    /// a changed severity as an override, facts it does not map kept.
    #[test]
    fn reads_openscap_results() {
        let mut w = Vec::new();
        let c = read(OPENSCAP.as_bytes(), "oscap.xml", &mut w).unwrap();
        // SCAP Security Guide content has no DISA release info.
        assert_eq!(
            w,
            [
                "the results give no release info for RHEL-9: STIG Manager cannot tell the revision of the checklist"
            ]
        );
        let r = &c.stigs[0].rules[0];
        // Long ids are shortened as the benchmark reader does.
        assert_eq!(r.rule.rule_id, "sshd_disable_root_login");
        assert_eq!(r.review.status, Status::NotAFinding);
        assert_eq!(
            r.review.finding_details,
            "PermitRootLogin set to no\n\nXCCDF result: fixed"
        );
        assert_eq!(r.review.severity_override, Some(Severity::High));
        assert_eq!(
            r.record.engine,
            Some(Engine {
                product: "OpenSCAP".into(),
                version: "1.3.10".into()
            })
        );
        assert_eq!(c.asset.host_name, "rhel9.example.mil");
        assert_eq!(c.asset.host_ip, "10.0.0.5");
        assert!(
            c.asset
                .target_comment
                .contains("urn:xccdf:fact:scanner:name: OpenSCAP"),
            "{}",
            c.asset.target_comment
        );
    }

    /// Two runs of a scanner: two STIGs, the asset of the first. An XCCDF
    /// override makes the result a person's; instances are named; a result
    /// without a word is Not_Reviewed with a warning.
    #[test]
    fn reads_several_test_results_overrides_and_instances() {
        let doc = r#"<Benchmark id="xccdf_mil.disa.stig_benchmark_Demo" xmlns="http://checklists.nist.gov/xccdf/1.1">
  <title>Demo</title><version>1</version>
  <plain-text id="release-info">Release: 2 Benchmark Date: 01 Jan 2024</plain-text>
  <Group id="V-1"><Rule id="SV-1r1_rule" severity="low"/></Group>
  <Group id="V-2"><Rule id="SV-2r1_rule" severity="low"/></Group>
  <TestResult id="run-1" test-system="cpe:/a:niwc:scc:5.9">
    <target>host-a</target>
    <rule-result idref="SV-1r1_rule"><result>fail</result><instance>/home/a</instance></rule-result>
    <rule-result idref="SV-2r1_rule"><result>pass</result>
      <override time="2024-02-01T00:00:00Z" authority="ISSO"><old-result>fail</old-result><new-result>pass</new-result><remark>Accepted risk.</remark></override>
    </rule-result>
  </TestResult>
  <TestResult id="run-2" test-system="cpe:/a:niwc:scc:5.9">
    <target>host-b</target>
    <rule-result idref="SV-1r1_rule"><result/></rule-result>
  </TestResult>
</Benchmark>"#;
        let mut w = Vec::new();
        let c = read(doc.as_bytes(), "demo.xml", &mut w).unwrap();
        assert_eq!(c.stigs.len(), 2);
        assert_eq!(c.asset.host_name, "host-a");
        let [one, two] = &c.stigs[..] else {
            panic!("two STIGs")
        };
        assert_eq!(one.rules[0].review.status, Status::Open);
        assert_eq!(
            one.rules[0].review.finding_details,
            "XCCDF result: fail (instance /home/a)"
        );
        assert_eq!(one.rules[0].record.engine.as_ref().unwrap().version, "5.9");
        let r = &one.rules[1];
        assert_eq!(r.review.status, Status::NotAFinding);
        assert_eq!(
            r.review.comments,
            "Result changed from fail to pass by ISSO at 2024-02-01T00:00:00Z.\nAccepted risk."
        );
        assert_eq!(r.record.engine, None, "an override is a person's decision");
        assert_eq!(two.rules[0].review.status, Status::NotReviewed);
        assert_eq!(two.rules[1].review, Review::default(), "no result: blank");
        assert_eq!(
            w,
            [
                "TestResult run-2 is about target 'host-b', not 'host-a'; its results are kept with the first target's asset",
                "SV-1r1_rule: a rule-result without a result, read as Not_Reviewed",
            ]
        );
    }

    #[test]
    fn a_benchmark_alone_is_not_results() {
        let e = read(
            b"<Benchmark id=\"x\"><Rule id=\"SV-1r1_rule\"/></Benchmark>",
            "b.xml",
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::NoTestResult), "{e}");
        let e = read(b"<CHECKLIST/>", "c.ckl", &mut Vec::new()).unwrap_err();
        assert!(matches!(e, Error::NotResults(_)), "{e}");
        assert!(looks_like(
            b"<?xml version=\"1.0\"?>\n<!-- x --><cdf:TestResult/>"
        ));
        assert!(!looks_like(b"<CHECKLIST/>"));
    }
}
