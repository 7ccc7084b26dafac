//! Host namespaces: network, process, IPC and user, in containers and pods.

use super::{kubernetes_only, kubernetes_used, sweep_pods};
use crate::checks::facts::Facts;
use crate::checks::{CONTAINERS, Outcome, Policy, Sweep, count, decide, need, sweep};

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
