//! `/v1/requests`: upload, the review queue, one request's status, an
//! officer's approval or denial, and the requester's download of the
//! response. Every rule is the application layer's.

use crate::auth::{Caller, Need};
use crate::error::ApiError;
use crate::state::{blocking, Core, JobState};
use crate::upload;
use axum::body::Body;
use axum::extract::{Multipart, Path};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use vouch_app::{Acting, Decision, Officer, Overseer, Requester, ResponseFile, SignedDecision};
use vouch_store::{RequestRecord, RequestStatus};

/// An id from a URL: the request-id alphabet of formats.md (so it can
/// never leave its directory), else 404.
pub(crate) fn checked_id(id: String) -> Result<String, ApiError> {
    if vouch_app::valid_id(&id) {
        Ok(id)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Serialize)]
pub(crate) struct Accepted {
    request_id: String,
    status: &'static str,
}

/// POST /v1/requests
pub(crate) async fn upload(
    who: Need<Requester>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let core = who.core.clone();
    let uploads = core.app().uploads_dir();
    let limit = crate::limits::subjects_bytes_max(core.config.upload_bytes_max);
    let staged = upload::receive(uploads, multipart, limit).await?;
    let id = staged.letter.request_id.clone();
    {
        let (core, by, letter) = (core.clone(), who.acting.clone(), staged.letter.clone());
        blocking(move || Ok(core.app().admit_upload(&by, &letter)?)).await?;
    }
    // The letter's signer before anything is kept: a refused upload costs
    // what its letter costs, and its staged files go when `staged` drops.
    {
        let (core, id, dir) = (core.clone(), id.clone(), staged.dir.path().to_path_buf());
        blocking(move || match core.app().authenticate_upload(&id, &dir) {
            Err(vouch_app::AppError::Pipeline(vouch_pipeline::PipelineError::Refused {
                failure,
                ..
            })) => Err(ApiError::Refused(failure.code().as_str())),
            // The letter or its signature file is malformed: the upload's
            // fault (422), named by file, line and field, never by the
            // staging path on this node.
            Err(vouch_app::AppError::Pipeline(vouch_pipeline::PipelineError::Format(mut e))) => {
                if let Some(name) = e.path.file_name() {
                    e.path = name.into();
                }
                Err(ApiError::Invalid(e.to_string()))
            }
            other => Ok(other?),
        })
        .await?;
    }
    let slot = core.try_slot()?;
    if !core.claim_job(&id, &staged.letter.agency) {
        return Err(ApiError::Conflict("this request is being processed"));
    }
    let installed = {
        let (core, id, by) = (core.clone(), id.clone(), who.acting.clone());
        blocking(move || {
            let app = core.app();
            let dir = upload::install(staged, &app.uploads_dir())?;
            Ok(app.accept_upload(&by, &id, &dir)?)
        })
        .await
    };
    if let Err(e) = installed {
        core.release_job(&id);
        return Err(e);
    }
    core.spawn_run(id.clone(), false, slot);
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            request_id: id,
            status: "queued",
        }),
    ))
}

fn summary(r: &RequestRecord) -> Value {
    json!({
        "request_id": r.request_id,
        "agency": r.agency,
        "status": r.status.as_str(),
        "subjects": r.subject_count,
        "approvals": r.approvals.len(),
        "approvals_required": r.approvals_required,
        "holds": r.holds,
        "received_at": vouch_core::timestamp::format(r.received_at),
        "updated_at": vouch_core::timestamp::format(r.updated_at),
    })
}

/// GET /v1/requests
pub(crate) async fn list(who: Caller) -> Result<Json<Value>, ApiError> {
    if who.acting::<Requester>().is_none() && who.acting::<Overseer>().is_none() {
        return Err(ApiError::Forbidden);
    }
    let core = who.core.clone();
    let viewer = who.official.clone();
    let all = blocking(move || Ok(core.app().visible_requests(&viewer)?)).await?;
    let items: Vec<Value> = all.iter().map(summary).collect();
    Ok(Json(json!({ "requests": items })))
}

