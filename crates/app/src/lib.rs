//! vouch's application layer: every use case that changes state — the
//! registry and its keys, credentials (API tokens and console sessions),
//! uploads, approvals and denials, batch runs, the release of responses,
//! dispositions, the active policy and the hold list — and who may do each.
//!
//! The command line, the API and the console call [`App`] and hold no rules
//! of their own. Who may act is a type: a use case takes an
//! [`Acting<P>`](Acting), which only [`Acting::check`] builds, from an
//! official whose role and agency are in the permit `P`
//! ([`vouch_core::authz`]); how the caller authenticated the official (an
//! API token, a console session, `--as` on the command line of the machine
//! that holds the state) is the caller's business. Every change is audited
//! with the acting official's id.
//!
//! The state store stores; the pipeline checks and runs a batch; this crate
//! decides who, when and in what order.
#![deny(missing_docs)]

mod changes;
mod credentials;
mod documents;
mod error;
mod governance;
mod incidents;
mod keys;
mod orders;
mod registry;
mod remediation;
mod requests;
mod security_keys;

pub use changes::{ChangeState, Proposal, SignedStep};
pub use credentials::{
    SessionOpened, BOOTSTRAP_ADMIN, IDLE_MAX, LIFETIME_MAX, TOKEN_CHARS, TOUCH_EVERY,
};
pub use documents::{ResponseFile, UPLOAD_FILES, UPLOAD_OPTIONAL_FILES};
pub use error::AppError;
pub use governance::WitnessStatus;
pub use incidents::{
    AffectedRequest, Incident, IncidentKind, IncidentReport, RecordCounts, INCIDENTS, REPORT_WITHIN,
};
pub use keys::KeysMade;
pub use orders::{NewOrder, OrderChange, ORDER_DOCUMENTS};
pub use registry::{NewOfficial, Parties, Registrar};
pub use remediation::{DisposalDemand, RemediationSource, RemediationStatus};
pub use requests::{
    ExplainTerm, Explained, NoExplanation, Rejections, ReleasedCounts, SignedDecision,
    SIGNED_AT_SKEW_MAX,
};
pub use security_keys::{CEREMONY_MAX, ENROLMENT_CODE_TTL, SECURITY_KEYS_MAX};
pub use vouch_core::authz::{
    Admin, AnyOfficial, Auditor, Officer, Overseer, Permit, PolicyOwner, Requester, TaxAgencyStaff,
};
pub use vouch_keys::{KeyName, ServiceKeys};
pub use vouch_pipeline::approval::Decision;
pub use vouch_pipeline::changes::{Order, Step, Vetted};
pub use vouch_pipeline::remediation::{Reassessment, Remediation};
pub use vouch_pipeline::webauthn::RelyingParty;

use std::marker::PhantomData;
use time::OffsetDateTime;
use vouch_store::{AuditAction, AuditEvent, OfficialRecord, StateStore};

/// The application over one state store, with the service's keys where a
/// use case needs them (runs, the hold list, explanations).
#[derive(Clone, Copy)]
pub struct App<'s> {
    store: &'s dyn StateStore,
    keys: Option<&'s ServiceKeys>,
    rp: Option<&'s vouch_pipeline::webauthn::RelyingParty>,
    clock: fn() -> OffsetDateTime,
}

impl std::fmt::Debug for App<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", &self.store).finish()
    }
}

impl<'s> App<'s> {
    /// The application over `store`, without keys (the registry,
    /// credentials, reviews: what needs no key), on the system clock.
    pub fn new(store: &'s dyn StateStore) -> App<'s> {
        App {
            store,
            keys: None,
            rp: None,
            clock: vouch_core::timestamp::now,
        }
    }

    /// The application with the service's keys, once they are checked
    /// against the ids the store registered ([`App::check_keys`]): a key
    /// file swapped for another, or a store set up with other keys, is an
    /// error before anything is signed or hashed with it.
    pub fn with_keys(
        store: &'s dyn StateStore,
        keys: &'s ServiceKeys,
    ) -> Result<App<'s>, AppError> {
        let app = App {
            store,
            keys: Some(keys),
            rp: None,
            clock: vouch_core::timestamp::now,
        };
        app.check_keys()?;
        Ok(app)
    }

