//! `stigkit diff`: a checklist and an edited copy of it, in both formats,
//! with the text and JSON output pinned, and the exit codes 0, 1 and 2.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use stigkit::model::{Checklist, Review, Severity, Status};
use stigkit::{output, source};

const K8S: &str = "xccdf/stigaview_kubernetes_v2r4.xml";

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `stigkit` in `dir`, so the file names it prints are the short ones.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    stigkit()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("running stigkit")
}

fn write(dir: &Path, name: &str, c: &Checklist) {
    let mut c = c.clone();
    c.fill_identifiers(uuid::Uuid::new_v4);
    output::write_checklist(&dir.join(name), &c, false).unwrap();
}

/// `a.ckl` with six reviewed rules from the Kubernetes V2R4 benchmark
/// (rule 7 left out), and `b.cklb`, an edited copy: a status changed, a
/// comment line edited, a severity override added, rule 4 removed, rule 5
/// re-revised with a new status, and rule 7 present.
fn pair(dir: &Path) -> (Checklist, Checklist) {
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        data(K8S).to_str().unwrap(),
        "--host-name",
        "mke-ctl-01",
        "-o",
        dir.join("blank.ckl").to_str().unwrap(),
    ]);
    let mut a = source::load_checklist(&dir.join("blank.ckl"))
        .unwrap()
        .checklist;
    let statuses = [
        Status::Open,
        Status::NotAFinding,
        Status::NotAFinding,
        Status::Open,
        Status::NotApplicable,
        Status::NotAFinding,
    ];
    for (n, st) in statuses.into_iter().enumerate() {
        let r = &mut a.stigs[0].rules[n];
        r.review = Review {
            status: st,
            finding_details: format!("Checked {} on mke-ctl-01.", r.rule.stig_id),
            comments: format!(
                "Reviewed by J. Smith.\nTicket SEC-{}.\nNo deviation.",
                100 + n
            ),
            ..Review::default()
        };
    }
    let mut b = a.clone();
    let rules = &mut b.stigs[0].rules;
    rules[0].review.status = Status::NotAFinding;
    rules[0]
        .review
        .finding_details
        .push_str("\nFixed: --tls-min-version=VersionTLS12.");
    rules[1].review.comments =
        "Reviewed by J. Smith.\nTicket SEC-101 closed.\nNo deviation.".into();
    rules[2].review.severity_override = Some(Severity::High);
    rules[2].review.severity_justification = "Exposed to the internet.".into();
    let sv = rules[4].rule.sv_number().to_string();
    rules[4].rule.rule_id = format!("{sv}r999999_rule");
    rules[4].review.status = Status::Open;
    rules.remove(3);
    a.stigs[0].rules.remove(6);
    write(dir, "a.ckl", &a);
    write(dir, "b.cklb", &b);
    (a, b)
}

