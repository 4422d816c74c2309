//! `/v1/officials`: the administrator registers officials and issues their
//! API tokens. Each change is recorded in `service-audit.jsonl`.

use crate::auth::{AdminRole, Need};
use crate::error::ApiError;
use crate::routes::requests::valid_id;
use crate::state::{blocking, lock, now_rfc3339, service_audit, Core};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use vouch_store::{OfficialRecord, Role, StoreError};

/// The body of POST /v1/officials.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewOfficial {
    pub(crate) id: String,
    pub(crate) agency: String,
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) public_key: Option<String>,
}

fn checked_key(key: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = key else { return Ok(None) };
    let bad = || ApiError::Invalid("public_key: not a base64 Ed25519 public key".into());
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw: [u8; 32] = b64
        .decode(text.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(bad)?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| bad())?;
    Ok(Some(b64.encode(raw)))
}

pub(crate) fn record_of(n: &NewOfficial) -> Result<OfficialRecord, ApiError> {
    if !valid_id(&n.id) {
        return Err(ApiError::Invalid(format!(
            "id: letters, digits, '-', '_' and '.', at most {} bytes",
            vouch_core::limits::ID_BYTES_MAX
        )));
    }
    if !valid_id(&n.agency) {
        return Err(ApiError::Invalid("agency: not a registry id".into()));
    }
    let role = Role::parse(&n.role).ok_or_else(|| {
        ApiError::Invalid(
            "role: one of signer, recipient, disclosure-officer, auditor, administrator".into(),
        )
    })?;
    Ok(OfficialRecord {
        id: n.id.clone(),
        agency: n.agency.clone(),
        role,
        public_key: checked_key(n.public_key.as_deref())?,
        registered_at: now_rfc3339(),
    })
}

/// Registers an official and audits it (under the writer lock).
pub(crate) fn add_official(core: &Core, admin: &str, rec: OfficialRecord) -> Result<(), ApiError> {
    let _w = lock(&core.writer);
    let detail = format!(
        "official {} ({}, {})",
        rec.id,
        rec.agency,
        rec.role.as_str()
    );
    match core.store.add_official(rec) {
        Ok(()) => {}
        Err(StoreError::Exists { .. }) => {
            return Err(ApiError::Conflict("this official is already registered"))
        }
        Err(StoreError::NotFound { .. }) => {
            return Err(ApiError::Invalid("agency: not registered".into()))
        }
        Err(StoreError::Invalid { field, why }) => {
            return Err(ApiError::Invalid(format!("{field}: {why}")))
        }
        Err(e) => return Err(e.into()),
    }
    service_audit(core.store.as_ref(), admin, "official registered", &detail)?;
    Ok(())
}

/// POST /v1/officials
pub(crate) async fn register(
    who: Need<AdminRole>,
    Json(n): Json<NewOfficial>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let rec = record_of(&n)?;
    let core = who.core.clone();
    let admin = who.official.id.clone();
    let body = json!({
        "id": rec.id,
        "agency": rec.agency,
        "role": rec.role.as_str(),
        "registered_at": rec.registered_at,
    });
    blocking(move || add_official(&core, &admin, rec)).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Issues a token for a registered official and audits it; returns the
/// token (shown once) and its record.
pub(crate) fn issue_for(
    core: &Core,
    admin: &str,
    id: &str,
) -> Result<(String, vouch_store::TokenRecord), ApiError> {
    let _w = lock(&core.writer);
    if core.store.official(id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    let (token, rec) = crate::tokens::issue(
        core.store.as_ref(),
        id,
        admin,
        time::OffsetDateTime::now_utc(),
        core.config.token_ttl(),
    )?;
    service_audit(
        core.store.as_ref(),
        admin,
        "token issued",
        &format!("official {id}, token {}", rec.id()),
    )?;
    Ok((token, rec))
}

/// POST /v1/officials/{id}/tokens
pub(crate) async fn issue_token(
    who: Need<AdminRole>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::NotFound);
    }
    let core = who.core.clone();
    let admin = who.official.id.clone();
    let token = blocking(move || {
        let (token, rec) = issue_for(&core, &admin, &id)?;
        Ok(json!({
            "official": id,
            "token": token,
            "token_id": rec.id(),
            "expires_at": rec.expires_at,
        }))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// GET /v1/officials/{id}/tokens: the official's tokens (ids, dates, state; never the token).
pub(crate) async fn list_tokens(
    who: Need<AdminRole>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::NotFound);
    }
    let core = who.core.clone();
    blocking(move || {
        if core.store.official(&id)?.is_none() {
            return Err(ApiError::NotFound);
        }
        let now = time::OffsetDateTime::now_utc();
        let tokens: Vec<Value> = core
            .store
            .tokens()?
            .into_iter()
            .filter(|t| t.official == id)
            .map(|t| {
                json!({
                    "token_id": t.id(),
                    "issued_at": t.issued_at,
                    "issued_by": t.issued_by,
                    "expires_at": t.expires_at,
                    "revoked_at": t.revoked_at,
                    "live": crate::tokens::is_live(&t, now),
                })
            })
            .collect();
        Ok(Json(json!({ "official": id, "tokens": tokens })))
    })
    .await
}

/// POST /v1/tokens/{token_id}/revoke: the token stops working at once, on every node.
pub(crate) async fn revoke_token(
    who: Need<AdminRole>,
    Path(token_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let well_formed = token_id.len() == 16 && token_id.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(ApiError::NotFound);
    }
    let core = who.core.clone();
    let admin = who.official.id.clone();
    blocking(move || {
        let at = revoke(&core, &admin, &token_id)?;
        Ok(Json(json!({ "token_id": token_id, "revoked_at": at })))
    })
    .await
}

/// Revokes a token by its id and audits it; returns when.
pub(crate) fn revoke(core: &Core, admin: &str, token_id: &str) -> Result<String, ApiError> {
    let well_formed = token_id.len() == 16 && token_id.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(ApiError::NotFound);
    }
    let at = now_rfc3339();
    if !core.store.revoke_token(token_id, &at)? {
        return Err(ApiError::NotFound);
    }
    service_audit(
        core.store.as_ref(),
        admin,
        "token revoked",
        &format!("token {token_id}"),
    )?;
    Ok(at)
}
