//! `stigkit upgrade`.

use super::{Exit, now_stamp, print, warn_all};
use crate::model::Checklist;
use crate::report::{self, Templates, UpgradeView};
use crate::source::{self, Format};
use crate::upgrade::{self, Inputs};
use crate::{cklb, output};
use std::path::PathBuf;
use uuid::Uuid;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The checklist to carry to the new release (.ckl or .cklb).
    pub old: PathBuf,
    /// New release (XCCDF or DISA zip) of a STIG in OLD, found by benchmark
    /// id; repeat for each STIG to upgrade. STIGs without one are kept.
    #[arg(long = "benchmark", value_name = "NEW", required = true)]
    pub benchmarks: Vec<PathBuf>,
    /// In a zip holding several benchmarks, the one whose entry name contains this.
    #[arg(long, value_name = "NAME")]
    pub xccdf: Option<String>,
    /// Output file: .ckl (STIG Viewer 2) or .cklb (STIG Viewer 3).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Also write every decision, per rule, as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Replace OUT (and the report) if they exist.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    // A bad output name fails before any work.
    output::render_checklist(&a.output, &Checklist::default())?;
    if a.report.as_ref() == Some(&a.output) {
        anyhow::bail!(
            "{}: given both as the checklist (-o) and as the report (--report)",
            a.output.display()
        );
    }
    let loaded = source::load_checklist(&a.old)?;
    warn_all(&a.old, &loaded.warnings);
    let benchmarks = a
        .benchmarks
        .iter()
        .map(|p| source::load_benchmark(p, a.xccdf.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let templates = Templates::builtin();
    let now = now_stamp();
    let inputs = Inputs {
        old: &loaded.checklist,
        benchmarks: &benchmarks,
        templates: &templates,
        now: &now,
    };
    let up = upgrade::upgrade(inputs, Uuid::new_v4).map_err(|e| match e {
        upgrade::Error::NoStig {
            index,
            id,
            available,
        } => anyhow::anyhow!(
            "{}: benchmark {id} matches no STIG of {} (it holds {})",
            a.benchmarks[index].display(),
            a.old.display(),
            available.join(", ")
        ),
        upgrade::Error::DuplicateBenchmark { index, .. } => {
            anyhow::anyhow!("{}: {e}", a.benchmarks[index].display())
        }
        upgrade::Error::Template(_) => anyhow::anyhow!(e),
    })?;
    let mut checklist = up.checklist;
    checklist.name = a
        .output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    checklist.fill_identifiers(Uuid::new_v4);
    if Format::from_path(&a.output) == Some(Format::Cklb) {
        for lost in cklb::unrepresentable(&checklist) {
            eprintln!(
                "warning: {}: a CKLB has no field for {lost}; it is not in {}",
                a.old.display(),
                a.output.display()
            );
        }
    }
    let view = UpgradeView::of(&a.old, &a.output, a.report.as_deref(), &up.report);
    // Everything is rendered before anything is written.
    let summary = report::render("upgrade_summary.txt.j2", &view)?;
    let (_, text) = output::render_checklist(&a.output, &checklist)?;
    let json = serde_json::to_string_pretty(&view)? + "\n";
    let mut files = vec![(a.output.as_path(), text.as_bytes())];
    if let Some(r) = &a.report {
        files.push((r.as_path(), json.as_bytes()));
    }
    output::write_all_atomic(&files, a.force)?;
    print(&summary)?;
    Ok(Exit::Ok)
}
