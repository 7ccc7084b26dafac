//! The subset of a kubeconfig stigkit needs: the current context's server,
//! its CA, and the user's client certificate or token.

use super::secret::Secret;
use super::tls::{Identity, Trust};
use base64::Engine;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How to reach one Kubernetes API server.
#[derive(Clone, Debug)]
pub struct KubeTarget {
    pub server: String,
    pub trust: Trust,
    pub identity: Option<Identity>,
    pub token: Option<Secret>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Config {
    #[serde(default)]
    clusters: Vec<Named<Cluster>>,
    #[serde(default)]
    users: Vec<Named<User>>,
    #[serde(default)]
    contexts: Vec<Named<Context>>,
    #[serde(default)]
    current_context: String,
}

#[derive(Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "user", alias = "context")]
    value: T,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Cluster {
    server: String,
    #[serde(default)]
    certificate_authority_data: Option<String>,
    #[serde(default)]
    certificate_authority: Option<PathBuf>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct User {
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
    #[serde(default)]
    client_certificate: Option<PathBuf>,
    #[serde(default)]
    client_key: Option<PathBuf>,
    #[serde(default)]
    token: Option<String>,
}

#[derive(Deserialize, Default)]
struct Context {
    cluster: String,
    #[serde(default)]
    user: String,
}

/// Parses a kubeconfig; relative file references resolve against `dir`.
/// `insecure` is the user's explicit flag; the file's own
/// `insecure-skip-tls-verify` is honoured too, and reported by the caller.
pub fn parse(yaml: &[u8], dir: &Path, insecure: bool) -> Result<(KubeTarget, bool), String> {
    let text = std::str::from_utf8(yaml).map_err(|_| "kubeconfig is not UTF-8".to_string())?;
    let cfg: Config = serde_saphyr::from_str(text)
        .map_err(|e| format!("kubeconfig: {}", first_line(&e.to_string())))?;
    let ctx = if cfg.current_context.is_empty() {
        cfg.contexts.first()
    } else {
        cfg.contexts.iter().find(|c| c.name == cfg.current_context)
    };
    let (cluster_name, user_name) = match ctx {
        Some(c) => (c.value.cluster.clone(), c.value.user.clone()),
        None => (
            cfg.clusters
                .first()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            cfg.users
                .first()
                .map(|u| u.name.clone())
                .unwrap_or_default(),
        ),
    };
    let cluster = &cfg
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .ok_or_else(|| format!("kubeconfig: no cluster '{cluster_name}'"))?
        .value;
    let user = cfg
        .users
        .iter()
        .find(|u| u.name == user_name)
        .map(|u| &u.value);
    let read = |p: &PathBuf| {
        let p = if p.is_absolute() {
            p.clone()
        } else {
            dir.join(p)
        };
        std::fs::read(&p).map_err(|e| format!("kubeconfig: {}: {e}", p.display()))
    };
    let file_insecure = cluster.insecure_skip_tls_verify;
    let trust = if insecure || file_insecure {
        Trust::Insecure
    } else if let Some(data) = &cluster.certificate_authority_data {
        Trust::Pem(decode(data, "certificate-authority-data")?)
    } else if let Some(p) = &cluster.certificate_authority {
        Trust::Pem(read(p)?)
    } else {
        Trust::System
    };
    let identity = match user {
        Some(u) => {
            let cert = match (&u.client_certificate_data, &u.client_certificate) {
                (Some(d), _) => Some(decode(d, "client-certificate-data")?),
                (None, Some(p)) => Some(read(p)?),
                _ => None,
            };
            let key = match (&u.client_key_data, &u.client_key) {
                (Some(d), _) => Some(decode(d, "client-key-data")?),
                (None, Some(p)) => Some(read(p)?),
                _ => None,
            };
            match (cert, key) {
                (Some(cert_pem), Some(key_pem)) => Some(Identity { cert_pem, key_pem }),
                _ => None,
            }
        }
        None => None,
    };
    let token = user
        .and_then(|u| u.token.clone())
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    Ok((
        KubeTarget {
            server: cluster.server.trim_end_matches('/').to_string(),
            trust,
            identity,
            token,
        },
        file_insecure && !insecure,
    ))
}

fn decode(data: &str, field: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| format!("kubeconfig: {field} is not base64"))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_current_context() {
        let yaml = br#"
apiVersion: v1
kind: Config
current-context: ucp_mke:6443_admin
clusters:
- name: other
  cluster:
    server: https://elsewhere:6443
- name: ucp_mke:6443_admin
  cluster:
    server: https://mke.example.mil:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
contexts:
- name: ucp_mke:6443_admin
  context:
    cluster: ucp_mke:6443_admin
    user: ucp_mke:6443_admin
users:
- name: ucp_mke:6443_admin
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
"#;
        let (t, file_insecure) = parse(yaml, Path::new("."), false).unwrap();
        assert_eq!(t.server, "https://mke.example.mil:6443");
        assert!(matches!(t.trust, Trust::Pem(ref p) if p.starts_with(b"-----BEGIN CERTIFICATE")));
        let id = t.identity.unwrap();
        assert_eq!(
            (id.cert_pem.as_slice(), id.key_pem.as_slice()),
            (&b"cert"[..], &b"key"[..])
        );
        assert!(t.token.is_none() && !file_insecure);
    }

    #[test]
    fn reports_bad_yaml_without_echoing_it() {
        let e = parse(b"clusters: [ {", Path::new("."), false).unwrap_err();
        assert!(e.starts_with("kubeconfig: "), "{e}");
    }
}