fn processing(job: Option<crate::state::Job>) -> Value {
    match job.map(|j| j.state) {
        None => Value::Null,
        Some(JobState::Queued) => json!({ "state": "queued" }),
        Some(JobState::Running) => json!({ "state": "running" }),
        Some(JobState::Failed(why)) => json!({ "state": "failed", "error": why }),
    }
}

/// GET /v1/requests/{id}
pub(crate) async fn show(who: Caller, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = checked_id(id)?;
    let core = who.core.clone();
    let job = core.job(&id);
    let overseer = who.acting::<Overseer>();
    let loaded = {
        let (core, id, viewer) = (core.clone(), id.clone(), who.official.clone());
        blocking(move || {
            let app = core.app();
            let record = match app.visible_request(&viewer, &id) {
                Ok(r) => r,
                Err(vouch_app::AppError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let counts = app.released_counts(&record)?;
            let trail = match &overseer {
                Some(o) => app.audit_trail(o, &id)?,
                None => Vec::new(),
            };
            Ok(Some((record, counts, trail)))
        })
        .await?
    };
    let Some((r, counts, trail)) = loaded else {
        // Not yet checked: only the job (and its agency) is known.
        let may_see = |agency: &str| {
            vouch_core::authz::may_see_request(who.official.role, &who.official.agency, agency)
        };
        return match job {
            Some(j) if may_see(&j.agency) => Ok(Json(json!({
                "request_id": id,
                "agency": j.agency,
                "status": "received",
                "processing": processing(Some(j)),
            }))),
            _ => Err(ApiError::NotFound),
        };
    };
    let mut body = summary(&r);
    body["request_reasons"] = json!(r.request_reasons);
    body["policy_version"] = json!(r.policy_version);
    body["completed_at"] = json!(r.completed_at.map(vouch_core::timestamp::format));
    body["counts"] = json!(counts.as_ref().map(|c| &c.counts));
    body["reason_counts"] = json!(counts.as_ref().map(|c| &c.reason_counts));
    body["processing"] = processing(job);
    body["progress"] = match core.progress(&r) {
        Some((done, total)) => json!({ "done": done, "total": total }),
        None if r.status == RequestStatus::Completed => {
            json!({ "done": r.subject_count, "total": r.subject_count })
        }
        None => Value::Null,
    };
    if who.acting::<Overseer>().is_some() {
        // Who approved, and the trail, are the tax agency's own records.
        body["approved_by"] = json!(r.approvals);
        body["denial"] = json!(r.denial);
        body["audit"] = json!(trail);
    }
    Ok(Json(body))
}

/// The body of an approval or denial: the comment, the moment the signed
/// statement names (RFC 3339) and the officer's signature of it (base64).
#[derive(Deserialize)]
pub(crate) struct SignedBody {
    pub(crate) comment: String,
    pub(crate) at: String,
    pub(crate) signature: String,
}

impl SignedBody {
    /// The decision as the application layer checks it.
    pub(crate) fn decision(self) -> Result<SignedDecision, ApiError> {
        let at = vouch_core::timestamp::parse(&self.at)
            .ok_or_else(|| ApiError::Invalid("at: not an RFC 3339 moment".into()))?;
        Ok(SignedDecision {
            at,
            comment: self.comment,
            signature: self.signature,
        })
    }
}

/// The body of a statement request: which decision, with what comment.
#[derive(Deserialize)]
pub(crate) struct StatementBody {
    pub(crate) decision: String,
    pub(crate) comment: String,
}

/// Parses `approve` or `deny`.
pub(crate) fn decision_of(text: &str) -> Result<Decision, ApiError> {
    match text {
        "approve" => Ok(Decision::Approve),
        "deny" => Ok(Decision::Deny),
        _ => Err(ApiError::Invalid("decision: approve or deny".into())),
    }
}

/// POST /v1/requests/{id}/statement: the exact text the officer signs to
/// approve or deny, naming the service's current moment.
pub(crate) async fn statement(
    who: Need<Officer>,
    Path(id): Path<String>,
    Json(b): Json<StatementBody>,
) -> Result<Json<Value>, ApiError> {
    let id = checked_id(id)?;
    let decision = decision_of(&b.decision)?;
    let core = who.core.clone();
    let at = vouch_core::timestamp::now();
    let text = blocking(move || {
        Ok(core
            .app()
            .decision_statement(&who.acting, &id, decision, at, &b.comment)?)
    })
    .await?;
    Ok(Json(json!({
        "statement": text,
        "at": vouch_core::timestamp::format(at),
    })))
}

/// Records an officer's approval and queues the batch's run (the run
/// counts the approvals: it releases the batch once there are enough).
/// Returns the approvals given and needed.
pub(crate) async fn approve_and_run(
    core: Arc<Core>,
    officer: Acting<Officer>,
    id: String,
    signed: SignedDecision,
) -> Result<(usize, u32), ApiError> {
    let slot = core.try_slot()?;
    let agency = {
        let (core, id, officer) = (core.clone(), id.clone(), officer.official().clone());
        blocking(move || Ok(core.app().visible_request(&officer, &id)?.agency)).await?
    };
    // Claimed before the approval is recorded: a run already queued would
    // see the approval anyway, and one running would not.
    if !core.claim_job(&id, &agency) {
        return Err(ApiError::Conflict("this request is being processed"));
    }
    let recorded = {
        let (core, id) = (core.clone(), id.clone());
        blocking(move || Ok(core.app().approve(&officer, &id, &signed)?)).await
    };
    match recorded {
        Ok(counts) => {
            core.spawn_run(id, false, slot);
            Ok(counts)
        }
        Err(e) => {
            core.release_job(&id);
            Err(e)
        }
    }
}

/// POST /v1/requests/{id}/approve
pub(crate) async fn approve(
    who: Need<Officer>,
    Path(id): Path<String>,
    Json(d): Json<SignedBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = checked_id(id)?;
    let signed = d.decision()?;
    let (given, required) = approve_and_run(who.core, who.acting, id.clone(), signed).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "request_id": id,
            "status": "approval_recorded",
            "approvals": given,
            "approvals_required": required,
        })),
    ))
}

