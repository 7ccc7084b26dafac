//! Zips and folders from elsewhere are kept in bounds: one budget per
//! archive (inflated bytes and entries), names that cannot leave the
//! archive, no entries sharing data, evidence files the manifest does not
//! list named, and in evidence folders only regular files, and links only
//! when they stay inside. Every hostile input is built here at run time;
//! each refusal is exit 2 with one `error:` line, within bounded memory.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence")
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// A zip of the sample evidence bundle, with `extra` entries after it.
fn evidence_zip(path: &Path, extra: impl FnOnce(&mut zip::ZipWriter<std::fs::File>)) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for f in walk_files(&sample()) {
        let name = f
            .strip_prefix(sample())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        z.start_file(name, deflated()).unwrap();
        z.write_all(&std::fs::read(&f).unwrap()).unwrap();
    }
    extra(&mut z);
    z.finish().unwrap();
}

/// `n` entries of 1 MiB of zeros each, named by `name`. The zeros are
/// deflated once and their compressed bytes copied, so a 20 GiB archive
/// takes a second to make.
fn zeros(z: &mut zip::ZipWriter<std::fs::File>, n: usize, name: impl Fn(usize) -> String) {
    let mut one = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    one.start_file("zeros", deflated()).unwrap();
    one.write_all(&vec![0u8; 1 << 20]).unwrap();
    let bytes = one.finish().unwrap().into_inner();
    let mut template = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for i in 0..n {
        let entry = template.by_index_raw(0).unwrap();
        z.raw_copy_file_rename(entry, name(i)).unwrap();
    }
}

/// A refusal: exit 2, one `error:` line holding `needle`, in under
/// 200 MB.
fn refused(args: &[&str], needle: &str) {
    let (o, mb) = run_measured(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{args:?}: {err}");
    assert!(errors[0].contains(needle), "{args:?}: {err}");
    assert!(mb < 200.0, "{args:?}: peak {mb:.0} MB");
}

fn commands<'a>(zip: &'a str, out: &'a str) -> [Vec<&'a str>; 3] {
    [
        vec!["benchmark", "show", zip],
        vec![
            "checklist",
            "new",
            "--benchmark",
            zip,
            "--host-name",
            "h",
            "-o",
            out,
        ],
        vec!["evaluate", "--evidence", zip, "-o", out],
    ]
}

