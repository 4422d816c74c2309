//! `/console`: the web console for disclosure officers, auditors,
//! administrators and requesting officials, rendered by `vouch-console`.
//! One module per page; this one holds what every page shares.
//!
//! Sign-in takes an official's API token once and opens a session (the
//! application layer's: a random cookie value kept in the store only as its
//! SHA-256, a CSRF secret, idle and absolute expiry, ended at once when its
//! token is revoked). The cookie is `HttpOnly; SameSite=Strict` (`Secure`
//! over HTTPS). Pages answer with a strict Content-Security-Policy (no
//! inline script).
//!
//! Signing in takes two factors for every role: the token opens a session
//! that is pending until the official asserts with one of their enrolled
//! security keys (WebAuthn, a random challenge); a pending session is a
//! [`Pending`], which only the second-factor and enrolment pages take:
//! every other page sends it to `/console/second-factor` and refuses its
//! forms. (The API's bearer tokens stay one factor: they are for scripts.)
//!
//! Every handler takes a [`Session<P>`] (a signed-in official acting in
//! permit `P`, else the sign-in page or a 403 page) or, for a change, a
//! [`Posted<P, F>`] (the same, plus a form `F` whose CSRF field must match
//! the session's): a console handler cannot forget its role or CSRF check.
//! The rules behind each page and form are the application layer's, the
//! same the API calls.

mod ledger;
mod officials;
mod orders;
mod oversight;
mod requests;
mod review;
mod second_factor;
mod sign_in;

pub(crate) use ledger::ledger;
pub(crate) use officials::{
    confirm_change, issue_token, officials, register, revoke_token, sign_change,
};
pub(crate) use orders::{order_document, orders};
pub(crate) use oversight::{accounting, accounting_csv, oversight};
pub(crate) use requests::{request, requests, response_csv, status};
pub(crate) use review::{approve, deny, review, sign};
pub(crate) use second_factor::{
    enrol, finish_enrolment, finish_second_factor, second_factor, start_enrolment,
};
pub(crate) use sign_in::{sign_in, sign_in_form, sign_out};

use crate::error::ApiError;
use crate::state::{blocking, AppState, Core};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use vouch_app::{Acting, Admin, AnyOfficial, Officer, Permit};
use vouch_console as ui;

/// The session cookie.
const SESSION_COOKIE: &str = "vouch_session";
/// The sign-in form's CSRF cookie (before there is a session).
const SIGNIN_COOKIE: &str = "vouch_signin";

/// A cookie's value from the request's `Cookie` headers.
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

fn redirect(to: &str) -> Response {
    harden(Redirect::to(to).into_response())
}

/// An error page; the text is generic (no detail that helps an attacker),
/// as the API's.
fn error_page(layout: Option<&ui::Layout>, e: ApiError) -> Response {
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
    page(status, ui::error_page(layout, status.as_u16(), msg))
}

/// A signed-in official acting in permit `P`.
pub(crate) struct Session<P: Permit> {
    acting: Acting<P>,
    csrf: String,
    core: Arc<Core>,
    /// The court orders halting disclosures today, one sentence each: a
    /// banner on every page.
    banners: Vec<String>,
}

/// The banners of every page: each court order in force that halts
/// disclosures. When they cannot be read, one banner says so (fail
/// closed: a page never looks as if no order held).
fn order_banners(core: &Core) -> Vec<String> {
    let mut out = incident_banners(core);
    out.extend(halting_orders(core));
    out
}

/// Incidents past their 24-hour reporting deadline, one banner each.
fn incident_banners(core: &Core) -> Vec<String> {
    let app = core.app();
    match app.incidents() {
        Ok(all) => {
            let now = app.now();
            // Every incident not yet reported: its 24-hour clock, or that
            // it ran out.
            all.iter()
                .filter(|i| i.reported_at.is_none())
                .map(|i| {
                    if i.overdue(now) {
                        format!(
                            "Incident {} ({}) was not reported within 24 hours of its discovery: report it now (vouch incidents report).",
                            i.id,
                            i.kind.as_str()
                        )
                    } else {
                        let left = i.deadline() - now;
                        format!(
                            "Incident {} ({}) must be reported to the inspector general and the Office of Safeguards within {} h {:02} min (by {}).",
                            i.id,
                            i.kind.as_str(),
                            left.whole_hours(),
                            left.whole_minutes() % 60,
                            vouch_core::timestamp::format_seconds(i.deadline())
                        )
                    }
                })
                .collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the incidents failed");
            vec!["the incidents on file could not be read.".into()]
        }
    }
}

fn halting_orders(core: &Core) -> Vec<String> {
    match core.app().orders_in_force() {
        Ok(orders) => orders
            .iter()
            .filter(|o| o.effect == vouch_pipeline::changes::OrderEffect::Halt)
            .map(|o| {
                format!(
                    "Court order {} ({}) halts disclosures to {} since {}.",
                    o.id,
                    o.court,
                    o.scope.as_text(),
                    vouch_core::timestamp::format_date(o.date)
                )
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "reading the court orders in force failed");
            vec!["the court orders on file could not be read; see the orders page.".into()]
        }
    }
}

impl<P: Permit> Session<P> {
    fn layout(&self) -> ui::Layout {
        let mut l = ui::Layout::for_official(self.acting.official(), self.csrf.clone());
        l.banners = self.banners.clone();
        l
    }

