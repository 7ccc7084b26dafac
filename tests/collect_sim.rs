//! `stigkit collect` against the MKE/MSR/Kubernetes simulator, over real
//! TLS: everything collected, paging followed, nothing secret written,
//! failures recorded without stopping the run.

mod common;
mod sim;

use common::*;
use serde_json::Value;
use sim::{Fault, FaultKind, Scenario, Server, Sim, SimConfig};
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use stigkit::evidence::Evidence;

/// Runs `stigkit collect` with `args` and the environment `env`.
fn collect(args: &[&str], env: &[(&str, &str)], out: &Path) -> Output {
    let mut cmd = stigkit();
    cmd.arg("collect")
        .arg("--quiet")
        .args(args)
        .arg("--out")
        .arg(out);
    for v in [
        "STIGKIT_MKE_PASSWORD",
        "STIGKIT_MSR_PASSWORD",
        "STIGKIT_CONFIG",
        "STIGKIT_MKE_URL",
        "STIGKIT_DOCKER_HOST",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running stigkit collect")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Bundle auth (mutual TLS, URL and kubeconfig from the bundle) plus MSR.
fn collect_with_bundle(sim: &Sim, out: &Path, extra: &[&str]) -> Output {
    let msr = sim.msr_url.clone().unwrap();
    // MSR's certificate comes from the simulator CA, which the bundle does
    // not vouch for.
    let mut args = vec![
        "--bundle",
        s(&sim.bundle_zip),
        "--ca",
        s(&sim.ca_pem),
        "--msr-url",
        &msr,
        "--msr-username",
        &sim.msr_user,
    ];
    args.extend_from_slice(extra);
    collect(&args, &[("STIGKIT_MSR_PASSWORD", &sim.msr_password)], out)
}

/// Every byte the collection left behind: bundle files, manifest, output.
fn all_bytes(out: &Path, o: &Output) -> Vec<(String, Vec<u8>)> {
    let mut v = vec![
        ("stdout".to_string(), o.stdout.clone()),
        ("stderr".to_string(), o.stderr.clone()),
    ];
    for entry in walk_files(out) {
        v.push((entry.display().to_string(), std::fs::read(&entry).unwrap()));
    }
    v
}

fn assert_no_secret(sim: &Sim, out: &Path, o: &Output) {
    let secrets = sim.secrets();
    assert!(
        secrets.len() >= 8,
        "the simulator hands out secrets: {}",
        secrets.len()
    );
    for (name, bytes) in all_bytes(out, o) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "secret {secret:?} leaked into {name}"
            );
        }
    }
}

/// The evidence every full collection of the default scenario must hold.
const EXPECTED: &[&str] = &[
    "mke/config-toml",
    "mke/ca",
    "mke/tls/server-certificate",
    "mke/version",
    "mke/info",
    "mke/nodes",
    "mke/services",
    "mke/secrets",
    "mke/tasks",
    "mke/images",
    "mke/networks",
    "mke/containers",
    "mke/enzi/accounts",
    "mke/enzi/config-auth",
    "mke/enzi/config-auth-ldap",
    "mke/rbac/grants",
    "mke/rbac/roles",
    "mke/rbac/collections",
    "kube/namespaces",
    "kube/pods",
    "kube/services",
    "kube/nodes",
    "kube/resourcequotas",
    "kube/persistentvolumes",
    "kube/storageclasses",
    "kube/deployments",
    "kube/daemonsets",
    "kube/statefulsets",
    "kube/clusterrolebindings",
    "kube/rolebindings",
    "kube/ingressclasses",
    "msr/settings",
    "msr/features",
    "msr/imagescan-status",
    "msr/ca",
    "msr/tls/server-certificate",
    "msr/repositories",
    "msr/enzi/accounts",
];

