//! Orchestration: runs (or resumes) one request against the state store, the
//! ledger and the master index, recording each step before taking the next.
//!
//! A [`Run`] holds the store's writer lock from intake to response. Between
//! [`Run::start`] (intake and checks, or the checks an earlier run recorded)
//! and [`Run::finish`] (approval, matching, ledger, response) the caller may
//! record approvals on the request's record through [`Run::review`]: the
//! application layer does so for the command line's `--approve-as`, under
//! the same lock, so nothing can change the record in between. The
//! pipeline itself decides no approval: it counts those on the record.

use crate::error::PipelineError;
use crate::registry::StoreRegistry;
use crate::stages::*;
use ed25519_dalek::Signer;
use hmac::{Hmac, Mac};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use vouch_core::{HoldCode, Tin};
use vouch_formats::response::{
    build_json, build_statement, write_response, CheckpointDto, ResponseRow, ResponseSummary,
    SignatureDto,
};
use vouch_keys::{KeyName, ServiceKeys};
use vouch_ledger::note::SignedCheckpoint;
use vouch_ledger::DynLedger;
use vouch_match::MasterIndex;
use vouch_policy::PolicyConfig;
use vouch_store::{
    AuditAction, AuditEvent, RequestRecord, RequestStatus, StateStore, WriterGuard, SYSTEM_ACTOR,
};

/// The inputs of one run.
pub struct RunConfig<'a> {
    /// The service's keys (signing checkpoints and responses, keying the
    /// hashes of TINs and of the probing history, encrypting explanations).
    pub keys: &'a ServiceKeys,
    /// The request directory.
    pub request_dir: &'a Path,
    /// The master index directory (loaded only if something must be looked up).
    pub index_dir: &'a Path,
    /// Where the response goes.
    pub out_dir: &'a Path,
    /// The active policy.
    pub policy: &'a PolicyConfig,
    /// The moment of receipt: what the rules judge the letter against
    /// (safeguards, order ages, probing windows), the request's received
    /// time and the lookups' time in the ledger. Audit events carry the
    /// wall clock of the moment they are written.
    pub now: OffsetDateTime,
    /// Crash simulation for recovery tests: stop right after this point.
    #[doc(hidden)]
    pub fault: Option<Fault>,
    /// Counts subjects matched so far (for a progress display), if given.
    pub progress: Option<&'a std::sync::atomic::AtomicU64>,
}

/// Points where a recovery test can stop a run, as a crash would.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// After the ledger append is durable, before the checkpoint.
    AfterLedgerAppend,
    /// After the status is `logged`, before the response is written.
    BeforeResponse,
}

/// Where a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// The response was written.
    Completed,
    /// Rejected at request level; the response (all REJECTED) was written.
    Rejected,
    /// Waiting for approval: no lookups, no response.
    PendingReview {
        /// Holds shown to the officer.
        holds: Vec<HoldCode>,
        /// Approvals given so far.
        approvals: usize,
        /// Approvals needed.
        required: usize,
    },
    /// Denied by an officer: no lookups, no response.
    Denied,
}

/// Time spent in one stage.
#[derive(Debug, Clone)]
pub struct StageTiming {
    /// Stage name.
    pub stage: &'static str,
    /// Wall time.
    pub elapsed: Duration,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The request's id (from its letter).
    pub request_id: String,
    /// Where it ended.
    pub status: RunStatus,
    /// Subjects in the request.
    pub subjects: usize,
    /// Response rows (empty unless Completed or Rejected).
    pub rows: Vec<ResponseRow>,
    /// Lookups replayed from the ledger instead of looked up (resumed runs).
    pub replayed: usize,
    /// Lookups appended to the ledger by this run.
    pub appended: usize,
    /// Ledger size after the run.
    pub tree_size: u64,
    /// Per-stage wall time.
    pub timings: Vec<StageTiming>,
}

struct Timer(Vec<StageTiming>, Instant);

impl Timer {
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.0.push(StageTiming {
            stage,
            elapsed: now - self.1,
        });
        self.1 = now;
    }
}

/// The name under which the ledger signs checkpoints.
pub const LEDGER_KEY_NAME: &str = "vouch-ledger";

/// Runs or resumes one request (no approvals are added: those already on
/// its record count).
pub fn run_request(
    store: &dyn StateStore,
    cfg: &RunConfig<'_>,
) -> Result<RunReport, PipelineError> {
    run_request_cached(store, cfg, &mut None)
}

