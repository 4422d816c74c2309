//! `/v1/orders` and `/v1/incidents`: court orders on file (put on file and
//! lifted as registry changes: one official while founding, a signed
//! proposal confirmed at `/v1/registry/{id}/confirm` once sealed) and
//! incidents (opened, reported within 24 hours, closed). The rules and the
//! audit trail are the application layer's.

use super::admin::{change_json, moment};
use crate::auth::Need;
use crate::error::ApiError;
use crate::state::{blocking, lock};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use vouch_app::{
    IncidentKind, NewOrder, OrderChange, PolicyOwner, Proposal, SignedStep, TaxAgencyStaff,
};

/// An order change as the API takes it: `{"add": {...}}` or `{"lift": {...}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub(crate) enum OrderForm {
    Add {
        id: String,
        court: String,
        date: String,
        scope: String,
        effect: String,
        /// The order's document, base64.
        document: String,
        #[serde(default)]
        policy: Option<String>,
    },
    Lift {
        id: String,
        date: String,
    },
}

fn day(field: &str, text: &str) -> Result<time::Date, ApiError> {
    vouch_core::timestamp::parse_date(text)
        .ok_or_else(|| ApiError::Invalid(format!("{field}: not a date (YYYY-MM-DD)")))
}

impl OrderForm {
    fn change(self) -> Result<OrderChange, ApiError> {
        Ok(match self {
            OrderForm::Add {
                id,
                court,
                date,
                scope,
                effect,
                document,
                policy,
            } => OrderChange::Add(NewOrder {
                id,
                court,
                date: day("date", &date)?,
                scope,
                effect,
                document: base64::engine::general_purpose::STANDARD
                    .decode(document.trim())
                    .map_err(|_| ApiError::Invalid("document: not base64".into()))?,
                policy,
            }),
            OrderForm::Lift { id, date } => OrderChange::Lift {
                id,
                date: day("date", &date)?,
            },
        })
    }
}

/// The body of POST /v1/orders: the change, and once the registry is
/// sealed the proposer's signature of its statement.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBody {
    change: OrderForm,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

/// POST /v1/orders (disclosure officers, administrators): puts an order
/// on file or lifts it; 201 in effect (founding), 202 proposed (sealed:
/// a second administrator confirms at `/v1/registry/{id}/confirm`).
pub(crate) async fn change_order(
    who: Need<PolicyOwner>,
    Json(body): Json<OrderBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let change = body.change.change()?;
    let core = who.core.clone();
    match (body.at, body.signature) {
        (Some(at), Some(signature)) => {
            let step = SignedStep {
                official: who.acting.id().into(),
                at: moment("at", &at)?,
                signature,
            };
            let c =
                blocking(move || Ok(core.app().propose(&Proposal::Order(change), step)?)).await?;
            Ok((StatusCode::ACCEPTED, Json(change_json(&c))))
        }
        (None, None) => {
            blocking(move || Ok(core.app().change_order(&who.acting, change)?)).await?;
            Ok((StatusCode::CREATED, Json(json!({ "in_effect": true }))))
        }
        _ => Err(ApiError::Invalid(
            "at, signature: a proposal needs both".into(),
        )),
    }
}

/// The body of POST /v1/orders/statement.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderStatementBody {
    change: OrderForm,
    at: String,
}

/// POST /v1/orders/statement: the statement the caller signs to propose
/// the change at `at`.
pub(crate) async fn order_statement(
    who: Need<PolicyOwner>,
    Json(body): Json<OrderStatementBody>,
) -> Result<Json<Value>, ApiError> {
    let change = body.change.change()?;
    let at = moment("at", &body.at)?;
    super::admin::proposal_text(
        who.core.clone(),
        Proposal::Order(change),
        who.acting.id().into(),
        at,
    )
    .await
}

/// GET /v1/orders (the tax agency's officials): every order on file.
pub(crate) async fn list_orders(who: Need<TaxAgencyStaff>) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let app = core.app();
        let today = app.now().date();
        let orders: Vec<Value> = app
            .orders(ledger)?
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "court": o.court,
                    "date": vouch_core::timestamp::format_date(o.date),
                    "scope": o.scope.as_text(),
                    "effect": o.effect.as_str(),
                    "lifted": o.lifted.map(vouch_core::timestamp::format_date),
                    "in_force": o.in_force(today),
                    "document_sha256": o.document_sha256,
                })
            })
            .collect();
        Ok(Json(json!({ "orders": orders })))
    })
    .await
}

/// The body of POST /v1/incidents.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentBody {
    kind: String,
    discovered_at: String,
    summary: String,
    #[serde(default)]
    requests: Vec<String>,
}

fn incident_json(i: &vouch_app::Incident, now: time::OffsetDateTime) -> Value {
    json!({
        "id": i.id,
        "kind": i.kind.as_str(),
        "discovered_at": vouch_core::timestamp::format(i.discovered_at),
        "report_due": vouch_core::timestamp::format(i.deadline()),
        "overdue": i.overdue(now),
        "reported_at": i.reported_at.map(vouch_core::timestamp::format),
        "closed_at": i.closed_at.map(vouch_core::timestamp::format),
        "requests": i.requests,
    })
}

/// POST /v1/incidents (the tax agency's officials): opens an incident.
pub(crate) async fn open_incident(
    who: Need<TaxAgencyStaff>,
    Json(body): Json<IncidentBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = IncidentKind::parse(&body.kind).ok_or_else(|| {
        ApiError::Invalid("kind: not unauthorized-disclosure, unauthorized-access or loss".into())
    })?;
    let at = moment("discovered_at", &body.discovered_at)?;
    let core = who.core.clone();
    blocking(move || {
        let app = core.app();
        let i = app.open_incident(&who.acting, kind, at, &body.summary, &body.requests)?;
        Ok((StatusCode::CREATED, Json(incident_json(&i, app.now()))))
    })
    .await
}

/// GET /v1/incidents (the tax agency's officials).
pub(crate) async fn list_incidents(who: Need<TaxAgencyStaff>) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let app = core.app();
        let now = app.now();
        let all: Vec<Value> = app
            .incidents()?
            .iter()
            .map(|i| incident_json(i, now))
            .collect();
        Ok(Json(json!({ "incidents": all })))
    })
    .await
}

/// POST /v1/incidents/{id}/report: the report (JSON), marking it reported.
pub(crate) async fn report_incident(
    who: Need<TaxAgencyStaff>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let r = core.app().report_incident(&who.acting, &id)?;
        Ok(Json(
            serde_json::to_value(&r).map_err(|e| ApiError::Internal(e.to_string()))?,
        ))
    })
    .await
}

/// The body of POST /v1/incidents/{id}/close.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloseBody {
    corrective: Vec<String>,
}

/// POST /v1/incidents/{id}/close: closes a reported incident.
pub(crate) async fn close_incident(
    who: Need<TaxAgencyStaff>,
    Path(id): Path<String>,
    Json(body): Json<CloseBody>,
) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let app = core.app();
        let i = app.close_incident(&who.acting, &id, &body.corrective)?;
        Ok(Json(incident_json(&i, app.now())))
    })
    .await
}
