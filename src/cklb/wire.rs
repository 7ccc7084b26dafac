//! The CKLB file as JSON, field for field. Private to the codec: the
//! spellings here (`not_a_finding`, `rule_id_src`, `STIGUuid`) never leave it.
//!
//! Reading is lenient the way real files demand: strings may be `null`,
//! numbers may be strings, unknown keys are collected in `extra` and written
//! back. Writing follows STIG Viewer 3's key order.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Unknown keys of an object, in file order.
pub type Extra = Map<String, Value>;

#[derive(Deserialize)]
#[serde(expecting = "a checklist object")]
pub struct InChecklist {
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    /// `None` when the key is missing: such a file is not a checklist.
    pub stigs: Option<Vec<InStig>>,
    #[serde(default)]
    pub target_data: Option<InTarget>,
    #[serde(default)]
    pub mode: Option<Value>,
    // STIG Viewer 3's internal flags and the schema version are rewritten on
    // every save; reading them keeps them out of `extra`.
    #[serde(default, rename = "active")]
    pub _active: Option<Value>,
    #[serde(default, rename = "has_path")]
    pub _has_path: Option<Value>,
    #[serde(default, rename = "cklb_version")]
    pub _cklb_version: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Deserialize, Default)]
#[serde(expecting = "a target_data object")]
pub struct InTarget {
    #[serde(default, deserialize_with = "text")]
    pub target_type: String,
    #[serde(default, deserialize_with = "text")]
    pub host_name: String,
    #[serde(default, deserialize_with = "text")]
    pub ip_address: String,
    #[serde(default, deserialize_with = "text")]
    pub mac_address: String,
    #[serde(default, deserialize_with = "text")]
    pub fqdn: String,
    #[serde(default, deserialize_with = "text")]
    pub comments: String,
    #[serde(default, deserialize_with = "text")]
    pub role: String,
    #[serde(default, deserialize_with = "flag")]
    pub is_web_database: bool,
    #[serde(default, deserialize_with = "text")]
    pub technology_area: String,
    #[serde(default, deserialize_with = "text")]
    pub web_db_site: String,
    #[serde(default, deserialize_with = "text")]
    pub web_db_instance: String,
    /// STIGQter's classification banner; outside DISA's schema.
    #[serde(default, deserialize_with = "text")]
    pub marking: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Deserialize)]
#[serde(expecting = "a STIG object")]
pub struct InStig {
    #[serde(default, deserialize_with = "text")]
    pub stig_name: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "text")]
    pub stig_id: String,
    #[serde(default, deserialize_with = "text")]
    pub version: String,
    #[serde(default, deserialize_with = "text")]
    pub release_info: String,
    #[serde(default, deserialize_with = "text")]
    pub uuid: String,
    #[serde(default, deserialize_with = "text")]
    pub reference_identifier: String,
    #[serde(default, deserialize_with = "count")]
    pub size: Option<usize>,
    #[serde(default)]
    pub rules: Vec<InRule>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Deserialize)]
#[serde(expecting = "a rule object")]
pub struct InRule {
    #[serde(default, deserialize_with = "text")]
    pub uuid: String,
    #[serde(default, deserialize_with = "text")]
    pub stig_uuid: String,
    #[serde(default, deserialize_with = "text")]
    pub target_key: String,
    #[serde(default, deserialize_with = "text")]
    pub stig_ref: String,
    #[serde(default, deserialize_with = "text")]
    pub group_id: String,
    #[serde(default, deserialize_with = "text")]
    pub group_id_src: String,
    #[serde(default, deserialize_with = "text")]
    pub rule_id: String,
    #[serde(default, deserialize_with = "text")]
    pub rule_id_src: String,
    #[serde(default, deserialize_with = "text")]
    pub weight: String,
    #[serde(default, deserialize_with = "text")]
    pub classification: String,
    #[serde(default, deserialize_with = "text")]
    pub severity: String,
    #[serde(default, deserialize_with = "text")]
    pub rule_version: String,
    #[serde(default, deserialize_with = "text")]
    pub group_title: String,
    #[serde(default, deserialize_with = "text")]
    pub rule_title: String,
    #[serde(default, deserialize_with = "text")]
    pub fix_text: String,
    #[serde(default, deserialize_with = "text")]
    pub false_positives: String,
    #[serde(default, deserialize_with = "text")]
    pub false_negatives: String,
    #[serde(default, deserialize_with = "text")]
    pub discussion: String,
    #[serde(default, deserialize_with = "text")]
    pub check_content: String,
    #[serde(default, deserialize_with = "text")]
    pub documentable: String,
    #[serde(default, deserialize_with = "text")]
    pub mitigations: String,
    #[serde(default, deserialize_with = "text")]
    pub potential_impacts: String,
    #[serde(default, deserialize_with = "text")]
    pub third_party_tools: String,
    #[serde(default, deserialize_with = "text")]
    pub mitigation_control: String,
    #[serde(default, deserialize_with = "text")]
    pub responsibility: String,
    #[serde(default, deserialize_with = "text")]
    pub security_override_guidance: String,
    #[serde(default, deserialize_with = "text")]
    pub ia_controls: String,
    #[serde(default)]
    pub check_content_ref: Option<CheckContentRef>,
    #[serde(default, deserialize_with = "texts")]
    pub legacy_ids: Vec<String>,
    #[serde(default, deserialize_with = "texts")]
    pub ccis: Vec<String>,
    #[serde(default)]
    pub group_tree: Option<Vec<GroupNode>>,
    #[serde(default, rename = "createdAt", deserialize_with = "text")]
    pub created_at: String,
    #[serde(default, rename = "updatedAt", deserialize_with = "text")]
    pub updated_at: String,
    /// Deprecated duplicate of `stig_uuid`; read so it is not kept as extra.
    #[serde(default, rename = "STIGUuid", deserialize_with = "text")]
    pub _stig_uuid_old: String,
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    #[serde(default)]
    pub overrides: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "text")]
    pub comments: String,
    #[serde(default, deserialize_with = "text")]
    pub finding_details: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(expecting = "a check_content_ref object")]
