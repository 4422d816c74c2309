//! `/v1/ledger`: the latest signed checkpoint, inclusion proofs and the
//! ledger's verifier key. The ledger is opened once and shared with the
//! pipeline runs (reopened when another node appended).

use crate::auth::{Caller, Need};
use crate::error::ApiError;
use crate::state::{blocking, lock};
use axum::extract::Query;
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use vouch_app::{valid_id, Auditor, Overseer};
use vouch_core::limits;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// GET /v1/ledger/checkpoint
pub(crate) async fn checkpoint(who: Need<Overseer>) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let cp = ledger.latest_checkpoint().ok_or(ApiError::NotFound)?;
        Ok(Json(json!({
            "origin": cp.checkpoint.origin,
            "tree_size": cp.checkpoint.size,
            "root_hash": b64(&cp.checkpoint.root),
            "signed_note": cp.text(),
        })))
    })
    .await
}

/// The query of a proof.
#[derive(Deserialize)]
pub(crate) struct ProofQuery {
    request: String,
    subject: String,
}

/// GET /v1/ledger/proof?request=..&subject=..
pub(crate) async fn proof(
    who: Need<Auditor>,
    Query(q): Query<ProofQuery>,
) -> Result<Json<Value>, ApiError> {
    if !valid_id(&q.request) || q.subject.is_empty() || q.subject.len() > limits::ID_BYTES_MAX {
        return Err(ApiError::NotFound);
    }
    let core = who.core.clone();
    blocking(move || {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let index = ledger
            .find(&q.request, &q.subject)?
            .ok_or(ApiError::NotFound)?;
        let cp = ledger
            .latest_checkpoint()
            .ok_or(ApiError::NotFound)?
            .clone();
        let bundle = ledger.inclusion_bundle(index, &cp)?;
        Ok(Json(json!({
            "leaf_index": bundle.leaf_index,
            "tree_size": bundle.tree_size,
            "bundle": bundle.to_text(),
        })))
    })
    .await
}

/// GET /v1/ledger/public-key
pub(crate) async fn public_key(who: Caller) -> Result<Json<Value>, ApiError> {
    let core = who.core.clone();
    blocking(move || {
        let verifier = core.ledger_verifier()?;
        Ok(Json(json!({ "verifier": verifier.to_string() })))
    })
    .await
}
