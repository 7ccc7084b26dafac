//! `evaluate` and `scan`: from evidence to filled checklists. The site
//! policy and answer files are read here; judging and the summary are
//! [`crate::evaluate`]'s.

use super::publish::Destination;
use super::{Attention, Notify, Outcome, load_benchmark, now_stamp, stem};
use crate::checks::Policy;
use crate::checks::answers::Answers;
use crate::collect::{self, Flags, ProcessEnvironment, Settings};
use crate::evaluate::{self, Evaluation, FailOn, Inputs};
use crate::evidence::Evidence;
use crate::model::{Asset, Benchmark, Checklist};
use crate::output;
use crate::templates::Templates;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How evidence is judged.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// DISA benchmark for rule ids and texts; the built-in catalog if `None`.
    pub benchmark: Option<PathBuf>,
    pub pick: Option<String>,
    pub policy: Option<PathBuf>,
    pub answers: Vec<PathBuf>,
    /// A folder of templates overriding the built-in ones by name.
    pub templates: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    /// Judge answer expiry as of this day instead of today.
    pub as_of: Option<chrono::NaiveDate>,
    /// The asset's fields; what it lacks comes from the evidence.
    pub asset: Asset,
    /// The host name, when the user gave one.
    pub host_name: Option<String>,
    /// Refuse a bundle holding files its manifest does not list.
    pub strict: bool,
}

/// Loads the policy file; its trusted CA bundle path is relative to it.
pub fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
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

