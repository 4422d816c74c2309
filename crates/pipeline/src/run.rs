//! Orchestration: runs (or resumes) one request against the state store, the
//! ledger and the master index, recording each step before taking the next.

use crate::error::PipelineError;
use crate::registry::StoreRegistry;
use crate::stages::*;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vouch_core::{HoldCode, ReasonCode, Tin};
use vouch_formats::response::{
    build_json, build_statement, write_response, CheckpointDto, ResponseRow, ResponseSummary,
    SignatureDto,
};
use vouch_ledger::note::SignedCheckpoint;
use vouch_ledger::DynLedger;
use vouch_match::MasterIndex;
use vouch_policy::PolicyConfig;
use vouch_store::{
    Approval, AuditEvent, RequestRecord, RequestStatus, Role, StateStore, HOME_AGENCY,
};

/// The inputs of one run.
pub struct RunConfig<'a> {
    /// The request directory.
    pub request_dir: &'a Path,
    /// The master index directory (loaded only if something must be looked up).
    pub index_dir: &'a Path,
    /// Where the response goes.
    pub out_dir: &'a Path,
    /// Disclosure officers releasing the batch now (may be empty).
    pub approvers: &'a [String],
    /// The active policy.
    pub policy: &'a PolicyConfig,
    /// The moment of receipt (the only clock the run sees).
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

fn inject(cfg: &RunConfig<'_>, at: Fault) -> Result<(), PipelineError> {
    if cfg.fault == Some(at) {
        return Err(PipelineError::InjectedFault);
    }
    Ok(())
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
    /// The request.
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

const LEDGER_KEY: &str = "ledger.key";
const SERVICE_KEY: &str = "service.key";
const TIN_HMAC_KEY: &str = "tin-hmac.key";
const PROBE_HMAC_KEY: &str = "probe-hmac.key";
/// The name under which the ledger signs checkpoints.
pub const LEDGER_KEY_NAME: &str = "vouch-ledger";

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Runs or resumes one request.
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
    let run = run_inner(store, cfg, cached);
    if run.is_err() {
        *cached = None;
    }
    run
}

