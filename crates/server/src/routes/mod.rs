//! The router: every route is added through [`Routes::at`], which records
//! it, so the OpenAPI test can compare the description with the router
//! itself; and the layers (body limits, request ids, tracing, metrics).

pub(crate) mod admin;
pub(crate) mod console;
pub(crate) mod governance;
pub(crate) mod ledger;
pub(crate) mod meta;
pub(crate) mod requests;

use crate::state::{lock, AppState};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use rand::RngCore;
use std::convert::Infallible;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// The header carrying each HTTP request's id (also on the response).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

impl Routes {
    fn at(mut self, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.table.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }
}

fn routes(upload_bytes_max: u64) -> Routes {
    let upload_limit = usize::try_from(upload_bytes_max).unwrap_or(usize::MAX);
    let upload = post(requests::upload)
        .layer::<_, Infallible>(DefaultBodyLimit::disable())
        .layer::<_, Infallible>(RequestBodyLimitLayer::new(upload_limit));
    let r = Routes {
        router: Router::new(),
        table: Vec::new(),
    };
    r.at(Method::GET, "/healthz", get(meta::healthz))
        .at(Method::GET, "/metrics", get(meta::metrics))
        .at(Method::GET, "/v1/openapi.json", get(meta::openapi))
        .at(Method::POST, "/v1/requests", upload)
        .at(Method::GET, "/v1/requests", get(requests::list))
        .at(Method::GET, "/v1/requests/{id}", get(requests::show))
        .at(
            Method::POST,
            "/v1/requests/{id}/approve",
            post(requests::approve),
        )
        .at(Method::POST, "/v1/requests/{id}/deny", post(requests::deny))
        .at(
            Method::POST,
            "/v1/requests/{id}/statement",
            post(requests::statement),
        )
        .at(
            Method::GET,
            "/v1/requests/{id}/response",
            get(requests::response_csv),
        )
        .at(
            Method::GET,
            "/v1/requests/{id}/response.json",
            get(requests::response_json),
        )
        .at(
            Method::GET,
            "/v1/ledger/checkpoint",
            get(ledger::checkpoint),
        )
        .at(Method::GET, "/v1/ledger/proof", get(ledger::proof))
        .at(
            Method::GET,
            "/v1/ledger/public-key",
            get(ledger::public_key),
        )
        .at(Method::GET, "/v1/orders", get(governance::list_orders))
        .at(Method::POST, "/v1/orders", post(governance::change_order))
        .at(
            Method::POST,
            "/v1/orders/statement",
            post(governance::order_statement),
        )
        .at(
            Method::GET,
            "/v1/incidents",
            get(governance::list_incidents),
        )
        .at(
            Method::POST,
            "/v1/incidents",
            post(governance::open_incident),
        )
        .at(
            Method::POST,
            "/v1/incidents/{id}/report",
            post(governance::report_incident),
        )
        .at(
            Method::POST,
            "/v1/incidents/{id}/close",
            post(governance::close_incident),
        )
        .at(Method::POST, "/v1/officials", post(admin::register))
        .at(Method::GET, "/v1/registry", get(admin::list_changes))
        .at(
            Method::POST,
            "/v1/registry/statement",
            post(admin::proposal_statement),
        )
        .at(
            Method::POST,
            "/v1/registry/{id}/statement",
            post(admin::confirm_statement),
        )
        .at(
            Method::POST,
            "/v1/registry/{id}/confirm",
            post(admin::confirm),
        )
        .at(
            Method::POST,
            "/v1/officials/{id}/tokens",
            post(admin::issue_token),
        )
        .at(
            Method::GET,
            "/v1/officials/{id}/tokens",
            get(admin::list_tokens),
        )
        .at(
            Method::POST,
            "/v1/officials/{id}/enrolment-codes",
            post(admin::issue_enrolment_code),
        )
        .at(
            Method::POST,
            "/v1/tokens/{token_id}/revoke",
            post(admin::revoke_token),
        )
}

