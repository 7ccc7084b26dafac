//! STIG Viewer 3.x checklists (`.cklb`, JSON).
//!
//! Reads every producer's variant (STIG Viewer 3, STIG Manager,
//! Evaluate-STIG, STIGQter): `null` for text, numbers as strings, the
//! deprecated `STIGUuid`, `group_title` holding either the rule title or the
//! SRG id. Unknown keys (Evaluate-STIG's `evaluate-stig` objects, anything
//! newer) are kept and written back. Writes STIG Viewer 3's layout with
//! `stigs[].version` as a string, which STIG Manager needs.

mod lint;
mod wire;

pub use lint::lint;

use crate::model::{
    Asset, CheckContentRef, Checklist, ChecklistRule, Discussion, Engine, Review, Rule, RuleRecord,
    Severity, Status, StigChecklist, StigInfo,
};
use serde_json::{Map, Value};
use std::io;
use wire::Extra;

/// Why a file could not be read as a CKLB.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not JSON, or JSON of the wrong shape at `path`.
    #[error("{path}line {line}, column {column}: {message}", path = path_prefix(.path))]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON without the `stigs` array every checklist has.
    #[error("not a STIG Viewer 3 checklist: no \"stigs\" array")]
    NoStigs,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("at {path}: ")
    }
}

/// Passthrough keys owned by this codec; each holds a JSON object of the
/// keys the model has no field for.
mod keys {
    pub const ROOT: &str = "cklb:root";
    pub const MODE: &str = "cklb:mode";
    pub const TARGET: &str = "cklb:target_data";
    pub const STIG: &str = "cklb:stig";
    pub const RULE: &str = "cklb:rule";
    pub const OVERRIDES: &str = "cklb:overrides";
    /// Present when the marking goes in `target_data.marking`.
    pub const MARKING: &str = "cklb:marking";
}

/// CKLB status spellings.
fn status_name(s: Status) -> &'static str {
    match s {
        Status::NotAFinding => "not_a_finding",
        Status::Open => "open",
        Status::NotApplicable => "not_applicable",
        Status::NotReviewed => "not_reviewed",
    }
}

/// Reads a CKLB. Problems a tolerant reader can live with are described
/// in `warnings`.
pub fn read(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Checklist, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let file: wire::InChecklist = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::Json {
            path,
            line: inner.line(),
            column: inner.column(),
            message: strip_position(&inner.to_string()),
        }
    })?;
    let stigs = file.stigs.ok_or(Error::NoStigs)?;
    let mut checklist = Checklist {
        name: file.title,
        id: file.id,
        ..Checklist::default()
    };
    if let Some(mode) = &file.mode {
        checklist.passthrough.push(keys::MODE, mode.to_string());
    }
    let evaluate_stig = evaluate_stig_version(&file.extra);
    keep(&mut checklist.passthrough, keys::ROOT, &file.extra);
    let t = file.target_data.unwrap_or_default();
    checklist.asset = Asset {
        role: t.role,
        asset_type: t.target_type,
        marking: t.marking,
        host_name: t.host_name,
        host_ip: t.ip_address,
        host_mac: t.mac_address,
        host_fqdn: t.fqdn,
        target_comment: t.comments,
        tech_area: t.technology_area,
        target_key: String::new(),
        web_or_database: t.is_web_database,
        web_db_site: t.web_db_site,
        web_db_instance: t.web_db_instance,
        extra: Vec::new(),
    };
    keep(&mut checklist.passthrough, keys::TARGET, &t.extra);
    if !checklist.asset.marking.is_empty() {
        keep_marking(&mut checklist);
    }
    for s in stigs {
        checklist
            .stigs
            .push(read_stig(s, evaluate_stig.as_deref(), warnings));
    }
    checklist.asset.target_key = checklist
        .stigs
        .first()
        .map(|s| s.info.target_key.clone())
        .unwrap_or_default();
    if checklist.asset.host_name.is_empty() {
        warnings
            .push("target_data.host_name is empty: STIG Manager and eMASS need a host name".into());
    }
    Ok(checklist)
}

