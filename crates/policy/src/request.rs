//! Request-level rules: a failure rejects every subject of the request.
//!
//! Two failures are not rejections but refusals ([`AuthFailure`]): a letter
//! whose signature does not verify, or whose signer is not a registered
//! signer, is not a request from anyone, so nothing is answered to it.

use crate::config::PolicyConfig;
use ed25519_dalek::{Signature, VerifyingKey};
use time::{Date, OffsetDateTime};
use vouch_core::{ReasonCode, RequestLetter};

/// What the registry knows of a signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    /// The agency the official acts for.
    pub agency: String,
    /// Whether the official holds the signer role.
    pub is_signer: bool,
    /// The registered Ed25519 public key.
    pub public_key: Option<[u8; 32]>,
}

/// What the registry knows of a requesting agency's safeguards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyInfo {
    /// When its Safeguard Security Report was approved.
    pub ssr_approved: Date,
    /// AI-use notifications on file.
    pub ai_notifications: Vec<String>,
    /// Safeguards review findings.
    pub findings: Vec<FindingInfo>,
    /// Earlier responses sent to the agency, for their disposition.
    pub responses: Vec<ResponseInfo>,
    /// Remediations of its disclosures (withdrawn, disposal demanded):
    /// the day each was opened and the day its disposal was certified.
    pub remediations: Vec<(Date, Option<Date>)>,
}

/// A safeguards finding, as the rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingInfo {
    /// Opened on.
    pub opened: Date,
    /// Whether a corrective action plan is on file.
    pub has_plan: bool,
    /// Closed on.
    pub closed: Option<Date>,
}

/// An earlier response, as the disposition rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInfo {
    /// When it was released.
    pub released: Date,
    /// When its disposition (destruction or return) was certified.
    pub disposed: Option<Date>,
}

/// The registry, as the rules need it.
pub trait Registry {
    /// The official `id`, if registered.
    fn signer(&self, id: &str) -> Option<SignerInfo>;
    /// Whether `id` is registered as a recipient of `agency`.
    fn is_recipient(&self, id: &str, agency: &str) -> bool;
    /// The agency `id`, if registered.
    fn agency(&self, id: &str) -> Option<AgencyInfo>;
}

/// Why a letter is refused outright (no response is written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthFailure {
    /// The signer is not a registered official.
    #[error("SIGNER_NOT_AUTHORIZED: signer {signer} is not a registered official")]
    SignerUnregistered {
        /// The signer id in the letter.
        signer: String,
    },
    /// The signer is registered but not as a signer of the letter's agency.
    #[error("SIGNER_NOT_AUTHORIZED: official {signer} holds no signer role for agency {agency}")]
    SignerNotAuthorized {
        /// The signer id.
        signer: String,
        /// The agency in the letter.
        agency: String,
    },
    /// The signature does not verify with the registered key.
    #[error("SIGNATURE_INVALID: signature does not verify with the registered key of {signer}")]
    SignatureInvalid {
        /// The signer id.
        signer: String,
    },
}

impl AuthFailure {
    /// The reason code recorded in the audit trail.
    pub fn code(&self) -> ReasonCode {
        match self {
            AuthFailure::SignatureInvalid { .. } => ReasonCode::SignatureInvalid,
            _ => ReasonCode::SignerNotAuthorized,
        }
    }
}

/// The request-level result for an authenticated letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestVerdict {
    /// Every request-level rule that failed (empty: the request may proceed).
    pub reasons: Vec<ReasonCode>,
}

/// Checks the signature and every request-level rule.
///
/// `received_at` is when vouch received the letter (the only use of a clock:
/// a letter dated after its own receipt is refused).
pub fn check_request(
    letter: &RequestLetter,
    letter_bytes: &[u8],
    signature: &[u8; 64],
    registry: &dyn Registry,
    policy: &PolicyConfig,
    received_at: OffsetDateTime,
) -> Result<RequestVerdict, AuthFailure> {
    authenticate(letter, letter_bytes, signature, registry)?;
    Ok(RequestVerdict {
        reasons: check_rules(letter, registry, policy, received_at),
    })
}

