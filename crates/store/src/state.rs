//! [`StateStore`]: the one interface the pipeline, the application layer,
//! the service and the command line use, whichever store is behind it
//! (SQLite or PostgreSQL in `vouch-store-sql`).
//!
//! Every method is synchronous and durable on return. Implementations are
//! shared between threads (`Send + Sync`) and between processes and nodes:
//! every node sharing a store sees every change at once.

use crate::model::*;
use crate::StoreError;
use std::path::Path;
use time::OffsetDateTime;
use vouch_core::probe::ProbeRecord;
use vouch_ledger::DynLedger;

/// Held while one process (or one node) checks and runs a batch: the
/// probing guard must see every earlier request and the ledger has one
/// writer. Released on drop.
pub trait WriterGuard: Send {}

impl WriterGuard for () {}

/// The state store, as every part of vouch sees it.
pub trait StateStore: Send + Sync + std::fmt::Debug {
    /// Which database this is (`sqlite`, `postgres`), for messages.
    fn backend(&self) -> &'static str;
    /// This node's directory for request uploads and written responses (the
    /// store keeps them too, as request documents, for the other nodes).
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
    /// Stores (or replaces) a document of a request, read from `from` to
    /// its end (documents may be gigabytes: they are never one allocation);
    /// returns its length. Atomic: a reader sees the old document or the
    /// new one, whole.
    fn put_request_document(
        &self,
        request_id: &str,
        name: &str,
        from: &mut dyn std::io::Read,
    ) -> Result<u64, StoreError>;
    /// Deletes a document of a request (every version); false when there
    /// was none.
    fn delete_request_document(&self, request_id: &str, name: &str) -> Result<bool, StoreError>;
    /// Writes a document of a request to `to`; false when there is none.
    fn request_document(
        &self,
        request_id: &str,
        name: &str,
        to: &mut dyn std::io::Write,
    ) -> Result<bool, StoreError>;
    /// Stores a document held in memory (e.g. `checks.csv`).
    fn put_request_blob(
        &self,
        request_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.put_request_document(request_id, name, &mut &bytes[..])
            .map(|_| ())
    }
    /// Reads a document whole into memory.
    fn request_blob(&self, request_id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        Ok(self
            .request_document(request_id, name, &mut out)?
            .then_some(out))
    }
    /// Appends to a request's audit trail.
    fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError>;
    /// A request's audit trail, oldest first.
    fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError>;
    /// Appends to the service's own audit trail (registry and token changes).
    fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// The service's audit trail, oldest first.
    fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError>;

    /// A secret an earlier version kept in the store (read only: the store
    /// never makes a key; the service's keys live in files).
    fn legacy_secret(&self, name: &str) -> Result<Option<[u8; 32]>, StoreError>;
    /// Deletes every secret an earlier version kept in the store.
    fn drop_legacy_secrets(&self) -> Result<(), StoreError>;
    /// Every key of the service registered, current and retired.
    fn service_keys(&self) -> Result<Vec<KeyRecord>, StoreError>;
    /// Registers keys (all or none), retiring the current key of each name.
    fn register_service_keys(&self, keys: &[KeyRecord]) -> Result<(), StoreError>;
    /// Keyed hashes of every held TIN.
    fn held(&self) -> Result<Vec<[u8; 32]>, StoreError>;
    /// Adds (or removes) keyed hashes to the hold list; returns how many changed.
    fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError>;
    /// Records a registry change or its confirmation (by id: a later call
    /// replaces the record).
    fn put_registry_change(&self, change: &RegistryChange) -> Result<(), StoreError>;
    /// Every registry change, oldest proposal first.
    fn registry_changes(&self) -> Result<Vec<RegistryChange>, StoreError>;
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
    fn revoke_token(&self, id: &str, at: OffsetDateTime) -> Result<bool, StoreError>;

    /// Stores a new console session, dropping sessions started before
    /// `expired_before`.
    fn put_session(
        &self,
        session: &SessionRecord,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// A console session by the SHA-256 of its cookie.
    fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Records that a session served a page at `seen_at`.
    fn touch_session(&self, key: &str, seen_at: OffsetDateTime) -> Result<(), StoreError>;
    /// Ends a session.
    fn delete_session(&self, key: &str) -> Result<(), StoreError>;
    /// Records that a session completed its second factor at `at`.
    fn set_session_second_factor(&self, key: &str, at: OffsetDateTime) -> Result<(), StoreError>;
    /// Keeps the state of a WebAuthn ceremony a session started (`purpose`:
    /// `enrol` or `sign-in`), replacing an earlier one of that purpose, and
    /// drops ceremonies started before `expired_before`.
    fn put_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
        state: &str,
        at: OffsetDateTime,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Takes (reads and deletes, so it is used once) a session's ceremony
    /// state of `purpose` and when it started.
    fn take_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError>;

    /// Stores a new enrolment code.
    fn add_enrolment_code(&self, code: &EnrolmentCodeRecord) -> Result<(), StoreError>;
    /// An enrolment code by the hex SHA-256 of its bytes.
    fn enrolment_code(&self, sha256: &str) -> Result<Option<EnrolmentCodeRecord>, StoreError>;
    /// Uses the enrolment code `code_sha256` at `at` and stores `key`, in
    /// one transaction: only when the code is `key.official`'s, unused and
    /// not expired at `at` (else false, nothing changed). A credential id
    /// already enrolled is [`StoreError::Exists`].
    fn enrol_security_key(
        &self,
        code_sha256: &str,
        at: OffsetDateTime,
        key: &SecurityKeyRecord,
    ) -> Result<bool, StoreError>;
    /// An official's enrolled security keys, oldest first.
    fn security_keys(&self, official: &str) -> Result<Vec<SecurityKeyRecord>, StoreError>;
    /// Raises a security key's highest seen signature counter to `count`
    /// (never lowers it); false when it was not lower (a possible clone) or
    /// there is no such key.
    fn raise_sign_count(&self, credential_id: &str, count: u32) -> Result<bool, StoreError>;

    /// Opens the disclosure ledger (reads it whole to rebuild the tree).
    fn open_ledger(&self) -> Result<DynLedger, StoreError>;
    /// Leaves stored in the ledger now (cheap: lets a reader notice that
    /// another node appended), or `None` where no other process can append.
    fn ledger_len(&self) -> Result<Option<u64>, StoreError>;
    /// Takes the writer lock, waiting for another process or node to release it.
    fn writer_lock(&self) -> Result<Box<dyn WriterGuard>, StoreError>;
    /// Closes the store: waits for calls in flight, closes every
    /// connection and releases every lock this handle holds. Later calls
    /// fail with [`StoreError::Closed`]. Idempotent.
    fn close(&self);
}
