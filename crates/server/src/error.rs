//! The service's errors. [`ApiError`] is what a handler returns: its response
//! is a fixed status and body per kind, so no internal detail (paths, store
//! messages, values) reaches a client; internal failures are logged with the
//! HTTP request's id (the `x-request-id` of the surrounding span), never with
//! personal data. [`ServerError`] is what starting the service can fail with.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

/// Why a request to the API was refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No valid bearer token.
    #[error("unauthorized")]
    Unauthorized,
    /// Authenticated, but the official's role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// Unknown, or not visible to the caller (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The request conflicts with the state (a fixed, data-free phrase).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The input is invalid: the message names parts, fields and limits only.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The body is larger than its limit.
    #[error("payload too large")]
    TooLarge,
    /// The letter's signature or signer was refused (the reason code).
    #[error("refused: {0}")]
    Refused(&'static str),
    /// One part of an upload is larger than its limit.
    #[error("{part} is larger than {limit} ({limit_bytes} bytes)")]
    PartTooLarge {
        /// The part's name in the multipart body (`subjects.csv`, ...).
        part: &'static str,
        /// The name of the limit.
        limit: &'static str,
        /// The limit, in bytes.
        limit_bytes: u64,
    },
    /// Every batch slot is taken; try again later.
    #[error("busy")]
    Busy {
        /// Seconds to wait before retrying.
        retry_after_s: u32,
    },
    /// Something failed inside the service (logged, never shown).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<vouch_store::StoreError> for ApiError {
    fn from(e: vouch_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// A use case's refusal, as the API answers it: unknown and invisible are
/// both 404; the detail of a failure is logged, never shown.
impl From<vouch_app::AppError> for ApiError {
    fn from(e: vouch_app::AppError) -> Self {
        use vouch_app::AppError as A;
        match e {
            A::Unauthenticated => ApiError::Unauthorized,
            A::Forbidden | A::NotPermitted { .. } => ApiError::Forbidden,
            A::NotFound { .. } => ApiError::NotFound,
            A::Conflict(why) => ApiError::Conflict(why),
            A::Invalid { field, why } => ApiError::Invalid(format!("{field}: {why}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<vouch_pipeline::PipelineError> for ApiError {
    fn from(e: vouch_pipeline::PipelineError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<vouch_ledger::LedgerError> for ApiError {
    fn from(e: vouch_ledger::LedgerError) -> Self {
        ApiError::Internal(format!("ledger: {e}"))
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required".into(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "this role may not do this".into(),
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found".into()),
            ApiError::Conflict(why) => (StatusCode::CONFLICT, "conflict", (*why).into()),
            ApiError::Invalid(why) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", why.clone()),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the body is larger than its limit".into(),
            ),
            ApiError::Refused(code) => (
                StatusCode::FORBIDDEN,
                "signature_refused",
                format!(
                    "{code}: the letter's signature or signer was refused; nothing of the upload was kept"
                ),
            ),
            ApiError::PartTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "too_large", self.to_string())
            }
            ApiError::Busy { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                "every batch slot is taken; retry later".into(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; the service log has the request id".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            // Inside the request's span, so the log line carries its id.
            tracing::error!(error = %detail, "internal error");
        }
        let (status, code, message) = self.parts();
        let body = serde_json::json!({ "error": code, "message": message });
        let mut resp = (status, axum::Json(body)).into_response();
        let headers = resp.headers_mut();
        match self {
            ApiError::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Busy { retry_after_s } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            _ => {}
        }
        resp
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The state store failed (or is locked by another vouch process).
    #[error(transparent)]
    Store(#[from] vouch_store::StoreError),
    /// A file of the service could not be read or written.
    #[error("{path}: {why}")]
    Io {
        /// The file or address that could not be used, as configured.
        path: PathBuf,
        /// What failed.
        why: String,
    },
    /// A file of the service (a TLS certificate or key) is not what it should be.
    #[error("{path}: corrupt: {why}")]
    Corrupt {
        /// The certificate or key file, as configured.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Starting the application failed (the first administrator's token).
    #[error(transparent)]
    App(#[from] vouch_app::AppError),
    /// A setting is unusable.
    #[error("{field}: {why}")]
    Config {
        /// The setting or step (`index`, `batches_max`, `startup`, ...).
        field: &'static str,
        /// Why it cannot be used, without echoing secrets.
        why: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_detail() {
        let resp = ApiError::Internal("/secret/path: corrupt".into()).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let (_, _, msg) = ApiError::Internal("/secret/path".into()).parts();
        assert!(!msg.contains("secret"));
    }

    #[test]
    fn busy_carries_retry_after_and_unauthorized_a_challenge() {
        let resp = ApiError::Busy { retry_after_s: 7 }.into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "7");
        let resp = ApiError::Unauthorized.into_response();
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
