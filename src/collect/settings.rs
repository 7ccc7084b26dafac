//! Connection settings for a collection, merged from the command line, the
//! environment and a config file.
//!
//! Precedence, highest first: command-line flag, environment variable,
//! config file, built-in default. Passwords come only from the environment
//! (`STIGKIT_MKE_PASSWORD`, `STIGKIT_MSR_PASSWORD`) or an interactive
//! prompt: never from a flag or a file. Turning TLS verification off takes
//! the explicit command-line flag and nothing else.

use super::bundle::ClientBundle;
use super::in_cluster::{self, InCluster};
use super::kubeconfig::{self, KubeTarget};
use super::secret::Secret;
use super::tls::{Identity, Trust};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the command line gave (no clap here: the CLI fills this in).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub mke_url: Option<String>,
    pub bundle: Option<PathBuf>,
    pub username: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub kube_url: Option<String>,
    /// Use the pod's service account for the Kubernetes API.
    pub in_cluster: bool,
    pub msr_url: Option<String>,
    pub msr_username: Option<String>,
    pub docker: Vec<String>,
    pub docker_cert_path: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub timeout_seconds: Option<u64>,
    pub retries: Option<u32>,
    pub parallelism: Option<usize>,
}

/// The config file (`--config FILE` or `$STIGKIT_CONFIG`), TOML.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    mke: FileMke,
    #[serde(default)]
    msr: FileMsr,
    #[serde(default)]
    kubernetes: FileKube,
    #[serde(default)]
    docker: FileDocker,
    #[serde(default)]
    collect: FileCollect,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileMke {
    url: Option<String>,
    bundle: Option<PathBuf>,
    username: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileMsr {
    url: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileKube {
    kubeconfig: Option<PathBuf>,
    url: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileDocker {
    #[serde(default)]
    hosts: Vec<String>,
    cert_path: Option<PathBuf>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileCollect {
    ca: Option<PathBuf>,
    timeout_seconds: Option<u64>,
    retries: Option<u32>,
    parallelism: Option<usize>,
}

/// How stigkit proves who it is to MKE.
#[derive(Clone, Debug)]
pub enum MkeAuth {
    /// Mutual TLS with a client bundle.
    Bundle(Box<ClientBundle>),
    /// `POST /auth/login`, then a bearer token.
    Password { username: String, password: Secret },
}

#[derive(Clone, Debug)]
pub struct MkeSettings {
    pub url: String,
    pub trust: Trust,
    pub auth: MkeAuth,
}

/// Kubernetes: from a kubeconfig, or the MKE token against a URL.
#[derive(Clone, Debug)]
pub enum KubeSettings {
    Config(KubeTarget),
    /// Use the MKE login token (only with password auth).
    MkeToken {
        url: String,
        trust: Trust,
    },
    /// Inside a pod, as its service account.
    InCluster(InCluster),
}

#[derive(Clone, Debug)]
pub struct MsrSettings {
    pub url: String,
    pub trust: Trust,
    pub username: String,
    pub password: Secret,
}

/// A Docker Engine reached directly (per-node checks).
#[derive(Clone, Debug)]
pub enum DockerEndpoint {
    Unix(PathBuf),
    Tcp {
        url: String,
        trust: Trust,
        identity: Option<Identity>,
    },
}

#[derive(Clone, Debug)]
pub struct DockerSettings {
    /// As the user wrote it: `unix:///var/run/docker.sock`.
    pub name: String,
    pub endpoint: DockerEndpoint,
}

/// Everything a collection needs, resolved and validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mke: Option<MkeSettings>,
    pub kube: Option<KubeSettings>,
    pub msr: Option<MsrSettings>,
    pub docker: Vec<DockerSettings>,
    pub insecure: bool,
    pub timeout: Duration,
    pub retries: u32,
    pub parallelism: usize,
    /// Largest response body accepted.
    pub max_body: u64,
    /// Notes for the manifest (e.g. a kubeconfig that disables verification).
    pub warnings: Vec<String>,
}

/// Defaults, documented in the README.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_RETRIES: u32 = 3;
pub const DEFAULT_PARALLELISM: usize = 16;
pub const DEFAULT_MAX_BODY: u64 = 64 << 20;

/// Where settings come from besides the flags; tests pass their own.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
    /// Asks for a password without echo; `None` when there is no terminal.
    fn prompt_password(&self, prompt: &str) -> Option<std::io::Result<String>>;
}

/// The process environment and terminal.
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn prompt_password(&self, prompt: &str) -> Option<std::io::Result<String>> {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return None;
        }
        Some(rpassword::prompt_password(prompt))
    }
}

