//! `stigkit convert`.

use super::{Exit, warn_all};
use crate::source::Format;
use crate::{cklb, output, source};
use std::path::PathBuf;
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklist to read: .ckl, .cklb or XCCDF results (detected from content).
    pub input: PathBuf,
    /// Output file; .ckl or .cklb decides the format.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let loaded = source::load_checklist(&a.input)?;
    warn_all(&a.input, &loaded.warnings);
    let mut checklist = loaded.checklist;
    if checklist.name.is_empty() {
        checklist.name = a
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    checklist.fill_identifiers(Uuid::new_v4);
    if Format::from_path(&a.output) == Some(Format::Cklb) {
        for lost in cklb::unrepresentable(&checklist) {
            eprintln!(
                "warning: {}: a CKLB has no field for {lost}; it is not in {}",
                a.input.display(),
                a.output.display()
            );
        }
    }
    output::write_checklist(&a.output, &checklist, a.force)?;
    eprintln!(
        "wrote {} ({}, {} rules)",
        a.output.display(),
        super::count(checklist.stigs.len(), "STIG"),
        checklist.rule_count()
    );
    Ok(Exit::Ok)
}
