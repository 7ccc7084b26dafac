//! `stigkit archive` and `stigkit archive verify`.

use super::{Exit, Stderr, finish};
use crate::commands::archive;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub verify: Option<Sub>,
    /// Checklists to archive, verbatim (.ckl, .cklb or XCCDF results), or
    /// one s3://bucket/prefix: each cluster's run there, with its evidence.
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// An evidence bundle (folder or .zip) to archive with them; repeatable.
    #[arg(long, value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// The archive to write (.zip), or s3://bucket/prefix to store it as
    /// archives/<UTC time>.zip there.
    #[arg(
        short,
        long,
        value_name = "ARCHIVE.zip|s3://BUCKET/PREFIX",
        required = true
    )]
    pub output: Option<PathBuf>,
    /// Replace an existing archive.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub fleet: super::show::FleetArgs,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Check an archive: every member against the manifest, the manifest
    /// against its seal (exit 1 when anything differs).
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The archive to check.
    pub archive: PathBuf,
    /// The seal printed when the archive was made (sha256 of its
    /// manifest); catches an archive rebuilt and resealed since.
    #[arg(long, value_name = "SHA256")]
    pub expect: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    if let Some(Sub::Verify(v)) = a.verify {
        return finish(archive::verify(&v.archive, v.expect.as_deref())?);
    }
    let output = a
        .output
        .expect("clap requires --output without a subcommand");
    finish(archive::pack(
        &a.checklists,
        &a.evidence,
        &output,
        a.force,
        a.fleet.selection(),
        &Stderr,
    )?)
}
