//! Lossless reading and writing: every checklist of the corpus is read,
//! written in the same format and in the other one, and read again.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::model::{Asset, Checklist, ChecklistRule, StigInfo};
use stigkit::source::{self, Format};
use stigkit::{ckl, cklb};

fn all_checklists() -> Vec<PathBuf> {
    files("ckl/heimdall2")
        .into_iter()
        .chain(files("ckl/saf"))
        .chain(files("ckl/smcm"))
        .chain(files("cklb/smcm"))
        .collect()
}

fn name(p: &Path) -> String {
    let rel = p.strip_prefix(corpus()).unwrap_or(p);
    rel.display().to_string()
}

/// How stigkit treats a file the oracle (STIG Manager's parser) rejects.
enum Expect {
    /// Read anyway; the warning that explains what is off.
    Tolerant(&'static str),
    /// Refused with this message.
    Refused(&'static str),
}

/// Every corpus file the oracle rejects, and what stigkit does instead.
/// Genuine STIG Viewer files with an empty host name are the common case:
/// STIG Manager insists on one, STIG Viewer does not.
fn rejected() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        (
            "ckl/heimdall2/converted-nessus.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/heimdall2/converted-rhel8_sample_oneOfEachControlStatus.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/heimdall2/rhel_8_checklist.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/saf/converted-rhel7_overrides.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        ("ckl/saf/red_hat_good.ckl", Tolerant("HOST_NAME is empty")),
        (
            "ckl/saf/small_ckl_overrides.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/saf/three_stig_checklist.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/saf/vSphere8_report.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/smcm/No-Asset-xml-element.ckl",
            Tolerant("no <ASSET> element"),
        ),
        (
            "ckl/smcm/no-Host_Name-xml-element.ckl",
            Tolerant("HOST_NAME is empty"),
        ),
        (
            "ckl/smcm/empty-stigid-SID_DATA-element.ckl",
            Tolerant("has no stigid"),
        ),
        (
            "ckl/smcm/no-SID_DATA-element.ckl",
            Tolerant("has no stigid"),
        ),
        (
            "cklb/smcm/NoTargetHostName.cklb",
            Tolerant("target_data.host_name is empty"),
        ),
        (
            "ckl/smcm/all-possible-results.ckl",
            Refused("line 255, column 11: malformed XML"),
        ),
        (
            "ckl/smcm/no-Stigs-xml-element.ckl",
            Refused("the checklist has no <STIGS> element"),
        ),
        (
            "ckl/smcm/no-checklist-xml-element.ckl",
            Refused(
                "not a STIG Viewer checklist: the root element is <NOTYACHECKLIST>, expected <CHECKLIST>",
            ),
        ),
        (
            "cklb/smcm/NoStigsArray.cklb",
            Refused("not a STIG Viewer 3 checklist: no \"stigs\" array"),
        ),
    ])
}

fn read(p: &Path) -> Result<source::LoadedChecklist, source::Error> {
    source::load_checklist(p)
}

fn rewrite(c: &Checklist, f: Format) -> Checklist {
    let mut warnings = Vec::new();
    match f {
        Format::Ckl => ckl::read(ckl::write_to_string(c).as_bytes(), &mut warnings).unwrap(),
        Format::Cklb => cklb::read(cklb::write_to_string(c).as_bytes(), &mut warnings).unwrap(),
        Format::XccdfResults => unreachable!("stigkit writes no XCCDF"),
    }
}

/// The oracle's verdict on every corpus checklist matches the pinned
/// table, and each rejected file is either read tolerantly (with the pinned
/// warning) or refused with the pinned message.
#[test]
fn oracle_rejections_are_pinned() {
    let files = all_checklists();
    let (_, reports) = oracle(&[], &files);
    let oracle_rejects: Vec<String> = reports
        .iter()
        .filter(|r| r["ok"] != true)
        .map(|r| name(Path::new(r["file"].as_str().unwrap())))
        .collect();
    let table = rejected();
    assert_eq!(
        oracle_rejects,
        table.keys().map(|k| k.to_string()).collect::<Vec<_>>()
    );
    for f in &files {
        let n = name(f);
        match (table.get(n.as_str()), read(f)) {
            (None, Ok(_)) => {}
            (None, Err(e)) => panic!("{n}: the oracle reads it but stigkit does not: {e}"),
            (Some(Expect::Tolerant(w)), Ok(l)) => {
                assert!(
                    l.warnings.iter().any(|x| x.contains(w)),
                    "{n}: warnings {:?} lack '{w}'",
                    l.warnings
                )
            }
            (Some(Expect::Tolerant(_)), Err(e)) => panic!("{n}: pinned as tolerant, but: {e}"),
            (Some(Expect::Refused(m)), Err(e)) => {
                let e = e.to_string();
                assert!(
                    e.starts_with(&f.display().to_string()) && e.contains(m),
                    "{n}: {e}"
                )
            }
            (Some(Expect::Refused(_)), Ok(_)) => panic!("{n}: pinned as refused, but it reads"),
        }
    }
}

