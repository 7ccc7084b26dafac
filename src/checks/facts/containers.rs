//! Containers as the checks see them: inspected through MKE and directly
//! from engines, merged by id, with the system ones recognised.

use super::{Fact, Missing, json, list, strings};
use crate::evidence::Evidence;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One container, from its inspect document.
#[derive(Clone, Debug)]
pub struct Container {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// Node name, when MKE (classic Swarm) says which node runs it.
    pub node: Option<String>,
    /// `Config.Image`.
    pub image: String,
    pub running: bool,
    /// An MKE, MSR or Kubernetes component.
    pub system: bool,
    /// The whole inspect document.
    pub inspect: Value,
    /// `top` of a running container (`None` when not running).
    pub top: Option<Fact<Value>>,
}

impl Container {
    /// `node/name`, or `name` when the node is unknown.
    pub fn label(&self) -> String {
        match &self.node {
            Some(n) => format!("{n}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// `HostConfig.<field>`.
    pub fn host(&self, field: &str) -> &Value {
        self.inspect
            .get("HostConfig")
            .and_then(|h| h.get(field))
            .unwrap_or(&Value::Null)
    }

    /// A string field of `HostConfig` (empty when absent).
    pub fn host_str(&self, field: &str) -> &str {
        self.host(field).as_str().unwrap_or("")
    }

    /// `HostConfig.SecurityOpt`, as strings.
    pub fn security_opts(&self) -> Vec<String> {
        strings(self.host("SecurityOpt"))
    }

    /// `HostConfig.CapAdd` without the `CAP_` prefix, upper case.
    pub fn cap_add(&self) -> Vec<String> {
        strings(self.host("CapAdd"))
            .into_iter()
            .map(|c| {
                c.to_ascii_uppercase()
                    .trim_start_matches("CAP_")
                    .to_string()
            })
            .collect()
    }

    /// Host port bindings as `(container port/proto, host ip, host port)`,
    /// from `NetworkSettings.Ports` (running) and `HostConfig.PortBindings`.
    pub fn port_bindings(&self) -> Vec<(String, String, u16)> {
        let mut out = BTreeSet::new();
        for source in [
            self.inspect.pointer("/NetworkSettings/Ports"),
            self.inspect.pointer("/HostConfig/PortBindings"),
        ] {
            let Some(Value::Object(map)) = source else {
                continue;
            };
            for (port, bindings) in map {
                for b in bindings.as_array().into_iter().flatten() {
                    let host_port = b.get("HostPort").and_then(Value::as_str).unwrap_or("");
                    if let Ok(p) = host_port.parse::<u16>()
                        && p > 0
                    {
                        let ip = b
                            .get("HostIp")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        out.insert((port.clone(), ip, p));
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// Mounts as `(source, destination)`, from `Mounts` and `HostConfig.Binds`.
    pub fn mounts(&self) -> Vec<(String, String)> {
        let mut out = BTreeSet::new();
        for m in self
            .inspect
            .get("Mounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = m
                .get("Source")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let d = m
                .get("Destination")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.insert((s, d));
        }
        for b in strings(self.host("Binds")) {
            let mut parts = b.splitn(3, ':');
            let s = parts.next().unwrap_or("").to_string();
            let d = parts.next().unwrap_or("").to_string();
            out.insert((s, d));
        }
        out.into_iter().collect()
    }
}

/// All containers seen, and those that could not be inspected.
#[derive(Clone, Debug, Default)]
pub struct Containers {
    pub list: Vec<Container>,
    /// Containers listed but not inspected: `name: reason`.
    pub uninspected: Vec<String>,
}

impl Containers {
    pub fn running(&self) -> impl Iterator<Item = &Container> {
        self.list.iter().filter(|c| c.running)
    }
}

/// Containers from MKE and from engines asked directly, merged by id.
pub(super) fn merged(ev: &Evidence) -> Fact<Containers> {
    let prefixes: Vec<String> = ev
        .manifest
        .calls
        .iter()
        .filter(|c| {
            c.key == "mke/containers"
                || (c.key.starts_with("docker/")
                    && c.key.ends_with("/containers")
                    && c.key.matches('/').count() == 2)
        })
        .map(|c| c.key.trim_end_matches("/containers").to_string())
        .collect();
    if prefixes.is_empty() {
        return Err(Missing {
            what: "containers (GET /containers/json?all=1)".into(),
            why: "not collected".into(),
        });
    }
    let mut out = Containers::default();
    let mut seen = BTreeSet::new();
    let mut listed_any = false;
    let mut last_error = None;
    for prefix in &prefixes {
        let list = match list(
            ev,
            &format!("{prefix}/containers"),
            "containers (GET /containers/json?all=1)",
        ) {
            Ok(l) => l,
            Err(m) => {
                last_error = Some(m);
                continue;
            }
        };
        listed_any = true;
        for summary in list {
            let id = summary
                .get("Id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if id.is_empty() || !seen.insert(id.clone()) {
                continue;
            }
            let listed_name = summary
                .pointer("/Names/0")
                .and_then(Value::as_str)
                .unwrap_or(&id)
                .trim_start_matches('/')
                .to_string();
            let inspect = match json(ev, &format!("{prefix}/inspect/{id}"), "container inspect") {
                Ok(v) => v,
                Err(m) => {
                    out.uninspected.push(format!("{listed_name}: {}", m.why));
                    continue;
                }
            };
            let name = inspect
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or(&listed_name)
                .trim_start_matches('/')
                .to_string();
            // Classic Swarm names are `node/name` in the list; inspect has Node.
            let node = inspect
                .pointer("/Node/Name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| listed_name.split_once('/').map(|(n, _)| n.to_string()));
            let image = inspect
                .pointer("/Config/Image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let running = inspect
                .pointer("/State/Running")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let labels = inspect
                .pointer("/Config/Labels")
                .cloned()
                .unwrap_or(Value::Null);
            let system = is_system(&name, &image, &labels);
            let top = running.then(|| {
                json(
                    ev,
                    &format!("{prefix}/top/{id}"),
                    "container processes (GET /containers/{id}/top)",
                )
            });
            out.list.push(Container {
                id,
                name,
                node,
                image,
                running,
                system,
                inspect,
                top,
            });
        }
    }
    if !listed_any {
        return Err(last_error.expect("a prefix failed"));
    }
    out.list
        .sort_by(|a, b| a.label().cmp(&b.label()).then(a.id.cmp(&b.id)));
    out.uninspected.sort();
    Ok(out)
}

/// MKE, MSR and Kubernetes components, recognised by name, image or label
/// (never by what privileges they hold).
pub fn is_system(name: &str, image: &str, labels: &Value) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = repo
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(repo, |(r, _)| r);
    let system_image = [
        "mirantis/ucp-",
        "docker/ucp-",
        "mirantis/dtr-",
        "docker/dtr-",
        "registry.mirantis.com/msr/",
        "mirantis/msr",
    ]
    .iter()
    .any(|p| repo.starts_with(p) || repo.contains(&format!("/{p}")));
    let system_name = ["ucp-", "dtr-", "k8s_"].iter().any(|p| name.starts_with(p));
    let system_label = labels.get("com.docker.ucp.version").is_some()
        || labels.get("com.docker.dtr.version").is_some();
    system_image || system_name || system_label
}

/// Map of a `Labels`-style object.
pub fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn system_containers_are_recognised_by_name_image_or_label() {
        assert!(is_system("ucp-proxy", "", &Value::Null));
        assert!(is_system("x", "mirantis/ucp-agent:3.7.5", &Value::Null));
        assert!(is_system(
            "x",
            "registry.mirantis.com/msr/msr-api:3.1.2",
            &Value::Null
        ));
        assert!(is_system(
            "x",
            "busybox",
            &json!({"com.docker.ucp.version": "3.7.5"})
        ));
        assert!(is_system(
            "k8s_calico-node_calico-node-x_kube-system_1",
            "",
            &Value::Null
        ));
        assert!(!is_system("web", "msr.example.mil/eng/web:1.2", &json!({})));
        assert!(!is_system(
            "stigkit-fx-privileged",
            "stigkit/busybox:local",
            &Value::Null
        ));
    }
}
