//! The parts of an XCCDF `TestResult` the reader uses, read into private
//! structs so that XCCDF's (and STIG Manager's `sm:`) spellings stay here.
//! Elements are matched on local names, so `cdf:`-prefixed and unprefixed
//! files, XCCDF 1.1 and 1.2, read alike.

use crate::xccdf::short_id;
use crate::xml::{Element, Input, XmlError};
use std::collections::BTreeSet;

/// One `<TestResult>`: a run of one tool (or one export) against one target.
#[derive(Debug, Default)]
pub(super) struct TestResult {
    pub id: String,
    pub test_system: String,
    /// `@version`: the version of the benchmark the run used.
    pub version: String,
    pub start_time: String,
    pub end_time: String,
    /// `<benchmark id|href>`: names the benchmark of a standalone TestResult.
    pub benchmark: String,
    pub title: String,
    pub organizations: Vec<String>,
    pub identity: Option<Identity>,
    pub profile: String,
    pub targets: Vec<String>,
    pub addresses: Vec<String>,
    /// `(name, value)` in file order; repeated names (one per interface) kept.
    pub facts: Vec<(String, String)>,
    pub results: Vec<RuleResult>,
    /// Elements with content the reader has no use for (`score`,
    /// `rule-result/fix`), so that dropping them can be reported.
    pub skipped: BTreeSet<String>,
}

/// `<identity>`: the account the scan ran as.
#[derive(Debug, Default)]
pub(super) struct Identity {
    pub name: String,
    pub authenticated: bool,
    pub privileged: bool,
}

/// One `<rule-result>`.
#[derive(Debug, Default)]
pub(super) struct RuleResult {
    /// Rule id without the XCCDF 1.2 prefix: `SV-230221r858734_rule`.
    pub rule_id: String,
    /// The `<result>` word, verbatim (empty when missing).
    pub result: String,
    pub time: String,
    pub severity: String,
    pub weight: String,
    /// `@version`: the STIG id (`RHEL-08-010000`).
    pub version: String,
    pub instances: Vec<String>,
    pub ccis: Vec<String>,
    pub legacy_ids: Vec<String>,
    /// Non-empty `<message>` texts.
    pub messages: Vec<String>,
    /// XCCDF `<override>`s.
    pub overrides: Vec<Override>,
    /// STIG Manager's `sm:detail` and `sm:comment` inside `check-content`.
    pub detail: Option<String>,
    pub comment: Option<String>,
    /// stigkit's `severity-justification` beside them.
    pub severity_justification: Option<String>,
    /// STIG Manager's `sm:resultEngine` inside `check-content`.
    pub engine: Option<ResultEngine>,
}

/// A changed result and who changed it (XCCDF `override`, or the
/// `sm:overrides` of a result engine).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Override {
    pub authority: String,
    pub time: String,
    pub old_result: String,
    pub new_result: String,
    pub remark: String,
}

/// STIG Manager's record of the tool behind a review.
#[derive(Debug, Default)]
pub(super) struct ResultEngine {
    pub product: String,
    pub version: String,
    pub overrides: Vec<Override>,
}

/// Reads a `<TestResult>` element whose start tag is `el`.
pub(super) fn test_result(input: &mut Input<'_>, el: &Element<'_>) -> Result<TestResult, XmlError> {
    let mut tr = TestResult {
        id: el.attr("id").unwrap_or_default(),
        test_system: el.attr("test-system").unwrap_or_default(),
        version: el.attr("version").unwrap_or_default(),
        start_time: el.attr("start-time").unwrap_or_default(),
        end_time: el.attr("end-time").unwrap_or_default(),
        ..TestResult::default()
    };
    if !el.has_body {
        return Ok(tr);
    }
    while let Some(child) = input.child(&mut |_| {})? {
        match child.name.as_ref() {
            "benchmark" => {
                tr.benchmark = child
                    .attr("id")
                    .filter(|s| !s.is_empty())
                    .or_else(|| child.attr("href"))
                    .unwrap_or_default();
                input.skip(&child)?;
            }
            "title" => tr.title = trimmed(input.text(&child)?),
            "organization" => tr.organizations.push(trimmed(input.text(&child)?)),
            "identity" => {
                tr.identity = Some(Identity {
                    authenticated: flag(child.attr("authenticated")),
                    privileged: flag(child.attr("privileged")),
                    name: trimmed(input.text(&child)?),
                })
            }
            "profile" => {
                tr.profile = child.attr("idref").unwrap_or_default();
                input.skip(&child)?;
            }
            "target" => tr.targets.push(trimmed(input.text(&child)?)),
            "target-address" => tr.addresses.push(trimmed(input.text(&child)?)),
            "target-facts" => read_facts(input, &child, &mut tr.facts)?,
            "rule-result" => tr
                .results
                .push(rule_result(input, &child, &mut tr.skipped)?),
            // Computed from the results, as any export computes it again.
            "score" => input.skip(&child)?,
            _ => skip(input, &child, "", &mut tr.skipped)?,
        }
    }
    Ok(tr)
}

fn flag(v: Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("true" | "1"))
}

/// Machine-written values (names, addresses, facts): producers indent them
/// inside pretty-printed XML, so surrounding whitespace is not data.
fn trimmed(s: String) -> String {
    let t = s.trim();
    if t.len() == s.len() { s } else { t.to_string() }
}

