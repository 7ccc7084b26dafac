//! `stigkit export`: XCCDF results read by STIG Manager's importer (the
//! oracle) with the checklist's status counts, our own round trip, the CSV
//! and POA&M columns and rows, and errors that write nothing.

mod common;

use common::{data, evaluated_sample, oracle, oracle_strict, run, run_ok, tempdir};
use std::path::{Path, PathBuf};
use stigkit::model::{Checklist, Severity, Status};
use stigkit::xccdf_results::tidy;

/// Filled checklists of several producers: (corpus file, host name to give
/// when the checklist has none).
const FILLED: [(&str, Option<&str>); 5] = [
    // STIG Viewer 2.17, severity overrides, no host name.
    ("ckl/saf/small_ckl_overrides.ckl", Some("rhel9-01")),
    ("ckl/heimdall2/rhel_8_checklist.ckl", Some("rhel8-01")),
    // Three STIGs in one CKL.
    ("ckl/saf/vSphere8_report.ckl", Some("esx-01")),
    ("ckl/smcm/Asset_a-multi-stig.ckl", None),
    // CKLB written by STIG Manager.
    ("cklb/smcm/GoodStatistics.cklb", None),
];

fn load(path: &Path) -> Checklist {
    stigkit::source::load_checklist(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .checklist
}

/// `stigkit show --json` counts of each STIG, keyed by STIG id.
fn shown_counts(path: &Path) -> Vec<(String, serde_json::Value)> {
    let out = run_ok(&["show", "--json", path.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["checklists"][0]["stigs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stig_id"].as_str().unwrap().to_string(),
                s["counts"]["all"].clone(),
            )
        })
        .collect()
}

/// XCCDF result counts as the oracle prints them (only non-zero ones).
fn as_results(counts: &serde_json::Value) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (key, word) in [
        ("not_a_finding", "pass"),
        ("open", "fail"),
        ("not_applicable", "notapplicable"),
        ("not_reviewed", "notchecked"),
    ] {
        let n = counts[key].as_u64().unwrap();
        if n > 0 {
            m.insert(word.into(), n.into());
        }
    }
    serde_json::Value::Object(m)
}

