//! `stigkit lint`: every corpus checklist gets a result, the findings of
//! the odd ones are pinned, stigkit's own outputs are clean, and each check
//! fires on a variant of a real file built at run time.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn rel(file: &str) -> String {
    let c = corpus().display().to_string();
    file.strip_prefix(&c)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(file)
        .to_string()
}

/// Runs `lint --json` and returns (exit code, parsed output).
fn lint_json(files: &[PathBuf]) -> (i32, Value) {
    lint_json_with(files, &[])
}

fn lint_json_with(files: &[PathBuf], benchmarks: &[PathBuf]) -> (i32, Value) {
    let mut cmd = stigkit();
    cmd.arg("lint").arg("--json").args(files);
    for b in benchmarks {
        cmd.arg("--benchmark").arg(b);
    }
    let out = cmd.output().expect("running stigkit");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

/// `code` or `code RULE`, in the order reported.
fn shorthand(f: &Value) -> String {
    match f["rule"].as_str() {
        // Target-Object-Long-Properties's rule id is 97 characters of
        // repeats; the code alone says enough.
        Some(r) if r.len() < 60 => format!("{} {r}", f["code"].as_str().unwrap()),
        _ => f["code"].as_str().unwrap().to_string(),
    }
}

/// Every corpus checklist with findings, and what they are; all other
/// corpus checklists have none. Each was checked against the file:
/// empty HOST_NAME or host_name; releaseinfo empty or with no benchmark
/// date (Heimdall writes `Release: 13`); STIG Manager's STIG_DATA layout
/// (Weight third); Open with empty FINDING_DETAILS; a VULN or an iSTIG
/// repeated; texts of 32,768+ characters; `<STATUS/>`; XML that is not
/// well-formed or not a checklist.
const PINNED: &str = "
ckl/heimdall2/converted-nessus.ckl                              | empty-host-name, placeholder-release-info, text-too-long 110483, text-too-long 22869
ckl/heimdall2/converted-rhel8_sample_oneOfEachControlStatus.ckl | empty-host-name, placeholder-release-info
ckl/heimdall2/rhel_8_checklist.ckl                              | empty-host-name
ckl/saf/converted-rhel7_overrides.ckl                           | empty-host-name, placeholder-release-info
ckl/saf/red_hat_good.ckl                                        | empty-host-name, placeholder-release-info
ckl/saf/small_ckl_overrides.ckl                                 | empty-host-name, open-without-details SV-257778r925321_rule, open-without-details SV-257779r925324_rule, open-without-details SV-257780r939261_rule, open-without-details SV-257781r925330_rule
ckl/saf/three_stig_checklist.ckl                                | empty-host-name
ckl/saf/vSphere8_report.ckl                                     | empty-host-name, placeholder-release-info, placeholder-release-info, placeholder-release-info
ckl/smcm/Asset_a-RHEL_9_TRUNCATED-V1R1-no-reviews.ckl           | stig-data-order SV-257777r925318_rule
ckl/smcm/Asset_a-VPN_TRUNCATED-V2R5.ckl                         | stig-data-order SV-207184r695317_rule
ckl/smcm/Asset_a-multi-stig.ckl                                 | stig-data-order SV-230221r858734_rule, stig-data-order SV-257777r925318_rule, stig-data-order SV-207184r695317_rule
ckl/smcm/Asset_b-VPN_TRUNCATED-V2R5.ckl                         | stig-data-order SV-207184r695317_rule
ckl/smcm/Asset_b-multi-stig.ckl                                 | stig-data-order SV-230221r858734_rule, stig-data-order SV-257777r925318_rule, stig-data-order SV-207184r695317_rule
ckl/smcm/GoodStatistics.ckl                                     | stig-data-order SV-207184r695317_rule, open-without-details SV-207188r608988_rule, duplicate-rule SV-207193r916149_rule
ckl/smcm/MultiStig-Simple.ckl                                   | stig-data-order SV-5_rule, stig-data-order SV-4_rule, stig-data-order SV-3_rule, stig-data-order SV-2_rule, stig-data-order SV-1_rule, open-without-details SV-4_rule
ckl/smcm/No-Asset-xml-element.ckl                               | stig-data-order SV-207191r803418_rule, empty-host-name, open-without-details SV-207191r803418_rule
ckl/smcm/No-RuleId-Value.ckl                                    | stig-data-order V-257777, missing-rule-id V-257777
ckl/smcm/Root-ES-comment-with-only-version.ckl                  | duplicate-rule SV-221558r769351_rule
ckl/smcm/Single-Vuln-Long-CommentDetail.ckl                     | stig-data-order SV-257777r925318_rule, text-too-long SV-257777r925318_rule, text-too-long SV-257777r925318_rule
ckl/smcm/Single-Vuln-Pass-Empty-CommentDetail.ckl               | stig-data-order SV-207191r803418_rule
ckl/smcm/Single-Vuln-Pass-With-Comment.ckl                      | stig-data-order SV-207191r803418_rule
ckl/smcm/Single-Vuln-Pass-With-Detail.ckl                       | stig-data-order SV-207191r803418_rule
ckl/smcm/Single-Vuln-fail-Empty-CommentDetail.ckl               | stig-data-order SV-207191r803418_rule, open-without-details SV-207191r803418_rule
ckl/smcm/Single-Vuln-fail-WEBORDATABASE-true.ckl                | stig-data-order SV-207191r803418_rule, open-without-details SV-207191r803418_rule
ckl/smcm/Single-Vuln-fail-With-Detail.ckl                       | stig-data-order SV-207191r803418_rule
ckl/smcm/Single-Vuln-fail-with-Comment.ckl                      | stig-data-order SV-207191r803418_rule, open-without-details SV-207191r803418_rule
ckl/smcm/Single-Vuln-notReviewed-Commented-Detailed.ckl         | stig-data-order SV-257777r925318_rule
ckl/smcm/Single-Vuln-notReviewed-Empty-CommentDetail.ckl        | stig-data-order SV-257777r925318_rule
ckl/smcm/SingleResultEngineModule.ckl                           | duplicate-rule SV-221558r769351_rule
ckl/smcm/Target-Object-Long-Properties                          | stig-data-order
ckl/smcm/TargetObjectBasic.ckl                                  | stig-data-order SV-207191r803418_rule
ckl/smcm/TargetObjectMetaData.ckl                               | stig-data-order SV-207191r803418_rule
ckl/smcm/TargetObjectMinimal.ckl                                | stig-data-order SV-207191r803418_rule
ckl/smcm/all-possible-results.ckl                               | unreadable
ckl/smcm/empty-stigid-SID_DATA-element.ckl                      | stig-data-order SV-207191r803418_rule, empty-stig-id, open-without-details SV-207191r803418_rule
ckl/smcm/html-decode.ckl                                        | stig-data-order SV-207191r803418_rule
ckl/smcm/no-Host_Name-xml-element.ckl                           | stig-data-order SV-207191r803418_rule, empty-host-name, open-without-details SV-207191r803418_rule
ckl/smcm/no-SID_DATA-element.ckl                                | stig-data-order SV-207191r803418_rule, empty-stig-id, open-without-details SV-207191r803418_rule
ckl/smcm/no-Status-xml-element.ckl                              | missing-status SV-257777r925318_rule, stig-data-order SV-257777r925318_rule, text-too-long SV-257777r925318_rule, text-too-long SV-257777r925318_rule
ckl/smcm/no-Stigs-xml-element.ckl                               | unreadable
ckl/smcm/no-checklist-xml-element.ckl                           | unreadable
ckl/smcm/no-releaseinfo-SID_DATA-element.ckl                    | stig-data-order SV-207191r803418_rule, placeholder-release-info, open-without-details SV-207191r803418_rule
ckl/smcm/no-root-ES-comment-with-ISTIG-comment.ckl              | duplicate-rule SV-221558r769351_rule
ckl/smcm/resultEngine-In-ISTIG-multi-stig.ckl                   | duplicate-rule SV-221558r769351_rule
cklb/smcm/GoodStatistics.cklb                                   | open-without-details SV-4
cklb/smcm/NoStigsArray.cklb                                     | unreadable
cklb/smcm/NoTargetHostName.cklb                                 | empty-host-name
cklb/smcm/Single-Vuln-Long-CommentDetail.cklb                   | text-too-long SV-257777r925317_rule, text-too-long SV-257777r925317_rule
cklb/smcm/Single-Vuln-fail-Empty-CommentDetail.cklb             | open-without-details SV-207191r803417_rule
cklb/smcm/Single-Vuln-fail-with-Comment.cklb                    | open-without-details SV-207191r803417_rule
cklb/smcm/all-possible-results.cklb                             | duplicate-rule SV-257777r925317_rule
";

fn corpus_checklists() -> Vec<PathBuf> {
    let mut v = walk_files(&corpus().join("ckl"));
    v.extend(walk_files(&corpus().join("cklb")));
    v
}

/// Every file under data/ckl and data/cklb is listed with a result, and the
/// findings of each are exactly the pinned ones.
#[test]
fn every_corpus_checklist_gets_a_result_and_findings_are_pinned() {
    let files = corpus_checklists();
    assert_eq!(files.len(), 81, "corpus checklists");
    let (code, out) = lint_json(&files);
    assert_eq!(code, 1, "errors found");
    let listed: Vec<String> = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    let given: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(listed, given, "files listed");
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in out["findings"].as_array().unwrap() {
        got.entry(rel(f["file"].as_str().unwrap()))
            .or_default()
            .push(shorthand(f));
    }
    let want: BTreeMap<String, Vec<String>> = PINNED
        .lines()
        .filter_map(|l| l.split_once(" | "))
        .map(|(f, c)| {
            let codes = c.split(", ").map(str::to_string).collect();
            (f.trim().to_string(), codes)
        })
        .collect();
    assert_eq!(want.len(), 51, "pinned files");
    for (file, codes) in &want {
        assert_eq!(got.get(file), Some(codes), "{file}");
    }
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(extra.is_empty(), "unpinned: {extra:?}");
    assert_eq!(
        out["totals"],
        serde_json::json!({"files": 81, "errors": 33, "warnings": 62})
    );
}

/// A finding names its file, its STIG and its rule in JSON.
#[test]
fn findings_carry_file_stig_rule_and_level() {
    let f = data("ckl/smcm/GoodStatistics.ckl");
    let (_, out) = lint_json(std::slice::from_ref(&f));
    let dup = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "duplicate-rule")
        .expect("duplicate-rule");
    assert_eq!(dup["file"], f.display().to_string());
    assert_eq!(dup["stig"], "VPN_TRUNCATED");
    assert_eq!(dup["rule"], "SV-207193r916149_rule");
    assert_eq!(dup["level"], "error");
    assert_eq!(
        dup["message"],
        "the rule appears 2 times: importers keep one of its reviews and drop the others"
    );
}

