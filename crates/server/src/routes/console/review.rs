//! The review queue of disclosure officers, and their approvals and denials.

use super::{redirect, CsrfForm, Posted, Session};
use crate::routes::requests::{approve_and_run, checked_id, decision_of, SignedBody};
use crate::state::blocking;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use vouch_app::Officer;
use vouch_console as ui;
use vouch_store::RequestStatus;

/// Rejected rows shown as a sample on the review queue.
const SAMPLE_ROWS: usize = 20;

/// GET /console/review (disclosure officers)
pub(crate) async fn review(user: Session<Officer>) -> Response {
    let (core, officer) = (user.core.clone(), user.acting.clone());
    let items = blocking(move || {
        let app = core.app();
        let mut items = Vec::new();
        for r in app.visible_requests(officer.official())? {
            if r.status != RequestStatus::PendingReview {
                continue;
            }
            let (counts, sample) = app.rejections(&officer, &r.request_id, SAMPLE_ROWS)?;
            items.push(ui::queue_item(&r, &counts, sample));
        }
        Ok(items)
    })
    .await;
    match items {
        Ok(items) => user.page(ui::review_queue(&user.layout(), &items)),
        Err(e) => user.error(e),
    }
}

/// The queue's approve and deny forms: which decision, with what comment.
#[derive(Deserialize)]
pub(crate) struct PrepareForm {
    decision: String,
    comment: String,
    csrf: String,
}

impl CsrfForm for PrepareForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// POST /console/requests/{id}/sign: the statement to sign for the
/// decision asked for, naming the service's current moment.
pub(crate) async fn sign(Path(id): Path<String>, posted: Posted<Officer, PrepareForm>) -> Response {
    let Posted { session, form } = posted;
    let done = async {
        let id = checked_id(id)?;
        let decision = decision_of(&form.decision)?;
        let comment = form.comment.trim().to_string();
        if comment.is_empty() {
            return Err(crate::error::ApiError::Invalid("comment: required".into()));
        }
        let at = vouch_core::timestamp::now();
        let (core, officer, id2, c) = (
            session.core.clone(),
            session.acting.clone(),
            id.clone(),
            comment.clone(),
        );
        let (statement, options) = blocking(move || {
            let app = core.app();
            let statement = app.decision_statement(&officer, &id2, decision, at, &c)?;
            // With a security key: the challenge is SHA-256 of the statement.
            let options = app.statement_options(&officer, &statement)?;
            Ok((statement, options))
        })
        .await?;
        let webauthn_options = options
            .map(|o| serde_json::to_string(&o))
            .transpose()
            .map_err(|e| crate::error::ApiError::Internal(format!("webauthn options: {e}")))?;
        Ok(ui::SignDecisionView {
            request_id: id,
            decision: decision.as_str(),
            comment,
            at: vouch_core::timestamp::format(at),
            statement,
            webauthn_options,
        })
    }
    .await;
    match done {
        Ok(view) => session.page(ui::sign_decision_page(&session.layout(), &view)),
        Err(e) => session.error(e),
    }
}

/// The signed approve and deny forms: a pasted Ed25519 `signature`, or a
/// security key's assertion over the statement (`credential`, JSON).
#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    comment: String,
    at: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    credential: String,
    csrf: String,
}

impl CsrfForm for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl DecisionForm {
    fn signed(self) -> Result<vouch_app::SignedDecision, crate::error::ApiError> {
        let signature = if self.credential.trim().is_empty() {
            self.signature
        } else {
            let assertion: webauthn_rs::prelude::PublicKeyCredential =
                super::second_factor::parse_credential(&self.credential)?;
            vouch_pipeline::webauthn::encode_signature(&assertion)
                .map_err(|e| crate::error::ApiError::Invalid(format!("credential: {e}")))?
        };
        SignedBody {
            comment: self.comment,
            at: self.at,
            signature,
        }
        .decision()
    }
}

/// POST /console/requests/{id}/approve
pub(crate) async fn approve(
    Path(id): Path<String>,
    posted: Posted<Officer, DecisionForm>,
) -> Response {
    let Posted { session, form } = posted;
    let done = async {
        let id = checked_id(id)?;
        let signed = form.signed()?;
        let core = session.core.clone();
        approve_and_run(core, session.acting.clone(), id.clone(), signed).await?;
        Ok::<_, crate::error::ApiError>(id)
    }
    .await;
    match done {
        Ok(id) => redirect(&format!("/console/requests/{id}")),
        Err(e) => session.error(e),
    }
}

/// POST /console/requests/{id}/deny
pub(crate) async fn deny(
    Path(id): Path<String>,
    posted: Posted<Officer, DecisionForm>,
) -> Response {
    let Posted { session, form } = posted;
    let done = async {
        let id = checked_id(id)?;
        let signed = form.signed()?;
        let (core, officer, id2) = (session.core.clone(), session.acting.clone(), id.clone());
        blocking(move || Ok(core.app().deny(&officer, &id2, &signed)?)).await?;
        Ok::<_, crate::error::ApiError>(id)
    }
    .await;
    match done {
        Ok(id) => redirect(&format!("/console/requests/{id}")),
        Err(e) => session.error(e),
    }
}
