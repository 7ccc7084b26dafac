//! Rules only a person with host access can decide.

use super::facts::Facts;
use super::{Outcome, Policy};

/// V-260906: access to the Docker socket limited to root and the docker group.
pub fn socket_permissions(f: &Facts, _p: &Policy) -> Outcome {
    let mut o = Outcome::review(
        "File permissions on each node are not exposed by the MKE or Docker APIs.",
    )
    .step("On every node run: stat -c '%U:%G %a' /var/run/docker.sock (expect root:docker 660).")
    .step("On every node run: getent group docker, and compare the members with the SSP.");
    if let Ok(accounts) = f.items("mke/enzi/accounts", "accounts", "accounts") {
        let admins: Vec<String> = accounts
            .iter()
            .filter(|a| a.get("isAdmin").and_then(|v| v.as_bool()) == Some(true))
            .filter_map(|a| {
                a.get("name")
                    .and_then(|v| v.as_str())
                    .map(|n| format!("MKE administrator: {n}"))
            })
            .collect();
        o = o.lines(admins).source("mke/enzi/accounts");
    }
    o
}

/// V-260938: docker commands through a client bundle, no privileged exec.
pub fn privileged_exec(_f: &Facts, _p: &Policy) -> Outcome {
    Outcome::review("Which docker commands people ran is recorded only in each node's audit log.")
        .step("On every node run: ausearch -k docker | grep -E 'exec .*(--privileged|--user)'.")
        .step("Any docker exec with --privileged or --user is a finding; so is remote use without an MKE client bundle.")
}
