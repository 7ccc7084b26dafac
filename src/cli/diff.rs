//! `stigkit diff`.

use super::{Exit, print, warn_all};
use crate::diff::{self, Options};
use crate::report::{self, DiffView};
use crate::source;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The earlier checklist (.ckl or .cklb).
    pub a: PathBuf,
    /// The later checklist (.ckl or .cklb).
    pub b: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Compare even when the host names differ.
    #[arg(long)]
    pub allow_host_mismatch: bool,
}

/// Exit 0 when the reviews are identical and 1 when they differ, as diff(1).
pub fn run(a: Args) -> anyhow::Result<Exit> {
    let la = source::load_checklist(&a.a)?;
    warn_all(&a.a, &la.warnings);
    let lb = source::load_checklist(&a.b)?;
    warn_all(&a.b, &lb.warnings);
    let opts = Options {
        allow_host_mismatch: a.allow_host_mismatch,
    };
    let d = diff::diff(&la.checklist, &lb.checklist, opts)
        .map_err(|e| anyhow::anyhow!("{} and {}: {e}", a.a.display(), a.b.display()))?;
    let view = DiffView::of(&a.a, &a.b, &d);
    let text = if a.json {
        serde_json::to_string_pretty(&view)? + "\n"
    } else {
        report::render("diff.txt.j2", &view)?
    };
    print(&text)?;
    Ok(if d.identical {
        Exit::Ok
    } else {
        Exit::Findings
    })
}
