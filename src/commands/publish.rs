//! `--out s3://bucket/prefix`: a run is made in a local staging folder as
//! usual, then copied to the bucket as one run of one cluster. A failed
//! upload leaves the run in a named local folder, never lost.

use crate::store::{Limits, Location, Store, runs};
use std::path::{Path, PathBuf};

/// Where a run goes, checked before any work is done.
pub struct Destination {
    store: Store,
    /// `--cluster` / `$STIGKIT_CLUSTER`, when given.
    cluster: Option<String>,
}

impl Destination {
    /// `out` when it is an `s3://` location; `None` for a local path.
    pub fn of(out: &Path, cluster: Option<&str>) -> anyhow::Result<Option<Destination>> {
        let Some(text) = out.to_str().filter(|t| Location::is_s3(t)) else {
            return Ok(None);
        };
        let location = Location::parse(text).map_err(anyhow::Error::msg)?;
        if let Some(c) = cluster {
            runs::check_cluster(c).map_err(anyhow::Error::msg)?;
        }
        let store = Store::open(&location, Limits::from_env().map_err(anyhow::Error::msg)?)
            .map_err(anyhow::Error::msg)?;
        Ok(Some(Destination {
            store,
            cluster: cluster.map(str::to_string),
        }))
    }

    /// A fresh local folder to make the run in.
    pub fn staging(&self) -> anyhow::Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix("stigkit-run-")
            .tempdir()
            .map_err(|e| {
                anyhow::anyhow!(
                    "creating a staging folder in {}: {e}",
                    std::env::temp_dir().display()
                )
            })
    }

    /// The cluster the run belongs to: the one given, else `fallback` (the
    /// host the checklist names) made file-safe.
    pub fn cluster(&self, fallback: &str) -> anyhow::Result<String> {
        match &self.cluster {
            Some(c) => Ok(c.clone()),
            None if !fallback.is_empty() => Ok(crate::evidence::file_safe(fallback)),
            None => anyhow::bail!(
                "{}: no cluster name: give --cluster NAME (or $STIGKIT_CLUSTER)",
                self.store.location
            ),
        }
    }

    /// Uploads `files` (named by their file names, all in one folder of
    /// `staging`) as one run of `cluster`, and returns a line saying where.
    /// The summary's paths (in `summary.txt` and in `shown`) are turned
    /// into the run's `s3://` names. On failure the staging folder is kept
    /// as `$TMPDIR/stigkit-unsent/<cluster>/<run>` and the error names it.
    pub fn publish(
        &self,
        cluster: &str,
        staging: tempfile::TempDir,
        files: &[PathBuf],
        shown: &mut String,
    ) -> anyhow::Result<String> {
        let finished = chrono::Utc::now();
        let run_url = self
            .store
            .location
            .url(&format!("{cluster}/{}/", runs::run_name(finished)));
        let mut objects = Vec::with_capacity(files.len());
        for f in files {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| anyhow::anyhow!("{}: not a plain file name", f.display()))?
                .to_string();
            let mut bytes =
                std::fs::read(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
            if name == "summary.txt"
                && let Some(dir) = f.parent().and_then(Path::to_str)
            {
                let local = format!("{dir}/");
                *shown = shown.replace(&local, &run_url);
                bytes = String::from_utf8_lossy(&bytes)
                    .replace(&local, &run_url)
                    .into_bytes();
            }
            objects.push((name, bytes));
        }
        match runs::publish(&self.store, cluster, finished, objects) {
            Ok(run) => Ok(format!(
                "stored {} ({} objects, each read back and verified; {} updated last)",
                self.store
                    .location
                    .url(&format!("{}/{}", run.cluster, run.run)),
                run.objects.len() + 1,
                self.store
                    .location
                    .url(&format!("{}/{}", run.cluster, runs::LATEST)),
            )),
            Err(e) => {
                let folder = files
                    .first()
                    .and_then(|f| f.parent())
                    .unwrap_or(staging.path())
                    .to_path_buf();
                let kept = keep(staging, &folder, cluster, &runs::run_name(finished));
                match kept {
                    Ok(dir) => anyhow::bail!(
                        "{e}; the run was not stored, and is kept in {}",
                        dir.display()
                    ),
                    Err(why) => {
                        anyhow::bail!("{e}; the run was not stored, and could not be kept: {why}")
                    }
                }
            }
        }
    }
}

impl Destination {
    /// Stores the sealed archive `file` as `archives/<its name>`, verified;
    /// on failure keeps the staging folder as for a run.
    pub fn store_archive(&self, staging: tempfile::TempDir, file: &Path) -> anyhow::Result<String> {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("archive.zip")
            .to_string();
        let key = format!("{}/{name}", runs::ARCHIVES);
        let stored = std::fs::read(file)
            .map_err(|e| format!("{}: {e}", file.display()))
            .and_then(|bytes| self.store.put_verified(&key, bytes));
        match stored {
            Ok(_) => Ok(self.store.location.url(&key)),
            Err(e) => match keep(
                staging,
                file.parent().unwrap_or(Path::new("")),
                runs::ARCHIVES,
                name.trim_end_matches(".zip"),
            ) {
                Ok(dir) => anyhow::bail!(
                    "{e}; the archive was not stored, and is kept in {}",
                    dir.display()
                ),
                Err(why) => {
                    anyhow::bail!("{e}; the archive was not stored, and could not be kept: {why}")
                }
            },
        }
    }
}

/// Moves `folder` (the staging folder, or the folder in it that holds the
/// run) to `$TMPDIR/stigkit-unsent/<cluster>/<run>`.
fn keep(
    staging: tempfile::TempDir,
    folder: &Path,
    cluster: &str,
    run: &str,
) -> Result<PathBuf, String> {
    let parent = std::env::temp_dir().join("stigkit-unsent").join(cluster);
    std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let dest = parent.join(run);
    let folder = if folder == staging.path() {
        staging.keep()
    } else {
        folder.to_path_buf()
    };
    std::fs::rename(&folder, &dest)
        .map_err(|e| format!("{} (left in {}): {e}", dest.display(), folder.display()))?;
    Ok(dest)
}

/// The evidence bundle at `bundle` as `dest` (a zip): a zip is copied, a
/// folder is zipped file by file, bytes unchanged, so the manifest's hash
/// that the checklists name still holds.
pub fn bundle_as_zip(bundle: &Path, dest: &Path) -> anyhow::Result<()> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("{}: {e}", dest.display());
    if bundle.is_file() {
        std::fs::copy(bundle, dest).map_err(|e| fail(&e))?;
        return Ok(());
    }
    let file = std::fs::File::create(dest).map_err(|e| fail(&e))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut stack = vec![bundle.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        {
            let path = entry
                .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let rel = path.strip_prefix(bundle).unwrap_or(&path);
        let name: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
        zip.start_file(name.join("/"), options)
            .map_err(|e| fail(&e))?;
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        std::io::Write::write_all(&mut zip, &bytes).map_err(|e| fail(&e))?;
    }
    zip.finish().map_err(|e| fail(&e))?;
    Ok(())
}
