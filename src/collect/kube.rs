//! The Kubernetes API MKE serves: workloads, RBAC bindings, quotas,
//! storage and each node's kubelet configuration.

use super::http::Api;
use super::{Body, Call, Collector, Paging, percent_encode};
use serde_json::Value;

/// Evidence key and list path of every collected resource.
const LISTS: [(&str, &str); 13] = [
    ("namespaces", "/api/v1/namespaces"),
    ("pods", "/api/v1/pods"),
    ("services", "/api/v1/services"),
    ("nodes", "/api/v1/nodes"),
    ("resourcequotas", "/api/v1/resourcequotas"),
    ("persistentvolumes", "/api/v1/persistentvolumes"),
    ("storageclasses", "/apis/storage.k8s.io/v1/storageclasses"),
    ("deployments", "/apis/apps/v1/deployments"),
    ("daemonsets", "/apis/apps/v1/daemonsets"),
    ("statefulsets", "/apis/apps/v1/statefulsets"),
    (
        "clusterrolebindings",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    ),
    (
        "rolebindings",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    ),
    (
        "ingressclasses",
        "/apis/networking.k8s.io/v1/ingressclasses",
    ),
];

/// The RBAC permissions these calls need: `(API group, resource, verbs)`.
/// The deployment's ClusterRole grants exactly these (tests/deploy.rs).
pub fn permissions() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    let mut out: Vec<(&str, &str, &[&str])> = LISTS
        .iter()
        .map(|(name, path)| {
            let group = path
                .strip_prefix("/apis/")
                .and_then(|p| p.split('/').next())
                .unwrap_or("");
            (group, *name, &["get", "list"][..])
        })
        .collect();
    // GET /api/v1/nodes/NAME/proxy/configz, per node.
    out.push(("", "nodes/proxy", &["get"]));
    out
}

pub(super) async fn collect(c: &Collector, api: &Api) {
    c.progress.planned(LISTS.len() as u64);
    let results = futures_util::future::join_all(LISTS.iter().map(|(name, path)| {
        let mut call = Call::json(format!("kube/{name}"), *path, Body::Object).paged(Paging::Kube);
        if *name == "namespaces" {
            call = call.keep_certificate("kube/tls/server-certificate");
        }
        c.run(api, call)
    }))
    .await;
    let nodes: Vec<String> = results[3]
        .as_ref()
        .and_then(|n| n.get("items"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| {
            n.pointer("/metadata/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    c.progress.planned(nodes.len() as u64);
    futures_util::future::join_all(nodes.iter().map(|node| {
        c.run(
            api,
            Call::json(
                format!("kube/nodes/{}/configz", c.name(node)),
                format!("/api/v1/nodes/{}/proxy/configz", percent_encode(node)),
                Body::Object,
            ),
        )
    }))
    .await;
}
