//! Checking an archive against its manifest and seal.

use super::manifest::{self, Manifest};
use crate::evidence::sha256_hex;
use crate::unzip;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Something that makes an archive differ from what was sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A member's content differs from its manifest entry.
    Changed {
        path: String,
        size: u64,
        expected_size: u64,
    },
    /// A member in the manifest is not in the archive.
    Missing { path: String },
    /// A member in the archive is not in the manifest.
    Extra { path: String },
    /// Two members share a name: readers would disagree on which is meant.
    Duplicate { path: String },
    /// A member's name is absolute or climbs out with `..`.
    Escaping { path: String },
    /// A member (or the archive itself) could not be read: damaged bytes.
    Unreadable { path: String, message: String },
    /// `manifest.json` is absent, not JSON, or not a stigkit manifest.
    BadManifest { message: String },
    /// The manifest's SHA-256 is not the seal in the zip comment.
    ManifestChanged { seal: String, actual: String },
    /// The archive carries no seal.
    Unsealed,
    /// The seal is not the one the caller expected.
    UnexpectedSeal { expected: String, actual: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Changed {
                path,
                size,
                expected_size,
            } => {
                if size == expected_size {
                    write!(f, "{path}: changed (sha256 differs from the manifest)")
                } else {
                    write!(
                        f,
                        "{path}: changed ({size} bytes, the manifest says {expected_size})"
                    )
                }
            }
            Problem::Missing { path } => write!(f, "{path}: missing (listed in the manifest)"),
            Problem::Extra { path } => write!(f, "{path}: extra (not in the manifest)"),
            Problem::Duplicate { path } => write!(
                f,
                "{path}: appears twice (readers would disagree on which copy is meant)"
            ),
            Problem::Escaping { path } => write!(
                f,
                "{path}: the name points outside the archive's folder (absolute or ..)"
            ),
            Problem::Unreadable { path, message } => write!(f, "{path}: unreadable ({message})"),
            Problem::BadManifest { message } => write!(f, "{}: {message}", manifest::NAME),
            Problem::ManifestChanged { seal, actual } => write!(
                f,
                "{}: changed (its sha256 is {actual}, the archive was sealed with {seal})",
                manifest::NAME
            ),
            Problem::Unsealed => write!(
                f,
                "{}: the archive has no seal in its zip comment",
                manifest::NAME
            ),
            Problem::UnexpectedSeal { expected, actual } => write!(
                f,
                "{}: sealed with {actual}, not the expected {expected}",
                manifest::NAME
            ),
        }
    }
}

/// The outcome of a verification.
pub struct Verdict {
    pub manifest: Option<Manifest>,
    /// SHA-256 of the `manifest.json` found, when there is one.
    pub seal: Option<String>,
    /// Members whose content matched their manifest entry.
    pub intact: usize,
    pub problems: Vec<Problem>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Why an archive could not be checked at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct Error {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Checks every member of the archive at `path` against the manifest, the
/// manifest against the seal, and the seal against `expected` when given.
pub fn verify(path: &Path, expected: Option<&str>) -> Result<Verdict, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error {
        path: path.to_path_buf(),
        source,
    })?;
    let archive_name = path.display().to_string();
    let mut v = Verdict {
        manifest: None,
        seal: None,
        intact: 0,
        problems: Vec::new(),
    };
    // Each member is hashed as it is inflated; only the manifest is kept.
    let mut members: BTreeMap<String, Result<(u64, String), String>> = BTreeMap::new();
    let mut manifest_json = None;
    let mut order = Vec::new();
    let walked = unzip::walk(
        &bytes,
        |_| true,
        |name, data| {
            order.push(name.to_string());
            let digest = data
                .map(|d| {
                    let digest = (d.len() as u64, sha256_hex(&d));
                    if name == manifest::NAME {
                        manifest_json = Some(d);
                    }
                    digest
                })
                .map_err(|e| e.to_string());
            members.insert(name.to_string(), digest);
            true
        },
    );
    if let Err(e) = walked {
        v.problems.push(match e {
            unzip::Error::Duplicate(path) => Problem::Duplicate { path },
            unzip::Error::Escape(path) => Problem::Escaping { path },
            e => Problem::Unreadable {
                path: archive_name,
                message: e.to_string(),
            },
        });
        return Ok(v);
    }

    let sealed = zip_comment(&bytes).and_then(|c| {
        c.strip_prefix(manifest::SEAL_PREFIX)
            .map(|s| s.trim().to_string())
    });
    let manifest = match members.remove(manifest::NAME) {
        None => {
            v.problems.push(Problem::BadManifest {
                message: "missing; this is not a stigkit archive".into(),
            });
            None
        }
        Some(Err(message)) => {
            v.problems.push(Problem::Unreadable {
                path: manifest::NAME.into(),
                message,
            });
            None
        }
        Some(Ok((_, actual))) => {
            let json = manifest_json.take().unwrap_or_default();
            match &sealed {
                None => v.problems.push(Problem::Unsealed),
                Some(seal) if *seal != actual => v.problems.push(Problem::ManifestChanged {
                    seal: seal.clone(),
                    actual: actual.clone(),
                }),
                Some(_) => {}
            }
            if let Some(expected) = expected
                && !expected.eq_ignore_ascii_case(&actual)
            {
                v.problems.push(Problem::UnexpectedSeal {
                    expected: expected.to_string(),
                    actual: actual.clone(),
                });
            }
            v.seal = Some(actual);
            match serde_json::from_slice::<Manifest>(&json) {
                Ok(m) if m.format == manifest::FORMAT => Some(m),
                Ok(m) => {
                    v.problems.push(Problem::BadManifest {
                        message: format!("format '{}', expected '{}'", m.format, manifest::FORMAT),
                    });
                    None
                }
                Err(e) => {
                    v.problems.push(Problem::BadManifest {
                        message: format!("not a stigkit manifest: {e}"),
                    });
                    None
                }
            }
        }
    };

    if let Some(m) = &manifest {
        for entry in &m.files {
            match members.remove(&entry.path) {
                None => v.problems.push(Problem::Missing {
                    path: entry.path.clone(),
                }),
                Some(Err(message)) => v.problems.push(Problem::Unreadable {
                    path: entry.path.clone(),
                    message,
                }),
                Some(Ok((size, sha256))) => {
                    if size == entry.size && sha256 == entry.sha256 {
                        v.intact += 1;
                    } else {
                        v.problems.push(Problem::Changed {
                            path: entry.path.clone(),
                            size,
                            expected_size: entry.size,
                        });
                    }
                }
            }
        }
    }
    // Whatever the manifest did not claim is extra, in archive order. With
    // no usable manifest, nothing can be vouched for, and the problem above
    // already says so.
    if manifest.is_some() {
        for name in order {
            if members.contains_key(&name) {
                v.problems.push(Problem::Extra { path: name });
            }
        }
    }
    v.manifest = manifest;
    Ok(v)
}

/// The zip comment, read from the end-of-central-directory record.
fn zip_comment(bytes: &[u8]) -> Option<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    Some(String::from_utf8_lossy(archive.comment()).into_owned())
}
