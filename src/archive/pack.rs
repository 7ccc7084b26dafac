//! Making an archive: checklists and evidence, verbatim, with a manifest.

use super::manifest::{
    self, ChecklistFacts, Creator, EvidenceFacts, FileEntry, Manifest, StigFacts,
};
use crate::evidence::{MANIFEST as EVIDENCE_MANIFEST, sha256_hex};
use crate::model::StigSummary;
use crate::model::bundles_named;
use crate::{output, source, unzip};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to archive.
pub struct Request<'a> {
    pub checklists: &'a [PathBuf],
    /// Evidence bundles: folders or `.zip` files.
    pub evidence: &'a [PathBuf],
    pub output: &'a Path,
    pub force: bool,
    /// RFC 3339 creation time.
    pub created: String,
    pub created_by: Creator,
}

/// What was archived.
pub struct Packed {
    pub manifest: Manifest,
    /// SHA-256 of `manifest.json`: the archive's seal.
    pub seal: String,
    pub bytes: u64,
}

/// Why an archive could not be made. Nothing is written then.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Checklist(#[from] source::Error),
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a file or folder of evidence", .0.display())]
    NotEvidence(PathBuf),
    #[error("{}: symbolic links are not archived; give the file it points to", .0.display())]
    Symlink(PathBuf),
    #[error(transparent)]
    Write(#[from] output::Error),
}

/// A member to be: its name in the archive, where it comes from, and
/// whether it is a checklist (read for the manifest's facts).
struct Member {
    name: String,
    from: PathBuf,
    checklist: bool,
}

/// The manifest's facts of one checklist.
fn facts(name: &str, loaded: &source::LoadedChecklist) -> ChecklistFacts {
    let c = &loaded.checklist;
    ChecklistFacts {
        path: name.to_string(),
        format: loaded.format.label().to_string(),
        host_name: c.asset.host_name.clone(),
        host_ip: c.asset.host_ip.clone(),
        host_fqdn: c.asset.host_fqdn.clone(),
        host_mac: c.asset.host_mac.clone(),
        stigs: c
            .stigs
            .iter()
            .map(|s| {
                let sum = StigSummary::of(s);
                StigFacts {
                    stig_id: sum.stig_id,
                    title: sum.title,
                    revision: sum.revision,
                    counts: sum.counts,
                }
            })
            .collect(),
        judged_from: c
            .stigs
            .iter()
            .flat_map(|s| &s.rules)
            .flat_map(|r| bundles_named(&r.review.finding_details))
            .fold(Vec::new(), |mut all, h| {
                if !all.contains(&h) {
                    all.push(h);
                }
                all
            }),
    }
}

/// Reads every input once, checks each checklist parses, and writes the
/// archive atomically with its manifest and seal.
pub fn pack(req: &Request) -> Result<Packed, Error> {
    let mut taken = HashSet::from([manifest::NAME.to_string()]);
    let mut members = Vec::new();
    for path in req.checklists {
        members.push(Member {
            name: unique(&mut taken, "checklists", &file_name(path)),
            from: path.clone(),
            checklist: true,
        });
    }
    let mut evidence = Vec::new();
    for root in req.evidence {
        let meta = std::fs::symlink_metadata(root).map_err(|source| Error::Read {
            path: root.clone(),
            source,
        })?;
        let base = unique(&mut taken, "evidence", &file_name(root));
        let before = members.len();
        if meta.is_dir() {
            let mut files = Vec::new();
            walk_dir(root, Path::new(""), &mut files)?;
            files.sort();
            for rel in files {
                let rel_name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let name = format!("{base}/{rel_name}");
                taken.insert(name.clone());
                members.push(Member {
                    name,
                    from: root.join(rel),
                    checklist: false,
                });
            }
        } else if meta.is_file() {
            members.push(Member {
                name: base.clone(),
                from: root.clone(),
                checklist: false,
            });
        } else if meta.file_type().is_symlink() {
            return Err(Error::Symlink(root.clone()));
        } else {
            return Err(Error::NotEvidence(root.clone()));
        }
        evidence.push(EvidenceFacts {
            path: base,
            files: members.len() - before,
            manifest_sha256: None,
        });
    }

    let mut files = Vec::with_capacity(members.len());
    let mut manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        tool: format!("stigkit {}", env!("CARGO_PKG_VERSION")),
        created: req.created.clone(),
        created_by: req.created_by.clone(),
        checklists: Vec::new(),
        evidence,
        files: Vec::new(),
    };
    let mut bytes_in = 0;
    let mut seal = String::new();
    // An input refused while writing: reported as itself, not as a write
    // error of the archive (whose temporary file is then removed).
    let mut refused = None;
    let written = output::write_streamed(req.output, req.force, |f| {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(f));
        let mut opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        // Members carry the archive's creation time, not 1980.
        if let Some(t) = zip_time(&req.created) {
            opts = opts.last_modified_time(t);
        }
        let mut refuse = |e: Error| {
            refused = Some(e);
            std::io::Error::other("input refused")
        };
        for m in &members {
            // Read each file once: the bytes parsed and hashed are the bytes
            // archived.
            let data = std::fs::read(&m.from).map_err(|source| {
                refuse(Error::Read {
                    path: m.from.clone(),
                    source,
                })
            })?;
            if m.checklist {
                let loaded =
                    source::parse_checklist(&m.from, &data).map_err(|e| refuse(e.into()))?;
                manifest.checklists.push(facts(&m.name, &loaded));
            } else {
                record_bundle(&mut manifest.evidence, &m.name, &data);
            }
            files.push(FileEntry {
                path: m.name.clone(),
                size: data.len() as u64,
                sha256: sha256_hex(&data),
            });
            bytes_in += data.len() as u64;
            put(&mut zip, &m.name, &data, opts)?;
        }
        manifest.files = std::mem::take(&mut files);
        let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        seal = sha256_hex(&json);
        zip.start_file(manifest::NAME, opts)
            .map_err(std::io::Error::other)?;
        zip.write_all(&json)?;
        zip.set_comment(format!("{}{seal}", manifest::SEAL_PREFIX))
            .map_err(std::io::Error::other)?;
        zip.finish().map_err(std::io::Error::other)?.flush()
    });
    if let Some(e) = refused {
        return Err(e);
    }
    written?;
    Ok(Packed {
        manifest,
        seal,
        bytes: bytes_in,
    })
}

