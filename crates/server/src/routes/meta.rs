//! Unauthenticated endpoints that reveal nothing about any request or
//! person: liveness, aggregate metrics and the API description.

use crate::error::ApiError;
use crate::state::{blocking, lock, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use vouch_store::RequestStatus;

/// The hand-written OpenAPI 3.1 description of the API.
pub const OPENAPI_JSON: &str = include_str!("../../openapi.json");

/// GET /healthz
pub(crate) async fn healthz() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

/// GET /v1/openapi.json
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

/// GET /metrics: Prometheus text. Aggregate counts only, so it needs no token.
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let core = state.core.clone();
    let (records, incidents, now) = blocking(move || {
        let app = core.app();
        Ok((core.store.requests()?, app.incidents()?, app.now()))
    })
    .await?;
    let mut out = String::new();
    out.push_str("# HELP vouch_requests Requests in the state store, by status.\n");
    out.push_str("# TYPE vouch_requests gauge\n");
    for s in RequestStatus::ALL {
        let n = records.iter().filter(|r| r.status == s).count();
        let _ = writeln!(out, "vouch_requests{{status=\"{}\"}} {n}", s.as_str());
    }
    out.push_str("# HELP vouch_incidents_open Incidents not closed.\n");
    out.push_str("# TYPE vouch_incidents_open gauge\n");
    let _ = writeln!(
        out,
        "vouch_incidents_open {}",
        incidents.iter().filter(|i| i.open()).count()
    );
    out.push_str("# HELP vouch_incidents_overdue Incidents not reported within 24 hours of their discovery.\n");
    out.push_str("# TYPE vouch_incidents_overdue gauge\n");
    let _ = writeln!(
        out,
        "vouch_incidents_overdue {}",
        incidents.iter().filter(|i| i.overdue(now)).count()
    );
    let core = &state.core;
    let busy = core.config.batches_max - core.batches.available_permits();
    out.push_str("# HELP vouch_batches_in_flight Batches queued or running.\n");
    out.push_str("# TYPE vouch_batches_in_flight gauge\n");
    let _ = writeln!(out, "vouch_batches_in_flight {busy}");
    out.push_str("# HELP vouch_batches_max Batch slots.\n");
    out.push_str("# TYPE vouch_batches_max gauge\n");
    let _ = writeln!(out, "vouch_batches_max {}", core.config.batches_max);
    out.push_str("# HELP vouch_http_responses_total HTTP responses, by status code.\n");
    out.push_str("# TYPE vouch_http_responses_total counter\n");
    for (code, n) in lock(&core.http_counts).iter() {
        let _ = writeln!(out, "vouch_http_responses_total{{code=\"{code}\"}} {n}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}