/// Read, write in the same format, read again: the whole model is equal,
/// including unknown elements, comments and vendor objects.
#[test]
fn same_format_round_trip_is_lossless() {
    let mut n = 0;
    for f in all_checklists() {
        let Ok(loaded) = read(&f) else { continue };
        let again = rewrite(&loaded.checklist, loaded.format);
        assert_eq!(again, loaded.checklist, "{}", name(&f));
        n += 1;
    }
    assert_eq!(n, 77, "files round-tripped");
}

/// What a CKLB can carry of an asset: it has no MARKING and no deprecated
/// GUID fields, and keeps the target key on each STIG (compared there).
fn asset_in_cklb(a: &Asset) -> Asset {
    Asset {
        marking: String::new(),
        target_key: String::new(),
        extra: Vec::new(),
        ..a.clone()
    }
}

/// What a CKLB can carry of a STIG's metadata.
fn info_in_cklb(i: &StigInfo) -> (String, String, String, String, String, String) {
    (
        i.version.clone(),
        i.stig_id.clone(),
        i.release_info.clone(),
        i.title.clone(),
        i.uuid.clone(),
        i.target_key.clone(),
    )
}

/// Rule and review fields both formats carry.
fn rule_in_both(r: &ChecklistRule, stig: &StigInfo) -> ChecklistRule {
    let mut r = r.clone();
    // A CKLB keeps the DISA target key once per STIG; reading it back fills
    // rules that had left it empty.
    if r.rule.target_key.is_empty() {
        r.rule.target_key = stig.target_key.clone();
    }
    // A CKL keeps only the check reference's name and no group description;
    // a CKLB no vendor elements of a CKL.
    if let Some(c) = r.rule.check_content_ref.as_mut() {
        c.href.clear();
    }
    r.rule.group_description.clear();
    r.record.uuid.clear();
    r.record.created_at.clear();
    r.record.updated_at.clear();
    // Evaluate-STIG's CKL markers are XML comments, which a CKLB cannot
    // carry (nor its CKLB objects a CKL); only the reviews travel.
    r.record.engine = None;
    r.passthrough = Default::default();
    r
}

