//! DISA XCCDF benchmarks, read only.
//!
//! Accepts XCCDF 1.1 and 1.2 (prefixed or not: elements are matched on
//! their local names), the long 1.2 ids (`xccdf_mil.disa.stig_rule_SV-…`),
//! CCIs under both the `iase.disa.mil` and `cyber.mil` ident systems, and a
//! UTF-8 byte-order mark.

mod description;

pub use description::unescape_lenient;

use crate::model::{Benchmark, CheckContentRef, Profile, Rule, Severity};
use crate::xml::{self, Element, Input, XmlError};

/// Why a file could not be read as a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The XML is fine but is not an XCCDF benchmark.
    #[error("not an XCCDF benchmark: the root element is <{0}>, expected <Benchmark>")]
    NotABenchmark(String),
    /// A benchmark without a single rule cannot make a checklist.
    #[error("the benchmark has no rules")]
    NoRules,
}

/// Reads a benchmark. `file_name` is recorded as the checklist `filename`.
pub fn read(bytes: &[u8], file_name: &str) -> Result<Benchmark, Error> {
    let text = xml::decode(bytes)?;
    let mut input = Input::new(text);
    let root = input.root(&mut Vec::new())?;
    if root.name != "Benchmark" {
        return Err(Error::NotABenchmark(root.name.into_owned()));
    }
    let b = read_body(&mut input, &root, file_name, &mut |input, el| {
        input.skip(&el)
    })?;
    input.finish(&mut Vec::new())?;
    if b.rules.is_empty() {
        return Err(Error::NoRules);
    }
    Ok(b)
}

/// Reads the children of a `<Benchmark>` root. Elements a benchmark has no
/// field for (`TestResult`, `metadata`, …) go to `other`, which must read
/// or skip them: the results reader takes its `TestResult`s from here.
pub(crate) fn read_body<'a>(
    input: &mut Input<'a>,
    root: &Element<'a>,
    file_name: &str,
    other: &mut dyn FnMut(&mut Input<'a>, Element<'a>) -> Result<(), XmlError>,
) -> Result<Benchmark, XmlError> {
    let mut b = Benchmark {
        id: short_id(&root.attr("id").unwrap_or_default(), "_benchmark_").to_string(),
        file_name: file_name.to_string(),
        notice: String::new(),
        ..Benchmark::default()
    };
    if !root.has_body {
        return Ok(b);
    }
    let mut ignore = |_: &str| {};
    while let Some(el) = input.child(&mut ignore)? {
        match el.name.as_ref() {
            "status" => {
                b.status_date = el.attr("date").unwrap_or_default();
                input.skip(&el)?;
            }
            "title" => b.title = input.text(&el)?,
            "description" => b.description = input.text(&el)?,
            "notice" => {
                b.notice = el.attr("id").unwrap_or_default();
                input.skip(&el)?;
            }
            "reference" => {
                let (source, _) = read_reference(input, &el)?;
                if !source.is_empty() {
                    b.source = source;
                }
            }
            "plain-text" => {
                if el.attr("id").as_deref() == Some("release-info") {
                    b.release_info = input.text(&el)?;
                } else {
                    input.skip(&el)?;
                }
            }
            "version" => b.version = input.text(&el)?,
            "Profile" => b.profiles.push(read_profile(input, &el)?),
            "Group" => read_group(input, &el, &mut b.rules, 1)?,
            "Rule" => {
                let rule = read_rule(input, &el, &Group::default())?;
                b.rules.push(rule);
            }
            _ => other(input, el)?,
        }
    }
    Ok(b)
}

/// `xccdf_mil.disa.stig_rule_SV-1r2_rule` → `SV-1r2_rule`; short ids unchanged.
pub(crate) fn short_id<'s>(id: &'s str, marker: &str) -> &'s str {
    id.find(marker).map_or(id, |at| &id[at + marker.len()..])
}

#[derive(Default)]
struct Group {
    id: String,
    title: String,
    description: String,
}

/// Deepest Group nesting read. DISA never nests groups and SCAP Security
/// Guide content a few levels; the limit keeps a hostile file from
/// overflowing the stack through recursion.
const MAX_GROUP_DEPTH: usize = 64;

