//! A hostile stand-in for MKE (with the Docker API it proxies), MSR and the
//! Kubernetes API, over real TLS from the simulator's CA: every answer
//! (bodies, error bodies, TOML, PEM, response headers, and the names the
//! collector turns into folders) carries back every request header, the
//! login body and the password found in them, raw and in every encoding a
//! server could use. It answers the paths `stigkit collect` asks, in shapes
//! the collector accepts, so that what it echoes is stored unless it is
//! removed.
//!
//! It also stands for servers that refuse the credentials (counting the
//! logins), and for servers that stall a login: accept the connection and
//! never answer, or answer one byte a second.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::{
    STANDARD as B64, STANDARD_NO_PAD as B64_NOPAD, URL_SAFE as B64URL,
    URL_SAFE_NO_PAD as B64URL_NOPAD,
};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

use super::pki::{CaSubject, Pki};
use super::{Server, lock};

/// How a server treats the credentials it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Accepts any credential and echoes it everywhere.
    Echo,
    /// 401 to the login (MKE) or to every request (MSR, Kubernetes), with
    /// the credentials echoed in the error.
    Refuse,
    /// Accepts the TCP connection and never sends a byte.
    Silent,
    /// Sends the status and headers of the login (MKE) or of every
    /// request (MSR), then one byte of body a second, for ever.
    Drip,
}

#[derive(Clone, Copy, Debug)]
pub struct HostileConfig {
    pub mke: Behaviour,
    pub kube: Behaviour,
    pub msr: Behaviour,
}

impl Default for HostileConfig {
    fn default() -> Self {
        HostileConfig {
            mke: Behaviour::Echo,
            kube: Behaviour::Echo,
            msr: Behaviour::Echo,
        }
    }
}

/// A running hostile server; dropping it stops it.
pub struct Hostile {
    pub mke_url: String,
    pub kube_url: String,
    pub msr_url: String,
    /// The CA that signed the three listeners.
    pub ca_pem: PathBuf,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct Shared {
    /// Requests (TCP connections for a silent server) per server.
    requests: Mutex<HashMap<Server, usize>>,
    /// `POST /auth/login` on MKE.
    logins: AtomicUsize,
    /// The last login body MKE received, echoed by every server.
    login_body: Mutex<String>,
    /// Tokens issued by the MKE login.
    tokens: Mutex<Vec<String>>,
}

struct Ctx {
    shared: Arc<Shared>,
    cfg: HostileConfig,
    ca_pem: String,
}

impl Hostile {
    pub fn start(cfg: HostileConfig) -> Hostile {
        let dir = tempfile::Builder::new()
            .prefix("stigkit-hostile-")
            .tempdir()
            .expect("temp dir");
        let pki = Pki::generate(false, &CaSubject::default()).expect("hostile PKI");
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, &pki.ca_pem).expect("writing ca.pem");
        let tls = super::net::TlsSetup::new(&pki).expect("hostile TLS");
        let bind = || {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("binding loopback");
            l.set_nonblocking(true).expect("non-blocking listener");
            let port = l.local_addr().unwrap().port();
            (l, format!("https://127.0.0.1:{port}"))
        };
        let (mke_l, mke_url) = bind();
        let (kube_l, kube_url) = bind();
        let (msr_l, msr_url) = bind();
        let shared = Arc::new(Shared::default());
        let ctx = Arc::new(Ctx {
            shared: shared.clone(),
            cfg,
            ca_pem: pki.ca_pem.clone(),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("hostile runtime");
            rt.block_on(async move {
                for (l, acceptor, server, behaviour) in [
                    (mke_l, tls.mke, Server::Mke, cfg.mke),
                    (kube_l, tls.kube, Server::Kube, cfg.kube),
                    (msr_l, tls.msr, Server::Msr, cfg.msr),
                ] {
                    let l = tokio::net::TcpListener::from_std(l).expect("listener");
                    tokio::spawn(serve(l, acceptor, server, behaviour, ctx.clone()));
                }
                let _ = stop_rx.await;
            });
            // Silent and dripping connections never end by themselves.
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        Hostile {
            mke_url,
            kube_url,
            msr_url,
            ca_pem,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// Requests that reached `server` (connections, for a silent one).
    pub fn requests(&self, server: Server) -> usize {
        lock(&self.shared.requests)
            .get(&server)
            .copied()
            .unwrap_or(0)
    }

    /// `POST /auth/login` requests MKE received.
    pub fn logins(&self) -> usize {
        self.shared.logins.load(Ordering::SeqCst)
    }

    /// Every token the MKE login issued.
    pub fn tokens(&self) -> Vec<String> {
        lock(&self.shared.tokens).clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    server: Server,
    behaviour: Behaviour,
    ctx: Arc<Ctx>,
) {
    let mut held = Vec::new();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        if behaviour == Behaviour::Silent {
            *lock(&ctx.shared.requests).entry(server).or_insert(0) += 1;
            // Keep it open, say nothing.
            held.push(tcp);
            continue;
        }
        let acceptor = acceptor.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let ctx = ctx.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(&ctx, server, req).await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), svc)
                .await;
        });
    }
}

