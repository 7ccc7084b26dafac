//! Rules decided from MKE's configuration (`config-toml`) and eNZi.

use super::facts::Facts;
use super::{Outcome, Policy, cfg_line, containers, need};
use serde_json::Value;

mod identity;

pub use identity::identity_provider;

const CONFIG: &str = "mke/config-toml";

fn int(f: &Facts, path: &str) -> Option<i64> {
    f.cfg(path).and_then(|v| v.as_integer())
}

fn boolean(f: &Facts, path: &str) -> Option<bool> {
    f.cfg(path).and_then(|v| v.as_bool())
}

fn string<'a>(f: &'a Facts, path: &str) -> Option<&'a str> {
    f.cfg(path).and_then(|v| v.as_str())
}

/// V-260903: sessions expire after 10 minutes and are not silently renewed.
pub fn session_lifetime(f: &Facts, _p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    // Defaults of MKE 3.3 and later when the keys are absent.
    let lifetime = int(f, "auth.sessions.lifetime_minutes").unwrap_or(60);
    let renewal = int(f, "auth.sessions.renewal_threshold_minutes").unwrap_or(20);
    let out = if lifetime == 10 && renewal == 0 {
        Outcome::pass("Sessions last 10 minutes and are never renewed silently.")
    } else {
        Outcome::open(format!(
            "Sessions last {lifetime} minutes with a renewal threshold of {renewal} minutes; the STIG requires 10 and 0."
        ))
    };
    out.line(cfg_line(f, "auth.sessions.lifetime_minutes", "60"))
        .line(cfg_line(f, "auth.sessions.renewal_threshold_minutes", "20"))
        .line(cfg_line(f, "auth.sessions.per_user_limit", "10"))
        .source(CONFIG)
}

/// V-260914: audit logging records full requests.
pub fn audit_logging(f: &Facts, _p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    let audit = string(f, "audit_log_configuration.level").unwrap_or("");
    let log = string(f, "log_configuration.level").unwrap_or("INFO");
    let mut problems = Vec::new();
    if !audit.eq_ignore_ascii_case("request") {
        problems.push(format!("audit level is {:?}, not \"request\"", audit));
    }
    if log.eq_ignore_ascii_case("error") || log.eq_ignore_ascii_case("err") {
        problems.push(format!("log level is {log:?}"));
    }
    let out = if problems.is_empty() {
        Outcome::pass("Audit logging records full requests.")
    } else {
        Outcome::open(format!(
            "Audit logging is insufficient: {}.",
            problems.join("; ")
        ))
    };
    out.line(cfg_line(f, "audit_log_configuration.level", "\"\" (off)"))
        .line(cfg_line(f, "log_configuration.level", "INFO"))
        .source(CONFIG)
}

/// V-260917: admins and users cannot schedule on all nodes.
pub fn scheduling(f: &Facts, _p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    let mut open = Vec::new();
    let mut lines = vec![cfg_line(
        f,
        "scheduling_configuration.enable_admin_ucp_scheduling",
        "false",
    )];
    if boolean(f, "scheduling_configuration.enable_admin_ucp_scheduling") == Some(true) {
        open.push("administrators may schedule on manager and MSR nodes");
    }
    if let Some(v) = boolean(f, "scheduling_configuration.enable_user_ucp_scheduling") {
        lines.push(format!(
            "scheduling_configuration.enable_user_ucp_scheduling = {v} (UCP 3.0 key)"
        ));
        if v {
            open.push("users may schedule on all nodes");
        }
    }
    // MKE 3.x records "users on all nodes" as a grant of the scheduler
    // role on the root collection to the docker-datacenter organisation.
    let grants = f.json(
        "mke/rbac/grants",
        "collection grants (GET /collectionGrants)",
    );
    match &grants {
        Ok(g) => {
            let org_ids = org_ids(f, g, "docker-datacenter");
            let hits: Vec<String> = g
                .get("grants")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|gr| {
                    gr.get("roleID").and_then(Value::as_str) == Some("scheduler")
                        && gr.get("objectID").and_then(Value::as_str) == Some("swarm")
                })
                .filter(|gr| {
                    gr.get("subjectID")
                        .and_then(Value::as_str)
                        .is_some_and(|s| org_ids.iter().any(|i| i == s))
                })
                .map(|gr| {
                    format!(
                        "grant: role scheduler on collection swarm (/) for docker-datacenter ({})",
                        gr.get("subjectID").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect();
            if !hits.is_empty() {
                open.push(
                    "users may schedule on all nodes (scheduler grant on the root collection)",
                );
            }
            lines.extend(hits);
        }
        Err(m) if open.is_empty() => {
            return Outcome::missing(m)
                .lines(lines)
                .sources(&[CONFIG, "mke/rbac/grants"]);
        }
        Err(_) => {}
    }
    let out = if open.is_empty() {
        Outcome::pass("Neither administrators nor users may schedule workloads on all nodes.")
    } else {
        Outcome::open(format!(
            "Scheduling on all nodes is allowed: {}.",
            open.join("; ")
        ))
    };
    out.lines(lines).sources(&[CONFIG, "mke/rbac/grants"])
}

/// Ids of an organisation, from the accounts list or the grants' subjects.
pub(super) fn org_ids(f: &Facts, grants: &Value, org: &str) -> Vec<String> {
    let mut ids = Vec::new();
    if let Ok(accounts) = f.items("mke/enzi/accounts", "accounts", "eNZi accounts") {
        ids.extend(
            accounts
                .iter()
                .filter(|a| a.get("name").and_then(Value::as_str) == Some(org))
                .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string)),
        );
    }
    for s in grants
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if s.pointer("/account/name").and_then(Value::as_str) == Some(org)
            && let Some(id) = s.get("id").and_then(Value::as_str)
        {
            ids.push(id.to_string());
        }
    }
    ids
}