/// Exports `input` as XCCDF into a fresh folder; returns the files.
fn export_xccdf(input: &Path, host: Option<&str>, dir: &Path) -> Vec<PathBuf> {
    let out = format!("{}/", dir.join("xccdf").display());
    let mut args = vec![
        "export",
        input.to_str().unwrap(),
        "--format",
        "xccdf",
        "-o",
        &out,
    ];
    if let Some(h) = host {
        args.extend(["--host-name", h]);
    }
    run_ok(&args);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("xccdf"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The checklists of the acceptance test: the corpus ones, plus what
/// `stigkit evaluate` writes for the sample evidence.
fn filled(dir: &Path) -> Vec<(PathBuf, Option<&'static str>)> {
    let mut v: Vec<(PathBuf, Option<&str>)> = FILLED.iter().map(|(f, h)| (data(f), *h)).collect();
    v.push((evaluated_sample(dir), None));
    v
}

#[test]
fn xccdf_export_reads_back_in_stig_manager_with_the_same_counts() {
    let tmp = tempdir();
    let mut compared = Vec::new();
    for (i, (input, host)) in filled(tmp.path()).into_iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let files = export_xccdf(&input, host, &dir);
        let shown = shown_counts(&input);
        assert_eq!(
            files.len(),
            shown.len(),
            "{}: one file per STIG",
            input.display()
        );
        let reports = oracle_strict(&files);
        let checklist = load(&input);
        for (report, file) in reports.iter().zip(&files) {
            let read = &report["checklists"][0];
            let id = read["benchmarkId"].as_str().unwrap();
            let (_, counts) = shown
                .iter()
                .find(|(s, _)| stigkit::xccdf_results::xccdf_id(s) == id)
                .unwrap_or_else(|| panic!("{}: no STIG {id}", input.display()));
            assert_eq!(read["results"], as_results(counts), "{}", file.display());
            assert_eq!(read["reviews"], counts["total"], "{}", file.display());
            let stig = checklist
                .stigs
                .iter()
                .find(|s| stigkit::xccdf_results::xccdf_id(&s.info.stig_id) == id)
                .unwrap();
            let with = |f: fn(&stigkit::model::Review) -> &str| {
                stig.rules
                    .iter()
                    .filter(|r| !f(&r.review).trim().is_empty())
                    .count()
            };
            assert_eq!(
                read["withDetail"],
                with(|r| &r.finding_details),
                "{}",
                file.display()
            );
            assert_eq!(
                read["withComment"],
                with(|r| &r.comments),
                "{}",
                file.display()
            );
            compared.push((
                input.file_name().unwrap().to_string_lossy().into_owned(),
                id.to_string(),
                read["results"].clone(),
                read["withDetail"].clone(),
                read["withComment"].clone(),
            ));
        }
        // Where STIG Manager reads the input itself, its text counts agree.
        let (ok, inputs) = oracle(&[], std::slice::from_ref(&input));
        if ok {
            for c in inputs[0]["checklists"].as_array().unwrap() {
                let out = compared
                    .iter()
                    .rev()
                    .find(|(_, id, ..)| id == c["benchmarkId"].as_str().unwrap())
                    .unwrap();
                assert_eq!((&c["withDetail"], &c["withComment"]), (&out.3, &out.4));
            }
        }
    }
    // Pinned: what the oracle read from each export.
    let pinned: Vec<String> = compared
        .iter()
        .map(|(f, id, r, d, c)| format!("{f} {id} {r} detail={d} comment={c}"))
        .collect();
    assert_eq!(
        pinned,
        [
            r#"small_ckl_overrides.ckl RHEL_9_STIG {"pass":2,"fail":4,"notapplicable":1,"notchecked":4} detail=0 comment=0"#,
            r#"rhel_8_checklist.ckl RHEL_8_STIG {"pass":2,"fail":1,"notapplicable":4,"notchecked":365} detail=3 comment=0"#,
            r#"vSphere8_report.ckl VMware_vSphere_8.0_ESXi_STIG_Readiness_Guide {"pass":29,"fail":26,"notapplicable":4,"notchecked":18} detail=77 comment=0"#,
            r#"vSphere8_report.ckl VMware_vSphere_8.0_Virtual_Machine_STIG_Readiness_Guide {"pass":23,"fail":2} detail=25 comment=0"#,
            r#"vSphere8_report.ckl VMware_vSphere_8.0_vCenter_STIG_Readiness_Guide {"pass":25,"fail":22,"notapplicable":3,"notchecked":16} detail=66 comment=0"#,
            r#"Asset_a-multi-stig.ckl RHEL_8_TRUNCATED {"notchecked":10} detail=0 comment=0"#,
            r#"Asset_a-multi-stig.ckl RHEL_9_TRUNCATED {"notchecked":10} detail=0 comment=0"#,
            r#"Asset_a-multi-stig.ckl VPN_TRUNCATED {"pass":3,"fail":2,"notapplicable":1,"notchecked":4} detail=8 comment=1"#,
            r#"GoodStatistics.cklb VPN_TRUNCATED {"pass":2,"fail":2,"notapplicable":2,"notchecked":2} detail=3 comment=0"#,
            r#"mke.ckl MKE_STIG {"pass":2,"fail":30,"notapplicable":1,"notchecked":11} detail=44 comment=44"#,
        ]
    );
}

#[test]
fn xccdf_export_round_trips_through_our_reader() {
    let tmp = tempdir();
    let mut written = Vec::new();
    for (i, (input, host)) in filled(tmp.path()).into_iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let original = load(&input);
        for file in export_xccdf(&input, host, &dir) {
            let back_path = file.with_extension("ckl");
            run_ok(&[
                "convert",
                file.to_str().unwrap(),
                "-o",
                back_path.to_str().unwrap(),
            ]);
            let back = load(&back_path);
            // vSphere8_report.ckl has no release info: the strict lint
            // would fault the input's gap, not the round trip.
            if !back.stigs[0].info.release_info.is_empty() {
                written.push(back_path.clone());
            }
            let [stig] = &back.stigs[..] else {
                panic!("one STIG per file")
            };
            let orig = original
                .stigs
                .iter()
                .find(|s| stigkit::xccdf_results::xccdf_id(&s.info.stig_id) == stig.info.stig_id)
                .unwrap();
            assert_eq!(stig.rules.len(), orig.rules.len());
            for (a, b) in orig.rules.iter().zip(&stig.rules) {
                let what = format!("{} {}", file.display(), a.rule.rule_id);
                assert_eq!(a.rule.rule_id, b.rule.rule_id, "{what}");
                assert_eq!(a.review.status, b.review.status, "{what}");
                assert_eq!(
                    tidy(&a.review.finding_details),
                    b.review.finding_details,
                    "{what}"
                );
                assert_eq!(tidy(&a.review.comments), b.review.comments, "{what}");
                assert_eq!(a.effective_severity(), b.effective_severity(), "{what}");
                if a.review.severity_override.is_some()
                    && !a.review.severity_justification.is_empty()
                {
                    assert_eq!(
                        tidy(&a.review.severity_justification),
                        b.review.severity_justification,
                        "{what}"
                    );
                }
            }
            if let Some(h) = host {
                assert_eq!(back.asset.host_name, h);
            } else {
                assert_eq!(back.asset.host_name, original.asset.host_name);
            }
        }
    }
    oracle_strict(&written);
}

