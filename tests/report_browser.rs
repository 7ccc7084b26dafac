//! The HTML report in a real browser: Debian's Chromium, headless (installed
//! by `.ci/run`; `STIGKIT_CHROMIUM` names another). The page must load
//! without console errors, run its script, and paint the summary numbers.

mod common;

use common::{CHROMIUM_FLAGS, data, evaluated_sample, run_ok, tempdir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    common::chromium_path()
        .expect("Chromium not found (apt-get install chromium, or set STIGKIT_CHROMIUM)")
}

/// Runs headless Chromium on `page` with `mode` (`--dump-dom` or
/// `--screenshot=FILE`); returns stdout and the page's console messages.
fn browse(page: &Path, mode: &str) -> (String, Vec<String>) {
    let profile = tempdir();
    let out = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Chromium logs every console message, errors and CSP violations
    // included, as `INFO:CONSOLE(line)] "text", source: URL`.
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

struct Image {
    width: usize,
    rgb: Vec<[u8; 3]>,
}

fn screenshot(page: &Path) -> (Image, Vec<String>) {
    let png_path = page.with_extension("png");
    let (_, console) = browse(page, &format!("--screenshot={}", png_path.display()));
    let file = std::io::BufReader::new(std::fs::File::open(&png_path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (
        Image {
            width: info.width as usize,
            rgb,
        },
        console,
    )
}

fn report(files: &[&Path], out: &Path) {
    let mut args = vec!["report"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    args.extend(["-o", out.to_str().unwrap()]);
    run_ok(&args);
}

#[test]
fn the_harness_sees_console_errors_and_blocked_requests() {
    // The control: a page that errs must be caught, or the checks below
    // prove nothing.
    let dir = tempdir();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"></head>\
         <body><img src=\"http://example.invalid/x.png\"><script>console.error('control-error'); missing();</script></body></html>",
    )
    .unwrap();
    let (_, console) = browse(&page, "--dump-dom");
    let all = console.join("\n");
    assert!(all.contains("control-error"), "{all}");
    assert!(all.contains("missing is not defined"), "{all}");
    assert!(all.contains("Content Security Policy"), "{all}");
}

#[test]
fn the_report_loads_without_console_errors_and_runs_its_script() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let multi = data("ckl/smcm/Asset_a-multi-stig.ckl");
    for (name, files) in [
        ("one.html", vec![ckl.as_path()]),
        ("fleet.html", vec![ckl.as_path(), multi.as_path()]),
    ] {
        let page = dir.path().join(name);
        report(&files, &page);
        let (dom, console) = browse(&page, "--dump-dom");
        assert!(console.is_empty(), "{name}: {console:?}");
        // The script's last statement ran.
        assert!(dom.contains("<body data-ready=\"true\">"), "{name}");
        assert!(dom.contains("id=\"sum-open\">"), "{name}");
    }
}

#[test]
fn the_screenshot_is_not_blank_and_paints_the_summary_numbers() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let page = dir.path().join("r.html");
    report(&[&ckl], &page);
    let (shot, console) = screenshot(&page);
    assert!(console.is_empty(), "{console:?}");
    assert_eq!(shot.width, 1280);

    // Not blank: most of the page is background, but far from all of it,
    // in many colours (text, tables, the status bar's four colours).
    let background = [0xfa, 0xfa, 0xfa];
    let inked = shot.rgb.iter().filter(|p| **p != background).count();
    let share = inked as f64 / shot.rgb.len() as f64;
    assert!(
        share > 0.15,
        "only {:.1}% of the page is drawn",
        share * 100.0
    );
    let near = |p: &[u8; 3], c: [u8; 3]| p.iter().zip(c).all(|(a, b)| a.abs_diff(b) < 12);
    for (name, colour) in [
        ("Open", [0xc6, 0x28, 0x28]),
        ("NotAFinding", [0x2e, 0x7d, 0x32]),
        ("Not_Applicable", [0x15, 0x65, 0xc0]),
        ("Not_Reviewed", [0x8d, 0x8d, 0x8d]),
    ] {
        let n = shot.rgb.iter().filter(|p| near(p, colour)).count();
        assert!(n > 200, "{name}: {n} pixels of its colour");
    }

    // The numbers are painted: the same page with the summary numbers
    // hidden (layout kept) differs from it in the summary cards, and only there.
    let html = std::fs::read_to_string(&page).unwrap();
    let blank = html.replacen(
        "</style>",
        "#summary .card .n { visibility: hidden; }\n</style>",
        1,
    );
    assert_ne!(blank, html);
    let blank_page = dir.path().join("blank.html");
    std::fs::write(&blank_page, blank).unwrap();
    let (without, _) = screenshot(&blank_page);
    let rows_changed: Vec<usize> = (0..shot.rgb.len() / shot.width)
        .filter(|y| {
            let row = y * shot.width..(y + 1) * shot.width;
            shot.rgb[row.clone()] != without.rgb[row]
        })
        .collect();
    assert!(
        rows_changed.len() >= 20,
        "{} rows differ",
        rows_changed.len()
    );
    // The cards sit in the first 200 pixels of the page.
    let last = rows_changed.iter().max().unwrap();
    assert!(
        *last < 200,
        "{} rows differ, down to row {last}",
        rows_changed.len()
    );
}