impl Settings {
    /// Merges flags, environment and config file into settings.
    pub fn resolve(flags: &Flags, env: &dyn Environment) -> Result<Settings, String> {
        let config_path = flags
            .config
            .clone()
            .or_else(|| env.var("STIGKIT_CONFIG").map(PathBuf::from));
        let (file, base) = match &config_path {
            Some(p) => (
                read_config(p)?,
                p.parent().map(Path::to_path_buf).unwrap_or_default(),
            ),
            None => (FileConfig::default(), PathBuf::new()),
        };
        // Paths in the config file are relative to the file.
        let rel = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        let env_path = |name: &str| env.var(name).map(PathBuf::from);
        let insecure = flags.insecure_skip_tls_verify;
        let mut warnings = Vec::new();

        let ca_file = flags
            .ca
            .clone()
            .or_else(|| env_path("STIGKIT_CA_FILE"))
            .or_else(|| rel(file.collect.ca));
        let ca_pem = match &ca_file {
            Some(p) => Some(std::fs::read(p).map_err(|e| format!("--ca {}: {e}", p.display()))?),
            None => None,
        };
        let trust_for = |bundle_ca: Option<&[u8]>| -> Trust {
            if insecure {
                Trust::Insecure
            } else if let Some(pem) = &ca_pem {
                let mut all = pem.clone();
                if let Some(b) = bundle_ca {
                    all.push(b'\n');
                    all.extend_from_slice(b);
                }
                Trust::Pem(all)
            } else if let Some(b) = bundle_ca {
                Trust::Pem(b.to_vec())
            } else {
                Trust::System
            }
        };

        // MKE.
        let bundle_path = flags
            .bundle
            .clone()
            .or_else(|| env_path("STIGKIT_MKE_BUNDLE"))
            .or_else(|| rel(file.mke.bundle));
        let bundle = match &bundle_path {
            Some(p) => Some(
                ClientBundle::load(p).map_err(|e| format!("client bundle {}: {e}", p.display()))?,
            ),
            None => None,
        };
        let username = flags
            .username
            .clone()
            .or_else(|| env.var("STIGKIT_MKE_USERNAME"))
            .or(file.mke.username);
        let mke_url = flags
            .mke_url
            .clone()
            .or_else(|| env.var("STIGKIT_MKE_URL"))
            .or(file.mke.url)
            .or_else(|| bundle.as_ref().and_then(ClientBundle::mke_url));
        let mke = match (mke_url, bundle.clone(), username) {
            (None, None, None) => None,
            (None, _, _) => {
                return Err("no MKE URL: give --mke-url (or STIGKIT_MKE_URL, or [mke] url)".into());
            }
            (Some(url), Some(b), _) => Some(MkeSettings {
                url: normalise_url(&url, "--mke-url")?,
                trust: trust_for(Some(&b.ca_pem)),
                auth: MkeAuth::Bundle(Box::new(b)),
            }),
            (Some(url), None, Some(user)) => {
                let password = password(
                    env,
                    "STIGKIT_MKE_PASSWORD",
                    &format!("MKE password for {user}: "),
                )?;
                Some(MkeSettings {
                    url: normalise_url(&url, "--mke-url")?,
                    trust: trust_for(None),
                    auth: MkeAuth::Password {
                        username: user,
                        password,
                    },
                })
            }
            (Some(_), None, None) => {
                return Err("MKE needs credentials: a client bundle (--bundle) or --username with STIGKIT_MKE_PASSWORD".into());
            }
        };

        // Kubernetes: the pod's service account when asked, else an
        // explicit kubeconfig, else a URL used with the MKE token, else the
        // bundle's kube.yml.
        let kubeconfig = flags
            .kubeconfig
            .clone()
            .or_else(|| env_path("STIGKIT_KUBECONFIG"))
            .or_else(|| rel(file.kubernetes.kubeconfig));
        let kube_url = flags
            .kube_url
            .clone()
            .or_else(|| env.var("STIGKIT_KUBE_URL"))
            .or(file.kubernetes.url);
        let in_cluster = flags.in_cluster
            || env
                .var("STIGKIT_IN_CLUSTER")
                .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
        if in_cluster && (kubeconfig.is_some() || kube_url.is_some()) {
            return Err(
                "--in-cluster uses the pod's service account: give it, or --kubeconfig/--kube-url, not both"
                    .into(),
            );
        }
        let kube = if in_cluster {
            Some(KubeSettings::InCluster(in_cluster::discover(
                &|name| env.var(name),
                insecure,
                ca_pem.as_deref(),
            )?))
        } else if let Some(p) = kubeconfig {
            let yaml = std::fs::read(&p).map_err(|e| format!("kubeconfig {}: {e}", p.display()))?;
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            let (target, file_insecure) = kubeconfig::parse(&yaml, &dir, insecure)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            if file_insecure {
                warnings.push(format!(
                    "kubeconfig {} disables TLS verification (insecure-skip-tls-verify)",
                    p.display()
                ));
            }
            Some(KubeSettings::Config(target))
        } else if let Some(url) = kube_url {
            match &mke {
                Some(MkeSettings {
                    auth: MkeAuth::Password { .. },
                    trust,
                    ..
                }) => Some(KubeSettings::MkeToken {
                    url: normalise_url(&url, "--kube-url")?,
                    trust: trust.clone(),
                }),
                Some(MkeSettings {
                    auth: MkeAuth::Bundle(b),
                    ..
                }) => {
                    let yaml = b
                        .kube_yml
                        .as_deref()
                        .ok_or("--kube-url with a client bundle needs the bundle's kube.yml")?;
                    let (mut target, _) = kubeconfig::parse(yaml, Path::new("."), insecure)?;
                    target.server = normalise_url(&url, "--kube-url")?;
                    Some(KubeSettings::Config(target))
                }
                None => return Err("--kube-url needs MKE credentials, or give --kubeconfig".into()),
            }
        } else if let Some(yaml) = bundle.as_ref().and_then(|b| b.kube_yml.as_deref()) {
            let (target, _) = kubeconfig::parse(yaml, Path::new("."), insecure)
                .map_err(|e| format!("client bundle kube.yml: {e}"))?;
            Some(KubeSettings::Config(target))
        } else {
            None
        };

        // MSR.
        let msr_url = flags
            .msr_url
            .clone()
            .or_else(|| env.var("STIGKIT_MSR_URL"))
            .or(file.msr.url);
        let msr = match msr_url {
            None => None,
            Some(url) => {
                let username = flags
                    .msr_username
                    .clone()
                    .or_else(|| env.var("STIGKIT_MSR_USERNAME"))
                    .or(file.msr.username)
                    .ok_or("MSR needs --msr-username (or STIGKIT_MSR_USERNAME) and STIGKIT_MSR_PASSWORD")?;
                let password = password(
                    env,
                    "STIGKIT_MSR_PASSWORD",
                    &format!("MSR password for {username}: "),
                )?;
                Some(MsrSettings {
                    url: normalise_url(&url, "--msr-url")?,
                    trust: trust_for(None),
                    username,
                    password,
                })
            }
        };

        // Direct Docker Engines.
        let mut hosts = flags.docker.clone();
        if hosts.is_empty() {
            hosts = env
                .var("STIGKIT_DOCKER_HOST")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or(file.docker.hosts);
        }
        let cert_path = flags
            .docker_cert_path
            .clone()
            .or_else(|| env_path("STIGKIT_DOCKER_CERT_PATH"))
            .or_else(|| rel(file.docker.cert_path));
        let docker = hosts
            .into_iter()
            .map(|h| docker_endpoint(&h, cert_path.as_deref(), insecure, &trust_for))
            .collect::<Result<Vec<_>, _>>()?;

        if mke.is_none() && kube.is_none() && msr.is_none() && docker.is_empty() {
            return Err("nothing to collect from: give --mke-url/--bundle, --kubeconfig, --msr-url or --docker".into());
        }
        let num = |flag: Option<u64>,
                   var: &str,
                   file: Option<u64>,
                   default: u64|
         -> Result<u64, String> {
            match flag {
                Some(v) => Ok(v),
                None => match env.var(var) {
                    Some(v) => v
                        .parse()
                        .map_err(|_| format!("{var}: '{v}' is not a number")),
                    None => Ok(file.unwrap_or(default)),
                },
            }
        };
        let timeout = num(
            flags.timeout_seconds,
            "STIGKIT_TIMEOUT",
            file.collect.timeout_seconds,
            DEFAULT_TIMEOUT_SECONDS,
        )?;
        let retries = num(
            flags.retries.map(u64::from),
            "STIGKIT_RETRIES",
            file.collect.retries.map(u64::from),
            DEFAULT_RETRIES.into(),
        )?;
        let parallelism = num(
            flags.parallelism.map(|p| p as u64),
            "STIGKIT_PARALLELISM",
            file.collect.parallelism.map(|p| p as u64),
            DEFAULT_PARALLELISM as u64,
        )?;
        if timeout == 0 || parallelism == 0 {
            return Err("timeout and parallelism must be at least 1".into());
        }
        if insecure {
            warnings.push("TLS certificate verification was disabled (--insecure-skip-tls-verify): the identity of the servers was not checked".into());
        }
        Ok(Settings {
            mke,
            kube,
            msr,
            docker,
            insecure,
            timeout: Duration::from_secs(timeout),
            retries: retries.min(10) as u32,
            parallelism: parallelism.min(256) as usize,
            max_body: DEFAULT_MAX_BODY,
            warnings,
        })
    }
}