/// Makes a CKLB written from `checklist` hold its marking as STIGQter
/// does, in `target_data.marking`. DISA's CKLB schema has no key for it
/// (`additionalProperties: false`), so this is done only for checklists
/// read from such a file or when the user asks.
pub fn keep_marking(checklist: &mut Checklist) {
    if !holds_marking(checklist) {
        checklist.passthrough.push(keys::MARKING, "target_data");
    }
}

fn holds_marking(checklist: &Checklist) -> bool {
    checklist.passthrough.values(keys::MARKING).next().is_some()
}

/// serde_json appends " at line L column C"; the error already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(at) => msg[..at].to_string(),
        None => msg.to_string(),
    }
}

fn keep(p: &mut crate::model::Passthrough, key: &str, extra: &Extra) {
    if !extra.is_empty() {
        p.push(key, Value::Object(extra.clone()).to_string());
    }
}

fn kept(p: &crate::model::Passthrough, key: &str) -> Extra {
    p.values(key)
        .filter_map(|v| serde_json::from_str::<Map<String, Value>>(v).ok())
        .last()
        .unwrap_or_default()
}

/// Evaluate-STIG's key, at the root (its version), on each STIG and on
/// each rule (the answer file that set the review, if any).
const EVALUATE_STIG: &str = "evaluate-stig";

/// The Evaluate-STIG version of a checklist whose root carries Evaluate-STIG's
/// object (empty when the object states none); `None` without it.
fn evaluate_stig_version(root: &Extra) -> Option<String> {
    let Some(Value::Object(es)) = root.get(EVALUATE_STIG) else {
        return None;
    };
    let version = es
        .get("version")
        .or_else(|| es.get("global").and_then(|g| g.get("version")))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Some(version.to_string())
}

/// Whether an Evaluate-STIG answer file set this rule's review: `afmod`
/// true, or an answer file named without saying. Keys are matched without
/// case, as Evaluate-STIG's writers differ.
fn answered(rule: &Extra) -> bool {
    let Some(Value::Object(es)) = rule.get(EVALUATE_STIG) else {
        return false;
    };
    let get = |key: &str| {
        es.iter()
            .find(|(k, _)| k.replace('_', "").eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    };
    match get("afmod") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        Some(_) => false,
        None => get("answerfile")
            .and_then(Value::as_str)
            .is_some_and(|a| !a.trim().is_empty()),
    }
}

fn read_stig(
    s: wire::InStig,
    evaluate_stig: Option<&str>,
    warnings: &mut Vec<String>,
) -> StigChecklist {
    let mut stig = StigChecklist {
        info: StigInfo {
            version: s.version,
            stig_id: s.stig_id,
            release_info: s.release_info,
            title: s.stig_name,
            uuid: s.uuid,
            display_name: s.display_name,
            size: s.size,
            target_key: s.reference_identifier,
            ..StigInfo::default()
        },
        ..StigChecklist::default()
    };
    keep(&mut stig.passthrough, keys::STIG, &s.extra);
    for r in s.rules {
        let rule = read_rule(r, &stig.info, evaluate_stig, warnings);
        stig.rules.push(rule);
    }
    stig
}

