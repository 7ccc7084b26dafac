//! The real Docker Engine lane: `.ci/docker.sh` starts dockerd with the
//! fixture containers and a one-node swarm; `stigkit collect --docker`
//! must capture each of them with its real settings.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use stigkit::evidence::Evidence;

/// The tests share one dockerd, and one of them removes fixtures: they
/// take turns.
static ENGINE: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn docker_host() -> String {
    std::env::var("STIGKIT_TEST_DOCKER").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// Collects from the real engine into a fresh bundle.
fn collect() -> (tempfile::TempDir, Evidence) {
    let dir = tempdir();
    let out = dir.path().join("evidence");
    let o = run(&[
        "collect",
        "--quiet",
        "--docker",
        &docker_host(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "collect failed (is dockerd up? run `.ci/docker.sh all`): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let e = Evidence::load(&out).expect("bundle reads back with matching hashes");
    (dir, e)
}

/// The inspect document of the container named `name`.
fn inspect<'a>(containers: &'a [Value], name: &str) -> &'a Value {
    containers
        .iter()
        .find(|c| c["Name"] == format!("/{name}"))
        .unwrap_or_else(|| {
            panic!("fixture container {name} not in the bundle (run `.ci/docker.sh seed`)")
        })
}

#[test]
fn every_fixture_container_is_captured_with_its_real_host_config() {
    let _turn = lock();
    let (_dir, e) = collect();
    let prefix = "docker/unix-var-run-docker.sock";
    let containers: Vec<Value> = e
        .calls_under(&format!("{prefix}/inspect/"))
        .map(|c| e.json(&c.key).expect("stored inspect"))
        .collect();
    let listed = e.json(&format!("{prefix}/containers")).unwrap();
    assert_eq!(
        containers.len(),
        listed.as_array().unwrap().len(),
        "one inspect per listed container"
    );

    let hc = |name: &str| inspect(&containers, name)["HostConfig"].clone();
    assert_eq!(hc("stigkit-fx-privileged")["Privileged"], true);
    assert_eq!(hc("stigkit-fx-clean")["Privileged"], false);
    assert_eq!(hc("stigkit-fx-nethost")["NetworkMode"], "host");
    assert_eq!(hc("stigkit-fx-pidhost")["PidMode"], "host");
    assert_eq!(hc("stigkit-fx-ipchost")["IpcMode"], "host");
    assert_eq!(hc("stigkit-fx-usernshost")["UsernsMode"], "host");
    // Engines from 23.0 on write capabilities with their CAP_ prefix.
    let caps = |v: &Value| -> Vec<String> {
        let mut c: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().trim_start_matches("CAP_").to_string())
            .collect();
        c.sort();
        c
    };
    assert_eq!(
        caps(&hc("stigkit-fx-capadd")["CapAdd"]),
        ["NET_ADMIN", "SYS_ADMIN"]
    );
    assert_eq!(caps(&hc("stigkit-fx-capadd")["CapDrop"]), ["CHOWN"]);
    assert_eq!(hc("stigkit-fx-clean")["ReadonlyRootfs"], true);
    assert_eq!(hc("stigkit-fx-privileged")["ReadonlyRootfs"], false);
    assert_eq!(
        hc("stigkit-fx-seccomp")["SecurityOpt"][0],
        "seccomp=unconfined"
    );
    assert_eq!(
        hc("stigkit-fx-clean")["SecurityOpt"][0],
        "no-new-privileges"
    );
    let sock = inspect(&containers, "stigkit-fx-dockersock");
    assert_eq!(sock["Mounts"][0]["Source"], "/var/run/docker.sock");
    assert_eq!(
        sock["HostConfig"]["Binds"][0],
        "/var/run/docker.sock:/var/run/docker.sock"
    );
    let port = &hc("stigkit-fx-port80")["PortBindings"]["80/tcp"][0];
    assert_eq!(
        (port["HostIp"].as_str(), port["HostPort"].as_str()),
        (Some("127.0.0.1"), Some("80"))
    );
    assert_eq!(hc("stigkit-fx-cpushares")["CpuShares"], 1024);
    assert_eq!(hc("stigkit-fx-clean")["CpuShares"], 512);
    assert_eq!(hc("stigkit-fx-clean")["Memory"], 64 * 1024 * 1024);

    // The sshd process shows in `top` of its container.
    let sshd = inspect(&containers, "stigkit-fx-sshd");
    let id = sshd["Id"].as_str().unwrap();
    let top = e
        .json(&format!("{prefix}/top/{id}"))
        .expect("top of a running container");
    let cmd_col = top["Titles"]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| t == "CMD")
        .unwrap();
    assert!(
        top["Processes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p[cmd_col].as_str().unwrap().contains("/usr/sbin/sshd -D")),
        "{top}"
    );

    // Environment values are never kept, names are.
    let env = sshd["Config"]["Env"].as_array().unwrap();
    assert!(
        env.iter()
            .all(|v| v.as_str().unwrap().ends_with("=[REDACTED]")),
        "{env:?}"
    );

    // The swarm: one node, the service with its secret, the secret (metadata only).
    assert_eq!(
        e.json(&format!("{prefix}/nodes"))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let services = e.json(&format!("{prefix}/services")).unwrap();
    let svc = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Spec"]["Name"] == "stigkit-fx-svc")
        .expect("fixture service");
    assert_eq!(
        svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["SecretName"],
        "stigkit-fx-secret"
    );
    let secrets = e.json(&format!("{prefix}/secrets")).unwrap();
    assert!(
        secrets
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Spec"]["Name"] == "stigkit-fx-secret")
    );

    // No call failed, the engine is recorded, nothing secret was written.
    assert!(
        !e.is_partial(),
        "{:?}",
        e.manifest
            .calls
            .iter()
            .filter(|c| c.error.is_some())
            .collect::<Vec<_>>()
    );
    assert_eq!(e.manifest.target.docker, [docker_host()]);
    for (name, bytes) in e.files() {
        assert!(
            !String::from_utf8_lossy(bytes).contains("fixture-secret-value"),
            "{name}"
        );
    }
}

/// The client certificate folder `.ci/docker.sh` made for the engine's
/// mutual-TLS port.
fn tls_client_dir() -> std::path::PathBuf {
    let state =
        std::env::var("DOCKER_STATE_DIR").unwrap_or_else(|_| "/var/tmp/stigkit-docker".into());
    let dir = std::path::Path::new(&state).join("tls/client");
    assert!(
        dir.join("key.pem").exists(),
        "no TLS client certificate at {} (run `.ci/docker.sh all`)",
        dir.display()
    );
    dir
}

/// The same engine reached over `tcp://` with mutual TLS gives the same
/// containers; with an untrusted CA every call fails and says why.
#[test]
fn engine_over_mutual_tls() {
    let _turn = lock();
    let dir = tempdir();
    let certs = tls_client_dir();
    let out = dir.path().join("tcp");
    let o = run(&[
        "collect",
        "--quiet",
        "--docker",
        "tcp://127.0.0.1:2376",
        "--docker-cert-path",
        certs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = Evidence::load(&out).unwrap();
    let list = e
        .json("docker/127.0.0.1-2376/containers")
        .expect("container list over TLS");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["Names"][0] == "/stigkit-fx-privileged")
    );
    assert!(
        e.calls_under("docker/127.0.0.1-2376/inspect/")
            .all(|c| c.ok())
    );
    assert!(
        e.call("docker/127.0.0.1-2376/tls/server-certificate")
            .is_none(),
        "engines are not asked for their certificate"
    );

    // A certificate folder whose CA did not sign the engine's certificate.
    let wrong = dir.path().join("wrong");
    std::fs::create_dir(&wrong).unwrap();
    for f in ["cert.pem", "key.pem"] {
        std::fs::copy(certs.join(f), wrong.join(f)).unwrap();
    }
    // Any CA other than the engine's: the client certificate itself.
    std::fs::copy(certs.join("cert.pem"), wrong.join("ca.pem")).unwrap();
    let out = dir.path().join("tcp-wrong");
    let o = run(&[
        "collect",
        "--quiet",
        "--docker",
        "tcp://127.0.0.1:2376",
        "--docker-cert-path",
        wrong.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let e = Evidence::load(&out).unwrap();
    let info = e.call("docker/127.0.0.1-2376/info").unwrap();
    assert!(
        info.error
            .as_deref()
            .unwrap()
            .contains("invalid peer certificate"),
        "{info:?}"
    );
}

/// Evaluates a fresh collection with `policy`; returns status and finding
/// details per Vuln ID, read back from the CKL written.
fn verdicts(policy: &str) -> BTreeMap<String, (String, String)> {
    let (dir, _) = collect();
    let out = dir.path().join("evidence");
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, policy).unwrap();
    let ckl = dir.path().join("node.ckl");
    let o = run(&[
        "evaluate",
        "--evidence",
        out.to_str().unwrap(),
        "--policy",
        policy_file.to_str().unwrap(),
        "-o",
        ckl.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    oracle_strict(std::slice::from_ref(&ckl));
    let c = stigkit::source::load_checklist(&ckl).unwrap().checklist;
    c.stigs[0]
        .rules
        .iter()
        .map(|r| {
            (
                r.rule.vuln_id.clone(),
                (
                    format!("{:?}", r.review.status),
                    r.review.finding_details.clone(),
                ),
            )
        })
        .collect()
}

/// The rules the fixtures break, and the container each names.
const OFFENDERS: [(&str, &str); 13] = [
    ("V-260940", "stigkit-fx-privileged"),
    ("V-260913", "stigkit-fx-nethost"),
    ("V-260930", "stigkit-fx-pidhost"),
    ("V-260935", "stigkit-fx-ipchost"),
    ("V-260939", "stigkit-fx-usernshost"),
    ("V-260922", "stigkit-fx-dockersock"),
    ("V-260923", "stigkit-fx-capadd"),
    ("V-260936", "stigkit-fx-privileged"),
    ("V-260937", "stigkit-fx-seccomp"),
    ("V-260934", "stigkit-fx-sshd"),
    ("V-260929", "stigkit-fx-port80"),
    ("V-260925", "stigkit-fx-cpushares"),
    ("V-260910", "stigkit-fx-sshd"),
];

/// Puts every fixture back, even when an assertion fails half way.
struct Reseed;

impl Drop for Reseed {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/docker.sh");
        let ok = Command::new("bash")
            .arg(script)
            .arg("seed")
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok && !std::thread::panicking() {
            panic!("could not restore the fixture containers");
        }
    }
}

/// With a policy that grants no exception, each risky fixture makes its
/// rule Open and is named; a policy exception is honoured and stated; with
/// the risky containers gone, the same rules are NotAFinding.
#[test]
fn risky_containers_make_their_rules_open_until_removed() {
    let _turn = lock();
    let v = verdicts("");
    for (vuln, container) in OFFENDERS {
        let (status, details) = &v[vuln];
        assert_eq!(status, "Open", "{vuln}: {details}");
        assert!(
            details.contains(&format!("- {container}:")),
            "{vuln} does not name {container}: {details}"
        );
    }
    // A stopped container is judged on its configuration too.
    assert!(!v["V-260940"].1.contains("stigkit-fx-clean"));

    // A policy exception for one container: honoured and stated.
    let v = verdicts(
        "[exceptions]\nprivileged = [\"stigkit-fx-priv*\"]\nhost_pid = [\"stigkit-fx-pidhost\"]\n",
    );
    for vuln in ["V-260940", "V-260930"] {
        let (status, details) = &v[vuln];
        assert_eq!(status, "NotAFinding", "{vuln}: {details}");
        assert!(
            details.contains("Site policy exceptions applied:"),
            "{details}"
        );
    }
    assert!(v["V-260940"].1.contains("- stigkit-fx-privileged: privileged, allowed by site policy exceptions.privileged \"stigkit-fx-priv*\""), "{}", v["V-260940"].1);
    assert!(v["V-260930"].1.contains("stigkit-fx-pidhost: PidMode host, allowed by site policy exceptions.host_pid \"stigkit-fx-pidhost\""));

    // Remove every risky fixture (the clean one stays) and the service,
    // whose task container has no limits.
    let _restore = Reseed;
    let risky: Vec<&str> = [
        "privileged",
        "nethost",
        "pidhost",
        "ipchost",
        "usernshost",
        "capadd",
        "seccomp",
        "dockersock",
        "port80",
        "cpushares",
        "sshd",
    ]
    .iter()
    .map(|n| match *n {
        "privileged" => "stigkit-fx-privileged",
        "nethost" => "stigkit-fx-nethost",
        "pidhost" => "stigkit-fx-pidhost",
        "ipchost" => "stigkit-fx-ipchost",
        "usernshost" => "stigkit-fx-usernshost",
        "capadd" => "stigkit-fx-capadd",
        "seccomp" => "stigkit-fx-seccomp",
        "dockersock" => "stigkit-fx-dockersock",
        "port80" => "stigkit-fx-port80",
        "cpushares" => "stigkit-fx-cpushares",
        _ => "stigkit-fx-sshd",
    })
    .collect();
    let docker = |args: &[&str]| {
        let o = Command::new("docker")
            .args(args)
            .output()
            .expect("docker CLI");
        assert!(
            o.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    docker(&[&["rm", "-f"][..], &risky].concat());
    docker(&["service", "rm", "stigkit-fx-svc"]);
    // The service's task container goes away asynchronously.
    for _ in 0..100 {
        let o = Command::new("docker")
            .args(["ps", "-aq", "--filter", "name=stigkit-fx-svc"])
            .output()
            .unwrap();
        if o.stdout.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let v = verdicts("");
    for (vuln, _) in OFFENDERS {
        let (status, details) = &v[vuln];
        assert_eq!(status, "NotAFinding", "{vuln}: {details}");
    }
}
