//! The typed stages. Each type can only be built by the stage function that
//! checks its precondition, so skipping a stage does not compile.

use crate::error::PipelineError;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use time::OffsetDateTime;
use vouch_core::{HoldCode, Outcome, ReasonCode, Tin};
use vouch_formats::request::{read_request_dir, RequestFiles};
use vouch_formats::response::ResponseRow;
use vouch_ledger::{LeafOutcome, LeafRecord};
use vouch_match::{decide::decide, Decision, MasterIndex, MatchQuery};
use vouch_policy::probing::{guard, Keyer, ProbeContext, ProbeHistory, ProbeKeys, ProbeRecord};
use vouch_policy::{check_request, check_subjects, holds, PolicyConfig, Registry};

/// Intake: the request's files, read and hash-checked.
#[derive(Debug)]
pub struct ReceivedRequest {
    /// The files.
    pub files: RequestFiles,
    /// Hex SHA-256 of `request.json`.
    pub letter_sha256: String,
}

/// Reads a request directory.
pub fn receive(dir: &Path) -> Result<ReceivedRequest, PipelineError> {
    let files = read_request_dir(dir)?;
    let letter_sha256 = hex::encode(Sha256::digest(&files.letter_bytes));
    Ok(ReceivedRequest {
        files,
        letter_sha256,
    })
}

/// Policy: the request authenticated and every rule checked.
#[derive(Debug)]
pub struct CheckedBatch {
    /// The request.
    pub received: ReceivedRequest,
    /// Request-level failures (any: every subject is rejected).
    pub request_reasons: Vec<ReasonCode>,
    /// Subject-level failures, per subject.
    pub subject_reasons: Vec<Vec<ReasonCode>>,
    /// Holds for the reviewing officer.
    pub holds: Vec<HoldCode>,
    /// The policy version applied.
    pub policy_version: String,
}

impl CheckedBatch {
    /// Each subject's final reasons: request-level failures apply to all.
    pub fn reasons_of(&self, i: usize) -> Vec<ReasonCode> {
        let mut r = self.request_reasons.clone();
        r.extend_from_slice(&self.subject_reasons[i]);
        r.sort();
        r.dedup();
        r
    }

    /// Whether subject `i` may be looked up once approved.
    pub fn passed(&self, i: usize) -> bool {
        self.request_reasons.is_empty() && self.subject_reasons[i].is_empty()
    }
}

/// Authenticates the letter and checks every rule.
/// What the probing guard needs: the keyed-hash secret and the history.
pub struct ProbeInput<'a> {
    /// Keys subjects with the state store's secret.
    pub keyer: &'a Keyer,
    /// Every stored probe record.
    pub history: &'a [ProbeRecord],
}

/// Authenticates the letter and checks every rule, the probing guard
/// included; returns the batch and the probe records to store for it.
pub fn check(
    received: ReceivedRequest,
    registry: &dyn Registry,
    policy: &PolicyConfig,
    received_at: OffsetDateTime,
    probe: &ProbeInput<'_>,
) -> Result<(CheckedBatch, Vec<ProbeRecord>), PipelineError> {
    let f = &received.files;
    let verdict = check_request(
        &f.letter,
        &f.letter_bytes,
        &f.signature,
        registry,
        policy,
        received_at,
    )
    .map_err(|failure| PipelineError::Refused {
        path: f.dir.join("request.json.sig"),
        failure,
    })?;
    let checks = check_subjects(&f.letter, &f.subjects, policy);
    let mut subject_reasons = checks.reasons;
    let holds = holds(&f.letter, &f.subjects, policy);
    let mut records = Vec::new();
    if verdict.reasons.is_empty() {
        let subjects = (&f.subjects[..], &checks.address_keys[..]);
        records = probing_guard(&f.letter, subjects, &mut subject_reasons, policy, probe);
    }
    let checked = CheckedBatch {
        received,
        request_reasons: verdict.reasons,
        subject_reasons,
        holds,
        policy_version: policy.version(),
    };
    Ok((checked, records))
}

