//! Fleet mode against a real object store (Garage on loopback): runs of
//! three simulated clusters land in one bucket in the documented layout,
//! `show s3://…` equals `show` of the same checklists on disk, a store
//! killed mid-upload leaves `latest.json` on the previous complete run, and
//! every store fault is one line and exit 2.

mod common;
mod garage;
mod sim;

use common::*;
use garage::Garage;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::Value;
use sim::{Scenario, Sim, SimConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PREFIX: &str = "s3://fleet/prod";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// stigkit with the store's environment and a private TMPDIR.
fn with_store(env: &[(&'static str, String)], tmp: &Path) -> Command {
    let mut cmd = stigkit();
    for name in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_S3",
        "STIGKIT_CLUSTER",
    ] {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("TMPDIR", tmp)
        .env("STIGKIT_S3_TIMEOUT", "5");
    cmd
}

fn scan_to(sim: &Sim, env: &[(&'static str, String)], tmp: &Path, cluster: &str) -> Output {
    let mut cmd = with_store(env, tmp);
    cmd.env_remove("STIGKIT_CONFIG")
        .env_remove("STIGKIT_MKE_URL")
        .env_remove("STIGKIT_DOCKER_HOST")
        .args(["scan", "--quiet", "--bundle", s(&sim.bundle_zip)])
        .args([
            "--ca",
            s(&sim.ca_pem),
            "--out",
            PREFIX,
            "--cluster",
            cluster,
        ]);
    if let Some(msr) = &sim.msr_url {
        cmd.args(["--msr-url", msr, "--msr-username", &sim.msr_user])
            .env("STIGKIT_MSR_PASSWORD", &sim.msr_password);
    }
    cmd.output().unwrap()
}

/// The run folder a successful upload names on stderr.
fn stored_run(o: &Output, cluster: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    let marker = format!("stored {PREFIX}/{cluster}/");
    let at = err
        .find(&marker)
        .unwrap_or_else(|| panic!("no '{marker}' in: {err}"));
    err[at + marker.len()..]
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

/// Every key in the bucket, sorted.
fn keys(g: &Garage) -> Vec<String> {
    use futures_util::StreamExt;
    let client = g.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut all: Vec<String> = rt.block_on(async {
        client
            .list(None)
            .map(|m| m.unwrap().location.to_string())
            .collect()
            .await
    });
    all.sort();
    all
}

fn get(g: &Garage, key: &str) -> Vec<u8> {
    get_in(g, garage::BUCKET, key)
}

fn get_in(g: &Garage, bucket: &str, key: &str) -> Vec<u8> {
    let client = g.client_in(bucket);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let path = object_store::path::Path::from(key);
        client
            .get(&path)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    })
}

fn delete(g: &Garage, key: &str) {
    let client = g.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        client
            .delete(&object_store::path::Path::from(key))
            .await
            .unwrap()
    });
}

fn json(o: &Output) -> Value {
    assert_ok(o);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `show --json` without the file names, which differ by where they were read.
fn counts(mut v: Value) -> Value {
    for c in v["checklists"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("file");
    }
    v.as_object_mut().unwrap().remove("clusters");
    v
}

/// Exit 0, or a failure showing stderr.
fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One line on stderr, exit 2, and no secret in it.
fn assert_one_line_error(o: &Output, secret: &str, what: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
    assert!(!err.contains(secret), "{what}: secret in {err}");
    err
}

#[test]
fn three_clusters_share_one_bucket_and_show_reads_it_as_the_files_on_disk() {
    let g = Garage::start();
    let env = g.env();
    let dir = tempdir();
    let scenarios = ["default", "hardened", "mixed"];
    let mut runs = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        let sim = Sim::start(SimConfig::with_scenario(Scenario::Named(scenario)));
        let cluster = format!("cluster-{i}");
        let o = scan_to(&sim, &env, dir.path(), &cluster);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{scenario}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        runs.push((cluster.clone(), stored_run(&o, &cluster)));
    }

    // The layout: per cluster, one run folder of five objects, and
    // latest.json equal to the run's record.
    let all = keys(&g);
    for (cluster, run) in &runs {
        let folder = format!("prod/{cluster}/{run}/");
        let mut names: Vec<&str> = all.iter().filter_map(|k| k.strip_prefix(&folder)).collect();
        names.sort();
        assert_eq!(names.len(), 5, "{folder}: {names:?}");
        assert!(names.contains(&"evidence.zip") && names.contains(&"run.json"));
        assert!(names.contains(&"summary.txt"));
        assert_eq!(names.iter().filter(|n| n.ends_with(".ckl")).count(), 1);
        assert_eq!(names.iter().filter(|n| n.ends_with(".cklb")).count(), 1);
        let record = get(&g, &format!("{folder}run.json"));
        assert_eq!(get(&g, &format!("prod/{cluster}/latest.json")), record);
        let record: Value = serde_json::from_slice(&record).unwrap();
        assert_eq!(record["cluster"], cluster.as_str());
        assert_eq!(record["objects"].as_array().unwrap().len(), 4);
        // The summary names the run's objects, not the staging folder.
        let summary = String::from_utf8(get(&g, &format!("{folder}summary.txt"))).unwrap();
        assert!(
            summary.contains(&format!("{PREFIX}/{cluster}/{run}/")),
            "{summary}"
        );
        assert!(!summary.contains("stigkit-run-"), "{summary}");
    }
    assert_eq!(all.len(), 3 * 6);

    // show s3:// equals show of the same checklists on disk.
    let from_bucket = json(
        &with_store(&env, dir.path())
            .args(["show", PREFIX, "--json"])
            .output()
            .unwrap(),
    );
    let clusters = from_bucket["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3);
    for (c, (cluster, run)) in clusters.iter().zip(&runs) {
        assert_eq!(c["cluster"], cluster.as_str());
        assert_eq!(c["run"], run.as_str());
        assert_eq!(c["stale"], false);
        assert!(c["age_hours"].as_f64().unwrap() < 1.0);
    }
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mut files = Vec::new();
    for (cluster, run) in &runs {
        let key = all
            .iter()
            .find(|k| k.starts_with(&format!("prod/{cluster}/{run}/")) && k.ends_with(".cklb"))
            .unwrap();
        let file = disk.join(format!("{cluster}.cklb"));
        std::fs::write(&file, get(&g, key)).unwrap();
        files.push(file);
    }
    let mut args = vec!["show".to_string(), "--json".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let from_disk = json(&stigkit().args(&args).output().unwrap());
    assert_eq!(counts(from_bucket.clone()), counts(from_disk));
    let totals = &from_bucket["totals"]["all"];
    assert_eq!(totals["total"], 3 * 44);

    // The fleet report and archive read the same runs.
    let html = dir.path().join("fleet.html");
    let o = with_store(&env, dir.path())
        .args(["report", PREFIX, "-o", s(&html)])
        .output()
        .unwrap();
    assert_ok(&o);
    let page = std::fs::read_to_string(&html).unwrap();
    for (cluster, run) in &runs {
        assert!(page.contains(&format!(
            "<td>{cluster}</td><td class=\"nowrap\">{run}</td>"
        )));
    }
    let zip = dir.path().join("fleet.zip");
    let o = with_store(&env, dir.path())
        .args(["archive", PREFIX, "-o", s(&zip)])
        .output()
        .unwrap();
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 checklists, 3 evidence files"));
    let o = stigkit()
        .args(["archive", "verify", s(&zip)])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// A TCP proxy in front of the store that calls `at_put` when the `n`th
/// PUT request arrives, before passing it on.
struct Proxy {
    pub endpoint: String,
}

impl Proxy {
    fn start(upstream: &str, n: usize, at_put: impl Fn() + Send + Sync + 'static) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let puts = Arc::new(AtomicUsize::new(0));
        let at_put = Arc::new(at_put);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let (upstream, puts, at_put) = (upstream.clone(), puts.clone(), at_put.clone());
                std::thread::spawn(move || {
                    let Ok(server) = TcpStream::connect(&upstream) else {
                        return;
                    };
                    let (mut from_server, mut to_client) =
                        (server.try_clone().unwrap(), client.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from_server, &mut to_client);
                        let _ = to_client.shutdown(std::net::Shutdown::Both);
                    });
                    forward_requests(client, server, &puts, n, &*at_put);
                });
            }
        });
        Proxy { endpoint }
    }
}