#[test]
fn a_thousand_and_a_half_mebibytes_of_zeros_are_refused() {
    let dir = tempdir();
    let bench = dir.path().join("bench.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&bench).unwrap());
    zeros(&mut z, 1500, |i| format!("U_X_{i}_Manual-xccdf.xml"));
    z.finish().unwrap();
    assert!(std::fs::metadata(&bench).unwrap().len() < 3 << 20);
    let ev = dir.path().join("evidence.zip");
    evidence_zip(&ev, |z| zeros(z, 1500, |i| format!("junk/{i}.json")));
    let out = dir.path().join("x.ckl");
    for args in commands(s(&bench), s(&out)) {
        refused(&args, "inflates to more than 1073741824 bytes");
    }
    refused(
        &["evaluate", "--evidence", s(&ev), "-o", s(&out)],
        "inflates to more than 1073741824 bytes",
    );
    assert!(!out.exists());
    // Raised on purpose, the benchmark zip is read, and refused for holding
    // 1,500 benchmarks, by name: none was inflated.
    let (o, mb) = run_measured(&[
        "--max-unzip-bytes",
        "2000000000",
        "benchmark",
        "show",
        s(&bench),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("the archive holds 1500 benchmarks"));
    assert!(mb < 200.0, "peak {mb:.0} MB");
}

#[test]
fn twenty_thousand_entries_are_refused() {
    let dir = tempdir();
    let bench = dir.path().join("bench.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&bench).unwrap());
    zeros(&mut z, 20_000, |i| format!("d/{i}-xccdf.xml"));
    z.finish().unwrap();
    let out = dir.path().join("x.ckl");
    for args in commands(s(&bench), s(&out)) {
        refused(&args, "inflates to more than");
    }
    // The entry count has its own limit.
    let (o, _) = run_measured(&["--max-zip-entries", "10000", "benchmark", "show", s(&bench)]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("holds 20000 entries, over the limit of 10000"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One 256 MiB stream of zeros that 16 central-directory entries all point
/// at: each entry is within the ratio, together they are 4 GiB.
fn overlapping(path: &Path) {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("z00-xccdf.xml", deflated()).unwrap();
    let mib = vec![0u8; 1 << 20];
    for _ in 0..256 {
        z.write_all(&mib).unwrap();
    }
    let bytes = z.finish().unwrap().into_inner();
    let cd = find(&bytes, b"PK\x01\x02");
    let eocd = find(&bytes, b"PK\x05\x06");
    let record = &bytes[cd..eocd];
    let mut out = bytes[..cd].to_vec();
    for i in 0..16u16 {
        let mut r = record.to_vec();
        // The name starts 46 bytes into the record; `z00` becomes `zNN`.
        r[47..49].copy_from_slice(format!("{i:02}").as_bytes());
        out.extend_from_slice(&r);
    }
    let mut end = bytes[eocd..].to_vec();
    end[8..10].copy_from_slice(&16u16.to_le_bytes());
    end[10..12].copy_from_slice(&16u16.to_le_bytes());
    end[12..16].copy_from_slice(&((record.len() * 16) as u32).to_le_bytes());
    out.extend_from_slice(&end);
    std::fs::write(path, out).unwrap();
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn entries_sharing_one_stream_are_refused() {
    let dir = tempdir();
    let zip = dir.path().join("overlap.zip");
    overlapping(&zip);
    assert!(std::fs::metadata(&zip).unwrap().len() < 2 << 20);
    let out = dir.path().join("x.ckl");
    for args in commands(s(&zip), s(&out)) {
        refused(&args, "inflates to more than");
    }
    // With the budget raised past 4 GiB, the shared data itself is named.
    let (o, mb) = run_measured(&[
        "--max-unzip-bytes",
        "8000000000",
        "benchmark",
        "show",
        s(&zip),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("share compressed data"), "{err}");
    assert!(mb < 200.0, "peak {mb:.0} MB");
}

#[test]
fn an_entry_claiming_ten_gigabytes_is_refused_before_inflating() {
    let dir = tempdir();
    let zip = dir.path().join("claim.zip");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("U_X_Manual-xccdf.xml", deflated().large_file(true))
        .unwrap();
    z.write_all(b"<Benchmark/>").unwrap();
    let mut bytes = z.finish().unwrap().into_inner();
    // The central directory's zip64 extra field: tag 1, then the sizes.
    let cd = find(&bytes, b"PK\x01\x02");
    let extra = cd + find(&bytes[cd..], &[0x01, 0x00]);
    bytes[extra + 4..extra + 12].copy_from_slice(&10_000_000_000u64.to_le_bytes());
    std::fs::write(&zip, bytes).unwrap();
    refused(&["benchmark", "show", s(&zip)], "inflates to more than");
}

#[test]
fn absolute_and_escaping_names_are_refused() {
    let dir = tempdir();
    let out = dir.path().join("x.ckl");
    for name in ["/abs/x-xccdf.xml", "../x-xccdf.xml", "C:/x-xccdf.xml"] {
        let zip = dir.path().join("n.zip");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
        z.start_file(name, deflated()).unwrap();
        z.write_all(b"<Benchmark/>").unwrap();
        z.finish().unwrap();
        refused(
            &["benchmark", "show", s(&zip)],
            &format!("'{name}' points outside"),
        );
        let ev = dir.path().join("e.zip");
        evidence_zip(&ev, |z| {
            z.start_file(name.replace("x-xccdf.xml", "manifest.json"), deflated())
                .unwrap();
            z.write_all(b"{}").unwrap();
        });
        refused(
            &["evaluate", "--evidence", s(&ev), "-o", s(&out)],
            "points outside",
        );
    }
}

#[test]
fn files_the_manifest_does_not_list_are_named() {
    let dir = tempdir();
    let out = dir.path().join("x.ckl");
    let ev = dir.path().join("e.zip");
    evidence_zip(&ev, |z| {
        for n in ["kube/extra.json", "notes.txt"] {
            z.start_file(n, deflated()).unwrap();
            z.write_all(b"{}").unwrap();
        }
    });
    let folder = dir.path().join("bundle");
    for f in walk_files(&sample()) {
        let dest = folder.join(f.strip_prefix(sample()).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, dest).unwrap();
    }
    std::fs::write(folder.join("kube/extra.json"), "{}").unwrap();
    std::fs::write(folder.join("notes.txt"), "hi").unwrap();
    for bundle in [&ev, &folder] {
        let o = run(&[
            "evaluate",
            "--evidence",
            s(bundle),
            "-o",
            s(&out),
            "--force",
        ]);
        assert_eq!(o.status.code(), Some(0));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            err.lines()
                .filter(|l| l.starts_with("warning:"))
                .collect::<Vec<_>>(),
            [format!(
                "warning: {}: 2 files the manifest does not list (not read): kube/extra.json, notes.txt",
                bundle.display()
            )]
        );
        refused(
            &[
                "evaluate",
                "--evidence",
                s(bundle),
                "-o",
                s(&out),
                "--force",
                "--strict",
            ],
            "refused under --strict",
        );
    }
}

/// A copy of the sample bundle in which `kube/daemonsets.json` is replaced
/// by what `make` puts there.
fn bundle_with(dir: &Path, make: impl FnOnce(&Path)) -> PathBuf {
    let folder = dir.join("bundle");
    for f in walk_files(&sample()) {
        let dest = folder.join(f.strip_prefix(sample()).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, dest).unwrap();
    }
    let target = folder.join("kube/daemonsets.json");
    std::fs::remove_file(&target).unwrap();
    make(&target);
    folder
}

/// Runs `evaluate` with a deadline, so a read that hangs fails the test
/// instead of hanging it.
fn evaluate_within(bundle: &Path, out: &Path, limit: Duration) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let mut child = stigkit()
        .args(["evaluate", "--evidence", s(bundle), "-o", s(out)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit * 10 {
            child.kill().unwrap();
            panic!("evaluate still running after {:?}", limit * 10);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().unwrap(), start.elapsed())
}

#[test]
fn links_out_and_special_files_in_an_evidence_folder_are_refused() {
    let dir = tempdir();
    let out = dir.path().join("x.ckl");
    // A link to a file elsewhere, whose hash the manifest was edited to
    // match: refused all the same.
    let outside = dir.path().join("outside.json");
    std::fs::copy(sample().join("kube/daemonsets.json"), &outside).unwrap();
    let linked = bundle_with(&dir.path().join("a"), |t| {
        std::os::unix::fs::symlink(&outside, t).unwrap()
    });
    let (o, _) = evaluate_within(&linked, &out, Duration::from_secs(1));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("kube/daemonsets.json is a link that leads out of the bundle"),
        "{err}"
    );

    // A FIFO would block a reader for ever; /dev/zero would never end.
    let fifo = bundle_with(&dir.path().join("b"), |t| {
        let made = std::process::Command::new("mkfifo")
            .arg(t)
            .status()
            .unwrap();
        assert!(made.success());
    });
    refused_within_a_second(
        &fifo,
        &out,
        "kube/daemonsets.json is a FIFO; only regular files are read",
    );
    let zero = bundle_with(&dir.path().join("c"), |t| {
        std::os::unix::fs::symlink("/dev/zero", t).unwrap()
    });
    refused_within_a_second(
        &zero,
        &out,
        "kube/daemonsets.json is a link that leads out of the bundle, to /dev/zero",
    );
}

/// `evaluate` of `bundle` ends within a second with exit 2, one error line
/// holding `needle`, and no checklist.
fn refused_within_a_second(bundle: &Path, out: &Path, needle: &str) {
    let (o, took) = evaluate_within(bundle, out, Duration::from_secs(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.exists());
}
