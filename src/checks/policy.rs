//! The site policy: what the organisation's SSP allows, for the rules a
//! tool cannot decide from the cluster alone.
//!
//! Without a policy file, those rules stay Not_Reviewed (unless the
//! evidence alone shows a violation). Once a policy file is given, a list
//! it leaves out allows nothing: an empty policy grants no exception.

use serde::Deserialize;

/// The parsed policy file (see `samples/policy.toml`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Set when the policy came from a file (even an empty one).
    #[serde(skip)]
    pub supplied: bool,
    /// Host ports containers and services may publish: `tcp/443`, `udp/53`,
    /// `8080` (any protocol).
    pub allowed_ports: Option<Vec<String>>,
    /// Host ports below 1024 allowed anyway: `NAME` or `NAME:PORT`, NAME a
    /// container name pattern (`*` wildcard).
    pub privileged_port_exceptions: Option<Vec<String>>,
    /// Capabilities any container may add (`NET_BIND_SERVICE`).
    pub allowed_cap_add: Option<Vec<String>>,
    /// Containers (name patterns) allowed to do what a rule forbids.
    #[serde(default)]
    pub exceptions: Exceptions,
    /// Services allowed in the kube-system namespace (name patterns).
    pub allowed_kube_system_services: Option<Vec<String>>,
    /// Namespaces that need no ResourceQuota.
    pub quota_exempt_namespaces: Option<Vec<String>>,
    /// The MKE grants the SSP approves.
    pub approved_grants: Option<Vec<Grant>>,
    /// MSR organisations the SSP documents.
    pub msr_expected_orgs: Option<Vec<String>>,
    /// MSR teams the SSP documents, as `org/team`.
    pub msr_expected_teams: Option<Vec<String>>,
    /// Sensitive items the SSP says must be held in secrets (secret names).
    pub secret_items: Option<Vec<String>>,
    #[serde(default)]
    pub idp: Idp,
    /// PEM file of the CAs the SSP trusts (e.g. the DoD roots); read by the
    /// caller into `trusted_ca_pem`.
    pub trusted_ca_bundle: Option<std::path::PathBuf>,
    #[serde(skip)]
    pub trusted_ca_pem: Option<Vec<u8>>,
    /// Whether the SSP allows granting host IPC to accounts.
    pub allow_hostipc: Option<bool>,
    /// Teams whose signatures MKE must require, as `org/team`.
    pub signer_teams: Option<Vec<String>>,
    /// Oldest MKE release the organisation accepts (`3.7.16`).
    pub minimum_mke_version: Option<String>,
    /// Oldest Mirantis Container Runtime accepted on any node (`23.0.9`).
    pub minimum_mcr_version: Option<String>,
    /// The banner text the site requires, when it differs from DoD's.
    pub dod_banner_text: Option<String>,
    /// The SIEM alerts when the audit feed stops (confirmed with its admin).
    #[serde(default)]
    pub siem_alert_confirmed: bool,
    /// Accept that MKE's own components mount the Docker socket.
    #[serde(default)]
    pub accept_mke_system_socket_mounts: bool,
}

/// Container name patterns excepted from one rule each.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exceptions {
    #[serde(default)]
    pub privileged: Vec<String>,
    #[serde(default)]
    pub host_network: Vec<String>,
    #[serde(default)]
    pub host_pid: Vec<String>,
    #[serde(default)]
    pub host_ipc: Vec<String>,
    #[serde(default)]
    pub host_userns: Vec<String>,
    #[serde(default)]
    pub docker_socket: Vec<String>,
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub read_only_root: Vec<String>,
    #[serde(default)]
    pub no_new_privileges: Vec<String>,
    #[serde(default)]
    pub seccomp: Vec<String>,
    #[serde(default)]
    pub apparmor: Vec<String>,
    #[serde(default)]
    pub cpu_limits: Vec<String>,
    #[serde(default)]
    pub ssh: Vec<String>,
}

/// One approved grant: who, which role, on which collection path.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub subject: String,
    pub role: String,
    pub collection: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idp {
    /// The LDAP server URL (or SAML metadata URL) the SSP names.
    pub expected_url: Option<String>,
}

impl Policy {
    /// Parses a policy file's text. Errors name the key (and line).
    pub fn parse(text: &str) -> Result<Policy, String> {
        let mut p: Policy = toml::from_str(text).map_err(|e| super::toml_error(text, &e))?;
        p.supplied = true;
        Ok(p)
    }

    /// An allow-list from the policy: `None` without a policy (nothing to
    /// decide with), the list (or empty) with one.
    pub fn list<'a>(&self, field: &'a Option<Vec<String>>) -> Option<&'a [String]> {
        match field {
            Some(v) => Some(v.as_slice()),
            None if self.supplied => Some(&[]),
            None => None,
        }
    }

    /// The first pattern of `patterns` matching a container, as a note.
    pub fn excepted<'a>(patterns: &'a [String], name: &str, label: &str) -> Option<&'a str> {
        patterns
            .iter()
            .map(String::as_str)
            .find(|p| glob(p, name) || glob(p, label))
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key() {
        let e = Policy::parse("allowed_ports = [\"tcp/443\"]\nalowed_cap_add = []\n").unwrap_err();
        assert!(
            e.starts_with("line 2: unknown field `alowed_cap_add`"),
            "{e}"
        );
        let e = Policy::parse("[exceptions]\nprivileged = \"ucp-*\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2: invalid type: string \"ucp-*\", expected a sequence"),
            "{e}"
        );
        let e = Policy::parse("siem_alert_confirmed = \"yes\"\n").unwrap_err();
        assert!(e.contains("expected a boolean"), "{e}");
    }

    #[test]
    fn a_supplied_policy_allows_nothing_it_does_not_list() {
        let none = Policy::default();
        assert_eq!(none.list(&none.allowed_ports), None);
        let empty = Policy::parse("").unwrap();
        assert_eq!(empty.list(&empty.allowed_ports), Some(&[][..]));
    }

    #[test]
    fn glob_patterns() {
        assert!(glob("ucp-*", "ucp-proxy"));
        assert!(glob("*calico*", "k8s_calico-node_x"));
        assert!(glob("web", "web"));
        assert!(!glob("web", "web-2"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXcYYb"));
    }
}