/// What the server sends back: every value it was given, with the
/// password found in them, each in every encoding.
struct Echo {
    /// Raw values: header values, the login body, passwords, `user:password`, JWT parts.
    raw: Vec<String>,
    /// The passwords found (login body, Basic header).
    passwords: Vec<String>,
    /// The `Authorization` header.
    authorization: String,
    login_body: String,
}

impl Echo {
    fn of(ctx: &Ctx, headers: &HeaderMap) -> Echo {
        let login_body = lock(&ctx.shared.login_body).clone();
        let mut raw: Vec<String> = headers
            .values()
            .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
            .map(str::to_string)
            .collect();
        let authorization = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut passwords = Vec::new();
        if let Ok(v) = serde_json::from_str::<Value>(&login_body)
            && let Some(p) = v["password"].as_str()
        {
            passwords.push(p.to_string());
            raw.push(format!("{}:{p}", v["username"].as_str().unwrap_or("")));
        }
        if let Some(b) = authorization.strip_prefix("Basic ")
            && let Ok(pair) = B64.decode(b.trim())
            && let Ok(pair) = String::from_utf8(pair)
        {
            if let Some((_, p)) = pair.split_once(':') {
                passwords.push(p.to_string());
            }
            raw.push(pair);
        }
        if let Some(t) = authorization.strip_prefix("Bearer ") {
            raw.push(t.to_string());
            raw.extend(t.split('.').map(str::to_string));
        }
        if !login_body.is_empty() {
            raw.push(login_body.clone());
        }
        raw.extend(passwords.iter().cloned());
        Echo {
            raw,
            passwords,
            authorization,
            login_body,
        }
    }

    /// The password (the first found), or a stand-in.
    fn password(&self) -> &str {
        self.passwords
            .first()
            .map(String::as_str)
            .unwrap_or("no-password-seen")
    }

    /// Every value in every encoding.
    fn forms(&self) -> Vec<String> {
        self.raw.iter().flat_map(|v| forms(v)).collect()
    }

    /// One line that names everything, with each value where a message
    /// would put it: after a space, `=` or `:`.
    fn message(&self) -> String {
        format!(
            "login failed for password {} with Authorization: {} and body {} (url ?password={}&auth={})",
            self.password(),
            self.authorization,
            self.login_body,
            pct(self.password(), false),
            pct(&self.authorization, true),
        )
    }

    /// Fields added to every JSON object the server sends.
    fn fields(&self) -> Value {
        let keys: serde_json::Map<String, Value> = self
            .raw
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), json!(i)))
            .collect();
        json!({
            "echo": self.forms(),
            "message": self.message(),
            "description": self.password(),
            "requestHeaders": self.raw.clone(),
            "byValue": keys,
            "Authorization": self.authorization,
            "blob": B64.encode(format!(
                "{{\"auth\":{},\"body\":{}}}",
                serde_json::to_string(&self.authorization).unwrap(),
                self.login_body
            )),
        })
    }

    fn object(&self, mut v: Value) -> Value {
        if let (Value::Object(m), Value::Object(extra)) = (&mut v, self.fields()) {
            for (k, x) in extra {
                m.entry(k).or_insert(x);
            }
        }
        v
    }

    /// Names for listed items: the password, the header, the body.
    fn names(&self) -> Vec<String> {
        vec![
            self.password().to_string(),
            self.authorization.clone(),
            self.login_body.clone(),
            B64.encode(self.password()),
        ]
    }
}

