//! Reading DISA benchmarks: every file of the corpus, both XCCDF
//! generations, DISA zips, and the inputs that must be refused.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use std::io::Write;
use stigkit::model::Severity;
use stigkit::source;

/// (file, benchmark id, revision, rules, [CAT I, II, III], profiles,
///  first rule: vuln id, rule id, STIG id)
type Pinned = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    [usize; 3],
    usize,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const BENCHMARKS: &[Pinned] = &[
    ("xccdf/U_Container_Platform_SRG_V1R2_Manual-xccdf.xml", "Container_Platform_SRG", "V1R2", 173, [5, 165, 3], 9, "V-233015", "SV-233015r600534_rule", "SRG-APP-000014-CTR-000035"),
    ("xccdf/U_Docker_Enterprise_2-x_Linux-UNIX_STIG_V2R1_Manual-xccdf.xml", "Docker_Enterprise_2-x_Linux-UNIX_STIG", "V2R1", 100, [23, 72, 5], 9, "V-235775", "SV-235775r627452_rule", "DKER-EE-001000"),
    ("xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml", "Kubernetes_STIG", "V1R2", 93, [15, 78, 0], 9, "V-242376", "SV-242376r712484_rule", "CNTR-K8-000150"),
    ("xccdf/U_RHEL_8_STIG_V1R3_Manual-xccdf.xml", "RHEL_8_STIG", "V1R3", 379, [20, 331, 28], 9, "V-230221", "SV-230221r743913_rule", "RHEL-08-010000"),
    ("xccdf/Windows_Server_2022_V2R1_mini-sample-xccdf.xml", "MS_Windows_Server_2022_STIG", "V2R1", 5, [1, 4, 0], 0, "V-254238", "SV-254238r991589_rule", "WN22-00-000010"),
    ("xccdf/rhel-7-v3r8-mini-sample-xxcdf.xml", "RHEL_7_STIG", "V3R8", 4, [1, 3, 0], 0, "V-204392", "SV-204392r646841_rule", "RHEL-07-010010"),
    ("xccdf/smcm_U_RHEL_8_STIG_V1R12_Manual-xccdf-truncated.xml", "RHEL_8_TRUNCATED", "V1R12", 10, [2, 8, 0], 0, "V-230221", "SV-230221r858734_rule", "RHEL-08-010000"),
    ("xccdf/smcm_U_RHEL_9_STIG_V1R1_Manual-xccdf-truncated.xml", "RHEL_9_TRUNCATED", "V1R1", 10, [3, 6, 1], 0, "V-257777", "SV-257777r925318_rule", "RHEL-09-211010"),
    ("xccdf/smcm_U_VPN_SRG_V2R5_Manual-xccdf-truncated.xml", "VPN_TRUNCATED", "V2R5", 10, [2, 7, 1], 0, "V-207184", "SV-207184r695317_rule", "SRG-NET-000019-VPN-000040"),
    ("xccdf/stigaview_container_platform_srg_v2r2.xml", "Container_Platform_SRG", "V2R2", 187, [7, 177, 3], 9, "V-233015", "SV-233015r960759_rule", "SRG-APP-000014-CTR-000035"),
    ("xccdf/stigaview_kubernetes_v2r4.xml", "Kubernetes_STIG", "V2R4", 94, [20, 74, 0], 9, "V-242376", "SV-242376r960759_rule", "CNTR-K8-000150"),
    ("xccdf/stigaview_rhel9_v2r5.xml", "RHEL_9_STIG", "V2R5", 449, [20, 413, 16], 9, "V-257777", "SV-257777r991589_rule", "RHEL-09-211010"),
    ("xccdf/stigaview_rke2_v2r4.xml", "RGS_RKE2_STIG", "V2R4", 24, [7, 17, 0], 9, "V-254553", "SV-254553r1016525_rule", "CNTR-R2-000010"),
    ("xccdf/zips/U_ASD_V5R1_STIG.zip", "Application_Security_Development_STIG", "V5R1", 286, [31, 233, 22], 9, "V-222387", "SV-222387r508029_rule", "APSC-DV-000010"),
    ("mke/U_MKE_V1R1_STIG.zip", "MKE_STIG", "V1R1", 44, [3, 40, 1], 9, "V-260903", "SV-260903r966066_rule", "CNTR-MK-000940"),
    ("mke/U_MKE_STIG_V1R1_reconstructed-xccdf.xml", "MKE_STIG", "V1R1", 44, [3, 40, 1], 9, "V-260903", "SV-260903r966066_rule", "CNTR-MK-000940"),
    // XCCDF 1.2 (prefixed `cdf:`, long ids) inside an SCC results file.
    ("xccdf-results/saf_xccdf-results-scc-rhel8.xml", "RHEL_8_STIG", "V1R2", 248, [15, 214, 19], 10, "V-230221", "SV-230221r743913_rule", "RHEL-08-010000"),
];

