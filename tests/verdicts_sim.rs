//! `stigkit scan` against the simulator's scenarios: every one of the 44
//! MKE rules gets the status pinned in `tests/sim/scenarios/README.md`
//! ("Expected STIG statuses"), and what scan writes passes the oracle.

mod common;
mod sim;

use common::*;
use sim::{Fault, FaultKind, Scenario, Server, Sim, SimConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::model::{Checklist, Status};

/// One scan's results: the output folder and each rule's status, keyed by
/// Vuln ID.
struct Scan {
    dir: tempfile::TempDir,
    out: PathBuf,
    /// The policy as the scan used it (beside its `ca.pem`).
    policy: Option<PathBuf>,
    statuses: BTreeMap<String, Status>,
    checklist: Checklist,
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Starts `scenario`, scans it (with `policy` copied beside the
/// simulator's CA as `ca.pem`), and reads the CKLB back.
fn scan(scenario: &'static str, policy: Option<&Path>) -> Scan {
    scan_with(
        SimConfig::with_scenario(Scenario::Named(scenario)),
        policy,
        0,
    )
}

/// `scan` of any simulator setup, expecting exit code `code`.
fn scan_with(cfg: SimConfig, policy: Option<&Path>, code: i32) -> Scan {
    let scenario = format!("{:?}", cfg.scenario);
    let sim = Sim::start(cfg);
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
    let policy = policy.map(|policy| {
        let copy = dir.path().join("policy.toml");
        std::fs::copy(policy, &copy).unwrap();
        std::fs::copy(&sim.ca_pem, dir.path().join("ca.pem")).unwrap();
        cmd.arg("--policy").arg(&copy);
        copy
    });
    let o = cmd.output().expect("running stigkit scan");
    // Without --fail-on, open findings leave exit 0; 3 means a call failed.
    assert_eq!(
        o.status.code(),
        Some(code),
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
        dir,
        out,
        policy,
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
    assert_eq!(
        found.len(),
        1,
        "{ext} files in {}: {found:?}",
        dir.display()
    );
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

/// The checklist without what differs between two runs by design: uuids
/// and write times.
fn without_run_identity(mut c: Checklist) -> Checklist {
    c.id.clear();
    for stig in &mut c.stigs {
        stig.info.uuid.clear();
        for r in &mut stig.rules {
            r.record.uuid.clear();
            r.record.stig_uuid.clear();
            r.record.created_at.clear();
            r.record.updated_at.clear();
        }
    }
    c
}

#[test]
fn offline_evaluate_of_a_scan_bundle_gives_the_same_checklist() {
    let live = scan("mixed", None);
    let stem = only_file(&live.out, "cklb");
    let stem = stem.file_stem().unwrap().to_str().unwrap();
    let offline = live.dir.path().join("offline");
    std::fs::create_dir(&offline).unwrap();
    for ext in ["cklb", "ckl"] {
        let out = offline.join(format!("{stem}.{ext}"));
        run_ok(&[
            "evaluate",
            "--evidence",
            s(&live.out.join("evidence")),
            "-o",
            s(&out),
        ]);
        let again = stigkit::source::load_checklist(&out).unwrap().checklist;
        let live_one = stigkit::source::load_checklist(&only_file(&live.out, ext))
            .unwrap()
            .checklist;
        assert_eq!(
            without_run_identity(again),
            without_run_identity(live_one),
            "{ext}"
        );
    }
    // Also as text: the CKLs differ only on uuid lines.
    let text = |p: PathBuf| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !looks_like_uuid(l))
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (
        text(only_file(&live.out, "ckl")),
        text(offline.join(format!("{stem}.ckl"))),
    );
    let first_difference = a.iter().zip(&b).position(|(x, y)| x != y);
    assert_eq!(
        first_difference,
        None,
        "{:?}",
        first_difference.map(|i| (&a[i], &b[i]))
    );
    assert_eq!(a.len(), b.len());
}

/// A CKL line holding a uuid value (`<SID_DATA>` or `<ATTRIBUTE_DATA>`).
fn looks_like_uuid(line: &str) -> bool {
    let v = line.trim();
    let v = v
        .strip_prefix("<SID_DATA>")
        .or_else(|| v.strip_prefix("<ATTRIBUTE_DATA>"))
        .unwrap_or(v);
    let v = v.split('<').next().unwrap_or(v);
    uuid::Uuid::parse_str(v).is_ok()
}

#[test]
fn missing_evidence_leaves_its_rules_not_reviewed_with_the_reason() {
    let mut cfg = SimConfig::with_scenario(Scenario::Named("hardened"));
    cfg.faults = vec![
        Fault::new(Server::Mke, "/api/ucp/config-toml", FaultKind::Status(500)),
        Fault::new(Server::Mke, "/containers/json", FaultKind::BadJson),
    ];
    let scan = scan_with(cfg, None, 3);
    let details = |v: &str| {
        scan.checklist.stigs[0]
            .rules
            .iter()
            .find(|r| r.rule.vuln_id == v)
            .map(|r| r.review.finding_details.clone())
            .unwrap()
    };
    // Passing in the hardened scenario, but unproven without their evidence.
    for v in ["V-260903", "V-260914", "V-260918", "V-260946"] {
        assert_eq!(scan.statuses[v], Status::NotReviewed, "{v}");
        assert!(
            details(v).starts_with("Not decided: MKE configuration (GET /api/ucp/config-toml)"),
            "{v}: {}",
            details(v)
        );
    }
    for v in ["V-260910", "V-260937", "V-260939", "V-260940"] {
        assert_eq!(scan.statuses[v], Status::NotReviewed, "{v}");
        assert!(
            details(v).starts_with("Not decided: "),
            "{v}: {}",
            details(v)
        );
    }
    let summary = std::fs::read_to_string(scan.out.join("summary.txt")).unwrap();
    assert!(summary.contains("evidence calls failed"), "{summary}");
    assert_outputs(&scan);
}

#[test]
fn fail_on_counts_only_open_findings_at_or_above_the_category() {
    let policy = Sim::scenario_dir("hardened").join("policy.toml");
    let scan = scan("hardened", Some(&policy));
    // Open: V-260925, V-260934, V-260936, all CAT II.
    let evidence = scan.out.join("evidence");
    for (cat, code) in [("cat1", 0), ("cat2", 1), ("cat3", 1)] {
        let out = scan.dir.path().join(format!("{cat}.cklb"));
        let o = run(&[
            "evaluate",
            "--evidence",
            s(&evidence),
            "--policy",
            s(scan.policy.as_ref().unwrap()),
            "--fail-on",
            cat,
            "-o",
            s(&out),
        ]);
        assert_eq!(o.status.code(), Some(code), "{cat}");
    }
}
