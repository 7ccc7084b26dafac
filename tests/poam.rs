//! The POA&M against the reference: MITRE SAF CLI 1.5.3 (`saf convert
//! ckl2POAM`), installed from npm by `tests/tools/saf/install.sh`. Its
//! eMASS template gives the header and the layout; its output for the MKE
//! sample checklist gives the rows, controls, severities and status; its
//! CCI table (@mitre/hdf-converters) is the one stigkit keeps as data.

mod common;

use calamine::{Data, Reader, Xlsx};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use stigkit::export::poam::COLUMNS;
use stigkit::model::Status;

/// Where SAF is installed (installing it on first use).
fn saf_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/saf/install.sh");
        let out = Command::new("bash")
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .expect("running tests/tools/saf/install.sh");
        assert!(
            out.status.success(),
            "installing SAF failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

fn saf_package(rel: &str) -> PathBuf {
    let p = saf_home().join("node_modules").join(rel);
    assert!(p.exists(), "{} missing", p.display());
    p
}

type Sheet = Vec<Vec<String>>;

/// Every row of a workbook's first sheet from row 1 and column A, cells as
/// text; also the sheet's name.
fn first_sheet<R: std::io::Read + std::io::Seek>(mut book: Xlsx<R>) -> (String, Sheet) {
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    let sheet = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| match range.get_value((r, c)) {
                    None | Some(Data::Empty) => String::new(),
                    Some(d) => d.to_string(),
                })
                .collect()
        })
        .collect();
    (name, sheet)
}

fn read_xlsx(path: &Path) -> (String, Sheet) {
    first_sheet(calamine::open_workbook::<Xlsx<_>, _>(path).unwrap())
}

/// eMASS's POA&M template as SAF ships it: `POAMTemplate` in
/// lib/resources/files.json, a base64 data URL of an .xlsm.
fn template() -> (String, Sheet) {
    use base64::Engine;
    let files: serde_json::Value = serde_json::from_slice(
        &std::fs::read(saf_package("@mitre/saf/lib/resources/files.json")).unwrap(),
    )
    .unwrap();
    let url = files["POAMTemplate"]["data"].as_str().unwrap();
    let (kind, b64) = url.split_once(";base64,").unwrap();
    assert_eq!(kind, "data:application/vnd.ms-excel.sheet.macroenabled.12");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    first_sheet(Xlsx::new(std::io::Cursor::new(bytes)).unwrap())
}

fn read_csv(path: &Path) -> Sheet {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn export(ckl: &Path, out: &Path) -> std::process::Output {
    run_ok(&[
        "export",
        ckl.to_str().unwrap(),
        "--format",
        "poam",
        "-o",
        out.to_str().unwrap(),
    ])
}

/// Cells A to V of a row (a sheet may end before V).
fn a_to_v(row: &[String]) -> Vec<String> {
    (0..22)
        .map(|c| row.get(c).cloned().unwrap_or_default())
        .collect()
}

#[test]
fn header_and_layout_equal_the_emass_template() {
    let (tpl_name, tpl) = template();
    // The template's header: row 7, A to V, and nothing after V.
    assert_eq!(tpl[6].len(), 22, "{:?}", tpl[6]);
    assert_eq!(tpl[6], COLUMNS);
    assert_eq!(tpl[6][1], "POA&M Item ID");
    assert_eq!(tpl[6][13], " Raw Severity");

    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let csv_out = dir.path().join("poam.csv");
    let xlsx_out = dir.path().join("poam.xlsx");
    export(&ckl, &csv_out);
    export(&ckl, &xlsx_out);

    let csv = read_csv(&csv_out);
    assert_eq!(csv[0], tpl[6], "CSV header");

    // The workbook: the template's first sheet name and rows 1 to 7, cell
    // for cell (labels, classification line, header), items from row 8.
    let (name, book) = read_xlsx(&xlsx_out);
    assert_eq!((name.as_str(), tpl_name.as_str()), ("POA&M", "POA&M"));
    for r in 0..7 {
        assert_eq!(a_to_v(&book[r]), a_to_v(&tpl[r]), "row {}", r + 1);
    }
    assert_eq!(
        book[0][0],
        "***** UNCLASSIFIED//FOR OFFICIAL USE ONLY *****"
    );
    // The same items in both forms.
    assert_eq!(book.len() - 7, csv.len() - 1);
    assert_eq!(book.len() - 7, 31, "30 Open, 1 Not_Applicable");
    for (x, c) in book[7..].iter().zip(&csv[1..]) {
        assert_eq!(a_to_v(x), *c);
    }
}

/// The control SAF's cell names: its reference with the statement part
/// dropped (`CM-7a` → `CM-7`, `IA-5(1) (c)` → `IA-5(1)`).
fn control_named(saf: &str) -> String {
    let head: String = saf
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || *c == '-' || c.is_ascii_digit())
        .collect();
    let rest = &saf[head.len()..];
    match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((e, _)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{head}({e})")
        }
        _ => head,
    }
}

