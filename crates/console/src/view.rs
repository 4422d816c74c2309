//! The view models: plain data the server fills from the store, the ledger
//! and the pipeline's results, and the render functions turn into pages.
//!
//! None of them may carry a name, an address, a TIN or a date of birth:
//! subjects appear only by the requester's reference.

use time::{Date, OffsetDateTime};
use vouch_core::{HoldCode, Outcome, OutcomeCounts, ReasonCode};
use vouch_store::{AgencyRecord, Approval, AuditEvent, RequestRecord, RequestStatus};

/// How many subjects were rejected for one reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    /// The reason code (e.g. `DOB_INVALID`, `REPEAT_INQUIRY`).
    pub code: ReasonCode,
    /// Subjects rejected with it (a subject with two codes counts under both).
    pub count: u64,
}

/// One rejected subject shown as a sample on the review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedSample {
    /// The requester's subject reference (never personal data).
    pub subject_ref: String,
    /// Its reason codes.
    pub reasons: Vec<ReasonCode>,
}

/// One batch waiting for a disclosure officer's release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// The requester's id for the batch.
    pub request_id: String,
    /// The requesting agency.
    pub agency: String,
    /// Subjects in the batch.
    pub subject_count: u64,
    /// When it was received.
    pub received_at: OffsetDateTime,
    /// Approvals needed to release (two-person rule).
    pub approvals_required: u32,
    /// Approvals given so far.
    pub approvals: Vec<Approval>,
    /// Holds waiting on a human.
    pub holds: Vec<HoldCode>,
    /// Subject-level rejections per reason code (from the stored checks).
    pub rejections: Vec<ReasonCount>,
    /// A few rejected subjects (reference and codes only).
    pub rejected_sample: Vec<RejectedSample>,
    /// The policy version the batch was checked under.
    pub policy_version: String,
}

impl QueueItem {
    /// The item for a stored record; `rejections` and `rejected_sample` are
    /// left empty for the caller to fill from the stored checks
    /// ([`crate::queue_item`] fills them).
    pub fn from_record(rec: &RequestRecord) -> QueueItem {
        QueueItem {
            request_id: rec.request_id.clone(),
            agency: rec.agency.clone(),
            subject_count: rec.subject_count,
            received_at: rec.received_at,
            approvals_required: rec.approvals_required,
            approvals: rec.approvals.clone(),
            holds: rec.holds.clone(),
            rejections: Vec::new(),
            rejected_sample: Vec::new(),
            policy_version: rec.policy_version.clone(),
        }
    }
}

/// One row of the requests list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// The requester's id.
    pub request_id: String,
    /// The requesting agency, as the letter names it.
    pub agency: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// Subjects in the batch.
    pub subject_count: u64,
    /// When vouch received the request.
    pub received_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl From<&RequestRecord> for RequestRow {
    fn from(rec: &RequestRecord) -> RequestRow {
        RequestRow {
            request_id: rec.request_id.clone(),
            agency: rec.agency.clone(),
            status: rec.status,
            subject_count: rec.subject_count,
            received_at: rec.received_at,
            updated_at: rec.updated_at,
        }
    }
}

/// How far a running batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Subjects processed.
    pub done: u64,
    /// Subjects in the batch.
    pub total: u64,
}

/// One term of a match-weight explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainTerm {
    /// The comparison (`surname`, `given_name`, `dob`, `address`, ...).
    pub field: String,
    /// The level it reached (`exact`, `phonetic`, `missing`, ...).
    pub level: String,
    /// Its weight, log2 of the likelihood ratio.
    pub weight: f64,
}

/// Why one subject got its answer: the best candidate's match weight, term
/// by term. Level names and weights only: no personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The subject reference asked about.
    pub subject_ref: String,
    /// The answer given, if known.
    pub outcome: Option<Outcome>,
    /// The prior, log2 odds.
    pub prior: f64,
    /// One term per comparison, in the matcher's order.
    pub terms: Vec<ExplainTerm>,
    /// The total the matcher computed (prior plus every term).
    pub total: f64,
    /// The confirm threshold, log2 match weight.
    pub threshold: f64,
}

/// Everything the request page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    /// The request's record.
    pub record: RequestRecord,
    /// Its audit trail, oldest first.
    pub events: Vec<AuditEvent>,
    /// How far matching is, while the batch runs (`approved`, `logged`);
    /// absent, the bar starts at 0 of the subject count.
    pub progress: Option<Progress>,
    /// The outcomes, once completed (as `response.json` states them).
    pub outcomes: Option<OutcomeCounts>,
    /// Whether the viewer may download the response (a named recipient, an
    /// auditor, a disclosure officer; the server decides).
    pub can_download: bool,
    /// Whether the viewer may ask why one subject got its answer.
    pub can_explain: bool,
    /// The subject reference last asked about (echoed in the form).
    pub explain_subject: Option<String>,
    /// The explanation for it, when there is one.
    pub explanation: Option<Explanation>,
    /// A generic message when the explanation could not be given (for
    /// example "No subject with that reference was looked up in this request").
    pub explain_message: Option<String>,
}