fn read_config(p: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("config {}: {e}", p.display()))?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("config {}: {}", p.display(), one_line(&e.to_string())))?;
    // A password in a file would sit on disk in the clear: refuse it.
    for (section, v) in &value {
        if let Some(t) = v.as_table()
            && let Some(k) = t
                .keys()
                .find(|k| k.to_ascii_lowercase().contains("password"))
        {
            return Err(format!(
                "config {}: [{section}] {k}: passwords are not read from files; set STIGKIT_MKE_PASSWORD / STIGKIT_MSR_PASSWORD or answer the prompt",
                p.display()
            ));
        }
    }
    toml::from_str(&text)
        .map_err(|e| format!("config {}: {}", p.display(), one_line(&e.to_string())))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn password(env: &dyn Environment, var: &str, prompt: &str) -> Result<Secret, String> {
    if let Some(p) = env.var(var) {
        return Ok(Secret::new(p));
    }
    match env.prompt_password(prompt) {
        Some(Ok(p)) if !p.is_empty() => Ok(Secret::new(p)),
        Some(Ok(_)) => Err("empty password".into()),
        Some(Err(e)) => Err(format!("reading the password: {e}")),
        None => Err(format!(
            "no password: set {var} (passwords are never taken from the command line)"
        )),
    }
}

