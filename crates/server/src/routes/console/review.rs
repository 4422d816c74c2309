//! The review queue of disclosure officers, and their approvals and denials.

use super::{redirect, CsrfForm, Posted, Session};
use crate::routes::requests::{approve_and_run, checked_id};
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

/// The approve and deny forms.
#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    comment: String,
    csrf: String,
}

impl CsrfForm for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
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
        let core = session.core.clone();
        approve_and_run(core, session.acting.clone(), id.clone(), form.comment).await?;
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
        let (core, officer, id2) = (session.core.clone(), session.acting.clone(), id.clone());
        blocking(move || Ok(core.app().deny(&officer, &id2, &form.comment)?)).await?;
        Ok::<_, crate::error::ApiError>(id)
    }
    .await;
    match done {
        Ok(id) => redirect(&format!("/console/requests/{id}")),
        Err(e) => session.error(e),
    }
}