/// Adds one member, deflated unless that would pass the zip-bomb ratio
/// every stigkit reader (`verify` included) refuses: such a member (a
/// checklist of highly repetitive text) is stored instead.
fn put<W: std::io::Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    data: &[u8],
    opts: zip::write::SimpleFileOptions,
) -> std::io::Result<()> {
    let io = std::io::Error::other;
    if data.len() as u64 <= unzip::RATIO_FREE {
        zip.start_file(name, opts).map_err(io)?;
        return zip.write_all(data);
    }
    // Deflate once into memory; copy the compressed bytes if they pass.
    let mut scratch = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    scratch.start_file(name, opts).map_err(io)?;
    scratch.write_all(data)?;
    let bytes = scratch.finish().map_err(io)?.into_inner();
    let mut one = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(io)?;
    let entry = one.by_index_raw(0).map_err(io)?;
    if data.len() as u64 / entry.compressed_size().max(1) > unzip::MAX_RATIO {
        drop(entry);
        let stored = opts.compression_method(zip::CompressionMethod::Stored);
        zip.start_file(name, stored).map_err(io)?;
        return zip.write_all(data);
    }
    zip.raw_copy_file(entry).map_err(io)
}

fn zip_time(rfc3339: &str) -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).ok()?,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .ok()
}

/// Regular files below `dir`, relative to the root, refusing symbolic links
/// (they could point anywhere, and the archive must hold what was collected).
/// Notes the sha256 of an evidence bundle's manifest.json: the member
/// itself for a folder bundle, the entry inside for a zip bundle.
fn record_bundle(evidence: &mut [EvidenceFacts], member: &str, data: &[u8]) {
    for e in evidence {
        if member == format!("{}/{EVIDENCE_MANIFEST}", e.path) {
            e.manifest_sha256 = Some(sha256_hex(data));
        } else if member == e.path && unzip::is_zip(data) {
            e.manifest_sha256 = unzip::entries(data, |n| n == EVIDENCE_MANIFEST)
                .ok()
                .and_then(|found| found.into_iter().next())
                .map(|(_, m)| sha256_hex(&m));
        }
    }
}

fn walk_dir(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let dir = root.join(rel);
    let read = |source| Error::Read {
        path: dir.clone(),
        source,
    };
    for entry in std::fs::read_dir(&dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let kind = entry.file_type().map_err(read)?;
        let child = rel.join(entry.file_name());
        if kind.is_symlink() {
            return Err(Error::Symlink(root.join(child)));
        } else if kind.is_dir() {
            walk_dir(root, &child, out)?;
        } else if kind.is_file() {
            out.push(child);
        }
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| "input".to_string())
}

/// `folder/name`, or `folder/name-2` and so on when two inputs share a name.
fn unique(taken: &mut HashSet<String>, folder: &str, name: &str) -> String {
    let first = format!("{folder}/{name}");
    if taken.insert(first.clone()) {
        return first;
    }
    (2..)
        .map(|n| match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{folder}/{stem}-{n}.{ext}"),
            _ => format!("{folder}/{name}-{n}"),
        })
        .find(|candidate| taken.insert(candidate.clone()))
        .expect("an unused name exists")
}
