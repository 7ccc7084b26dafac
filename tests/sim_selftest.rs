//! The simulator itself (`tests/sim`), proven over real TLS with a reqwest
//! client built the way the collector builds one: authentication, paging,
//! the shape of every endpoint of scenario "default", every fault kind,
//! the synthetic scenario, that `Sim::secrets()` is worth grepping for, and
//! that the named scenarios "mixed", "hardened" and "no-msr" serve
//! consistent data holding what `tests/sim/scenarios/README.md` promises.

mod sim;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LINK, LOCATION};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use sim::{Fault, FaultKind, Scenario, Server, Sim, SimConfig};

// ---- clients --------------------------------------------------------------

/// A ring-only rustls config trusting `ca`, optionally presenting the
/// cert.pem/key.pem of a bundle folder.
fn tls(ca: &Path, identity: Option<&Path>, h2: bool) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut cfg = match identity {
        Some(dir) => {
            let chain = CertificateDer::pem_file_iter(dir.join("cert.pem"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    if h2 {
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    }
    cfg
}

fn build(cfg: rustls::ClientConfig, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(cfg)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap()
}

/// Trusts the simulator CA, no client certificate.
fn anon(sim: &Sim) -> reqwest::Client {
    build(tls(&sim.ca_pem, None, false), Duration::from_secs(20))
}

/// The client bundle's identity.
fn bundle(sim: &Sim) -> reqwest::Client {
    build(
        tls(&sim.ca_pem, Some(&sim.bundle_dir), false),
        Duration::from_secs(20),
    )
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let resp = c
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    let v = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "GET {url}: {status} body is not JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, v)
}

async fn get_ok(c: &reqwest::Client, url: &str) -> Value {
    let (status, v) = get(c, url).await;
    assert_eq!(status, 200, "GET {url}: {v}");
    v
}

async fn text(c: &reqwest::Client, url: &str) -> (u16, String) {
    let resp = c.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

async fn login(sim: &Sim, c: &reqwest::Client, password: &str) -> (u16, Value) {
    let resp = c
        .post(format!("{}/auth/login", sim.mke_url))
        .header(CONTENT_TYPE, "application/json")
        .body(serde_json::json!({"username": sim.admin_user, "password": password}).to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap(),
    )
}

async fn token(sim: &Sim) -> String {
    let (status, v) = login(sim, &anon(sim), &sim.admin_password).await;
    assert_eq!(status, 200);
    v["auth_token"].as_str().unwrap().to_string()
}

async fn get_bearer(c: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let resp = c
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap(),
    )
}

fn msr_get(sim: &Sim, c: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
    c.get(format!("{}{path}", sim.msr_url.as_deref().unwrap()))
        .basic_auth(&sim.msr_user, Some(&sim.msr_password))
}

async fn msr_ok(sim: &Sim, c: &reqwest::Client, path: &str) -> Value {
    let resp = msr_get(sim, c, path).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "MSR {path}");
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

fn default_sim() -> Sim {
    Sim::start(SimConfig::default())
}

fn with_faults(faults: Vec<Fault>) -> Sim {
    Sim::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
}

fn names(list: &[Value], key: &str) -> Vec<String> {
    list.iter()
        .map(|v| {
            v.pointer(key)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

// ---- authentication -------------------------------------------------------

/// POST /auth/login hands out a bearer token that opens every MKE path and
/// the Kubernetes API; a wrong password is 401 in eNZi style.
#[tokio::test]
async fn login_token_works_and_wrong_password_is_401() {
    let sim = default_sim();
    let c = anon(&sim);
    let token = token(&sim).await;
    assert!(sim.issued_tokens().contains(&token));
    for path in [
        "/info",
        "/api/ucp/config-toml",
        "/enzi/v0/accounts",
        "/collectionGrants",
    ] {
        let resp = c
            .get(format!("{}{path}", sim.mke_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
    let (status, _) = get_bearer(&c, &format!("{}/api/v1/namespaces", sim.kube_url), &token).await;
    assert_eq!(status, 200);

    let (status, body) = login(&sim, &c, "not-the-password").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]})
    );
    // Malformed login bodies are a 400, not a panic.
    let resp = c
        .post(format!("{}/auth/login", sim.mke_url))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (status, _) = get_bearer(&c, &format!("{}/info", sim.mke_url), "made-up-token").await;
    assert_eq!(status, 401);
}

/// The bundle certificate is the admin on every MKE path and on Kubernetes.
#[tokio::test]
async fn bundle_certificate_authenticates_mke_and_kube() {
    let sim = default_sim();
    let c = bundle(&sim);
    for path in [
        "/info",
        "/containers/json?all=1",
        "/api/ucp/config-toml",
        "/enzi/v0/accounts",
        "/accounts",
        "/enzi/v0/config/auth/ldap",
        "/collectionGrants?subjectType=all&expandUser=true&showPaths=true",
        "/roles",
        "/collections?limit=100",
    ] {
        let resp = c
            .get(format!("{}{path}", sim.mke_url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
    get_ok(&c, &format!("{}/api/v1/pods?limit=500", sim.kube_url)).await;
}

/// A client certificate from another CA never gets an HTTP answer.
#[tokio::test]
async fn foreign_bundle_is_refused_at_the_handshake() {
    let sim = default_sim();
    let c = build(
        tls(&sim.ca_pem, Some(&sim.foreign_bundle_dir), false),
        Duration::from_secs(10),
    );
    for url in [
        format!("{}/info", sim.mke_url),
        format!("{}/api/v1/pods", sim.kube_url),
    ] {
        let result = match c.get(&url).send().await {
            Ok(resp) => resp.bytes().await.map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(
            result.is_err(),
            "{url} answered a foreign client certificate"
        );
    }
    // The foreign CA did not sign the servers either.
    let c = build(
        tls(&sim.foreign_ca_pem, None, false),
        Duration::from_secs(10),
    );
    assert!(c.get(format!("{}/ca", sim.mke_url)).send().await.is_err());
}

/// Without credentials: 401 in each server's error style; /ca is public.
#[tokio::test]
async fn no_credentials_is_401_in_each_servers_style() {
    let sim = default_sim();
    let c = anon(&sim);
    let unauthorized = serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]});
    for path in ["/info", "/api/ucp/config-toml", "/enzi/v0/accounts"] {
        assert_eq!(
            get(&c, &format!("{}{path}", sim.mke_url)).await,
            (401, unauthorized.clone()),
            "{path}"
        );
    }
    let (status, v) = get(&c, &format!("{}/api/v1/pods", sim.kube_url)).await;
    assert_eq!(status, 401);
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["apiVersion"], "v1");
    assert_eq!(v["status"], "Failure");
    assert_eq!(v["reason"], "Unauthorized");
    assert_eq!(v["code"], 401);
    let msr = sim.msr_url.as_deref().unwrap();
    let (status, v) = get(&c, &format!("{msr}/api/v0/meta/settings")).await;
    assert_eq!(status, 401);
    assert_eq!(v["errors"][0]["code"], "UNAUTHORIZED");
    let resp = c
        .get(format!("{msr}/api/v0/meta/settings"))
        .basic_auth(&sim.msr_user, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    let ca = std::fs::read_to_string(&sim.ca_pem).unwrap();
    assert_eq!(
        text(&c, &format!("{}/ca", sim.mke_url)).await,
        (200, ca.clone())
    );
    assert_eq!(text(&c, &format!("{msr}/ca")).await, (200, ca));
}

/// Tokens die after `token_lifetime`, on MKE and on Kubernetes; a new
/// login works again.
#[tokio::test]
async fn expired_token_is_401_invalid_token() {
    let sim = Sim::start(SimConfig {
        token_lifetime: Duration::from_millis(1500),
        ..SimConfig::default()
    });
    let c = anon(&sim);
    let token = token(&sim).await;
    assert_eq!(
        get_bearer(&c, &format!("{}/info", sim.mke_url), &token)
            .await
            .0,
        200
    );
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(
        get_bearer(&c, &format!("{}/info", sim.mke_url), &token).await,
        (
            401,
            serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": "invalid token"}]})
        )
    );
    let (status, v) = get_bearer(&c, &format!("{}/api/v1/nodes", sim.kube_url), &token).await;
    assert_eq!((status, v["reason"].as_str()), (401, Some("Unauthorized")));
    let fresh = self::token(&sim).await;
    assert_eq!(
        get_bearer(&c, &format!("{}/info", sim.mke_url), &fresh)
            .await
            .0,
        200
    );

    // MSR tokens from /auth/token expire the same way.
    let resp = msr_get(&sim, &c, "/auth/token").send().await.unwrap();
    let t: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let msr_token = t["token"].as_str().unwrap().to_string();
    let url = format!("{}/api/v0/meta/features", sim.msr_url.as_deref().unwrap());
    assert_eq!(get_bearer(&c, &url, &msr_token).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(get_bearer(&c, &url, &msr_token).await.0, 401);
    assert!(sim.issued_tokens().contains(&msr_token));
}

/// An expired MKE server certificate fails verification.
#[tokio::test]
async fn expired_server_certificate_is_rejected() {
    let sim = Sim::start(SimConfig {
        expired_server_cert: true,
        ..SimConfig::default()
    });
    let err = anon(&sim)
        .get(format!("{}/ca", sim.mke_url))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("Expired"), "{err:?}");
    // Only MKE's certificate is expired.
    get_ok(&bundle(&sim), &format!("{}/api/v1/nodes", sim.kube_url)).await;
}

/// HTTP/2 is offered through ALPN and works like HTTP/1.1.
#[tokio::test]
async fn http2_is_negotiated() {
    let sim = default_sim();
    let c = build(
        tls(&sim.ca_pem, Some(&sim.bundle_dir), true),
        Duration::from_secs(10),
    );
    let resp = c.get(format!("{}/info", sim.mke_url)).send().await.unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    assert_eq!(resp.status().as_u16(), 200);
}

/// Dropping the simulator closes its listeners.
#[tokio::test]
async fn drop_stops_the_servers() {
    let sim = default_sim();
    let url = format!("{}/ca", sim.mke_url);
    // The same client (and its pooled connection) before and after.
    let c = build(tls(&sim.ca_pem, None, false), Duration::from_secs(5));
    assert_eq!(text(&c, &url).await.0, 200);
    let ca = sim.ca_pem.clone();
    drop(sim);
    assert!(!ca.exists(), "temp files outlive the simulator");
    assert!(c.get(&url).send().await.is_err());
}

// ---- paging ---------------------------------------------------------------

/// Follows eNZi `nextPageStart` from `first_url`; returns (items, pages).
async fn enzi_pages(
    c: &reqwest::Client,
    base: &str,
    key: &str,
    auth: Option<(&str, &str)>,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut start = String::new();
    for pages in 1..=20 {
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}limit=50&start={start}");
        let mut req = c.get(&url);
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        let page = v[key].as_array().unwrap();
        assert!(page.len() <= 2, "page larger than 2: {url}");
        items.extend(page.iter().cloned());
        start = v["nextPageStart"].as_str().unwrap().to_string();
        if start.is_empty() {
            return (items, pages);
        }
    }
    panic!("paging did not end: {base}");
}

#[tokio::test]
async fn enzi_paging_yields_every_account_team_and_member() {
    let sim = default_sim();
    let c = bundle(&sim);
    let m = &sim.mke_url;
    let (accounts, pages) = enzi_pages(
        &c,
        &format!("{m}/enzi/v0/accounts?filter=all"),
        "accounts",
        None,
    )
    .await;
    assert_eq!(
        names(&accounts, "/name"),
        [
            "admin",
            "alice",
            "bob",
            "carol",
            "docker-datacenter",
            "engineering"
        ]
    );
    assert_eq!(pages, 3);
    assert_eq!(sim.request_count(Server::Mke, "/enzi/v0/accounts"), 3);
    let (orgs, _) = enzi_pages(&c, &format!("{m}/accounts?filter=orgs"), "accounts", None).await;
    assert_eq!(names(&orgs, "/name"), ["docker-datacenter", "engineering"]);
    let (admins, _) = enzi_pages(
        &c,
        &format!("{m}/enzi/v0/accounts?filter=admins"),
        "accounts",
        None,
    )
    .await;
    assert_eq!(names(&admins, "/name"), ["admin"]);

    let (teams, pages) = enzi_pages(
        &c,
        &format!("{m}/enzi/v0/accounts/engineering/teams"),
        "teams",
        None,
    )
    .await;
    assert_eq!(
        names(&teams, "/name"),
        ["devs", "ops", "qa", "release", "security"]
    );
    assert_eq!(pages, 3);
    let (members, pages) = enzi_pages(
        &c,
        &format!("{m}/enzi/v0/accounts/engineering/teams/devs/members"),
        "members",
        None,
    )
    .await;
    assert_eq!(names(&members, "/member/name"), ["admin", "alice", "bob"]);
    assert_eq!(pages, 2);

    // MSR's own eNZi pages the same way.
    let msr = sim.msr_url.clone().unwrap();
    let (orgs, pages) = enzi_pages(
        &c,
        &format!("{msr}/enzi/v0/accounts?filter=orgs"),
        "accounts",
        Some((&sim.msr_user, &sim.msr_password)),
    )
    .await;
    assert_eq!(
        names(&orgs, "/name"),
        ["engineering", "ops", "platform", "qa", "security"]
    );
    assert_eq!(pages, 3);

    // Bad paging input is a 400 in eNZi style, unknown accounts a 404.
    for bad in ["start=not-a-token", "limit=-1", "filter=everyone"] {
        let (status, v) = get(&c, &format!("{m}/enzi/v0/accounts?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(v["errors"][0]["code"], "INVALID_PARAMETER");
    }
    let (status, v) = get(&c, &format!("{m}/enzi/v0/accounts/nobody/teams")).await;
    assert_eq!(
        (status, v["errors"][0]["code"].as_str()),
        (404, Some("NO_SUCH_ACCOUNT"))
    );
}

/// Follows Kubernetes `metadata.continue`; returns (items, pages).
async fn kube_pages(c: &reqwest::Client, url: &str) -> (Vec<Value>, usize, Value) {
    let mut items = Vec::new();
    let mut cont = String::new();
    for pages in 1..=20 {
        let v = get_ok(c, &format!("{url}?limit=500&continue={cont}")).await;
        let page = v["items"].as_array().unwrap();
        assert!(page.len() <= 2);
        items.extend(page.iter().cloned());
        match v["metadata"]["continue"].as_str() {
            Some(t) if !t.is_empty() => cont = t.to_string(),
            _ => return (items, pages, v),
        }
    }
    panic!("paging did not end: {url}");
}

#[tokio::test]
async fn kube_continue_paging_yields_every_item() {
    let sim = default_sim();
    let c = bundle(&sim);
    let k = &sim.kube_url;
    let (ns, pages, last) = kube_pages(&c, &format!("{k}/api/v1/namespaces")).await;
    assert_eq!(
        names(&ns, "/metadata/name"),
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    assert_eq!(pages, 2);
    assert_eq!(last["kind"], "NamespaceList");
    assert_eq!(last["apiVersion"], "v1");
    assert!(last["metadata"]["resourceVersion"].is_string());
    let (pods, pages, _) = kube_pages(&c, &format!("{k}/api/v1/pods")).await;
    assert_eq!(pods.len(), 6);
    assert_eq!(pages, 3);
    let (svc, _, _) = kube_pages(&c, &format!("{k}/api/v1/namespaces/default/services")).await;
    assert_eq!(names(&svc, "/metadata/name"), ["kubernetes"]);
    let (status, v) = get(&c, &format!("{k}/api/v1/pods?continue=bogus")).await;
    assert_eq!((status, v["reason"].as_str()), (400, Some("BadRequest")));
    let (status, v) = get(&c, &format!("{k}/api/v1/pods?limit=ten")).await;
    assert_eq!((status, v["kind"].as_str()), (400, Some("Status")));
}

#[tokio::test]
async fn msr_repository_paging_uses_headers() {
    let sim = default_sim();
    let c = anon(&sim);
    let mut repos = Vec::new();
    let mut path = "/api/v0/repositories?pageSize=10&pageStart=".to_string();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages < 10, "paging did not end");
        let resp = msr_get(&sim, &c, &path).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let h = resp.headers().clone();
        assert_eq!(h["X-Total-Count"], "6");
        let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        let page = v["repositories"].as_array().unwrap();
        assert!(page.len() <= 2);
        repos.extend(page.iter().cloned());
        match h.get("X-Next-Page-Start") {
            None => {
                assert!(h.get(LINK).is_none());
                break;
            }
            Some(next) => {
                let next = next.to_str().unwrap();
                let link = h[LINK].to_str().unwrap();
                assert_eq!(
                    link,
                    format!("<?pageStart={next}&pageSize=10>; rel=\"next\"")
                );
                path = format!("/api/v0/repositories?pageSize=10&pageStart={next}");
            }
        }
    }
    assert_eq!(pages, 3);
    let full: Vec<String> = repos
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["namespace"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        full,
        [
            "engineering/billing-api",
            "engineering/legacy-app",
            "engineering/orders-api",
            "engineering/web",
            "ops/toolbox",
            "qa/fixtures"
        ]
    );
    assert_eq!(sim.request_count(Server::Msr, "/api/v0/repositories"), 3);
}

// ---- shapes of scenario "default" -----------------------------------------

#[tokio::test]
async fn mke_docker_api_shapes() {
    let sim = default_sim();
    let c = bundle(&sim);
    let m = &sim.mke_url;
    assert_eq!(
        text(&c, &format!("{m}/_ping")).await,
        (200, "OK".to_string())
    );
    let version = get_ok(&c, &format!("{m}/version")).await;
    assert_eq!(version["Version"], "ucp/3.7.5");
    let info = get_ok(&c, &format!("{m}/info")).await;
    assert_eq!(info["ServerVersion"], "ucp/3.7.5");
    assert!(
        info["OperatingSystem"]
            .as_str()
            .unwrap()
            .starts_with("Ubuntu 22.04")
    );
    assert_eq!(info["Driver"], "overlay2");
    assert_eq!(info["LoggingDriver"], "json-file");
    let secopts: Vec<&str> = info["SecurityOptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(secopts.contains(&"name=apparmor"));
    assert!(
        !secopts.contains(&"name=fips"),
        "FIPS is off in the default install"
    );

    let nodes = get_ok(&c, &format!("{m}/nodes")).await;
    let nodes = nodes.as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    let roles: Vec<&str> = nodes
        .iter()
        .map(|n| n["Spec"]["Role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["manager", "worker", "worker"]);
    // A default install: every node Swarm-only.
    let label = |n: &Value, k: &str| n["Spec"]["Labels"][k].as_str().unwrap().to_string();
    assert!(
        nodes
            .iter()
            .all(|n| label(n, "com.docker.ucp.orchestrator.kubernetes") == "false")
    );
    assert!(
        nodes
            .iter()
            .all(|n| label(n, "com.docker.ucp.orchestrator.swarm") == "true")
    );

    // all=1 lists stopped containers too; the default lists running ones.
    let all = get_ok(&c, &format!("{m}/containers/json?all=1")).await;
    let all = all.as_array().unwrap().clone();
    let running = get_ok(&c, &format!("{m}/containers/json")).await;
    assert_eq!(all.len(), 24);
    assert_eq!(running.as_array().unwrap().len(), 23);
    assert_eq!(
        get_ok(&c, &format!("{m}/containers/json?all=0")).await,
        running
    );
    let by_name = |n: &str| {
        all.iter()
            .find(|s| s["Names"][0].as_str().unwrap().ends_with(&format!("/{n}")))
            .unwrap_or_else(|| panic!("no container {n}"))
            .clone()
    };
    let ctl = by_name("ucp-controller");
    assert_eq!(ctl["Names"][0], "/mke-mgr-1/ucp-controller");
    assert_eq!(ctl["Image"], "mirantis/ucp-controller:3.7.5");
    assert_eq!(ctl["Labels"]["com.docker.ucp.version"], "3.7.5");
    assert!(
        ctl["Ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["PublicPort"] == 443 && p["IP"] == "10.0.0.11")
    );
    assert_eq!(by_name("batch-report")["State"], "exited");

    // Inspect by full id, unique id prefix, name and node/name.
    let id = ctl["Id"].as_str().unwrap();
    let full = get_ok(&c, &format!("{m}/containers/{id}/json")).await;
    assert_eq!(full["Name"], "/ucp-controller");
    assert_eq!(full["Node"]["Name"], "mke-mgr-1");
    assert!(
        full["HostConfig"]["Binds"][0]
            .as_str()
            .unwrap()
            .starts_with("/var/run/docker.sock:")
    );
    assert_eq!(
        get_ok(&c, &format!("{m}/containers/{}/json", &id[..12])).await,
        full
    );
    assert_eq!(
        get_ok(&c, &format!("{m}/containers/ucp-controller/json")).await,
        full
    );
    assert_eq!(
        get_ok(
            &c,
            &format!("{m}/containers/mke-mgr-1%2Fucp-controller/json")
        )
        .await,
        full
    );
    assert_eq!(
        get(&c, &format!("{m}/containers/nope/json")).await,
        (
            404,
            serde_json::json!({"message": "No such container: nope"})
        )
    );
    // "ucp-proxy" runs on two nodes: the bare name is ambiguous.
    assert_eq!(
        get(&c, &format!("{m}/containers/ucp-proxy/json")).await.0,
        404
    );
    get_ok(&c, &format!("{m}/containers/mke-wkr-1%2Fucp-proxy/json")).await;

    // Every offender type of spec §7 is present.
    let mut hc = std::collections::BTreeMap::new();
    for s in &all {
        let v = get_ok(
            &c,
            &format!("{m}/containers/{}/json", s["Id"].as_str().unwrap()),
        )
        .await;
        hc.insert(
            v["Name"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .to_string(),
            v,
        );
    }
    let find = |pred: &dyn Fn(&Value) -> bool| {
        hc.iter()
            .filter(|(_, v)| pred(v))
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
    };
    let user = |names: Vec<String>| {
        names
            .into_iter()
            .filter(|n| !n.starts_with("ucp-") && !n.starts_with("k8s_"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        user(find(&|v| v["HostConfig"]["Privileged"] == true)),
        ["admin-toolbox"]
    );
    assert_eq!(
        user(find(&|v| v["HostConfig"]["NetworkMode"] == "host")),
        ["metrics-hostnet"]
    );
    assert_eq!(
        user(find(&|v| v["HostConfig"]["PidMode"] == "host")),
        ["debug-hostpid"]
    );
    assert_eq!(
        user(find(&|v| v["HostConfig"]["IpcMode"] == "host")),
        ["shm-hostipc"]
    );
    assert_eq!(
        user(find(&|v| v["HostConfig"]["UsernsMode"] == "host")),
        ["legacy-userns"]
    );
    let sock = |v: &Value| {
        v["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["Source"] == "/var/run/docker.sock")
    };
    assert_eq!(user(find(&sock)), ["ci-runner", "monitor-agent"]);
    assert!(find(&sock).contains(&"ucp-controller".to_string()));
    let secopt = |v: &Value, s: &str| {
        v["HostConfig"]["SecurityOpt"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == s))
    };
    assert_eq!(
        user(find(&|v| secopt(v, "seccomp=unconfined"))),
        ["fuzz-seccomp"]
    );
    let capadd = |v: &Value, s: &str| {
        v["HostConfig"]["CapAdd"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == s))
    };
    assert_eq!(user(find(&|v| capadd(v, "ALL"))), ["netdiag-capall"]);
    assert_eq!(user(find(&|v| capadd(v, "SYS_ADMIN"))), ["vpn-gateway"]);
    let port80 = |v: &Value| {
        v["NetworkSettings"]["Ports"]["80/tcp"]
            .as_array()
            .is_some_and(|a| a.iter().any(|b| b["HostPort"] == "80"))
    };
    assert_eq!(find(&port80), ["web-port80"]);
    assert_eq!(
        user(find(
            &|v| v["AppArmorProfile"] == "unconfined" && v["HostConfig"]["Privileged"] == false
        )),
        ["apparmor-off"]
    );
    assert_eq!(find(&|v| v["State"]["Running"] == false), ["batch-report"]);
    let clean = &hc["billing-api"];
    assert_eq!(clean["HostConfig"]["ReadonlyRootfs"], true);
    assert_eq!(
        clean["HostConfig"]["SecurityOpt"][0],
        "no-new-privileges:true"
    );
    assert!(clean["HostConfig"]["Memory"].as_u64().unwrap() > 0);
    assert!(
        hc.values()
            .filter(|v| v["HostConfig"]["Memory"] == 0)
            .count()
            > 10
    );
    assert!(
        hc["orders-api"]["Config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("DB_PASSWORD="))
    );

    // top: sshd inside legacy-sshd, the main process elsewhere, 409 when stopped.
    let sshd = get_ok(&c, &format!("{m}/containers/legacy-sshd/top?ps_args=-ef")).await;
    assert_eq!(sshd["Titles"].as_array().unwrap().last().unwrap(), "CMD");
    assert!(
        sshd["Processes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p[7] == "/usr/sbin/sshd -D")
    );
    let web = get_ok(&c, &format!("{m}/containers/web-port80/top?ps_args=-ef")).await;
    assert_eq!(
        web["Processes"][0][7],
        "/docker-entrypoint.sh nginx -g daemon off;"
    );
    let stopped = by_name("batch-report");
    assert_eq!(
        get(&c, &format!("{m}/containers/batch-report/top?ps_args=-ef")).await,
        (
            409,
            serde_json::json!({"message": format!("Container {} is not running", stopped["Id"].as_str().unwrap())})
        )
    );

    let services = get_ok(&c, &format!("{m}/services")).await;
    let orders = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Spec"]["Name"] == "shop_orders")
        .unwrap();
    let spec = &orders["Spec"]["TaskTemplate"]["ContainerSpec"];
    assert!(
        spec["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("DB_PASSWORD="))
    );
    assert_eq!(spec["Secrets"][0]["SecretName"], "db_pw");
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Endpoint"]["Ports"][0]["PublishedPort"] == 80)
    );
    let secrets = get_ok(&c, &format!("{m}/secrets")).await;
    assert!(
        secrets
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("Spec").is_some() && s["Spec"].get("Data").is_none())
    );
    let images = get_ok(&c, &format!("{m}/images/json")).await;
    let tags: Vec<&str> = images
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["RepoTags"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    for t in [
        "mirantis/ucp-agent:3.7.5",
        "mirantis/ucp-agent:3.7.3",
        "registry.mirantis.com/msr/msr-api:3.1.2",
    ] {
        assert!(tags.contains(&t), "{t}");
    }
    let networks = get_ok(&c, &format!("{m}/networks")).await;
    let networks = networks.as_array().unwrap();
    let net = |n: &str| networks.iter().find(|x| x["Name"] == n).unwrap().clone();
    assert_eq!(
        (
            net("ingress")["Driver"].as_str(),
            net("ingress")["Scope"].as_str()
        ),
        (Some("overlay"), Some("swarm"))
    );
    assert!(net("shop_backend")["Options"].get("encrypted").is_some());
    assert!(net("shop_frontend")["Options"].get("encrypted").is_none());
    assert_eq!(net("bridge")["Scope"], "local");
    assert!(
        networks
            .iter()
            .any(|n| n["Scope"] == "swarm" && n["Driver"] != "overlay")
    );
    let tasks = get_ok(&c, &format!("{m}/tasks")).await;
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["ServiceID"].is_string() && t["NodeID"].is_string())
    );

    // The Docker API also answers under a version prefix.
    assert_eq!(
        get_ok(&c, &format!("{m}/v1.41/containers/json?all=1"))
            .await
            .as_array()
            .unwrap()
            .len(),
        24
    );
    assert_eq!(sim.request_count(Server::Mke, "/containers/json"), 4);
}

#[tokio::test]
async fn mke_config_enzi_and_rbac_shapes() {
    let sim = default_sim();
    let c = bundle(&sim);
    let m = &sim.mke_url;
    let resp = c
        .get(format!("{m}/api/ucp/config-toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[CONTENT_TYPE], "application/toml");
    let cfg: toml::Table = resp.text().await.unwrap().parse().unwrap();
    let at = |path: &str| -> toml::Value {
        let mut v = toml::Value::Table(cfg.clone());
        for k in path.split('.') {
            v = v
                .get(k)
                .unwrap_or_else(|| panic!("config-toml has no {path}"))
                .clone();
        }
        v
    };
    assert_eq!(at("auth.sessions.lifetime_minutes").as_integer(), Some(60));
    assert_eq!(
        at("auth.sessions.renewal_threshold_minutes").as_integer(),
        Some(20)
    );
    assert_eq!(at("audit_log_configuration.level").as_str(), Some(""));
    assert_eq!(
        at("tracking_configuration.disable_tracking").as_bool(),
        Some(false)
    );
    assert_eq!(
        at("tracking_configuration.disable_usageinfo").as_bool(),
        Some(false)
    );
    assert_eq!(
        at("trust_configuration.require_content_trust").as_bool(),
        Some(false)
    );
    assert_eq!(at("cluster_config.secure_overlay").as_bool(), Some(false));
    assert_eq!(
        at("cluster_config.kube_protect_kernel_defaults").as_bool(),
        Some(false)
    );
    assert_eq!(at("cluster_config.pre_logon_message").as_str(), Some(""));
    assert_eq!(
        at("scheduling_configuration.enable_admin_ucp_scheduling").as_bool(),
        Some(false)
    );
    assert_eq!(
        at("registries").as_array().unwrap()[0]["host_address"].as_str(),
        Some("msr.example.mil")
    );
    for secret in [
        "backup_schedule_config.passphrase",
        "auth.samlProxy.credentials.basic.password",
        "auth.external_identity_provider.clientSecret",
    ] {
        let v = at(secret);
        let v = v.as_str().unwrap();
        assert!(
            v.len() >= 12 && sim.secrets().iter().any(|s| s == v),
            "{secret}"
        );
    }
    assert!(cfg["auth"].get("ldap").is_none() && cfg["auth"].get("saml").is_none());

    let auth = get_ok(&c, &format!("{m}/enzi/v0/config/auth")).await;
    assert_eq!(auth["backend"], "managed");
    assert_eq!(auth["samlEnabled"], false);
    let ldap = get_ok(&c, &format!("{m}/enzi/v0/config/auth/ldap")).await;
    assert!(ldap["serverURL"].as_str().unwrap().starts_with("ldaps://"));
    assert!(
        sim.secrets()
            .iter()
            .any(|s| s == ldap["readerPassword"].as_str().unwrap())
    );

    let accounts = get_ok(&c, &format!("{m}/enzi/v0/accounts?filter=all&limit=50")).await;
    assert_eq!(
        (
            accounts["usersCount"].as_u64(),
            accounts["orgsCount"].as_u64()
        ),
        (Some(4), Some(2))
    );
    assert_eq!(accounts["resourceCount"], 6);
    let ddc = get_ok(&c, &format!("{m}/enzi/v0/accounts/docker-datacenter")).await;
    assert_eq!(ddc["isOrg"], true);

    let grants = get_ok(
        &c,
        &format!("{m}/collectionGrants?subjectType=all&expandUser=true&showPaths=true"),
    )
    .await;
    let scheduler = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["roleID"] == "scheduler" && g["objectID"] == "swarm")
        .expect("scheduler grant on swarm");
    assert_eq!(scheduler["subjectID"], ddc["id"]);
    assert!(
        grants["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == ddc["id"])
    );
    let roles = get_ok(&c, &format!("{m}/roles")).await;
    assert_eq!(
        names(roles.as_array().unwrap(), "/id"),
        [
            "none",
            "viewonly",
            "restrictedcontrol",
            "fullcontrol",
            "scheduler"
        ]
    );
    let collections = get_ok(&c, &format!("{m}/collections?limit=100")).await;
    assert!(
        collections
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "swarm" && x["path"] == "/")
    );
    let (status, v) = get(&c, &format!("{m}/api/ucp/nothing-here")).await;
    assert_eq!(
        (status, v["errors"][0]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

/// Every Kubernetes list the collector reads, followed to its last page,
/// each checked for its List kind; keyed by path.
async fn kube_lists(sim: &Sim) -> std::collections::BTreeMap<&'static str, Vec<Value>> {
    let c = bundle(sim);
    let k = &sim.kube_url;
    let lists = [
        ("/api/v1/namespaces", "NamespaceList", "v1"),
        ("/api/v1/pods", "PodList", "v1"),
        ("/api/v1/services", "ServiceList", "v1"),
        ("/api/v1/nodes", "NodeList", "v1"),
        ("/api/v1/resourcequotas", "ResourceQuotaList", "v1"),
        ("/api/v1/persistentvolumes", "PersistentVolumeList", "v1"),
        (
            "/apis/storage.k8s.io/v1/storageclasses",
            "StorageClassList",
            "storage.k8s.io/v1",
        ),
        ("/apis/apps/v1/deployments", "DeploymentList", "apps/v1"),
        ("/apis/apps/v1/daemonsets", "DaemonSetList", "apps/v1"),
        ("/apis/apps/v1/statefulsets", "StatefulSetList", "apps/v1"),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "ClusterRoleBindingList",
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            "RoleBindingList",
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "/apis/networking.k8s.io/v1/ingressclasses",
            "IngressClassList",
            "networking.k8s.io/v1",
        ),
    ];
    let mut all = std::collections::BTreeMap::new();
    for (path, kind, api) in lists {
        let (items, _, last) = kube_pages(&c, &format!("{k}{path}")).await;
        assert_eq!(
            (last["kind"].as_str(), last["apiVersion"].as_str()),
            (Some(kind), Some(api)),
            "{path}"
        );
        all.insert(path, items);
    }
    all
}

/// `namespace/name` of each item.
fn ns_names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["metadata"]["namespace"].as_str().unwrap_or(""),
                i["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// The `spec` flag of every pod that sets it.
fn pods_with(pods: &[Value], flag: &str) -> Vec<String> {
    ns_names(
        &pods
            .iter()
            .filter(|p| p["spec"][flag] == true)
            .cloned()
            .collect::<Vec<_>>(),
    )
}

/// A default install: Kubernetes answers with MKE's own workloads only.
#[tokio::test]
async fn kube_shapes() {
    let sim = default_sim();
    let c = bundle(&sim);
    let k = &sim.kube_url;
    let all = kube_lists(&sim).await;
    let pods = &all["/api/v1/pods"];
    assert!(
        pods.iter()
            .all(|p| p["metadata"]["namespace"] == "kube-system"),
        "{:?}",
        ns_names(pods)
    );
    assert_eq!(
        pods_with(pods, "hostNetwork"),
        [
            "kube-system/calico-node-m4q8z",
            "kube-system/calico-node-t9w3d",
            "kube-system/calico-node-7xk2p"
        ]
    );
    assert!(pods_with(pods, "hostPID").is_empty() && pods_with(pods, "hostIPC").is_empty());
    assert_eq!(
        ns_names(&all["/api/v1/services"]),
        [
            "default/kubernetes",
            "kube-system/kube-dns",
            "kube-system/ucp-metrics"
        ]
    );
    for empty in [
        "/api/v1/resourcequotas",
        "/api/v1/persistentvolumes",
        "/apis/storage.k8s.io/v1/storageclasses",
        "/apis/apps/v1/statefulsets",
        "/apis/networking.k8s.io/v1/ingressclasses",
    ] {
        assert!(all[empty].is_empty(), "{empty}");
    }
    for node in names(&all["/api/v1/nodes"], "/metadata/name") {
        let cz = get_ok(&c, &format!("{k}/api/v1/nodes/{node}/proxy/configz")).await;
        assert_eq!(
            cz["kubeletconfig"]["protectKernelDefaults"], false,
            "{node}"
        );
    }
    let (status, v) = get(&c, &format!("{k}/api/v1/nodes/ghost/proxy/configz")).await;
    assert_eq!((status, v["reason"].as_str()), (404, Some("NotFound")));
    let (status, v) = get(&c, &format!("{k}/apis/unknown.example/v1/things")).await;
    assert_eq!(
        (status, v["kind"].as_str(), v["code"].as_u64()),
        (404, Some("Status"), Some(404))
    );
}

#[tokio::test]
async fn msr_shapes() {
    let sim = default_sim();
    let c = anon(&sim);
    let settings = msr_ok(&sim, &c, "/api/v0/meta/settings").await;
    assert_eq!(settings["createRepositoryOnPush"], true);
    assert_eq!(settings["reportAnalytics"], true);
    assert_eq!(settings["scanningEnabled"], true);
    assert!(
        settings["webTLSCert"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let key = settings["webTLSKey"].as_str().unwrap();
    assert!(key.contains("PRIVATE KEY") && sim.secrets().iter().any(|s| key.contains(s.as_str())));
    let features = msr_ok(&sim, &c, "/api/v0/meta/features").await;
    assert_eq!(features["scanningEnabled"], true);
    let status = msr_ok(&sim, &c, "/api/v0/imagescan/status").await;
    assert_eq!(status["last_db_update_failed"], false);
    assert!(status["db_version"].as_u64().unwrap() > 0);
    let access = msr_ok(
        &sim,
        &c,
        "/api/v0/repositories/engineering/orders-api/teamAccess",
    )
    .await;
    assert_eq!(access["repository"]["name"], "orders-api");
    assert_eq!(access["teamAccessList"][0]["accessLevel"], "admin");
    assert_eq!(access["teamAccessList"][0]["team"]["name"], "devs");
    let ns = msr_ok(
        &sim,
        &c,
        "/api/v0/repositoryNamespaces/engineering/teamAccess",
    )
    .await;
    assert_eq!(ns["namespace"], "engineering");
    assert_eq!(ns["teamAccessList"].as_array().unwrap().len(), 2);
    let resp = msr_get(&sim, &c, "/api/v0/repositories/engineering/nope/teamAccess")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(v["errors"][0]["code"], "NO_SUCH_REPOSITORY");
    let teams = msr_ok(&sim, &c, "/enzi/v0/accounts/engineering/teams").await;
    assert_eq!(
        names(teams["teams"].as_array().unwrap(), "/name"),
        ["devs", "reviewers"]
    );
    let members = msr_ok(&sim, &c, "/enzi/v0/accounts/engineering/teams/devs/members").await;
    assert_eq!(
        names(members["members"].as_array().unwrap(), "/member/name"),
        ["admin", "alice"]
    );

    // Bearer from /auth/token instead of Basic.
    let t = msr_ok(&sim, &c, "/auth/token").await;
    let token = t["token"].as_str().unwrap();
    let url = format!("{}/api/v0/meta/settings", sim.msr_url.as_deref().unwrap());
    assert_eq!(get_bearer(&c, &url, token).await.0, 200);
    // MKE tokens are not MSR tokens.
    let mke_token = self::token(&sim).await;
    assert_eq!(get_bearer(&c, &url, &mke_token).await.0, 401);
}

/// The bundle folder and zip look like the ones MKE hands out.
#[tokio::test]
async fn bundle_layout() {
    let sim = default_sim();
    for f in [
        "ca.pem", "cert.pem", "key.pem", "cert.pub", "kube.yml", "env.sh", "env.ps1", "env.cmd",
    ] {
        assert!(sim.bundle_dir.join(f).is_file(), "{f}");
    }
    assert_eq!(
        std::fs::read(sim.bundle_dir.join("ca.pem")).unwrap(),
        std::fs::read(&sim.ca_pem).unwrap()
    );
    let kube = std::fs::read_to_string(sim.bundle_dir.join("kube.yml")).unwrap();
    assert!(kube.contains(&format!("server: {}", sim.kube_url)));
    assert!(kube.contains("client-key-data: "));
    let env = std::fs::read_to_string(sim.bundle_dir.join("env.sh")).unwrap();
    assert!(env.contains(&format!(
        "DOCKER_HOST=tcp://{}",
        sim.mke_url.trim_start_matches("https://")
    )));

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&sim.bundle_zip).unwrap()).unwrap();
    let mut listed: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "ca.pem",
            "cert.pem",
            "cert.pub",
            "env.cmd",
            "env.ps1",
            "env.sh",
            "key.pem",
            "kube.yml",
            "ucp-docker-bundle.zip"
        ]
    );
    let mut nested = Vec::new();
    zip.by_name("ucp-docker-bundle.zip")
        .unwrap()
        .read_to_end(&mut nested)
        .unwrap();
    let mut nested = zip::ZipArchive::new(std::io::Cursor::new(nested)).unwrap();
    let mut meta = String::new();
    nested
        .by_name("meta.json")
        .unwrap()
        .read_to_string(&mut meta)
        .unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        meta["Endpoints"]["kubernetes"]["Host"],
        sim.kube_url.as_str()
    );
    assert!(meta["Name"].as_str().unwrap().starts_with("ucp_admin_"));
    assert!(nested.by_name("tls/docker/key.pem").is_ok());
}

// ---- faults ---------------------------------------------------------------

#[tokio::test]
async fn status_faults_use_each_servers_error_style() {
    let sim = with_faults(vec![
        Fault::new(Server::Mke, "/info", FaultKind::Status(500)),
        Fault::new(Server::Mke, "/api/ucp/config-toml", FaultKind::Status(503)),
        Fault::new(Server::Kube, "/api/v1/pods", FaultKind::Status(429)),
        Fault::new(Server::Msr, "/api/v0/meta/settings", FaultKind::Status(502)),
    ]);
    let c = bundle(&sim);
    let (status, v) = get(&c, &format!("{}/info", sim.mke_url)).await;
    assert_eq!(status, 500);
    assert!(v["message"].is_string(), "Docker-style error: {v}");
    let (status, v) = get(&c, &format!("{}/api/ucp/config-toml", sim.mke_url)).await;
    assert_eq!(
        (status, v["errors"][0]["code"].as_str()),
        (503, Some("SERVICE_UNAVAILABLE"))
    );
    let (status, v) = get(&c, &format!("{}/api/v1/pods", sim.kube_url)).await;
    assert_eq!(
        (status, v["kind"].as_str(), v["reason"].as_str()),
        (429, Some("Status"), Some("TooManyRequests"))
    );
    let resp = msr_get(&sim, &c, "/api/v0/meta/settings")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(v["errors"][0]["code"], "BAD_GATEWAY");
}

#[tokio::test]
async fn status_times_fails_first_n_then_recovers() {
    let sim = with_faults(vec![Fault::new(
        Server::Mke,
        "/nodes",
        FaultKind::StatusTimes(503, 2),
    )]);
    let c = bundle(&sim);
    let url = format!("{}/nodes", sim.mke_url);
    assert_eq!(get(&c, &url).await.0, 503);
    assert_eq!(get(&c, &url).await.0, 503);
    assert_eq!(get_ok(&c, &url).await.as_array().unwrap().len(), 3);
    assert_eq!(sim.request_count(Server::Mke, "/nodes"), 3);
}

#[tokio::test]
async fn hang_never_answers() {
    let sim = with_faults(vec![Fault::new(
        Server::Mke,
        "/containers/*",
        FaultKind::Hang,
    )]);
    let c = build(
        tls(&sim.ca_pem, Some(&sim.bundle_dir), false),
        Duration::from_millis(400),
    );
    let started = Instant::now();
    let err = c
        .get(format!("{}/containers/json", sim.mke_url))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    // Only the matching prefix hangs.
    assert_eq!(
        c.get(format!("{}/info", sim.mke_url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn delay_answers_late_but_normally() {
    let sim = with_faults(vec![Fault::new(
        Server::Kube,
        "/api/v1/nodes",
        FaultKind::Delay(Duration::from_millis(300)),
    )]);
    let c = bundle(&sim);
    let started = Instant::now();
    let v = get_ok(&c, &format!("{}/api/v1/nodes", sim.kube_url)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(v["kind"], "NodeList");
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(150),
        ..SimConfig::default()
    });
    let c = bundle(&sim);
    let started = Instant::now();
    get_ok(&c, &format!("{}/version", sim.mke_url)).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn bad_json_and_wrong_type() {
    let sim = with_faults(vec![
        Fault::new(Server::Mke, "/services", FaultKind::BadJson),
        Fault::new(Server::Mke, "/containers/json", FaultKind::WrongType),
    ]);
    let c = bundle(&sim);
    let resp = c
        .get(format!("{}/services", sim.mke_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()[CONTENT_TYPE], "application/json");
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    let v = get_ok(&c, &format!("{}/containers/json?all=1", sim.mke_url)).await;
    assert!(v.is_string(), "{v}");
}

#[tokio::test]
async fn truncated_body_fails_on_http1_and_http2() {
    let sim = with_faults(vec![Fault::new(
        Server::Mke,
        "/images/json",
        FaultKind::Truncated,
    )]);
    for h2 in [false, true] {
        let c = build(
            tls(&sim.ca_pem, Some(&sim.bundle_dir), h2),
            Duration::from_secs(10),
        );
        let resp = c
            .get(format!("{}/images/json", sim.mke_url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let declared: usize = resp.headers()[CONTENT_LENGTH]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(declared > 1000);
        assert!(
            resp.bytes().await.is_err(),
            "h2={h2}: the short body was accepted"
        );
    }
}

#[tokio::test]
async fn huge_body_is_valid_json_of_the_requested_size() {
    const SIZE: usize = 3 * 1024 * 1024 + 7;
    let sim = with_faults(vec![Fault::new(
        Server::Mke,
        "/tasks",
        FaultKind::Huge(SIZE),
    )]);
    let c = bundle(&sim);
    let resp = c
        .get(format!("{}/tasks", sim.mke_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers().get(CONTENT_LENGTH).is_none(),
        "huge bodies are streamed"
    );
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len(), SIZE);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v.as_array().unwrap().len() > 20_000);
}

#[tokio::test]
async fn redirect_off_host() {
    let sim = with_faults(vec![Fault::new(
        Server::Mke,
        "/api/ucp/*",
        FaultKind::RedirectOffHost,
    )]);
    let c = bundle(&sim);
    let resp = c
        .get(format!("{}/api/ucp/config-toml", sim.mke_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert_eq!(
        resp.headers()[LOCATION],
        "https://attacker.invalid:8443/api/ucp/config-toml"
    );
}

/// A scenario folder given by path, with its own faults.json and no msr/.
#[tokio::test]
async fn dir_scenario_with_faults_json_and_no_msr() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Sim::scenario_dir("default").join("mke"),
        &tmp.path().join("mke"),
    );
    copy_dir(
        &Sim::scenario_dir("default").join("kube"),
        &tmp.path().join("kube"),
    );
    std::fs::write(
        tmp.path().join("faults.json"),
        r#"[{"server": "mke", "path": "/info", "kind": "status_times", "status": 500, "times": 1},
            {"server": "kube", "path": "/api/v1/*", "kind": "delay", "ms": 10}]"#,
    )
    .unwrap();
    let sim = Sim::start(SimConfig::with_scenario(Scenario::Dir(
        tmp.path().to_path_buf(),
    )));
    assert!(sim.msr_url.is_none());
    let c = bundle(&sim);
    assert_eq!(get(&c, &format!("{}/info", sim.mke_url)).await.0, 500);
    get_ok(&c, &format!("{}/info", sim.mke_url)).await;
    get_ok(&c, &format!("{}/api/v1/nodes", sim.kube_url)).await;

    std::fs::write(tmp.path().join("faults.json"), r#"[{"server": "nope"}]"#).unwrap();
    let err = Sim::try_start(SimConfig::with_scenario(Scenario::Dir(
        tmp.path().to_path_buf(),
    )))
    .err()
    .unwrap();
    assert!(err.contains("faults.json"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

// ---- synthetic and secrets ------------------------------------------------

#[tokio::test]
async fn synthetic_scenario_lists_every_container() {
    let sim = Sim::start(SimConfig::with_scenario(Scenario::Synthetic {
        containers: 50,
        running: true,
    }));
    let c = bundle(&sim);
    let all = get_ok(&c, &format!("{}/containers/json?all=1", sim.mke_url)).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 50);
    let ids: std::collections::BTreeSet<&str> =
        all.iter().map(|s| s["Id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 50);
    assert_eq!(
        get_ok(&c, &format!("{}/containers/json", sim.mke_url))
            .await
            .as_array()
            .unwrap()
            .len(),
        50
    );
    let id = all[49]["Id"].as_str().unwrap();
    let inspect = get_ok(&c, &format!("{}/containers/{id}/json", sim.mke_url)).await;
    assert_eq!(inspect["Id"], id);
    assert_eq!(inspect["State"]["Running"], true);
    let top = get_ok(
        &c,
        &format!("{}/containers/{id}/top?ps_args=-ef", sim.mke_url),
    )
    .await;
    assert_eq!(top["Processes"][0][7], "/app/server --port 8080");
    // Everything else still answers.
    get_ok(&c, &format!("{}/info", sim.mke_url)).await;
    get_ok(&c, &format!("{}/api/v1/pods", sim.kube_url)).await;
}

/// Every value of `Sim::secrets()` is distinctive and shows up in what the
/// simulator hands out (a raw response or a bundle file), except the two
/// passwords, which only the client sends. So a test that finds none of
/// them in collected evidence has proven something.
#[tokio::test]
async fn secrets_appear_in_raw_responses() {
    let sim = default_sim();
    let c = bundle(&sim);
    let mut raw = String::new();
    let mut fetch = |body: String| raw.push_str(&body);
    let m = &sim.mke_url;
    let tok = token(&sim).await;
    for path in [
        "/api/ucp/config-toml".to_string(),
        "/enzi/v0/config/auth/ldap".to_string(),
        "/services".to_string(),
        "/containers/json?all=1".to_string(),
    ] {
        fetch(text(&c, &format!("{m}{path}")).await.1);
    }
    let all = get_ok(&c, &format!("{m}/containers/json?all=1")).await;
    for s in all.as_array().unwrap() {
        fetch(
            text(
                &c,
                &format!("{m}/containers/{}/json", s["Id"].as_str().unwrap()),
            )
            .await
            .1,
        );
    }
    fetch(text(&c, &format!("{}/api/v1/pods", sim.kube_url)).await.1);
    let (pods, _, _) = kube_pages(&c, &format!("{}/api/v1/pods", sim.kube_url)).await;
    fetch(serde_json::to_string(&pods).unwrap());
    let settings = msr_get(&sim, &c, "/api/v0/meta/settings")
        .send()
        .await
        .unwrap();
    fetch(settings.text().await.unwrap());
    let t = msr_get(&sim, &c, "/auth/token").send().await.unwrap();
    fetch(t.text().await.unwrap());
    fetch(tok.clone());
    for f in ["key.pem", "kube.yml"] {
        fetch(std::fs::read_to_string(sim.bundle_dir.join(f)).unwrap());
    }
    fetch(std::fs::read_to_string(sim.foreign_bundle_dir.join("key.pem")).unwrap());

    let secrets = sim.secrets();
    assert!(secrets.len() >= 12, "{secrets:?}");
    let unique: std::collections::BTreeSet<&String> = secrets.iter().collect();
    assert_eq!(unique.len(), secrets.len(), "secrets repeat");
    for s in &secrets {
        assert!(s.len() >= 12, "short secret {s}");
        if *s == sim.admin_password || *s == sim.msr_password {
            assert!(!raw.contains(s.as_str()), "a password was echoed");
        } else {
            assert!(raw.contains(s.as_str()), "secret never handed out: {s}");
        }
    }
    assert!(secrets.contains(&tok));
    // Scenario secrets are fresh for every start.
    let other = default_sim();
    assert!(other.secrets().iter().all(|s| !secrets.contains(s)));
}

// ---- the other named scenarios ---------------------------------------------

/// Every scenario folder under `tests/sim/scenarios`.
const SCENARIOS: [&str; 4] = ["default", "mixed", "hardened", "no-msr"];

/// The Standard Mandatory DoD Notice and Consent Banner, exactly as the
/// DISA RHEL 9 STIG check text (RHEL-09-211020) gives it.
const DOD_BANNER: &str = "You are accessing a U.S. Government (USG) Information System (IS) that is provided for USG-authorized use only.\n\nBy using this IS (which includes any device attached to this IS), you consent to the following conditions:\n\n-The USG routinely intercepts and monitors communications on this IS for purposes including, but not limited to, penetration testing, COMSEC monitoring, network operations and defense, personnel misconduct (PM), law enforcement (LE), and counterintelligence (CI) investigations.\n\n-At any time, the USG may inspect and seize data stored on this IS.\n\n-Communications using, or data stored on, this IS are not private, are subject to routine monitoring, interception, and search, and may be disclosed or used for any USG-authorized purpose.\n\n-This IS includes security measures (e.g., authentication and access controls) to protect USG interests--not for your personal benefit or privacy.\n\n-Notwithstanding the above, using this IS does not constitute consent to PM, LE or CI investigative searching or monitoring of the content of privileged communications, or work product, related to personal representation or services by attorneys, psychotherapists, or clergy, and their assistants. Such communications and work product are private and confidential. See User Agreement for details.";

fn named(name: &'static str) -> Sim {
    Sim::start(SimConfig::with_scenario(Scenario::Named(name)))
}

async fn config_toml(sim: &Sim) -> toml::Table {
    let (status, body) = text(
        &bundle(sim),
        &format!("{}/api/ucp/config-toml", sim.mke_url),
    )
    .await;
    assert_eq!(status, 200);
    body.parse()
        .unwrap_or_else(|e| panic!("config-toml is not TOML: {e}"))
}

/// A dotted path into config-toml.
fn cfg_at(cfg: &toml::Table, path: &str) -> toml::Value {
    let mut v = toml::Value::Table(cfg.clone());
    for k in path.split('.') {
        v = v
            .get(k)
            .unwrap_or_else(|| panic!("config-toml has no {path}"))
            .clone();
    }
    v
}

/// Hostname → (swarm, kubernetes) orchestrator labels of `GET /nodes`.
fn orchestrators(nodes: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let l = &n["Spec"]["Labels"];
            (
                n["Description"]["Hostname"].as_str().unwrap().to_string(),
                (
                    l["com.docker.ucp.orchestrator.swarm"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    l["com.docker.ucp.orchestrator.kubernetes"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                ),
            )
        })
        .collect()
}

/// Every container's inspect body, by `node/name`.
async fn inspect_all(sim: &Sim) -> std::collections::BTreeMap<String, Value> {
    let c = bundle(sim);
    let m = &sim.mke_url;
    let mut out = std::collections::BTreeMap::new();
    for s in get_ok(&c, &format!("{m}/containers/json?all=1"))
        .await
        .as_array()
        .unwrap()
    {
        let v = get_ok(
            &c,
            &format!("{m}/containers/{}/json", s["Id"].as_str().unwrap()),
        )
        .await;
        let key = format!(
            "{}/{}",
            v["Node"]["Name"].as_str().unwrap(),
            v["Name"].as_str().unwrap().trim_start_matches('/')
        );
        assert_eq!(s["Names"][0].as_str(), Some(format!("/{key}").as_str()));
        assert!(out.insert(key.clone(), v).is_none(), "{key} twice");
    }
    out
}

/// The project convention for MKE/MSR/Kubernetes system containers.
fn is_system(v: &Value) -> bool {
    let name = v["Name"].as_str().unwrap().trim_start_matches('/');
    let image = v["Config"]["Image"].as_str().unwrap();
    let labels = &v["Config"]["Labels"];
    [
        "mirantis/ucp-",
        "docker/ucp-",
        "mirantis/dtr-",
        "registry.mirantis.com/msr/",
    ]
    .iter()
    .any(|p| image.starts_with(p))
        || ["ucp-", "dtr-", "k8s_"].iter().any(|p| name.starts_with(p))
        || labels.get("com.docker.ucp.version").is_some()
        || labels.get("com.docker.dtr.version").is_some()
}

fn security_opts(v: &Value) -> Vec<String> {
    v["HostConfig"]["SecurityOpt"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn mounts_docker_sock(v: &Value) -> bool {
    let binds = v["HostConfig"]["Binds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mounts = v["Mounts"].as_array().cloned().unwrap_or_default();
    binds
        .iter()
        .any(|b| b.as_str().unwrap().contains("docker.sock"))
        || mounts.iter().any(|m| {
            m["Source"].as_str().unwrap_or("").contains("docker.sock")
                || m["Destination"]
                    .as_str()
                    .unwrap_or("")
                    .contains("docker.sock")
        })
}

/// Host ports a container publishes.
fn host_ports(v: &Value) -> Vec<u16> {
    v["NetworkSettings"]["Ports"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|b| b["HostPort"].as_str()?.parse().ok())
        .filter(|p| *p != 0)
        .collect()
}

/// Every named scenario starts, serves each document the collector reads,
/// and its documents agree with each other: containers sit on listed nodes
/// with those nodes' orchestrator labels, pods on Kubernetes nodes, every
/// node has a kubelet configz, grants name listed subjects, MSR answers
/// exactly when config-toml lists a registry, and so on.
#[tokio::test]
async fn every_named_scenario_serves_consistent_key_documents() {
    for name in SCENARIOS {
        let sim = named(name);
        let c = bundle(&sim);
        let m = &sim.mke_url;
        let cfg = config_toml(&sim).await;
        let version = get_ok(&c, &format!("{m}/version")).await;
        let info = get_ok(&c, &format!("{m}/info")).await;
        assert_eq!(info["ServerVersion"], version["Version"], "{name}");
        let installed = version["Version"]
            .as_str()
            .unwrap()
            .trim_start_matches("ucp/");

        let nodes = get_ok(&c, &format!("{m}/nodes")).await;
        let orch = orchestrators(&nodes);
        assert_eq!(orch.len(), 3, "{name}");
        for (swarm, kube) in orch.values() {
            assert!(["true", "false"].contains(&swarm.as_str()), "{name}");
            assert!(["true", "false"].contains(&kube.as_str()), "{name}");
        }
        // /info answers for the manager, with its labels.
        let mgr = &orch[info["Name"].as_str().unwrap()];
        let info_labels: Vec<&str> = info["Labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(
            info_labels.contains(&format!("com.docker.ucp.orchestrator.swarm={}", mgr.0).as_str())
        );
        assert!(
            info_labels
                .contains(&format!("com.docker.ucp.orchestrator.kubernetes={}", mgr.1).as_str())
        );

        let ctrs = inspect_all(&sim).await;
        let summary = get_ok(&c, &format!("{m}/containers/json?all=1")).await;
        assert_eq!(summary.as_array().unwrap().len(), ctrs.len());
        assert_eq!(
            info["Containers"].as_u64(),
            Some(ctrs.len() as u64),
            "{name}"
        );
        for (key, v) in &ctrs {
            let node = v["Node"]["Name"].as_str().unwrap();
            let (swarm, kube) = orch
                .get(node)
                .unwrap_or_else(|| panic!("{name}: {key} on an unknown node"));
            let labels = &v["Node"]["Labels"];
            assert_eq!(
                labels["com.docker.ucp.orchestrator.swarm"],
                swarm.as_str(),
                "{name} {key}"
            );
            assert_eq!(
                labels["com.docker.ucp.orchestrator.kubernetes"],
                kube.as_str(),
                "{name} {key}"
            );
            // Swarm user workloads only on Swarm nodes.
            assert!(
                is_system(v) || swarm == "true",
                "{name}: {key} on a Kubernetes-only node"
            );
            if is_system(v)
                && v["Config"]["Labels"]
                    .get("com.docker.ucp.version")
                    .is_some()
            {
                assert_eq!(
                    v["Config"]["Labels"]["com.docker.ucp.version"], installed,
                    "{name} {key}"
                );
            }
            let id = v["Id"].as_str().unwrap();
            let (status, top) = get(&c, &format!("{m}/containers/{id}/top?ps_args=-ef")).await;
            match v["State"]["Running"].as_bool().unwrap() {
                true => assert!(
                    status == 200 && top["Processes"].as_array().is_some_and(|p| !p.is_empty()),
                    "{name} {key}"
                ),
                false => assert_eq!(status, 409, "{name} {key}"),
            }
        }
        for path in [
            "/services",
            "/secrets",
            "/tasks",
            "/images/json",
            "/networks",
            "/roles",
            "/collections?limit=100",
        ] {
            assert!(
                get_ok(&c, &format!("{m}{path}")).await.is_array(),
                "{name} {path}"
            );
        }
        let tasks = get_ok(&c, &format!("{m}/tasks")).await;
        let services = get_ok(&c, &format!("{m}/services")).await;
        let service_ids: Vec<&str> = services
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ID"].as_str().unwrap())
            .collect();
        let node_ids: Vec<&str> = nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["ID"].as_str().unwrap())
            .collect();
        for t in tasks.as_array().unwrap() {
            assert!(
                service_ids.contains(&t["ServiceID"].as_str().unwrap()),
                "{name}: task of an unknown service"
            );
            assert!(
                node_ids.contains(&t["NodeID"].as_str().unwrap()),
                "{name}: task on an unknown node"
            );
        }

        // eNZi: every organisation's teams and every team's members answer.
        let (accounts, _) = enzi_pages(
            &c,
            &format!("{m}/enzi/v0/accounts?filter=all"),
            "accounts",
            None,
        )
        .await;
        let ids: Vec<&str> = accounts.iter().map(|a| a["id"].as_str().unwrap()).collect();
        let mut team_ids = Vec::new();
        for org in accounts.iter().filter(|a| a["isOrg"] == true) {
            let org = org["name"].as_str().unwrap();
            let (teams, _) = enzi_pages(
                &c,
                &format!("{m}/enzi/v0/accounts/{org}/teams"),
                "teams",
                None,
            )
            .await;
            for t in &teams {
                team_ids.push(t["id"].as_str().unwrap().to_string());
                let team = t["name"].as_str().unwrap();
                enzi_pages(
                    &c,
                    &format!("{m}/enzi/v0/accounts/{org}/teams/{team}/members"),
                    "members",
                    None,
                )
                .await;
            }
        }
        let grants = get_ok(
            &c,
            &format!("{m}/collectionGrants?subjectType=all&expandUser=true&showPaths=true"),
        )
        .await;
        let collections = get_ok(&c, &format!("{m}/collections?limit=100")).await;
        for g in grants["grants"].as_array().unwrap() {
            let subject = g["subjectID"].as_str().unwrap();
            assert!(
                ids.contains(&subject) || team_ids.iter().any(|t| t == subject),
                "{name}: grant to unknown {subject}"
            );
            assert!(
                grants["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == subject),
                "{name}: {subject} not expanded"
            );
            let object = g["objectID"].as_str().unwrap();
            let path = collections
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == object)
                .map(|x| x["path"].clone());
            assert!(
                path.is_some() || object.starts_with("kubernetesnamespaces:"),
                "{name}: grant on unknown {object}"
            );
            if let Some(path) = path {
                assert_eq!(g["objectPath"], path, "{name}");
            }
        }
        let auth = get_ok(&c, &format!("{m}/enzi/v0/config/auth")).await;
        assert_eq!(
            auth["backend"].as_str(),
            cfg_at(&cfg, "auth.backend").as_str(),
            "{name}"
        );
        get_ok(&c, &format!("{m}/enzi/v0/config/auth/ldap")).await;

        // Kubernetes: every node has a configz, pods sit on listed nodes,
        // namespaced items in listed namespaces.
        let kube = kube_lists(&sim).await;
        let knodes = names(&kube["/api/v1/nodes"], "/metadata/name");
        assert_eq!(knodes, orch.keys().cloned().collect::<Vec<_>>(), "{name}");
        for node in &knodes {
            let cz = get_ok(
                &c,
                &format!("{}/api/v1/nodes/{node}/proxy/configz", sim.kube_url),
            )
            .await;
            assert!(
                cz["kubeletconfig"]["protectKernelDefaults"].is_boolean(),
                "{name} {node}"
            );
        }
        let namespaces = names(&kube["/api/v1/namespaces"], "/metadata/name");
        for (path, items) in &kube {
            for i in items {
                if let Some(ns) = i["metadata"]["namespace"].as_str() {
                    assert!(
                        namespaces.iter().any(|n| n == ns),
                        "{name} {path}: namespace {ns}"
                    );
                }
            }
        }
        for p in &kube["/api/v1/pods"] {
            assert!(
                knodes.iter().any(|n| p["spec"]["nodeName"] == n.as_str()),
                "{name}"
            );
        }

        // MSR exactly when config-toml lists a registry.
        let registries = cfg
            .get("registries")
            .and_then(|r| r.as_array())
            .map_or(0, |r| r.len());
        assert_eq!(sim.msr_url.is_some(), registries > 0, "{name}");
        let ca = std::fs::read_to_string(&sim.ca_pem).unwrap();
        assert_eq!(text(&c, &format!("{m}/ca")).await, (200, ca.clone()));
        if let Some(msr) = &sim.msr_url {
            assert_eq!(text(&c, &format!("{msr}/ca")).await, (200, ca));
            for path in [
                "/api/v0/meta/settings",
                "/api/v0/meta/features",
                "/api/v0/imagescan/status",
            ] {
                assert!(msr_ok(&sim, &c, path).await.is_object(), "{name} {path}");
            }
            let repos = msr_ok(&sim, &c, "/api/v0/repositories?pageSize=100").await;
            let (orgs, _) = enzi_pages(
                &c,
                &format!("{msr}/enzi/v0/accounts?filter=orgs"),
                "accounts",
                Some((&sim.msr_user, &sim.msr_password)),
            )
            .await;
            for org in &orgs {
                let org = org["name"].as_str().unwrap();
                msr_ok(&sim, &c, &format!("/enzi/v0/accounts/{org}/teams")).await;
            }
            let mut pages = 0;
            let mut next = String::new();
            loop {
                pages += 1;
                let resp = msr_get(
                    &sim,
                    &c,
                    &format!("/api/v0/repositories?pageSize=10&pageStart={next}"),
                )
                .send()
                .await
                .unwrap();
                let h = resp.headers().clone();
                let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
                for r in v["repositories"].as_array().unwrap() {
                    let (ns, repo) = (
                        r["namespace"].as_str().unwrap(),
                        r["name"].as_str().unwrap(),
                    );
                    assert!(
                        orgs.iter().any(|o| o["name"] == ns),
                        "{name}: {ns} is no MSR org"
                    );
                    msr_ok(
                        &sim,
                        &c,
                        &format!("/api/v0/repositories/{ns}/{repo}/teamAccess"),
                    )
                    .await;
                    msr_ok(
                        &sim,
                        &c,
                        &format!("/api/v0/repositoryNamespaces/{ns}/teamAccess"),
                    )
                    .await;
                }
                match h.get("X-Next-Page-Start") {
                    Some(n) => next = n.to_str().unwrap().to_string(),
                    None => break,
                }
                assert!(pages < 10);
            }
            assert!(repos["repositories"].is_array());
        }
    }
}

/// "mixed": the manager runs both orchestrators, one worker each; user
/// workloads on Kubernetes break the rules in every way the brief lists.
#[tokio::test]
async fn mixed_scenario_has_kubernetes_offenders() {
    let sim = named("mixed");
    let c = bundle(&sim);
    let cfg = config_toml(&sim).await;
    assert_eq!(
        cfg_at(&cfg, "scheduling_configuration.default_node_orchestrator").as_str(),
        Some("kubernetes")
    );
    assert_eq!(
        cfg_at(&cfg, "cluster_config.secure_overlay").as_bool(),
        Some(false)
    );
    assert_eq!(
        cfg_at(&cfg, "cluster_config.kube_protect_kernel_defaults").as_bool(),
        Some(false)
    );
    let orch = orchestrators(&get_ok(&c, &format!("{}/nodes", sim.mke_url)).await);
    let pair = |s: &str, k: &str| (s.to_string(), k.to_string());
    assert_eq!(orch["mke-mgr-1"], pair("true", "true"));
    assert_eq!(orch["mke-wkr-1"], pair("true", "false"));
    assert_eq!(orch["mke-wkr-2"], pair("false", "true"));

    let kube = kube_lists(&sim).await;
    let pods = &kube["/api/v1/pods"];
    let debugger = ["default/node-debugger-mke-wkr-2".to_string()];
    assert!(pods_with(pods, "hostNetwork").contains(&debugger[0]));
    assert_eq!(pods_with(pods, "hostPID"), debugger);
    assert_eq!(pods_with(pods, "hostIPC"), debugger);
    let containers = |p: &Value| p["spec"]["containers"].as_array().unwrap().clone();
    let privileged: Vec<String> = pods
        .iter()
        .filter(|p| {
            containers(p)
                .iter()
                .any(|c| c["securityContext"]["privileged"] == true)
        })
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(privileged.contains(&"node-debugger-mke-wkr-2".to_string()));
    assert!(pods.iter().any(|p| containers(p).iter().any(|c| {
        c["ports"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|x| x["hostPort"] == 80))
    })));
    let env: Vec<Value> = pods
        .iter()
        .flat_map(containers)
        .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        env.iter()
            .any(|e| e.pointer("/valueFrom/secretKeyRef/name").is_some())
    );
    let secret_like = regex_like_secret_name;
    assert!(
        env.iter().any(|e| secret_like(e["name"].as_str().unwrap())
            && e["value"]
                .as_str()
                .is_some_and(|v| sim.secrets().iter().any(|s| s == v))),
        "a literal secret value in a pod env"
    );
    let services = ns_names(&kube["/api/v1/services"]);
    assert!(services.contains(&"default/legacy-web".to_string()));
    assert!(services.contains(&"kube-system/tiller-deploy".to_string()));
    let quota_ns: Vec<&str> = kube["/api/v1/resourcequotas"]
        .iter()
        .map(|q| q["metadata"]["namespace"].as_str().unwrap())
        .collect();
    for ns in names(&kube["/api/v1/namespaces"], "/metadata/name") {
        if ns == "app" {
            assert!(quota_ns.contains(&"app"));
        } else {
            assert!(!quota_ns.contains(&ns.as_str()), "{ns}");
        }
    }
    for node in names(&kube["/api/v1/nodes"], "/metadata/name") {
        let cz = get_ok(
            &c,
            &format!("{}/api/v1/nodes/{node}/proxy/configz", sim.kube_url),
        )
        .await;
        assert_eq!(
            cz["kubeletconfig"]["protectKernelDefaults"], false,
            "{node}"
        );
    }
    // The Swarm offenders of "default" are all still there.
    let ctrs = inspect_all(&sim).await;
    let user: Vec<&String> = ctrs
        .iter()
        .filter(|(_, v)| !is_system(v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(user.len(), 16, "{user:?}");
    assert!(user.iter().all(|k| k.starts_with("mke-wkr-1/")), "{user:?}");
    assert!(ctrs["mke-wkr-1/admin-toolbox"]["HostConfig"]["Privileged"] == true);
}

/// Env names the rules treat as secret-looking: `(?i)(pass|secret|token|key)`.
fn regex_like_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["pass", "secret", "token", "key"]
        .iter()
        .any(|w| n.contains(w))
}

/// "hardened": every setting and workload the evidence can show is
/// compliant; what remains is MKE's own system containers.
#[tokio::test]
async fn hardened_scenario_is_compliant_where_the_evidence_shows_it() {
    let sim = named("hardened");
    let c = bundle(&sim);
    let m = &sim.mke_url;
    let cfg = config_toml(&sim).await;
    let int = |p: &str| cfg_at(&cfg, p).as_integer();
    let str_ = |p: &str| cfg_at(&cfg, p).as_str().map(str::to_string);
    let bool_ = |p: &str| cfg_at(&cfg, p).as_bool();
    assert_eq!(int("auth.sessions.lifetime_minutes"), Some(10));
    assert_eq!(int("auth.sessions.renewal_threshold_minutes"), Some(0));
    assert_eq!(str_("auth.backend").as_deref(), Some("ldap"));
    assert_eq!(
        str_("audit_log_configuration.level").as_deref(),
        Some("request")
    );
    assert_eq!(str_("log_configuration.level").as_deref(), Some("INFO"));
    assert_eq!(
        bool_("tracking_configuration.disable_usageinfo"),
        Some(true)
    );
    assert_eq!(bool_("tracking_configuration.disable_tracking"), Some(true));
    assert_eq!(
        bool_("trust_configuration.require_content_trust"),
        Some(true)
    );
    assert_eq!(
        cfg_at(&cfg, "trust_configuration.require_signature_from"),
        toml::Value::Array(vec!["engineering/release".into()])
    );
    assert_eq!(bool_("cluster_config.secure_overlay"), Some(true));
    assert_eq!(
        bool_("cluster_config.kube_protect_kernel_defaults"),
        Some(true)
    );
    assert_eq!(
        bool_("cluster_config.ingress_controller.enabled"),
        Some(false)
    );
    assert_eq!(
        bool_("scheduling_configuration.enable_admin_ucp_scheduling"),
        Some(false)
    );
    assert!(
        cfg["scheduling_configuration"]
            .get("enable_user_ucp_scheduling")
            .is_none()
    );
    assert_eq!(
        str_("cluster_config.pre_logon_message").as_deref(),
        Some(DOD_BANNER)
    );
    for key in [
        "priv_attributes_allowed_for_user_accounts",
        "priv_attributes_allowed_for_service_accounts",
        "priv_attributes_user_accounts",
        "priv_attributes_service_accounts",
    ] {
        let list = cfg_at(&cfg, &format!("cluster_config.{key}"));
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|a| !a.as_str().unwrap().eq_ignore_ascii_case("hostIPC")),
            "{key}"
        );
    }
    let auth = get_ok(&c, &format!("{m}/enzi/v0/config/auth")).await;
    assert_eq!(
        (auth["backend"].as_str(), auth["samlEnabled"].as_bool()),
        (Some("ldap"), Some(false))
    );
    let ldap = get_ok(&c, &format!("{m}/enzi/v0/config/auth/ldap")).await;
    assert!(ldap["serverURL"].as_str().unwrap().starts_with("ldaps://"));
    assert!(!ldap["readerDN"].as_str().unwrap().is_empty());
    assert!(
        sim.secrets()
            .iter()
            .any(|s| s == ldap["readerPassword"].as_str().unwrap())
    );
    assert_eq!(ldap["tlsSkipVerify"], false);

    let info = get_ok(&c, &format!("{m}/info")).await;
    assert!(
        info["OperatingSystem"]
            .as_str()
            .unwrap()
            .starts_with("Ubuntu")
    );
    let secopts: Vec<&str> = info["SecurityOptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for want in ["name=apparmor", "name=seccomp,profile=builtin", "name=fips"] {
        assert!(secopts.contains(&want), "{want}");
    }
    assert_eq!(
        (info["Driver"].as_str(), info["LoggingDriver"].as_str()),
        (Some("overlay2"), Some("syslog"))
    );
    assert_eq!(
        get_ok(&c, &format!("{m}/version")).await["Version"],
        "ucp/3.7.16"
    );
    let images = get_ok(&c, &format!("{m}/images/json")).await;
    for tag in images
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["RepoTags"].as_array().unwrap())
    {
        let tag = tag.as_str().unwrap();
        if tag.starts_with("mirantis/ucp") || tag.starts_with("docker/ucp") {
            assert!(tag.ends_with(":3.7.16"), "{tag}");
        }
        assert!(
            !tag.contains("/dtr") && !tag.starts_with("registry.mirantis.com/msr/"),
            "{tag}"
        );
    }

    let ctrs = inspect_all(&sim).await;
    let (system, user): (Vec<_>, Vec<_>) = ctrs.iter().partition(|(_, v)| is_system(v));
    assert_eq!(user.len(), 4);
    for (key, v) in &user {
        let hc = &v["HostConfig"];
        assert_eq!(hc["ReadonlyRootfs"], true, "{key}");
        assert!(
            security_opts(v).iter().any(|o| [
                "no-new-privileges",
                "no-new-privileges:true",
                "no-new-privileges=true"
            ]
            .contains(&o.as_str())),
            "{key}"
        );
        assert_eq!(hc["CpuShares"], 512, "{key}");
        assert!(hc["Memory"].as_u64().unwrap() > 0, "{key}");
        assert!(hc["CapAdd"].is_null(), "{key}");
        assert_eq!(hc["Privileged"], false, "{key}");
        for ns in ["NetworkMode", "PidMode", "IpcMode", "UsernsMode"] {
            assert_ne!(hc[ns], "host", "{key} {ns}");
        }
        assert!(!mounts_docker_sock(v), "{key}");
        assert!(host_ports(v).iter().all(|p| *p >= 1024), "{key}");
        assert_eq!(v["AppArmorProfile"], "docker-default", "{key}");
    }
    for (key, v) in &ctrs {
        assert!(
            security_opts(v)
                .iter()
                .all(|o| !o.to_lowercase().contains("unconfined")),
            "{key}"
        );
        assert_ne!(v["HostConfig"]["UsernsMode"], "host", "{key}");
        assert!(
            v["AppArmorProfile"] != "unconfined" || v["HostConfig"]["Privileged"] == true,
            "{key}"
        );
        assert!(v["HostConfig"]["CapAdd"].is_null(), "{key}");
        if v["State"]["Running"] == true {
            let top = get_ok(
                &c,
                &format!(
                    "{m}/containers/{}/top?ps_args=-ef",
                    v["Id"].as_str().unwrap()
                ),
            )
            .await;
            for p in top["Processes"].as_array().unwrap() {
                assert!(!p[7].as_str().unwrap().contains("sshd"), "{key}");
            }
        }
    }
    // MKE's own containers look like MKE's: privileged, host namespaces,
    // the Docker socket and port 443 are all there.
    let any = |f: &dyn Fn(&Value) -> bool| system.iter().any(|(_, v)| f(v));
    assert!(any(&|v| v["HostConfig"]["Privileged"] == true));
    assert!(any(&|v| v["HostConfig"]["NetworkMode"] == "host"));
    assert!(any(&|v| v["HostConfig"]["PidMode"] == "host"));
    assert!(any(&mounts_docker_sock));
    assert!(any(&|v| host_ports(v).contains(&443)));
    assert!(
        ctrs.values()
            .all(|v| v["HostConfig"]["LogConfig"]["Type"] == "syslog")
    );

    let networks = get_ok(&c, &format!("{m}/networks")).await;
    for n in networks.as_array().unwrap() {
        match n["Scope"].as_str().unwrap() {
            "local" => assert!(["bridge", "host", "null"].contains(&n["Driver"].as_str().unwrap())),
            _ => {
                assert_eq!(n["Driver"], "overlay", "{}", n["Name"]);
                assert!(n["Options"].get("encrypted").is_some(), "{}", n["Name"]);
            }
        }
    }
    let grants = get_ok(
        &c,
        &format!("{m}/collectionGrants?subjectType=all&expandUser=true&showPaths=true"),
    )
    .await;
    assert!(
        grants["grants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| !(g["roleID"] == "scheduler" && g["objectID"] == "swarm"))
    );

    let kube = kube_lists(&sim).await;
    let services = ns_names(&kube["/api/v1/services"]);
    assert!(
        services
            .iter()
            .filter(|s| s.starts_with("default/"))
            .eq(["default/kubernetes"].iter())
    );
    assert!(
        services
            .iter()
            .filter(|s| s.starts_with("kube-system/"))
            .eq(["kube-system/kube-dns", "kube-system/ucp-metrics"].iter())
    );
    let quotas = &kube["/api/v1/resourcequotas"];
    for ns in names(&kube["/api/v1/namespaces"], "/metadata/name") {
        if ns.starts_with("kube-") {
            continue;
        }
        assert!(
            quotas
                .iter()
                .any(|q| q["metadata"]["namespace"] == ns.as_str()
                    && q["spec"]["hard"]["limits.cpu"].is_string()
                    && q["spec"]["hard"]["limits.memory"].is_string()),
            "{ns} has no quota with limits"
        );
    }
    let pods = &kube["/api/v1/pods"];
    assert!(pods_with(pods, "hostPID").is_empty() && pods_with(pods, "hostIPC").is_empty());
    assert!(
        pods_with(pods, "hostNetwork")
            .iter()
            .all(|p| p.starts_with("kube-system/calico-node-"))
    );
    for p in pods {
        for ctr in p["spec"]["containers"].as_array().unwrap() {
            let privileged = ctr["securityContext"]["privileged"] == true;
            assert!(
                !privileged
                    || p["metadata"]["name"]
                        .as_str()
                        .unwrap()
                        .starts_with("calico-node-")
            );
            assert!(
                ctr["ports"]
                    .as_array()
                    .is_none_or(|ps| ps.iter().all(|x| x.get("hostPort").is_none()))
            );
            for e in ctr["env"].as_array().cloned().unwrap_or_default() {
                assert!(
                    !(regex_like_secret_name(e["name"].as_str().unwrap())
                        && e.get("value").is_some()),
                    "{e}"
                );
            }
        }
    }
    for node in names(&kube["/api/v1/nodes"], "/metadata/name") {
        let cz = get_ok(
            &c,
            &format!("{}/api/v1/nodes/{node}/proxy/configz", sim.kube_url),
        )
        .await;
        assert_eq!(cz["kubeletconfig"]["protectKernelDefaults"], true, "{node}");
    }

    let settings = msr_ok(&sim, &c, "/api/v0/meta/settings").await;
    assert_eq!(
        (
            settings["createRepositoryOnPush"].as_bool(),
            settings["reportAnalytics"].as_bool(),
            settings["scanningEnabled"].as_bool()
        ),
        (Some(false), Some(false), Some(true))
    );
    let scan = msr_ok(&sim, &c, "/api/v0/imagescan/status").await;
    assert_eq!(scan["last_db_update_failed"], false);
    assert!(scan["db_version"].as_u64().unwrap() > 0);
    assert!(scan["db_updated_at"].as_str().unwrap().starts_with("2025-"));
}

/// DER `(attribute OID last byte, value)` pairs of every X.501 name
/// attribute in a certificate, in order: the issuer's come before the
/// subject's. 3 = CN, 10 = O.
fn name_attributes(der: &[u8]) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 7 < der.len() {
        if der[i..i + 4] == [0x06, 0x03, 0x55, 0x04] && [0x0c, 0x13].contains(&der[i + 5]) {
            let len = der[i + 6] as usize;
            if let Some(v) = der.get(i + 7..i + 7 + len) {
                out.push((der[i + 4], String::from_utf8_lossy(v).into_owned()));
            }
            i += 7 + len;
        } else {
            i += 1;
        }
    }
    out
}

/// The certificate chain a listener presents (no client certificate).
async fn server_chain(ca: &Path, url: &str) -> Vec<Vec<u8>> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls(ca, None, false)));
    let tcp = tokio::net::TcpStream::connect(url.trim_start_matches("https://"))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = connector.connect(name, tcp).await.unwrap();
    stream
        .get_ref()
        .1
        .peer_certificates()
        .unwrap()
        .iter()
        .map(|c| c.to_vec())
        .collect()
}

/// "hardened" is signed by a DoD-like CA named in its `pki.json`, on
/// every listener; "default" keeps MKE's generated root.
#[tokio::test]
async fn hardened_ca_is_dod_like_and_default_is_mke_generated() {
    for (name, cn, org) in [
        ("hardened", "DOD TEST ROOT CA 7", "U.S. Government"),
        (
            "default",
            "MKE Root CA",
            "Mirantis Kubernetes Engine (simulator)",
        ),
    ] {
        let sim = named(name);
        let pem = std::fs::read(&sim.ca_pem).unwrap();
        let ca = CertificateDer::from_pem_slice(&pem).unwrap();
        let attrs = name_attributes(&ca);
        // Self-signed: issuer and subject both carry the name.
        let cns: Vec<&str> = attrs
            .iter()
            .filter(|(k, _)| *k == 3)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(cns, [cn, cn], "{name}");
        assert!(attrs.contains(&(10, org.to_string())), "{name}: {attrs:?}");
        let mut urls = vec![sim.mke_url.clone(), sim.kube_url.clone()];
        urls.extend(sim.msr_url.clone());
        for url in urls {
            let chain = server_chain(&sim.ca_pem, &url).await;
            assert_eq!(chain.len(), 2, "{name} {url}");
            assert_eq!(chain[1], ca.to_vec(), "{name} {url}: chain ends in the CA");
            let leaf = name_attributes(&chain[0]);
            assert_eq!(
                leaf.iter().find(|(k, _)| *k == 3).map(|(_, v)| v.as_str()),
                Some(cn),
                "{name} {url}: issuer"
            );
        }
        let looks_generated =
            ["MKE", "UCP"].iter().any(|w| cn.contains(w)) && cn.contains("Root CA");
        assert_eq!(looks_generated, name == "default");
    }
    // A misspelt pki.json key is an error, not a silent MKE root.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&Sim::scenario_dir("no-msr"), tmp.path());
    std::fs::write(
        tmp.path().join("pki.json"),
        r#"{"ca_cn": "DOD TEST ROOT CA 7"}"#,
    )
    .unwrap();
    let err = Sim::try_start(SimConfig::with_scenario(Scenario::Dir(
        tmp.path().to_path_buf(),
    )))
    .err()
    .unwrap();
    assert!(
        err.contains("pki.json") && err.contains("unknown key ca_cn"),
        "{err}"
    );
}

/// "no-msr": the default install without MSR: no listener, no registry in
/// config-toml, no MSR images and no image from an MSR host.
#[tokio::test]
async fn no_msr_scenario_has_no_registry_anywhere() {
    let sim = named("no-msr");
    assert!(sim.msr_url.is_none());
    let c = bundle(&sim);
    let m = &sim.mke_url;
    let (_, toml_text) = text(&c, &format!("{m}/api/ucp/config-toml")).await;
    let cfg: toml::Table = toml_text.parse().unwrap();
    assert!(cfg.get("registries").is_none());
    assert_eq!(
        cfg_at(&cfg, "scheduling_configuration.default_node_orchestrator").as_str(),
        Some("swarm")
    );
    assert!(
        orchestrators(&get_ok(&c, &format!("{m}/nodes")).await)
            .values()
            .all(|(s, k)| s == "true" && k == "false")
    );
    let mut served = toml_text;
    for path in [
        "/images/json",
        "/containers/json?all=1",
        "/services",
        "/tasks",
    ] {
        served.push_str(&text(&c, &format!("{m}{path}")).await.1);
    }
    served.push_str(&text(&c, &format!("{}/api/v1/pods", sim.kube_url)).await.1);
    for needle in ["registry.mirantis.com/msr", "/dtr-", "msr.example.mil"] {
        assert!(!served.contains(needle), "{needle}");
    }
    // Everything else is the default install.
    let default = default_sim();
    let count = |s: &Sim| {
        let c = bundle(s);
        let url = format!("{}/containers/json?all=1", s.mke_url);
        async move { get_ok(&c, &url).await.as_array().unwrap().len() }
    };
    assert_eq!(count(&sim).await, count(&default).await);
}
