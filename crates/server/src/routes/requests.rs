//! `/v1/requests`: upload, the review queue, one request's status, an
//! officer's approval or denial, and the requester's download of the response.

use crate::auth::{Caller, Need, OfficerRole, RequesterRole};
use crate::error::ApiError;
use crate::state::{blocking, lock, now_rfc3339, Core, JobState, RunReason};
use crate::upload;
use axum::body::Body;
use axum::extract::{Multipart, Path};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use vouch_core::limits;
use vouch_store::{Approval, RequestRecord, RequestStatus};

/// Largest `response.json` read for its counts.
const RESPONSE_JSON_BYTES_MAX: u64 = 16 << 20;
// Every response.json the pipeline writes must be readable here: it holds
// one signed checkpoint note (at most NOTE_BYTES_MAX, each byte at most 6
// once JSON-escaped) and fields of a few KiB.
const _: () =
    assert!(vouch_ledger::note::NOTE_BYTES_MAX as u64 * 6 + (64 << 10) <= RESPONSE_JSON_BYTES_MAX);

/// Whether an id from a URL may name a request or official: the request-id
/// alphabet of formats.md (so it can never leave its directory).
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= limits::ID_BYTES_MAX
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

pub(crate) fn checked_id(id: String) -> Result<String, ApiError> {
    if valid_id(&id) {
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
    who: Need<RequesterRole>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let core = who.core.clone();
    let limit = crate::limits::subjects_bytes_max(
        core.config.upload_bytes_max,
        crate::shared_files::shared(&core),
    );
    let staged = upload::receive(core.uploads_dir(), multipart, limit).await?;
    if staged.letter.agency != who.official.agency {
        return Err(ApiError::Forbidden);
    }
    let id = staged.letter.request_id.clone();
    let known = {
        let (core, id) = (core.clone(), id.clone());
        blocking(move || Ok(core.store.request(&id)?)).await?
    };
    if known.is_some() {
        return Err(ApiError::Conflict(
            "a request with this id was already received",
        ));
    }
    let slot = core.try_slot()?;
    if !core.claim_job(&id, &staged.letter.agency) {
        return Err(ApiError::Conflict("this request is being processed"));
    }
    let installed = {
        let (core, id) = (core.clone(), id.clone());
        blocking(move || {
            let dir = upload::install(staged, &core.uploads_dir())?;
            crate::shared_files::keep_upload(&core, &id, &dir)
        })
        .await
    };
    if let Err(e) = installed {
        core.release_job(&id);
        return Err(e);
    }
    let by = who.official.id.clone();
    core.spawn_run(id.clone(), RunReason::Upload { by }, slot);
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
        "received_at": r.received_at,
        "updated_at": r.updated_at,
    })
}

/// GET /v1/requests
pub(crate) async fn list(who: Caller) -> Result<Json<Value>, ApiError> {
    if !who.is_requester() && !who.is_overseer() {
        return Err(ApiError::Forbidden);
    }
    let core = who.core.clone();
    let all = blocking(move || Ok(core.store.requests()?)).await?;
    let items: Vec<Value> = all
        .iter()
        .filter(|r| who.may_see(&r.agency))
        .map(summary)
        .collect();
    Ok(Json(json!({ "requests": items })))
}

#[derive(Deserialize)]
pub(crate) struct Counts {
    pub(crate) counts: BTreeMap<String, u64>,
    pub(crate) reason_counts: BTreeMap<String, u64>,
}

