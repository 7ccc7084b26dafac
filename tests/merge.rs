//! `stigkit merge` on real checklists: twins, hosts, a person's review over
//! stigkit's, releases, and the report.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::model::{Checklist, Review, Status};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn load(p: &Path) -> Checklist {
    stigkit::source::load_checklist(p).unwrap().checklist
}

/// (STIG id, rule id) → review.
fn reviews(c: &Checklist) -> BTreeMap<(String, String), Review> {
    c.stigs
        .iter()
        .flat_map(|s| {
            s.rules.iter().map(|r| {
                (
                    (s.info.stig_id.clone(), r.rule.rule_id.clone()),
                    r.review.clone(),
                )
            })
        })
        .collect()
}

fn report(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn a_checklist_merged_with_its_cklb_twin_gives_back_its_reviews() {
    let ckl = data("ckl/smcm/Asset_a-multi-stig.ckl");
    let cklb = data("cklb/smcm/Asset_a-multi-stig.cklb");
    let dir = tempdir();
    for ext in ["ckl", "cklb"] {
        let out = dir.path().join(format!("merged.{ext}"));
        let rep = dir.path().join(format!("report-{ext}.json"));
        run_ok(&[
            "merge",
            s(&ckl),
            s(&cklb),
            "-o",
            s(&out),
            "--report",
            s(&rep),
        ]);
        oracle_strict(std::slice::from_ref(&out));
        let (a, b, m) = (
            reviews(&load(&ckl)),
            reviews(&load(&cklb)),
            reviews(&load(&out)),
        );
        assert_eq!(m.len(), 30);
        assert_eq!(m.keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>());
        let mut identical = 0;
        for (key, merged) in &m {
            let (x, y) = (&a[key], &b[key]);
            assert_eq!(x.status, y.status, "{key:?}: the twins agree");
            assert_eq!(merged.status, x.status, "{key:?}");
            assert_eq!(merged.severity_override, x.severity_override, "{key:?}");
            if x == y {
                identical += 1;
                assert_eq!(merged, x, "{key:?}: an agreed review comes back unchanged");
            } else {
                for t in [
                    &x.finding_details,
                    &y.finding_details,
                    &x.comments,
                    &y.comments,
                ] {
                    assert!(
                        merged.finding_details.contains(t.as_str())
                            || merged.comments.contains(t.as_str()),
                        "{key:?}: {t:?} kept"
                    );
                }
            }
        }
        // The SM twins differ only in the VPN STIG's texts.
        assert_eq!(identical, 22);
        let r = report(&rep);
        assert_eq!(r["totals"]["conflicts"], 0);
        assert_eq!(r["totals"]["reconciled"], 8);
        assert_eq!(r["conflicts"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn another_hosts_checklist_is_refused_unless_asked() {
    let a = data("ckl/smcm/Asset_a-multi-stig.ckl");
    let b = data("ckl/smcm/Asset_b-multi-stig.ckl");
    let dir = tempdir();
    let out = dir.path().join("ab.ckl");
    let o = run(&["merge", s(&a), s(&b), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("Asset_bbbbbbbbb")
            && err.contains("Asset_aaaaaaaaaa")
            && err.contains("--allow-host-mismatch"),
        "{err}"
    );
    assert!(!out.exists());

    let rep = dir.path().join("ab.json");
    run_ok(&[
        "merge",
        s(&a),
        s(&b),
        "-o",
        s(&out),
        "--allow-host-mismatch",
        "--report",
        s(&rep),
    ]);
    oracle_strict(std::slice::from_ref(&out));
    let r = report(&rep);
    let conflicts: Vec<(&str, &str, &str)> = r["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule_id"].as_str().unwrap(),
                c["chosen"]["status"].as_str().unwrap(),
                c["others"][0]["status"].as_str().unwrap(),
            )
        })
        .collect();
    // Both are a person's reviews: the later input wins the tie.
    assert_eq!(
        conflicts,
        vec![
            ("SV-207185r608988_rule", "not_applicable", "open"),
            ("SV-207186r608988_rule", "open", "not_applicable")
        ]
    );
    let m = reviews(&load(&out));
    let key = (
        "VPN_TRUNCATED".to_string(),
        "SV-207185r608988_rule".to_string(),
    );
    assert_eq!(m[&key].status, Status::NotApplicable);
    assert!(m[&key].comments.contains(&format!(
        "Conflicting: Open (reviewed by a person) from {}.",
        a.display()
    )));
    assert_eq!(load(&out).asset.host_name, "Asset_aaaaaaaaaa");

    // Without conflict comments the conflict is in the report only.
    let quiet = dir.path().join("quiet.cklb");
    run_ok(&[
        "merge",
        s(&a),
        s(&b),
        "-o",
        s(&quiet),
        "--allow-host-mismatch",
        "--no-conflict-comments",
    ]);
    assert!(
        !reviews(&load(&quiet))[&key]
            .comments
            .contains("Conflicting")
    );
}

/// stigkit's automated checklist of the sample bundle, and a person's copy
/// of it with three statuses changed and notes added.
fn automated_and_manual(dir: &Path) -> (PathBuf, PathBuf) {
    let auto = dir.join("auto.cklb");
    let ev = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence");
    run_ok(&["evaluate", "--evidence", s(&ev), "-o", s(&auto)]);
    let mut c = load(&auto);
    for r in &mut c.stigs[0].rules {
        let change = match r.rule.vuln_id.as_str() {
            "V-260910" => Some((
                Status::NotAFinding,
                "legacy-sshd is a honeypot approved in SSP 3.1.",
            )),
            "V-260906" => Some((
                Status::NotAFinding,
                "Checked docker.sock on all nodes: root:docker 660.",
            )),
            "V-260912" => Some((Status::Open, "Grant to bob is not in the SSP.")),
            _ => None,
        };
        if let Some((status, note)) = change {
            r.review.status = status;
            r.review.comments = format!("{note}\n{}", r.review.comments);
        }
    }
    let manual = dir.join("manual.ckl");
    stigkit::output::write_checklist(&manual, &c, false).unwrap();
    (auto, manual)
}

#[test]
fn a_persons_review_wins_over_stigkits_unless_automated_is_preferred() {
    let dir = tempdir();
    let (auto, manual) = automated_and_manual(dir.path());
    let status = |c: &Checklist, v: &str| {
        c.stigs[0]
            .rules
            .iter()
            .find(|r| r.rule.vuln_id == v)
            .unwrap()
            .review
            .clone()
    };
    // The person's file first, so input order alone would pick stigkit's.
    let out = dir.path().join("merged.ckl");
    let rep = dir.path().join("merged.json");
    run_ok(&[
        "merge",
        s(&manual),
        s(&auto),
        "-o",
        s(&out),
        "--report",
        s(&rep),
    ]);
    oracle_strict(std::slice::from_ref(&out));
    let m = load(&out);
    assert_eq!(status(&m, "V-260910").status, Status::NotAFinding);
    assert_eq!(status(&m, "V-260912").status, Status::Open);
    assert_eq!(status(&m, "V-260906").status, Status::NotAFinding);
    assert!(
        status(&m, "V-260910")
            .comments
            .contains("legacy-sshd is a honeypot approved in SSP 3.1.")
    );
    // Unchanged rules are stigkit's, as before.
    assert_eq!(status(&m, "V-260908"), status(&load(&auto), "V-260908"));
    let r = report(&rep);
    let by: BTreeMap<&str, (&str, &str)> = r["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule_id"].as_str().unwrap(),
                (
                    c["chosen"]["by"].as_str().unwrap(),
                    c["others"][0]["by"].as_str().unwrap(),
                ),
            )
        })
        .collect();
    let stigkit = concat!("stigkit ", env!("CARGO_PKG_VERSION"));
    // stigkit left V-260906 and V-260912 Not_Reviewed: no conflict there,
    // just the person's review.
    assert_eq!(by.len(), 1, "{by:?}");
    assert_eq!(by["SV-260910r966087_rule"], ("a person", stigkit));

    let out = dir.path().join("auto-first.ckl");
    run_ok(&[
        "merge",
        s(&manual),
        s(&auto),
        "-o",
        s(&out),
        "--prefer",
        "automated",
    ]);
    let m = load(&out);
    assert_eq!(status(&m, "V-260910").status, Status::Open);
    // A reviewed status still beats stigkit's Not_Reviewed.
    assert_eq!(status(&load(&auto), "V-260912").status, Status::NotReviewed);
    assert_eq!(status(&m, "V-260912").status, Status::Open);
    assert_eq!(status(&m, "V-260906").status, Status::NotAFinding);
    // The merged file says who decided, so a second merge knows.
    let again = load(&out);
    let engine = |v: &str| {
        again.stigs[0]
            .rules
            .iter()
            .find(|r| r.rule.vuln_id == v)
            .unwrap()
            .record
            .engine
            .clone()
    };
    assert_eq!(engine("V-260910").unwrap().product, "stigkit");
    assert_eq!(engine("V-260906"), None);
}

