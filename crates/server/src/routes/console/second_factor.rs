//! The second factor of sign-in (an assertion by one of the official's
//! security keys, random challenge) and the enrolment of a security key
//! with a one-time code. These are the only pages a session whose second
//! factor is pending may see; the ceremonies' rules are the application
//! layer's.

use super::{page, redirect, CsrfForm, Pending, PendingPosted};
use crate::error::ApiError;
use crate::state::blocking;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vouch_console as ui;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

/// Largest `credential` field read (an attestation is a few KiB).
const CREDENTIAL_BYTES_MAX: usize = 64 << 10;

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(format!("webauthn options: {e}")))
}

/// The browser's answer in a form's `credential` field.
pub(crate) fn parse_credential<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    if text.len() > CREDENTIAL_BYTES_MAX {
        return Err(ApiError::Invalid("credential: too large".into()));
    }
    serde_json::from_str(text)
        .map_err(|_| ApiError::Invalid("credential: not a WebAuthn response".into()))
}

/// A refusal shown on the page (the messages are the application layer's
/// fixed phrases; nothing from the request is echoed).
fn why(e: &ApiError) -> Option<String> {
    match e {
        ApiError::Invalid(m) => Some(m.clone()),
        ApiError::Conflict(m) => Some((*m).to_string()),
        _ => None,
    }
}

async fn second_factor_page(p: &Pending, error: Option<String>) -> Response {
    let (core, session) = (p.core.clone(), p.session.clone());
    let options = blocking(move || Ok(core.app().start_second_factor(&session)?)).await;
    let options = match options.and_then(|o| o.as_ref().map(to_json).transpose()) {
        Ok(o) => o,
        Err(e) => return super::error_page(None, e),
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    page(
        status,
        ui::second_factor_page(&p.view(), options.as_deref(), error.as_deref()),
    )
}

/// GET /console/second-factor
pub(crate) async fn second_factor(p: Pending) -> Response {
    if p.complete() {
        return redirect("/console");
    }
    second_factor_page(&p, None).await
}

/// A form posting a ceremony's result.
#[derive(Deserialize)]
pub(crate) struct CredentialForm {
    #[serde(default)]
    credential: String,
    csrf: String,
}

impl CsrfForm for CredentialForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// POST /console/second-factor: the assertion; the session is complete
/// when it verifies.
pub(crate) async fn finish_second_factor(posted: PendingPosted<CredentialForm>) -> Response {
    let PendingPosted { pending, form } = posted;
    let done = async {
        let assertion: PublicKeyCredential = parse_credential(&form.credential)?;
        let (core, session) = (pending.core.clone(), pending.session.clone());
        blocking(move || Ok(core.app().finish_second_factor(&session, &assertion)?)).await
    }
    .await;
    match done {
        Ok(()) => redirect("/console"),
        Err(e) => match why(&e) {
            Some(m) => second_factor_page(&pending, Some(m)).await,
            None => super::error_page(None, e),
        },
    }
}

/// GET /console/enrol
pub(crate) async fn enrol(p: Pending) -> Response {
    page(StatusCode::OK, ui::enrol_page(&p.view(), None, None))
}

/// The enrolment code form.
#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
    csrf: String,
}

impl CsrfForm for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// POST /console/enrol/start: checks the code (the session's official's,
/// unused, in time) and shows the options to create a credential.
pub(crate) async fn start_enrolment(posted: PendingPosted<CodeForm>) -> Response {
    let PendingPosted { pending, form } = posted;
    let (core, session) = (pending.core.clone(), pending.session.clone());
    let options = blocking(move || Ok(core.app().start_enrolment(&session, &form.code)?))
        .await
        .and_then(|o| to_json(&o));
    match options {
        Ok(o) => page(
            StatusCode::OK,
            ui::enrol_page(&pending.view(), Some(&o), None),
        ),
        Err(e) => match why(&e) {
            Some(m) => page(
                StatusCode::BAD_REQUEST,
                ui::enrol_page(&pending.view(), None, Some(&m)),
            ),
            None => super::error_page(None, e),
        },
    }
}

/// POST /console/enrol/finish: the new credential; stored when it
/// verifies and the code is still good. Then on to the second factor.
pub(crate) async fn finish_enrolment(posted: PendingPosted<CredentialForm>) -> Response {
    let PendingPosted { pending, form } = posted;
    let done = async {
        let made: RegisterPublicKeyCredential = parse_credential(&form.credential)?;
        let (core, session) = (pending.core.clone(), pending.session.clone());
        blocking(move || Ok(core.app().finish_enrolment(&session, &made)?)).await
    }
    .await;
    match done {
        Ok(_) if pending.complete() => redirect("/console"),
        Ok(_) => redirect("/console/second-factor"),
        Err(e) => match why(&e) {
            Some(m) => page(
                StatusCode::BAD_REQUEST,
                ui::enrol_page(&pending.view(), None, Some(&m)),
            ),
            None => super::error_page(None, e),
        },
    }
}