pub(crate) fn response_counts(core: &Core, id: &str) -> Result<Option<Counts>, ApiError> {
    if !crate::shared_files::response_here(core, id)? {
        return Ok(None);
    }
    let path = core.responses_dir().join(id).join("response.json");
    if !path.exists() {
        return Ok(None);
    }
    let bytes = vouch_formats::keys::read_bounded(&path, RESPONSE_JSON_BYTES_MAX)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let c: Counts =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(format!("{e}")))?;
    Ok(Some(c))
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
    let overseer = who.is_overseer();
    let (record, counts, trail) = {
        let (core, id) = (core.clone(), id.clone());
        blocking(move || {
            let record = core.store.request(&id)?;
            let counts = match &record {
                Some(r)
                    if matches!(r.status, RequestStatus::Completed | RequestStatus::Rejected) =>
                {
                    response_counts(&core, &id)?
                }
                _ => None,
            };
            let trail = if overseer {
                core.store.audit_trail(&id)?
            } else {
                Vec::new()
            };
            Ok((record, counts, trail))
        })
        .await?
    };
    let Some(r) = record else {
        // Not yet checked: only the job (and its agency) is known.
        return match job {
            Some(j) if who.may_see(&j.agency) => Ok(Json(json!({
                "request_id": id,
                "agency": j.agency,
                "status": "received",
                "processing": processing(Some(j)),
            }))),
            _ => Err(ApiError::NotFound),
        };
    };
    if !who.may_see(&r.agency) {
        return Err(ApiError::NotFound);
    }
    let mut body = summary(&r);
    body["request_reasons"] = json!(r.request_reasons);
    body["policy_version"] = json!(r.policy_version);
    body["completed_at"] = json!(r.completed_at);
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
    if overseer {
        // Who approved, and the trail, are the tax agency's own records.
        body["approved_by"] = json!(r.approvals);
        body["denial"] = json!(r.denial);
        body["audit"] = json!(trail);
    }
    Ok(Json(body))
}

/// The body of an approval or denial.
#[derive(Deserialize)]
pub(crate) struct Decision {
    pub(crate) comment: String,
}

pub(crate) fn checked_comment(d: &Decision) -> Result<String, ApiError> {
    let c = d.comment.trim();
    if c.is_empty() || c.len() > limits::TEXT_FIELD_BYTES_MAX {
        return Err(ApiError::Invalid(format!(
            "comment: required, at most {} bytes",
            limits::TEXT_FIELD_BYTES_MAX
        )));
    }
    Ok(c.to_string())
}

/// Loads a pending request an officer may decide on (separation of duties:
/// nobody decides on a batch of their own agency).
fn pending_for(core: &Core, id: &str, officer_agency: &str) -> Result<RequestRecord, ApiError> {
    let r = core.store.request(id)?.ok_or(ApiError::NotFound)?;
    if r.agency == officer_agency {
        return Err(ApiError::Forbidden);
    }
    if r.status != RequestStatus::PendingReview {
        return Err(ApiError::Conflict("the request is not pending review"));
    }
    Ok(r)
}

