//! The one place stigkit makes HTTP requests: base URL, authentication,
//! per-request timeout, retries with backoff, a cap on body size, and a
//! redirect policy that never leaves the host it was pointed at.

use super::scrub::{Keyring, Redactor};
use super::secret::Secret;
use super::tls::{self, Identity, Trust};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, Semaphore};

/// How stigkit authenticates each request to one API.
#[derive(Clone)]
pub enum Auth {
    /// Mutual TLS only (client bundle), or no authentication.
    None,
    /// A credential behind its gate, shared by every API that uses it
    /// (MKE and its Kubernetes API share the MKE login).
    Gated(Arc<Gate>),
}

/// A credential stigkit sends.
pub enum Credential {
    /// `POST` user and password to a login URL, then send the bearer
    /// token it returns; log in again when that token has expired (401).
    Login {
        url: String,
        username: String,
        password: Secret,
    },
    /// A token given up front (kubeconfig).
    Bearer(Secret),
    /// A token in a file that its owner rewrites (a pod's service account
    /// token): read again before every request, so a rotated token is used
    /// at once, and a 401 is tried once more with the file as it is then.
    TokenFile(std::path::PathBuf),
    /// HTTP Basic on every request (MSR).
    Basic { username: String, password: Secret },
}

/// One credential and what is known of it, so that a wrong password is
/// tried once per run, not once per call: an account lockout policy must
/// never be tripped by an audit.
///
/// A login is made by one caller while the others wait for it
/// (single-flight), once, within `--timeout` in all, and never retried.
/// A static credential (Basic, a kubeconfig token) goes out with one
/// request first while the others wait; a 401 to it, or no answer at
/// all, closes the gate the same way. Once closed, no request of that
/// service is made: each call fails at once as not attempted, saying why.
pub struct Gate {
    /// `MKE`, `MSR`, `Kubernetes`: names the service in messages.
    pub service: String,
    credential: Credential,
    keyring: Arc<Keyring>,
    flight: Arc<Mutex<()>>,
    state: std::sync::RwLock<GateState>,
}

#[derive(Clone)]
struct GateState {
    phase: Phase,
    /// Counts logins, so that a 401 renews only the token it was sent with.
    generation: u64,
    token: Option<Secret>,
}

#[derive(Clone)]
enum Phase {
    /// Nothing sent yet, or the token expired: the next caller goes alone.
    Untried,
    /// The credential works (or was at least not refused).
    Open,
    /// Refused or unanswered: why.
    Closed(String),
}

impl Gate {
    pub fn new(service: &str, credential: Credential, keyring: Arc<Keyring>) -> Gate {
        Gate {
            service: service.to_string(),
            credential,
            keyring,
            flight: Arc::new(Mutex::new(())),
            state: std::sync::RwLock::new(GateState {
                phase: Phase::Untried,
                generation: 0,
                token: None,
            }),
        }
    }

