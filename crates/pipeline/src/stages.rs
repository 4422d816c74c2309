//! The typed stages. Each type's fields are private to this module and its
//! only constructor is the stage function that checks its precondition, so
//! skipping a stage does not compile: a lookup needs a [`MatchedBatch`],
//! which only [`match_batch`] makes, from an [`ApprovedBatch`], which only
//! [`approve`] makes, from a [`CheckedBatch`], which only [`check`] (or
//! [`checked_from_stored`], from checks recorded by an earlier `check`)
//! makes. None of this is visible outside the crate.

use crate::error::PipelineError;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use time::OffsetDateTime;
use vouch_core::{HoldCode, Outcome, ReasonCode, Tin};
use vouch_formats::request::{read_letter_dir, LetterFiles, RequestFiles};
use vouch_formats::response::ResponseRow;
use vouch_ledger::{LeafOutcome, LeafRecord};
use vouch_match::{decide::decide, Decision, MasterIndex, MatchQuery};
use vouch_policy::probing::{guard, Keyer, ProbeContext, ProbeHistory, ProbeKeys, ProbeRecord};
use vouch_policy::PolicyConfig as Policy;
use vouch_policy::{check_request, check_subjects, holds_of, PolicyConfig, Registry};

/// Intake: the request's files, read and hash-checked.
#[derive(Debug)]
pub(crate) struct ReceivedRequest {
    files: RequestFiles,
    letter_sha256: String,
}

impl ReceivedRequest {
    /// The cover letter parsed from `request.json`.
    pub(crate) fn letter(&self) -> &vouch_core::RequestLetter {
        &self.files.letter
    }

    /// Hex SHA-256 of `request.json`.
    pub(crate) fn letter_sha256(&self) -> &str {
        &self.letter_sha256
    }
}

/// Reads a request directory's letter and signature (bounded).
pub(crate) fn receive_letter(dir: &Path) -> Result<LetterFiles, PipelineError> {
    Ok(read_letter_dir(dir)?)
}

/// Authenticates a letter before anything else of its request is read,
/// then reads its subjects: a letter that is not signed
/// by a registered signer of its agency costs a few hundred kilobytes
/// whatever the size of its subjects file (which is then streamed once
/// through SHA-256 before a row of it is parsed).
pub(crate) fn receive(
    letter: LetterFiles,
    registry: &dyn Registry,
) -> Result<ReceivedRequest, PipelineError> {
    vouch_policy::request::authenticate(
        &letter.letter,
        &letter.letter_bytes,
        &letter.signature,
        registry,
    )
    .map_err(|failure| PipelineError::Refused {
        path: letter.dir.join("request.json.sig"),
        failure,
    })?;
    let files = letter.read_subjects()?;
    let letter_sha256 = hex::encode(Sha256::digest(&files.letter_bytes));
    Ok(ReceivedRequest {
        files,
        letter_sha256,
    })
}

/// Policy: the request authenticated and every rule checked.
#[derive(Debug)]
pub(crate) struct CheckedBatch {
    received: ReceivedRequest,
    /// Request-level failures (any: every subject is rejected).
    request_reasons: Vec<ReasonCode>,
    /// Subject-level failures, per subject.
    subject_reasons: Vec<Vec<ReasonCode>>,
    /// Holds for the reviewing officer.
    holds: Vec<HoldCode>,
    /// The policy version applied.
    policy_version: String,
    /// Per subject: the probing guard saw its name asked with another date
    /// of birth, so it may be confirmed only on the date of birth on file.
    dob_required: Vec<bool>,
}

impl CheckedBatch {
    /// Adds a hold decided beside the letter's own checks (a recipient's
    /// caseload over earlier letters), once.
    pub(crate) fn hold(&mut self, code: HoldCode) {
        if !self.holds.contains(&code) {
            self.holds.push(code);
        }
    }

    /// The request as read at intake, before the checks ran.
    pub(crate) fn received(&self) -> &ReceivedRequest {
        &self.received
    }

    /// The subjects, in file order.
    pub(crate) fn subjects(&self) -> &[vouch_core::Subject] {
        &self.received.files.subjects
    }

    /// Request-level failures (any: every subject is rejected).
    pub(crate) fn request_reasons(&self) -> &[ReasonCode] {
        &self.request_reasons
    }

