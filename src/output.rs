//! Writing output files: always whole or not at all.
//!
//! Content goes to a temporary file in the destination folder, which is then
//! renamed over the destination, so a crash or a full disk never leaves a
//! half-written checklist. An existing file is only replaced when asked.

use crate::model::Checklist;
use crate::source::Format;
use crate::{ckl, cklb};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: already exists (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: unknown checklist extension; use .ckl or .cklb", .0.display())]
    UnknownFormat(PathBuf),
}

/// `name` with every character but ASCII letters, digits, `-`, `_` and `.`
/// replaced by `_`, for file names made from data (hosts, STIG ids).
pub fn safe_file_chars(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `bytes` to `path` atomically; refuses to replace an existing file
/// unless `force`.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> Result<(), Error> {
    stage(path, bytes, force)?.persist(force)
}

/// Writes `path` atomically with content that `fill` streams into the
/// (seekable) temporary file, for outputs too large or too structured to
/// build in memory first, such as zip archives.
pub fn write_streamed(
    path: &Path,
    force: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), Error> {
    stage_with(path, force, fill)?.persist(force)
}

/// Writes several files, all or none: each content goes to its temporary
/// file first, and only when all of them are on disk are they renamed into
/// place. Without `force`, a rename that fails removes the files this call
/// already put in place.
pub fn write_all_atomic(files: &[(&Path, &[u8])], force: bool) -> Result<(), Error> {
    let staged = files
        .iter()
        .map(|(p, b)| stage(p, b, force))
        .collect::<Result<Vec<_>, _>>()?;
    let mut done: Vec<PathBuf> = Vec::new();
    for s in staged {
        let path = s.path.clone();
        if let Err(e) = s.persist(force) {
            if !force {
                for p in &done {
                    let _ = std::fs::remove_file(p);
                }
            }
            return Err(e);
        }
        done.push(path);
    }
    Ok(())
}

/// Content written to a temporary file beside its destination.
struct Staged {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

fn stage(path: &Path, bytes: &[u8], force: bool) -> Result<Staged, Error> {
    stage_with(path, force, |f| f.write_all(bytes))
}

/// Stages a file whose content `fill` writes.
fn stage_with(
    path: &Path,
    force: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<Staged, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if !force && path.exists() {
        return Err(Error::Exists(path.to_path_buf()));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".stigkit-").suffix(".tmp");
    // Temporary files are private (0600); the result should be readable
    // like any other file, or keep the mode of the file it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    // tempfile's error names its random temporary path; the user should
    // see only the path they asked for.
    let mut tmp = builder.tempfile_in(dir).map_err(|e| io(without_path(e)))?;
    fill(tmp.as_file_mut()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    Ok(Staged {
        path: path.to_path_buf(),
        tmp,
    })
}

/// The cause of an I/O error without the temporary path tempfile adds to
/// its message (`… at path "/dir/.stigkit-XXXX.tmp"`).
fn without_path(e: std::io::Error) -> std::io::Error {
    let text = e.to_string();
    match text.rfind(" at path \"") {
        Some(i) => std::io::Error::new(e.kind(), &text[..i]),
        None => e,
    }
}

impl Staged {
    fn persist(self, force: bool) -> Result<(), Error> {
        let path = self.path;
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        if force {
            self.tmp.persist(&path).map_err(|e| io(e.error))?;
        } else {
            // No-clobber rename: a file created meanwhile is not replaced either.
            self.tmp.persist_noclobber(&path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::Exists(path.clone())
                } else {
                    io(e.error)
                }
            })?;
        }
        Ok(())
    }
}

/// Renders a checklist in the format `path`'s extension names.
pub fn render_checklist(path: &Path, checklist: &Checklist) -> Result<(Format, String), Error> {
    // Only the written extensions: `.xml` and `.json` are accepted when
    // reading, not as output names.
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "ckl" => Ok((Format::Ckl, ckl::write_to_string(checklist))),
        "cklb" => Ok((Format::Cklb, cklb::write_to_string(checklist))),
        _ => Err(Error::UnknownFormat(path.to_path_buf())),
    }
}

/// Writes a checklist atomically in the format of `path`'s extension.
pub fn write_checklist(path: &Path, checklist: &Checklist, force: bool) -> Result<Format, Error> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("ckl") {
        // Streamed: a merged fleet's CKL need not sit in memory twice.
        stage_with(path, force, |f| ckl::write(checklist, f))?.persist(force)?;
        return Ok(Format::Ckl);
    }
    let (format, text) = render_checklist(path, checklist)?;
    write_atomic(path, text.as_bytes(), force)?;
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_replace_without_force_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.ckl");
        write_atomic(&p, b"one", false).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false),
            Err(Error::Exists(_))
        ));
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.ckl"]);
    }

    #[test]
    fn several_files_are_written_all_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.ckl"), dir.path().join("b.json"));
        std::fs::write(&b, "kept").unwrap();
        assert!(matches!(
            write_all_atomic(&[(&a, b"A"), (&b, b"B")], false),
            Err(Error::Exists(_))
        ));
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"kept");
        write_all_atomic(&[(&a, b"A"), (&b, b"B")], true).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"A");
        assert_eq!(std::fs::read(&b).unwrap(), b"B");
        let names = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(names, 2, "no temporary files left");
    }

    #[test]
    fn rejects_unknown_extensions() {
        let c = Checklist::default();
        assert!(matches!(
            render_checklist(Path::new("x.txt"), &c),
            Err(Error::UnknownFormat(_))
        ));
    }
}
