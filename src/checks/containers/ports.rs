//! Published host ports: privileged ports, interface binding, ports the
//! SSP documents.

use super::{are, array_at, k8s_proto, kubernetes_used, namespaced, str_at};
use crate::checks::facts::Facts;
use crate::checks::{CONTAINERS, Missing, Outcome, Policy, Sweep, decide, need};
use serde_json::Value;

/// Containers and services publishing a host port below 1024.
fn privileged_ports_sweep(f: &Facts, p: &Policy) -> Result<Sweep, Missing> {
    let all = f.containers.as_ref().map_err(Clone::clone)?;
    let exceptions = p.privileged_port_exceptions.clone().unwrap_or_default();
    let allowed = |name: &str, label: &str, port: u16| {
        exceptions.iter().find(|e| match e.rsplit_once(':') {
            Some((pat, ps)) if ps.parse::<u16>().is_ok() => {
                ps.parse::<u16>() == Ok(port)
                    && (crate::checks::policy::glob(pat, name)
                        || crate::checks::policy::glob(pat, label))
            }
            _ => crate::checks::policy::glob(e, name) || crate::checks::policy::glob(e, label),
        })
    };
    let mut s = Sweep {
        offenders: Vec::new(),
        excepted: Vec::new(),
        checked: 0,
    };
    for c in &all.list {
        s.checked += 1;
        for (cport, ip, hport) in c.port_bindings() {
            if hport >= 1024 {
                continue;
            }
            let line = format!(
                "{}: {cport} -> {}:{hport}",
                c.label(),
                if ip.is_empty() { "0.0.0.0" } else { &ip }
            );
            match allowed(&c.name, &c.label(), hport) {
                Some(e) => s.excepted.push(format!(
                    "{line}, allowed by site policy privileged_port_exceptions \"{e}\""
                )),
                None => s.offenders.push(line),
            }
        }
    }
    if let Ok(services) = &f.services {
        for svc in services {
            let name = svc
                .pointer("/Spec/Name")
                .and_then(Value::as_str)
                .unwrap_or("");
            for port in svc
                .pointer("/Endpoint/Ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let published = port
                    .get("PublishedPort")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                if published == 0 || published >= 1024 {
                    continue;
                }
                let line = format!(
                    "service {name}: publishes {published}/{}",
                    port.get("Protocol")
                        .and_then(Value::as_str)
                        .unwrap_or("tcp")
                );
                match allowed(name, name, published as u16) {
                    Some(e) => s.excepted.push(format!(
                        "{line}, allowed by site policy privileged_port_exceptions \"{e}\""
                    )),
                    None => s.offenders.push(line),
                }
            }
        }
    }
    Ok(s)
}

/// V-260924: incoming container traffic must be bound to a specific host
/// interface, and never to a privileged port.
pub fn interface_binding(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let s = need!(privileged_ports_sweep(f, p));
    let wildcard: Vec<String> = all
        .list
        .iter()
        .flat_map(|c| {
            c.port_bindings()
                .into_iter()
                .filter(|(_, ip, _)| ip.is_empty() || ip == "0.0.0.0" || ip == "::")
                .map(move |(cport, _, hport)| {
                    format!(
                        "{}: {cport} bound to all interfaces on host port {hport} (informational)",
                        c.label()
                    )
                })
        })
        .collect();
    let controller = crate::checks::cfg_line(f, "cluster_config.controller_port", "443");
    decide(
        all,
        s,
        "A host port below 1024 is mapped by",
        "No container or service maps a host port below 1024",
    )
    .lines(wildcard)
    .line(controller)
    .sources(&["mke/services", "mke/config-toml"])
}

/// V-260929: containers must not map to privileged ports.
pub fn privileged_ports(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let s = need!(privileged_ports_sweep(f, p));
    decide(
        all,
        s,
        "A host port below 1024 is mapped by",
        "No container or service maps a host port below 1024",
    )
    .source("mke/services")
}

/// A host port something publishes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Published {
    /// The evidence line naming the publisher.
    line: String,
    proto: String,
    port: u16,
}

