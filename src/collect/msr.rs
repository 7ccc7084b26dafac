//! MSR: registry settings, scanning status, repositories and who may use
//! them.

use super::http::Api;
use super::{Body, Call, Collector, Paging, mke, percent_encode};
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) async fn collect(c: &Collector, api: &Api) {
    let calls = vec![
        Call::json("msr/settings", "/api/v0/meta/settings", Body::Object)
            .keep_certificate("msr/tls/server-certificate"),
        Call::json("msr/features", "/api/v0/meta/features", Body::Object),
        Call::json(
            "msr/imagescan-status",
            "/api/v0/imagescan/status",
            Body::Object,
        ),
        Call::json("msr/ca", "/ca", Body::Pem),
    ];
    c.progress.planned(calls.len() as u64 + 1);
    let singles = futures_util::future::join_all(calls.into_iter().map(|call| c.run(api, call)));
    tokio::join!(
        singles,
        repositories(c, api),
        mke::accounts(c, api, "msr/enzi")
    );
}

async fn repositories(c: &Collector, api: &Api) {
    let repos = c
        .run(
            api,
            Call::json("msr/repositories", "/api/v0/repositories", Body::Object).paged(
                Paging::Msr {
                    field: "repositories",
                },
            ),
        )
        .await;
    let mut calls = Vec::new();
    let mut namespaces = BTreeSet::new();
    for r in repos
        .as_ref()
        .and_then(|r| r.get("repositories"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(ns), Some(name)) = (
            r.get("namespace").and_then(Value::as_str),
            r.get("name").and_then(Value::as_str),
        ) else {
            continue;
        };
        namespaces.insert(ns.to_string());
        calls.push(Call::json(
            format!(
                "msr/repositories/{}/{}/team-access",
                c.name(ns),
                c.name(name)
            ),
            format!(
                "/api/v0/repositories/{}/{}/teamAccess",
                percent_encode(ns),
                percent_encode(name)
            ),
            Body::Object,
        ));
    }
    for ns in &namespaces {
        calls.push(Call::json(
            format!("msr/namespaces/{}/team-access", c.name(ns)),
            format!(
                "/api/v0/repositoryNamespaces/{}/teamAccess",
                percent_encode(ns)
            ),
            Body::Object,
        ));
    }
    c.progress.planned(calls.len() as u64);
    futures_util::future::join_all(calls.into_iter().map(|call| c.run(api, call))).await;
}
