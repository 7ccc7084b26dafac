//! `stigkit report`: the HTML page and the Markdown summary say what `show`
//! counts, list open CAT I findings first, escape every text, and load
//! nothing from outside the page.

mod common;

use common::{data, evaluated_sample, run, run_ok, tempdir};
use std::path::Path;

fn show(files: &[&Path]) -> serde_json::Value {
    let mut args = vec!["show", "--json"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    serde_json::from_slice(&run_ok(&args).stdout).unwrap()
}

fn report(files: &[&Path], out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["report"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    args.extend(["-o", out.to_str().unwrap()]);
    args.extend(extra);
    run_ok(&args);
    std::fs::read_to_string(out).unwrap()
}

/// The text of the element with `id` (no nested tags in the cards).
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    &rest[start..start + end]
}

#[test]
fn the_page_shows_the_counts_show_reports_and_open_cat_i_first() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let html = report(&[&ckl], &dir.path().join("r.html"), &[]);
    let totals = &show(&[&ckl])["totals"];
    for (id, value) in [
        ("sum-open", &totals["all"]["open"]),
        ("sum-cat1-open", &totals["cat_i"]["open"]),
        ("sum-not-reviewed", &totals["all"]["not_reviewed"]),
        ("sum-naf", &totals["all"]["not_a_finding"]),
        ("sum-na", &totals["all"]["not_applicable"]),
        ("sum-total", &totals["all"]["total"]),
    ] {
        assert_eq!(by_id(&html, id), value.to_string(), "#{id}");
    }
    assert_eq!(by_id(&html, "sum-open"), "30");
    assert_eq!(by_id(&html, "sum-cat1-open"), "1");
    // 33 of 44 reviewed, floored.
    assert_eq!(by_id(&html, "sum-reviewed"), "75%");

    // The open CAT I table comes first and holds V-260908 alone; in the
    // rules table, Open CAT I, then Open CAT II ..., Not_Reviewed last but
    // for the passes and N/A.
    let cat1 = html.find("<h3>Open CAT I findings</h3>").unwrap();
    let rules = html.find("<h3>Rules</h3>").unwrap();
    assert!(cat1 < rules);
    assert_eq!(html[cat1..rules].matches("data-status=").count(), 1);
    assert!(html[cat1..rules].contains("V-260908"));
    let statuses: Vec<&str> = html[rules..]
        .split("<tr data-status=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(statuses.len(), 44);
    let first_not = |st: &str| statuses.iter().position(|s| *s == st).unwrap();
    assert_eq!(statuses[0], "open");
    assert_eq!(statuses.iter().filter(|s| **s == "open").count(), 30);
    assert!(first_not("not_reviewed") == 30 && first_not("not_a_finding") == 41);
    assert_eq!(statuses[43], "not_applicable");
    // One inline SVG bar per STIG, one per category, and the summary's.
    assert_eq!(html.matches("<svg class=\"bar\"").count(), 1 + 1 + 3);
}

#[test]
fn the_page_is_self_contained() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let html = report(&[&ckl], &dir.path().join("r.html"), &[]);
    assert!(
        html.contains(
            "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-"
        )
    );
    for external in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn every_text_is_escaped_in_html_and_markdown() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    // A finding detail that is markup, and a pipe that would split a
    // Markdown table cell.
    let text = std::fs::read_to_string(&ckl).unwrap();
    let hostile = "&lt;script&gt;alert(1)&lt;/script&gt; a | b &amp;&amp; c\nline two";
    let at = text.find("<FINDING_DETAILS>").unwrap() + "<FINDING_DETAILS>".len();
    let end = at + text[at..].find("</FINDING_DETAILS>").unwrap();
    let edited = format!("{}{hostile}{}", &text[..at], &text[end..]);
    let path = dir.path().join("hostile.ckl");
    std::fs::write(&path, edited).unwrap();

    let html = report(&[&path], &dir.path().join("r.html"), &[]);
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; a | b &amp;&amp; c\nline two")
    );

    let md = report(&[&path], &dir.path().join("r.md"), &[]);
    let row = md
        .lines()
        .find(|l| l.contains("alert(1)"))
        .expect("the Open finding's row");
    assert!(
        row.contains("&lt;script&gt;alert(1)&lt;/script&gt; a \\| b &amp;&amp; c<br>line two"),
        "{row}"
    );
    // Still a 4-cell row: the pipe did not split it.
    let unescaped = row
        .char_indices()
        .filter(|(i, c)| *c == '|' && !row[..*i].ends_with('\\'))
        .count();
    assert_eq!(unescaped, 5, "{row}");
}

