//! [`StateStore`]: the one interface the pipeline, the service and the
//! command line use, whichever store is behind it (the embedded file store
//! here, SQLite or PostgreSQL in `vouch-store-sql`).
//!
//! Every method is synchronous and durable on return. Implementations are
//! shared between threads (`Send + Sync`).

use crate::model::*;
use crate::StoreError;
use std::path::Path;
use vouch_core::probe::ProbeRecord;
use vouch_ledger::DynLedger;

/// Held while one process (or one node) checks and runs a batch: the
/// probing guard must see every earlier request and the ledger has one
/// writer. Released on drop.
pub trait WriterGuard: Send {}

impl WriterGuard for () {}

/// The state store, as every part of vouch sees it.
pub trait StateStore: Send + Sync + std::fmt::Debug {
    /// Which store this is (`files`, `sqlite`, `postgres`).
    fn backend(&self) -> &'static str;
    /// The local directory for request uploads and written responses.
    fn files_dir(&self) -> &Path;

    /// Registers an agency.
    fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError>;
    /// Replaces an agency's record.
    fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError>;
    /// An agency by id.
    fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError>;
    /// Every agency, in registration order.
    fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError>;
    /// Registers an official.
    fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError>;
    /// An official by id.
    fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError>;
    /// Every official, in registration order.
    fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError>;

    /// A request's record.
    fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError>;
    /// Every request's record.
    fn requests(&self) -> Result<Vec<RequestRecord>, StoreError>;
    /// Writes a request's record.
    fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError>;
    /// Keeps a document of a request (e.g. `checks.csv`).
    fn put_request_blob(
        &self,
        request_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError>;
    /// A document of a request.
    fn request_blob(&self, request_id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Appends to a request's audit trail.
    fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError>;
    /// A request's audit trail, oldest first.
    fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError>;
    /// Appends to the service's own audit trail (registry and token changes).
    fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// The service's audit trail, oldest first.
    fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError>;

    /// A 32-byte secret, created on first use.
    fn secret(&self, name: &str) -> Result<[u8; 32], StoreError>;
    /// Keyed hashes of every held TIN.
    fn held(&self) -> Result<Vec<[u8; 32]>, StoreError>;
    /// Adds (or removes) keyed hashes to the hold list; returns how many changed.
    fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError>;
    /// The active policy's text, if one was activated.
    fn active_policy(&self) -> Result<Option<String>, StoreError>;
    /// Makes `text` the active policy.
    fn activate_policy(&self, text: &str, activation: &PolicyActivation) -> Result<(), StoreError>;
    /// Every activation, oldest first.
    fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError>;

    /// The probing guard's history.
    fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError>;
    /// Appends to the probing guard's history (all or nothing).
    fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError>;

    /// Stores a new API token.
    fn add_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    /// A token by the hex SHA-256 of its bytes.
    fn token(&self, sha256: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// A token and the official it names, in one read where the store can
    /// (every authenticated request asks this).
    fn token_and_official(
        &self,
        sha256: &str,
    ) -> Result<Option<(TokenRecord, Option<OfficialRecord>)>, StoreError> {
        match self.token(sha256)? {
            Some(t) => {
                let o = self.official(&t.official)?;
                Ok(Some((t, o)))
            }
            None => Ok(None),
        }
    }
    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Marks the token whose id ([`TokenRecord::id`]) is `id` revoked at `at`;
    /// false when no unrevoked token has that id.
    fn revoke_token(&self, id: &str, at: &str) -> Result<bool, StoreError>;

    /// Stores a new console session, dropping sessions started before
    /// `expired_before` (RFC 3339).
    fn put_session(&self, session: &SessionRecord, expired_before: &str) -> Result<(), StoreError>;
    /// A console session by the SHA-256 of its cookie.
    fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Records that a session served a page at `seen_at`.
    fn touch_session(&self, key: &str, seen_at: &str) -> Result<(), StoreError>;
    /// Ends a session.
    fn delete_session(&self, key: &str) -> Result<(), StoreError>;

    /// Opens the disclosure ledger (reads it whole to rebuild the tree).
    fn open_ledger(&self) -> Result<DynLedger, StoreError>;
    /// Leaves stored in the ledger now (cheap: lets a reader notice that
    /// another node appended), or `None` where no other process can append.
    fn ledger_len(&self) -> Result<Option<u64>, StoreError>;
    /// Takes the writer lock, waiting for another process or node to release it.
    fn writer_lock(&self) -> Result<Box<dyn WriterGuard>, StoreError>;
}

/// A boxed store is a store (the command line picks one at run time).
impl<T: StateStore + ?Sized> StateStore for Box<T> {
    fn backend(&self) -> &'static str {
        (**self).backend()
    }
    fn files_dir(&self) -> &Path {
        (**self).files_dir()
    }
    fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        (**self).add_agency(agency)
    }
    fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        (**self).update_agency(agency)
    }
    fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError> {
        (**self).agency(id)
    }
    fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        (**self).agencies()
    }
    fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError> {
        (**self).add_official(official)
    }
    fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError> {
        (**self).official(id)
    }
    fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError> {
        (**self).officials()
    }
    fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError> {
        (**self).request(request_id)
    }
    fn requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        (**self).requests()
    }
    fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        (**self).put_request(record)
    }
    fn put_request_blob(
        &self,
        request_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        (**self).put_request_blob(request_id, name, bytes)
    }
    fn request_blob(&self, request_id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).request_blob(request_id, name)
    }
    fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        (**self).audit(request_id, event)
    }
    fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        (**self).audit_trail(request_id)
    }
    fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        (**self).service_audit(event)
    }
    fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError> {
        (**self).service_audit_trail()
    }
    fn secret(&self, name: &str) -> Result<[u8; 32], StoreError> {
        (**self).secret(name)
    }
    fn held(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        (**self).held()
    }
    fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError> {
        (**self).set_held(keys, add)
    }
    fn active_policy(&self) -> Result<Option<String>, StoreError> {
        (**self).active_policy()
    }
    fn activate_policy(&self, text: &str, activation: &PolicyActivation) -> Result<(), StoreError> {
        (**self).activate_policy(text, activation)
    }
    fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError> {
        (**self).policy_history()
    }
    fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError> {
        (**self).probes()
    }
    fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError> {
        (**self).append_probes(records)
    }
    fn add_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        (**self).add_token(token)
    }
    fn token(&self, sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        (**self).token(sha256)
    }
    fn token_and_official(
        &self,
        sha256: &str,
    ) -> Result<Option<(TokenRecord, Option<OfficialRecord>)>, StoreError> {
        (**self).token_and_official(sha256)
    }
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        (**self).tokens()
    }
    fn revoke_token(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        (**self).revoke_token(id, at)
    }
    fn put_session(&self, session: &SessionRecord, expired_before: &str) -> Result<(), StoreError> {
        (**self).put_session(session, expired_before)
    }
    fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        (**self).session(key)
    }
    fn touch_session(&self, key: &str, seen_at: &str) -> Result<(), StoreError> {
        (**self).touch_session(key, seen_at)
    }
    fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        (**self).delete_session(key)
    }
    fn open_ledger(&self) -> Result<DynLedger, StoreError> {
        (**self).open_ledger()
    }
    fn ledger_len(&self) -> Result<Option<u64>, StoreError> {
        (**self).ledger_len()
    }
    fn writer_lock(&self) -> Result<Box<dyn WriterGuard>, StoreError> {
        (**self).writer_lock()
    }
}
