//! `stigkit scan` against the simulator's scenarios: every one of the 44
//! MKE rules gets the status pinned in `tests/sim/scenarios/README.md`
//! ("Expected STIG statuses"), and what scan writes passes the oracle.

mod common;
mod sim;

use common::*;
use sim::{Scenario, Sim, SimConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::model::{Checklist, Status};

/// One scan's results: the output folder and each rule's status, keyed by
/// Vuln ID.
struct Scan {
    _dir: tempfile::TempDir,
    out: PathBuf,
    statuses: BTreeMap<String, Status>,
    checklist: Checklist,
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Starts `scenario`, scans it (with `policy` copied beside the
/// simulator's CA as `ca.pem`), and reads the CKLB back.
fn scan(scenario: &'static str, policy: Option<&Path>) -> Scan {
    let sim = Sim::start(SimConfig::with_scenario(Scenario::Named(scenario)));
    let dir = tempdir();
    let out = dir.path().join("scan");
    let mut cmd = stigkit();
    cmd.env_remove("STIGKIT_CONFIG")
        .env_remove("STIGKIT_MKE_URL")
        .env_remove("STIGKIT_DOCKER_HOST")
        .args(["scan", "--quiet", "--bundle", s(&sim.bundle_zip)])
        .args(["--ca", s(&sim.ca_pem)])
        .arg("--out")
        .arg(&out);
    if let Some(msr) = &sim.msr_url {
        cmd.args(["--msr-url", msr, "--msr-username", &sim.msr_user])
            .env("STIGKIT_MSR_PASSWORD", &sim.msr_password);
    }
    if let Some(policy) = policy {
        let copy = dir.path().join("policy.toml");
        std::fs::copy(policy, &copy).unwrap();
        std::fs::copy(&sim.ca_pem, dir.path().join("ca.pem")).unwrap();
        cmd.arg("--policy").arg(copy);
    }
    let o = cmd.output().expect("running stigkit scan");
    // Exit 0 (nothing open) or 3 (partial) would both be wrong here: every
    // scenario has open findings but no --fail-on, and every call succeeds.
    assert_eq!(
        o.status.code(),
        Some(0),
        "scan {scenario}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let cklb = only_file(&out, "cklb");
    let checklist = stigkit::source::load_checklist(&cklb).unwrap().checklist;
    let statuses = checklist.stigs[0]
        .rules
        .iter()
        .map(|r| (r.rule.vuln_id.clone(), r.review.status))
        .collect();
    Scan {
        _dir: dir,
        out,
        statuses,
        checklist,
    }
}

/// The one file in `dir` with extension `ext`.
fn only_file(dir: &Path, ext: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    assert_eq!(found.len(), 1, "{ext} files in {}: {found:?}", dir.display());
    found.into_iter().next().unwrap()
}

/// The expected statuses of a scenario's table in the scenarios README:
/// column 1, or 2 for the hardened scenario's with-policy column.
fn expected(scenario: &str, column: usize) -> BTreeMap<String, Status> {
    let readme = std::fs::read_to_string(Sim::scenario_dir("README.md")).unwrap();
    let heading = format!("### \"{scenario}\"");
    let start = readme
        .find(&heading)
        .unwrap_or_else(|| panic!("no {heading} in the scenarios README"));
    let rows: BTreeMap<String, Status> = readme[start..]
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let status = cells[1 + column];
            cells[1].starts_with("V-").then(|| {
                let parsed = Status::parse_lenient(status)
                    .unwrap_or_else(|| panic!("{scenario} {}: status {status:?}", cells[1]));
                (cells[1].to_string(), parsed)
            })
        })
        .collect();
    assert_eq!(rows.len(), 44, "{scenario}: rows in the README table");
    rows
}

/// Fails with every rule whose status differs from the table, and the
/// checklist's finding details for it.
fn assert_statuses(scan: &Scan, want: &BTreeMap<String, Status>, what: &str) {
    let mut wrong = Vec::new();
    for (vuln, status) in want {
        let got = scan.statuses.get(vuln);
        if got != Some(status) {
            let details = scan.checklist.stigs[0]
                .rules
                .iter()
                .find(|r| &r.rule.vuln_id == vuln)
                .map(|r| r.review.finding_details.clone())
                .unwrap_or_default();
            wrong.push(format!("{vuln}: want {status}, got {got:?}\n{details}\n"));
        }
    }
    assert_eq!(scan.statuses.len(), 44, "{what}: rules in the checklist");
    assert!(wrong.is_empty(), "{what}:\n{}", wrong.join("\n"));
}

/// Both checklists and the evidence are there, and the oracle takes both
/// checklists in its strictest mode.
fn assert_outputs(scan: &Scan) {
    assert!(scan.out.join("evidence/manifest.json").is_file());
    assert!(scan.out.join("summary.txt").is_file());
    let ckl = only_file(&scan.out, "ckl");
    let cklb = only_file(&scan.out, "cklb");
    let reports = oracle_strict(&[ckl, cklb]);
    assert_eq!(reports.len(), 2);
}

#[test]
fn default_install_statuses() {
    let scan = scan("default", None);
    assert_statuses(&scan, &expected("default", 1), "default");
    assert_outputs(&scan);
}

#[test]
fn mixed_swarm_and_kubernetes_statuses() {
    let scan = scan("mixed", None);
    assert_statuses(&scan, &expected("mixed", 1), "mixed");
    assert_outputs(&scan);
}

#[test]
fn cluster_without_msr_statuses() {
    let scan = scan("no-msr", None);
    assert_statuses(&scan, &expected("no-msr", 1), "no-msr");
    assert_outputs(&scan);
}

#[test]
fn hardened_statuses_without_and_with_site_policy() {
    let bare = scan("hardened", None);
    assert_statuses(&bare, &expected("hardened", 1), "hardened, no policy");
    assert_outputs(&bare);
    let policy = Sim::scenario_dir("hardened").join("policy.toml");
    let with = scan("hardened", Some(&policy));
    assert_statuses(&with, &expected("hardened", 2), "hardened, site policy");
    assert_outputs(&with);
}
