//! A real Garage (an S3-compatible object store) for the object-storage
//! tests: single node on loopback, its own folder, config, bucket and key.
//!
//! The binary comes from `$STIGKIT_GARAGE`, `~/.cargo/bin/garage` or the
//! PATH; `tests/tools/garage/install.sh` (run by `.ci/run`) builds the
//! pinned version there. Without it the tests fail: there is no mock.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BUCKET: &str = "fleet";

pub struct Garage {
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
    binary: PathBuf,
    config: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// The garage binary, or a panic saying how to get it.
pub fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("STIGKIT_GARAGE") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo = Path::new(&home).join(".cargo/bin/garage");
    if cargo.is_file() {
        return cargo;
    }
    let on_path = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| Path::new(d).join("garage"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| {
        panic!("Garage not found ($STIGKIT_GARAGE, ~/.cargo/bin/garage, PATH): run tests/tools/garage/install.sh")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

impl Garage {
    /// Starts a node, lays it out, and makes bucket `fleet` with a key
    /// that may read and write it.
    pub fn start() -> Garage {
        let dir = tempfile::Builder::new()
            .prefix("stigkit-garage-")
            .tempdir()
            .unwrap();
        let s3_port = free_port();
        let rpc_port = free_port();
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "lmdb"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"
"#,
                meta = dir.path().join("meta").display(),
                data = dir.path().join("data").display(),
                secret = hex(64),
            ),
        )
        .unwrap();
        let mut g = Garage {
            endpoint: format!("http://127.0.0.1:{s3_port}"),
            key_id: format!("GK{}", hex(24)),
            secret: hex(64),
            binary: binary(),
            config,
            child: None,
            dir,
        };
        g.spawn();
        let id = g.cli(&["node", "id", "-q"]);
        let id = id.trim().split('@').next().unwrap().to_string();
        g.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &id]);
        g.cli(&["layout", "apply", "--version", "1"]);
        g.cli(&["bucket", "create", BUCKET]);
        let (key, secret) = (g.key_id.clone(), g.secret.clone());
        g.cli(&["key", "import", "--yes", "-n", "stigkit", &key, &secret]);
        g.cli(&[
            "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", &key,
        ]);
        g.wait_for_s3();
        g
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.binary.display()));
        self.child = Some(child);
        // The RPC side answers once the node is up.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let o = self.command(&["status"]).output().unwrap();
            if o.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "garage did not start: {}\n{}",
                String::from_utf8_lossy(&o.stderr),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The S3 port accepts connections (it opens after the layout).
    fn wait_for_s3(&self) {
        let addr = self.endpoint.trim_start_matches("http://");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "garage S3 API not up: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.binary);
        c.arg("-c").arg(&self.config).args(args);
        c
    }

    /// Runs a garage CLI command; panics with its output when it fails.
    pub fn cli(&self, args: &[&str]) -> String {
        let o = self.command(args).output().unwrap();
        assert!(
            o.status.success(),
            "garage {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same data.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_for_s3();
    }

    /// The environment a stigkit process needs to reach the bucket.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("AWS_REGION", "garage".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
        ]
    }

    /// An object store client of the test's own, for looking behind
    /// stigkit's back (and deleting what it wrote).
    pub fn client(&self) -> object_store::aws::AmazonS3 {
        self.client_in(BUCKET)
    }

    /// [`Garage::client`] for another bucket.
    pub fn client_in(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region("garage")
            .with_endpoint(&self.endpoint)
            .with_access_key_id(&self.key_id)
            .with_secret_access_key(&self.secret)
            .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
            .build()
            .unwrap()
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        self.kill();
    }
}
