//! `stigkit archive` and `stigkit archive verify`: a fresh archive verifies,
//! and any changed byte, removed member or added member is caught and named.

mod common;

use common::{data, run, run_ok, tempdir, walk_files};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use stigkit::archive::{self, Problem};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn samples_evidence() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence")
}

/// An archive of two real checklists (CKL from STIG Viewer 2.17, CKLB from
/// STIG Manager) and the sample evidence bundle.
fn make_archive(dir: &Path) -> (PathBuf, String) {
    let out = dir.join("submitted.zip");
    let o = run_ok(&[
        "archive",
        data("ckl/saf/small_ckl_overrides.ckl").to_str().unwrap(),
        data("cklb/smcm/Asset_a-multi-stig.cklb").to_str().unwrap(),
        "--evidence",
        samples_evidence().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    let seal = text
        .lines()
        .find_map(|l| l.strip_prefix("seal: "))
        .expect("seal line")
        .to_string();
    (out, seal)
}

/// Rewrites the zip at `path`, letting `edit` change, drop (None) or keep
/// each member, then appending `extra` members. The comment (seal) is kept.
fn rewrite(
    path: &Path,
    mut edit: impl FnMut(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: &[(&str, &[u8])],
) -> PathBuf {
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let out = path.with_file_name("edited.zip");
    let mut zout = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
    // Stored: rewriting a hundred archives stays quick in debug builds.
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if let Some(data) = edit(&name, data) {
            zout.start_file(name.as_str(), opts).unwrap();
            zout.write_all(&data).unwrap();
        }
    }
    for (name, data) in extra {
        zout.start_file(*name, opts).unwrap();
        zout.write_all(data).unwrap();
    }
    zout.set_comment(String::from_utf8(zin.comment().to_vec()).unwrap())
        .unwrap();
    zout.finish().unwrap();
    out
}

fn problems(path: &Path) -> Vec<Problem> {
    archive::verify(path, None).unwrap().problems
}

fn member_names(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

#[test]
fn a_fresh_archive_verifies_and_its_manifest_holds_the_inputs_verbatim() {
    let dir = tempdir();
    let (zip_path, seal) = make_archive(dir.path());
    let o = run_ok(&["archive", "verify", zip_path.to_str().unwrap()]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(": intact: 117 files match the manifest"),
        "{text}"
    );
    assert!(text.contains(&seal));

    let v = archive::verify(&zip_path, Some(&seal)).unwrap();
    assert!(v.ok());
    assert_eq!(v.seal.as_deref(), Some(seal.as_str()));
    let m = v.manifest.unwrap();
    assert_eq!(m.format, "stigkit-archive/1");
    assert_eq!(m.tool, format!("stigkit {}", env!("CARGO_PKG_VERSION")));
    // 2 checklists + every file of the evidence bundle.
    let evidence_files = walk_files(&samples_evidence()).len();
    assert_eq!(evidence_files, 115);
    assert_eq!(m.files.len(), 2 + evidence_files);
    assert_eq!(m.evidence.len(), 1);
    assert_eq!(m.evidence[0].path, "evidence/evidence");
    assert_eq!(m.evidence[0].files, evidence_files);

    // Each checklist member is byte for byte the file given.
    let ckl = std::fs::read(data("ckl/saf/small_ckl_overrides.ckl")).unwrap();
    let entry = &m.files[0];
    assert_eq!(entry.path, "checklists/small_ckl_overrides.ckl");
    assert_eq!(entry.size, ckl.len() as u64);
    assert_eq!(entry.sha256, hex(&ckl));
    let manifest_json = read_member(&zip_path, "manifest.json");
    assert_eq!(hex(&manifest_json), seal);

    // Who/what facts: the assets and STIGs, with their status counts.
    assert_eq!(m.checklists.len(), 2);
    assert_eq!(m.checklists[0].format, "CKL");
    assert_eq!(m.checklists[1].format, "CKLB");
    assert_eq!(m.checklists[1].host_name, "Asset_aaaaaaaaaa");
    let show: serde_json::Value = serde_json::from_slice(
        &run_ok(&[
            "show",
            "--json",
            data("cklb/smcm/Asset_a-multi-stig.cklb").to_str().unwrap(),
        ])
        .stdout,
    )
    .unwrap();
    let stigs = &m.checklists[1].stigs;
    assert_eq!(
        stigs.len(),
        show["checklists"][0]["stigs"].as_array().unwrap().len()
    );
    for (s, shown) in stigs
        .iter()
        .zip(show["checklists"][0]["stigs"].as_array().unwrap())
    {
        assert_eq!(s.stig_id, shown["stig_id"]);
        assert_eq!(serde_json::to_value(s.counts).unwrap(), shown["counts"]);
    }
    assert!(chrono::DateTime::parse_from_rfc3339(&m.created).is_ok());
    assert!(!m.created_by.host.is_empty());
}

fn read_member(zip_path: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(zip_path).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}

#[test]
fn one_changed_byte_in_any_member_fails_naming_that_member() {
    let dir = tempdir();
    let (zip_path, _) = make_archive(dir.path());
    let names = member_names(&zip_path);
    assert_eq!(names.len(), 118);
    for name in &names {
        let len = read_member(&zip_path, name).len();
        // First, middle and last byte of every member, manifest included.
        for at in [0, len / 2, len - 1] {
            let edited = rewrite(
                &zip_path,
                |n, mut d| {
                    if n == name {
                        d[at] ^= 0x01;
                    }
                    Some(d)
                },
                &[],
            );
            let p = problems(&edited);
            let named = p
                .iter()
                .any(|p| p.to_string().starts_with(&format!("{name}: ")));
            assert!(named, "{name} byte {at}: {p:?}");
            if name != "manifest.json" {
                assert_eq!(p.len(), 1, "{name} byte {at}: {p:?}");
                assert!(matches!(&p[0], Problem::Changed { path, .. } if path == name));
            }
        }
    }
}

#[test]
fn a_flipped_byte_in_the_compressed_data_is_caught_as_that_member() {
    let dir = tempdir();
    let (zip_path, _) = make_archive(dir.path());
    let bytes = std::fs::read(&zip_path).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let spans: Vec<(String, u64, u64)> = (0..z.len())
        .map(|i| {
            let f = z.by_index_raw(i).unwrap();
            (
                f.name().unwrap().to_string(),
                f.data_start().unwrap(),
                f.compressed_size(),
            )
        })
        .collect();
    for (name, start, size) in spans {
        let mut damaged = bytes.clone();
        damaged[(start + size / 2) as usize] ^= 0x5a;
        let path = dir.path().join("damaged.zip");
        std::fs::write(&path, &damaged).unwrap();
        let p = problems(&path);
        assert!(
            p.iter()
                .any(|p| p.to_string().starts_with(&format!("{name}: "))),
            "{name}: {p:?}"
        );
        let o = run(&["archive", "verify", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
    }
}

#[test]
fn a_removed_or_added_member_fails_naming_it() {
    let dir = tempdir();
    let (zip_path, _) = make_archive(dir.path());
    let gone = "evidence/evidence/manifest.json";
    assert!(member_names(&zip_path).iter().any(|n| n == gone));
    let edited = rewrite(&zip_path, |n, d| (n != gone).then_some(d), &[]);
    assert_eq!(
        problems(&edited),
        vec![Problem::Missing { path: gone.into() }]
    );
    let o = run(&["archive", "verify", edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains(&format!("{gone}: missing")), "{out}");

    let edited = rewrite(
        &zip_path,
        |_, d| Some(d),
        &[("checklists/extra.ckl", b"<CHECKLIST/>")],
    );
    assert_eq!(
        problems(&edited),
        vec![Problem::Extra {
            path: "checklists/extra.ckl".into()
        }]
    );
}

/// Renames, in the raw bytes, every `from` to `to` (same length).
fn rename_raw(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let raw = std::fs::read(path).unwrap();
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    std::fs::write(path, out).unwrap();
}

/// A second member under a name already taken, before or after the
/// original: zip writers refuse to make one, so a member is added under a
/// placeholder and renamed in the raw bytes. A streaming unzip would
/// extract the first copy, the zip crate the last: either way it is
/// refused by name, whatever the seal says.
#[test]
fn a_duplicate_member_is_refused_by_name() {
    let dir = tempdir();
    let (zip_path, seal) = make_archive(dir.path());
    let target = "checklists/small_ckl_overrides.ckl";
    let placeholder = "checklists/small_ckl_overrideZ.ckl";
    for tampered_first in [false, true] {
        let edited = if tampered_first {
            // The tampered copy first, then every original member.
            let bytes = std::fs::read(&zip_path).unwrap();
            let mut zin = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            let out = dir.path().join("first.zip");
            let mut zout = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
            let opts = zip::write::SimpleFileOptions::default();
            zout.start_file(placeholder, opts).unwrap();
            zout.write_all(b"<CHECKLIST/>").unwrap();
            for i in 0..zin.len() {
                let f = zin.by_index_raw(i).unwrap();
                zout.raw_copy_file(f).unwrap();
            }
            zout.set_comment(String::from_utf8(zin.comment().to_vec()).unwrap())
                .unwrap();
            zout.finish().unwrap();
            out
        } else {
            rewrite(&zip_path, |_, d| Some(d), &[(placeholder, b"<CHECKLIST/>")])
        };
        rename_raw(&edited, placeholder, target);
        assert_eq!(
            problems(&edited),
            vec![Problem::Duplicate {
                path: target.into()
            }],
            "tampered first: {tampered_first}"
        );
        let o = run(&[
            "archive",
            "verify",
            edited.to_str().unwrap(),
            "--expect",
            &seal,
        ]);
        assert_eq!(o.status.code(), Some(1));
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains(&format!("{target}: appears twice")), "{out}");
    }
}

/// Members whose names are absolute or climb out with `..` are refused
/// by name, as every zip stigkit reads.
#[test]
fn an_escaping_member_name_is_refused_by_name() {
    let dir = tempdir();
    let (zip_path, _) = make_archive(dir.path());
    for bad in ["/checklists/evil.ckl", "checklists/../../evil.ckl"] {
        let placeholder = format!("checklists/{}", "x".repeat(bad.len() - "checklists/".len()));
        let edited = rewrite(
            &zip_path,
            |_, d| Some(d),
            &[(&placeholder, b"<CHECKLIST/>")],
        );
        rename_raw(&edited, &placeholder, bad);
        assert_eq!(
            problems(&edited),
            vec![Problem::Escaping { path: bad.into() }],
            "{bad}"
        );
    }
}

/// Every corpus checklist, archived together, verifies; so does each
/// compressible one alone.
#[test]
fn every_corpus_checklist_archives_and_verifies() {
    let dir = tempdir();
    let c = common::corpus();
    let mut inputs: Vec<PathBuf> = walk_files(&c.join("ckl"));
    inputs.extend(walk_files(&c.join("cklb")));
    // Only files `archive` accepts as checklists (the corpus holds broken ones).
    inputs.retain(|p| stigkit::source::load_checklist(p).is_ok());
    eprintln!("{} corpus checklists archived", inputs.len());
    assert!(inputs.len() >= 70, "{}", inputs.len());
    let out = dir.path().join("all.zip");
    let mut args = vec!["archive".to_string()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap().to_string()));
    args.extend(["-o".into(), out.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(&args);
    let o = run_ok(&["archive", "verify", out.to_str().unwrap()]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(&format!(
            ": intact: {} files match the manifest",
            inputs.len()
        )),
        "{text}"
    );
}

/// A valid 3 MB checklist of repetitive text deflates at far more than
/// 200:1; `archive` stores it so that its own `verify` accepts it.
#[test]
fn a_highly_compressible_checklist_archives_and_verifies() {
    let dir = tempdir();
    let src = std::fs::read_to_string(data("ckl/smcm/Single-Vuln-Pass-With-Detail.ckl")).unwrap();
    let at = src.find("<FINDING_DETAILS>").unwrap() + "<FINDING_DETAILS>".len();
    let big = format!("{}{}{}", &src[..at], "a".repeat(3 << 20), &src[at..]);
    let ckl = dir.path().join("repetitive.ckl");
    std::fs::write(&ckl, big).unwrap();
    let out = dir.path().join("a.zip");
    run_ok(&[
        "archive",
        ckl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let o = run(&["archive", "verify", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains(": intact: 1 file matches the manifest"),
        "{text}"
    );
}

#[test]
fn a_resealed_archive_is_caught_by_the_expected_seal() {
    let dir = tempdir();
    let (zip_path, seal) = make_archive(dir.path());
    // The same inputs archived again seal differently (a new creation time).
    std::thread::sleep(std::time::Duration::from_millis(5));
    let again = dir.path().join("again.zip");
    let o = run_ok(&[
        "archive",
        data("ckl/saf/small_ckl_overrides.ckl").to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("1 checklist, 0 evidence files")
    );
    let o = run(&[
        "archive",
        "verify",
        again.to_str().unwrap(),
        "--expect",
        &seal,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("not the expected")
    );
    let o = run(&[
        "archive",
        "verify",
        zip_path.to_str().unwrap(),
        "--expect",
        &seal,
    ]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn bad_inputs_fail_on_one_line_and_write_nothing() {
    let dir = tempdir();
    let out = dir.path().join("a.zip");
    let missing = dir.path().join("nope.ckl");
    let o = run(&[
        "archive",
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope.ckl"), "{err}");
    assert!(!out.exists());

    // A file that is not a checklist is refused, not archived as one.
    let not_ckl = dir.path().join("notes.ckl");
    std::fs::write(&not_ckl, "just some notes").unwrap();
    let o = run(&[
        "archive",
        not_ckl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains("notes.ckl"));
    assert!(!out.exists());

    // Evidence holding a symbolic link is refused: it could point anywhere.
    let ev = dir.path().join("ev");
    std::fs::create_dir(&ev).unwrap();
    std::fs::write(ev.join("a.json"), "{}").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", ev.join("link")).unwrap();
    let ckl = data("ckl/saf/small_ckl_overrides.ckl");
    let o = run(&[
        "archive",
        ckl.to_str().unwrap(),
        "--evidence",
        ev.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("symbolic link")
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temp files left"
    );

    // An existing archive is kept unless --force.
    run_ok(&[
        "archive",
        ckl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let o = run(&[
        "archive",
        ckl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("already exists")
    );

    // verify: a missing archive is an error (2); a file that is not a zip
    // is an archive that is not intact (1).
    let o = run(&["archive", "verify", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["archive", "verify", not_ckl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("notes.ckl: unreadable")
    );
}