/// Copies HTTP/1.1 requests from `client` to `server`, counting PUTs.
fn forward_requests(
    mut client: TcpStream,
    mut server: TcpStream,
    puts: &AtomicUsize,
    n: usize,
    at_put: &dyn Fn(),
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        // One request head.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match client.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if head.starts_with("put ") && puts.fetch_add(1, Ordering::SeqCst) + 1 == n {
            at_put();
        }
        while buf.len() < head_end + length {
            match client.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        }
        if server.write_all(&buf[..head_end + length]).is_err() {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        buf.drain(..head_end + length);
    }
}

#[test]
fn a_store_killed_mid_upload_leaves_latest_on_the_previous_complete_run() {
    let mut g = Garage::start();
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let env = g.env();
    let o = scan_to(&sim, &env, dir.path(), "east");
    assert_ok(&o);
    let first = stored_run(&o, "east");
    let latest_before = get(&g, "prod/east/latest.json");

    // The store dies as the third object of the next run goes up.
    let pid = g.pid();
    let proxy = Proxy::start(&g.endpoint, 3, move || {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    let mut env2 = env.clone();
    env2.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    env2.push(("AWS_ENDPOINT_URL", proxy.endpoint.clone()));
    let began = Instant::now();
    let o = scan_to(&sim, &env2, dir.path(), "east");
    let err = assert_one_line_error(&o, &g.secret, "killed store");
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "{:?}",
        began.elapsed()
    );
    // The run is kept locally, whole, in the folder the message names.
    let kept = err
        .split("kept in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no local copy named: {err}"))
        .trim();
    assert!(
        kept.starts_with(s(&dir.path().join("stigkit-unsent/east"))),
        "{kept}"
    );
    let mut local: Vec<String> = std::fs::read_dir(kept)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    local.sort();
    assert_eq!(local.len(), 4, "{local:?}");
    assert!(local.contains(&"evidence.zip".to_string()));

    // Back up, the store still points at the first run, and the second
    // run's folder holds no record.
    g.restart();
    assert_eq!(get(&g, "prod/east/latest.json"), latest_before);
    let all = keys(&g);
    let partial: Vec<&String> = all
        .iter()
        .filter(|k| {
            k.starts_with("prod/east/") && !k.contains(&first) && !k.ends_with("latest.json")
        })
        .collect();
    assert!(
        !partial.is_empty(),
        "nothing of the second run arrived: {all:?}"
    );
    assert!(partial.len() < 5, "{partial:?}");
    assert!(
        partial.iter().all(|k| !k.ends_with("run.json")),
        "{partial:?}"
    );
    let shown = json(
        &with_store(&env, dir.path())
            .args(["show", PREFIX, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(shown["clusters"][0]["run"], first.as_str());
    // As of yesterday there was no run at all.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let o = with_store(&env, dir.path())
        .args(["show", PREFIX, "--as-of", &yesterday])
        .output()
        .unwrap();
    // The cluster without a run is named, then the error.
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("warning: s3://fleet/prod/east: no complete run by"));
    assert!(
        lines[1].starts_with("error: s3://fleet/prod: no cluster has a run with a checklist by")
    );
}

/// A server that answers every request with `reply`, or never when `None`.
fn fake_store(reply: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            if let Some(r) = reply {
                                let _ = stream.write_all(r.as_bytes());
                            }
                        }
                    }
                }
            });
        }
    });
    endpoint
}

