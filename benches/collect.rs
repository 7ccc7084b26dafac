//! Collection from a large cluster: the simulator serves 5,000 synthetic
//! containers with 20 ms of latency on every request, and `stigkit collect`
//! runs with `--parallelism 32`.
//!
//! Target (issue 3): within 1.3x the latency bound and under 200 MB peak
//! memory. With stopped containers the collector makes one request per
//! container (its inspect): 5,000 x 20 ms / 32 = 3.1 s, so at most 4.1 s.
//! With running ones it also asks for each container's processes (`top`):
//! 10,000 requests, bound 6.25 s, target 8.1 s. Both are reported.
//!
//! A harness benchmark rather than criterion: one run takes seconds, and the
//! figure that matters is the whole process (wall time and peak memory, the
//! latter from GNU time).

#[path = "../tests/sim/mod.rs"]
mod sim;

use sim::{Scenario, Sim, SimConfig};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CONTAINERS: usize = 5_000;
const LATENCY: Duration = Duration::from_millis(20);
const PARALLELISM: usize = 32;
const RUNS: usize = 3;

fn main() {
    // `cargo bench` passes filter arguments; `--list` must print nothing.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    for running in [false, true] {
        bench(running);
    }
}

fn bench(running: bool) {
    let sim = Sim::start(SimConfig {
        scenario: Scenario::Synthetic {
            containers: CONTAINERS,
            running,
        },
        latency: LATENCY,
        ..SimConfig::default()
    });
    let requests = CONTAINERS * if running { 2 } else { 1 };
    let bound = LATENCY.as_secs_f64() * requests as f64 / PARALLELISM as f64;
    let dir = tempfile::tempdir().unwrap();
    let time = Path::new("/usr/bin/time");
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    for run in 0..RUNS {
        // A fresh folder each run, as a user would write one.
        let out = dir.path().join(format!("evidence-{running}-{run}"));
        let mut cmd = if time.exists() {
            let mut c = Command::new(time);
            c.args(["-f", "%M"]).arg(env!("CARGO_BIN_EXE_stigkit"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_stigkit"))
        };
        cmd.args([
            "collect",
            "--quiet",
            "--force",
            "--parallelism",
            &PARALLELISM.to_string(),
            "--bundle",
        ])
        .arg(&sim.bundle_zip)
        .arg("--out")
        .arg(&out);
        let started = Instant::now();
        let o = cmd.output().unwrap();
        walls.push(started.elapsed().as_secs_f64());
        assert!(
            o.status.success(),
            "collect failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if time.exists() {
            // GNU time prints the peak (KiB) as the last line of stderr.
            let stderr = String::from_utf8_lossy(&o.stderr);
            let kib: u64 = stderr.lines().last().unwrap().trim().parse().unwrap();
            peaks.push(kib as f64 / 1024.0);
        }
    }
    walls.sort_by(f64::total_cmp);
    let median = walls[RUNS / 2];
    let label = if running {
        "running (inspect + top)"
    } else {
        "stopped (inspect)"
    };
    println!(
        "collect {CONTAINERS} {label}: {requests} requests, latency {} ms, parallelism {PARALLELISM}: \
         median {median:.2} s (min {:.2}, max {:.2}); bound {bound:.2} s, target <= {:.2} s (1.3x): {}",
        LATENCY.as_millis(),
        walls[0],
        walls[RUNS - 1],
        bound * 1.3,
        if median <= bound * 1.3 {
            "met"
        } else {
            "MISSED"
        }
    );
    match peaks.iter().cloned().reduce(f64::max) {
        Some(p) => println!(
            "collect {CONTAINERS} {label}: peak RSS {p:.1} MB (target 200 MB): {}",
            if p < 200.0 { "met" } else { "MISSED" }
        ),
        None => println!("collect {CONTAINERS} {label}: peak RSS not measured (install GNU time)"),
    }
}
