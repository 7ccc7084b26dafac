//! Rendering summaries and reports with minijinja templates.
//!
//! Views are plain serialisable structs built from the model; templates in
//! `templates/` (compiled in) turn them into text. Nothing here reads files.

mod assessment;

pub use assessment::{AssessmentReport, AssetReport};

use crate::model::{Benchmark, Checklist, Severity, StigSummary, Summary};
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

/// Built-in templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "benchmark.txt.j2",
        include_str!("../../templates/benchmark.txt.j2"),
    ),
    (
        "summary.txt.j2",
        include_str!("../../templates/summary.txt.j2"),
    ),
    (
        "finding_details.txt.j2",
        include_str!("../../templates/finding_details.txt.j2"),
    ),
    (
        "comments.txt.j2",
        include_str!("../../templates/comments.txt.j2"),
    ),
    (
        "scan_summary.txt.j2",
        include_str!("../../templates/scan_summary.txt.j2"),
    ),
    (
        "merge_summary.txt.j2",
        include_str!("../../templates/merge_summary.txt.j2"),
    ),
    (
        "upgrade_reset.txt.j2",
        include_str!("../../templates/upgrade_reset.txt.j2"),
    ),
    (
        "upgrade_summary.txt.j2",
        include_str!("../../templates/upgrade_summary.txt.j2"),
    ),
    ("diff.txt.j2", include_str!("../../templates/diff.txt.j2")),
    (
        "report.html.j2",
        include_str!("../../templates/report.html.j2"),
    ),
    ("report.md.j2", include_str!("../../templates/report.md.j2")),
];

/// A set of templates: the built-in ones, or a folder of the user's that
/// overrides any of them by file name.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The templates compiled into stigkit.
    pub fn builtin() -> Templates {
        Templates::with_loader(None)
    }

    /// The user's folder first, then the built-in templates. `dir` must
    /// exist; a template in it that does not parse is an error on use.
    pub fn with_dir(dir: &Path) -> Result<Templates, String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a folder of templates", dir.display()));
        }
        Ok(Templates::with_loader(Some(dir.to_path_buf())))
    }

    fn with_loader(dir: Option<std::path::PathBuf>) -> Templates {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("default delimiters are valid"),
        );
        env.set_loader(move |name| {
            if let Some(d) = &dir {
                let p = d.join(name);
                // Names are ours (no `..`), so the join stays inside the folder.
                if p.is_file() {
                    return std::fs::read_to_string(&p).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("{}: {e}", p.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, src)| src.to_string()))
        });
        env.add_filter("pad", |s: String, width: usize| format!("{s:<width$}"));
        env.add_filter("rpad", |s: String, width: usize| format!("{s:>width$}"));
        // Views carry statuses as JSON keys; reviewers read STIG Viewer's spelling.
        env.add_filter("status", |s: String| {
            crate::model::Status::parse_lenient(&s).map_or(s, |st| st.label().to_string())
        });
        // Match keys likewise: `sv_number` is printed `SV number`.
        env.add_filter("match_key", |s: String| {
            serde_json::from_value::<crate::model::MatchKey>(serde_json::Value::String(s.clone()))
                .map_or(s, |k| k.label().to_string())
        });
        // Markdown table cells: one line, no pipes, no raw HTML.
        env.add_filter("md", |s: String| {
            s.trim()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('|', "\\|")
                .replace("\r\n", "<br>")
                .replace(['\n', '\r'], "<br>")
        });
        Templates { env }
    }

    /// Renders template `name` with `view`.
    pub fn render(&self, name: &str, view: &impl Serialize) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(minijinja::value::Serde(view))
    }
}

/// Renders a built-in template with `view`.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, minijinja::Error> {
    Templates::builtin().render(name, view)
}

/// What `benchmark show` reports.
#[derive(Serialize)]
pub struct BenchmarkView {
    pub id: String,
    pub title: String,
    pub version: String,
    pub release: String,
    /// `V2R4`, or empty.
    pub revision: String,
    pub date: String,
    pub release_info: String,
    pub file_name: String,
    pub rule_count: usize,
    pub cat_i: usize,
    pub cat_ii: usize,
    pub cat_iii: usize,
    pub profiles: Vec<ProfileView>,
    pub rules: Vec<RuleView>,
}

