//! CCI to NIST SP 800-53: DISA's CCI list as data
//! (`xccdf/cci_nist_800-53.tsv`, its source and date in its header), and
//! the control acronym eMASS takes in a POA&M's Security Control Number.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../xccdf/cci_nist_800-53.tsv");

/// `CCI-000381` → `CM-7 a`, read once from the table.
static REFERENCES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    entries()
        .filter_map(|l| l.split_once('\t'))
        .map(|(cci, r)| (cci.trim(), r.trim()))
        .collect()
});

/// The table's data lines: no comment, no header.
fn entries() -> impl Iterator<Item = &'static str> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
}

/// The 800-53 reference DISA gives for `cci` (`CM-7 a`, `AC-2 (4)`), if
/// the table has it.
pub fn reference(cci: &str) -> Option<&'static str> {
    REFERENCES.get(cci.trim()).copied()
}

/// The control acronym of a reference, as eMASS spells controls: the
/// control with its enhancement, without the statement part (`CM-7 a` →
/// `CM-7`, `IA-5 (1) (c)` → `IA-5(1)`, `AC-2 (4)` → `AC-2(4)`). eMASS's
/// template takes a control (`AC-3`) or an assessment procedure (`AC-3.1`)
/// there, and a statement part is neither. A reference naming two
/// controls (`SC-37, SC-37 (1)`) gives the first.
pub fn control(reference: &str) -> Option<String> {
    let r = reference.trim();
    let family: String = r.chars().take_while(char::is_ascii_uppercase).collect();
    let rest = r[family.len()..].strip_prefix('-')?;
    let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if family.len() != 2 || number.is_empty() {
        return None;
    }
    let mut control = format!("{family}-{number}");
    let after = rest[number.len()..].trim_start();
    if let Some(inner) = after.strip_prefix('(') {
        let e: String = inner.chars().take_while(char::is_ascii_digit).collect();
        if !e.is_empty() && inner[e.len()..].starts_with(')') {
            control.push_str(&format!("({e})"));
        }
    }
    Some(control)
}

/// The control of `cci` (see [`control`]), if the table maps it.
pub fn cci_control(cci: &str) -> Option<String> {
    reference(cci).and_then(control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_table_is_a_cci_and_a_control() {
        let lines: Vec<&str> = entries().collect();
        // DISA's list 2023-06-07 has 5,098 CCIs, all mapped.
        assert_eq!(lines.len(), 5098);
        assert_eq!(REFERENCES.len(), 5098, "a CCI is listed twice");
        for l in lines {
            let (cci, r) = l.split_once('\t').unwrap_or_else(|| panic!("{l:?}"));
            assert!(
                cci.len() == 10
                    && cci.starts_with("CCI-")
                    && cci[4..].bytes().all(|b| b.is_ascii_digit()),
                "{l:?}"
            );
            assert!(control(r).is_some(), "{l:?}");
        }
    }

    #[test]
    fn controls_drop_the_statement_part_and_keep_the_enhancement() {
        let cases = [
            ("CCI-001133", "SC-10", "SC-10"),
            ("CCI-000381", "CM-7 a", "CM-7"),
            ("CCI-000197", "IA-5 (1) (c)", "IA-5(1)"),
            ("CCI-000015", "AC-2 (1)", "AC-2(1)"),
            ("CCI-001774", "CM-7 (5) (b)", "CM-7(5)"),
            ("CCI-000001", "AC-1 a 1", "AC-1"),
            ("CCI-002233", "AC-6 (8)", "AC-6(8)"),
        ];
        for (cci, r, c) in cases {
            assert_eq!(reference(cci), Some(r), "{cci}");
            assert_eq!(cci_control(cci).as_deref(), Some(c), "{cci}");
        }
        assert_eq!(control("SC-37, SC-37 (1)").as_deref(), Some("SC-37"));
        assert_eq!(reference(" CCI-000213 "), Some("AC-3"));
        assert_eq!(reference("CCI-999999"), None);
        assert_eq!(control("not a control"), None);
        assert_eq!(control("A-1"), None);
    }
}