/// One value raw, JSON-escaped (as text: twice encoded once stored),
/// percent-encoded (`%20` and `+`, upper- and lower-case hex), base64
/// (standard and URL-safe, padded and not), and inside larger base64
/// blobs at each of the three byte offsets.
fn forms(v: &str) -> Vec<String> {
    let json = serde_json::to_string(v).unwrap();
    let mut out = vec![
        v.to_string(),
        json[1..json.len() - 1].to_string(),
        pct(v, false),
        pct(v, true),
        lower_hex(&pct(v, false)),
        B64.encode(v),
        B64_NOPAD.encode(v),
        B64URL.encode(v),
        B64URL_NOPAD.encode(v),
    ];
    for prefix in ["", "\n", ": "] {
        out.push(B64.encode(format!("{prefix}{v}\n")));
        out.push(B64URL_NOPAD.encode(format!("{prefix}{json}\n")));
    }
    out
}

/// Percent-encoding with lower-case hex digits.
fn lower_hex(pct: &str) -> String {
    let mut out = String::new();
    let mut hex = 0;
    for c in pct.chars() {
        out.push(if hex > 0 { c.to_ascii_lowercase() } else { c });
        hex = if c == '%' { 2 } else { hex.max(1) - 1 };
    }
    out
}

/// Percent-encoding of everything but unreserved characters; a space as
/// `+` when `plus`.
fn pct(s: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn respond(status: StatusCode, content_type: &str, body: Body, echo: &Echo) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_str(content_type).unwrap());
    let mut add = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.append(name, v);
        }
    };
    add("x-echo-authorization", echo.authorization.clone());
    add("x-echo-password", pct(echo.password(), false));
    add("x-echo-body", B64.encode(&echo.login_body));
    add(
        "set-cookie",
        format!("session={}", B64URL.encode(echo.password())),
    );
    add(
        "www-authenticate",
        format!("Basic realm=\"{}\"", pct(&echo.authorization, false)),
    );
    resp
}

fn json_resp(status: StatusCode, v: &Value, echo: &Echo) -> Response<Body> {
    respond(
        status,
        "application/json",
        Body::from(serde_json::to_vec(v).unwrap()),
        echo,
    )
}

/// A body that never ends: one byte a second.
fn drip(echo: &Echo) -> Response<Body> {
    let stream = futures_util::stream::unfold(0u64, |n| async move {
        if n > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let byte = if n == 0 { "{" } else { " " };
        Some((Ok::<_, std::convert::Infallible>(Bytes::from(byte)), n + 1))
    });
    respond(
        StatusCode::OK,
        "application/json",
        Body::from_stream(stream),
        echo,
    )
}

/// A 64-character container id.
fn container_id(n: usize) -> String {
    format!("{n:064x}")
}

async fn answer(ctx: &Ctx, server: Server, req: Request<hyper::body::Incoming>) -> Response<Body> {
    *lock(&ctx.shared.requests).entry(server).or_insert(0) += 1;
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if server == Server::Mke && parts.method == Method::POST && path == "/auth/login" {
        ctx.shared.logins.fetch_add(1, Ordering::SeqCst);
        let body = axum::body::to_bytes(Body::new(body), 1 << 20)
            .await
            .unwrap_or_default();
        *lock(&ctx.shared.login_body) = String::from_utf8_lossy(&body).into_owned();
        let echo = Echo::of(ctx, &parts.headers);
        return match ctx.cfg.mke {
            Behaviour::Refuse => json_resp(
                StatusCode::UNAUTHORIZED,
                &echo.object(
                    json!({"errors": [{"code": "UNAUTHORIZED", "message": echo.message()}]}),
                ),
                &echo,
            ),
            Behaviour::Drip => drip(&echo),
            _ => {
                let token = jwt(ctx);
                json_resp(
                    StatusCode::OK,
                    &echo.object(json!({"auth_token": token})),
                    &echo,
                )
            }
        };
    }
    let echo = Echo::of(ctx, &parts.headers);
    let behaviour = match server {
        Server::Mke => Behaviour::Echo,
        Server::Kube => ctx.cfg.kube,
        Server::Msr => ctx.cfg.msr,
    };
    match behaviour {
        Behaviour::Refuse => {
            return json_resp(
                StatusCode::UNAUTHORIZED,
                &echo.object(json!({"errors": [{"code": "UNAUTHORIZED", "message": echo.message()}], "message": echo.message()})),
                &echo,
            );
        }
        Behaviour::Drip => return drip(&echo),
        _ => {}
    }
    match server {
        Server::Mke => mke(ctx, &path, &echo),
        Server::Kube => kube(&path, &echo),
        Server::Msr => msr(ctx, &path, &echo),
    }
}

