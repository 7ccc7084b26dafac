//! `stigkit evaluate` on the sample evidence bundle (collected from the
//! simulator's "mixed" scenario): benchmarks, answer files, site policy
//! errors, templates and exit codes.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use stigkit::model::{Checklist, Status};

fn sample_evidence() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `stigkit evaluate` on the sample bundle with `extra` arguments,
/// writing `out`.
fn evaluate(out: &Path, extra: &[&str]) -> Output {
    let ev = sample_evidence();
    let mut args = vec!["evaluate", "--evidence", s(&ev), "-o", s(out)];
    args.extend_from_slice(extra);
    run(&args)
}

fn load(path: &Path) -> Checklist {
    stigkit::source::load_checklist(path).unwrap().checklist
}

/// Vuln ID → (status, finding details, comments).
fn reviews(c: &Checklist) -> BTreeMap<String, (Status, String, String)> {
    c.stigs[0]
        .rules
        .iter()
        .map(|r| {
            (
                r.rule.vuln_id.clone(),
                (
                    r.review.status,
                    r.review.finding_details.clone(),
                    r.review.comments.clone(),
                ),
            )
        })
        .collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_disa_benchmark_gives_its_rule_ids_and_texts_and_the_same_statuses() {
    let dir = tempdir();
    let builtin = dir.path().join("builtin.cklb");
    let disa = dir.path().join("disa.cklb");
    let zip = data("mke/U_MKE_V1R1_STIG.zip");
    assert_eq!(evaluate(&builtin, &[]).status.code(), Some(0));
    assert_eq!(
        evaluate(&disa, &["--benchmark", s(&zip)]).status.code(),
        Some(0)
    );

    let bench = stigkit::source::load_benchmark(&zip, None).unwrap();
    let got = load(&disa);
    assert_eq!(got.stigs[0].rules.len(), 44);
    for r in &got.stigs[0].rules {
        let want = bench.rule(&r.rule.vuln_id).unwrap();
        assert_eq!(r.rule.rule_id, want.rule_id);
        assert_eq!(r.rule.title, want.title);
        assert_eq!(r.rule.check_content, want.check_content);
        assert_eq!(r.rule.fix_text, want.fix_text);
    }
    assert_eq!(
        got.stigs[0].rules[0].rule.rule_id, "SV-260903r966066_rule",
        "V1R1's revision of the first rule"
    );

    let a = reviews(&load(&builtin));
    let b = reviews(&got);
    let statuses = |m: &BTreeMap<String, (Status, String, String)>| {
        m.iter().map(|(k, v)| (k.clone(), v.0)).collect::<Vec<_>>()
    };
    assert_eq!(statuses(&a), statuses(&b));
    // The sample is the "mixed" scenario: its known CAT I finding.
    assert_eq!(b["V-260908"].0, Status::Open);
}

/// The MKE V1R1 XCCDF with V-260946 removed and V-260945 renumbered to a
/// Vuln ID no check knows.
fn altered_benchmark(dir: &Path) -> PathBuf {
    let xml = std::fs::read_to_string(data("mke/U_MKE_STIG_V1R1_reconstructed-xccdf.xml")).unwrap();
    let start = xml.find("<Group id=\"V-260946\">").unwrap();
    let end = start + xml[start..].find("</Group>").unwrap() + "</Group>".len();
    let altered = format!("{}{}", &xml[..start], &xml[end..])
        .replace("<select idref=\"V-260946\" selected=\"true\" />", "")
        .replace("V-260945", "V-999001");
    let path = dir.join("altered-xccdf.xml");
    std::fs::write(&path, altered).unwrap();
    path
}

#[test]
fn a_rule_without_a_check_stays_not_reviewed_and_a_check_without_a_rule_is_reported() {
    let dir = tempdir();
    let bench = altered_benchmark(dir.path());
    let out = dir.path().join("altered.ckl");
    let o = evaluate(&out, &["--benchmark", s(&bench)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 checks skipped: benchmark MKE_STIG has no rule V-260945, V-260946"),
        "{}",
        stdout(&o)
    );
    let r = reviews(&load(&out));
    assert_eq!(r.len(), 43);
    assert!(!r.contains_key("V-260946"));
    let (status, details, _) = &r["V-999001"];
    assert_eq!(*status, Status::NotReviewed);
    assert!(
        details.starts_with("No automated check exists for this rule."),
        "{details}"
    );
    oracle_strict(&[out]);
}

/// Writes an answer file and returns its path.
fn answers(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const ANSWERS: &str = r#"
[[answer]]
vuln_id = "V-260906"
status = "NotAFinding"
finding_details = """
stat -c '%U:%G %a' /var/run/docker.sock gives root:docker 660 on all nodes;
getent group docker lists svc-mke only (SSP 4.2) — checked <by hand> & "signed"."""
comments = "Node hardening run HR-2026-10."
author = "J. Smith, ISSO"
date = 2026-10-01
expires = 2027-04-01
only_when = ["Not_Reviewed"]

[[answer]]
vuln_id = "V-260938"
status = "NotAFinding"
finding_details = "auditd reviewed for 90 days."
comments = "Audit review."
author = "J. Smith, ISSO"
date = 2025-06-01
expires = 2026-01-01

[[answer]]
vuln_id = "V-260912"
status = "NotAFinding"
finding_details = "Grants match the SSP."
author = "K. Lee"
date = 2026-10-02
only_when = ["NotAFinding"]

[[answer]]
vuln_id = "V-260910"
status = "Not_Applicable"
finding_details = "No SSH anywhere."
author = "K. Lee"
date = 2026-10-02
"#;

#[test]
fn answers_applied_expired_conditional_and_conflicting() {
    let dir = tempdir();
    let file = answers(dir.path(), "answers.toml", ANSWERS);
    let out = dir.path().join("answered.ckl");
    let o = evaluate(&out, &["--answers", s(&file), "--as-of", "2026-11-26"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = reviews(&load(&out));
    let summary = stdout(&o);

    // Who decided: the answered rule is a person's review, the others stigkit's.
    let engines: BTreeMap<String, Option<String>> = load(&out).stigs[0]
        .rules
        .iter()
        .map(|r| {
            (
                r.rule.vuln_id.clone(),
                r.record.engine.as_ref().map(|e| e.product.clone()),
            )
        })
        .collect();
    assert_eq!(engines["V-260906"], None);
    assert_eq!(engines["V-260910"].as_deref(), Some("stigkit"));
    assert_eq!(engines["V-260938"].as_deref(), Some("stigkit"));

    // Applied: the status and the person's words, every character kept.
    let (status, details, comments) = &r["V-260906"];
    assert_eq!(*status, Status::NotAFinding);
    assert!(
        details.contains(
            "getent group docker lists svc-mke only (SSP 4.2) — checked <by hand> & \"signed\"."
        ),
        "{details}"
    );
    assert!(
        comments.contains("Node hardening run HR-2026-10."),
        "{comments}"
    );
    assert!(comments.contains("J. Smith, ISSO"), "{comments}");

    // Expired: not applied, and said so.
    let (status, _, comments) = &r["V-260938"];
    assert_eq!(*status, Status::NotReviewed);
    assert!(
        comments.contains("claiming NotAFinding was not applied: it expired on 2026-01-01")
            && comments.contains("Its finding details: auditd reviewed for 90 days.")
            && comments.contains("Its comment: Audit review."),
        "{comments}"
    );
    assert!(
        summary.contains("V-260938: answer from") && summary.contains("it expired on 2026-01-01"),
        "{summary}"
    );
    // The same answer still applies on a day before its expiry.
    let before = dir.path().join("before.ckl");
    let o = evaluate(&before, &["--answers", s(&file), "--as-of", "2025-12-31"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(reviews(&load(&before))["V-260938"].0, Status::NotAFinding);

    // Conditional: only when the check passed; it did not (Not_Reviewed).
    let (status, _, comments) = &r["V-260912"];
    assert_eq!(*status, Status::NotReviewed);
    assert!(
        comments.contains(
            "applies only when the automated status is NotAFinding, and it was Not_Reviewed"
        ),
        "{comments}"
    );

    // Conflicting with the evidence: an automated Open stays Open.
    let (status, details, comments) = &r["V-260910"];
    assert_eq!(*status, Status::Open);
    assert!(details.contains("mke-wkr-1/legacy-sshd"), "{details}");
    assert!(
        comments.contains("an answer never overrides that"),
        "{comments}"
    );
    assert!(summary.contains("V-260910: answer from"), "{summary}");
    oracle_strict(&[out]);
}

#[test]
fn two_answers_for_one_rule_are_refused_naming_both_files() {
    let dir = tempdir();
    let one = answers(
        dir.path(),
        "team-a.toml",
        "[[answer]]\nvuln_id = \"V-260906\"\nstatus = \"NotAFinding\"\nauthor = \"A\"\ndate = 2026-10-01\n",
    );
    let two = answers(
        dir.path(),
        "team-b.toml",
        "[[answer]]\nvuln_id = \"V-260906\"\nstatus = \"Open\"\nauthor = \"B\"\ndate = 2026-10-02\n",
    );
    let out = dir.path().join("x.ckl");
    let o = evaluate(&out, &["--answers", s(&one), "--answers", s(&two)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("V-260906") && err.contains("team-a.toml") && err.contains("team-b.toml"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written on error");
}

#[test]
fn policy_errors_name_the_file_key_and_line() {
    let dir = tempdir();
    let out = dir.path().join("x.ckl");
    for (text, want) in [
        (
            "allowed_ports = [\"tcp/443\"]\nallowed_port = [\"tcp/80\"]\n",
            "allowed_port",
        ),
        ("siem_alert_confirmed = \"yes\"\n", "line 1"),
        ("[exceptions]\nprivilegd = [\"x\"]\n", "privilegd"),
    ] {
        let policy = dir.path().join("policy.toml");
        std::fs::write(&policy, text).unwrap();
        let o = evaluate(&out, &["--policy", s(&policy)]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(s(&policy)) && err.contains(want),
            "{text}: {err}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn fail_on_sets_exit_1_at_or_above_the_category() {
    let dir = tempdir();
    // The sample has one CAT I (V-260908), and CAT II and III findings.
    for (cat, code) in [("cat1", 1), ("cat2", 1), ("cat3", 1)] {
        let out = dir.path().join(format!("{cat}.cklb"));
        let o = evaluate(&out, &["--fail-on", cat]);
        assert_eq!(o.status.code(), Some(code), "{cat}: {}", stderr(&o));
        assert!(out.is_file(), "the checklist is written even when failing");
    }
    // With V-260908 out of the benchmark nothing CAT I is open: cat1
    // passes while cat2 still fails.
    let xml = std::fs::read_to_string(data("mke/U_MKE_STIG_V1R1_reconstructed-xccdf.xml")).unwrap();
    let start = xml.find("<Group id=\"V-260908\">").unwrap();
    let end = start + xml[start..].find("</Group>").unwrap() + "</Group>".len();
    let bench = dir.path().join("no-cat1.xml");
    std::fs::write(&bench, format!("{}{}", &xml[..start], &xml[end..])).unwrap();
    let out = dir.path().join("no-cat1.cklb");
    let o = evaluate(&out, &["--benchmark", s(&bench), "--fail-on", "cat1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = evaluate(
        &out,
        &["--benchmark", s(&bench), "--fail-on", "cat2", "--force"],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn user_templates_replace_the_built_in_ones_by_name() {
    let dir = tempdir();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("comments.txt.j2"),
        "Site review {{ automated.status }}; evidence of {{ collected_at }}.",
    )
    .unwrap();
    let out = dir.path().join("custom.ckl");
    let o = evaluate(&out, &["--templates", s(&templates)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = reviews(&load(&out));
    let collected = stigkit::evidence::Evidence::load(&sample_evidence())
        .unwrap()
        .manifest
        .finished_at;
    // The provenance marker is stigkit's, not the template's: it stays.
    assert_eq!(
        r["V-260910"].2,
        format!(
            "Site review Open; evidence of {collected}.\nAutomated result Open by stigkit {} from evidence collected {collected}.",
            env!("CARGO_PKG_VERSION")
        )
    );
    // Finding details keep the built-in template.
    assert!(
        r["V-260910"]
            .1
            .contains("Requirement: No running container may run an SSH server.")
    );

    std::fs::write(templates.join("comments.txt.j2"), "{% if %}").unwrap();
    let out = dir.path().join("broken.ckl");
    let o = evaluate(&out, &["--templates", s(&templates)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("comments.txt.j2"), "{err}");
    assert!(!out.exists());
}

#[test]
fn finding_details_show_evidence_source_and_tool() {
    let dir = tempdir();
    let out = dir.path().join("mke.cklb");
    assert_eq!(evaluate(&out, &[]).status.code(), Some(0));
    let ev = stigkit::evidence::Evidence::load(&sample_evidence()).unwrap();
    let r = reviews(&load(&out));
    let (status, details, comments) = &r["V-260923"];
    assert_eq!(*status, Status::Open);
    for want in [
        "Requirement: ",
        "netdiag-capall",
        "vpn-gateway",
        "GET /containers/json?all=1",
        &ev.manifest.finished_at,
        ev.manifest.target.mke_url.as_deref().unwrap(),
        concat!("stigkit ", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(details.contains(want), "{want:?} missing from:\n{details}");
    }
    assert!(comments.contains("Automated result Open"), "{comments}");
    // Deterministic: a second run writes the same texts.
    let again = dir.path().join("again.cklb");
    assert_eq!(evaluate(&again, &[]).status.code(), Some(0));
    assert_eq!(reviews(&load(&again)), r);
    oracle_strict(&[out]);
}

/// Copies a bundle folder, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn long_evidence_is_cut_to_fit_with_the_rest_counted() {
    // 2,000 user services in the default namespace: V-260905 lists each one,
    // far past the 32,767 characters STIG Manager keeps.
    let dir = tempdir();
    let bundle = dir.path().join("evidence");
    copy_dir(&sample_evidence(), &bundle);
    let services = bundle.join("kube/services.json");
    let mut list: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&services).unwrap()).unwrap();
    // The check lists the services of default and kube-system.
    let before = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            ["default", "kube-system"].contains(&i["metadata"]["namespace"].as_str().unwrap())
        })
        .count();
    for n in 0..2_000 {
        list["items"].as_array_mut().unwrap().push(serde_json::json!({
            "metadata": {"name": format!("team-app-{n:04}"), "namespace": "default"},
            "spec": {"type": "NodePort", "ports": [{"port": 8080, "nodePort": 30000 + n % 2000}]}
        }));
    }
    let body = serde_json::to_vec_pretty(&list).unwrap();
    std::fs::write(&services, &body).unwrap();
    // The bundle is verified on reading: record the new file's hash.
    let manifest_path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for call in manifest["calls"].as_array_mut().unwrap() {
        if call["file"] == "kube/services.json" {
            call["sha256"] = stigkit::evidence::sha256_hex(&body).into();
            call["bytes"] = body.len().into();
        }
    }
    std::fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();

    let out = dir.path().join("big.ckl");
    let o = run(&["evaluate", "--evidence", s(&bundle), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = reviews(&load(&out));
    let (status, details, _) = &r["V-260905"];
    assert_eq!(*status, Status::Open);
    let len = details.encode_utf16().count();
    assert!(len <= 32_767, "{len} characters");
    // Nearly full: the cut keeps as many lines as fit.
    assert!(len > 32_000, "{len} characters");
    assert!(details.contains(
        "Services in default or kube-system that belong in a dedicated namespace: 2001."
    ));
    let shown = details
        .lines()
        .filter(|l| l.starts_with("- service "))
        .count();
    let more: usize = details
        .lines()
        .find_map(|l| l.strip_prefix("- … and "))
        .and_then(|l| l.split(' ').next())
        .expect("the count of lines not shown")
        .parse()
        .unwrap();
    assert_eq!(shown + more, before + 2_000);
    // What follows the evidence is whole: the source and the tool.
    assert!(details.contains("Source: GET /api/v1/services (HTTP 200)"));
    assert!(details.ends_with(concat!(
        "Evaluated by stigkit ",
        env!("CARGO_PKG_VERSION"),
        "."
    )));
    // Short evidence elsewhere is untouched.
    assert!(!r["V-260923"].1.contains("more evidence lines"));
    oracle_strict(std::slice::from_ref(&out));
    let lint = run(&["lint", s(&out)]);
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
}

/// An answer of 40,000 characters is written whole, and `evaluate` says
/// which rule STIG Manager and eMASS would cut on import.
#[test]
fn a_text_over_32767_characters_is_named_by_its_rule() {
    let dir = tempdir();
    let answers = dir.path().join("answers.toml");
    let long = "Node hardening evidence. ".repeat(1_600);
    assert_eq!(long.len(), 40_000);
    std::fs::write(
        &answers,
        format!(
            "[[answer]]\nvuln_id = \"V-260906\"\nstatus = \"NotAFinding\"\nfinding_details = \"{long}\"\n\
             comments = \"Checked by hand.\"\nauthor = \"J. Smith, ISSO\"\ndate = 2026-10-01\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("long.ckl");
    let o = evaluate(&out, &["--answers", s(&answers)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("characters; STIG Manager and eMASS keep 32767"))
        .collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(warned[0].contains("V-260906"), "{err}");
    assert!(warned[0].contains("finding details are 4"), "{err}");
    let c = load(&out);
    let r = c.stigs[0]
        .rules
        .iter()
        .find(|r| r.rule.vuln_id == "V-260906")
        .unwrap();
    assert!(r.review.finding_details.contains(&long));
}
