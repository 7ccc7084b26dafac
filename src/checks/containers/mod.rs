//! Rules decided from the containers' own configuration (Docker inspect,
//! `top`), Swarm services and images, one file per topic. The helpers
//! here serve several topics.

mod images;
mod namespaces;
mod ports;
mod privileges;
mod processes;
mod resources;

pub use images::{latest_updates, old_images};
pub use namespaces::{host_ipc, host_network, host_pid, host_userns};
pub use ports::{interface_binding, ports_documented, ports_running, privileged_ports};
pub use privileges::{
    apparmor, capabilities, docker_socket, no_new_privileges, privileged, read_only_root, seccomp,
};
pub use processes::ssh;
pub use resources::cpu_priority;

use crate::checks::facts::Facts;
use crate::checks::{Missing, Outcome, Policy, Sweep};
use serde_json::Value;

/// Not_Applicable for Kubernetes-only clusters: these rules cover the
/// containers Swarm runs.
fn kubernetes_only(f: &Facts) -> Option<Outcome> {
    match f.orchestrators() {
        Ok(o) if o.kubernetes_only() => Some(
            Outcome::not_applicable("The cluster uses Kubernetes orchestration only; this rule covers Swarm containers.")
                .source("mke/nodes"),
        ),
        _ => None,
    }
}

/// Adds the pods that use a host namespace to a sweep; the policy's
/// exception patterns match them as `namespace/name`.
fn sweep_pods(
    f: &Facts,
    field: &str,
    exceptions: &[String],
    rule: &str,
    s: &mut Sweep,
) -> Result<(), Missing> {
    let pods = f.items("kube/pods", "items", "Kubernetes pods (GET /api/v1/pods)")?;
    for pod in &pods {
        if pod
            .pointer(&format!("/spec/{field}"))
            .and_then(Value::as_bool)
            != Some(true)
        {
            continue;
        }
        let name = namespaced(pod);
        match Policy::excepted(exceptions, &name, &name) {
            Some(p) => s.excepted.push(format!(
                "pod {name}: spec.{field} = true, allowed by site policy exceptions.{rule} \"{p}\""
            )),
            None => s.offenders.push(format!("pod {name}: spec.{field} = true")),
        }
    }
    Ok(())
}

/// Whether Kubernetes workloads must be looked at too.
fn kubernetes_used(f: &Facts) -> bool {
    f.orchestrators().is_ok_and(|o| o.kubernetes)
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn array_at<'v>(v: &'v Value, pointer: &str) -> impl Iterator<Item = &'v Value> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// `namespace/name` of a Kubernetes object.
fn namespaced(v: &Value) -> String {
    format!(
        "{}/{}",
        str_at(v, "/metadata/namespace"),
        str_at(v, "/metadata/name")
    )
}

fn k8s_proto(port: &Value) -> String {
    port.get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("TCP")
        .to_ascii_lowercase()
}

/// `1 port is`, `2 ports are`.
fn are(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun} is")
    } else {
        format!("{n} {noun}s are")
    }
}
