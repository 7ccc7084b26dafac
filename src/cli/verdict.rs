//! `stigkit evaluate` and `stigkit scan`.

use super::checklist::AssetArgs;
use super::collect::Args as CollectArgs;
use super::{Exit, Stderr, finish};
use crate::commands::verdict::{self, Options};
use crate::evaluate::FailOn;
use std::path::PathBuf;

/// The worst category that fails a pipeline.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FailOnArg {
    /// Open CAT I findings.
    Cat1,
    /// Open CAT I or CAT II findings.
    Cat2,
    /// Any open finding.
    Cat3,
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
    pub fail_on: Option<FailOnArg>,
    /// Judge answer expiry as of this day (YYYY-MM-DD) instead of today,
    /// to reproduce an earlier evaluation.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Refuse an evidence bundle that holds files its manifest does not
    /// list (by default they are named in a warning and not read).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub asset: AssetArgs,
}

impl VerdictArgs {
    fn options(self) -> Options {
        Options {
            fail_on: self.fail_on.map(|f| match f {
                FailOnArg::Cat1 => FailOn::Cat1,
                FailOnArg::Cat2 => FailOn::Cat2,
                FailOnArg::Cat3 => FailOn::Cat3,
            }),
            asset: self.asset.to_asset(""),
            host_name: self.asset.host_name,
            benchmark: self.benchmark,
            pick: self.xccdf,
            policy: self.policy,
            answers: self.answers,
            templates: self.templates,
            as_of: self.as_of,
            strict: self.strict,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// Evidence bundle (folder or zip) written by `stigkit collect`.
    #[arg(long, value_name = "BUNDLE")]
    pub evidence: PathBuf,
    #[command(flatten)]
    pub verdict: VerdictArgs,
    /// Checklist(s) to write: .ckl and/or .cklb (repeatable), or one
    /// s3://bucket/prefix to store the run (CKL, CKLB, evidence, summary).
    #[arg(
        short,
        long = "output",
        value_name = "OUT",
        required_unless_present = "verify_against"
    )]
    pub outputs: Vec<PathBuf>,
    /// Write nothing; check that the bundle is the one this checklist was
    /// judged from (exit 1 when it is not).
    #[arg(long, value_name = "CHECKLIST", conflicts_with = "outputs")]
    pub verify_against: Option<PathBuf>,
    /// Replace outputs that exist.
    #[arg(long)]
    pub force: bool,
    /// The cluster's name in the bucket with -o s3://... [default: the
    /// host the checklist names].
    #[arg(long, value_name = "NAME", env = "STIGKIT_CLUSTER")]
    pub cluster: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub collect: CollectArgs,
    #[command(flatten)]
    pub verdict: VerdictArgs,
}

pub fn evaluate(a: EvaluateArgs) -> anyhow::Result<Exit> {
    if let Some(checklist) = &a.verify_against {
        return finish(verdict::verify_against(&a.evidence, checklist, &Stderr)?);
    }
    let options = a.verdict.options();
    finish(verdict::evaluate(
        &options,
        &a.evidence,
        &a.outputs,
        a.force,
        a.cluster.as_deref(),
        &Stderr,
    )?)
}

pub fn scan(a: ScanArgs) -> anyhow::Result<Exit> {
    let flags = a.collect.flags();
    let options = a.verdict.options();
    finish(verdict::scan(
        &flags,
        &options,
        &a.collect.out,
        a.collect.force,
        a.collect.cluster.as_deref(),
        &Stderr,
    )?)
}
