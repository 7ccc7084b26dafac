//! The `stigkit` binary end to end: the commands of the README, exit codes,
//! and bad input.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use std::path::{Path, PathBuf};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every benchmark of the corpus (and the built-in catalog) becomes a blank
/// CKL and CKLB that pass the oracle in its strictest mode, with one review
/// per rule and the right benchmark id and revision.
#[test]
fn checklist_new_for_every_benchmark_passes_the_oracle() {
    let dir = tempdir();
    let mut cases: Vec<(Option<PathBuf>, &str, &str, u64)> = vec![(None, "MKE_STIG", "V1R1", 44)];
    for (file, id, rev, rules) in [
        (
            "xccdf/U_Container_Platform_SRG_V1R2_Manual-xccdf.xml",
            "Container_Platform_SRG",
            "V1R2",
            173,
        ),
        (
            "xccdf/U_Docker_Enterprise_2-x_Linux-UNIX_STIG_V2R1_Manual-xccdf.xml",
            "Docker_Enterprise_2-x_Linux-UNIX_STIG",
            "V2R1",
            100,
        ),
        (
            "xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml",
            "Kubernetes_STIG",
            "V1R2",
            93,
        ),
        (
            "xccdf/U_RHEL_8_STIG_V1R3_Manual-xccdf.xml",
            "RHEL_8_STIG",
            "V1R3",
            379,
        ),
        (
            "xccdf/Windows_Server_2022_V2R1_mini-sample-xccdf.xml",
            "MS_Windows_Server_2022_STIG",
            "V2R1",
            5,
        ),
        (
            "xccdf/rhel-7-v3r8-mini-sample-xxcdf.xml",
            "RHEL_7_STIG",
            "V3R8",
            4,
        ),
        (
            "xccdf/smcm_U_RHEL_8_STIG_V1R12_Manual-xccdf-truncated.xml",
            "RHEL_8_TRUNCATED",
            "V1R12",
            10,
        ),
        (
            "xccdf/smcm_U_RHEL_9_STIG_V1R1_Manual-xccdf-truncated.xml",
            "RHEL_9_TRUNCATED",
            "V1R1",
            10,
        ),
        (
            "xccdf/smcm_U_VPN_SRG_V2R5_Manual-xccdf-truncated.xml",
            "VPN_TRUNCATED",
            "V2R5",
            10,
        ),
        (
            "xccdf/stigaview_container_platform_srg_v2r2.xml",
            "Container_Platform_SRG",
            "V2R2",
            187,
        ),
        (
            "xccdf/stigaview_kubernetes_v2r4.xml",
            "Kubernetes_STIG",
            "V2R4",
            94,
        ),
        ("xccdf/stigaview_rhel9_v2r5.xml", "RHEL_9_STIG", "V2R5", 449),
        ("xccdf/stigaview_rke2_v2r4.xml", "RGS_RKE2_STIG", "V2R4", 24),
        (
            "xccdf/zips/U_ASD_V5R1_STIG.zip",
            "Application_Security_Development_STIG",
            "V5R1",
            286,
        ),
        ("mke/U_MKE_V1R1_STIG.zip", "MKE_STIG", "V1R1", 44),
        (
            "mke/U_MKE_STIG_V1R1_reconstructed-xccdf.xml",
            "MKE_STIG",
            "V1R1",
            44,
        ),
    ] {
        cases.push((Some(data(file)), id, rev, rules));
    }
    let mut outputs = Vec::new();
    for (i, (bench, ..)) in cases.iter().enumerate() {
        for ext in ["ckl", "cklb"] {
            let out = dir.path().join(format!("{i}.{ext}"));
            let mut args = vec![
                "checklist",
                "new",
                "--host-name",
                "mke-ctl-01",
                "-o",
                s(&out),
            ];
            if let Some(b) = bench {
                args.extend(["--benchmark", s(b)]);
            }
            run_ok(&args);
            outputs.push(out);
        }
    }
    let reports = oracle_strict(&outputs);
    for (r, (bench, id, rev, rules)) in reports.chunks(2).zip(&cases) {
        for one in r {
            let stig = &one["checklists"][0];
            assert_eq!(one["totals"]["reviews"], *rules, "{bench:?}");
            assert_eq!(stig["benchmarkId"], *id, "{bench:?}");
            assert_eq!(stig["revisionStr"], *rev, "{bench:?}");
            assert_eq!(
                stig["results"]["notchecked"], *rules,
                "{bench:?}: every rule Not_Reviewed"
            );
            assert_eq!(one["target"]["name"], "mke-ctl-01");
        }
    }
}

