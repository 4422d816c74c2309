//! Why a request could not be run. Messages name files, lines, fields,
//! request ids and official ids, never personal data.

use vouch_formats::FormatError;

/// A failure that stops a request (nothing is answered).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A file of the request could not be read.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The letter is not from a registered signer, or its signature fails.
    #[error("{path}: line 1: field signature: {failure}")]
    Refused {
        /// The signature file.
        path: std::path::PathBuf,
        /// Which check failed: an unregistered or unauthorised signer, or a
        /// signature that does not verify.
        failure: vouch_policy::AuthFailure,
    },
    /// The state store failed.
    #[error(transparent)]
    Store(#[from] vouch_store::StoreError),
    /// The ledger failed or is corrupt: stop.
    #[error("ledger: {0}")]
    Ledger(#[from] vouch_ledger::LedgerError),
    /// The request id was used before for a different letter.
    #[error("request {request_id}: this request_id was already used for a different request.json")]
    IdReused {
        /// The `request_id` of the new letter, already recorded for a letter
        /// with another SHA-256.
        request_id: String,
    },
    /// A stored record disagrees with the ledger or the request.
    #[error("request {request_id}: state is inconsistent: {why}")]
    Inconsistent {
        /// The request whose stored record disagrees.
        request_id: String,
        /// What disagrees.
        why: String,
    },
    /// A key is missing, different from the one registered, or unusable.
    #[error("keys: {0}")]
    Keys(String),
    /// A simulated crash (recovery tests only).
    #[error("injected fault")]
    InjectedFault,
    /// Writing the response failed.
    #[error("response: {0}")]
    Response(String),
    /// The registry the ledger logs does not replay (a change altered,
    /// missing, or not signed as the two-person rule requires).
    #[error("registry: {0}")]
    Registry(#[from] crate::changes::RegistryError),
    /// Fewer witnesses cosigned the checkpoint than the policy's quorum:
    /// the response is not released (the batch stays logged and resumes
    /// when run again).
    #[error("witnesses: {have} of the {need} cosignatures the policy requires; the response waits (run the batch again once the witnesses answer): {detail}")]
    WitnessQuorum {
        /// Cosignatures the checkpoint carries.
        have: usize,
        /// Cosignatures required.
        need: usize,
        /// Each witness that did not cosign, and why.
        detail: String,
    },
    /// A court order on file halts disclosures in the batch's scope: the
    /// approved batch is held unreleased (run it again once it is lifted).
    #[error("request {request_id}: court order {order} halts disclosures in its scope; the approved batch is held unreleased until the order is lifted (then run it again)")]
    OrderHalt {
        /// The request.
        request_id: String,
        /// The order.
        order: String,
    },
    /// A witness says the stored log is not an extension of what it
    /// cosigned (truncated, rolled back or rewritten): nothing is released.
    #[error("witnesses: the stored ledger is not what the witnesses cosigned: {detail}")]
    WitnessTamper {
        /// Each witness that refused, and why.
        detail: String,
    },
}
