//! `stigkit checklist new`.

use super::{Exit, finish};
use crate::commands::checklist;
use crate::model::{ASSET_TYPES, Asset, ROLES, TECH_AREAS};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a blank checklist: every rule Not_Reviewed.
    New(NewArgs),
}

#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// XCCDF file or DISA zip; repeat for a multi-STIG checklist. The
    /// built-in MKE catalog when omitted.
    #[arg(long = "benchmark", value_name = "BENCH")]
    pub benchmarks: Vec<PathBuf>,
    /// In a zip holding several benchmarks, the one whose entry name contains this.
    #[arg(long, value_name = "NAME")]
    pub xccdf: Option<String>,
    #[command(flatten)]
    pub asset: AssetArgs,
    /// Output file: .ckl (STIG Viewer 2) or .cklb (STIG Viewer 3).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The asset (target) fields of a checklist.
#[derive(clap::Args, Debug)]
pub struct AssetArgs {
    /// Host name of the system under review (required by STIG Manager and
    /// eMASS; `evaluate` and `scan` take MKE's host name when omitted).
    #[arg(long, value_name = "H")]
    pub host_name: Option<String>,
    #[arg(long, value_name = "IP", default_value = "")]
    pub ip: String,
    #[arg(long, value_name = "MAC", default_value = "")]
    pub mac: String,
    #[arg(long, value_name = "FQDN", default_value = "")]
    pub fqdn: String,
    /// None, Workstation, Member Server or Domain Controller.
    #[arg(long, default_value = "None", value_parser = clap::builder::PossibleValuesParser::new(ROLES))]
    pub role: String,
    /// Computing or Non-Computing.
    #[arg(long, default_value = "Computing", value_parser = clap::builder::PossibleValuesParser::new(ASSET_TYPES))]
    pub asset_type: String,
    /// STIG Viewer technology area, e.g. "UNIX OS" or "Other Review".
    #[arg(long, default_value = "", value_parser = clap::builder::PossibleValuesParser::new(TECH_AREAS), hide_possible_values = true)]
    pub tech_area: String,
    /// Marking (classification banner) of the checklist.
    #[arg(long, default_value = "CUI")]
    pub marking: String,
    /// Free-text comment about the target.
    #[arg(long, default_value = "")]
    pub target_comment: String,
    /// Web or database site; marks the checklist as a web/database STIG.
    #[arg(long, default_value = "")]
    pub web_db_site: String,
    /// Web or database instance; marks the checklist as a web/database STIG.
    #[arg(long, default_value = "")]
    pub web_db_instance: String,
}

impl AssetArgs {
    /// The asset, with `default_host` when no host name was given.
    pub fn to_asset(&self, default_host: &str) -> Asset {
        Asset {
            role: self.role.clone(),
            asset_type: self.asset_type.clone(),
            marking: self.marking.clone(),
            host_name: self
                .host_name
                .clone()
                .unwrap_or_else(|| default_host.to_string()),
            host_ip: self.ip.clone(),
            host_mac: self.mac.clone(),
            host_fqdn: self.fqdn.clone(),
            target_comment: self.target_comment.clone(),
            tech_area: self.tech_area.clone(),
            web_or_database: !self.web_db_site.is_empty() || !self.web_db_instance.is_empty(),
            web_db_site: self.web_db_site.clone(),
            web_db_instance: self.web_db_instance.clone(),
            ..Asset::default()
        }
    }
}

pub fn run(cmd: Command) -> anyhow::Result<Exit> {
    match cmd {
        Command::New(a) => finish(checklist::new(checklist::NewRequest {
            benchmarks: &a.benchmarks,
            pick: a.xccdf.as_deref(),
            asset: a.asset.to_asset(""),
            output: &a.output,
            force: a.force,
        })?),
    }
}
