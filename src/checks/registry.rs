//! The one table from Vuln ID to check. Vuln IDs stay the same across
//! releases of the MKE STIG; rule ids (`SV-…rNNN_rule`) change and always
//! come from the benchmark in use, never from here.

use super::facts::Facts;
use super::{Outcome, Policy, access, certs, config, containers, engine, kube, manual, msr};

/// A check: the rule it decides, that rule's requirement in one sentence,
/// and the function that decides it.
pub struct Check {
    pub vuln_id: &'static str,
    pub requirement: &'static str,
    pub run: fn(&Facts, &Policy) -> Outcome,
}

/// Every MKE STIG check, in Vuln ID order.
pub static CHECKS: &[Check] = &[
    Check {
        vuln_id: "V-260903",
        requirement: "MKE web sessions must expire after 10 minutes and must not be silently renewed.",
        run: config::session_lifetime,
    },
    Check {
        vuln_id: "V-260904",
        requirement: "MSR organizations, team memberships and repository access must match what the SSP documents.",
        run: msr::permissions,
    },
    Check {
        vuln_id: "V-260905",
        requirement: "User workloads must run in their own namespaces: nothing but the kubernetes service in default, only approved services in kube-system.",
        run: kube::namespaces,
    },
    Check {
        vuln_id: "V-260906",
        requirement: "Access to the Docker socket on every node must be limited to root and the docker group, whose members the SSP approves.",
        run: manual::socket_permissions,
    },
    Check {
        vuln_id: "V-260907",
        requirement: "Every port published by a container must be documented in the SSP and PPSM CAL.",
        run: containers::ports_documented,
    },
    Check {
        vuln_id: "V-260908",
        requirement: "The container runtime on the MKE controller must run in FIPS mode.",
        run: engine::fips,
    },
    Check {
        vuln_id: "V-260909",
        requirement: "MKE must authenticate users through an enterprise identity provider (LDAP or SAML) with complete settings.",
        run: config::identity_provider,
    },
    Check {
        vuln_id: "V-260910",
        requirement: "No running container may run an SSH server.",
        run: containers::ssh,
    },
    Check {
        vuln_id: "V-260911",
        requirement: "Sensitive data named in the SSP must be held in Swarm or Kubernetes secrets, not in environment variables.",
        run: access::secrets,
    },
    Check {
        vuln_id: "V-260912",
        requirement: "MKE grants and Kubernetes role bindings must match the access the SSP approves.",
        run: access::grants,
    },
    Check {
        vuln_id: "V-260913",
        requirement: "No container or pod may share the host network namespace unless the SSP allows it.",
        run: containers::host_network,
    },
    Check {
        vuln_id: "V-260914",
        requirement: "MKE audit logging must record full requests.",
        run: config::audit_logging,
    },
    Check {
        vuln_id: "V-260915",
        requirement: "Audit records must go to a central log server, and loss of the feed must raise an alert.",
        run: engine::central_logging,
    },
    Check {
        vuln_id: "V-260916",
        requirement: "MSR must present a certificate issued by a DoD-trusted CA.",
        run: certs::msr_certificate,
    },
    Check {
        vuln_id: "V-260917",
        requirement: "Administrators and users must not be allowed to schedule workloads on manager or MSR nodes.",
        run: config::scheduling,
    },
    Check {
        vuln_id: "V-260918",
        requirement: "MKE must not send usage or tracking data to Mirantis.",
        run: config::telemetry,
    },
    Check {
        vuln_id: "V-260919",
        requirement: "MSR must not send analytics data to Mirantis.",
        run: msr::telemetry,
    },
    Check {
        vuln_id: "V-260920",
        requirement: "On Ubuntu hosts with AppArmor, no unprivileged container may run unconfined.",
        run: containers::apparmor,
    },
    Check {
        vuln_id: "V-260921",
        requirement: "On Red Hat or CentOS hosts the container runtime must enforce SELinux.",
        run: engine::selinux,
    },
    Check {
        vuln_id: "V-260922",
        requirement: "The Docker socket must not be mounted into containers.",
        run: containers::docker_socket,
    },
    Check {
        vuln_id: "V-260923",
        requirement: "Containers may only add the Linux capabilities the SSP allows.",
        run: containers::capabilities,
    },
    Check {
        vuln_id: "V-260924",
        requirement: "Container ports must not be bound to privileged host ports, and published ports must be bound to a specific interface.",
        run: containers::interface_binding,
    },
    Check {
        vuln_id: "V-260925",
        requirement: "Containers must have CPU and memory limits, and namespaces resource quotas.",
        run: containers::cpu_priority,
    },
    Check {
        vuln_id: "V-260926",
        requirement: "The engine must not use the aufs (or btrfs) storage driver.",
        run: engine::storage_driver,
    },
    Check {
        vuln_id: "V-260927",
        requirement: "MKE must present a certificate issued by a DoD-trusted CA.",
        run: certs::mke_certificate,
    },
    Check {
        vuln_id: "V-260928",
        requirement: "MSR must not create repositories on push.",
        run: msr::create_on_push,
    },
    Check {
        vuln_id: "V-260929",
        requirement: "Containers must not map privileged host ports.",
        run: containers::privileged_ports,
    },
    Check {
        vuln_id: "V-260930",
        requirement: "No container may share the host process namespace.",
        run: containers::host_pid,
    },
    Check {
        vuln_id: "V-260931",
        requirement: "Traffic between nodes must be encrypted with IPsec.",
        run: config::ipsec,
    },
    Check {
        vuln_id: "V-260932",
        requirement: "Persistent storage must keep workload data across a pod failure.",
        run: kube::persistence,
    },
    Check {
        vuln_id: "V-260933",
        requirement: "The kubelet must protect kernel defaults.",
        run: config::kernel_protection,
    },
    Check {
        vuln_id: "V-260934",
        requirement: "Every container must run with no-new-privileges.",
        run: containers::no_new_privileges,
    },
    Check {
        vuln_id: "V-260935",
        requirement: "Sharing the host IPC namespace must not be allowed unless the SSP permits it.",
        run: containers::host_ipc,
    },
    Check {
        vuln_id: "V-260936",
        requirement: "Containers must run with a read-only root filesystem.",
        run: containers::read_only_root,
    },
    Check {
        vuln_id: "V-260937",
        requirement: "The default seccomp profile must not be disabled.",
        run: containers::seccomp,
    },
    Check {
        vuln_id: "V-260938",
        requirement: "Docker commands must run through an MKE client bundle, and docker exec must not be used with --privileged or --user.",
        run: manual::privileged_exec,
    },
    Check {
        vuln_id: "V-260939",
        requirement: "No container may share the host user namespace.",
        run: containers::host_userns,
    },
    Check {
        vuln_id: "V-260940",
        requirement: "Only MKE system containers may run privileged.",
        run: containers::privileged,
    },
    Check {
        vuln_id: "V-260941",
        requirement: "Running containers must publish only the ports the SSP requires.",
        run: containers::ports_running,
    },
    Check {
        vuln_id: "V-260942",
        requirement: "MKE must run only images signed by the teams the SSP names.",
        run: config::signed_images,
    },
    Check {
        vuln_id: "V-260943",
        requirement: "MSR must scan every repository for vulnerabilities with a current database.",
        run: msr::scanning,
    },
    Check {
        vuln_id: "V-260944",
        requirement: "Images of older MKE and MSR versions must be removed after an upgrade.",
        run: containers::old_images,
    },
    Check {
        vuln_id: "V-260945",
        requirement: "MKE must run the latest release the organisation approves.",
        run: containers::latest_updates,
    },
    Check {
        vuln_id: "V-260946",
        requirement: "MKE must show the Standard Mandatory DoD Notice and Consent Banner before login.",
        run: config::banner,
    },
];

/// The check for a Vuln ID.
pub fn check(vuln_id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.vuln_id == vuln_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule of the built-in catalog has exactly one check, and every
    /// check's Vuln ID is a rule of the catalog: typos and retired rules fail here.
    #[test]
    fn registry_matches_the_catalog() {
        let b = crate::catalog::mke();
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.vuln_id).collect();
        let rules: Vec<&str> = b.rules.iter().map(|r| r.vuln_id.as_str()).collect();
        assert_eq!(ids, rules);
        assert!(CHECKS.iter().all(|c| c.requirement.ends_with('.')));
    }
}