/// `https://host[:port]` without a trailing slash; only https is allowed.
fn normalise_url(url: &str, what: &str) -> Result<String, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("{what} '{url}': {e}"))?;
    if u.scheme() != "https" {
        return Err(format!("{what} '{url}': only https is supported"));
    }
    if u.host_str().is_none() {
        return Err(format!("{what} '{url}': no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "{what}: credentials in the URL are not accepted; use the environment"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn docker_endpoint(
    host: &str,
    cert_path: Option<&Path>,
    insecure: bool,
    trust_for: &dyn Fn(Option<&[u8]>) -> Trust,
) -> Result<DockerSettings, String> {
    if let Some(path) = host.strip_prefix("unix://") {
        return Ok(DockerSettings {
            name: host.to_string(),
            endpoint: DockerEndpoint::Unix(PathBuf::from(path)),
        });
    }
    let Some(addr) = host.strip_prefix("tcp://") else {
        return Err(format!(
            "--docker '{host}': use unix:///path/to/docker.sock or tcp://host:port"
        ));
    };
    // A Docker TLS cert folder holds ca.pem, cert.pem and key.pem.
    let (trust, identity) = match cert_path {
        Some(dir) => {
            let read = |n: &str| {
                std::fs::read(dir.join(n)).map_err(|e| format!("{}: {e}", dir.join(n).display()))
            };
            let ca = read("ca.pem")?;
            let identity = Identity {
                cert_pem: read("cert.pem")?,
                key_pem: read("key.pem")?,
            };
            (
                if insecure {
                    Trust::Insecure
                } else {
                    Trust::Pem(ca)
                },
                Some(identity),
            )
        }
        None => (trust_for(None), None),
    };
    Ok(DockerSettings {
        name: host.to_string(),
        endpoint: DockerEndpoint::Tcp {
            url: format!("https://{}", addr.trim_end_matches('/')),
            trust,
            identity,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Env(HashMap<&'static str, &'static str>);

    impl Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|s| s.to_string())
        }
        fn prompt_password(&self, _: &str) -> Option<std::io::Result<String>> {
            None
        }
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("stigkit.toml");
        std::fs::write(&cfg, "[mke]\nurl = \"https://file.example\"\nusername = \"fileuser\"\n[collect]\nparallelism = 4\ntimeout_seconds = 7\n").unwrap();
        let env = Env(HashMap::from([
            ("STIGKIT_MKE_URL", "https://env.example"),
            ("STIGKIT_MKE_PASSWORD", "pw"),
            ("STIGKIT_PARALLELISM", "8"),
        ]));
        let flags = Flags {
            config: Some(cfg.clone()),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags, &env).unwrap();
        let mke = s.mke.unwrap();
        assert_eq!(mke.url, "https://env.example");
        assert!(
            matches!(mke.auth, MkeAuth::Password { ref username, .. } if username == "fileuser")
        );
        assert_eq!((s.parallelism, s.timeout.as_secs()), (8, 7));
        let flags = Flags {
            config: Some(cfg),
            mke_url: Some("https://flag.example/".into()),
            parallelism: Some(32),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags, &env).unwrap();
        assert_eq!(s.mke.unwrap().url, "https://flag.example");
        assert_eq!(s.parallelism, 32);
    }

    #[test]
    fn passwords_never_come_from_files_and_unknown_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "[mke]\nurl = \"https://m\"\npassword = \"hunter2hunter2\"\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(cfg.clone()),
            ..Flags::default()
        };
        let e = Settings::resolve(&flags, &Env(HashMap::new())).unwrap_err();
        assert!(
            e.contains("[mke] password: passwords are not read from files"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        std::fs::write(&cfg, "[mke]\nurl = \"https://m\"\nusrname = \"x\"\n").unwrap();
        let e = Settings::resolve(&flags, &Env(HashMap::new())).unwrap_err();
        assert!(e.contains("usrname"), "{e}");
    }

    #[test]
    fn missing_password_without_a_terminal_is_an_error() {
        let flags = Flags {
            mke_url: Some("https://m".into()),
            username: Some("auditor".into()),
            ..Flags::default()
        };
        let e = Settings::resolve(&flags, &Env(HashMap::new())).unwrap_err();
        assert_eq!(
            e,
            "no password: set STIGKIT_MKE_PASSWORD (passwords are never taken from the command line)"
        );
    }

    #[test]
    fn only_https_and_no_inline_credentials() {
        assert!(normalise_url("http://m", "--mke-url").is_err());
        assert!(
            normalise_url("https://u:p@m", "--mke-url")
                .unwrap_err()
                .contains("credentials in the URL")
        );
        assert_eq!(
            normalise_url("https://m:443/", "x").unwrap(),
            "https://m:443"
        );
    }

    #[test]
    fn insecure_is_recorded_as_a_warning() {
        let flags = Flags {
            docker: vec!["tcp://node1:2376".into()],
            insecure_skip_tls_verify: true,
            ..Flags::default()
        };
        let s = Settings::resolve(&flags, &Env(HashMap::new())).unwrap();
        assert!(s.warnings[0].contains("TLS certificate verification was disabled"));
        assert!(matches!(
            s.docker[0].endpoint,
            DockerEndpoint::Tcp {
                trust: Trust::Insecure,
                ..
            }
        ));
    }
}