    /// [`App::with_keys`] for keys already checked against this store.
    pub fn with_checked_keys(store: &'s dyn StateStore, keys: &'s ServiceKeys) -> App<'s> {
        App {
            store,
            keys: Some(keys),
            rp: None,
            clock: vouch_core::timestamp::now,
        }
    }

    /// The application on another clock (tests of expiry and windows).
    pub fn with_clock(store: &'s dyn StateStore, clock: fn() -> OffsetDateTime) -> App<'s> {
        App {
            store,
            keys: None,
            rp: None,
            clock,
        }
    }

    /// The service's keys, for a use case that needs them.
    fn keys(&self) -> Result<&'s ServiceKeys, AppError> {
        self.keys.ok_or(AppError::Keys(
            "this command needs the service's keys (--keys DIR, $VOUCH_KEYS or STATE/keys)".into(),
        ))
    }

    /// The state store underneath (reads only: changes go through the use cases).
    pub fn store(&self) -> &'s dyn StateStore {
        self.store
    }

    /// The moment now, as this application's clock reads it (tests set it).
    pub fn now(&self) -> OffsetDateTime {
        vouch_core::timestamp::canonical((self.clock)())
    }

    /// The registered official `id`, acting in permit `P`: the command
    /// line's `--as ID`. Unknown, or not in `P`: [`AppError::NotPermitted`].
    pub fn acting<P: Permit>(&self, id: &str) -> Result<Acting<P>, AppError> {
        let official = self.store.official(id)?;
        official
            .and_then(|o| Acting::check(o).ok())
            .ok_or_else(|| AppError::NotPermitted {
                official: id.to_string(),
                who: P::WHO,
            })
    }

    fn event(&self, actor: &str, action: AuditAction, detail: String) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor: actor.into(),
            action,
            detail,
        }
    }

    /// Appends to a request's audit trail.
    fn audit(
        &self,
        request_id: &str,
        actor: &str,
        action: AuditAction,
        detail: String,
    ) -> Result<(), AppError> {
        let event = self.event(actor, action, detail);
        Ok(self.store.audit(request_id, &event)?)
    }

    /// Appends to the service's audit trail (changes that belong to no request).
    fn service_audit(
        &self,
        actor: &str,
        action: AuditAction,
        detail: String,
    ) -> Result<(), AppError> {
        let event = self.event(actor, action, detail);
        Ok(self.store.service_audit(&event)?)
    }
}

/// An official allowed to act in permit `P` (checked when it was built).
pub struct Acting<P: Permit> {
    official: OfficialRecord,
    _permit: PhantomData<P>,
}

impl<P: Permit> Acting<P> {
    /// The official, if their role and agency are in `P`.
    pub fn check(official: OfficialRecord) -> Result<Acting<P>, AppError> {
        if P::allows(official.role, &official.agency) {
            Ok(Acting {
                official,
                _permit: PhantomData,
            })
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The official's record.
    pub fn official(&self) -> &OfficialRecord {
        &self.official
    }

    /// The official's id.
    pub fn id(&self) -> &str {
        &self.official.id
    }
}

impl<P: Permit> Clone for Acting<P> {
    fn clone(&self) -> Self {
        Acting {
            official: self.official.clone(),
            _permit: PhantomData,
        }
    }
}

impl<P: Permit> std::fmt::Debug for Acting<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Acting({} as {})", self.official.id, P::WHO)
    }
}

/// Whether an id (request, official, agency, token owner) is well formed:
/// the request-id alphabet of formats.md (letters, digits, `-`, `_`, `.`,
/// starting with a letter or digit, at most [`vouch_core::limits::ID_BYTES_MAX`]
/// bytes), so it can never leave a directory or smuggle markup.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= vouch_core::limits::ID_BYTES_MAX
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn checked_id(field: &'static str, id: &str) -> Result<(), AppError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(AppError::Invalid {
            field,
            why: format!(
                "1 to {} letters, digits, '-', '_' or '.', starting with a letter or digit",
                vouch_core::limits::ID_BYTES_MAX
            ),
        })
    }
}

/// A comment or reason: required, trimmed, bounded.
fn checked_text(field: &'static str, text: &str) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() || t.len() > vouch_core::limits::TEXT_FIELD_BYTES_MAX {
        return Err(AppError::Invalid {
            field,
            why: format!(
                "required, at most {} bytes",
                vouch_core::limits::TEXT_FIELD_BYTES_MAX
            ),
        });
    }
    Ok(t.to_string())
}
