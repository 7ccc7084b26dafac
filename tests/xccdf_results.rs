//! XCCDF results: every file of `xccdf-results/` in the corpus read (or
//! refused) as pinned, compared with STIG Manager's reading of the same
//! file, and converted to CKL and CKLB that the oracle accepts.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use std::path::{Path, PathBuf};
use stigkit::model::{Checklist, ChecklistRule, Engine, Severity, Status};
use stigkit::source::{self, Format};

/// Status counts in the order Open, NotAFinding, Not_Applicable, Not_Reviewed.
type Counts = [u64; 4];

/// What one readable file gives.
struct Pin {
    file: &'static str,
    host: &'static str,
    stig_id: &'static str,
    revision: &'static str,
    rules: usize,
    counts: Counts,
    /// How many reviews each engine decided (`None`: a person).
    engines: &'static [(Option<(&'static str, &'static str)>, usize)],
}

const SCC: Option<(&str, &str)> = Some(("SCC", "5.4.2"));
const SCC_58: Option<(&str, &str)> = Some(("SCC", "5.8"));
const ES: Option<(&str, &str)> = Some(("Evaluate-STIG", "1.2310.1"));

/// Every readable file of the corpus folder.
const PINS: &[Pin] = &[
    Pin {
        file: "saf_xccdf-results-scc-rhel8.xml",
        host: "LOCALHOST.LOCALDOMAIN",
        stig_id: "RHEL_8_STIG",
        revision: "V1R2",
        rules: 248,
        counts: [175, 73, 0, 0],
        engines: &[(SCC, 248)],
    },
    Pin {
        file: "smcm_Asset_b-RHEL_8_TRUNCATED-V1R12-xccdf.xml",
        host: "Asset_bbbbbbbbb",
        stig_id: "RHEL_8_TRUNCATED",
        revision: "V1R12",
        rules: 10,
        // notchecked ×5 and informational ×1 are Not_Reviewed.
        counts: [2, 1, 1, 6],
        engines: &[(None, 10)],
    },
    Pin {
        file: "smcm_ReviewOverrides-xccdf.xml",
        host: "MyAsset",
        stig_id: "xccdf_mil.disa.test",
        revision: "V1R1",
        rules: 1,
        counts: [0, 1, 0, 0],
        engines: &[(None, 1)],
    },
    Pin {
        file: "smcm_TargetObjectBasic-xccdf.xml",
        host: "MyAsset",
        stig_id: "xccdf_mil.disa.test",
        revision: "V1R1",
        rules: 1,
        counts: [0, 1, 0, 0],
        engines: &[(None, 1)],
    },
    Pin {
        file: "smcm_all-possible-results-xccdf.xml",
        host: "MyAsset",
        stig_id: "xccdf_mil.disa.test",
        revision: "V2R5",
        rules: 1,
        counts: [1, 0, 0, 0],
        engines: &[(None, 1)],
    },
    Pin {
        file: "smcm_eval-stig-w-sm-resultEngine.xml",
        host: "CA1294WK16078-trimmed-no-detail",
        stig_id: "Google_Chrome_Current_Windows",
        revision: "V2R9",
        rules: 5,
        counts: [1, 4, 0, 0],
        // SV-221558 was set by an answer file: a person's answer.
        engines: &[(ES, 4), (None, 1)],
    },
    Pin {
        file: "smcm_scc_scan-xccdf.xml",
        host: "WORK-UBUNTU",
        stig_id: "MOZ_Firefox_Linux",
        revision: "V6.3.3R6.3",
        rules: 34,
        counts: [30, 1, 1, 2],
        engines: &[(SCC_58, 34)],
    },
];

/// Files refused, with the message (after the file name).
const REFUSED: &[(&str, &str)] = &[(
    "stigqter_xccdf_lol.xml",
    "line 2, column 1: DOCTYPE declarations are refused",
)];

