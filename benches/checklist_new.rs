//! Blank CKL and CKLB from the RHEL 9 V2R5 benchmark (449 rules, 1.4 MB).
//!
//! Target (issue 2): the whole `stigkit checklist new` process under 25 ms
//! and 20 MB peak memory. Measured three ways: the library alone, the whole
//! process (spawned, so start-up and file I/O count), and the process's
//! peak resident memory (from GNU time).

use criterion::{Criterion, criterion_group};
use std::path::{Path, PathBuf};
use std::process::Command;
use stigkit::model::{Asset, Checklist};
use stigkit::{ckl, cklb, source};

fn benchmark_file() -> PathBuf {
    let corpus = std::env::var_os("STIGKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let p = corpus.join("xccdf/stigaview_rhel9_v2r5.xml");
    assert!(p.exists(), "corpus missing: {}", p.display());
    p
}

fn new_command(bench: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stigkit"));
    c.args([
        "checklist",
        "new",
        "--host-name",
        "bench-host",
        "--force",
        "--benchmark",
    ])
    .arg(bench)
    .arg("-o")
    .arg(out);
    c
}

fn library(c: &mut Criterion) {
    let bench = benchmark_file();
    let mut g = c.benchmark_group("checklist_new_rhel9_449/library");
    for ext in ["ckl", "cklb"] {
        g.bench_function(ext, |b| {
            b.iter(|| {
                let bm = source::load_benchmark(&bench, None).unwrap();
                let asset = Asset {
                    host_name: "bench-host".into(),
                    ..Asset::default()
                };
                let c = Checklist::blank(
                    asset,
                    &[&bm],
                    &[uuid::Uuid::new_v4()],
                    "2026-01-01T00:00:00.000Z",
                );
                let text = if ext == "ckl" {
                    ckl::write_to_string(&c)
                } else {
                    cklb::write_to_string(&c)
                };
                std::hint::black_box(text.len())
            })
        });
    }
    g.finish();
}

fn process(c: &mut Criterion) {
    let bench = benchmark_file();
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("checklist_new_rhel9_449/process");
    for ext in ["ckl", "cklb"] {
        let out = dir.path().join(format!("out.{ext}"));
        g.bench_function(ext, |b| {
            b.iter(|| {
                let status = new_command(&bench, &out).output().unwrap().status;
                assert!(status.success());
            })
        });
    }
    g.finish();
}

/// Peak resident memory of one `checklist new` process, in KiB, as GNU
/// time reports it. Measuring from this (large) process with `wait4` would
/// not do: Linux charges the parent's pages, shared until `exec`, to the
/// child's peak.
fn peak_rss_kib(bench: &Path, out: &Path) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let inner = new_command(bench, out);
    let o = Command::new(time)
        .args(["-f", "%M"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .output()
        .unwrap();
    assert!(o.status.success(), "checklist new failed");
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn memory() {
    let bench = benchmark_file();
    let dir = tempfile::tempdir().unwrap();
    for ext in ["ckl", "cklb"] {
        let out = dir.path().join(format!("out.{ext}"));
        match (0..5).filter_map(|_| peak_rss_kib(&bench, &out)).max() {
            Some(peak) => println!(
                "checklist_new_rhel9_449/process/{ext}: peak RSS {:.1} MB (target 20 MB)",
                peak as f64 / 1024.0
            ),
            None => println!(
                "checklist_new_rhel9_449/process/{ext}: peak RSS not measured (install GNU time: apt-get install time)"
            ),
        }
    }
}

criterion_group!(benches, library, process);

fn main() {
    benches();
    memory();
    Criterion::default().configure_from_args().final_summary();
}
