//! The Kubernetes API listener: list endpoints with `limit`/`continue`
//! paging (cluster-wide and per namespace), kubelet configz through the node
//! proxy, and `/version` (spec §5).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::data::KUBE_RESOURCES;
use super::net::{
    Params, Query, Srv, decode_token, encode_token, error, json_bytes, json_value, page,
};

/// Fixed: the simulated cluster never changes.
const RESOURCE_VERSION: &str = "48213";

pub(super) fn router() -> Router<Srv> {
    let mut r = Router::new()
        .route(
            "/version",
            get(|State(srv): State<Srv>| async move { json_bytes(&srv.ctx.data.kube.version) }),
        )
        .route("/api/v1/nodes/{name}/proxy/configz", get(configz));
    for (i, res) in KUBE_RESOURCES.iter().enumerate() {
        r = r.route(
            &res.path(),
            get(move |State(srv): State<Srv>, uri: Uri| async move { list(&srv, i, None, &uri) }),
        );
        if res.namespaced {
            let path = format!("{}/namespaces/{{namespace}}/{}", res.prefix, res.file);
            r = r.route(
                &path,
                get(
                    move |State(srv): State<Srv>, params: Params, uri: Uri| async move {
                        list(&srv, i, Some(params.get("namespace")), &uri)
                    },
                ),
            );
        }
    }
    r
}

fn bad_request(srv: &Srv, uri: &Uri, message: &str) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        message,
    )
}

fn list(srv: &Srv, index: usize, namespace: Option<&str>, uri: &Uri) -> Response {
    let Some(list) = srv.ctx.data.kube.lists.get(index) else {
        return error(
            srv.server,
            uri.path(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "not found",
        );
    };
    let items: Vec<&Value> = list
        .items
        .iter()
        .filter(|it| namespace.is_none_or(|ns| it["metadata"]["namespace"].as_str() == Some(ns)))
        .collect();
    let q = Query::of(uri);
    let limit = match q.number("limit") {
        Ok(l) => l,
        Err(m) => return bad_request(srv, uri, &m),
    };
    let scope = format!("{}|{}", list.res.path(), namespace.unwrap_or(""));
    let start = match q.get("continue") {
        None | Some("") => 0,
        Some(token) => match decode_token(&scope, token).filter(|o| *o <= items.len()) {
            Some(o) => o,
            None => return bad_request(srv, uri, "continue key is not valid"),
        },
    };
    let p = page(items.len(), start, limit);
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!(RESOURCE_VERSION));
    if let Some(next) = p.next {
        metadata.insert("continue".into(), json!(encode_token(&scope, next)));
        metadata.insert("remainingItemCount".into(), json!(items.len() - next));
    }
    json_value(
        StatusCode::OK,
        &json!({
            "kind": list.res.kind,
            "apiVersion": list.res.api_version,
            "metadata": metadata,
            "items": items[p.start..p.end],
        }),
    )
}

async fn configz(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let node = params.get("name");
    match srv.ctx.data.kube.configz.get(node) {
        Some(body) => json_bytes(body),
        None => error(
            srv.server,
            uri.path(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("nodes \"{node}\" not found"),
        ),
    }
}
