//! A typed, read-only view of an evidence bundle, as the checks need it.
//!
//! Every fact is either there or [`Missing`] with the reason (never
//! collected, or the call failed), so a check can say exactly why it could
//! not decide. Containers seen through MKE and directly from an engine are
//! merged by id.

mod containers;

pub use containers::{Container, Containers, is_system, labels};

use crate::evidence::{Evidence, Target};
use serde_json::Value;

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
            containers: containers::merged(ev),
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

/// A JSON array of strings as `Vec<String>` (anything else: empty).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}
