//! CKL reader.

use super::{Error, keys};
use crate::model::{
    Asset, CheckContentRef, Checklist, ChecklistRule, Engine, Severity, Status, StigChecklist,
    StigInfo,
};
use crate::xml::{self, Element, Input, XmlError};

/// The header comment STIG Viewer writes; not kept, as the writer adds its own.
fn is_viewer_header(comment: &str) -> bool {
    comment.trim_start().starts_with("DISA STIG Viewer ::")
}

/// Reads a CKL. Problems a tolerant reader can live with (a missing
/// `ASSET`, an unknown status, …) are described in `warnings`.
pub fn read(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Checklist, Error> {
    let text = xml::decode(bytes)?;
    let mut input = Input::new(text);
    let mut comments = Vec::new();
    let root = input.root(&mut comments)?;
    if root.name != "CHECKLIST" {
        return Err(Error::NotAChecklist(root.name.into_owned()));
    }
    let mut checklist = Checklist::default();
    for c in comments.iter().filter(|c| !is_viewer_header(c)) {
        checklist.passthrough.push(keys::ROOT_COMMENT, c.as_str());
    }
    let (mut saw_asset, mut saw_stigs) = (false, false);
    let mut ignore = |_: &str| {};
    if root.has_body {
        while let Some(el) = input.child(&mut ignore)? {
            match el.name.as_ref() {
                "ASSET" => {
                    saw_asset = true;
                    checklist.asset = read_asset(&mut input, &el)?;
                }
                "STIGS" => {
                    saw_stigs = true;
                    read_stigs(&mut input, &el, &mut checklist.stigs, warnings)?;
                }
                other => {
                    warnings.push(format!("ignored unknown element <{other}> in <CHECKLIST>"));
                    input.skip(&el)?;
                }
            }
        }
    }
    input.finish(&mut Vec::new())?;
    if !saw_stigs {
        return Err(Error::NoStigs);
    }
    // The asset's TARGET_KEY belongs to the first STIG; older producers
    // leave the rules' TargetKey empty.
    if let Some(first) = checklist.stigs.first_mut()
        && first.info.target_key.is_empty()
    {
        first.info.target_key = checklist.asset.target_key.clone();
    }
    mark_evaluate_stig(&mut checklist);
    if !saw_asset {
        warnings.push("no <ASSET> element: asset fields are empty".into());
    }
    if checklist.asset.host_name.is_empty() {
        warnings.push("HOST_NAME is empty: STIG Manager and eMASS need a host name".into());
    }
    Ok(checklist)
}

/// The fields of an Evaluate-STIG comment (`<!--<Evaluate-STIG>…-->`), keys
/// lower-cased (its writers vary: `AFMod`, `afmod`); `None` for other
/// comments. A marker whose XML does not parse has no fields.
fn evaluate_stig_fields(comment: &str) -> Option<Vec<(String, String)>> {
    let c = comment.trim();
    if !c.starts_with("<Evaluate-STIG>") {
        return None;
    }
    Some(match crate::xml::leaves(c) {
        Ok((_, leaves)) => leaves
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .collect(),
        Err(_) => Vec::new(),
    })
}

/// Evaluate-STIG decided the reviews of a checklist whose root carries its
/// marker, except those an answer file set: a VULN comment with `AFMod`
/// true (or naming an answer file without saying) is a person's answer.
fn mark_evaluate_stig(checklist: &mut Checklist) {
    let Some(root) = checklist
        .passthrough
        .values(keys::ROOT_COMMENT)
        .find_map(evaluate_stig_fields)
    else {
        return;
    };
    let field = |fields: &[(String, String)], key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let version = field(&root, "version")
        .or_else(|| field(&root, "global/version"))
        .unwrap_or_default();
    for r in checklist.stigs.iter_mut().flat_map(|s| s.rules.iter_mut()) {
        let answered = r
            .passthrough
            .values(keys::VULN_COMMENT)
            .filter_map(evaluate_stig_fields)
            .any(|f| match field(&f, "afmod") {
                Some(afmod) => afmod.eq_ignore_ascii_case("true"),
                None => field(&f, "answerfile").is_some_and(|a| !a.is_empty()),
            });
        if !answered {
            r.record.engine = Some(Engine::evaluate_stig(&version));
        }
    }
}

fn read_asset(input: &mut Input<'_>, el: &Element<'_>) -> Result<Asset, XmlError> {
    let mut a = Asset {
        role: String::new(),
        asset_type: String::new(),
        ..Asset::default()
    };
    let mut ignore = |_: &str| {};
    if !el.has_body {
        return Ok(a);
    }
    while let Some(child) = input.child(&mut ignore)? {
        let value = input.text(&child)?;
        match child.name.as_ref() {
            "ROLE" => a.role = value,
            "ASSET_TYPE" => a.asset_type = value,
            "MARKING" => a.marking = value,
            "HOST_NAME" => a.host_name = value,
            "HOST_IP" => a.host_ip = value,
            "HOST_MAC" => a.host_mac = value,
            "HOST_FQDN" => a.host_fqdn = value,
            "TARGET_COMMENT" => a.target_comment = value,
            "TECH_AREA" => a.tech_area = value,
            "TARGET_KEY" => a.target_key = value,
            "WEB_OR_DATABASE" => a.web_or_database = value.trim().eq_ignore_ascii_case("true"),
            "WEB_DB_SITE" => a.web_db_site = value,
            "WEB_DB_INSTANCE" => a.web_db_instance = value,
            _ => a.extra.push((child.name.to_string(), value)),
        }
    }
    Ok(a)
}

fn read_stigs(
    input: &mut Input<'_>,
    el: &Element<'_>,
    stigs: &mut Vec<StigChecklist>,
    warnings: &mut Vec<String>,
) -> Result<(), XmlError> {
    if !el.has_body {
        return Ok(());
    }
    let mut ignore = |_: &str| {};
    while let Some(child) = input.child(&mut ignore)? {
        if child.name == "iSTIG" {
            stigs.push(read_istig(input, &child, warnings)?);
        } else {
            warnings.push(format!(
                "ignored unknown element <{}> in <STIGS>",
                child.name
            ));
            input.skip(&child)?;
        }
    }
    Ok(())
}

fn read_istig(
    input: &mut Input<'_>,
    el: &Element<'_>,
    warnings: &mut Vec<String>,
) -> Result<StigChecklist, XmlError> {
    let mut stig = StigChecklist::default();
    if !el.has_body {
        return Ok(stig);
    }
    let mut comments = Vec::new();
    loop {
        let child = input.child(&mut |c| comments.push(c.to_string()))?;
        let Some(child) = child else { break };
        match child.name.as_ref() {
            "STIG_INFO" => stig.info = read_info(input, &child)?,
            "VULN" => stig.rules.push(read_vuln(input, &child, warnings)?),
            other => {
                warnings.push(format!("ignored unknown element <{other}> in <iSTIG>"));
                input.skip(&child)?;
            }
        }
    }
    for c in comments {
        stig.passthrough.push(keys::ISTIG_COMMENT, c);
    }
    if stig.info.stig_id.is_empty() {
        warnings.push(format!(
            "a STIG ({} rules) has no stigid: STIG Manager cannot match it to a benchmark",
            stig.rules.len()
        ));
    }
    stig.info.display_name = crate::model::display_name(&stig.info.title);
    stig.info.target_key = stig
        .rules
        .iter()
        .map(|r| r.rule.target_key.as_str())
        .find(|k| !k.is_empty())
        .unwrap_or_default()
        .to_string();
    Ok(stig)
}

fn read_info(input: &mut Input<'_>, el: &Element<'_>) -> Result<StigInfo, XmlError> {
    let mut info = StigInfo::default();
    if !el.has_body {
        return Ok(info);
    }
    let mut ignore = |_: &str| {};
    while let Some(si) = input.child(&mut ignore)? {
        if si.name != "SI_DATA" {
            input.skip(&si)?;
            continue;
        }
        let (mut name, mut data) = (String::new(), String::new());
        if si.has_body {
            while let Some(part) = input.child(&mut ignore)? {
                match part.name.as_ref() {
                    "SID_NAME" => name = input.text(&part)?,
                    "SID_DATA" => data = input.text(&part)?,
                    _ => input.skip(&part)?,
                }
            }
        }
        set_info(&mut info, name, data);
    }
    Ok(info)
}

/// Files one `SI_DATA` pair of `STIG_INFO` in `info`.
pub(super) fn set_info(info: &mut StigInfo, name: String, data: String) {
    let slot = match name.as_str() {
        "version" => &mut info.version,
        "classification" => &mut info.classification,
        "customname" => &mut info.custom_name,
        "stigid" => &mut info.stig_id,
        "description" => &mut info.description,
        "filename" => &mut info.filename,
        "releaseinfo" => &mut info.release_info,
        "title" => &mut info.title,
        "uuid" => &mut info.uuid,
        "notice" => &mut info.notice,
        "source" => &mut info.source,
        _ => {
            info.extra.push((name, data));
            return;
        }
    };
    *slot = data;
}

fn read_vuln(
    input: &mut Input<'_>,
    el: &Element<'_>,
    warnings: &mut Vec<String>,
) -> Result<ChecklistRule, XmlError> {
    let mut r = ChecklistRule::default();
    if !el.has_body {
        return Ok(r);
    }
    let mut comments = Vec::new();
    let mut status: Option<String> = None;
    let mut unknown = Vec::new();
    loop {
        let child = input.child(&mut |c| comments.push(c.to_string()))?;
        let Some(child) = child else { break };
        match child.name.as_ref() {
            "STIG_DATA" => read_stig_data(input, &child, &mut r)?,
            "STATUS" => status = Some(input.text(&child)?),
            "FINDING_DETAILS" => r.review.finding_details = input.text(&child)?,
            "COMMENTS" => r.review.comments = input.text(&child)?,
            "SEVERITY_OVERRIDE" => {
                let v = input.text(&child)?;
                r.review.severity_override = Severity::parse(&v);
                if r.review.severity_override.is_none() && !v.trim().is_empty() {
                    warnings.push(format!(
                        "{}: SEVERITY_OVERRIDE '{v}' is not low, medium or high; ignored",
                        r.rule.rule_id
                    ));
                }
            }
            "SEVERITY_JUSTIFICATION" => r.review.severity_justification = input.text(&child)?,
            _ => {
                let text = input.text(&child)?;
                unknown.push((child.name.to_string(), text));
            }
        }
    }
    r.review.status = match status.as_deref().map(str::trim) {
        Some(s) => match Status::parse_lenient(s) {
            Some(st) => st,
            None => {
                let what = if s.is_empty() {
                    "empty STATUS"
                } else {
                    "unknown STATUS"
                };
                warnings.push(format!(
                    "{}: {what} '{s}' read as Not_Reviewed",
                    r.rule.rule_id
                ));
                Status::NotReviewed
            }
        },
        None => {
            warnings.push(format!(
                "{}: no STATUS element, read as Not_Reviewed",
                r.rule.rule_id
            ));
            Status::NotReviewed
        }
    };
    if r.rule.rule_id.is_empty() {
        warnings.push(format!(
            "{}: empty Rule_ID (STIG Manager drops such rules)",
            r.rule.vuln_id
        ));
    }
    for c in comments {
        r.passthrough.push(keys::VULN_COMMENT, c);
    }
    for (name, text) in unknown {
        r.passthrough
            .push(format!("{}{name}", keys::VULN_ELEMENT), text);
    }
    Ok(r)
}

fn read_stig_data(
    input: &mut Input<'_>,
    el: &Element<'_>,
    r: &mut ChecklistRule,
) -> Result<(), XmlError> {
    let (mut name, mut data) = (String::new(), String::new());
    if el.has_body {
        let mut ignore = |_: &str| {};
        while let Some(part) = input.child(&mut ignore)? {
            match part.name.as_ref() {
                "VULN_ATTRIBUTE" => name = input.text(&part)?,
                "ATTRIBUTE_DATA" => data = input.text(&part)?,
                _ => input.skip(&part)?,
            }
        }
    }
    let rule = &mut r.rule;
    let d = &mut rule.discussion;
    let slot = match name.as_str() {
        "Vuln_Num" => &mut rule.vuln_id,
        "Severity" => {
            rule.severity = Severity::parse(&data).unwrap_or(Severity::Unknown);
            return Ok(());
        }
        "Group_Title" => &mut rule.group_title,
        "Rule_ID" => &mut rule.rule_id,
        "Rule_Ver" => &mut rule.stig_id,
        "Rule_Title" => &mut rule.title,
        "Vuln_Discuss" => &mut d.vuln_discussion,
        "IA_Controls" => &mut d.ia_controls,
        "Check_Content" => &mut rule.check_content,
        "Fix_Text" => &mut rule.fix_text,
        "False_Positives" => &mut d.false_positives,
        "False_Negatives" => &mut d.false_negatives,
        "Documentable" => &mut d.documentable,
        "Mitigations" => &mut d.mitigations,
        "Potential_Impact" => &mut d.potential_impacts,
        "Third_Party_Tools" => &mut d.third_party_tools,
        "Mitigation_Control" => &mut d.mitigation_control,
        "Responsibility" => &mut d.responsibility,
        "Security_Override_Guidance" => &mut d.severity_override_guidance,
        "Check_Content_Ref" => {
            // Producers that have no reference write the attribute empty.
            rule.check_content_ref = (!data.is_empty()).then(|| CheckContentRef {
                href: String::new(),
                name: data,
            });
            return Ok(());
        }
        "Weight" => &mut rule.weight,
        "Class" => &mut rule.classification,
        "STIGRef" => &mut r.record.stig_ref,
        "TargetKey" => &mut rule.target_key,
        "STIG_UUID" => &mut r.record.stig_uuid,
        "LEGACY_ID" => {
            // STIG Viewer pads the list with empty entries.
            if !data.is_empty() {
                rule.legacy_ids.push(data);
            }
            return Ok(());
        }
        "CCI_REF" => {
            if !data.is_empty() {
                rule.ccis.push(data);
            }
            return Ok(());
        }
        _ => {
            r.extra.push((name, data));
            return Ok(());
        }
    };
    *slot = data;
    Ok(())
}