/// [`run_request`] reusing a ledger opened by an earlier run (a service
/// runs many batches; reading the whole ledger for each would cost seconds
/// at tens of millions of lookups). The cached ledger is used only if the
/// store still holds exactly its leaves once the writer lock is held (else
/// it is reopened), and it is dropped if the run fails, so a half-applied
/// append is never reused. On return `cached` holds the ledger as stored.
pub fn run_request_cached(
    store: &dyn StateStore,
    cfg: &RunConfig<'_>,
    cached: &mut Option<DynLedger>,
) -> Result<RunReport, PipelineError> {
    Run::start(store, cfg, cached)?.finish()
}

/// One run of a request, holding the store's writer lock until it ends.
pub struct Run<'a> {
    store: &'a dyn StateStore,
    cfg: &'a RunConfig<'a>,
    cached: &'a mut Option<DynLedger>,
    checked: CheckedBatch,
    record: RequestRecord,
    timer: Timer,
    // Last: released after everything above is written.
    _writer: Box<dyn WriterGuard>,
}

impl<'a> Run<'a> {
    /// Intake and checks: reads the request, takes the writer lock (one
    /// batch at a time per store, across processes and nodes: the probing
    /// guard must see every earlier request, and the ledger has one
    /// writer), then checks a new request and records the results, or
    /// restores the results an earlier run recorded.
    pub fn start(
        store: &'a dyn StateStore,
        cfg: &'a RunConfig<'a>,
        cached: &'a mut Option<DynLedger>,
    ) -> Result<Run<'a>, PipelineError> {
        let mut timer = Timer(Vec::new(), Instant::now());
        let letter = receive_letter(cfg.request_dir)?;
        let request_id = letter.letter.request_id.clone();
        let received = match receive(letter, &StoreRegistry(store)) {
            Ok(r) => r,
            Err(e) => {
                if let PipelineError::Refused { failure, .. } = &e {
                    let code = failure.code().as_str();
                    audit(store, &request_id, SYSTEM_ACTOR, AuditAction::Refused, code)?;
                }
                return Err(e);
            }
        };
        timer.lap("intake");
        let writer = store.writer_lock()?;
        let existing = store.request(&request_id)?;
        let (checked, record) = match existing {
            Some(rec) if rec.letter_sha256 != received.letter_sha256() => {
                return Err(PipelineError::IdReused { request_id })
            }
            Some(rec) => (restore_checks(store, received, &rec)?, rec),
            None => fresh_checks(store, received, cfg, cached)?,
        };
        timer.lap("policy");
        Ok(Run {
            store,
            cfg,
            cached,
            checked,
            record,
            timer,
            _writer: writer,
        })
    }

    /// The request's record as it stands.
    pub fn record(&self) -> &RequestRecord {
        &self.record
    }

    /// Lets the caller change the request's record under the run's writer
    /// lock (the application layer records approvals this way); `f` writes
    /// what it changes to the store itself.
    pub fn review<T, E>(
        &mut self,
        f: impl FnOnce(&dyn StateStore, &mut RequestRecord) -> Result<T, E>,
    ) -> Result<T, E> {
        f(self.store, &mut self.record)
    }

    /// Approval, matching, ledger and response; the cached ledger is
    /// dropped if this fails. The writer lock is released last.
    pub fn finish(self) -> Result<RunReport, PipelineError> {
        let Run {
            store,
            cfg,
            cached,
            checked,
            record,
            timer,
            _writer,
        } = self;
        let mut f = Finish {
            store,
            cfg,
            record,
            timer,
        };
        let result = f.run(checked, cached);
        if result.is_err() {
            *cached = None;
        }
        result
    }
}

/// What [`Run::finish`] works on.
struct Finish<'a> {
    store: &'a dyn StateStore,
    cfg: &'a RunConfig<'a>,
    record: RequestRecord,
    timer: Timer,
}

