//! The Kubernetes manifests under deploy/kubernetes: valid against the
//! Kubernetes OpenAPI schemas (kubernetes-validate, from PyPI), a read-only
//! ClusterRole with exactly the permissions the collectors use, and a
//! CronJob whose pod passes the MKE STIG's own container rules.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/base")
}

fn yaml(name: &str) -> Value {
    let text = std::fs::read_to_string(base().join(name)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every resource file of the base, as kustomization.yaml lists them.
fn resources() -> Vec<PathBuf> {
    let k = yaml("kustomization.yaml");
    k["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| base().join(r.as_str().unwrap()))
        .collect()
}

#[test]
fn manifests_pass_the_kubernetes_schemas() {
    let files = resources();
    assert_eq!(files.len(), 6);
    // MKE 3.7 runs Kubernetes 1.27; the manifests must hold from there on.
    for version in ["1.27.0", "1.31.0"] {
        let o = Command::new("kubernetes-validate")
            .args(["--strict", "-k", version])
            .args(&files)
            .output()
            .expect("kubernetes-validate (pip install kubernetes-validate; .ci/run installs it)");
        let out =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{version}:\n{out}");
        assert_eq!(out.matches(" passed ").count(), 6, "{version}:\n{out}");
    }
}

#[test]
fn the_cluster_role_grants_exactly_what_the_collectors_read() {
    let role = yaml("clusterrole.yaml");
    assert_eq!(role["kind"], "ClusterRole");
    let mut granted = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        let verbs: BTreeSet<&str> = rule["verbs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            verbs.iter().all(|v| *v == "get" || *v == "list"),
            "a verb other than get/list: {verbs:?}"
        );
        assert!(rule.get("resourceNames").is_none() && rule.get("nonResourceURLs").is_none());
        for g in rule["apiGroups"].as_array().unwrap() {
            for r in rule["resources"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                assert!(!r.contains("secret") && r != "*", "{r}");
                for v in &verbs {
                    granted.insert((
                        g.as_str().unwrap().to_string(),
                        r.to_string(),
                        v.to_string(),
                    ));
                }
            }
        }
    }
    let needed: BTreeSet<(String, String, String)> = stigkit::collect::kube::permissions()
        .into_iter()
        .flat_map(|(g, r, verbs)| {
            verbs
                .iter()
                .map(move |v| (g.to_string(), r.to_string(), v.to_string()))
        })
        .collect();
    assert_eq!(granted, needed);
    assert_eq!(needed.len(), 27);

    let binding = yaml("clusterrolebinding.yaml");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(binding["subjects"][0]["name"], "stigkit");
}

#[test]
fn the_cron_job_pod_meets_the_mke_container_rules() {
    let job = yaml("cronjob.yaml");
    let spec = &job["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Forbid");
    assert!(spec["successfulJobsHistoryLimit"].as_u64().unwrap() <= 5);
    assert!(spec["failedJobsHistoryLimit"].as_u64().unwrap() <= 5);
    // Daily: a fixed minute and hour, every day.
    let fields: Vec<&str> = spec["schedule"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(fields.len(), 5);
    assert!(fields[0].parse::<u8>().is_ok() && fields[1].parse::<u8>().is_ok());
    assert_eq!(&fields[2..], ["*", "*", "*"]);

    let pod = &spec["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "stigkit");
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        assert_ne!(pod[host], true, "{host}");
    }
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_ne!(pod["securityContext"]["runAsUser"], 0);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    for c in containers {
        let sc = &c["securityContext"];
        assert_eq!(sc["runAsNonRoot"], true);
        assert_eq!(sc["readOnlyRootFilesystem"], true);
        assert_eq!(sc["allowPrivilegeEscalation"], false);
        assert_ne!(sc["privileged"], true);
        assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
        assert!(sc["capabilities"].get("add").is_none());
        assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault");
        for kind in ["requests", "limits"] {
            for r in ["cpu", "memory"] {
                assert!(c["resources"][kind][r].is_string(), "{kind}.{r}");
            }
        }
        assert!(c.get("ports").is_none(), "the scan publishes no port");
        // Secrets reach the pod as files and environment from the Secret,
        // never as literal values.
        for e in c["env"].as_array().unwrap() {
            let name = e["name"].as_str().unwrap();
            if name.contains("SECRET") || name.contains("PASSWORD") || name.contains("KEY_ID") {
                assert!(e.get("value").is_none(), "{name} holds a literal");
                assert!(e["valueFrom"]["secretKeyRef"].is_object(), "{name}");
            }
        }
    }
    // No hostPath volume: nothing of the node is mounted.
    for v in pod["volumes"].as_array().unwrap() {
        assert!(v.get("hostPath").is_none(), "{v}");
    }
}
