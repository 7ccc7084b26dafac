//! Evidence collectors: the only code in stigkit that touches the network.
//!
//! A collection talks to MKE (its own API, the Docker Engine API it
//! proxies, and eNZi), the Kubernetes API, MSR and, optionally, Docker
//! Engines directly, and returns an [`Evidence`] bundle. It asks for
//! nothing but `GET`s (and a login): a read-only auditor's trust is enough.
//!
//! Every call is recorded in the manifest whether it worked or not; a call
//! that failed stores no body, so nothing is ever kept as evidence of
//! compliance when its call did not succeed. The run goes on after a
//! failure and reports itself as partial.

pub mod bundle;
mod docker;
mod http;
pub mod in_cluster;
pub mod kube;
pub mod kubeconfig;
mod mke;
mod msr;
pub mod redact;
pub mod scrub;
mod secret;
pub mod settings;
pub mod tls;

pub use bundle::ClientBundle;
pub use secret::Secret;
pub use settings::{Environment, Flags, ProcessEnvironment, Settings};

use crate::evidence::{BundleWriter, CallRecord, Manifest, Target, file_safe};
use http::{Api, Auth, Credential, Failure, Fetched, Gate, Limits, Transport};
use scrub::Keyring;
use serde_json::Value;
use settings::{DockerEndpoint, KubeSettings, MkeAuth};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// Receives progress while a collection runs (the CLI draws a bar).
pub trait Progress: Send + Sync {
    /// More calls are planned.
    fn planned(&self, n: u64);
    /// A call finished.
    fn finished(&self, key: &str, ok: bool);
}

/// A progress sink that ignores everything.
pub struct Quiet;

impl Progress for Quiet {
    fn planned(&self, _: u64) {}
    fn finished(&self, _: &str, _: bool) {}
}

/// What kind of body a call returns, and what shape it must have.
#[derive(Clone, Copy, Debug)]
enum Body {
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// MKE's configuration, TOML.
    Toml,
    /// A PEM certificate.
    Pem,
}

/// How a list is paged.
#[derive(Clone, Copy, Debug)]
enum Paging {
    None,
    /// eNZi: `limit`/`start`, `nextPageStart` in the body; items in `field`.
    Enzi {
        field: &'static str,
    },
    /// MSR: `pageSize`/`pageStart`, next page in `X-Next-Page-Start`/`Link`.
    Msr {
        field: &'static str,
    },
    /// Kubernetes: `limit`/`continue`, `metadata.continue` in the body.
    Kube,
}

/// One logical call.
struct Call {
    key: String,
    path: String,
    body: Body,
    paging: Paging,
    /// Also keep the server's TLS certificate, under this key.
    certificate: Option<String>,
}

impl Call {
    fn json(key: impl Into<String>, path: impl Into<String>, body: Body) -> Call {
        Call {
            key: key.into(),
            path: path.into(),
            body,
            paging: Paging::None,
            certificate: None,
        }
    }

    fn keep_certificate(mut self, key: &str) -> Call {
        self.certificate = Some(key.to_string());
        self
    }

    fn paged(mut self, paging: Paging) -> Call {
        self.paging = paging;
        self
    }

    fn file(&self) -> String {
        let ext = match self.body {
            Body::Object | Body::Array => "json",
            Body::Toml => "toml",
            Body::Pem => "pem",
        };
        format!("{}.{ext}", self.key)
    }
}

/// A stored (or failed) call, before it joins the bundle.
struct Outcome {
    record: CallRecord,
    stored: Option<(String, Vec<u8>)>,
}

/// Shared state of a running collection.
struct Collector {
    /// Finished calls go to the bundle writer's thread.
    tx: std::sync::mpsc::Sender<Outcome>,
    progress: Arc<dyn Progress>,
    /// The run's credentials, tokens added as they are issued.
    keyring: Arc<Keyring>,
    /// Numbers names that had a credential removed, to keep them apart.
    renamed: AtomicUsize,
}

