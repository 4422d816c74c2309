//! The court orders page and each order's document.

use super::Session;
use crate::error::ApiError;
use crate::state::{blocking, lock};
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use vouch_app::TaxAgencyStaff;
use vouch_console as ui;

/// GET /console/orders (officers, auditors, administrators)
pub(crate) async fn orders(user: Session<TaxAgencyStaff>) -> Response {
    let core = user.core.clone();
    let views = blocking(move || {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let today = core.app().now().date();
        Ok(core
            .app()
            .orders(ledger)?
            .into_iter()
            .map(|o| ui::OrderView {
                in_force: o.in_force(today),
                id: o.id,
                court: o.court,
                effect: o.effect.as_str().into(),
                scope: o.scope.as_text(),
                date: o.date,
                lifted: o.lifted,
                document_sha256: o.document_sha256,
            })
            .collect::<Vec<_>>())
    })
    .await;
    match views {
        Ok(v) => user.page(ui::orders_page(&user.layout(), &v)),
        Err(e) => user.error(e),
    }
}

/// GET /console/orders/{id}/document (officers, auditors, administrators):
/// the order's document as filed, checked against its SHA-256.
pub(crate) async fn order_document(
    user: Session<TaxAgencyStaff>,
    Path(id): Path<String>,
) -> Response {
    let core = user.core.clone();
    let found = blocking(move || {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let app = core.app();
        let order = app
            .orders(ledger)?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(ApiError::NotFound)?;
        Ok(app.order_document(&order.document_sha256)?)
    })
    .await;
    match found {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"court-order\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => user.error(e),
    }
}