fn run_inner(
    store: &dyn StateStore,
    cfg: &RunConfig<'_>,
    cached: &mut Option<DynLedger>,
) -> Result<RunReport, PipelineError> {
    let mut timer = Timer(Vec::new(), Instant::now());
    let received = receive(cfg.request_dir)?;
    timer.lap("intake");
    let request_id = received.files.letter.request_id.clone();
    // One batch at a time per store, across processes and nodes: the probing
    // guard must see every earlier request, and the ledger has one writer.
    let _writer = store.writer_lock()?;
    let existing = store.request(&request_id)?;
    if let Some(rec) = &existing {
        if rec.letter_sha256 != received.letter_sha256 {
            return Err(PipelineError::IdReused { request_id });
        }
    }
    let (checked, mut record) = match existing {
        Some(rec) => (restore_checks(store, received, &rec)?, rec),
        None => fresh_checks(store, received, cfg)?,
    };
    timer.lap("policy");
    let subjects = checked.received.files.subjects.len();
    let mut report = RunReport {
        request_id: request_id.clone(),
        status: RunStatus::Denied,
        subjects,
        rows: Vec::new(),
        replayed: 0,
        appended: 0,
        tree_size: 0,
        timings: Vec::new(),
    };
    if record.status == RequestStatus::Denied {
        report.timings = timer.0;
        return Ok(report);
    }
    let reuse = match cached.take() {
        Some(l) if store.ledger_len()?.is_none_or(|n| n == l.size()) => Some(l),
        _ => None,
    };
    let ledger: &mut DynLedger = match reuse {
        Some(l) => cached.insert(l),
        None => cached.insert(store.open_ledger()?),
    };
    if !checked.request_reasons.is_empty() {
        let rows = rows_of_rejected(&checked);
        let cp = checkpoint(store, ledger, false)?;
        respond(store, cfg, &checked, &rows, &cp, vouch_match::MODEL_VERSION)?;
        timer.lap("response");
        report.status = RunStatus::Rejected;
        return Ok(finish(report, rows, cp.checkpoint.size, timer));
    }
    add_approvals(store, &mut record, cfg)?;
    let required = cfg.policy.approvals_required(subjects as u64) as usize;
    let approvers: Vec<String> = record.approvals.iter().map(|a| a.officer.clone()).collect();
    let approved = match approve(checked, approvers, required) {
        Ok(a) => a,
        Err(_) => {
            let holds = record
                .holds
                .iter()
                .filter_map(|h| HoldCode::parse(h))
                .collect();
            report.status = RunStatus::PendingReview {
                holds,
                approvals: record.approvals.len(),
                required,
            };
            report.timings = timer.0;
            return Ok(report);
        }
    };
    set_status(store, &mut record, RequestStatus::Approved, cfg.now)?;
    timer.lap("approval");
    let leaves_before = ledger.leaves_for_request(&request_id)?;
    // The model that answered: the loaded index's, else the one the logged
    // lookups recorded (a resumed batch must not claim a model it did not use).
    let mut model_version = leaves_before.first().map(|(_, l)| l.model_version.clone());
    let logged_before: HashMap<String, vouch_ledger::LeafOutcome> = leaves_before
        .into_iter()
        .map(|(_, leaf)| (leaf.subject_ref, leaf.outcome))
        .collect();
    let need_lookup = (0..subjects).any(|i| {
        approved.checked.passed(i)
            && !logged_before.contains_key(&approved.checked.received.files.subjects[i].subject_ref)
    });
    let index = if need_lookup {
        Some(
            MasterIndex::load(cfg.index_dir).map_err(|e| PipelineError::Inconsistent {
                request_id: request_id.clone(),
                why: e.to_string(),
            })?,
        )
    } else {
        None
    };
    timer.lap("index load");
    if let Some(ix) = &index {
        model_version = Some(ix.model().model_version.clone());
    }
    let model_version = model_version.unwrap_or_else(|| vouch_match::MODEL_VERSION.to_string());
    let empty = empty_index();
    let matched = match_batch(
        approved,
        index.as_ref().unwrap_or(&empty),
        &logged_before,
        cfg.progress,
    );
    timer.lap("matching");
    let tin_hmac = tin_hasher(store)?;
    let held: std::collections::HashSet<[u8; 32]> = store.held()?.into_iter().collect();
    let mut matched = matched;
    apply_hold_list(&mut matched, &held, &tin_hmac);
    let policy_version = matched.approved.checked.policy_version.clone();
    let ctx = LeafContext {
        time_unix_ms: (cfg.now.unix_timestamp_nanos() / 1_000_000).max(0) as u64,
        policy_version: &policy_version,
        model_version: &model_version,
        tin_hmac: &tin_hmac,
    };
    let leaves = leaves_of(&matched, &ctx);
    if !leaves.is_empty() {
        ledger.append_batch(&leaves)?;
        inject(cfg, Fault::AfterLedgerAppend)?;
    }
    let cp = checkpoint(store, ledger, !leaves.is_empty())?;
    report.replayed = logged_before.len();
    report.appended = leaves.len();
    let logged = logged(matched, cp);
    set_status(store, &mut record, RequestStatus::Logged, cfg.now)?;
    audit(
        store,
        &request_id,
        "system",
        "logged",
        &format!(
            "appended {} leaves; ledger size {}",
            leaves.len(),
            logged.checkpoint.checkpoint.size
        ),
    )?;
    timer.lap("ledger");
    inject(cfg, Fault::BeforeResponse)?;
    let rows = rows_of_logged(&logged);
    respond(
        store,
        cfg,
        &logged.matched.approved.checked,
        &rows,
        &logged.checkpoint,
        &model_version,
    )?;
    record.completed_at.get_or_insert_with(|| rfc3339(cfg.now));
    set_status(store, &mut record, RequestStatus::Completed, cfg.now)?;
    timer.lap("response");
    report.status = RunStatus::Completed;
    Ok(finish(
        report,
        rows,
        logged.checkpoint.checkpoint.size,
        timer,
    ))
}

fn finish(
    mut report: RunReport,
    rows: Vec<ResponseRow>,
    tree_size: u64,
    timer: Timer,
) -> RunReport {
    report.rows = rows;
    report.tree_size = tree_size;
    report.timings = timer.0;
    report
}

fn empty_index() -> MasterIndex {
    vouch_match::IndexBuilder::new().finish()
}

fn audit(
    store: &dyn StateStore,
    request_id: &str,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), PipelineError> {
    let at = rfc3339(OffsetDateTime::now_utc());
    store.audit(
        request_id,
        &AuditEvent {
            at,
            actor: actor.into(),
            action: action.into(),
            detail: detail.into(),
        },
    )?;
    Ok(())
}