/// A full collection: every listed evidence file, one inspect per
/// container and a `top` per running one, paging followed to the end,
/// hashes that match, and no secret anywhere.
#[test]
fn full_collection_with_a_client_bundle() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let out = dir.path().join("evidence");
    let o = collect_with_bundle(&sim, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = Evidence::load(&out).expect("hashes match the manifest");
    for key in EXPECTED {
        let call = e.call(key).unwrap_or_else(|| panic!("{key} not collected"));
        assert!(call.ok(), "{key}: {:?}", call.error);
    }
    // One inspect per listed container; top for exactly the running ones.
    let list = e.json("mke/containers").unwrap();
    let list = list.as_array().unwrap();
    let running = list.iter().filter(|c| c["State"] == "running").count();
    assert!(
        list.len() >= 10 && running < list.len(),
        "{} containers, {running} running",
        list.len()
    );
    assert_eq!(
        e.calls_under("mke/inspect/").filter(|c| c.ok()).count(),
        list.len()
    );
    assert_eq!(
        e.calls_under("mke/top/").filter(|c| c.ok()).count(),
        running
    );
    // Paged lists: everything, over several pages.
    let accounts = e.json("mke/enzi/accounts").unwrap();
    assert!(accounts["accounts"].as_array().unwrap().len() >= 5);
    assert!(e.call("mke/enzi/accounts").unwrap().pages >= 3);
    assert_eq!(accounts["nextPageStart"], "");
    let repos = e.json("msr/repositories").unwrap();
    assert!(repos["repositories"].as_array().unwrap().len() >= 5);
    assert!(e.call("msr/repositories").unwrap().pages >= 3);
    for r in repos["repositories"].as_array().unwrap() {
        let key = format!(
            "msr/repositories/{}/{}/team-access",
            r["namespace"].as_str().unwrap(),
            r["name"].as_str().unwrap()
        );
        assert!(e.call(&key).is_some_and(|c| c.ok()), "{key}");
    }
    let pods = e.call("kube/pods").unwrap();
    assert!(pods.pages >= 2, "pods over {} pages", pods.pages);
    let nodes = e.json("kube/nodes").unwrap();
    for n in nodes["items"].as_array().unwrap() {
        let key = format!(
            "kube/nodes/{}/configz",
            n["metadata"]["name"].as_str().unwrap()
        );
        assert!(e.json(&key).unwrap()["kubeletconfig"].is_object(), "{key}");
    }
    // Teams and members of every organisation.
    let orgs: Vec<&str> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["isOrg"] == true)
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(orgs.contains(&"engineering"), "{orgs:?}");
    for org in &orgs {
        assert!(
            e.call(&format!("mke/enzi/teams/{org}"))
                .is_some_and(|c| c.ok()),
            "teams of {org}"
        );
    }
    // Secrets in config-toml are redacted but the table stays readable TOML.
    let cfg: toml::Table = toml::from_str(e.text("mke/config-toml").unwrap()).unwrap();
    assert_eq!(
        cfg["backup_schedule_config"]["passphrase"].as_str(),
        Some("[REDACTED]")
    );
    assert!(
        e.call("mke/config-toml")
            .unwrap()
            .redacted
            .contains(&"backup_schedule_config.passphrase".to_string())
    );
    assert_eq!(
        cfg["auth"]["sessions"]["lifetime_minutes"].as_integer(),
        Some(60)
    );
    // The manifest says where and how.
    let m = &e.manifest;
    assert_eq!(m.target.mke_url.as_deref(), Some(sim.mke_url.as_str()));
    assert!(
        m.target
            .mke_auth
            .as_deref()
            .unwrap()
            .starts_with("client bundle")
    );
    assert_eq!(m.target.kube_url.as_deref(), Some(sim.kube_url.as_str()));
    assert!(m.tls_verified && m.warnings.is_empty(), "{:?}", m.warnings);
    assert!(
        m.calls
            .iter()
            .all(|c| c.method == "GET" || c.method == "TLS")
    );
    assert_no_secret(&sim, &out, &o);
}