impl Finish<'_> {
    fn run(
        &mut self,
        checked: CheckedBatch,
        cached: &mut Option<DynLedger>,
    ) -> Result<RunReport, PipelineError> {
        let subjects = checked.subjects().len();
        let mut report = RunReport {
            request_id: self.record.request_id.clone(),
            status: RunStatus::Denied,
            subjects,
            rows: Vec::new(),
            replayed: 0,
            appended: 0,
            tree_size: 0,
            timings: Vec::new(),
        };
        if self.record.status == RequestStatus::Denied {
            return Ok(self.report(report, Vec::new(), 0));
        }
        let ledger = current_ledger(self.store, cached)?;
        // Only what the ledger's registry vouches for counts: officers'
        // keys for the approvals, the witnesses that must cosign.
        let vetted = crate::changes::vet_stored(self.store, ledger)?;
        if !checked.request_reasons().is_empty() {
            let rows = rows_of_rejected(&checked);
            let cp = checkpoint(self.store, self.cfg.keys, ledger, false)?;
            let cp = self.cosigned(ledger, &vetted, cp)?;
            let model = vouch_match::MODEL_VERSION;
            respond(self.store, self.cfg, &checked, &rows, &cp, model)?;
            self.timer.lap("response");
            report.status = RunStatus::Rejected;
            return Ok(self.report(report, rows, cp.checkpoint.size));
        }
        // The record's count covers the agency's batches over the window; a
        // store writer who lowers it still meets the batch's own size.
        let required = (self.cfg.policy.approvals_required(subjects as u64) as usize)
            .max(self.record.approvals_required as usize);
        // Only approvals signed by a vetted officer's key count, whatever
        // the record says (a store writer can add a row, not a signature,
        // nor an officer or a security key the two-person registry in the
        // ledger does not vouch for); the leaves commit to exactly those.
        let signer_of = |id: &str| crate::approval::Signer::vetted(&vetted, id);
        let valid = crate::approval::valid_approvals(&self.record, &signer_of);
        let digest = crate::approval::approvals_digest(&self.record, &valid);
        let approvers: Vec<String> = valid.iter().map(|a| a.officer.clone()).collect();
        let approved = match approve(checked, approvers, required) {
            Ok(a) => a,
            Err(_) => {
                report.status = RunStatus::PendingReview {
                    holds: self.record.holds.clone(),
                    approvals: valid.len(),
                    required,
                };
                return Ok(self.report(report, Vec::new(), ledger.size()));
            }
        };
        self.set_status(RequestStatus::Approved)?;
        self.timer.lap("approval");
        // A court order halting disclosures in the request's scope holds an
        // approved batch unreleased: nothing is looked up or answered until
        // it is lifted (the batch resumes then).
        let letter = checked_letter(&approved);
        if let Some(o) = vetted.order_over(
            &letter.0,
            &letter.1,
            self.cfg.now.date(),
            crate::changes::OrderEffect::Halt,
        ) {
            let detail = format!(
                "court order {} ({}) halts disclosures to {}: the approved batch is held unreleased until it is lifted",
                o.id,
                o.court,
                o.scope.as_text()
            );
            audit(
                self.store,
                &self.record.request_id,
                SYSTEM_ACTOR,
                AuditAction::HeldByOrder,
                &detail,
            )?;
            return Err(PipelineError::OrderHalt {
                request_id: self.record.request_id.clone(),
                order: o.id.clone(),
            });
        }
        let (logged, model_version) =
            self.look_up_and_log(approved, digest, ledger, &mut report)?;
        inject(self.cfg, Fault::BeforeResponse)?;
        let rows = rows_of_logged(&logged);
        let cp = self.cosigned(ledger, &vetted, logged.checkpoint().clone())?;
        respond(
            self.store,
            self.cfg,
            logged.checked(),
            &rows,
            &cp,
            &model_version,
        )?;
        self.record.completed_at.get_or_insert(self.cfg.now);
        self.set_status(RequestStatus::Completed)?;
        self.timer.lap("response");
        report.status = RunStatus::Completed;
        Ok(self.report(report, rows, cp.checkpoint.size))
    }

    /// Matching, the hold list, the explanations and the ledger append;
    /// returns the logged batch and the model version that answered.
    fn look_up_and_log(
        &mut self,
        approved: ApprovedBatch,
        approvals_sha256: [u8; 32],
        ledger: &mut DynLedger,
        report: &mut RunReport,
    ) -> Result<(LoggedBatch, String), PipelineError> {
        let request_id = self.record.request_id.clone();
        let leaves_before = ledger.leaves_for_request(&request_id)?;
        // The model that answered: the loaded index's, else the one the logged
        // lookups recorded (a resumed batch must not claim a model it did not use).
        let mut model_version = leaves_before.first().map(|(_, l)| l.model_version.clone());
        let logged_before: HashMap<String, vouch_ledger::LeafOutcome> = leaves_before
            .into_iter()
            .map(|(_, leaf)| (leaf.subject_ref, leaf.outcome))
            .collect();
        let c = approved.checked();
        let need_lookup = c
            .subjects()
            .iter()
            .enumerate()
            .any(|(i, s)| c.passed(i) && !logged_before.contains_key(&s.subject_ref));
        let index = if need_lookup {
            let ix =
                MasterIndex::load(self.cfg.index_dir).map_err(|e| PipelineError::Inconsistent {
                    request_id: request_id.clone(),
                    why: e.to_string(),
                })?;
            model_version = Some(ix.model().model_version.clone());
            Some(ix)
        } else {
            None
        };
        self.timer.lap("index load");
        let model_version = model_version.unwrap_or_else(|| vouch_match::MODEL_VERSION.to_string());
        let empty = MasterIndex::default();
        let ix = index.as_ref().unwrap_or(&empty);
        // The request history, for withholding a confirmation of a taxpayer
        // asked about elsewhere within the window (judged at receipt).
        let keyer = vouch_policy::probing::Keyer::new(self.cfg.keys.probe_hmac());
        let records = self.store.probes()?;
        let day = self.record.received_at.date().to_julian_day();
        let policy = self.cfg.policy;
        let this_request = keyer.key("request", &request_id);
        let elsewhere = crate::stages::Elsewhere {
            history: vouch_policy::probing::ProbeHistory::new(&records, this_request, day, policy),
            // Within this request the guard has refused the copies of one
            // person; two asks alike one taxpayer with their date of birth
            // (two typos apart from each other) are the decision's to find.
            this_request: vouch_policy::probing::ProbeHistory::of_request(&records, this_request),
            keyer: &keyer,
            day,
            window: policy.address_window_days,
        };
        drop(records);
        let unit_missing_ok = policy.unit_missing == vouch_policy::UnitMissing::Confirm;
        let mut matched = match_batch(
            approved,
            ix,
            &logged_before,
            self.cfg.progress,
            &elsewhere,
            unit_missing_ok,
        );
        if !ix.unchanged_on_disk() {
            // The mapped file was written in place while the batch read it:
            // its answers cannot be trusted, and nothing of them is logged.
            return Err(PipelineError::Inconsistent {
                request_id: request_id.clone(),
                why: format!(
                    "index {}: the file changed on disk while the batch was matched against it; rebuild it and run the batch again",
                    self.cfg.index_dir.display()
                ),
            });
        }
        self.timer.lap("matching");
        let tin_hmac = tin_hasher(self.cfg.keys);
        let held: std::collections::HashSet<[u8; 32]> = self.store.held()?.into_iter().collect();
        apply_hold_list(&mut matched, &held, &tin_hmac);
        let policy_version = matched.approved().checked().policy_version().to_string();
        let ctx = LeafContext {
            time_unix_ms: (self.cfg.now.unix_timestamp_nanos() / 1_000_000).max(0) as u64,
            policy_version: &policy_version,
            model_version: &model_version,
            tin_hmac: &tin_hmac,
            approvals_sha256,
        };
        let leaves = leaves_of(&matched, &ctx);
        if !leaves.is_empty() {
            // Before the append: an explanation is shown only for a lookup
            // the ledger holds, so one recorded for an append that never
            // happened is never shown (and a resumed run records it again).
            crate::explain::record(
                self.store,
                self.cfg.keys.explain(),
                &request_id,
                ix.model().threshold,
                &matched.explanations(),
            )?;
            self.timer.lap("explanations");
            ledger.append_batch(&leaves)?;
            inject(self.cfg, Fault::AfterLedgerAppend)?;
        }
        let cp = checkpoint(self.store, self.cfg.keys, ledger, !leaves.is_empty())?;
        report.replayed = logged_before.len();
        report.appended = leaves.len();
        let size = cp.checkpoint.size;
        let logged = logged(matched, cp);
        self.set_status(RequestStatus::Logged)?;
        audit(
            self.store,
            &request_id,
            SYSTEM_ACTOR,
            AuditAction::Logged,
            &format!("appended {} leaves; ledger size {size}", leaves.len()),
        )?;
        self.timer.lap("ledger");
        Ok((logged, model_version))
    }

    /// The checkpoint `cp` with the cosignatures the policy requires of the
    /// witnesses the registry vouches for (asked for those missing, and
    /// published in the ledger); an error, before any response, without
    /// them or when a witness says the log was altered.
    fn cosigned(
        &mut self,
        ledger: &mut DynLedger,
        vetted: &crate::changes::Vetted,
        cp: SignedCheckpoint,
    ) -> Result<SignedCheckpoint, PipelineError> {
        let witnesses: Vec<&crate::changes::Witness> = vetted.witnesses().collect();
        let need = self.cfg.policy.witness_quorum_of(witnesses.len());
        if need == 0 {
            return Ok(cp);
        }
        let size = cp.checkpoint.size;
        let got =
            crate::witnesses::gather(ledger, cp, &witnesses, crate::witnesses::WITNESS_TIMEOUT)?;
        self.timer.lap("witnesses");
        let detail = got
            .failures
            .iter()
            .map(|(name, f)| format!("{name}: {f}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request_id = self.record.request_id.clone();
        let tamper = got.failures.iter().any(|(_, f)| f.is_tamper());
        if tamper || got.cosigners.len() < need {
            audit(
                self.store,
                &request_id,
                SYSTEM_ACTOR,
                AuditAction::WitnessesWaiting,
                &format!(
                    "checkpoint {size}: {} of {need} cosignatures; {detail}",
                    got.cosigners.len()
                ),
            )?;
            return Err(if tamper {
                PipelineError::WitnessTamper { detail }
            } else {
                PipelineError::WitnessQuorum {
                    have: got.cosigners.len(),
                    need,
                    detail,
                }
            });
        }
        audit(
            self.store,
            &request_id,
            SYSTEM_ACTOR,
            AuditAction::Cosigned,
            &format!("checkpoint {size} cosigned by {}", got.cosigners.join(", ")),
        )?;
        Ok(got.checkpoint)
    }

    fn set_status(&mut self, status: RequestStatus) -> Result<(), PipelineError> {
        if self.record.status != status {
            self.record.status = status;
            self.record.updated_at = vouch_core::timestamp::now();
            self.store.put_request(&self.record)?;
        }
        Ok(())
    }

    fn report(&mut self, mut report: RunReport, rows: Vec<ResponseRow>, size: u64) -> RunReport {
        report.rows = rows;
        report.tree_size = size;
        report.timings = std::mem::take(&mut self.timer.0);
        report
    }
}

fn inject(cfg: &RunConfig<'_>, at: Fault) -> Result<(), PipelineError> {
    if cfg.fault == Some(at) {
        return Err(PipelineError::InjectedFault);
    }
    Ok(())
}

/// The ledger as stored now: the cached one if the store still holds
/// exactly its leaves, else read again.
/// The agency and pathway of an approved batch's letter.
fn checked_letter(approved: &crate::stages::ApprovedBatch) -> (String, String) {
    let l = approved.checked().received().letter();
    (l.agency.clone(), l.pathway.clone())
}

fn current_ledger<'c>(
    store: &dyn StateStore,
    cached: &'c mut Option<DynLedger>,
) -> Result<&'c mut DynLedger, PipelineError> {
    let reuse = match cached.take() {
        Some(l) if store.ledger_len()?.is_none_or(|n| n == l.size()) => Some(l),
        _ => None,
    };
    Ok(match reuse {
        Some(l) => cached.insert(l),
        None => cached.insert(store.open_ledger()?),
    })
}

