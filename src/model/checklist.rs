//! A checklist: one asset, one or more STIGs, and a review per rule.

use super::{Benchmark, Rule, Severity, Status};
use serde::Serialize;
use uuid::Uuid;

/// The longest text (finding details, comments) STIG Manager and Excel, and
/// so eMASS's spreadsheets, keep; STIG Manager cuts longer ones on import.
pub const MAX_TEXT: usize = 32_767;

/// A text's length as those tools count it: UTF-16 units (JavaScript, Excel).
pub fn text_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// A filled (or blank) checklist, whatever file it came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Checklist {
    /// Checklist name (STIG Viewer 3 `title`); empty when the source had none.
    pub name: String,
    /// Checklist id (STIG Viewer 3 `id`); empty when the source had none.
    pub id: String,
    pub asset: Asset,
    pub stigs: Vec<StigChecklist>,
    #[serde(skip)]
    pub passthrough: Passthrough,
}

/// The system under review (CKL `ASSET`, CKLB `target_data`).
///
/// Enumerated fields are kept as text: producers in the wild write values
/// outside DISA's enumerations, and a reader must not lose them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Asset {
    /// `None`, `Workstation`, `Member Server` or `Domain Controller`.
    pub role: String,
    /// `Computing` or `Non-Computing`.
    pub asset_type: String,
    pub marking: String,
    pub host_name: String,
    pub host_ip: String,
    pub host_mac: String,
    pub host_fqdn: String,
    pub target_comment: String,
    pub tech_area: String,
    pub target_key: String,
    pub web_or_database: bool,
    pub web_db_site: String,
    pub web_db_instance: String,
    /// Fields outside the current layout (`HOST_GUID`, `STIG_GUID`, …), verbatim.
    pub extra: Vec<(String, String)>,
}

impl Default for Asset {
    fn default() -> Self {
        Asset {
            role: "None".into(),
            asset_type: "Computing".into(),
            marking: String::new(),
            host_name: String::new(),
            host_ip: String::new(),
            host_mac: String::new(),
            host_fqdn: String::new(),
            target_comment: String::new(),
            tech_area: String::new(),
            target_key: String::new(),
            web_or_database: false,
            web_db_site: String::new(),
            web_db_instance: String::new(),
            extra: Vec::new(),
        }
    }
}

/// The STIG Viewer roles DISA's schema allows.
pub const ROLES: [&str; 4] = ["None", "Workstation", "Member Server", "Domain Controller"];

/// The asset types DISA's schema allows.
pub const ASSET_TYPES: [&str; 2] = ["Computing", "Non-Computing"];

/// The technology areas DISA's schema allows (the misspelt one included:
/// old STIG Viewers wrote it).
pub const TECH_AREAS: [&str; 19] = [
    "",
    "Application Review",
    "Boundary Security",
    "CDS Admin Review",
    "CDS Technical Review",
    "Database Review",
    "Domain Name System (DNS)",
    "Exchange Server",
    "Host Based System Security (HBSS)",
    "Internal Network",
    "Mobility",
    "Releasable Networks (REL)",
    "Releaseable Networks (REL)",
    "Traditional Security",
    "UNIX OS",
    "VVOIP Review",
    "Web Review",
    "Windows OS",
    "Other Review",
];

/// One STIG inside a checklist (CKL `iSTIG`, CKLB `stigs[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StigChecklist {
    pub info: StigInfo,
    pub rules: Vec<ChecklistRule>,
    #[serde(skip)]
    pub passthrough: Passthrough,
}

/// What a checklist records about the benchmark a STIG came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StigInfo {
    /// Benchmark `<version>` (major version for DISA content).
    pub version: String,
    pub classification: String,
    pub custom_name: String,
    /// Benchmark id: `RHEL_9_STIG`.
    pub stig_id: String,
    pub description: String,
    pub filename: String,
    /// `Release: 3 Benchmark Date: 24 Apr 2024`.
    pub release_info: String,
    pub title: String,
    pub uuid: String,
    pub notice: String,
    pub source: String,
    /// Short title for display (STIG Viewer 3).
    pub display_name: String,
    /// Rule count of the originating benchmark, when the file states it.
    pub size: Option<usize>,
    /// DISA target key of the STIG.
    pub target_key: String,
    /// Metadata names outside DISA's list, verbatim.
    pub extra: Vec<(String, String)>,
}

/// A rule as it appears in a checklist, with its review.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChecklistRule {
    pub rule: Rule,
    pub review: Review,
    pub record: RuleRecord,
    /// Rule attributes outside DISA's list, verbatim and in order.
    pub extra: Vec<(String, String)>,
    #[serde(skip)]
    pub passthrough: Passthrough,
}

/// Checklist bookkeeping for one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleRecord {
    /// Per-rule uuid (STIG Viewer 3).
    pub uuid: String,
    /// Uuid of the STIG this rule belongs to.
    pub stig_uuid: String,
    /// `<title> :: Version <v>, <release-info>`.
    pub stig_ref: String,
    pub created_at: String,
    pub updated_at: String,
    /// The tool that decided the review, derived on read from its
    /// producer's markers (never written: the markers carry it).
    pub engine: Option<super::Engine>,
}

/// What a reviewer (or a check) decided about a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    pub status: Status,
    pub finding_details: String,
    pub comments: String,
    pub severity_override: Option<Severity>,
    pub severity_justification: String,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            status: Status::NotReviewed,
            finding_details: String::new(),
            comments: String::new(),
            severity_override: None,
            severity_justification: String::new(),
        }
    }
}