    /// The official's record.
    fn official(&self) -> &vouch_store::OfficialRecord {
        self.acting.official()
    }

    /// The same official in another permit, if their role allows it.
    fn as_<Q: Permit>(&self) -> Option<Acting<Q>> {
        Acting::check(self.acting.official().clone()).ok()
    }

    /// An error page for this official.
    fn error(&self, e: impl Into<ApiError>) -> Response {
        error_page(Some(&self.layout()), e.into())
    }

    /// A page for this official.
    fn page(&self, markup: ui::Markup) -> Response {
        page(StatusCode::OK, markup)
    }
}

/// Why a console request got no session: not signed in (off to the
/// sign-in page), second factor not completed (off to its page; a form is
/// refused) or signed in with the wrong role (a 403 page).
pub(crate) enum NoSession {
    SignIn,
    SecondFactor,
    Refused(Response),
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            NoSession::SignIn => redirect("/console/sign-in"),
            NoSession::SecondFactor => redirect("/console/second-factor"),
            NoSession::Refused(r) => r,
        }
    }
}

/// A live session, whether or not its second factor is complete: what the
/// second-factor and enrolment pages take (and nothing else).
pub(crate) struct Pending {
    session: vouch_store::SessionRecord,
    official: vouch_store::OfficialRecord,
    core: Arc<Core>,
}

impl Pending {
    fn view(&self) -> ui::PendingView {
        ui::PendingView {
            official_id: self.official.id.clone(),
            csrf: self.session.csrf.clone(),
        }
    }

    fn complete(&self) -> bool {
        self.session.second_factor_at.is_some()
    }
}

impl FromRequestParts<AppState> for Pending {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NoSession> {
        let value = cookie(&parts.headers, SESSION_COOKIE)
            .ok_or(NoSession::SignIn)?
            .to_string();
        let core = state.core.clone();
        let found = blocking(move || Ok(core.app().session(&value)?)).await;
        let Ok(Some((session, official))) = found else {
            return Err(NoSession::SignIn);
        };
        Ok(Pending {
            session,
            official,
            core: state.core.clone(),
        })
    }
}

/// A form posted by a [`Pending`] session, its CSRF secret checked.
pub(crate) struct PendingPosted<F> {
    pending: Pending,
    form: F,
}

impl<F: CsrfForm> FromRequest<AppState> for PendingPosted<F> {
    type Rejection = NoSession;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, NoSession> {
        let (mut parts, body) = req.into_parts();
        let pending = Pending::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let refused = |e| NoSession::Refused(error_page(None, e));
        let Ok(Form(form)) = Form::<F>::from_request(req, state).await else {
            return Err(refused(ApiError::Invalid("form".into())));
        };
        if !same_secret(form.csrf(), &pending.session.csrf) {
            return Err(refused(ApiError::Forbidden));
        }
        Ok(PendingPosted { pending, form })
    }
}

impl<P: Permit> FromRequestParts<AppState> for Session<P> {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NoSession> {
        let Pending {
            session, official, ..
        } = Pending::from_request_parts(parts, state).await?;
        // Every role needs the second factor; a form of a pending session
        // is refused outright, a page sends it to complete the factor.
        if session.second_factor_at.is_none() {
            return Err(if parts.method == axum::http::Method::GET {
                NoSession::SecondFactor
            } else {
                NoSession::Refused(error_page(None, ApiError::Forbidden))
            });
        }
        let layout = ui::Layout::for_official(&official, session.csrf.clone());
        let acting = Acting::check(official)
            .map_err(|_| NoSession::Refused(error_page(Some(&layout), ApiError::Forbidden)))?;
        let core = state.core.clone();
        let banners = blocking(move || Ok(order_banners(&core)))
            .await
            .unwrap_or_else(|_| {
                vec!["the court orders on file could not be read; see the orders page.".into()]
            });
        Ok(Session {
            acting,
            csrf: session.csrf,
            core: state.core.clone(),
            banners,
        })
    }
}

/// A form that carries the session's CSRF secret.
pub(crate) trait CsrfForm: DeserializeOwned + Send {
    /// The secret the form carried.
    fn csrf(&self) -> &str;
}

/// A change posted from the console: a session in permit `P` and a form
/// `F` whose CSRF secret matches the session's (else a 403 page).
pub(crate) struct Posted<P: Permit, F> {
    session: Session<P>,
    form: F,
}

impl<P: Permit, F: CsrfForm> FromRequest<AppState> for Posted<P, F> {
    type Rejection = NoSession;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, NoSession> {
        let (mut parts, body) = req.into_parts();
        let session = Session::<P>::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let refused = |s: &Session<P>, e| NoSession::Refused(s.error(e));
        let Ok(Form(form)) = Form::<F>::from_request(req, state).await else {
            return Err(refused(&session, ApiError::Invalid("form".into())));
        };
        if !same_secret(form.csrf(), &session.csrf) {
            return Err(refused(&session, ApiError::Forbidden));
        }
        Ok(Posted { session, form })
    }
}

/// A form carrying only the CSRF secret.
#[derive(serde::Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

impl CsrfForm for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// GET /console
pub(crate) async fn home(user: Session<AnyOfficial>) -> Response {
    if user.as_::<Officer>().is_some() {
        redirect("/console/review")
    } else if user.as_::<Admin>().is_some() {
        redirect("/console/officials")
    } else {
        redirect("/console/requests")
    }
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
