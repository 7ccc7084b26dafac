//! The run's own credentials against a hostile server (`tests/sim/hostile.rs`)
//! that echoes every request header, the login body and the password into
//! every answer, error and response header of MKE (Docker API included),
//! MSR and Kubernetes: no form of the password, the Basic value or a token
//! reaches any byte `collect` or `scan` writes, any file or folder name, or
//! stderr. And a login that stalls ends within `--timeout`.

mod common;
mod sim;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use common::*;
use sim::Server;
use sim::hostile::{Behaviour, Hostile, HostileConfig};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use stigkit::evidence::Evidence;

const MKE_USER: &str = "admin";
const MSR_USER: &str = "msruser";

/// Passwords of 4, 7, 8 and 64 characters with `"`, `\`, `%`, spaces and
/// non-ASCII letters.
fn passwords() -> Vec<String> {
    let long: String = "Lg \"quoted\" back\\slash 100% é密 "
        .chars()
        .cycle()
        .take(64)
        .collect();
    let all = vec![
        "é\"\\%".to_string(),
        "a\" \\%密x".to_string(),
        "p w\"%\\é密".to_string(),
        long,
    ];
    let lengths: Vec<usize> = all.iter().map(|p| p.chars().count()).collect();
    assert_eq!(lengths, [4, 7, 8, 64]);
    all
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `stigkit <command>` against the hostile server, MKE by password (its
/// token also for Kubernetes unless `kubeconfig`), MSR by Basic.
fn stigkit_against(
    h: &Hostile,
    command: &str,
    password: &str,
    out: &Path,
    kubeconfig: Option<&Path>,
) -> Command {
    let mut cmd = stigkit();
    for v in [
        "STIGKIT_CONFIG",
        "STIGKIT_MKE_URL",
        "STIGKIT_DOCKER_HOST",
        "STIGKIT_KUBECONFIG",
    ] {
        cmd.env_remove(v);
    }
    cmd.arg(command)
        .args(["--mke-url", &h.mke_url, "--username", MKE_USER])
        .args(["--msr-url", &h.msr_url, "--msr-username", MSR_USER])
        .args(["--ca", s(&h.ca_pem), "--retries", "1", "--timeout", "10"])
        .env("STIGKIT_MKE_PASSWORD", password)
        .env("STIGKIT_MSR_PASSWORD", password)
        .arg("--out")
        .arg(out);
    match kubeconfig {
        Some(k) => cmd.arg("--kubeconfig").arg(k),
        None => cmd.args(["--kube-url", &h.kube_url]),
    };
    cmd
}

/// Every form in which a credential could be written: raw, JSON-escaped
/// (as serde and as ASCII-only encoders write it), percent-encoded (`%20`
/// or `+`, upper- or lower-case hex), base64 (standard or URL-safe, padded
/// or not), and for long ones the base64 characters that only the
/// credential decides at each of the three byte offsets of a larger blob,
/// for the credential and its JSON-escaped self.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let ascii: String = secret
        .chars()
        .map(|c| match c {
            c if c.is_ascii() => json_char(c),
            c => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect(),
        })
        .collect();
    let pct: String = secret
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let mut out = vec![
        secret.to_string(),
        json.clone(),
        ascii,
        pct.clone(),
        pct.replace("%20", "+"),
        lower_hex(&pct),
    ];
    for t in [secret, json.as_str()] {
        out.extend([
            STANDARD.encode(t),
            STANDARD_NO_PAD.encode(t),
            URL_SAFE.encode(t),
            URL_SAFE_NO_PAD.encode(t),
        ]);
        if secret.chars().count() >= 8 {
            for k in 0..3 {
                let mut blob = vec![b'\n'; k];
                blob.extend_from_slice(t.as_bytes());
                for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
                    let enc = engine.encode(&blob);
                    let core = &enc[(8 * k).div_ceil(6)..8 * blob.len() / 6];
                    if core.len() >= 10 {
                        out.push(core.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
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

fn json_char(c: char) -> String {
    let j = serde_json::to_string(&c.to_string()).unwrap();
    j[1..j.len() - 1].to_string()
}

/// The credentials of a run against the hostile server: the password,
/// each `user:password` (the Basic value and the login), every token it
/// issued and their JWT parts, and any extra (a kubeconfig token).
fn credentials(h: &Hostile, password: &str, extra: &[&str]) -> Vec<String> {
    let mut all = vec![
        password.to_string(),
        format!("{MKE_USER}:{password}"),
        format!("{MSR_USER}:{password}"),
    ];
    let mut tokens: Vec<String> = h.tokens();
    tokens.extend(extra.iter().map(|t| t.to_string()));
    for t in tokens {
        all.extend(t.split('.').map(str::to_string));
        all.push(t);
    }
    all
}

/// Fails naming the form, the credential and where it was found, when any
/// form of any credential is in a file's bytes, a file or folder name
/// under `root`, stdout or stderr.
fn assert_nothing_leaked(what: &str, root: &Path, o: &Output, credentials: &[String]) {
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), o.stdout.clone()),
        ("stderr".into(), o.stderr.clone()),
    ];
    for f in walk_files(root) {
        let rel = f.strip_prefix(root).unwrap().display().to_string();
        places.push((format!("the name {rel}"), rel.clone().into_bytes()));
        places.push((rel, std::fs::read(&f).unwrap()));
    }
    assert!(
        places
            .iter()
            .any(|(p, _)| p == "manifest.json" || p == "evidence/manifest.json"),
        "{what}: no manifest written"
    );
    for c in credentials {
        for form in forms(c) {
            let finder = memchr::memmem::Finder::new(form.as_bytes());
            for (place, bytes) in &places {
                assert!(
                    finder.find(bytes).is_none(),
                    "{what}: {form:?} (a form of {c:?}) is in {place}"
                );
            }
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// With each password, `collect` stores what the hostile server sent
/// (proving the echo reached the evidence) with every credential removed.
#[test]
fn echoed_credentials_never_reach_a_written_byte() {
    let dir = tempdir();
    for (i, password) in passwords().iter().enumerate() {
        let h = Hostile::start(HostileConfig::default());
        let out = dir.path().join(format!("run-{i}"));
        let o = stigkit_against(&h, "collect", password, &out, None)
            .output()
            .unwrap();
        // /roles, /networks, kube services and MSR's scan status fail on purpose.
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        let e = Evidence::load(&out).unwrap();
        // The echo was stored, scrubbed: the values that were the password
        // are the marker now, and the manifest says so.
        let info: serde_json::Value = e
            .json("mke/info")
            .unwrap_or_else(|| panic!("{:?}", e.call("mke/info")));
        assert_eq!(info["Name"], "[REDACTED]", "password {i}");
        assert_eq!(info["description"], "[REDACTED]");
        assert_eq!(info["Authorization"], "[REDACTED]");
        assert!(
            e.call("mke/info")
                .unwrap()
                .redacted
                .contains(&"(a credential of this run)".to_string())
        );
        let toml = e.text("mke/config-toml").unwrap();
        assert!(toml.contains("lifetime_minutes = 60"), "{toml}");
        assert!(e.call("mke/ca").unwrap().ok() && e.call("msr/ca").unwrap().ok());
        // Names from server data became folders, filtered.
        let teams = e.calls_under("mke/enzi/teams/").count();
        assert_eq!(teams, 4, "one per echoed organisation");
        // The organisation named with the password: asked for by its real
        // name, recorded under a filtered one.
        assert!(
            e.calls_under("mke/enzi/teams/_REDACTED_-")
                .any(|c| c.ok() && c.path == "/enzi/v0/accounts/[REDACTED]/teams"),
            "{:?}",
            e.calls_under("mke/enzi/teams/")
                .map(|c| (&c.key, &c.path))
                .collect::<Vec<_>>()
        );
        assert!(e.calls_under("mke/enzi/members/").all(|c| c.ok()));
        assert_eq!(
            e.calls_under("kube/nodes/")
                .filter(|c| c.key.ends_with("/configz") && c.ok())
                .count(),
            4
        );
        assert!(e.calls_under("msr/repositories/").any(|c| c.ok()));
        assert_eq!(e.calls_under("mke/inspect/").filter(|c| c.ok()).count(), 2);
        // The failures carry the server's message, scrubbed.
        let roles = e.call("mke/rbac/roles").unwrap().error.clone().unwrap();
        assert!(
            roles.starts_with("HTTP 500: Bearer [REDACTED] login failed for password [REDACTED]"),
            "{roles}"
        );
        let net = e.call("mke/networks").unwrap().error.clone().unwrap();
        assert!(net.starts_with("HTTP 404: [REDACTED]"), "{net}");
        assert!(stderr(&o).contains("failed: mke/rbac/roles"));
        assert_eq!(h.logins(), 1, "one login for MKE and Kubernetes");
        assert_nothing_leaked(
            &format!("password {i}"),
            &out,
            &o,
            &credentials(&h, password, &[]),
        );
    }
}

/// A kubeconfig's own bearer token (a JWT) echoed by the Kubernetes API.
#[test]
fn a_kubeconfig_token_is_never_written() {
    let dir = tempdir();
    let h = Hostile::start(HostileConfig::default());
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k8s"}"#),
        URL_SAFE_NO_PAD.encode(r#"{"sub":"system:serviceaccount:audit:stigkit"}"#),
        URL_SAFE_NO_PAD.encode([7u8; 40])
    );
    let kubeconfig = dir.path().join("kube.yml");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: {}\n    certificate-authority: {}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\nusers:\n- name: u\n  user:\n    token: {token}\n",
            h.kube_url,
            s(&h.ca_pem)
        ),
    )
    .unwrap();
    let password = &passwords()[3];
    let out = dir.path().join("e");
    let o = stigkit_against(&h, "collect", password, &out, Some(&kubeconfig))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    assert!(e.call("kube/pods").unwrap().ok());
    let pods: serde_json::Value = e.json("kube/pods").unwrap();
    assert_eq!(pods["Authorization"], "[REDACTED]");
    assert_nothing_leaked(
        "kubeconfig token",
        &out,
        &o,
        &credentials(&h, password, &[&token]),
    );
}

/// `scan` writes the bundle, the checklists and the summary: none holds a
/// credential, and the checklists pass the oracle.
#[test]
fn scan_writes_no_credential() {
    let dir = tempdir();
    for (i, password) in passwords()
        .iter()
        .enumerate()
        .filter(|(i, _)| [0, 3].contains(i))
    {
        let h = Hostile::start(HostileConfig::default());
        let out = dir.path().join(format!("scan-{i}"));
        let o = stigkit_against(&h, "scan", password, &out, None)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        let checklists: Vec<_> = walk_files(&out)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "ckl" || x == "cklb"))
            .collect();
        assert_eq!(checklists.len(), 2, "{checklists:?}");
        oracle_strict(&checklists);
        assert!(out.join("summary.txt").is_file());
        assert_nothing_leaked(
            &format!("scan, password {i}"),
            &out,
            &o,
            &credentials(&h, password, &[]),
        );
    }
}

/// A refused login and refused Basic credentials, the password echoed in
/// the refusals: one login, one MSR request, and the messages (manifest
/// errors and warnings, stderr) name the failure without the password.
#[test]
fn refusals_that_echo_the_password_are_scrubbed() {
    let dir = tempdir();
    for (i, password) in passwords().iter().enumerate() {
        let h = Hostile::start(HostileConfig {
            mke: Behaviour::Refuse,
            kube: Behaviour::Echo,
            msr: Behaviour::Refuse,
        });
        let out = dir.path().join(format!("refused-{i}"));
        let o = stigkit_against(&h, "collect", password, &out, None)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert_eq!(h.logins(), 1);
        assert_eq!(h.requests(Server::Mke), 1, "the login only");
        assert_eq!(
            h.requests(Server::Kube),
            0,
            "Kubernetes waits for the MKE token"
        );
        assert_eq!(
            h.requests(Server::Msr),
            1,
            "one request carries the password"
        );
        let e = Evidence::load(&out).unwrap();
        let info = e.call("mke/info").unwrap();
        let error = info.error.clone().unwrap();
        assert!(
            error.starts_with("not attempted: login as admin failed: HTTP 401: login failed for password [REDACTED] with Authorization:"),
            "{error}"
        );
        assert_eq!((info.requests, info.status), (0, None));
        assert!(
            e.manifest.warnings.iter().any(|w| w.starts_with(
                "MKE: login as admin failed: HTTP 401: login failed for password [REDACTED]"
            )),
            "{:?}",
            e.manifest.warnings
        );
        assert!(
            stderr(&o).contains("failed for password [REDACTED]"),
            "{}",
            stderr(&o)
        );
        assert_nothing_leaked(
            &format!("refused, password {i}"),
            &out,
            &o,
            &credentials(&h, password, &[]),
        );
    }
}

/// Runs `cmd` and returns its output and how long it took; kills it after
/// a minute so that no bug can hang the test.
fn timed(mut cmd: Command) -> (Output, Duration) {
    let began = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if began.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("stigkit still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = began.elapsed();
    (child.wait_with_output().unwrap(), elapsed)
}

/// A login that never answers, or answers a byte a second, and an MSR that
/// does the same with its first request: each service ends within
/// `--timeout` (2 s) plus a second, its calls recorded as not attempted.
#[test]
fn a_stalled_login_ends_within_the_timeout() {
    let dir = tempdir();
    let password = &passwords()[3];
    for (n, (service, behaviour)) in [
        ("mke", Behaviour::Silent),
        ("mke", Behaviour::Drip),
        ("msr", Behaviour::Silent),
        ("msr", Behaviour::Drip),
    ]
    .into_iter()
    .enumerate()
    {
        let mut cfg = HostileConfig::default();
        match service {
            "mke" => cfg.mke = behaviour,
            _ => cfg.msr = behaviour,
        }
        let h = Hostile::start(cfg);
        let out = dir.path().join(format!("stalled-{n}"));
        let mut cmd = stigkit();
        cmd.env_remove("STIGKIT_CONFIG")
            .env_remove("STIGKIT_MKE_URL")
            .env_remove("STIGKIT_DOCKER_HOST")
            .arg("collect")
            .args(["--ca", s(&h.ca_pem), "--timeout", "2"])
            .env("STIGKIT_MKE_PASSWORD", password)
            .env("STIGKIT_MSR_PASSWORD", password)
            .arg("--out")
            .arg(&out);
        if service == "mke" {
            cmd.args(["--mke-url", &h.mke_url, "--username", MKE_USER])
                .args(["--kube-url", &h.kube_url]);
        } else {
            cmd.args(["--msr-url", &h.msr_url, "--msr-username", MSR_USER]);
        }
        let (o, took) = timed(cmd);
        let what = format!("{service} {behaviour:?}");
        assert_eq!(o.status.code(), Some(3), "{what}: {}", stderr(&o));
        assert!(
            took < Duration::from_secs(3),
            "{what}: took {took:?} with --timeout 2"
        );
        let e = Evidence::load(&out).unwrap();
        let calls: Vec<_> = e
            .manifest
            .calls
            .iter()
            .filter(|c| c.method == "GET")
            .collect();
        assert!(calls.len() >= 4, "{what}: {}", calls.len());
        if service == "mke" {
            assert_eq!(
                h.logins(),
                usize::from(behaviour == Behaviour::Drip),
                "{what}"
            );
            assert_eq!(
                h.requests(Server::Mke),
                1,
                "{what}: one login, nothing else"
            );
            assert_eq!(h.requests(Server::Kube), 0, "{what}");
            for c in &calls {
                assert_eq!(
                    c.error.as_deref(),
                    Some("not attempted: login as admin failed: no complete answer within 2s"),
                    "{what}: {}",
                    c.key
                );
            }
        } else {
            assert_eq!(h.requests(Server::Msr), 1, "{what}: the first request only");
            // The first call goes alone and waits; the others wait for it.
            let why = match behaviour {
                Behaviour::Silent => "no answer within 2s",
                _ => "answer not complete within 2s",
            };
            let first = e.call("msr/settings").unwrap();
            assert_eq!(first.error.as_deref(), Some(why), "{what}");
            for c in calls.iter().filter(|c| c.key != "msr/settings") {
                assert_eq!(
                    c.error.clone(),
                    Some(format!(
                        "not attempted: the first request to MSR failed: {why}"
                    )),
                    "{what}: {}",
                    c.key
                );
            }
        }
        assert_nothing_leaked(&what, &out, &o, &credentials(&h, password, &[]));
    }
}

/// A password that is the user name (a short one, standing alone in
/// "user admin"): the manifest's target and the login error hide it too.
#[test]
fn a_password_that_is_the_user_name() {
    let sim = sim::Sim::start(sim::SimConfig::default());
    let dir = tempdir();
    let out = dir.path().join("e");
    let o = stigkit()
        .env_remove("STIGKIT_CONFIG")
        .env_remove("STIGKIT_MKE_URL")
        .env_remove("STIGKIT_DOCKER_HOST")
        .args([
            "collect",
            "--mke-url",
            &sim.mke_url,
            "--username",
            &sim.admin_user,
        ])
        .args(["--ca", s(&sim.ca_pem), "--out"])
        .arg(&out)
        .env("STIGKIT_MKE_PASSWORD", &sim.admin_user)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = Evidence::load(&out).unwrap();
    assert_eq!(
        e.manifest.target.mke_auth.as_deref(),
        Some("user [REDACTED]")
    );
    assert_eq!(
        e.call("mke/info").unwrap().error.as_deref(),
        Some("not attempted: login as [REDACTED] failed: HTTP 401: invalid credentials")
    );
    let name = &sim.admin_user;
    for (place, bytes) in walk_files(&out)
        .into_iter()
        .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
        .chain([("stderr".to_string(), o.stderr.clone())])
    {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&format!(" {name}")) && !text.contains(&format!("\"{name}\"")),
            "{place}: {text}"
        );
    }
}
