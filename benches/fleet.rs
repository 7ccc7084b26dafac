//! A fleet: 1,000 checklists of the RHEL 8 V1R3 STIG (379 rules each) with
//! random statuses and texts, all for one host.
//!
//! Targets: `stigkit show --json` over all of them within 2 s and 300 MB,
//! and at least 100 times faster than STIG Manager's own parser reading the
//! same files in the same run (issue 14; that parser runs once here, through
//! the oracle, and takes minutes); `stigkit merge` of all of them as passes
//! into one checklist within 5 s and 300 MB (issue 5). A fleet report of all
//! of them renders in under 5 s (issue 6): `stigkit report` writing the
//! page, and headless Chromium loading and painting it.
//!
//! Whole processes are timed with criterion (10 samples) and their peak
//! resident memory read from GNU time.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group};
use std::path::{Path, PathBuf};
use std::process::Command;
use stigkit::model::{Asset, Checklist, Status};
use stigkit::{output, source};

const FILES: usize = 1_000;

/// Deterministic pseudo-random numbers (xorshift64*), so every run
/// generates the same fleet.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 24] = [
    "audit",
    "rule",
    "verified",
    "config",
    "file",
    "permission",
    "owner",
    "root",
    "mode",
    "0600",
    "service",
    "enabled",
    "package",
    "installed",
    "sshd",
    "banner",
    "policy",
    "FIPS",
    "kernel",
    "parameter",
    "mount",
    "option",
    "grub",
    "selinux",
];

fn sentence(rng: &mut Rng, words: u64) -> String {
    let n = 3 + rng.below(words);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s.push('.');
    s
}

/// Writes the fleet into `dir`; returns the files in pass order.
fn generate(dir: &Path) -> Vec<PathBuf> {
    let bench = source::load_benchmark(
        &common::data("xccdf/U_RHEL_8_STIG_V1R3_Manual-xccdf.xml"),
        None,
    )
    .unwrap();
    assert_eq!(bench.rules.len(), 379);
    let asset = Asset {
        host_name: "rhel8-fleet-01".into(),
        host_ip: "10.0.8.1".into(),
        ..Asset::default()
    };
    let blank = Checklist::blank(
        asset,
        &[&bench],
        &[uuid::Uuid::new_v4()],
        "2026-11-26T00:00:00.000Z",
    );
    let mut rng = Rng(0x5EED_F1EE7);
    (0..FILES)
        .map(|i| {
            let mut c = blank.clone();
            for r in &mut c.stigs[0].rules {
                r.review.status = Status::ALL[rng.below(4) as usize];
                if rng.below(10) < 7 {
                    r.review.finding_details = format!("Pass {i}: {}", sentence(&mut rng, 30));
                }
                if rng.below(10) < 3 {
                    r.review.comments = sentence(&mut rng, 12);
                }
            }
            let p = dir.join(format!("pass-{i:04}.ckl"));
            output::write_checklist(&p, &c, true).unwrap();
            p
        })
        .collect()
}

fn command(args: &[&str], files: &[PathBuf]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stigkit"));
    c.args(args).args(files);
    c
}

fn show(files: &[PathBuf]) -> Command {
    let mut c = command(&["show", "--json"], files);
    c.stdout(std::process::Stdio::null());
    c
}

fn merge(files: &[PathBuf], out: &Path) -> Command {
    let mut c = command(&["merge", "--force", "-o", out.to_str().unwrap()], files);
    c.stdout(std::process::Stdio::null());
    c
}

fn report(files: &[PathBuf], out: &Path) -> Command {
    let mut c = command(&["report", "--force", "-o", out.to_str().unwrap()], files);
    c.stderr(std::process::Stdio::null());
    c
}

/// Headless Chromium painting `page` into a screenshot, as
/// tests/report_browser.rs runs it; `None` without Chromium.
fn chromium(page: &Path, profile: &Path) -> Option<Command> {
    let mut c = Command::new(common::chromium_path()?);
    c.args(common::CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "--screenshot={}",
            page.with_extension("png").display()
        ))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    Some(c)
}

