//! An HTTPS simulator of Mirantis Kubernetes Engine 3.7 (with the Docker
//! Engine API it proxies and its eNZi/RBAC API), of Mirantis Secure Registry
//! and of the Kubernetes API, for tests of the evidence collector.
//!
//! [`Sim::start`] binds three loopback listeners (MSR only when the scenario
//! has an `msr/` folder), generates a CA and every certificate with rcgen,
//! writes an MKE-style client bundle, and serves the scenario's data over
//! real TLS (rustls on the `ring` provider) from a background tokio runtime
//! that stops when the [`Sim`] is dropped. Response shapes follow
//! `shared/spec/mke-api.md`; the scenario folders and what each file
//! exercises are listed in `tests/sim/scenarios/README.md`.
//!
//! Authentication, as the brief and the spec describe it:
//! * MKE: an mTLS client certificate signed by the simulator CA (the bundle),
//!   or `Authorization: Bearer` with a token from `POST /auth/login`.
//!   Assumption: MKE accepts the bundle certificate on *all* its API paths
//!   (Docker API, `/api/ucp/*`, `/enzi/v0/*`, RBAC), as the admin user.
//! * Kubernetes: the bundle certificate (from `kube.yml`) or an MKE token.
//! * MSR: HTTP Basic on every call, or a Bearer token from `GET /auth/token`.
//!
//! Data never comes from disk after start: every body is parsed, checked and
//! mostly pre-serialised once, so a 5,000-container scenario stays cheap to
//! serve under concurrency.
//!
//! [`hostile::Hostile`] stands in for the same three servers as a hostile
//! one: it echoes every credential it is sent, or stalls the login.
//!
//! Use it from `tests/*.rs` with `mod sim;`, and from benches or examples with
//! `#[path = "../tests/sim/mod.rs"] mod sim;`.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

mod data;
mod enzi;
pub mod hostile;
mod kube;
mod mke;
mod msr;
mod net;
mod pki;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What to start and how it should misbehave.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub scenario: Scenario,
    /// Added to every request before it is answered (default 0).
    pub latency: Duration,
    /// How long an MKE or MSR bearer token stays valid (default 10 minutes).
    pub token_lifetime: Duration,
    /// The MKE listener serves an expired (but CA-signed) certificate.
    pub expired_server_cert: bool,
    /// Faults applied before those of the scenario's `faults.json`.
    pub faults: Vec<Fault>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            scenario: Scenario::Named("default"),
            latency: Duration::ZERO,
            token_lifetime: Duration::from_secs(600),
            expired_server_cert: false,
            faults: Vec::new(),
        }
    }
}

impl SimConfig {
    /// The defaults with another scenario.
    pub fn with_scenario(scenario: Scenario) -> Self {
        SimConfig {
            scenario,
            ..SimConfig::default()
        }
    }
}

/// Where the served data comes from.
#[derive(Clone, Debug)]
pub enum Scenario {
    /// A folder `tests/sim/scenarios/<name>`.
    Named(&'static str),
    /// Any folder laid out like a named scenario.
    Dir(PathBuf),
    /// `containers` generated containers (light inspect bodies), running
    /// or stopped (a stopped one gets an inspect and no `top`); every other
    /// endpoint answers the small bodies of scenario "default".
    Synthetic { containers: usize, running: bool },
}

/// One injected fault: every request to `server` whose path (without the
/// query, after MKE's `/v1.xx` prefix is removed) equals `path`, or starts
/// with it when `path` ends in `*`, gets `kind`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub server: Server,
    pub path: String,
    pub kind: FaultKind,
}

impl Fault {
    pub fn new(server: Server, path: impl Into<String>, kind: FaultKind) -> Self {
        Fault {
            server,
            path: path.into(),
            kind,
        }
    }