#[test]
fn every_store_fault_is_one_line_and_exit_2_without_a_secret() {
    let g = Garage::start();
    let dir = tempdir();
    let env = g.env();
    let evaluate = |env: &[(&'static str, String)], out: &str| {
        with_store(env, dir.path())
            .args(["evaluate", "--evidence", "samples/evidence", "-o", out])
            .args(["--cluster", "east"])
            .output()
            .unwrap()
    };
    let o = evaluate(&env, PREFIX);
    assert_ok(&o);

    // A malformed location.
    for bad in ["s3://Fleet/prod", "s3://fleet//x", "s3://user:pw@fleet/x"] {
        let o = with_store(&env, dir.path())
            .args(["show", bad])
            .output()
            .unwrap();
        let err = assert_one_line_error(&o, &g.secret, bad);
        assert!(
            err.contains("is not an s3://bucket/prefix location"),
            "{err}"
        );
    }
    // Wrong credentials: refused, and the run kept.
    let mut wrong = env.clone();
    wrong.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY");
    let bad_secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    wrong.push(("AWS_SECRET_ACCESS_KEY", bad_secret.into()));
    let o = evaluate(&wrong, PREFIX);
    let err = assert_one_line_error(&o, bad_secret, "wrong secret");
    assert!(err.contains("kept in"), "{err}");
    let o = with_store(&wrong, dir.path())
        .args(["show", PREFIX])
        .output()
        .unwrap();
    assert_one_line_error(&o, bad_secret, "wrong secret, show");
    // A missing bucket.
    let o = evaluate(&env, "s3://no-such-bucket/prod");
    let err = assert_one_line_error(&o, &g.secret, "missing bucket");
    assert!(err.contains("s3://no-such-bucket/prod/east/"), "{err}");
    // A store that answers 500, and one that never answers.
    let broken = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
    for (what, endpoint) in [
        ("500", fake_store(Some(broken))),
        ("hang", fake_store(None)),
    ] {
        let mut env = env.clone();
        env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
        env.push(("AWS_ENDPOINT_URL", endpoint));
        let began = Instant::now();
        let o = with_store(&env, dir.path())
            .env("STIGKIT_S3_TIMEOUT", "2")
            .args(["show", PREFIX])
            .output()
            .unwrap();
        assert_one_line_error(&o, &g.secret, what);
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "{what}: {:?}",
            began.elapsed()
        );
    }
    // latest.json pointing at an object deleted since.
    let all = keys(&g);
    let cklb = all.iter().find(|k| k.ends_with(".cklb")).unwrap();
    delete(&g, cklb);
    let o = with_store(&env, dir.path())
        .args(["show", PREFIX])
        .output()
        .unwrap();
    let err = assert_one_line_error(&o, &g.secret, "deleted checklist");
    assert!(
        err.contains("missing, though") && err.contains(cklb.as_str()),
        "{err}"
    );
    // A latest.json that is not a run record.
    let client = g.client();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        client
            .put(
                &object_store::path::Path::from("prod/east/latest.json"),
                object_store::PutPayload::from_static(b"{\"format\":1}"),
            )
            .await
            .unwrap()
    });
    let o = with_store(&env, dir.path())
        .args(["show", PREFIX])
        .output()
        .unwrap();
    let err = assert_one_line_error(&o, &g.secret, "bad latest.json");
    assert!(err.contains("s3://fleet/prod/east/latest.json"), "{err}");
}

