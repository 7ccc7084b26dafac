//! `stigkit upgrade` on two real pairs of releases from the corpus:
//! Kubernetes STIG V1R2 → V2R4 and Container Platform SRG V1R2 → V2R2.
//!
//! The old checklist is made by `checklist new` from the old benchmark and
//! every rule is given a distinct review; the expected decisions are worked
//! out here from the two benchmarks, independently of stigkit's matcher,
//! and pinned as literal numbers too.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::model::{Benchmark, Checklist, Review, Severity, Status};
use stigkit::{output, source};

const K8S_OLD: &str = "xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml";
const K8S_NEW: &str = "xccdf/stigaview_kubernetes_v2r4.xml";
const SRG_OLD: &str = "xccdf/U_Container_Platform_SRG_V1R2_Manual-xccdf.xml";
const SRG_NEW: &str = "xccdf/stigaview_container_platform_srg_v2r2.xml";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A distinct review for the `n`th rule: every status, markup and
/// non-ASCII text, and a severity override on every third rule.
fn review_for(n: usize, rule_id: &str) -> Review {
    Review {
        status: [
            Status::Open,
            Status::NotAFinding,
            Status::NotApplicable,
            Status::NotReviewed,
        ][n % 4],
        finding_details: format!(
            "Finding {n} for {rule_id}: kube-apiserver flags read on node-{n}.\nSecond line: <tls-min-version> & \"VersionTLS12\" — ok."
        ),
        comments: format!("Comment {n} by the assessor (ISSO Müller) on {rule_id}."),
        severity_override: match n % 3 {
            0 => Some(Severity::Low),
            _ => None,
        },
        severity_justification: format!(
            "Justification {n}: mitigated by the site's network segmentation."
        ),
    }
}

/// A checklist from `checklist new` for `benchmarks`, every rule reviewed,
/// written to `path` (CKL or CKLB by extension).
fn filled(dir: &Path, benchmarks: &[&str], path: &Path) -> Checklist {
    let blank = dir.join(format!(
        "blank-{}.ckl",
        path.file_stem().unwrap().to_string_lossy()
    ));
    let mut args = vec!["checklist", "new"];
    let files: Vec<PathBuf> = benchmarks.iter().map(|b| data(b)).collect();
    for f in &files {
        args.extend(["--benchmark", s(f)]);
    }
    args.extend([
        "--host-name",
        "mke-ctl-01",
        "--ip",
        "10.0.0.11",
        "--fqdn",
        "mke-ctl-01.example.mil",
        "--role",
        "Member Server",
        "--tech-area",
        "UNIX OS",
        "-o",
        s(&blank),
    ]);
    run_ok(&args);
    let mut c = source::load_checklist(&blank).unwrap().checklist;
    let mut n = 0;
    for stig in &mut c.stigs {
        for r in &mut stig.rules {
            r.review = review_for(n, &r.rule.rule_id);
            n += 1;
        }
    }
    // A CKL has no checklist id; a CKLB needs one.
    c.fill_identifiers(uuid::Uuid::new_v4);
    output::write_checklist(path, &c, false).unwrap();
    c
}

/// What the test expects for one old rule or new rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    Carried { old: String, new: String },
    Reset { old: String, new: String },
    New { new: String },
    Removed { old: String },
}

