//! Rules about Kubernetes namespaces and storage.

use super::facts::Facts;
use super::{Outcome, Policy, count, need, policy};
use serde_json::Value;

/// V-260905: user resources in dedicated namespaces.
pub fn namespaces(f: &Facts, p: &Policy) -> Outcome {
    let orch = need!(f.orchestrators());
    if !orch.kubernetes {
        return Outcome::not_applicable("Kubernetes orchestration is not used.")
            .source("mke/nodes");
    }
    let services = need!(f.items(
        "kube/services",
        "items",
        "Kubernetes services (GET /api/v1/services)"
    ));
    let ns_of = |s: &Value| {
        s.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let name_of = |s: &Value| {
        s.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut bad = Vec::new();
    let mut lines = Vec::new();
    for s in &services {
        let (ns, name) = (ns_of(s), name_of(s));
        let ty = s
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP");
        match ns.as_str() {
            "default" if name != "kubernetes" => bad.push(format!(
                "service default/{name} ({ty}): user service in the default namespace"
            )),
            "default" => lines.push(format!("service default/{name} ({ty})")),
            "kube-system" => match p.list(&p.allowed_kube_system_services) {
                Some(allowed) if !allowed.iter().any(|a| policy::glob(a, &name)) => {
                    bad.push(format!(
                        "service kube-system/{name} ({ty}): not in allowed_kube_system_services"
                    ))
                }
                _ => lines.push(format!("service kube-system/{name} ({ty})")),
            },
            _ => {}
        }
    }
    let out = if !bad.is_empty() {
        Outcome::open(format!(
            "Services in default or kube-system that belong in a dedicated namespace: {}.",
            bad.len()
        ))
    } else {
        let mut o = Outcome::review("The default and kube-system namespaces hold no user services; the UI setting \"Set context for all namespaces\" cannot be read through the API.")
            .step("In MKE, check under each user's profile that \"Set context for all namespaces\" is enabled.");
        if p.list(&p.allowed_kube_system_services).is_none() {
            o = o.step("List the approved kube-system services under allowed_kube_system_services in the site policy.");
        }
        o
    };
    out.lines(bad).lines(lines).source("kube/services")
}

/// V-260932: persistent storage survives a pod failure (manual test).
pub fn persistence(f: &Facts, _p: &Policy) -> Outcome {
    let orch = need!(f.orchestrators());
    if orch.swarm_only() {
        return Outcome::not_applicable("The cluster uses Swarm orchestration only.")
            .source("mke/nodes");
    }
    let classes = f
        .items("kube/storageclasses", "items", "storage classes")
        .unwrap_or_default();
    let volumes = f
        .items("kube/persistentvolumes", "items", "persistent volumes")
        .unwrap_or_default();
    let lines: Vec<String> = classes
        .iter()
        .map(|c| {
            format!(
                "storage class {} (provisioner {})",
                c.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                c.get("provisioner").and_then(Value::as_str).unwrap_or("?")
            )
        })
        .chain(std::iter::once(format!(
            "{} present",
            count(volumes.len(), "persistent volume")
        )))
        .collect();
    Outcome::review("Proving that data survives a pod failure needs a write test, which a read-only collection must not perform.")
        .lines(lines)
        .step("Create a namespace with a PersistentVolumeClaim and a pod that writes a file to it.")
        .step("Delete the pod, start a new one on the same claim, and read the file back.")
        .step("If the data is gone or the claim cannot be bound, this is a finding.")
        .sources(&["kube/storageclasses", "kube/persistentvolumes"])
}