    /// Subject-level failures, per subject.
    pub(crate) fn subject_reasons(&self) -> &[Vec<ReasonCode>] {
        &self.subject_reasons
    }

    /// Per subject: confirmable only on the date of birth on file.
    pub(crate) fn dob_required(&self) -> &[bool] {
        &self.dob_required
    }

    /// Holds for the reviewing officer.
    pub(crate) fn holds(&self) -> &[HoldCode] {
        &self.holds
    }

    /// The policy version applied.
    pub(crate) fn policy_version(&self) -> &str {
        &self.policy_version
    }

    /// Each subject's final reasons: request-level failures apply to all.
    pub(crate) fn reasons_of(&self, i: usize) -> Vec<ReasonCode> {
        let mut r = self.request_reasons.clone();
        r.extend_from_slice(&self.subject_reasons[i]);
        r.sort();
        r.dedup();
        r
    }

    /// Whether subject `i` may be looked up once approved.
    pub(crate) fn passed(&self, i: usize) -> bool {
        self.request_reasons.is_empty() && self.subject_reasons[i].is_empty()
    }
}

/// What the probing guard needs: the keyed-hash secret and the history.
pub(crate) struct ProbeInput<'a> {
    /// Keys subjects with the state store's secret.
    pub(crate) keyer: &'a Keyer,
    /// Every stored probe record.
    pub(crate) history: &'a [ProbeRecord],
}

/// Authenticates the letter and checks every rule, the probing guard
/// included, as at `received_at` (the receipt clock); returns the batch and
/// the probe records to store for it. `earlier_subjects` is how many
/// subjects the agency sent within the large-batch window before this one;
/// `refused` are request-level refusals decided outside the policy (a
/// court order halting disclosures in the request's scope).
pub(crate) fn check(
    received: ReceivedRequest,
    registry: &dyn Registry,
    policy: &PolicyConfig,
    received_at: OffsetDateTime,
    probe: &ProbeInput<'_>,
    earlier_subjects: u64,
    refused: &[ReasonCode],
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
    let mut verdict = verdict;
    verdict.reasons.extend_from_slice(refused);
    let checks = check_subjects(&f.letter, &f.subjects, policy);
    let mut subject_reasons = checks.reasons;
    let mut holds = holds_of(&f.letter, &checks.texts, policy, earlier_subjects);
    let mut records = Vec::new();
    let mut dob_required = vec![false; f.subjects.len()];
    if verdict.reasons.is_empty() {
        let subjects = (&f.subjects[..], &checks.address_keys[..]);
        let ctx = ProbeContext {
            agency: probe.keyer.key("agency", &f.letter.agency),
            request: probe.keyer.key("request", &f.letter.request_id),
            day: received_at.date().to_julian_day(),
        };
        let guarded = probing_guard(subjects, &mut subject_reasons, policy, probe, &ctx);
        records = guarded.records;
        dob_required = guarded.dob_required;
        if guarded.cross_agency {
            holds.push(HoldCode::CrossAgencyRepeat);
        }
    }
    let checked = CheckedBatch {
        received,
        request_reasons: verdict.reasons,
        subject_reasons,
        holds,
        policy_version: policy.version(),
        dob_required,
    };
    Ok((checked, records))
}

/// Runs the probing guard over the subjects that passed every other rule.
fn probing_guard(
    (subjects, address_keys): (&[vouch_core::Subject], &[String]),
    reasons: &mut [Vec<ReasonCode>],
    policy: &Policy,
    probe: &ProbeInput<'_>,
    ctx: &ProbeContext,
) -> vouch_policy::probing::GuardOutcome {
    let keys: Vec<Option<ProbeKeys>> = (subjects, address_keys, &*reasons)
        .into_par_iter()
        .map(|(s, a, r)| r.is_empty().then(|| probe.keyer.subject_keys(s, a)))
        .collect();
    let history = ProbeHistory::new(probe.history, ctx.request, ctx.day, policy);
    let mut out = guard(&keys, &history, ctx, policy);
    for (r, a) in reasons.iter_mut().zip(&mut out.reasons) {
        r.append(a);
        r.sort();
        r.dedup();
    }
    out
}

