//! MKE's own API: configuration, eNZi accounts and RBAC, plus the Docker
//! Engine API it proxies for the whole cluster.

use super::http::Api;
use super::{Body, Call, Collector, Paging, docker, percent_encode};
use serde_json::Value;

pub(super) async fn collect(c: &Collector, api: &Api) {
    let calls = vec![
        Call::json("mke/config-toml", "/api/ucp/config-toml", Body::Toml)
            .keep_certificate("mke/tls/server-certificate"),
        Call::json("mke/ca", "/ca", Body::Pem),
        Call::json("mke/info", "/info", Body::Object),
        Call::json("mke/enzi/config-auth", "/enzi/v0/config/auth", Body::Object),
        Call::json(
            "mke/enzi/config-auth-ldap",
            "/enzi/v0/config/auth/ldap",
            Body::Object,
        ),
        Call::json(
            "mke/rbac/grants",
            "/collectionGrants?subjectType=all&expandUser=true&showPaths=true",
            Body::Object,
        ),
        Call::json("mke/rbac/roles", "/roles", Body::Array),
        Call::json(
            "mke/rbac/collections",
            "/collections?limit=1000",
            Body::Array,
        ),
    ];
    c.progress.planned(calls.len() as u64);
    let singles = futures_util::future::join_all(calls.into_iter().map(|call| c.run(api, call)));
    tokio::join!(
        singles,
        docker::collect_api(c, api, "mke", true),
        accounts(c, api, "mke/enzi")
    );
}

/// eNZi accounts, the teams of each organisation and each team's members.
/// MSR shares the same service and layout.
pub(super) async fn accounts(c: &Collector, api: &Api, prefix: &str) {
    c.progress.planned(1);
    let filter = if prefix.starts_with("msr") {
        "orgs"
    } else {
        "all"
    };
    let accounts = c
        .run(
            api,
            Call::json(
                format!("{prefix}/accounts"),
                format!("/enzi/v0/accounts?filter={filter}"),
                Body::Object,
            )
            .paged(Paging::Enzi { field: "accounts" }),
        )
        .await;
    let orgs: Vec<String> = accounts
        .as_ref()
        .and_then(|a| a.get("accounts"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| a.get("isOrg").and_then(Value::as_bool) == Some(true))
        .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    c.progress.planned(orgs.len() as u64);
    let teams = futures_util::future::join_all(orgs.iter().map(|org| async move {
        let teams = c
            .run(
                api,
                Call::json(
                    format!("{prefix}/teams/{}", c.name(org)),
                    format!("/enzi/v0/accounts/{}/teams", percent_encode(org)),
                    Body::Object,
                )
                .paged(Paging::Enzi { field: "teams" }),
            )
            .await;
        let names: Vec<String> = teams
            .as_ref()
            .and_then(|t| t.get("teams"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        (org.clone(), names)
    }))
    .await;
    let members: Vec<Call> = teams
        .iter()
        .flat_map(|(org, names)| {
            names.iter().map(move |team| {
                Call::json(
                    format!("{prefix}/members/{}/{}", c.name(org), c.name(team)),
                    format!(
                        "/enzi/v0/accounts/{}/teams/{}/members",
                        percent_encode(org),
                        percent_encode(team)
                    ),
                    Body::Object,
                )
                .paged(Paging::Enzi { field: "members" })
            })
        })
        .collect();
    c.progress.planned(members.len() as u64);
    futures_util::future::join_all(members.into_iter().map(|call| c.run(api, call))).await;
}
