//! The manifest of an evidence bundle (`manifest.json`).

use serde::{Deserialize, Serialize};

/// What was collected, from where, when, and how each call went.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Bundle layout version.
    pub format: u32,
    /// `stigkit <version>`.
    pub tool: String,
    pub target: Target,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub finished_at: String,
    /// False when the run was told not to verify TLS certificates.
    pub tls_verified: bool,
    /// Things a reviewer must know about how the evidence was gathered.
    #[serde(default)]
    pub warnings: Vec<String>,
    pub calls: Vec<CallRecord>,
}

/// The systems a collection talked to (no credentials).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mke_url: Option<String>,
    /// How stigkit authenticated to MKE: `client bundle (CN=…)` or `user …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mke_auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_url: Option<String>,
    /// Set when it was not the MKE credential: `pod service account
    /// (namespace …)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msr_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub docker: Vec<String>,
}

/// One logical call (all pages of a paged list count as one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Stable name of the evidence, e.g. `mke/containers/3f1c…/inspect`.
    pub key: String,
    /// `mke`, `kube`, `msr` or `docker:<endpoint>`.
    pub source: String,
    pub method: String,
    /// Path and query of the first request.
    pub path: String,
    /// HTTP status of the last response, if any arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub duration_ms: u64,
    /// Requests made, retries and pages included.
    pub requests: u32,
    #[serde(default, skip_serializing_if = "is_one")]
    pub pages: u32,
    /// Stored file, relative to the bundle; absent when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Fields whose values were replaced before storing (secrets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl CallRecord {
    pub fn new(key: &str, source: &str, method: &str, path: &str) -> CallRecord {
        CallRecord {
            key: key.into(),
            source: source.into(),
            method: method.into(),
            path: path.into(),
            pages: 1,
            ..CallRecord::default()
        }
    }

    /// Whether the call succeeded and its body is in the bundle.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.file.is_some()
    }
}
