//! Scenario loading: reads a scenario folder once at start, fills in the
//! `{{…}}` placeholders, checks the data the handlers rely on, and
//! pre-serialises the bodies. Nothing here runs per request.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

use super::pki::Pki;
use super::{Fault, FaultKind, Scenario as Source, Server};

pub(super) struct Scenario {
    pub mke: Mke,
    pub kube: Kube,
    pub msr: Option<Msr>,
    pub faults: Vec<Fault>,
}

pub(super) struct Mke {
    pub config_toml: Bytes,
    pub info: Bytes,
    pub version: Bytes,
    pub nodes: Bytes,
    pub services: Bytes,
    pub secrets: Bytes,
    pub images: Bytes,
    pub networks: Bytes,
    pub tasks: Bytes,
    pub containers: Containers,
    pub enzi: Enzi,
    pub enzi_auth: Bytes,
    pub enzi_ldap: Bytes,
    pub grants: Bytes,
    pub roles: Bytes,
    pub collections: Bytes,
}

pub(super) struct Containers {
    /// `GET /containers/json?all=1` and without `all`.
    pub list_all: Bytes,
    pub list_running: Bytes,
    pub entries: Vec<Container>,
    pub by_id: HashMap<String, usize>,
    /// Full ids, sorted, for unique-prefix lookups.
    pub sorted_ids: Vec<(String, usize)>,
    /// "name" and "node/name" to entries (a bare name may be on many nodes).
    pub by_name: HashMap<String, Vec<usize>>,
}

pub(super) struct Container {
    pub id: String,
    pub running: bool,
    pub inspect: Bytes,
    pub top: Bytes,
}

/// One eNZi account service (MKE's or MSR's).
pub(super) struct Enzi {
    pub accounts: Vec<Value>,
    pub teams: BTreeMap<String, Vec<Value>>,
    /// Keyed "org/team".
    pub members: BTreeMap<String, Vec<Value>>,
}

pub(super) struct Kube {
    pub lists: Vec<KubeList>,
    pub configz: HashMap<String, Bytes>,
    pub version: Bytes,
}

pub(super) struct KubeList {
    pub res: &'static KubeResource,
    pub items: Vec<Value>,
}

/// A Kubernetes list endpoint the simulator serves.
pub(super) struct KubeResource {
    /// `kube/<file>.json` holds the items.
    pub file: &'static str,
    /// `/api/v1` or `/apis/<group>/<version>`.
    pub prefix: &'static str,
    pub kind: &'static str,
    pub api_version: &'static str,
    pub namespaced: bool,
}

impl KubeResource {
    pub fn path(&self) -> String {
        format!("{}/{}", self.prefix, self.file)
    }
}

pub(super) const KUBE_RESOURCES: &[KubeResource] = &[
    res("namespaces", "/api/v1", "NamespaceList", "v1", false),
    res("pods", "/api/v1", "PodList", "v1", true),
    res("services", "/api/v1", "ServiceList", "v1", true),
    res("nodes", "/api/v1", "NodeList", "v1", false),
    res("resourcequotas", "/api/v1", "ResourceQuotaList", "v1", true),
    res(
        "persistentvolumes",
        "/api/v1",
        "PersistentVolumeList",
        "v1",
        false,
    ),
    res(
        "storageclasses",
        "/apis/storage.k8s.io/v1",
        "StorageClassList",
        "storage.k8s.io/v1",
        false,
    ),
    res(
        "deployments",
        "/apis/apps/v1",
        "DeploymentList",
        "apps/v1",
        true,
    ),
    res(
        "daemonsets",
        "/apis/apps/v1",
        "DaemonSetList",
        "apps/v1",
        true,
    ),
    res(
        "statefulsets",
        "/apis/apps/v1",
        "StatefulSetList",
        "apps/v1",
        true,
    ),
    res(
        "clusterrolebindings",
        "/apis/rbac.authorization.k8s.io/v1",
        "ClusterRoleBindingList",
        "rbac.authorization.k8s.io/v1",
        false,
    ),
    res(
        "rolebindings",
        "/apis/rbac.authorization.k8s.io/v1",
        "RoleBindingList",
        "rbac.authorization.k8s.io/v1",
        true,
    ),
    res(
        "ingressclasses",
        "/apis/networking.k8s.io/v1",
        "IngressClassList",
        "networking.k8s.io/v1",
        false,
    ),
];