/// What stigkit writes has no errors: blank checklists, conversions and
/// evaluations, in both formats.
#[test]
fn stigkits_own_outputs_have_no_errors() {
    let dir = tempdir();
    let d = dir.path();
    let mut outs = Vec::new();
    for b in [
        "xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml",
        "xccdf/smcm_U_VPN_SRG_V2R5_Manual-xccdf-truncated.xml",
        "xccdf/rhel-7-v3r8-mini-sample-xxcdf.xml",
    ] {
        for ext in ["ckl", "cklb"] {
            let stem = Path::new(b).file_stem().unwrap().to_string_lossy();
            let o = d.join(format!("{stem}.{ext}"));
            let bench = data(b);
            run_ok(&[
                "checklist",
                "new",
                "--benchmark",
                bench.to_str().unwrap(),
                "--host-name",
                "lint-01",
                "-o",
                o.to_str().unwrap(),
            ]);
            outs.push(o);
        }
    }
    for (input, o) in [
        ("ckl/smcm/Asset_a-multi-stig.ckl", "conv-a.cklb"),
        ("ckl/smcm/Asset_a-multi-stig.ckl", "conv-a.ckl"),
        ("cklb/smcm/Asset_b-multi-stig.cklb", "conv-b.ckl"),
        (
            "ckl/smcm/CA1294WK16078_COMBINED_20231211-125650-trimmed.ckl",
            "conv-es.cklb",
        ),
    ] {
        let o = d.join(o);
        let i = data(input);
        run_ok(&["convert", i.to_str().unwrap(), "-o", o.to_str().unwrap()]);
        outs.push(o);
    }
    let (e1, e2) = (d.join("e.ckl"), d.join("e.cklb"));
    let evidence = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence");
    run_ok(&[
        "evaluate",
        "--evidence",
        evidence.to_str().unwrap(),
        "-o",
        e1.to_str().unwrap(),
        "-o",
        e2.to_str().unwrap(),
    ]);
    outs.extend([e1, e2]);
    let (code, out) = lint_json(&outs);
    assert_eq!(out["totals"]["files"], 12);
    assert_eq!(out["totals"]["errors"], 0, "{}", out["findings"]);
    // Nothing to warn about either: blank and evaluated checklists are
    // complete, and conversions write STIG Viewer's order.
    assert_eq!(out["totals"]["warnings"], 0, "{}", out["findings"]);
    assert_eq!(code, 0);
}

