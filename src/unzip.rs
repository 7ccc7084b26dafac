//! Reading zip archives defensively, for every zip stigkit opens (DISA
//! benchmark zips, MKE client bundles, evidence bundles, its own archives).
//!
//! An archive is checked as a whole before any entry is inflated: every
//! name must stay inside the archive's folder (no `..`, no absolute path,
//! no drive), no name may appear twice, no two entries may share
//! compressed data, and the entry count and the sizes the entries declare
//! must fit the archive's [`Limits`]. Inflating then spends one budget for
//! the whole archive (nested zips included), enforced on the bytes
//! actually produced, since declared sizes are forgeable. An entry above
//! [`MAX_ENTRY`], or above 1 MB at more than [`MAX_RATIO`]:1, is a zip
//! bomb. Callers read only the entries they need, one at a time.

use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest zip entry stigkit inflates.
pub const MAX_ENTRY: u64 = 256 << 20;
/// Highest compression ratio accepted for an entry above 1 MB. XCCDF and
/// JSON compress about 10:1; bombs compress a thousand-fold.
pub const MAX_RATIO: u64 = 200;
/// Entries up to this size may compress at any ratio.
pub const RATIO_FREE: u64 = 1 << 20;

/// What one archive may hold and inflate to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes inflated from the archive in all, nested zips included, and
    /// the most its entries may declare.
    pub total_bytes: u64,
    /// Entries (files and folders) in the archive.
    pub entries: u64,
}

impl Limits {
    /// 1 GiB and 100,000 entries: a DISA library zip or the evidence of a
    /// 5,000-container cluster (some 10,000 files) fits many times over.
    pub const DEFAULT: Limits = Limits {
        total_bytes: 1 << 30,
        entries: 100_000,
    };

    /// The limits in force for this process.
    pub fn current() -> Limits {
        Limits {
            total_bytes: TOTAL.load(Ordering::Relaxed),
            entries: ENTRIES.load(Ordering::Relaxed),
        }
    }

    /// Sets the limits for this process (the CLI's `--max-unzip-bytes`
    /// and `--max-zip-entries`).
    pub fn set(self) {
        TOTAL.store(self.total_bytes, Ordering::Relaxed);
        ENTRIES.store(self.entries, Ordering::Relaxed);
    }
}

static TOTAL: AtomicU64 = AtomicU64::new(Limits::DEFAULT.total_bytes);
static ENTRIES: AtomicU64 = AtomicU64::new(Limits::DEFAULT.entries);

/// Why an archive, or one entry of it, was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a readable zip archive: {0}")]
    Zip(String),
    #[error("zip entry '{0}' points outside the archive's folder; refusing the archive")]
    Escape(String),
    #[error(
        "zip entry '{0}' appears twice; refusing the archive, since readers would disagree on which is meant"
    )]
    Duplicate(String),
    #[error("zip entries '{0}' and '{1}' share compressed data; refusing a possible zip bomb")]
    Overlap(String, String),
    #[error(
        "the archive holds {count} entries, over the limit of {limit} (raise it with --max-zip-entries)"
    )]
    TooManyEntries { count: u64, limit: u64 },
    #[error(
        "the archive inflates to more than {limit} bytes (raise the limit with --max-unzip-bytes); refusing a possible zip bomb"
    )]
    TooLarge { limit: u64 },
    #[error(
        "zip entry '{name}' inflates to {size} bytes at a {ratio}:1 ratio; refusing a possible zip bomb"
    )]
    Bomb { name: String, size: u64, ratio: u64 },
    #[error("zip entry '{name}': {message}")]
    Entry { name: String, message: String },
}

