//! STIG Viewer 2.17's exact CKL layout, checked against the genuine 2.17
//! files of the corpus.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use stigkit::model::{Asset, Checklist};
use stigkit::{catalog, ckl, source};

const GENUINE: [&str; 5] = [
    "ckl/saf/small_ckl_overrides.ckl",
    "ckl/saf/three_stig_checklist.ckl",
    "ckl/saf/ckl_with_invalid_metadata.ckl",
    "ckl/heimdall2/rhel_8_checklist.ckl",
    "ckl/heimdall2/multiple_ip_addresses_metadata.ckl",
];

/// Reading a genuine STIG Viewer 2.17 file and writing it again gives the
/// same bytes: header comment, tabs, element order, empty-value handling,
/// escaping and the missing final newline all match.
#[test]
fn genuine_files_are_reproduced_byte_for_byte() {
    for f in GENUINE {
        let p = data(f);
        let original = std::fs::read_to_string(&p).unwrap();
        assert!(
            original.starts_with(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--DISA STIG Viewer :: 2.17-->\n"
            ),
            "{f}"
        );
        let loaded = source::load_checklist(&p).unwrap();
        let written = ckl::write_to_string(&loaded.checklist);
        assert!(
            written == original,
            "{f}: rewrite differs (first difference at byte {})",
            first_difference(&written, &original)
        );
    }
}

fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// The markup of a checklist with text removed: one entry per line that
/// starts a tag, as (indent, tag), with attribute names kept.
fn skeleton(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let tabs = line.len() - line.trim_start_matches('\t').len();
        let rest = &line[tabs..];
        if !rest.starts_with('<') {
            continue;
        }
        let tag = match rest.find('>') {
            Some(_) if rest.starts_with("<VULN_ATTRIBUTE>") => {
                rest[..rest.find("</").unwrap_or(rest.len())].to_string()
            }
            Some(i) => rest[..=i].to_string(),
            None => rest.to_string(),
        };
        out.push((tabs, tag));
    }
    out
}

/// The first VULN of a skeleton, and everything before it.
fn head_and_first_vuln(s: &[(usize, String)]) -> Vec<(usize, String)> {
    let end = s.iter().position(|t| t.1 == "</VULN>").expect("a VULN");
    s[..=end].to_vec()
}

/// VULN_ATTRIBUTE names of each VULN, in order.
fn vuln_attributes(text: &str) -> Vec<Vec<String>> {
    text.split("<VULN>")
        .skip(1)
        .map(|v| {
            v.split("<VULN_ATTRIBUTE>")
                .skip(1)
                .map(|a| a[..a.find('<').unwrap()].to_string())
                .collect()
        })
        .collect()
}

fn collapsed(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = v.to_vec();
    out.dedup();
    out
}

/// Names of the child elements of the first `<parent>`.
fn element_names(text: &str, parent: &str) -> Vec<String> {
    let start = text.find(&format!("<{parent}>")).unwrap() + parent.len() + 2;
    let end = text.find(&format!("</{parent}>")).unwrap();
    text[start..end]
        .split('<')
        .filter(|t| t.contains('>') && !t.starts_with('/'))
        .map(|t| t[..t.find('>').unwrap()].to_string())
        .collect()
}