/// A real STIG Viewer 2.17 file with its host name filled in: clean.
fn base_ckl() -> String {
    let text = std::fs::read_to_string(data("ckl/heimdall2/rhel_8_checklist.ckl")).unwrap();
    text.replacen(
        "<HOST_NAME></HOST_NAME>",
        "<HOST_NAME>lint-01</HOST_NAME>",
        1,
    )
}

/// Applies `edit` to the first VULN only (SV-230221r858734_rule, NotAFinding,
/// details "Passed").
fn edit_first_vuln(text: &str, edit: impl Fn(&str) -> String) -> String {
    let end = text.find("</VULN>").unwrap();
    format!("{}{}", edit(&text[..end]), &text[end..])
}

/// Lints `bytes` written as `name`; returns (exit code, findings).
fn lint_variant(name: &str, bytes: &[u8]) -> (i32, Vec<Value>) {
    let dir = tempdir();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    let (code, out) = lint_json(&[p]);
    (code, out["findings"].as_array().unwrap().clone())
}

/// (code, stig, rule) of a finding; `-` where it names none.
type Triple = (String, String, String);

fn triples(findings: &[Value]) -> Vec<Triple> {
    findings
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["stig"].as_str().unwrap_or("-").to_string(),
                f["rule"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn one(code: &str, stig: &str, rule: &str) -> Vec<Triple> {
    vec![(code.into(), stig.into(), rule.into())]
}

const RULE: &str = "SV-230221r858734_rule";

#[test]
fn each_check_fires_on_a_variant_of_a_real_ckl() {
    let base = base_ckl();
    let (code, f) = lint_variant("base.ckl", base.as_bytes());
    assert_eq!((code, f.len()), (0, 0), "base is clean: {f:?}");

    let cases: Vec<(&str, String, Vec<Triple>)> = vec![
        (
            "blank host name",
            base.replacen(
                "<HOST_NAME>lint-01</HOST_NAME>",
                "<HOST_NAME> </HOST_NAME>",
                1,
            ),
            one("empty-host-name", "-", "-"),
        ),
        (
            "status spelling",
            edit_first_vuln(&base, |v| {
                v.replacen("<STATUS>NotAFinding<", "<STATUS>Not_a_Finding<", 1)
            }),
            one("status-spelling", "RHEL_8_STIG", RULE),
        ),
        (
            "duplicate VULN",
            {
                let start = base.find("<VULN>").unwrap();
                let end = base.find("</VULN>").unwrap() + "</VULN>".len();
                let vuln = &base[start..end];
                format!("{}{vuln}{}", &base[..end], &base[end..])
            },
            one("duplicate-rule", "RHEL_8_STIG", RULE),
        ),
        (
            "40,000-character finding details",
            edit_first_vuln(&base, |v| {
                v.replacen(
                    "<FINDING_DETAILS>Passed<",
                    &format!("<FINDING_DETAILS>{}<", "x".repeat(40_000)),
                    1,
                )
            }),
            one("text-too-long", "RHEL_8_STIG", RULE),
        ),
        (
            "Open without details",
            edit_first_vuln(&base, |v| {
                v.replacen("<STATUS>NotAFinding<", "<STATUS>Open<", 1)
                    .replacen("<FINDING_DETAILS>Passed<", "<FINDING_DETAILS><", 1)
            }),
            one("open-without-details", "RHEL_8_STIG", RULE),
        ),
        (
            "override without justification",
            edit_first_vuln(&base, |v| {
                v.replacen(
                    "<SEVERITY_OVERRIDE></SEVERITY_OVERRIDE>",
                    "<SEVERITY_OVERRIDE>low</SEVERITY_OVERRIDE>",
                    1,
                )
            }),
            one("override-without-justification", "RHEL_8_STIG", RULE),
        ),
        (
            "placeholder release info",
            base.replacen("Release: 8 Benchmark Date: 27 Oct 2022", "Release: TBD", 1),
            one("placeholder-release-info", "RHEL_8_STIG", "-"),
        ),
        (
            "VULN children out of order",
            edit_first_vuln(&base, |v| {
                v.replacen("<COMMENTS></COMMENTS>", "", 1).replacen(
                    "<STATUS>",
                    "<COMMENTS></COMMENTS><STATUS>",
                    1,
                )
            }),
            one("element-order", "RHEL_8_STIG", RULE),
        ),
    ];
    for (what, text, want) in cases {
        let (code, f) = lint_variant("v.ckl", text.as_bytes());
        assert_eq!(triples(&f), want, "{what}");
        let errors = f.iter().any(|x| x["level"] == "error");
        assert_eq!(code, if errors { 1 } else { 0 }, "{what}: exit code");
    }
}

/// Files that cannot be read are one error each, saying where and why.
#[test]
fn broken_entities_and_encodings_are_one_error_with_a_position() {
    let base = base_ckl();
    let doctype = base.replacen(
        "<!--DISA STIG Viewer :: 2.17-->",
        "<!DOCTYPE CHECKLIST [<!ENTITY x \"y\">]>",
        1,
    );
    let nbsp = edit_first_vuln(&base, |v| {
        v.replacen("<FINDING_DETAILS>Passed<", "<FINDING_DETAILS>a&nbsp;b<", 1)
    });
    let mut latin1 = base.clone().into_bytes();
    let at = base.find("Passed").unwrap();
    latin1[at] = 0xE9;
    for (what, bytes, code, msg) in [
        (
            "DOCTYPE",
            doctype.into_bytes(),
            "broken-entity",
            "line 2, column 1: DOCTYPE declarations are refused",
        ),
        (
            "&nbsp;",
            nbsp.into_bytes(),
            "broken-entity",
            "undefined entity &nbsp;",
        ),
        ("Latin-1 byte", latin1, "encoding", "invalid UTF-8"),
    ] {
        let (exit, f) = lint_variant("v.ckl", &bytes);
        assert_eq!(exit, 1, "{what}");
        assert_eq!(f.len(), 1, "{what}: {f:?}");
        assert_eq!(f[0]["code"], code, "{what}");
        let m = f[0]["message"].as_str().unwrap();
        assert!(m.contains(msg), "{what}: {m}");
    }
}

#[test]
fn each_check_fires_on_a_variant_of_a_real_cklb() {
    let text = std::fs::read_to_string(data("cklb/smcm/Asset_a-VPN_TRUNCATED-V2R5.cklb")).unwrap();
    let base: Value = serde_json::from_str(&text).unwrap();
    let (code, f) = lint_variant("base.cklb", text.as_bytes());
    assert_eq!((code, f.len()), (0, 0), "base is clean: {f:?}");
    let rule = base["stigs"][0]["rules"][0]["rule_id_src"]
        .as_str()
        .unwrap()
        .to_string();
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, &str, bool); 5] = [
        (
            "status spelling",
            |v| v["stigs"][0]["rules"][0]["status"] = "NotAFinding".into(),
            "status-spelling",
            true,
        ),
        (
            "no status",
            |v| v["stigs"][0]["rules"][0]["status"] = Value::Null,
            "missing-status",
            true,
        ),
        (
            "empty host name",
            |v| v["target_data"]["host_name"] = "".into(),
            "empty-host-name",
            false,
        ),
        (
            "override without reason",
            |v| {
                v["stigs"][0]["rules"][0]["overrides"] =
                    serde_json::json!({"severity": {"severity": "low", "reason": ""}})
            },
            "override-without-justification",
            true,
        ),
        (
            "missing release info",
            |v| v["stigs"][0]["release_info"] = Value::Null,
            "placeholder-release-info",
            false,
        ),
    ];
    for (what, edit, want, names_rule) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let (_, f) = lint_variant("v.cklb", v.to_string().as_bytes());
        let stig = if want == "empty-host-name" {
            "-"
        } else {
            "VPN_TRUNCATED"
        };
        let r = if names_rule { rule.as_str() } else { "-" };
        assert_eq!(triples(&f), one(want, stig, r), "{what}");
    }
}

