//! `upgrade`: a checklist's reviews carried to new releases of its STIGs.

use super::{Notify, Outcome, now_stamp, stem, warn_all, warn_unrepresentable};
use crate::model::Checklist;
use crate::output;
use crate::source;
use crate::templates::{self, Templates};
use crate::upgrade::{self, Inputs, StigReport, Totals};
use serde::Serialize;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What `upgrade` carries, to which releases, and where it writes.
pub struct Request<'a> {
    pub old: &'a Path,
    /// The new releases (XCCDF or DISA zip), one per STIG to upgrade.
    pub benchmarks: &'a [PathBuf],
    pub pick: Option<&'a str>,
    pub output: &'a Path,
    /// Every decision, per rule, as JSON.
    pub report: Option<&'a Path>,
    pub force: bool,
}

/// What `upgrade` prints, and writes with `--report`.
#[derive(Serialize)]
pub struct UpgradeView<'a> {
    pub tool: String,
    /// The old checklist, the new one, and the report file.
    pub old: String,
    pub output: String,
    pub report: Option<String>,
    pub host_name: &'a str,
    pub stigs: &'a [StigReport],
    pub totals: &'a Totals,
}

/// Upgrades the checklist and writes it with its report: both or neither.
pub fn upgrade(r: Request<'_>, notify: &dyn Notify) -> anyhow::Result<Outcome> {
    // A bad output name fails before any work.
    output::render_checklist(r.output, &Checklist::default())?;
    if r.report == Some(r.output) {
        anyhow::bail!(
            "{}: given both as the checklist (-o) and as the report (--report)",
            r.output.display()
        );
    }
    let loaded = source::load_checklist(r.old)?;
    warn_all(notify, r.old, &loaded.warnings);
    let benchmarks = r
        .benchmarks
        .iter()
        .map(|p| source::load_benchmark(p, r.pick))
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
            r.benchmarks[index].display(),
            r.old.display(),
            available.join(", ")
        ),
        upgrade::Error::DuplicateBenchmark { index, .. } => {
            anyhow::anyhow!("{}: {e}", r.benchmarks[index].display())
        }
        upgrade::Error::Template(_) => anyhow::anyhow!(e),
    })?;
    let mut checklist = up.checklist;
    checklist.name = stem(r.output);
    checklist.fill_identifiers(Uuid::new_v4);
    warn_unrepresentable(notify, loaded.format, r.old, r.output, &checklist);
    let view = UpgradeView {
        tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
        old: r.old.display().to_string(),
        output: r.output.display().to_string(),
        report: r.report.map(|p| p.display().to_string()),
        host_name: &up.report.host_name,
        stigs: &up.report.stigs,
        totals: &up.report.totals,
    };
    // Everything is rendered before anything is written.
    let summary = templates::render("upgrade_summary.txt.j2", &view)?;
    let (_, text) = output::render_checklist(r.output, &checklist)?;
    let json = serde_json::to_string_pretty(&view)? + "\n";
    let mut files = vec![(r.output, text.as_bytes())];
    if let Some(p) = r.report {
        files.push((p, json.as_bytes()));
    }
    output::write_all_atomic(&files, r.force)?;
    Ok(Outcome::shown(summary))
}
