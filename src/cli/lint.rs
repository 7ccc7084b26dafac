//! `stigkit lint`.

use super::{Exit, count, print};
use crate::batch;
use crate::lint::{self, FileReport, Finding};
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also check each STIG against this benchmark (XCCDF or DISA zip) of
    /// the same id: unknown and missing rules, another release. Repeatable.
    #[arg(long, value_name = "BENCH")]
    pub benchmark: Vec<PathBuf>,
}

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

pub fn run(a: Args) -> anyhow::Result<Exit> {
    // A missing file is a usage error (exit 2), not a finding: the command
    // line is wrong, not the checklist.
    for p in &a.checklists {
        if !p.exists() {
            anyhow::bail!("{}: no such file", p.display());
        }
    }
    let benchmarks = a
        .benchmark
        .iter()
        .map(|p| crate::source::load_benchmark(p, None))
        .collect::<Result<Vec<_>, _>>()?;
    let reports = lint::lint_paths(&a.checklists, &benchmarks, batch::workers());
    let totals = Totals {
        files: reports.len(),
        errors: reports.iter().map(FileReport::errors).sum(),
        warnings: reports.iter().map(FileReport::warnings).sum(),
    };
    let text = if a.json {
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
            totals: Totals { ..totals },
        };
        serde_json::to_string_pretty(&out)? + "\n"
    } else {
        human(&reports, &totals)
    };
    print(&text)?;
    Ok(if totals.errors > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    })
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
