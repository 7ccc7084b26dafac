//! Inside a pod: the Kubernetes API as the pod's service account sees it,
//! found the way client-go's `rest.InClusterConfig` finds it.
//!
//! The token is not read here but on every request (see
//! [`super::http::Credential::TokenFile`]): the kubelet rewrites a projected
//! token before it expires, and a CronJob run must outlive one rotation.

use super::tls::Trust;
use std::path::PathBuf;

/// Where Kubernetes mounts the service account's token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The service account folder, from `$STIGKIT_SERVICE_ACCOUNT_DIR` when a
/// pod mounts it elsewhere.
pub fn service_account_dir(var: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    var("STIGKIT_SERVICE_ACCOUNT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR))
}

/// The API server and how to trust it and log in to it, from inside a pod.
#[derive(Clone, Debug)]
pub struct InCluster {
    /// `https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT`.
    pub server: String,
    pub trust: Trust,
    /// Re-read before each request.
    pub token_file: PathBuf,
    /// The pod's namespace, for the manifest.
    pub namespace: String,
}

/// Finds the API server from the pod's environment (`var`) and files. `insecure`
/// is the user's explicit flag; `extra_ca` is `--ca`, trusted besides the
/// service account's CA.
pub fn discover(
    var: &dyn Fn(&str) -> Option<String>,
    insecure: bool,
    extra_ca: Option<&[u8]>,
) -> Result<InCluster, String> {
    let (host, port) = match (
        var("KUBERNETES_SERVICE_HOST"),
        var("KUBERNETES_SERVICE_PORT"),
    ) {
        (Some(h), Some(p)) => (h, p),
        _ => {
            return Err("--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (is this a pod?)".into());
        }
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "--in-cluster: KUBERNETES_SERVICE_PORT '{port}' is not a port"
        ));
    }
    // An IPv6 service address needs brackets in a URL.
    let server = if host.contains(':') && !host.starts_with('[') {
        format!("https://[{host}]:{port}")
    } else {
        format!("https://{host}:{port}")
    };
    reqwest::Url::parse(&server)
        .map_err(|e| format!("--in-cluster: KUBERNETES_SERVICE_HOST '{host}': {e}"))?;
    let dir = service_account_dir(var);
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read(&p).map_err(|e| format!("--in-cluster: {}: {e}", p.display()))
    };
    let token_file = dir.join("token");
    // Read once now so that a pod without a token fails before any request;
    // its value is not kept here.
    let token = read("token")?;
    if token.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("--in-cluster: {} is empty", token_file.display()));
    }
    let trust = if insecure {
        Trust::Insecure
    } else {
        let mut pem = read("ca.crt")?;
        if let Some(extra) = extra_ca {
            pem.push(b'\n');
            pem.extend_from_slice(extra);
        }
        Trust::Pem(pem)
    };
    // The namespace file is optional for the API, so its absence is not fatal.
    let namespace = std::fs::read_to_string(dir.join("namespace"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    Ok(InCluster {
        server,
        trust,
        token_file,
        namespace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    type Env = HashMap<&'static str, String>;

    fn pod(dir: &std::path::Path, host: &str) -> Env {
        HashMap::from([
            ("KUBERNETES_SERVICE_HOST", host.to_string()),
            ("KUBERNETES_SERVICE_PORT", "443".to_string()),
            ("STIGKIT_SERVICE_ACCOUNT_DIR", dir.display().to_string()),
        ])
    }

    fn run(env: &Env) -> Result<InCluster, String> {
        discover(&|name| env.get(name).cloned(), false, None)
    }

    fn account(token: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("token"), token).unwrap();
        std::fs::write(d.path().join("ca.crt"), "CA").unwrap();
        std::fs::write(d.path().join("namespace"), "stigkit\n").unwrap();
        d
    }

    #[test]
    fn finds_the_server_ca_and_namespace() {
        let d = account("abc");
        let c = run(&pod(d.path(), "10.96.0.1")).unwrap();
        assert_eq!(c.server, "https://10.96.0.1:443");
        assert_eq!(c.namespace, "stigkit");
        assert!(matches!(c.trust, Trust::Pem(ref p) if p == b"CA"));
        let v6 = run(&pod(d.path(), "fd00::1")).unwrap();
        assert_eq!(v6.server, "https://[fd00::1]:443");
    }

    #[test]
    fn outside_a_pod_or_without_a_token_is_one_clear_error() {
        let d = account("");
        assert!(
            run(&Env::new())
                .unwrap_err()
                .contains("KUBERNETES_SERVICE_HOST")
        );
        let e = run(&pod(d.path(), "10.96.0.1")).unwrap_err();
        assert!(e.ends_with("token is empty"), "{e}");
        std::fs::remove_file(d.path().join("token")).unwrap();
        let e = run(&pod(d.path(), "10.96.0.1")).unwrap_err();
        assert!(e.contains("token: No such file"), "{e}");
    }
}
