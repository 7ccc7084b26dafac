//! `archive` and `archive verify`: sealed archives of what was submitted.

use super::fleet::{self, Selection};
use super::publish::Destination;
use super::{Attention, Notify, Outcome, count, now_stamp};
use crate::archive::{self, manifest::Creator};
use std::path::{Path, PathBuf};

/// Archives the checklists (verbatim) and evidence bundles into `output`,
/// and tells the seal. `checklists` may be one `s3://` location (each
/// cluster's run there, with its evidence), and `output` may be one too:
/// the archive is then stored as `archives/<time>.zip` beside the clusters.
pub fn pack(
    checklists: &[PathBuf],
    evidence: &[PathBuf],
    output: &Path,
    force: bool,
    sel: Selection,
    notify: &dyn Notify,
) -> anyhow::Result<Outcome> {
    let fetched = match fleet::source(checklists)? {
        Some(location) => Some(fleet::fetch(&location, sel, true, notify)?),
        None => None,
    };
    let (checklists, evidence) = match &fetched {
        Some(f) => {
            let mut all = f.evidence.clone();
            all.extend(evidence.iter().cloned());
            (f.paths.clone(), all)
        }
        None => (checklists.to_vec(), evidence.to_vec()),
    };
    if checklists.is_empty() {
        anyhow::bail!("nothing to archive: no checklist was found");
    }
    let dest = Destination::of(output, None)?;
    let staging = match &dest {
        Some(d) => Some(d.staging()?),
        None => None,
    };
    let local = match &staging {
        Some(dir) => dir.path().join(format!(
            "{}.zip",
            crate::store::runs::run_name(chrono::Utc::now())
        )),
        None => output.to_path_buf(),
    };
    let packed = archive::pack(&archive::Request {
        checklists: &checklists,
        evidence: &evidence,
        output: &local,
        force,
        created: now_stamp(),
        created_by: Creator {
            user: user(),
            host: machine(),
        },
    })?;
    let m = &packed.manifest;
    let evidence_files: usize = m.evidence.iter().map(|e| e.files).sum();
    let (written, check) = match (dest, staging) {
        (Some(d), Some(dir)) => {
            let url = d.store_archive(dir, &local)?;
            let check = format!(
                "`stigkit archive verify` on a downloaded copy of {url}, with --expect {}",
                packed.seal
            );
            (url, check)
        }
        _ => (
            output.display().to_string(),
            format!(
                "`stigkit archive verify {} --expect {}`",
                output.display(),
                packed.seal
            ),
        ),
    };
    Ok(Outcome::shown(format!(
        "wrote {written}: {}, {} ({} bytes)\nseal: {}\nKeep the seal apart from the archive; {check} proves it unchanged.\n",
        count(m.checklists.len(), "checklist"),
        count(evidence_files, "evidence file"),
        packed.bytes,
        packed.seal,
    )))
}

/// Checks every member of the archive against its manifest and seal;
/// [`Attention::Findings`] unless it is intact.
pub fn verify(path: &Path, expect: Option<&str>) -> anyhow::Result<Outcome> {
    let v = archive::verify(path, expect)?;
    let mut text = String::new();
    for p in &v.problems {
        text.push_str(&format!("{}: {p}\n", path.display()));
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
            "{}: intact: {} the manifest{made}; seal {seal}\n",
            path.display(),
            if v.intact == 1 {
                "1 file matches".to_string()
            } else {
                format!("{} match", count(v.intact, "file"))
            },
        ));
    } else {
        text.push_str(&format!(
            "{}: NOT intact: {}, {} intact; seal {seal}\n",
            path.display(),
            count(v.problems.len(), "problem"),
            count(v.intact, "file"),
        ));
    }
    let attention = if v.ok() {
        Attention::None
    } else {
        Attention::Findings
    };
    Ok(Outcome::shown(text).with(attention))
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
