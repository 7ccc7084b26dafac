//! Rules about who may do what: secrets in use and RBAC grants.

use super::facts::{Facts, strings};
use super::{CONTAINERS, Outcome, Policy, count, need, policy};
use serde_json::Value;
use std::collections::BTreeSet;

/// Environment variable names that suggest a credential.
fn credential_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["pass", "secret", "token", "key", "credential", "pwd"]
        .iter()
        .any(|w| n.contains(w))
}

/// V-260911: Swarm or Kubernetes secrets hold the SSP's sensitive data.
pub fn secrets(f: &Facts, p: &Policy) -> Outcome {
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut lines = Vec::new();
    let mut sources = vec!["mke/secrets", "mke/services", CONTAINERS];
    if let Ok(secrets) = &f.secrets {
        for s in secrets {
            if let Some(n) = s.pointer("/Spec/Name").and_then(Value::as_str) {
                known.insert(n.to_string());
                lines.push(format!("Swarm secret {n}"));
            }
        }
    }
    let mut suspicious = Vec::new();
    if let Ok(services) = &f.services {
        for svc in services {
            let name = svc
                .pointer("/Spec/Name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let spec = svc
                .pointer("/Spec/TaskTemplate/ContainerSpec")
                .cloned()
                .unwrap_or(Value::Null);
            for r in spec
                .get("Secrets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = r.get("SecretName").and_then(Value::as_str) {
                    known.insert(n.to_string());
                    lines.push(format!("service {name} uses secret {n}"));
                }
            }
            for e in strings(spec.get("Env").unwrap_or(&Value::Null)) {
                if let Some((k, v)) = e.split_once('=')
                    && !v.is_empty()
                    && credential_name(k)
                {
                    suspicious.push(format!(
                        "service {name}: environment variable {k} holds a literal value"
                    ));
                }
            }
        }
    }
    if let Ok(all) = &f.containers {
        for c in &all.list {
            for e in strings(c.inspect.pointer("/Config/Env").unwrap_or(&Value::Null)) {
                if let Some((k, v)) = e.split_once('=')
                    && !v.is_empty()
                    && credential_name(k)
                {
                    suspicious.push(format!(
                        "{}: environment variable {k} holds a literal value",
                        c.label()
                    ));
                }
            }
        }
    }
    if f.has_kube() {
        sources.push("kube/pods");
        for pod in f.items("kube/pods", "items", "pods").unwrap_or_default() {
            let pname = format!(
                "{}/{}",
                pod.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                pod.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
            for c in pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                    let k = e.get("name").and_then(Value::as_str).unwrap_or("");
                    if let Some(r) = e
                        .pointer("/valueFrom/secretKeyRef/name")
                        .and_then(Value::as_str)
                    {
                        known.insert(r.to_string());
                        lines.push(format!("pod {pname} uses secret {r}"));
                    } else if e
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
                        && credential_name(k)
                    {
                        suspicious.push(format!(
                            "pod {pname}: environment variable {k} holds a literal value"
                        ));
                    }
                }
                for r in c
                    .get("envFrom")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = r.pointer("/secretRef/name").and_then(Value::as_str) {
                        known.insert(n.to_string());
                    }
                }
            }
            for v in pod
                .pointer("/spec/volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = v.pointer("/secret/secretName").and_then(Value::as_str) {
                    known.insert(n.to_string());
                    lines.push(format!("pod {pname} mounts secret {n}"));
                }
            }
        }
    }
    lines.push(super::cfg_line(f, "cluster_config.kms_enabled", "false"));
    lines.sort();
    lines.dedup();
    suspicious.sort();
    suspicious.dedup();
    if f.secrets.is_err() && f.services.is_err() && !f.has_kube() {
        return Outcome::missing(f.secrets.as_ref().expect_err("checked"));
    }
    // The SSP's list of sensitive items is a fact about the site: without
    // it nothing can be claimed, even with a policy file.
    let out = match &p.secret_items {
        None => Outcome::review(format!(
            "Secrets in use: {}; whether they cover the SSP's sensitive data needs review.",
            known.len()
        ))
        .step("List the SSP's sensitive items under secret_items in the site policy."),
        Some(items) => {
            let missing: Vec<String> = items
                .iter()
                .filter(|i| !known.contains(*i))
                .map(|i| format!("{i}: no secret by this name is in use"))
                .collect();
            if missing.is_empty() {
                Outcome::pass(format!(
                    "Every sensitive item the site policy lists ({}) is held in a secret.",
                    items.len()
                ))
            } else {
                Outcome::open(format!(
                    "Sensitive items from the SSP not held in secrets: {}.",
                    missing.len()
                ))
                .lines(missing)
            }
        }
    };
    out.lines(
        suspicious
            .into_iter()
            .map(|s| format!("{s} (review: credentials belong in secrets)")),
    )
    .lines(lines)
    .sources(&sources)
}