/// Where stigkit's counts differ from STIG Manager's reading of the file:
/// the oracle's counts, and why.
const DEVIATIONS: &[(&str, Counts, &str)] = &[(
    "smcm_all-possible-results-xccdf.xml",
    [1, 1, 1, 5],
    "eight results for the one rule SV-2: STIG Manager imports eight reviews \
     (fixed among the notchecked); stigkit one review, Open as one result failed",
)];

fn results_file(name: &str) -> PathBuf {
    data(&format!("xccdf-results/{name}"))
}

fn load(p: &Path) -> source::LoadedChecklist {
    source::load_checklist(p).unwrap_or_else(|e| panic!("{e}"))
}

fn counts(c: &Checklist) -> Counts {
    let mut n = [0; 4];
    for r in c.stigs.iter().flat_map(|s| &s.rules) {
        let i = Status::ALL
            .iter()
            .position(|s| *s == r.review.status)
            .unwrap();
        n[i] += 1;
    }
    n
}

/// The oracle's `results` of a report, as checklist statuses.
fn oracle_counts(report: &serde_json::Value) -> Counts {
    let mut n = [0; 4];
    for c in report["checklists"].as_array().expect("checklists") {
        for (word, v) in c["results"].as_object().unwrap() {
            let i = match word.as_str() {
                "fail" => 0,
                "pass" => 1,
                "notapplicable" => 2,
                "notchecked" => 3,
                other => panic!("the oracle counted '{other}'"),
            };
            n[i] += v.as_u64().unwrap();
        }
    }
    n
}

fn rule<'a>(c: &'a Checklist, rule_id: &str) -> &'a ChecklistRule {
    c.stigs
        .iter()
        .flat_map(|s| &s.rules)
        .find(|r| r.rule.rule_id == rule_id)
        .unwrap_or_else(|| panic!("no rule {rule_id}"))
}

/// Every file of the folder is pinned: read with its counts, host, STIG,
/// revision, rule count and engines, or refused with its message.
#[test]
fn every_results_file_reads_or_is_refused_as_pinned() {
    let names: Vec<String> = files("xccdf-results")
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut pinned: Vec<&str> = PINS
        .iter()
        .map(|p| p.file)
        .chain(REFUSED.iter().map(|r| r.0))
        .collect();
    pinned.sort();
    assert_eq!(names, pinned, "every corpus file is pinned");
    for pin in PINS {
        let loaded = load(&results_file(pin.file));
        assert_eq!(loaded.format, Format::XccdfResults, "{}", pin.file);
        let c = &loaded.checklist;
        assert_eq!(c.asset.host_name, pin.host, "{}", pin.file);
        assert_eq!(c.stigs.len(), 1, "{}", pin.file);
        let stig = &c.stigs[0];
        assert_eq!(stig.info.stig_id, pin.stig_id, "{}", pin.file);
        assert_eq!(
            stig.revision().map(|r| r.to_string()).as_deref(),
            Some(pin.revision),
            "{}",
            pin.file
        );
        assert_eq!(c.rule_count(), pin.rules, "{}", pin.file);
        assert_eq!(counts(c), pin.counts, "{}", pin.file);
        for (engine, n) in pin.engines {
            let want = engine.map(|(p, v)| Engine {
                product: p.into(),
                version: v.into(),
            });
            let got = stig
                .rules
                .iter()
                .filter(|r| r.record.engine == want)
                .count();
            assert_eq!(got, *n, "{}: {want:?}", pin.file);
        }
    }
    for (file, message) in REFUSED {
        let p = results_file(file);
        let e = source::load_checklist(&p)
            .err()
            .expect("refused")
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}: {message} (entity expansion could exhaust memory)",
                p.display()
            )
        );
    }
}