/// POST /v1/requests/{id}/approve
pub(crate) async fn approve(
    who: Need<OfficerRole>,
    Path(id): Path<String>,
    Json(d): Json<Decision>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = checked_id(id)?;
    let comment = checked_comment(&d)?;
    let core: Arc<Core> = who.core.clone();
    let slot = core.try_slot()?;
    let officer = who.official.clone();
    let (given, required) = {
        let (core, id, officer) = (core.clone(), id.clone(), officer.clone());
        blocking(move || record_approval(&core, &id, &officer, comment)).await?
    };
    core.spawn_run(
        id.clone(),
        RunReason::Approval {
            officer: officer.id,
        },
        slot,
    );
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

pub(crate) fn record_approval(
    core: &Core,
    id: &str,
    officer: &vouch_store::OfficialRecord,
    comment: String,
) -> Result<(usize, u32), ApiError> {
    let _w = lock(&core.writer);
    // Serialised with batch runs and decisions on every node sharing the
    // store (a blind read-modify-write could otherwise lose an approval).
    let _store_writer = core.store.writer_lock()?;
    let mut r = pending_for(core, id, &officer.agency)?;
    if r.approvals.iter().any(|a| a.officer == officer.id) {
        return Err(ApiError::Conflict(
            "this officer has already approved this request",
        ));
    }
    if r.approvals.len() >= limits::APPROVALS_MAX {
        return Err(ApiError::Conflict(
            "the request has the most approvals allowed",
        ));
    }
    if !core.claim_job(id, &r.agency) {
        return Err(ApiError::Conflict("this request is being processed"));
    }
    let at = now_rfc3339();
    r.approvals.push(Approval {
        officer: officer.id.clone(),
        at: at.clone(),
        comment: comment.clone(),
    });
    r.updated_at = at;
    let saved = core.store.put_request(&r).and_then(|_| {
        let detail = format!(
            "approval {} of {}; holds: {}; comment: {comment}",
            r.approvals.len(),
            r.approvals_required,
            r.holds.join(";")
        );
        core.audit(id, &officer.id, "approved", &detail)
    });
    if let Err(e) = saved {
        core.release_job(id);
        return Err(e.into());
    }
    Ok((r.approvals.len(), r.approvals_required))
}

/// POST /v1/requests/{id}/deny
pub(crate) async fn deny(
    who: Need<OfficerRole>,
    Path(id): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<Value>, ApiError> {
    let id = checked_id(id)?;
    let comment = checked_comment(&d)?;
    let core = who.core.clone();
    let officer = who.official.clone();
    let id2 = id.clone();
    blocking(move || record_denial(&core, &id2, &officer, comment)).await?;
    Ok(Json(json!({ "request_id": id, "status": "denied" })))
}

/// Records an officer's denial of a pending request (no lookups follow).
pub(crate) fn record_denial(
    core: &Core,
    id2: &str,
    officer: &vouch_store::OfficialRecord,
    comment: String,
) -> Result<(), ApiError> {
    {
        let _w = lock(&core.writer);
        // Serialised with batch runs and decisions on every node sharing the
        // store (a blind read-modify-write could otherwise lose an approval).
        let _store_writer = core.store.writer_lock()?;
        let mut r = pending_for(core, id2, &officer.agency)?;
        let at = now_rfc3339();
        r.denial = Some(Approval {
            officer: officer.id.clone(),
            at: at.clone(),
            comment: comment.clone(),
        });
        r.status = RequestStatus::Denied;
        r.updated_at = at;
        core.store.put_request(&r)?;
        core.audit(id2, &officer.id, "denied", &comment)?;
        Ok(())
    }
}

/// GET /v1/requests/{id}/response (response.csv)
pub(crate) async fn response_csv(
    who: Need<RequesterRole>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    download(who, id, "response.csv", "text/csv; charset=utf-8").await
}

/// GET /v1/requests/{id}/response.json
pub(crate) async fn response_json(
    who: Need<RequesterRole>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    download(who, id, "response.json", "application/json").await
}

async fn download(
    who: Need<RequesterRole>,
    id: String,
    name: &'static str,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    let body = released_file(who.core.clone(), &who.official, id, name, name).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// A file of a request's written response, for its requesting agency only
/// (else 404), once the response is written (else 409). The disclosure
/// leaving the service is recorded first: who took it, when (`what`).
pub(crate) async fn released_file(
    core: Arc<Core>,
    reader: &vouch_store::OfficialRecord,
    id: String,
    name: &'static str,
    what: &'static str,
) -> Result<Body, ApiError> {
    let id = checked_id(id)?;
    let (agency, reader) = (reader.agency.clone(), reader.id.clone());
    let path = {
        let id = id.clone();
        blocking(move || {
            let r = core.store.request(&id)?.ok_or(ApiError::NotFound)?;
            if r.agency != agency {
                return Err(ApiError::NotFound);
            }
            if !matches!(r.status, RequestStatus::Completed | RequestStatus::Rejected) {
                return Err(ApiError::Conflict("the response is not ready"));
            }
            crate::shared_files::response_here(&core, &id)?;
            let path = core.responses_dir().join(&id).join(name);
            if !path.exists() {
                return Err(ApiError::Internal(format!("request {id}: {name} missing")));
            }
            let _w = lock(&core.writer);
            core.audit(&id, &reader, "downloaded", what)?;
            Ok(path)
        })
        .await?
    };
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("request {id}: {name}: {e}")))?;
    Ok(Body::from_stream(tokio_util::io::ReaderStream::new(file)))
}