/// Runs the probing guard over the subjects that passed every other rule.
fn probing_guard(
    letter: &vouch_core::RequestLetter,
    (subjects, address_keys): (&[vouch_core::Subject], &[String]),
    reasons: &mut [Vec<ReasonCode>],
    policy: &PolicyConfig,
    probe: &ProbeInput<'_>,
) -> Vec<ProbeRecord> {
    let keys: Vec<Option<ProbeKeys>> = (subjects, address_keys, &*reasons)
        .into_par_iter()
        .map(|(s, a, r)| r.is_empty().then(|| probe.keyer.subject_keys(s, a)))
        .collect();
    let ctx = ProbeContext {
        agency: probe.keyer.key("agency", &letter.agency),
        request: probe.keyer.key("request", &letter.request_id),
        day: letter.submitted_at.date().to_julian_day(),
    };
    let history = ProbeHistory::new(probe.history, ctx.request);
    let (added, records) = guard(&keys, &history, &ctx, policy);
    for (r, a) in reasons.iter_mut().zip(added) {
        r.extend(a);
        r.sort();
    }
    records
}

/// Rebuilds a checked batch from results stored before an interruption.
pub fn checked_from_stored(
    received: ReceivedRequest,
    stored: Vec<(String, Vec<ReasonCode>)>,
    request_reasons: Vec<ReasonCode>,
    policy_version: String,
) -> Result<CheckedBatch, PipelineError> {
    let subjects = &received.files.subjects;
    let same = stored.len() == subjects.len()
        && stored
            .iter()
            .zip(subjects)
            .all(|((r, _), s)| *r == s.subject_ref);
    if !same {
        return Err(PipelineError::Inconsistent {
            request_id: received.files.letter.request_id.clone(),
            why: "stored checks do not match the subjects file".into(),
        });
    }
    let subject_reasons = stored.into_iter().map(|(_, r)| r).collect();
    Ok(CheckedBatch {
        received,
        request_reasons,
        subject_reasons,
        holds: Vec::new(),
        policy_version,
    })
}

/// Approval: a checked batch released by enough disclosure officers.
#[derive(Debug)]
pub struct ApprovedBatch {
    /// The batch.
    pub checked: CheckedBatch,
    /// The officers who released it.
    pub approvers: Vec<String>,
}

/// Releases a batch; `None` while approvals are short or the request was rejected.
pub fn approve(
    checked: CheckedBatch,
    approvers: Vec<String>,
    required: usize,
) -> Result<ApprovedBatch, Box<CheckedBatch>> {
    if !checked.request_reasons.is_empty() || approvers.len() < required.max(1) {
        return Err(Box::new(checked));
    }
    Ok(ApprovedBatch { checked, approvers })
}

/// Matching: one decision per subject that passed, or a replayed outcome.
#[derive(Debug)]
pub struct MatchedBatch {
    /// The batch.
    pub approved: ApprovedBatch,
    /// Per subject: `None` if rejected; the outcome and, for fresh lookups, the decision.
    pub results: Vec<Option<SubjectResult>>,
}

/// One looked-up subject.
#[derive(Debug, Clone)]
pub struct SubjectResult {
    /// CONFIRMED or NOT_CONFIRMED.
    pub outcome: Outcome,
    /// The decision when looked up now; `None` when replayed from the ledger.
    pub decision: Option<Decision>,
    /// The matched taxpayer is on the confidential hold list: answered
    /// NOT_CONFIRMED whatever the match.
    pub held: bool,
}

/// Looks up every passed subject not already in the ledger (`logged`).
pub fn match_batch(
    approved: ApprovedBatch,
    index: &MasterIndex,
    logged: &HashMap<String, LeafOutcome>,
    progress: Option<&std::sync::atomic::AtomicU64>,
) -> MatchedBatch {
    let c = &approved.checked;
    let letter = &c.received.files.letter;
    let results = c
        .received
        .files
        .subjects
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            if let Some(p) = progress {
                p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if !c.passed(i) {
                return None;
            }
            if let Some(o) = logged.get(&s.subject_ref) {
                let outcome = if *o == LeafOutcome::Confirmed {
                    Outcome::Confirmed
                } else {
                    Outcome::NotConfirmed
                };
                return Some(SubjectResult {
                    outcome,
                    decision: None,
                    held: false,
                });
            }
            let dob = vouch_formats::master::parse_date(&s.dob);
            let d = decide(
                index,
                &MatchQuery::from_subject(s, dob, &letter.taxable_periods),
            );
            Some(SubjectResult {
                outcome: d.outcome,
                decision: Some(d),
                held: false,
            })
        })
        .collect();
    MatchedBatch { approved, results }
}