/// Rebuilds a checked batch from the results an earlier [`check`] stored
/// (its checks, request-level reasons, holds and policy version).
pub(crate) fn checked_from_stored(
    received: ReceivedRequest,
    stored: Vec<vouch_formats::checks::StoredCheck>,
    record: &vouch_store::RequestRecord,
) -> Result<CheckedBatch, PipelineError> {
    let subjects = &received.files.subjects;
    let same = stored.len() == subjects.len()
        && stored
            .iter()
            .zip(subjects)
            .all(|(c, s)| c.subject_ref == s.subject_ref);
    if !same {
        return Err(PipelineError::Inconsistent {
            request_id: received.files.letter.request_id.clone(),
            why: "stored checks do not match the subjects file".into(),
        });
    }
    let dob_required = stored.iter().map(|c| c.dob_required).collect();
    let subject_reasons = stored.into_iter().map(|c| c.reasons).collect();
    Ok(CheckedBatch {
        received,
        request_reasons: record.request_reasons.clone(),
        subject_reasons,
        holds: record.holds.clone(),
        policy_version: record.policy_version.clone(),
        dob_required,
    })
}

/// Approval: a checked batch released by enough disclosure officers.
#[derive(Debug)]
pub(crate) struct ApprovedBatch {
    checked: CheckedBatch,
    /// The officers who released it.
    approvers: Vec<String>,
}

impl ApprovedBatch {
    /// The checked batch the officers released.
    pub(crate) fn checked(&self) -> &CheckedBatch {
        &self.checked
    }
}

/// Releases a batch; the batch back while approvals are short or the
/// request was rejected.
pub(crate) fn approve(
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
pub(crate) struct MatchedBatch {
    approved: ApprovedBatch,
    /// Per subject: `None` if rejected; the outcome and, for fresh lookups, the decision.
    results: Vec<Option<SubjectResult>>,
}

impl MatchedBatch {
    /// The approved batch these results answer.
    pub(crate) fn approved(&self) -> &ApprovedBatch {
        &self.approved
    }

    /// The weights of every fresh lookup that scored a candidate, with the
    /// subject's position, in position order.
    pub(crate) fn explanations(&self) -> Vec<(u32, vouch_match::Explanation)> {
        self.results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let ex = r.as_ref()?.decision.as_ref()?.explanation?;
                Some((u32::try_from(i).ok()?, ex))
            })
            .collect()
    }
}

/// One looked-up subject.
#[derive(Debug, Clone)]
struct SubjectResult {
    /// CONFIRMED or NOT_CONFIRMED.
    outcome: Outcome,
    /// The decision when looked up now; `None` when replayed from the ledger.
    decision: Option<Decision>,
    /// The matched taxpayer is on the confidential hold list: answered
    /// NOT_CONFIRMED whatever the match.
    held: bool,
}

/// Looks up every passed subject not already in the ledger (`logged`).
/// What the decision needs to withhold a confirmation of a taxpayer asked
/// about at another address within the window (see
/// `ProbeHistory::asked_elsewhere`).
pub(crate) struct Elsewhere<'a> {
    pub(crate) keyer: &'a Keyer,
    /// Earlier requests' asks within the window.
    pub(crate) history: ProbeHistory,
    /// This request's own asks (those the guard passed): a taxpayer two of
    /// them could name at two addresses is not confirmed at either.
    pub(crate) this_request: ProbeHistory,
    /// Receipt day of the request.
    pub(crate) day: i32,
    pub(crate) window: i64,
}

impl Elsewhere<'_> {
    fn withholds(
        &self,
        index: &MasterIndex,
        s: &vouch_core::Subject,
        q: &MatchQuery,
        row: u32,
    ) -> bool {
        let Some(n) = index.latest_name_at(row) else {
            return true; // cannot be checked: fail closed
        };
        let t = self.keyer.taxpayer_keys(
            &n.first_given,
            &n.given_joined,
            &n.paternal,
            &n.second,
            n.dob,
        );
        let key = match &q.address_text {
            Some(text) => self.keyer.key("address", text),
            None => {
                let a = vouch_normalize::standardize_address(&s.street, &s.city, &s.state, &s.zip);
                self.keyer.key("address", &a.match_key())
            }
        };
        let has_dob = vouch_core::timestamp::parse_date(s.dob.trim()).is_some();
        self.history.asked_elsewhere(&t, key, self.day, self.window)
            || self
                .this_request
                .asked_in_request_elsewhere(&t, key, has_dob)
    }
}