fn read_group(
    input: &mut Input<'_>,
    el: &Element<'_>,
    rules: &mut Vec<Rule>,
    depth: usize,
) -> Result<(), XmlError> {
    if depth > MAX_GROUP_DEPTH {
        return Err(input.unexpected(format!("<Group> nested more than {MAX_GROUP_DEPTH} deep")));
    }
    let mut group = Group {
        id: short_id(&el.attr("id").unwrap_or_default(), "_group_").to_string(),
        ..Group::default()
    };
    if !el.has_body {
        return Ok(());
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        match child.name.as_ref() {
            "title" => group.title = input.text(&child)?,
            "description" => group.description = input.text(&child)?,
            "Rule" => {
                let rule = read_rule(input, &child, &group)?;
                rules.push(rule);
            }
            // XCCDF allows nested groups; DISA never nests, others might.
            "Group" => read_group(input, &child, rules, depth + 1)?,
            _ => input.skip(&child)?,
        }
    }
    Ok(())
}

fn read_rule(input: &mut Input<'_>, el: &Element<'_>, group: &Group) -> Result<Rule, XmlError> {
    let rule_id = short_id(&el.attr("id").unwrap_or_default(), "_rule_").to_string();
    let mut rule = Rule {
        vuln_id: if group.id.is_empty() {
            rule_id.clone()
        } else {
            group.id.clone()
        },
        group_title: group.title.clone(),
        group_description: group.description.clone(),
        rule_id,
        severity: el
            .attr("severity")
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Unknown),
        // DISA writes 10.0 on every rule; checklists expect a value.
        weight: el.attr("weight").unwrap_or_else(|| "10.0".into()),
        classification: "Unclass".into(),
        ..Rule::default()
    };
    if !el.has_body {
        return Ok(rule);
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        match child.name.as_ref() {
            "version" => rule.stig_id = input.text(&child)?,
            "title" => rule.title = input.text(&child)?,
            "description" => rule.discussion = description::split(&input.text(&child)?),
            "reference" => {
                let (_, identifier) = read_reference(input, &child)?;
                if !identifier.is_empty() {
                    rule.target_key = identifier;
                }
            }
            "ident" => {
                let system = child.attr("system").unwrap_or_default();
                let value = input.text(&child)?;
                if system.ends_with("/cci") || value.starts_with("CCI-") {
                    rule.ccis.push(value);
                } else if system.ends_with("/legacy") {
                    rule.legacy_ids.push(value);
                }
            }
            "fixtext" => rule.fix_text = input.text(&child)?,
            "check" => read_check(input, &child, &mut rule)?,
            _ => input.skip(&child)?,
        }
    }
    Ok(rule)
}

fn read_check(input: &mut Input<'_>, el: &Element<'_>, rule: &mut Rule) -> Result<(), XmlError> {
    if !el.has_body {
        return Ok(());
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        match child.name.as_ref() {
            "check-content-ref" if rule.check_content_ref.is_none() => {
                rule.check_content_ref = Some(CheckContentRef {
                    href: child.attr("href").unwrap_or_default(),
                    name: child.attr("name").unwrap_or_default(),
                });
                input.skip(&child)?;
            }
            "check-content" if rule.check_content.is_empty() => {
                rule.check_content = input.text(&child)?;
            }
            _ => input.skip(&child)?,
        }
    }
    Ok(())
}

/// A `<reference>`: returns (`dc:source`, `dc:identifier`).
fn read_reference(input: &mut Input<'_>, el: &Element<'_>) -> Result<(String, String), XmlError> {
    let (mut source, mut identifier) = (String::new(), String::new());
    if !el.has_body {
        return Ok((source, identifier));
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        match child.name.as_ref() {
            "source" => source = input.text(&child)?,
            "identifier" => identifier = input.text(&child)?,
            _ => input.skip(&child)?,
        }
    }
    Ok((source, identifier))
}

