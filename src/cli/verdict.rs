//! `stigkit evaluate` and `stigkit scan`: from evidence to checklists.

use super::checklist::AssetArgs;
use super::collect::Args as CollectArgs;
use super::{Exit, now_stamp, print};
use crate::checks::Policy;
use crate::checks::answers::Answers;
use crate::collect::{self, ProcessEnvironment, Settings};
use crate::evaluate::{self, Evaluation, Inputs};
use crate::evidence::Evidence;
use crate::model::{Asset, Benchmark, Severity, Status};
use crate::output;
use crate::report::Templates;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The worst category that fails a pipeline.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FailOn {
    /// Open CAT I findings.
    Cat1,
    /// Open CAT I or CAT II findings.
    Cat2,
    /// Any open finding.
    Cat3,
}

impl FailOn {
    fn counts(self, s: Severity) -> bool {
        matches!(
            (self, s),
            (_, Severity::High)
                | (FailOn::Cat2 | FailOn::Cat3, Severity::Medium)
                | (FailOn::Cat3, Severity::Low | Severity::Unknown)
        )
    }
}

/// How evidence is judged: benchmark, site policy, answers, templates.
#[derive(clap::Args, Debug)]
pub struct VerdictArgs {
    /// DISA benchmark (XCCDF or zip) for rule ids and texts; the built-in
    /// MKE catalog when omitted.
    #[arg(long, value_name = "BENCH")]
    pub benchmark: Option<PathBuf>,
    /// In a zip holding several benchmarks, the one whose entry name contains this.
    #[arg(long, value_name = "NAME")]
    pub xccdf: Option<String>,
    /// Site policy (TOML; see samples/policy.toml).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Answer file(s) for rules a tool cannot decide (repeatable).
    #[arg(long = "answers", value_name = "FILE")]
    pub answers: Vec<PathBuf>,
    /// Folder of templates overriding the built-in ones by name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Exit with code 1 when Open findings of this category or worse exist.
    #[arg(long, value_name = "CAT")]
    pub fail_on: Option<FailOn>,
    /// Judge answer expiry as of this day (YYYY-MM-DD) instead of today,
    /// to reproduce an earlier evaluation.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub asset: AssetArgs,
}

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// Evidence bundle (folder or zip) written by `stigkit collect`.
    #[arg(long, value_name = "BUNDLE")]
    pub evidence: PathBuf,
    #[command(flatten)]
    pub verdict: VerdictArgs,
    /// Checklist(s) to write: .ckl and/or .cklb (repeatable).
    #[arg(short, long = "output", value_name = "OUT", required = true)]
    pub outputs: Vec<PathBuf>,
    /// Replace outputs that exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub collect: CollectArgs,
    #[command(flatten)]
    pub verdict: VerdictArgs,
}

/// Loads the policy file; its trusted CA bundle path is relative to it.
fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("policy {}: {e}", path.display()))?;
    let mut p =
        Policy::parse(&text).map_err(|e| anyhow::anyhow!("policy {}: {e}", path.display()))?;
    if let Some(ca) = &p.trusted_ca_bundle {
        let ca = if ca.is_absolute() {
            ca.clone()
        } else {
            path.parent().unwrap_or(Path::new(".")).join(ca)
        };
        let pem = std::fs::read(&ca).map_err(|e| {
            anyhow::anyhow!(
                "policy {}: trusted_ca_bundle {}: {e}",
                path.display(),
                ca.display()
            )
        })?;
        p.trusted_ca_pem = Some(pem);
    }
    Ok(p)
}

fn load_answers(paths: &[PathBuf]) -> anyhow::Result<Answers> {
    let mut all = Answers::default();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("answers {}: {e}", path.display()))?;
        let name = path.display().to_string();
        let file =
            Answers::parse(&text, &name).map_err(|e| anyhow::anyhow!("answers {name}: {e}"))?;
        for a in file.iter() {
            all.add(a.clone())
                .map_err(|e| anyhow::anyhow!("answers: {e}"))?;
        }
    }
    Ok(all)
}