/// Every route of the router, as (method, path template).
pub fn route_table() -> Vec<(String, &'static str)> {
    routes(0)
        .table
        .into_iter()
        .map(|(m, p)| (m.as_str().to_string(), p))
        .collect()
}

/// Gives every request an id (logged in its span, returned in
/// `x-request-id`) and counts responses by status code.
async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut raw = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut raw);
    let id = hex::encode(raw);
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID_HEADER, v.clone());
    }
    let mut resp = next.run(req).await;
    *lock(&state.core.http_counts)
        .entry(resp.status().as_u16())
        .or_insert(0) += 1;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

/// The span of one request: method, route template and request id only
/// (never the URI, whose query may name a subject).
fn span_of(req: &Request) -> tracing::Span {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    tracing::info_span!("http", method = %req.method(), path = %path, request_id = %id)
}

/// The web console's pages (HTML, sessions by cookie; not part of the API
/// and its OpenAPI document).
fn console_routes() -> Router<AppState> {
    use console as c;
    Router::new()
        .route("/console", get(c::home))
        .route("/console/", get(c::home))
        .route("/console/sign-in", get(c::sign_in_form).post(c::sign_in))
        .route("/console/sign-out", post(c::sign_out))
        .route(
            "/console/second-factor",
            get(c::second_factor).post(c::finish_second_factor),
        )
        .route("/console/enrol", get(c::enrol))
        .route("/console/enrol/start", post(c::start_enrolment))
        .route("/console/enrol/finish", post(c::finish_enrolment))
        .route("/console/static/console.css", get(c::style))
        .route("/console/static/console.js", get(c::script))
        .route("/console/review", get(c::review))
        .route("/console/requests", get(c::requests))
        .route("/console/requests/{id}", get(c::request))
        .route("/console/requests/{id}/status", get(c::status))
        .route("/console/requests/{id}/response.csv", get(c::response_csv))
        .route("/console/requests/{id}/sign", post(c::sign))
        .route("/console/requests/{id}/approve", post(c::approve))
        .route("/console/requests/{id}/deny", post(c::deny))
        .route("/console/ledger", get(c::ledger))
        .route("/console/orders", get(c::orders))
        .route("/console/orders/{id}/document", get(c::order_document))
        .route("/console/oversight", get(c::oversight))
        .route("/console/oversight/accounting", get(c::accounting))
        .route("/console/oversight/accounting.csv", get(c::accounting_csv))
        .route("/console/officials", get(c::officials).post(c::register))
        .route("/console/officials/{id}/tokens", post(c::issue_token))
        .route("/console/registry/{id}/sign", post(c::sign_change))
        .route("/console/registry/{id}/confirm", post(c::confirm_change))
        .route("/console/tokens/{token_id}/revoke", post(c::revoke_token))
}

/// The service's router over a state (no socket: testable with `oneshot`).
pub fn app(state: AppState) -> Router {
    let cfg = &state.core.config;
    let json_limit = cfg.json_body_bytes_max;
    routes(cfg.upload_bytes_max)
        .router
        .merge(console_routes())
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(TraceLayer::new_for_http().make_span_with(span_of))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(middleware::from_fn(crate::front_door::track))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_in_the_openapi_document() {
        let doc: serde_json::Value = serde_json::from_str(meta::OPENAPI_JSON).unwrap();
        assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        let table = route_table();
        for (method, path) in &table {
            let m = method.to_ascii_lowercase();
            assert!(
                paths.get(*path).and_then(|p| p.get(&m)).is_some(),
                "{method} {path} is routed but not in openapi.json"
            );
        }
        // And nothing described that is not routed.
        let described: usize = paths
            .values()
            .map(|p| {
                p.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                    .count()
            })
            .sum();
        assert_eq!(
            described,
            table.len(),
            "openapi.json describes a route the router lacks"
        );
    }
}