/// A request path without credentials, segment by segment, so that the
/// endpoint stays readable (`/enzi/v0/accounts/[REDACTED]/teams`). Every
/// name from server data in a path is percent-encoded, `/` included.
fn clean_path(red: &scrub::Redactor, path: &str) -> Option<String> {
    let parts: Vec<String> = path
        .split('/')
        .map(|seg| red.text(seg).unwrap_or_else(|| seg.to_string()))
        .collect();
    let joined = parts.join("/");
    let joined = red.text(&joined).unwrap_or(joined);
    (joined != path).then_some(joined)
}

/// Why a body was not stored although its call succeeded.
const UNCLEAN: &str = "the answer held a credential of this run in a form that could not be removed cleanly; not stored";

impl Collector {
    /// Scrubs the run's credentials from a finished call's messages and
    /// hands it to the writer; a body that still holds one after the
    /// scrubbing of each value is not stored at all. A body can only echo
    /// a token issued before it was requested, so the tokens known now
    /// are enough.
    fn push(&self, mut o: Outcome) {
        let red = self.keyring.redactor();
        if let Some(clean) = clean_path(&red, &o.record.path) {
            o.record.path = clean;
        }
        // Errors, and the paths of redacted fields (whose keys come from
        // the server).
        for text in o
            .record
            .error
            .iter_mut()
            .chain(o.record.redacted.iter_mut())
        {
            if let Some(clean) = red.text(text) {
                *text = clean;
            }
        }
        if let Some((_, body)) = &o.stored
            && red.literal(body).is_some()
        {
            o.stored = None;
            o.record.file = None;
            o.record.redacted.clear();
            o.record.error = Some(UNCLEAN.into());
        }
        self.progress.finished(&o.record.key, o.stored.is_some());
        // The writer only goes away after the collection: a send cannot fail.
        let _ = self.tx.send(o);
    }

    /// A file or folder name from server data (an organisation, a team, a
    /// repository, a node): through the same filter as the evidence, then
    /// made safe for a file system.
    fn name(&self, raw: &str) -> String {
        let red = self.keyring.redactor();
        let safe = file_safe(raw);
        if red.text(raw).is_none() && red.text(&safe).is_none() {
            return safe;
        }
        let n = self.renamed.fetch_add(1, Ordering::Relaxed) + 1;
        file_safe(&format!("{}-{n}", redact::REDACTED))
    }

    /// Runs a call, validates, pages, redacts and records it. Returns the
    /// parsed (redacted) JSON for follow-up calls.
    async fn run(&self, api: &Api, call: Call) -> Option<Value> {
        let mut record = CallRecord::new(&call.key, &api.source, "GET", &call.path);
        let mut peer = None;
        let result = self.fetch(api, &call, &mut record, &mut peer).await;
        if let (Some(key), Some(der)) = (&call.certificate, peer) {
            self.keep_certificate(key, api, &call.path, &der);
        }
        match result {
            Ok((bytes, value, redacted)) => {
                record.redacted = redacted;
                record.file = Some(call.file());
                self.push(Outcome {
                    record,
                    stored: Some((call.file(), bytes)),
                });
                value
            }
            Err(f) => {
                record.duration_ms += f.elapsed.as_millis() as u64;
                record.status = f.status;
                record.requests = record.requests.max(f.requests);
                record.error = Some(f.message);
                self.push(Outcome {
                    record,
                    stored: None,
                });
                None
            }
        }
    }

    /// Keeps the server certificate seen in the TLS handshake of a call.
    fn keep_certificate(&self, key: &str, api: &Api, path: &str, der: &[u8]) {
        let mut record = CallRecord::new(key, &api.source, "TLS", path);
        record.requests = 0;
        record.file = Some(format!("{key}.pem"));
        self.push(Outcome {
            record,
            stored: Some((
                format!("{key}.pem"),
                crate::pki::der_to_pem(der).into_bytes(),
            )),
        });
    }

