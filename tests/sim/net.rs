//! The transport shared by the three servers: TLS listeners with our own
//! accept loop (so the verified client certificate reaches the handlers),
//! the per-request pipeline (count, latency, faults, authentication), error
//! bodies in each server's style, and the small parsing helpers handlers use
//! instead of axum extractors whose rejections would be plain text.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use serde_json::{Value, json};
use tokio_rustls::TlsAcceptor;

use super::pki::{Leaf, Pki};
use super::{Ctx, FaultKind, Issued, Server, lock};

/// What every handler gets as state: the shared context and which server
/// it is answering for.
#[derive(Clone)]
pub(super) struct Srv {
    pub ctx: Arc<Ctx>,
    pub server: Server,
}

/// The user a client certificate, verified at the handshake, stands for.
#[derive(Clone)]
pub(super) struct Peer(pub Option<String>);

/// The authenticated user of a request.
#[derive(Clone)]
pub(super) struct User(pub String);

pub(super) struct TlsSetup {
    pub mke: TlsAcceptor,
    pub kube: TlsAcceptor,
    pub msr: TlsAcceptor,
}

impl TlsSetup {
    pub fn new(pki: &Pki) -> Result<TlsSetup, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots
            .add(pki.ca_der.clone())
            .map_err(|e| format!("adding the CA to the client roots: {e}"))?;
        let roots = Arc::new(roots);
        // Request a client certificate but let bearer-token clients in; a
        // certificate from another CA still fails the handshake.
        let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
            .allow_unauthenticated()
            .build()
            .map_err(|e| format!("building the client verifier: {e}"))?;
        let config = |leaf: &Leaf, mtls: bool| -> Result<TlsAcceptor, String> {
            let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS versions: {e}"))?;
            let builder = match mtls {
                true => builder.with_client_cert_verifier(verifier.clone()),
                false => builder.with_no_client_auth(),
            };
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
            let chain: Vec<CertificateDer<'static>> = leaf.chain.clone();
            let mut cfg = builder
                .with_single_cert(chain, key)
                .map_err(|e| format!("server certificate: {e}"))?;
            cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(TlsAcceptor::from(Arc::new(cfg)))
        };
        Ok(TlsSetup {
            mke: config(&pki.mke, true)?,
            kube: config(&pki.kube, true)?,
            msr: config(&pki.msr, false)?,
        })
    }
}

/// Starts serving `server` on `listener`. Must run inside the runtime.
pub(super) fn spawn_server(
    listener: std::net::TcpListener,
    acceptor: TlsAcceptor,
    ctx: Arc<Ctx>,
    server: Server,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| format!("registering the listener: {e}"))?;
    let srv = Srv {
        ctx: ctx.clone(),
        server,
    };
    let routes = match server {
        Server::Mke => super::mke::router(),
        Server::Kube => super::kube::router(),
        Server::Msr => super::msr::router(),
    };
    let app: Router = routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(srv.clone(), pipeline))
        .with_state(srv);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(conn) => conn,
                // Out of file descriptors and the like: back off, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let app = app.clone();
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp))
                    .await
                {
                    Ok(Ok(tls)) => tls,
                    // Refused certificate, plain HTTP, slow client: drop it.
                    _ => return,
                };
                // rustls only returns certificates it verified against the
                // simulator CA, and the bundle holds the only one it signed.
                let peer = Peer(
                    tls.get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| match c.as_ref() == ctx.bundle_cert_der.as_slice() {
                            true => ctx.admin_user.clone(),
                            false => "unknown-client".to_string(),
                        }),
                );
                let svc = TowerToHyperService::new(app);
                let per_request =
                    hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                        if server == Server::Mke
                            && let Some(uri) = strip_api_version(req.uri())
                        {
                            *req.uri_mut() = uri;
                        }
                        req.extensions_mut().insert(peer.clone());
                        hyper::service::Service::call(&svc, req)
                    });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), per_request)
                    .await;
            });
        }
    });
    Ok(())
}