/// A grant as `subject | role | collection path`.
fn grant_rows(f: &Facts, grants: &Value) -> Vec<policy::Grant> {
    let mut names = std::collections::BTreeMap::new();
    if let Ok(accounts) = f.items("mke/enzi/accounts", "accounts", "accounts") {
        for a in accounts {
            if let (Some(id), Some(name)) = (
                a.get("id").and_then(Value::as_str),
                a.get("name").and_then(Value::as_str),
            ) {
                names.insert(id.to_string(), name.to_string());
            }
        }
    }
    for s in grants
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = s.get("id").and_then(Value::as_str) else {
            continue;
        };
        // Teams are named `org/team`, as the policy lists them.
        let name = match (
            s.pointer("/account/name").and_then(Value::as_str),
            s.pointer("/org/name").and_then(Value::as_str),
            s.pointer("/team/name").and_then(Value::as_str),
        ) {
            (Some(account), _, _) => account.to_string(),
            (None, Some(org), Some(team)) => format!("{org}/{team}"),
            _ => continue,
        };
        names.insert(id.to_string(), name);
    }
    let mut paths = std::collections::BTreeMap::new();
    if let Ok(Value::Array(cols)) = f.json("mke/rbac/collections", "collections") {
        for c in cols {
            if let (Some(id), Some(path)) = (
                c.get("id").and_then(Value::as_str),
                c.get("path").and_then(Value::as_str),
            ) {
                paths.insert(id.to_string(), path.to_string());
            }
        }
    }
    paths
        .entry("swarm".to_string())
        .or_insert_with(|| "/".to_string());
    let mut rows: Vec<policy::Grant> = grants
        .get("grants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| {
            let sid = g.get("subjectID").and_then(Value::as_str).unwrap_or("");
            let oid = g.get("objectID").and_then(Value::as_str).unwrap_or("");
            policy::Grant {
                subject: names.get(sid).cloned().unwrap_or_else(|| sid.to_string()),
                role: g
                    .get("roleID")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                collection: g
                    .get("objectPath")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .or_else(|| paths.get(oid).cloned())
                    .unwrap_or_else(|| oid.to_string()),
            }
        })
        .collect();
    rows.sort();
    rows
}

/// V-260912: grants control authorisation to cluster resources.
pub fn grants(f: &Facts, p: &Policy) -> Outcome {
    let grants = need!(f.json(
        "mke/rbac/grants",
        "collection grants (GET /collectionGrants)"
    ));
    let rows = grant_rows(f, &grants);
    let show = |g: &policy::Grant| format!("grant: {} | {} | {}", g.subject, g.role, g.collection);
    let mut lines: Vec<String> = rows.iter().map(show).collect();
    if f.has_kube()
        && let Ok(crbs) = f.items("kube/clusterrolebindings", "items", "cluster role bindings")
    {
        for b in crbs {
            let subjects: Vec<String> = b
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| {
                    format!(
                        "{}:{}",
                        s.get("kind").and_then(Value::as_str).unwrap_or(""),
                        s.get("name").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect();
            lines.push(format!(
                "cluster role binding {}: role {} for {}",
                b.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                b.pointer("/roleRef/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                subjects.join(", ")
            ));
        }
    }
    let sources = [
        "mke/rbac/grants",
        "mke/rbac/collections",
        "mke/enzi/accounts",
        "kube/clusterrolebindings",
    ];
    let Some(approved) = &p.approved_grants else {
        let mut o = Outcome::review(format!("{} are listed for review against the SSP.", count(rows.len(), "grant")))
            .step("List the SSP's grants under approved_grants in the site policy (subject, role, collection).");
        if rows.is_empty() {
            o = o.step("No grant exists at all: access control may not be configured.");
        }
        return o.lines(lines).sources(&sources);
    };
    let mut approved = approved.clone();
    approved.sort();
    let extra: Vec<String> = rows
        .iter()
        .filter(|g| !approved.contains(g))
        .map(|g| format!("{} (not approved)", show(g)))
        .collect();
    let missing: Vec<String> = approved
        .iter()
        .filter(|g| !rows.contains(g))
        .map(|g| format!("{} (approved but missing)", show(g)))
        .collect();
    let out = if extra.is_empty() && missing.is_empty() {
        Outcome::pass(format!(
            "The {} grants are exactly those the site policy approves.",
            rows.len()
        ))
    } else {
        Outcome::open(format!(
            "Grants differ from the site policy: {} not approved, {} missing.",
            extra.len(),
            missing.len()
        ))
    };
    out.lines(extra)
        .lines(missing)
        .lines(lines)
        .sources(&sources)
}
