//! `stigkit show`.

use super::{Exit, Stderr, finish};
use crate::commands::fleet::{DEFAULT_STALE_AFTER_HOURS, Selection};
use crate::commands::show;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Checklists (.ckl, .cklb or XCCDF results), or one
    /// s3://bucket/prefix holding a fleet's runs.
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Which runs of a fleet in object storage to read.
#[derive(clap::Args, Debug)]
pub struct FleetArgs {
    /// With s3://: each cluster's newest complete run finished by the end
    /// of this day (UTC, YYYY-MM-DD), instead of its latest.json.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// With s3://: warn about clusters whose run is older than this.
    #[arg(long, value_name = "HOURS", default_value_t = DEFAULT_STALE_AFTER_HOURS)]
    pub stale_after: u64,
}

impl FleetArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            as_of: self.as_of,
            stale_after_hours: self.stale_after,
        }
    }
}

pub fn run(a: Args) -> anyhow::Result<Exit> {
    finish(show::show(
        &a.checklists,
        a.fleet.selection(),
        a.json,
        &Stderr,
    )?)
}