    fn snapshot(&self) -> GateState {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut GateState)) {
        f(&mut self.state.write().unwrap_or_else(|e| e.into_inner()));
    }

    /// Why the gate closed, if it did.
    pub fn closed(&self) -> Option<String> {
        match self.snapshot().phase {
            Phase::Closed(why) => Some(why),
            _ => None,
        }
    }

    /// The `Authorization` value for the state `st`, once the gate is open
    /// (or for the caller that tries a static credential first); why not,
    /// when the credential cannot be sent.
    fn header(&self, st: &GateState) -> Result<HeaderValue, String> {
        let value = match &self.credential {
            Credential::Login { .. } => match &st.token {
                Some(t) => format!("Bearer {}", t.expose()),
                None => return Err(format!("no {} login token", self.service)),
            },
            Credential::Bearer(t) => format!("Bearer {}", t.expose()),
            Credential::TokenFile(path) => {
                let token = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let token = token.trim();
                if token.is_empty() {
                    return Err(format!("{} is empty", path.display()));
                }
                // Known to the redactor before it is sent.
                self.keyring.add_token(token);
                format!("Bearer {token}")
            }
            Credential::Basic { username, password } => {
                let pair = format!("{username}:{}", password.expose());
                format!("Basic {}", STANDARD.encode(pair))
            }
        };
        let mut header = HeaderValue::from_str(&value).map_err(|_| {
            format!(
                "the {} credential holds characters a header cannot carry",
                self.service
            )
        })?;
        // Kept out of hyper's and reqwest's debug output.
        header.set_sensitive(true);
        Ok(header)
    }

    fn not_attempted(why: &str) -> Failure {
        Failure::new(None, 0, format!("not attempted: {why}"))
    }

    /// Ends a first try of a static credential: the gate opens, or
    /// closes with `why`. No-op for every other caller.
    fn settle(&self, probe: &mut Option<OwnedMutexGuard<()>>, why: Option<String>) {
        if probe.take().is_none() {
            return;
        }
        self.update(|st| {
            if matches!(st.phase, Phase::Untried) {
                st.phase = match why {
                    None => Phase::Open,
                    Some(w) => Phase::Closed(w),
                };
            }
        });
    }

    /// A 401 to a request sent with the token of `generation`: whether to
    /// send it again (with a token renewed by one login, or renewed
    /// already by another caller).
    fn expired(&self, generation: u64) -> bool {
        match self.credential {
            Credential::Login { .. } => {}
            // The next request reads the file again.
            Credential::TokenFile(_) => return true,
            _ => return false,
        }
        let mut renew = false;
        self.update(|st| {
            renew = match st.phase {
                Phase::Open if st.generation == generation => {
                    st.phase = Phase::Untried;
                    true
                }
                Phase::Open => st.generation > generation,
                // Another caller's renewal is due: wait for its token.
                Phase::Untried => true,
                Phase::Closed(_) => false,
            }
        });
        renew
    }
}

/// Limits shared by every call of a collection.
#[derive(Clone, Debug)]
pub struct Limits {
    pub timeout: Duration,
    pub retries: u32,
    pub max_body: u64,
}

/// An API endpoint: a base URL and how to talk to it.
pub struct Api {
    /// `mke`, `kube`, `msr`, `docker:<name>`.
    pub source: String,
    base: String,
    client: Client,
    auth: Auth,
    limits: Limits,
    permits: Arc<Semaphore>,
    /// Removes the run's credentials from server messages before they
    /// are cut to length.
    keyring: Arc<Keyring>,
}

/// A successful answer.
pub struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Requests made (retries and re-login included).
    pub requests: u32,
    /// Time spent on those requests, waits for a free slot excluded.
    pub elapsed: Duration,
    /// DER of the server's leaf certificate, when TLS was used.
    pub peer_certificate: Option<Vec<u8>>,
}

/// A call that did not produce a usable answer. The message is one line,
/// names the problem, and never holds a credential.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: Option<u16>,
    pub requests: u32,
    pub elapsed: Duration,
    pub message: String,
    /// The answer began but its body never completed (timed out or cut).
    pub cut_short: bool,
}

impl Failure {
    fn new(status: Option<u16>, requests: u32, message: impl Into<String>) -> Failure {
        Failure {
            status,
            requests,
            elapsed: Duration::ZERO,
            message: message.into(),
            cut_short: false,
        }
    }
}

/// How to reach an API.
pub enum Transport<'a> {
    Https {
        trust: &'a Trust,
        identity: Option<&'a Identity>,
    },
    /// Plain HTTP over a unix socket (the local Docker Engine).
    Unix(&'a std::path::Path),
}

impl Api {
    pub fn new(
        source: &str,
        base: &str,
        transport: Transport<'_>,
        auth: Auth,
        limits: Limits,
        permits: Arc<Semaphore>,
        keyring: Arc<Keyring>,
    ) -> Result<Api, String> {
        // reqwest builds a TLS stack even for unix sockets; without aws-lc
        // it needs a process default. Ours is ring; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = Client::builder()
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .redirect(same_host_redirects())
            .user_agent(concat!("stigkit/", env!("CARGO_PKG_VERSION")));
        let builder = match transport {
            Transport::Https { trust, identity } => builder
                .tls_backend_preconfigured(tls::client_config(trust, identity)?)
                .tls_info(true)
                .https_only(true),
            Transport::Unix(path) => builder.unix_socket(path),
        };
        let client = builder.build().map_err(|e| chain(&e))?;
        Ok(Api {
            source: source.to_string(),
            base: base.trim_end_matches('/').to_string(),
            client,
            auth,
            limits,
            permits,
            keyring,
        })
    }

