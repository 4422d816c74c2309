//! The administrator's page: the registry, with every official's tokens;
//! register an official, issue a token (shown once), revoke one.

use super::{redirect, CsrfForm, CsrfOnly, Posted, Session};
use crate::error::ApiError;
use crate::routes::admin::OfficialForm;
use crate::routes::requests::checked_id;
use crate::state::blocking;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vouch_app::{Admin, Registrar};
use vouch_console as ui;

/// Renders the officials page after an action (`Err`: its generic message).
async fn officials_after(
    user: &Session<Admin>,
    outcome: Result<Option<ui::NewToken>, ApiError>,
) -> Response {
    let (core, admin) = (user.core.clone(), user.acting.clone());
    let registry = blocking(move || {
        let app = core.app();
        let changes: Vec<ui::ChangeRow> = app
            .registry_changes()?
            .into_iter()
            .map(|c| ui::ChangeRow {
                state: vouch_app::ChangeState::of(&c).as_str(),
                id: c.id,
                kind: c.kind,
                summary: c.summary,
                proposed_by: c.proposed_by,
                confirmed_by: c.confirmed_by,
                ledger_index: c.ledger_index,
            })
            .collect();
        Ok((app.registry(&admin)?, app.registry_sealed()?, changes))
    })
    .await;
    let mut view = match registry {
        Ok((r, sealed, changes)) => {
            let mut v = ui::officials_view(r, vouch_core::timestamp::now());
            v.sealed = sealed;
            v.changes = changes;
            v
        }
        Err(e) => return user.error(e),
    };
    let status = match outcome {
        Ok(t) => {
            view.new_token = t;
            StatusCode::OK
        }
        Err(ApiError::Invalid(why)) => {
            view.message = Some(why);
            StatusCode::BAD_REQUEST
        }
        Err(ApiError::Conflict(why)) => {
            view.message = Some(why.to_string());
            StatusCode::CONFLICT
        }
        Err(e) => return user.error(e),
    };
    super::page(status, ui::officials_page(&user.layout(), &view))
}

/// GET /console/officials (administrators)
pub(crate) async fn officials(user: Session<Admin>) -> Response {
    officials_after(&user, Ok(None)).await
}

/// The register form.
#[derive(Deserialize)]
pub(crate) struct RegisterForm {
    id: String,
    agency: String,
    role: String,
    #[serde(default)]
    public_key: String,
    csrf: String,
}

impl CsrfForm for RegisterForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// POST /console/officials
pub(crate) async fn register(posted: Posted<Admin, RegisterForm>) -> Response {
    let Posted { session, form } = posted;
    let form = OfficialForm {
        id: form.id,
        agency: form.agency,
        role: form.role,
        public_key: Some(form.public_key),
    };
    let (core, by) = (
        session.core.clone(),
        Registrar::Admin(session.acting.clone()),
    );
    let outcome = blocking(move || {
        let new = form.parse()?;
        Ok(core.app().register_official(&by, new)?)
    })
    .await
    .map(|_| None);
    officials_after(&session, outcome).await
}

/// POST /console/officials/{id}/tokens
pub(crate) async fn issue_token(
    Path(id): Path<String>,
    posted: Posted<Admin, CsrfOnly>,
) -> Response {
    let session = posted.session;
    let (core, admin) = (session.core.clone(), session.acting.clone());
    let ttl = core.config.token_ttl();
    let outcome = blocking(move || {
        let id = checked_id(id)?;
        let (token, rec) = core.app().issue_token(&admin, &id, ttl)?;
        Ok(Some(ui::NewToken {
            official: id,
            token,
            token_id: rec.id().to_string(),
            expires_at: rec.expires_at,
        }))
    })
    .await;
    officials_after(&session, outcome).await
}

/// POST /console/tokens/{token_id}/revoke
pub(crate) async fn revoke_token(
    Path(token_id): Path<String>,
    posted: Posted<Admin, CsrfOnly>,
) -> Response {
    let session = posted.session;
    let (core, admin) = (session.core.clone(), session.acting.clone());
    match blocking(move || Ok(core.app().revoke_token(&admin, &token_id)?)).await {
        Ok(_) => redirect("/console/officials"),
        Err(e) => session.error(e),
    }
}

/// POST /console/registry/{id}/sign: the confirmation statement of change
/// `id` for the signed-in administrator, to sign with their own key.
pub(crate) async fn sign_change(
    Path(id): Path<String>,
    posted: Posted<Admin, CsrfOnly>,
) -> Response {
    let session = posted.session;
    let (core, admin) = (session.core.clone(), session.acting.clone());
    let view = blocking(move || {
        let app = core.app();
        let c = app.registry_change(&id)?;
        let at = vouch_core::timestamp::now();
        let statement = app.change_statement(&c, vouch_app::Step::Confirm, admin.id(), at);
        Ok(ui::SignChangeView {
            change_id: c.id,
            summary: c.summary,
            proposed_by: c.proposed_by,
            at: vouch_core::timestamp::format(at),
            statement,
        })
    })
    .await;
    match view {
        Ok(view) => session.page(ui::sign_change_page(&session.layout(), &view)),
        Err(e) => session.error(e),
    }
}

/// The signed confirmation form.
#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    at: String,
    signature: String,
    csrf: String,
}

impl CsrfForm for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// POST /console/registry/{id}/confirm: the administrator's signed
/// confirmation; the change takes effect and is logged.
pub(crate) async fn confirm_change(
    Path(id): Path<String>,
    posted: Posted<Admin, ConfirmForm>,
) -> Response {
    let Posted { session, form } = posted;
    let (core, admin) = (session.core.clone(), session.acting.clone());
    let outcome = blocking(move || {
        let at = vouch_core::timestamp::parse(&form.at)
            .ok_or_else(|| ApiError::Invalid("at: not an RFC 3339 UTC moment".into()))?;
        let step = vouch_app::SignedStep {
            official: admin.id().into(),
            at,
            signature: form.signature,
        };
        core.app().confirm_change(&id, step)?;
        Ok(None)
    })
    .await;
    officials_after(&session, outcome).await
}
