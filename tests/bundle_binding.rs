//! A checklist names the evidence bundle it was judged from (the sha256 of
//! the bundle's manifest.json, which lists every file's sha256), so a
//! bundle edited consistently afterwards no longer matches it, and an
//! archive records which bundle each checklist came from.

mod common;

use common::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence")
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for f in walk_files(from) {
        let dest = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, dest).unwrap();
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_rule_names_the_bundle() {
    let dir = tempdir();
    let want = hex(&std::fs::read(sample().join("manifest.json")).unwrap());
    let out = dir.path().join("mke.cklb");
    run_ok(&["evaluate", "--evidence", s(&sample()), "-o", s(&out)]);
    oracle_strict(std::slice::from_ref(&out));
    let c = stigkit::source::load_checklist(&out).unwrap().checklist;
    let rules: Vec<_> = c.stigs.iter().flat_map(|s| &s.rules).collect();
    assert_eq!(rules.len(), 44);
    for r in rules {
        assert_eq!(
            stigkit::model::bundles_named(&r.review.finding_details),
            vec![want.clone()],
            "{}",
            r.rule.vuln_id
        );
        assert!(
            r.review
                .finding_details
                .contains(&format!("evidence bundle manifest.json sha256 {want}.")),
            "{}: not in the source line",
            r.rule.vuln_id
        );
    }
}

#[test]
fn a_consistent_edit_fails_the_check_against_the_checklist() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let bundle = dir.path().join("bundle");
    copy_dir(&sample(), &bundle);

    let o = run(&[
        "evaluate",
        "--evidence",
        s(&bundle),
        "--verify-against",
        s(&ckl),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let want = hex(&std::fs::read(bundle.join("manifest.json")).unwrap());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "{} is the evidence {} was judged from: manifest.json sha256 {want}, named by 44 of 44 rules\n",
            bundle.display(),
            ckl.display()
        )
    );

    // Change one evidence file and its sha256 in the manifest together.
    let file = bundle.join("kube/daemonsets.json");
    let old = std::fs::read(&file).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&old).unwrap();
    json["items"] = serde_json::json!([]);
    let new = serde_json::to_vec_pretty(&json).unwrap();
    std::fs::write(&file, &new).unwrap();
    let manifest = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(manifest.contains(&hex(&old)));
    let edited = manifest.replace(&hex(&old), &hex(&new));
    std::fs::write(bundle.join("manifest.json"), &edited).unwrap();

    // The bundle is still self-consistent: evaluate accepts it.
    run_ok(&[
        "evaluate",
        "--evidence",
        s(&bundle),
        "-o",
        s(&dir.path().join("again.ckl")),
    ]);
    // But it is not the bundle the checklist was judged from.
    let o = run(&[
        "evaluate",
        "--evidence",
        s(&bundle),
        "--verify-against",
        s(&ckl),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "{} is NOT the evidence {} was judged from: the checklist names manifest.json sha256 {want} (44 rules); this bundle's is {}\n",
            bundle.display(),
            ckl.display(),
            hex(edited.as_bytes())
        )
    );
}

#[test]
fn a_checklist_from_elsewhere_names_no_bundle() {
    let ckl = data("ckl/saf/three_stig_checklist.ckl");
    let o = run(&[
        "evaluate",
        "--evidence",
        s(&sample()),
        "--verify-against",
        s(&ckl),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("names no evidence bundle (it was not judged by stigkit evaluate or scan)")
    );
    // Verifying writes nothing, so it takes no output.
    let o = run(&[
        "evaluate",
        "--evidence",
        s(&sample()),
        "--verify-against",
        s(&ckl),
        "-o",
        "x.ckl",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_archive_records_which_bundle_each_checklist_came_from() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let want = hex(&std::fs::read(sample().join("manifest.json")).unwrap());
    // The bundle as a folder and as a zip.
    let zipped = dir.path().join("evidence.zip");
    {
        let f = std::fs::File::create(&zipped).unwrap();
        let mut z = zip::ZipWriter::new(f);
        for p in walk_files(&sample()) {
            let name = p
                .strip_prefix(sample())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut z, &std::fs::read(&p).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let archive = dir.path().join("a.zip");
    run_ok(&[
        "archive",
        s(&ckl),
        "--evidence",
        s(&sample()),
        "--evidence",
        s(&zipped),
        "-o",
        s(&archive),
    ]);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&archive).unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_reader(z.by_name("manifest.json").unwrap()).unwrap();
    assert_eq!(
        manifest["checklists"][0]["judged_from"],
        serde_json::json!([want])
    );
    assert_eq!(manifest["evidence"][0]["manifest_sha256"], want.as_str());
    assert_eq!(manifest["evidence"][1]["manifest_sha256"], want.as_str());
    run_ok(&["archive", "verify", s(&archive)]);
}
