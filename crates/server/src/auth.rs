//! Authentication and roles as extractors. A handler reaches the store only
//! through a [`Caller`] (or a [`Need`] of a role), so a handler that forgets
//! to authenticate has nothing to work with; role checks are in the types
//! of the handler's arguments, not in its body.
//!
//! Every refusal is a fixed 401 (no, malformed or unknown token; official no
//! longer registered) or 403 (wrong role), telling an attacker nothing about
//! which part failed.

use crate::error::ApiError;
use crate::state::{blocking, AppState, Core};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use std::marker::PhantomData;
use std::sync::Arc;
use vouch_store::{OfficialRecord, Role, HOME_AGENCY};

/// Longest accepted `Authorization` header, in bytes.
const AUTH_HEADER_BYTES_MAX: usize = 256;
// Every token the service issues must fit the header it is presented in.
const _: () = assert!("Bearer ".len() + crate::tokens::TOKEN_CHARS <= AUTH_HEADER_BYTES_MAX);

/// An authenticated official.
pub struct Caller {
    /// The official's registry record (read at the time of the request).
    pub official: OfficialRecord,
    pub(crate) core: Arc<Core>,
}

impl Caller {
    /// A requester: a signer or recipient of a requesting agency.
    pub fn is_requester(&self) -> bool {
        RequesterRole::allows(&self.official)
    }

    /// A disclosure officer or an auditor of the tax agency (sees every request).
    pub fn is_overseer(&self) -> bool {
        OverseerRole::allows(&self.official)
    }

    /// Whether this caller may see a request of `agency`.
    pub fn may_see(&self, agency: &str) -> bool {
        self.is_overseer() || (self.is_requester() && self.official.agency == agency)
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
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let token = token.to_string();
        let core = state.core.clone();
        let official = blocking(move || {
            let now = time::OffsetDateTime::now_utc();
            Ok(crate::tokens::lookup_official(
                core.store.as_ref(),
                &token,
                now,
            )?)
        })
        .await?
        .ok_or(ApiError::Unauthorized)?;
        Ok(Caller {
            official,
            core: state.core.clone(),
        })
    }
}

/// A set of officials allowed to do something.
pub trait Permit {
    /// Whether the official is in the set.
    fn allows(o: &OfficialRecord) -> bool;
}

/// Signers and recipients of a requesting agency.
pub struct RequesterRole;
/// Disclosure officers of the tax agency.
pub struct OfficerRole;
/// Auditors of the tax agency.
pub struct AuditorRole;
/// Administrators of the tax agency.
pub struct AdminRole;
/// Disclosure officers and auditors (read access to every request and the ledger).
pub struct OverseerRole;

impl Permit for RequesterRole {
    fn allows(o: &OfficialRecord) -> bool {
        matches!(o.role, Role::Signer | Role::Recipient) && o.agency != HOME_AGENCY
    }
}

impl Permit for OfficerRole {
    fn allows(o: &OfficialRecord) -> bool {
        o.role == Role::DisclosureOfficer && o.agency == HOME_AGENCY
    }
}

impl Permit for AuditorRole {
    fn allows(o: &OfficialRecord) -> bool {
        o.role == Role::Auditor && o.agency == HOME_AGENCY
    }
}

impl Permit for AdminRole {
    fn allows(o: &OfficialRecord) -> bool {
        o.role == Role::Administrator && o.agency == HOME_AGENCY
    }
}

impl Permit for OverseerRole {
    fn allows(o: &OfficialRecord) -> bool {
        OfficerRole::allows(o) || AuditorRole::allows(o)
    }
}

/// An authenticated caller whose role is in `P` (else 403).
pub struct Need<P: Permit> {
    /// The caller.
    pub caller: Caller,
    _role: PhantomData<P>,
}

impl<P: Permit> std::ops::Deref for Need<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<P: Permit + Send + Sync> FromRequestParts<AppState> for Need<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !P::allows(&caller.official) {
            return Err(ApiError::Forbidden);
        }
        Ok(Need {
            caller,
            _role: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(agency: &str, role: Role) -> OfficialRecord {
        OfficialRecord {
            id: "x".into(),
            agency: agency.into(),
            role,
            public_key: None,
            registered_at: String::new(),
        }
    }

    #[test]
    fn roles_map_to_permits_and_nothing_else() {
        assert!(RequesterRole::allows(&o("DHS-ICE", Role::Recipient)));
        assert!(RequesterRole::allows(&o("DHS-ICE", Role::Signer)));
        assert!(!RequesterRole::allows(&o(
            HOME_AGENCY,
            Role::DisclosureOfficer
        )));
        assert!(OfficerRole::allows(&o(
            HOME_AGENCY,
            Role::DisclosureOfficer
        )));
        assert!(!OfficerRole::allows(&o(HOME_AGENCY, Role::Auditor)));
        assert!(!OfficerRole::allows(&o("DHS-ICE", Role::DisclosureOfficer)));
        assert!(OverseerRole::allows(&o(HOME_AGENCY, Role::Auditor)));
        assert!(!OverseerRole::allows(&o(HOME_AGENCY, Role::Administrator)));
        assert!(AdminRole::allows(&o(HOME_AGENCY, Role::Administrator)));
        assert!(!AdminRole::allows(&o(HOME_AGENCY, Role::Auditor)));
    }
}
