//! `/console`: the web console for disclosure officers, auditors,
//! administrators and requesting officials, rendered by `vouch-console`.
//!
//! Sign-in takes an official's API token once and opens a session: a random
//! 32-byte id in an `HttpOnly; SameSite=Strict` cookie (`Secure` over
//! HTTPS), kept in the state store — as the SHA-256 of the id, so a store
//! dump opens no session — with the official, the token's hash and a CSRF
//! secret; every node sharing the store knows it. A session ends on
//! sign-out, after 30 minutes idle, after 8 hours, or as soon as its token
//! is revoked or expires (checked on every page). Every form that changes
//! something carries the CSRF secret. Pages answer with a strict
//! Content-Security-Policy (no inline script). The same role rules as the
//! API apply: they are the API's own functions.

use crate::auth::{AdminRole, OfficerRole, OverseerRole, Permit, RequesterRole};
use crate::error::ApiError;
use crate::routes::requests::{
    checked_comment, checked_id, record_approval, record_denial, released_file, response_counts,
    Decision,
};
use crate::state::{blocking, lock, AppState, Core, RunReason};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use vouch_console as ui;
use vouch_store::{OfficialRecord, RequestRecord, RequestStatus};

/// The session cookie.
const SESSION_COOKIE: &str = "vouch_session";
/// The sign-in form's CSRF cookie (before there is a session).
const SIGNIN_COOKIE: &str = "vouch_signin";
/// A session ends after this long without a page.
const IDLE_MAX: Duration = Duration::from_secs(30 * 60);
/// A session ends this long after sign-in, whatever happens.
const LIFETIME_MAX: Duration = Duration::from_secs(8 * 3600);
/// Rejected rows shown as a sample on the review queue.
const SAMPLE_ROWS: usize = 20;
/// A session's last-seen time is written at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Whole-second UTC RFC 3339 (compares correctly as text).
fn stamp(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

fn parse_stamp(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

fn random_b64() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn key_of(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age_s: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Constant-time comparison of two secrets.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Security headers every console response carries.
fn harden(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn page(status: StatusCode, markup: ui::Markup) -> Response {
    harden(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response(),
    )
}

/// An error page for a signed-in user; the text is generic (no detail that
/// helps an attacker), as the API's.
fn error_for(user: Option<&ConsoleUser>, e: ApiError) -> Response {
    let (status, msg) = match &e {
        ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "Please sign in."),
        ApiError::Forbidden => (StatusCode::FORBIDDEN, "Your role may not do this."),
        ApiError::NotFound => (StatusCode::NOT_FOUND, "There is nothing here."),
        ApiError::Conflict(why) => (StatusCode::CONFLICT, *why),
        ApiError::Invalid(_) => (
            StatusCode::BAD_REQUEST,
            "The form is not complete or not valid.",
        ),
        ApiError::Busy { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "The service is busy with other batches; try again in a minute.",
        ),
        _ => {
            tracing::error!(error = %e, "console page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; it has been logged.",
            )
        }
    };
    let layout = user.map(ConsoleUser::layout);
    page(
        status,
        ui::error_page(layout.as_ref(), status.as_u16(), msg),
    )
}

/// The signed-in official of a console request.
pub(crate) struct ConsoleUser {
    official: OfficialRecord,
    csrf: String,
    core: Arc<Core>,
}

impl ConsoleUser {
    fn layout(&self) -> ui::Layout {
        ui::Layout::for_official(&self.official, self.csrf.clone())
    }

    fn is_overseer(&self) -> bool {
        OverseerRole::allows(&self.official)
    }

    fn may_see(&self, agency: &str) -> bool {
        self.is_overseer()
            || (RequesterRole::allows(&self.official) && self.official.agency == agency)
    }

    fn check_csrf(&self, presented: &str) -> Result<(), ApiError> {
        if same_secret(presented, &self.csrf) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// A change by this user: the form carries the session's CSRF secret
    /// and the user's role is in `P`.
    fn may_change<P: Permit>(&self, presented_csrf: &str) -> Result<(), ApiError> {
        self.check_csrf(presented_csrf)?;
        if P::allows(&self.official) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// Not signed in (or the session ended): off to the sign-in page.
pub(crate) struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        harden(Redirect::to("/console/sign-in").into_response())
    }
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SignInFirst> {
        let key = cookie(&parts.headers, SESSION_COOKIE)
            .map(key_of)
            .ok_or(SignInFirst)?;
        // The session (kept in the store, so every node knows it), its
        // token (revoked or expired ends it at once) and its official.
        let core = state.core.clone();
        let k = key.clone();
        let found = blocking(move || {
            let now = time::OffsetDateTime::now_utc();
            let Some(session) = core.store.session(&k)? else {
                return Ok(None);
            };
            let within = |at: &str, max: Duration| {
                parse_stamp(at).is_some_and(|t| now - t < max && t <= now + Duration::from_secs(60))
            };
            let in_time =
                within(&session.started_at, LIFETIME_MAX) && within(&session.seen_at, IDLE_MAX);
            let official = match in_time {
                true => match core.store.token_and_official(&session.token_sha256)? {
                    Some((t, Some(o)))
                        if crate::tokens::is_live(&t, now) && o.id == session.official =>
                    {
                        Some(o)
                    }
                    _ => None,
                },
                false => None,
            };
            let Some(official) = official else {
                core.store.delete_session(&k)?;
                return Ok(None);
            };
            if !within(&session.seen_at, TOUCH_EVERY) {
                core.store.touch_session(&k, &stamp(now))?;
            }
            Ok(Some((session, official)))
        })
        .await;
        let Ok(Some((session, official))) = found else {
            return Err(SignInFirst);
        };
        Ok(ConsoleUser {
            official,
            csrf: session.csrf,
            core: state.core.clone(),
        })
    }
}

/// GET /console
pub(crate) async fn home(user: ConsoleUser) -> Response {
    let to = if OfficerRole::allows(&user.official) {
        "/console/review"
    } else if AdminRole::allows(&user.official) {
        "/console/officials"
    } else {
        "/console/requests"
    };
    harden(Redirect::to(to).into_response())
}

/// GET /console/sign-in
pub(crate) async fn sign_in_form(State(state): State<AppState>) -> Response {
    let csrf = random_b64();
    let mut resp = page(StatusCode::OK, ui::sign_in(None, &csrf));
    let secure = state.core.config.secure_cookies;
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &csrf, 600, secure),
    );
    resp
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    token: String,
    csrf: String,
}

/// POST /console/sign-in
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let secure = state.core.config.secure_cookies;
    let refused = |msg: &str| {
        let csrf = random_b64();
        let mut resp = page(StatusCode::UNAUTHORIZED, ui::sign_in(Some(msg), &csrf));
        resp.headers_mut().insert(
            header::SET_COOKIE,
            set_cookie(SIGNIN_COOKIE, &csrf, 600, secure),
        );
        resp
    };
    let form_ok = cookie(&headers, SIGNIN_COOKIE).is_some_and(|c| same_secret(c, &f.csrf));
    if !form_ok {
        return refused("The sign-in form expired; please try again.");
    }
    let core = state.core.clone();
    let presented = f.token.trim().to_string();
    let found = blocking(move || {
        let Some(sha) = crate::tokens::sha256_hex(&presented) else {
            return Ok(None);
        };
        let now = time::OffsetDateTime::now_utc();
        let official = crate::tokens::lookup_official(core.store.as_ref(), &presented, now)?;
        Ok(official.map(|o| (o, sha)))
    })
    .await;
    let Ok(Some((official, token_sha256))) = found else {
        return refused("That token was not accepted.");
    };
    let value = random_b64();
    let now = time::OffsetDateTime::now_utc();
    let record = vouch_store::SessionRecord {
        key: key_of(&value),
        official: official.id.clone(),
        token_sha256,
        csrf: random_b64(),
        started_at: stamp(now),
        seen_at: stamp(now),
    };
    let expired_before = stamp(now - LIFETIME_MAX);
    let core = state.core.clone();
    let opened = blocking(move || {
        core.store.put_session(&record, &expired_before)?;
        let who = &record.official;
        crate::state::service_audit(
            core.store.as_ref(),
            who,
            "console sign-in",
            "session opened",
        )?;
        Ok(())
    })
    .await;
    if let Err(e) = opened {
        return error_for(None, e);
    }
    let mut resp = harden(Redirect::to("/console").into_response());
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &value, LIFETIME_MAX.as_secs(), secure),
    );
    h.append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
    resp
}

