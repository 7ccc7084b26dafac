//! A typed, read-only view of an evidence bundle, as the checks need it.
//!
//! Every fact is either there or [`Missing`] with the reason (never
//! collected, or the call failed), so a check can say exactly why it could
//! not decide. Containers seen through MKE and directly from an engine are
//! merged by id.

use crate::evidence::{Evidence, Target};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a piece of evidence is not available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// What was needed, e.g. `MKE configuration (GET /api/ucp/config-toml)`.
    pub what: String,
    /// `not collected`, or the call's error.
    pub why: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}

/// A fact, or why it is missing.
pub type Fact<T> = Result<T, Missing>;

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

/// Orchestrators the cluster uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Orchestrators {
    pub swarm: bool,
    pub kubernetes: bool,
}

impl Orchestrators {
    /// Kubernetes only: the rules written for Swarm containers do not apply.
    pub fn kubernetes_only(&self) -> bool {
        self.kubernetes && !self.swarm
    }

    pub fn swarm_only(&self) -> bool {
        self.swarm && !self.kubernetes
    }
}

/// Everything the checks read, parsed once.
pub struct Facts<'e> {
    ev: &'e Evidence,
    pub collected_at: String,
    pub target: Target,
    pub config: Fact<toml::Table>,
    /// `/info` of MKE, or of the first engine asked directly.
    pub info: Fact<Value>,
    /// MKE's version without the `ucp/` prefix.
    pub mke_version: Fact<String>,
    pub nodes: Fact<Vec<Value>>,
    pub containers: Fact<Containers>,
    pub services: Fact<Vec<Value>>,
    pub secrets: Fact<Vec<Value>>,
    pub images: Fact<Vec<Value>>,
    pub networks: Fact<Vec<Value>>,
}