const fn res(
    file: &'static str,
    prefix: &'static str,
    kind: &'static str,
    api_version: &'static str,
    namespaced: bool,
) -> KubeResource {
    KubeResource {
        file,
        prefix,
        kind,
        api_version,
        namespaced,
    }
}

pub(super) struct Msr {
    pub settings: Bytes,
    pub features: Bytes,
    pub imagescan_status: Bytes,
    pub repositories: Vec<Value>,
    /// Keyed "namespace/repo".
    pub repo_access: HashMap<String, Vec<Value>>,
    pub namespace_access: HashMap<String, Vec<Value>>,
    pub enzi: Enzi,
}

/// Secret values the simulator holds, for `Sim::secrets`.
#[derive(Default)]
pub(super) struct SecretBook {
    named: BTreeMap<String, String>,
    values: Vec<String>,
}

impl SecretBook {
    /// The value of a named secret, created on first use.
    pub fn named(&mut self, name: &str) -> String {
        if let Some(v) = self.named.get(name) {
            return v.clone();
        }
        let v = random_string(24);
        self.named.insert(name.to_string(), v.clone());
        self.values.push(v.clone());
        v
    }

    /// A new secret (a password).
    pub fn fresh(&mut self, name: &str) -> String {
        self.named.remove(name);
        self.named(name)
    }

    pub fn add(&mut self, value: String) {
        self.values.push(value);
    }

    pub fn into_values(self) -> Vec<String> {
        self.values
    }
}

/// Letters and digits from the OS random source (via uuid v4), so every run
/// has secrets no test or collector can have hard-coded.
pub(super) fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() < len {
                out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Fills `{{secret:NAME}}`, `{{ca-cert}}` and `{{msr-server-cert}}`.
struct Expander<'a> {
    secrets: &'a mut SecretBook,
    ca_pem: &'a str,
    msr_cert_pem: &'a str,
}

impl Expander<'_> {
    fn text(&mut self, s: &str, file: &Path) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("{}: unclosed {{{{ placeholder", file.display()))?;
            let key = after[..end].trim();
            if let Some(name) = key.strip_prefix("secret:") {
                out.push_str(&self.secrets.named(name));
            } else if key == "ca-cert" {
                out.push_str(self.ca_pem);
            } else if key == "msr-server-cert" {
                out.push_str(self.msr_cert_pem);
            } else {
                return Err(format!(
                    "{}: unknown placeholder {{{{{key}}}}}",
                    file.display()
                ));
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn json(&mut self, v: &mut Value, file: &Path) -> Result<(), String> {
        match v {
            Value::String(s) if s.contains("{{") => *s = self.text(s, file)?,
            Value::Array(a) => {
                for x in a {
                    self.json(x, file)?;
                }
            }
            Value::Object(o) => {
                for (_, x) in o.iter_mut() {
                    self.json(x, file)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

struct Loader<'a> {
    dir: PathBuf,
    exp: Expander<'a>,
}

impl Loader<'_> {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    fn text(&mut self, rel: &str) -> Result<String, String> {
        let path = self.path(rel);
        let raw = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        self.exp.text(&raw, &path)
    }

    fn json(&mut self, rel: &str) -> Result<Value, String> {
        let path = self.path(rel);
        let raw = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let mut v: Value =
            serde_json::from_slice(&raw).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        self.exp.json(&mut v, &path)?;
        Ok(v)
    }

    fn json_or(&mut self, rel: &str, default: Value) -> Result<Value, String> {
        match self.exists(rel) {
            true => self.json(rel),
            false => Ok(default),
        }
    }

    fn array_or_empty(&mut self, rel: &str) -> Result<Vec<Value>, String> {
        match self.json_or(rel, json!([]))? {
            Value::Array(a) => Ok(a),
            _ => Err(format!(
                "{}: expected a JSON array",
                self.path(rel).display()
            )),
        }
    }

    fn map_of_arrays(&mut self, rel: &str) -> Result<BTreeMap<String, Vec<Value>>, String> {
        let shown = self.path(rel).display().to_string();
        let bad = || format!("{shown}: expected an object of arrays");
        let Value::Object(o) = self.json_or(rel, json!({}))? else {
            return Err(bad());
        };
        let mut out = BTreeMap::new();
        for (k, v) in o {
            let Value::Array(a) = v else {
                return Err(bad());
            };
            out.insert(k, a);
        }
        Ok(out)
    }

    /// Files of a folder with the given extension, sorted by name.
    fn files(&self, rel: &str, ext: &str) -> Result<Vec<(String, PathBuf)>, String> {
        let dir = self.path(rel);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().and_then(|e| e.to_str()) == Some(ext)
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                out.push((stem.to_string(), path.clone()));
            }
        }
        out.sort();
        Ok(out)
    }
}