/// Password login: a bearer token from `POST /auth/login`, shared with the
/// Kubernetes API; the password and every token stay out of the bundle.
#[test]
fn full_collection_with_password_login_into_a_zip() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let out = dir.path().join("evidence.zip");
    let msr = sim.msr_url.clone().unwrap();
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
            "--kube-url",
            &sim.kube_url,
            "--ca",
            s(&sim.ca_pem),
            "--msr-url",
            &msr,
            "--msr-username",
            &sim.msr_user,
        ],
        &[
            ("STIGKIT_MKE_PASSWORD", &sim.admin_password),
            ("STIGKIT_MSR_PASSWORD", &sim.msr_password),
        ],
        &out,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    for key in EXPECTED {
        assert!(
            e.call(key).is_some_and(|c| c.ok()),
            "{key}: {:?}",
            e.call(key).map(|c| &c.error)
        );
    }
    assert_eq!(
        e.manifest.target.mke_auth.as_deref(),
        Some(format!("user {}", sim.admin_user).as_str())
    );
    assert!(!sim.issued_tokens().is_empty());
    assert_eq!(
        sim.request_count(Server::Mke, "/auth/login"),
        1,
        "one login serves the whole run"
    );
    // The zip's bytes, unpacked and raw, hold no secret.
    let raw = std::fs::read(&out).unwrap();
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    for (name, body) in e.files() {
        let p = unpacked.join(name.replace('/', "_"));
        std::fs::write(p, body).unwrap();
    }
    std::fs::write(unpacked.join("raw.zip"), raw).unwrap();
    assert_no_secret(&sim, &unpacked, &o);
}

/// A token that expires mid-run is renewed by logging in again.
#[test]
fn expired_token_triggers_a_new_login() {
    let sim = Sim::start(SimConfig {
        token_lifetime: Duration::from_millis(500),
        latency: Duration::from_millis(25),
        ..SimConfig::default()
    });
    let dir = tempdir();
    let out = dir.path().join("e");
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
            "--ca",
            s(&sim.ca_pem),
            "--parallelism",
            "4",
        ],
        &[("STIGKIT_MKE_PASSWORD", &sim.admin_password)],
        &out,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        sim.request_count(Server::Mke, "/auth/login") >= 2,
        "logged in again after expiry"
    );
    let e = Evidence::load(&out).unwrap();
    assert!(!e.is_partial());
}