fn audit(
    store: &dyn StateStore,
    request_id: &str,
    actor: &str,
    action: AuditAction,
    detail: &str,
) -> Result<(), PipelineError> {
    store.audit(
        request_id,
        &AuditEvent {
            at: vouch_core::timestamp::now(),
            actor: actor.into(),
            action,
            detail: detail.into(),
        },
    )?;
    Ok(())
}

fn fresh_checks(
    store: &dyn StateStore,
    received: ReceivedRequest,
    cfg: &RunConfig<'_>,
    cached: &mut Option<DynLedger>,
) -> Result<(CheckedBatch, RequestRecord), PipelineError> {
    let request_id = received.letter().request_id.clone();
    // Court orders on file, as the ledger's registry vouches for them (a
    // store writer cannot take one off): a halt in the request's scope
    // refuses it; a restriction puts the order's policy in force for it.
    let vetted = crate::changes::vet_stored(store, current_ledger(store, cached)?)?;
    // Every withdrawal the ledger logs finds its remediation, unaltered (a
    // store writer who deletes one to clear an agency's safeguards stops
    // intake instead).
    // So does every incident: its record as its last logged step left it.
    for i in vetted.incidents() {
        let kept = store.request_blob("incidents", &i.incident)?;
        let same = kept.is_some_and(|b| {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&b)) == i.record_sha256
        });
        if !same {
            return Err(PipelineError::Inconsistent {
                request_id: request_id.clone(),
                why: format!(
                    "incident {} is logged in the ledger but missing or altered in the store",
                    i.incident
                ),
            });
        }
    }
    for w in vetted.withdrawals() {
        let kept = crate::remediation::remediation(store, &w.remediation)?;
        if kept.is_none_or(|r| r.disclosures_sha256() != w.disclosures_sha256) {
            return Err(PipelineError::Inconsistent {
                request_id: request_id.clone(),
                why: format!(
                    "remediation {} is logged in the ledger but missing or altered in the store",
                    w.remediation
                ),
            });
        }
    }
    let (agency, pathway) = (&received.letter().agency, &received.letter().pathway);
    let day = cfg.now.date();
    let halt = vetted
        .order_over(agency, pathway, day, crate::changes::OrderEffect::Halt)
        .cloned();
    let restricted = vetted
        .order_over(agency, pathway, day, crate::changes::OrderEffect::Restrict)
        .and_then(|o| o.policy.as_deref())
        .map(vouch_policy::PolicyConfig::from_toml)
        .transpose()
        .map_err(|e| PipelineError::Inconsistent {
            request_id: request_id.clone(),
            why: format!("a restricting court order's policy: {e}"),
        })?;
    let policy = restricted.as_ref().unwrap_or(cfg.policy);
    let refused: &[vouch_core::ReasonCode] = if halt.is_some() {
        &[vouch_core::ReasonCode::OrderHalted]
    } else {
        &[]
    };
    let keyer = vouch_policy::probing::Keyer::new(cfg.keys.probe_hmac());
    let history = store.probes()?;
    let probe = ProbeInput {
        keyer: &keyer,
        history: &history,
    };
    // LARGE_BATCH counts the agency's subjects over the window, so that
    // splitting a batch does not avoid the second approval.
    let agency = received.letter().agency.clone();
    let since = cfg.now - time::Duration::days(policy.large_batch_window_days);
    let earlier_subjects: u64 = store
        .requests()?
        .iter()
        .filter(|r| r.agency == agency && r.request_id != request_id)
        .filter(|r| r.received_at > since && r.received_at <= cfg.now)
        .filter(|r| r.request_reasons.is_empty())
        .map(|r| r.subject_count)
        .sum();
    // RECIPIENT_CASELOAD counts each recipient's distinct cases over the
    // window across the agency's letters (keyed hashes of the case numbers,
    // kept with each request): splitting a caseload over letters does not
    // avoid the hold.
    let case_since = cfg.now - time::Duration::days(policy.repeat_window_days);
    let mut caseload: std::collections::HashMap<String, std::collections::HashSet<[u8; 16]>> =
        Default::default();
    for r in store.requests()?.iter().filter(|r| {
        r.agency == agency
            && r.request_id != request_id
            && r.received_at > case_since
            && r.received_at <= cfg.now
            && r.request_reasons.is_empty()
    }) {
        if let Some(bytes) = store.request_blob(&r.request_id, CASELOAD_DOC)? {
            crate::caseload::merge(&mut caseload, &bytes).map_err(|why| {
                PipelineError::Inconsistent {
                    request_id: r.request_id.clone(),
                    why,
                }
            })?;
        }
    }
    let ours = crate::caseload::of_letter(&keyer, received.letter());
    let checked = match check(
        received,
        &StoreRegistry(store),
        policy,
        cfg.now,
        &probe,
        earlier_subjects,
        refused,
    ) {
        Ok((c, records)) => {
            // Recorded before the checks: a crash between the two re-checks
            // the request, which ignores its own records (see the guard).
            store.append_probes(&records)?;
            c
        }
        Err(e) => {
            if let PipelineError::Refused { failure, .. } = &e {
                let code = failure.code().as_str();
                audit(store, &request_id, SYSTEM_ACTOR, AuditAction::Refused, code)?;
            }
            return Err(e);
        }
    };
    let rows: Vec<(&str, &[vouch_core::ReasonCode], bool)> = checked
        .subjects()
        .iter()
        .zip(checked.subject_reasons())
        .zip(checked.dob_required())
        .map(|((s, r), &d)| (s.subject_ref.as_str(), r.as_slice(), d))
        .collect();
    let bytes = vouch_formats::checks::render_checks(&rows)
        .map_err(|e| PipelineError::Response(e.to_string()))?;
    store.put_request_blob(&request_id, CHECKS_DOC, &bytes)?;
    store.put_request_blob(&request_id, CASELOAD_DOC, &crate::caseload::encode(&ours))?;
    let mut checked = checked;
    for (recipient, cases) in &ours {
        caseload
            .entry(recipient.clone())
            .or_default()
            .extend(cases.iter().copied());
    }
    if caseload
        .values()
        .any(|c| c.len() > policy.recipient_cases_max)
    {
        checked.hold(vouch_core::HoldCode::RecipientCaseload);
    }
    let letter = checked.received().letter();
    let status = if checked.request_reasons().is_empty() {
        RequestStatus::PendingReview
    } else {
        RequestStatus::Rejected
    };
    let subject_count = checked.subjects().len() as u64;
    let record = RequestRecord {
        request_id: request_id.clone(),
        agency: letter.agency.clone(),
        letter_sha256: checked.received().letter_sha256().to_string(),
        subjects_sha256: letter.subjects_sha256.clone(),
        status,
        subject_count,
        request_reasons: checked.request_reasons().to_vec(),
        holds: checked.holds().to_vec(),
        approvals_required: policy.approvals_required(subject_count + earlier_subjects),
        approvals: Vec::new(),
        policy_version: checked.policy_version().to_string(),
        denial: None,
        completed_at: None,
        disposition_certified: None,
        received_at: vouch_core::timestamp::canonical(cfg.now),
        updated_at: vouch_core::timestamp::canonical(cfg.now),
    };
    store.put_request(&record)?;
    let rejected = checked
        .subject_reasons()
        .iter()
        .filter(|r| !r.is_empty())
        .count();
    audit(
        store,
        &request_id,
        &letter.signer.id,
        AuditAction::Received,
        &format!(
            "{subject_count} subjects; {rejected} rejected at subject level; status {}",
            status.as_str()
        ),
    )?;
    if let Some(o) = halt {
        audit(
            store,
            &request_id,
            SYSTEM_ACTOR,
            AuditAction::Refused,
            &format!(
                "ORDER_HALTED: court order {} ({}, in force from {}) halts disclosures to {}",
                o.id,
                o.court,
                vouch_core::timestamp::format_date(o.date),
                o.scope.as_text()
            ),
        )?;
    }
    Ok((checked, record))
}

