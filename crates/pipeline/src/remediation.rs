//! Remediation of disclosures found unlawful (issue 17): a reassessment
//! lists the disclosures another policy version would have refused; a
//! remediation withdraws disclosures (a registry change of kind
//! `withdrawal`, logged in the ledger), demands their disposal from each
//! recipient, and tracks the acknowledgments and the certificates of
//! destruction. Until every request of a remediation is certified disposed
//! of, the agency's safeguards are not current (`SAFEGUARDS_NOT_CURRENT`).
//!
//! Both are kept as documents of the state store (`reassessments/<id>`,
//! `remediations/<id>`, each with an index), so every backend and node
//! holds them; a remediation's list of disclosures is bound to its ledger
//! entry by SHA-256.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};
use vouch_store::{StateStore, StoreError};

/// Where reassessments are kept among the store's documents.
pub const REASSESSMENTS: &str = "reassessments";
/// Where remediations are kept among the store's documents.
pub const REMEDIATIONS: &str = "remediations";
const INDEX: &str = "index.json";

/// One disclosure: a subject of a request that was looked up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Disclosure {
    /// The request.
    pub request_id: String,
    /// The requester's reference of the subject.
    pub subject_ref: String,
}

/// A disclosure another policy would have refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusable {
    /// The disclosure.
    #[serde(flatten)]
    pub disclosure: Disclosure,
    /// The codes the other policy gives it.
    pub reasons: Vec<String>,
}

/// A reassessment of past disclosures under another policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reassessment {
    /// Its id.
    pub id: String,
    /// When it was made, and by whom.
    #[serde(with = "vouch_core::timestamp::moment")]
    pub at: OffsetDateTime,
    /// Who made it.
    pub by: String,
    /// The policy version it applied.
    pub policy_version: String,
    /// Requests received on or after this day were reassessed.
    #[serde(with = "vouch_core::timestamp::date_opt")]
    pub since: Option<Date>,
    /// Requests reassessed.
    pub requests: Vec<String>,
    /// Requests whose documents were not available (not reassessed).
    pub skipped: Vec<String>,
    /// Disclosures (subjects looked up) in the requests reassessed.
    pub disclosures: u64,
    /// The disclosures the policy would have refused.
    pub refusable: Vec<Refusable>,
    /// How many of them per reason code.
    pub counts: std::collections::BTreeMap<String, u64>,
}

/// An acknowledgment of a disposal demand by a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgment {
    /// The recipient.
    pub recipient: String,
    /// The day they acknowledged it.
    #[serde(with = "vouch_core::timestamp::date")]
    pub date: Date,
    /// The official who recorded it.
    pub recorded_by: String,
}

/// A remediation: disclosures withdrawn, their disposal demanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// Its id.
    pub id: String,
    /// When it was opened, and by whom.
    #[serde(with = "vouch_core::timestamp::moment")]
    pub opened_at: OffsetDateTime,
    /// Who opened it.
    pub opened_by: String,
    /// Why the disclosures are withdrawn.
    pub reason: String,
    /// The reassessment it came from, if any.
    pub reassessment: Option<String>,
    /// The requesting agency (one remediation per agency).
    pub agency: String,
    /// The disclosures withdrawn, sorted.
    pub disclosures: Vec<Disclosure>,
    /// The registry change logging the withdrawal (once in effect).
    pub change_id: Option<String>,
    /// Acknowledgments of the disposal demands.
    pub acknowledgments: Vec<Acknowledgment>,
}

impl Remediation {
    /// The requests it concerns, sorted.
    pub fn requests(&self) -> Vec<String> {
        let mut r: Vec<String> = self
            .disclosures
            .iter()
            .map(|d| d.request_id.clone())
            .collect();
        r.dedup();
        r
    }

    /// SHA-256 of its list of disclosures (what its ledger entry binds).
    pub fn disclosures_sha256(&self) -> String {
        disclosures_sha256(&self.disclosures)
    }
}

/// SHA-256 of a sorted list of disclosures, hex.
pub fn disclosures_sha256(list: &[Disclosure]) -> String {
    let mut h = Sha256::new();
    for d in list {
        for part in [&d.request_id, &d.subject_ref] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

fn corrupt(what: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "request_documents",
        why: format!("{what}: {why}"),
    }
}

fn index(store: &dyn StateStore, ns: &str) -> Result<Vec<String>, StoreError> {
    Ok(match store.request_blob(ns, INDEX)? {
        Some(b) => serde_json::from_slice(&b).map_err(|e| corrupt(ns, e))?,
        None => Vec::new(),
    })
}

fn put<T: Serialize>(store: &dyn StateStore, ns: &str, id: &str, v: &T) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec_pretty(v).map_err(|e| corrupt(ns, e))?;
    store.put_request_blob(ns, id, &bytes)?;
    let mut ids = index(store, ns)?;
    if !ids.iter().any(|i| i == id) {
        ids.push(id.to_string());
        let b = serde_json::to_vec(&ids).map_err(|e| corrupt(ns, e))?;
        store.put_request_blob(ns, INDEX, &b)?;
    }
    Ok(())
}