/// Failing endpoints: the run finishes, the manifest names each failure,
/// the exit code is 3, and a failed call keeps no file.
#[test]
fn faults_are_recorded_and_the_run_goes_on() {
    let sim = Sim::start(SimConfig {
        faults: vec![
            Fault::new(Server::Mke, "/nodes", FaultKind::Status(500)),
            Fault::new(Server::Mke, "/images/json", FaultKind::Hang),
            Fault::new(Server::Mke, "/networks", FaultKind::BadJson),
            Fault::new(Server::Mke, "/services", FaultKind::WrongType),
            Fault::new(Server::Mke, "/tasks", FaultKind::Truncated),
            Fault::new(Server::Mke, "/roles", FaultKind::RedirectOffHost),
            Fault::new(Server::Mke, "/version", FaultKind::StatusTimes(503, 2)),
            Fault::new(Server::Mke, "/secrets", FaultKind::Huge(70 << 20)),
            Fault::new(Server::Kube, "/api/v1/services", FaultKind::Status(403)),
            Fault::new(
                Server::Msr,
                "/api/v0/meta/features",
                FaultKind::StatusTimes(429, 1),
            ),
        ],
        ..SimConfig::default()
    });
    let dir = tempdir();
    let out = dir.path().join("e");
    let started = std::time::Instant::now();
    let o = collect_with_bundle(&sim, &out, &["--timeout", "2"]);
    assert_eq!(o.status.code(), Some(3), "partial run: {}", stderr(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a hanging endpoint must not stall the run"
    );
    let e = Evidence::load(&out).unwrap();
    let err = |key: &str| -> String {
        let c = e
            .call(key)
            .unwrap_or_else(|| panic!("{key} missing from the manifest"));
        assert!(
            c.file.is_none() && c.sha256.is_none(),
            "{key}: a failed call keeps no file"
        );
        c.error
            .clone()
            .unwrap_or_else(|| panic!("{key} should have failed"))
    };
    assert!(
        err("mke/nodes").starts_with("HTTP 500"),
        "{}",
        err("mke/nodes")
    );
    assert_eq!(
        e.call("mke/nodes").unwrap().requests,
        4,
        "three retries after the first 500"
    );
    assert_eq!(err("mke/images"), "no answer within 2s");
    assert!(
        err("mke/networks").starts_with("invalid JSON"),
        "{}",
        err("mke/networks")
    );
    assert_eq!(
        err("mke/services"),
        "unexpected answer: expected a JSON array, got a string"
    );
    assert!(
        err("mke/tasks").starts_with("answer cut short"),
        "{}",
        err("mke/tasks")
    );
    assert!(
        err("mke/rbac/roles").contains("redirect to another host (attacker.invalid) refused"),
        "{}",
        err("mke/rbac/roles")
    );
    assert_eq!(err("mke/secrets"), "answer larger than 64 MiB; not stored");
    assert!(
        err("kube/services").starts_with("HTTP 403"),
        "{}",
        err("kube/services")
    );
    // Retried and then answered: evidence, with the retries counted.
    let v = e.call("mke/version").unwrap();
    assert!(v.ok() && v.requests == 3, "{v:?}");
    let f = e.call("msr/features").unwrap();
    assert!(f.ok() && f.requests == 2, "{f:?}");
    // The rest of the run is intact.
    assert!(
        e.call("mke/info").unwrap().ok()
            && e.call("kube/pods").unwrap().ok()
            && e.call("msr/settings").unwrap().ok()
    );
    for key in [
        "mke/nodes",
        "mke/images",
        "mke/networks",
        "mke/services",
        "mke/tasks",
        "mke/rbac/roles",
        "mke/secrets",
        "kube/services",
    ] {
        assert!(
            stderr(&o).contains(&format!("failed: {key} ")),
            "{key} not reported: {}",
            stderr(&o)
        );
    }
    assert_no_secret(&sim, &out, &o);
}

/// TLS: a CA that did not sign the server, an expired server certificate
/// and a client certificate from another CA all fail the calls, say why,
/// and the insecure flag is recorded when used.
#[test]
fn certificate_problems_fail_the_calls_clearly() {
    let dir = tempdir();
    // A CA that does not vouch for the server.
    let sim = Sim::start(SimConfig::default());
    let out = dir.path().join("wrong-ca");
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
            "--ca",
            s(&sim.foreign_ca_pem),
        ],
        &[("STIGKIT_MKE_PASSWORD", &sim.admin_password)],
        &out,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    let info = e.call("mke/info").unwrap().error.clone().unwrap();
    assert!(
        info.contains("certificate") && info.contains("UnknownIssuer"),
        "{info}"
    );
    assert_eq!(
        sim.request_count(Server::Mke, "/"),
        0,
        "no request passed the handshake"
    );
    assert_no_secret(&sim, &out, &o);

    // A client certificate from another CA is refused in the handshake.
    let out = dir.path().join("foreign-client");
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--bundle",
            s(&sim.foreign_bundle_dir),
            "--ca",
            s(&sim.ca_pem),
        ],
        &[],
        &out,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    assert!(
        e.manifest
            .calls
            .iter()
            .filter(|c| c.source == "mke")
            .all(|c| c.error.is_some())
    );

    // An expired server certificate.
    let expired = Sim::start(SimConfig {
        expired_server_cert: true,
        ..SimConfig::default()
    });
    let out = dir.path().join("expired");
    let o = collect(&["--bundle", s(&expired.bundle_zip)], &[], &out);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    let info = e.call("mke/info").unwrap().error.clone().unwrap();
    assert!(
        info.contains("invalid peer certificate: certificate expired"),
        "{info}"
    );
    // The Kubernetes listener's certificate is valid: that part succeeds.
    assert!(e.call("kube/pods").unwrap().ok());

    // With the explicit flag, the expired certificate is accepted and the
    // manifest says verification was off.
    let out = dir.path().join("insecure");
    let o = collect(
        &[
            "--bundle",
            s(&expired.bundle_zip),
            "--insecure-skip-tls-verify",
        ],
        &[],
        &out,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    assert!(!e.manifest.tls_verified);
    assert!(e.manifest.warnings[0].contains("TLS certificate verification was disabled"));
    assert!(stderr(&o).contains("warning: TLS certificate verification was disabled"));
}