/// The asset a checklist is about, from the flags, then from the evidence:
/// MKE's URL gives the FQDN (and short host name) or the IP address; the
/// engine's node name stands in for a host name an IP cannot give.
fn asset_from(flags: &AssetArgs, ev: &Evidence) -> Asset {
    let url_host = ev
        .manifest
        .target
        .mke_url
        .as_deref()
        .and_then(|u| reqwest::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()));
    let node_name = || {
        crate::checks::Facts::new(ev)
            .info
            .ok()
            .and_then(|i| i.get("Name").and_then(|n| n.as_str()).map(str::to_string))
    };
    let (mut name, mut ip, mut fqdn) = (None, String::new(), String::new());
    match url_host {
        Some(h) if h.parse::<std::net::IpAddr>().is_ok() => ip = h,
        Some(h) => {
            name = h.split('.').next().map(str::to_string);
            if h.contains('.') {
                fqdn = h;
            }
        }
        None => {}
    }
    let name = name
        .or_else(node_name)
        .unwrap_or_else(|| "docker-host".into());
    let mut asset = flags.to_asset(&name);
    if asset.host_ip.is_empty() {
        asset.host_ip = ip;
    }
    if asset.host_fqdn.is_empty() {
        asset.host_fqdn = fqdn;
    }
    asset
}

struct Judged {
    evaluation: Evaluation,
    benchmark: Benchmark,
}

fn judge(v: &VerdictArgs, ev: &Evidence) -> anyhow::Result<Judged> {
    let benchmark = super::benchmark::load(v.benchmark.as_ref(), v.xccdf.as_deref())?;
    let policy = load_policy(v.policy.as_deref())?;
    let answers = load_answers(&v.answers)?;
    let templates = match &v.templates {
        Some(d) => Templates::with_dir(d).map_err(anyhow::Error::msg)?,
        None => Templates::builtin(),
    };
    let asset = asset_from(&v.asset, ev);
    let evaluation = evaluate::evaluate(Inputs {
        benchmark: &benchmark,
        evidence: ev,
        policy: &policy,
        answers: &answers,
        templates: &templates,
        asset,
        today: v.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
        stig_uuid: uuid::Uuid::new_v4(),
        now: now_stamp(),
    })
    .map_err(|e| anyhow::anyhow!("rendering a template: {e:#}"))?;
    Ok(Judged {
        evaluation,
        benchmark,
    })
}

#[derive(Serialize)]
struct Row<'a> {
    label: &'a str,
    c: crate::model::Counts,
}

#[derive(Serialize)]
struct OpenFinding {
    vuln_id: String,
    category: &'static str,
    summary: String,
}

#[derive(Serialize)]
struct SummaryView<'a> {
    host: &'a str,
    stig_id: &'a str,
    revision: String,
    rules: usize,
    collected_at: &'a str,
    target: String,
    rows: Vec<Row<'a>>,
    open: Vec<OpenFinding>,
    failed_calls: Vec<String>,
    notes: &'a [String],
    outputs: Vec<String>,
}

fn render_summary(j: &Judged, ev: &Evidence, outputs: &[PathBuf]) -> anyhow::Result<String> {
    let s = evaluate::summary(&j.evaluation.results);
    let mut open: Vec<OpenFinding> = j
        .evaluation
        .results
        .iter()
        .filter(|r| r.status == Status::Open)
        .map(|r| OpenFinding {
            vuln_id: r.vuln_id.clone(),
            category: r.severity.category(),
            summary: r
                .automated
                .as_ref()
                .map_or_else(|| r.title.clone(), |o| o.summary.clone()),
        })
        .collect();
    open.sort_by(|a, b| a.category.cmp(b.category).then(a.vuln_id.cmp(&b.vuln_id)));
    let view = SummaryView {
        host: &j.evaluation.checklist.asset.host_name,
        stig_id: &j.benchmark.id,
        revision: j
            .benchmark
            .revision()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        rules: j.evaluation.results.len(),
        collected_at: &ev.manifest.finished_at,
        target: ev
            .manifest
            .target
            .mke_url
            .clone()
            .or_else(|| ev.manifest.target.docker.first().cloned())
            .unwrap_or_default(),
        rows: vec![
            Row {
                label: "CAT I",
                c: s.cat_i,
            },
            Row {
                label: "CAT II",
                c: s.cat_ii,
            },
            Row {
                label: "CAT III",
                c: s.cat_iii,
            },
            Row {
                label: "Total",
                c: s.all,
            },
        ],
        open,
        failed_calls: ev
            .manifest
            .calls
            .iter()
            .filter_map(|c| {
                c.error
                    .as_ref()
                    .map(|e| format!("{} ({} {}): {e}", c.key, c.method, c.path))
            })
            .collect(),
        notes: &j.evaluation.notes,
        outputs: outputs.iter().map(|p| p.display().to_string()).collect(),
    };
    Ok(crate::report::render("scan_summary.txt.j2", &view)?)
}