impl Error {
    /// The same error, with the entry names seen from an outer archive
    /// (`outer.zip!inner.xml`).
    pub fn within(self, prefix: &str) -> Error {
        let p = |n: String| format!("{prefix}{n}");
        match self {
            Error::Escape(n) => Error::Escape(p(n)),
            Error::Duplicate(n) => Error::Duplicate(p(n)),
            Error::Overlap(a, b) => Error::Overlap(p(a), p(b)),
            Error::Bomb { name, size, ratio } => Error::Bomb {
                name: p(name),
                size,
                ratio,
            },
            Error::Entry { name, message } => Error::Entry {
                name: p(name),
                message,
            },
            other => other,
        }
    }
}

/// Whether `bytes` start like a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Bytes left to inflate from one archive (and the zips inside it).
#[derive(Debug)]
pub struct Budget {
    left: u64,
    limit: u64,
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            left: limits.total_bytes,
            limit: limits.total_bytes,
        }
    }

    fn spend(&mut self, n: u64) -> Result<(), Error> {
        self.left = self
            .left
            .checked_sub(n)
            .ok_or(Error::TooLarge { limit: self.limit })?;
        Ok(())
    }
}

/// An archive whose names and layout passed the checks; entries are
/// inflated on request.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Files (not folders): safe `/`-separated name, index, declared size.
    files: Vec<(String, usize, u64)>,
}

impl<'a> Archive<'a> {
    /// Checks the archive as a whole, without inflating anything.
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Archive<'a>, Error> {
        let mut zip =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Error::Zip(e.to_string()))?;
        // The zip crate keeps one entry per name; a second one would be
        // what a streaming reader extracts first.
        if zip.has_duplicate_names() {
            let name = first_duplicate(bytes, zip.central_directory_start())
                .unwrap_or_else(|| "(a name)".into());
            return Err(Error::Duplicate(name));
        }
        let count = zip.len() as u64;
        if count > limits.entries {
            return Err(Error::TooManyEntries {
                count,
                limit: limits.entries,
            });
        }
        let mut files = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // Where each entry's bytes lie: shared or overlapping ranges are
        // how one stream of zeros is made to count many times.
        let mut spans: Vec<(u64, u64, String)> = Vec::with_capacity(zip.len());
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|e| Error::Zip(e.to_string()))?;
            let raw = entry.name_raw();
            let raw = String::from_utf8_lossy(raw).into_owned();
            let name = safe_name(&raw).ok_or_else(|| Error::Escape(raw.clone()))?;
            if !seen.insert(name.clone()) {
                return Err(Error::Duplicate(name));
            }
            // A local header and its data take at least the compressed
            // size past where the header starts.
            let start = entry.header_start();
            spans.push((
                start,
                start.saturating_add(entry.compressed_size()),
                name.clone(),
            ));
            if entry.is_dir() {
                continue;
            }
            declared = declared.saturating_add(entry.size());
            if declared > limits.total_bytes {
                return Err(Error::TooLarge {
                    limit: limits.total_bytes,
                });
            }
            files.push((name, i, entry.size()));
        }
        spans.sort();
        for w in spans.windows(2) {
            if w[1].0 == w[0].0 || w[1].0 < w[0].1 {
                return Err(Error::Overlap(w[0].2.clone(), w[1].2.clone()));
            }
        }
        Ok(Archive { zip, files })
    }

    /// The files' names, in archive order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _, _)| n.as_str())
    }

    /// Inflates the file `name`, spending `budget`.
    pub fn read(&mut self, name: &str, budget: &mut Budget) -> Result<Vec<u8>, Error> {
        let &(_, index, declared) =
            self.files
                .iter()
                .find(|(n, _, _)| n == name)
                .ok_or_else(|| Error::Entry {
                    name: name.to_string(),
                    message: "no such entry".into(),
                })?;
        let mut entry = self
            .zip
            .by_index(index)
            .map_err(|e| Error::Zip(e.to_string()))?;
        let packed = entry.compressed_size().max(1);
        check_size(name, declared, packed)?;
        // Grow as bytes arrive: the declared size is only a hint.
        let mut data = Vec::with_capacity(declared.min(1 << 20) as usize);
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut chunk).map_err(|e| Error::Entry {
                name: name.to_string(),
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            budget.spend(n as u64)?;
            data.extend_from_slice(&chunk[..n]);
            check_size(name, data.len() as u64, packed)?;
        }
        Ok(data)
    }
}