    fn matches(&self, server: Server, path: &str) -> bool {
        if self.server != server {
            return false;
        }
        match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Server {
    Mke,
    Kube,
    Msr,
}

/// How a faulty endpoint answers. What each one puts on the wire is
/// described in `tests/sim/scenarios/README.md` ("faults.json").
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// This status with a JSON error body in the server's own style.
    Status(u16),
    /// The first N matching requests get the status, later ones are normal.
    StatusTimes(u16, usize),
    /// Never answer (the connection stays open).
    Hang,
    /// Answer normally after this delay.
    Delay(Duration),
    /// 200, `application/json`, a body that is not valid JSON.
    BadJson,
    /// 200, valid JSON of an unexpected type (a string).
    WrongType,
    /// The normal answer, but only half its body is sent under the full
    /// `Content-Length`, then the connection is closed.
    Truncated,
    /// 200 with a valid JSON array of this many bytes, streamed chunked.
    Huge(usize),
    /// 302 to `https://attacker.invalid:8443<same path>`.
    RedirectOffHost,
}

/// A running simulator. Dropping it stops the servers and deletes its files.
pub struct Sim {
    pub mke_url: String,
    pub kube_url: String,
    /// `None` when the scenario has no `msr/` folder (no MSR listener).
    pub msr_url: Option<String>,
    /// The CA that signed every server certificate and the bundle client
    /// certificate: subject CN "MKE Root CA" (MKE's generated root), or the
    /// name in the scenario's `pki.json`.
    pub ca_pem: PathBuf,
    /// The unpacked client bundle: ca.pem cert.pem key.pem cert.pub kube.yml
    /// env.sh env.ps1 env.cmd and the nested ucp-docker-bundle.zip.
    pub bundle_dir: PathBuf,
    /// The same bundle as MKE hands it out (a zip).
    pub bundle_zip: PathBuf,
    /// A CA that signed none of the servers.
    pub foreign_ca_pem: PathBuf,
    /// ca.pem/cert.pem/key.pem of a client certificate signed by the foreign
    /// CA: MKE and Kubernetes refuse it during the TLS handshake.
    pub foreign_bundle_dir: PathBuf,
    pub admin_user: String,
    pub admin_password: String,
    pub msr_user: String,
    pub msr_password: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    // Holds every file above; deleted on drop, after the servers stop.
    _dir: tempfile::TempDir,
}

impl Sim {
    /// Starts the simulator. Panics with a message naming the cause when the
    /// scenario is invalid or a listener cannot be set up: this is a test
    /// fixture, and a broken fixture must fail the test loudly.
    pub fn start(cfg: SimConfig) -> Sim {
        match Sim::try_start(cfg) {
            Ok(sim) => sim,
            Err(e) => panic!("simulator: {e}"),
        }
    }

    /// [`Sim::start`] that reports setup errors instead of panicking.
    pub fn try_start(cfg: SimConfig) -> Result<Sim, String> {
        let dir = tempfile::Builder::new()
            .prefix("stigkit-sim-")
            .tempdir()
            .map_err(|e| format!("creating the temp dir: {e}"))?;

        let ca_subject = pki::CaSubject::of_scenario(&data::dir_of(&cfg.scenario))?;
        let pki = pki::Pki::generate(cfg.expired_server_cert, &ca_subject)?;
        let mut secrets = data::SecretBook::default();
        let scenario = data::load(&cfg.scenario, &pki, &mut secrets)?;

        let bind = || {
            let l = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| format!("binding a loopback port: {e}"))?;
            l.set_nonblocking(true)
                .map_err(|e| format!("setting the listener non-blocking: {e}"))?;
            let port = l.local_addr().map_err(|e| e.to_string())?.port();
            Ok::<_, String>((l, port))
        };
        let (mke_l, mke_port) = bind()?;
        let (kube_l, kube_port) = bind()?;
        let msr = match scenario.msr.is_some() {
            true => Some(bind()?),
            false => None,
        };
        let mke_url = format!("https://127.0.0.1:{mke_port}");
        let kube_url = format!("https://127.0.0.1:{kube_port}");
        let msr_url = msr
            .as_ref()
            .map(|(_, port)| format!("https://127.0.0.1:{port}"));

        let files = pki.write_files(dir.path(), &mke_url, &kube_url)?;
        for s in pki.client_key_secrets() {
            secrets.add(s);
        }

