//! The Docker Engine API, as MKE proxies it or as an engine answers it
//! directly: engine facts, Swarm objects and every container's
//! configuration and processes.

use super::http::Api;
use super::{Body, Call, Collector, file_safe};
use futures_util::StreamExt;
use serde_json::Value;

/// Evidence prefix of a directly reached engine:
/// `unix:///var/run/docker.sock` → `docker/unix-var-run-docker.sock`,
/// `tcp://node1:2376` → `docker/node1-2376`.
pub(super) fn prefix(name: &str) -> String {
    let bare = match name.strip_prefix("unix://") {
        Some(path) => format!("unix{}", path.replace('/', "-")),
        None => name.trim_start_matches("tcp://").replace([':', '/'], "-"),
    };
    format!("docker/{}", file_safe(bare.trim_matches('-')))
}

/// Engine-level calls, Swarm objects when `swarm`, and the containers.
pub(super) async fn collect_api(c: &Collector, api: &Api, prefix: &str, swarm: bool) {
    let mut calls = vec![
        Call::json(format!("{prefix}/version"), "/version", Body::Object),
        Call::json(format!("{prefix}/images"), "/images/json", Body::Array),
        Call::json(format!("{prefix}/networks"), "/networks", Body::Array),
    ];
    if swarm {
        calls.extend([
            Call::json(format!("{prefix}/nodes"), "/nodes", Body::Array),
            Call::json(format!("{prefix}/services"), "/services", Body::Array),
            Call::json(format!("{prefix}/secrets"), "/secrets", Body::Array),
            Call::json(format!("{prefix}/tasks"), "/tasks", Body::Array),
        ]);
    }
    c.progress.planned(calls.len() as u64 + 1);
    let singles = futures_util::future::join_all(calls.into_iter().map(|call| c.run(api, call)));
    tokio::join!(singles, containers(c, api, prefix));
}

/// A directly reached engine: `/info` first, to learn whether it can
/// answer for a Swarm. Returns notes for the manifest.
pub(super) async fn collect_engine(c: &Collector, api: &Api, prefix: &str) -> Option<String> {
    c.progress.planned(1);
    let info = c
        .run(
            api,
            Call::json(format!("{prefix}/info"), "/info", Body::Object),
        )
        .await;
    let manager = info
        .as_ref()
        .and_then(|i| i.pointer("/Swarm/ControlAvailable"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    collect_api(c, api, prefix, manager).await;
    (info.is_some() && !manager).then(|| {
        format!(
            "{} is not a Swarm manager: Swarm nodes, services, secrets and tasks were not asked of it",
            api.source
        )
    })
}

/// `/containers/json?all=1`, then inspect for each and `top` for each
/// running one, in parallel up to the collection's limit.
async fn containers(c: &Collector, api: &Api, prefix: &str) {
    let list = c
        .run(
            api,
            Call::json(
                format!("{prefix}/containers"),
                "/containers/json?all=1",
                Body::Array,
            ),
        )
        .await;
    let Some(Value::Array(list)) = list else {
        return;
    };
    let mut calls = Vec::with_capacity(list.len() * 2);
    for item in &list {
        let id = item.get("Id").and_then(Value::as_str).unwrap_or_default();
        // Ids go into paths and file names: accept only what Docker makes.
        if !(12..=64).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        // One folder per kind, not per container: thousands of folders
        // cost more to write than the files in them.
        let name = c.name(id);
        calls.push(Call::json(
            format!("{prefix}/inspect/{name}"),
            format!("/containers/{id}/json"),
            Body::Object,
        ));
        if item.get("State").and_then(Value::as_str) == Some("running") {
            calls.push(Call::json(
                format!("{prefix}/top/{name}"),
                format!("/containers/{id}/top?ps_args=-ef"),
                Body::Object,
            ));
        }
    }
    c.progress.planned(calls.len() as u64);
    // The semaphore inside `Api` bounds requests in flight; this only
    // bounds how many futures wait for it.
    futures_util::stream::iter(calls)
        .for_each_concurrent(1024, |call| async move {
            c.run(api, call).await;
        })
        .await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn engine_prefixes_are_readable() {
        assert_eq!(
            super::prefix("unix:///var/run/docker.sock"),
            "docker/unix-var-run-docker.sock"
        );
        assert_eq!(
            super::prefix("tcp://node1.example.mil:2376"),
            "docker/node1.example.mil-2376"
        );
    }
}