/// The first name the central directory at `start` lists twice, as
/// [`safe_name`] spells it.
fn first_duplicate(bytes: &[u8], start: u64) -> Option<String> {
    let u16_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let mut seen = std::collections::HashSet::new();
    let mut at = usize::try_from(start).ok()?;
    while bytes.get(at..at + 4)? == b"PK\x01\x02" {
        let (n, extra, comment) = (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let raw = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + n)?);
        let name = safe_name(&raw).unwrap_or_else(|| raw.into_owned());
        if !seen.insert(name.clone()) {
            return Some(name);
        }
        at += 46 + n + extra + comment;
    }
    None
}

/// An entry name as a relative `/`-separated path that stays inside the
/// archive's folder, or `None` (`..`, absolute, a drive, a NUL).
fn safe_name(raw: &str) -> Option<String> {
    let name = raw.replace('\\', "/");
    if name.starts_with('/') || name.contains('\0') || name.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The files of an archive whose names `want` accepts, inflated, in
/// archive order, within the process's [`Limits`].
pub fn entries(
    bytes: &[u8],
    mut want: impl FnMut(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    let mut first = None;
    walk(bytes, &mut want, |name, data| match data {
        Ok(data) => {
            out.push((name.to_string(), data));
            true
        }
        Err(e) => {
            first = Some(e);
            false
        }
    })?;
    match first {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Like [`entries`], but hands each wanted file to `visit` with its own
/// result, so one unreadable entry does not hide the others (archive
/// verification names every damaged member), and nothing is held after
/// `visit` returns. The walk stops when `visit` returns false. Errors
/// about the archive as a whole (not a zip, an escaping or duplicate
/// name, shared data, the budget) stop it too.
pub fn walk(
    bytes: &[u8],
    mut want: impl FnMut(&str) -> bool,
    mut visit: impl FnMut(&str, Result<Vec<u8>, Error>) -> bool,
) -> Result<(), Error> {
    let limits = Limits::current();
    let mut archive = Archive::open(bytes, limits)?;
    let mut budget = Budget::new(limits);
    let names: Vec<String> = archive.names().map(str::to_string).collect();
    for name in names {
        if !want(&name) {
            continue;
        }
        let data = archive.read(&name, &mut budget);
        if let Err(e @ Error::TooLarge { .. }) = data {
            return Err(e);
        }
        if !visit(&name, data) {
            break;
        }
    }
    Ok(())
}

fn check_size(name: &str, size: u64, packed: u64) -> Result<(), Error> {
    let ratio = size / packed;
    if size > MAX_ENTRY || (size > RATIO_FREE && ratio > MAX_RATIO) {
        return Err(Error::Bomb {
            name: name.to_string(),
            size,
            ratio,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_stay_inside() {
        assert_eq!(safe_name("a/b.xml").as_deref(), Some("a/b.xml"));
        assert_eq!(safe_name("./a//b.xml").as_deref(), Some("a/b.xml"));
        assert_eq!(safe_name("a\\b.xml").as_deref(), Some("a/b.xml"));
        for bad in [
            "/abs/x-xccdf.xml",
            "../x.xml",
            "a/../../x",
            "C:/x.xml",
            "c:x",
            "a\0b",
            "",
        ] {
            assert_eq!(safe_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_budget_is_spent_once_per_archive() {
        let mut b = Budget::new(Limits {
            total_bytes: 10,
            entries: 1,
        });
        b.spend(6).unwrap();
        assert!(matches!(b.spend(5), Err(Error::TooLarge { limit: 10 })));
    }
}