        let admin_user = "admin".to_string();
        let admin_password = secrets.fresh("admin-password");
        let msr_user = "admin".to_string();
        let msr_password = secrets.fresh("msr-password");

        let mut faults = cfg.faults.clone();
        faults.extend(scenario.faults.iter().cloned());
        let shared = Arc::new(Shared {
            counts: Mutex::new(HashMap::new()),
            tokens: Mutex::new(TokenBook::default()),
            static_secrets: secrets.into_values(),
        });
        let ctx = Arc::new(Ctx {
            shared: shared.clone(),
            data: scenario,
            faults: faults
                .into_iter()
                .map(|fault| ActiveFault {
                    fault,
                    hits: AtomicUsize::new(0),
                })
                .collect(),
            latency: cfg.latency,
            token_lifetime: cfg.token_lifetime,
            admin_user: admin_user.clone(),
            admin_password: admin_password.clone(),
            msr_user: msr_user.clone(),
            msr_password: msr_password.clone(),
            ca_pem: pki.ca_pem.clone(),
            bundle_cert_der: pki.client_cert_der.clone(),
        });

        let tls = net::TlsSetup::new(&pki)?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let msr_listener = msr.map(|(l, _)| l);
        let thread = std::thread::Builder::new()
            .name("stigkit-sim".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("stigkit-sim-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("building the runtime: {e}")));
                        return;
                    }
                };
                let started = rt.block_on(async {
                    net::spawn_server(mke_l, tls.mke, ctx.clone(), Server::Mke)?;
                    net::spawn_server(kube_l, tls.kube, ctx.clone(), Server::Kube)?;
                    if let Some(l) = msr_listener {
                        net::spawn_server(l, tls.msr, ctx.clone(), Server::Msr)?;
                    }
                    Ok::<(), String>(())
                });
                let ok = started.is_ok();
                let _ = ready_tx.send(started);
                if ok {
                    rt.block_on(async {
                        let _ = stop_rx.await;
                    });
                }
                // Hung requests are parked forever: do not wait for them.
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(|e| format!("spawning the runtime thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err("the runtime thread died while starting".into());
            }
        }

        Ok(Sim {
            mke_url,
            kube_url,
            msr_url,
            ca_pem: files.ca_pem,
            bundle_dir: files.bundle_dir,
            bundle_zip: files.bundle_zip,
            foreign_ca_pem: files.foreign_ca_pem,
            foreign_bundle_dir: files.foreign_bundle_dir,
            admin_user,
            admin_password,
            msr_user,
            msr_password,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        })
    }

    /// Every secret value the simulator handed out or holds: both
    /// passwords, every token issued so far (MKE and MSR), the client
    /// private keys (first base64 line of each PEM body, and the
    /// `client-key-data` of kube.yml), and each `{{secret:…}}` value of the
    /// scenario data (config-toml passphrase/passwords/clientSecret, LDAP
    /// readerPassword, env values, MSR webTLSKey…). Each is at least 12
    /// characters and random, so a test can grep evidence for it.
    pub fn secrets(&self) -> Vec<String> {
        let mut all = self.shared.static_secrets.clone();
        all.extend(self.issued_tokens());
        all
    }