/// Every benchmark of the corpus reads with the identity, release and
/// rule counts pinned here, and the pinned table covers the whole corpus.
#[test]
fn every_corpus_benchmark_reads_with_pinned_identity() {
    let mut covered: Vec<_> = BENCHMARKS.iter().map(|b| data(b.0)).collect();
    for (file, id, rev, rules, cats, profiles, vuln, rule_id, stig_id) in BENCHMARKS {
        let b = source::load_benchmark(&data(file), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.id, *id, "{file}");
        assert_eq!(b.revision().unwrap().to_string(), *rev, "{file}");
        assert_eq!(b.rules.len(), *rules, "{file}");
        assert_eq!(
            b.severity_counts(),
            [cats[0], cats[1], cats[2], 0],
            "{file}"
        );
        assert_eq!(b.profiles.len(), *profiles, "{file}");
        let r = &b.rules[0];
        assert_eq!(
            (r.vuln_id.as_str(), r.rule_id.as_str(), r.stig_id.as_str()),
            (*vuln, *rule_id, *stig_id),
            "{file}"
        );
        assert!(
            b.rules.iter().all(|r| !r.title.is_empty()),
            "{file}: a rule without title"
        );
    }
    covered.sort();
    let mut corpus: Vec<_> = files("xccdf")
        .into_iter()
        .chain(files("xccdf/zips"))
        .collect();
    corpus.sort();
    for f in corpus {
        assert!(
            covered.contains(&f),
            "benchmark {} is not pinned in BENCHMARKS",
            f.display()
        );
    }
}

/// The fields of one DISA rule, read from the real RKE2 V2R4 file
/// (2025 generator), including the split of the escaped description.
#[test]
fn rule_fields_of_a_current_disa_benchmark() {
    let b = source::load_benchmark(&data("xccdf/stigaview_rke2_v2r4.xml"), None).unwrap();
    assert_eq!(
        b.title,
        "Rancher Government Solutions RKE2 Security Technical Implementation Guide"
    );
    assert_eq!(b.release_info, "Release: 4 Benchmark Date: 01 Oct 2025");
    assert_eq!(
        (b.notice.as_str(), b.source.as_str()),
        ("terms-of-use", "STIG.DOD.MIL")
    );
    assert_eq!(b.file_name, "stigaview_rke2_v2r4.xml");
    let r = b.rule("V-254553").unwrap();
    assert_eq!(r.severity, Severity::High);
    assert_eq!(r.group_title, "SRG-APP-000014-CTR-000035");
    assert_eq!(r.group_description, "<GroupDescription></GroupDescription>");
    assert_eq!(r.weight, "10.0");
    assert_eq!(r.target_key, "5486");
    assert!(
        r.discussion
            .vuln_discussion
            .starts_with("Use strong TLS settings."),
        "{}",
        r.discussion.vuln_discussion
    );
    assert_eq!(r.discussion.documentable, "false");
    assert!(!r.discussion.vuln_discussion.contains("<FalsePositives>"));
    assert_eq!(
        r.ccis,
        [
            "CCI-000068",
            "CCI-000185",
            "CCI-000382",
            "CCI-000803",
            "CCI-001184",
            "CCI-001453",
            "CCI-002420",
            "CCI-002422",
            "CCI-002450"
        ]
    );
    let cref = r.check_content_ref.as_ref().unwrap();
    assert_eq!(cref.name, "M");
    assert!(!r.check_content.is_empty() && !r.fix_text.is_empty());
}

/// Legacy ids (`http://cyber.mil/legacy`) are kept in order, SV before V.
#[test]
fn legacy_ids_are_read() {
    let b = source::load_benchmark(
        &data("xccdf/U_Docker_Enterprise_2-x_Linux-UNIX_STIG_V2R1_Manual-xccdf.xml"),
        None,
    )
    .unwrap();
    let r = &b.rules[0];
    assert_eq!(r.legacy_ids.len(), 2, "{:?}", r.legacy_ids);
    assert!(
        r.legacy_ids[0].starts_with("SV-") && r.legacy_ids[1].starts_with("V-"),
        "{:?}",
        r.legacy_ids
    );
}

/// Old-style benchmark: UTF-8 BOM, `iase.disa.mil` CCI ident system and no
/// generator line (2019-era files); built from a real file's first rule.
#[test]
fn bom_and_iase_ident_system() {
    let real = std::fs::read_to_string(data("xccdf/rhel-7-v3r8-mini-sample-xxcdf.xml")).unwrap();
    let old = real.replace("http://cyber.mil/cci", "http://iase.disa.mil/cci");
    let dir = tempdir();
    let p = dir.path().join("old.xml");
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(b"\xEF\xBB\xBF").unwrap();
    f.write_all(old.as_bytes()).unwrap();
    drop(f);
    let b = source::load_benchmark(&p, None).unwrap();
    let new =
        source::load_benchmark(&data("xccdf/rhel-7-v3r8-mini-sample-xxcdf.xml"), None).unwrap();
    assert_eq!(b.rules, new.rules);
    assert!(b.rules.iter().all(|r| !r.ccis.is_empty()));
}