fn set_status(
    store: &dyn StateStore,
    rec: &mut RequestRecord,
    status: RequestStatus,
    now: OffsetDateTime,
) -> Result<(), PipelineError> {
    if rec.status != status {
        rec.status = status;
        rec.updated_at = rfc3339(now);
        store.put_request(rec)?;
    }
    Ok(())
}

fn fresh_checks(
    store: &dyn StateStore,
    received: ReceivedRequest,
    cfg: &RunConfig<'_>,
) -> Result<(CheckedBatch, RequestRecord), PipelineError> {
    let request_id = received.files.letter.request_id.clone();
    let keyer = vouch_policy::probing::Keyer::new(&store.secret(PROBE_HMAC_KEY)?);
    let history = store.probes()?;
    let probe = ProbeInput {
        keyer: &keyer,
        history: &history,
    };
    let checked = match check(received, &StoreRegistry(store), cfg.policy, cfg.now, &probe) {
        Ok((c, records)) => {
            // Recorded before the checks: a crash between the two re-checks
            // the request, which ignores its own records (see the guard).
            store.append_probes(&records)?;
            c
        }
        Err(e) => {
            if let PipelineError::Refused { failure, .. } = &e {
                audit(
                    store,
                    &request_id,
                    "system",
                    "refused",
                    failure.code().as_str(),
                )?;
            }
            return Err(e);
        }
    };
    let rows: Vec<(&str, &[ReasonCode])> = checked
        .received
        .files
        .subjects
        .iter()
        .zip(&checked.subject_reasons)
        .map(|(s, r)| (s.subject_ref.as_str(), r.as_slice()))
        .collect();
    let bytes = vouch_formats::checks::render_checks(&rows)
        .map_err(|e| PipelineError::Response(e.to_string()))?;
    store.put_request_blob(&request_id, "checks.csv", &bytes)?;
    let letter = &checked.received.files.letter;
    let status = if checked.request_reasons.is_empty() {
        RequestStatus::PendingReview
    } else {
        RequestStatus::Rejected
    };
    let record = RequestRecord {
        request_id: request_id.clone(),
        agency: letter.agency.clone(),
        letter_sha256: checked.received.letter_sha256.clone(),
        status,
        subject_count: checked.received.files.subjects.len() as u64,
        request_reasons: checked
            .request_reasons
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        holds: checked
            .holds
            .iter()
            .map(|h| h.as_str().to_string())
            .collect(),
        approvals_required: cfg
            .policy
            .approvals_required(checked.received.files.subjects.len() as u64),
        approvals: Vec::new(),
        policy_version: checked.policy_version.clone(),
        denial: None,
        completed_at: None,
        disposition_certified: None,
        received_at: rfc3339(cfg.now),
        updated_at: rfc3339(cfg.now),
    };
    store.put_request(&record)?;
    let rejected = checked
        .subject_reasons
        .iter()
        .filter(|r| !r.is_empty())
        .count();
    audit(
        store,
        &request_id,
        &letter.signer.id,
        "received",
        &format!(
            "{} subjects; {} rejected at subject level; status {}",
            record.subject_count,
            rejected,
            status.as_str()
        ),
    )?;
    Ok((checked, record))
}

fn restore_checks(
    store: &dyn StateStore,
    received: ReceivedRequest,
    rec: &RequestRecord,
) -> Result<CheckedBatch, PipelineError> {
    let request_id = rec.request_id.clone();
    let bytes = store
        .request_blob(&request_id, "checks.csv")?
        .ok_or_else(|| PipelineError::Inconsistent {
            request_id: request_id.clone(),
            why: "request record without stored checks".into(),
        })?;
    let stored = vouch_formats::checks::parse_checks(Path::new("checks.csv"), &bytes)?;
    let mut request_reasons = Vec::new();
    for r in &rec.request_reasons {
        request_reasons.push(
            ReasonCode::parse(r).ok_or_else(|| PipelineError::Inconsistent {
                request_id: request_id.clone(),
                why: "unknown stored reason code".into(),
            })?,
        );
    }
    let mut c = checked_from_stored(
        received,
        stored,
        request_reasons,
        rec.policy_version.clone(),
    )?;
    c.holds = rec
        .holds
        .iter()
        .filter_map(|h| HoldCode::parse(h))
        .collect();
    Ok(c)
}