/// `SV-242376r712484_rule` → `SV-242376`, written out again on purpose.
fn sv(rule_id: &str) -> &str {
    rule_id.split_once('r').map_or(rule_id, |(a, _)| a)
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// The decisions, from the two benchmarks: SV number first, then the STIG
/// ID among rules whose SV number is new; check texts compared word by word.
fn expected(old: &Benchmark, new: &Benchmark) -> (Vec<Expect>, usize) {
    let mut used = vec![false; new.rules.len()];
    let mut pairs = Vec::new();
    let mut by_stig_id = 0;
    let old_svs: Vec<&str> = old.rules.iter().map(|r| sv(&r.rule_id)).collect();
    for o in &old.rules {
        let by_sv = new
            .rules
            .iter()
            .position(|n| sv(&n.rule_id) == sv(&o.rule_id));
        let by_id = || {
            new.rules.iter().enumerate().position(|(j, n)| {
                !used[j] && !old_svs.contains(&sv(&n.rule_id)) && n.stig_id == o.stig_id
            })
        };
        let found = by_sv.or_else(|| {
            let j = by_id();
            by_stig_id += j.is_some() as usize;
            j
        });
        match found {
            Some(j) => {
                used[j] = true;
                let n = &new.rules[j];
                let (old, new) = (o.rule_id.clone(), n.rule_id.clone());
                pairs.push(if words(&o.check_content) == words(&n.check_content) {
                    Expect::Carried { old, new }
                } else {
                    Expect::Reset { old, new }
                });
            }
            None => pairs.push(Expect::Removed {
                old: o.rule_id.clone(),
            }),
        }
    }
    for (j, n) in new.rules.iter().enumerate() {
        if !used[j] {
            pairs.push(Expect::New {
                new: n.rule_id.clone(),
            });
        }
    }
    pairs.sort();
    (pairs, by_stig_id)
}

fn count(e: &[Expect]) -> [usize; 4] {
    let mut c = [0; 4];
    for x in e {
        c[match x {
            Expect::Carried { .. } => 0,
            Expect::Reset { .. } => 1,
            Expect::New { .. } => 2,
            Expect::Removed { .. } => 3,
        }] += 1;
    }
    c
}

/// The report's decisions in the test's terms.
fn decisions(stig: &Value) -> Vec<Expect> {
    let mut v: Vec<Expect> = stig["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let id = |side: &str| d[side]["rule_id"].as_str().unwrap().to_string();
            match d["category"].as_str().unwrap() {
                "carried" => Expect::Carried {
                    old: id("old"),
                    new: id("new"),
                },
                "reset" => Expect::Reset {
                    old: id("old"),
                    new: id("new"),
                },
                "new" => Expect::New { new: id("new") },
                "removed" => Expect::Removed { old: id("old") },
                other => panic!("category {other}"),
            }
        })
        .collect();
    v.sort();
    v
}

fn review_json(r: &Review) -> Value {
    serde_json::json!({
        "status": r.status.key(),
        "finding_details": r.finding_details,
        "comments": r.comments,
        "severity_override": r.severity_override.map(|s| s.as_str()),
        "severity_justification": r.severity_justification,
    })
}