#[test]
fn exit_codes_and_text_output() {
    // Clean: 0.
    let clean = data("cklb/smcm/Asset_a-VPN_TRUNCATED-V2R5.cklb");
    let out = run(&["lint", clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1 file checked, 1 clean: 0 errors, 0 warnings\n"
    );
    // Warnings only: 0.
    let warn = data("cklb/smcm/Single-Vuln-fail-Empty-CommentDetail.cklb");
    assert_eq!(
        run(&["lint", warn.to_str().unwrap()]).status.code(),
        Some(0)
    );
    // An error: 1, one greppable line per finding.
    let bad = data("cklb/smcm/NoTargetHostName.cklb");
    let out = run(&["lint", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{}: error[empty-host-name]: the host name is empty: STIG Manager refuses the file and eMASS cannot match the asset\n\
             1 file checked, 0 clean: 1 error, 0 warnings\n",
            bad.display()
        )
    );
    // A missing file: 2, one line naming it, nothing on stdout.
    let out = run(&["lint", clean.to_str().unwrap(), "/nonexistent/x.ckl"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: /nonexistent/x.ckl: no such file\n"
    );
    assert!(out.stdout.is_empty());
}

/// Runs `lint --json` against `benchmarks`; returns (exit code, findings).
fn lint_against(files: &[PathBuf], benchmarks: &[PathBuf]) -> (i32, Vec<Value>) {
    let (code, v) = lint_json_with(files, benchmarks);
    (code, v["findings"].as_array().unwrap().clone())
}

#[test]
fn against_a_benchmark_unknown_and_missing_rules_and_other_releases_are_found() {
    let codes = ["unknown-rule", "missing-rule", "other-release"];
    let judged = |f: &[Value]| -> Vec<Triple> {
        triples(f)
            .into_iter()
            .filter(|t| codes.contains(&t.0.as_str()))
            .collect()
    };
    // STIG Manager's multi-STIG checklist against two of its benchmarks
    // (the third STIG has none given, so it is not judged): it covers them.
    let (_, f) = lint_against(
        &[data("ckl/smcm/Asset_a-multi-stig.ckl")],
        &[
            data("xccdf/smcm_U_RHEL_8_STIG_V1R12_Manual-xccdf-truncated.xml"),
            data("xccdf/smcm_U_VPN_SRG_V2R5_Manual-xccdf-truncated.xml"),
        ],
    );
    assert_eq!(judged(&f), vec![]);

    // A blank RHEL 8 V1R3 checklist is whole; one rule id changed is an
    // unknown rule (error) and the rule it was a missing one (warning).
    let dir = tempdir();
    let bench = data("xccdf/U_RHEL_8_STIG_V1R3_Manual-xccdf.xml");
    let blank = dir.path().join("blank.ckl");
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        bench.to_str().unwrap(),
        "--host-name",
        "h",
        "-o",
        blank.to_str().unwrap(),
    ]);
    let (code, f) = lint_against(std::slice::from_ref(&blank), std::slice::from_ref(&bench));
    assert_eq!((code, judged(&f)), (0, vec![]));
    let text = std::fs::read_to_string(&blank).unwrap();
    let first = text
        .split("<ATTRIBUTE_DATA>")
        .find(|s| s.starts_with("SV-"))
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    let edited = dir.path().join("edited.ckl");
    std::fs::write(&edited, text.replacen(&first, "SV-999999r1_rule", 1)).unwrap();
    let (code, f) = lint_against(std::slice::from_ref(&edited), std::slice::from_ref(&bench));
    assert_eq!(code, 1);
    assert_eq!(
        judged(&f),
        vec![
            (
                "unknown-rule".into(),
                "RHEL_8_STIG".into(),
                "SV-999999r1_rule".into()
            ),
            ("missing-rule".into(), "RHEL_8_STIG".into(), first.clone()),
        ]
    );

    // Heimdall's RHEL 8 V1R8 checklist against V1R3: another release.
    let (_, f) = lint_against(
        &[data("ckl/heimdall2/rhel_8_checklist.ckl")],
        std::slice::from_ref(&bench),
    );
    assert_eq!(judged(&f), one("other-release", "RHEL_8_STIG", "-"));
    let msg = f.iter().find(|x| x["code"] == "other-release").unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(msg.contains("V1R8") && msg.contains("V1R3"), "{msg}");

    // An unreadable benchmark is a one-line error naming it.
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<Benchmark").unwrap();
    let o = run(&[
        "lint",
        blank.to_str().unwrap(),
        "--benchmark",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.lines().count() == 1 && err.contains("bad.xml"), "{err}");
}
