//! Opening input files: benchmarks (`.xml` or DISA `.zip`) and checklists
//! (`.ckl`, `.cklb`, or XCCDF results). Every error names the file it is
//! about.
//!
//! Zip archives go through [`crate::unzip`], which refuses entries that
//! escape their folder and zip bombs.

use crate::model::{Benchmark, Checklist};
use crate::{ckl, cklb, unzip, xccdf, xccdf_results};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Largest file stigkit reads into memory (the biggest DISA benchmark is
/// a few MB; a fleet checklist tens of MB).
const MAX_FILE: u64 = 1 << 30;

/// An input file that could not be used, with the name of the file.
#[derive(Debug)]
pub struct Error {
    /// The file as the user named it, plus `!entry` inside a zip.
    pub path: String,
    pub kind: ErrorKind,
}

/// What went wrong with an input file.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("file is larger than {} MB", MAX_FILE >> 20)]
    TooLarge,
    #[error(transparent)]
    Archive(#[from] unzip::Error),
    #[error("no XCCDF benchmark (*xccdf*.xml) in the archive")]
    NoBenchmark,
    #[error("the archive holds {} benchmarks; choose one with --xccdf NAME: {}", .0.len(), .0.join(", "))]
    Ambiguous(Vec<String>),
    #[error("no benchmark in the archive matches '{wanted}'; it holds: {}", .available.join(", "))]
    NoMatch {
        wanted: String,
        available: Vec<String>,
    },
    #[error(transparent)]
    Xccdf(#[from] xccdf::Error),
    #[error(transparent)]
    Ckl(#[from] ckl::Error),
    #[error(transparent)]
    Cklb(#[from] cklb::Error),
    #[error(transparent)]
    XccdfResults(#[from] xccdf_results::Error),
    #[error(
        "cannot tell the checklist format: expected a .ckl (XML), a .cklb (JSON) or XCCDF results (XML)"
    )]
    UnknownFormat,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

impl std::error::Error for Error {}

fn err(path: &Path, kind: impl Into<ErrorKind>) -> Error {
    Error {
        path: path.display().to_string(),
        kind: kind.into(),
    }
}

/// Reads a whole file, refusing anything over [`MAX_FILE`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    read_file_into(path, &mut bytes)?;
    Ok(bytes)
}

/// Reads a whole file into `buf`, replacing what it held; a reused buffer
/// spares the kernel from zeroing fresh pages for every file of a fleet.
pub fn read_file_into(path: &Path, buf: &mut Vec<u8>) -> Result<(), Error> {
    buf.clear();
    let file = std::fs::File::open(path).map_err(|e| err(path, e))?;
    let len = file.metadata().map_err(|e| err(path, e))?.len();
    if len > MAX_FILE {
        return Err(err(path, ErrorKind::TooLarge));
    }
    buf.reserve(len as usize);
    file.take(MAX_FILE + 1)
        .read_to_end(buf)
        .map_err(|e| err(path, e))?;
    Ok(())
}

/// Loads a benchmark from an XCCDF file or a DISA zip. In a zip holding
/// several benchmarks, `pick` selects one by (part of) its entry name.
pub fn load_benchmark(path: &Path, pick: Option<&str>) -> Result<Benchmark, Error> {
    let bytes = read_file(path)?;
    parse_benchmark(path, &bytes, pick)
}

/// A benchmark from the bytes of an XCCDF file or a DISA zip; `path` names
/// it in errors.
pub fn parse_benchmark(path: &Path, bytes: &[u8], pick: Option<&str>) -> Result<Benchmark, Error> {
    if !unzip::is_zip(bytes) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return xccdf::read(bytes, &name).map_err(|e| err(path, e));
    }
    // Names first, nothing inflated but nested zips: a zip of a thousand
    // benchmarks is refused by name, not after inflating them all.
    let limits = unzip::Limits::current();
    let mut budget = unzip::Budget::new(limits);
    let mut archive = unzip::Archive::open(bytes, limits).map_err(|e| err(path, e))?;
    let found = xccdf_names(&mut archive, &mut budget).map_err(|e| err(path, e))?;
    let names = found.clone();
    let chosen = match (pick, found.len()) {
        (_, 0) => return Err(err(path, ErrorKind::NoBenchmark)),
        (None, 1) => 0,
        (None, _) => return Err(err(path, ErrorKind::Ambiguous(names))),
        (Some(want), _) => {
            let w = want.to_ascii_lowercase();
            let hits: Vec<usize> = (0..found.len())
                .filter(|&i| found[i].to_ascii_lowercase().contains(&w))
                .collect();
            match hits.as_slice() {
                [one] => *one,
                [] => {
                    return Err(err(
                        path,
                        ErrorKind::NoMatch {
                            wanted: want.to_string(),
                            available: names,
                        },
                    ));
                }
                many => {
                    let names = many.iter().map(|&i| found[i].clone()).collect();
                    return Err(err(path, ErrorKind::Ambiguous(names)));
                }
            }
        }
    };
    let entry = found[chosen].clone();
    let data = match entry.split_once('!') {
        None => archive.read(&entry, &mut budget),
        Some((outer, inner)) => archive.read(outer, &mut budget).and_then(|zip| {
            unzip::Archive::open(&zip, limits)
                .and_then(|mut a| a.read(inner, &mut budget))
                .map_err(|e| e.within(&format!("{outer}!")))
        }),
    }
    .map_err(|e| err(path, e))?;
    let file_name = entry
        .rsplit(['/', '!'])
        .next()
        .unwrap_or(&entry)
        .to_string();
    xccdf::read(&data, &file_name).map_err(|e| Error {
        path: with_entry(path, &entry),
        kind: e.into(),
    })
}

fn with_entry(path: &Path, entry: &str) -> String {
    if entry.is_empty() {
        path.display().to_string()
    } else {
        format!("{}!{entry}", path.display())
    }
}

/// The names of `*xccdf*.xml` entries, looking one level into nested zips
/// (DISA's library bundles are zips of zips): `outer.zip!inner.xml`.
/// Only nested zips are inflated, to list them.
fn xccdf_names(
    archive: &mut unzip::Archive<'_>,
    budget: &mut unzip::Budget,
) -> Result<Vec<String>, unzip::Error> {
    let is_xccdf = |lower: &str| lower.ends_with(".xml") && lower.contains("xccdf");
    let mut found = Vec::new();
    let names: Vec<String> = archive.names().map(str::to_string).collect();
    for name in names {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            let inner = archive.read(&name, budget)?;
            let prefix = format!("{name}!");
            let nested = unzip::Archive::open(&inner, unzip::Limits::current())
                .map_err(|e| e.within(&prefix))?;
            found.extend(
                nested
                    .names()
                    .filter(|n| is_xccdf(&n.to_ascii_lowercase()))
                    .map(|n| format!("{prefix}{n}")),
            );
        } else if is_xccdf(&lower) {
            found.push(name);
        }
    }
    Ok(found)
}

/// The formats checklists are read from; stigkit writes the first two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Ckl,
    Cklb,
    /// XCCDF with a `TestResult` (SCC, OpenSCAP, STIG Manager, Evaluate-STIG).
    XccdfResults,
}

