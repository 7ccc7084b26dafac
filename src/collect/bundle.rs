//! MKE client bundles: the zip MKE hands out (or its unpacked folder)
//! holding `ca.pem`, `cert.pem`, `key.pem`, `kube.yml` and `env.sh`.

use super::tls::Identity;
use crate::unzip;
use std::path::{Path, PathBuf};

/// A loaded client bundle. The private key stays in memory only.
#[derive(Clone, Debug)]
pub struct ClientBundle {
    pub path: PathBuf,
    pub ca_pem: Vec<u8>,
    pub identity: Identity,
    /// The bundle's kubeconfig, when it has one.
    pub kube_yml: Option<Vec<u8>>,
    /// `DOCKER_HOST` from `env.sh` (`tcp://mke.example.mil:443`).
    pub docker_host: Option<String>,
}

const FILES: [&str; 5] = ["ca.pem", "cert.pem", "key.pem", "kube.yml", "env.sh"];

impl ClientBundle {
    /// Loads a bundle zip or folder. Files are found by name anywhere in a
    /// zip (MKE nests them in a folder in some versions).
    pub fn load(path: &Path) -> Result<ClientBundle, String> {
        let mut found: Vec<(String, Vec<u8>)> = Vec::new();
        if path.is_dir() {
            for name in FILES {
                let p = path.join(name);
                if p.exists() {
                    let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    found.push((name.to_string(), data));
                }
            }
        }
        let mut bundle = if path.is_dir() {
            ClientBundle::from_files(found)?
        } else {
            let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
            ClientBundle::from_zip(&bytes)?
        };
        bundle.path = path.to_path_buf();
        Ok(bundle)
    }

    /// A bundle from the bytes of MKE's bundle zip (its `path` empty).
    pub fn from_zip(bytes: &[u8]) -> Result<ClientBundle, String> {
        if !unzip::is_zip(bytes) {
            return Err(
                "not a client bundle: expected a zip or a folder with ca.pem, cert.pem and key.pem"
                    .into(),
            );
        }
        let mut found: Vec<(String, Vec<u8>)> = Vec::new();
        let wanted = |n: &str| FILES.contains(&n.rsplit('/').next().unwrap_or(n));
        for (name, data) in unzip::entries(bytes, wanted).map_err(|e| e.to_string())? {
            let base = name.rsplit('/').next().unwrap_or(&name).to_string();
            if !found.iter().any(|(n, _)| *n == base) {
                found.push((base, data));
            }
        }
        ClientBundle::from_files(found)
    }

    fn from_files(mut found: Vec<(String, Vec<u8>)>) -> Result<ClientBundle, String> {
        let mut take = |name: &str| {
            found
                .iter()
                .position(|(n, _)| n == name)
                .map(|i| found.swap_remove(i).1)
        };
        let need = |v: Option<Vec<u8>>, name: &str| {
            v.ok_or_else(|| format!("client bundle has no {name}"))
        };
        let ca_pem = need(take("ca.pem"), "ca.pem")?;
        let cert_pem = need(take("cert.pem"), "cert.pem")?;
        let key_pem = need(take("key.pem"), "key.pem")?;
        let kube_yml = take("kube.yml");
        let docker_host =
            take("env.sh").and_then(|env| docker_host_from_env(&String::from_utf8_lossy(&env)));
        Ok(ClientBundle {
            path: PathBuf::new(),
            ca_pem,
            identity: Identity { cert_pem, key_pem },
            kube_yml,
            docker_host,
        })
    }

    /// The MKE URL the bundle points at: `tcp://host:443` → `https://host:443`.
    pub fn mke_url(&self) -> Option<String> {
        let host = self.docker_host.as_deref()?.strip_prefix("tcp://")?;
        Some(format!("https://{}", host.trim_end_matches('/')))
    }
}

/// `export DOCKER_HOST=tcp://…` (quoted or not) from an `env.sh`.
fn docker_host_from_env(env: &str) -> Option<String> {
    env.lines().find_map(|l| {
        let l = l.trim().strip_prefix("export ").unwrap_or(l.trim());
        let v = l.strip_prefix("DOCKER_HOST=")?;
        Some(v.trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_is_read_from_env_sh() {
        let env = "# client bundle\nexport DOCKER_TLS_VERIFY=1\nexport DOCKER_HOST=\"tcp://mke.example.mil:443\"\n";
        assert_eq!(
            docker_host_from_env(env).as_deref(),
            Some("tcp://mke.example.mil:443")
        );
        assert_eq!(
            docker_host_from_env("DOCKER_HOST=tcp://h:1\n").as_deref(),
            Some("tcp://h:1")
        );
    }
}
