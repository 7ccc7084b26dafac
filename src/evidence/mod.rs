//! Evidence bundles: the raw API answers a collection gathered, kept so any
//! verdict can be re-checked later, offline, by someone else.
//!
//! A bundle is a folder (or a zip of one) holding one file per call
//! (`mke/info.json`, `mke/config-toml.toml`, …) and `manifest.json`, which
//! records for every call its method, path, HTTP status, duration, the
//! sha256 of the stored body, and any error. A call that failed stores no
//! file: nothing is ever kept as evidence when its call did not succeed.
//!
//! Reading a bundle back checks every file against its recorded hash.

mod manifest;

pub use manifest::{CallRecord, Manifest, Target};

use crate::unzip;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Name of the manifest inside a bundle.
pub const MANIFEST: &str = "manifest.json";

/// An evidence bundle in memory.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub manifest: Manifest,
    files: BTreeMap<String, Vec<u8>>,
    /// sha256 of `manifest.json` as read from disk: the bundle's identity,
    /// which every checklist judged from it names. `None` in memory.
    pub manifest_sha256: Option<String>,
    /// Files of the bundle the manifest does not list (never read).
    pub unlisted: Vec<String>,
}

/// A bundle folder: its files are read only when regular, and links only
/// when they resolve inside it.
struct Folder {
    root: PathBuf,
    /// The folder's real path, for checking where links lead.
    real: PathBuf,
    shown: String,
}

impl Folder {
    fn open(root: &Path, shown: &str) -> Result<Folder, Error> {
        let real = std::fs::canonicalize(root).map_err(|source| Error::Io {
            path: shown.to_string(),
            source,
        })?;
        Ok(Folder {
            root: root.to_path_buf(),
            real,
            shown: shown.to_string(),
        })
    }