impl Format {
    /// How people name the format: `CKL`, `CKLB`, `XCCDF results`.
    pub fn label(self) -> &'static str {
        match self {
            Format::Ckl => "CKL",
            Format::Cklb => "CKLB",
            Format::XccdfResults => "XCCDF results",
        }
    }

    /// The format a path's extension asks for (`.ckl`, `.cklb`/`.json`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ckl" | "xml" => Some(Format::Ckl),
            "cklb" | "json" => Some(Format::Cklb),
            _ => None,
        }
    }

    /// Guesses from content: JSON starts with `{`, XML with `<`; XML whose
    /// root is an XCCDF `Benchmark` or `TestResult` is results (a benchmark
    /// without results is refused by that reader, with a clear message).
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace())? {
            b'{' => Some(Format::Cklb),
            b'<' if xccdf_results::looks_like(bytes) => Some(Format::XccdfResults),
            b'<' => Some(Format::Ckl),
            _ => None,
        }
    }
}

/// A checklist read from disk, with what the tolerant reader had to overlook.
pub struct LoadedChecklist {
    pub checklist: Checklist,
    pub format: Format,
    pub warnings: Vec<String>,
}

/// Loads a CKL, CKLB or XCCDF results file, deciding the format by content
/// (extensions lie: eMASS exports and renamed files are common).
pub fn load_checklist(path: &Path) -> Result<LoadedChecklist, Error> {
    load_checklist_with(path, &mut Vec::new())
}

/// [`load_checklist`] reading through the caller's buffer.
pub fn load_checklist_with(path: &Path, buf: &mut Vec<u8>) -> Result<LoadedChecklist, Error> {
    read_file_into(path, buf)?;
    parse_checklist(path, buf)
}

/// [`load_checklist_with`] for a summary (`show`): a plain CKL is skimmed
/// for its counts without its texts ([`ckl::skim`]); any other file, or a
/// CKL the skim gives up on, is read in full, with the full reader's
/// warnings and errors. The checklist holds what summaries use and no more.
pub fn load_summary_with(path: &Path, buf: &mut Vec<u8>) -> Result<LoadedChecklist, Error> {
    read_file_into(path, buf)?;
    if Format::sniff(buf) == Some(Format::Ckl)
        && let Some(checklist) = ckl::skim(buf)
    {
        return Ok(LoadedChecklist {
            checklist,
            format: Format::Ckl,
            warnings: Vec::new(),
        });
    }
    parse_checklist(path, buf)
}

/// Parses checklist bytes already in memory; `path` is used in messages.
pub fn parse_checklist(path: &Path, bytes: &[u8]) -> Result<LoadedChecklist, Error> {
    let format = Format::sniff(bytes)
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| err(path, ErrorKind::UnknownFormat))?;
    let mut warnings = Vec::new();
    let mut checklist = match format {
        Format::Ckl => ckl::read(bytes, &mut warnings).map_err(|e| err(path, e))?,
        Format::Cklb => cklb::read(bytes, &mut warnings).map_err(|e| err(path, e))?,
        Format::XccdfResults => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            xccdf_results::read(bytes, &name, &mut warnings).map_err(|e| err(path, e))?
        }
    };
    // stigkit's marker is in the text, the same in every format.
    for r in checklist.stigs.iter_mut().flat_map(|s| s.rules.iter_mut()) {
        if r.record.engine.is_none() {
            r.record.engine = crate::model::stigkit_engine(&r.review);
        }
    }
    Ok(LoadedChecklist {
        checklist,
        format,
        warnings,
    })
}
