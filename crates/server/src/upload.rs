//! Receiving a request directory as a multipart upload: the three parts are
//! streamed to files in a temporary directory under `<state>/uploads/`, each
//! under its own size limit, and the cover letter is parsed (bounded) so the
//! caller can check the agency before anything is installed.
//!
//! It does not check the signature or any rule: that is the pipeline's job,
//! run in the background on the installed directory.

use crate::error::ApiError;
use axum::extract::multipart::{Multipart, MultipartError};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use vouch_core::{limits, RequestLetter};

/// The parts of an upload and the names they are stored under.
pub const PARTS: [&str; 3] = vouch_app::UPLOAD_FILES;

/// An upload received into a temporary directory (removed if dropped).
pub(crate) struct Staged {
    pub dir: TempDir,
    pub letter: RequestLetter,
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::Invalid("the body is not a well-formed multipart/form-data upload".into())
    }
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("upload staging: {e}"))
}

fn limit_of(part: &str, subjects_bytes_max: u64) -> u64 {
    match part {
        "request.json" => limits::REQUEST_JSON_BYTES_MAX,
        "request.json.sig" => limits::SIGNATURE_FILE_BYTES_MAX,
        _ => subjects_bytes_max.min(limits::SUBJECTS_FILE_BYTES_MAX),
    }
}

/// Streams the multipart parts into a new temporary directory under `uploads`.
pub(crate) async fn receive(
    uploads: PathBuf,
    mut multipart: Multipart,
    subjects_bytes_max: u64,
) -> Result<Staged, ApiError> {
    tokio::fs::create_dir_all(&uploads)
        .await
        .map_err(io_error)?;
    let dir = tempfile::Builder::new()
        .prefix(".upload-")
        .tempdir_in(&uploads)
        .map_err(io_error)?;
    let mut seen = [false; 3];
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let Some(slot) = PARTS.iter().position(|p| *p == name) else {
            return Err(ApiError::Invalid(
                "unknown part; expected request.json, request.json.sig and subjects.csv".into(),
            ));
        };
        if seen[slot] {
            return Err(ApiError::Invalid(format!("part {name} appears twice")));
        }
        seen[slot] = true;
        let limit = limit_of(&name, subjects_bytes_max);
        let path = dir.path().join(PARTS[slot]);
        let mut file = tokio::fs::File::create(&path).await.map_err(io_error)?;
        let mut written: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError::TooLarge);
            }
            file.write_all(&chunk).await.map_err(io_error)?;
        }
        file.sync_all().await.map_err(io_error)?;
    }
    if let Some(missing) = PARTS.iter().zip(seen).find(|(_, s)| !s).map(|(p, _)| p) {
        return Err(ApiError::Invalid(format!("part {missing} is missing")));
    }
    let letter = read_letter(dir.path()).await?;
    Ok(Staged { dir, letter })
}

async fn read_letter(dir: &Path) -> Result<RequestLetter, ApiError> {
    let bytes = tokio::fs::read(dir.join(PARTS[0]))
        .await
        .map_err(io_error)?;
    // The path given is the part's name, so the message names no server path.
    let letter = vouch_formats::request::parse_letter(Path::new(PARTS[0]), &bytes)
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    if letter.subjects_file != PARTS[2] {
        return Err(ApiError::Invalid(
            "request.json: field subjects_file: must be subjects.csv for an upload".into(),
        ));
    }
    Ok(letter)
}

/// Installs a staged upload as `<uploads>/<request_id>/`, replacing a stale
/// one (an earlier upload of this id that never produced a record).
pub(crate) fn install(staged: Staged, uploads: &Path) -> Result<PathBuf, ApiError> {
    let dest = uploads.join(&staged.letter.request_id);
    if dest.exists() {
        std::fs::remove_dir_all(&dest).map_err(io_error)?;
    }
    let tmp = staged.dir.keep();
    if let Err(e) = std::fs::rename(&tmp, &dest) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_error(e));
    }
    vouch_formats::atomic::sync_dir(uploads).map_err(io_error)?;
    Ok(dest)
}
