//! The records the store keeps. Moments are [`OffsetDateTime`]s and dates
//! [`Date`]s (stored as text in one canonical form, see
//! [`vouch_core::timestamp`]); codes are the core enums, so a stored value
//! this build does not know is refused as corrupt rather than dropped.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use vouch_core::timestamp::{date, date_opt, moment, moment_opt};
pub use vouch_core::{HoldCode, ReasonCode, Role, HOME_AGENCY};

/// A requesting agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyRecord {
    /// Registry id (e.g. `DHS-ICE`).
    pub id: String,
    /// When its Safeguard Security Report was approved.
    #[serde(with = "date")]
    pub ssr_approved: Date,
    /// AI-use notifications on file.
    #[serde(default)]
    pub ai_notifications: Vec<String>,
    /// Safeguards review findings.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// When it was registered.
    #[serde(with = "moment")]
    pub registered_at: OffsetDateTime,
}

/// A safeguards review finding against an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The finding's id.
    pub id: String,
    /// When it was opened.
    #[serde(with = "date")]
    pub opened: Date,
    /// The corrective action plan, once one is on file.
    #[serde(default)]
    pub plan: Option<String>,
    /// When it was closed.
    #[serde(default, with = "date_opt")]
    pub closed: Option<Date>,
}

/// A change of the active policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyActivation {
    /// When the policy became active.
    #[serde(with = "moment")]
    pub at: OffsetDateTime,
    /// The official who activated it.
    pub officer: String,
    /// Why (required).
    pub reason: String,
    /// The policy's version.
    pub version: String,
    /// Hex SHA-256 of the policy file.
    pub sha256: String,
}

/// A change to the registry (an official and their key, the active policy,
/// the hold list) that takes effect only once a second person confirms it:
/// proposed and signed by one official, confirmed and signed by a second,
/// distinct administrator, then logged in the ledger. The state store keeps
/// the whole record; the ledger keeps its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChange {
    /// The change's id (derived from its content, proposer and time).
    pub id: String,
    /// `official`, `policy` or `holds`.
    pub kind: String,
    /// The change itself, canonical JSON (no personal data: held TINs only
    /// as keyed hashes).
    pub payload: String,
    /// A data-free line for listings.
    pub summary: String,
    /// Who proposed it (`operator` for a founding registration).
    pub proposed_by: String,
    /// When.
    #[serde(with = "moment")]
    pub proposed_at: OffsetDateTime,
    /// The proposer's signature of the proposal statement (base64); empty
    /// for a founding registration.
    pub proposal_signature: String,
    /// Who confirmed it, once confirmed.
    #[serde(default)]
    pub confirmed_by: Option<String>,
    /// When it was confirmed.
    #[serde(default, with = "moment_opt")]
    pub confirmed_at: Option<OffsetDateTime>,
    /// The confirmer's signature of the confirmation statement (base64).
    #[serde(default)]
    pub confirmation_signature: Option<String>,
    /// The ledger index of its registry entry, once logged.
    #[serde(default)]
    pub ledger_index: Option<u64>,
}

/// A registered official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialRecord {
    /// Registry id.
    pub id: String,
    /// The agency the official acts for.
    pub agency: String,
    /// What the official may do: sign, receive, review, audit or administer.
    pub role: Role,
    /// Base64 Ed25519 public key (signers, disclosure officers).
    #[serde(default)]
    pub public_key: Option<String>,
    /// When it was registered.
    #[serde(with = "moment")]
    pub registered_at: OffsetDateTime,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Checked; waiting for a disclosure officer's approval.
    PendingReview,
    /// Approved; matching and logging under way (or interrupted).
    Approved,
    /// Lookups recorded in the ledger; the response may not be written yet.
    Logged,
    /// Response written.
    Completed,
    /// Rejected whole at request level: no lookups.
    Rejected,
    /// Denied by a disclosure officer: no lookups.
    Denied,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 6] = [
        RequestStatus::PendingReview,
        RequestStatus::Approved,
        RequestStatus::Logged,
        RequestStatus::Completed,
        RequestStatus::Rejected,
        RequestStatus::Denied,
    ];

    /// The stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::PendingReview => "pending_review",
            RequestStatus::Approved => "approved",
            RequestStatus::Logged => "logged",
            RequestStatus::Completed => "completed",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Denied => "denied",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(s: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether a response has been written (CONFIRMED / NOT_CONFIRMED rows
    /// for a completed batch, all REJECTED for a rejected one).
    pub fn has_response(self) -> bool {
        matches!(self, RequestStatus::Completed | RequestStatus::Rejected)
    }

    /// Whether nothing more will happen to the batch.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RequestStatus::Completed | RequestStatus::Rejected | RequestStatus::Denied
        )
    }

    /// Whether it was approved and its run is not finished (a restart resumes it).
    pub fn is_interrupted(self) -> bool {
        matches!(self, RequestStatus::Approved | RequestStatus::Logged)
    }
}

