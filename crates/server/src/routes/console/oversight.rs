//! The oversight page and the 6103(p)(3) accounting (page and CSV): the
//! server reads, `vouch-console` aggregates and renders.

use super::{csv_attachment, Session};
use crate::error::ApiError;
use crate::state::{blocking, Core};
use axum::response::Response;
use vouch_app::Overseer;
use vouch_console as ui;
use vouch_store::{RequestRecord, RequestStatus};

/// Every request, and the completed ones with their counts and uploader.
fn released(core: &Core) -> Result<(Vec<RequestRecord>, Vec<ui::Released>), ApiError> {
    let app = core.app();
    let all = app.store().requests()?;
    // Disclosures withdrawn by remediations in effect, per request.
    let mut withdrawn: std::collections::HashMap<String, u64> = Default::default();
    for s in app.remediations()?.into_iter().filter(|s| s.in_effect) {
        for d in &s.remediation.disclosures {
            *withdrawn.entry(d.request_id.clone()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for r in all.iter().filter(|r| r.status == RequestStatus::Completed) {
        let c = app.released_counts(r)?.unwrap_or_default();
        out.push(ui::Released {
            record: r.clone(),
            counts: c.counts,
            reason_counts: c.reason_counts,
            uploader: app.uploader(&r.request_id)?,
            withdrawn: withdrawn.get(&r.request_id).copied().unwrap_or(0),
        });
    }
    Ok((all, out))
}

/// GET /console/oversight (officers and auditors)
pub(crate) async fn oversight(user: Session<Overseer>) -> Response {
    let core = user.core.clone();
    let view = blocking(move || {
        let (all, rel) = released(&core)?;
        let app = core.app();
        let policy = app.active_policy()?;
        let agencies = app.store().agencies()?;
        let today = vouch_core::timestamp::now().date();
        Ok(ui::oversight_view(
            &all,
            &rel,
            &agencies,
            policy.disposition_days_max,
            today,
        ))
    })
    .await;
    match view {
        Ok(v) => user.page(ui::oversight_page(&user.layout(), &v)),
        Err(e) => user.error(e),
    }
}

/// GET /console/oversight/accounting (printable)
pub(crate) async fn accounting(user: Session<Overseer>) -> Response {
    let core = user.core.clone();
    match blocking(move || Ok(ui::accounting_rows(&released(&core)?.1))).await {
        Ok(rows) => user.page(ui::accounting_page(&user.layout(), &rows)),
        Err(e) => user.error(e),
    }
}

/// GET /console/oversight/accounting.csv
pub(crate) async fn accounting_csv(user: Session<Overseer>) -> Response {
    let core = user.core.clone();
    let csv = blocking(move || {
        let rows = ui::accounting_rows(&released(&core)?.1);
        ui::accounting_csv(&rows).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await;
    match csv {
        Ok(text) => csv_attachment("accounting-6103p3.csv", text),
        Err(e) => user.error(e),
    }
}