    /// `GET path` (path and query, starting with `/`), with retries.
    pub async fn get(&self, path: &str, accept: &str) -> Result<Fetched, Failure> {
        let mut elapsed = Duration::ZERO;
        let result = self.get_timed(path, accept, &mut elapsed).await;
        match result {
            Ok(mut f) => {
                f.elapsed = elapsed;
                Ok(f)
            }
            Err(mut f) => {
                f.elapsed = elapsed;
                Err(f)
            }
        }
    }

    async fn get_timed(
        &self,
        path: &str,
        accept: &str,
        elapsed: &mut Duration,
    ) -> Result<Fetched, Failure> {
        let mut requests = 0u32;
        let mut renewals = 0u32;
        let mut attempt = 0u32;
        // Held while this call tries a static credential first, retries
        // included; the other calls of the service wait for the outcome.
        let mut probe: Option<OwnedMutexGuard<()>> = None;
        loop {
            attempt += 1;
            let gate = match &self.auth {
                Auth::Gated(g) => Some(g.as_ref()),
                Auth::None => None,
            };
            if let Some(g) = gate
                && probe.is_none()
            {
                self.through(g, &mut probe).await.map_err(|mut f| {
                    f.requests = requests;
                    f
                })?;
            }
            requests += 1;
            let mut generation = 0;
            let sent = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| Failure::new(None, requests, "collection cancelled"))?;
                // The credential is read after the wait for a permit, so a
                // token is as fresh as it can be when the request leaves.
                let header = match gate {
                    Some(g) => {
                        let st = g.snapshot();
                        match (&st.phase, probe.is_some()) {
                            (Phase::Open, _) | (Phase::Untried, true) => {}
                            (Phase::Closed(why), _) => {
                                return Err(Failure {
                                    requests: requests - 1,
                                    ..Gate::not_attempted(why)
                                });
                            }
                            // A renewal began while this call waited.
                            (Phase::Untried, false) => {
                                requests -= 1;
                                attempt -= 1;
                                continue;
                            }
                        }
                        generation = st.generation;
                        match g.header(&st) {
                            Ok(h) => Some(h),
                            Err(why) => {
                                g.settle(&mut probe, Some(why.clone()));
                                return Err(Gate::not_attempted(&why));
                            }
                        }
                    }
                    None => None,
                };
                let began = Instant::now();
                let mut req = self
                    .client
                    .get(format!("{}{path}", self.base))
                    .header(ACCEPT, accept)
                    .timeout(self.limits.timeout);
                if let Some(h) = header {
                    req = req.header(AUTHORIZATION, h);
                }
                let sent = match req.send().await {
                    Ok(resp) => Ok(self.read(resp, requests).await),
                    Err(e) => Err(e),
                };
                *elapsed += began.elapsed();
                sent
            };
            let retry_in = match sent {
                Ok(Ok(f)) => {
                    if let Some(g) = gate {
                        g.settle(&mut probe, None);
                    }
                    return Ok(f);
                }
                Ok(Err((status, _, failure))) if failure.cut_short && status.is_success() => {
                    return Err(self.unanswered(gate, &mut probe, failure));
                }
                Ok(Err((status, headers, failure))) => {
                    if let Some(g) = gate
                        && status == StatusCode::UNAUTHORIZED
                    {
                        if probe.is_some() {
                            let why = format!(
                                "{} refused the credentials: {}",
                                g.service, failure.message
                            );
                            g.settle(&mut probe, Some(why));
                            return Err(failure);
                        }
                        // Tokens live `lifetime_minutes` (10 on a compliant MKE).
                        if renewals < 2 && g.expired(generation) {
                            renewals += 1;
                            attempt -= 1;
                            continue;
                        }
                    }
                    let retry = retryable(status) && attempt <= self.limits.retries;
                    if let Some(g) = gate
                        && !retry
                    {
                        // Answered, not refused: the others may go.
                        g.settle(&mut probe, None);
                    }
                    if retry {
                        retry_after(&headers).unwrap_or_else(|| backoff(attempt))
                    } else {
                        return Err(failure);
                    }
                }
                Err(e) if e.is_timeout() => {
                    let f = Failure::new(
                        None,
                        requests,
                        format!("no answer within {}s", self.limits.timeout.as_secs()),
                    );
                    return Err(self.unanswered(gate, &mut probe, f));
                }
                // A certificate problem will not go away by asking again.
                Err(e)
                    if e.is_connect() && !is_tls_failure(&e) && attempt <= self.limits.retries =>
                {
                    backoff(attempt)
                }
                Err(e) => {
                    let f = Failure::new(None, requests, chain(&e));
                    return Err(self.unanswered(gate, &mut probe, f));
                }
            };
            tokio::time::sleep(retry_in).await;
        }
    }

    /// A first try of a static credential that got no answer closes its
    /// gate: the service is not there to ask.
    fn unanswered(
        &self,
        gate: Option<&Gate>,
        probe: &mut Option<OwnedMutexGuard<()>>,
        f: Failure,
    ) -> Failure {
        if let Some(g) = gate {
            let why = format!("the first request to {} failed: {}", g.service, f.message);
            g.settle(probe, Some(why));
        }
        f
    }

    /// Waits until the gate is open, logging in (alone) when nobody has;
    /// or makes this call the one that tries a static credential first.
    async fn through(
        &self,
        g: &Gate,
        probe: &mut Option<OwnedMutexGuard<()>>,
    ) -> Result<(), Failure> {
        loop {
            match g.snapshot().phase {
                Phase::Open => return Ok(()),
                Phase::Closed(why) => return Err(Gate::not_attempted(&why)),
                Phase::Untried => {}
            }
            let guard = g.flight.clone().lock_owned().await;
            if !matches!(g.snapshot().phase, Phase::Untried) {
                continue;
            }
            if !matches!(g.credential, Credential::Login { .. }) {
                *probe = Some(guard);
                return Ok(());
            }
            let result = self.login(g).await;
            g.update(|st| match result {
                Ok(token) => {
                    // Known to the redactor before any answer can echo it.
                    g.keyring.add_token(token.expose());
                    st.token = Some(token);
                    st.generation += 1;
                    st.phase = Phase::Open;
                }
                Err(why) => st.phase = Phase::Closed(why),
            });
            drop(guard);
        }
    }

    /// One login: one request, never retried, with `--timeout` for the
    /// whole of it (connection, answer and body), not for each byte.
    async fn login(&self, g: &Gate) -> Result<Secret, String> {
        let Credential::Login {
            url,
            username,
            password,
        } = &g.credential
        else {
            return Err("not a login".into());
        };
        let late = format!(
            "no complete answer within {}s",
            self.limits.timeout.as_secs()
        );
        let once = async {
            // No permit: callers wait for this login before they take one.
            let body = serde_json::json!({ "username": username, "password": password.expose() });
            let resp = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string())
                .send()
                .await
                .map_err(|e| match e.is_timeout() {
                    true => late.clone(),
                    false => chain(&e),
                })?;
            let fetched = self.read(resp, 1).await.map_err(|(_, _, f)| f.message)?;
            let parsed: serde_json::Value = serde_json::from_slice(&fetched.body)
                .map_err(|_| "the answer is not JSON".to_string())?;
            parsed
                .get("auth_token")
                .or_else(|| parsed.get("sessionToken"))
                .and_then(|v| v.as_str())
                .filter(|t| !t.is_empty())
                .map(Secret::new)
                .ok_or_else(|| "no auth_token in the answer".to_string())
        };
        let why = match tokio::time::timeout(self.limits.timeout, once).await {
            Ok(Ok(token)) => return Ok(token),
            Ok(Err(why)) => why,
            Err(_) => late,
        };
        Err(format!("login as {username} failed: {why}"))
    }

    /// Reads a response body under the size cap; non-2xx becomes a failure.
    async fn read(
        &self,
        mut resp: reqwest::Response,
        requests: u32,
    ) -> Result<Fetched, (StatusCode, HeaderMap, Failure)> {
        let status = resp.status();
        let headers = resp.headers().clone();
        let peer_certificate = resp
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .map(<[u8]>::to_vec);
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > self.limits.max_body {
                        let f = Failure::new(
                            Some(status.as_u16()),
                            requests,
                            format!(
                                "answer larger than {} MiB; not stored",
                                self.limits.max_body >> 20
                            ),
                        );
                        return Err((status, headers, f));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let why = if e.is_timeout() {
                        format!(
                            "answer not complete within {}s",
                            self.limits.timeout.as_secs()
                        )
                    } else {
                        format!("answer cut short: {}", chain(&e))
                    };
                    let f = Failure {
                        cut_short: true,
                        ..Failure::new(Some(status.as_u16()), requests, why)
                    };
                    return Err((status, headers, f));
                }
            }
        }
        if !status.is_success() {
            let f = Failure::new(
                Some(status.as_u16()),
                requests,
                format!(
                    "HTTP {}{}",
                    status.as_u16(),
                    error_detail(&body, &self.keyring.redactor())
                ),
            );
            return Err((status, headers, f));
        }
        Ok(Fetched {
            status: status.as_u16(),
            headers,
            body,
            requests,
            elapsed: Duration::ZERO,
            peer_certificate,
        })
    }
}