#[test]
fn the_cron_jobs_own_arguments_store_a_run_from_a_pod_like_environment() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/base/cronjob.yaml"),
    )
    .unwrap();
    let job: Value = serde_saphyr::from_str(&text).unwrap();
    let container = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let out = args
        .iter()
        .find_map(|a| a.strip_prefix("--out="))
        .expect("the CronJob writes to --out=s3://...");
    let bucket = out
        .strip_prefix("s3://")
        .and_then(|r| r.split('/').next())
        .unwrap();
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "bundle")
        .unwrap()["mountPath"]
        .as_str()
        .unwrap()
        .to_string();

    let g = Garage::start();
    g.cli(&["bucket", "create", bucket]);
    g.cli(&[
        "bucket", "allow", "--read", "--write", "--owner", bucket, "--key", &g.key_id,
    ]);
    let sim = Sim::start(SimConfig::default());
    let account = sim.service_account(None);
    let dir = tempdir();
    // The Secret's three bundle files, where the pod mounts them.
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(sim.bundle_dir.join(f), bundle.join(f)).unwrap();
    }
    let args: Vec<String> = args.iter().map(|a| a.replace(&mount, s(&bundle))).collect();
    let mut cmd = with_store(&g.env(), dir.path());
    cmd.env_remove("STIGKIT_CONFIG")
        .env_remove("STIGKIT_DOCKER_HOST")
        .env_remove("STIGKIT_KUBECONFIG");
    // The container's plain env values, as the manifest gives them.
    for e in container["env"].as_array().unwrap() {
        if let Some(v) = e["value"].as_str() {
            let name = e["name"].as_str().unwrap();
            let v = match name {
                "STIGKIT_MKE_URL" => sim.mke_url.clone(),
                "AWS_ENDPOINT_URL" => g.endpoint.clone(),
                "AWS_REGION" => "garage".into(),
                "TMPDIR" => s(dir.path()).into(),
                _ => v.to_string(),
            };
            cmd.env(name, v);
        }
    }
    let port = sim.kube_url.rsplit(':').next().unwrap();
    cmd.env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", port)
        .env("STIGKIT_SERVICE_ACCOUNT_DIR", &account)
        .args(&args);
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // Without an MSR URL in the CronJob, MSR rules stay Not_Reviewed: a
    // complete run all the same.
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    let cluster = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "STIGKIT_CLUSTER")
        .unwrap()["value"]
        .as_str()
        .unwrap();
    assert!(err.contains(&format!("stored {out}/{cluster}/")), "{err}");
    let prefix = out.splitn(4, '/').nth(3).unwrap();
    let latest = format!("{prefix}/{cluster}/latest.json");
    let record: Value = serde_json::from_slice(&get_in(&g, bucket, &latest)).unwrap();
    assert_eq!(record["cluster"], cluster);
    assert_eq!(record["objects"].as_array().unwrap().len(), 4);
}