impl RequestView {
    /// A view of a record and its trail, with nothing else (no progress,
    /// outcomes, downloads or explanations).
    pub fn new(record: RequestRecord, events: Vec<AuditEvent>) -> RequestView {
        RequestView {
            record,
            events,
            progress: None,
            outcomes: None,
            can_download: false,
            can_explain: false,
            explain_subject: None,
            explanation: None,
            explain_message: None,
        }
    }
}

/// The latest signed checkpoint of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointView {
    /// The signed note, exactly as served (C2SP signed-note text).
    pub note: String,
    /// The tree size it commits to.
    pub tree_size: u64,
    /// The root hash, base64.
    pub root_hash: String,
    /// Whether the server verified the note's signature with the log's key.
    pub signature_verified: bool,
}

/// An inclusion proof of one lookup's leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofView {
    /// The leaf's index (0-based).
    pub leaf_index: u64,
    /// The tree size the proof is against.
    pub tree_size: u64,
    /// The leaf hash (`SHA-256(0x00 || leaf)`), base64.
    pub leaf_hash: String,
    /// The proof's hashes, base64, in RFC 9162 order.
    pub proof: Vec<String>,
    /// The root of the tree of `tree_size` leaves, base64.
    pub root_hash: String,
}

/// Everything the ledger page shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerView {
    /// The latest checkpoint (absent while the ledger is empty).
    pub checkpoint: Option<CheckpointView>,
    /// The request id of the lookup form (echoed).
    pub lookup_request: Option<String>,
    /// The subject reference of the lookup form (echoed).
    pub lookup_subject: Option<String>,
    /// A generic message when the lookup found nothing.
    pub lookup_message: Option<String>,
    /// The proof found by the lookup.
    pub proof: Option<ProofView>,
    /// The witnesses the ledger asks to cosign its checkpoints.
    pub witnesses: Vec<WitnessView>,
    /// Cosignatures a checkpoint needs before a response is released.
    pub witness_quorum: usize,
}

/// One witness on the ledger page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessView {
    /// Its name (its key's).
    pub name: String,
    /// Where it is asked.
    pub url: String,
    /// Size of the latest published checkpoint it cosigned.
    pub last_size: Option<u64>,
    /// When it cosigned that one (canonical UTC text).
    pub last_time: Option<String>,
}

/// One ISO week of activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekRow {
    /// The ISO week, `YYYY-Www` (see [`crate::iso_week`]).
    pub week: String,
    /// Requests received.
    pub requests: u64,
    /// Lookups recorded in the ledger.
    pub lookups: u64,
    /// Subjects answered CONFIRMED.
    pub confirmed: u64,
    /// Subjects answered NOT_CONFIRMED.
    pub not_confirmed: u64,
    /// Subjects answered REJECTED.
    pub rejected: u64,
}

/// One requesting official's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialActivity {
    /// The signer's registry id.
    pub signer: String,
    /// The signer's agency.
    pub agency: String,
    /// Requests signed.
    pub requests: u64,
    /// Subjects in them.
    pub subjects: u64,
}

/// The AI-use notifications an agency has on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiNotices {
    /// The requesting agency's registry id.
    pub agency: String,
    /// Its notifications, as filed.
    pub notifications: Vec<String>,
}

impl From<&AgencyRecord> for AiNotices {
    fn from(a: &AgencyRecord) -> AiNotices {
        AiNotices {
            agency: a.id.clone(),
            notifications: a.ai_notifications.clone(),
        }
    }
}

/// A response past its retention date with no disposition certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueDisposition {
    /// The request answered (its `request_id`), linked from the page.
    pub request_id: String,
    /// The agency that holds the response.
    pub agency: String,
    /// When the response was written; `None` for a completed record that
    /// lacks it (listed all the same: fail closed), shown as "unknown".
    pub completed_at: Option<OffsetDateTime>,
    /// When disposition had to be certified; `None` when that cannot be
    /// computed (no completion time), shown as "unknown".
    pub due: Option<Date>,
}

/// Subjects rejected per reason code in one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReasonWeek {
    /// The ISO week, `YYYY-Www`.
    pub week: String,
    /// Rejections per code that week (any order; codes absent count 0).
    pub counts: Vec<ReasonCount>,
}

/// Everything the oversight page shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OversightView {
    /// Activity per ISO week, oldest first.
    pub weeks: Vec<WeekRow>,
    /// Subject rejections per reason code.
    pub rejection_reasons: Vec<ReasonCount>,
    /// Activity per requesting official.
    pub officials: Vec<OfficialActivity>,
    /// AI-use notifications per agency (agencies with none are listed too).
    pub ai_notices: Vec<AiNotices>,
    /// Responses past retention without a disposition certificate.
    pub overdue: Vec<OverdueDisposition>,
    /// Rejection reasons per ISO week, oldest first (the trend).
    pub reason_weeks: Vec<ReasonWeek>,
    /// Reason codes named by responses that this build does not know, with
    /// the subjects counted under each (in neither `rejection_reasons` nor
    /// `reason_weeks`; the page lists them in a warning).
    pub unrecognised_reasons: Vec<(String, u64)>,
    /// Disclosures later withdrawn (remediations in effect), over every
    /// released request.
    pub withdrawn: u64,
}