/// Whether a request failed in the TLS handshake (bad or unknown
/// certificate, refused client certificate). hyper-rustls nests the rustls
/// error inside two `io::Error`s, which `source()` skips, so those are
/// opened by hand.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && is_tls_failure(inner)
    {
        return true;
    }
    e.source().is_some_and(is_tls_failure)
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// 200 ms, 400 ms, 800 ms, … capped at 5 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((200u64 << attempt.saturating_sub(1).min(5)).min(5_000))
}

/// A `Retry-After` in seconds, capped at 10 s.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(10)))
}

/// The server's own error message, when its body has one (MKE/MSR
/// `errors[0].message`, Docker `message`, Kubernetes `message`), without
/// the run's credentials: they go before the message is cut to length,
/// so that no part of one survives the cut.
fn error_detail(body: &[u8], redactor: &Redactor) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    let msg = v
        .pointer("/errors/0/message")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    if msg.is_empty() {
        return String::new();
    }
    let one_line = msg.replace(['\n', '\r'], " ");
    let clean = redactor.text(&one_line).unwrap_or(one_line);
    let short: String = clean.chars().take(200).collect();
    format!(": {short}")
}

/// Follows redirects only to the same scheme, host and port (at most 5):
/// a token or basic credentials must never reach another host.
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let origin = |u: &reqwest::Url| {
            (
                u.scheme().to_string(),
                u.host_str().map(str::to_string),
                u.port_or_known_default(),
            )
        };
        let first = attempt.previous().first().map(origin);
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if first.as_ref() != Some(&origin(attempt.url())) {
            let to = attempt.url().host_str().unwrap_or("?").to_string();
            attempt.error(format!("redirect to another host ({to}) refused"))
        } else {
            attempt.follow()
        }
    })
}

/// An error and its causes on one line, deduplicated.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert_eq!(backoff(20), Duration::from_millis(5_000));
    }

    #[test]
    fn server_messages_are_extracted() {
        let none = Keyring::default().redactor();
        assert_eq!(
            error_detail(
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid token"}]}"#,
                &none
            ),
            ": invalid token"
        );
        assert_eq!(
            error_detail(br#"{"message":"No such container: x"}"#, &none),
            ": No such container: x"
        );
        assert_eq!(error_detail(b"<html>", &none), "");
    }

    #[test]
    fn credentials_go_before_a_message_is_cut() {
        let k = Keyring::default();
        k.add_password("msruser", "Mz9-long-password");
        let basic = STANDARD.encode("msruser:Mz9-long-password");
        // The Basic value straddles the 200-character cut.
        let msg = format!("{}Authorization: Basic {basic}", "x".repeat(160));
        let body = serde_json::json!({ "message": msg }).to_string();
        let detail = error_detail(body.as_bytes(), &k.redactor());
        assert_eq!(
            detail,
            format!(": {}Authorization: Basic [REDACTED]", "x".repeat(160))
        );
    }
}