/// A form carrying only the CSRF secret.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// POST /console/sign-out
pub(crate) async fn sign_out(
    user: ConsoleUser,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = user.check_csrf(&f.csrf) {
        return error_for(Some(&user), e);
    }
    if let Some(c) = cookie(&headers, SESSION_COOKIE) {
        let (core, k) = (user.core.clone(), key_of(c));
        if let Err(e) = blocking(move || Ok(core.store.delete_session(&k)?)).await {
            return error_for(Some(&user), e);
        }
    }
    let mut resp = harden(Redirect::to("/console/sign-in").into_response());
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, user.core.config.secure_cookies),
    );
    resp
}

/// GET /console/static/console.css
pub(crate) async fn style() -> Response {
    harden(
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            ui::STYLE_CSS,
        )
            .into_response(),
    )
}

/// GET /console/static/console.js
pub(crate) async fn script() -> Response {
    harden(
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            ui::CONSOLE_JS,
        )
            .into_response(),
    )
}

/// Reason counts and a sample of rejected rows from a request's checks.
fn rejections(
    core: &Core,
    id: &str,
) -> Result<(Vec<ui::ReasonCount>, Vec<ui::RejectedSample>), ApiError> {
    let Some(bytes) = core.store.request_blob(id, "checks.csv")? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let rows = vouch_formats::checks::parse_checks(std::path::Path::new("checks.csv"), &bytes)
        .map_err(|e| ApiError::Internal(format!("request {id}: checks: {e}")))?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut sample = Vec::new();
    for (subject_ref, reasons) in rows {
        if reasons.is_empty() {
            continue;
        }
        for r in &reasons {
            *counts.entry(r.as_str().to_string()).or_default() += 1;
        }
        if sample.len() < SAMPLE_ROWS {
            sample.push(ui::RejectedSample {
                subject_ref,
                reasons: reasons.iter().map(|r| r.as_str().to_string()).collect(),
            });
        }
    }
    let mut counts: Vec<ui::ReasonCount> = counts
        .into_iter()
        .map(|(code, count)| ui::ReasonCount { code, count })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    Ok((counts, sample))
}

