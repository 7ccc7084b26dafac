//! `stigkit export`.
//!
//! `--format xccdf` writes one XCCDF results file per STIG (a results
//! document holds one Benchmark). OUT is that file when the inputs hold a
//! single STIG and OUT is not a folder; otherwise OUT is a folder (made if
//! missing) that gets `<host>_<stig_id>_V<v>R<r>-xccdf.xml` per STIG.
//! `csv` and `poam` write one file with rows from every checklist.

use super::{Exit, warn_all};
use crate::model::Checklist;
use crate::{export, output, source, xccdf_results};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output file, or for XCCDF of several STIGs a folder (end it with /).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Host name for checklists that name none (STIG Viewer leaves it
    /// blank until filled in; XCCDF results and POA&Ms need one).
    #[arg(long, value_name = "H")]
    pub host_name: Option<String>,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// XCCDF 1.2 results, one file per STIG (STIG Manager, eMASS).
    Xccdf,
    /// STIG Viewer's CSV column set, one row per rule.
    Csv,
    /// eMASS POA&M import template columns, one row per Open finding.
    Poam,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let mut checklists = Vec::with_capacity(a.checklists.len());
    for path in &a.checklists {
        let loaded = source::load_checklist(path)?;
        let mut checklist = loaded.checklist;
        match &a.host_name {
            Some(h) if checklist.asset.host_name.trim().is_empty() => {
                checklist.asset.host_name = h.clone();
            }
            // The reader's warning is moot once a host name is given.
            _ => warn_all(path, &loaded.warnings),
        }
        checklists.push(checklist);
    }
    match a.format {
        Format::Xccdf => xccdf(&a, &checklists),
        Format::Csv | Format::Poam => {
            let (bytes, what) = if a.format == Format::Csv {
                let rows: usize = checklists.iter().map(Checklist::rule_count).sum();
                (export::csv::write(&checklists), super::count(rows, "rule"))
            } else {
                let open = checklists
                    .iter()
                    .flat_map(|c| &c.stigs)
                    .flat_map(|s| &s.rules)
                    .filter(|r| r.review.status == crate::model::Status::Open)
                    .count();
                (
                    export::poam::write(&checklists),
                    super::count(open, "Open finding"),
                )
            };
            let bytes = bytes.with_context(|| a.output.display().to_string())?;
            output::write_atomic(&a.output, &bytes, a.force)?;
            eprintln!("wrote {} ({what})", a.output.display());
            Ok(Exit::Ok)
        }
    }
}

fn xccdf(a: &Args, checklists: &[Checklist]) -> anyhow::Result<Exit> {
    let now = super::now_stamp();
    let stigs: usize = checklists.iter().map(|c| c.stigs.len()).sum();
    let as_folder = a.output.is_dir() || a.output.to_string_lossy().ends_with('/');
    if !as_folder && stigs != 1 {
        bail!(
            "{}: the input holds {stigs} STIGs and an XCCDF results file holds one; give a folder ending in / to get one file per STIG",
            a.output.display()
        );
    }
    let mut files: Vec<(PathBuf, String)> = Vec::with_capacity(stigs);
    for (c, path) in checklists.iter().zip(&a.checklists) {
        for s in &c.stigs {
            let xml = xccdf_results::write(&c.asset, s, &now)
                .with_context(|| path.display().to_string())?;
            let out = if as_folder {
                a.output.join(export::xccdf_file_name(&c.asset, s))
            } else {
                a.output.clone()
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
        std::fs::create_dir_all(&a.output).with_context(|| a.output.display().to_string())?;
    }
    let refs: Vec<(&Path, &[u8])> = files
        .iter()
        .map(|(p, x)| (p.as_path(), x.as_bytes()))
        .collect();
    output::write_all_atomic(&refs, a.force)?;
    for (p, _) in &files {
        eprintln!("wrote {}", p.display());
    }
    Ok(Exit::Ok)
}