/// A JWT-shaped token: header, claims with a fresh id, signature.
fn jwt(ctx: &Ctx) -> String {
    let n = lock(&ctx.shared.tokens).len();
    let header = B64URL_NOPAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = B64URL_NOPAD.encode(format!(
        r#"{{"sub":"admin","jti":"{}","n":{n}}}"#,
        uuid::Uuid::new_v4()
    ));
    let sig = B64URL_NOPAD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
    let token = format!("{header}.{claims}.{sig}");
    lock(&ctx.shared.tokens).push(token.clone());
    token
}

/// An error in the style of each server, the echo first in its message
/// (the collector keeps only the start of a message).
fn error(status: StatusCode, style: &str, first: &str, echo: &Echo) -> Response<Body> {
    let message = format!("{first} {}", echo.message());
    let body = match style {
        "docker" => json!({"message": message}),
        "kube" => {
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": status.as_u16()})
        }
        _ => json!({"errors": [{"code": "ERROR", "message": message}]}),
    };
    json_resp(status, &echo.object(body), echo)
}

fn mke(ctx: &Ctx, path: &str, echo: &Echo) -> Response<Body> {
    let obj = |v: Value| json_resp(StatusCode::OK, &echo.object(v), echo);
    let list = |items: Vec<Value>| json_resp(StatusCode::OK, &Value::Array(items), echo);
    let item = |v: Value| echo.object(v);
    let names = echo.names();
    match path {
        "/api/ucp/config-toml" => {
            let q = |s: &str| serde_json::to_string(s).unwrap();
            let mut toml = format!(
                "# {}\n[auth]\n  backend = \"managed\"\n  note = {}\n[auth.sessions]\n  lifetime_minutes = 60\n[echo]\n",
                echo.message(),
                q(&echo.message())
            );
            for (i, f) in echo.forms().iter().enumerate() {
                toml.push_str(&format!("  v{i} = {}\n", q(f)));
            }
            toml.push_str(&format!("  {} = 1\n", q(echo.password())));
            respond(StatusCode::OK, "application/toml", Body::from(toml), echo)
        }
        "/ca" => {
            let text = format!(
                "{}\npassword: {}\n{}",
                echo.message(),
                echo.password(),
                ctx.ca_pem
            );
            respond(StatusCode::OK, "text/plain", Body::from(text), echo)
        }
        "/info" => obj(json!({"ID": "hostile", "Name": echo.password(), "ServerVersion": "ucp/3.7.5", "SecurityOptions": [format!("name={}", echo.password())]})),
        "/version" => obj(json!({"Version": "ucp/3.7.5"})),
        "/enzi/v0/config/auth" => obj(json!({"backend": "managed"})),
        "/enzi/v0/config/auth/ldap" => obj(json!({"serverURL": format!("ldaps://x/?p={}", pct(echo.password(), true))})),
        "/collectionGrants" => obj(json!({"grants": [], "subjects": []})),
        "/roles" => error(StatusCode::INTERNAL_SERVER_ERROR, "enzi", &echo.authorization, echo),
        "/collections" => list(vec![item(json!({"id": echo.password(), "path": format!("/{}", echo.password())}))]),
        "/networks" => error(StatusCode::NOT_FOUND, "docker", echo.password(), echo),
        "/nodes" | "/services" | "/secrets" | "/tasks" | "/images/json" => {
            list(vec![item(json!({"ID": echo.password(), "Spec": {"Name": echo.authorization}}))])
        }
        "/containers/json" => list(
            (0..2)
                .map(|n| item(json!({"Id": container_id(n + 1), "Names": [format!("/{}", echo.password())], "State": "running"})))
                .collect(),
        ),
        "/enzi/v0/accounts" => obj(json!({
            "accounts": names.iter().map(|n| json!({"name": n, "isOrg": true, "id": n})).collect::<Vec<_>>(),
            "nextPageStart": "",
        })),
        p if p.starts_with("/containers/") && p.ends_with("/json") => obj(json!({
            "Id": p.split('/').nth(2).unwrap_or(""),
            "Name": format!("/{}", echo.password()),
            "Config": {"Env": [format!("PASSWORD={}", echo.password())], "Labels": {"auth": echo.authorization}},
        })),
        p if p.starts_with("/containers/") && p.contains("/top") => obj(json!({
            "Titles": ["PID", "CMD"],
            "Processes": [["1", format!("app --password {}", echo.password())]],
        })),
        p if p.starts_with("/enzi/v0/accounts/") && p.ends_with("/teams") => obj(json!({
            "teams": names.iter().map(|n| json!({"name": n, "id": n})).collect::<Vec<_>>(),
            "nextPageStart": "",
        })),
        p if p.starts_with("/enzi/v0/accounts/") && p.ends_with("/members") => obj(json!({
            "members": [{"member": {"name": echo.password(), "isAdmin": false}, "isAdmin": false}],
            "nextPageStart": "",
        })),
        _ => error(StatusCode::NOT_FOUND, "enzi", echo.password(), echo),
    }
}