/// GET /console/review (disclosure officers)
pub(crate) async fn review(user: ConsoleUser) -> Response {
    if !OfficerRole::allows(&user.official) {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    let items = blocking(move || {
        let mut items = Vec::new();
        for r in core.store.requests()? {
            if r.status != RequestStatus::PendingReview {
                continue;
            }
            let mut item = ui::QueueItem::from_record(&r);
            let (counts, sample) = rejections(&core, &r.request_id)?;
            item.rejections = counts;
            item.rejected_sample = sample;
            items.push(item);
        }
        Ok(items)
    })
    .await;
    match items {
        Ok(items) => page(StatusCode::OK, ui::review_queue(&user.layout(), &items)),
        Err(e) => error_for(Some(&user), e),
    }
}

/// POST /console/requests/{id}/approve
pub(crate) async fn approve(
    user: ConsoleUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let done = async {
        user.may_change::<OfficerRole>(&f.csrf)?;
        let id = checked_id(id)?;
        let comment = checked_comment(&Decision { comment: f.comment })?;
        let core = user.core.clone();
        let slot = core.try_slot()?;
        let officer = user.official.clone();
        {
            let (core, id, officer) = (core.clone(), id.clone(), officer.clone());
            blocking(move || record_approval(&core, &id, &officer, comment)).await?;
        }
        core.spawn_run(
            id.clone(),
            RunReason::Approval {
                officer: officer.id,
            },
            slot,
        );
        Ok(id)
    }
    .await;
    match done {
        Ok(id) => harden(Redirect::to(&format!("/console/requests/{id}")).into_response()),
        Err(e) => error_for(Some(&user), e),
    }
}

/// The approve and deny forms.
#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    comment: String,
    csrf: String,
}

/// POST /console/requests/{id}/deny
pub(crate) async fn deny(
    user: ConsoleUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let done = async {
        user.may_change::<OfficerRole>(&f.csrf)?;
        let id = checked_id(id)?;
        let comment = checked_comment(&Decision { comment: f.comment })?;
        let (core, officer) = (user.core.clone(), user.official.clone());
        let id2 = id.clone();
        blocking(move || record_denial(&core, &id2, &officer, comment)).await?;
        Ok(id)
    }
    .await;
    match done {
        Ok(id) => harden(Redirect::to(&format!("/console/requests/{id}")).into_response()),
        Err(e) => error_for(Some(&user), e),
    }
}

