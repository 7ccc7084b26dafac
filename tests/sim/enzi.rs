//! eNZi account, team and member listings, served by both MKE and MSR from
//! their own data, paged through an opaque `nextPageStart` (spec §3).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Server;
use super::data::Enzi;
use super::net::{Params, Query, Srv, decode_token, encode_token, error, json_value, page};

/// Adds the eNZi listing routes under `prefix` ("/enzi/v0", or "" for
/// MKE's short aliases).
pub(super) fn routes(router: Router<Srv>, prefix: &str) -> Router<Srv> {
    router
        .route(&format!("{prefix}/accounts"), get(accounts))
        .route(&format!("{prefix}/accounts/{{name}}"), get(account))
        .route(&format!("{prefix}/accounts/{{name}}/teams"), get(teams))
        .route(
            &format!("{prefix}/accounts/{{name}}/teams/{{team}}/members"),
            get(members),
        )
}

fn enzi(srv: &Srv) -> Option<&Enzi> {
    match srv.server {
        Server::Msr => srv.ctx.data.msr.as_ref().map(|m| &m.enzi),
        _ => Some(&srv.ctx.data.mke.enzi),
    }
}

fn flag(v: &Value, key: &str) -> bool {
    v[key].as_bool().unwrap_or(false)
}

fn bad_request(srv: &Srv, uri: &Uri, message: &str) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
        message,
    )
}

/// `start`/`limit` of a listing, or why they are invalid.
fn paging(uri: &Uri, scope: &str, total: usize) -> Result<(usize, Option<usize>), String> {
    let q = Query::of(uri);
    let limit = q.number("limit")?;
    let start = match q.get("start") {
        None | Some("") => 0,
        Some(token) => decode_token(scope, token)
            .filter(|o| *o <= total)
            .ok_or("invalid start")?,
    };
    Ok((start, limit))
}

async fn accounts(State(srv): State<Srv>, uri: Uri) -> Response {
    let Some(enzi) = enzi(&srv) else {
        return not_found(&srv, &uri, "NOT_FOUND", "page not found");
    };
    let filter = Query::of(&uri).get("filter").unwrap_or("all").to_string();
    let keep: fn(&Value) -> bool = match filter.as_str() {
        "" | "all" => |_| true,
        "orgs" => |a| flag(a, "isOrg"),
        "users" => |a| !flag(a, "isOrg"),
        "admins" => |a| !flag(a, "isOrg") && flag(a, "isAdmin"),
        "non-admins" => |a| !flag(a, "isOrg") && !flag(a, "isAdmin"),
        "active-users" => |a| !flag(a, "isOrg") && flag(a, "isActive"),
        "inactive-users" => |a| !flag(a, "isOrg") && !flag(a, "isActive"),
        _ => return bad_request(&srv, &uri, &format!("unknown filter {filter:?}")),
    };
    let matching: Vec<&Value> = enzi.accounts.iter().filter(|a| keep(a)).collect();
    let scope = format!("accounts:{filter}");
    let (start, limit) = match paging(&uri, &scope, matching.len()) {
        Ok(p) => p,
        Err(m) => return bad_request(&srv, &uri, &m),
    };
    let p = page(matching.len(), start, limit);
    let orgs = enzi.accounts.iter().filter(|a| flag(a, "isOrg")).count();
    json_value(
        StatusCode::OK,
        &json!({
            "usersCount": enzi.accounts.len() - orgs,
            "orgsCount": orgs,
            "resourceCount": matching.len(),
            "nextPageStart": p.next.map(|o| encode_token(&scope, o)).unwrap_or_default(),
            "accounts": matching[p.start..p.end],
        }),
    )
}

fn not_found(srv: &Srv, uri: &Uri, code: &str, message: &str) -> Response {
    error(srv.server, uri.path(), StatusCode::NOT_FOUND, code, message)
}

fn find_account<'a>(enzi: &'a Enzi, name: &str) -> Option<&'a Value> {
    enzi.accounts
        .iter()
        .find(|a| a["name"].as_str() == Some(name))
}

async fn account(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    match enzi(&srv).and_then(|e| find_account(e, params.get("name"))) {
        Some(a) => json_value(StatusCode::OK, a),
        None => not_found(&srv, &uri, "NO_SUCH_ACCOUNT", "account not found"),
    }
}

async fn teams(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let org = params.get("name");
    let Some(enzi) = enzi(&srv) else {
        return not_found(&srv, &uri, "NOT_FOUND", "page not found");
    };
    if !find_account(enzi, org).is_some_and(|a| flag(a, "isOrg")) {
        return not_found(&srv, &uri, "NO_SUCH_ACCOUNT", "organization not found");
    }
    let empty = Vec::new();
    let teams = enzi.teams.get(org).unwrap_or(&empty);
    let scope = format!("teams:{org}");
    let (start, limit) = match paging(&uri, &scope, teams.len()) {
        Ok(p) => p,
        Err(m) => return bad_request(&srv, &uri, &m),
    };
    let p = page(teams.len(), start, limit);
    json_value(
        StatusCode::OK,
        &json!({
            "teams": teams[p.start..p.end],
            "nextPageStart": p.next.map(|o| encode_token(&scope, o)).unwrap_or_default(),
        }),
    )
}

async fn members(State(srv): State<Srv>, params: Params, uri: Uri) -> Response {
    let (org, team) = (params.get("name"), params.get("team"));
    let Some(enzi) = enzi(&srv) else {
        return not_found(&srv, &uri, "NOT_FOUND", "page not found");
    };
    if !find_account(enzi, org).is_some_and(|a| flag(a, "isOrg")) {
        return not_found(&srv, &uri, "NO_SUCH_ACCOUNT", "organization not found");
    }
    let team_exists = enzi
        .teams
        .get(org)
        .is_some_and(|ts| ts.iter().any(|t| t["name"].as_str() == Some(team)));
    if !team_exists {
        return not_found(&srv, &uri, "NO_SUCH_TEAM", "team not found");
    }
    let key = format!("{org}/{team}");
    let empty = Vec::new();
    let members = enzi.members.get(&key).unwrap_or(&empty);
    let scope = format!("members:{key}");
    let (start, limit) = match paging(&uri, &scope, members.len()) {
        Ok(p) => p,
        Err(m) => return bad_request(&srv, &uri, &m),
    };
    let p = page(members.len(), start, limit);
    json_value(
        StatusCode::OK,
        &json!({
            "members": members[p.start..p.end],
            "nextPageStart": p.next.map(|o| encode_token(&scope, o)).unwrap_or_default(),
        }),
    )
}
