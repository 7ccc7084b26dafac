//! Rules decided from the containers' own configuration (Docker inspect,
//! `top`), Swarm services and images.

use super::facts::{Container, Facts, strings};
use super::{CONTAINERS, Outcome, Policy, Sweep, count, decide, need, sweep};
use crate::model::Status;
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

/// V-260910: SSH must not run within Linux containers.
pub fn ssh(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let mut unable = Vec::new();
    let s = sweep(all.running(), &p.exceptions.ssh, "ssh", |c| match &c.top {
        Some(Ok(top)) => sshd_process(top),
        Some(Err(m)) => {
            unable.push(format!("{}: {}", c.label(), m.why));
            None
        }
        None => None,
    });
    if s.offenders.is_empty() && !unable.is_empty() {
        return Outcome::review(format!(
            "No sshd among the containers whose processes were read, but the processes of {} could not be read.",
            count(unable.len(), "running container")
        ))
        .lines(unable.iter().map(|u| format!("processes not read: {u}")))
        .exceptions(s.excepted)
        .source(CONTAINERS);
    }
    decide(
        all,
        s,
        "An SSH server runs in",
        "No running container runs an SSH server",
    )
}

/// The first process of a `top` answer that is an SSH server.
fn sshd_process(top: &Value) -> Option<String> {
    let titles = strings(top.get("Titles").unwrap_or(&Value::Null));
    let cmd_col = titles
        .iter()
        .position(|t| t == "CMD" || t == "COMMAND")
        .unwrap_or(titles.len().saturating_sub(1));
    let pid_col = titles.iter().position(|t| t == "PID");
    for p in top
        .get("Processes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let cmd = p.get(cmd_col).and_then(Value::as_str).unwrap_or("");
        let is_sshd = cmd.split_whitespace().any(|tok| {
            let base = tok.rsplit('/').next().unwrap_or(tok);
            base == "sshd" || base.starts_with("sshd:")
        });
        if is_sshd {
            let pid = pid_col
                .and_then(|i| p.get(i))
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Some(format!("process {pid} \"{cmd}\""));
        }
    }
    None
}