fn read_rule(
    r: wire::InRule,
    info: &StigInfo,
    evaluate_stig: Option<&str>,
    warnings: &mut Vec<String>,
) -> ChecklistRule {
    let (group_title, group_description) = match r.group_tree.as_deref().and_then(|t| t.first()) {
        Some(g) => (g.title.clone(), g.description.clone()),
        None => (r.group_title.clone(), String::new()),
    };
    let rule_id = if r.rule_id_src.is_empty() {
        r.rule_id.clone()
    } else {
        let short = r
            .rule_id_src
            .strip_suffix("_rule")
            .unwrap_or(&r.rule_id_src);
        if !r.rule_id.is_empty() && r.rule_id != short {
            warnings.push(format!(
                "{}: rule_id '{}' disagrees with rule_id_src; the rule_id_src is kept",
                r.rule_id_src, r.rule_id
            ));
        }
        r.rule_id_src
    };
    let status = match Status::parse_lenient(&r.status) {
        Some(s) => s,
        None => {
            // Name the rule by what it has: a rule id, else its group.
            let who = if rule_id.is_empty() {
                format!("rule of group '{}'", r.group_id)
            } else {
                rule_id.clone()
            };
            warnings.push(format!("{who}: status '{}' read as not_reviewed", r.status));
            Status::NotReviewed
        }
    };
    let mut overrides = r.overrides.unwrap_or_default();
    let (severity_override, severity_justification) = match overrides.remove("severity") {
        Some(Value::Object(o)) => (
            o.get("severity")
                .and_then(Value::as_str)
                .and_then(Severity::parse),
            o.get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        _ => (None, String::new()),
    };
    let mut out = ChecklistRule {
        rule: Rule {
            vuln_id: if r.group_id.is_empty() {
                r.group_id_src.clone()
            } else {
                r.group_id
            },
            group_title,
            group_description,
            rule_id,
            severity: Severity::parse(&r.severity).unwrap_or(Severity::Unknown),
            weight: r.weight,
            stig_id: r.rule_version,
            title: r.rule_title,
            discussion: Discussion {
                vuln_discussion: r.discussion,
                false_positives: r.false_positives,
                false_negatives: r.false_negatives,
                documentable: r.documentable,
                mitigations: r.mitigations,
                severity_override_guidance: r.security_override_guidance,
                potential_impacts: r.potential_impacts,
                third_party_tools: r.third_party_tools,
                mitigation_control: r.mitigation_control,
                responsibility: r.responsibility,
                ia_controls: r.ia_controls,
            },
            check_content: r.check_content,
            check_content_ref: r.check_content_ref.map(|c| CheckContentRef {
                href: c.href,
                name: c.name,
            }),
            fix_text: r.fix_text,
            ccis: r.ccis,
            legacy_ids: r.legacy_ids,
            target_key: if r.target_key.is_empty() {
                info.target_key.clone()
            } else {
                r.target_key
            },
            classification: r.classification,
        },
        review: Review {
            status,
            finding_details: r.finding_details,
            comments: r.comments,
            severity_override,
            severity_justification,
        },
        record: RuleRecord {
            uuid: r.uuid,
            stig_uuid: r.stig_uuid,
            stig_ref: r.stig_ref,
            created_at: r.created_at,
            updated_at: r.updated_at,
            engine: evaluate_stig
                .filter(|_| !answered(&r.extra))
                .map(Engine::evaluate_stig),
        },
        ..ChecklistRule::default()
    };
    let mut extra = r.extra;
    if !r.group_id_src.is_empty() {
        extra.insert("group_id_src".into(), Value::String(r.group_id_src));
    }
    keep(&mut out.passthrough, keys::RULE, &extra);
    keep(&mut out.passthrough, keys::OVERRIDES, &overrides);
    out
}

/// Writes `checklist` as a CKLB (pretty-printed like STIG Viewer 3).
pub fn write(checklist: &Checklist, out: &mut impl io::Write) -> io::Result<()> {
    let text = write_to_string(checklist);
    out.write_all(text.as_bytes())
}

/// Renders `checklist` as CKLB text.
pub fn write_to_string(checklist: &Checklist) -> String {
    // Extras are parsed once up front so the borrowed views can point at them.
    let root_extra = kept(&checklist.passthrough, keys::ROOT);
    let target_extra = kept(&checklist.passthrough, keys::TARGET);
    let stig_extras: Vec<(Extra, Vec<(Extra, Extra)>)> = checklist
        .stigs
        .iter()
        .map(|s| {
            let rules = s
                .rules
                .iter()
                .map(|r| {
                    (
                        kept(&r.passthrough, keys::RULE),
                        kept(&r.passthrough, keys::OVERRIDES),
                    )
                })
                .collect();
            (kept(&s.passthrough, keys::STIG), rules)
        })
        .collect();
    let mode = checklist
        .passthrough
        .values(keys::MODE)
        .last()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(Value::from(1));
    let a = &checklist.asset;
    let file = wire::OutChecklist {
        title: &checklist.name,
        id: &checklist.id,
        stigs: checklist
            .stigs
            .iter()
            .zip(&stig_extras)
            .map(|(s, (extra, rules))| out_stig(s, extra, rules))
            .collect(),
        active: false,
        mode,
        has_path: true,
        target_data: wire::OutTarget {
            target_type: &a.asset_type,
            host_name: &a.host_name,
            ip_address: &a.host_ip,
            mac_address: &a.host_mac,
            fqdn: &a.host_fqdn,
            comments: &a.target_comment,
            role: &a.role,
            is_web_database: a.web_or_database,
            technology_area: &a.tech_area,
            web_db_site: &a.web_db_site,
            web_db_instance: &a.web_db_instance,
            marking: (holds_marking(checklist) && !a.marking.is_empty()).then_some(&*a.marking),
            extra: &target_extra,
        },
        cklb_version: "1.0",
        extra: &root_extra,
    };
    let mut buf = Vec::with_capacity(4096 + checklist.rule_count() * 6144);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(&file, &mut ser).expect("serialising to memory cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

fn out_stig<'a>(
    s: &'a StigChecklist,
    extra: &'a Extra,
    rules: &'a [(Extra, Extra)],
) -> wire::OutStig<'a> {
    wire::OutStig {
        stig_name: &s.info.title,
        display_name: &s.info.display_name,
        stig_id: &s.info.stig_id,
        version: &s.info.version,
        release_info: &s.info.release_info,
        uuid: &s.info.uuid,
        reference_identifier: &s.info.target_key,
        size: s.info.size.unwrap_or(s.rules.len()),
        rules: s
            .rules
            .iter()
            .zip(rules)
            .map(|(r, (extra, overrides))| out_rule(r, &s.info, extra, overrides))
            .collect(),
        extra,
    }
}

fn out_rule<'a>(
    r: &'a ChecklistRule,
    info: &'a StigInfo,
    extra: &'a Extra,
    other_overrides: &Extra,
) -> wire::OutRule<'a> {
    let rule = &r.rule;
    let d = &rule.discussion;
    let mut overrides = Map::new();
    if r.review.severity_override.is_some() || !r.review.severity_justification.is_empty() {
        let mut o = Map::new();
        if let Some(s) = r.review.severity_override {
            o.insert("severity".into(), Value::from(s.as_str()));
        }
        o.insert(
            "reason".into(),
            Value::from(r.review.severity_justification.as_str()),
        );
        overrides.insert("severity".into(), Value::Object(o));
    }
    overrides.extend(other_overrides.clone());
    let stig_uuid = if r.record.stig_uuid.is_empty() {
        info.uuid.as_str()
    } else {
        r.record.stig_uuid.as_str()
    };
    wire::OutRule {
        uuid: &r.record.uuid,
        stig_uuid,
        // STIG Viewer 3 leaves these null and keeps the key on the STIG.
        target_key: (!rule.target_key.is_empty() && rule.target_key != info.target_key)
            .then_some(rule.target_key.as_str()),
        stig_ref: (!r.record.stig_ref.is_empty()).then_some(r.record.stig_ref.as_str()),
        group_id: &rule.vuln_id,
        rule_id: rule.rule_id.strip_suffix("_rule").unwrap_or(&rule.rule_id),
        rule_id_src: &rule.rule_id,
        weight: &rule.weight,
        classification: &rule.classification,
        severity: rule.severity.as_str(),
        rule_version: &rule.stig_id,
        // STIG Viewer 3 repeats the rule title here; the SRG id lives in group_tree.
        group_title: &rule.title,
        rule_title: &rule.title,
        fix_text: &rule.fix_text,
        false_positives: &d.false_positives,
        false_negatives: &d.false_negatives,
        discussion: &d.vuln_discussion,
        check_content: &rule.check_content,
        documentable: &d.documentable,
        mitigations: &d.mitigations,
        potential_impacts: &d.potential_impacts,
        third_party_tools: &d.third_party_tools,
        mitigation_control: &d.mitigation_control,
        responsibility: &d.responsibility,
        security_override_guidance: &d.severity_override_guidance,
        ia_controls: &d.ia_controls,
        check_content_ref: rule.check_content_ref.as_ref().map(|c| wire::OutCheckRef {
            href: &c.href,
            name: &c.name,
        }),
        legacy_ids: &rule.legacy_ids,
        ccis: &rule.ccis,
        group_tree: [wire::OutGroup {
            id: &rule.vuln_id,
            title: &rule.group_title,
            description: &rule.group_description,
        }],
        created_at: &r.record.created_at,
        updated_at: &r.record.updated_at,
        stig_uuid_old: stig_uuid,
        status: status_name(r.review.status),
        overrides,
        comments: &r.review.comments,
        finding_details: &r.review.finding_details,
        extra,
    }
}

