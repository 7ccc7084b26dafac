//! The one place stigkit makes HTTP requests: base URL, authentication,
//! per-request timeout, retries with backoff, a cap on body size, and a
//! redirect policy that never leaves the host it was pointed at.

use super::secret::Secret;
use super::tls::{self, Identity, Trust};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{RwLock, Semaphore};

/// How stigkit authenticates each request to one API.
#[derive(Clone)]
pub enum Auth {
    /// Mutual TLS only (client bundle), or no authentication.
    None,
    /// `POST` credentials to a login URL, then send the bearer token; log
    /// in again once when the token has expired (401). The token is shared
    /// by every API that uses the same login (MKE and its Kubernetes API).
    Login(Arc<Login>),
    /// A token given up front (kubeconfig).
    Bearer(Secret),
    /// HTTP Basic on every request (MSR).
    Basic { username: String, password: Secret },
}

/// A login: where, as whom, and the tokens it has received.
pub struct Login {
    pub url: String,
    pub username: String,
    pub password: Secret,
    token: RwLock<Option<Secret>>,
    issued: std::sync::Mutex<Vec<String>>,
}

impl Login {
    pub fn new(url: String, username: String, password: Secret) -> Login {
        Login {
            url,
            username,
            password,
            token: RwLock::new(None),
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Every token received so far, to scrub them from stored evidence.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.issued.lock().map(|v| v.clone()).unwrap_or_default()
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
}

impl Failure {
    fn new(status: Option<u16>, requests: u32, message: impl Into<String>) -> Failure {
        Failure {
            status,
            requests,
            elapsed: Duration::ZERO,
            message: message.into(),
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
        let mut relogins = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Auth::Login(login) = &self.auth
                && login.token.read().await.is_none()
            {
                self.login(login, &mut requests).await?;
            }
            requests += 1;
            let mut used_token = None;
            let sent = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| Failure::new(None, requests, "collection cancelled"))?;
                let began = Instant::now();
                // The token is read after the wait for a permit, so it is
                // as fresh as it can be when the request leaves.
                let req = self
                    .client
                    .get(format!("{}{path}", self.base))
                    .header(ACCEPT, accept)
                    .timeout(self.limits.timeout);
                let req = match &self.auth {
                    Auth::None => req,
                    Auth::Bearer(t) => req.header(AUTHORIZATION, format!("Bearer {}", t.expose())),
                    Auth::Basic { username, password } => {
                        req.basic_auth(username, Some(password.expose()))
                    }
                    Auth::Login(login) => {
                        used_token = login.token.read().await.clone();
                        match &used_token {
                            Some(t) => req.header(AUTHORIZATION, format!("Bearer {}", t.expose())),
                            None => req,
                        }
                    }
                };
                let sent = match req.send().await {
                    Ok(resp) => Ok(self.read(resp, requests).await),
                    Err(e) => Err(e),
                };
                *elapsed += began.elapsed();
                sent
            };
            let retry_in = match sent {
                Ok(Ok(f)) => return Ok(f),
                Ok(Err((status, headers, failure))) => {
                    if let Auth::Login(login) = &self.auth
                        && status == StatusCode::UNAUTHORIZED
                        && used_token.is_some()
                        && relogins < 3
                    {
                        // Tokens live `lifetime_minutes` (10 on a compliant MKE).
                        // Only drop the token this request used: another
                        // request may already have logged in again.
                        relogins += 1;
                        let mut current = login.token.write().await;
                        if *current == used_token {
                            *current = None;
                        }
                        drop(current);
                        attempt -= 1;
                        continue;
                    }
                    if retryable(status) && attempt <= self.limits.retries {
                        retry_after(&headers).unwrap_or_else(|| backoff(attempt))
                    } else {
                        return Err(failure);
                    }
                }
                Err(e) if e.is_timeout() => {
                    return Err(Failure::new(
                        None,
                        requests,
                        format!("no answer within {}s", self.limits.timeout.as_secs()),
                    ));
                }
                // A certificate problem will not go away by asking again.
                Err(e)
                    if e.is_connect() && !is_tls_failure(&e) && attempt <= self.limits.retries =>
                {
                    backoff(attempt)
                }
                Err(e) => return Err(Failure::new(None, requests, chain(&e))),
            };
            tokio::time::sleep(retry_in).await;
        }
    }

    async fn login(&self, login: &Login, requests: &mut u32) -> Result<(), Failure> {
        let mut guard = login.token.write().await;
        if guard.is_some() {
            return Ok(());
        }
        *requests += 1;
        // No permit: requests that hold one wait for this token, and a
        // login is a single request.
        let body =
            serde_json::json!({ "username": login.username, "password": login.password.expose() });
        let resp = self
            .client
            .post(&login.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .timeout(self.limits.timeout)
            .send()
            .await
            .map_err(|e| Failure::new(None, *requests, format!("login: {}", chain(&e))))?;
        let status = resp.status();
        if !status.is_success() {
            let why = match self.read(resp, *requests).await {
                Err((_, _, f)) => f.message,
                Ok(_) => format!("HTTP {}", status.as_u16()),
            };
            return Err(Failure::new(
                Some(status.as_u16()),
                *requests,
                format!("login as {} failed: {why}", login.username),
            ));
        }
        let fetched = self.read(resp, *requests).await.map_err(|(_, _, f)| f)?;
        let parsed: serde_json::Value = serde_json::from_slice(&fetched.body).map_err(|_| {
            Failure::new(
                Some(status.as_u16()),
                *requests,
                "login: the answer is not JSON",
            )
        })?;
        let t = parsed
            .get("auth_token")
            .or_else(|| parsed.get("sessionToken"))
            .and_then(|v| v.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Failure::new(
                    Some(status.as_u16()),
                    *requests,
                    "login: no auth_token in the answer",
                )
            })?;
        if let Ok(mut issued) = login.issued.lock() {
            issued.push(t.to_string());
        }
        *guard = Some(Secret::new(t));
        Ok(())
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
                    return Err((
                        status,
                        headers,
                        Failure::new(Some(status.as_u16()), requests, why),
                    ));
                }
            }
        }
        if !status.is_success() {
            let f = Failure::new(
                Some(status.as_u16()),
                requests,
                format!("HTTP {}{}", status.as_u16(), error_detail(&body)),
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
/// `errors[0].message`, Docker `message`, Kubernetes `message`).
fn error_detail(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    let msg = v
        .pointer("/errors/0/message")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    if msg.is_empty() {
        String::new()
    } else {
        let short: String = msg.chars().take(200).collect();
        format!(": {}", short.replace(['\n', '\r'], " "))
    }
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
        assert_eq!(
            error_detail(br#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid token"}]}"#),
            ": invalid token"
        );
        assert_eq!(
            error_detail(br#"{"message":"No such container: x"}"#),
            ": No such container: x"
        );
        assert_eq!(error_detail(b"<html>"), "");
    }
}