/// Adds the pods that use a host namespace to a sweep; the policy's
/// exception patterns match them as `namespace/name`.
fn sweep_pods(
    f: &Facts,
    field: &str,
    exceptions: &[String],
    rule: &str,
    s: &mut Sweep,
) -> Result<(), super::Missing> {
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

/// V-260913: MKE host network namespace must not be shared.
pub fn host_network(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let mut s = sweep(&all.list, &p.exceptions.host_network, "host_network", |c| {
        (c.host_str("NetworkMode") == "host").then(|| "NetworkMode host".to_string())
    });
    let mut out_sources = vec![CONTAINERS];
    if kubernetes_used(f) {
        if let Err(m) = sweep_pods(
            f,
            "hostNetwork",
            &p.exceptions.host_network,
            "host_network",
            &mut s,
        ) {
            return Outcome::missing(&m).lines(s.offenders).source(CONTAINERS);
        }
        out_sources.push("kube/pods");
    }
    if !s.offenders.is_empty() && !p.supplied {
        return Outcome::review(format!(
            "{} share the host network; without a site policy stigkit cannot tell which the SSP allows.",
            count(s.offenders.len(), "workload")
        ))
        .lines(s.offenders)
        .step("List the approved ones under [exceptions] host_network in the site policy, or remove host networking.")
        .sources(&out_sources);
    }
    decide(
        all,
        s,
        "The host network namespace is shared by",
        "No container shares the host network namespace",
    )
    .sources(&out_sources)
}

/// V-260920: with AppArmor on Ubuntu, no unprivileged container runs unconfined.
pub fn apparmor(f: &Facts, p: &Policy) -> Outcome {
    let info = need!(&f.info);
    let os = info
        .get("OperatingSystem")
        .and_then(Value::as_str)
        .unwrap_or("");
    let opts = strings(info.get("SecurityOptions").unwrap_or(&Value::Null));
    let apparmor = opts
        .iter()
        .any(|o| o.split(',').any(|kv| kv == "name=apparmor"));
    if !os.contains("Ubuntu") || !apparmor {
        return Outcome::not_applicable(format!(
            "The engine runs {} {} AppArmor; the rule covers Ubuntu hosts using AppArmor.",
            if os.is_empty() { "an unknown OS" } else { os },
            if apparmor { "with" } else { "without" }
        ))
        .line(format!(
            "OperatingSystem = {os:?}, SecurityOptions = {opts:?}"
        ))
        .source("mke/info");
    }
    let all = need!(&f.containers);
    let s = sweep(&all.list, &p.exceptions.apparmor, "apparmor", |c| {
        let profile = c
            .inspect
            .get("AppArmorProfile")
            .and_then(Value::as_str)
            .unwrap_or("");
        let opt = c.security_opts().iter().any(|o| {
            let o = o.to_ascii_lowercase();
            o == "apparmor=unconfined" || o == "apparmor:unconfined"
        });
        let privileged = c.host("Privileged").as_bool().unwrap_or(false);
        ((profile == "unconfined" || opt) && !privileged)
            .then(|| "AppArmor profile unconfined".to_string())
    });
    decide(
        all,
        s,
        "AppArmor is off for",
        "Every unprivileged container runs under an AppArmor profile",
    )
    .line(format!("OperatingSystem = {os:?}"))
    .source("mke/info")
}

/// V-260922: the Docker socket must not be mounted inside any containers.
pub fn docker_socket(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let mounts_socket = |c: &Container| {
        c.mounts()
            .into_iter()
            .find(|(s, d)| {
                [s, d]
                    .iter()
                    .any(|x| x.contains("docker.sock") || x.contains("docker_engine"))
            })
            .map(|(s, d)| format!("mounts {s} at {d}"))
    };
    let user: Vec<&Container> = all.list.iter().filter(|c| !c.system).collect();
    let system: Vec<String> = all
        .list
        .iter()
        .filter(|c| c.system)
        .filter_map(|c| mounts_socket(c).map(|m| format!("{} (MKE component): {m}", c.label())))
        .collect();
    let s = sweep(
        user,
        &p.exceptions.docker_socket,
        "docker_socket",
        mounts_socket,
    );
    if s.offenders.is_empty() && !system.is_empty() && all.uninspected.is_empty() {
        let base = if p.accept_mke_system_socket_mounts {
            Outcome::pass(
                "Only MKE's own components mount the Docker socket, which the site policy accepts (accept_mke_system_socket_mounts).",
            )
        } else {
            Outcome::review("Only MKE's own components mount the Docker socket; MKE needs this by design.")
                .step("Accept it in the site policy (accept_mke_system_socket_mounts = true) if the SSP does.")
        };
        return base.lines(system).exceptions(s.excepted).source(CONTAINERS);
    }
    decide(
        all,
        s,
        "The Docker socket is mounted in",
        "No container mounts the Docker socket",
    )
    .lines(system)
}

/// V-260923: Linux kernel capabilities must be restricted within containers.
pub fn capabilities(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    match p.list(&p.allowed_cap_add) {
        Some(allowed) => {
            let s = sweep(&all.list, &p.exceptions.capabilities, "capabilities", |c| {
                let extra: Vec<String> = c
                    .cap_add()
                    .into_iter()
                    .filter(|cap| {
                        cap == "ALL" || !allowed.iter().any(|a| a.eq_ignore_ascii_case(cap))
                    })
                    .collect();
                (!extra.is_empty())
                    .then(|| format!("adds {} (not allowed by the site policy)", extra.join(", ")))
            });
            decide(
                all,
                s,
                "Capabilities beyond the site policy are added to",
                "No container adds a capability the site policy does not allow",
            )
            .line(format!("allowed_cap_add = {allowed:?}"))
        }
        None => {
            let s = sweep(
                all.list.iter().filter(|c| !c.system),
                &[],
                "capabilities",
                |c| {
                    let caps = c.cap_add();
                    caps.iter()
                        .any(|cap| cap == "ALL" || cap == "SYS_ADMIN")
                        .then(|| format!("adds {}", caps.join(", ")))
                },
            );
            if !s.offenders.is_empty() {
                return decide(all, s, "ALL or SYS_ADMIN is added to", "");
            }
            let adding: Vec<String> = all
                .list
                .iter()
                .filter(|c| !c.cap_add().is_empty())
                .map(|c| format!("{}: adds {}", c.label(), c.cap_add().join(", ")))
                .collect();
            if adding.is_empty() {
                return decide(all, s, "", "No container adds a Linux capability");
            }
            Outcome::review(format!(
                "{} add capabilities; without a site policy stigkit cannot tell which the SSP allows.",
                count(adding.len(), "container")
            ))
            .lines(adding)
            .step("List the capabilities the SSP allows under allowed_cap_add in the site policy.")
            .source(CONTAINERS)
        }
    }
}

/// Containers and services publishing a host port below 1024.
fn privileged_ports_sweep(f: &Facts, p: &Policy) -> Result<Sweep, super::Missing> {
    let all = f.containers.as_ref().map_err(Clone::clone)?;
    let exceptions = p.privileged_port_exceptions.clone().unwrap_or_default();
    let allowed = |name: &str, label: &str, port: u16| {
        exceptions.iter().find(|e| match e.rsplit_once(':') {
            Some((pat, ps)) if ps.parse::<u16>().is_ok() => {
                ps.parse::<u16>() == Ok(port)
                    && (super::policy::glob(pat, name) || super::policy::glob(pat, label))
            }
            _ => super::policy::glob(e, name) || super::policy::glob(e, label),
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
    let controller = super::cfg_line(f, "cluster_config.controller_port", "443");
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

/// V-260925: CPU priority (and memory limits) set on all containers;
/// resource quotas in every Kubernetes namespace.
pub fn cpu_priority(f: &Facts, p: &Policy) -> Outcome {
    let orch = f.orchestrators().ok();
    let mut result: Option<Outcome> = None;
    if orch.is_none_or(|o| o.swarm) {
        let all = need!(&f.containers);
        let s = sweep(all.running(), &p.exceptions.cpu_limits, "cpu_limits", |c| {
            let mem = c.host("Memory").as_i64().unwrap_or(0);
            let shares = c.host("CpuShares").as_i64().unwrap_or(0);
            let mut wrong = Vec::new();
            if mem == 0 {
                wrong.push("no memory limit (Memory 0)".to_string());
            }
            if shares == 0 || shares == 1024 {
                wrong.push(format!("default CPU shares (CpuShares {shares})"));
            }
            (!wrong.is_empty()).then(|| wrong.join(", "))
        });
        result = Some(decide(
            all,
            s,
            "CPU shares or a memory limit are not set on",
            "Every running container has CPU shares and a memory limit",
        ));
    }
    if orch.is_some_and(|o| o.kubernetes) {
        let k = quotas(f, p);
        result = Some(match result {
            Some(r) => r.worst(k),
            None => k,
        });
    }
    result.unwrap_or_else(|| {
        Outcome::missing(
            &f.orchestrators()
                .expect_err("no branch ran only when unknown"),
        )
    })
}

fn quotas(f: &Facts, p: &Policy) -> Outcome {
    let namespaces = need!(f.items(
        "kube/namespaces",
        "items",
        "Kubernetes namespaces (GET /api/v1/namespaces)"
    ));
    let quotas = need!(f.items(
        "kube/resourcequotas",
        "items",
        "resource quotas (GET /api/v1/resourcequotas)"
    ));
    let default_exempt = [
        "kube-system".to_string(),
        "kube-public".to_string(),
        "kube-node-lease".to_string(),
    ];
    let exempt = p
        .quota_exempt_namespaces
        .as_deref()
        .unwrap_or(&default_exempt);
    let mut lacking = Vec::new();
    let mut with = Vec::new();
    for ns in &namespaces {
        let name = ns
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if exempt.iter().any(|e| e == name) {
            continue;
        }
        let hard = quotas
            .iter()
            .filter(|q| q.pointer("/metadata/namespace").and_then(Value::as_str) == Some(name))
            .filter_map(|q| q.pointer("/spec/hard"))
            .find(|h| h.get("limits.cpu").is_some() && h.get("limits.memory").is_some());
        match hard {
            Some(h) => with.push(format!(
                "namespace {name}: limits.cpu {}, limits.memory {}",
                h["limits.cpu"].as_str().unwrap_or("?"),
                h["limits.memory"].as_str().unwrap_or("?")
            )),
            None => lacking.push(format!(
                "namespace {name}: no ResourceQuota with limits.cpu and limits.memory"
            )),
        }
    }
    let out = if !lacking.is_empty() {
        Outcome::open(format!(
            "{} have no CPU and memory quota.",
            count(lacking.len(), "namespace")
        ))
    } else if p.supplied {
        Outcome::pass("Every namespace has a CPU and memory quota; the site policy is in force.")
    } else {
        Outcome::review("Every namespace has a CPU and memory quota; whether the values meet the SSP needs review.")
            .step("Compare each namespace's quota with the SSP.")
    };
    out.lines(lacking)
        .lines(with)
        .line(format!("exempt namespaces: {exempt:?}"))
        .sources(&["kube/namespaces", "kube/resourcequotas"])
}

/// V-260930: no container may share the host process namespace.
pub fn host_pid(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let s = sweep(&all.list, &p.exceptions.host_pid, "host_pid", |c| {
        (c.host_str("PidMode") == "host").then(|| "PidMode host".to_string())
    });
    let mut out = decide(
        all,
        s,
        "The host process namespace is shared by",
        "No container shares the host process namespace",
    );
    // Pods are outside this rule (Swarm containers); shown for the reviewer.
    let mut pods = Sweep {
        offenders: Vec::new(),
        excepted: Vec::new(),
        checked: 0,
    };
    if kubernetes_used(f)
        && sweep_pods(f, "hostPID", &p.exceptions.host_pid, "host_pid", &mut pods).is_ok()
    {
        out = out
            .lines(pods.offenders)
            .exceptions(pods.excepted)
            .source("kube/pods");
    }
    out
}

/// V-260934: all containers must be restricted from acquiring additional privileges.
pub fn no_new_privileges(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let s = sweep(
        &all.list,
        &p.exceptions.no_new_privileges,
        "no_new_privileges",
        |c| {
            let ok = c.security_opts().iter().any(|o| {
                let o = o.to_ascii_lowercase();
                o == "no-new-privileges"
                    || o == "no-new-privileges:true"
                    || o == "no-new-privileges=true"
            });
            (!ok).then(|| "no no-new-privileges in SecurityOpt".to_string())
        },
    );
    decide(
        all,
        s,
        "Additional privileges can be acquired in",
        "Every container runs with no-new-privileges",
    )
}

/// V-260935: host IPC must not be shared (containers, pods, and MKE's
/// permission to grant it).
pub fn host_ipc(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let mut s = sweep(&all.list, &p.exceptions.host_ipc, "host_ipc", |c| {
        (c.host_str("IpcMode") == "host").then(|| "IpcMode host".to_string())
    });
    let mut sources = vec![CONTAINERS];
    if kubernetes_used(f) {
        if let Err(m) = sweep_pods(f, "hostIPC", &p.exceptions.host_ipc, "host_ipc", &mut s) {
            return Outcome::missing(&m).lines(s.offenders).source(CONTAINERS);
        }
        sources.push("kube/pods");
    }
    // As for host networking, the SSP may allow some workloads host IPC;
    // only a site policy can say which.
    if !s.offenders.is_empty() && !p.supplied {
        return Outcome::review(format!(
            "{} share the host IPC namespace; without a site policy stigkit cannot tell which the SSP allows.",
            count(s.offenders.len(), "workload")
        ))
        .lines(s.offenders)
        .step("List the approved ones under [exceptions] host_ipc in the site policy, or remove host IPC.")
        .sources(&sources);
    }
    if !s.offenders.is_empty() {
        return decide(all, s, "The host IPC namespace is shared by", "").sources(&sources);
    }
    let containers = decide(
        all,
        s,
        "",
        "No container or pod shares the host IPC namespace",
    )
    .sources(&sources);
    // Without MKE (a plain engine) there is no MKE permission to look at.
    if f.target.mke_url.is_none() {
        return containers;
    }
    let _ = need!(&f.config);
    let lists = [
        "cluster_config.priv_attributes_allowed_for_user_accounts",
        "cluster_config.priv_attributes_allowed_for_service_accounts",
    ];
    let mut lines = Vec::new();
    let mut allowed_somewhere = false;
    for l in lists {
        let values: Vec<String> = f
            .cfg(l)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if values.iter().any(|v| v.eq_ignore_ascii_case("hostIPC")) {
            allowed_somewhere = true;
        }
        lines.push(format!("{l} = {values:?}"));
    }
    let cfg = if !allowed_somewhere {
        Outcome::pass("MKE does not allow granting host IPC, and nothing shares it.")
    } else {
        match p.allow_hostipc {
            Some(true) => Outcome::pass("MKE allows granting host IPC, which the site policy permits (allow_hostipc = true)."),
            Some(false) => Outcome::open("MKE allows granting host IPC, which the site policy forbids (allow_hostipc = false)."),
            None => Outcome::review("MKE allows granting host IPC to accounts; whether the SSP permits it needs review.")
                .step("Set allow_hostipc in the site policy, or remove hostIPC under Admin Settings > Privileges."),
        }
    };
    containers.worst(cfg.lines(lines).source("mke/config-toml"))
}

/// V-260936: all containers must mount their root filesystem read only.
pub fn read_only_root(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let s = sweep(
        &all.list,
        &p.exceptions.read_only_root,
        "read_only_root",
        |c| {
            (c.host("ReadonlyRootfs").as_bool() != Some(true))
                .then(|| "root filesystem writable (ReadonlyRootfs false)".to_string())
        },
    );
    decide(
        all,
        s,
        "The root filesystem is writable in",
        "Every container mounts its root filesystem read only",
    )
}

/// V-260937: the default seccomp profile must not be disabled.
pub fn seccomp(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let s = sweep(&all.list, &p.exceptions.seccomp, "seccomp", |c| {
        c.security_opts()
            .into_iter()
            .find(|o| {
                let o = o.to_ascii_lowercase();
                o == "seccomp=unconfined" || o == "seccomp:unconfined"
            })
            .map(|o| format!("SecurityOpt {o}"))
    });
    let out = decide(
        all,
        s,
        "Seccomp is disabled for",
        "No container disables the default seccomp profile",
    );
    match f.cfg("cluster_config.disable_seccomp_default").and_then(|v| v.as_bool()) {
        Some(true) => Outcome::open("MKE disables the default seccomp profile (cluster_config.disable_seccomp_default = true).")
            .source("mke/config-toml")
            .worst(out),
        Some(false) => out.line("cluster_config.disable_seccomp_default = false").source("mke/config-toml"),
        None => out,
    }
}

/// V-260939: no container may share the host user namespace.
pub fn host_userns(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let s = sweep(&all.list, &p.exceptions.host_userns, "host_userns", |c| {
        (c.host_str("UsernsMode") == "host").then(|| "UsernsMode host".to_string())
    });
    decide(
        all,
        s,
        "The host user namespace is shared by",
        "No container shares the host user namespace",
    )
}

/// V-260940: privileged Linux containers only for system components.
pub fn privileged(f: &Facts, p: &Policy) -> Outcome {
    if let Some(na) = kubernetes_only(f) {
        return na;
    }
    let all = need!(&f.containers);
    let is_privileged = |c: &Container| c.host("Privileged").as_bool() == Some(true);
    let system: Vec<String> = all
        .list
        .iter()
        .filter(|c| c.system && is_privileged(c))
        .map(|c| {
            format!(
                "{} (MKE component): privileged, allowed for system containers",
                c.label()
            )
        })
        .collect();
    let s = sweep(
        all.list.iter().filter(|c| !c.system),
        &p.exceptions.privileged,
        "privileged",
        |c| is_privileged(c).then(|| "privileged".to_string()),
    );
    decide(
        all,
        s,
        "Privileged mode is used by",
        "No non-system container runs privileged",
    )
    .lines(system)
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
fn published(f: &Facts, running_only: bool) -> Result<Vec<Published>, super::Missing> {
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

/// A release `3.7.5` as comparable numbers (`None` for `latest` and the like).
pub(super) fn semver(s: &str) -> Option<Vec<u64>> {
    let core = s.trim_start_matches('v').split(['-', '+']).next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// Which product an image belongs to: `mke`, `msr`, or neither.
fn product(repo: &str) -> Option<&'static str> {
    let name = repo.rsplit_once('/').map_or(repo, |(_, n)| n);
    let org_ok = repo.starts_with("mirantis/")
        || repo.starts_with("docker/")
        || repo.contains("registry.mirantis.com/");
    if !org_ok {
        return None;
    }
    if name.starts_with("ucp") {
        Some("mke")
    } else if name.starts_with("dtr") || name.starts_with("msr") {
        Some("msr")
    } else {
        None
    }
}

/// V-260944: older MKE and MSR images must be removed after an upgrade.
pub fn old_images(f: &Facts, _p: &Policy) -> Outcome {
    let images = need!(&f.images);
    let mut tags: Vec<(&'static str, String, Vec<u64>)> = Vec::new();
    for img in images {
        for tag in strings(img.get("RepoTags").unwrap_or(&Value::Null)) {
            let Some((repo, version)) = tag.rsplit_once(':') else {
                continue;
            };
            if let (Some(prod), Some(v)) = (product(repo), semver(version)) {
                tags.push((prod, tag.clone(), v));
            }
        }
    }
    let mut installed: Vec<(&str, Vec<u64>, String)> = Vec::new();
    for prod in ["mke", "msr"] {
        let from_api = if prod == "mke" {
            f.mke_version.as_ref().ok().and_then(|v| semver(v))
        } else {
            None
        };
        let newest = tags
            .iter()
            .filter(|t| t.0 == prod)
            .map(|t| t.2.clone())
            .max();
        if let Some(v) = from_api.clone().or(newest) {
            let how = if from_api.is_some() {
                "GET /version"
            } else {
                "newest image present"
            };
            installed.push((prod, v, how.to_string()));
        }
    }
    let mut old: Vec<String> = Vec::new();
    for (prod, tag, v) in &tags {
        if let Some((_, inst, _)) = installed.iter().find(|i| i.0 == *prod)
            && v < inst
        {
            old.push(format!(
                "{tag} is older than the installed {}",
                dotted(inst)
            ));
        }
    }
    old.sort();
    old.dedup();
    let versions: Vec<String> = installed
        .iter()
        .map(|(p, v, how)| format!("installed {} {} ({how})", p.to_uppercase(), dotted(v)))
        .collect();
    let out = if old.is_empty() {
        Outcome::pass(format!(
            "No MKE or MSR image older than the installed release among {}.",
            count(images.len(), "image")
        ))
    } else {
        Outcome::open(format!(
            "{} older than the installed release remain.",
            count(old.len(), "MKE/MSR image")
        ))
    };
    out.lines(old)
        .lines(versions)
        .sources(&["mke/images", "mke/version"])
}

pub(super) fn dotted(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// V-260945: MKE must contain the latest updates (per the site's minimum).
pub fn latest_updates(f: &Facts, p: &Policy) -> Outcome {
    let installed = need!(&f.mke_version);
    let mut out = match &p.minimum_mke_version {
        None => Outcome::review(format!("MKE {installed} is installed; the site policy names no minimum release to compare with."))
            .step("Set minimum_mke_version in the site policy to the latest approved MKE release."),
        Some(min) => match (semver(installed), semver(min)) {
            (Some(i), Some(m)) if i < m => Outcome::open(format!("MKE {installed} is older than the site's minimum {min}.")),
            (Some(_), Some(_)) => Outcome::pass(format!("MKE {installed} meets the site's minimum {min}.")),
            _ => Outcome::review(format!("Cannot compare MKE {installed} with the site's minimum {min}.")),
        },
    }
    .line(format!("installed MKE {installed}"))
    .source("mke/version");
    if let Some(min) = &p.minimum_mcr_version
        && let Ok(nodes) = &f.nodes
    {
        let mut older = Vec::new();
        for n in nodes {
            let host = n
                .pointer("/Description/Hostname")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let ev = n
                .pointer("/Description/Engine/EngineVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let (Some(e), Some(m)) = (semver(ev), semver(min))
                && e < m
            {
                older.push(format!("node {host}: engine {ev} older than {min}"));
            }
        }
        if !older.is_empty() && out.status != Status::Open {
            out = Outcome::open(format!(
                "{} an engine older than the site's minimum {min}.",
                count(older.len(), "node runs")
            ))
            .lines(out.evidence.clone())
            .source("mke/version");
        }
        out = out.lines(older).source("mke/nodes");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sshd_is_found_in_top_output() {
        let top = json!({"Titles": ["UID","PID","PPID","C","STIME","TTY","TIME","CMD"],
            "Processes": [["root","1","0","0","10:01","?","00:00:00","/bin/sh /usr/sbin/sshd -D"]]});
        assert_eq!(
            sshd_process(&top).unwrap(),
            "process 1 \"/bin/sh /usr/sbin/sshd -D\""
        );
        let top = json!({"Titles": ["PID","COMMAND"], "Processes": [["7","sshd: root@pts/0"]]});
        assert!(sshd_process(&top).is_some());
        let top = json!({"Titles": ["PID","CMD"], "Processes": [["7","/usr/bin/sshd-keygen-helper"], ["8", "nginx: sshd-like"]]});
        assert!(sshd_process(&top).is_none());
    }

    #[test]
    fn versions_and_products() {
        assert!(semver("3.7.3") < semver("3.7.16"));
        assert_eq!(semver("latest"), None);
        assert_eq!(product("mirantis/ucp-agent"), Some("mke"));
        assert_eq!(product("registry.mirantis.com/msr/msr-api"), Some("msr"));
        assert_eq!(product("docker/dtr-nginx"), Some("msr"));
        assert_eq!(product("msr.example.mil/eng/web"), None);
    }

    #[test]
    fn ports_match_protocol_or_any() {
        let allowed = vec!["tcp/443".to_string(), "8082".to_string()];
        assert!(port_allowed(&allowed, "tcp", 443));
        assert!(!port_allowed(&allowed, "udp", 443));
        assert!(port_allowed(&allowed, "udp", 8082));
        assert!(!port_allowed(&allowed, "tcp", 80));
    }
}