/// Host ports published by containers, Swarm services and, when
/// Kubernetes is in use, NodePort/LoadBalancer services and pod hostPorts.
fn published(f: &Facts, running_only: bool) -> Result<Vec<Published>, Missing> {
    let all = f.containers.as_ref().map_err(Clone::clone)?;
    let mut out = Vec::new();
    for c in all.list.iter().filter(|c| c.running || !running_only) {
        for (cport, ip, hport) in c.port_bindings() {
            out.push(Published {
                line: format!(
                    "{}: {cport} -> {}:{hport}",
                    c.label(),
                    if ip.is_empty() { "0.0.0.0" } else { &ip }
                ),
                proto: cport.split('/').nth(1).unwrap_or("tcp").to_string(),
                port: hport,
            });
        }
    }
    // A swarm lists its services; a standalone engine has none to list.
    let services = match (&f.services, &f.nodes) {
        (Ok(services), _) => services.as_slice(),
        (Err(m), Ok(_)) => return Err(m.clone()),
        (Err(_), Err(_)) => &[],
    };
    for svc in services {
        let name = str_at(svc, "/Spec/Name");
        for port in array_at(svc, "/Endpoint/Ports") {
            let published = port
                .get("PublishedPort")
                .and_then(Value::as_u64)
                .unwrap_or(0) as u16;
            if published == 0 {
                continue;
            }
            let proto = port
                .get("Protocol")
                .and_then(Value::as_str)
                .unwrap_or("tcp")
                .to_string();
            let target = port.get("TargetPort").and_then(Value::as_u64).unwrap_or(0);
            out.push(Published {
                line: format!("service {name}: {target}/{proto} -> {published}"),
                proto,
                port: published,
            });
        }
    }
    if kubernetes_used(f) {
        let services = f.items(
            "kube/services",
            "items",
            "Kubernetes services (GET /api/v1/services)",
        )?;
        for svc in &services {
            let ty = svc
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            if ty != "NodePort" && ty != "LoadBalancer" {
                continue;
            }
            let name = namespaced(svc);
            for port in array_at(svc, "/spec/ports") {
                if let Some(np) = port.get("nodePort").and_then(Value::as_u64) {
                    let proto = k8s_proto(port);
                    out.push(Published {
                        line: format!("Kubernetes service {name} ({ty}): node port {np}/{proto}"),
                        proto,
                        port: np as u16,
                    });
                }
            }
        }
        let pods = f.items("kube/pods", "items", "Kubernetes pods (GET /api/v1/pods)")?;
        for pod in &pods {
            let name = namespaced(pod);
            for ctr in array_at(pod, "/spec/containers") {
                for port in array_at(ctr, "/ports") {
                    if let Some(hp) = port.get("hostPort").and_then(Value::as_u64) {
                        let proto = k8s_proto(port);
                        out.push(Published {
                            line: format!(
                                "pod {name} container {}: hostPort {hp}/{proto}",
                                str_at(ctr, "/name")
                            ),
                            proto,
                            port: hp as u16,
                        });
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn port_allowed(allowed: &[String], proto: &str, port: u16) -> bool {
    allowed.iter().any(|a| match a.split_once('/') {
        Some((pr, p)) => pr.eq_ignore_ascii_case(proto) && p.trim().parse::<u16>() == Ok(port),
        None => a.trim().parse::<u16>() == Ok(port),
    })
}

fn ports_decision(f: &Facts, p: &Policy, running_only: bool) -> Outcome {
    let ports = need!(published(f, running_only));
    let mut sources = vec![CONTAINERS, "mke/services"];
    if kubernetes_used(f) {
        sources.extend(["kube/services", "kube/pods"]);
    }
    let Some(allowed) = p.list(&p.allowed_ports) else {
        return Outcome::review(format!(
            "{} published; without a site policy stigkit cannot tell which the SSP and PPSM CAL allow.",
            are(ports.len(), "port")
        ))
        .lines(ports.into_iter().map(|p| p.line))
        .step("List the allowed ports under allowed_ports in the site policy (e.g. \"tcp/443\").")
        .sources(&sources);
    };
    let (ok, bad): (Vec<Published>, Vec<Published>) = ports
        .into_iter()
        .partition(|p| port_allowed(allowed, &p.proto, p.port));
    let out = if bad.is_empty() {
        Outcome::pass(format!(
            "Every published port ({}) is allowed by the site policy.",
            ok.len()
        ))
    } else {
        Outcome::open(format!(
            "{} not allowed by the site policy.",
            are(bad.len(), "published port")
        ))
    };
    out.lines(
        bad.into_iter()
            .map(|p| format!("{}: not in allowed_ports", p.line)),
    )
    .lines(ok.into_iter().map(|p| format!("{}: allowed", p.line)))
    .line(format!("allowed_ports = {allowed:?}"))
    .sources(&sources)
}

/// V-260907: only required ports may be open on containers.
pub fn ports_documented(f: &Facts, p: &Policy) -> Outcome {
    ports_decision(f, p, true)
}

/// V-260941: running containers publish only required ports (Not
/// Applicable behind an ingress controller).
pub fn ports_running(f: &Facts, p: &Policy) -> Outcome {
    if f.cfg("cluster_config.ingress_controller.enabled")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return Outcome::not_applicable("An ingress controller fronts the cluster (cluster_config.ingress_controller.enabled = true).").source("mke/config-toml");
    }
    ports_decision(f, p, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_match_protocol_or_any() {
        let allowed = vec!["tcp/443".to_string(), "8082".to_string()];
        assert!(port_allowed(&allowed, "tcp", 443));
        assert!(!port_allowed(&allowed, "udp", 443));
        assert!(port_allowed(&allowed, "udp", 8082));
        assert!(!port_allowed(&allowed, "tcp", 80));
    }
}
