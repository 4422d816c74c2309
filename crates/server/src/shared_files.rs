//! Request uploads and written responses, shared through the state store.
//!
//! Each node keeps them as files under its own `--state` directory (the
//! pipeline reads and writes directories). On a store several nodes share
//! (SQLite or PostgreSQL), the files are also kept in the store as request
//! documents (`upload:NAME`, `response:NAME`), so a node that did not
//! receive an upload can still run, resume or explain the batch, and any node
//! can serve the response: the nodes need no shared file system. The
//! directory store is one process's, so there it is skipped.

use crate::error::ApiError;
use crate::state::Core;
use std::path::Path;

const UPLOAD_PREFIX: &str = "upload:";
const RESPONSE_PREFIX: &str = "response:";
/// The files of a written response.
pub(crate) const RESPONSE_FILES: [&str; 2] = ["response.csv", "response.json"];

pub(crate) fn shared(core: &Core) -> bool {
    core.store.backend() != "files"
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("shared files: {e}"))
}

/// Keeps an installed upload in the store.
pub(crate) fn keep_upload(core: &Core, request_id: &str, dir: &Path) -> Result<(), ApiError> {
    if !shared(core) {
        return Ok(());
    }
    for name in crate::upload::PARTS {
        let bytes = std::fs::read(dir.join(name)).map_err(io)?;
        core.store
            .put_request_blob(request_id, &format!("{UPLOAD_PREFIX}{name}"), &bytes)?;
    }
    Ok(())
}

/// Keeps a written response in the store (after a run that completed or
/// rejected the request).
pub(crate) fn keep_response(core: &Core, request_id: &str) -> Result<(), ApiError> {
    if !shared(core) {
        return Ok(());
    }
    let dir = core.responses_dir().join(request_id);
    for name in RESPONSE_FILES {
        let bytes = std::fs::read(dir.join(name)).map_err(io)?;
        core.store
            .put_request_blob(request_id, &format!("{RESPONSE_PREFIX}{name}"), &bytes)?;
    }
    Ok(())
}

/// Writes `files` (name, store document) into `dest` if it is missing: all
/// of them into a temporary sibling, synced, then renamed. False when the
/// store lacks one of them.
fn materialize(
    core: &Core,
    request_id: &str,
    dest: &Path,
    prefix: &str,
    names: &[&str],
) -> Result<bool, ApiError> {
    if dest.is_dir() {
        return Ok(true);
    }
    if !shared(core) {
        return Ok(false);
    }
    let mut docs = Vec::with_capacity(names.len());
    for name in names {
        match core
            .store
            .request_blob(request_id, &format!("{prefix}{name}"))?
        {
            Some(b) => docs.push((*name, b)),
            None => return Ok(false),
        }
    }
    let parent = dest
        .parent()
        .ok_or_else(|| ApiError::Internal("shared files: no parent".into()))?;
    std::fs::create_dir_all(parent).map_err(io)?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(parent)
        .map_err(io)?;
    for (name, bytes) in &docs {
        vouch_formats::atomic::write_atomic(&tmp.path().join(name), bytes).map_err(io)?;
    }
    let tmp = tmp.keep();
    match std::fs::rename(&tmp, dest) {
        Ok(()) => {}
        // Another task put it there first: theirs is the same documents.
        Err(_) if dest.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io(e));
        }
    }
    vouch_formats::atomic::sync_dir(parent).map_err(io)?;
    Ok(true)
}

/// Makes sure the upload of a request is in this node's uploads directory;
/// false when neither this node nor the store has it.
pub(crate) fn upload_here(core: &Core, request_id: &str) -> Result<bool, ApiError> {
    let dest = core.uploads_dir().join(request_id);
    materialize(
        core,
        request_id,
        &dest,
        UPLOAD_PREFIX,
        &crate::upload::PARTS,
    )
}

/// Makes sure the written response of a request is in this node's responses
/// directory; false when neither this node nor the store has it.
pub(crate) fn response_here(core: &Core, request_id: &str) -> Result<bool, ApiError> {
    let dest = core.responses_dir().join(request_id);
    materialize(core, request_id, &dest, RESPONSE_PREFIX, &RESPONSE_FILES)
}