/// One disclosure officer's release of a batch, or denial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The disclosure officer's registry id.
    pub officer: String,
    /// When the officer released or denied the batch.
    #[serde(with = "moment")]
    pub at: OffsetDateTime,
    /// The officer's comment on the release or denial, as entered.
    pub comment: String,
    /// The officer's Ed25519 signature of the decision's statement
    /// (`vouch_pipeline::approval::statement`), base64; `None` on decisions
    /// recorded before decisions were signed (they count for nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A request's record in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The requester's id.
    pub request_id: String,
    /// The requesting agency, as the letter names it (e.g. `DHS-ICE`).
    pub agency: String,
    /// Hex SHA-256 of the exact `request.json` (a re-submission must match).
    pub letter_sha256: String,
    /// Hex SHA-256 of `subjects.csv`, as the letter states and intake
    /// checked (empty on records of earlier versions).
    #[serde(default)]
    pub subjects_sha256: String,
    /// Where the request stands, from pending review to completed,
    /// rejected or denied.
    pub status: RequestStatus,
    /// Subjects in the batch.
    pub subject_count: u64,
    /// Request-level reason codes (non-empty: every subject rejected).
    #[serde(default)]
    pub request_reasons: Vec<ReasonCode>,
    /// Holds waiting on a human.
    #[serde(default)]
    pub holds: Vec<HoldCode>,
    /// Approvals needed to release.
    pub approvals_required: u32,
    /// Approvals given.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Policy version it ran under.
    pub policy_version: String,
    /// A disclosure officer's denial, if denied.
    #[serde(default)]
    pub denial: Option<Approval>,
    /// When the response was written.
    #[serde(default, with = "moment_opt")]
    pub completed_at: Option<OffsetDateTime>,
    /// When the requester certified disposition of the response.
    #[serde(default, with = "date_opt")]
    pub disposition_certified: Option<Date>,
    /// When vouch received the request and ran its checks (UTC, to the
    /// microsecond).
    #[serde(with = "moment")]
    pub received_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "moment")]
    pub updated_at: OffsetDateTime,
}

macro_rules! audit_actions {
    ($( $variant:ident = $text:literal, $doc:literal; )*) => {
        /// What an audit event records. The spellings are stable (they are
        /// stored); a stored spelling this build does not know is corrupt.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction { $(
            #[doc = $doc]
            $variant,
        )* }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(AuditAction::$variant => $text,)* }
            }

            /// Parses the stored spelling.
            pub fn parse(s: &str) -> Option<AuditAction> {
                match s { $($text => Some(AuditAction::$variant),)* _ => None }
            }
        }
    };
}