    /// Every bearer token issued so far, MKE and MSR, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.shared.tokens).issued.clone()
    }

    /// A pod's service account folder (`token`, `ca.crt`, `namespace`) for
    /// the Kubernetes listener, as `stigkit:stigkit`. With `rotate_after`,
    /// the simulator rotates the token after that many Kubernetes requests
    /// made with it, as the kubelet does: it writes a new token to the file
    /// (temp file, then rename) and refuses the old one from then on.
    pub fn service_account(&self, rotate_after: Option<usize>) -> PathBuf {
        let dir = self._dir.path().join("serviceaccount");
        std::fs::create_dir_all(&dir).expect("creating the service account folder");
        std::fs::copy(&self.ca_pem, dir.join("ca.crt")).expect("writing ca.crt");
        std::fs::write(dir.join("namespace"), "stigkit").expect("writing namespace");
        let token = service_account_token();
        std::fs::write(dir.join("token"), &token).expect("writing the token");
        let mut tokens = lock(&self.shared.tokens);
        tokens.issued.push(token.clone());
        tokens.account = Some(ServiceAccount {
            dir: dir.clone(),
            token,
            user: "system:serviceaccount:stigkit:stigkit".into(),
            rotate_after,
            used: 0,
            rotations: 0,
        });
        dir
    }

    /// How many times the service account token was rotated.
    pub fn service_account_rotations(&self) -> usize {
        lock(&self.shared.tokens)
            .account
            .as_ref()
            .map_or(0, |a| a.rotations)
    }

    /// How many requests reached `server` with a path starting with
    /// `path_prefix` (MKE paths are counted without a `/v1.xx` prefix).
    pub fn request_count(&self, server: Server, path_prefix: &str) -> usize {
        lock(&self.shared.counts)
            .iter()
            .filter(|((s, p), _)| *s == server && p.starts_with(path_prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// Folder of the named scenario `name`.
    pub fn scenario_dir(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sim/scenarios")
            .join(name)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// State shared by the servers and the [`Sim`] handle.
struct Shared {
    counts: Mutex<HashMap<(Server, String), usize>>,
    tokens: Mutex<TokenBook>,
    static_secrets: Vec<String>,
}

impl Shared {
    fn count(&self, server: Server, path: &str) {
        *lock(&self.counts)
            .entry((server, path.to_string()))
            .or_insert(0) += 1;
    }
}

#[derive(Default)]
struct TokenBook {
    /// Every token ever issued, for `Sim::secrets`.
    issued: Vec<String>,
    /// MKE tokens (also valid on the Kubernetes listener).
    mke: HashMap<String, Issued>,
    msr: HashMap<String, Issued>,
    /// The pod service account, when a test made one.
    account: Option<ServiceAccount>,
}

/// A pod's service account as the kubelet keeps it: a token file that is
/// rewritten (and the old token revoked) after `rotate_after` requests.
struct ServiceAccount {
    dir: PathBuf,
    token: String,
    user: String,
    rotate_after: Option<usize>,
    used: usize,
    rotations: usize,
}

struct Issued {
    user: String,
    at: Instant,
}

/// Everything a request handler may read.
struct Ctx {
    shared: Arc<Shared>,
    data: data::Scenario,
    faults: Vec<ActiveFault>,
    latency: Duration,
    token_lifetime: Duration,
    admin_user: String,
    admin_password: String,
    msr_user: String,
    msr_password: String,
    /// One CA signed every server, so MKE and MSR `/ca` answer the same.
    ca_pem: String,
    bundle_cert_der: Vec<u8>,
}

struct ActiveFault {
    fault: Fault,
    /// Requests this fault has matched so far (for `StatusTimes`).
    hits: AtomicUsize,
}

/// A poisoned lock only means another request panicked; the data is still
/// consistent (plain maps of counters), so keep serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A token shaped like a projected service account token (a JWT), random.
fn service_account_token() -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"alg":"RS256","kid":"sim"}"#);
    let claims = b64.encode(format!(
        r#"{{"sub":"system:serviceaccount:stigkit:stigkit","jti":"{}"}}"#,
        uuid::Uuid::new_v4()
    ));
    let signature = b64.encode(uuid::Uuid::new_v4().as_bytes());
    format!("{header}.{claims}.{signature}")
}

/// The user of a service account `token`, counting its use and rotating it
/// (once) when due.
fn service_account_user(tokens: &mut TokenBook, token: &str) -> Option<String> {
    let account = tokens.account.as_mut().filter(|a| a.token == token)?;
    account.used += 1;
    let user = account.user.clone();
    if account.rotate_after == Some(account.used) {
        let fresh = service_account_token();
        let tmp = account.dir.join("..token.tmp");
        std::fs::write(&tmp, &fresh).expect("writing the rotated token");
        std::fs::rename(&tmp, account.dir.join("token")).expect("rotating the token");
        account.token = fresh.clone();
        account.rotate_after = None;
        account.rotations += 1;
        tokens.issued.push(fresh);
    }
    Some(user)
}