/// The name of the request document holding each subject's checks.
pub const CHECKS_DOC: &str = "checks.csv";
/// The name of the request document holding each recipient's assigned
/// cases (keyed hashes), for `RECIPIENT_CASELOAD` over later letters.
pub const CASELOAD_DOC: &str = "caseload.bin";

fn restore_checks(
    store: &dyn StateStore,
    received: ReceivedRequest,
    rec: &RequestRecord,
) -> Result<CheckedBatch, PipelineError> {
    let bytes = store
        .request_blob(&rec.request_id, CHECKS_DOC)?
        .ok_or_else(|| PipelineError::Inconsistent {
            request_id: rec.request_id.clone(),
            why: "request record without stored checks".into(),
        })?;
    let stored = vouch_formats::checks::parse_checks(Path::new(CHECKS_DOC), &bytes)?;
    checked_from_stored(received, stored, rec)
}

/// The active policy: the file activated in the store, else policy.md's defaults.
/// An active file that no longer validates stops the caller (fail closed).
pub fn active_policy(store: &dyn StateStore) -> Result<PolicyConfig, PipelineError> {
    match store.active_policy()? {
        Some(text) => PolicyConfig::from_toml(&text).map_err(|e| PipelineError::Inconsistent {
            request_id: "-".into(),
            why: format!("active policy: {e}"),
        }),
        None => Ok(PolicyConfig::defaults()),
    }
}