/// Checks one upgraded STIG against the old checklist and the benchmarks:
/// carried reviews unchanged, reset ones Not_Reviewed with the whole old
/// review in COMMENTS, new ones blank, texts and ids from the new release.
/// Returns the expected oracle result counts.
fn check_stig(
    old: &Checklist,
    out: &Checklist,
    stig_id: &str,
    new_b: &Benchmark,
    exp: &[Expect],
    report: &Value,
) -> BTreeMap<String, u64> {
    let old_stig = old
        .stigs
        .iter()
        .find(|s| s.info.stig_id == stig_id)
        .unwrap();
    let out_stig = out
        .stigs
        .iter()
        .find(|s| s.info.stig_id == stig_id)
        .unwrap();
    let old_rev = old_stig.revision().unwrap().to_string();
    assert_eq!(out_stig.info.title, new_b.title);
    assert_eq!(out_stig.info.release_info, new_b.release_info);
    assert_eq!(out_stig.info.version, new_b.version);
    let ids: Vec<&str> = out_stig
        .rules
        .iter()
        .map(|r| r.rule.rule_id.as_str())
        .collect();
    let want: Vec<&str> = new_b.rules.iter().map(|r| r.rule_id.as_str()).collect();
    assert_eq!(ids, want, "rules and their order come from the new release");
    let mut results: BTreeMap<String, u64> = BTreeMap::new();
    let mut tally = |st: Status| {
        let k = match st {
            Status::Open => "fail",
            Status::NotAFinding => "pass",
            Status::NotApplicable => "notapplicable",
            Status::NotReviewed => "notchecked",
        };
        *results.entry(k.to_string()).or_default() += 1;
    };
    let old_rule = |id: &str| {
        old_stig
            .rules
            .iter()
            .find(|r| r.rule.rule_id == id)
            .unwrap()
    };
    let new_rule = |id: &str| {
        out_stig
            .rules
            .iter()
            .find(|r| r.rule.rule_id == id)
            .unwrap()
    };
    for e in exp {
        match e {
            Expect::Carried { old, new } => {
                let (o, n) = (old_rule(old), new_rule(new));
                assert_eq!(n.review, o.review, "{old} -> {new} carried unchanged");
                let b = new_b.rules.iter().find(|r| &r.rule_id == new).unwrap();
                assert_eq!(n.rule.check_content, b.check_content);
                tally(n.review.status);
            }
            Expect::Reset { old, new } => {
                let (o, n) = (old_rule(old), new_rule(new));
                assert_eq!(n.review.status, Status::NotReviewed, "{new}");
                assert_eq!(n.review.finding_details, "", "{new}");
                assert_eq!(n.review.severity_override, None, "{new}");
                let c = &n.review.comments;
                let heading = format!(
                    "=== Previous review: {stig_id} {old_rev}, rule {old} ({}) ===",
                    o.rule.stig_id
                );
                assert!(c.contains(&heading), "{new}: no heading in {c}");
                for kept in [
                    format!("Status: {}", o.review.status.label()),
                    o.review.finding_details.clone(),
                    o.review.comments.clone(),
                    o.review.severity_justification.clone(),
                ] {
                    assert!(c.contains(&kept), "{new}: '{kept}' not in COMMENTS: {c}");
                }
                if let Some(sev) = o.review.severity_override {
                    assert!(c.contains(&format!("Severity override: {sev}")), "{c}");
                }
                tally(Status::NotReviewed);
            }
            Expect::New { new } => {
                assert_eq!(new_rule(new).review, Review::default(), "{new}");
                tally(Status::NotReviewed);
            }
            Expect::Removed { old } => {
                let o = old_rule(old);
                let d = report["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|d| d["old"]["rule_id"] == old.as_str() && d["category"] == "removed")
                    .unwrap();
                assert_eq!(d["previous_review"], review_json(&o.review), "{old}");
            }
        }
    }
    results
}

struct Case {
    old: &'static str,
    new: &'static str,
    stig_id: &'static str,
    /// carried, reset, new, removed
    pinned: [usize; 4],
    by_stig_id: usize,
}

const CASES: [Case; 2] = [
    Case {
        old: K8S_OLD,
        new: K8S_NEW,
        stig_id: "Kubernetes_STIG",
        pinned: [15, 74, 5, 4],
        by_stig_id: 0,
    },
    Case {
        old: SRG_OLD,
        new: SRG_NEW,
        stig_id: "Container_Platform_SRG",
        pinned: [160, 9, 18, 4],
        by_stig_id: 1,
    },
];

/// Both pairs, both output formats: counts pinned and worked out from the
/// benchmarks, every review where it belongs, and outputs the oracle takes.
#[test]
fn upgrade_carries_resets_and_reports_every_rule() {
    let dir = tempdir();
    for case in &CASES {
        let old_b = source::load_benchmark(&data(case.old), None).unwrap();
        let new_b = source::load_benchmark(&data(case.new), None).unwrap();
        let (exp, by_stig_id) = expected(&old_b, &new_b);
        assert_eq!(count(&exp), case.pinned, "{}: worked out", case.stig_id);
        assert_eq!(by_stig_id, case.by_stig_id, "{}", case.stig_id);

        let old_path = dir.path().join(format!("{}-old.ckl", case.stig_id));
        let old = filled(dir.path(), &[case.old], &old_path);
        oracle_strict(std::slice::from_ref(&old_path));
        for ext in ["ckl", "cklb"] {
            let out = dir.path().join(format!("{}-new.{ext}", case.stig_id));
            let rep = dir.path().join(format!("{}-{ext}.json", case.stig_id));
            let o = run_ok(&[
                "upgrade",
                s(&old_path),
                "--benchmark",
                s(&data(case.new)),
                "-o",
                s(&out),
                "--report",
                s(&rep),
            ]);
            let [carried, reset, new, removed] = case.pinned;
            let text = stdout(&o);
            let (old_rev, new_rev) = (
                old_b.revision().unwrap().to_string(),
                new_b.revision().unwrap().to_string(),
            );
            assert!(
                text.contains(&format!(
                    "  {} {old_rev} -> {new_rev}: {carried} carried, {reset} reset, {new} new, {removed} removed\n",
                    case.stig_id
                )),
                "{text}"
            );
            assert!(
                text.contains(&format!(
                    "\nTotal: {carried} carried, {reset} reset, {new} new, {removed} removed\n"
                )),
                "{text}"
            );
            // Every removed rule is named with what its review held.
            assert_eq!(text.matches("\n    removed V-").count(), removed, "{text}");

            let report: Value =
                serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
            let stig = &report["stigs"][0];
            assert_eq!(stig["stig_id"], case.stig_id);
            assert_eq!(stig["old_revision"], old_rev);
            assert_eq!(stig["new_revision"], new_rev);
            let t = &stig["totals"];
            assert_eq!(t["carried"], carried);
            assert_eq!(t["reset"], reset);
            assert_eq!(t["new"], new);
            assert_eq!(t["removed"], removed);
            assert_eq!(
                t["removed_with_review"], removed,
                "all old rules were reviewed"
            );
            assert_eq!(t["matched_by"]["stig_id"], case.by_stig_id);
            assert_eq!(
                t["matched_by"]["sv_number"],
                carried + reset - case.by_stig_id
            );
            assert_eq!(report["totals"], *t);
            assert_eq!(decisions(stig), exp, "{}: every decision", case.stig_id);

            let out_c = source::load_checklist(&out).unwrap().checklist;
            assert_eq!(out_c.asset.host_name, "mke-ctl-01");
            assert_eq!(out_c.asset.host_ip, "10.0.0.11");
            assert_eq!(out_c.asset.host_fqdn, "mke-ctl-01.example.mil");
            assert_eq!(out_c.asset.role, "Member Server");
            assert_eq!(out_c.asset.tech_area, "UNIX OS");
            let results = check_stig(&old, &out_c, case.stig_id, &new_b, &exp, stig);

            let r = &oracle_strict(std::slice::from_ref(&out))[0];
            let got = &r["checklists"][0];
            assert_eq!(got["benchmarkId"], case.stig_id);
            assert_eq!(got["revisionStr"], new_rev);
            assert_eq!(got["reviews"], new_b.rules.len());
            let got: BTreeMap<String, u64> =
                serde_json::from_value(got["results"].clone()).unwrap();
            assert_eq!(got, results, "{}: oracle's result counts", out.display());
        }
    }
}

/// Only wording counts: check texts re-wrapped with CRLF line ends and
/// indentation (as Windows tools and Evaluate-STIG write them) still carry,
/// and one added word resets the rule.
#[test]
fn whitespace_does_not_reset_and_one_word_does() {
    let dir = tempdir();
    let old_b = source::load_benchmark(&data(K8S_OLD), None).unwrap();
    let new_b = source::load_benchmark(&data(K8S_NEW), None).unwrap();
    let (exp, _) = expected(&old_b, &new_b);
    let edited = exp
        .iter()
        .find_map(|e| match e {
            Expect::Carried { old, .. } => Some(old.clone()),
            _ => None,
        })
        .unwrap();
    let plain = dir.path().join("plain.ckl");
    let mut c = filled(dir.path(), &[K8S_OLD], &plain);
    for r in &mut c.stigs[0].rules {
        let text = r.rule.check_content.split_whitespace().collect::<Vec<_>>();
        r.rule.check_content = format!("  {}\r\n", text.join("\r\n\t"));
        if r.rule.rule_id == edited {
            r.rule
                .check_content
                .push_str("Also check the audit policy.");
        }
    }
    let old = dir.path().join("crlf.cklb");
    output::write_checklist(&old, &c, false).unwrap();
    assert!(std::fs::read_to_string(&old).unwrap().contains("\\r\\n\\t"));
    let out = dir.path().join("new.ckl");
    let rep = dir.path().join("r.json");
    let o = run_ok(&[
        "upgrade",
        s(&old),
        "--benchmark",
        s(&data(K8S_NEW)),
        "-o",
        s(&out),
        "--report",
        s(&rep),
    ]);
    assert!(
        stdout(&o)
            .contains("Kubernetes_STIG V1R2 -> V2R4: 14 carried, 75 reset, 5 new, 4 removed\n"),
        "{}",
        stdout(&o)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    let d = report["stigs"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["old"]["rule_id"] == edited.as_str())
        .unwrap();
    assert_eq!(d["category"], "reset");
    assert_ne!(d["old"]["check_sha256"], d["new"]["check_sha256"]);
    for d in report["stigs"][0]["rules"].as_array().unwrap() {
        if d["category"] == "carried" {
            assert_eq!(d["old"]["check_sha256"], d["new"]["check_sha256"]);
        }
    }
    oracle_strict(&[old, out]);
}

/// A two-STIG CKLB with a new release for one STIG only: that one is
/// upgraded, the other kept exactly, and the summary says so.
#[test]
fn a_stig_without_a_new_release_is_kept_as_it_is() {
    let dir = tempdir();
    let old_path = dir.path().join("two.cklb");
    let old = filled(dir.path(), &[K8S_OLD, SRG_OLD], &old_path);
    oracle_strict(std::slice::from_ref(&old_path));
    let out = dir.path().join("two-new.ckl");
    let o = run_ok(&[
        "upgrade",
        s(&old_path),
        "--benchmark",
        s(&data(SRG_NEW)),
        "-o",
        s(&out),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "  Kubernetes_STIG V1R2: 93 rules kept as they are (no new release of this STIG was given)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  Container_Platform_SRG V1R2 -> V2R2: 160 carried, 9 reset, 18 new, 4 removed\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nTotal: 160 carried, 9 reset, 18 new, 4 removed, 93 kept\n"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "The reviews of removed rules are only in {}; add --report FILE to keep them with this upgrade.\n",
            old_path.display()
        )),
        "{text}"
    );
    let got = source::load_checklist(&out).unwrap().checklist;
    assert_eq!(got.stigs.len(), 2);
    // What the CKLB held of the kept STIG, field for field.
    // (A CKL has no field for the rule count a CKLB states.)
    let mut as_read = source::load_checklist(&old_path).unwrap().checklist;
    assert_eq!(as_read.stigs[0].info.size, Some(93));
    as_read.stigs[0].info.size = None;
    assert_eq!(got.stigs[0].info, as_read.stigs[0].info);
    let reviews = |c: &Checklist| -> Vec<Review> {
        c.stigs[0].rules.iter().map(|r| r.review.clone()).collect()
    };
    assert_eq!(reviews(&got), reviews(&old));
    assert_eq!(
        got.stigs[1].info.release_info,
        "Release: 2 Benchmark Date: 30 Jan 2025"
    );
    let r = &oracle_strict(&[out])[0];
    assert_eq!(r["checklists"][0]["revisionStr"], "V1R2");
    assert_eq!(r["checklists"][1]["revisionStr"], "V2R2");
}

/// A blank checklist upgrades to a blank one: a review nobody made leaves
/// nothing in COMMENTS.
#[test]
fn unreviewed_rules_stay_blank() {
    let dir = tempdir();
    let old = dir.path().join("blank.ckl");
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        s(&data(K8S_OLD)),
        "--host-name",
        "h",
        "-o",
        s(&old),
    ]);
    let out = dir.path().join("new.cklb");
    run_ok(&[
        "upgrade",
        s(&old),
        "--benchmark",
        s(&data(K8S_NEW)),
        "-o",
        s(&out),
    ]);
    let c = source::load_checklist(&out).unwrap().checklist;
    assert_eq!(c.rule_count(), 94);
    assert!(
        c.stigs[0]
            .rules
            .iter()
            .all(|r| r.review == Review::default())
    );
    oracle_strict(&[out]);
}