/// Applies the confidential hold list (6103(i)(6)): a confirmation of a held
/// taxpayer becomes NOT_CONFIRMED, indistinguishable in the response.
pub fn apply_hold_list(
    m: &mut MatchedBatch,
    held: &std::collections::HashSet<[u8; 32]>,
    tin_hmac: &(dyn Fn(Tin) -> [u8; 32] + Sync),
) {
    if held.is_empty() {
        return;
    }
    for r in m.results.iter_mut().flatten() {
        let tin = r.decision.as_ref().and_then(|d| d.tin);
        if let Some(t) = tin.filter(|_| r.outcome == Outcome::Confirmed) {
            if held.contains(&tin_hmac(t)) {
                r.outcome = Outcome::NotConfirmed;
                r.held = true;
            }
        }
    }
}

/// Everything a leaf needs besides the subject.
pub struct LeafContext<'a> {
    /// When the lookups ran.
    pub time_unix_ms: u64,
    /// Policy version.
    pub policy_version: &'a str,
    /// Model version.
    pub model_version: &'a str,
    /// Keyed hash of a TIN (HMAC-SHA-256 with a secret outside the ledger).
    pub tin_hmac: &'a (dyn Fn(Tin) -> [u8; 32] + Sync),
}

/// The leaves to append: one per fresh lookup, in subject order.
pub fn leaves_of(m: &MatchedBatch, ctx: &LeafContext<'_>) -> Vec<LeafRecord> {
    let c = &m.approved.checked;
    let request_id = &c.received.files.letter.request_id;
    m.results
        .iter()
        .zip(&c.received.files.subjects)
        .filter_map(|(r, s)| {
            let d = r.as_ref()?.decision.as_ref()?;
            Some(LeafRecord {
                request_id: request_id.clone(),
                subject_ref: s.subject_ref.clone(),
                outcome: match (r.as_ref()?.held, d.outcome) {
                    (true, _) => LeafOutcome::NotConfirmedHeld,
                    (false, Outcome::Confirmed) => LeafOutcome::Confirmed,
                    (false, _) => LeafOutcome::NotConfirmed,
                },
                time_unix_ms: ctx.time_unix_ms,
                policy_version: ctx.policy_version.to_string(),
                model_version: ctx.model_version.to_string(),
                approvers: m.approved.approvers.clone(),
                // A held taxpayer is recorded only as "held", never by TIN.
                tin_hmac: if r.as_ref()?.held {
                    None
                } else {
                    d.tin.map(ctx.tin_hmac)
                },
            })
        })
        .collect()
}

/// Ledger: every lookup of the batch recorded durably, under a signed checkpoint.
#[derive(Debug)]
pub struct LoggedBatch {
    /// The batch.
    pub matched: MatchedBatch,
    /// The checkpoint after the append.
    pub checkpoint: vouch_ledger::note::SignedCheckpoint,
}

/// Marks a batch logged; called only after the append and checkpoint are durable.
pub fn logged(
    matched: MatchedBatch,
    checkpoint: vouch_ledger::note::SignedCheckpoint,
) -> LoggedBatch {
    LoggedBatch {
        matched,
        checkpoint,
    }
}

/// The response rows of a logged batch.
pub fn rows_of_logged(l: &LoggedBatch) -> Vec<ResponseRow> {
    let c = &l.matched.approved.checked;
    c.received
        .files
        .subjects
        .iter()
        .zip(&l.matched.results)
        .enumerate()
        .map(|(i, (s, r))| match r {
            Some(r) => ResponseRow {
                subject_ref: s.subject_ref.clone(),
                outcome: r.outcome,
                reasons: Vec::new(),
            },
            None => ResponseRow {
                subject_ref: s.subject_ref.clone(),
                outcome: Outcome::Rejected,
                reasons: c.reasons_of(i),
            },
        })
        .collect()
}

/// The response rows of a request rejected whole: nothing was looked up.
pub fn rows_of_rejected(c: &CheckedBatch) -> Vec<ResponseRow> {
    c.received
        .files
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| ResponseRow {
            subject_ref: s.subject_ref.clone(),
            outcome: Outcome::Rejected,
            reasons: c.reasons_of(i),
        })
        .collect()
}