#[test]
fn different_releases_of_one_stig_are_refused_with_the_way_out() {
    let dir = tempdir();
    let xml = std::fs::read_to_string(data("mke/U_MKE_STIG_V1R1_reconstructed-xccdf.xml")).unwrap();
    let r2 = dir.path().join("r2.xml");
    std::fs::write(
        &r2,
        xml.replace("Release: 1 Benchmark Date", "Release: 2 Benchmark Date"),
    )
    .unwrap();
    let (a, b) = (dir.path().join("r1.ckl"), dir.path().join("r2.ckl"));
    run_ok(&["checklist", "new", "--host-name", "mke-1", "-o", s(&a)]);
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        s(&r2),
        "--host-name",
        "mke-1",
        "-o",
        s(&b),
    ]);
    let out = dir.path().join("x.ckl");
    let o = run(&["merge", s(&a), s(&b), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("MKE_STIG V1R2") && err.contains("V1R1") && err.contains("stigkit upgrade"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_changed_rule_revision_is_matched_by_vuln_id_and_said() {
    let dir = tempdir();
    let (auto, _) = automated_and_manual(dir.path());
    let text = std::fs::read_to_string(&auto).unwrap();
    let bumped = dir.path().join("bumped.cklb");
    std::fs::write(
        &bumped,
        text.replace("SV-260903r966066_rule", "SV-260903r999999_rule"),
    )
    .unwrap();
    let out = dir.path().join("m.cklb");
    let o = run_ok(&["merge", s(&auto), s(&bumped), "-o", s(&out)]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("1 rule of MKE_STIG matched by Vuln ID, their rule revisions differ: SV-260903r999999_rule as SV-260903r966066_rule"),
        "{stdout}"
    );
    assert_eq!(load(&out).stigs[0].rules.len(), 44);
}

#[test]
fn a_checklist_and_xccdf_results_of_one_host_merge() {
    let ckl = data("ckl/smcm/Asset_b-multi-stig.ckl");
    let xccdf = data("xccdf-results/smcm_Asset_b-RHEL_8_TRUNCATED-V1R12-xccdf.xml");
    let dir = tempdir();
    let out = dir.path().join("asset_b.cklb");
    let rep = dir.path().join("asset_b.json");
    run_ok(&[
        "merge",
        s(&ckl),
        s(&xccdf),
        "-o",
        s(&out),
        "--report",
        s(&rep),
    ]);
    oracle_strict(std::slice::from_ref(&out));
    let r = report(&rep);
    assert_eq!(r["totals"]["rules"], 30);
    assert_eq!(r["totals"]["reviewed"], 12);
    assert_eq!(r["totals"]["conflicts"], 0);
    assert_eq!(r["totals"]["reconciled"], 6);
    assert_eq!(
        r["inputs"][1]["chosen"], 10,
        "the results file's RHEL 8 reviews"
    );
    // Every text of both inputs is in the merged checklist.
    let merged = reviews(&load(&out));
    for input in [&ckl, &xccdf] {
        for (key, review) in reviews(&load(input)) {
            let m = &merged[&key];
            for t in [&review.finding_details, &review.comments] {
                assert!(
                    m.finding_details.contains(t.as_str()) || m.comments.contains(t.as_str()),
                    "{key:?}: {t:?}"
                );
            }
        }
    }
}

/// Two passes whose comments together pass 32,767 characters: both are
/// kept, and the warning names the rule STIG Manager would cut.
#[test]
fn a_merged_text_over_32767_characters_is_named_by_its_rule() {
    let dir = tempdir();
    let src = std::fs::read_to_string(data("ckl/smcm/Single-Vuln-Pass-With-Comment.ckl")).unwrap();
    let mut inputs = Vec::new();
    for (n, word) in ["first pass ", "second pass "].iter().enumerate() {
        let text = word.repeat(20_000 / word.len());
        let p = dir.path().join(format!("pass-{n}.ckl"));
        std::fs::write(
            &p,
            src.replace(
                "<COMMENTS>xyz</COMMENTS>",
                &format!("<COMMENTS>{text}</COMMENTS>"),
            ),
        )
        .unwrap();
        inputs.push((p, text));
    }
    let out = dir.path().join("merged.ckl");
    let o = run(&["merge", s(&inputs[0].0), s(&inputs[1].0), "-o", s(&out)]);
    // merge lists its warnings in its report, on stdout.
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{text}");
    let warned: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("over the 32,767 STIG Manager keeps"))
        .collect();
    assert_eq!(warned.len(), 1, "{text}");
    assert!(
        warned[0].contains("SV-207191r803418_rule: merged comments are 40"),
        "{text}"
    );
    let merged = load(&out);
    let comments = &merged.stigs[0].rules[0].review.comments;
    assert!(comments.contains(&inputs[0].1) && comments.contains(&inputs[1].1));
}