    async fn fetch(
        &self,
        api: &Api,
        call: &Call,
        record: &mut CallRecord,
        peer: &mut Option<Vec<u8>>,
    ) -> Result<(Vec<u8>, Option<Value>, Vec<String>), Failure> {
        let accept = match call.body {
            Body::Toml => "application/toml",
            Body::Pem => "application/x-pem-file, text/plain, */*",
            _ => "application/json",
        };
        // The redactor is taken after each answer: the login that answer
        // needed may have added its token.
        let credential = || "(a credential of this run)".to_string();
        match call.body {
            Body::Toml => {
                let f = api.get(&call.path, accept).await?;
                peer.clone_from(&f.peer_certificate);
                record.status = Some(f.status);
                record.requests = f.requests;
                record.duration_ms = f.elapsed.as_millis() as u64;
                let text = utf8(&f, "TOML")?;
                let red = self.keyring.redactor();
                let (redacted, mut hits) =
                    redact::toml(text).map_err(|e| invalid(&f, format!("not valid TOML: {e}")))?;
                let Some(clean) = red.toml(&redacted) else {
                    return Ok((redacted.into_bytes(), None, hits));
                };
                // Comments and keys may hold it too: the text is scrubbed
                // whole, and must still be TOML.
                if clean.parse::<toml_edit::DocumentMut>().is_err() {
                    return Err(invalid(&f, UNCLEAN));
                }
                hits.push(credential());
                Ok((clean.into_bytes(), None, hits))
            }
            Body::Pem => {
                let f = api.get(&call.path, accept).await?;
                peer.clone_from(&f.peer_certificate);
                record.status = Some(f.status);
                record.requests = f.requests;
                record.duration_ms = f.elapsed.as_millis() as u64;
                let text = utf8(&f, "PEM")?;
                let (text, hits) = match self.keyring.redactor().text(text) {
                    Some(clean) => (clean, vec![credential()]),
                    None => (text.to_string(), Vec::new()),
                };
                if !text.contains("-----BEGIN CERTIFICATE-----") {
                    return Err(invalid(&f, "not a PEM certificate"));
                }
                Ok((text.into_bytes(), None, hits))
            }
            Body::Object | Body::Array => {
                let mut value = self.fetch_json(api, call, record, peer).await?;
                let mut hits = redact::json(&mut value);
                // Follow-up calls get the server's own names; what is
                // stored has the run's credentials removed.
                let clean = self.keyring.redactor().json(&value);
                if clean.is_some() {
                    hits.push(credential());
                }
                let bytes = serde_json::to_vec_pretty(clean.as_ref().unwrap_or(&value))
                    .expect("JSON values serialise");
                Ok((bytes, Some(value), hits))
            }
        }
    }