audit_actions! {
    Uploaded = "uploaded", "A requester uploaded the request over the API.";
    Received = "received", "The request was checked and recorded.";
    Refused = "refused", "The letter's signature or signer was refused: nothing recorded but this.";
    Discarded = "discarded", "A refused upload's files were deleted from the node and the store.";
    Approved = "approved", "A disclosure officer released the batch.";
    Denied = "denied", "A disclosure officer denied the batch: no lookups.";
    Logged = "logged", "The batch's lookups were appended to the ledger.";
    Responded = "responded", "The response was written.";
    Resumed = "resumed", "An interrupted run was started again.";
    Downloaded = "downloaded", "The requesting agency took a file of the response.";
    Explained = "explained", "An overseer read the explanation of one lookup.";
    Disposed = "disposed", "The requester's disposition certificate was recorded.";
    Bootstrap = "bootstrap", "The first administrator's token was issued on first start.";
    AgencyRegistered = "agency registered", "A requesting agency was registered.";
    AgencyChanged = "agency changed", "An agency's safeguards record changed.";
    OfficialRegistered = "official registered", "An official was registered.";
    TokenIssued = "token issued", "An API token was issued.";
    TokenRevoked = "token revoked", "An API token was revoked.";
    SignInRefused = "sign-in refused", "A console sign-in was refused (a wrong or unknown token, an expired form, or too many attempts); its source and a hash of the token's first characters are kept, never the token.";
    SignedIn = "console sign-in", "A console session was opened.";
    SignedOut = "console sign-out", "A console session was closed.";
    HoldsAdded = "hold list: added", "TINs were put on the confidential hold list.";
    HoldsRemoved = "hold list: removed", "TINs were taken off the confidential hold list.";
    PolicyActivated = "policy activated", "A policy file was made the active one.";
    KeysRegistered = "keys registered", "The service's keys were made and their ids registered.";
    KeyRotated = "key rotated", "A signing key was replaced; the old one was retired.";
    ChangeProposed = "registry change proposed", "An official proposed a change to the registry, the policy or the hold list; it waits for a second administrator.";
    ChangeInEffect = "registry change in effect", "A registry change took effect (confirmed by a second administrator, or a founding registration) and was logged in the ledger.";
    EnrolmentCodeIssued = "enrolment code issued", "A one-time security-key enrolment code was issued.";
    SecurityKeyEnrolled = "security key enrolled", "An official enrolled a security key with a one-time code.";
    SecondFactor = "console second factor", "A console session completed its second factor.";
    Cosigned = "cosigned", "The ledger's checkpoint covering the batch carries the witnesses' cosignatures the policy requires.";
    WitnessesWaiting = "witnesses waiting", "Fewer witnesses cosigned the checkpoint than the policy requires (or one said the log was altered): the response is held.";
    IncidentOpened = "incident opened", "An incident (an unauthorised disclosure or access, or a loss) was opened with the moment it was discovered: it must be reported within 24 hours.";
    IncidentReported = "incident reported", "An incident's report (ids, times and counts only) was made for the inspector general and the Office of Safeguards.";
    IncidentClosed = "incident closed", "An incident was closed with the corrective steps taken.";
    Reassessed = "reassessed", "Past disclosures were reassessed under another policy version (nothing looked up).";
    RemediationOpened = "remediation opened", "Disclosures found unlawful were withdrawn (a registry change logged in the ledger) and their disposal demanded.";
    DemandAcknowledged = "disposal demand acknowledged", "A recipient acknowledged a remediation's disposal demand.";
    HeldByOrder = "held by court order", "A court order on file halts disclosures in the batch's scope: the approved batch is held unreleased until it is lifted.";
}

impl Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AuditAction::parse(&text)
            .ok_or_else(|| <D::Error as serde::de::Error>::custom("unknown audit action"))
    }
}

/// Who an audit event names when no official acted.
pub const SYSTEM_ACTOR: &str = "system";

/// One line of an audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When the action took place.
    #[serde(with = "moment")]
    pub at: OffsetDateTime,
    /// Who (an official id or [`SYSTEM_ACTOR`]).
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// Details (counts, codes, ids; never personal data).
    pub detail: String,
}

/// An API token, kept only as the SHA-256 of its 32 random bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Hex SHA-256 of the raw token bytes.
    pub sha256: String,
    /// The official it authenticates.
    pub official: String,
    /// When it was issued.
    #[serde(with = "moment")]
    pub issued_at: OffsetDateTime,
    /// Who issued it.
    pub issued_by: String,
    /// When it stops working, if it expires.
    #[serde(default, with = "moment_opt")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    #[serde(default, with = "moment_opt")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl TokenRecord {
    /// The token's public id: the first 16 hex digits of its hash (shown in
    /// listings and used to revoke it; says nothing about the token itself).
    pub fn id(&self) -> &str {
        self.sha256.get(..16).unwrap_or(&self.sha256)
    }

    /// Whether the token works at `now`: not revoked, not expired.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// One of the service's keys, as the store knows it: its public id only
/// (the key itself lives in a file outside the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's name (`ledger`, `service`, `tin-hmac`, ...).
    pub name: String,
    /// Its public id: a signing key's public key in hex, or a hash that
    /// commits to a secret.
    pub key_id: String,
    /// A signing key's public key, base64 (what it signed verifies with it
    /// after it is retired).
    #[serde(default)]
    pub public_key: Option<String>,
    /// When it was registered.
    #[serde(with = "moment")]
    pub created_at: OffsetDateTime,
    /// When another key of its name replaced it.
    #[serde(default, with = "moment_opt")]
    pub retired_at: Option<OffsetDateTime>,
}