impl<'e> Facts<'e> {
    pub fn new(ev: &'e Evidence) -> Facts<'e> {
        let mke = ev.call("mke/info").is_some();
        // Without MKE, a directly reached engine answers for its node.
        let engine = if mke { None } else { first_engine(ev) };
        let docker = |name: &str| match &engine {
            Some(prefix) => format!("{prefix}/{name}"),
            None => format!("mke/{name}"),
        };
        let config = text(
            ev,
            "mke/config-toml",
            "MKE configuration (GET /api/ucp/config-toml)",
        )
        .and_then(|t| {
            toml::from_str::<toml::Table>(t).map_err(|e| Missing {
                what: "MKE configuration (GET /api/ucp/config-toml)".into(),
                why: format!("not valid TOML: {}", e.message()),
            })
        });
        let mke_version = json(ev, "mke/version", "MKE version (GET /version)").and_then(|v| {
            v.get("Version")
                .and_then(Value::as_str)
                .map(|s| s.trim_start_matches("ucp/").to_string())
                .ok_or_else(|| Missing {
                    what: "MKE version (GET /version)".into(),
                    why: "no Version field".into(),
                })
        });
        Facts {
            collected_at: ev.manifest.finished_at.clone(),
            target: ev.manifest.target.clone(),
            config,
            info: json(ev, &docker("info"), "engine facts (GET /info)"),
            mke_version,
            nodes: list(ev, &docker("nodes"), "Swarm nodes (GET /nodes)"),
            containers: containers(ev),
            services: list(ev, &docker("services"), "Swarm services (GET /services)"),
            secrets: list(ev, &docker("secrets"), "Swarm secrets (GET /secrets)"),
            images: list(ev, &docker("images"), "images (GET /images/json)"),
            networks: list(ev, &docker("networks"), "networks (GET /networks)"),
            ev,
        }
    }

    /// Any JSON evidence by key, described as `what` when missing.
    pub fn json(&self, key: &str, what: &str) -> Fact<Value> {
        json(self.ev, key, what)
    }

    /// The items of a collected list (`items`, `accounts`, …).
    pub fn items(&self, key: &str, field: &str, what: &str) -> Fact<Vec<Value>> {
        let v = self.json(key, what)?;
        Ok(v.get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Any text evidence by key.
    pub fn text(&self, key: &str, what: &str) -> Fact<String> {
        text(self.ev, key, what).map(str::to_string)
    }

    /// Keys of successful calls under `prefix`.
    pub fn keys_under(&self, prefix: &str) -> Vec<String> {
        self.ev
            .calls_under(prefix)
            .filter(|c| c.ok())
            .map(|c| c.key.clone())
            .collect()
    }

    /// `(method path, HTTP status)` of a call, for finding details.
    pub fn request(&self, key: &str) -> Option<(String, Option<u16>)> {
        self.ev
            .call(key)
            .map(|c| (format!("{} {}", c.method, c.path), c.status))
    }

    /// A value from the MKE configuration by dotted path.
    pub fn cfg(&self, path: &str) -> Option<&toml::Value> {
        let table = self.config.as_ref().ok()?;
        let mut parts = path.split('.');
        let mut cur = table.get(parts.next()?)?;
        for p in parts {
            cur = cur.get(p)?;
        }
        Some(cur)
    }

    /// Whether Kubernetes evidence was collected at all.
    pub fn has_kube(&self) -> bool {
        self.ev.call("kube/namespaces").is_some()
    }

    /// Whether an MSR was part of the run.
    pub fn has_msr(&self) -> bool {
        self.target.msr_url.is_some()
    }

    /// MSR is in use: the run was given one, or MKE lists a registry.
    pub fn msr_used(&self) -> bool {
        self.has_msr()
            || self
                .cfg("registries")
                .and_then(|r| r.as_array())
                .is_some_and(|a| {
                    a.iter().any(|r| {
                        r.get("host_address")
                            .and_then(|h| h.as_str())
                            .is_some_and(|h| !h.is_empty())
                    })
                })
    }

    /// Which orchestrators are in use: node labels first, then MKE's
    /// default orchestrator; a plain engine with containers is Swarm/Docker.
    pub fn orchestrators(&self) -> Fact<Orchestrators> {
        if let Ok(nodes) = &self.nodes {
            let label = |n: &Value, l: &str| {
                n.pointer("/Spec/Labels")
                    .and_then(|ls| ls.get(l))
                    .and_then(Value::as_str)
                    .map(|v| v == "true")
            };
            let mut o = Orchestrators {
                swarm: false,
                kubernetes: false,
            };
            let mut labelled = false;
            for n in nodes {
                if let Some(k) = label(n, "com.docker.ucp.orchestrator.kubernetes") {
                    labelled = true;
                    o.kubernetes |= k;
                }
                if let Some(s) = label(n, "com.docker.ucp.orchestrator.swarm") {
                    labelled = true;
                    o.swarm |= s;
                }
            }
            if labelled {
                return Ok(o);
            }
        }
        if let Some(d) = self
            .cfg("scheduling_configuration.default_node_orchestrator")
            .and_then(|v| v.as_str())
        {
            return Ok(Orchestrators {
                swarm: d == "swarm",
                kubernetes: d == "kubernetes",
            });
        }
        if self.ev.call("mke/info").is_none() && self.containers.is_ok() {
            // A Docker Engine asked directly, without MKE.
            return Ok(Orchestrators {
                swarm: true,
                kubernetes: false,
            });
        }
        Err(Missing {
            what: "orchestrators in use (node labels in GET /nodes, or default_node_orchestrator)"
                .into(),
            why: self
                .nodes
                .as_ref()
                .err()
                .map_or("no orchestrator labels".into(), |m| m.why.clone()),
        })
    }
}

fn why_missing(ev: &Evidence, key: &str) -> String {
    match ev.call(key) {
        None => "not collected".into(),
        Some(c) => match &c.error {
            Some(e) => format!("the call failed ({e})"),
            None => "no body stored".into(),
        },
    }
}

fn text<'a>(ev: &'a Evidence, key: &str, what: &str) -> Fact<&'a str> {
    ev.text(key).ok_or_else(|| Missing {
        what: what.into(),
        why: why_missing(ev, key),
    })
}

fn json(ev: &Evidence, key: &str, what: &str) -> Fact<Value> {
    let t = text(ev, key, what)?;
    serde_json::from_str(t).map_err(|e| Missing {
        what: what.into(),
        why: format!("stored body is not JSON: {e}"),
    })
}

fn list(ev: &Evidence, key: &str, what: &str) -> Fact<Vec<Value>> {
    match json(ev, key, what)? {
        Value::Array(a) => Ok(a),
        _ => Err(Missing {
            what: what.into(),
            why: "not a list".into(),
        }),
    }
}

/// `docker/<engine>` of the first engine asked directly.
fn first_engine(ev: &Evidence) -> Option<String> {
    ev.manifest
        .calls
        .iter()
        .filter(|c| c.key.starts_with("docker/") && c.key.ends_with("/info"))
        .map(|c| c.key.trim_end_matches("/info").to_string())
        .next()
}

/// Containers from MKE and from engines asked directly, merged by id.
fn containers(ev: &Evidence) -> Fact<Containers> {
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

/// A JSON array of strings as `Vec<String>` (anything else: empty).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
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