    async fn fetch_json(
        &self,
        api: &Api,
        call: &Call,
        record: &mut CallRecord,
        peer: &mut Option<Vec<u8>>,
    ) -> Result<Value, Failure> {
        let mut requests = 0;
        let mut pages = 0u32;
        let mut first: Option<Value> = None;
        let mut items: Vec<Value> = Vec::new();
        let mut token = String::new();
        loop {
            let path = page_path(&call.path, call.paging, &token);
            let f = api.get(&path, "application/json").await.map_err(|mut e| {
                e.requests += requests;
                e
            })?;
            requests += f.requests;
            record.duration_ms += f.elapsed.as_millis() as u64;
            pages += 1;
            if pages == 1 {
                peer.clone_from(&f.peer_certificate);
            }
            record.status = Some(f.status);
            record.requests = requests;
            record.pages = pages;
            let v: Value = serde_json::from_slice(&f.body)
                .map_err(|e| invalid(&f, format!("invalid JSON: {e}")))?;
            let next = match call.paging {
                Paging::None => {
                    check_shape(&v, call.body).map_err(|m| invalid(&f, m))?;
                    return Ok(v);
                }
                Paging::Enzi { field } | Paging::Msr { field } => {
                    take_items(&v, field, &mut items).map_err(|m| invalid(&f, m))?;
                    match call.paging {
                        Paging::Enzi { .. } => v
                            .get("nextPageStart")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        _ => msr_next_page(&f.headers),
                    }
                }
                Paging::Kube => {
                    take_items(&v, "items", &mut items).map_err(|m| invalid(&f, m))?;
                    v.pointer("/metadata/continue")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                }
            };
            if first.is_none() {
                first = Some(v);
            }
            // A server that repeats a page token would loop for ever.
            if next.is_empty() || next == token || pages >= 10_000 {
                break;
            }
            token = next;
        }
        // One document with every item, shaped like the first page.
        let mut doc = first.unwrap_or(Value::Null);
        let field = match call.paging {
            Paging::Enzi { field } | Paging::Msr { field } => field,
            _ => "items",
        };
        if let Some(obj) = doc.as_object_mut() {
            obj.insert(field.to_string(), Value::Array(items));
            if let Some(n) = obj.get_mut("nextPageStart") {
                *n = Value::String(String::new());
            }
            if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
                meta.remove("continue");
            }
        }
        Ok(doc)
    }
}

fn utf8<'a>(f: &'a Fetched, what: &str) -> Result<&'a str, Failure> {
    std::str::from_utf8(&f.body).map_err(|_| invalid(f, format!("{what} answer is not UTF-8")))
}

fn invalid(f: &Fetched, message: impl Into<String>) -> Failure {
    Failure {
        status: Some(f.status),
        requests: f.requests,
        elapsed: std::time::Duration::ZERO,
        message: message.into(),
        cut_short: false,
    }
}

fn check_shape(v: &Value, body: Body) -> Result<(), String> {
    match (body, v) {
        (Body::Object, Value::Object(_)) | (Body::Array, Value::Array(_)) => Ok(()),
        (Body::Object, other) => Err(format!(
            "unexpected answer: expected a JSON object, got {}",
            kind(other)
        )),
        (Body::Array, other) => Err(format!(
            "unexpected answer: expected a JSON array, got {}",
            kind(other)
        )),
        _ => Ok(()),
    }
}