/// A blank checklist from a benchmark has exactly the ASSET order, SI_DATA
/// order and STIG_DATA attribute sequence of genuine 2.17 files.
#[test]
fn generated_checklist_has_the_genuine_layout() {
    let b = source::load_benchmark(&data("xccdf/stigaview_rhel9_v2r5.xml"), None).unwrap();
    let asset = Asset {
        host_name: "h".into(),
        marking: "CUI".into(),
        ..Asset::default()
    };
    let c = Checklist::blank(
        asset,
        &[&b],
        &[uuid::Uuid::new_v4()],
        "2026-01-01T00:00:00.000Z",
    );
    let generated = ckl::write_to_string(&c);
    let genuine = std::fs::read_to_string(data("ckl/saf/small_ckl_overrides.ckl")).unwrap();
    assert_eq!(
        head_and_first_vuln(&skeleton(&generated)),
        head_and_first_vuln(&skeleton(&genuine))
    );
    // Every VULN has the genuine attribute sequence (runs of LEGACY_ID and
    // CCI_REF, whose length depends on the rule, collapsed).
    let want = collapsed(&vuln_attributes(&genuine)[0]);
    let vulns = vuln_attributes(&generated);
    assert_eq!(vulns.len(), 449);
    for v in &vulns {
        assert_eq!(collapsed(v), want);
        assert!(v.iter().filter(|a| *a == "LEGACY_ID").count() >= 2);
    }
    assert_eq!(
        element_names(&generated, "ASSET"),
        element_names(&genuine, "ASSET")
    );
    let sid_names = |t: &str| -> Vec<String> {
        t.split("<SID_NAME>")
            .skip(1)
            .take(11)
            .map(|s| s[..s.find('<').unwrap()].to_string())
            .collect()
    };
    assert_eq!(sid_names(&generated), sid_names(&genuine));
    assert_eq!(
        sid_names(&generated),
        [
            "version",
            "classification",
            "customname",
            "stigid",
            "description",
            "filename",
            "releaseinfo",
            "title",
            "uuid",
            "notice",
            "source"
        ]
    );
    assert!(generated.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--DISA STIG Viewer :: 2.17-->\n<CHECKLIST>\n\t<ASSET>\n\t\t<ROLE>None</ROLE>\n"));
    assert!(generated.ends_with("\t\t</iSTIG>\n\t</STIGS>\n</CHECKLIST>"));
    assert!(
        !generated.contains("/>"),
        "STIG Viewer never writes self-closing elements"
    );
}

/// Several STIGs in one checklist, each its own iSTIG with its own uuid.
#[test]
fn several_stigs_become_several_istigs() {
    let mke = catalog::mke();
    let k8s = source::load_benchmark(&data("xccdf/stigaview_kubernetes_v2r4.xml"), None).unwrap();
    let c = Checklist::blank(
        Asset {
            host_name: "mke-1".into(),
            ..Asset::default()
        },
        &[&mke, &k8s],
        &[uuid::Uuid::new_v4(), uuid::Uuid::new_v4()],
        "2026-01-01T00:00:00.000Z",
    );
    let text = ckl::write_to_string(&c);
    assert_eq!(text.matches("<iSTIG>").count(), 2);
    assert_eq!(text.matches("<VULN>").count(), 44 + 94);
    let back = ckl::read(text.as_bytes(), &mut Vec::new()).unwrap();
    assert_eq!(back.stigs[0].info.stig_id, "MKE_STIG");
    assert_eq!(back.stigs[1].info.stig_id, "Kubernetes_STIG");
    assert_ne!(back.stigs[0].info.uuid, back.stigs[1].info.uuid);
    assert!(
        back.stigs[1]
            .rules
            .iter()
            .all(|r| r.record.stig_uuid == back.stigs[1].info.uuid)
    );
}

/// Evaluate-STIG's result-engine comments stay where they were: before
/// CHECKLIST, at the top of the iSTIG and at the end of the VULN.
#[test]
fn evaluate_stig_comments_are_written_back_in_place() {
    let p = data("ckl/smcm/ResultEngineWithEvalStigModuleAndOverride.ckl");
    let text = ckl::write_to_string(&source::load_checklist(&p).unwrap().checklist);
    let root = "<!--<Evaluate-STIG><global><version>1.2204.1</version>";
    let vuln = "\t\t\t\t<!--<Evaluate-STIG><AnswerFile>MS_Windows_10_STIG_Answer_file.xml</AnswerFile><afmod>True</afmod></Evaluate-STIG>-->\n\t\t\t</VULN>";
    assert!(
        text.lines().nth(2).unwrap().starts_with(root),
        "{}",
        &text[..300]
    );
    assert!(text.contains(vuln));
    let p = data("ckl/smcm/resultEngine-In-ISTIG-multi-stig.ckl");
    let text = ckl::write_to_string(&source::load_checklist(&p).unwrap().checklist);
    assert!(text.contains("\t\t<iSTIG>\n\t\t\t<!--<Evaluate-STIG><time>2026-12-11T12:56:14.3576272-05:00</time><module><name>Test1</name><version>1.2.3.4</version></module></Evaluate-STIG>-->\n\t\t\t<STIG_INFO>"));
}