#[derive(Serialize)]
pub struct ProfileView {
    pub id: String,
    pub title: String,
    pub selected: usize,
}

#[derive(Serialize)]
pub struct RuleView {
    pub vuln_id: String,
    pub rule_id: String,
    pub stig_id: String,
    pub severity: Severity,
    pub category: &'static str,
    pub title: String,
}

impl BenchmarkView {
    pub fn of(b: &Benchmark) -> BenchmarkView {
        let revision = b.revision();
        let [cat_i, cat_ii, cat_iii, _] = b.severity_counts();
        BenchmarkView {
            id: b.id.clone(),
            title: b.title.clone(),
            version: revision
                .as_ref()
                .map_or_else(|| b.version.clone(), |r| r.version.clone()),
            release: revision
                .as_ref()
                .map(|r| r.release.clone())
                .unwrap_or_default(),
            revision: revision.map(|r| r.to_string()).unwrap_or_default(),
            date: crate::model::benchmark_date(&b.release_info)
                .unwrap_or_default()
                .to_string(),
            release_info: b.release_info.clone(),
            file_name: b.file_name.clone(),
            rule_count: b.rules.len(),
            cat_i,
            cat_ii,
            cat_iii,
            profiles: b
                .profiles
                .iter()
                .map(|p| ProfileView {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    selected: p.selected.len(),
                })
                .collect(),
            rules: b
                .rules
                .iter()
                .map(|r| RuleView {
                    vuln_id: r.vuln_id.clone(),
                    rule_id: r.rule_id.clone(),
                    stig_id: r.stig_id.clone(),
                    severity: r.severity,
                    category: r.severity.category(),
                    title: r.title.clone(),
                })
                .collect(),
        }
    }
}

/// One checklist file in `show`.
#[derive(Serialize)]
pub struct ChecklistView {
    pub file: String,
    pub host_name: String,
    pub stigs: Vec<StigSummary>,
    pub totals: Summary,
}

impl ChecklistView {
    pub fn of(path: &Path, c: &Checklist) -> ChecklistView {
        let stigs = c.summaries();
        let mut totals = Summary::default();
        for s in &stigs {
            totals.merge(&s.counts);
        }
        ChecklistView {
            file: path.display().to_string(),
            host_name: c.asset.host_name.clone(),
            stigs,
            totals,
        }
    }
}

/// Several checklists and their grand totals.
#[derive(Serialize)]
pub struct FleetView {
    pub checklists: Vec<ChecklistView>,
    pub totals: Summary,
}

impl FleetView {
    pub fn of(checklists: Vec<ChecklistView>) -> FleetView {
        let mut totals = Summary::default();
        for c in &checklists {
            totals.merge(&c.totals);
        }
        FleetView { checklists, totals }
    }
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
    pub stigs: &'a [crate::upgrade::StigReport],
    pub totals: &'a crate::upgrade::Totals,
}

impl<'a> UpgradeView<'a> {
    pub fn of(
        old: &Path,
        output: &Path,
        report: Option<&Path>,
        r: &'a crate::upgrade::Report,
    ) -> UpgradeView<'a> {
        UpgradeView {
            tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
            old: old.display().to_string(),
            output: output.display().to_string(),
            report: report.map(|p| p.display().to_string()),
            host_name: &r.host_name,
            stigs: &r.stigs,
            totals: &r.totals,
        }
    }
}

/// What `diff` prints (as text or `--json`).
#[derive(Serialize)]
pub struct DiffView<'a> {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub diff: &'a crate::diff::Diff,
}

impl<'a> DiffView<'a> {
    pub fn of(a: &Path, b: &Path, diff: &'a crate::diff::Diff) -> DiffView<'a> {
        DiffView {
            a: a.display().to_string(),
            b: b.display().to_string(),
            diff,
        }
    }
}