/// Our counts and host name equal STIG Manager's reading of each input
/// (the oracle in strict mode), except the pinned deviation; the oracle
/// refuses what stigkit refuses.
#[test]
fn counts_match_stig_managers_reading() {
    let inputs: Vec<PathBuf> = files("xccdf-results");
    let (_, reports) = oracle(&["--strict"], &inputs);
    for (p, report) in inputs.iter().zip(&reports) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(loaded) = source::load_checklist(p) else {
            assert_eq!(
                report["ok"], false,
                "{name}: stigkit refuses it, the oracle reads it"
            );
            continue;
        };
        assert_eq!(report["ok"], true, "{name}: {}", report["error"]);
        let c = &loaded.checklist;
        assert_eq!(report["target"]["name"], c.asset.host_name, "{name}");
        assert_eq!(
            report["checklists"][0]["benchmarkId"], c.stigs[0].info.stig_id,
            "{name}"
        );
        let theirs = oracle_counts(report);
        match DEVIATIONS.iter().find(|d| d.0 == name) {
            Some((_, oracle_said, why)) => {
                assert_eq!(theirs, *oracle_said, "{name}");
                assert_ne!(counts(c), theirs, "{name}: pinned as a deviation ({why})");
            }
            None => assert_eq!(counts(c), theirs, "{name}"),
        }
    }
}