pub struct CheckContentRef {
    #[serde(default, deserialize_with = "text")]
    pub href: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(expecting = "a group_tree object")]
pub struct GroupNode {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
}

// ---- writing: borrowed views in STIG Viewer 3's key order ----

#[derive(Serialize)]
pub struct OutChecklist<'a> {
    pub title: &'a str,
    pub id: &'a str,
    pub stigs: Vec<OutStig<'a>>,
    pub active: bool,
    pub mode: Value,
    pub has_path: bool,
    pub target_data: OutTarget<'a>,
    pub cklb_version: &'static str,
    #[serde(flatten)]
    pub extra: &'a Extra,
}

#[derive(Serialize)]
pub struct OutTarget<'a> {
    pub target_type: &'a str,
    pub host_name: &'a str,
    pub ip_address: &'a str,
    pub mac_address: &'a str,
    pub fqdn: &'a str,
    pub comments: &'a str,
    pub role: &'a str,
    pub is_web_database: bool,
    pub technology_area: &'a str,
    pub web_db_site: &'a str,
    pub web_db_instance: &'a str,
    /// Written only when asked for: DISA's schema has no such key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marking: Option<&'a str>,
    #[serde(flatten)]
    pub extra: &'a Extra,
}

#[derive(Serialize)]
pub struct OutStig<'a> {
    pub stig_name: &'a str,
    pub display_name: &'a str,
    pub stig_id: &'a str,
    /// Always a string: STIG Manager needs it and rejects a number. Left
    /// out when unknown, as in the files that lack it (STIG Manager then
    /// assumes 0; an empty string would read as no version at all).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub version: &'a str,
    pub release_info: &'a str,
    pub uuid: &'a str,
    pub reference_identifier: &'a str,
    pub size: usize,
    pub rules: Vec<OutRule<'a>>,
    #[serde(flatten)]
    pub extra: &'a Extra,
}

#[derive(Serialize)]
pub struct OutRule<'a> {
    pub uuid: &'a str,
    pub stig_uuid: &'a str,
    pub target_key: Option<&'a str>,
    pub stig_ref: Option<&'a str>,
    pub group_id: &'a str,
    pub rule_id: &'a str,
    pub rule_id_src: &'a str,
    pub weight: &'a str,
    pub classification: &'a str,
    pub severity: &'a str,
    pub rule_version: &'a str,
    pub group_title: &'a str,
    pub rule_title: &'a str,
    pub fix_text: &'a str,
    pub false_positives: &'a str,
    pub false_negatives: &'a str,
    pub discussion: &'a str,
    pub check_content: &'a str,
    pub documentable: &'a str,
    pub mitigations: &'a str,
    pub potential_impacts: &'a str,
    pub third_party_tools: &'a str,
    pub mitigation_control: &'a str,
    pub responsibility: &'a str,
    pub security_override_guidance: &'a str,
    pub ia_controls: &'a str,
    pub check_content_ref: Option<OutCheckRef<'a>>,
    pub legacy_ids: &'a [String],
    pub ccis: &'a [String],
    pub group_tree: [OutGroup<'a>; 1],
    #[serde(rename = "createdAt")]
    pub created_at: &'a str,
    #[serde(rename = "updatedAt")]
    pub updated_at: &'a str,
    #[serde(rename = "STIGUuid")]
    pub stig_uuid_old: &'a str,
    pub status: &'static str,
    pub overrides: Map<String, Value>,
    pub comments: &'a str,
    pub finding_details: &'a str,
    #[serde(flatten)]
    pub extra: &'a Extra,
}

#[derive(Serialize)]
pub struct OutCheckRef<'a> {
    pub href: &'a str,
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct OutGroup<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

// ---- lenient scalar readers ----

/// A string, or `null` (empty), or a number/boolean written as text.
/// Evaluate-STIG writes the string `"null"` for absent values: also empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => String::new(),
        Value::String(s) if s == "null" => String::new(),
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(de::Error::custom(format!(
                "expected text, found {}",
                kind(&other)
            )));
        }
    })
}

/// An array of strings, or `null` (empty). Empty strings carry nothing
/// (Evaluate-STIG pads `legacy_ids` with one) and are dropped.
fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) if !s.is_empty() => vec![s],
        Value::String(_) => Vec::new(),
        other => {
            return Err(de::Error::custom(format!(
                "expected a list, found {}",
                kind(&other)
            )));
        }
    })
}

/// `true`/`false`, also as strings.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// A non-negative count, also as a string.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