fn take_items(v: &Value, field: &str, into: &mut Vec<Value>) -> Result<(), String> {
    match v.get(field) {
        Some(Value::Array(a)) => {
            into.extend(a.iter().cloned());
            Ok(())
        }
        Some(Value::Null) | None if v.is_object() => Ok(()),
        Some(other) => Err(format!(
            "unexpected answer: '{field}' is {}, not a list",
            kind(other)
        )),
        None => Err(format!(
            "unexpected answer: expected a JSON object with '{field}', got {}",
            kind(v)
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The path of one page.
fn page_path(path: &str, paging: Paging, token: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    let enc = |t: &str| percent_encode(t);
    match paging {
        Paging::None => path.to_string(),
        Paging::Enzi { .. } if token.is_empty() => format!("{path}{sep}limit=100"),
        Paging::Enzi { .. } => format!("{path}{sep}limit=100&start={}", enc(token)),
        Paging::Msr { .. } if token.is_empty() => format!("{path}{sep}pageSize=100"),
        Paging::Msr { .. } => format!("{path}{sep}pageSize=100&pageStart={}", enc(token)),
        Paging::Kube if token.is_empty() => format!("{path}{sep}limit=500"),
        Paging::Kube => format!("{path}{sep}limit=500&continue={}", enc(token)),
    }
}

/// MSR's next page token: `X-Next-Page-Start`, else `pageStart` in the
/// `Link: <…>; rel="next"` header.
fn msr_next_page(headers: &reqwest::header::HeaderMap) -> String {
    if let Some(v) = headers
        .get("x-next-page-start")
        .and_then(|v| v.to_str().ok())
    {
        return v.trim().to_string();
    }
    let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) else {
        return String::new();
    };
    for part in link.split(',') {
        if !part.contains("rel=\"next\"") {
            continue;
        }
        let url = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let query = url.split_once('?').map_or("", |(_, q)| q);
        for kv in query.split('&') {
            if let Some(v) = kv
                .strip_prefix("pageStart=")
                .or_else(|| kv.strip_prefix("start="))
            {
                return percent_decode(v);
            }
        }
    }
    String::new()
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a collection produced, besides the bundle on disk.
pub struct Summary {
    pub manifest: Manifest,
}

/// Collects everything the settings point at into a bundle at `out` (a
/// folder, or a zip for `*.zip`), written as calls complete and moved into
/// place at the end. Fails only when nothing useful can be done: the
/// settings cannot become clients (e.g. a broken client key) or the bundle
/// cannot be written; then nothing is left at `out`.
pub fn collect(
    settings: &Settings,
    progress: Arc<dyn Progress>,
    out: &Path,
    force: bool,
) -> Result<Summary, String> {
    let writer = BundleWriter::create(out, force).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the collector: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel::<Outcome>();
    // Disk writes happen on their own thread, overlapping the network waits.
    let writing = std::thread::spawn(move || -> Result<BundleWriter, String> {
        let mut writer = writer;
        let mut failed = None;
        for o in rx {
            if failed.is_some() {
                continue;
            }
            let body = o.stored.as_ref().map(|(_, b)| b.as_slice());
            if let Err(e) = writer.add(o.record, body) {
                failed = Some(e.to_string());
            }
        }
        failed.map_or(Ok(writer), Err)
    });
    let manifest = rt.block_on(run(settings, progress, tx));
    let writer = writing
        .join()
        .map_err(|_| "the evidence writer stopped unexpectedly".to_string())??;
    let manifest = writer.finish(manifest?).map_err(|e| e.to_string())?;
    Ok(Summary { manifest })
}

async fn run(
    settings: &Settings,
    progress: Arc<dyn Progress>,
    tx: std::sync::mpsc::Sender<Outcome>,
) -> Result<Manifest, String> {
    let started_at = now();
    let permits = Arc::new(Semaphore::new(settings.parallelism));
    let limits = Limits {
        timeout: settings.timeout,
        retries: settings.retries,
        max_body: settings.max_body,
    };
    let keyring = Arc::new(Keyring::default());
    let api = |source: &str, base: &str, transport: Transport<'_>, auth: Auth| {
        Api::new(
            source,
            base,
            transport,
            auth,
            limits.clone(),
            permits.clone(),
            keyring.clone(),
        )
    };
    let mut target = Target::default();
    let mut gates: Vec<Arc<Gate>> = Vec::new();
    let mut mke_login: Option<Arc<Gate>> = None;
    let mke_api = match &settings.mke {
        None => None,
        Some(m) => {
            target.mke_url = Some(m.url.clone());
            let (identity, auth) = match &m.auth {
                MkeAuth::Bundle(b) => {
                    target.mke_auth = Some(format!("client bundle {}", b.path.display()));
                    for line in pem_lines(&b.identity.key_pem) {
                        keyring.add_secret(&line);
                    }
                    (Some(&b.identity), Auth::None)
                }
                MkeAuth::Password { username, password } => {
                    target.mke_auth = Some(format!("user {username}"));
                    keyring.add_password(username, password.expose());
                    let login = Credential::Login {
                        url: format!("{}/auth/login", m.url),
                        username: username.clone(),
                        password: password.clone(),
                    };
                    let gate = Arc::new(Gate::new("MKE", login, keyring.clone()));
                    gates.push(gate.clone());
                    mke_login = Some(gate.clone());
                    (None, Auth::Gated(gate))
                }
            };
            let transport = Transport::Https {
                trust: &m.trust,
                identity,
            };
            Some(api("mke", &m.url, transport, auth).map_err(|e| format!("MKE: {e}"))?)
        }
    };
    let kube_api = match &settings.kube {
        None => None,
        Some(KubeSettings::Config(t)) => {
            target.kube_url = Some(t.server.clone());
            if let Some(id) = &t.identity {
                for line in pem_lines(&id.key_pem) {
                    keyring.add_secret(&line);
                }
            }
            let auth = match &t.token {
                Some(tok) => {
                    keyring.add_token(tok.expose());
                    let bearer = Credential::Bearer(tok.clone());
                    let gate = Arc::new(Gate::new("Kubernetes", bearer, keyring.clone()));
                    gates.push(gate.clone());
                    Auth::Gated(gate)
                }
                None => Auth::None,
            };
            let transport = Transport::Https {
                trust: &t.trust,
                identity: t.identity.as_ref(),
            };
            Some(api("kube", &t.server, transport, auth).map_err(|e| format!("Kubernetes: {e}"))?)
        }
        Some(KubeSettings::InCluster(pod)) => {
            target.kube_url = Some(pod.server.clone());
            target.kube_auth = Some(match pod.namespace.as_str() {
                "" => "pod service account".to_string(),
                ns => format!("pod service account (namespace {ns})"),
            });
            let token = Credential::TokenFile(pod.token_file.clone());
            let gate = Arc::new(Gate::new("Kubernetes", token, keyring.clone()));
            gates.push(gate.clone());
            let transport = Transport::Https {
                trust: &pod.trust,
                identity: None,
            };
            Some(
                api("kube", &pod.server, transport, Auth::Gated(gate))
                    .map_err(|e| format!("Kubernetes: {e}"))?,
            )
        }
        Some(KubeSettings::MkeToken { url, trust }) => {
            target.kube_url = Some(url.clone());
            let login = mke_login.clone().ok_or("--kube-url needs an MKE login")?;
            let transport = Transport::Https {
                trust,
                identity: None,
            };
            Some(
                api("kube", url, transport, Auth::Gated(login))
                    .map_err(|e| format!("Kubernetes: {e}"))?,
            )
        }
    };
    let msr_api = match &settings.msr {
        None => None,
        Some(m) => {
            target.msr_url = Some(m.url.clone());
            keyring.add_password(&m.username, m.password.expose());
            let basic = Credential::Basic {
                username: m.username.clone(),
                password: m.password.clone(),
            };
            let gate = Arc::new(Gate::new("MSR", basic, keyring.clone()));
            gates.push(gate.clone());
            let transport = Transport::Https {
                trust: &m.trust,
                identity: None,
            };
            Some(
                api("msr", &m.url, transport, Auth::Gated(gate))
                    .map_err(|e| format!("MSR: {e}"))?,
            )
        }
    };
    let mut docker_apis = Vec::new();
    for d in &settings.docker {
        target.docker.push(d.name.clone());
        let source = format!("docker:{}", d.name);
        let engine = match &d.endpoint {
            DockerEndpoint::Unix(path) => {
                api(&source, "http://docker", Transport::Unix(path), Auth::None)
            }
            DockerEndpoint::Tcp {
                url,
                trust,
                identity,
            } => {
                if let Some(id) = identity {
                    for line in pem_lines(&id.key_pem) {
                        keyring.add_secret(&line);
                    }
                }
                let transport = Transport::Https {
                    trust,
                    identity: identity.as_ref(),
                };
                api(&source, url, transport, Auth::None)
            }
        }
        .map_err(|e| format!("Docker {}: {e}", d.name))?;
        docker_apis.push((docker::prefix(&d.name), engine));
    }

    let collector = Collector {
        tx,
        progress,
        keyring: keyring.clone(),
        renamed: AtomicUsize::new(0),
    };
    let c = &collector;
    let mke_f = async {
        if let Some(api) = &mke_api {
            mke::collect(c, api).await;
        }
    };
    let kube_f = async {
        if let Some(api) = &kube_api {
            kube::collect(c, api).await;
        }
    };
    let msr_f = async {
        if let Some(api) = &msr_api {
            msr::collect(c, api).await;
        }
    };
    let docker_f = futures_util::future::join_all(
        docker_apis
            .iter()
            .map(|(prefix, api)| docker::collect_engine(c, api, prefix)),
    );
    let ((), (), (), engine_notes) = tokio::join!(mke_f, kube_f, msr_f, docker_f);
    let mut warnings = settings.warnings.clone();
    warnings.extend(engine_notes.into_iter().flatten());
    let red = keyring.redactor();
    // A user name may hold the password (or be it): what the manifest says
    // of the target passes the same filter.
    let targets = [
        &mut target.mke_url,
        &mut target.mke_auth,
        &mut target.kube_url,
        &mut target.kube_auth,
        &mut target.msr_url,
    ];
    for t in targets
        .into_iter()
        .flatten()
        .chain(target.docker.iter_mut())
    {
        if let Some(clean) = red.text(t) {
            *t = clean;
        }
    }
    for g in &gates {
        if let Some(why) = g.closed() {
            let note = format!("{}: {why}; no further request was made to it", g.service);
            warnings.push(red.text(&note).unwrap_or(note));
        }
    }
    Ok(Manifest {
        format: 1,
        tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
        target,
        started_at,
        finished_at: now(),
        tls_verified: !settings.insecure,
        warnings,
        calls: Vec::new(),
    })
}

/// The base64 lines of a PEM private key, to scrub them should a server
/// ever echo one back.
fn pem_lines(pem: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(pem)
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_follow_each_scheme() {
        assert_eq!(
            page_path(
                "/enzi/v0/accounts?filter=all",
                Paging::Enzi { field: "accounts" },
                ""
            ),
            "/enzi/v0/accounts?filter=all&limit=100"
        );
        assert_eq!(
            page_path(
                "/enzi/v0/accounts",
                Paging::Enzi { field: "accounts" },
                "a b"
            ),
            "/enzi/v0/accounts?limit=100&start=a%20b"
        );
        assert_eq!(
            page_path("/api/v1/pods", Paging::Kube, "eyJ2Ijo="),
            "/api/v1/pods?limit=500&continue=eyJ2Ijo%3D"
        );
        assert_eq!(
            page_path(
                "/api/v0/repositories",
                Paging::Msr {
                    field: "repositories"
                },
                "r3"
            ),
            "/api/v0/repositories?pageSize=100&pageStart=r3"
        );
    }

    #[test]
    fn recorded_paths_lose_credentials_segment_by_segment() {
        let k = Keyring::default();
        k.add_password("admin", "hunter2");
        let red = k.redactor();
        assert_eq!(
            clean_path(&red, "/enzi/v0/accounts/aHVudGVyMg%3D%3D/teams?limit=100").as_deref(),
            Some("/enzi/v0/accounts/[REDACTED]/teams?limit=100")
        );
        assert_eq!(
            clean_path(&red, "/api/v1/nodes/hunter2/proxy/configz").as_deref(),
            Some("/api/v1/nodes/[REDACTED]/proxy/configz")
        );
        assert_eq!(clean_path(&red, "/enzi/v0/accounts/hunter2s/teams"), None);
    }

    #[test]
    fn msr_next_page_from_either_header() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "link",
            r#"<?pageStart=x&pageSize=2>; rel="first", <?pageStart=abc%3D&pageSize=2>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(msr_next_page(&h), "abc=");
        h.insert("x-next-page-start", "tok".parse().unwrap());
        assert_eq!(msr_next_page(&h), "tok");
        assert_eq!(msr_next_page(&reqwest::header::HeaderMap::new()), "");
    }
}
