//! `/v1/officials`, `/v1/registry` and `/v1/tokens`: administrators
//! register officials (two of them, each signing, once the registry is
//! sealed) and issue and revoke API tokens. The rules and the audit trail
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
use vouch_app::{Admin, NewOfficial, Proposal, Registrar, SignedStep, Step};
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

/// The body of POST /v1/officials: the official, and once the registry
/// is sealed the proposing administrator's signature of the proposal
/// statement (POST /v1/registry/statement gives it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterForm {
    pub(crate) id: String,
    pub(crate) agency: String,
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) public_key: Option<String>,
    #[serde(default)]
    pub(crate) at: Option<String>,
    #[serde(default)]
    pub(crate) signature: Option<String>,
}

pub(crate) fn moment(field: &str, text: &str) -> Result<time::OffsetDateTime, ApiError> {
    vouch_core::timestamp::parse(text)
        .ok_or_else(|| ApiError::Invalid(format!("{field}: not an RFC 3339 UTC moment")))
}

pub(crate) fn change_json(c: &vouch_store::RegistryChange) -> Value {
    let t = |m: Option<time::OffsetDateTime>| m.map(vouch_core::timestamp::format);
    json!({
        "change_id": c.id,
        "kind": c.kind,
        "state": vouch_app::ChangeState::of(c).as_str(),
        "summary": c.summary,
        "proposed_by": c.proposed_by,
        "proposed_at": vouch_core::timestamp::format(c.proposed_at),
        "confirmed_by": c.confirmed_by,
        "confirmed_at": t(c.confirmed_at),
        "ledger_index": c.ledger_index,
    })
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

/// POST /v1/officials: a founding registration (one administrator, while
/// the registry is not sealed), or once it is sealed a proposal signed by
/// the calling administrator, pending until a second one confirms.
pub(crate) async fn register(
    who: Need<Admin>,
    Json(form): Json<RegisterForm>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = OfficialForm {
        id: form.id,
        agency: form.agency,
        role: form.role,
        public_key: form.public_key,
    }
    .parse()?;
    let core = who.core.clone();
    match (form.at, form.signature) {
        (Some(at), Some(signature)) => {
            let step = SignedStep {
                official: who.acting.id().into(),
                at: moment("at", &at)?,
                signature,
            };
            let c =
                blocking(move || Ok(core.app().propose(&Proposal::Official(new), step)?)).await?;
            Ok((StatusCode::ACCEPTED, Json(change_json(&c))))
        }
        (None, None) => {
            let by = Registrar::Admin(who.acting);
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
        _ => Err(ApiError::Invalid(
            "at, signature: a proposal needs both".into(),
        )),
    }
}

/// The body of POST /v1/registry/statement.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProposalStatementForm {
    official: OfficialForm,
    at: String,
}

/// POST /v1/registry/statement: the statement the calling administrator
/// signs to propose registering an official at `at`.
pub(crate) async fn proposal_statement(
    who: Need<Admin>,
    Json(form): Json<ProposalStatementForm>,
) -> Result<Json<Value>, ApiError> {
    let new = form.official.parse()?;
    let at = moment("at", &form.at)?;
    proposal_text(
        who.core.clone(),
        Proposal::Official(new),
        who.acting.id().into(),
        at,
    )
    .await
}

/// The change `proposal` by `by` at `at` would be, and the statement its
/// proposer signs: `{change_id, statement}`.
pub(crate) async fn proposal_text(
    core: std::sync::Arc<crate::state::Core>,
    proposal: Proposal,
    by: String,
    at: time::OffsetDateTime,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let app = core.app();
        let draft = app.draft(&proposal, &by, at)?;
        let text = app.change_statement(&draft, Step::Propose, &by, draft.proposed_at);
        Ok(Json(json!({ "change_id": draft.id, "statement": text })))
    })
    .await
}

/// GET /v1/registry: whether the registry is sealed, and every change.
pub(crate) async fn list_changes(who: Need<Admin>) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let app = core.app();
        let changes: Vec<Value> = app.registry_changes()?.iter().map(change_json).collect();
        Ok(Json(
            json!({ "sealed": app.registry_sealed()?, "changes": changes }),
        ))
    })
    .await
}

/// The body of POST /v1/registry/{id}/statement.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AtForm {
    at: String,
}

/// POST /v1/registry/{id}/statement: the statement the calling
/// administrator signs to confirm change `id` at `at`.
pub(crate) async fn confirm_statement(
    who: Need<Admin>,
    Path(id): Path<String>,
    Json(form): Json<AtForm>,
) -> Result<Json<Value>, ApiError> {
    let at = moment("at", &form.at)?;
    let core = who.core.clone();
    blocking(move || {
        let app = core.app();
        let c = app.registry_change(&id)?;
        let text = app.change_statement(&c, Step::Confirm, who.acting.id(), at);
        Ok(Json(json!({ "change_id": c.id, "statement": text })))
    })
    .await
}

/// The body of POST /v1/registry/{id}/confirm.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmForm {
    at: String,
    signature: String,
}

/// POST /v1/registry/{id}/confirm: a second administrator confirms change
/// `id` with their own signature; it takes effect and is logged.
pub(crate) async fn confirm(
    who: Need<Admin>,
    Path(id): Path<String>,
    Json(form): Json<ConfirmForm>,
) -> Result<Json<Value>, ApiError> {
    let step = SignedStep {
        official: who.acting.id().into(),
        at: moment("at", &form.at)?,
        signature: form.signature,
    };
    let core = who.core.clone();
    blocking(move || {
        let c = core.app().confirm_change(&id, step)?;
        Ok(Json(change_json(&c)))
    })
    .await
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
