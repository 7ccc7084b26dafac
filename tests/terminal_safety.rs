//! Messages about hostile input cannot drive the user's terminal: every
//! error and warning shows control characters, invalid bytes and
//! bidirectional overrides from the input as escapes.

mod common;

use common::*;
use std::path::Path;

/// The raw bytes a terminal would act on: C0 controls but newline, ESC,
/// DEL, and the C1 controls and bidi overrides in UTF-8.
fn assert_inert(what: &str, stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    for (i, b) in stderr.iter().enumerate() {
        assert!(
            *b >= 0x20 && *b != 0x7f || *b == b'\n',
            "{what}: byte {b:#04x} at {i} reached stderr: {text:?}"
        );
    }
    for c in text.chars() {
        assert!(
            !c.is_control() || c == '\n',
            "{what}: control character {c:?} reached stderr: {text:?}"
        );
        assert!(
            !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
            "{what}: bidi override {c:?} reached stderr: {text:?}"
        );
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A real CKL with `from` replaced by `to`.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(data("ckl/smcm/Asset_a-multi-stig.ckl")).unwrap();
    assert!(text.contains(from), "{from} not in the corpus file");
    let p = dir.join(name);
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    p
}

const TITLE: &str = "\u{1b}]0;pwned\u{7}";
const RED: &str = "\u{1b}[31m";

#[test]
fn hostile_root_element_name_is_escaped() {
    let dir = tempdir();
    let ckl = variant(
        dir.path(),
        "root.ckl",
        "<CHECKLIST>",
        &format!("<CHECKLIST{TITLE}{RED}x>"),
    );
    let o = run(&["show", s(&ckl)]);
    assert_eq!(o.status.code(), Some(2));
    assert_inert("show", &o.stderr);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("\\x1b]0;pwned\\x07\\x1b[31m"), "{err}");
}

#[test]
fn utf16_without_bom_prints_no_nul() {
    let dir = tempdir();
    let text = std::fs::read_to_string(data("ckl/smcm/Asset_a-multi-stig.ckl")).unwrap();
    let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let p = dir.path().join("utf16.ckl");
    std::fs::write(&p, utf16).unwrap();
    for cmd in [vec!["show", s(&p)], vec!["convert", s(&p), "-o", "x.cklb"]] {
        let o = run(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        assert_inert(cmd[0], &o.stderr);
        assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "));
    }
}

#[test]
fn hostile_host_names_and_file_names_are_escaped() {
    let dir = tempdir();
    let a = variant(
        dir.path(),
        "a.ckl",
        "<HOST_NAME>Asset_aaaaaaaaaa</HOST_NAME>",
        &format!("<HOST_NAME>{RED}host\u{202e}gpj.exe</HOST_NAME>"),
    );
    let b = data("ckl/smcm/Asset_b-multi-stig.ckl");
    // The host names differ: one error line that quotes both.
    let o = run(&["diff", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(2));
    assert_inert("diff", &o.stderr);
    assert!(String::from_utf8_lossy(&o.stderr).contains("\\x1b[31mhost\\u{202e}gpj.exe"));

    // A file name holding escapes, in a warning (empty host) and an error.
    let hostile = dir.path().join(format!("evil{RED}\u{7}.ckl"));
    std::fs::copy(data("ckl/smcm/no-Host_Name-xml-element.ckl"), &hostile).unwrap();
    let o = run(&["show", s(&hostile)]);
    assert_inert("show warning", &o.stderr);
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: "));
    let missing = dir.path().join(format!("gone{TITLE}.ckl"));
    for cmd in [
        vec!["show", s(&missing)],
        vec!["lint", s(&missing)],
        vec!["merge", s(&hostile), s(&missing), "-o", "m.ckl"],
        vec!["report", s(&missing), "-o", "r.html"],
        vec!["export", s(&missing), "--format", "csv", "-o", "x.csv"],
        vec!["archive", s(&missing), "-o", "a.zip"],
    ] {
        let o = run(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        assert_inert(cmd[0], &o.stderr);
    }
}

#[test]
fn mismatched_end_tag_with_controls_is_escaped() {
    let dir = tempdir();
    let ckl = variant(
        dir.path(),
        "end.ckl",
        "</ASSET>",
        &format!("</ASSET{RED}\u{85}\u{0}>"),
    );
    let o = run(&["lint", s(&ckl)]);
    assert_inert("lint", &o.stderr);
    let o = run(&["convert", s(&ckl), "-o", s(&dir.path().join("x.cklb"))]);
    assert_eq!(o.status.code(), Some(2));
    assert_inert("convert", &o.stderr);
}