    /// The file `name` (relative, `/`-separated), or `None` if absent.
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let p = self.root.join(name);
        match std::fs::symlink_metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: p.display().to_string(),
                    source,
                });
            }
            Ok(_) => {}
        }
        self.check_inside(name, &p)?;
        read_regular(&p, &self.root, &self.shown).map(Some)
    }

    /// A link (or a folder on the way) must not lead out of the bundle.
    fn check_inside(&self, name: &str, p: &Path) -> Result<(), Error> {
        let real = std::fs::canonicalize(p).map_err(|source| Error::Io {
            path: p.display().to_string(),
            source,
        })?;
        if !real.starts_with(&self.real) {
            return Err(Error::Outside {
                path: self.shown.clone(),
                file: name.to_string(),
                target: real.display().to_string(),
            });
        }
        Ok(())
    }

    /// Every file below the folder, as `/`-separated names; links are not
    /// followed, but one that leads outside is refused.
    fn all_files(&self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        let mut dirs = vec![PathBuf::new()];
        while let Some(rel) = dirs.pop() {
            let dir = self.root.join(&rel);
            let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
            for e in entries {
                let e = e.map_err(|source| Error::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
                let child = rel.join(e.file_name());
                let name = child
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let kind = e.file_type().map_err(|source| Error::Io {
                    path: e.path().display().to_string(),
                    source,
                })?;
                if kind.is_symlink() {
                    self.check_inside(&name, &e.path())?;
                    out.push(name);
                } else if kind.is_dir() {
                    dirs.push(child);
                } else {
                    out.push(name);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Reads a regular file of at most [`unzip::MAX_ENTRY`] bytes; anything
/// else (FIFO, device, socket, folder) is refused by name before it is
/// opened, so it can neither hang nor flood the run.
fn read_regular(p: &Path, root: &Path, shown: &str) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let io = |source| Error::Io {
        path: p.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(p).map_err(io)?;
    let name = p
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .map_or_else(|| p.display().to_string(), |r| r.display().to_string());
    if !meta.is_file() {
        return Err(Error::NotRegular {
            path: shown.to_string(),
            file: name,
            kind: file_kind(&meta),
        });
    }
    if meta.len() > unzip::MAX_ENTRY {
        return Err(Error::TooBig {
            path: shown.to_string(),
            file: name,
            size: meta.len(),
        });
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(p)
        .map_err(io)?
        .take(unzip::MAX_ENTRY + 1)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > unzip::MAX_ENTRY {
        return Err(Error::TooBig {
            path: shown.to_string(),
            file: name,
            size: data.len() as u64,
        });
    }
    Ok(data)
}

/// What a file that is not a regular file is, in words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// A bundle that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Archive {
        path: String,
        #[source]
        source: unzip::Error,
    },
    #[error("{path}: not an evidence bundle: no {MANIFEST}")]
    NoManifest { path: String },
    #[error("{path}: {MANIFEST}: {message}")]
    BadManifest { path: String, message: String },
    #[error("{path}: {file} is listed in the manifest but missing")]
    Missing { path: String, file: String },
    #[error("{path}: {file} does not match its recorded sha256 (changed after collection)")]
    Tampered { path: String, file: String },
    #[error("{path}: unsafe file name in the manifest: {file}")]
    UnsafeName { path: String, file: String },
    #[error("{0}: already exists (use --force to replace it)")]
    Exists(String),
    #[error("{path}: {file} is {kind}; only regular files are read")]
    NotRegular {
        path: String,
        file: String,
        kind: &'static str,
    },
    #[error(
        "{path}: {file} is {size} bytes, over the {} a bundle file may hold",
        unzip::MAX_ENTRY
    )]
    TooBig {
        path: String,
        file: String,
        size: u64,
    },
    #[error("{path}: {file} is a link that leads out of the bundle, to {target}")]
    Outside {
        path: String,
        file: String,
        target: String,
    },
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A file-name-safe form of a name taken from an API answer (organisation,
/// team, node): other characters become `_`, and a hash suffix keeps
/// distinct names distinct. Evidence keys use it, so checks and collectors
/// agree on where a name's evidence lives.
pub fn file_safe(name: &str) -> String {
    let clean = crate::output::safe_file_chars(name);
    if clean == name && !name.is_empty() && name != "." && name != ".." {
        clean
    } else {
        format!(
            "{}-{}",
            clean.trim_matches('.'),
            &sha256_hex(name.as_bytes())[..8]
        )
    }
}

/// A relative, forward-slash path that cannot leave the bundle folder.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..")
}

impl Evidence {
    pub fn new(manifest: Manifest) -> Evidence {
        Evidence {
            manifest,
            files: BTreeMap::new(),
            manifest_sha256: None,
            unlisted: Vec::new(),
        }
    }

    /// Stores the body of a successful call and completes its record with
    /// the file name, size and hash.
    pub fn store(&mut self, mut record: CallRecord, file: String, body: Vec<u8>) {
        debug_assert!(safe_name(&file), "{file}");
        record.file = Some(file.clone());
        record.sha256 = Some(sha256_hex(&body));
        record.bytes = Some(body.len() as u64);
        record.error = None;
        self.files.insert(file, body);
        self.manifest.calls.push(record);
    }

    /// Records a call that failed: no file is kept.
    pub fn fail(&mut self, mut record: CallRecord, error: String) {
        record.file = None;
        record.sha256 = None;
        record.bytes = None;
        record.error = Some(error);
        self.manifest.calls.push(record);
    }

    /// The record of the call stored under `key` (e.g. `mke/info`).
    pub fn call(&self, key: &str) -> Option<&CallRecord> {
        self.manifest.calls.iter().find(|c| c.key == key)
    }

    /// Records whose key starts with `prefix`.
    pub fn calls_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a CallRecord> + 'a {
        self.manifest
            .calls
            .iter()
            .filter(move |c| c.key.starts_with(prefix))
    }

    /// The stored body of a successful call.
    pub fn body(&self, key: &str) -> Option<&[u8]> {
        let file = self.call(key)?.file.as_deref()?;
        self.files.get(file).map(Vec::as_slice)
    }

    /// The stored body of a successful call, parsed as JSON.
    pub fn json(&self, key: &str) -> Option<serde_json::Value> {
        serde_json::from_slice(self.body(key)?).ok()
    }

    /// The stored body of a successful call, as text.
    pub fn text(&self, key: &str) -> Option<&str> {
        std::str::from_utf8(self.body(key)?).ok()
    }

    /// Whether any call failed.
    pub fn is_partial(&self) -> bool {
        self.manifest.calls.iter().any(|c| c.error.is_some())
    }

    /// All stored files, by name.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Reads a bundle (folder or zip) and checks every file the manifest
    /// lists against its sha256. Only what the manifest lists is read;
    /// anything else is named in [`Evidence::unlisted`]. In a folder, only
    /// regular files are read (a FIFO would hang the run, a device never
    /// end), none larger than [`unzip::MAX_ENTRY`], and a symbolic link
    /// only when it resolves inside the folder.
    pub fn load(path: &Path) -> Result<Evidence, Error> {
        let shown = path.display().to_string();
        let io = |source| Error::Io {
            path: shown.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let (folder, bytes) = if meta.is_dir() {
            (Some(Folder::open(path, &shown)?), Vec::new())
        } else {
            (None, read_regular(path, path, &shown)?)
        };
        let archive_err = |source| Error::Archive {
            path: shown.clone(),
            source,
        };
        let limits = unzip::Limits::current();
        let mut budget = unzip::Budget::new(limits);
        let mut zip = match folder {
            None => Some(unzip::Archive::open(&bytes, limits).map_err(archive_err)?),
            Some(_) => None,
        };
        let mut read = |name: &str| -> Result<Option<Vec<u8>>, Error> {
            if let Some(f) = &folder {
                return f.read(name);
            }
            match &mut zip {
                Some(z) if z.names().any(|n| n == name) => {
                    z.read(name, &mut budget).map(Some).map_err(archive_err)
                }
                _ => Ok(None),
            }
        };
        let manifest_bytes = read(MANIFEST)?.ok_or_else(|| Error::NoManifest {
            path: shown.clone(),
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&manifest_bytes).map_err(|e| Error::BadManifest {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        let mut files = BTreeMap::new();
        for call in &manifest.calls {
            let Some(file) = &call.file else { continue };
            if !safe_name(file) {
                return Err(Error::UnsafeName {
                    path: shown.clone(),
                    file: file.clone(),
                });
            }
            let data = read(file)?.ok_or_else(|| Error::Missing {
                path: shown.clone(),
                file: file.clone(),
            })?;
            if call.sha256.as_deref() != Some(sha256_hex(&data).as_str()) {
                return Err(Error::Tampered {
                    path: shown.clone(),
                    file: file.clone(),
                });
            }
            files.insert(file.clone(), data);
        }
        let present: Vec<String> = match (&folder, &zip) {
            (Some(f), _) => f.all_files()?,
            (None, Some(z)) => z.names().map(str::to_string).collect(),
            (None, None) => Vec::new(),
        };
        let unlisted = present
            .into_iter()
            .filter(|n| n != MANIFEST && !files.contains_key(n))
            .collect();
        Ok(Evidence {
            manifest,
            files,
            manifest_sha256: Some(sha256_hex(&manifest_bytes)),
            unlisted,
        })
    }

    /// Writes the bundle to a folder, or to a zip when `path` ends in
    /// `.zip`, atomically (see [`BundleWriter`]).
    pub fn write(&self, path: &Path, force: bool) -> Result<(), Error> {
        let mut w = BundleWriter::create(path, force)?;
        for call in &self.manifest.calls {
            let body = call.file.as_ref().and_then(|f| self.files.get(f));
            w.add(call.clone(), body.map(Vec::as_slice))?;
        }
        w.finish(self.manifest.clone()).map(|_| ())
    }
}

/// Writes a bundle as its calls complete, so a long collection spends its
/// network waits writing files rather than writing them all at the end.
///
/// Everything goes to a staging folder (or temporary zip) beside the
/// destination; [`BundleWriter::finish`] adds the manifest and renames it
/// into place. Dropping an unfinished writer leaves nothing behind.
pub struct BundleWriter {
    dest: PathBuf,
    force: bool,
    shown: String,
    parent: PathBuf,
    calls: Vec<CallRecord>,
    sink: Sink,
}

enum Sink {
    Dir {
        staging: tempfile::TempDir,
        made: std::collections::HashSet<PathBuf>,
    },
    Zip {
        tmp: tempfile::NamedTempFile,
        zip: Box<zip::ZipWriter<std::io::BufWriter<std::fs::File>>>,
    },
}

impl BundleWriter {
    /// Starts a bundle at `dest` (a `.zip` path makes a zip). Refuses an
    /// existing destination unless `force`.
    pub fn create(dest: &Path, force: bool) -> Result<BundleWriter, Error> {
        let shown = dest.display().to_string();
        if !force && dest.exists() {
            return Err(Error::Exists(shown));
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let io = |source| Error::Io {
            path: shown.clone(),
            source,
        };
        let sink = if dest
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            let tmp = tempfile::Builder::new()
                .prefix(".stigkit-evidence-")
                .suffix(".tmp")
                .tempfile_in(&parent)
                .map_err(io)?;
            let file = tmp.reopen().map_err(io)?;
            Sink::Zip {
                zip: Box::new(zip::ZipWriter::new(std::io::BufWriter::new(file))),
                tmp,
            }
        } else {
            Sink::Dir {
                staging: tempfile::Builder::new()
                    .prefix(".stigkit-evidence-")
                    .tempdir_in(&parent)
                    .map_err(io)?,
                made: std::collections::HashSet::new(),
            }
        };
        Ok(BundleWriter {
            dest: dest.to_path_buf(),
            force,
            shown,
            parent,
            calls: Vec::new(),
            sink,
        })
    }

    /// Adds one call: its record, and its body when it succeeded. The
    /// record gets the file's hash and size here.
    pub fn add(&mut self, mut record: CallRecord, body: Option<&[u8]>) -> Result<(), Error> {
        match (body, record.file.clone()) {
            (Some(body), Some(file)) => {
                if !safe_name(&file) || file == MANIFEST {
                    return Err(Error::UnsafeName {
                        path: self.shown.clone(),
                        file,
                    });
                }
                record.sha256 = Some(sha256_hex(body));
                record.bytes = Some(body.len() as u64);
                self.put(&file, body)?;
            }
            _ => {
                record.file = None;
                record.sha256 = None;
                record.bytes = None;
            }
        }
        self.calls.push(record);
        Ok(())
    }

    fn put(&mut self, name: &str, body: &[u8]) -> Result<(), Error> {
        let shown = &self.shown;
        let io = |source| Error::Io {
            path: shown.clone(),
            source,
        };
        match &mut self.sink {
            Sink::Dir { staging, made } => {
                let target = staging.path().join(name);
                if let Some(dir) = target.parent()
                    && made.insert(dir.to_path_buf())
                {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                std::fs::write(&target, body).map_err(io)
            }
            Sink::Zip { zip, .. } => {
                use std::io::Write;
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated);
                zip.start_file(name, opts)
                    .map_err(|e| io(std::io::Error::other(e)))?;
                zip.write_all(body).map_err(io)
            }
        }
    }

    /// Writes the manifest (its calls replaced by those added, sorted by
    /// key so the manifest is repeatable), moves the bundle into place and
    /// returns the manifest as written.
    pub fn finish(mut self, mut manifest: Manifest) -> Result<Manifest, Error> {
        let shown = self.shown.clone();
        let io = |source| Error::Io {
            path: shown.clone(),
            source,
        };
        self.calls.sort_by(|a, b| a.key.cmp(&b.key));
        manifest.calls = std::mem::take(&mut self.calls);
        let bytes = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        self.put(MANIFEST, &bytes)?;
        match self.sink {
            Sink::Zip { tmp, zip } => {
                let mut file = (*zip).finish().map_err(|e| io(std::io::Error::other(e)))?;
                use std::io::Write;
                file.flush().map_err(io)?;
                file.get_ref().sync_all().map_err(io)?;
                if self.force {
                    tmp.persist(&self.dest).map_err(|e| io(e.error))?;
                } else {
                    tmp.persist_noclobber(&self.dest).map_err(|e| io(e.error))?;
                }
                Ok(manifest)
            }
            Sink::Dir { staging, .. } => {
                let staged = staging.keep();
                if self.dest.exists() {
                    // --force: move the old bundle aside, put the new one in
                    // place, then delete the old one, so a failure leaves one
                    // of the two.
                    let name = self
                        .dest
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let old = self.parent.join(format!(".stigkit-replaced-{name}"));
                    let _ = std::fs::remove_dir_all(&old);
                    std::fs::rename(&self.dest, &old).map_err(io)?;
                    std::fs::rename(&staged, &self.dest).map_err(io)?;
                    if old.is_dir() {
                        std::fs::remove_dir_all(&old).map_err(io)?;
                    } else {
                        std::fs::remove_file(&old).map_err(io)?;
                    }
                } else {
                    std::fs::rename(&staged, &self.dest).map_err(io)?;
                }
                Ok(manifest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Evidence {
        let mut e = Evidence::new(Manifest::default());
        let rec = CallRecord::new("mke/info", "mke", "GET", "/info");
        e.store(rec, "mke/info.json".into(), br#"{"Name":"mgr-1"}"#.to_vec());
        let rec = CallRecord::new("mke/nodes", "mke", "GET", "/nodes");
        e.fail(rec, "HTTP 500: boom".into());
        e
    }

    #[test]
    fn folder_and_zip_bundles_read_back_verified() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["bundle", "bundle.zip"] {
            let p = dir.path().join(name);
            sample().write(&p, false).unwrap();
            let back = Evidence::load(&p).unwrap();
            assert_eq!(back.json("mke/info").unwrap()["Name"], "mgr-1");
            assert!(back.body("mke/nodes").is_none());
            assert_eq!(
                back.call("mke/nodes").unwrap().error.as_deref(),
                Some("HTTP 500: boom")
            );
            assert!(back.is_partial());
            assert!(matches!(sample().write(&p, false), Err(Error::Exists(_))));
            sample().write(&p, true).unwrap();
        }
    }

    #[test]
    fn a_changed_byte_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b");
        sample().write(&p, false).unwrap();
        std::fs::write(p.join("mke/info.json"), br#"{"Name":"mgr-2"}"#).unwrap();
        let e = Evidence::load(&p).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "mke/info.json does not match its recorded sha256 (changed after collection)"
            ),
            "{e}"
        );
    }

    #[test]
    fn names_from_answers_become_safe_file_names() {
        assert_eq!(file_safe("engineering"), "engineering");
        assert!(file_safe("../etc").starts_with("_etc-"));
        assert_ne!(file_safe("a/b"), file_safe("a_b"));
    }

    #[test]
    fn names_cannot_escape_the_bundle() {
        assert!(safe_name("mke/containers/abc/inspect.json"));
        for bad in ["../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", ""] {
            assert!(!safe_name(bad), "{bad}");
        }
    }
}