/// Wrong credentials: one login, never retried; every MKE call is recorded
/// as not attempted with the login's error (without the password), and
/// the rest of the run goes on.
#[test]
fn wrong_password_is_recorded_not_leaked() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let out = dir.path().join("e");
    let wrong = "not-the-password-9f8e7d";
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
            "--ca",
            s(&sim.ca_pem),
            "--kubeconfig",
            s(&sim.bundle_dir.join("kube.yml")),
        ],
        &[("STIGKIT_MKE_PASSWORD", wrong)],
        &out,
    );
    assert_eq!(o.status.code(), Some(3));
    let e = Evidence::load(&out).unwrap();
    let refused = format!(
        "not attempted: login as {} failed: HTTP 401: invalid credentials",
        sim.admin_user
    );
    let mke: Vec<_> = e.calls_under("mke/").collect();
    assert!(mke.len() >= 15, "{}", mke.len());
    for c in mke {
        assert_eq!(c.error.as_deref(), Some(refused.as_str()), "{}", c.key);
        assert_eq!((c.status, c.requests), (None, 0), "{}", c.key);
    }
    assert_eq!(sim.request_count(Server::Mke, "/auth/login"), 1);
    assert_eq!(
        sim.request_count(Server::Mke, "/"),
        1,
        "nothing but the login"
    );
    assert_eq!(
        e.manifest.warnings,
        [format!(
            "MKE: login as {} failed: HTTP 401: invalid credentials; no further request was made to it",
            sim.admin_user
        )]
    );
    assert!(
        e.call("kube/pods").unwrap().ok(),
        "Kubernetes uses the bundle certificate"
    );
    for (name, bytes) in all_bytes(&out, &o) {
        assert!(!String::from_utf8_lossy(&bytes).contains(wrong), "{name}");
    }
}