/// Every request-level rule of an authenticated letter (the signature is
/// [`authenticate`]'s; a reassessment of a past request under another
/// policy runs these alone).
pub fn check_rules(
    letter: &RequestLetter,
    registry: &dyn Registry,
    policy: &PolicyConfig,
    received_at: OffsetDateTime,
) -> Vec<ReasonCode> {
    let mut reasons = Vec::new();
    let mut fail = |ok: bool, code: ReasonCode| {
        if !ok {
            reasons.push(code);
        }
    };
    // Every rule is judged at receipt (policy.md, "Which clock"): a letter
    // dated back cannot bring back a safeguards report that has since
    // lapsed, nor a tax year that has since left the look-back.
    let received = received_at.date();
    fail(
        letter.pathway.trim() == "6103(i)(2)",
        ReasonCode::PathwayUnsupported,
    );
    fail(
        letter.requested_items.len() == 1 && letter.requested_items[0] == "address_confirmation",
        ReasonCode::ScopeRequiresCourtOrder,
    );
    fail(
        policy
            .statute_allow_list
            .iter()
            .any(|s| s == letter.statutory_authority.trim())
            && letter.investigation.trim() == "criminal",
        ReasonCode::StatuteNotAllowed,
    );
    fail(
        periods_valid(&letter.taxable_periods, received.year(), policy),
        ReasonCode::PeriodsInvalid,
    );
    fail(
        !letter.recipients.is_empty()
            && letter
                .recipients
                .iter()
                .all(|r| registry.is_recipient(&r.id, &letter.agency)),
        ReasonCode::RecipientsMissing,
    );
    fail(
        attestation_present(&letter.attestation),
        ReasonCode::AttestationMissing,
    );
    let agency = registry.agency(&letter.agency);
    fail(
        safeguards_current(agency.as_ref(), received, policy),
        ReasonCode::SafeguardsNotCurrent,
    );
    fail(
        ai_notification_ok(letter, agency.as_ref()),
        ReasonCode::AiNotificationMissing,
    );
    fail(
        letter.submitted_at <= received_at + time::Duration::seconds(policy.clock_skew_seconds),
        ReasonCode::SubmittedInFuture,
    );
    fail(
        letter.submitted_at >= received_at - time::Duration::days(policy.stale_request_days),
        ReasonCode::StaleRequest,
    );
    reasons
}

/// Checks that `letter_bytes` are signed by the letter's signer, a
/// registered signer of the letter's agency (first of all: nothing else of
/// a request is read before its letter is authenticated).
pub fn authenticate(
    letter: &RequestLetter,
    letter_bytes: &[u8],
    signature: &[u8; 64],
    registry: &dyn Registry,
) -> Result<(), AuthFailure> {
    let signer_id = &letter.signer.id;
    let info = registry
        .signer(signer_id)
        .ok_or_else(|| AuthFailure::SignerUnregistered {
            signer: signer_id.clone(),
        })?;
    let Some(key_bytes) = info
        .public_key
        .filter(|_| info.is_signer && info.agency == letter.agency)
    else {
        return Err(AuthFailure::SignerNotAuthorized {
            signer: signer_id.clone(),
            agency: letter.agency.clone(),
        });
    };
    let invalid = || AuthFailure::SignatureInvalid {
        signer: signer_id.clone(),
    };
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| invalid())?;
    // Strict verification refuses malleable and small-order signatures.
    key.verify_strict(letter_bytes, &Signature::from_bytes(signature))
        .map_err(|_| invalid())
}

fn periods_valid(periods: &[i32], year_now: i32, policy: &PolicyConfig) -> bool {
    let oldest = year_now - policy.lookback_years;
    let mut seen = std::collections::HashSet::new();
    !periods.is_empty()
        && periods
            .iter()
            .all(|&y| y < year_now && y >= oldest && seen.insert(y))
}

fn attestation_present(text: &str) -> bool {
    // A real attestation is a sentence, not a checkbox.
    text.split_whitespace().count() >= 5
}

/// Judged at receipt: what is on file when the request arrives.
fn safeguards_current(agency: Option<&AgencyInfo>, at: Date, policy: &PolicyConfig) -> bool {
    let Some(a) = agency else { return false };
    let age_days = (at - a.ssr_approved).whole_days();
    let open_then =
        |opened: Date, closed: Option<Date>| opened <= at && closed.is_none_or(|c| c > at);
    let finding_unplanned = a
        .findings
        .iter()
        .any(|f| open_then(f.opened, f.closed) && !f.has_plan);
    let overdue = a.responses.iter().any(|r| {
        let due = r.released + time::Duration::days(policy.disposition_days_max);
        due < at && r.disposed.is_none_or(|d| d > at)
    });
    // Disclosures withdrawn and not yet certified destroyed count against
    // the agency until they are.
    let remediating = a
        .remediations
        .iter()
        .any(|&(opened, certified)| open_then(opened, certified));
    (0..=policy.ssr_age_days_max).contains(&age_days)
        && !finding_unplanned
        && !overdue
        && !remediating
}

fn ai_notification_ok(letter: &RequestLetter, agency: Option<&AgencyInfo>) -> bool {
    if !letter.ai_analysis {
        return true;
    }
    match (&letter.ai_notification_id, agency) {
        (Some(id), Some(a)) => a.ai_notifications.iter().any(|n| n == id),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
