//! Pairing the rules of two releases (or two checklists) of one STIG.
//!
//! Rule identifiers drift between releases: the revision suffix of the
//! Rule ID changes with every edit, STIG IDs are sometimes renamed, and
//! DISA's 2020 renumbering left the older ids only as legacy ids. A pairing
//! therefore tries several keys in turn, strongest first, and says which
//! one matched.

use super::Rule;

/// Which identifier paired two rules.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    /// The whole Rule ID, revision included: `SV-242376r960759_rule`.
    RuleId,
    /// The Rule ID without its revision: `SV-242376`.
    SvNumber,
    /// The STIG ID (the rule's `version`): `CNTR-K8-000150`.
    StigId,
    /// A legacy id of one rule names the other (or both name the same).
    LegacyId,
    /// The Vuln ID (group id): `V-242376`.
    VulnId,
}

impl MatchKey {
    /// How reports name the key.
    pub fn label(self) -> &'static str {
        match self {
            MatchKey::RuleId => "rule id",
            MatchKey::SvNumber => "SV number",
            MatchKey::StigId => "STIG ID",
            MatchKey::LegacyId => "legacy id",
            MatchKey::VulnId => "Vuln ID",
        }
    }

    /// The identifiers of `rule` this key compares. For legacy ids a rule
    /// offers its own SV number and Vuln ID as well, so an old rule is found
    /// through the legacy ids DISA gave its successor.
    fn ids(self, rule: &Rule) -> Vec<String> {
        let one = |s: &str| {
            if s.trim().is_empty() {
                Vec::new()
            } else {
                vec![s.trim().to_string()]
            }
        };
        match self {
            MatchKey::RuleId => one(&rule.rule_id),
            MatchKey::SvNumber => one(rule.sv_number()),
            MatchKey::StigId => one(&rule.stig_id),
            MatchKey::VulnId => one(&rule.vuln_id),
            MatchKey::LegacyId => {
                let mut ids = one(rule.sv_number());
                ids.extend(one(&rule.vuln_id));
                ids.extend(
                    rule.legacy_ids
                        .iter()
                        .flat_map(|l| one(super::sv_number(l))),
                );
                ids
            }
        }
    }

    /// Whether `a` and `b` share an identifier under this key. Legacy ids
    /// count only when one side's legacy list is involved: two rules with
    /// the same SV number are a [`MatchKey::SvNumber`] match, not this one.
    fn pairs(self, a: &Rule, b: &Rule) -> bool {
        if self != MatchKey::LegacyId {
            let ids = self.ids(b);
            return self.ids(a).iter().any(|x| ids.contains(x));
        }
        let legacy = |r: &Rule| -> Vec<String> {
            r.legacy_ids
                .iter()
                .map(|l| super::sv_number(l.trim()).to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        let (la, lb) = (legacy(a), legacy(b));
        let (ia, ib) = (self.ids(a), self.ids(b));
        la.iter().any(|x| ib.contains(x)) || lb.iter().any(|x| ia.contains(x))
    }
}

/// Pairs rules of `old` with rules of `new`: one pass per key, in the
/// order given, each pass considering only rules no earlier pass paired.
/// Within a pass, old rules are taken in order and each gets the first
/// unpaired new rule (in order) sharing the key, so the result never
/// depends on anything but the two lists.
///
/// Returns, for each old rule, the index of its new rule and the key.
pub fn pair_rules(
    old: &[&Rule],
    new: &[&Rule],
    keys: &[MatchKey],
) -> Vec<Option<(usize, MatchKey)>> {
    let mut result = vec![None; old.len()];
    let mut taken = vec![false; new.len()];
    for &key in keys {
        // Index the unpaired new rules by identifier, each list in order.
        let mut by_id: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (j, r) in new.iter().enumerate() {
            if taken[j] {
                continue;
            }
            for id in key.ids(r) {
                by_id.entry(id).or_default().push(j);
            }
        }
        for (i, r) in old.iter().enumerate() {
            if result[i].is_some() {
                continue;
            }
            let found = key
                .ids(r)
                .iter()
                .filter_map(|id| by_id.get(id))
                .flat_map(|js| js.iter().copied())
                .filter(|&j| !taken[j] && key.pairs(r, new[j]))
                .min();
            if let Some(j) = found {
                taken[j] = true;
                result[i] = Some((j, key));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(rule_id: &str, stig_id: &str, legacy: &[&str]) -> Rule {
        Rule {
            vuln_id: format!("V-{}", &super::super::sv_number(rule_id)[3..]),
            rule_id: rule_id.into(),
            stig_id: stig_id.into(),
            legacy_ids: legacy.iter().map(|s| s.to_string()).collect(),
            ..Rule::default()
        }
    }

    #[test]
    fn keys_are_tried_in_turn_and_each_new_rule_is_used_once() {
        let old = [
            rule("SV-1r1_rule", "A-1", &[]),
            rule("SV-2r1_rule", "A-2", &[]),
            rule("SV-3r1_rule", "A-3", &[]),
            rule("SV-103063r1_rule", "OLD-9", &[]),
            rule("SV-5r1_rule", "", &[]),
        ];
        let new = [
            rule("SV-2r9_rule", "A-2", &[]),
            rule("SV-1r9_rule", "A-1", &[]),
            rule("SV-30r1_rule", "A-3", &[]),
            rule("SV-40r1_rule", "NEW-9", &["SV-103063", "V-92975"]),
            // Same STIG ID as SV-1, but SV-1 was already paired by number.
            rule("SV-50r1_rule", "A-1", &[]),
        ];
        let old_refs: Vec<&Rule> = old.iter().collect();
        let new_refs: Vec<&Rule> = new.iter().collect();
        let keys = [MatchKey::SvNumber, MatchKey::StigId, MatchKey::LegacyId];
        let got = pair_rules(&old_refs, &new_refs, &keys);
        assert_eq!(
            got,
            [
                Some((1, MatchKey::SvNumber)),
                Some((0, MatchKey::SvNumber)),
                Some((2, MatchKey::StigId)),
                Some((3, MatchKey::LegacyId)),
                None,
            ]
        );
    }

    #[test]
    fn duplicates_pair_in_order_and_empty_ids_never_match() {
        let old = [rule("SV-1r1_rule", "", &[]), rule("SV-1r1_rule", "", &[])];
        let new = [rule("SV-1r2_rule", "", &[]), rule("SV-9r1_rule", "", &[])];
        let o: Vec<&Rule> = old.iter().collect();
        let n: Vec<&Rule> = new.iter().collect();
        let got = pair_rules(
            &o,
            &n,
            &[MatchKey::RuleId, MatchKey::SvNumber, MatchKey::StigId],
        );
        assert_eq!(got, [Some((0, MatchKey::SvNumber)), None]);
    }
}
