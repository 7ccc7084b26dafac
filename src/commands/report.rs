//! `report`: one self-contained HTML page, or Markdown, of where assets stand.

use super::fleet::{self, Selection};
use super::{Notify, Outcome, count, now_stamp, warn_all};
use crate::report::{AssessmentReport, AssetReport};
use crate::templates::Templates;
use crate::{batch, output};
use std::path::{Path, PathBuf};

/// Per-rule tables are kept for up to this many checklists unless asked.
const DETAIL_LIMIT: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
}

/// Whether the report holds per-rule tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Details {
    /// For up to 20 checklists.
    Auto,
    Always,
    Never,
}

/// What `report` reads and writes.
pub struct Request<'a> {
    pub checklists: &'a [PathBuf],
    /// The file to write, or `-` for the outcome's text.
    pub output: &'a Path,
    /// By default from the output's extension (HTML for `-`).
    pub format: Option<Format>,
    pub details: Details,
    /// A folder whose report templates replace the built-in ones.
    pub templates: Option<&'a Path>,
    pub force: bool,
    /// Which runs, when `checklists` is one `s3://` location.
    pub fleet: Selection,
}

/// Renders the report; to the outcome's text when the output is `-`.
pub fn report(r: Request<'_>, notify: &dyn Notify) -> anyhow::Result<Outcome> {
    let format = match r.format {
        Some(f) => f,
        None => format_of(r.output)?,
    };
    let templates = match r.templates {
        Some(dir) => Templates::with_dir(dir).map_err(anyhow::Error::msg)?,
        None => Templates::builtin(),
    };
    let fetched = match fleet::source(r.checklists)? {
        Some(location) => Some(fleet::fetch(&location, r.fleet, false, notify)?),
        None => None,
    };
    let (paths, names) = match &fetched {
        Some(f) => (f.paths.as_slice(), f.names.as_slice()),
        None => (r.checklists, r.checklists),
    };
    let details = match r.details {
        Details::Always => true,
        Details::Never => false,
        Details::Auto => paths.len() <= DETAIL_LIMIT,
    };
    let mut assets = Vec::with_capacity(paths.len());
    // Each checklist becomes its (much smaller) view as soon as it is read.
    batch::for_each_mapped(
        paths,
        batch::workers(),
        |i, loaded| {
            loaded.map(|l| {
                let view = AssetReport::of(&names[i], &l.checklist, details);
                (view, l.warnings)
            })
        },
        |i, viewed| {
            let (view, warnings) = viewed?;
            warn_all(notify, &names[i], &warnings);
            assets.push(view);
            anyhow::Ok(())
        },
    )?;
    let mut view = AssessmentReport::of(assets, details, now_stamp());
    if let Some(f) = fetched {
        view.clusters = f.clusters;
    }
    let name = match format {
        Format::Html => "report.html.j2",
        Format::Md => "report.md.j2",
    };
    let text = templates
        .render(name, &view)
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    if r.output == Path::new("-") {
        return Ok(Outcome::shown(text));
    }
    output::write_atomic(r.output, text.as_bytes(), r.force)?;
    Ok(Outcome::noted(vec![format!(
        "wrote {}: {} Open ({} CAT I), {} Not_Reviewed of {} rules in {}",
        r.output.display(),
        view.totals.all.open,
        view.totals.cat_i.open,
        view.totals.all.not_reviewed,
        view.totals.all.total,
        count(view.assets.len(), "checklist"),
    )]))
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    if path == Path::new("-") {
        return Ok(Format::Html);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => Ok(Format::Html),
        "md" | "markdown" => Ok(Format::Md),
        _ => anyhow::bail!(
            "{}: unknown report extension; use .html or .md, or --format",
            path.display()
        ),
    }
}