/// Loads answer files; one Vuln ID answered twice is an error naming both.
pub fn load_answers(paths: &[PathBuf]) -> anyhow::Result<Answers> {
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

/// A judged bundle, ready to be written.
pub struct Judged {
    pub evaluation: Evaluation,
    pub benchmark: Benchmark,
    templates: Templates,
}

impl Judged {
    /// The checklist to write, named after `name`, with fresh identifiers.
    pub fn checklist(&self, name: String) -> Checklist {
        let mut checklist = self.evaluation.checklist.clone();
        checklist.name = name;
        checklist.fill_identifiers(uuid::Uuid::new_v4);
        checklist
    }

    /// The printed summary, naming `outputs` as written.
    pub fn summary(&self, ev: &Evidence, outputs: &[PathBuf]) -> anyhow::Result<String> {
        Ok(evaluate::summary_text(
            &self.templates,
            &self.evaluation,
            &self.benchmark,
            ev,
            outputs,
        )?)
    }

    /// Findings when `--fail-on` trips, else Partial when the evidence is.
    pub fn attention(&self, o: &Options, ev: &Evidence) -> Attention {
        match o.fail_on {
            Some(f) if self.evaluation.fails(f) => Attention::Findings,
            _ if ev.is_partial() => Attention::Partial,
            _ => Attention::None,
        }
    }
}

/// Reads the bundle at `path`: files its manifest does not list are named
/// in a warning, or refuse the bundle under `--strict`.
pub fn load_evidence(o: &Options, path: &Path, notify: &dyn Notify) -> anyhow::Result<Evidence> {
    let ev = Evidence::load(path)?;
    if !ev.unlisted.is_empty() {
        const SHOWN: usize = 10;
        let mut names = ev.unlisted[..ev.unlisted.len().min(SHOWN)].join(", ");
        if ev.unlisted.len() > SHOWN {
            names.push_str(&format!(" and {} more", ev.unlisted.len() - SHOWN));
        }
        let what = format!(
            "{}: {} the manifest does not list (not read): {names}",
            path.display(),
            super::count(ev.unlisted.len(), "file"),
        );
        if o.strict {
            anyhow::bail!("{what}; refused under --strict");
        }
        notify.warning(&what);
    }
    Ok(ev)
}

/// Warns about each text over the 32,767 characters STIG Manager and eMASS
/// keep: they would cut it on import, and the evidence is the part cut.
fn warn_long_texts(j: &Judged, notify: &dyn Notify) {
    for s in &j.evaluation.checklist.stigs {
        for r in &s.rules {
            for (field, text) in [
                ("finding details", &r.review.finding_details),
                ("comments", &r.review.comments),
            ] {
                let n = crate::model::text_len(text);
                if n > crate::model::MAX_TEXT {
                    notify.warning(&format!(
                        "{} {}: {field} are {n} characters; STIG Manager and eMASS keep {} and cut the rest on import",
                        r.rule.vuln_id,
                        r.rule.rule_id,
                        crate::model::MAX_TEXT
                    ));
                }
            }
        }
    }
}

/// Judges every rule of the benchmark from the evidence.
pub fn judge(o: &Options, ev: &Evidence) -> anyhow::Result<Judged> {
    let benchmark = load_benchmark(o.benchmark.as_deref(), o.pick.as_deref())?;
    let policy = load_policy(o.policy.as_deref())?;
    let answers = load_answers(&o.answers)?;
    let templates = match &o.templates {
        Some(d) => Templates::with_dir(d).map_err(anyhow::Error::msg)?,
        None => Templates::builtin(),
    };
    let asset = evaluate::asset_from(&o.asset, o.host_name.as_deref(), ev);
    let evaluation = evaluate::evaluate(Inputs {
        benchmark: &benchmark,
        evidence: ev,
        policy: &policy,
        answers: &answers,
        templates: &templates,
        asset,
        today: o.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
        stig_uuid: uuid::Uuid::new_v4(),
        now: now_stamp(),
    })
    .map_err(|e| anyhow::anyhow!("rendering a template: {e:#}"))?;
    Ok(Judged {
        evaluation,
        benchmark,
        templates,
    })
}

/// Judges a saved bundle, offline, and writes each of `outputs`.
pub fn evaluate(
    o: &Options,
    evidence: &Path,
    outputs: &[PathBuf],
    force: bool,
    cluster: Option<&str>,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    if let [out] = outputs
        && let Some(dest) = Destination::of(out, cluster)?
    {
        let staging = dest.staging()?;
        let dir = staging.path().join("run");
        std::fs::create_dir(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let ev = load_evidence(o, evidence, notify)?;
        let j = judge(o, &ev)?;
        warn_long_texts(&j, notify);
        let host = j.evaluation.checklist.asset.host_name.clone();
        let name = crate::evidence::file_safe(&host);
        let mut written = vec![dir.join(crate::store::runs::EVIDENCE)];
        super::publish::bundle_as_zip(evidence, &written[0])?;
        let checklist = j.checklist(name.clone());
        for ext in ["ckl", "cklb"] {
            let p = dir.join(format!("{name}.{ext}"));
            output::write_checklist(&p, &checklist, false)?;
            written.push(p);
        }
        let summary = j.summary(&ev, &written)?;
        let summary_path = dir.join("summary.txt");
        output::write_atomic(&summary_path, summary.as_bytes(), false)?;
        written.push(summary_path);
        let cluster = dest.cluster(&host)?;
        let mut shown = summary;
        let stored = dest.publish(&cluster, staging, &written, &mut shown)?;
        let mut outcome = Outcome::shown(shown).with(j.attention(o, &ev));
        outcome.notes.push(stored);
        return Ok(outcome);
    }
    if outputs.len() > 1
        && let Some(s3) = outputs
            .iter()
            .find(|p| p.to_str().is_some_and(crate::store::Location::is_s3))
    {
        anyhow::bail!(
            "{}: an s3:// output holds the CKL, CKLB, evidence and summary; give it alone",
            s3.display()
        );
    }
    for out in outputs {
        output::render_checklist(out, &Checklist::default())?;
        if !force && out.exists() {
            anyhow::bail!(
                "{}: already exists (use --force to replace it)",
                out.display()
            );
        }
    }
    let ev = load_evidence(o, evidence, notify)?;
    let j = judge(o, &ev)?;
    warn_long_texts(&j, notify);
    let checklist = j.checklist(outputs.first().map(|p| stem(p)).unwrap_or_default());
    for out in outputs {
        output::write_checklist(out, &checklist, force)?;
    }
    Ok(Outcome::shown(j.summary(&ev, outputs)?).with(j.attention(o, &ev)))
}

/// Collects into `out/evidence`, judges the bundle as read back from
/// disk (exactly as an offline `evaluate` would), and writes a CKL, a
/// CKLB and `summary.txt` beside it. With `out` an `s3://` location, the
/// run is made in a staging folder (the evidence as `evidence.zip`) and
/// stored in the bucket as one run of `cluster`.
pub fn scan(
    flags: &Flags,
    o: &Options,
    out: &Path,
    force: bool,
    cluster: Option<&str>,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let Some(dest) = Destination::of(out, cluster)? else {
        return Ok(scan_into(flags, o, out, force, "evidence", notify)?.0);
    };
    let staging = dest.staging()?;
    let dir = staging.path().join("run");
    let (mut outcome, files, host) =
        scan_into(flags, o, &dir, false, crate::store::runs::EVIDENCE, notify)?;
    let cluster = dest.cluster(&host)?;
    let stored = dest.publish(&cluster, staging, &files, &mut outcome.stdout)?;
    outcome.notes.push(stored);
    Ok(outcome)
}

/// [`scan`] into the local folder `out`, with the bundle as
/// `out/<evidence>` (a `.zip` name writes a zip). Returns the outcome,
/// the files written and the host the checklist names.
fn scan_into(
    flags: &Flags,
    o: &Options,
    out: &Path,
    force: bool,
    evidence: &str,
    notify: &dyn Notify,
) -> anyhow::Result<(Outcome, Vec<PathBuf>, String)> {
    if out.exists() && !force {
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
    let settings = Settings::resolve(flags, &ProcessEnvironment).map_err(anyhow::Error::msg)?;
    for w in &settings.warnings {
        notify.warning(w);
    }
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let bundle = out.join(evidence);
    let progress: Arc<dyn collect::Progress> = Arc::new(collect::Quiet);
    collect::collect(&settings, progress, &bundle, force).map_err(anyhow::Error::msg)?;
    let ev = load_evidence(o, &bundle, notify)?;
    let j = judge(o, &ev)?;
    warn_long_texts(&j, notify);
    let host = j.evaluation.checklist.asset.host_name.clone();
    let name = crate::evidence::file_safe(&host);
    let outputs = [
        out.join(format!("{name}.ckl")),
        out.join(format!("{name}.cklb")),
    ];
    let checklist = j.checklist(name);
    for p in &outputs {
        output::write_checklist(p, &checklist, force)?;
    }
    let mut written: Vec<PathBuf> = vec![bundle];
    written.extend(outputs.iter().cloned());
    let summary = j.summary(&ev, &written)?;
    let summary_path = out.join("summary.txt");
    output::write_atomic(&summary_path, summary.as_bytes(), force)?;
    written.push(summary_path);
    Ok((
        Outcome::shown(summary).with(j.attention(o, &ev)),
        written,
        host,
    ))
}

/// Whether the bundle at `evidence` is the one `checklist` was judged
/// from: the bundle is read and every file checked against its manifest,
/// and the manifest's sha256 must be the one the checklist's finding
/// details name. [`Attention::Findings`] when it is not, or when the
/// checklist names no bundle.
pub fn verify_against(
    evidence: &Path,
    checklist: &Path,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let ev = Evidence::load(evidence)?;
    let ours = ev.manifest_sha256.clone().ok_or_else(|| {
        anyhow::anyhow!("{}: the bundle has no manifest.json", evidence.display())
    })?;
    let loaded = crate::source::load_checklist(checklist)?;
    super::warn_all(notify, checklist, &loaded.warnings);
    let rules: Vec<_> = loaded
        .checklist
        .stigs
        .iter()
        .flat_map(|s| &s.rules)
        .collect();
    let mut named: Vec<(String, usize)> = Vec::new();
    for r in &rules {
        for h in crate::model::bundles_named(&r.review.finding_details) {
            match named.iter_mut().find(|(n, _)| *n == h) {
                Some((_, count)) => *count += 1,
                None => named.push((h, 1)),
            }
        }
    }
    let (c, e) = (checklist.display(), evidence.display());
    let (text, attention) = match named.as_slice() {
        [] => (
            format!(
                "{c}: names no evidence bundle (it was not judged by stigkit evaluate or scan), so {e} cannot be tied to it\n"
            ),
            Attention::Findings,
        ),
        [(h, n)] if *h == ours => (
            format!(
                "{e} is the evidence {c} was judged from: manifest.json sha256 {ours}, named by {n} of {} rules\n",
                rules.len()
            ),
            Attention::None,
        ),
        _ => (
            format!(
                "{e} is NOT the evidence {c} was judged from: the checklist names manifest.json sha256 {}; this bundle's is {ours}\n",
                named
                    .iter()
                    .map(|(h, n)| format!("{h} ({n} rules)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Attention::Findings,
        ),
    };
    Ok(Outcome::shown(text).with(attention))
}
