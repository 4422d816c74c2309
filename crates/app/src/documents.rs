//! Request uploads and written responses, kept in the state store as well
//! as in each node's files directory.
//!
//! The pipeline reads a request directory and writes a response directory,
//! so each node keeps them as files under its own files directory
//! (`uploads/ID/`, `responses/ID/`). The store also keeps them as request
//! documents (`upload:NAME`, `response:NAME`), so a node that did not
//! receive an upload can still run or resume the batch and any node can
//! serve the response: the nodes need no shared file system.

use crate::{App, AppError};
use std::path::{Path, PathBuf};

/// The files of a request as uploaded (the request directory of formats.md).
pub const UPLOAD_FILES: [&str; 3] = ["request.json", "request.json.sig", "subjects.csv"];
/// Files an upload may carry beside [`UPLOAD_FILES`]: the case-assignment
/// file a large batch's letter names (formats.md, `cases_file`).
pub const UPLOAD_OPTIONAL_FILES: [&str; 1] = ["cases.csv"];
pub(crate) const UPLOAD_PREFIX: &str = "upload:";
const RESPONSE_PREFIX: &str = "response:";

/// A file of a written response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFile {
    /// `response.csv`: one line per subject.
    Csv,
    /// `response.json`: counts, checkpoint and signature.
    Json,
}

impl ResponseFile {
    /// Both files.
    pub const ALL: [ResponseFile; 2] = [ResponseFile::Csv, ResponseFile::Json];

    /// The file's name.
    pub fn name(self) -> &'static str {
        match self {
            ResponseFile::Csv => "response.csv",
            ResponseFile::Json => "response.json",
        }
    }
}

fn io(request_id: &str) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::Files {
        request_id: request_id.into(),
        why: e.to_string(),
    }
}