/// Subjects matched between two releases of the index's pages.
const MATCH_SLICE: usize = 250_000;

pub(crate) fn match_batch(
    approved: ApprovedBatch,
    index: &MasterIndex,
    logged: &HashMap<String, LeafOutcome>,
    progress: Option<&std::sync::atomic::AtomicU64>,
    elsewhere: &Elsewhere<'_>,
    unit_missing_ok: bool,
) -> MatchedBatch {
    let c = &approved.checked;
    let letter = &c.received.files.letter;
    let subjects = &c.received.files.subjects;
    let mut results = Vec::with_capacity(subjects.len());
    // In slices, the index's pages released after each: the mapped index
    // costs resident memory for what one slice touches, not for all the
    // pages a large batch reads (they stay in the page cache).
    for (k, slice) in subjects.chunks(MATCH_SLICE).enumerate() {
        let part: Vec<Option<SubjectResult>> = slice
            .par_iter()
            .enumerate()
            .map(|(j, s)| {
                let i = k * MATCH_SLICE + j;
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
                let mut q = MatchQuery::from_subject(s, dob, &letter.taxable_periods);
                q.dob_required = c.dob_required[i];
                q.unit_missing_ok = unit_missing_ok;
                let mut d = decide(index, &q);
                if let Some(row) = d.row.filter(|_| d.outcome == Outcome::Confirmed) {
                    if elsewhere.withholds(index, s, &q, row) {
                        d = d.withheld(vouch_match::DecisionReason::AskedElsewhere);
                    }
                }
                Some(SubjectResult {
                    outcome: d.outcome,
                    decision: Some(d),
                    held: false,
                })
            })
            .collect();
        results.extend(part);
        index.release_pages();
    }
    MatchedBatch { approved, results }
}

/// Applies the confidential hold list (6103(i)(6)): a confirmation of a held
/// taxpayer becomes NOT_CONFIRMED, indistinguishable in the response.
pub(crate) fn apply_hold_list(
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
pub(crate) struct LeafContext<'a> {
    /// When the lookups ran.
    pub(crate) time_unix_ms: u64,
    /// Policy version.
    pub(crate) policy_version: &'a str,
    /// Model version.
    pub(crate) model_version: &'a str,
    /// Keyed hash of a TIN (HMAC-SHA-256 with a secret outside the ledger).
    pub(crate) tin_hmac: &'a (dyn Fn(Tin) -> [u8; 32] + Sync),
    /// The digest of the signed approvals that released the batch.
    pub(crate) approvals_sha256: [u8; 32],
}

/// The leaves to append: one per fresh lookup, in subject order.
pub(crate) fn leaves_of(m: &MatchedBatch, ctx: &LeafContext<'_>) -> Vec<LeafRecord> {
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
                approvals_sha256: Some(ctx.approvals_sha256),
            })
        })
        .collect()
}

/// Ledger: every lookup of the batch recorded durably, under a signed checkpoint.
#[derive(Debug)]
pub(crate) struct LoggedBatch {
    matched: MatchedBatch,
    checkpoint: vouch_ledger::note::SignedCheckpoint,
}

impl LoggedBatch {
    /// The checked batch underneath.
    pub(crate) fn checked(&self) -> &CheckedBatch {
        &self.matched.approved.checked
    }

    /// The checkpoint after the append.
    pub(crate) fn checkpoint(&self) -> &vouch_ledger::note::SignedCheckpoint {
        &self.checkpoint
    }
}

/// Marks a batch logged; called only after the append and checkpoint are durable.
pub(crate) fn logged(
    matched: MatchedBatch,
    checkpoint: vouch_ledger::note::SignedCheckpoint,
) -> LoggedBatch {
    LoggedBatch {
        matched,
        checkpoint,
    }
}

/// The response rows of a logged batch.
pub(crate) fn rows_of_logged(l: &LoggedBatch) -> Vec<ResponseRow> {
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
pub(crate) fn rows_of_rejected(c: &CheckedBatch) -> Vec<ResponseRow> {
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
