//! The explanation of one subject's decision for the console's waterfall:
//! the subject is matched again against the loaded index and the best
//! candidate's weights are shown, field by field, against the threshold.
//!
//! Only for subjects the ledger shows were looked up (after approval): an
//! explanation must never be a way to look someone up. The answer shown is
//! the one the ledger recorded (a held taxpayer stays NOT_CONFIRMED). Each
//! explanation goes to the request's audit trail. Shown to the tax agency's officers and
//! auditors only (the caller checks); levels and weights, no master data.

use crate::error::ApiError;
use crate::state::{lock, Core};
use std::sync::Arc;
use vouch_console as ui;
use vouch_match::decide::decide;
use vouch_match::model::COMPARISONS;
use vouch_match::{MasterIndex, MatchQuery};
use vouch_store::RequestStatus;

/// The index for explanations, loaded on first use and kept while its
/// files are unchanged (`vouch index extend` rewrites them: reloaded then).
pub(crate) type IndexCache = std::sync::Mutex<Option<(IndexStamp, Arc<MasterIndex>)>>;

/// Length and modification time of each index file.
type IndexStamp = Vec<(u64, Option<std::time::SystemTime>)>;

fn stamp(dir: &std::path::Path) -> Result<IndexStamp, ApiError> {
    [
        vouch_match::index::INDEX_FILE,
        vouch_match::index::MODEL_FILE,
    ]
    .iter()
    .map(|name| {
        let m = std::fs::metadata(dir.join(name))
            .map_err(|e| ApiError::Internal(format!("index: {name}: {e}")))?;
        Ok((m.len(), m.modified().ok()))
    })
    .collect()
}

fn index(core: &Core) -> Result<Arc<MasterIndex>, ApiError> {
    let now = stamp(&core.index_dir)?;
    let mut cached = lock(&core.explain_index);
    if let Some((at, ix)) = cached.as_ref() {
        if *at == now {
            return Ok(ix.clone());
        }
    }
    let ix = Arc::new(
        MasterIndex::load(&core.index_dir)
            .map_err(|e| ApiError::Internal(format!("index: {e}")))?,
    );
    *cached = Some((now, ix.clone()));
    Ok(ix)
}

/// Explains `subject_ref` of request `request_id`: `Ok(Err(message))` when
/// there is nothing to explain (not looked up, unknown subject).
pub(crate) fn explain(
    core: &Core,
    request_id: &str,
    subject_ref: &str,
    actor: &str,
) -> Result<Result<ui::Explanation, String>, ApiError> {
    let r = core.store.request(request_id)?.ok_or(ApiError::NotFound)?;
    if r.status != RequestStatus::Completed {
        return Ok(Err(
            "Decisions can be explained once the batch is completed.".into(),
        ));
    }
    // What was answered is what the ledger recorded (a held taxpayer was
    // answered NOT_CONFIRMED whatever the weights say).
    let answered = {
        let mut w = lock(&core.writer);
        let ledger = w.ledger(core.store.as_ref())?;
        match ledger.find(request_id, subject_ref)? {
            Some(i) => Some(ledger.leaf(i)?.outcome),
            None => None,
        }
    };
    let Some(answered) = answered else {
        return Ok(Err(
            "That subject was not looked up in this request (rejected, or no such reference)."
                .into(),
        ));
    };
    if !crate::shared_files::upload_here(core, request_id)? {
        return Ok(Err(
            "The request's files are not available on this node.".into()
        ));
    }
    let dir = core.uploads_dir().join(request_id);
    let files = vouch_formats::request::read_request_dir(&dir)
        .map_err(|e| ApiError::Internal(format!("request {request_id}: {e}")))?;
    let Some(s) = files.subjects.iter().find(|s| s.subject_ref == subject_ref) else {
        return Ok(Err("That subject is not in the request's files.".into()));
    };
    let ix = index(core)?;
    let dob = vouch_formats::master::parse_date(&s.dob);
    let d = decide(
        &ix,
        &MatchQuery::from_subject(s, dob, &files.letter.taxable_periods),
    );
    core.audit(
        request_id,
        actor,
        "explained",
        &format!("subject {subject_ref}"),
    )?;
    let Some(ex) = d.explanation else {
        return Ok(Err(
            "No candidate was scored for this subject (nobody in its blocks).".into(),
        ));
    };
    let mut terms: Vec<ui::ExplainTerm> = COMPARISONS
        .iter()
        .map(|c| {
            let level = c
                .levels()
                .get(ex.levels[*c as usize] as usize)
                .copied()
                .unwrap_or("?");
            ui::ExplainTerm {
                field: c.name().to_string(),
                level: level.to_string(),
                weight: f64::from(ex.weights[*c as usize]),
            }
        })
        .collect();
    if ex.swap != 0.0 {
        terms.push(ui::ExplainTerm {
            field: "name order".into(),
            level: "swapped".into(),
            weight: f64::from(ex.swap),
        });
    }
    Ok(Ok(ui::Explanation {
        subject_ref: subject_ref.to_string(),
        outcome: Some(
            match answered {
                vouch_ledger::LeafOutcome::Confirmed => "CONFIRMED",
                _ => "NOT_CONFIRMED",
            }
            .to_string(),
        ),
        prior: f64::from(ex.prior),
        terms,
        total: f64::from(ex.total),
        threshold: ix.model().threshold,
    }))
}