/// The keyed hash of a TIN (HMAC-SHA-256 with the service's TIN key, kept
/// outside the store and the ledger): what the ledger and the hold list
/// record instead of a TIN.
pub fn tin_hasher(keys: &ServiceKeys) -> impl Fn(Tin) -> [u8; 32] + Sync + '_ {
    move |t: Tin| -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(keys.tin_hmac())
            .unwrap_or_else(|_| unreachable!());
        mac.update(&t.digits());
        mac.finalize().into_bytes().into()
    }
}

/// The ledger's origin line: fixed by the first ledger key registered (so
/// that a rotated key signs for the same log).
pub fn ledger_origin(store: &dyn StateStore) -> Result<String, PipelineError> {
    let first = store
        .service_keys()?
        .into_iter()
        .find(|k| k.name == KeyName::Ledger.as_str())
        .ok_or_else(|| {
            PipelineError::Keys(
                "the store has no ledger key registered: run `vouch keys init`".into(),
            )
        })?;
    Ok(format!(
        "vouch.local/ledger/{}",
        first.key_id.get(..16).unwrap_or(&first.key_id)
    ))
}

/// The ledger's public verifiers: its current key's and every retired
/// ledger key's (what they signed still verifies).
pub fn ledger_verifiers(
    store: &dyn StateStore,
    keys: &ServiceKeys,
) -> Result<Vec<vouch_ledger::NoteVerifier>, PipelineError> {
    let mut out = vec![ledger_verifier(keys)?];
    for k in store.service_keys()? {
        if k.name != KeyName::Ledger.as_str() || k.retired_at.is_none() {
            continue;
        }
        let raw = hex::decode(&k.key_id)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| {
                PipelineError::Keys(format!(
                    "retired ledger key {} is not a public key",
                    k.key_id
                ))
            })?;
        out.push(
            vouch_ledger::NoteVerifier::new(LEDGER_KEY_NAME, raw)
                .map_err(|e| PipelineError::Ledger(e.into()))?,
        );
    }
    Ok(out)
}

