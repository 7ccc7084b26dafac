//! A STIG benchmark as DISA publishes it: identity, release and rules.

use super::Severity;
use serde::Serialize;
use std::fmt;

/// One STIG (or SRG) release.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Benchmark {
    /// Benchmark id, e.g. `RHEL_9_STIG` (CKL `stigid`).
    pub id: String,
    pub title: String,
    pub description: String,
    /// The `<version>` element: DISA writes the major version only (`2`),
    /// other producers the whole `V2R4`.
    pub version: String,
    /// Verbatim `plain-text release-info`, e.g. `Release: 4 Benchmark Date: 02 Jul 2025`.
    pub release_info: String,
    /// `notice@id`, normally `terms-of-use`.
    pub notice: String,
    /// `reference/dc:source`, normally `STIG.DOD.MIL`.
    pub source: String,
    /// `status@date`.
    pub status_date: String,
    /// Name of the XCCDF file the benchmark was read from (CKL `filename`).
    pub file_name: String,
    pub profiles: Vec<Profile>,
    pub rules: Vec<Rule>,
}

/// A DISA profile (MAC/confidentiality level) and the groups it selects.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub selected: Vec<String>,
}

/// One STIG rule with its group, as a checklist copies it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rule {
    /// Group id, the Vuln ID: `V-257777`. Stable across releases.
    pub vuln_id: String,
    /// Group title, normally the SRG id: `SRG-OS-000480-GPOS-00227`.
    pub group_title: String,
    /// Group description, verbatim (DISA: `<GroupDescription></GroupDescription>`).
    pub group_description: String,
    /// Rule id with revision: `SV-257777r925318_rule`.
    pub rule_id: String,
    pub severity: Severity,
    /// Verbatim weight, `10.0` in every DISA file.
    pub weight: String,
    /// STIG id (the rule's `version`): `RHEL-09-211010`.
    pub stig_id: String,
    pub title: String,
    pub discussion: Discussion,
    pub check_content: String,
    pub check_content_ref: Option<CheckContentRef>,
    pub fix_text: String,
    pub ccis: Vec<String>,
    pub legacy_ids: Vec<String>,
    /// DISA target key (`reference/dc:identifier`).
    pub target_key: String,
    /// Rule classification as checklists write it (`Unclass`).
    pub classification: String,
}

/// The fields DISA packs into a rule's escaped `<description>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Discussion {
    pub vuln_discussion: String,
    pub false_positives: String,
    pub false_negatives: String,
    pub documentable: String,
    pub mitigations: String,
    pub severity_override_guidance: String,
    pub potential_impacts: String,
    pub third_party_tools: String,
    pub mitigation_control: String,
    pub responsibility: String,
    pub ia_controls: String,
}

/// Where the check content officially lives (`check-content-ref`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckContentRef {
    pub href: String,
    pub name: String,
}

/// Version and release of a benchmark, printed `V2R4`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub version: String,
    pub release: String,
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}R{}", self.version, self.release)
    }
}

impl Revision {
    /// Derives the revision from a `<version>` value and a release-info text.
    ///
    /// DISA keeps the major version in `<version>` (`2`) and the release in
    /// `Release: 4 Benchmark Date: …`; STIG Manager writes `V2R4` into
    /// `<version>` itself. Both forms are accepted.
    pub fn derive(version: &str, release_info: &str) -> Option<Revision> {
        let version = version.trim();
        // SCAP content from SCC writes `001.002` for V1R2.
        if let Some((v, r)) = version.split_once('.')
            && let (Ok(v), Ok(r)) = (v.parse::<u32>(), r.parse::<u32>())
        {
            return Some(Revision {
                version: v.to_string(),
                release: r.to_string(),
            });
        }
        if let Some((v, r)) = split_vr(version) {
            return Some(Revision {
                version: v.to_string(),
                release: r.to_string(),
            });
        }
        let release = release_number(release_info)?;
        let v = version.trim_start_matches(['V', 'v']);
        if v.is_empty() {
            return None;
        }
        Some(Revision {
            version: v.to_string(),
            release: release.to_string(),
        })
    }
}

/// `V2R4`, or the release-info text verbatim when no revision can be
/// derived from it, so a report still says which release it means.
pub fn revision_label(version: &str, release_info: &str) -> String {
    Revision::derive(version, release_info)
        .map(|r| r.to_string())
        .unwrap_or_else(|| release_info.to_string())
}