fn add_approvals(
    store: &dyn StateStore,
    rec: &mut RequestRecord,
    cfg: &RunConfig<'_>,
) -> Result<(), PipelineError> {
    let mut seen = std::collections::HashSet::new();
    for officer in cfg.approvers {
        if !seen.insert(officer.as_str()) {
            return Err(PipelineError::DuplicateApproval {
                officer: officer.clone(),
            });
        }
        let ok = matches!(store.official(officer)?, Some(o) if o.role == Role::DisclosureOfficer && o.agency == HOME_AGENCY);
        if !ok {
            return Err(PipelineError::NotAnOfficer {
                officer: officer.clone(),
            });
        }
    }
    let mut changed = false;
    for officer in cfg.approvers {
        if !rec.approvals.iter().any(|a| &a.officer == officer)
            && rec.approvals.len() < vouch_core::limits::APPROVALS_MAX
        {
            rec.approvals.push(Approval {
                officer: officer.clone(),
                at: rfc3339(cfg.now),
                comment: "approved on the command line (--approve-as)".into(),
            });
            audit(
                store,
                &rec.request_id,
                officer,
                "approved",
                &format!("holds: {}", rec.holds.join(";")),
            )?;
            changed = true;
        }
    }
    if changed {
        store.put_request(rec)?;
    }
    Ok(())
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

/// The keyed hash of a TIN (HMAC-SHA-256 with the state store's secret, kept
/// outside the ledger): what the ledger and the hold list record instead of a TIN.
pub fn tin_hasher(
    store: &dyn StateStore,
) -> Result<impl Fn(Tin) -> [u8; 32] + Sync, PipelineError> {
    let key = store.secret(TIN_HMAC_KEY)?;
    Ok(move |t: Tin| -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac =
            <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable!());
        mac.update(&t.digits());
        mac.finalize().into_bytes().into()
    })
}

/// The ledger's signing key and origin line, kept in the state store.
pub fn ledger_signer(store: &dyn StateStore) -> Result<(SigningKey, String), PipelineError> {
    let key = SigningKey::from_bytes(&store.secret(LEDGER_KEY)?);
    let origin = format!(
        "vouch.local/ledger/{}",
        &hex::encode(key.verifying_key().to_bytes())[..16]
    );
    Ok((key, origin))
}

/// The ledger's public verifier (C2SP note verifier for its checkpoints).
pub fn ledger_verifier(
    store: &dyn StateStore,
) -> Result<vouch_ledger::NoteVerifier, PipelineError> {
    let (key, _) = ledger_signer(store)?;
    vouch_ledger::NoteVerifier::new(LEDGER_KEY_NAME, key.verifying_key())
        .map_err(|e| PipelineError::Ledger(e.into()))
}

/// The latest checkpoint, or a fresh one when the tree grew or none exists.
fn checkpoint(
    store: &dyn StateStore,
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
    let (key, origin) = ledger_signer(store)?;
    Ok(ledger.checkpoint(&origin, LEDGER_KEY_NAME, &key)?)
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
        request_id: &c.received.files.letter.request_id,
        checkpoint: CheckpointDto {
            origin: cp.checkpoint.origin.clone(),
            tree_size: cp.checkpoint.size,
            root_hash: b64.encode(cp.checkpoint.root),
            signed_note: cp.text().to_string(),
        },
        policy_version: &c.policy_version,
        model_version,
    };
    let (csv_bytes, statement) =
        build_statement(&summary, rows).map_err(|e| PipelineError::Response(e.to_string()))?;
    let key = SigningKey::from_bytes(&store.secret(SERVICE_KEY)?);
    let signature = SignatureDto {
        algorithm: "ed25519".into(),
        public_key: b64.encode(key.verifying_key().to_bytes()),
        value: b64.encode(key.sign(statement.as_bytes()).to_bytes()),
    };
    let json = build_json(&summary, rows, &csv_bytes, statement, signature);
    write_response(cfg.out_dir, &csv_bytes, &json)?;
    let counts: BTreeMap<_, _> = json
        .counts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .enumerate()
        .collect();
    let detail = counts.into_values().collect::<Vec<_>>().join(" ");
    audit(store, summary.request_id, "system", "responded", &detail)
}
