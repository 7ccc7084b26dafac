//! `stigkit report`.

use super::{Exit, now_stamp, print, warn_all};
use crate::report::{AssessmentReport, AssetReport, Templates};
use crate::{batch, output};
use std::path::{Path, PathBuf};

/// Per-rule tables are kept for up to this many checklists unless asked.
const DETAIL_LIMIT: usize = 20;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results); several make a fleet report.
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// The report to write (.html, .md), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Format; by default from the output's extension (html for `-`).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Per-rule tables: always, never, or (auto) for up to 20 checklists.
    #[arg(long, value_enum, default_value_t = Details::Auto)]
    pub details: Details,
    /// A folder whose report.html.j2 / report.md.j2 replace the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Replace an existing report.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Md,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Details {
    Auto,
    Always,
    Never,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    let format = match a.format {
        Some(f) => f,
        None => format_of(&a.output)?,
    };
    let templates = match &a.templates {
        Some(dir) => Templates::with_dir(dir).map_err(anyhow::Error::msg)?,
        None => Templates::builtin(),
    };
    let details = match a.details {
        Details::Always => true,
        Details::Never => false,
        Details::Auto => a.checklists.len() <= DETAIL_LIMIT,
    };
    let mut assets = Vec::with_capacity(a.checklists.len());
    // Each checklist becomes its (much smaller) view as soon as it is read.
    batch::for_each_mapped(
        &a.checklists,
        batch::workers(),
        |i, loaded| {
            loaded.map(|l| {
                let view = AssetReport::of(&a.checklists[i], &l.checklist, details);
                (view, l.warnings)
            })
        },
        |i, viewed| {
            let (view, warnings) = viewed?;
            warn_all(&a.checklists[i], &warnings);
            assets.push(view);
            anyhow::Ok(())
        },
    )?;
    let view = AssessmentReport::of(assets, details, now_stamp());
    let name = match format {
        ReportFormat::Html => "report.html.j2",
        ReportFormat::Md => "report.md.j2",
    };
    let text = templates
        .render(name, &view)
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    if a.output == Path::new("-") {
        print(&text)?;
    } else {
        output::write_atomic(&a.output, text.as_bytes(), a.force)?;
        eprintln!(
            "wrote {}: {} Open ({} CAT I), {} Not_Reviewed of {} rules in {}",
            a.output.display(),
            view.totals.all.open,
            view.totals.cat_i.open,
            view.totals.all.not_reviewed,
            view.totals.all.total,
            super::count(view.assets.len(), "checklist"),
        );
    }
    Ok(Exit::Ok)
}

fn format_of(path: &Path) -> anyhow::Result<ReportFormat> {
    if path == Path::new("-") {
        return Ok(ReportFormat::Html);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => Ok(ReportFormat::Html),
        "md" | "markdown" => Ok(ReportFormat::Md),
        _ => anyhow::bail!(
            "{}: unknown report extension; use .html or .md, or --format",
            path.display()
        ),
    }
}
