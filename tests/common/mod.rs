//! Helpers shared by the integration tests: where the corpus is, how to run
//! the external oracle, and how to run the `stigkit` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared test corpus: `$STIGKIT_CORPUS`, or `../shared/data` beside
/// the project. A missing corpus fails the test: CI must never skip it.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("STIGKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.join("xccdf").is_dir(),
        "test corpus not found at {} (set STIGKIT_CORPUS)",
        dir.display()
    );
    dir
}

/// A file of the corpus.
pub fn data(rel: &str) -> PathBuf {
    let p = corpus().join(rel);
    assert!(p.exists(), "corpus file missing: {}", p.display());
    p
}

/// Files directly in a corpus folder, sorted.
pub fn files(rel: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Every file below `dir`, recursively, sorted.
pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    fn go(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                go(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    go(dir, &mut out);
    out.sort();
    out
}

/// The oracle script: `$STIGKIT_ORACLE`, or `tools/oracle/run.sh` beside the corpus.
pub fn oracle_script() -> PathBuf {
    let p = std::env::var_os("STIGKIT_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| corpus().join("../tools/oracle/run.sh"));
    assert!(
        p.exists(),
        "oracle not found at {} (set STIGKIT_ORACLE)",
        p.display()
    );
    p
}

/// Runs the oracle with `flags` on `files`; returns its exit status and one
/// JSON report per file.
pub fn oracle(flags: &[&str], files: &[PathBuf]) -> (bool, Vec<serde_json::Value>) {
    // Node drops buffered output to a pipe when the oracle exits; a file
    // receives all of it.
    let report = tempfile::NamedTempFile::new().expect("temp file");
    let out = Command::new("bash")
        .arg(oracle_script())
        .args(flags)
        .args(files)
        .stdout(report.reopen().expect("reopen temp file"))
        .output()
        .expect("running the oracle");
    let stdout = std::fs::read_to_string(report.path()).expect("oracle report");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "oracle printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reports = match json {
        serde_json::Value::Array(v) => v,
        one => vec![one],
    };
    (out.status.success(), reports)
}

/// Runs the oracle in its strictest mode and fails the test on any error.
pub fn oracle_strict(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let (ok, reports) = oracle(&["--strict", "--schema"], files);
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| r["ok"] != true)
        .map(|r| format!("{}: {}", r["file"], r["error"]))
        .collect();
    assert!(
        ok && failures.is_empty(),
        "oracle rejected:\n{}",
        failures.join("\n")
    );
    reports
}

/// The `stigkit` binary under test.
pub fn stigkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stigkit"))
}

/// Runs `stigkit` with `args`.
pub fn run(args: &[&str]) -> Output {
    stigkit().args(args).output().expect("running stigkit")
}

/// Runs `stigkit` and asserts it succeeded.
pub fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "stigkit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `stigkit` with `args` under GNU time: its output, and its peak
/// resident memory in MB.
pub fn run_measured(args: &[&str]) -> (Output, f64) {
    let dir = tempdir();
    let report = dir.path().join("time");
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_stigkit"))
        .args(args)
        .output()
        .expect("GNU time (/usr/bin/time; .ci/run installs it)");
    let kib: f64 = std::fs::read_to_string(&report)
        .expect("GNU time's report")
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("peak RSS in KiB");
    (out, kib / 1024.0)
}

/// A fresh temporary folder.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A filled MKE checklist (30 Open, 1 CAT I), judged from the sample
/// evidence bundle into `dir/mke.ckl`.
pub fn evaluated_sample(dir: &Path) -> PathBuf {
    let out = dir.join("mke.ckl");
    run_ok(&[
        "evaluate",
        "--evidence",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/evidence")
            .to_str()
            .unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

/// Debian's Chromium (`STIGKIT_CHROMIUM` names another), if installed.
pub fn chromium_path() -> Option<PathBuf> {
    let p = std::env::var_os("STIGKIT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    p.exists().then_some(p)
}

/// How tests and benches run Chromium: headless, and quiet on this
/// machine's closed network (background fetches would only add noise).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1000",
];