/// V-260918: MKE telemetry disabled.
pub fn telemetry(f: &Facts, _p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    let usage = boolean(f, "tracking_configuration.disable_usageinfo").unwrap_or(false);
    let tracking = boolean(f, "tracking_configuration.disable_tracking").unwrap_or(false);
    let out = if usage && tracking {
        Outcome::pass("Usage reporting and API/UI tracking are both disabled.")
    } else {
        Outcome::open("MKE still sends usage or tracking data to Mirantis.")
    };
    out.line(cfg_line(
        f,
        "tracking_configuration.disable_usageinfo",
        "false",
    ))
    .line(cfg_line(
        f,
        "tracking_configuration.disable_tracking",
        "false",
    ))
    .source(CONFIG)
}

/// V-260931: IPsec network encryption.
pub fn ipsec(f: &Facts, _p: &Policy) -> Outcome {
    let orch = need!(f.orchestrators());
    let mut out: Option<Outcome> = None;
    if orch.kubernetes {
        let _ = need!(&f.config);
        let k = if boolean(f, "cluster_config.secure_overlay") == Some(true) {
            Outcome::pass("Kubernetes traffic between nodes is encrypted (secure_overlay).")
        } else {
            Outcome::open(
                "Kubernetes traffic between nodes is not encrypted (secure_overlay is off).",
            )
        };
        out = Some(
            k.line(cfg_line(f, "cluster_config.secure_overlay", "false"))
                .source(CONFIG),
        );
    }
    if orch.swarm {
        let networks = need!(&f.networks);
        let mut bad = Vec::new();
        let mut info = Vec::new();
        for n in networks {
            let name = n.get("Name").and_then(Value::as_str).unwrap_or("?");
            let scope = n.get("Scope").and_then(Value::as_str).unwrap_or("");
            let driver = n.get("Driver").and_then(Value::as_str).unwrap_or("");
            let encrypted = n.pointer("/Options/encrypted").is_some();
            if scope != "local" && driver != "overlay" {
                bad.push(format!("network {name}: scope {scope}, driver {driver}"));
            } else if driver == "overlay" && !encrypted && name != "ingress" {
                info.push(format!(
                    "network {name}: overlay without encryption (informational)"
                ));
            }
        }
        let s = if bad.is_empty() {
            Outcome::pass(format!(
                "Every cluster-wide network uses the overlay driver ({} networks).",
                networks.len()
            ))
        } else {
            Outcome::open(format!(
                "{} span nodes without the overlay driver.",
                super::count(bad.len(), "network")
            ))
        };
        let s = s.lines(bad).lines(info).source("mke/networks");
        out = Some(match out {
            Some(o) => o.worst(s),
            None => s,
        });
    }
    out.unwrap_or_else(|| {
        Outcome::review("No orchestrator is in use; nothing carries traffic between nodes.")
            .source("mke/nodes")
    })
}

/// V-260933: kernel protection (kubelet protect-kernel-defaults; Swarm:
/// capabilities within the SSP).
pub fn kernel_protection(f: &Facts, p: &Policy) -> Outcome {
    let orch = need!(f.orchestrators());
    let mut out: Option<Outcome> = None;
    if orch.kubernetes {
        let _ = need!(&f.config);
        let key = boolean(f, "cluster_config.kube_protect_kernel_defaults") == Some(true);
        let flag = f
            .cfg("cluster_config.custom_kubelet_flags")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .any(|s| s == "--protect-kernel-defaults=true" || s == "--protect-kernel-defaults");
        let mut lines = vec![cfg_line(
            f,
            "cluster_config.kube_protect_kernel_defaults",
            "false",
        )];
        let mut all_nodes = true;
        let mut any_node = false;
        for key in f.keys_under("kube/nodes/") {
            if let Ok(z) = f.json(&key, "kubelet configz") {
                let v = z
                    .pointer("/kubeletconfig/protectKernelDefaults")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                any_node = true;
                all_nodes &= v;
                lines.push(format!(
                    "{}: protectKernelDefaults = {v}",
                    key.trim_start_matches("kube/nodes/")
                        .trim_end_matches("/configz")
                ));
            }
        }
        let k = if key || flag || (any_node && all_nodes) {
            Outcome::pass("The kubelet protects kernel defaults.")
        } else {
            Outcome::open(
                "The kubelet does not protect kernel defaults (kube_protect_kernel_defaults is off).",
            )
        };
        out = Some(k.lines(lines).source(CONFIG).source("kube/nodes"));
    }
    if orch.swarm {
        let s = containers::capabilities(f, p);
        out = Some(match out {
            Some(o) => o.worst(s),
            None => s,
        });
    }
    out.unwrap_or_else(|| Outcome::review("No orchestrator is in use."))
}