/// The ledger's public verifier for its current key (C2SP note verifier).
pub fn ledger_verifier(keys: &ServiceKeys) -> Result<vouch_ledger::NoteVerifier, PipelineError> {
    vouch_ledger::NoteVerifier::new(LEDGER_KEY_NAME, keys.ledger().verifying_key())
        .map_err(|e| PipelineError::Ledger(e.into()))
}

/// The latest checkpoint, or a fresh one when the tree grew or none exists.
fn checkpoint(
    store: &dyn StateStore,
    keys: &ServiceKeys,
    ledger: &mut DynLedger,
    grew: bool,
) -> Result<SignedCheckpoint, PipelineError> {
    if !grew {
        if let Some(cp) = ledger.latest_checkpoint() {
            if cp.checkpoint.size == ledger.size() {
                return Ok(cp.clone());
            }
        }
    }
    let origin = ledger_origin(store)?;
    Ok(ledger.checkpoint(&origin, LEDGER_KEY_NAME, keys.ledger())?)
}

fn respond(
    store: &dyn StateStore,
    cfg: &RunConfig<'_>,
    c: &CheckedBatch,
    rows: &[ResponseRow],
    cp: &SignedCheckpoint,
    model_version: &str,
) -> Result<(), PipelineError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let summary = ResponseSummary {
        request_id: &c.received().letter().request_id,
        checkpoint: CheckpointDto {
            origin: cp.checkpoint.origin.clone(),
            tree_size: cp.checkpoint.size,
            root_hash: b64.encode(cp.checkpoint.root),
            signed_note: cp.text().to_string(),
        },
        policy_version: c.policy_version(),
        model_version,
    };
    let (csv_bytes, statement) =
        build_statement(&summary, rows).map_err(|e| PipelineError::Response(e.to_string()))?;
    let key = cfg.keys.response();
    let signature = SignatureDto {
        algorithm: "ed25519".into(),
        public_key: b64.encode(key.verifying_key().to_bytes()),
        value: b64.encode(key.sign(statement.as_bytes()).to_bytes()),
    };
    let json = build_json(&summary, rows, &csv_bytes, statement, signature);
    write_response(cfg.out_dir, &csv_bytes, &json)?;
    let detail = json
        .counts
        .iter()
        .map(|(o, n)| format!("{}={n}", o.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let request_id = summary.request_id;
    audit(
        store,
        request_id,
        SYSTEM_ACTOR,
        AuditAction::Responded,
        &detail,
    )
}