/// `convert` of every readable file gives a CKL and a CKLB that pass the
/// oracle's strictest mode with the same counts, host and rules, and that
/// `show` counts the same as the results file.
#[test]
fn converted_results_pass_the_oracle_with_the_same_counts() {
    let dir = tempdir();
    let mut outputs = Vec::new();
    for pin in PINS {
        let input = results_file(pin.file);
        for ext in ["ckl", "cklb"] {
            let out = dir.path().join(format!("{}.{ext}", pin.file));
            run_ok(&[
                "convert",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ]);
            outputs.push((pin, out));
        }
    }
    let files: Vec<PathBuf> = outputs.iter().map(|(_, p)| p.clone()).collect();
    let reports = oracle_strict(&files);
    for ((pin, out), report) in outputs.iter().zip(&reports) {
        assert_eq!(oracle_counts(report), pin.counts, "{}", out.display());
        assert_eq!(
            report["totals"]["reviews"],
            pin.rules as u64,
            "{}",
            out.display()
        );
        assert_eq!(report["target"]["name"], pin.host, "{}", out.display());
        assert_eq!(
            report["checklists"][0]["benchmarkId"],
            pin.stig_id,
            "{}",
            out.display()
        );
        let back = load(out).checklist;
        assert_eq!(counts(&back), pin.counts, "{}", out.display());
    }
    let show = |p: &Path| -> serde_json::Value {
        let o = run_ok(&["show", "--json", p.to_str().unwrap()]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["checklists"][0]["stigs"]
            .clone()
    };
    for (pin, out) in &outputs {
        assert_eq!(
            show(out),
            show(&results_file(pin.file)),
            "{}",
            out.display()
        );
    }
}

/// The `sm:detail` and `sm:comment` of every rule-result of STIG Manager's
/// files, taken from the file text, are in the review verbatim, and still
/// there after conversion to CKL and CKLB.
#[test]
fn stig_manager_details_and_comments_are_kept_verbatim() {
    let dir = tempdir();
    let mut checked = 0;
    for pin in PINS.iter().filter(|p| p.file.starts_with("smcm_")) {
        let input = results_file(pin.file);
        let text = std::fs::read_to_string(&input).unwrap();
        let loaded = load(&input).checklist;
        let mut versions = vec![loaded.clone()];
        for ext in ["ckl", "cklb"] {
            let out = dir.path().join(format!("{}.{ext}", pin.file));
            stigkit::output::write_checklist(&out, &loaded, false).unwrap();
            versions.push(load(&out).checklist);
        }
        for block in text.split("<rule-result").skip(1) {
            let idref = between(block, "idref=\"", "\"").unwrap();
            let rule_id = idref.trim_start_matches("xccdf_mil.disa.stig_rule_");
            for c in &versions {
                let r = rule(c, rule_id);
                for (tag, field) in [
                    ("sm:detail", &r.review.finding_details),
                    ("sm:comment", &r.review.comments),
                ] {
                    if let Some(want) = between(block, &format!("<{tag}>"), &format!("</{tag}>")) {
                        assert!(
                            field.contains(want.trim()),
                            "{}: {rule_id}: {tag} '{want}' not in '{field}'",
                            pin.file
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    // 6 details and 1 comment (Asset_b), 8 of each (all-possible), 1
    // comment (ReviewOverrides): 24, in the model, the CKL and the CKLB.
    assert_eq!(checked, 24 * 3);
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// What each producer puts in a review, pinned from the files: result
/// words kept where the status hides them, overrides, Evaluate-STIG's
/// answer-file remark moved from the details to the comments, scanner
/// messages, and rules built from rule-results.
#[test]
fn reviews_keep_what_each_producer_wrote() {
    let c = load(&results_file(
        "smcm_Asset_b-RHEL_8_TRUNCATED-V1R12-xccdf.xml",
    ))
    .checklist;
    let r = rule(&c, "SV-230225r858694_rule");
    assert_eq!(r.review.status, Status::NotReviewed);
    assert_eq!(
        r.review.finding_details,
        "xxxxxxxxxxxxxxxxxxxxxxx\n\nXCCDF result: informational"
    );
    let r = rule(&c, "SV-230224r917864_rule");
    assert_eq!(r.review.status, Status::Open);
    assert_eq!(r.review.finding_details, "yyyyyyyyyyyyyyyyyyyyyy");
    assert_eq!(r.review.comments, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
    // A result-less rule says only what the file says.
    assert_eq!(
        rule(&c, "SV-230227r627750_rule").review.finding_details,
        "XCCDF result: notchecked"
    );

    let c = load(&results_file("smcm_ReviewOverrides-xccdf.xml")).checklist;
    let r = rule(&c, "SV-2");
    // The result element is final; the override is recorded beside it.
    assert_eq!(r.review.status, Status::NotAFinding);
    assert_eq!(
        r.review.comments,
        "xyz\n\nResult changed from pass to fail by Authority1.\nSome remark"
    );

    let c = load(&results_file("smcm_all-possible-results-xccdf.xml")).checklist;
    let d = &rule(&c, "SV-2").review.finding_details;
    for (i, word) in [
        "notchecked",
        "notapplicable",
        "fail",
        "pass",
        "unknown",
        "error",
        "notselected",
        "fixed",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            d.contains(&format!("XCCDF result {} of 8: {word}\nxyz", i + 1)),
            "{d}"
        );
    }

    let c = load(&results_file("smcm_eval-stig-w-sm-resultEngine.xml")).checklist;
    let r = rule(&c, "SV-221558r879534_rule");
    assert_eq!(
        (r.rule.vuln_id.as_str(), r.rule.stig_id.as_str()),
        ("V-221558", "DTBC-0001")
    );
    assert_eq!(r.rule.severity, Severity::Medium);
    assert_eq!(r.rule.ccis, ["CCI-001414"]);
    assert_eq!(r.rule.legacy_ids, ["SV-57545", "V-44711"]);
    assert!(
        r.review
            .finding_details
            .starts_with("Evaluate-STIG 1.2407.1 (Scan-GoogleChrome_Checks) found this to be NOT A FINDING on 09/11/2024:"),
        "{}",
        r.review.finding_details
    );
    assert!(!r.review.finding_details.contains("[ValidTrueComment]"));
    assert!(
        r.review.comments.starts_with(
            "Evaluate-STIG Answer File        [ValidTrueComment]:\n        1 Google Chrome"
        ),
        "{}",
        r.review.comments
    );
    assert!(r.review.comments.ends_with(
        "\n\nResult changed from unknown to pass by Google_Chrome_Current_Windows_AnswerFile.xml."
    ));
    assert_eq!(
        r.record.engine, None,
        "an answer file's review is a person's"
    );
    let r = rule(&c, "SV-221563r879630_rule");
    assert_eq!(r.review.status, Status::Open);
    assert_eq!(r.review.finding_details, "", "its message is empty");

    let c = load(&results_file("smcm_scc_scan-xccdf.xml")).checklist;
    let r = rule(&c, "SV-251545r879827_rule");
    assert_eq!(
        r.rule.title,
        "The installed version of Firefox must be supported."
    );
    assert!(
        r.review
            .finding_details
            .starts_with("---\n\nTitle                       : CAT I, V-251545")
    );
    assert!(
        r.review
            .finding_details
            .ends_with("Result                      : FAIL")
    );
    assert_eq!(r.record.updated_at, "2023-12-06T12:54:10");
}

/// The asset: host from `target`, addresses, MACs and FQDN from the
/// TestResult, and every non-empty target fact of every file either in an
/// asset field or, as `name: value`, in the target comment.
#[test]
fn the_asset_keeps_every_target_fact() {
    let c = load(&results_file("smcm_scc_scan-xccdf.xml")).checklist;
    let a = &c.asset;
    assert_eq!(
        a.host_ip,
        "127.0.0.1, ::1/128, 192.168.0.183, fe80::2a6e:7350:8774:e140/64, 172.18.0.1"
    );
    assert_eq!(
        a.host_mac,
        "30:85:a9:9c:7f:7c, 00:00:00:00:00:00, 02:42:00:3f:97:52"
    );
    assert_eq!(a.host_fqdn, "WORK-UBUNTU..");
    assert!(a.target_comment.contains(
        "from cpe:/a:niwc:scc:5.8, 2023-12-06T12:54:10 to 2023-12-06T13:02:02; profile MAC-1_Classified; identity root (authenticated, privileged); organization NIWC Atlantic"
    ));
    assert!(
        a.target_comment
            .contains("\nurn:scap:fact:asset:identifier:os_name: Ubuntu\n")
    );

    let c = load(&results_file("smcm_TargetObjectBasic-xccdf.xml")).checklist;
    let a = &c.asset;
    assert_eq!(
        (
            a.host_ip.as_str(),
            a.host_mac.as_str(),
            a.host_fqdn.as_str()
        ),
        ("1.1.1.1", "fe80::8c33:57ff:fe94:2b33", "MyAsset.domain.com")
    );
    assert_eq!(a.asset_type, "Computing");
    assert!(
        a.target_comment.starts_with("Description\n"),
        "{}",
        a.target_comment
    );

    let c = load(&results_file("smcm_eval-stig-w-sm-resultEngine.xml")).checklist;
    let a = &c.asset;
    assert_eq!(a.role, "Workstation");
    assert_eq!(a.host_ip, "130.163.104.41, 192.168.1.231");
    assert_eq!(a.host_mac, "1C:1B:17:1D:15:1B");
    assert!(!a.web_or_database);
    // Its host name fact is not the target STIG Manager imports; kept.
    assert!(
        a.target_comment
            .contains("\nfact:asset:identifier:hostname: host-123456")
    );

    let mut facts = 0;
    for pin in PINS {
        let text = std::fs::read_to_string(results_file(pin.file)).unwrap();
        let a = load(&results_file(pin.file)).checklist.asset;
        // `<fact …>value` (any prefix, any attribute order), cut at each `<`.
        for tag in text
            .split('<')
            .filter(|t| t.split(' ').next().unwrap().ends_with("fact"))
        {
            let name = between(tag, "name=\"", "\"").unwrap();
            let value = tag[tag.find('>').unwrap() + 1..].trim();
            if value.is_empty() {
                continue;
            }
            let in_field = [&a.host_name, &a.host_ip, &a.host_mac, &a.host_fqdn, &a.role]
                .iter()
                .any(|f| f.split(", ").any(|p| p == value))
                || (name.ends_with(":webordatabase") && value == "false" && !a.web_or_database)
                || (name.ends_with(":noncomputing")
                    && value == "false"
                    && a.asset_type == "Computing")
                || (name.ends_with(":description") && a.target_comment.starts_with(value));
            assert!(
                in_field || a.target_comment.contains(&format!("{name}: {value}")),
                "{}: fact {name} = {value} lost",
                pin.file
            );
            facts += 1;
        }
    }
    // SCC 18 and 24, STIG Manager 1 and 6, Evaluate-STIG 6.
    assert_eq!(facts, 18 + 24 + 1 + 6 + 6, "facts checked");
}

/// STIGQter's layout (XCCDF 1.1, `cdf:` prefix, short rule ids, no rule
/// definitions, no target), read from its corpus file with the DOCTYPE cut
/// out at run time: three rules built from their results, nobody's engine,
/// and warnings for what a checklist lacks.
#[test]
fn stigqter_layout_reads_without_its_doctype() {
    let text = std::fs::read_to_string(results_file("stigqter_xccdf_lol.xml")).unwrap();
    let start = text.find("<!DOCTYPE").unwrap();
    let end = text.find("]>").unwrap() + 2;
    let dir = tempdir();
    let input = dir.path().join("stigqter.xml");
    std::fs::write(&input, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let loaded = load(&input);
    assert_eq!(
        loaded.warnings,
        [
            "the results give no release info for Windows_10_STIG: STIG Manager cannot tell the revision of the checklist",
            "the TestResult names no target: STIG Manager and eMASS need a host name",
        ]
    );
    let c = loaded.checklist;
    assert_eq!(counts(&c), [1, 1, 1, 0]);
    let ids: Vec<(&str, &str)> = c.stigs[0]
        .rules
        .iter()
        .map(|r| (r.rule.vuln_id.as_str(), r.rule.rule_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("V-92835", "SV-92835r1_rule"),
            ("V-92851", "SV-92851r1_rule"),
            ("V-92853", "SV-92853r1_rule")
        ]
    );
    assert!(c.stigs[0].rules.iter().all(|r| r.record.engine.is_none()));
    assert_eq!(
        c.asset.target_comment,
        "XCCDF results; profile MAC-2_Sensitive"
    );
}

/// A TestResult on its own (the root element, as XCCDF allows), cut at run
/// time from SCC's file: rules are built from the rule-results alone, and
/// the oracle agrees on the counts. With no Benchmark there is no release
/// info, which a checklist needs: the reader says so.
#[test]
fn a_standalone_test_result_reads() {
    let text = std::fs::read_to_string(results_file("smcm_scc_scan-xccdf.xml")).unwrap();
    let start = text.find("<cdf:TestResult").unwrap();
    let end = text.find("</cdf:TestResult>").unwrap() + "</cdf:TestResult>".len();
    let alone = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        text[start..end].replacen(
            "<cdf:TestResult",
            "<cdf:TestResult xmlns:cdf=\"http://checklists.nist.gov/xccdf/1.2\"",
            1
        )
    );
    let dir = tempdir();
    let input = dir.path().join("testresult.xml");
    std::fs::write(&input, alone).unwrap();
    let loaded = load(&input);
    assert_eq!(
        loaded.warnings,
        [
            "the results give no release info for MOZ_Firefox_Linux: STIG Manager cannot tell the revision of the checklist",
            "a checklist has no field for TestResult platform, rule-result/fix, target-id-ref; they are not kept",
        ]
    );
    let c = loaded.checklist;
    assert_eq!(c.stigs[0].info.stig_id, "MOZ_Firefox_Linux");
    assert_eq!(c.stigs[0].info.version, "6.3.3");
    assert_eq!(c.asset.host_name, "WORK-UBUNTU");
    assert_eq!(counts(&c), [30, 1, 1, 2]);
    let r = rule(&c, "SV-251545r879827_rule");
    assert_eq!(
        (
            r.rule.vuln_id.as_str(),
            r.rule.stig_id.as_str(),
            r.rule.severity
        ),
        ("V-251545", "FFOX-00-000001", Severity::High)
    );
    assert_eq!(r.rule.ccis, ["CCI-002605"]);
    assert_eq!(r.rule.weight, "10.0");
    assert_eq!(r.record.engine.as_ref().unwrap().product, "SCC");
    let (ok, reports) = oracle(&["--strict"], std::slice::from_ref(&input));
    assert!(ok, "{}", reports[0]["error"]);
    assert_eq!(oracle_counts(&reports[0]), counts(&c));
}