impl Review {
    /// Whether anything was decided or written: a status other than
    /// Not_Reviewed, or any text or override.
    pub fn holds_anything(&self) -> bool {
        self.status != Status::NotReviewed
            || !self.finding_details.is_empty()
            || !self.comments.is_empty()
            || self.severity_override.is_some()
            || !self.severity_justification.is_empty()
    }
}

/// Data a codec read but the model has no field for, kept so that writing
/// the same format gives it back (result-engine comments, vendor objects).
///
/// Keys are owned by the codec that wrote them; other code treats the
/// entries as opaque.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Passthrough(Vec<(String, String)>);

impl Passthrough {
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.push((key.into(), value.into()));
    }

    /// Entries whose key is `key`, in the order they were read.
    pub fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Entries whose key starts with `prefix`, as `(rest_of_key, value)`.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Checklist {
    /// A blank checklist for `benchmarks`, every rule Not_Reviewed.
    ///
    /// `stig_uuids` gives one uuid per benchmark (callers decide how they
    /// are made); rule uuids are derived from them so output is repeatable.
    /// `now` is the ISO-8601 time stamped on each rule.
    pub fn blank(
        asset: Asset,
        benchmarks: &[&Benchmark],
        stig_uuids: &[Uuid],
        now: &str,
    ) -> Checklist {
        let stigs = benchmarks
            .iter()
            .zip(stig_uuids)
            .map(|(b, id)| StigChecklist::blank(b, *id, now))
            .collect();
        let mut checklist = Checklist {
            asset,
            stigs,
            ..Checklist::default()
        };
        if checklist.asset.target_key.is_empty() {
            checklist.asset.target_key = checklist
                .stigs
                .first()
                .map(|s| s.info.target_key.clone())
                .unwrap_or_default();
        }
        checklist
    }

    /// Total number of rules over all STIGs.
    pub fn rule_count(&self) -> usize {
        self.stigs.iter().map(|s| s.rules.len()).sum()
    }
}

impl StigChecklist {
    /// A blank STIG entry for one benchmark.
    pub fn blank(b: &Benchmark, uuid: Uuid, now: &str) -> StigChecklist {
        let info = StigInfo {
            uuid: uuid.to_string(),
            ..StigInfo::of(b)
        };
        let stig_ref = info.stig_ref();
        let rules = b
            .rules
            .iter()
            .map(|r| ChecklistRule {
                rule: r.clone(),
                review: Review::default(),
                record: RuleRecord {
                    uuid: Uuid::new_v5(&uuid, r.rule_id.as_bytes()).to_string(),
                    stig_uuid: info.uuid.clone(),
                    stig_ref: stig_ref.clone(),
                    created_at: now.to_string(),
                    updated_at: now.to_string(),
                    engine: None,
                },
                extra: Vec::new(),
                passthrough: Passthrough::default(),
            })
            .collect();
        StigChecklist {
            info,
            rules,
            passthrough: Passthrough::default(),
        }
    }

    /// Version and release (`V2R4`) of the STIG, when stated.
    pub fn revision(&self) -> Option<super::Revision> {
        super::Revision::derive(&self.info.version, &self.info.release_info)
    }
}

impl StigInfo {
    /// What a checklist records of benchmark `b`, with no uuid yet.
    pub fn of(b: &Benchmark) -> StigInfo {
        StigInfo {
            version: b.version.clone(),
            classification: "UNCLASSIFIED".into(),
            custom_name: String::new(),
            stig_id: b.id.clone(),
            description: b.description.clone(),
            filename: b.file_name.clone(),
            release_info: b.release_info.clone(),
            title: b.title.clone(),
            uuid: String::new(),
            notice: b.notice.clone(),
            source: b.source.clone(),
            display_name: b.display_name(),
            size: Some(b.rules.len()),
            target_key: b
                .rules
                .iter()
                .map(|r| r.target_key.as_str())
                .find(|k| !k.is_empty())
                .unwrap_or_default()
                .to_string(),
            extra: Vec::new(),
        }
    }

    /// `<title> :: Version <v>, <release-info>`, as rules cite their STIG.
    pub fn stig_ref(&self) -> String {
        format!(
            "{} :: Version {}, {}",
            self.title, self.version, self.release_info
        )
    }
}

impl ChecklistRule {
    /// The severity the checklist claims: the override when one is set.
    pub fn effective_severity(&self) -> Severity {
        self.review.severity_override.unwrap_or(self.rule.severity)
    }
}

impl Checklist {
    /// Gives every checklist, STIG and rule an identifier where the source
    /// format had none (a CKL has no checklist or rule uuids). `new_id`
    /// makes fresh ids; rule uuids are derived from their STIG's uuid so the
    /// same checklist always gets the same ones.
    pub fn fill_identifiers(&mut self, mut new_id: impl FnMut() -> Uuid) {
        if Uuid::parse_str(&self.id).is_err() {
            self.id = new_id().to_string();
        }
        for stig in &mut self.stigs {
            let stig_uuid = match Uuid::parse_str(&stig.info.uuid) {
                Ok(u) => u,
                Err(_) => {
                    let u = new_id();
                    stig.info.uuid = u.to_string();
                    u
                }
            };
            for r in &mut stig.rules {
                if Uuid::parse_str(&r.record.uuid).is_err() {
                    r.record.uuid = Uuid::new_v5(&stig_uuid, r.rule.rule_id.as_bytes()).to_string();
                }
                if r.record.stig_uuid.is_empty() {
                    r.record.stig_uuid = stig.info.uuid.clone();
                }
            }
        }
    }
}
