//! `/v1/officials` and `/v1/tokens`: the administrator registers officials
//! and issues and revokes their API tokens. The rules and the audit trail
//! are the application layer's.

use crate::auth::Need;
use crate::error::ApiError;
use crate::state::blocking;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use vouch_app::{Admin, NewOfficial, Registrar};
use vouch_store::Role;

/// The body of POST /v1/officials.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OfficialForm {
    pub(crate) id: String,
    pub(crate) agency: String,
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) public_key: Option<String>,
}

impl OfficialForm {
    /// The official to register, from the form's text.
    pub(crate) fn parse(&self) -> Result<NewOfficial, ApiError> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            ApiError::Invalid(
                "role: one of signer, recipient, disclosure-officer, auditor, administrator".into(),
            )
        })?;
        let public_key = match self.public_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .ok()
                    .and_then(|v| <[u8; 32]>::try_from(v).ok())
                    .ok_or_else(|| {
                        ApiError::Invalid("public_key: not a base64 Ed25519 public key".into())
                    })?,
            ),
        };
        Ok(NewOfficial {
            id: self.id.trim().into(),
            agency: self.agency.trim().into(),
            role,
            public_key,
        })
    }
}

/// POST /v1/officials
pub(crate) async fn register(
    who: Need<Admin>,
    Json(form): Json<OfficialForm>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = form.parse()?;
    let (core, by) = (who.core.clone(), Registrar::Admin(who.acting));
    let rec = blocking(move || Ok(core.app().register_official(&by, new)?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": rec.id,
            "agency": rec.agency,
            "role": rec.role.as_str(),
            "registered_at": vouch_core::timestamp::format(rec.registered_at),
        })),
    ))
}

/// POST /v1/officials/{id}/tokens
pub(crate) async fn issue_token(
    who: Need<Admin>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = crate::routes::requests::checked_id(id)?;
    let core = who.core.clone();
    let ttl = core.config.token_ttl();
    let (token, rec) = blocking(move || Ok(core.app().issue_token(&who.acting, &id, ttl)?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "official": rec.official,
            "token": token,
            "token_id": rec.id(),
            "expires_at": rec.expires_at.map(vouch_core::timestamp::format),
        })),
    ))
}

/// POST /v1/officials/{id}/enrolment-codes: a one-time code with which the
/// official enrols a security key in the console (shown once).
pub(crate) async fn issue_enrolment_code(
    who: Need<Admin>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = crate::routes::requests::checked_id(id)?;
    let core = who.core.clone();
    let by = Registrar::Admin(who.acting);
    let (id2, code) = (
        id.clone(),
        blocking(move || Ok(core.app().issue_enrolment_code(&by, &id)?)).await?,
    );
    let expires = vouch_core::timestamp::now() + vouch_app::ENROLMENT_CODE_TTL;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "official": id2,
            "code": code,
            "expires_at": vouch_core::timestamp::format(expires),
        })),
    ))
}

/// GET /v1/officials/{id}/tokens: the official's tokens (ids, dates, state; never the token).
pub(crate) async fn list_tokens(
    who: Need<Admin>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::routes::requests::checked_id(id)?;
    let core = who.core.clone();
    blocking(move || {
        let now = vouch_core::timestamp::now();
        let moment = |t: Option<time::OffsetDateTime>| t.map(vouch_core::timestamp::format);
        let tokens: Vec<Value> = core
            .app()
            .tokens_of(&who.acting, &id)?
            .into_iter()
            .map(|t| {
                json!({
                    "token_id": t.id(),
                    "issued_at": vouch_core::timestamp::format(t.issued_at),
                    "issued_by": t.issued_by,
                    "expires_at": moment(t.expires_at),
                    "revoked_at": moment(t.revoked_at),
                    "live": t.is_live(now),
                })
            })
            .collect();
        Ok(Json(json!({ "official": id, "tokens": tokens })))
    })
    .await
}

/// POST /v1/tokens/{token_id}/revoke: the token stops working at once, on every node.
pub(crate) async fn revoke_token(
    who: Need<Admin>,
    Path(token_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let at = core.app().revoke_token(&who.acting, &token_id)?;
        Ok(Json(json!({
            "token_id": token_id,
            "revoked_at": vouch_core::timestamp::format(at),
        })))
    })
    .await
}
