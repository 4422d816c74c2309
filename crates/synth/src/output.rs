//! The atomic output directory: refuse a non-empty target, stage everything in
//! a hidden sibling directory, fsync files and directories, then rename the
//! staging directory onto the target. A dropped (uncommitted) staging
//! directory is removed, so a failure leaves nothing behind.
//!
//! This module knows nothing of the files' contents.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{io_err, SynthError};

/// Fails unless `out` is absent or an empty directory.
pub(crate) fn check_target(out: &Path) -> Result<(), SynthError> {
    match fs::metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(out, e)),
        Ok(m) if !m.is_dir() => Err(SynthError::OutputNotDirectory {
            path: out.to_path_buf(),
        }),
        Ok(_) => {
            let mut entries = fs::read_dir(out).map_err(|e| io_err(out, e))?;
            if entries.next().is_some() {
                Err(SynthError::OutputNotEmpty {
                    path: out.to_path_buf(),
                })
            } else {
                Ok(())
            }
        }
    }
}

/// A staging directory next to the target.
pub(crate) struct Staging {
    path: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates `.<name>.synth-tmp-<pid>-<seed>` beside `out`.
    pub(crate) fn create(out: &Path, seed: u64) -> Result<Staging, SynthError> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let parent = parent_of(out);
        let path = parent.join(format!(".{name}.synth-tmp-{}-{seed}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|e| io_err(&path, e))?;
        }
        fs::create_dir(&path).map_err(|e| io_err(&path, e))?;
        Ok(Staging {
            path,
            committed: false,
        })
    }

    /// The staging directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the staging directory onto `out` (an empty `out` is replaced) and syncs the parent.
    pub(crate) fn commit(mut self, out: &Path) -> Result<(), SynthError> {
        check_target(out)?;
        fs::rename(&self.path, out).map_err(|e| io_err(out, e))?;
        self.committed = true;
        sync_dir(&parent_of(out))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the error that got us here is the one worth reporting.
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates a directory.
pub(crate) fn create_dir(path: &Path) -> Result<(), SynthError> {
    fs::create_dir(path).map_err(|e| io_err(path, e))
}

/// Writes and syncs a file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    let mut f = File::create(path).map_err(|e| io_err(path, e))?;
    f.write_all(bytes).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
}

/// Syncs a directory so that its entries are durable.
pub(crate) fn sync_dir(path: &Path) -> Result<(), SynthError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(path, e))
}
