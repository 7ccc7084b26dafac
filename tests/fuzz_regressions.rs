//! Replays, on stable, every input a fuzz target (`fuzz/`) once crashed,
//! hung or ran out of memory on: `tests/fuzz_regressions/<target>/*`.
//! Each goes through the same calls as its target and must come back
//! with a value or an error.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use stigkit::checks::{Facts, Policy, registry::CHECKS};
use stigkit::evidence::Evidence;

fn sample() -> &'static Evidence {
    static EV: OnceLock<Evidence> = OnceLock::new();
    EV.get_or_init(|| {
        Evidence::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/evidence"))
            .expect("the sample bundle")
    })
}

/// The body of each fuzz target, by its name.
fn target(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "xccdf" => |d| drop(stigkit::xccdf::read(d, "fuzz-xccdf.xml")),
        "disa_zip" => |d| {
            drop(stigkit::source::parse_benchmark(
                Path::new("fuzz.zip"),
                d,
                None,
            ))
        },
        "ckl" => |d| {
            if let Ok(c) = stigkit::ckl::read(d, &mut Vec::new()) {
                stigkit::ckl::write_to_string(&c);
                stigkit::cklb::write_to_string(&c);
            }
            drop(stigkit::ckl::lint(d));
        },
        "cklb" => |d| {
            if let Ok(c) = stigkit::cklb::read(d, &mut Vec::new()) {
                stigkit::cklb::write_to_string(&c);
                stigkit::ckl::write_to_string(&c);
            }
            drop(stigkit::cklb::lint(d));
        },
        "xccdf_results" => |d| {
            if let Ok(c) = stigkit::xccdf_results::read(d, "fuzz-xccdf.xml", &mut Vec::new()) {
                for s in &c.stigs {
                    drop(stigkit::xccdf_results::write(
                        &c.asset,
                        s,
                        "2026-01-01T00:00:00Z",
                    ));
                }
            }
        },
        "evidence_manifest" => |d| drop(serde_json::from_slice::<stigkit::evidence::Manifest>(d)),
        "policy" => |d| {
            if let Ok(t) = std::str::from_utf8(d) {
                drop(Policy::parse(t));
            }
        },
        "answers" => |d| {
            if let Ok(t) = std::str::from_utf8(d) {
                drop(stigkit::checks::answers::Answers::parse(t, "fuzz.toml"));
            }
        },
        "kubeconfig" => |d| {
            drop(stigkit::collect::kubeconfig::parse(
                d,
                Path::new("/nonexistent"),
                false,
            ))
        },
        "client_bundle" => |d| drop(stigkit::collect::bundle::ClientBundle::from_zip(d)),
        "api_responses" => |d| {
            let Some((&pick, body)) = d.split_first() else {
                return;
            };
            let mut ev = sample().clone();
            let calls: Vec<_> = ev
                .manifest
                .calls
                .iter()
                .filter(|c| c.file.is_some())
                .cloned()
                .collect();
            let call = calls[pick as usize % calls.len()].clone();
            let file = call.file.clone().expect("filtered");
            ev.manifest.calls.retain(|c| c.key != call.key);
            ev.store(call, file, body.to_vec());
            let facts = Facts::new(&ev);
            for c in CHECKS {
                drop((c.run)(&facts, &Policy::default()));
            }
        },
        _ => return None,
    })
}

fn folders() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_kept_crash_input_reads_or_fails_cleanly() {
    let mut replayed = 0;
    for dir in folders() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let run = target(&name)
            .unwrap_or_else(|| panic!("{}: no fuzz target of that name", dir.display()));
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            run(&std::fs::read(&f).unwrap());
            replayed += 1;
        }
    }
    eprintln!("{replayed} fuzz regression inputs replayed");
}

/// The table here names every target the fuzz crate builds, so a new
/// target cannot be added without a way to replay what it finds.
#[test]
fn every_fuzz_target_can_be_replayed() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .unwrap();
    let names: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "stigkit-fuzz")
        .collect();
    assert_eq!(names.len(), 11, "{names:?}");
    for n in names {
        assert!(target(n).is_some(), "fuzz target {n} has no replay here");
    }
}