/// POST /v1/requests/{id}/deny
pub(crate) async fn deny(
    who: Need<Officer>,
    Path(id): Path<String>,
    Json(d): Json<SignedBody>,
) -> Result<Json<Value>, ApiError> {
    let id = checked_id(id)?;
    let signed = d.decision()?;
    let (core, officer, id2) = (who.core.clone(), who.acting, id.clone());
    blocking(move || Ok(core.app().deny(&officer, &id2, &signed)?)).await?;
    Ok(Json(json!({ "request_id": id, "status": "denied" })))
}

/// GET /v1/requests/{id}/response (response.csv)
pub(crate) async fn response_csv(
    who: Need<Requester>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    download(who, id, ResponseFile::Csv, "text/csv; charset=utf-8").await
}

/// GET /v1/requests/{id}/response.json
pub(crate) async fn response_json(
    who: Need<Requester>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    download(who, id, ResponseFile::Json, "application/json").await
}

async fn download(
    who: Need<Requester>,
    id: String,
    file: ResponseFile,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    let body = released_file(who.core, who.acting, id, file, "").await?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// A file of a request's written response, streamed, once the application
/// has released it to the requester (and audited it; `via` says through
/// what, when not the API).
pub(crate) async fn released_file(
    core: Arc<Core>,
    by: Acting<Requester>,
    id: String,
    file: ResponseFile,
    via: &'static str,
) -> Result<Body, ApiError> {
    let id = checked_id(id)?;
    let path = {
        let id = id.clone();
        blocking(move || {
            let mut w = crate::state::lock(&core.writer);
            let ledger = w.ledger(core.store.as_ref())?;
            Ok(core.app().release(&by, ledger, &id, file, via)?)
        })
        .await?
    };
    let f = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("request {id}: {}: {e}", file.name())))?;
    Ok(Body::from_stream(tokio_util::io::ReaderStream::new(f)))
}