#[test]
fn markdown_gives_the_counts_and_the_open_findings() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let md = report(&[&ckl], &dir.path().join("r.md"), &[]);
    assert!(md.starts_with("# STIG report: mke-mgr-1\n"));
    assert!(md.contains("30 Open (1 CAT I), 11 Not_Reviewed, 75% of 44 rules reviewed."));
    assert!(md.contains("| CAT I | 1 | 2 | 0 | 0 | 3 |"));
    assert!(md.contains("| **Total** | **30** | 11 | 2 | 1 | 44 |"));
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| V-")).collect();
    assert_eq!(rows.len(), 30);
    assert!(rows[0].starts_with("| V-260908 | CAT I |"));
    // --format overrides the extension; `-` prints.
    let o = run_ok(&["report", ckl.to_str().unwrap(), "-o", "-", "--format", "md"]);
    let printed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        printed.lines().filter(|l| l.starts_with("| V-")).count(),
        30
    );
}

#[test]
fn a_fleet_report_ranks_assets_and_rules_across_the_fleet() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let multi = data("ckl/smcm/Asset_a-multi-stig.ckl");
    let three = data("ckl/saf/three_stig_checklist.ckl");
    let files = [three.as_path(), multi.as_path(), ckl.as_path()];
    let html = report(&files, &dir.path().join("fleet.html"), &[]);
    let shown = show(&files);
    assert_eq!(
        by_id(&html, "sum-total"),
        shown["totals"]["all"]["total"].to_string()
    );
    assert_eq!(
        by_id(&html, "sum-open"),
        shown["totals"]["all"]["open"].to_string()
    );
    assert!(html.contains("<h1>STIG report: 3 checklists</h1>"));
    // One overview row per STIG of each checklist: 3 + 3 + 1.
    let overview = &html[html.find("id=\"overview\"").unwrap()..];
    let overview = &overview[..overview.find("</table>").unwrap()];
    assert_eq!(overview.matches("<tr><td>").count(), 7);
    // Worst first: the MKE checklist (1 open CAT I) leads.
    assert!(overview.find("mke-mgr-1").unwrap() < overview.find("Asset_aaaaaaaaaa").unwrap());
    // The fleet's open rules: CAT I first.
    let fleet = &html[html.find("Open findings across the fleet").unwrap()..];
    let first_row = &fleet[fleet.find("<tbody>").unwrap()..];
    assert!(first_row[..300].contains("CAT I") && first_row[..300].contains("V-260908"));
    // Per-rule tables: auto keeps them for 3 checklists, --details never drops them.
    assert_eq!(html.matches("-rules\"><thead>").count(), 7);
    let lean = report(
        &files,
        &dir.path().join("lean.html"),
        &["--details", "never"],
    );
    assert_eq!(lean.matches("-rules\"><thead>").count(), 0);
    assert!(lean.len() < html.len() / 4);
}

