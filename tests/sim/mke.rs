//! The MKE listener: login, CA, config-toml, the Docker Engine API MKE
//! proxies (classic-Swarm flavour), eNZi and RBAC (spec §1, §3, §4).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::data::Containers;
use super::net::{Params, Query, Srv, error, issue_token, json_bytes, json_value, raw};

pub(super) fn router() -> Router<Srv> {
    let r = Router::new()
        .route("/auth/login", post(login))
        .route("/ca", get(ca))
        .route("/api/ucp/config-toml", get(config_toml))
        .route("/_ping", get(ping))
        .route("/version", get(|s: State<Srv>| body(s, |d| &d.version)))
        .route("/info", get(|s: State<Srv>| body(s, |d| &d.info)))
        .route("/nodes", get(|s: State<Srv>| body(s, |d| &d.nodes)))
        .route("/services", get(|s: State<Srv>| body(s, |d| &d.services)))
        .route("/secrets", get(|s: State<Srv>| body(s, |d| &d.secrets)))
        .route("/images/json", get(|s: State<Srv>| body(s, |d| &d.images)))
        .route("/networks", get(|s: State<Srv>| body(s, |d| &d.networks)))
        .route("/tasks", get(|s: State<Srv>| body(s, |d| &d.tasks)))
        .route("/containers/json", get(containers))
        .route("/containers/{id}/json", get(inspect))
        .route("/containers/{id}/top", get(top))
        .route(
            "/enzi/v0/config/auth",
            get(|s: State<Srv>| body(s, |d| &d.enzi_auth)),
        )
        .route(
            "/enzi/v0/config/auth/ldap",
            get(|s: State<Srv>| body(s, |d| &d.enzi_ldap)),
        )
        .route(
            "/collectionGrants",
            get(|s: State<Srv>| body(s, |d| &d.grants)),
        )
        .route("/roles", get(|s: State<Srv>| body(s, |d| &d.roles)))
        .route(
            "/collections",
            get(|s: State<Srv>| body(s, |d| &d.collections)),
        );
    // eNZi is reachable under its own prefix and as MKE's short aliases.
    let r = super::enzi::routes(r, "/enzi/v0");
    super::enzi::routes(r, "")
}

/// A pre-serialised MKE body.
async fn body(State(srv): State<Srv>, pick: fn(&super::data::Mke) -> &Bytes) -> Response {
    json_bytes(pick(&srv.ctx.data.mke))
}

async fn login(State(srv): State<Srv>, uri: Uri, body: Bytes) -> Response {
    let bad = |m: &str| {
        error(
            srv.server,
            uri.path(),
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            m,
        )
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad("request body is not valid JSON");
    };
    let (Some(user), Some(password)) = (v["username"].as_str(), v["password"].as_str()) else {
        return bad("username and password are required");
    };
    if user != srv.ctx.admin_user || password != srv.ctx.admin_password {
        return error(
            srv.server,
            uri.path(),
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "invalid credentials",
        );
    }
    let token = issue_token(&srv, user);
    json_value(StatusCode::OK, &json!({"auth_token": token}))
}

async fn ca(State(srv): State<Srv>) -> Response {
    raw(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from(srv.ctx.ca_pem.clone()),
    )
}

async fn config_toml(State(srv): State<Srv>) -> Response {
    raw(
        StatusCode::OK,
        "application/toml",
        srv.ctx.data.mke.config_toml.clone(),
    )
}

async fn ping() -> Response {
    let mut resp = raw(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from_static(b"OK"),
    );
    let h = resp.headers_mut();
    h.insert("API-Version", HeaderValue::from_static("1.41"));
    h.insert("Docker-Experimental", HeaderValue::from_static("false"));
    h.insert("OSType", HeaderValue::from_static("linux"));
    resp
}

/// Docker's boolean query values: absent, "", "0", "no", "false" and
/// "none" are false, anything else true.
fn docker_bool(v: Option<&str>) -> bool {
    !matches!(
        v.map(|s| s.to_ascii_lowercase()).as_deref(),
        None | Some("" | "0" | "no" | "false" | "none")
    )
}

async fn containers(State(srv): State<Srv>, uri: Uri) -> Response {
    let c = &srv.ctx.data.mke.containers;
    match docker_bool(Query::of(&uri).get("all")) {
        true => json_bytes(&c.list_all),
        false => json_bytes(&c.list_running),
    }
}

/// A container by full id, by name ("name" or "node/name", leading "/"
/// allowed) when that is unique, or by unique id prefix.
fn find(c: &Containers, key: &str) -> Option<usize> {
    let key = key.trim_start_matches('/');
    if key.is_empty() {
        return None;
    }
    if let Some(i) = c.by_id.get(key) {
        return Some(*i);
    }
    if let Some(found) = c.by_name.get(key) {
        return match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
    }
    let from = c.sorted_ids.partition_point(|(id, _)| id.as_str() < key);
    let mut hits = c.sorted_ids[from..]
        .iter()
        .take_while(|(id, _)| id.starts_with(key));
    match (hits.next(), hits.next()) {
        (Some((_, i)), None) => Some(*i),
        _ => None,
    }
}

fn no_such_container(srv: &Srv, uri: &Uri, key: &str) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("No such container: {key}"),
    )
}

async fn inspect(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let c = &srv.ctx.data.mke.containers;
    match find(c, params.get("id")) {
        Some(i) => json_bytes(&c.entries[i].inspect),
        None => no_such_container(&srv, &uri, params.get("id")),
    }
}

async fn top(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let c = &srv.ctx.data.mke.containers;
    let Some(i) = find(c, params.get("id")) else {
        return no_such_container(&srv, &uri, params.get("id"));
    };
    let entry = &c.entries[i];
    if !entry.running {
        return error(
            srv.server,
            uri.path(),
            StatusCode::CONFLICT,
            "CONFLICT",
            &format!("Container {} is not running", entry.id),
        );
    }
    json_bytes(&entry.top)
}
