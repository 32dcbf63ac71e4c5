//! Files: reading with a size limit, and replacing a file atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::format::{MAX_MODEL_BYTES, check_size};
use crate::error::{Error, Result};

/// An [`Error::Io`] for `action` on `path`.
pub(crate) fn io_error(err: &std::io::Error, action: &str, path: &Path) -> Error {
    Error::Io {
        kind: err.kind(),
        message: format!("cannot {action} {}: {err}", path.display()),
    }
}

/// Reads a whole file, refusing one larger than [`MAX_MODEL_BYTES`] before reading it.
pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| io_error(&e, "open", path))?;
    let len = file
        .metadata()
        .map_err(|e| io_error(&e, "inspect", path))?
        .len();
    if len > MAX_MODEL_BYTES {
        return Err(Error::ModelTooLarge {
            bytes: len,
            limit: MAX_MODEL_BYTES,
        });
    }
    // The length can be wrong (a growing file, a device): never read more than the limit + 1.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&e, "read", path))?;
    check_size(bytes.len())?;
    Ok(bytes)
}

/// Writes a JSON document and a final newline to `path`, atomically.
pub(crate) fn write_json_file(path: &Path, mut json: String) -> Result<()> {
    json.push('\n');
    write_atomically(path, json.as_bytes())
}

/// The longest part of a target's file name that its temporary name repeats: with the leading
/// dot, the process id, a counter and `.tmp` (at most 37 bytes more), a temporary name stays
/// under 255 bytes, the longest name most file systems accept.
const TMP_NAME_PREFIX_BYTES: usize = 128;

/// Replaces `path` with `bytes` atomically: a crash leaves the old content or the new one.
///
/// Writes a temporary file `.PREFIX.PID.N.tmp` (`PREFIX`: the target's name, cut to at most
/// [`TMP_NAME_PREFIX_BYTES`] bytes) in the same folder, flushes and syncs it, renames it over `path`,
/// then (on Unix) syncs the folder so that the rename itself is durable.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    /// Distinguishes concurrent saves of one process.
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let Some(file_name) = path.file_name() else {
        return Err(Error::Io {
            kind: std::io::ErrorKind::InvalidInput,
            message: format!("cannot save to {}: not a file path", path.display()),
        });
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The temporary name starts with (a prefix of) the target's, so that a stray one is easy to
    // place, but stays within the 255 bytes that file systems allow for a name.
    let name = file_name.to_string_lossy();
    let mut end = name.len().min(TMP_NAME_PREFIX_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let mut attempts = 0;
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(format!(".{}.{}.{n}.tmp", &name[..end], std::process::id()));
        // `create_new` never follows or clobbers an existing file (a stale one from a crash).
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(file) => break (tmp_path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(io_error(&e, "create", &tmp_path)),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&e, "write", &tmp_path))
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp_path, path).map_err(|e| io_error(&e, "replace", path))
        });
    if written.is_err() {
        // Best effort: the error being returned matters more than a stray temporary file.
        let _ = fs::remove_file(&tmp_path);
    }
    written?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(&e, "sync folder", dir))
}

/// Windows commits renames with the file system's metadata; folders cannot be opened to sync.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}
