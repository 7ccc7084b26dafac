//! The built-in MKE STIG catalog (`xccdf/` in the source tree).
//!
//! The 44 rules of the Mirantis Kubernetes Engine STIG with DISA's V1R1
//! rule ids, severities, SRG ids and titles, and stigkit's own short texts.
//! Used whenever no `--benchmark` is given; DISA's official zip replaces it.

use crate::model::Benchmark;

/// File name the catalog is recorded under in checklists (`filename`).
pub const MKE_FILE_NAME: &str = "U_MKE_STIG_V1R1_stigkit-catalog.xml";

const MKE_XCCDF: &str = include_str!("../xccdf/U_MKE_STIG_V1R1_stigkit-catalog.xml");

/// The built-in MKE benchmark.
pub fn mke() -> Benchmark {
    // The catalog is compiled in and covered by tests; failing to parse it
    // is a build defect, not an input error.
    crate::xccdf::read(MKE_XCCDF.as_bytes(), MKE_FILE_NAME).expect("built-in MKE catalog parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    #[test]
    fn catalog_has_the_44_mke_rules() {
        let b = mke();
        assert_eq!(b.id, "MKE_STIG");
        assert_eq!(b.revision().unwrap().to_string(), "V1R1");
        assert_eq!(b.rules.len(), 44);
        assert_eq!(b.rules[0].vuln_id, "V-260903");
        assert_eq!(b.rules[43].vuln_id, "V-260946");
        assert_eq!(b.severity_counts(), [3, 40, 1, 0]);
        let fips = b.rule("V-260908").unwrap();
        assert_eq!(fips.severity, Severity::High);
        assert_eq!(fips.rule_id, "SV-260908r966081_rule");
        assert!(b.rules.iter().all(|r| !r.ccis.is_empty()));
    }
}