fn read_facts(
    input: &mut Input<'_>,
    el: &Element<'_>,
    facts: &mut Vec<(String, String)>,
) -> Result<(), XmlError> {
    if !el.has_body {
        return Ok(());
    }
    while let Some(fact) = input.child(&mut |_| {})? {
        if fact.name == "fact" {
            let name = fact.attr("name").unwrap_or_default();
            facts.push((name, trimmed(input.text(&fact)?)));
        } else {
            input.skip(&fact)?;
        }
    }
    Ok(())
}

/// Skips `el`, noting it under `parent` when it holds anything.
fn skip<'a>(
    input: &mut Input<'a>,
    el: &Element<'a>,
    parent: &str,
    skipped: &mut BTreeSet<String>,
) -> Result<(), XmlError> {
    if el.has_body {
        skipped.insert(format!("{parent}{}", el.name));
    }
    input.skip(el)
}

fn rule_result(
    input: &mut Input<'_>,
    el: &Element<'_>,
    skipped: &mut BTreeSet<String>,
) -> Result<RuleResult, XmlError> {
    let attr = |name: &str| el.attr(name).unwrap_or_default();
    let mut rr = RuleResult {
        rule_id: short_id(&attr("idref"), "_rule_").to_string(),
        time: attr("time"),
        severity: attr("severity"),
        weight: attr("weight"),
        version: attr("version"),
        ..RuleResult::default()
    };
    if !el.has_body {
        return Ok(rr);
    }
    while let Some(child) = input.child(&mut |_| {})? {
        match child.name.as_ref() {
            "result" => rr.result = trimmed(input.text(&child)?),
            "instance" => rr.instances.push(trimmed(input.text(&child)?)),
            "ident" => {
                let system = child.attr("system").unwrap_or_default();
                let value = trimmed(input.text(&child)?);
                if system.ends_with("/cci") || value.starts_with("CCI-") {
                    rr.ccis.push(value);
                } else if system.ends_with("/legacy") {
                    rr.legacy_ids.push(value);
                }
            }
            "message" => {
                let text = input.text(&child)?;
                if !text.trim().is_empty() {
                    rr.messages.push(text);
                }
            }
            "override" => rr.overrides.push(read_override(input, &child)?),
            "check" => read_check(input, &child, &mut rr, skipped)?,
            _ => skip(input, &child, "rule-result/", skipped)?,
        }
    }
    Ok(rr)
}

/// An XCCDF `<override>` or an `sm:overrides`: the same fields, spelt
/// `old-result` or `oldResult`.
fn read_override(input: &mut Input<'_>, el: &Element<'_>) -> Result<Override, XmlError> {
    let mut o = Override {
        time: el.attr("time").unwrap_or_default(),
        authority: el.attr("authority").unwrap_or_default(),
        ..Override::default()
    };
    if !el.has_body {
        return Ok(o);
    }
    while let Some(child) = input.child(&mut |_| {})? {
        let slot = match child.name.as_ref() {
            "authority" => &mut o.authority,
            "old-result" | "oldResult" => &mut o.old_result,
            "new-result" | "newResult" => &mut o.new_result,
            "remark" => &mut o.remark,
            "time" => &mut o.time,
            _ => {
                input.skip(&child)?;
                continue;
            }
        };
        *slot = input.text(&child)?;
    }
    for s in [&mut o.authority, &mut o.old_result, &mut o.new_result] {
        *s = s.trim().to_string();
    }
    Ok(o)
}

fn read_check(
    input: &mut Input<'_>,
    el: &Element<'_>,
    rr: &mut RuleResult,
    skipped: &mut BTreeSet<String>,
) -> Result<(), XmlError> {
    if !el.has_body {
        return Ok(());
    }
    while let Some(child) = input.child(&mut |_| {})? {
        if child.name != "check-content" || !child.has_body {
            input.skip(&child)?;
            continue;
        }
        // Scanners repeat the rule's check text here (skipped as text
        // between children); STIG Manager puts its review fields here.
        while let Some(part) = input.child(&mut |_| {})? {
            match part.name.as_ref() {
                "detail" => rr.detail = Some(input.text(&part)?),
                "comment" => rr.comment = Some(input.text(&part)?),
                "severity-justification" => rr.severity_justification = Some(input.text(&part)?),
                "resultEngine" => rr.engine = Some(read_engine(input, &part, skipped)?),
                _ => input.skip(&part)?,
            }
        }
    }
    Ok(())
}

fn read_engine(
    input: &mut Input<'_>,
    el: &Element<'_>,
    skipped: &mut BTreeSet<String>,
) -> Result<ResultEngine, XmlError> {
    let mut e = ResultEngine::default();
    if !el.has_body {
        return Ok(e);
    }
    while let Some(child) = input.child(&mut |_| {})? {
        match child.name.as_ref() {
            "product" => e.product = trimmed(input.text(&child)?),
            "version" => e.version = trimmed(input.text(&child)?),
            "overrides" => e.overrides.push(read_override(input, &child)?),
            _ => skip(input, &child, "resultEngine/", skipped)?,
        }
    }
    Ok(e)
}

/// A Benchmark's `<metadata>`: its Dublin Core entries by local name
/// (`creator`, `publisher`, …), which tell who wrote the file.
pub(super) fn metadata(
    input: &mut Input<'_>,
    el: &Element<'_>,
) -> Result<Vec<(String, String)>, XmlError> {
    let mut out = Vec::new();
    if !el.has_body {
        return Ok(out);
    }
    while let Some(child) = input.child(&mut |_| {})? {
        let text = trimmed(input.text(&child)?);
        out.push((child.name.into_owned(), text));
    }
    Ok(out)
}
