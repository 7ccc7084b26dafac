//! MKE and MSR images: old releases left behind, the release in use.

use crate::checks::facts::{Facts, strings};
use crate::checks::{Outcome, Policy, count, need};
use crate::model::Status;
use serde_json::Value;

/// A release `3.7.5` as comparable numbers (`None` for `latest` and the like).
pub(super) fn semver(s: &str) -> Option<Vec<u64>> {
    let core = s.trim_start_matches('v').split(['-', '+']).next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// Which product an image belongs to: `mke`, `msr`, or neither.
fn product(repo: &str) -> Option<&'static str> {
    let name = repo.rsplit_once('/').map_or(repo, |(_, n)| n);
    let org_ok = repo.starts_with("mirantis/")
        || repo.starts_with("docker/")
        || repo.contains("registry.mirantis.com/");
    if !org_ok {
        return None;
    }
    if name.starts_with("ucp") {
        Some("mke")
    } else if name.starts_with("dtr") || name.starts_with("msr") {
        Some("msr")
    } else {
        None
    }
}

/// V-260944: older MKE and MSR images must be removed after an upgrade.
pub fn old_images(f: &Facts, _p: &Policy) -> Outcome {
    let images = need!(&f.images);
    let mut tags: Vec<(&'static str, String, Vec<u64>)> = Vec::new();
    for img in images {
        for tag in strings(img.get("RepoTags").unwrap_or(&Value::Null)) {
            let Some((repo, version)) = tag.rsplit_once(':') else {
                continue;
            };
            if let (Some(prod), Some(v)) = (product(repo), semver(version)) {
                tags.push((prod, tag.clone(), v));
            }
        }
    }
    let mut installed: Vec<(&str, Vec<u64>, String)> = Vec::new();
    for prod in ["mke", "msr"] {
        let from_api = if prod == "mke" {
            f.mke_version.as_ref().ok().and_then(|v| semver(v))
        } else {
            None
        };
        let newest = tags
            .iter()
            .filter(|t| t.0 == prod)
            .map(|t| t.2.clone())
            .max();
        if let Some(v) = from_api.clone().or(newest) {
            let how = if from_api.is_some() {
                "GET /version"
            } else {
                "newest image present"
            };
            installed.push((prod, v, how.to_string()));
        }
    }
    let mut old: Vec<String> = Vec::new();
    for (prod, tag, v) in &tags {
        if let Some((_, inst, _)) = installed.iter().find(|i| i.0 == *prod)
            && v < inst
        {
            old.push(format!(
                "{tag} is older than the installed {}",
                dotted(inst)
            ));
        }
    }
    old.sort();
    old.dedup();
    let versions: Vec<String> = installed
        .iter()
        .map(|(p, v, how)| format!("installed {} {} ({how})", p.to_uppercase(), dotted(v)))
        .collect();
    let out = if old.is_empty() {
        Outcome::pass(format!(
            "No MKE or MSR image older than the installed release among {}.",
            count(images.len(), "image")
        ))
    } else {
        Outcome::open(format!(
            "{} older than the installed release remain.",
            count(old.len(), "MKE/MSR image")
        ))
    };
    out.lines(old)
        .lines(versions)
        .sources(&["mke/images", "mke/version"])
}

pub(super) fn dotted(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// V-260945: MKE must contain the latest updates (per the site's minimum).
pub fn latest_updates(f: &Facts, p: &Policy) -> Outcome {
    let installed = need!(&f.mke_version);
    let mut out = match &p.minimum_mke_version {
        None => Outcome::review(format!("MKE {installed} is installed; the site policy names no minimum release to compare with."))
            .step("Set minimum_mke_version in the site policy to the latest approved MKE release."),
        Some(min) => match (semver(installed), semver(min)) {
            (Some(i), Some(m)) if i < m => Outcome::open(format!("MKE {installed} is older than the site's minimum {min}.")),
            (Some(_), Some(_)) => Outcome::pass(format!("MKE {installed} meets the site's minimum {min}.")),
            _ => Outcome::review(format!("Cannot compare MKE {installed} with the site's minimum {min}.")),
        },
    }
    .line(format!("installed MKE {installed}"))
    .source("mke/version");
    if let Some(min) = &p.minimum_mcr_version
        && let Ok(nodes) = &f.nodes
    {
        let mut older = Vec::new();
        for n in nodes {
            let host = n
                .pointer("/Description/Hostname")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let ev = n
                .pointer("/Description/Engine/EngineVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let (Some(e), Some(m)) = (semver(ev), semver(min))
                && e < m
            {
                older.push(format!("node {host}: engine {ev} older than {min}"));
            }
        }
        if !older.is_empty() && out.status != Status::Open {
            out = Outcome::open(format!(
                "{} an engine older than the site's minimum {min}.",
                count(older.len(), "node runs")
            ))
            .lines(out.evidence.clone())
            .source("mke/version");
        }
        out = out.lines(older).source("mke/nodes");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_products() {
        assert!(semver("3.7.3") < semver("3.7.16"));
        assert_eq!(semver("latest"), None);
        assert_eq!(product("mirantis/ucp-agent"), Some("mke"));
        assert_eq!(product("registry.mirantis.com/msr/msr-api"), Some("msr"));
        assert_eq!(product("docker/dtr-nginx"), Some("msr"));
        assert_eq!(product("msr.example.mil/eng/web"), None);
    }
}
