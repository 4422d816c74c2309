//! The ledger page: the latest signed checkpoint and, for a lookup asked
//! about, its inclusion proof (checked again in the browser).

use super::Session;
use crate::state::{blocking, lock};
use axum::extract::Query;
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;
use vouch_app::Overseer;
use vouch_console as ui;

/// The query of the ledger page.
#[derive(Deserialize)]
pub(crate) struct LedgerQuery {
    #[serde(default)]
    request: Option<String>,
    #[serde(default)]
    subject: Option<String>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// GET /console/ledger (officers and auditors)
pub(crate) async fn ledger(user: Session<Overseer>, Query(q): Query<LedgerQuery>) -> Response {
    let core = user.core.clone();
    let lookup = match (
        q.request.filter(|s| !s.is_empty()),
        q.subject.filter(|s| !s.is_empty()),
    ) {
        (Some(r), Some(s)) => Some((r, s)),
        _ => None,
    };
    let view = blocking(move || {
        let verifier = core.ledger_verifier()?;
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        let latest = ledger.latest_checkpoint().cloned();
        let mut view = ui::LedgerView {
            checkpoint: latest.as_ref().map(|cp| ui::CheckpointView {
                note: cp.text().to_string(),
                tree_size: cp.checkpoint.size,
                root_hash: b64(&cp.checkpoint.root),
                signature_verified: cp.verify(&verifier).is_ok(),
            }),
            lookup_request: lookup.as_ref().map(|l| l.0.clone()),
            lookup_subject: lookup.as_ref().map(|l| l.1.clone()),
            lookup_message: None,
            proof: None,
            witnesses: Vec::new(),
            witness_quorum: 0,
        };
        let app = core.app();
        for w in app.witnesses(ledger)? {
            view.witnesses.push(ui::WitnessView {
                name: w.name,
                url: w.url,
                last_size: w.last_size,
                last_time: w
                    .last_time
                    .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t as i64).ok())
                    .map(vouch_core::timestamp::format_seconds),
            });
        }
        view.witness_quorum = app.active_policy()?.witness_quorum_of(view.witnesses.len());
        if let (Some((request, subject)), Some(cp)) = (&lookup, &latest) {
            match ledger.find(request, subject)? {
                Some(index) if index < cp.checkpoint.size => {
                    let bundle = ledger.inclusion_bundle(index, cp)?;
                    view.proof = Some(ui::ProofView {
                        leaf_index: bundle.leaf_index,
                        tree_size: bundle.tree_size,
                        leaf_hash: b64(&bundle.leaf_hash),
                        proof: bundle.proof.iter().map(|h| b64(h)).collect(),
                        root_hash: b64(&cp.checkpoint.root),
                    });
                }
                _ => {
                    view.lookup_message =
                        Some("No lookup of that subject in that request is in the ledger.".into())
                }
            }
        }
        Ok(view)
    })
    .await;
    match view {
        Ok(v) => user.page(ui::ledger_page(&user.layout(), &v)),
        Err(e) => user.error(e),
    }
}
