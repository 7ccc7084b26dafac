//! Reading zip archives defensively, for every zip stigkit opens (DISA
//! benchmark zips, MKE client bundles, evidence bundles).
//!
//! An entry whose path would leave the archive's folder refuses the whole
//! archive; an entry that inflates past [`MAX_ENTRY`], or at more than
//! [`MAX_RATIO`]:1 once above 1 MB, is treated as a zip bomb. Sizes are
//! enforced while inflating, not taken from the (forgeable) header.

use std::io::{Cursor, Read};

/// Largest zip entry stigkit inflates.
pub const MAX_ENTRY: u64 = 256 << 20;
/// Highest compression ratio accepted for an entry above 1 MB. XCCDF and
/// JSON compress about 10:1; bombs compress a thousand-fold.
pub const MAX_RATIO: u64 = 200;

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a readable zip archive: {0}")]
    Zip(String),
    #[error("zip entry '{0}' points outside the archive's folder; refusing the archive")]
    Escape(String),
    #[error(
        "zip entry '{name}' inflates to {size} bytes at a {ratio}:1 ratio; refusing a possible zip bomb"
    )]
    Bomb { name: String, size: u64, ratio: u64 },
    #[error("zip entry '{name}': {message}")]
    Entry { name: String, message: String },
}

/// Whether `bytes` start like a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The files of an archive whose (safe, `/`-separated) names `want` accepts,
/// inflated, in archive order. Every entry's path is checked, wanted or not.
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
/// verification names every damaged member). The walk stops when `visit`
/// returns false. Errors about the archive as a whole (not a zip, an
/// escaping path) stop it too.
pub fn walk(
    bytes: &[u8],
    mut want: impl FnMut(&str) -> bool,
    mut visit: impl FnMut(&str, Result<Vec<u8>, Error>) -> bool,
) -> Result<(), Error> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Error::Zip(e.to_string()))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| Error::Zip(e.to_string()))?;
        let raw = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let Some(safe) = entry.enclosed_name() else {
            return Err(Error::Escape(raw));
        };
        if entry.is_dir() {
            continue;
        }
        let name = safe.to_string_lossy().replace('\\', "/");
        if !want(&name) {
            continue;
        }
        let packed = entry.compressed_size().max(1);
        let data = check_size(&name, entry.size(), packed).and_then(|()| {
            let mut data = Vec::with_capacity(entry.size().min(MAX_ENTRY) as usize);
            (&mut entry)
                .take(MAX_ENTRY + 1)
                .read_to_end(&mut data)
                .map_err(|e| Error::Entry {
                    name: name.clone(),
                    message: e.to_string(),
                })?;
            check_size(&name, data.len() as u64, packed)?;
            Ok(data)
        });
        if !visit(&name, data) {
            break;
        }
    }
    Ok(())
}

fn check_size(name: &str, size: u64, packed: u64) -> Result<(), Error> {
    let ratio = size / packed;
    if size > MAX_ENTRY || (size > (1 << 20) && ratio > MAX_RATIO) {
        return Err(Error::Bomb {
            name: name.to_string(),
            size,
            ratio,
        });
    }
    Ok(())
}