/// One wrong password per service, with the default three retries: MKE
/// gets one login (its Kubernetes API, which needs the token, nothing), MSR
/// one request with the Basic credentials, Kubernetes one request with a
/// wrong kubeconfig token. An account lockout policy is never tripped.
#[test]
fn one_wrong_password_is_one_login_per_service() {
    let dir = tempdir();
    let sim = Sim::start(SimConfig::default());
    let msr = sim.msr_url.clone().unwrap();
    let out = dir.path().join("e");
    let o = collect(
        &[
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
            "--kube-url",
            &sim.kube_url,
            "--ca",
            s(&sim.ca_pem),
            "--msr-url",
            &msr,
            "--msr-username",
            &sim.msr_user,
        ],
        &[
            ("STIGKIT_MKE_PASSWORD", "wrong-mke"),
            ("STIGKIT_MSR_PASSWORD", "wrong-msr"),
        ],
        &out,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(sim.request_count(Server::Mke, "/"), 1);
    assert_eq!(sim.request_count(Server::Mke, "/auth/login"), 1);
    assert_eq!(sim.request_count(Server::Kube, "/"), 0);
    assert_eq!(sim.request_count(Server::Msr, "/"), 1);
    let e = Evidence::load(&out).unwrap();
    let pods = e.call("kube/pods").unwrap();
    assert_eq!(
        pods.error.as_deref(),
        Some("not attempted: login as admin failed: HTTP 401: invalid credentials")
    );
    // MSR: the first call carries the password alone and is refused; the
    // others are not attempted.
    let first = e.call("msr/settings").unwrap();
    assert_eq!(
        (first.status, first.requests, first.error.as_deref()),
        (Some(401), 1, Some("HTTP 401: invalid credentials"))
    );
    let msr_calls: Vec<_> = e
        .calls_under("msr/")
        .filter(|c| c.key != "msr/settings")
        .collect();
    assert!(msr_calls.len() >= 5);
    for c in msr_calls {
        assert_eq!(
            c.error.as_deref(),
            Some("not attempted: MSR refused the credentials: HTTP 401: invalid credentials"),
            "{}",
            c.key
        );
    }
    assert_eq!(e.manifest.warnings.len(), 2, "{:?}", e.manifest.warnings);

    // A kubeconfig whose token is refused: one request to Kubernetes.
    let kubeconfig = dir.path().join("kube.yml");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: {}\n    certificate-authority: {}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\nusers:\n- name: u\n  user:\n    token: not-a-token-of-this-cluster\n",
            sim.kube_url,
            s(&sim.ca_pem)
        ),
    )
    .unwrap();
    let out = dir.path().join("kube");
    let o = collect(&["--kubeconfig", s(&kubeconfig)], &[], &out);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(sim.request_count(Server::Kube, "/"), 1);
    let e = Evidence::load(&out).unwrap();
    assert_eq!(
        e.call("kube/namespaces").unwrap().error.as_deref(),
        Some("HTTP 401: invalid token")
    );
    assert_eq!(
        e.call("kube/pods").unwrap().error.as_deref(),
        Some("not attempted: Kubernetes refused the credentials: HTTP 401: invalid token")
    );
}

/// Settings problems stop before anything is written: exit 2, one line.
#[test]
fn bad_settings_are_errors() {
    let dir = tempdir();
    let out = dir.path().join("e");
    let o = collect(
        &["--mke-url", "https://127.0.0.1:1", "--username", "auditor"],
        &[],
        &out,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "error: no password: set STIGKIT_MKE_PASSWORD (passwords are never taken from the command line)"
    );
    assert!(!out.exists());
    let o = collect(&["--docker", "ftp://x"], &[], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use unix:///path/to/docker.sock or tcp://host:port"));
}

/// The commented sample config is valid: pointed at the simulator, it
/// collects.
#[test]
fn sample_config_file_works() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let sample =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/stigkit.toml"))
            .unwrap();
    let cfg = sample
        .replace(
            "url = \"https://mke.example.mil\"",
            &format!("url = \"{}\"", sim.mke_url),
        )
        .replace(
            "bundle = \"ucp-bundle-auditor.zip\"",
            &format!("bundle = \"{}\"", s(&sim.bundle_zip)),
        );
    let path = dir.path().join("stigkit.toml");
    std::fs::write(&path, cfg).unwrap();
    let out = dir.path().join("e");
    let o = collect(&["--config", s(&path)], &[], &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    assert!(e.call("mke/config-toml").unwrap().ok() && e.call("kube/pods").unwrap().ok());
}

/// A synthetic cluster of many containers: one inspect and one top each.
#[test]
fn synthetic_cluster_is_collected_completely() {
    let sim = Sim::start(SimConfig::with_scenario(Scenario::Synthetic {
        containers: 300,
        running: true,
    }));
    let dir = tempdir();
    let out = dir.path().join("e");
    let o = collect(
        &["--bundle", s(&sim.bundle_zip), "--parallelism", "32"],
        &[],
        &out,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    let inspects = e.calls_under("mke/inspect/").count();
    assert_eq!(inspects, 300);
    let list: Value = e.json("mke/containers").unwrap();
    assert_eq!(list.as_array().unwrap().len(), 300);
    let tops = e.calls_under("mke/top/").filter(|c| c.ok()).count();
    assert_eq!(tops, 300, "every container is running");
}
