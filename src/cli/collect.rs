//! `stigkit collect`.

use super::{Exit, Stderr, finish};
use crate::collect::{Flags, Progress};
use crate::commands;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// Where to collect from. Every option can also come from the environment
/// or the config file; see the README for the precedence.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Config file (TOML); also $STIGKIT_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// MKE URL, e.g. https://mke.example.mil (taken from the bundle when omitted).
    #[arg(long, value_name = "URL")]
    pub mke_url: Option<String>,
    /// MKE client bundle: the zip or its unpacked folder (mutual TLS).
    #[arg(long, value_name = "PATH")]
    pub bundle: Option<PathBuf>,
    /// MKE user for password login; the password comes from
    /// $STIGKIT_MKE_PASSWORD or a prompt, never from the command line.
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,
    /// Kubeconfig for the Kubernetes API (the bundle's kube.yml by default).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubernetes API URL, used with the MKE login token.
    #[arg(long, value_name = "URL")]
    pub kube_url: Option<String>,
    /// Inside a pod: reach the Kubernetes API as the pod's service account
    /// (KUBERNETES_SERVICE_HOST/_PORT and the token and CA under
    /// /var/run/secrets/kubernetes.io/serviceaccount); also
    /// $STIGKIT_IN_CLUSTER=1.
    #[arg(long)]
    pub in_cluster: bool,
    /// MSR URL; omit when the cluster has no MSR.
    #[arg(long, value_name = "URL")]
    pub msr_url: Option<String>,
    /// MSR user; the password comes from $STIGKIT_MSR_PASSWORD or a prompt.
    #[arg(long, value_name = "USER")]
    pub msr_username: Option<String>,
    /// A Docker Engine to ask directly: unix:///var/run/docker.sock or
    /// tcp://node:2376 (repeatable).
    #[arg(long = "docker", value_name = "HOST")]
    pub docker: Vec<String>,
    /// Folder with ca.pem, cert.pem and key.pem for tcp:// engines.
    #[arg(long, value_name = "DIR")]
    pub docker_cert_path: Option<PathBuf>,
    /// CA certificates (PEM) to trust for MKE and MSR, besides the bundle's.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Do not verify server certificates. Recorded as a warning in the manifest.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Seconds to wait for one answer [default: 30].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Retries after a connection error, 429 or 5xx [default: 3].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Requests in flight at once [default: 16].
    #[arg(long, value_name = "N")]
    pub parallelism: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Where to write: a folder, a .zip file (collect), or
    /// s3://bucket/prefix to store the run in S3-compatible object storage
    /// (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
    #[arg(long, short, value_name = "DIR|FILE.zip|s3://BUCKET/PREFIX")]
    pub out: PathBuf,
    /// The cluster's name in the bucket with --out s3://... [default: the
    /// MKE host name].
    #[arg(long, value_name = "NAME", env = "STIGKIT_CLUSTER")]
    pub cluster: Option<String>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

impl Args {
    pub fn flags(&self) -> Flags {
        Flags {
            config: self.config.clone(),
            mke_url: self.mke_url.clone(),
            bundle: self.bundle.clone(),
            username: self.username.clone(),
            kubeconfig: self.kubeconfig.clone(),
            kube_url: self.kube_url.clone(),
            in_cluster: self.in_cluster,
            msr_url: self.msr_url.clone(),
            msr_username: self.msr_username.clone(),
            docker: self.docker.clone(),
            docker_cert_path: self.docker_cert_path.clone(),
            ca: self.ca.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            timeout_seconds: self.timeout,
            retries: self.retries,
            parallelism: self.parallelism,
        }
    }
}

/// A progress bar on stderr, only when it is a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn planned(&self, n: u64) {
        self.0.inc_length(n);
    }
    fn finished(&self, key: &str, _ok: bool) {
        self.0.set_message(super::terminal_safe(key));
        self.0.inc(1);
    }
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} calls {wide_msg}")
                .expect("static template")
                .tick_chars("⠁⠂⠄⡀⢀⠠⠐⠈ "),
        );
        b
    };
    let progress = Arc::new(Bar(bar.clone()));
    let outcome = commands::collect::collect(
        &a.flags(),
        &a.out,
        a.force,
        a.cluster.as_deref(),
        progress,
        &Stderr,
    );
    bar.finish_and_clear();
    finish(outcome?)
}
