//! The requests list, one request's page (with the explanation of a
//! lookup), its progress for the page's script, and the requesting
//! agency's download of the response.

use super::{csv_attachment, Session};
use crate::error::ApiError;
use crate::routes::requests::{checked_id, released_file};
use crate::state::{blocking, lock, Core};
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use vouch_app::{AnyOfficial, Overseer, Requester, ResponseFile};
use vouch_console as ui;
use vouch_store::{RequestRecord, RequestStatus};

/// GET /console/requests
pub(crate) async fn requests(user: Session<AnyOfficial>) -> Response {
    let (core, viewer) = (user.core.clone(), user.official().clone());
    match blocking(move || Ok(core.app().visible_requests(&viewer)?)).await {
        Ok(all) => {
            let mut rows: Vec<ui::RequestRow> = all.iter().map(ui::RequestRow::from).collect();
            rows.sort_by_key(|r| std::cmp::Reverse(r.received_at));
            user.page(ui::requests_list(&user.layout(), &rows))
        }
        Err(e) => user.error(e),
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

/// The page's explanation of one lookup, from what was recorded when it
/// was made (audited by the application layer).
fn explanation(
    core: &Core,
    by: &vouch_app::Acting<Overseer>,
    id: &str,
    subject: &str,
) -> Result<Result<ui::Explanation, &'static str>, ApiError> {
    let mut w = lock(&core.writer);
    let ledger = w.ledger(core.store.as_ref())?;
    Ok(match core.app().explain(by, ledger, id, subject)? {
        Ok(x) => Ok(ui::Explanation {
            subject_ref: x.subject_ref,
            outcome: Some(x.outcome),
            prior: x.prior,
            terms: x
                .terms
                .into_iter()
                .map(|t| ui::ExplainTerm {
                    field: t.field.into(),
                    level: t.level.into(),
                    weight: t.weight,
                })
                .collect(),
            total: x.total,
            threshold: x.threshold,
        }),
        Err(none) => Err(none.message()),
    })
}

/// GET /console/requests/{id}
pub(crate) async fn request(
    user: Session<AnyOfficial>,
    Path(id): Path<String>,
    Query(q): Query<RequestQuery>,
) -> Response {
    let id = match checked_id(id) {
        Ok(id) => id,
        Err(e) => return user.error(e),
    };
    let overseer = user.as_::<Overseer>();
    let subject = q.subject.filter(|s| !s.trim().is_empty());
    let loaded = {
        let (core, viewer, subject) = (user.core.clone(), user.official().clone(), subject.clone());
        blocking(move || {
            let app = core.app();
            let r = app.visible_request(&viewer, &id)?;
            let events = match &overseer {
                Some(o) => app.audit_trail(o, &id)?,
                None => Vec::new(),
            };
            let counts = match r.status {
                RequestStatus::Completed => app.released_counts(&r)?.map(|c| c.counts),
                _ => None,
            };
            let explained = match (&overseer, &subject) {
                (Some(o), Some(s)) => Some(explanation(&core, o, &id, s)?),
                _ => None,
            };
            Ok((r, events, counts, explained))
        })
        .await
    };
    let (r, events, counts, explained) = match loaded {
        Ok(x) => x,
        Err(e) => return user.error(e),
    };
    let mut view = ui::RequestView::new(r.clone(), events);
    view.progress = progress_of(&user.core, &r);
    view.outcomes = counts;
    view.can_download = vouch_app::App::may_download(user.official(), &r);
    view.can_explain = user.as_::<Overseer>().is_some();
    view.explain_subject = subject;
    match explained {
        Some(Ok(x)) => view.explanation = Some(x),
        Some(Err(msg)) => view.explain_message = Some(msg.into()),
        None => {}
    }
    user.page(ui::request_page(&user.layout(), &view))
}

/// GET /console/requests/{id}/status: what the progress bar polls.
pub(crate) async fn status(
    user: Session<AnyOfficial>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Response> {
    let id = checked_id(id).map_err(|e| user.error(e))?;
    let (core, viewer) = (user.core.clone(), user.official().clone());
    let r = blocking(move || Ok(core.app().visible_request(&viewer, &id)?))
        .await
        .map_err(|e| user.error(e))?;
    let progress = progress_of(&user.core, &r);
    Ok(Json(serde_json::json!({
        "status": r.status.as_str(),
        "progress": progress.map(|p| serde_json::json!({ "done": p.done, "total": p.total })),
    })))
}

/// GET /console/requests/{id}/response.csv (the requesting agency)
pub(crate) async fn response_csv(user: Session<Requester>, Path(id): Path<String>) -> Response {
    let file = ResponseFile::Csv;
    match released_file(
        user.core.clone(),
        user.acting.clone(),
        id,
        file,
        " (console)",
    )
    .await
    {
        Ok(body) => csv_attachment("response.csv", body),
        Err(e) => user.error(e),
    }
}
