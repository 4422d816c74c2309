//! Signing in (a token, once, opens a session) and out.

use super::{
    cookie, harden, page, redirect, set_cookie, CsrfOnly, PendingPosted, SESSION_COOKIE,
    SIGNIN_COOKIE,
};
use crate::state::{blocking, AppState};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use vouch_app::LIFETIME_MAX;
use vouch_console as ui;

fn random_b64() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The sign-in form, with a fresh CSRF cookie (or `msg` after a refusal).
fn form_page(status: StatusCode, msg: Option<&str>, secure: bool) -> Response {
    let csrf = random_b64();
    let mut resp = page(status, ui::sign_in(msg, &csrf));
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &csrf, 600, secure),
    );
    resp
}

/// GET /console/sign-in
pub(crate) async fn sign_in_form(State(state): State<AppState>) -> Response {
    form_page(StatusCode::OK, None, state.core.config.secure_cookies)
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    token: String,
    csrf: String,
}

/// POST /console/sign-in
///
/// Attempts are limited per source address and per token prefix
/// (`sign_in_attempts_max` failures within `sign_in_window_s`, then 429
/// with `Retry-After`), and every failure is in the service's audit trail
/// with its source and a hash of the token's first characters (never the
/// token).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    axum::Extension(peer): axum::Extension<crate::front_door::Peer>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let secure = state.core.config.secure_cookies;
    let refused = |msg| form_page(StatusCode::UNAUTHORIZED, Some(msg), secure);
    let source = peer
        .0
        .map_or_else(|| "unknown".to_string(), |p| p.ip().to_string());
    let prefix: String = f.token.trim().chars().take(12).collect();
    let prefix_hash = {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(prefix.as_bytes())[..6])
    };
    let keys = [format!("source:{source}"), format!("prefix:{prefix_hash}")];
    let audit_failure = |why: &'static str| {
        let core = state.core.clone();
        let detail = format!("{why}; source {source}; token prefix sha256 {prefix_hash}");
        async move {
            let _ = blocking(move || Ok(core.app().sign_in_refused(&detail)?)).await;
        }
    };
    if let Some(wait) = state.core.sign_in_wait(&keys) {
        audit_failure("too many attempts").await;
        let mut resp = form_page(
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many sign-in attempts; please wait and try again."),
            secure,
        );
        if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let form_ok = cookie(&headers, SIGNIN_COOKIE).is_some_and(|c| super::same_secret(c, &f.csrf));
    if !form_ok {
        state.core.sign_in_failed(&keys);
        audit_failure("sign-in form expired").await;
        return refused("The sign-in form expired; please try again.");
    }
    let core = state.core.clone();
    let opened = blocking(move || Ok(core.app().open_session(&f.token)?)).await;
    let opened = match opened {
        Ok(Some(o)) => o,
        Ok(None) => {
            state.core.sign_in_failed(&keys);
            audit_failure("token not accepted").await;
            return refused("That token was not accepted.");
        }
        Err(e) => return super::error_page(None, e),
    };
    // The token is the first factor: the session is pending until the
    // official asserts with a security key.
    let mut resp = redirect("/console/second-factor");
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &opened.cookie,
            LIFETIME_MAX.as_secs(),
            secure,
        ),
    );
    h.append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
    resp
}

/// POST /console/sign-out (also from a session whose second factor is pending)
pub(crate) async fn sign_out(headers: HeaderMap, posted: PendingPosted<CsrfOnly>) -> Response {
    let user = posted.pending;
    let secure = user.core.config.secure_cookies;
    if let Some(c) = cookie(&headers, SESSION_COOKIE) {
        let (core, c, who) = (user.core.clone(), c.to_string(), user.official.id.clone());
        if let Err(e) = blocking(move || Ok(core.app().close_session(&c, &who)?)).await {
            return super::error_page(None, e);
        }
    }
    let mut resp = harden(redirect("/console/sign-in"));
    resp.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure),
    );
    resp
}