fn read_profile(input: &mut Input<'_>, el: &Element<'_>) -> Result<Profile, XmlError> {
    let mut p = Profile {
        id: short_id(&el.attr("id").unwrap_or_default(), "_profile_").to_string(),
        ..Profile::default()
    };
    if !el.has_body {
        return Ok(p);
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        match child.name.as_ref() {
            "title" => p.title = input.text(&child)?,
            "select" => {
                if child.attr("selected").as_deref() != Some("false") {
                    let idref = child.attr("idref").unwrap_or_default();
                    p.selected.push(short_id(&idref, "_group_").to_string());
                }
                input.skip(&child)?;
            }
            _ => input.skip(&child)?,
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V12: &str = r#"<?xml version="1.0"?>
<cdf:Benchmark xmlns:cdf="http://checklists.nist.gov/xccdf/1.2" xmlns:dc="http://purl.org/dc/elements/1.1/" id="xccdf_mil.disa.stig_benchmark_Demo_STIG">
  <cdf:title>Demo Security Technical Implementation Guide</cdf:title>
  <cdf:plain-text id="release-info">Release: 3 Benchmark Date: 01 Jan 2024</cdf:plain-text>
  <cdf:version>1</cdf:version>
  <cdf:Profile id="xccdf_mil.disa.stig_profile_MAC-1_Public"><cdf:title>I</cdf:title>
    <cdf:select idref="xccdf_mil.disa.stig_group_V-1" selected="true"/></cdf:Profile>
  <cdf:Group id="xccdf_mil.disa.stig_group_V-1"><cdf:title>SRG-1</cdf:title>
    <cdf:Rule id="xccdf_mil.disa.stig_rule_SV-1r2_rule" severity="low" weight="10.0">
      <cdf:version>DEMO-01</cdf:version><cdf:title>Rule one</cdf:title>
      <cdf:description>&lt;VulnDiscussion&gt;Why.&lt;/VulnDiscussion&gt;</cdf:description>
      <cdf:reference><dc:identifier>1234</dc:identifier></cdf:reference>
      <cdf:ident system="http://iase.disa.mil/cci">CCI-000366</cdf:ident>
      <cdf:ident system="http://cyber.mil/legacy">V-99</cdf:ident>
      <cdf:fixtext fixref="F-1">Fix it.</cdf:fixtext>
      <cdf:check system="C-1"><cdf:check-content-ref href="Demo.xml" name="M"/><cdf:check-content>Check it.</cdf:check-content></cdf:check>
    </cdf:Rule></cdf:Group>
</cdf:Benchmark>"#;

    #[test]
    fn reads_prefixed_xccdf_1_2_with_long_ids() {
        let b = read(V12.as_bytes(), "demo.xml").unwrap();
        assert_eq!(b.id, "Demo_STIG");
        assert_eq!(b.revision().unwrap().to_string(), "V1R3");
        assert_eq!(b.profiles[0].id, "MAC-1_Public");
        assert_eq!(b.profiles[0].selected, ["V-1"]);
        let r = &b.rules[0];
        assert_eq!(
            (r.vuln_id.as_str(), r.rule_id.as_str()),
            ("V-1", "SV-1r2_rule")
        );
        assert_eq!(r.severity, Severity::Low);
        assert_eq!(r.stig_id, "DEMO-01");
        assert_eq!(r.discussion.vuln_discussion, "Why.");
        assert_eq!(r.target_key, "1234");
        assert_eq!(r.ccis, ["CCI-000366"]);
        assert_eq!(r.legacy_ids, ["V-99"]);
        assert_eq!(r.fix_text, "Fix it.");
        assert_eq!(r.check_content, "Check it.");
        assert_eq!(r.check_content_ref.as_ref().unwrap().name, "M");
    }

    #[test]
    fn refuses_groups_nested_past_the_limit() {
        let n = MAX_GROUP_DEPTH + 1;
        let doc = format!(
            "<Benchmark id=\"x\">\n{}<Rule id=\"SV-1r1_rule\"/>{}</Benchmark>",
            "<Group id=\"g\">".repeat(n),
            "</Group>".repeat(n)
        );
        let e = read(doc.as_bytes(), "deep.xml").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "line 2, column {}: <Group> nested more than 64 deep",
                // the 65th start tag, after 64 of 14 characters
                14 * 64 + 1
            )
        );
        let ok = doc
            .replacen("<Group id=\"g\">", "", 1)
            .replacen("</Group>", "", 1);
        assert_eq!(read(ok.as_bytes(), "deep.xml").unwrap().rules.len(), 1);
    }

    #[test]
    fn rejects_other_documents() {
        let e = read(b"<CHECKLIST><ASSET/></CHECKLIST>", "x.ckl").unwrap_err();
        assert_eq!(
            e.to_string(),
            "not an XCCDF benchmark: the root element is <CHECKLIST>, expected <Benchmark>"
        );
        let e = read(b"<Benchmark id=\"x\"></Benchmark>", "x.xml").unwrap_err();
        assert!(matches!(e, Error::NoRules));
    }
}
