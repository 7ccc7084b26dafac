//! The manifest of a stigkit archive: what is in it, who made it, when and
//! from what, and every member's size and SHA-256.
//!
//! The manifest is `manifest.json` inside the archive; its own SHA-256 (the
//! archive's *seal*) is written into the zip comment and printed when the
//! archive is made, so a change to the manifest is caught as well, and an
//! archive rebuilt from scratch is caught by comparing the printed seal.

use crate::model::Summary;
use serde::{Deserialize, Serialize};

/// Name of the manifest inside the archive.
pub const NAME: &str = "manifest.json";
/// Value of [`Manifest::format`]; a verifier refuses other formats.
pub const FORMAT: &str = "stigkit-archive/1";
/// Prefix of the zip comment that carries the seal.
pub const SEAL_PREFIX: &str = "stigkit-archive manifest-sha256=";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// `stigkit 0.1.0`.
    pub tool: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub created_by: Creator,
    /// One entry per archived checklist: the asset and its STIGs.
    pub checklists: Vec<ChecklistFacts>,
    /// The evidence folders and files archived, as given.
    pub evidence: Vec<EvidenceFacts>,
    /// Every member but the manifest, in archive order.
    pub files: Vec<FileEntry>,
}

/// Who made the archive, and on which machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Creator {
    pub user: String,
    pub host: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistFacts {
    /// Member path, `checklists/NAME`.
    pub path: String,
    /// `CKL`, `CKLB` or `XCCDF results`.
    pub format: String,
    pub host_name: String,
    pub host_ip: String,
    pub host_fqdn: String,
    pub host_mac: String,
    pub stigs: Vec<StigFacts>,
    /// The evidence bundles (sha256 of their manifest.json) the checklist's
    /// finding details say it was judged from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub judged_from: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StigFacts {
    pub stig_id: String,
    pub title: String,
    pub revision: String,
    pub counts: Summary,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFacts {
    /// Member path prefix (a folder) or member path (a zip bundle).
    pub path: String,
    /// Number of files archived from it.
    pub files: usize,
    /// sha256 of the bundle's manifest.json, when it is a stigkit evidence
    /// bundle: what the checklists judged from it name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_sha256: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}