/// Splits `V2R4` (any case) into `("2", "4")`.
fn split_vr(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix(['V', 'v'])?;
    let at = rest.find(['R', 'r'])?;
    let (v, r) = (&rest[..at], &rest[at + 1..]);
    let numeric = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit() || c == '.');
    (numeric(v) && numeric(r)).then_some((v, r))
}

/// The number after `Release:` in a release-info text (`6.3` in SCC's
/// enhanced-content wording is kept as written).
pub fn release_number(release_info: &str) -> Option<&str> {
    let at = release_info.find("Release:")?;
    let rest = release_info[at + "Release:".len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let n = rest[..end].trim_end_matches('.');
    (!n.is_empty()).then_some(n)
}

/// The date after `Benchmark Date:` in a release-info text.
pub fn benchmark_date(release_info: &str) -> Option<&str> {
    let at = release_info.find("Benchmark Date:")?;
    let d = release_info[at + "Benchmark Date:".len()..].trim();
    (!d.is_empty()).then_some(d)
}

impl Benchmark {
    /// Version and release (`V2R4`), when the benchmark states them.
    pub fn revision(&self) -> Option<Revision> {
        Revision::derive(&self.version, &self.release_info)
    }

    /// Number of rules of each severity, worst first: `[high, medium, low, unknown]`.
    pub fn severity_counts(&self) -> [usize; 4] {
        let mut n = [0; 4];
        for r in &self.rules {
            n[severity_index(r.severity)] += 1;
        }
        n
    }

    /// Looks a rule up by its Vuln ID.
    pub fn rule(&self, vuln_id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.vuln_id == vuln_id)
    }

    /// Title without DISA's " Security Technical Implementation Guide"
    /// suffix, as STIG Viewer 3 shows it.
    pub fn display_name(&self) -> String {
        display_name(&self.title)
    }
}

/// Shortens a STIG title the way STIG Viewer 3 does for `display_name`.
pub fn display_name(title: &str) -> String {
    title
        .trim_end()
        .strip_suffix("Security Technical Implementation Guide")
        .map(|s| s.trim_end().to_string())
        .unwrap_or_else(|| title.to_string())
}

pub(crate) fn severity_index(s: Severity) -> usize {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
        Severity::Unknown => 3,
    }
}

impl Rule {
    /// The SV number of the rule id without revision: `SV-257777` for
    /// `SV-257777r925318_rule`; stable across releases of one STIG.
    pub fn sv_number(&self) -> &str {
        sv_number(&self.rule_id)
    }
}

/// `SV-257777r925318_rule` → `SV-257777`; ids without a revision are returned whole.
pub fn sv_number(rule_id: &str) -> &str {
    let base = rule_id.strip_suffix("_rule").unwrap_or(rule_id);
    match base.rfind('r') {
        Some(at)
            if at > 0
                && base[at + 1..].chars().all(|c| c.is_ascii_digit())
                && at + 1 < base.len() =>
        {
            &base[..at]
        }
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_from_disa_and_stig_manager_forms() {
        let r = Revision::derive("2", "Release: 4 Benchmark Date: 02 Jul 2025").unwrap();
        assert_eq!(r.to_string(), "V2R4");
        let r = Revision::derive("V1R12", "").unwrap();
        assert_eq!(r.to_string(), "V1R12");
        let scc = "Enhanced Content 6.3.3 Date: 2023-08-04, based on Release: 6.3 Benchmark Date: 27 Oct 2022";
        assert_eq!(release_number(scc), Some("6.3"));
        assert_eq!(
            Revision::derive("001.002", "Release: 1.2")
                .unwrap()
                .to_string(),
            "V1R2"
        );
        assert_eq!(Revision::derive("", "Release: 1"), None);
        assert_eq!(Revision::derive("1", "releaseinfo"), None);
        assert_eq!(
            benchmark_date("Release: 4 Benchmark Date: 02 Jul 2025"),
            Some("02 Jul 2025")
        );
    }

    #[test]
    fn sv_number_drops_revision() {
        assert_eq!(sv_number("SV-257777r925318_rule"), "SV-257777");
        assert_eq!(sv_number("SV-2"), "SV-2");
        assert_eq!(sv_number("SV-207184r695317"), "SV-207184");
    }

    #[test]
    fn display_name_strips_suffix() {
        assert_eq!(
            display_name("Kubernetes Security Technical Implementation Guide"),
            "Kubernetes"
        );
        assert_eq!(display_name("VPN TRUNCATED"), "VPN TRUNCATED");
    }
}
