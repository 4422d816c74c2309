//! Authentication and roles as extractors. A handler reaches the store only
//! through a [`Caller`] (or a [`Need`] of a permit), so a handler that
//! forgets to authenticate has nothing to work with; role checks are in the
//! types of the handler's arguments, not in its body. The permits are
//! `vouch_core::authz`'s, the same the application layer checks.
//!
//! Every refusal is a fixed 401 (no, malformed or unknown token; official no
//! longer registered) or 403 (wrong role), telling an attacker nothing about
//! which part failed.

use crate::error::ApiError;
use crate::state::{blocking, AppState, Core};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use std::sync::Arc;
use vouch_app::{Acting, Permit};
use vouch_store::OfficialRecord;

/// Longest accepted `Authorization` header, in bytes.
const AUTH_HEADER_BYTES_MAX: usize = 256;
// Every token the service issues must fit the header it is presented in.
const _: () = assert!("Bearer ".len() + vouch_app::TOKEN_CHARS <= AUTH_HEADER_BYTES_MAX);

/// An authenticated official.
pub struct Caller {
    /// The official's registry record (read at the time of the request).
    pub official: OfficialRecord,
    pub(crate) core: Arc<Core>,
}

impl Caller {
    /// The caller acting in permit `P`, if their role allows it.
    pub(crate) fn acting<P: Permit>(&self) -> Option<Acting<P>> {
        Acting::check(self.official.clone()).ok()
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    if value.len() > AUTH_HEADER_BYTES_MAX {
        return None;
    }
    value.to_str().ok()?.strip_prefix("Bearer ")
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?.to_string();
        let core = state.core.clone();
        let official = blocking(move || Ok(core.app().authenticate(&token)?))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Caller {
            official,
            core: state.core.clone(),
        })
    }
}

/// An authenticated caller whose role is in permit `P` (else 403).
pub struct Need<P: Permit> {
    /// The official, acting in `P`.
    pub acting: Acting<P>,
    pub(crate) core: Arc<Core>,
}

impl<P: Permit> FromRequestParts<AppState> for Need<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let acting = Acting::check(caller.official).map_err(|_| ApiError::Forbidden)?;
        Ok(Need {
            acting,
            core: caller.core,
        })
    }
}