const CSV_COLUMNS: [&str; 28] = [
    "Vuln ID",
    "Severity",
    "Group Title",
    "Rule ID",
    "STIG ID",
    "Rule Title",
    "Discussion",
    "IA Controls",
    "Check Content",
    "Fix Text",
    "False Positives",
    "False Negatives",
    "Documentable",
    "Mitigations",
    "Potential Impact",
    "Third Party Tools",
    "Mitigation Control",
    "Responsibility",
    "Severity Override Guidance",
    "Check Content Reference",
    "Classification",
    "STIG",
    "Status",
    "Comments",
    "Finding Details",
    "Severity Override",
    "Severity Override Justification",
    "CCI",
];

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_has_stig_viewers_columns_and_a_row_per_rule() {
    let tmp = tempdir();
    // A real multi-STIG checklist with one review given awkward text.
    let mut c = load(&data("ckl/saf/vSphere8_report.ckl"));
    let awkward = "line one, with a comma\n\"quoted\" line\r\nlast line ends with a quote\"";
    c.stigs[1].rules[3].review.finding_details = awkward.into();
    c.stigs[1].rules[3].review.comments = "a,b\n\nc".into();
    let ckl = tmp.path().join("in.ckl");
    std::fs::write(&ckl, stigkit::ckl::write_to_string(&c)).unwrap();
    let out = tmp.path().join("out.csv");
    run_ok(&[
        "export",
        ckl.to_str().unwrap(),
        "--format",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    let (header, rows) = read_csv(&out);
    assert_eq!(header, CSV_COLUMNS);
    assert_eq!(rows.len(), c.rule_count());
    assert_eq!(rows.len(), 168);
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let rule = &c.stigs[1].rules[3];
    let row = rows
        .iter()
        .find(|r| r[col("Rule ID")] == rule.rule.rule_id && r[col("Finding Details")] == awkward)
        .expect("the awkward row reads back exactly");
    assert_eq!(row[col("Comments")], "a,b\n\nc");
    assert_eq!(row[col("Status")], rule.review.status.label());
    // Every row's status is the checklist's.
    let statuses: Vec<&str> = c
        .stigs
        .iter()
        .flat_map(|s| &s.rules)
        .map(|r| r.review.status.label())
        .collect();
    let got: Vec<&str> = rows.iter().map(|r| r[col("Status")].as_str()).collect();
    assert_eq!(got, statuses);
}

/// A POA&M CSV has eMASS's template columns (tests/poam.rs pins them
/// against the template itself) and an item per Open or Not_Applicable rule.
#[test]
fn poam_has_an_item_per_open_or_not_applicable_rule() {
    let tmp = tempdir();
    let inputs = [
        data("ckl/saf/small_ckl_overrides.ckl"),
        data("ckl/saf/vSphere8_report.ckl"),
    ];
    let out = tmp.path().join("poam.csv");
    run_ok(&[
        "export",
        inputs[0].to_str().unwrap(),
        inputs[1].to_str().unwrap(),
        "--format",
        "poam",
        "-o",
        out.to_str().unwrap(),
    ]);
    let (header, rows) = read_csv(&out);
    assert_eq!(header, stigkit::export::poam::COLUMNS);
    let items: Vec<_> = inputs
        .iter()
        .map(|p| load(p))
        .flat_map(|c| c.stigs.into_iter().flat_map(|s| s.rules))
        .filter(|r| matches!(r.review.status, Status::Open | Status::NotApplicable))
        .collect();
    let shown: u64 = inputs
        .iter()
        .flat_map(|p| shown_counts(p))
        .map(|(_, c)| c["open"].as_u64().unwrap() + c["not_applicable"].as_u64().unwrap())
        .sum();
    assert_eq!(rows.len() as u64, shown);
    let col = |name: &str| {
        stigkit::export::poam::COLUMNS
            .iter()
            .rposition(|c| *c == name)
            .unwrap()
    };
    let open = items
        .iter()
        .filter(|r| r.review.status == Status::Open)
        .count();
    assert_eq!((open, rows.len() - open), (54, 8));
    for (row, r) in rows.iter().zip(&items) {
        assert!(
            row[col("Control Vulnerability Description")].starts_with(&r.rule.title),
            "{}",
            r.rule.rule_id
        );
        assert!(row[col("Security Checks")].starts_with(&r.rule.rule_id));
        // eMASS's roman form, of DISA's category before any override.
        let raw = match r.rule.severity {
            Severity::High => "I",
            Severity::Medium => "II",
            Severity::Low => "III",
            Severity::Unknown => "",
        };
        assert_eq!(row[col(" Raw Severity")], raw, "{}", r.rule.rule_id);
        let status = match r.review.status {
            Status::Open => "Ongoing",
            _ => "Not Applicable",
        };
        assert_eq!(row[col("Status")], status);
        for blank in [
            "POA&M Item ID",
            "Office/Org",
            "Resources Required",
            "Scheduled Completion Date",
            "Milestone with Completion Dates",
            "Milestone Changes",
            "Mitigations",
        ] {
            assert_eq!(row[col(blank)], "", "{blank}");
        }
    }
    // Three of small_ckl_overrides' items carry a severity override:
    // Raw Severity keeps DISA's category, Severity follows the override,
    // and the comments say so.
    let overridden: Vec<_> = items
        .iter()
        .zip(&rows)
        .filter(|(r, _)| r.review.severity_override.is_some())
        .collect();
    assert_eq!(overridden.len(), 3);
    for (r, row) in overridden {
        assert!(
            row[col("Comments")].contains("Severity overridden from"),
            "{}",
            r.rule.rule_id
        );
    }
}

#[test]
fn bad_input_writes_nothing() {
    let tmp = tempdir();
    // A real checklist cut off half-way.
    let bytes = std::fs::read(data("ckl/smcm/Asset_a-multi-stig.ckl")).unwrap();
    let broken = tmp.path().join("broken.ckl");
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let good = data("cklb/smcm/GoodStatistics.cklb");
    for format in ["xccdf", "csv", "poam"] {
        let out = tmp.path().join(format!("out-{format}"));
        let o = run(&[
            "export",
            good.to_str().unwrap(),
            broken.to_str().unwrap(),
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{format}");
        let err = String::from_utf8_lossy(&o.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains("broken.ckl"),
            "{err}"
        );
        assert!(!out.exists(), "{format}: nothing written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "broken.ckl")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Several STIGs into one file is refused, naming the file.
    let out = tmp.path().join("one.xml");
    let o = run(&[
        "export",
        data("ckl/smcm/Asset_a-multi-stig.ckl").to_str().unwrap(),
        "--format",
        "xccdf",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("one.xml"));
    assert!(!out.exists());
}