/// Bad requests: one line naming the file, exit 2, and neither the
/// checklist nor the report written.
#[test]
fn bad_upgrades_write_nothing() {
    let dir = tempdir();
    let old = dir.path().join("old.ckl");
    filled(dir.path(), &[K8S_OLD], &old);
    let out = dir.path().join("new.ckl");
    let rep = dir.path().join("report.json");
    let rke2 = data("xccdf/stigaview_rke2_v2r4.xml");
    let k8s = data(K8S_NEW);
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--benchmark", s(&k8s), "--benchmark", s(&rke2)],
            format!(
                "{}: benchmark RGS_RKE2_STIG matches no STIG of {} (it holds Kubernetes_STIG)",
                rke2.display(),
                old.display()
            ),
        ),
        (
            vec!["--benchmark", s(&k8s), "--benchmark", s(&k8s)],
            format!(
                "{}: two benchmarks have the id Kubernetes_STIG; give one new release per STIG",
                k8s.display()
            ),
        ),
        (
            vec!["--benchmark", s(&k8s), "--report", s(&out)],
            format!(
                "{}: given both as the checklist (-o) and as the report (--report)",
                out.display()
            ),
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["upgrade", s(&old), "-o", s(&out)];
        args.extend(extra);
        if !args.contains(&"--report") {
            args.extend(["--report", s(&rep)]);
        }
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err, format!("error: {want}\n"));
        assert!(!out.exists() && !rep.exists());
    }
    // A STIG without a benchmark id (a real STIG Manager test file) is named so.
    let no_id = data("ckl/smcm/empty-stigid-SID_DATA-element.ckl");
    let o = run(&["upgrade", s(&no_id), "--benchmark", s(&rke2), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with(&format!(
            "error: {}: benchmark RGS_RKE2_STIG matches no STIG of {} (it holds a STIG without a benchmark id)\n",
            rke2.display(),
            no_id.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // An existing report blocks the whole run without --force.
    std::fs::write(&rep, "earlier report").unwrap();
    let args = [
        "upgrade",
        s(&old),
        "--benchmark",
        s(&k8s),
        "-o",
        s(&out),
        "--report",
        s(&rep),
    ];
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists (use --force to replace it)"));
    assert!(!out.exists());
    assert_eq!(std::fs::read_to_string(&rep).unwrap(), "earlier report");
    let mut forced = args.to_vec();
    forced.push("--force");
    run_ok(&forced);
    oracle_strict(std::slice::from_ref(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    assert_eq!(r["totals"]["carried"], 15);
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".stigkit-")
        })
        .count();
    assert_eq!(leftovers, 0);
}

/// A real STIG Viewer 2.17 checklist (RHEL 9 V1R3, with severity
/// overrides) to RHEL 9 V2R5. The file has no host name, which STIG
/// Manager refuses, so the variant given to `upgrade` gets one.
#[test]
fn a_stig_viewer_checklist_to_rhel_9_v2r5() {
    let dir = tempdir();
    let real = data("ckl/saf/small_ckl_overrides.ckl");
    let mut c = source::load_checklist(&real).unwrap().checklist;
    c.asset.host_name = "rhel9-01".into();
    let old = dir.path().join("rhel9.ckl");
    output::write_checklist(&old, &c, false).unwrap();
    let out = dir.path().join("rhel9-v2r5.cklb");
    let rep = dir.path().join("rhel9.json");
    let o = run_ok(&[
        "upgrade",
        s(&old),
        "--benchmark",
        s(&data("xccdf/stigaview_rhel9_v2r5.xml")),
        "-o",
        s(&out),
        "--report",
        s(&rep),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "  RHEL_9_STIG V1R3 -> V2R5: 9 carried, 1 reset, 439 new, 1 removed\n    paired by SV number 10, STIG ID 0, legacy id 0\n    removed V-257780 SV-257780r939261_rule RHEL-09-211025: was Open\n"
        ),
        "{text}"
    );
    let got = source::load_checklist(&out).unwrap().checklist;
    let rule = |sv: &str| {
        got.stigs[0]
            .rules
            .iter()
            .find(|r| r.rule.sv_number() == sv)
            .unwrap()
    };
    for (sv, status, sev, why) in [
        (
            "SV-257777",
            Status::NotApplicable,
            Severity::Medium,
            "Testing both N/A and overidden",
        ),
        (
            "SV-257778",
            Status::Open,
            Severity::Low,
            "Example of overridden severity",
        ),
        (
            "SV-257779",
            Status::Open,
            Severity::High,
            "Example high justification",
        ),
    ] {
        let r = rule(sv);
        assert_eq!(r.review.status, status, "{sv}");
        assert_eq!(r.review.severity_override, Some(sev), "{sv}");
        assert_eq!(r.review.severity_justification, why, "{sv}");
    }
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    let removed = report["stigs"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["category"] == "removed")
        .unwrap();
    assert_eq!(removed["old_status"], "open");
    assert_eq!(removed["previous_review"]["status"], "open");
    let r = &oracle_strict(&[out])[0];
    assert_eq!(r["checklists"][0]["revisionStr"], "V2R5");
    assert_eq!(r["checklists"][0]["reviews"], 449);
}

/// A release older than the checklist's is carried out too, with a note;
/// the other STIGs of the real three-STIG checklist are kept.
#[test]
fn an_older_release_is_noted() {
    let dir = tempdir();
    let mut c = source::load_checklist(&data("ckl/saf/three_stig_checklist.ckl"))
        .unwrap()
        .checklist;
    c.asset.host_name = "app-01".into();
    let old = dir.path().join("three.ckl");
    output::write_checklist(&old, &c, false).unwrap();
    let out = dir.path().join("three-new.ckl");
    let o = run_ok(&[
        "upgrade",
        s(&old),
        "--benchmark",
        s(&data("xccdf/zips/U_ASD_V5R1_STIG.zip")),
        "-o",
        s(&out),
    ]);
    assert_eq!(
        stdout(&o),
        format!(
            "\
app-01: {} -> {}
  AAA_Service_SRG V1R2: 69 rules kept as they are (no new release of this STIG was given)
  Tomcat_Application_Server_9_STIG V2R4: 83 rules kept as they are (no new release of this STIG was given)
  Application_Security_Development_STIG V5R2 -> V5R1: 286 carried, 0 reset, 0 new, 0 removed
    paired by SV number 285, STIG ID 1, legacy id 0
    note: V5R1 is older than the checklist's V5R2
Total: 286 carried, 0 reset, 0 new, 0 removed, 152 kept
",
            old.display(),
            out.display()
        )
    );
    let r = &oracle_strict(&[out])[0];
    let revs: Vec<&str> = r["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["revisionStr"].as_str().unwrap())
        .collect();
    assert_eq!(revs, ["V1R2", "V2R4", "V5R1"]);
}
