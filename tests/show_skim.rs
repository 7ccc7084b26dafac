//! `show` skims a plain CKL for its counts instead of reading it whole
//! (`ckl::skim`). The skim must never change an answer: on every CKL of
//! the corpus, on stigkit's own output, and on thousands of damaged
//! variants of them, it either gives up or agrees with the full reader
//! (same host, same summaries, and a file the full reader reads without a
//! warning).

mod common;

use common::*;
use proptest::prelude::*;
use stigkit::ckl;
use stigkit::model::{Checklist, StigSummary};

fn view(c: &Checklist) -> (String, Vec<StigSummary>) {
    (c.asset.host_name.clone(), c.summaries())
}

/// Whether the skim of `bytes` agrees with the full reader; true when it
/// took the fast path.
fn agrees(bytes: &[u8], what: &str) -> bool {
    let Some(skimmed) = ckl::skim(bytes) else {
        return false;
    };
    let mut warnings = Vec::new();
    let full = ckl::read(bytes, &mut warnings)
        .unwrap_or_else(|e| panic!("{what}: skimmed, but the full reader refuses it: {e}"));
    assert!(
        warnings.is_empty(),
        "{what}: skimmed, but the full reader warns: {warnings:?}"
    );
    assert_eq!(view(&skimmed), view(&full), "{what}");
    true
}

/// The corpus's CKLs and one that stigkit wrote.
fn samples() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walk_files(&corpus().join("ckl"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ckl"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    let dir = tempdir();
    let ours = evaluated_sample(dir.path());
    let ckl = ours.with_extension("ckl");
    if ckl.is_file() {
        out.push((ckl.display().to_string(), std::fs::read(&ckl).unwrap()));
    }
    out
}

#[test]
fn every_corpus_ckl_is_skimmed_as_the_full_reader_reads_it_or_left_to_it() {
    let all = samples();
    assert!(all.len() >= 40, "{} CKLs", all.len());
    let skimmed: Vec<&String> = all
        .iter()
        .filter(|(name, bytes)| agrees(bytes, name))
        .map(|(name, _)| name)
        .collect();
    println!("{} of {} CKLs skimmed", skimmed.len(), all.len());
    // Real producers' files take the fast path, or it is no use.
    assert!(
        skimmed.len() * 2 >= all.len(),
        "only {} of {} skimmed",
        skimmed.len(),
        all.len()
    );
}

/// One edit to a document: bytes replaced, removed or inserted at a place.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Remove(usize, usize),
    Insert(usize, Vec<u8>),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to XML, and plain ones.
    let byte = prop::sample::select(b"<>/&;!?-\"' \r\nx#0[]".to_vec());
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Remove(at, n)),
        (any::<usize>(), prop::collection::vec(byte, 1..6)).prop_map(|(at, b)| Edit::Insert(at, b)),
    ]
}

fn apply(doc: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut d = doc.to_vec();
    for e in edits {
        if d.is_empty() {
            break;
        }
        match e {
            Edit::Replace(at, b) => {
                let i = at % d.len();
                d[i] = *b;
            }
            Edit::Remove(at, n) => {
                let i = at % d.len();
                let end = (i + n).min(d.len());
                d.drain(i..end);
            }
            Edit::Insert(at, b) => {
                let i = at % (d.len() + 1);
                d.splice(i..i, b.iter().copied());
            }
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Damage anywhere in a real CKL: the skim gives up, or agrees.
    #[test]
    fn damaged_ckls_are_skimmed_right_or_left_to_the_full_reader(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        thread_local! {
            static SAMPLES: Vec<(String, Vec<u8>)> = samples()
                .into_iter()
                .filter(|(_, b)| ckl::skim(b).is_some())
                .collect();
        }
        SAMPLES.with(|all| {
            let (name, doc) = &all[pick.index(all.len())];
            let damaged = apply(doc, &edits);
            agrees(&damaged, &format!("{name} with {edits:?}"));
        });
    }
}