/// CKL → CKLB → CKL and CKLB → CKL → CKLB keep every asset field the
/// target format has, the STIG identity and every rule and review field.
#[test]
fn cross_format_round_trip_keeps_reviews() {
    let mut n = 0;
    for f in all_checklists() {
        let Ok(loaded) = read(&f) else { continue };
        let mut original = loaded.checklist;
        original.fill_identifiers(uuid::Uuid::new_v4);
        let other = match loaded.format {
            Format::Ckl => Format::Cklb,
            Format::Cklb => Format::Ckl,
            Format::XccdfResults => unreachable!("{}: not a checklist file", name(&f)),
        };
        let back = rewrite(&rewrite(&original, other), loaded.format);
        let label = name(&f);
        assert_eq!(
            asset_in_cklb(&back.asset),
            asset_in_cklb(&original.asset),
            "{label}"
        );
        assert_eq!(back.stigs.len(), original.stigs.len(), "{label}");
        for (b, o) in back.stigs.iter().zip(&original.stigs) {
            assert_eq!(info_in_cklb(&b.info), info_in_cklb(&o.info), "{label}");
            assert_eq!(b.rules.len(), o.rules.len(), "{label}");
            for (br, or) in b.rules.iter().zip(&o.rules) {
                assert_eq!(br.review, or.review, "{label} {}", or.rule.rule_id);
                assert_eq!(
                    rule_in_both(br, &b.info),
                    rule_in_both(or, &o.info),
                    "{label} {}",
                    or.rule.rule_id
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 77, "files converted");
}

/// STIG Manager reads stigkit's rewrite of every file it accepted exactly as
/// it read the original.
#[test]
fn stig_manager_reads_rewrites_the_same() {
    let dir = tempdir();
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for f in all_checklists() {
        if rejected().contains_key(name(&f).as_str()) {
            continue;
        }
        let loaded = read(&f).unwrap();
        // A file read tolerantly (e.g. a VULN without STATUS, which STIG
        // Manager drops and stigkit reads as Not_Reviewed) is written
        // repaired, so STIG Manager's counts legitimately differ.
        // (A rule_id that disagrees with its rule_id_src is only reported.)
        if loaded
            .warnings
            .iter()
            .any(|w| !w.contains("disagrees with rule_id_src"))
        {
            continue;
        }
        let ext = match loaded.format {
            Format::Ckl => "ckl",
            Format::Cklb => "cklb",
            Format::XccdfResults => unreachable!("{}: not a checklist file", name(&f)),
        };
        let out = dir.path().join(format!("{}.{ext}", outputs.len()));
        stigkit::output::write_checklist(&out, &loaded.checklist, false).unwrap();
        inputs.push(f);
        outputs.push(out);
    }
    assert_eq!(inputs.len(), 62, "files compared");
    let (_, before) = oracle(&[], &inputs);
    let (ok, after) = oracle(&[], &outputs);
    assert!(ok, "the oracle rejected a rewrite");
    // Benchmark id, revision, review count, results, how many reviews carry
    // details, comments and Evaluate-STIG result-engine data, and the target.
    for ((b, a), f) in before.iter().zip(&after).zip(&inputs) {
        assert_eq!(a["checklists"], b["checklists"], "{}", name(f));
        assert_eq!(a["target"], b["target"], "{}", name(f));
    }
}

/// Evaluate-STIG's reviews are known as its own: in files with its root
/// marker (CKL comment, CKLB object), every review has the Evaluate-STIG
/// engine and version, except those an answer file set (a person's answer).
/// STIG Manager gives a result engine to both, so its count is the sum.
#[test]
fn evaluate_stig_reviews_carry_its_engine() {
    // file, Evaluate-STIG version (its start, for two fixtures that test
    // 500-character values), reviews by Evaluate-STIG, set by an answer file
    let pinned: &[(&str, &str, usize, usize)] = &[
        (
            "ckl/smcm/CA1294WK16078_COMBINED_20231211-125650-trimmed.ckl",
            "1.2310.1",
            57,
            2,
        ),
        (
            "ckl/smcm/CA1294WK16078_Chrome_V2R8_20231211-125631.ckl",
            "1.2310.1",
            42,
            1,
        ),
        ("ckl/smcm/ResultEngineRootNoVersion.ckl", "", 1, 0),
        (
            "ckl/smcm/ResultEngineWithEvalStigModuleAndOverride.ckl",
            "1.2204.1",
            0,
            1,
        ),
        (
            "ckl/smcm/Root-ES-comment-with-only-version.ckl",
            "1.2310.1",
            2,
            0,
        ),
        ("ckl/smcm/SingleResultEngineModule.ckl", "1.2310.1", 2, 0),
        (
            "ckl/smcm/Target-Object-Long-Properties",
            "1.2204.11.2204.11.",
            0,
            1,
        ),
        ("ckl/smcm/result-engine-data-root.ckl", "1.2204.1", 1, 0),
        (
            "ckl/smcm/resultEngine-In-ISTIG-multi-stig.ckl",
            "1.2310.1",
            2,
            0,
        ),
        (
            "cklb/smcm/CA1294WK16078_COMBINED_20231211-125654.cklb",
            "1.2310.1",
            2,
            0,
        ),
        (
            "cklb/smcm/CA1294WK16078_Chrome_V2R8_20231211-125633Trimmed.cklb",
            "1.2310.1",
            2,
            0,
        ),
        ("cklb/smcm/OnlyRootResultEngine.cklb", "1.2310.1", 1, 0),
        ("cklb/smcm/SingleResultEngineModule.cklb", "1.2310.1", 2, 0),
        ("cklb/smcm/TwoResultEngineModules.cklb", "1.2310.1", 2, 0),
        ("cklb/smcm/Truncate-Tests.cklb", "1.2310.11.2310.11.", 1, 0),
    ];
    let files: Vec<PathBuf> = all_checklists()
        .into_iter()
        .filter(|f| !rejected().contains_key(name(f).as_str()) || read(f).is_ok())
        .collect();
    let (_, reports) = oracle(&[], &files);
    let mut seen = 0;
    for (f, report) in files.iter().zip(&reports) {
        let n = name(f);
        let Ok(loaded) = read(f) else { continue };
        let rules: Vec<_> = loaded
            .checklist
            .stigs
            .iter()
            .flat_map(|s| &s.rules)
            .collect();
        let by_es: Vec<_> = rules
            .iter()
            .filter_map(|r| r.record.engine.as_ref())
            .filter(|e| e.product == "Evaluate-STIG")
            .collect();
        let with_engine: u64 = report["checklists"].as_array().map_or(0, |c| {
            c.iter()
                .map(|c| c["withResultEngine"].as_u64().unwrap())
                .sum()
        });
        match pinned.iter().find(|p| p.0 == n) {
            Some((_, version, es, answered)) => {
                seen += 1;
                assert_eq!(by_es.len(), *es, "{n}");
                assert!(
                    by_es.iter().all(|e| e.version == *version
                        || (version.ends_with('.') && e.version.starts_with(version))),
                    "{n}: {by_es:?}"
                );
                assert_eq!(
                    rules.len() - by_es.len(),
                    *answered,
                    "{n}: the rest are answers"
                );
                assert_eq!((es + answered) as u64, with_engine, "{n}");
            }
            None => {
                assert!(
                    by_es.is_empty(),
                    "{n}: no Evaluate-STIG marker, yet {by_es:?}"
                );
                assert_eq!(with_engine, 0, "{n}");
            }
        }
    }
    assert_eq!(seen, pinned.len());
    let long = read(&data("cklb/smcm/Truncate-Tests.cklb")).unwrap();
    let engine = long.checklist.stigs[0].rules[0]
        .record
        .engine
        .clone()
        .unwrap();
    assert_eq!(engine.version.chars().count(), 499);
}
