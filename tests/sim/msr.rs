//! The MSR listener: token, CA, settings, features, scanner status,
//! repositories paged with `pageStart`/`pageSize` and `Link` headers, team
//! access, and MSR's own eNZi (spec §1.4, §6).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::data::Msr;
use super::net::{
    Params, Query, Srv, basic, decode_token, encode_token, error, issue_token, json_bytes,
    json_value, page, raw,
};

pub(super) fn router() -> Router<Srv> {
    let r = Router::new()
        .route("/auth/token", get(token))
        .route("/ca", get(ca))
        .route(
            "/api/v0/meta/settings",
            get(|s: State<Srv>| body(s, |m| &m.settings)),
        )
        .route(
            "/api/v0/meta/features",
            get(|s: State<Srv>| body(s, |m| &m.features)),
        )
        .route(
            "/api/v0/imagescan/status",
            get(|s: State<Srv>| body(s, |m| &m.imagescan_status)),
        )
        .route("/api/v0/repositories", get(repositories))
        .route("/api/v0/repositories/{namespace}", get(repositories_in))
        .route("/api/v0/repositories/{namespace}/{repo}", get(repository))
        .route(
            "/api/v0/repositories/{namespace}/{repo}/teamAccess",
            get(repo_team_access),
        )
        .route(
            "/api/v0/repositoryNamespaces/{namespace}/teamAccess",
            get(namespace_team_access),
        );
    super::enzi::routes(r, "/enzi/v0")
}

/// The MSR data; the router only exists when the scenario has it.
fn msr(srv: &Srv) -> Option<&Msr> {
    srv.ctx.data.msr.as_ref()
}

fn missing(srv: &Srv, uri: &Uri) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "page not found",
    )
}

async fn body(State(srv): State<Srv>, pick: fn(&Msr) -> &Bytes) -> Response {
    match msr(&srv) {
        Some(m) => json_bytes(pick(m)),
        None => missing(&srv, &Uri::from_static("/")),
    }
}

async fn token(State(srv): State<Srv>, uri: Uri, headers: HeaderMap) -> Response {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match basic(header) {
        Some((u, p)) if u == srv.ctx.msr_user && p == srv.ctx.msr_password => {
            let token = issue_token(&srv, &u);
            json_value(
                StatusCode::OK,
                &json!({
                    "token": token,
                    "access_token": token,
                    "expires_in": srv.ctx.token_lifetime.as_secs(),
                    "issued_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }),
            )
        }
        found => error(
            srv.server,
            uri.path(),
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            match found {
                Some(_) => "invalid credentials",
                None => "authentication required",
            },
        ),
    }
}

async fn ca(State(srv): State<Srv>) -> Response {
    raw(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from(srv.ctx.ca_pem.clone()),
    )
}

async fn repositories(State(srv): State<Srv>, uri: Uri) -> Response {
    list_repositories(&srv, &uri, None)
}

async fn repositories_in(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    list_repositories(&srv, &uri, Some(params.get("namespace")))
}

/// One page of repositories, with the next page in `X-Next-Page-Start`
/// and `Link` (both absent on the last page) and the total in
/// `X-Total-Count`.
fn list_repositories(srv: &Srv, uri: &Uri, namespace: Option<&str>) -> Response {
    let Some(m) = msr(srv) else {
        return missing(srv, uri);
    };
    let repos: Vec<&Value> = m
        .repositories
        .iter()
        .filter(|r| namespace.is_none_or(|ns| r["namespace"].as_str() == Some(ns)))
        .collect();
    if let Some(ns) = namespace
        && repos.is_empty()
        && !m
            .enzi
            .accounts
            .iter()
            .any(|a| a["name"].as_str() == Some(ns))
    {
        return error(
            srv.server,
            uri.path(),
            StatusCode::NOT_FOUND,
            "NO_SUCH_ACCOUNT",
            "namespace not found",
        );
    }
    let q = Query::of(uri);
    let bad = |msg: &str| {
        error(
            srv.server,
            uri.path(),
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
            msg,
        )
    };
    let page_size = match q.number("pageSize") {
        Ok(n) => n,
        Err(msg) => return bad(&msg),
    };
    let scope = format!("repositories:{}", namespace.unwrap_or(""));
    let start = match q.get("pageStart") {
        None | Some("") => 0,
        Some(t) => match decode_token(&scope, t).filter(|o| *o <= repos.len()) {
            Some(o) => o,
            None => return bad("invalid pageStart"),
        },
    };
    let p = page(repos.len(), start, page_size);
    let mut resp = json_value(
        StatusCode::OK,
        &json!({"repositories": repos[p.start..p.end]}),
    );
    let h = resp.headers_mut();
    h.insert("X-Total-Count", HeaderValue::from(repos.len()));
    if let Some(next) = p.next {
        let token = encode_token(&scope, next);
        let size = page_size.filter(|n| *n > 0).unwrap_or(super::net::MAX_PAGE);
        // Tokens are base64url, so they are safe in a header and a URL.
        if let Ok(v) = HeaderValue::from_str(&token) {
            h.insert("X-Next-Page-Start", v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!(
            "<?pageStart={token}&pageSize={size}>; rel=\"next\""
        )) {
            h.insert("Link", v);
        }
    }
    resp
}

fn find_repo<'a>(m: &'a Msr, ns: &str, repo: &str) -> Option<&'a Value> {
    m.repositories
        .iter()
        .find(|r| r["namespace"].as_str() == Some(ns) && r["name"].as_str() == Some(repo))
}

fn no_such_repo(srv: &Srv, uri: &Uri) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::NOT_FOUND,
        "NO_SUCH_REPOSITORY",
        "repository does not exist",
    )
}

async fn repository(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    match msr(&srv).and_then(|m| find_repo(m, params.get("namespace"), params.get("repo"))) {
        Some(r) => json_value(StatusCode::OK, r),
        None => no_such_repo(&srv, &uri),
    }
}

async fn repo_team_access(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let (ns, name) = (params.get("namespace"), params.get("repo"));
    let Some(m) = msr(&srv) else {
        return missing(&srv, &uri);
    };
    let Some(repo) = find_repo(m, ns, name) else {
        return no_such_repo(&srv, &uri);
    };
    let list = m
        .repo_access
        .get(&format!("{ns}/{name}"))
        .cloned()
        .unwrap_or_default();
    json_value(
        StatusCode::OK,
        &json!({"repository": repo, "teamAccessList": list}),
    )
}

async fn namespace_team_access(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let ns = params.get("namespace");
    let Some(m) = msr(&srv) else {
        return missing(&srv, &uri);
    };
    let is_org = m
        .enzi
        .accounts
        .iter()
        .any(|a| a["name"].as_str() == Some(ns) && a["isOrg"].as_bool() == Some(true));
    if !is_org {
        return error(
            srv.server,
            uri.path(),
            StatusCode::NOT_FOUND,
            "NO_SUCH_ACCOUNT",
            "namespace not found",
        );
    }
    let list = m.namespace_access.get(ns).cloned().unwrap_or_default();
    json_value(
        StatusCode::OK,
        &json!({"namespace": ns, "teamAccessList": list}),
    )
}