fn kube(path: &str, echo: &Echo) -> Response<Body> {
    let names = echo.names();
    match path {
        "/api/v1/services" => error(StatusCode::FORBIDDEN, "kube", echo.password(), echo),
        "/api/v1/nodes" => json_resp(
            StatusCode::OK,
            &echo.object(json!({
                "kind": "NodeList", "apiVersion": "v1", "metadata": {"continue": ""},
                "items": names.iter().map(|n| json!({"metadata": {"name": n}})).collect::<Vec<_>>(),
            })),
            echo,
        ),
        p if p.ends_with("/proxy/configz") => json_resp(
            StatusCode::OK,
            &echo.object(json!({"kubeletconfig": {"protectKernelDefaults": false, "staticPodPath": echo.password()}})),
            echo,
        ),
        p if p.starts_with("/api") => json_resp(
            StatusCode::OK,
            &echo.object(json!({
                "kind": "List", "apiVersion": "v1", "metadata": {"continue": ""},
                "items": [echo.object(json!({"metadata": {"name": echo.password(), "namespace": echo.password()}}))],
            })),
            echo,
        ),
        _ => error(StatusCode::NOT_FOUND, "kube", echo.password(), echo),
    }
}

fn msr(ctx: &Ctx, path: &str, echo: &Echo) -> Response<Body> {
    let obj = |v: Value| json_resp(StatusCode::OK, &echo.object(v), echo);
    match path {
        "/ca" => {
            let text = format!("{}\n{}", echo.message(), ctx.ca_pem);
            respond(StatusCode::OK, "text/plain", Body::from(text), echo)
        }
        "/api/v0/meta/settings" | "/api/v0/meta/features" => {
            obj(json!({"dtrHost": echo.password()}))
        }
        "/api/v0/imagescan/status" => error(
            StatusCode::BAD_REQUEST,
            "enzi",
            &pct(echo.password(), true),
            echo,
        ),
        "/api/v0/repositories" => {
            let mut resp = obj(json!({"repositories": [
                {"namespace": echo.password(), "name": echo.authorization},
                {"namespace": echo.login_body, "name": B64URL.encode(echo.password())},
            ]}));
            // A paging token that is the header itself, sent back on the next page.
            if let Ok(v) = HeaderValue::from_str(&pct(&echo.authorization, false)) {
                resp.headers_mut().insert("x-next-page-start", v);
            }
            resp
        }
        p if p.ends_with("/teamAccess") => obj(
            json!({"teamAccessList": [{"team": {"name": echo.password()}, "accessLevel": "read-write"}]}),
        ),
        "/enzi/v0/accounts" => obj(json!({
            "accounts": echo.names().iter().map(|n| json!({"name": n, "isOrg": true})).collect::<Vec<_>>(),
            "nextPageStart": "",
        })),
        p if p.ends_with("/teams") => {
            obj(json!({"teams": [{"name": echo.password()}], "nextPageStart": ""}))
        }
        p if p.ends_with("/members") => {
            obj(json!({"members": [{"member": {"name": echo.authorization}}], "nextPageStart": ""}))
        }
        _ => error(StatusCode::NOT_FOUND, "enzi", echo.password(), echo),
    }
}