/// The text report of the constructed pair, line for line; exit 1.
#[test]
fn text_output_is_pinned() {
    let dir = tempdir();
    pair(dir.path());
    oracle_strict(&[dir.path().join("a.ckl"), dir.path().join("b.cklb")]);
    let o = run_in(dir.path(), &["diff", "a.ckl", "b.cklb"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(
        stdout(&o),
        "\
--- a.ckl  (host mke-ctl-01)
+++ b.cklb  (host mke-ctl-01)

Kubernetes_STIG V2R4  Kubernetes Security Technical Implementation Guide
  V-242376  SV-242376r960759_rule  CNTR-K8-000150
    status: Open -> NotAFinding
    finding details:
      @@ -1,0 +2 @@
      +Fixed: --tls-min-version=VersionTLS12.
  V-242377  SV-242377r960759_rule  CNTR-K8-000160
    comments:
      @@ -2 +2 @@
      -Ticket SEC-101.
      +Ticket SEC-101 closed.
  V-242378  SV-242378r960759_rule  CNTR-K8-000170
    severity override: (none) -> high
    severity justification:
      @@ -0,0 +1 @@
      +Exposed to the internet.
  V-242380  SV-242380r960759_rule | SV-242380r999999_rule (paired by SV number)  CNTR-K8-000190
    status: Not_Applicable -> Open
  only in a.ckl: V-242379  SV-242379r960759_rule  CNTR-K8-000180  Open
  only in b.cklb: V-242382  SV-242382r960792_rule  CNTR-K8-000270  Not_Reviewed
  92 rules compared: 4 changed, 1 only in a.ckl, 1 only in b.cklb

Total: 92 rules compared, 4 changed (status 2, finding details 1, comments 1, severity 1), 1 only in a.ckl, 1 only in b.cklb
  Open -> NotAFinding             1
  Not_Applicable -> Open          1
"
    );
}

/// The same comparison as JSON, whole; exit 1.
#[test]
fn json_output_is_pinned() {
    let dir = tempdir();
    pair(dir.path());
    let o = run_in(dir.path(), &["diff", "--json", "a.ckl", "b.cklb"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let totals = json!({
        "compared": 92,
        "changed": 4,
        "status_changed": 2,
        "finding_details_changed": 1,
        "comments_changed": 1,
        "severity_changed": 1,
        "only_in_a": 1,
        "only_in_b": 1,
        "status_changes": [
            {"from": "open", "to": "not_a_finding", "rules": 1},
            {"from": "not_applicable", "to": "open", "rules": 1}
        ]
    });
    let rule = |n: u32, st: &str| {
        json!({
            "vuln_id": format!("V-2423{n}"),
            "stig_id": format!("CNTR-K8-000{}", 150 + (n - 76) * 10),
            "a_rule_id": format!("SV-2423{n}r960759_rule"),
            "b_rule_id": format!("SV-2423{n}r960759_rule"),
            "matched_by": "rule_id",
            "status": st,
            "finding_details": null,
            "comments": null,
            "severity_override": null,
            "severity_justification": null
        })
    };
    let mut changed = vec![rule(76, ""), rule(77, ""), rule(78, ""), rule(80, "")];
    changed[0]["status"] = json!({"a": "open", "b": "not_a_finding"});
    changed[0]["finding_details"] = json!({
        "a": "Checked CNTR-K8-000150 on mke-ctl-01.",
        "b": "Checked CNTR-K8-000150 on mke-ctl-01.\nFixed: --tls-min-version=VersionTLS12.",
        "diff": ["@@ -1,0 +2 @@", "+Fixed: --tls-min-version=VersionTLS12."]
    });
    changed[1]["status"] = Value::Null;
    changed[1]["comments"] = json!({
        "a": "Reviewed by J. Smith.\nTicket SEC-101.\nNo deviation.",
        "b": "Reviewed by J. Smith.\nTicket SEC-101 closed.\nNo deviation.",
        "diff": ["@@ -2 +2 @@", "-Ticket SEC-101.", "+Ticket SEC-101 closed."]
    });
    changed[2]["status"] = Value::Null;
    changed[2]["severity_override"] = json!({"a": null, "b": "high"});
    changed[2]["severity_justification"] = json!({
        "a": "",
        "b": "Exposed to the internet.",
        "diff": ["@@ -0,0 +1 @@", "+Exposed to the internet."]
    });
    changed[3]["b_rule_id"] = json!("SV-242380r999999_rule");
    changed[3]["matched_by"] = json!("sv_number");
    changed[3]["status"] = json!({"a": "not_applicable", "b": "open"});
    let want = json!({
        "a": "a.ckl",
        "b": "b.cklb",
        "a_host_name": "mke-ctl-01",
        "b_host_name": "mke-ctl-01",
        "identical": false,
        "stigs": [{
            "stig_id": "Kubernetes_STIG",
            "title": "Kubernetes Security Technical Implementation Guide",
            "a_revision": "V2R4",
            "b_revision": "V2R4",
            "changed": changed,
            "only_in_a": [{
                "vuln_id": "V-242379",
                "rule_id": "SV-242379r960759_rule",
                "stig_id": "CNTR-K8-000180",
                "status": "open",
                "reviewed": true
            }],
            "only_in_b": [{
                "vuln_id": "V-242382",
                "rule_id": "SV-242382r960792_rule",
                "stig_id": "CNTR-K8-000270",
                "status": "not_reviewed",
                "reviewed": false
            }],
            "totals": totals
        }],
        "stigs_only_in_a": [],
        "stigs_only_in_b": [],
        "totals": totals
    });
    assert_eq!(got, want);
}

/// The same reviews in a CKL and a CKLB, even with CRLF line ends in the
/// CKLB's text, are identical: exit 0.
#[test]
fn identical_reviews_exit_0() {
    let dir = tempdir();
    let (a, _) = pair(dir.path());
    let mut crlf = a.clone();
    for r in &mut crlf.stigs[0].rules {
        r.review.comments = r.review.comments.replace('\n', "\r\n");
    }
    write(dir.path(), "crlf.cklb", &crlf);
    assert!(
        std::fs::read_to_string(dir.path().join("crlf.cklb"))
            .unwrap()
            .contains("\\r\\n")
    );
    oracle_strict(&[dir.path().join("crlf.cklb")]);
    let o = run_in(dir.path(), &["diff", "a.ckl", "crlf.cklb"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "\
--- a.ckl  (host mke-ctl-01)
+++ crlf.cklb  (host mke-ctl-01)

Kubernetes_STIG V2R4  Kubernetes Security Technical Implementation Guide
  93 rules compared: 0 changed, 0 only in a.ckl, 0 only in crlf.cklb

Identical reviews: 93 rules compared.
"
    );
    let o = run_in(dir.path(), &["diff", "--json", "a.ckl", "a.ckl"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["identical"], true);
    assert_eq!(v["totals"]["compared"], 93);
    assert_eq!(v["stigs"][0]["changed"], json!([]));
}

/// Another host is refused (exit 2, one line, nothing on stdout) unless
/// `--allow-host-mismatch`; host names ignore case.
#[test]
fn different_hosts_exit_2_unless_allowed() {
    let dir = tempdir();
    let (a, _) = pair(dir.path());
    let mut other = a.clone();
    other.asset.host_name = "mke-ctl-02".into();
    write(dir.path(), "other.cklb", &other);
    let mut upper = a.clone();
    upper.asset.host_name = "MKE-CTL-01".into();
    write(dir.path(), "upper.ckl", &upper);
    let o = run_in(dir.path(), &["diff", "a.ckl", "other.cklb"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "error: a.ckl and other.cklb: host names differ ('mke-ctl-01' and 'mke-ctl-02'): these are not the same asset (use --allow-host-mismatch to compare anyway)\n"
    );
    let o = run_in(
        dir.path(),
        &["diff", "--allow-host-mismatch", "a.ckl", "other.cklb"],
    );
    assert_eq!(o.status.code(), Some(0), "the reviews are the same");
    assert!(
        stdout(&o).starts_with("--- a.ckl  (host mke-ctl-01)\n+++ other.cklb  (host mke-ctl-02)\n")
    );
    let o = run_in(dir.path(), &["diff", "a.ckl", "upper.ckl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A STIG in one checklist only makes them differ, with its rule count.
#[test]
fn a_stig_in_one_checklist_only() {
    let dir = tempdir();
    let (a, _) = pair(dir.path());
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        data("xccdf/stigaview_rke2_v2r4.xml").to_str().unwrap(),
        "--host-name",
        "mke-ctl-01",
        "-o",
        dir.path().join("rke2.ckl").to_str().unwrap(),
    ]);
    let rke2 = source::load_checklist(&dir.path().join("rke2.ckl"))
        .unwrap()
        .checklist;
    let mut two = a.clone();
    two.stigs.push(rke2.stigs[0].clone());
    write(dir.path(), "two.ckl", &two);
    oracle_strict(&[dir.path().join("two.ckl")]);
    let o = run_in(dir.path(), &["diff", "a.ckl", "two.ckl"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.ends_with(
            "\nRGS_RKE2_STIG V2R4  Rancher Government Solutions RKE2 Security Technical Implementation Guide: only in two.ckl (24 rules, 0 reviewed)

Total: 93 rules compared, 0 changed (status 0, finding details 0, comments 0, severity 0), 0 only in a.ckl, 24 only in two.ckl
"
        ),
        "{text}"
    );
    let o = run_in(dir.path(), &["diff", "--json", "two.ckl", "a.ckl"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["stigs_only_in_a"],
        json!([{
            "stig_id": "RGS_RKE2_STIG",
            "title": "Rancher Government Solutions RKE2 Security Technical Implementation Guide",
            "revision": "V2R4",
            "rules": 24,
            "reviewed": 0
        }])
    );
    assert_eq!(v["totals"]["only_in_a"], 24);
}

/// An unreadable input is exit 2 with one line naming it.
#[test]
fn bad_input_exits_2() {
    let dir = tempdir();
    pair(dir.path());
    std::fs::write(dir.path().join("cut.ckl"), "<CHECKLIST><ASSET>").unwrap();
    for (args, want) in [
        (
            ["diff", "a.ckl", "missing.cklb"],
            "error: missing.cklb: No such file or directory",
        ),
        (
            ["diff", "cut.ckl", "a.ckl"],
            "error: cut.ckl: line 1, column ",
        ),
    ] {
        let o = run_in(dir.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.starts_with(want), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(stdout(&o), "");
    }
}