fn get<T: for<'de> Deserialize<'de>>(
    store: &dyn StateStore,
    ns: &str,
    id: &str,
) -> Result<Option<T>, StoreError> {
    match store.request_blob(ns, id)? {
        Some(b) => Ok(Some(
            serde_json::from_slice(&b).map_err(|e| corrupt(ns, e))?,
        )),
        None => Ok(None),
    }
}

/// Keeps a reassessment.
pub fn put_reassessment(store: &dyn StateStore, r: &Reassessment) -> Result<(), StoreError> {
    put(store, REASSESSMENTS, &r.id, r)
}

/// A kept reassessment.
pub fn reassessment(store: &dyn StateStore, id: &str) -> Result<Option<Reassessment>, StoreError> {
    get(store, REASSESSMENTS, id)
}

/// Keeps a remediation.
pub fn put_remediation(store: &dyn StateStore, r: &Remediation) -> Result<(), StoreError> {
    put(store, REMEDIATIONS, &r.id, r)
}

/// A kept remediation.
pub fn remediation(store: &dyn StateStore, id: &str) -> Result<Option<Remediation>, StoreError> {
    get(store, REMEDIATIONS, id)
}

/// Every kept remediation, oldest first.
pub fn remediations(store: &dyn StateStore) -> Result<Vec<Remediation>, StoreError> {
    index(store, REMEDIATIONS)?
        .iter()
        .filter_map(|id| remediation(store, id).transpose())
        .collect()
}

/// The day a remediation was done with: when the last of its requests had
/// its disposition certified, each on or after the remediation was opened
/// (a certificate for the earlier response does not cover the demand);
/// `None` while one is not.
pub fn certified_on(store: &dyn StateStore, r: &Remediation) -> Result<Option<Date>, StoreError> {
    let mut last = r.opened_at.date();
    for id in r.requests() {
        let Some(rec) = store.request(&id)? else {
            return Ok(None);
        };
        match rec.disposition_certified {
            Some(d) if d >= r.opened_at.date() => last = last.max(d),
            _ => return Ok(None),
        }
    }
    Ok(Some(last))
}

/// Codes a reassessment leaves out: they judge the registry as it stands
/// now (keys, registrations, the agency's safeguards, court orders), which
/// is not what stood at the request's receipt; the reassessment judges
/// what the letter and its subjects decide under the other policy.
pub const REGISTRY_CODES: [vouch_core::ReasonCode; 6] = [
    vouch_core::ReasonCode::SignatureInvalid,
    vouch_core::ReasonCode::SignerNotAuthorized,
    vouch_core::ReasonCode::RecipientsMissing,
    vouch_core::ReasonCode::SafeguardsNotCurrent,
    vouch_core::ReasonCode::AiNotificationMissing,
    vouch_core::ReasonCode::OrderHalted,
];

/// A registry that vouches for everything a letter names: the rules that
/// depend on the registry pass, so that only the policy's own rules speak.
struct Vouching<'a>(&'a vouch_core::RequestLetter, time::Date);

impl vouch_policy::Registry for Vouching<'_> {
    fn signer(&self, _: &str) -> Option<vouch_policy::SignerInfo> {
        None
    }
    fn is_recipient(&self, _: &str, _: &str) -> bool {
        true
    }
    fn agency(&self, _: &str) -> Option<vouch_policy::AgencyInfo> {
        Some(vouch_policy::AgencyInfo {
            ssr_approved: self.1,
            ai_notifications: self.0.ai_notification_id.iter().cloned().collect(),
            findings: Vec::new(),
            responses: Vec::new(),
            remediations: Vec::new(),
        })
    }
}

/// The request-level and subject-level codes `policy` gives a past
/// request received at `received_at` (the probing guard's verdicts and the
/// registry's aside: see [`REGISTRY_CODES`]).
pub fn rules_under(
    files: &vouch_formats::request::RequestFiles,
    policy: &vouch_policy::PolicyConfig,
    received_at: OffsetDateTime,
) -> (
    Vec<vouch_core::ReasonCode>,
    Vec<Vec<vouch_core::ReasonCode>>,
) {
    let registry = Vouching(&files.letter, received_at.date());
    let mut request = vouch_policy::check_rules(&files.letter, &registry, policy, received_at);
    request.retain(|c| !REGISTRY_CODES.contains(c));
    let subjects = vouch_policy::check_subjects(&files.letter, &files.subjects, policy)
        .reasons
        .into_iter()
        .map(|mut r| {
            // Copies of one person are the guard's verdict, kept as it stood.
            r.retain(|c| *c != vouch_core::ReasonCode::DuplicateSubject);
            r
        })
        .collect();
    (request, subjects)
}