/// Asset flags land in the checklist; two benchmarks make a two-STIG checklist.
#[test]
fn checklist_new_with_asset_fields_and_two_benchmarks() {
    let dir = tempdir();
    let out = dir.path().join("two.ckl");
    let k8s = data("xccdf/stigaview_kubernetes_v2r4.xml");
    let mke = data("mke/U_MKE_V1R1_STIG.zip");
    run_ok(&[
        "checklist",
        "new",
        "--benchmark",
        s(&mke),
        "--benchmark",
        s(&k8s),
        "--host-name",
        "mke-ctl-01",
        "--ip",
        "10.0.0.11",
        "--mac",
        "00:16:3e:00:00:01",
        "--fqdn",
        "mke-ctl-01.example.mil",
        "--role",
        "Member Server",
        "--tech-area",
        "UNIX OS",
        "--marking",
        "CUI",
        "--web-db-site",
        "site-a",
        "--web-db-instance",
        "inst-1",
        "-o",
        s(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    for want in [
        "<ROLE>Member Server</ROLE>",
        "<HOST_NAME>mke-ctl-01</HOST_NAME>",
        "<HOST_IP>10.0.0.11</HOST_IP>",
        "<HOST_MAC>00:16:3e:00:00:01</HOST_MAC>",
        "<HOST_FQDN>mke-ctl-01.example.mil</HOST_FQDN>",
        "<TECH_AREA>UNIX OS</TECH_AREA>",
        "<WEB_OR_DATABASE>true</WEB_OR_DATABASE>",
        "<WEB_DB_SITE>site-a</WEB_DB_SITE>",
        "<WEB_DB_INSTANCE>inst-1</WEB_DB_INSTANCE>",
    ] {
        assert!(text.contains(want), "missing {want}");
    }
    let r = &oracle_strict(&[out])[0];
    assert_eq!(r["checklists"].as_array().unwrap().len(), 2);
    assert_eq!(r["totals"]["reviews"], 44 + 94);
    assert_eq!(r["target"]["ip"], "10.0.0.11");
}

/// An invalid role is a usage error before anything is written.
#[test]
fn role_outside_the_schema_is_rejected() {
    let dir = tempdir();
    let out = dir.path().join("x.ckl");
    let o = run(&[
        "checklist",
        "new",
        "--host-name",
        "h",
        "--role",
        "MyRole",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

/// `convert` goes CKL → CKLB → CKL and `show --json` counts the same reviews.
#[test]
fn convert_and_show() {
    let dir = tempdir();
    let src = data("ckl/smcm/Asset_a-multi-stig.ckl");
    let b = dir.path().join("a.cklb");
    let c = dir.path().join("a.ckl");
    run_ok(&["convert", s(&src), "-o", s(&b)]);
    run_ok(&["convert", s(&b), "-o", s(&c)]);
    oracle_strict(&[b.clone(), c.clone()]);
    let counts = |p: &Path| {
        let o = run_ok(&["show", "--json", s(p)]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["checklists"][0]["stigs"].clone()
    };
    let original = counts(&src);
    assert_eq!(counts(&b), original);
    assert_eq!(counts(&c), original);
    // Pinned from the file: three STIGs of 10 rules.
    let stigs = original.as_array().unwrap();
    assert_eq!(stigs.len(), 3);
    let first = &stigs[0];
    assert_eq!(first["stig_id"], "RHEL_8_TRUNCATED");
    assert_eq!(first["revision"], "V1R12");
    assert_eq!(first["counts"]["all"]["total"], 10);
}

/// `show` text output: counts per STIG and category.
#[test]
fn show_text_summarises_by_category() {
    let p = data("ckl/saf/small_ckl_overrides.ckl");
    let o = run_ok(&["show", s(&p)]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "RHEL_9_STIG V1R3  Red Hat Enterprise Linux 9 Security Technical Implementation Guide"
        ),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run_ok(&["show", "--json", s(&p)]))).unwrap();
    let all = &json["checklists"][0]["stigs"][0]["counts"]["all"];
    assert_eq!(all["total"], 11);
    let total_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Total"))
        .unwrap();
    let numbers: Vec<u64> = total_line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [
            all["open"].as_u64().unwrap(),
            all["not_a_finding"].as_u64().unwrap(),
            all["not_applicable"].as_u64().unwrap(),
            all["not_reviewed"].as_u64().unwrap(),
            11
        ]
    );
}

/// `benchmark show` of the built-in catalog and of a DISA zip.
#[test]
fn benchmark_show() {
    let o = run_ok(&["benchmark", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["id"], "MKE_STIG");
    assert_eq!(v["revision"], "V1R1");
    assert_eq!(
        (
            v["cat_i"].as_u64(),
            v["cat_ii"].as_u64(),
            v["cat_iii"].as_u64()
        ),
        (Some(3), Some(40), Some(1))
    );
    assert_eq!(v["rules"].as_array().unwrap().len(), 44);
    let o = run_ok(&[
        "benchmark",
        "show",
        s(&data("xccdf/zips/U_ASD_V5R1_STIG.zip")),
    ]);
    let text = stdout(&o);
    assert!(text.starts_with("Application_Security_Development_STIG  V5R1  Application Security and Development Security Technical Implementation Guide\n"), "{text}");
    assert!(text.contains("rules: 286 (CAT I: 31, CAT II: 233, CAT III: 22)"));
}

/// Bad input: one line on stderr naming the file (with line/column or JSON
/// path where known), exit code 2, and no output file left behind.
#[test]
fn bad_input_is_one_clear_line_and_exit_2() {
    let dir = tempdir();
    let truncated = dir.path().join("truncated.ckl");
    let full = std::fs::read(data("ckl/smcm/Single-Vuln-Pass-With-Comment.ckl")).unwrap();
    std::fs::write(&truncated, &full[..full.len() * 2 / 3]).unwrap();
    let not_json = dir.path().join("notjson.cklb");
    std::fs::write(
        &not_json,
        "{\"title\": \"x\", \"stigs\": [ {\"rules\": [ 1, ",
    )
    .unwrap();
    let cut_json = dir.path().join("cut.cklb");
    std::fs::write(&cut_json, "{\"title\": \"x\", \"stigs\": [ ").unwrap();
    let wrong_type = dir.path().join("wrongtype.cklb");
    std::fs::write(
        &wrong_type,
        r#"{"stigs": [{"stig_id": "X", "rules": [{"status": {"a": 1}}]}]}"#,
    )
    .unwrap();
    let missing = dir.path().join("missing.ckl");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec![
                "convert".into(),
                s(&data("xccdf-results/stigqter_xccdf_lol.xml")).into(),
            ],
            "line 2, column 1: DOCTYPE declarations are refused".into(),
        ),
        (
            vec!["convert".into(), s(&truncated).into()],
            format!("{}: line ", truncated.display()),
        ),
        (
            vec![
                "convert".into(),
                s(&data("ckl/smcm/all-possible-results.ckl")).into(),
            ],
            "all-possible-results.ckl: line 255, column 11: malformed XML".into(),
        ),
        (
            vec![
                "convert".into(),
                s(&data("cklb/smcm/NoStigsArray.cklb")).into(),
            ],
            "NoStigsArray.cklb: not a STIG Viewer 3 checklist: no \"stigs\" array".into(),
        ),
        (
            vec!["convert".into(), s(&not_json).into()],
            format!(
                "{}: at stigs[0].rules[0]: line 1, column 39: invalid type: integer `1`, expected a rule object",
                not_json.display()
            ),
        ),
        (
            vec!["convert".into(), s(&cut_json).into()],
            format!(
                "{}: at stigs: line 1, column 26: EOF while parsing a list",
                cut_json.display()
            ),
        ),
        (
            vec!["convert".into(), s(&wrong_type).into()],
            format!(
                "{}: at stigs[0].rules[0].status: line 1, column ",
                wrong_type.display()
            ),
        ),
        (
            vec!["convert".into(), s(&missing).into()],
            format!("{}: No such file or directory", missing.display()),
        ),
        (
            vec![
                "convert".into(),
                s(&data("xccdf/stigaview_rke2_v2r4.xml")).into(),
            ],
            "stigaview_rke2_v2r4.xml: an XCCDF benchmark without results (no <TestResult>), not a checklist".into(),
        ),
        (
            vec![
                "checklist".into(),
                "new".into(),
                "--host-name".into(),
                "h".into(),
                "--benchmark".into(),
                s(&data("ckl/smcm/GoodStatistics.ckl")).into(),
            ],
            "not an XCCDF benchmark: the root element is <CHECKLIST>".into(),
        ),
    ];
    for (args, want) in cases {
        let out = dir.path().join("out.ckl");
        let mut full: Vec<&str> = args.iter().map(String::as_str).collect();
        full.extend(["-o", s(&out)]);
        let o = run(&full);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(&want),
            "{args:?}: wanted '{want}' in: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(!out.exists(), "{args:?}: an output file was written");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".stigkit-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

/// An existing output is kept unless `--force` is given.
#[test]
fn existing_output_needs_force() {
    let dir = tempdir();
    let out = dir.path().join("mke.ckl");
    std::fs::write(&out, "assessor's work").unwrap();
    let o = run(&["checklist", "new", "--host-name", "h", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists (use --force to replace it)"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "assessor's work");
    run_ok(&[
        "checklist",
        "new",
        "--host-name",
        "h",
        "-o",
        s(&out),
        "--force",
    ]);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("<HOST_NAME>h</HOST_NAME>")
    );
}

/// Converting a CKL whose MARKING a CKLB cannot hold says so.
#[test]
fn convert_warns_about_fields_cklb_cannot_hold() {
    let dir = tempdir();
    let out = dir.path().join("x.cklb");
    let o = run_ok(&[
        "convert",
        s(&data("ckl/saf/small_ckl_overrides.ckl")),
        "-o",
        s(&out),
    ]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "a CKLB has no field for MARKING 'CUI' (DISA's schema has none; --cklb-marking keeps it as target_data.marking); it is not in {}",
            out.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("a CKLB has no field for RHEL_9_STIG STIG_INFO classification, description, filename, notice, source"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("warning:")).count(),
        3,
        "{err}"
    );
}

/// A write into a folder that does not exist names the path the user gave,
/// not the temporary file beside it, and leaves nothing behind.
#[test]
fn write_error_names_the_requested_path() {
    let dir = tempdir();
    let out = dir.path().join("missing/dir/x.ckl");
    let input = data("ckl/smcm/Asset_a-multi-stig.ckl");
    let o = run(&["convert", s(&input), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines,
        vec![format!(
            "error: {}: No such file or directory (os error 2)",
            out.display()
        )],
        "{err}"
    );
    assert!(!err.contains(".stigkit-"), "{err}");
    assert!(!dir.path().join("missing").exists());
}

/// `stigkit … | head`: a reader that closes the pipe early ends the run
/// quietly with exit 0, as ripgrep does, also when stderr is the same
/// closed pipe (`2>&1 | head`) and the run has warnings to print.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    // A page of some 200 KB: more than a pipe holds.
    let warned = data("ckl/smcm/No-Asset-xml-element.ckl");
    // stdout alone to the pipe; then stdout and stderr both (`2>&1`).
    for merged in [false, true] {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut cmd = stigkit();
        cmd.args(["report", s(&ckl), s(&warned), "-o", "-"]);
        cmd.stdout(writer.try_clone().unwrap());
        if merged {
            cmd.stderr(writer.try_clone().unwrap());
        } else {
            cmd.stderr(Stdio::piped());
        }
        let child = cmd.spawn().unwrap();
        drop(writer);
        let mut head = [0u8; 16];
        reader.read_exact(&mut head).unwrap();
        drop(reader);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "2>&1: {merged}");
        if !merged {
            let err = stderr(&out);
            assert!(!err.contains("error") && !err.contains("panicked"), "{err}");
        }
    }
}
