//! Why a use case was refused or failed. Messages name fields, ids and
//! permits, never personal data.

use vouch_store::StoreError;

impl From<vouch_keys::KeyError> for AppError {
    fn from(e: vouch_keys::KeyError) -> Self {
        AppError::Keys(e.to_string())
    }
}

/// A refusal or failure of a use case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// No valid credential.
    #[error("not authenticated")]
    Unauthenticated,
    /// The official's role or agency does not allow this.
    #[error("this role may not do this")]
    Forbidden,
    /// The official named to act is unknown or not in the permit needed.
    #[error("{official}: not {who}")]
    NotPermitted {
        /// The id given.
        official: String,
        /// Who may act.
        who: &'static str,
    },
    /// Unknown, or not visible to the caller (the two are not told apart).
    #[error("{what} {id} is unknown")]
    NotFound {
        /// Kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The state does not allow it now (a fixed, data-free phrase).
    #[error("{0}")]
    Conflict(&'static str),
    /// A value given is invalid.
    #[error("{field}: {why}")]
    Invalid {
        /// The input field or flag it came in (`comment`, `role`, ...).
        field: &'static str,
        /// What is wrong with it, without repeating the value.
        why: String,
    },
    /// The state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A batch run failed.
    #[error(transparent)]
    Pipeline(#[from] vouch_pipeline::PipelineError),
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] vouch_ledger::LedgerError),
    /// A request's approvals are not the signed ones its lookups were
    /// released under (altered, added or removed in the store afterwards).
    #[error("request {request_id}: approvals do not hold: {why}")]
    ApprovalsAltered {
        /// The request.
        request_id: String,
        /// What does not hold.
        why: String,
    },
    /// The service's keys are missing, exposed, malformed, or not the ones
    /// the store was set up with.
    #[error("keys: {0}")]
    Keys(String),
    /// A file of a request (upload or response) could not be read or written.
    #[error("request {request_id}: {why}")]
    Files {
        /// The request whose files they are.
        request_id: String,
        /// What failed.
        why: String,
    },
}