/// A DISA zip with PDFs, XSL, a CSV and a nested folder beside the XCCDF.
#[test]
fn disa_zip_records_the_inner_file_name() {
    let b = source::load_benchmark(&data("xccdf/zips/U_ASD_V5R1_STIG.zip"), None).unwrap();
    assert_eq!(b.file_name, "U_ASD_STIG_V5R1_Manual-xccdf.xml");
}

fn zip_with(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
    let tmp = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(tmp.path()).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap();
    tmp
}

/// Several benchmarks in one zip: an error that lists them, and `--xccdf`
/// picks one.
#[test]
fn zip_with_several_benchmarks_needs_a_choice() {
    let k8s = std::fs::read(data("xccdf/stigaview_kubernetes_v2r4.xml")).unwrap();
    let rke = std::fs::read(data("xccdf/stigaview_rke2_v2r4.xml")).unwrap();
    let z = zip_with(&[
        ("K8S/U_Kubernetes_V2R4_Manual-xccdf.xml", &k8s),
        ("RKE2/U_RKE2_V2R4_Manual-xccdf.xml", &rke),
        ("README.pdf", b"%PDF"),
    ]);
    let e = source::load_benchmark(z.path(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("holds 2 benchmarks; choose one with --xccdf NAME"),
        "{e}"
    );
    assert!(
        e.contains("K8S/U_Kubernetes_V2R4_Manual-xccdf.xml")
            && e.contains("RKE2/U_RKE2_V2R4_Manual-xccdf.xml"),
        "{e}"
    );
    let b = source::load_benchmark(z.path(), Some("rke2")).unwrap();
    assert_eq!(b.id, "RGS_RKE2_STIG");
    let e = source::load_benchmark(z.path(), Some("windows"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no benchmark in the archive matches 'windows'"),
        "{e}"
    );
}

/// DISA library bundles are zips of zips; one level is searched.
#[test]
fn nested_zip_is_searched() {
    let inner = std::fs::read(data("mke/U_MKE_V1R1_STIG.zip")).unwrap();
    let z = zip_with(&[("U_SRG-STIG_Library/U_MKE_V1R1_STIG.zip", &inner)]);
    let b = source::load_benchmark(z.path(), None).unwrap();
    assert_eq!((b.id.as_str(), b.rules.len()), ("MKE_STIG", 44));
}

/// An entry that climbs out of the archive's folder refuses the archive.
#[test]
fn zip_slip_is_refused() {
    let xml = std::fs::read(data("xccdf/stigaview_rke2_v2r4.xml")).unwrap();
    let z = zip_with(&[("../../etc/U_Evil_Manual-xccdf.xml", &xml)]);
    let e = source::load_benchmark(z.path(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "zip entry '../../etc/U_Evil_Manual-xccdf.xml' points outside the archive's folder"
        ),
        "{e}"
    );
}

/// A highly compressed entry (a zip bomb) is refused before it is inflated.
#[test]
fn zip_bomb_is_refused() {
    let zeros = vec![b' '; 64 << 20];
    let z = zip_with(&[("U_Bomb_Manual-xccdf.xml", &zeros)]);
    let e = source::load_benchmark(z.path(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("refusing a possible zip bomb"), "{e}");
}

/// The billion-laughs file is refused at its DOCTYPE, with the line.
#[test]
fn billion_laughs_is_refused() {
    let p = data("xccdf-results/stigqter_xccdf_lol.xml");
    let e = source::load_benchmark(&p, None).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: line 2, column 1: DOCTYPE declarations are refused (entity expansion could exhaust memory)",
            p.display()
        )
    );
}

/// A benchmark cut off mid-file names the line where it ends.
#[test]
fn truncated_benchmark_gives_a_positioned_error() {
    let real = std::fs::read(data("xccdf/U_Kubernetes_STIG_V1R2_Manual-xccdf.xml")).unwrap();
    let dir = tempdir();
    let p = dir.path().join("cut.xml");
    std::fs::write(&p, &real[..real.len() / 2]).unwrap();
    let e = source::load_benchmark(&p, None).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}: line ", p.display())), "{e}");
    assert!(
        e.contains("unexpected end of file") || e.contains("malformed XML"),
        "{e}"
    );
}

/// XML that is not a benchmark (a checklist handed to the wrong command).
#[test]
fn non_stig_xml_is_named() {
    let p = data("ckl/smcm/Single-Vuln-Pass-With-Comment.ckl");
    let e = source::load_benchmark(&p, None).unwrap_err().to_string();
    assert!(
        e.ends_with(
            "not an XCCDF benchmark: the root element is <CHECKLIST>, expected <Benchmark>"
        ),
        "{e}"
    );
}
