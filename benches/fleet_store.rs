//! The fleet view from object storage: 1,000 clusters' latest MKE
//! checklists in a local Garage, read and summarised by
//! `stigkit show s3://fleet/prod --json`.
//!
//! Target (issue 14): at most 5 s on the 2-core CI machine. Each cluster's
//! run holds a CKLB of the 44 MKE rules made from the sample evidence
//! (about 180 KB, random statuses), its run.json and latest.json, written
//! straight to the store in the layout `stigkit scan --out s3://` uses.
//! The whole process is timed with criterion (10 samples); peak resident
//! memory comes from GNU time.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/garage/mod.rs"]
mod garage;

use criterion::{Criterion, criterion_group};
use futures_util::StreamExt;
use object_store::{ObjectStoreExt, PutPayload};
use std::path::Path;
use std::process::Command;
use stigkit::model::Status;
use stigkit::store::runs::{self, Object, Run};
use stigkit::{output, source};

const CLUSTERS: usize = 1_000;

/// The sample evidence judged once: the checklist every cluster varies.
fn template(dir: &Path) -> stigkit::model::Checklist {
    let cklb = dir.join("template.cklb");
    let o = Command::new(env!("CARGO_BIN_EXE_stigkit"))
        .args(["evaluate", "--evidence"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence"))
        .arg("-o")
        .arg(&cklb)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    source::load_checklist(&cklb).unwrap().checklist
}

/// Writes 1,000 clusters' runs into the bucket.
fn populate(g: &garage::Garage, dir: &Path) -> u64 {
    let base = template(dir);
    let mut seed = 0x5EED_u64;
    let mut objects: Vec<(String, Vec<u8>)> = Vec::new();
    let finished = chrono::Utc::now();
    let mut total = 0u64;
    for i in 0..CLUSTERS {
        let cluster = format!("mke-{i:04}");
        let mut c = base.clone();
        c.asset.host_name = format!("{cluster}-mgr-1");
        for r in &mut c.stigs[0].rules {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            r.review.status = Status::ALL[(seed % 4) as usize];
        }
        let file = dir.join(format!("{cluster}.cklb"));
        output::write_checklist(&file, &c, true).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        total += bytes.len() as u64;
        let run = Run {
            format: 1,
            cluster: cluster.clone(),
            run: runs::run_name(finished),
            finished_at: finished.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            tool: "stigkit bench".into(),
            objects: vec![Object {
                name: format!("{}.cklb", c.asset.host_name),
                bytes: bytes.len() as u64,
                sha256: stigkit::evidence::sha256_hex(&bytes),
            }],
        };
        let record = serde_json::to_vec_pretty(&run).unwrap();
        objects.push((format!("prod/{}", run.key(&run.objects[0].name)), bytes));
        objects.push((
            format!("prod/{}", run.key(runs::RUN_RECORD)),
            record.clone(),
        ));
        objects.push((format!("prod/{cluster}/{}", runs::LATEST), record));
    }
    let client = g.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(
        futures_util::stream::iter(objects.into_iter().map(|(key, bytes)| {
            let client = &client;
            async move {
                client
                    .put(
                        &object_store::path::Path::from(key),
                        PutPayload::from(bytes),
                    )
                    .await
                    .unwrap();
            }
        }))
        .buffer_unordered(32)
        .collect::<Vec<()>>(),
    );
    total
}

fn show(g: &garage::Garage) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stigkit"));
    c.args(["show", "s3://fleet/prod", "--json"])
        .envs(g.env())
        .stdout(std::process::Stdio::null());
    c
}

fn fleet_store(c: &mut Criterion) {
    let g = garage::Garage::start();
    let dir = tempfile::tempdir().unwrap();
    let bytes = populate(&g, dir.path());
    println!(
        "fleet_store: {CLUSTERS} clusters, {:.0} MB of CKLB in Garage",
        bytes as f64 / 1e6
    );
    // Once for the counts, to be sure the view is whole.
    let o = show(&g)
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["clusters"].as_array().unwrap().len(), CLUSTERS);
    assert_eq!(v["totals"]["all"]["total"], 44 * CLUSTERS);
    let mut group = c.benchmark_group("fleet_store_1000_clusters");
    group.sample_size(10);
    group.bench_function("show_s3_json", |b| {
        b.iter(|| assert!(show(&g).status().unwrap().success()))
    });
    group.finish();
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let cmd = show(&g);
        let o = Command::new(time)
            .args(["-f", "%M"])
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .envs(g.env())
            .stdout(std::process::Stdio::null())
            .output()
            .unwrap();
        let kib: u64 = String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        println!(
            "fleet_store_1000_clusters/show_s3_json: peak RSS {:.0} MB",
            kib as f64 / 1024.0
        );
    }
}

criterion_group!(benches, fleet_store);

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
