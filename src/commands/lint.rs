//! `lint`: what would make eMASS, STIG Viewer or STIG Manager reject or
//! misread each checklist.

use super::{Attention, Outcome, count};
use crate::lint::{self, FileReport, Finding};
use crate::{batch, source};
use serde::Serialize;
use std::path::PathBuf;

/// `--json`: every finding, and every file with its counts (a clean file
/// is listed too, so each file visibly got a result).
#[derive(Serialize)]
struct JsonOut<'a> {
    findings: Vec<&'a Finding>,
    files: Vec<JsonFile<'a>>,
    totals: Totals,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    format: Option<&'static str>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Totals {
    files: usize,
    errors: usize,
    warnings: usize,
}

/// Lints every checklist, against the benchmarks of the same id when
/// given; [`Attention::Findings`] when any finding is an error.
pub fn lint(checklists: &[PathBuf], benchmarks: &[PathBuf], json: bool) -> anyhow::Result<Outcome> {
    // A missing file is a usage error, not a finding: the command line is
    // wrong, not the checklist.
    for p in checklists {
        if !p.exists() {
            anyhow::bail!("{}: no such file", p.display());
        }
    }
    let benchmarks = benchmarks
        .iter()
        .map(|p| source::load_benchmark(p, None))
        .collect::<Result<Vec<_>, _>>()?;
    let reports = lint::lint_paths(checklists, &benchmarks, batch::workers());
    let totals = Totals {
        files: reports.len(),
        errors: reports.iter().map(FileReport::errors).sum(),
        warnings: reports.iter().map(FileReport::warnings).sum(),
    };
    let attention = if totals.errors > 0 {
        Attention::Findings
    } else {
        Attention::None
    };
    let text = if json {
        let out = JsonOut {
            findings: reports.iter().flat_map(|r| &r.findings).collect(),
            files: reports
                .iter()
                .map(|r| JsonFile {
                    file: &r.file,
                    format: r.format,
                    errors: r.errors(),
                    warnings: r.warnings(),
                })
                .collect(),
            totals,
        };
        serde_json::to_string_pretty(&out)? + "\n"
    } else {
        human(&reports, &totals)
    };
    Ok(Outcome::shown(text).with(attention))
}

/// `FILE: error[code] STIG RULE: message`, one line per finding (grep and
/// editors jump on `FILE:`), then the totals.
fn human(reports: &[FileReport], t: &Totals) -> String {
    let mut s = String::new();
    for f in reports.iter().flat_map(|r| &r.findings) {
        s.push_str(&format!("{}: {}[{}]", f.file, f.level.as_str(), f.code));
        for part in [&f.stig, &f.rule].into_iter().flatten() {
            s.push(' ');
            s.push_str(part);
        }
        s.push_str(": ");
        s.push_str(&f.message.replace(['\n', '\r'], " "));
        s.push('\n');
    }
    let clean = reports.iter().filter(|r| r.findings.is_empty()).count();
    s.push_str(&format!(
        "{} checked, {clean} clean: {}, {}\n",
        count(t.files, "file"),
        count(t.errors, "error"),
        count(t.warnings, "warning"),
    ));
    s
}