/// A console session, as the store keeps it: the SHA-256 of the cookie's
/// value (never the value), whose token it was opened with, its CSRF
/// secret and when it started and was last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Hex SHA-256 of the session cookie's value.
    pub key: String,
    /// The signed-in official.
    pub official: String,
    /// Hex SHA-256 of the API token the session was opened with.
    pub token_sha256: String,
    /// The session's CSRF secret.
    pub csrf: String,
    /// When it started.
    #[serde(with = "moment")]
    pub started_at: OffsetDateTime,
    /// When a page was last served in it.
    #[serde(with = "moment")]
    pub seen_at: OffsetDateTime,
    /// When the official completed the second factor (a WebAuthn assertion
    /// by one of their enrolled security keys); `None` while it is pending:
    /// such a session may only complete it or enrol a key.
    #[serde(default, with = "moment_opt")]
    pub second_factor_at: Option<OffsetDateTime>,
}

/// A one-time code with which an official enrols a security key, kept only
/// as the SHA-256 of the code. Single use, bound to one official, expiring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentCodeRecord {
    /// Hex SHA-256 of the code's bytes.
    pub sha256: String,
    /// The official who may enrol with it (and nobody else).
    pub official: String,
    /// The administrator who issued it.
    pub issued_by: String,
    /// When it was issued.
    #[serde(with = "moment")]
    pub issued_at: OffsetDateTime,
    /// When it stops working.
    #[serde(with = "moment")]
    pub expires_at: OffsetDateTime,
    /// When it was used (a used code never works again).
    #[serde(default, with = "moment_opt")]
    pub used_at: Option<OffsetDateTime>,
}

impl EnrolmentCodeRecord {
    /// The code's public id: the first 16 hex digits of its hash.
    pub fn id(&self) -> &str {
        self.sha256.get(..16).unwrap_or(&self.sha256)
    }

    /// Whether `official` may enrol with it at `now`: theirs, unused, in time.
    pub fn usable_by(&self, official: &str, now: OffsetDateTime) -> bool {
        self.official == official && self.used_at.is_none() && now < self.expires_at
    }
}

/// An official's enrolled WebAuthn credential (a passkey or FIDO security
/// key): its public key as registered, and the relying party it was
/// registered for (a credential only ever works for that RP id and origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityKeyRecord {
    /// The credential id, base64url (unique across the store).
    pub credential_id: String,
    /// The official it belongs to.
    pub official: String,
    /// The credential as registered (webauthn-rs `Passkey`, JSON): its
    /// public key, algorithm and the counter at registration.
    pub credential: String,
    /// The relying party id it was registered for (e.g. `localhost`).
    pub rp_id: String,
    /// The origin it was registered from (e.g. `https://vouch.example`).
    pub origin: String,
    /// The highest signature counter seen (clone detection on live use).
    pub sign_count: u32,
    /// When it was enrolled.
    #[serde(with = "moment")]
    pub enrolled_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_round_trip_and_unknown_ones_are_refused() {
        let mut seen = std::collections::HashSet::new();
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert!(seen.insert(a.as_str()));
        }
        let e: Result<AuditAction, _> = serde_json::from_str("\"completed\"");
        assert!(e.is_err());
    }

    #[test]
    fn records_written_with_other_precisions_still_read() {
        let json = r#"{"officer":"irs-do-1","at":"2026-01-02T03:04:05Z","comment":"ok"}"#;
        let a: Approval = serde_json::from_str(json).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"officer":"irs-do-1","at":"2026-01-02T03:04:05.000000Z","comment":"ok"}"#
        );
        let bad = r#"{"officer":"irs-do-1","at":"tuesday","comment":"ok"}"#;
        assert!(serde_json::from_str::<Approval>(bad).is_err());
    }

    #[test]
    fn a_token_is_live_until_revoked_or_expired() {
        let now = vouch_core::timestamp::now();
        let mut t = TokenRecord {
            sha256: "ab".repeat(32),
            official: "x".into(),
            issued_at: now,
            issued_by: "y".into(),
            expires_at: Some(now + time::Duration::seconds(1)),
            revoked_at: None,
        };
        assert!(t.is_live(now));
        assert!(!t.is_live(now + time::Duration::seconds(1)));
        t.expires_at = None;
        assert!(t.is_live(now + time::Duration::days(9999)));
        t.revoked_at = Some(now);
        assert!(!t.is_live(now));
    }
}