/// GET /console/requests
pub(crate) async fn requests(user: ConsoleUser) -> Response {
    let core = user.core.clone();
    let all = blocking(move || Ok(core.store.requests()?)).await;
    match all {
        Ok(all) => {
            let mut rows: Vec<ui::RequestRow> = all
                .iter()
                .filter(|r| user.may_see(&r.agency))
                .map(ui::RequestRow::from)
                .collect();
            rows.sort_by(|a, b| b.received_at.cmp(&a.received_at));
            page(StatusCode::OK, ui::requests_list(&user.layout(), &rows))
        }
        Err(e) => error_for(Some(&user), e),
    }
}

/// The query of a request page.
#[derive(Deserialize)]
pub(crate) struct RequestQuery {
    #[serde(default)]
    subject: Option<String>,
}

fn progress_of(core: &Core, r: &RequestRecord) -> Option<ui::Progress> {
    core.progress(r)
        .map(|(done, total)| ui::Progress { done, total })
}

/// GET /console/requests/{id}
pub(crate) async fn request(
    user: ConsoleUser,
    Path(id): Path<String>,
    Query(q): Query<RequestQuery>,
) -> Response {
    let id = match checked_id(id) {
        Ok(id) => id,
        Err(e) => return error_for(Some(&user), e),
    };
    let core = user.core.clone();
    let overseer = user.is_overseer();
    let loaded = {
        let (core, id) = (core.clone(), id.clone());
        blocking(move || {
            let r = core.store.request(&id)?.ok_or(ApiError::NotFound)?;
            let events = if overseer {
                core.store.audit_trail(&id)?
            } else {
                Vec::new()
            };
            let counts = if r.status == RequestStatus::Completed {
                response_counts(&core, &id)?
            } else {
                None
            };
            Ok((r, events, counts))
        })
        .await
    };
    let (r, events, counts) = match loaded {
        Ok(x) => x,
        Err(e) => return error_for(Some(&user), e),
    };
    if !user.may_see(&r.agency) {
        return error_for(Some(&user), ApiError::NotFound);
    }
    let mut view = ui::RequestView::new(r.clone(), events);
    view.progress = progress_of(&core, &r);
    view.outcomes = counts.map(|c| ui::OutcomeCounts {
        confirmed: c.counts.get("CONFIRMED").copied().unwrap_or(0),
        not_confirmed: c.counts.get("NOT_CONFIRMED").copied().unwrap_or(0),
        rejected: c.counts.get("REJECTED").copied().unwrap_or(0),
    });
    view.can_download = RequesterRole::allows(&user.official)
        && user.official.agency == r.agency
        && r.status == RequestStatus::Completed;
    view.can_explain = overseer;
    if let Some(subject) = q.subject.filter(|s| !s.trim().is_empty()) {
        view.explain_subject = Some(subject.clone());
        if overseer {
            let (core, rid) = (core.clone(), r.request_id.clone());
            let actor = user.official.id.clone();
            match blocking(move || crate::explain::explain(&core, &rid, &subject, &actor)).await {
                Ok(Ok(x)) => view.explanation = Some(x),
                Ok(Err(msg)) => view.explain_message = Some(msg),
                Err(e) => return error_for(Some(&user), e),
            }
        }
    }
    page(StatusCode::OK, ui::request_page(&user.layout(), &view))
}

