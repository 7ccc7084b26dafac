//! Rules about Mirantis Secure Registry.

use super::facts::Facts;
use super::{Outcome, Policy, count, need};
use serde_json::Value;

const SETTINGS: &str = "msr/settings";

/// Not_Applicable without MSR; Not_Reviewed when MSR is in use but was not
/// part of the collection.
fn msr_scope(f: &Facts) -> Option<Outcome> {
    if !f.msr_used() {
        return Some(
            Outcome::not_applicable(
                "MSR is not used: no MSR was given to the collection and MKE lists no registry.",
            )
            .source("mke/config-toml"),
        );
    }
    if !f.has_msr() {
        return Some(
            Outcome::review("MKE lists an MSR, but it was not part of the collection.")
                .step("Collect again with --msr-url and --msr-username.")
                .source("mke/config-toml"),
        );
    }
    None
}

fn settings_bool(f: &Facts, field: &str) -> Result<Option<bool>, super::Missing> {
    let s = f.json(SETTINGS, "MSR settings (GET /api/v0/meta/settings)")?;
    Ok(s.get(field).and_then(Value::as_bool))
}

/// V-260904: MSR organisations, teams and repository access per the SSP.
pub fn permissions(f: &Facts, p: &Policy) -> Outcome {
    if let Some(o) = msr_scope(f) {
        return o;
    }
    let accounts = need!(f.items(
        "msr/enzi/accounts",
        "accounts",
        "MSR organisations (GET /enzi/v0/accounts)"
    ));
    let orgs: Vec<String> = accounts
        .iter()
        .filter(|a| a.get("isOrg").and_then(Value::as_bool) == Some(true))
        .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut teams = Vec::new();
    let mut lines = Vec::new();
    for org in &orgs {
        let key = format!("msr/enzi/teams/{}", crate::evidence::file_safe(org));
        let names: Vec<String> = f
            .items(&key, "teams", "MSR teams")
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        lines.push(format!("organisation {org}: teams {names:?}"));
        teams.extend(names.into_iter().map(|t| format!("{org}/{t}")));
    }
    for key in f.keys_under("msr/repositories/") {
        if let Ok(access) = f.json(&key, "repository team access") {
            let repo = key
                .trim_start_matches("msr/repositories/")
                .trim_end_matches("/team-access");
            for a in access
                .get("teamAccessList")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lines.push(format!(
                    "repository {repo}: team {} has {}",
                    a.pointer("/team/name")
                        .or_else(|| a.pointer("/team/id"))
                        .and_then(Value::as_str)
                        .unwrap_or("?"),
                    a.get("accessLevel").and_then(Value::as_str).unwrap_or("?")
                ));
            }
        }
    }
    lines.sort();
    let sources = ["msr/enzi/accounts", "msr/enzi/teams", "msr/repositories"];
    let Some(expected) = p.list(&p.msr_expected_orgs) else {
        return Outcome::review(format!("{} and their repository access are listed for review against the SSP.", count(orgs.len(), "MSR organisation")))
            .lines(lines)
            .step("List the SSP's organisations (msr_expected_orgs) and teams (msr_expected_teams) in the site policy.")
            .sources(&sources);
    };
    let mut diff: Vec<String> = orgs
        .iter()
        .filter(|o| !expected.contains(o))
        .map(|o| format!("organisation {o} is not in the SSP"))
        .collect();
    diff.extend(
        expected
            .iter()
            .filter(|o| !orgs.contains(o))
            .map(|o| format!("organisation {o} from the SSP does not exist")),
    );
    if let Some(want) = p.list(&p.msr_expected_teams) {
        diff.extend(
            teams
                .iter()
                .filter(|t| !want.contains(t))
                .map(|t| format!("team {t} is not in the SSP")),
        );
        diff.extend(
            want.iter()
                .filter(|t| !teams.contains(t))
                .map(|t| format!("team {t} from the SSP does not exist")),
        );
    }
    let out = if diff.is_empty() {
        Outcome::pass("MSR's organisations and teams are those the site policy lists.")
    } else {
        Outcome::open(format!(
            "MSR differs from the SSP in {}.",
            count(diff.len(), "place")
        ))
    };
    out.lines(diff).lines(lines).sources(&sources)
}

/// V-260919: MSR telemetry disabled.
pub fn telemetry(f: &Facts, _p: &Policy) -> Outcome {
    if let Some(o) = msr_scope(f) {
        return o;
    }
    match need!(settings_bool(f, "reportAnalytics")) {
        Some(true) => Outcome::open("MSR sends analytics to Mirantis (reportAnalytics = true)."),
        Some(false) => Outcome::pass("MSR sends no analytics (reportAnalytics = false)."),
        None => Outcome::review(
            "MSR's settings do not say whether analytics are sent (no reportAnalytics field).",
        ),
    }
    .source(SETTINGS)
}

/// V-260928: "Create repository on push" disabled.
pub fn create_on_push(f: &Facts, _p: &Policy) -> Outcome {
    if let Some(o) = msr_scope(f) {
        return o;
    }
    match need!(settings_bool(f, "createRepositoryOnPush")) {
        Some(true) => {
            Outcome::open("MSR creates repositories on push (createRepositoryOnPush = true).")
        }
        Some(false) => Outcome::pass("MSR does not create repositories on push."),
        None => {
            Outcome::review("MSR's settings do not say whether repositories are created on push.")
        }
    }
    .source(SETTINGS)
}

/// V-260943: vulnerability scanning for all repositories.
pub fn scanning(f: &Facts, _p: &Policy) -> Outcome {
    if let Some(o) = msr_scope(f) {
        return o;
    }
    let settings = need!(f.json(SETTINGS, "MSR settings (GET /api/v0/meta/settings)"));
    let status = need!(f.json(
        "msr/imagescan-status",
        "MSR scanner status (GET /api/v0/imagescan/status)"
    ));
    let enabled = settings.get("scanningEnabled").and_then(Value::as_bool);
    let pick = |names: &[&str]| names.iter().find_map(|n| status.get(*n)).cloned();
    let db_version = pick(&["db_version", "dbVersion"])
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let updated = pick(&["db_updated_at", "dbUpdatedAt"])
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let failed = pick(&["last_db_update_failed", "lastDBUpdateFailed"])
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
        || pick(&[
            "last_vuln_overrides_db_update_failed",
            "lastVulnOverridesDBUpdateFailed",
        ])
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let never = db_version == 0 && (updated.is_empty() || updated.starts_with("0001-"));
    let lines = vec![
        format!("scanningEnabled = {enabled:?}"),
        format!(
            "scanningSyncOnline = {:?}",
            settings.get("scanningSyncOnline").and_then(Value::as_bool)
        ),
        format!(
            "db_version = {db_version}, db_updated_at = {updated:?}, last update failed = {failed}"
        ),
    ];
    let out = match enabled {
        Some(true) if never => {
            Outcome::open("Scanning is on but the vulnerability database was never updated.")
        }
        Some(true) if failed => {
            Outcome::open("Scanning is on but the last vulnerability database update failed.")
        }
        Some(true) => Outcome::pass("Scanning is on with a current vulnerability database."),
        Some(false) => Outcome::open("Vulnerability scanning is off."),
        None => Outcome::review("MSR's settings do not say whether scanning is on."),
    };
    out.lines(lines)
        .sources(&[SETTINGS, "msr/imagescan-status"])
}