#[test]
fn mke_sample_equals_saf_ckl2poam() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let saf_dir = dir.path().join("saf");
    let out = Command::new(saf_package(".bin/saf"))
        .args(["convert", "ckl2POAM", "-i"])
        .arg(&ckl)
        .arg("-o")
        .arg(&saf_dir)
        // Office/org and device given, no blank rows between items: SAF
        // asks nothing, and its items sit in consecutive rows.
        .args(["-O", "Org", "-d", "mke-mgr-1", "-s", "0"])
        .stdin(Stdio::null())
        // SAF writes saf-cli.log into its working folder.
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "saf: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Vec<PathBuf> = std::fs::read_dir(&saf_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let (_, saf) = read_xlsx(&written[0]);
    let saf_items: Vec<Vec<String>> = saf[7..]
        .iter()
        .map(|r| a_to_v(r))
        .filter(|r| !r[5].is_empty())
        .collect();

    let ours_path = dir.path().join("poam.xlsx");
    export(&ckl, &ours_path);
    let (_, ours) = read_xlsx(&ours_path);
    let ours: Vec<Vec<String>> = ours[7..].iter().map(|r| a_to_v(r)).collect();

    // Open rules are Ongoing items, Not_Applicable ones Not Applicable
    // items, in both.
    let checklist = stigkit::source::load_checklist(&ckl).unwrap().checklist;
    let rule_ids = |status: Status| -> Vec<String> {
        checklist.stigs[0]
            .rules
            .iter()
            .filter(|r| r.review.status == status)
            .map(|r| r.rule.rule_id.clone())
            .collect()
    };
    let status_ids = |rows: &[Vec<String>], status: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r[11] == status)
            .map(|r| r[5].clone())
            .collect()
    };
    for rows in [&saf_items, &ours] {
        assert_eq!(status_ids(rows, "Ongoing"), rule_ids(Status::Open));
        assert_eq!(
            status_ids(rows, "Not Applicable"),
            rule_ids(Status::NotApplicable)
        );
    }
    assert_eq!((saf_items.len(), ours.len()), (31, 31));

    // Same rows, in the same order, with the same status, raw severity,
    // severity, relevance, likelihood, impact and residual risk.
    let ids = |rows: &[Vec<String>]| -> Vec<String> { rows.iter().map(|r| r[5].clone()).collect() };
    assert_eq!(ids(&ours), ids(&saf_items));
    for (o, s) in ours.iter().zip(&saf_items) {
        for c in [11, 13, 15, 16, 17, 18, 20] {
            assert_eq!(o[c], s[c], "{} {}", o[5], COLUMNS[c]);
        }
    }
    let saf_open: Vec<&Vec<String>> = saf_items.iter().filter(|r| r[11] == "Ongoing").collect();
    let ours: Vec<Vec<String>> = ours.into_iter().filter(|r| r[11] == "Ongoing").collect();
    let raw: Vec<&str> = ours.iter().map(|r| r[13].as_str()).collect();
    let count = |v: &str| raw.iter().filter(|r| **r == v).count();
    assert_eq!((count("I"), count("II"), count("III")), (1, 28, 1));

    let our_refs: Vec<&Vec<String>> = ours.iter().collect();
    // Same controls: stigkit writes the control SAF's reference names, and
    // where SAF's cell is a control already, the very same text.
    let mut same = 0;
    for (o, s) in ours.iter().zip(&saf_open) {
        assert_eq!(o[3], control_named(&s[3]), "{}", o[5]);
        same += usize::from(o[3] == s[3]);
    }
    assert_eq!((same, ours.len() - same), (13, 17));
    let by_rule = |rows: &[&Vec<String>], rule: &str| -> String {
        rows.iter().find(|r| r[5].starts_with(rule)).unwrap()[3].clone()
    };
    for (rule, saf_cell, our_cell) in [
        ("SV-260903", "SC-10", "SC-10"),
        ("SV-260909", "AC-2(1)", "AC-2(1)"),
        ("SV-260905", "CM-7a", "CM-7"),
        ("SV-260908", "IA-5(1) (c)", "IA-5(1)"),
        ("SV-260942", "CM-7(5) (b)", "CM-7(5)"),
    ] {
        assert_eq!(by_rule(&saf_open, rule), saf_cell);
        assert_eq!(by_rule(&our_refs, rule), our_cell);
    }
}