fn bytes(v: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

/// The folder a scenario's files come from (scenario "default" for
/// `Synthetic`).
pub(super) fn dir_of(source: &Source) -> PathBuf {
    match source {
        Source::Named(name) => super::Sim::scenario_dir(name),
        Source::Dir(dir) => dir.clone(),
        Source::Synthetic { .. } => super::Sim::scenario_dir("default"),
    }
}

pub(super) fn load(
    source: &Source,
    pki: &Pki,
    secrets: &mut SecretBook,
) -> Result<Scenario, String> {
    let dir = dir_of(source);
    let synthetic = match source {
        Source::Synthetic {
            containers,
            running,
        } => Some((*containers, *running)),
        _ => None,
    };
    if !dir.join("mke").is_dir() {
        return Err(format!("scenario {} has no mke/ folder", dir.display()));
    }
    let mut l = Loader {
        dir,
        exp: Expander {
            secrets,
            ca_pem: &pki.ca_pem,
            msr_cert_pem: &pki.msr.cert_pem,
        },
    };

    let containers = match synthetic {
        Some((n, running)) => synthetic_containers(n, running)?,
        None => load_containers(&mut l)?,
    };
    let mke = Mke {
        config_toml: Bytes::from(l.text("mke/config-toml.toml")?),
        info: bytes(&l.json("mke/info.json")?),
        version: bytes(&l.json("mke/version.json")?),
        nodes: bytes(&l.json_or("mke/nodes.json", json!([]))?),
        services: bytes(&l.json_or("mke/services.json", json!([]))?),
        secrets: bytes(&l.json_or("mke/secrets.json", json!([]))?),
        images: bytes(&l.json_or("mke/images.json", json!([]))?),
        networks: bytes(&l.json_or("mke/networks.json", json!([]))?),
        tasks: bytes(&l.json_or("mke/tasks.json", json!([]))?),
        containers,
        enzi: load_enzi(&mut l, "mke")?,
        enzi_auth: bytes(&l.json_or("mke/enzi-auth.json", json!({"backend": "managed"}))?),
        enzi_ldap: bytes(&l.json_or("mke/enzi-ldap.json", json!({}))?),
        grants: bytes(&l.json_or("mke/grants.json", json!({"grants": [], "subjects": []}))?),
        roles: bytes(&l.json_or("mke/roles.json", json!([]))?),
        collections: bytes(&l.json_or("mke/collections.json", json!([]))?),
    };

    let mut lists = Vec::new();
    for r in KUBE_RESOURCES {
        let rel = format!("kube/{}.json", r.file);
        let items = l.array_or_empty(&rel)?;
        for item in &items {
            let meta = &item["metadata"];
            let named = meta["name"].as_str().is_some_and(|s| !s.is_empty());
            let ns_ok = !r.namespaced || meta["namespace"].as_str().is_some_and(|s| !s.is_empty());
            if !named || !ns_ok {
                return Err(format!(
                    "{}: every item needs metadata.name{}",
                    l.path(&rel).display(),
                    if r.namespaced {
                        " and metadata.namespace"
                    } else {
                        ""
                    }
                ));
            }
        }
        lists.push(KubeList { res: r, items });
    }
    let mut configz = HashMap::new();
    for (node, path) in l.files("kube/configz", "json")? {
        let rel = path
            .strip_prefix(&l.dir)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        configz.insert(node, bytes(&l.json(&rel)?));
    }
    let kube = Kube {
        lists,
        configz,
        version: bytes(&l.json_or(
            "kube/version.json",
            json!({"major": "1", "minor": "27", "gitVersion": "v1.27.13-mirantis-1",
                   "platform": "linux/amd64"}),
        )?),
    };

    let msr = match l.exists("msr") {
        false => None,
        true => Some(load_msr(&mut l)?),
    };
    let faults = match synthetic {
        Some(_) => Vec::new(),
        None => load_faults(&mut l)?,
    };
    Ok(Scenario {
        mke,
        kube,
        msr,
        faults,
    })
}

fn load_enzi(l: &mut Loader<'_>, side: &str) -> Result<Enzi, String> {
    let accounts = l.array_or_empty(&format!("{side}/accounts.json"))?;
    for a in &accounts {
        if a["name"].as_str().is_none() || a["isOrg"].as_bool().is_none() {
            return Err(format!(
                "{side}/accounts.json: every account needs name and isOrg"
            ));
        }
    }
    Ok(Enzi {
        accounts,
        teams: l.map_of_arrays(&format!("{side}/teams.json"))?,
        members: l.map_of_arrays(&format!("{side}/members.json"))?,
    })
}

fn load_msr(l: &mut Loader<'_>) -> Result<Msr, String> {
    let repositories = l.array_or_empty("msr/repositories.json")?;
    for r in &repositories {
        if r["namespace"].as_str().is_none() || r["name"].as_str().is_none() {
            return Err("msr/repositories.json: every repository needs namespace and name".into());
        }
    }
    let access = l.json_or("msr/team-access.json", json!({}))?;
    let section = |key: &str| -> Result<HashMap<String, Vec<Value>>, String> {
        let mut out = HashMap::new();
        if let Some(o) = access[key].as_object() {
            for (k, v) in o {
                let a = v
                    .as_array()
                    .ok_or_else(|| format!("msr/team-access.json: {key}.{k} must be an array"))?;
                out.insert(k.clone(), a.clone());
            }
        }
        Ok(out)
    };
    Ok(Msr {
        settings: bytes(&l.json("msr/settings.json")?),
        features: bytes(&l.json("msr/features.json")?),
        imagescan_status: bytes(&l.json("msr/imagescan-status.json")?),
        repo_access: section("repositories")?,
        namespace_access: section("namespaces")?,
        repositories,
        enzi: load_enzi(l, "msr")?,
    })
}

fn load_faults(l: &mut Loader<'_>) -> Result<Vec<Fault>, String> {
    let path = l.path("faults.json");
    let mut out = Vec::new();
    for f in l.array_or_empty("faults.json")? {
        let bad = |why: &str| format!("{}: {why} in {f}", path.display());
        let server = match f["server"].as_str() {
            Some("mke") => Server::Mke,
            Some("kube") => Server::Kube,
            Some("msr") => Server::Msr,
            _ => return Err(bad("server must be mke, kube or msr")),
        };
        let path_s = f["path"]
            .as_str()
            .filter(|p| p.starts_with('/'))
            .ok_or_else(|| bad("path must start with /"))?;
        let status = || {
            f["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| bad("status must be an HTTP status"))
        };
        let kind = match f["kind"].as_str() {
            Some("status") => FaultKind::Status(status()?),
            Some("status_times") => FaultKind::StatusTimes(
                status()?,
                f["times"].as_u64().ok_or_else(|| bad("times missing"))? as usize,
            ),
            Some("hang") => FaultKind::Hang,
            Some("delay") => FaultKind::Delay(Duration::from_millis(
                f["ms"].as_u64().ok_or_else(|| bad("ms missing"))?,
            )),
            Some("bad_json") => FaultKind::BadJson,
            Some("wrong_type") => FaultKind::WrongType,
            Some("truncated") => FaultKind::Truncated,
            Some("huge") => {
                FaultKind::Huge(f["bytes"].as_u64().ok_or_else(|| bad("bytes missing"))? as usize)
            }
            Some("redirect_off_host") => FaultKind::RedirectOffHost,
            _ => return Err(bad("unknown kind")),
        };
        out.push(Fault::new(server, path_s, kind));
    }
    Ok(out)
}

fn load_containers(l: &mut Loader<'_>) -> Result<Containers, String> {
    let mut parsed = Vec::new();
    for (stem, path) in l.files("mke/containers", "json")? {
        let rel = format!("mke/containers/{stem}.json");
        let v = l.json(&rel)?;
        let top_rel = format!("mke/top/{stem}.json");
        let top = match l.exists(&top_rel) {
            true => Some(l.json(&top_rel)?),
            false => None,
        };
        parsed.push((path, v, top));
    }
    build_containers(parsed)
}

/// `n` running containers with light inspect bodies, spread over the three
/// nodes of scenario "default", for load tests.
fn synthetic_containers(n: usize, running: bool) -> Result<Containers, String> {
    use sha2::Digest;
    const NODES: [(&str, &str, &str); 3] = [
        ("mke-mgr-1", "kq3rb8j7l0uyv2w9n4m6t1e5a", "10.0.0.11"),
        ("mke-wkr-1", "p5n2x8c4v7b1m9q3w6e0r2t8y", "10.0.0.21"),
        ("mke-wkr-2", "h7g3f1d9s5a2z8x4c6v0b3n7m", "10.0.0.22"),
    ];
    let mut parsed = Vec::with_capacity(n);
    for i in 0..n {
        let id: String = sha2::Sha256::digest(format!("synthetic-container-{i}"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (node, node_id, ip) = NODES[i % NODES.len()];
        let name = format!("synth-{i:05}");
        let pid = 20000 + i;
        let v = json!({
            "Id": id,
            "Created": "2025-03-04T10:15:00.000000000Z",
            "Path": "/app/server",
            "Args": ["--port", "8080"],
            "State": {"Status": if running { "running" } else { "exited" }, "Running": running,
                      "Paused": false, "Restarting": false, "OOMKilled": false, "Dead": false,
                      "Pid": if running { pid } else { 0 }, "ExitCode": 0, "Error": "",
                      "StartedAt": "2025-03-04T10:15:01.000000000Z",
                      "FinishedAt": if running { "0001-01-01T00:00:00Z" } else { "2025-03-04T11:00:00.000000000Z" }},
            "Image": "sha256:4a7c2f0e9b1d3c5a7e9f1b3d5c7a9e1f3b5d7c9a1e3f5b7d9c1a3e5f7b9d1c3a",
            "Name": format!("/{name}"),
            "RestartCount": 0,
            "Driver": "overlay2",
            "Platform": "linux",
            "AppArmorProfile": "docker-default",
            "HostConfig": {"Binds": null, "NetworkMode": "bridge", "PortBindings": {},
                           "CapAdd": null, "CapDrop": null, "IpcMode": "private", "PidMode": "",
                           "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": false,
                           "SecurityOpt": null, "UsernsMode": "", "CpuShares": 0, "Memory": 0,
                           "LogConfig": {"Type": "json-file", "Config": {}}, "Mounts": null},
            "Mounts": [],
            "Config": {"Hostname": &id[..12], "User": "", "Env": ["PATH=/usr/bin:/bin", "PORT=8080"],
                       "Cmd": ["--port", "8080"], "Image": "msr.example.mil/load/app:1.0",
                       "Entrypoint": ["/app/server"], "Labels": {"com.example.load": "1"}},
            "NetworkSettings": {"Ports": {"8080/tcp": null},
                                "Networks": {"bridge": {"NetworkID": "b1", "IPAddress": "172.17.0.2"}}},
            "Node": {"ID": node_id, "IP": ip, "Addr": format!("{ip}:12376"), "Name": node,
                     "Cpus": 4, "Memory": 16_000_000_000u64, "Labels": {}}
        });
        parsed.push((PathBuf::from(format!("synthetic/{name}")), v, None));
    }
    build_containers(parsed)
}

fn build_containers(parsed: Vec<(PathBuf, Value, Option<Value>)>) -> Result<Containers, String> {
    let now = chrono::Utc::now();
    let mut entries = Vec::with_capacity(parsed.len());
    let mut all = Vec::with_capacity(parsed.len());
    let mut running_list = Vec::new();
    let mut by_id = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (path, v, top) in parsed {
        let bad = |why: &str| format!("{}: {why}", path.display());
        let id = v["Id"].as_str().ok_or_else(|| bad("no Id"))?.to_string();
        let name = v["Name"]
            .as_str()
            .ok_or_else(|| bad("no Name"))?
            .trim_start_matches('/')
            .to_string();
        let node = v["Node"]["Name"].as_str().unwrap_or("").to_string();
        let running = v["State"]["Running"]
            .as_bool()
            .ok_or_else(|| bad("no State.Running"))?;
        let summary = summarize(&v, &name, &node, now).map_err(|e| bad(&e))?;
        let top = match top {
            Some(t) => t,
            None => default_top(&v),
        };
        let idx = entries.len();
        if by_id.insert(id.clone(), idx).is_some() {
            return Err(bad("duplicate Id"));
        }
        by_name.entry(name.clone()).or_default().push(idx);
        if !node.is_empty() {
            by_name
                .entry(format!("{node}/{name}"))
                .or_default()
                .push(idx);
        }
        if running {
            running_list.push(summary.clone());
        }
        all.push(summary);
        entries.push(Container {
            id,
            running,
            inspect: bytes(&v),
            top: bytes(&top),
        });
    }
    let mut sorted_ids: Vec<(String, usize)> = by_id.iter().map(|(k, v)| (k.clone(), *v)).collect();
    sorted_ids.sort();
    Ok(Containers {
        list_all: bytes(&Value::Array(all)),
        list_running: bytes(&Value::Array(running_list)),
        entries,
        by_id,
        sorted_ids,
        by_name,
    })
}

/// The `GET /containers/json` entry of an inspect body, the classic-Swarm
/// way MKE answers: `Names` carry the node, published `0.0.0.0` becomes
/// the node address.
fn summarize(
    v: &Value,
    name: &str,
    node: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Value, String> {
    let created = v["Created"].as_str().ok_or("no Created")?;
    let created = chrono::DateTime::parse_from_rfc3339(created)
        .map_err(|e| format!("Created: {e}"))?
        .timestamp();
    let mut command = v["Path"].as_str().unwrap_or("").to_string();
    for a in v["Args"].as_array().into_iter().flatten() {
        command.push(' ');
        command.push_str(a.as_str().unwrap_or(""));
    }
    let node_ip = v["Node"]["IP"].as_str().unwrap_or("0.0.0.0");
    let mut ports = Vec::new();
    if let Some(map) = v["NetworkSettings"]["Ports"].as_object() {
        for (key, bindings) in map {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let private: u64 = port.parse().map_err(|_| format!("bad port {key}"))?;
            match bindings.as_array().filter(|b| !b.is_empty()) {
                None => ports.push(json!({"PrivatePort": private, "Type": proto})),
                Some(list) => {
                    for b in list {
                        let ip = match b["HostIp"].as_str().unwrap_or("") {
                            "" | "0.0.0.0" => node_ip,
                            ip => ip,
                        };
                        let public: u64 = b["HostPort"]
                            .as_str()
                            .unwrap_or("0")
                            .parse()
                            .map_err(|_| format!("bad HostPort in {key}"))?;
                        ports.push(json!({"IP": ip, "PrivatePort": private,
                                          "PublicPort": public, "Type": proto}));
                    }
                }
            }
        }
    }
    let state = &v["State"];
    let since = |field: &str| {
        state[field]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| human(now.signed_duration_since(t)))
            .unwrap_or_else(|| "a while".into())
    };
    let status_word = state["Status"].as_str().unwrap_or("created");
    let status = match status_word {
        "running" => format!("Up {}", since("StartedAt")),
        "exited" => format!(
            "Exited ({}) {} ago",
            state["ExitCode"].as_i64().unwrap_or(0),
            since("FinishedAt")
        ),
        "created" => "Created".to_string(),
        other => other.to_string(),
    };
    let full_name = match node.is_empty() {
        true => format!("/{name}"),
        false => format!("/{node}/{name}"),
    };
    Ok(json!({
        "Id": v["Id"],
        "Names": [full_name],
        "Image": v["Config"]["Image"],
        "ImageID": v["Image"],
        "Command": command,
        "Created": created,
        "Ports": ports,
        "Labels": v["Config"]["Labels"].as_object().cloned().unwrap_or_default(),
        "State": status_word,
        "Status": status,
        "HostConfig": {"NetworkMode": v["HostConfig"]["NetworkMode"]},
        "NetworkSettings": {"Networks": v["NetworkSettings"]["Networks"]},
        "Mounts": v["Mounts"].as_array().cloned().unwrap_or_default(),
    }))
}

fn human(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(1);
    let (n, unit) = match s {
        0..60 => (s, "second"),
        60..3600 => (s / 60, "minute"),
        3600..86400 => (s / 3600, "hour"),
        _ => (s / 86400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `top -ef` of a container that has no `mke/top/` file: its main process.
fn default_top(v: &Value) -> Value {
    let pid = v["State"]["Pid"].as_u64().unwrap_or(1);
    let user = match v["Config"]["User"].as_str().unwrap_or("") {
        "" => "root".to_string(),
        u => u.split(':').next().unwrap_or(u).to_string(),
    };
    let mut cmd = v["Path"].as_str().unwrap_or("").to_string();
    for a in v["Args"].as_array().into_iter().flatten() {
        cmd.push(' ');
        cmd.push_str(a.as_str().unwrap_or(""));
    }
    json!({
        "Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
        "Processes": [[user, pid.to_string(), pid.saturating_sub(21).max(1).to_string(),
                       "0", "10:15", "?", "00:00:03", cmd]]
    })
}