/// Exit code 1 when `--fail-on` finds open findings at or above its category.
fn threshold(v: &VerdictArgs, j: &Judged) -> Option<Exit> {
    let fail = v.fail_on?;
    j.evaluation
        .results
        .iter()
        .any(|r| r.status == Status::Open && fail.counts(r.severity))
        .then_some(Exit::Findings)
}

pub fn evaluate(a: EvaluateArgs) -> anyhow::Result<Exit> {
    for out in &a.outputs {
        output::render_checklist(out, &crate::model::Checklist::default())?;
        if !a.force && out.exists() {
            anyhow::bail!(
                "{}: already exists (use --force to replace it)",
                out.display()
            );
        }
    }
    let ev = Evidence::load(&a.evidence)?;
    let j = judge(&a.verdict, &ev)?;
    let mut checklist = j.evaluation.checklist.clone();
    checklist.name = a.outputs[0]
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    checklist.fill_identifiers(uuid::Uuid::new_v4);
    for out in &a.outputs {
        output::write_checklist(out, &checklist, a.force)?;
    }
    print(&render_summary(&j, &ev, &a.outputs)?)?;
    Ok(exit_code(&a.verdict, &j, &ev))
}

/// 1 when `--fail-on` trips, else 3 when the evidence is partial, else 0.
fn exit_code(v: &VerdictArgs, j: &Judged, ev: &Evidence) -> Exit {
    threshold(v, j).unwrap_or(if ev.is_partial() {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

pub fn scan(a: ScanArgs) -> anyhow::Result<Exit> {
    let out = &a.collect.out;
    if out.exists() && !a.collect.force {
        anyhow::bail!(
            "{}: already exists (use --force to replace it)",
            out.display()
        );
    }
    if out.extension().is_some() {
        anyhow::bail!(
            "{}: scan writes a folder (evidence, checklists and a summary); give a folder name",
            out.display()
        );
    }
    let settings =
        Settings::resolve(&a.collect.flags(), &ProcessEnvironment).map_err(anyhow::Error::msg)?;
    for w in &settings.warnings {
        eprintln!("warning: {w}");
    }
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let bundle = out.join("evidence");
    let progress: Arc<dyn collect::Progress> = Arc::new(collect::Quiet);
    collect::collect(&settings, progress, &bundle, a.collect.force).map_err(anyhow::Error::msg)?;
    // Judge what was stored, read back and verified, exactly as an offline
    // `evaluate` of the bundle would.
    let ev = Evidence::load(&bundle)?;
    let j = judge(&a.verdict, &ev)?;
    let stem = crate::evidence::file_safe(&j.evaluation.checklist.asset.host_name);
    let outputs = [
        out.join(format!("{stem}.ckl")),
        out.join(format!("{stem}.cklb")),
    ];
    let mut checklist = j.evaluation.checklist.clone();
    checklist.name = stem.clone();
    checklist.fill_identifiers(uuid::Uuid::new_v4);
    for o in &outputs {
        output::write_checklist(o, &checklist, a.collect.force)?;
    }
    let mut written: Vec<PathBuf> = vec![bundle];
    written.extend(outputs.iter().cloned());
    let summary = render_summary(&j, &ev, &written)?;
    output::write_atomic(
        &out.join("summary.txt"),
        summary.as_bytes(),
        a.collect.force,
    )?;
    print(&summary)?;
    Ok(exit_code(&a.verdict, &j, &ev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Cat1.counts(Severity::High) && !FailOn::Cat1.counts(Severity::Medium));
        assert!(FailOn::Cat2.counts(Severity::Medium) && !FailOn::Cat2.counts(Severity::Low));
        assert!(FailOn::Cat3.counts(Severity::Low));
    }
}
