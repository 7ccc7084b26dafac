//! `stigkit archive` and `stigkit archive verify`.

use super::{Exit, count, now_stamp, print};
use crate::archive::{self, manifest::Creator};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub verify: Option<Sub>,
    /// Checklists to archive, verbatim (.ckl, .cklb or XCCDF results).
    #[arg(required = true)]
    pub checklists: Vec<PathBuf>,
    /// An evidence bundle (folder or .zip) to archive with them; repeatable.
    #[arg(long, value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// The archive to write (.zip).
    #[arg(short, long, value_name = "ARCHIVE.zip", required = true)]
    pub output: Option<PathBuf>,
    /// Replace an existing archive.
    #[arg(long)]
    pub force: bool,
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
        return verify(v);
    }
    let output = a
        .output
        .expect("clap requires --output without a subcommand");
    let packed = archive::pack(&archive::Request {
        checklists: &a.checklists,
        evidence: &a.evidence,
        output: &output,
        force: a.force,
        created: now_stamp(),
        created_by: Creator {
            user: user(),
            host: machine(),
        },
    })?;
    let m = &packed.manifest;
    let evidence_files: usize = m.evidence.iter().map(|e| e.files).sum();
    print(&format!(
        "wrote {}: {}, {} ({} bytes)\nseal: {}\nKeep the seal apart from the archive; `stigkit archive verify {} --expect {}` proves it unchanged.\n",
        output.display(),
        count(m.checklists.len(), "checklist"),
        count(evidence_files, "evidence file"),
        packed.bytes,
        packed.seal,
        output.display(),
        packed.seal,
    ))?;
    Ok(Exit::Ok)
}

fn verify(a: VerifyArgs) -> anyhow::Result<Exit> {
    let v = archive::verify(&a.archive, a.expect.as_deref())?;
    let mut text = String::new();
    for p in &v.problems {
        text.push_str(&format!("{}: {p}\n", a.archive.display()));
    }
    let seal = v.seal.as_deref().unwrap_or("none");
    if v.ok() {
        let made = v
            .manifest
            .as_ref()
            .map(|m| {
                format!(
                    ", made {} by {}@{}",
                    m.created, m.created_by.user, m.created_by.host
                )
            })
            .unwrap_or_default();
        text.push_str(&format!(
            "{}: intact: {} match the manifest{made}; seal {seal}\n",
            a.archive.display(),
            count(v.intact, "file"),
        ));
    } else {
        text.push_str(&format!(
            "{}: NOT intact: {}, {} intact; seal {seal}\n",
            a.archive.display(),
            count(v.problems.len(), "problem"),
            count(v.intact, "file"),
        ));
    }
    print(&text)?;
    Ok(if v.ok() { Exit::Ok } else { Exit::Findings })
}

/// Who is making the archive: the login environment, else (in containers
/// and CI, where it is often unset) the account of this process's uid.
fn user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(account_of_uid)
        .unwrap_or_else(|| "unknown".into())
}

fn account_of_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    })
}

/// This machine's name.
fn machine() -> String {
    [
        Path::new("/proc/sys/kernel/hostname"),
        Path::new("/etc/hostname"),
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    .or_else(|| std::env::var("HOSTNAME").ok())
    .or_else(|| std::env::var("COMPUTERNAME").ok())
    .unwrap_or_else(|| "unknown".into())
}
