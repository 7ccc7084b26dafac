//! Reviewer text survives both formats exactly: markup characters, quotes,
//! non-ASCII, line breaks and very long finding details.

mod common;

use common::*;
use pretty_assertions::assert_eq;
use stigkit::model::{Asset, Checklist, Severity, Status};
use stigkit::{catalog, ckl, cklb};

fn sample() -> Checklist {
    let b = catalog::mke();
    let mut c = Checklist::blank(
        Asset {
            host_name: "mke-ctl-01 \"east\" & <west>".into(),
            ..Asset::default()
        },
        &[&b],
        &[uuid::Uuid::new_v4()],
        "2026-01-01T00:00:00.000Z",
    );
    c.fill_identifiers(uuid::Uuid::new_v4);
    let long: String = (0..30_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let rules = &mut c.stigs[0].rules;
    rules[0].review.status = Status::Open;
    rules[0].review.finding_details = "a & b < c > d \"double\" 'single' &amp; &lt; ]]> \u{e9}\u{e8} \u{4e2d}\u{6587} \u{1F512}\r\nnext line\n\ttab".into();
    rules[0].review.comments = "Reviewed by J. O'Brien & team <ops@example.mil>".into();
    rules[0].review.severity_override = Some(Severity::Low);
    rules[0].review.severity_justification = "Mitigated by \"network policy\" <NP-7>".into();
    rules[1].review.status = Status::NotAFinding;
    rules[1].review.finding_details = long;
    c
}

fn assert_reviews_equal(a: &Checklist, b: &Checklist) {
    for (x, y) in a.stigs[0].rules.iter().zip(&b.stigs[0].rules) {
        assert_eq!(x.review, y.review);
    }
    assert_eq!(a.asset.host_name, b.asset.host_name);
}

/// Written as CKL and read back: every review byte-equal.
#[test]
fn ckl_keeps_text_exactly() {
    let c = sample();
    let text = ckl::write_to_string(&c);
    // Escaped once, and only what XML requires.
    assert!(text.contains("a &amp; b &lt; c &gt; d \"double\" 'single' &amp;amp; &amp;lt; ]]&gt;"));
    assert!(!text.contains("&amp;amp;amp;"));
    assert!(
        text.contains("&#13;\nnext line"),
        "a carriage return must survive XML line-end normalisation"
    );
    let back = ckl::read(text.as_bytes(), &mut Vec::new()).unwrap();
    assert_reviews_equal(&c, &back);
    assert_eq!(back.stigs[0].rules[1].review.finding_details.len(), 30_000);
}

/// Written as CKLB and read back: every review byte-equal.
#[test]
fn cklb_keeps_text_exactly() {
    let c = sample();
    let text = cklb::write_to_string(&c);
    assert!(text.contains(r#""a & b < c > d \"double\" 'single' &amp; &lt; ]]> "#));
    let back = cklb::read(text.as_bytes(), &mut Vec::new()).unwrap();
    assert_reviews_equal(&c, &back);
}

/// CKL → CKLB → CKL and CKLB → CKL → CKLB.
#[test]
fn text_survives_conversions_both_ways() {
    let c = sample();
    let via_cklb = cklb::read(cklb::write_to_string(&c).as_bytes(), &mut Vec::new()).unwrap();
    let back = ckl::read(ckl::write_to_string(&via_cklb).as_bytes(), &mut Vec::new()).unwrap();
    assert_reviews_equal(&c, &back);
    let via_ckl = ckl::read(ckl::write_to_string(&c).as_bytes(), &mut Vec::new()).unwrap();
    let back = cklb::read(cklb::write_to_string(&via_ckl).as_bytes(), &mut Vec::new()).unwrap();
    assert_reviews_equal(&c, &back);
}

/// Both files pass the oracle, and STIG Manager sees the details, comments
/// and the override.
#[test]
fn oracle_accepts_the_text() {
    let c = sample();
    let dir = tempdir();
    let (a, b) = (dir.path().join("t.ckl"), dir.path().join("t.cklb"));
    std::fs::write(&a, ckl::write_to_string(&c)).unwrap();
    std::fs::write(&b, cklb::write_to_string(&c)).unwrap();
    for r in oracle_strict(&[a, b]) {
        let stig = &r["checklists"][0];
        assert_eq!(stig["withDetail"], 2, "{}", r["file"]);
        assert_eq!(stig["withComment"], 1, "{}", r["file"]);
        assert_eq!(stig["results"]["fail"], 1, "{}", r["file"]);
        assert_eq!(stig["results"]["pass"], 1, "{}", r["file"]);
    }
}