/// Peak resident memory of `cmd` in KiB, from GNU time.
fn peak_rss_kib(cmd: &Command) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let o = Command::new(time)
        .args(["-f", "%M"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

/// Wall time of STIG Manager's parser (reviewsFromCkl, through the oracle
/// without its extra checks) over `files`; `None` without node.
fn stig_manager_seconds(files: &[PathBuf]) -> Option<f64> {
    let script = common::oracle_script();
    let began = std::time::Instant::now();
    let o = Command::new("bash")
        .arg(&script)
        .args(["--quiet", "--no-wf"])
        .args(files)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    if !o.status.success() {
        println!(
            "STIG Manager's parser did not run: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
        return None;
    }
    Some(began.elapsed().as_secs_f64())
}

/// Median wall time of `show --json` over `files`, in seconds.
fn show_seconds(files: &[PathBuf], runs: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let began = std::time::Instant::now();
            assert!(show(files).status().unwrap().success());
            began.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn fleet(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // STIGKIT_FLEET_DIR keeps the fleet for profiling by hand.
    let keep = std::env::var_os("STIGKIT_FLEET_DIR").map(PathBuf::from);
    let files = match &keep {
        Some(d) => {
            std::fs::create_dir_all(d).unwrap();
            generate(d)
        }
        None => generate(dir.path()),
    };
    let bytes: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    println!(
        "fleet: {} CKLs of 379 rules, {:.0} MB",
        files.len(),
        bytes as f64 / 1e6
    );
    let out = dir.path().join("merged.ckl");
    let mut g = c.benchmark_group("fleet_1000x379");
    g.sample_size(10);
    g.bench_function("show_json", |b| {
        b.iter(|| assert!(show(&files).status().unwrap().success()))
    });
    g.bench_function("merge", |b| {
        b.iter(|| assert!(merge(&files, &out).status().unwrap().success()))
    });
    let page = dir.path().join("fleet-report.html");
    g.bench_function("report_html", |b| {
        b.iter(|| assert!(report(&files, &page).status().unwrap().success()))
    });
    let profile = dir.path().join("chromium-profile");
    match chromium(&page, &profile) {
        Some(_) => g.bench_function("report_chromium_paint", |b| {
            b.iter(|| {
                let mut c = chromium(&page, &profile).unwrap();
                assert!(c.status().unwrap().success())
            })
        }),
        None => {
            println!("fleet_1000x379/report_chromium_paint: not measured (no Chromium)");
            &mut g
        }
    };
    g.finish();
    println!(
        "fleet_1000x379/report_html: page {:.1} MB",
        page.metadata().unwrap().len() as f64 / 1e6
    );
    for (name, cmd) in [
        ("show_json", show(&files)),
        ("merge", merge(&files, &out)),
        ("report_html", report(&files, &page)),
    ] {
        match peak_rss_kib(&cmd) {
            Some(k) => println!(
                "fleet_1000x379/{name}: peak RSS {:.0} MB (target 300 MB)",
                k as f64 / 1024.0
            ),
            None => println!("fleet_1000x379/{name}: peak RSS not measured (install GNU time)"),
        }
    }
    println!(
        "fleet_1000x379/merge: output {:.0} MB",
        out.metadata().unwrap().len() as f64 / 1e6
    );
    // The same files, the same run: stigkit's show against STIG Manager's
    // parser (target: 100 times faster).
    let ours = show_seconds(&files, 5);
    match stig_manager_seconds(&files) {
        Some(theirs) => println!(
            "fleet_1000x379/show_json: {ours:.2} s (median of 5); STIG Manager's parser: {theirs:.1} s; {:.0}x faster (target 100x)",
            theirs / ours
        ),
        None => {
            println!("fleet_1000x379/show_json: {ours:.2} s; STIG Manager's parser not measured")
        }
    }
}

criterion_group!(benches, fleet);

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
