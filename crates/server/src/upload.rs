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

/// A part's size limit and its name.
fn limit_of(part: &str, subjects: (u64, &'static str)) -> (u64, &'static str) {
    match part {
        "request.json" => (limits::REQUEST_JSON_BYTES_MAX, "REQUEST_JSON_BYTES_MAX"),
        "request.json.sig" => (limits::SIGNATURE_FILE_BYTES_MAX, "SIGNATURE_FILE_BYTES_MAX"),
        _ => subjects,
    }
}

/// Streams the multipart parts into a new temporary directory under
/// `uploads`; `subjects` is the limit on `subjects.csv` and its name (see
/// [`crate::limits::subjects_bytes_max`]).
pub(crate) async fn receive(
    uploads: PathBuf,
    mut multipart: Multipart,
    subjects: (u64, &'static str),
) -> Result<Staged, ApiError> {
    tokio::fs::create_dir_all(&uploads)
        .await
        .map_err(io_error)?;
    let dir = tempfile::Builder::new()
        .prefix(".upload-")
        .tempdir_in(&uploads)
        .map_err(io_error)?;
    let mut seen = [false; 4];
    let all: Vec<&'static str> = PARTS
        .into_iter()
        .chain(vouch_app::UPLOAD_OPTIONAL_FILES)
        .collect();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let Some(slot) = all.iter().position(|p| *p == name) else {
            return Err(ApiError::Invalid(
                "unknown part; expected request.json, request.json.sig, subjects.csv and, when the letter names it, cases.csv".into(),
            ));
        };
        if seen[slot] {
            return Err(ApiError::Invalid(format!("part {name} appears twice")));
        }
        seen[slot] = true;
        let (limit, limit_name) = limit_of(&name, subjects);
        let path = dir.path().join(all[slot]);
        let mut file = tokio::fs::File::create(&path).await.map_err(io_error)?;
        let mut written: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError::PartTooLarge {
                    part: all[slot],
                    limit: limit_name,
                    limit_bytes: limit,
                });
            }
            file.write_all(&chunk).await.map_err(io_error)?;
        }
        file.sync_all().await.map_err(io_error)?;
    }
    if let Some(missing) = PARTS.iter().zip(seen).find(|(_, s)| !s).map(|(p, _)| p) {
        return Err(ApiError::Invalid(format!("part {missing} is missing")));
    }
    let letter = read_letter(dir.path()).await?;
    // A case-assignment file comes when, and only when, the letter names it.
    match (&letter.cases_file, seen[3]) {
        (Some((name, _)), true) if name == all[3] => {}
        (Some(_), _) => {
            return Err(ApiError::Invalid(
                "request.json: field cases_file: must be cases.csv, sent as the part of that name"
                    .into(),
            ))
        }
        (None, true) => {
            return Err(ApiError::Invalid(
                "part cases.csv was sent but request.json names no cases_file".into(),
            ))
        }
        (None, false) => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::FromRequest;
    use axum::http::{header, Request, StatusCode};
    use axum::response::IntoResponse;

    const LETTER: &str = r#"{"request_id":"R-1","pathway":"6103(i)(2)","agency":"DHS-ICE",
        "submitted_at":"2025-06-02T14:00:00Z","signer":{"id":"s"},"recipients":[],
        "statutory_authority":"x","investigation":"criminal","taxable_periods":[2023],
        "requested_items":["address_confirmation"],"attestation":"a",
        "subjects_file":"subjects.csv",
        "subjects_sha256":"0000000000000000000000000000000000000000000000000000000000000000"}"#;

    /// Receives an upload whose subjects.csv is `len` bytes under a
    /// subjects limit of `limit` bytes named `name`.
    async fn receive_subjects(len: usize, limit: u64, name: &'static str) -> Result<(), ApiError> {
        let dir = tempfile::tempdir().unwrap();
        let (ct, body) = vouch_test_support::http::multipart(&[
            ("request.json", LETTER.as_bytes().to_vec()),
            ("request.json.sig", b"sig".to_vec()),
            ("subjects.csv", vec![b'x'; len]),
        ]);
        let req = Request::builder()
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        let multipart = Multipart::from_request(req, &()).await.unwrap();
        let staged = receive(dir.path().join("uploads"), multipart, (limit, name)).await?;
        assert_eq!(staged.letter.request_id, "R-1");
        Ok(())
    }

    #[tokio::test]
    async fn subjects_of_exactly_the_limit_are_received_and_one_byte_more_is_refused_naming_it() {
        receive_subjects(1000, 1000, "SUBJECTS_FILE_BYTES_MAX")
            .await
            .unwrap();
        let e = receive_subjects(1001, 1000, "SUBJECTS_FILE_BYTES_MAX")
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ApiError::PartTooLarge {
                    part: "subjects.csv",
                    limit: "SUBJECTS_FILE_BYTES_MAX",
                    limit_bytes: 1000
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "subjects.csv is larger than SUBJECTS_FILE_BYTES_MAX (1000 bytes)"
        );
        assert_eq!(e.into_response().status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
