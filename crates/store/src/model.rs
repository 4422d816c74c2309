//! The records the store keeps.

use serde::{Deserialize, Serialize};

/// A role an official holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Signs requests for a requesting agency (agency head or delegate).
    Signer,
    /// Named in requests as a user of the response.
    Recipient,
    /// Releases batches at the tax agency.
    DisclosureOfficer,
    /// Reads everything, changes nothing.
    Auditor,
    /// Manages the registry.
    Administrator,
}

impl Role {
    /// The spelling on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Signer => "signer",
            Role::Recipient => "recipient",
            Role::DisclosureOfficer => "disclosure-officer",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    /// Parses the command-line spelling.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Signer,
            Role::Recipient,
            Role::DisclosureOfficer,
            Role::Auditor,
            Role::Administrator,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// The tax agency's own id in the registry.
pub const HOME_AGENCY: &str = "IRS";

/// A requesting agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyRecord {
    /// Registry id (e.g. `DHS-ICE`).
    pub id: String,
    /// When its Safeguard Security Report was approved (`YYYY-MM-DD`).
    pub ssr_approved: String,
    /// AI-use notifications on file.
    #[serde(default)]
    pub ai_notifications: Vec<String>,
    /// Safeguards review findings.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// When it was registered (RFC 3339).
    pub registered_at: String,
}

/// A safeguards review finding against an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The finding's id.
    pub id: String,
    /// When it was opened (`YYYY-MM-DD`).
    pub opened: String,
    /// The corrective action plan, once one is on file.
    #[serde(default)]
    pub plan: Option<String>,
    /// When it was closed (`YYYY-MM-DD`).
    #[serde(default)]
    pub closed: Option<String>,
}

/// A change of the active policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyActivation {
    /// When (RFC 3339).
    pub at: String,
    /// The officer who activated it.
    pub officer: String,
    /// Why (required).
    pub reason: String,
    /// The policy's version.
    pub version: String,
    /// Hex SHA-256 of the policy file.
    pub sha256: String,
}

/// A registered official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialRecord {
    /// Registry id.
    pub id: String,
    /// The agency the official acts for.
    pub agency: String,
    /// The role.
    pub role: Role,
    /// Base64 Ed25519 public key (signers).
    #[serde(default)]
    pub public_key: Option<String>,
    /// When it was registered (RFC 3339).
    pub registered_at: String,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// One disclosure officer's release of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The officer.
    pub officer: String,
    /// When (RFC 3339).
    pub at: String,
    /// Comment.
    pub comment: String,
}

/// A request's record in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The requester's id.
    pub request_id: String,
    /// The agency.
    pub agency: String,
    /// Hex SHA-256 of the exact `request.json` (a re-submission must match).
    pub letter_sha256: String,
    /// Status.
    pub status: RequestStatus,
    /// Subjects in the batch.
    pub subject_count: u64,
    /// Request-level reason codes (non-empty: every subject rejected).
    #[serde(default)]
    pub request_reasons: Vec<String>,
    /// Holds waiting on a human.
    #[serde(default)]
    pub holds: Vec<String>,
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
    /// When the response was written (RFC 3339).
    #[serde(default)]
    pub completed_at: Option<String>,
    /// When the requester certified disposition of the response (`YYYY-MM-DD`).
    #[serde(default)]
    pub disposition_certified: Option<String>,
    /// Received (RFC 3339).
    pub received_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// One line of a request's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When (RFC 3339).
    pub at: String,
    /// Who (an official id or `system`).
    pub actor: String,
    /// What happened (a short, data-free phrase).
    pub action: String,
    /// Details (counts, codes; never personal data).
    pub detail: String,
}

/// An API token, kept only as the SHA-256 of its 32 random bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Hex SHA-256 of the raw token bytes.
    pub sha256: String,
    /// The official it authenticates.
    pub official: String,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// Who issued it.
    pub issued_by: String,
    /// When it stops working (RFC 3339), if it expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// When it was revoked (RFC 3339), if it was.
    #[serde(default)]
    pub revoked_at: Option<String>,
}

impl TokenRecord {
    /// The token's public id: the first 16 hex digits of its hash (shown in
    /// listings and used to revoke it; says nothing about the token itself).
    pub fn id(&self) -> &str {
        self.sha256.get(..16).unwrap_or(&self.sha256)
    }
}

/// A console session, as the store keeps it: the SHA-256 of the cookie's
/// value (never the value), whose token it was opened with, its CSRF
/// secret and when it started and was last seen (RFC 3339).
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
    pub started_at: String,
    /// When a page was last served in it.
    pub seen_at: String,
}
