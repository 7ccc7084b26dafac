//! What lint reports: one problem in one checklist file, and how bad it
//! is. It lives in the model so the format codecs' raw checks and the
//! model checks above them return the same type.

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An importer refuses the file or drops or cuts part of it.
    Error,
    /// Read, but not as its author meant everywhere.
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Kebab-case and stable: scripts match on it.
    pub code: &'static str,
    pub file: String,
    /// Benchmark id of the STIG (`RHEL_8_STIG`), when the finding is in one.
    pub stig: Option<String>,
    /// Rule id, or the Vuln ID when the rule has none.
    pub rule: Option<String>,
    pub message: String,
}

impl Finding {
    /// A finding not yet tied to a file (the codecs make these).
    pub fn new(level: Level, code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            level,
            code,
            file: String::new(),
            stig: None,
            rule: None,
            message: message.into(),
        }
    }

    pub fn stig(mut self, stig: &str) -> Finding {
        self.stig = (!stig.is_empty()).then(|| stig.to_string());
        self
    }

    /// Names the rule by its id, else its Vuln ID.
    pub fn rule(mut self, rule_id: &str, vuln_id: &str) -> Finding {
        let r = if rule_id.is_empty() { vuln_id } else { rule_id };
        self.rule = (!r.is_empty()).then(|| r.to_string());
        self
    }
}