/// MKE serves the Docker API with and without a `/v1.41`-style prefix.
fn strip_api_version(uri: &Uri) -> Option<Uri> {
    let rest = uri.path().strip_prefix("/v")?;
    let (version, tail) = rest.split_once('/')?;
    let numeric = version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !numeric {
        return None;
    }
    let pq = match uri.query() {
        Some(q) => format!("/{tail}?{q}"),
        None => format!("/{tail}"),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(pq.parse().ok()?);
    Uri::from_parts(parts).ok()
}

/// Count, wait, misbehave, authenticate, then answer.
async fn pipeline(State(srv): State<Srv>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    srv.ctx.shared.count(srv.server, &path);
    if !srv.ctx.latency.is_zero() {
        tokio::time::sleep(srv.ctx.latency).await;
    }
    let mut truncate = false;
    for f in srv
        .ctx
        .faults
        .iter()
        .filter(|f| f.fault.matches(srv.server, &path))
    {
        match &f.fault.kind {
            FaultKind::Status(code) => return fault_status(&srv, &path, *code),
            FaultKind::StatusTimes(code, times) => {
                if f.hits.fetch_add(1, Ordering::SeqCst) < *times {
                    return fault_status(&srv, &path, *code);
                }
            }
            FaultKind::Hang => return std::future::pending::<Response>().await,
            FaultKind::Delay(d) => tokio::time::sleep(*d).await,
            FaultKind::BadJson => {
                return raw(
                    StatusCode::OK,
                    "application/json",
                    Bytes::from_static(b"{\"Id\": \"sim-bad-json\", \"Names\": [\"/oops\"], "),
                );
            }
            FaultKind::WrongType => {
                return raw(
                    StatusCode::OK,
                    "application/json",
                    Bytes::from_static(b"\"simulator: a string where an array or object belongs\""),
                );
            }
            FaultKind::Truncated => truncate = true,
            FaultKind::Huge(n) => return huge(*n),
            FaultKind::RedirectOffHost => {
                let mut resp = StatusCode::FOUND.into_response();
                if let Ok(v) =
                    HeaderValue::from_str(&format!("https://attacker.invalid:8443{path}"))
                {
                    resp.headers_mut().insert(LOCATION, v);
                }
                return resp;
            }
        }
    }
    let resp = match authenticate(&srv, &req) {
        Ok(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        Err(message) => unauthorized(&srv, &path, message),
    };
    match truncate {
        true => truncated(resp).await,
        false => resp,
    }
}

fn fault_status(srv: &Srv, path: &str, code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(
        srv.server,
        path,
        status,
        error_code(status),
        &format!("simulated fault: {status}"),
    )
}

/// Half the real body under the full Content-Length. The body is a stream
/// of unknown size so hyper trusts our header, then aborts the connection
/// when the stream ends early.
async fn truncated(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let (declared, sent) = match full.len() {
        0 | 1 => (full.len() + 64, full.clone()),
        n => (n, full.slice(..n / 2)),
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(declared));
    // Yield once after the partial chunk so hyper flushes it (and the
    // headers) before the early end makes it drop the connection.
    let stream = futures_util::stream::unfold(Some(sent), |part| async move {
        match part {
            Some(bytes) => Some((Ok::<_, Infallible>(bytes), None)),
            None => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                None
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// A valid JSON array of exactly `n` bytes (at least 2), generated while it
/// is sent and without Content-Length, as Go's net/http streams a large
/// encoder output.
fn huge(n: usize) -> Response {
    const ELEM: &[u8] = br#"{"Id":"0000000000000000000000000000000000000000000000000000000000000000","Names":["/sim/huge"],"State":"running"}"#;
    const CHUNK: usize = 64 * 1024;
    let inner = n.max(2) - 2;
    let elems = (inner + 1) / (ELEM.len() + 1);
    let used = match elems {
        0 => 0,
        k => k * (ELEM.len() + 1) - 1,
    };
    struct Plan {
        opened: bool,
        elems_left: usize,
        first: bool,
        spaces_left: usize,
        closed: bool,
    }
    let plan = Plan {
        opened: false,
        elems_left: elems,
        first: true,
        spaces_left: inner - used,
        closed: false,
    };
    let stream = futures_util::stream::unfold(plan, |mut p| async move {
        if p.closed {
            return None;
        }
        let mut buf = Vec::with_capacity(CHUNK + ELEM.len() + 1);
        if !p.opened {
            buf.push(b'[');
            p.opened = true;
        }
        while p.elems_left > 0 && buf.len() < CHUNK {
            if !p.first {
                buf.push(b',');
            }
            buf.extend_from_slice(ELEM);
            p.first = false;
            p.elems_left -= 1;
        }
        if p.elems_left == 0 {
            let room = CHUNK.saturating_sub(buf.len()).max(1);
            let spaces = p.spaces_left.min(room);
            buf.resize(buf.len() + spaces, b' ');
            p.spaces_left -= spaces;
            if p.spaces_left == 0 {
                buf.push(b']');
                p.closed = true;
            }
        }
        Some((Ok::<_, Infallible>(Bytes::from(buf)), p))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// The user a request acts as, or why it gets a 401.
fn authenticate(srv: &Srv, req: &Request) -> Result<User, &'static str> {
    let path = req.uri().path();
    let ctx = &srv.ctx;
    let peer = req.extensions().get::<Peer>().and_then(|p| p.0.clone());
    let auth = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bearer = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .map(str::trim);
    match srv.server {
        Server::Mke | Server::Kube => {
            let public = srv.server == Server::Mke
                && ((req.method() == Method::POST && path == "/auth/login")
                    || (req.method() == Method::GET && path == "/ca"));
            if public {
                return Ok(User("anonymous".into()));
            }
            if let Some(user) = peer {
                return Ok(User(user));
            }
            match bearer {
                Some(token) => check_token(srv, Server::Mke, token),
                None => Err("authentication required"),
            }
        }
        Server::Msr => {
            // /auth/token checks its Basic credentials itself.
            if (req.method() == Method::GET && path == "/ca") || path == "/auth/token" {
                return Ok(User("anonymous".into()));
            }
            if let Some(token) = bearer {
                return check_token(srv, Server::Msr, token);
            }
            match basic(auth) {
                Some((u, p)) if u == ctx.msr_user && p == ctx.msr_password => Ok(User(u)),
                Some(_) => Err("invalid credentials"),
                None => Err("authentication required"),
            }
        }
    }
}

fn unauthorized(srv: &Srv, path: &str, message: &str) -> Response {
    match srv.server {
        // MKE authenticates before it proxies to the engine, so even Docker
        // paths get eNZi-style 401 bodies.
        Server::Mke => json_value(
            StatusCode::UNAUTHORIZED,
            &json!({"errors": [{"code": "UNAUTHORIZED", "message": message}]}),
        ),
        _ => error(
            srv.server,
            path,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            message,
        ),
    }
}

fn check_token(srv: &Srv, book: Server, token: &str) -> Result<User, &'static str> {
    let mut tokens = lock(&srv.ctx.shared.tokens);
    if srv.server == Server::Kube
        && let Some(user) = super::service_account_user(&mut tokens, token)
    {
        return Ok(User(user));
    }
    let map = match book {
        Server::Msr => &tokens.msr,
        _ => &tokens.mke,
    };
    match map.get(token) {
        Some(issued) if issued.at.elapsed() < srv.ctx.token_lifetime => {
            Ok(User(issued.user.clone()))
        }
        _ => Err("invalid token"),
    }
}

/// A new bearer token for `user`, valid for the configured lifetime.
pub(super) fn issue_token(srv: &Srv, user: &str) -> String {
    let token = uuid::Uuid::new_v4().to_string();
    let mut tokens = lock(&srv.ctx.shared.tokens);
    tokens.issued.push(token.clone());
    let issued = Issued {
        user: user.to_string(),
        at: std::time::Instant::now(),
    };
    match srv.server {
        Server::Msr => tokens.msr.insert(token.clone(), issued),
        _ => tokens.mke.insert(token.clone(), issued),
    };
    token
}

/// (user, password) of an `Authorization: Basic` header.
pub(super) fn basic(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = B64.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

// ---- responses -----------------------------------------------------------

pub(super) fn raw(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// 200 with a pre-serialised JSON body.
pub(super) fn json_bytes(body: &Bytes) -> Response {
    raw(StatusCode::OK, "application/json", body.clone())
}

pub(super) fn json_value(status: StatusCode, v: &Value) -> Response {
    raw(
        status,
        "application/json",
        Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
    )
}

/// Paths MKE answers from the proxied Docker Engine, whose errors are
/// `{"message": …}`; everything else MKE serves (UCP, eNZi, RBAC) uses
/// `{"errors": [{code, message}]}`.
fn is_docker_path(path: &str) -> bool {
    const OWN: &[&str] = &[
        "/api/",
        "/enzi/",
        "/auth/",
        "/id/",
        "/accounts",
        "/collectionGrants",
        "/roles",
        "/collections",
        "/ca",
    ];
    !OWN.iter().any(|p| path.starts_with(p))
}

/// An error in the style of the server (and, on MKE, of the path).
pub(super) fn error(
    server: Server,
    path: &str,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = match server {
        Server::Mke if is_docker_path(path) => json!({"message": message}),
        Server::Mke | Server::Msr => json!({"errors": [{"code": code, "message": message}]}),
        Server::Kube => json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": kube_reason(status),
            "code": status.as_u16(),
        }),
    };
    json_value(status, &body)
}

pub(super) fn error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        429 => "TOO_MANY_REQUESTS",
        500 => "INTERNAL_ERROR",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "ERROR",
    }
}

fn kube_reason(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
}

async fn not_found(State(srv): State<Srv>, uri: Uri) -> Response {
    let message = match srv.server {
        Server::Kube => "the server could not find the requested resource",
        _ => "page not found",
    };
    error(
        srv.server,
        uri.path(),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        message,
    )
}

async fn method_not_allowed(State(srv): State<Srv>, uri: Uri) -> Response {
    error(
        srv.server,
        uri.path(),
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "method not allowed",
    )
}

// ---- request parsing -----------------------------------------------------

/// A decoded query string; repeated keys keep the last value.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(uri: &Uri) -> Query {
        let pairs = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Query(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A non-negative integer parameter; `Err` carries the message for a
    /// 400 answer.
    pub fn number(&self, key: &str) -> Result<Option<usize>, String> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("invalid value for {key}: {v:?}")),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Path parameters; a bad one (invalid UTF-8) is a 400 in the server's
/// style rather than axum's plain-text rejection.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl FromRequestParts<Srv> for Params {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Srv) -> Result<Self, Response> {
        match RawPathParams::from_request_parts(parts, state).await {
            Ok(p) => Ok(Params(
                p.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )),
            Err(_) => Err(error(
                state.server,
                parts.uri.path(),
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "invalid path parameter",
            )),
        }
    }
}

// ---- paging --------------------------------------------------------------

/// Every paged endpoint serves at most this many items per page, whatever
/// the client asks for, so collectors must follow the paging tokens.
pub(super) const MAX_PAGE: usize = 2;

pub(super) struct Page {
    pub start: usize,
    pub end: usize,
    /// Offset of the next page, if any.
    pub next: Option<usize>,
}

pub(super) fn page(total: usize, start: usize, limit: Option<usize>) -> Page {
    let size = limit.filter(|l| *l > 0).unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let start = start.min(total);
    let end = (start + size).min(total);
    Page {
        start,
        end,
        next: (end < total).then_some(end),
    }
}

/// An opaque paging token bound to one listing (`scope`).
pub(super) fn encode_token(scope: &str, offset: usize) -> String {
    B64URL.encode(format!("{scope}\n{offset}"))
}

/// The offset in a token from [`encode_token`] for the same scope.
pub(super) fn decode_token(scope: &str, token: &str) -> Option<usize> {
    let raw = String::from_utf8(B64URL.decode(token).ok()?).ok()?;
    let (s, offset) = raw.split_once('\n')?;
    (s == scope).then(|| offset.parse().ok())?
}
