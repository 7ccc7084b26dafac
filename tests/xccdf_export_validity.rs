//! What readers outside this project see in stigkit's XCCDF exports:
//! OpenSCAP validates every one against the XCCDF 1.2 schema, no text is
//! escaped twice (each description, check and fix text equals the DISA
//! benchmark's after one XML unescape), every rule result carries a time,
//! and stig-parser (PyPI) reads an export.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exports `checklist` as XCCDF into `dir`; `None` when stigkit cannot
/// read the checklist (the corpus has deliberately broken files) or
/// refuses to export it (one STIG listed twice).
fn export(checklist: &Path, dir: &Path) -> Option<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).unwrap();
    let o = run(&[
        "export",
        s(checklist),
        "--format",
        "xccdf",
        "--host-name",
        "export-host",
        "-o",
        &format!("{}/", dir.display()),
    ]);
    match o.status.code() {
        Some(0) => Some(walk_files(dir)),
        Some(2) => None,
        _ => panic!(
            "{}: {}",
            checklist.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

fn oscap_validate(file: &Path) {
    let o = Command::new("oscap")
        .args(["xccdf", "validate", s(file)])
        .output()
        .expect("oscap (Debian's openscap-scanner; .ci/run installs it)");
    assert!(
        o.status.success(),
        "oscap rejects {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn openscap_validates_every_export() {
    let tmp = tempdir();
    let mut inputs: Vec<PathBuf> = walk_files(&corpus().join("ckl"));
    inputs.extend(walk_files(&corpus().join("cklb")));
    inputs.extend(
        files("xccdf-results")
            .into_iter()
            .filter(|p| !p.ends_with("stigqter_xccdf_lol.xml")),
    );
    let ckl = evaluated_sample(tmp.path());
    inputs.push(ckl.clone());
    let cklb = tmp.path().join("mke.cklb");
    run_ok(&["convert", s(&ckl), "-o", s(&cklb)]);
    inputs.push(cklb);
    let (mut exported, mut refused) = (0, Vec::new());
    for (i, input) in inputs.iter().enumerate() {
        let Some(outs) = export(input, &tmp.path().join(format!("x{i}"))) else {
            refused.push(input.file_name().unwrap().to_string_lossy().into_owned());
            continue;
        };
        for out in outs {
            oscap_validate(&out);
            exported += 1;
        }
    }
    // 81 corpus checklists, 7 results files and two of stigkit's own.
    assert_eq!(inputs.len(), 90);
    // Refused, writing nothing: four files that list one STIG twice (two
    // results files of one name), and four stigkit cannot read.
    assert_eq!(
        refused,
        [
            "Root-ES-comment-with-only-version.ckl",
            "SingleResultEngineModule.ckl",
            "all-possible-results.ckl",
            "no-Stigs-xml-element.ckl",
            "no-checklist-xml-element.ckl",
            "no-root-ES-comment-with-ISTIG-comment.ckl",
            "resultEngine-In-ISTIG-multi-stig.ckl",
            "NoStigsArray.cklb",
        ]
    );
    assert_eq!(exported, 102);
}

/// A rule's description, check text and fix text by rule id, as an XML
/// reader gives them (that is, after one unescape).
fn texts(xml: &str) -> Vec<(String, [String; 3])> {
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "Rule")
        .map(|rule| {
            let id = rule.attribute("id").unwrap();
            let id = id.rsplit("stig_rule_").next().unwrap().to_string();
            let child = |name: &str| {
                rule.descendants()
                    .find(|n| n.tag_name().name() == name)
                    .and_then(|n| n.text())
                    .unwrap_or("")
                    .to_string()
            };
            (
                id,
                [
                    child("description"),
                    child("check-content"),
                    child("fixtext"),
                ],
            )
        })
        .collect()
}

#[test]
fn no_text_is_escaped_twice() {
    let tmp = tempdir();
    let mut compared = 0;
    for bench in [
        "xccdf/U_RHEL_8_STIG_V1R3_Manual-xccdf.xml",
        "xccdf/U_Docker_Enterprise_2-x_Linux-UNIX_STIG_V2R1_Manual-xccdf.xml",
        "xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml",
        "xccdf/U_Container_Platform_SRG_V1R2_Manual-xccdf.xml",
        "xccdf/stigaview_rhel9_v2r5.xml",
    ] {
        let b = data(bench);
        let ckl = tmp.path().join("blank.ckl");
        run_ok(&[
            "checklist",
            "new",
            "--benchmark",
            s(&b),
            "--host-name",
            "h",
            "-o",
            s(&ckl),
            "--force",
        ]);
        let out = tmp.path().join("x.xml");
        run_ok(&[
            "export",
            s(&ckl),
            "--format",
            "xccdf",
            "-o",
            s(&out),
            "--force",
        ]);
        let want = texts(&std::fs::read_to_string(&b).unwrap());
        let got = texts(&std::fs::read_to_string(&out).unwrap());
        assert_eq!(want.len(), got.len(), "{bench}");
        for ((wid, w), (gid, g)) in want.iter().zip(&got) {
            assert_eq!(wid, gid);
            for (field, (w, g)) in ["description", "check", "fix"].iter().zip(w.iter().zip(g)) {
                assert_eq!(w.trim(), g.trim(), "{bench} {wid}: {field} differs");
                compared += 1;
            }
        }
        // The two rules the issue names.
        if bench.contains("RHEL_8") {
            let (_, t) = got
                .iter()
                .find(|(id, _)| id.starts_with("SV-230225"))
                .unwrap();
            assert!(t[0].contains("\"I've read & consent to terms in IS user agreem't.\""));
        }
        if bench.contains("Docker") {
            let (_, t) = got
                .iter()
                .find(|(id, _)| id.starts_with("SV-235857"))
                .unwrap();
            assert!(t[0].contains("/etc/docker/certs.d/<registry-name> directory"));
        }
    }
    assert_eq!(compared, 3 * (379 + 100 + 93 + 173 + 449));
}

#[test]
fn rule_results_carry_the_evidence_time() {
    let tmp = tempdir();
    let ckl = evaluated_sample(tmp.path());
    let out = tmp.path().join("x.xml");
    run_ok(&["export", s(&ckl), "--format", "xccdf", "-o", s(&out)]);
    let xml = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence/manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let collected = manifest["finished_at"].as_str().unwrap();
    let tr = doc
        .descendants()
        .find(|n| n.has_tag_name("TestResult"))
        .unwrap();
    assert_eq!(tr.attribute("start-time"), Some(collected));
    assert_eq!(tr.attribute("end-time"), Some(collected));
    let times: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rule-result"))
        .map(|n| n.attribute("time").expect("every rule-result has a time"))
        .collect();
    assert_eq!(times.len(), 44);
    assert!(times.iter().all(|t| *t == collected), "{times:?}");
}

#[test]
fn stig_parser_reads_an_export() {
    let tmp = tempdir();
    let ckl = evaluated_sample(tmp.path());
    let out = tmp.path().join("x.xml");
    run_ok(&["export", s(&ckl), "--format", "xccdf", "-o", s(&out)]);
    let o = Command::new("python3")
        .args([
            "-c",
            "import json, sys, stig_parser\nr = stig_parser.convert_xccdf(open(sys.argv[1]).read())\nprint(json.dumps({'release': r['ReleaseInfo'], 'rules': len(r['Rules']), 'first': r['Rules'][0]['StigID'], 'fix': r['Rules'][0]['FixText'][:20]}))",
            s(&out),
        ])
        .output()
        .expect("python3");
    assert!(
        o.status.success(),
        "stig-parser (pip install stig-parser; .ci/run installs it): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["rules"], 44);
    assert_eq!(r["first"], "CNTR-MK-000940");
    assert!(r["release"].as_str().unwrap().starts_with("Release: "));
    assert!(!r["fix"].as_str().unwrap().is_empty());
}
