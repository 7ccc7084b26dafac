//! What a container may do on its host: capabilities, privileged mode, new
//! privileges, seccomp and AppArmor, a read-only root, the Docker socket.

use super::kubernetes_only;
use crate::checks::facts::{Container, Facts, strings};
use crate::checks::{CONTAINERS, Outcome, Policy, count, decide, need, sweep};
use serde_json::Value;

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
