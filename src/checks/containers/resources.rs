//! CPU and memory limits on containers, resource quotas in namespaces.

use crate::checks::facts::Facts;
use crate::checks::{Outcome, Policy, count, decide, need, sweep};
use serde_json::Value;

/// V-260925: CPU priority (and memory limits) set on all containers;
/// resource quotas in every Kubernetes namespace.
pub fn cpu_priority(f: &Facts, p: &Policy) -> Outcome {
    let orch = f.orchestrators().ok();
    let mut result: Option<Outcome> = None;
    if orch.is_none_or(|o| o.swarm) {
        let all = need!(&f.containers);
        let s = sweep(all.running(), &p.exceptions.cpu_limits, "cpu_limits", |c| {
            let mem = c.host("Memory").as_i64().unwrap_or(0);
            let shares = c.host("CpuShares").as_i64().unwrap_or(0);
            let mut wrong = Vec::new();
            if mem == 0 {
                wrong.push("no memory limit (Memory 0)".to_string());
            }
            if shares == 0 || shares == 1024 {
                wrong.push(format!("default CPU shares (CpuShares {shares})"));
            }
            (!wrong.is_empty()).then(|| wrong.join(", "))
        });
        result = Some(decide(
            all,
            s,
            "CPU shares or a memory limit are not set on",
            "Every running container has CPU shares and a memory limit",
        ));
    }
    if orch.is_some_and(|o| o.kubernetes) {
        let k = quotas(f, p);
        result = Some(match result {
            Some(r) => r.worst(k),
            None => k,
        });
    }
    result.unwrap_or_else(|| {
        Outcome::missing(
            &f.orchestrators()
                .expect_err("no branch ran only when unknown"),
        )
    })
}

fn quotas(f: &Facts, p: &Policy) -> Outcome {
    let namespaces = need!(f.items(
        "kube/namespaces",
        "items",
        "Kubernetes namespaces (GET /api/v1/namespaces)"
    ));
    let quotas = need!(f.items(
        "kube/resourcequotas",
        "items",
        "resource quotas (GET /api/v1/resourcequotas)"
    ));
    let default_exempt = [
        "kube-system".to_string(),
        "kube-public".to_string(),
        "kube-node-lease".to_string(),
    ];
    let exempt = p
        .quota_exempt_namespaces
        .as_deref()
        .unwrap_or(&default_exempt);
    let mut lacking = Vec::new();
    let mut with = Vec::new();
    for ns in &namespaces {
        let name = ns
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if exempt.iter().any(|e| e == name) {
            continue;
        }
        let hard = quotas
            .iter()
            .filter(|q| q.pointer("/metadata/namespace").and_then(Value::as_str) == Some(name))
            .filter_map(|q| q.pointer("/spec/hard"))
            .find(|h| h.get("limits.cpu").is_some() && h.get("limits.memory").is_some());
        match hard {
            Some(h) => with.push(format!(
                "namespace {name}: limits.cpu {}, limits.memory {}",
                h["limits.cpu"].as_str().unwrap_or("?"),
                h["limits.memory"].as_str().unwrap_or("?")
            )),
            None => lacking.push(format!(
                "namespace {name}: no ResourceQuota with limits.cpu and limits.memory"
            )),
        }
    }
    let out = if !lacking.is_empty() {
        Outcome::open(format!(
            "{} have no CPU and memory quota.",
            count(lacking.len(), "namespace")
        ))
    } else if p.supplied {
        Outcome::pass("Every namespace has a CPU and memory quota; the site policy is in force.")
    } else {
        Outcome::review("Every namespace has a CPU and memory quota; whether the values meet the SSP needs review.")
            .step("Compare each namespace's quota with the SSP.")
    };
    out.lines(lacking)
        .lines(with)
        .line(format!("exempt namespaces: {exempt:?}"))
        .sources(&["kube/namespaces", "kube/resourcequotas"])
}