/// Values that a CKLB has no place for, and so would be lost by writing
/// one: the asset's MARKING (unless [`keep_marking`]), deprecated asset
/// fields, a STIG's custom name, and the benchmark metadata a CKL's
/// STIG_INFO holds beyond a CKLB's keys.
pub fn unrepresentable(checklist: &Checklist) -> Vec<String> {
    let mut lost = Vec::new();
    let a = &checklist.asset;
    if !a.marking.is_empty() && !holds_marking(checklist) {
        lost.push(format!(
            "MARKING '{}' (DISA's schema has none; --cklb-marking keeps it as target_data.marking)",
            a.marking
        ));
    }
    for (k, v) in a.extra.iter().filter(|(_, v)| !v.is_empty()) {
        lost.push(format!("{k} '{v}'"));
    }
    for s in &checklist.stigs {
        if !s.info.custom_name.is_empty() {
            lost.push(format!(
                "{} customname '{}'",
                s.info.stig_id, s.info.custom_name
            ));
        }
        for (k, v) in s.info.extra.iter().filter(|(_, v)| !v.is_empty()) {
            lost.push(format!("{} {k} '{v}'", s.info.stig_id));
        }
        let i = &s.info;
        let metadata: Vec<&str> = [
            ("classification", &i.classification),
            ("description", &i.description),
            ("filename", &i.filename),
            ("notice", &i.notice),
            ("source", &i.source),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, _)| k)
        .collect();
        if !metadata.is_empty() {
            lost.push(format!(
                "{} STIG_INFO {} (benchmark metadata, the same in DISA's XCCDF)",
                i.stig_id,
                metadata.join(", ")
            ));
        }
    }
    lost
}

/// Keys of a CKLB that only a CKLB holds (vendor objects such as
/// Evaluate-STIG's, keys newer than this reader), kept in `checklist` for
/// writing a CKLB back: a CKL drops them.
pub fn kept_keys(checklist: &Checklist) -> Vec<String> {
    let mut places: std::collections::BTreeMap<String, usize> = Default::default();
    let mut note = |p: &crate::model::Passthrough, key: &str, place: &str| {
        for k in kept(p, key).keys() {
            *places.entry(format!("{place}{k}")).or_default() += 1;
        }
    };
    note(&checklist.passthrough, keys::ROOT, "");
    note(&checklist.passthrough, keys::TARGET, "target_data.");
    for s in &checklist.stigs {
        note(&s.passthrough, keys::STIG, "stigs[].");
        for r in &s.rules {
            note(&r.passthrough, keys::RULE, "rules[].");
            note(&r.passthrough, keys::OVERRIDES, "rules[].overrides.");
        }
    }
    places
        .into_iter()
        .map(|(k, n)| if n > 1 { format!("{k} ({n} times)") } else { k })
        .collect()
}
