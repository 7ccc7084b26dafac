//! `export`: XCCDF results, STIG Viewer's CSV, or an eMASS POA&M.
//!
//! XCCDF writes one results file per STIG (a results document holds one
//! Benchmark). The output is that file when the inputs hold a single STIG
//! and it is not a folder; otherwise it is a folder (made if missing) that
//! gets `<host>_<stig_id>_V<v>R<r>-xccdf.xml` per STIG. CSV and POA&M write
//! one file with rows from every checklist; a POA&M whose output ends in
//! `.xlsx` is a workbook in eMASS's template layout, any other a CSV.

use super::{Notify, Outcome, count, now_stamp, warn_all};
use crate::model::{Checklist, Status};
use crate::{export, output, source, xccdf_results};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xccdf,
    Csv,
    Poam,
}

/// What `export` reads and writes.
pub struct Request<'a> {
    pub checklists: &'a [PathBuf],
    pub format: Format,
    /// A file, or for XCCDF of several STIGs a folder (ending in `/`).
    pub output: &'a Path,
    /// For checklists that name no host.
    pub host_name: Option<&'a str>,
    pub force: bool,
}

/// Reads every checklist, then writes the export.
pub fn export(r: Request<'_>, notify: &dyn Notify) -> anyhow::Result<Outcome> {
    // A name stigkit cannot write is refused before any input is read.
    let poam = match r.format {
        Format::Poam => Some(poam_kind(r.output)?),
        _ => None,
    };
    let mut checklists = Vec::with_capacity(r.checklists.len());
    for path in r.checklists {
        let loaded = source::load_checklist(path)?;
        let mut checklist = loaded.checklist;
        match r.host_name {
            Some(h) if checklist.asset.host_name.trim().is_empty() => {
                checklist.asset.host_name = h.to_string();
            }
            // The reader's warning is moot once a host name is given.
            _ => warn_all(notify, path, &loaded.warnings),
        }
        checklists.push(checklist);
    }
    let (bytes, what) = match r.format {
        Format::Xccdf => return xccdf(&r, &checklists, notify),
        Format::Csv => {
            let rows: usize = checklists.iter().map(Checklist::rule_count).sum();
            (export::csv::write(&checklists), count(rows, "rule"))
        }
        Format::Poam => {
            let rules = || {
                checklists
                    .iter()
                    .flat_map(|c| &c.stigs)
                    .flat_map(|s| &s.rules)
            };
            let open = rules().filter(|r| r.review.status == Status::Open).count();
            let na = rules()
                .filter(|r| r.review.status == Status::NotApplicable)
                .count();
            let what = format!(
                "{}, {}",
                count(open, "Open finding"),
                count(na, "Not_Applicable rule")
            );
            match poam.unwrap_or(PoamKind::Csv) {
                PoamKind::Csv => (export::poam::write_csv(&checklists), what),
                PoamKind::Xlsx => {
                    let book = export::poam::write_xlsx(&checklists)
                        .with_context(|| r.output.display().to_string())?;
                    for cut in &book.cut {
                        notify.warning(&format!("{}: {cut}", r.output.display()));
                    }
                    (Ok(book.bytes), what)
                }
            }
        }
    };
    let bytes = bytes.with_context(|| r.output.display().to_string())?;
    output::write_atomic(r.output, &bytes, r.force)?;
    Ok(Outcome::noted(vec![format!(
        "wrote {} ({what})",
        r.output.display()
    )]))
}

#[derive(Clone, Copy)]
enum PoamKind {
    Csv,
    Xlsx,
}

/// `.xlsx` gives a workbook; `.xlsm` and `.xls` are refused rather than
/// written as something their name does not say; any other name a CSV.
fn poam_kind(output: &Path) -> anyhow::Result<PoamKind> {
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("xlsx") => Ok(PoamKind::Xlsx),
        Some(e @ ("xlsm" | "xls")) => bail!(
            "{}: stigkit writes a POA&M as .xlsx (eMASS imports it) or CSV, not .{e}; name the output .xlsx or .csv",
            output.display()
        ),
        _ => Ok(PoamKind::Csv),
    }
}

fn xccdf(
    r: &Request<'_>,
    checklists: &[Checklist],
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let now = now_stamp();
    let stigs: usize = checklists.iter().map(|c| c.stigs.len()).sum();
    let as_folder = r.output.is_dir() || r.output.to_string_lossy().ends_with('/');
    if !as_folder && stigs != 1 {
        bail!(
            "{}: the input holds {stigs} STIGs and an XCCDF results file holds one; give a folder ending in / to get one file per STIG",
            r.output.display()
        );
    }
    let mut files: Vec<(PathBuf, String)> = Vec::with_capacity(stigs);
    for (c, path) in checklists.iter().zip(r.checklists) {
        for s in &c.stigs {
            let id = xccdf_results::xccdf_id(&s.info.stig_id);
            if id != s.info.stig_id {
                notify.warning(&format!(
                    "{}: STIG id '{}' cannot be an XCCDF id; it is written as '{id}'",
                    path.display(),
                    s.info.stig_id
                ));
            }
            let xml = xccdf_results::write(&c.asset, s, &now)
                .with_context(|| path.display().to_string())?;
            let out = if as_folder {
                r.output.join(export::xccdf_file_name(&c.asset, s))
            } else {
                r.output.to_path_buf()
            };
            if files.iter().any(|(p, _)| *p == out) {
                bail!(
                    "{}: two STIGs of the inputs would both be written there (same host, STIG and release)",
                    out.display()
                );
            }
            files.push((out, xml));
        }
    }
    if as_folder {
        std::fs::create_dir_all(r.output).with_context(|| r.output.display().to_string())?;
    }
    let refs: Vec<(&Path, &[u8])> = files
        .iter()
        .map(|(p, x)| (p.as_path(), x.as_bytes()))
        .collect();
    output::write_all_atomic(&refs, r.force)?;
    Ok(Outcome::noted(
        files
            .iter()
            .map(|(p, _)| format!("wrote {}", p.display()))
            .collect(),
    ))
}