/// V-260942: only signed images run.
pub fn signed_images(f: &Facts, p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    let required = boolean(f, "trust_configuration.require_content_trust") == Some(true);
    let signers: Vec<String> = f
        .cfg("trust_configuration.require_signature_from")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let bypass: Vec<String> = f
        .cfg("trust_configuration.allow_repos")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let lines = vec![
        cfg_line(f, "trust_configuration.require_content_trust", "false"),
        format!("trust_configuration.require_signature_from = {signers:?}"),
        format!("trust_configuration.allow_repos = {bypass:?} (repositories exempt from signing)"),
    ];
    let out = if !required {
        Outcome::open("MKE runs unsigned images (require_content_trust is off).")
    } else if signers.is_empty() {
        Outcome::open(
            "Content trust is on but no signing team is required (require_signature_from is empty).",
        )
    } else if p.signer_teams.as_ref().is_some_and(|want| {
        let mut a = want.clone();
        let mut b = signers.clone();
        a.sort();
        b.sort();
        a != b
    }) {
        Outcome::open(format!(
            "MKE requires signatures from {signers:?}, not the teams the site policy names {:?}.",
            p.signer_teams.as_deref().unwrap_or_default()
        ))
    } else {
        Outcome::review("MKE requires signed images; whether every image on the cluster is signed needs Notary, which stigkit does not query.")
            .step("Run docker trust inspect on the cluster's images against MSR's Notary.")
    };
    out.lines(lines).source(CONFIG)
}

/// The Standard Mandatory DoD Notice and Consent Banner (DoDI 8500.01).
pub const DOD_BANNER: &str = "You are accessing a U.S. Government (USG) Information System (IS) that is provided for USG-authorized use only. By using this IS (which includes any device attached to this IS), you consent to the following conditions: -The USG routinely intercepts and monitors communications on this IS for purposes including, but not limited to, penetration testing, COMSEC monitoring, network operations and defense, personnel misconduct (PM), law enforcement (LE), and counterintelligence (CI) investigations. -At any time, the USG may inspect and seize data stored on this IS. -Communications using, or data stored on, this IS are not private, are subject to routine monitoring, interception, and search, and may be disclosed or used for any USG-authorized purpose. -This IS includes security measures (e.g., authentication and access controls) to protect USG interests -- not for your personal benefit or privacy. -Notwithstanding the above, using this IS does not constitute consent to PM, LE or CI investigative searching or monitoring of the content of privileged communications, or work product, related to personal representation or services by attorneys, psychotherapists, or clergy, and their assistants. Such communications and work product are private and confidential. See User Agreement for details.";

/// The banner's short form, for small displays.
pub const DOD_BANNER_SHORT: &str = "I've read & consent to terms in IS user agreem't.";

/// Comparison text without whitespace: published copies of the banner
/// differ in line breaks and in spacing around dashes ("interests -- not"
/// in the fix text, "interests--not" in check texts).
fn normalise(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// V-260946: the DoD banner before login.
pub fn banner(f: &Facts, p: &Policy) -> Outcome {
    let _ = need!(&f.config);
    let (path, text) = match string(f, "cluster_config.pre_logon_message") {
        Some(t) => ("cluster_config.pre_logon_message", t),
        None => (
            "pre_logon_message",
            string(f, "pre_logon_message").unwrap_or(""),
        ),
    };
    let shown: String = text.chars().take(80).collect();
    let lines = vec![format!(
        "{path}: {} characters, starting {shown:?}",
        text.chars().count()
    )];
    let got = normalise(text);
    let out = if got.is_empty() {
        Outcome::open("No banner is shown before login (pre_logon_message is empty).")
    } else if let Some(want) = &p.dod_banner_text {
        if got == normalise(want) {
            Outcome::pass("The banner matches the site policy's banner text.")
        } else {
            Outcome::open("The banner differs from the site policy's banner text.")
        }
    } else if got == normalise(DOD_BANNER) || got == normalise(DOD_BANNER_SHORT) {
        Outcome::pass("The Standard Mandatory DoD Notice and Consent Banner is shown before login.")
    } else {
        Outcome::review("A banner is set but it is not the standard DoD text.")
            .step("Compare the banner with the SSP, or set dod_banner_text in the site policy.")
    };
    out.lines(lines).source(CONFIG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_spellings_compare_equal() {
        let check_text = DOD_BANNER.replace("interests -- not", "interests--not");
        assert_ne!(check_text, DOD_BANNER);
        assert_eq!(normalise(&check_text), normalise(DOD_BANNER));
        let wrapped = DOD_BANNER.replace(". ", ".\n\n");
        assert_eq!(normalise(&wrapped), normalise(DOD_BANNER));
        assert_ne!(normalise("USG interests"), normalise("USG interest"));
    }
}