/// One request released, as the 6103(p)(3) accounting lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingRow {
    /// The request released (its `request_id`).
    pub request_id: String,
    /// The requesting agency.
    pub agency: String,
    /// The requesting officials (the letter's signer).
    pub signers: Vec<String>,
    /// Date of disclosure: when the response was written (`None` for a
    /// completed record that lacks it: an empty CSV cell, "unknown" on the
    /// page).
    pub disclosed_at: Option<OffsetDateTime>,
    /// Subjects in the batch.
    pub subjects: u64,
    /// Subjects answered CONFIRMED.
    pub confirmed: u64,
    /// Subjects answered NOT_CONFIRMED.
    pub not_confirmed: u64,
    /// Subjects answered REJECTED.
    pub rejected: u64,
    /// The disclosure officers who approved the release.
    pub approving_officers: Vec<String>,
    /// The policy version the batch ran under.
    pub policy_version: String,
    /// Disclosures of the batch later withdrawn (a remediation in effect).
    pub withdrawn: u64,
}

/// One API token as the administrator sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The token's public id.
    pub token_id: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it expires, if it does.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// Whether it authenticates now.
    pub live: bool,
}

/// A registered official with their tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialRow {
    /// The registry record.
    pub record: vouch_store::OfficialRecord,
    /// Their tokens, oldest first.
    pub tokens: Vec<TokenRow>,
}

/// A token just issued: shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The official it authenticates.
    pub official: String,
    /// The secret itself, shown this once: the store keeps only its SHA-256.
    pub token: String,
    /// Its public id.
    pub token_id: String,
    /// When it expires.
    pub expires_at: Option<OffsetDateTime>,
}

/// The administrator's page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfficialsView {
    /// Every official.
    pub officials: Vec<OfficialRow>,
    /// Whether the registry is sealed (two administrators with keys): every
    /// change then needs two people.
    pub sealed: bool,
    /// The registry's changes, oldest first.
    pub changes: Vec<ChangeRow>,
    /// A token issued by the action that led here.
    pub new_token: Option<NewToken>,
    /// What went wrong with the action that led here (generic).
    pub message: Option<String>,
}

/// A registry change as the officials page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// The change's id.
    pub id: String,
    /// `official`, `credential`, `policy` or `holds`.
    pub kind: String,
    /// `pending`, `confirmed, not logged` or `in effect`.
    pub state: &'static str,
    /// A data-free line.
    pub summary: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// Who confirmed it.
    pub confirmed_by: Option<String>,
    /// Its ledger entry, once logged.
    pub ledger_index: Option<u64>,
}

/// A registry change waiting for the administrator's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignChangeView {
    /// The change.
    pub change_id: String,
    /// Its summary.
    pub summary: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// The moment the statement names.
    pub at: String,
    /// The text to sign.
    pub statement: String,
}

/// A court order on file, as the orders page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    /// Its id.
    pub id: String,
    /// The court.
    pub court: String,
    /// `halt` or `restrict`.
    pub effect: String,
    /// `all`, `agency:AGENCY` or `pathway:PATHWAY`.
    pub scope: String,
    /// The day it takes effect.
    pub date: time::Date,
    /// The first day it no longer has effect, once lifted.
    pub lifted: Option<time::Date>,
    /// Whether it has effect today.
    pub in_force: bool,
    /// SHA-256 of its document, hex.
    pub document_sha256: String,
}

/// An incident's report for the inspector general and the Office of
/// Safeguards: ids, times and counts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentReportView {
    /// The incident's id.
    pub id: String,
    /// `unauthorized-disclosure`, `unauthorized-access` or `loss`.
    pub kind: String,
    /// What happened, as the official wrote it (checked to carry no TIN,
    /// number or date).
    pub summary: String,
    /// When it was discovered.
    pub discovered_at: OffsetDateTime,
    /// When it was opened, and by whom.
    pub opened_at: OffsetDateTime,
    /// Who opened it.
    pub opened_by: String,
    /// When it was reported.
    pub reported_at: Option<OffsetDateTime>,
    /// Discovery + 24 hours.
    pub deadline: OffsetDateTime,
    /// Reported by the deadline.
    pub reported_on_time: bool,
    /// The affected requests.
    pub requests: Vec<IncidentRequestRow>,
    /// Totals over them.
    pub totals: IncidentRequestRow,
    /// Every recipient named by an affected request.
    pub recipients: Vec<String>,
    /// The corrective steps taken (once closed).
    pub corrective: Vec<String>,
    /// When it was closed.
    pub closed_at: Option<OffsetDateTime>,
}

/// One affected request of an incident (or the totals: empty ids).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncidentRequestRow {
    /// The request.
    pub request_id: String,
    /// The requesting agency.
    pub agency: String,
    /// Its status.
    pub status: String,
    /// Subjects asked about.
    pub subjects: u64,
    /// Address confirmations disclosed.
    pub address_confirmations: u64,
    /// NOT_CONFIRMED answers.
    pub not_confirmed: u64,
    /// Rejected before any lookup.
    pub rejected: u64,
}
