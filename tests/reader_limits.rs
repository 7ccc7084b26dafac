//! Each reader stays within 10× its input's size on the inputs a fuzzer or
//! a hostile producer would send: a 200 MB text node, elements nested
//! 100,000 deep, JSON arrays nested 100,000 deep. Each is read, or refused
//! with one clear `error:` line naming the file (exit 2); none crashes.
//! (A zip entry claiming 10 GB is in `untrusted_inputs.rs`.)

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// 200 MB: the text node of the issue that asked for these bounds.
const BIG: usize = 200 << 20;
const DEEP: usize = 100_000;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes `prefix`, `len` bytes of `fill`, then `suffix`, streaming.
fn write_padded(path: &Path, prefix: &str, fill: u8, len: usize, suffix: &str) -> u64 {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(prefix.as_bytes()).unwrap();
    let chunk = vec![fill; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    f.write_all(suffix.as_bytes()).unwrap();
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// Runs `args`; it must succeed, or fail with exit 2 and one `error:`
/// line naming `file`. Either way its peak memory stays within 10× the
/// input (and 64 MB, the process's own footprint, for small inputs).
fn bounded(args: &[&str], file: &Path, input_len: u64) -> (Option<i32>, String) {
    let (o, mb) = run_measured(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    match o.status.code() {
        Some(0) => {}
        Some(2) => {
            let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
            assert_eq!(errors.len(), 1, "{args:?}: {err}");
            assert!(errors[0].contains(s(file)), "{args:?}: {err}");
        }
        other => panic!("{args:?}: exit {other:?}: {err}"),
    }
    eprintln!("{args:?}: peak {mb:.0} MB for {input_len} input bytes");
    let limit = (10.0 * input_len as f64 / 1e6).max(64.0);
    assert!(
        mb <= limit,
        "{args:?}: peak {mb:.0} MB for {input_len} input bytes"
    );
    (o.status.code(), err)
}

#[test]
fn a_200_megabyte_text_node_is_read_within_bounds() {
    let dir = tempdir();
    let ckl = dir.path().join("big.ckl");
    let ckl_text_start = "<FINDING_DETAILS>";
    let text = std::fs::read_to_string(data("ckl/smcm/Single-Vuln-Pass-With-Detail.ckl")).unwrap();
    let at = text.find(ckl_text_start).unwrap() + ckl_text_start.len();
    let n = write_padded(&ckl, &text[..at], b'A', BIG, &text[at..]);
    let (code, err) = bounded(&["show", s(&ckl)], &ckl, n);
    assert_eq!(code, Some(0), "{err}");

    let cklb = dir.path().join("big.cklb");
    let text =
        std::fs::read_to_string(data("cklb/smcm/Single-Vuln-Pass-With-Detail.cklb")).unwrap();
    let key = "\"finding_details\": \"";
    let at = text.find(key).unwrap() + key.len();
    let n = write_padded(&cklb, &text[..at], b'A', BIG, &text[at..]);
    let (code, err) = bounded(&["show", s(&cklb)], &cklb, n);
    assert_eq!(code, Some(0), "{err}");

    let xccdf = dir.path().join("big-xccdf.xml");
    let text =
        std::fs::read_to_string(data("xccdf/Windows_Server_2022_V2R1_mini-sample-xccdf.xml"))
            .unwrap();
    let key = "<fixtext";
    let open = text.find(key).unwrap();
    let at = open + text[open..].find('>').unwrap() + 1;
    let n = write_padded(&xccdf, &text[..at], b'A', BIG, &text[at..]);
    let (code, err) = bounded(&["benchmark", "show", s(&xccdf)], &xccdf, n);
    assert_eq!(code, Some(0), "{err}");
}

fn nested_xml(path: &Path, head: &str, tail: &str) -> u64 {
    let body = format!("{}{}", "<x>".repeat(DEEP), "</x>".repeat(DEEP));
    std::fs::write(path, format!("{head}{body}{tail}")).unwrap();
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn elements_nested_100000_deep_are_read_or_refused_within_bounds() {
    let dir = tempdir();
    let cases: [(&str, &str, &str, Vec<&str>); 3] = [
        (
            "deep.ckl",
            "<?xml version=\"1.0\"?><CHECKLIST><ASSET><HOST_NAME>h</HOST_NAME></ASSET><STIGS><iSTIG><VULN>",
            "<STATUS>Open</STATUS></VULN></iSTIG></STIGS></CHECKLIST>",
            vec!["show"],
        ),
        (
            "deep-xccdf.xml",
            "<?xml version=\"1.0\"?><Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.1\" id=\"B\"><title>t</title><version>1</version>",
            "</Benchmark>",
            vec!["benchmark", "show"],
        ),
        (
            "deep-results.xml",
            "<?xml version=\"1.0\"?><Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.1\" id=\"B\"><title>t</title><version>1</version><TestResult id=\"r\"><target>h</target><rule-result idref=\"SV-1r1_rule\"><result>pass</result>",
            "</rule-result></TestResult></Benchmark>",
            vec!["show"],
        ),
    ];
    for (name, head, tail, cmd) in cases {
        let p = dir.path().join(name);
        let n = nested_xml(&p, head, tail);
        let mut args = cmd.clone();
        args.push(s(&p));
        bounded(&args, &p, n);
    }
}

fn nested_json(path: &Path, head: &str, tail: &str) -> u64 {
    let body = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    std::fs::write(path, format!("{head}{body}{tail}")).unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// serde_json's depth limit turns these into an error naming the file and
/// the position, not a stack overflow.
#[test]
fn json_nested_100000_deep_is_refused_clearly() {
    let dir = tempdir();
    // Where the reader expects a STIG, and under a key it keeps verbatim.
    for (name, head, tail, says) in [
        (
            "typed.cklb",
            "{\"target_data\": {\"host_name\": \"h\"}, \"stigs\": ",
            "}",
            "expected a STIG object",
        ),
        (
            "kept.cklb",
            "{\"stigs\": [], \"vendor\": ",
            "}",
            "recursion limit exceeded",
        ),
    ] {
        let cklb = dir.path().join(name);
        let n = nested_json(&cklb, head, tail);
        let (code, err) = bounded(&["show", s(&cklb)], &cklb, n);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }

    // An evidence bundle whose manifest nests 100,000 deep, where a value
    // is expected and under a key the reader ignores.
    for head in ["{\"format\": ", "{\"tool\": \"x\", \"unknown\": "] {
        let bundle = dir.path().join(format!("bundle-{}", head.len()));
        std::fs::create_dir(&bundle).unwrap();
        let manifest: PathBuf = bundle.join("manifest.json");
        let n = nested_json(&manifest, head, "}");
        let out = dir.path().join("x.ckl");
        let args = ["evaluate", "--evidence", s(&bundle), "-o", s(&out)];
        let (code, err) = bounded(&args, &bundle, n);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("manifest.json"), "{err}");
        assert!(err.contains("line 1 column"), "{err}");
        assert!(!out.exists());
    }
}