/// GET /console/requests/{id}/status: what the progress bar polls.
pub(crate) async fn status(
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Response> {
    let id = checked_id(id).map_err(|e| error_for(Some(&user), e))?;
    let core = user.core.clone();
    let r = {
        let id = id.clone();
        blocking(move || core.store.request(&id)?.ok_or(ApiError::NotFound))
            .await
            .map_err(|e| error_for(Some(&user), e))?
    };
    if !user.may_see(&r.agency) {
        return Err(error_for(Some(&user), ApiError::NotFound));
    }
    let progress = progress_of(&user.core, &r);
    Ok(Json(serde_json::json!({
        "status": r.status.as_str(),
        "progress": progress.map(|p| serde_json::json!({ "done": p.done, "total": p.total })),
    })))
}

/// GET /console/requests/{id}/response.csv (the requesting agency)
pub(crate) async fn response_csv(user: ConsoleUser, Path(id): Path<String>) -> Response {
    if !RequesterRole::allows(&user.official) {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    let what = "response.csv (console)";
    match released_file(core, &user.official, id, "response.csv", what).await {
        Ok(body) => csv_attachment("response.csv", body),
        Err(e) => error_for(Some(&user), e),
    }
}

/// A CSV file for the browser to save.
fn csv_attachment(filename: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut resp = (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        body.into(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    harden(resp)
}

/// The query of the ledger page.
#[derive(Deserialize)]
pub(crate) struct LedgerQuery {
    #[serde(default)]
    request: Option<String>,
    #[serde(default)]
    subject: Option<String>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// GET /console/ledger (officers and auditors)
pub(crate) async fn ledger(user: ConsoleUser, Query(q): Query<LedgerQuery>) -> Response {
    if !user.is_overseer() {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    let lookup = match (
        q.request.filter(|s| !s.is_empty()),
        q.subject.filter(|s| !s.is_empty()),
    ) {
        (Some(r), Some(s)) => Some((r, s)),
        _ => None,
    };
    let view = blocking(move || {
        let verifier = core.ledger_verifier()?;
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let latest = ledger.latest_checkpoint().cloned();
        let mut view = ui::LedgerView {
            checkpoint: latest.as_ref().map(|cp| ui::CheckpointView {
                note: cp.text().to_string(),
                tree_size: cp.checkpoint.size,
                root_hash: b64(&cp.checkpoint.root),
                signature_verified: cp.verify(&verifier).is_ok(),
            }),
            lookup_request: lookup.as_ref().map(|l| l.0.clone()),
            lookup_subject: lookup.as_ref().map(|l| l.1.clone()),
            lookup_message: None,
            proof: None,
        };
        if let (Some((request, subject)), Some(cp)) = (&lookup, &latest) {
            match ledger.find(request, subject)? {
                Some(index) if index < cp.checkpoint.size => {
                    let bundle = ledger.inclusion_bundle(index, cp)?;
                    view.proof = Some(ui::ProofView {
                        leaf_index: bundle.leaf_index,
                        tree_size: bundle.tree_size,
                        leaf_hash: b64(&bundle.leaf_hash),
                        proof: bundle.proof.iter().map(|h| b64(h)).collect(),
                        root_hash: b64(&cp.checkpoint.root),
                    });
                }
                _ => {
                    view.lookup_message =
                        Some("No lookup of that subject in that request is in the ledger.".into())
                }
            }
        }
        Ok(view)
    })
    .await;
    match view {
        Ok(v) => page(StatusCode::OK, ui::ledger_page(&user.layout(), &v)),
        Err(e) => error_for(Some(&user), e),
    }
}

/// Everything the oversight pages read.
struct Released {
    record: RequestRecord,
    counts: BTreeMap<String, u64>,
    reasons: BTreeMap<String, u64>,
    uploader: Option<String>,
}

fn released(core: &Core) -> Result<(Vec<RequestRecord>, Vec<Released>), ApiError> {
    let all = core.store.requests()?;
    let mut out = Vec::new();
    for r in &all {
        if r.status != RequestStatus::Completed {
            continue;
        }
        let c = response_counts(core, &r.request_id)?;
        let uploader = core
            .store
            .audit_trail(&r.request_id)?
            .into_iter()
            .find(|e| e.action == "uploaded")
            .map(|e| e.actor);
        out.push(Released {
            record: r.clone(),
            counts: c.as_ref().map(|c| c.counts.clone()).unwrap_or_default(),
            reasons: c.map(|c| c.reason_counts).unwrap_or_default(),
            uploader,
        });
    }
    Ok((all, out))
}

/// GET /console/oversight (officers and auditors)
pub(crate) async fn oversight(user: ConsoleUser) -> Response {
    if !user.is_overseer() {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    let view = blocking(move || {
        let (all, rel) = released(&core)?;
        let policy = vouch_pipeline::active_policy(core.store.as_ref())?;
        let mut weeks: BTreeMap<String, ui::WeekRow> = BTreeMap::new();
        for r in &all {
            let week = ui::iso_week(&r.received_at).unwrap_or_else(|| "unknown".into());
            let w = weeks.entry(week.clone()).or_insert_with(|| ui::WeekRow {
                week,
                requests: 0,
                lookups: 0,
                confirmed: 0,
                not_confirmed: 0,
                rejected: 0,
            });
            w.requests += 1;
        }
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        let mut reason_weeks: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut officials: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for x in &rel {
            let week = ui::iso_week(&x.record.received_at).unwrap_or_else(|| "unknown".into());
            if let Some(w) = weeks.get_mut(&week) {
                let get = |k: &str| x.counts.get(k).copied().unwrap_or(0);
                w.confirmed += get("CONFIRMED");
                w.not_confirmed += get("NOT_CONFIRMED");
                w.rejected += get("REJECTED");
                w.lookups += get("CONFIRMED") + get("NOT_CONFIRMED");
            }
            for (k, v) in &x.reasons {
                *reasons.entry(k.clone()).or_default() += v;
                *reason_weeks
                    .entry(week.clone())
                    .or_default()
                    .entry(k.clone())
                    .or_default() += v;
            }
            let who = x
                .uploader
                .clone()
                .unwrap_or_else(|| "(command line)".into());
            let e = officials.entry((who, x.record.agency.clone())).or_default();
            e.0 += 1;
            e.1 += x.record.subject_count;
        }
        let mut rejection_reasons: Vec<ui::ReasonCount> = reasons
            .into_iter()
            .map(|(code, count)| ui::ReasonCount { code, count })
            .collect();
        rejection_reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        let today = time::OffsetDateTime::now_utc().date();
        Ok(ui::OversightView {
            weeks: weeks.into_values().collect(),
            rejection_reasons,
            officials: officials
                .into_iter()
                .map(
                    |((signer, agency), (requests, subjects))| ui::OfficialActivity {
                        signer,
                        agency,
                        requests,
                        subjects,
                    },
                )
                .collect(),
            ai_notices: core
                .store
                .agencies()?
                .iter()
                .map(ui::AiNotices::from)
                .collect(),
            overdue: ui::overdue_dispositions(&all, policy.disposition_days_max, today),
            reason_weeks: reason_weeks
                .into_iter()
                .map(|(week, counts)| ui::ReasonWeek {
                    week,
                    counts: counts
                        .into_iter()
                        .map(|(code, count)| ui::ReasonCount { code, count })
                        .collect(),
                })
                .collect(),
        })
    })
    .await;
    match view {
        Ok(v) => page(StatusCode::OK, ui::oversight_page(&user.layout(), &v)),
        Err(e) => error_for(Some(&user), e),
    }
}

fn accounting_rows(core: &Core) -> Result<Vec<ui::AccountingRow>, ApiError> {
    let (_, rel) = released(core)?;
    Ok(rel
        .into_iter()
        .map(|x| {
            let get = |k: &str| x.counts.get(k).copied().unwrap_or(0);
            ui::AccountingRow {
                request_id: x.record.request_id.clone(),
                agency: x.record.agency.clone(),
                signers: x.uploader.into_iter().collect(),
                disclosed_at: x.record.completed_at.clone().unwrap_or_default(),
                subjects: x.record.subject_count,
                confirmed: get("CONFIRMED"),
                not_confirmed: get("NOT_CONFIRMED"),
                rejected: get("REJECTED"),
                approving_officers: x
                    .record
                    .approvals
                    .iter()
                    .map(|a| a.officer.clone())
                    .collect(),
                policy_version: x.record.policy_version.clone(),
            }
        })
        .collect())
}

/// GET /console/oversight/accounting (printable)
pub(crate) async fn accounting(user: ConsoleUser) -> Response {
    if !user.is_overseer() {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    match blocking(move || accounting_rows(&core)).await {
        Ok(rows) => page(StatusCode::OK, ui::accounting_page(&user.layout(), &rows)),
        Err(e) => error_for(Some(&user), e),
    }
}

/// GET /console/oversight/accounting.csv
pub(crate) async fn accounting_csv(user: ConsoleUser) -> Response {
    if !user.is_overseer() {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    let core = user.core.clone();
    let csv = blocking(move || {
        let rows = accounting_rows(&core)?;
        ui::accounting_csv(&rows).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await;
    match csv {
        Ok(text) => csv_attachment("accounting-6103p3.csv", text),
        Err(e) => error_for(Some(&user), e),
    }
}

fn officials_view(core: &Core) -> Result<ui::OfficialsView, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let tokens = core.store.tokens()?;
    let officials = core
        .store
        .officials()?
        .into_iter()
        .map(|record| {
            let tokens = tokens
                .iter()
                .filter(|t| t.official == record.id)
                .map(|t| ui::TokenRow {
                    token_id: t.id().to_string(),
                    issued_at: t.issued_at.clone(),
                    expires_at: t.expires_at.clone(),
                    revoked_at: t.revoked_at.clone(),
                    live: crate::tokens::is_live(t, now),
                })
                .collect();
            ui::OfficialRow { record, tokens }
        })
        .collect();
    Ok(ui::OfficialsView {
        officials,
        new_token: None,
        message: None,
    })
}

/// Renders the officials page after an action (`Err`: its generic message).
async fn officials_after(
    user: &ConsoleUser,
    outcome: Result<Option<ui::NewToken>, ApiError>,
) -> Response {
    let core = user.core.clone();
    let mut view = match blocking(move || officials_view(&core)).await {
        Ok(v) => v,
        Err(e) => return error_for(Some(user), e),
    };
    let status = match outcome {
        Ok(t) => {
            view.new_token = t;
            StatusCode::OK
        }
        Err(ApiError::Invalid(why)) => {
            view.message = Some(why);
            StatusCode::BAD_REQUEST
        }
        Err(ApiError::Conflict(why)) => {
            view.message = Some(why.to_string());
            StatusCode::CONFLICT
        }
        Err(e) => return error_for(Some(user), e),
    };
    page(status, ui::officials_page(&user.layout(), &view))
}

/// GET /console/officials (administrators)
pub(crate) async fn officials(user: ConsoleUser) -> Response {
    if !AdminRole::allows(&user.official) {
        return error_for(Some(&user), ApiError::Forbidden);
    }
    officials_after(&user, Ok(None)).await
}

/// The register form.
#[derive(Deserialize)]
pub(crate) struct RegisterForm {
    id: String,
    agency: String,
    role: String,
    #[serde(default)]
    public_key: String,
    csrf: String,
}

/// POST /console/officials
pub(crate) async fn register(user: ConsoleUser, Form(f): Form<RegisterForm>) -> Response {
    if let Err(e) = user.may_change::<AdminRole>(&f.csrf) {
        return error_for(Some(&user), e);
    }
    let new = crate::routes::admin::NewOfficial {
        id: f.id.trim().to_string(),
        agency: f.agency.trim().to_string(),
        role: f.role,
        public_key: Some(f.public_key.trim().to_string()).filter(|k| !k.is_empty()),
    };
    let (core, admin) = (user.core.clone(), user.official.id.clone());
    let outcome = blocking(move || {
        let rec = crate::routes::admin::record_of(&new)?;
        crate::routes::admin::add_official(&core, &admin, rec)
    })
    .await
    .map(|()| None);
    officials_after(&user, outcome).await
}

/// POST /console/officials/{id}/tokens
pub(crate) async fn issue_token(
    user: ConsoleUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = user.may_change::<AdminRole>(&f.csrf) {
        return error_for(Some(&user), e);
    }
    let (core, admin) = (user.core.clone(), user.official.id.clone());
    let outcome = blocking(move || {
        let id = checked_id(id)?;
        let (token, rec) = crate::routes::admin::issue_for(&core, &admin, &id)?;
        Ok(Some(ui::NewToken {
            official: id,
            token,
            token_id: rec.id().to_string(),
            expires_at: rec.expires_at,
        }))
    })
    .await;
    officials_after(&user, outcome).await
}

/// POST /console/tokens/{token_id}/revoke
pub(crate) async fn revoke_token(
    user: ConsoleUser,
    Path(token_id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = user.may_change::<AdminRole>(&f.csrf) {
        return error_for(Some(&user), e);
    }
    let (core, admin) = (user.core.clone(), user.official.id.clone());
    match blocking(move || crate::routes::admin::revoke(&core, &admin, &token_id)).await {
        Ok(_) => harden(Redirect::to("/console/officials").into_response()),
        Err(e) => error_for(Some(&user), e),
    }
}
