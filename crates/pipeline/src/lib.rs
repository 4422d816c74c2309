//! Runs one request through vouch's stages, each taking the previous stage's
//! typed output: intake (`ReceivedRequest`) → policy (`CheckedBatch`) →
//! approval (`ApprovedBatch`) → matching (`MatchedBatch`) → ledger
//! (`LoggedBatch`) → response.
//!
//! The stage types are private to this crate and each is built only by the
//! stage function that checks its precondition, so a lookup without checks
//! or approval cannot be written, here or anywhere else. Every step's result
//! is recorded in the state store before the next begins, and the ledger is
//! the record of what was looked up: a batch interrupted at any point is
//! resumed by running it again, which replays logged lookups from the
//! ledger and never looks them up twice.
//!
//! The pipeline decides no approval, registers nobody and authorises no
//! one: those are the application layer's (`vouch-app`). It counts the
//! approvals on the request's record against the policy.
#![deny(missing_docs)]

pub mod approval;
mod caseload;
pub mod changes;
mod error;
pub mod explain;
mod limits;
mod registry;
pub mod remediation;
mod run;
mod stages;
pub mod webauthn;
pub mod witnesses;

pub use error::PipelineError;

/// Reads the letter and signature of the request in `dir` (a few hundred
/// kilobytes at most) and authenticates its signer against the registry,
/// before anything else of the request is read or kept: an upload whose
/// letter is not signed by a registered signer of its agency costs the
/// same whatever the size of its subjects file.
pub fn authenticate_letter(
    store: &dyn vouch_store::StateStore,
    dir: &std::path::Path,
) -> Result<(), PipelineError> {
    let letter = stages::receive_letter(dir)?;
    vouch_policy::request::authenticate(
        &letter.letter,
        &letter.letter_bytes,
        &letter.signature,
        &registry::StoreRegistry(store),
    )
    .map_err(|failure| PipelineError::Refused {
        path: dir.join("request.json.sig"),
        failure,
    })
}
pub use run::{
    active_policy, ledger_origin, ledger_verifier, ledger_verifiers, run_request,
    run_request_cached, tin_hasher, Fault, Run, RunConfig, RunReport, RunStatus, StageTiming,
    CHECKS_DOC, LEDGER_KEY_NAME,
};