#[test]
fn bad_inputs_fail_on_one_line_and_write_nothing() {
    let dir = tempdir();
    let ckl = evaluated_sample(dir.path());
    let out = dir.path().join("r.pdf");
    let o = run(&["report", ckl.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("r.pdf: unknown report extension"), "{err}");

    let broken = dir.path().join("broken.ckl");
    let text = std::fs::read_to_string(&ckl).unwrap();
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    let out = dir.path().join("r.html");
    let o = run(&[
        "report",
        ckl.to_str().unwrap(),
        broken.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("broken.ckl"), "{err}");
    assert!(!out.exists());

    // A user template that does not parse names itself.
    let tpl = dir.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    std::fs::write(tpl.join("report.html.j2"), "{% if %}").unwrap();
    let o = run(&[
        "report",
        ckl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--templates",
        tpl.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("report.html.j2")
    );
    assert!(!out.exists());
}

/// Every field of a checklist holding markup: HTML, a forged table row, a
/// `javascript:` link, an image, a heading, code and emphasis.
const PAYLOAD: &str = "x<img src=x onerror=alert(1)>|forged|row|\n# Forged heading\n[click](javascript:alert(1)) ![t](http://tracker.example/t.png) `code` **bold** <https://evil.example>";

fn hostile_checklist(dir: &Path) -> std::path::PathBuf {
    use stigkit::model::Status;
    let mut c = stigkit::source::load_checklist(&data("ckl/saf/small_ckl_overrides.ckl"))
        .unwrap()
        .checklist;
    c.asset.host_name = format!("host{PAYLOAD}");
    for s in &mut c.stigs {
        s.info.stig_id = format!("stig{PAYLOAD}");
        s.info.title = format!("title{PAYLOAD}");
        s.info.version = format!("1{PAYLOAD}");
        s.info.release_info = format!("Release: 2{PAYLOAD} Benchmark Date: 1 Jan 2024");
        for r in &mut s.rules {
            r.review.status = Status::Open;
            r.rule.vuln_id = format!("V-1{PAYLOAD}");
            r.rule.rule_id = format!("SV-1{PAYLOAD}");
            r.rule.title = format!("rule{PAYLOAD}");
            r.review.finding_details = format!("details{PAYLOAD}");
            r.review.comments = format!("comments{PAYLOAD}");
        }
    }
    let path = dir.join(format!("file{}.ckl", "[a](javascript:x)"));
    stigkit::output::write_checklist(&path, &c, false).unwrap();
    path
}

#[test]
fn hostile_fields_render_inert_in_markdown_and_html() {
    let dir = tempdir();
    let ckl = hostile_checklist(dir.path());
    let rules = stigkit::source::load_checklist(&ckl)
        .unwrap()
        .checklist
        .rule_count();
    for fleet in [false, true] {
        let files: Vec<&Path> = if fleet { vec![&ckl, &ckl] } else { vec![&ckl] };
        let md = report(&files, &dir.path().join(format!("r{fleet}.md")), &[]);
        // Rendered as GitHub would, the Markdown holds no link, image, raw
        // HTML, code or emphasis, no heading but the report's own, and no
        // table row but the report's own.
        let mut opts = pulldown_cmark::Options::empty();
        opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
        opts.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
        let mut html = String::new();
        let mut rows = 0;
        let mut headings = Vec::new();
        let mut in_heading = false;
        let mut in_strong = false;
        for ev in pulldown_cmark::Parser::new_ext(&md, opts) {
            use pulldown_cmark::{Event, Tag, TagEnd};
            match &ev {
                // The line breaks the report itself writes in cells.
                Event::InlineHtml(h) if h.as_ref() == "<br>" => {}
                // The report's own bold: the totals row of each counts table.
                Event::Start(Tag::Strong) => in_strong = true,
                Event::End(TagEnd::Strong) => in_strong = false,
                Event::Text(t) if in_strong => assert!(
                    t.as_ref() == "Total" || t.chars().all(|c| c.is_ascii_digit()),
                    "fleet {fleet}: bold text from the input: {t}"
                ),
                Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Emphasis)
                | Event::Code(_)
                | Event::Html(_)
                | Event::InlineHtml(_) => panic!("fleet {fleet}: markup survived: {ev:?}"),
                Event::Start(Tag::TableRow) => rows += 1,
                Event::Start(Tag::Heading { .. }) => {
                    in_heading = true;
                    headings.push(String::new());
                }
                Event::End(TagEnd::Heading(_)) => in_heading = false,
                Event::Text(t) if in_heading => headings.last_mut().unwrap().push_str(t),
                _ => {}
            }
            pulldown_cmark::html::push_html(&mut html, std::iter::once(ev));
        }
        assert!(
            !html.contains("<img") && !html.contains("href="),
            "fleet {fleet}"
        );
        assert!(
            headings.iter().all(|h| !h.starts_with("Forged")),
            "{headings:?}"
        );
        let stigs = if fleet { 2 } else { 1 };
        // Per STIG: the counts (4 rows) and one row per Open rule; the
        // fleet adds its counts, the top Open rules and the assets.
        let own = if fleet {
            4 + rules.min(10) + 2 + stigs * (4 + rules)
        } else {
            4 + (4 + rules)
        };
        assert!(
            rows <= own,
            "fleet {fleet}: {rows} table rows, the report has {own}"
        );
        assert!(headings.len() <= 3 + 2 * stigs, "{headings:?}");
        assert!(md.contains("\\[click\\](javascript:alert(1))"));

        let page = report(&files, &dir.path().join(format!("r{fleet}.html")), &[]);
        assert!(!page.contains("<img src=x"), "fleet {fleet}");
        assert!(!page.contains("<https://evil"));
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains("x&lt;img src=x onerror=alert(1)&gt;"));
    }
}