impl App<'_> {
    /// This node's directory of uploads.
    pub fn uploads_dir(&self) -> PathBuf {
        self.store.files_dir().join("uploads")
    }

    /// This node's directory of written responses.
    pub fn responses_dir(&self) -> PathBuf {
        self.store.files_dir().join("responses")
    }

    /// Copies the files `names` of `dir` into the store, streaming (a
    /// subjects file may be gigabytes).
    fn keep(
        &self,
        request_id: &str,
        dir: &Path,
        prefix: &str,
        names: &[&str],
    ) -> Result<(), AppError> {
        for name in names {
            let mut f = std::fs::File::open(dir.join(name)).map_err(io(request_id))?;
            let doc = format!("{prefix}{name}");
            self.store.put_request_document(request_id, &doc, &mut f)?;
        }
        Ok(())
    }

    /// Keeps an installed upload (`dir`) in the store.
    pub(crate) fn keep_upload(&self, request_id: &str, dir: &Path) -> Result<(), AppError> {
        self.keep(request_id, dir, UPLOAD_PREFIX, &UPLOAD_FILES)?;
        let present: Vec<&str> = UPLOAD_OPTIONAL_FILES
            .into_iter()
            .filter(|n| dir.join(n).is_file())
            .collect();
        self.keep(request_id, dir, UPLOAD_PREFIX, &present)
    }

    /// Keeps a written response in the store (after a run that completed or
    /// rejected the request).
    pub(crate) fn keep_response(&self, request_id: &str) -> Result<(), AppError> {
        let dir = self.responses_dir().join(request_id);
        let names = ResponseFile::ALL.map(ResponseFile::name);
        self.keep(request_id, &dir, RESPONSE_PREFIX, &names)
    }

    /// Writes the documents `prefix + names` into `dest` if it is missing:
    /// all of them streamed into a temporary sibling, synced, then renamed.
    /// False when the store lacks one of them.
    fn materialize(
        &self,
        request_id: &str,
        dest: &Path,
        prefix: &str,
        names: &[&str],
    ) -> Result<bool, AppError> {
        if dest.is_dir() {
            return Ok(true);
        }
        let io = io(request_id);
        let parent = dest.parent().ok_or_else(|| AppError::Files {
            request_id: request_id.into(),
            why: "a request directory has no parent".into(),
        })?;
        std::fs::create_dir_all(parent).map_err(&io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(parent)
            .map_err(&io)?;
        for name in names {
            let path = tmp.path().join(name);
            let mut f = std::fs::File::create(&path).map_err(&io)?;
            let doc = format!("{prefix}{name}");
            if !self.store.request_document(request_id, &doc, &mut f)? {
                // The temporary directory goes with `tmp`.
                return Ok(false);
            }
            f.sync_all().map_err(&io)?;
        }
        if prefix == UPLOAD_PREFIX {
            for name in UPLOAD_OPTIONAL_FILES {
                let doc = format!("{prefix}{name}");
                if let Some(bytes) = self.store.request_blob(request_id, &doc)? {
                    std::fs::write(tmp.path().join(name), bytes).map_err(&io)?;
                }
            }
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
        vouch_formats::atomic::sync_dir(parent).map_err(&io)?;
        Ok(true)
    }

    /// Authenticates an upload's letter before its files are kept anywhere
    /// (`dir` is where it was staged). A refusal is audited and returned as
    /// [`AppError::Pipeline`] (`PipelineError::Refused`); the caller drops
    /// the staged files.
    pub fn authenticate_upload(&self, request_id: &str, dir: &Path) -> Result<(), AppError> {
        match vouch_pipeline::authenticate_letter(self.store, dir) {
            Err(vouch_pipeline::PipelineError::Refused { path, failure }) => {
                self.audit(
                    request_id,
                    vouch_store::SYSTEM_ACTOR,
                    vouch_store::AuditAction::Refused,
                    format!("{} (at upload; nothing kept)", failure.code().as_str()),
                )?;
                Err(vouch_pipeline::PipelineError::Refused { path, failure }.into())
            }
            other => Ok(other?),
        }
    }

    /// Deletes the files of an upload that was refused before its request
    /// was recorded (a letter not signed by a registered signer, a subjects
    /// file not the one it names, an unreadable request): from this node's
    /// uploads directory and from the store. Nothing happens to an upload
    /// whose request is recorded. The refusal itself stays in the audit
    /// trail; this is audited too. Returns whether anything was deleted.
    pub fn discard_upload(&self, request_id: &str) -> Result<bool, AppError> {
        if self.store.request(request_id)?.is_some() {
            return Ok(false);
        }
        let mut deleted = false;
        for name in UPLOAD_FILES.into_iter().chain(UPLOAD_OPTIONAL_FILES) {
            let doc = format!("{UPLOAD_PREFIX}{name}");
            deleted |= self.store.delete_request_document(request_id, &doc)?;
        }
        let dir = self.uploads_dir().join(request_id);
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir).map_err(io(request_id))?;
            deleted = true;
        }
        if deleted {
            self.audit(
                request_id,
                vouch_store::SYSTEM_ACTOR,
                vouch_store::AuditAction::Discarded,
                "the refused upload's files were deleted".into(),
            )?;
        }
        Ok(deleted)
    }

    /// Makes sure the upload of a request is in this node's uploads
    /// directory; false when neither this node nor the store has it.
    pub fn upload_here(&self, request_id: &str) -> Result<bool, AppError> {
        let dest = self.uploads_dir().join(request_id);
        self.materialize(request_id, &dest, UPLOAD_PREFIX, &UPLOAD_FILES)
    }

    /// Makes sure the written response of a request is in this node's
    /// responses directory; false when neither this node nor the store has it.
    pub fn response_here(&self, request_id: &str) -> Result<bool, AppError> {
        let dest = self.responses_dir().join(request_id);
        let names = ResponseFile::ALL.map(ResponseFile::name);
        self.materialize(request_id, &dest, RESPONSE_PREFIX, &names)
    }
}
