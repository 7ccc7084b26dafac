//! `stigkit scan --in-cluster`: inside a pod, Kubernetes is reached as the
//! pod's service account. A pod-like environment (the service account
//! folder and `KUBERNETES_SERVICE_HOST`/`_PORT` pointing at the simulator)
//! must judge every rule as the client-bundle scan of the same scenario
//! does, survive a token rotation mid-run, and write no token anywhere.

mod common;
mod sim;

use common::*;
use sim::{Scenario, Server, Sim, SimConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use stigkit::model::Status;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `scan` of `sim` into `out`, with the MKE client bundle; `pod` adds the
/// service account folder and the in-cluster environment.
fn scan(sim: &Sim, out: &Path, pod: Option<&Path>) -> Output {
    let mut cmd = stigkit();
    cmd.env_remove("STIGKIT_CONFIG")
        .env_remove("STIGKIT_MKE_URL")
        .env_remove("STIGKIT_DOCKER_HOST")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .args(["scan", "--quiet", "--bundle", s(&sim.bundle_zip)])
        .args(["--ca", s(&sim.ca_pem), "--out", s(out)]);
    if let Some(msr) = &sim.msr_url {
        cmd.args(["--msr-url", msr, "--msr-username", &sim.msr_user])
            .env("STIGKIT_MSR_PASSWORD", &sim.msr_password);
    }
    if let Some(dir) = pod {
        let port = sim.kube_url.rsplit(':').next().unwrap();
        cmd.arg("--in-cluster")
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", port)
            .env("STIGKIT_SERVICE_ACCOUNT_DIR", dir);
    }
    cmd.output().expect("running stigkit scan")
}

fn statuses(out: &Path) -> BTreeMap<String, Status> {
    let cklb = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cklb"))
        .expect("a CKLB");
    let checklist = stigkit::source::load_checklist(&cklb).unwrap().checklist;
    checklist.stigs[0]
        .rules
        .iter()
        .map(|r| (r.rule.vuln_id.clone(), r.review.status))
        .collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("evidence/manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_pod_scan_judges_every_rule_as_the_bundle_scan_does_across_a_token_rotation() {
    let sim = Sim::start(SimConfig::with_scenario(Scenario::Named("mixed")));
    let dir = tempdir();
    let by_bundle = dir.path().join("bundle");
    let o = scan(&sim, &by_bundle, None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let kube_calls_by_bundle = sim.request_count(Server::Kube, "/");

    // The kubelet rotates the token after the pod's fifth request.
    let account = sim.service_account(Some(5));
    let in_pod = dir.path().join("pod");
    let o = scan(&sim, &in_pod, Some(&account));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(sim.service_account_rotations(), 1);

    let want = statuses(&by_bundle);
    assert_eq!(want.len(), 44);
    assert_eq!(statuses(&in_pod), want);

    let m = manifest(&in_pod);
    assert_eq!(m["target"]["kube_url"], sim.kube_url.as_str());
    assert_eq!(
        m["target"]["kube_auth"],
        "pod service account (namespace stigkit)"
    );
    let kube: Vec<&serde_json::Value> = m["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["source"] == "kube")
        .collect();
    assert!(kube.len() >= 13, "{} Kubernetes calls", kube.len());
    let failed: Vec<_> = kube.iter().filter(|c| c.get("error").is_some()).collect();
    assert!(failed.is_empty(), "failed after the rotation: {failed:?}");
    // The pod made as many Kubernetes calls as the bundle scan did, plus
    // at most the few that met the old token after the rotation.
    let kube_calls_in_pod = sim.request_count(Server::Kube, "/") - kube_calls_by_bundle;
    assert!(
        (kube_calls_by_bundle..kube_calls_by_bundle + 16).contains(&kube_calls_in_pod),
        "{kube_calls_in_pod} Kubernetes requests in the pod, {kube_calls_by_bundle} by bundle"
    );

    // Neither token (nor any other secret) is in a byte written or printed.
    let secrets = sim.secrets();
    let tokens: Vec<&String> = secrets.iter().filter(|t| t.starts_with("eyJ")).collect();
    assert_eq!(tokens.len(), 2, "the first and the rotated token");
    let mut leaks = Vec::new();
    for file in walk_files(&in_pod) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            for part in std::iter::once(secret.as_str()).chain(secret.split('.')) {
                if part.len() >= 12 && text.contains(part) {
                    leaks.push(format!("{}: {part}", file.display()));
                }
            }
        }
    }
    for secret in &secrets {
        if stderr.contains(secret.as_str()) {
            leaks.push(format!("stderr: {secret}"));
        }
    }
    assert!(leaks.is_empty(), "secrets written: {leaks:?}");
}

#[test]
fn outside_a_pod_or_without_a_token_is_one_line_and_exit_2() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let out = dir.path().join("scan");

    let mut cmd = stigkit();
    cmd.env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .args(["scan", "--in-cluster", "--quiet", "--out", s(&out)]);
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("KUBERNETES_SERVICE_HOST"), "{err}");
    assert!(!out.exists());

    let account = sim.service_account(None);
    std::fs::remove_file(account.join("token")).unwrap();
    let o = scan(&sim, &out, Some(&account));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("serviceaccount/token"), "{err}");
    assert!(!out.exists());
}