#[test]
fn cci_table_equals_saf_s() {
    // The package the table was copied from, at the version SAF pins.
    let pkg: serde_json::Value = serde_json::from_slice(
        &std::fs::read(saf_package("@mitre/hdf-converters/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(pkg["version"], "2.12.6");
    let data = saf_package("@mitre/hdf-converters/lib/src/mappings/CciNistMappingData.js");
    let out = Command::new("node")
        .arg("-e")
        .arg("process.stdout.write(JSON.stringify(require(process.argv[1]).data))")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap();

    let table = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("xccdf/cci_nist_800-53.tsv"),
    )
    .unwrap();
    assert!(table.contains("@mitre/hdf-converters 2.12.6"));
    assert!(table.contains("version 2023-06-07"));
    let ours: Vec<(&str, &str)> = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let theirs: Vec<(&str, &str)> = theirs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    assert_eq!(ours.len(), 5098);
    assert_eq!(ours, theirs);
    for (cci, r) in &ours {
        // Kept verbatim in the table (DISA has trailing spaces); read trimmed.
        assert_eq!(stigkit::export::nist::reference(cci), Some(r.trim()));
    }
}

#[test]
fn a_cell_too_long_for_excel_is_cut_with_a_warning_naming_the_rule() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let mut c = stigkit::source::load_checklist(&ckl).unwrap().checklist;
    let rule = c.stigs[0]
        .rules
        .iter_mut()
        .find(|r| r.rule.vuln_id == "V-260903")
        .unwrap();
    let details = format!("{}\nend of details", "evidence line\n".repeat(3000));
    rule.review.finding_details = details.clone();
    let title = rule.rule.title.clone();
    let long = dir.path().join("long.ckl");
    stigkit::output::write_checklist(&long, &c, false).unwrap();

    let xlsx = dir.path().join("poam.xlsx");
    let o = export(&long, &xlsx);
    let err = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("cut from")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    let total = title.len() + 2 + details.len();
    assert!(
        warnings[0].contains(&format!(
            "mke-mgr-1 V-260903: Control Vulnerability Description cut from {total} to 32767 characters"
        )),
        "{err}"
    );
    let (_, book) = read_xlsx(&xlsx);
    let cell = &book[7][2];
    assert!(cell.starts_with(title.as_str()));
    assert!(cell.encode_utf16().count() <= 32_767);
    assert!(cell.ends_with("the checklist has the whole text]"));

    // The CSV has no cell limit: the whole text.
    let csv_out = dir.path().join("poam.csv");
    export(&long, &csv_out);
    assert_eq!(read_csv(&csv_out)[1][2], format!("{title}\n\n{details}"));
}

#[test]
fn an_xlsm_or_xls_name_is_refused_before_anything_is_written() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    for ext in ["xlsm", "xls"] {
        let out = dir.path().join(format!("poam.{ext}"));
        let o = run(&[
            "export",
            ckl.to_str().unwrap(),
            "--format",
            "poam",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ")
                && err.contains(&format!("poam.{ext}: stigkit writes a POA&M as .xlsx")),
            "{err}"
        );
        assert!(!out.exists());
    }
}
