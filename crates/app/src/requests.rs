//! Requests: upload, review (approve, deny), runs, release of the response,
//! disposition, and the explanation of a lookup.

use crate::documents::ResponseFile;
use crate::{checked_text, Acting, App, AppError, Officer, Overseer, Requester};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::Date;
use vouch_core::{authz, limits, Outcome, OutcomeCounts, RequestLetter};
use vouch_ledger::{DynLedger, LeafOutcome};
use vouch_pipeline::approval::{self, Decision};
use vouch_pipeline::{Run, RunConfig, RunReport, RunStatus};
use vouch_store::{
    Approval, AuditAction, AuditEvent, OfficialRecord, RequestRecord, RequestStatus, StateStore,
    SYSTEM_ACTOR,
};

/// Largest `response.json` read for its counts.
const RESPONSE_JSON_BYTES_MAX: u64 = 16 << 20;
// Every response.json the pipeline writes must be readable here: it holds
// one signed checkpoint note (at most NOTE_BYTES_MAX, each byte at most 6
// once JSON-escaped) and fields of a few KiB.
const _: () =
    assert!(vouch_ledger::note::NOTE_BYTES_MAX as u64 * 6 + (64 << 10) <= RESPONSE_JSON_BYTES_MAX);

/// Subject-level rejections of a request: the count per reason code, and a
/// few rejected subjects (reference and codes).
pub type Rejections = (
    BTreeMap<vouch_core::ReasonCode, u64>,
    Vec<(String, Vec<vouch_core::ReasonCode>)>,
);

/// A released response's counts, as `response.json` states them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ReleasedCounts {
    /// Subjects per outcome.
    pub counts: OutcomeCounts,
    /// Rejected subjects per reason code.
    pub reason_counts: BTreeMap<String, u64>,
}

/// One term of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainTerm {
    /// The comparison (`given_name`, `surname`, ...).
    pub field: &'static str,
    /// The level it reached (`exact`, `nickname`, ...).
    pub level: &'static str,
    /// Its weight, log2.
    pub weight: f64,
}

/// The explanation of one lookup, as recorded when it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// The requester's reference of the subject explained.
    pub subject_ref: String,
    /// The answer the ledger recorded (a held taxpayer stays NOT_CONFIRMED
    /// whatever the weights say).
    pub outcome: Outcome,
    /// Prior, log2 odds.
    pub prior: f64,
    /// One term per comparison, and `name order` when the fields were swapped.
    pub terms: Vec<ExplainTerm>,
    /// The best candidate's total.
    pub total: f64,
    /// The threshold it was judged against.
    pub threshold: f64,
}

/// Why there is no explanation to show (a sentence for the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoExplanation {
    /// The batch is not completed yet.
    NotCompleted,
    /// The subject was not looked up (rejected, or no such reference).
    NotLookedUp,
    /// Looked up, but nobody was in its blocks: no candidate was scored.
    NoCandidate,
}

impl NoExplanation {
    /// The sentence shown.
    pub fn message(self) -> &'static str {
        match self {
            NoExplanation::NotCompleted => {
                "Decisions can be explained once the batch is completed."
            }
            NoExplanation::NotLookedUp => {
                "That subject was not looked up in this request (rejected, or no such reference)."
            }
            NoExplanation::NoCandidate => {
                "No candidate was scored for this subject (nobody in its blocks)."
            }
        }
    }
}

fn unknown_request(id: &str) -> AppError {
    AppError::NotFound {
        what: "request",
        id: id.into(),
    }
}

/// How far the moment in a signed decision may be from the service's clock.
pub const SIGNED_AT_SKEW_MAX: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// A decision as an officer signed it: the moment named in the statement,
/// the comment, and the signature (base64 of 64 bytes with their Ed25519
/// key, or a `webauthn:` assertion of one of their security keys).
#[derive(Debug, Clone)]
pub struct SignedDecision {
    /// The moment the statement names.
    pub at: time::OffsetDateTime,
    /// The comment (its SHA-256 is in the statement).
    pub comment: String,
    /// The Ed25519 signature of the statement, base64, or a security key's
    /// assertion over it (`vouch_pipeline::webauthn::encode_signature`).
    pub signature: String,
}

impl SignedDecision {
    /// Signs `decision` on `rec` now with `key` (the command line holds
    /// the officer's key; the service never does).
    pub fn sign(
        rec: &RequestRecord,
        decision: Decision,
        officer: &str,
        comment: &str,
        key: &ed25519_dalek::SigningKey,
    ) -> SignedDecision {
        use base64::Engine;
        use ed25519_dalek::Signer;
        let at = vouch_core::timestamp::now();
        let text = approval::statement(rec, decision, officer, at, comment);
        SignedDecision {
            at,
            comment: comment.into(),
            signature: base64::engine::general_purpose::STANDARD
                .encode(key.sign(text.as_bytes()).to_bytes()),
        }
    }
}

/// Checks that `d` is `officer`'s signature of `decision` on `rec`, made
/// about now: the only way a decision is recorded.
fn check_decision(
    app: &App<'_>,
    rec: &RequestRecord,
    decision: Decision,
    officer: &Acting<Officer>,
    d: &SignedDecision,
) -> Result<(), AppError> {
    let now = app.now();
    if d.at > now + SIGNED_AT_SKEW_MAX || d.at < now - SIGNED_AT_SKEW_MAX {
        return Err(AppError::Invalid {
            field: "at",
            why: "the signed moment is more than five minutes from now".into(),
        });
    }
    let text = approval::statement(rec, decision, officer.id(), d.at, &d.comment);
    let signer = approval::Signer {
        official: officer.official().clone(),
        security_keys: app.store.security_keys(officer.id())?,
    };
    let signed = approval::check_signed(&signer, &text, Some(&d.signature)).map_err(|e| {
        AppError::Invalid {
            field: "signature",
            why: e.to_string(),
        }
    })?;
    // A security key used now must show a counter above the last one seen.
    if let approval::Signed::SecurityKey(asserted) = signed {
        app.accept_counter(&signer.security_keys, &asserted)?;
    }
    Ok(())
}

/// Records one officer's signed approval on a pending record (the caller
/// holds the store's writer lock and passes the record it read under it).
fn add_approval(
    app: &App<'_>,
    rec: &mut RequestRecord,
    officer: &Acting<Officer>,
    d: &SignedDecision,
) -> Result<(), AppError> {
    // Separation of duties: nobody decides on a batch of their own agency.
    if rec.agency == officer.official().agency {
        return Err(AppError::Forbidden);
    }
    if rec.status != RequestStatus::PendingReview {
        return Err(AppError::Conflict("the request is not pending review"));
    }
    if rec.approvals.iter().any(|a| a.officer == officer.id()) {
        return Err(AppError::Conflict(
            "this officer has already approved this request",
        ));
    }
    if rec.approvals.len() >= limits::APPROVALS_MAX {
        return Err(AppError::Conflict(
            "the request has the most approvals allowed",
        ));
    }
    check_decision(app, rec, Decision::Approve, officer, d)?;
    rec.approvals.push(Approval {
        officer: officer.id().into(),
        at: d.at,
        comment: d.comment.clone(),
        signature: Some(d.signature.clone()),
    });
    rec.updated_at = app.now();
    app.store.put_request(rec)?;
    let holds: Vec<&str> = rec.holds.iter().map(|h| h.as_str()).collect();
    app.audit(
        &rec.request_id,
        officer.id(),
        AuditAction::Approved,
        format!(
            "approval {} of {}, signed; holds: {}; comment: {}",
            rec.approvals.len(),
            rec.approvals_required,
            holds.join(";"),
            d.comment
        ),
    )
}

impl App<'_> {
    /// The request `id` if `viewer` may see it: overseers every request,
    /// requesters their agency's; anything else is "unknown".
    pub fn visible_request(
        &self,
        viewer: &OfficialRecord,
        id: &str,
    ) -> Result<RequestRecord, AppError> {
        match self.store.request(id)? {
            Some(r) if authz::may_see_request(viewer.role, &viewer.agency, &r.agency) => Ok(r),
            _ => Err(unknown_request(id)),
        }
    }

    /// Every request `viewer` may see.
    pub fn visible_requests(
        &self,
        viewer: &OfficialRecord,
    ) -> Result<Vec<RequestRecord>, AppError> {
        let mut all = self.store.requests()?;
        all.retain(|r| authz::may_see_request(viewer.role, &viewer.agency, &r.agency));
        Ok(all)
    }

    /// A request's audit trail (the tax agency's own record: overseers only).
    pub fn audit_trail(
        &self,
        _by: &Acting<Overseer>,
        id: &str,
    ) -> Result<Vec<AuditEvent>, AppError> {
        Ok(self.store.audit_trail(id)?)
    }

    /// Checks an upload before it is installed: the letter must be for the
    /// uploader's own agency and its request id not seen before.
    pub fn admit_upload(
        &self,
        by: &Acting<Requester>,
        letter: &RequestLetter,
    ) -> Result<(), AppError> {
        if letter.agency != by.official().agency {
            return Err(AppError::Forbidden);
        }
        if self.store.request(&letter.request_id)?.is_some() {
            return Err(AppError::Conflict(
                "a request with this id was already received",
            ));
        }
        Ok(())
    }

    /// Records an installed upload (`dir`, admitted by [`App::admit_upload`]):
    /// keeps its files in the store for the other nodes and audits who sent it.
    pub fn accept_upload(
        &self,
        by: &Acting<Requester>,
        request_id: &str,
        dir: &Path,
    ) -> Result<(), AppError> {
        self.keep_upload(request_id, dir)?;
        self.audit(
            request_id,
            by.id(),
            AuditAction::Uploaded,
            "request files received over the API".into(),
        )
    }

    /// The statement an officer signs to decide on request `id` at `at`
    /// with `comment` (what the API and the console show before signing).
    pub fn decision_statement(
        &self,
        by: &Acting<Officer>,
        id: &str,
        decision: Decision,
        at: time::OffsetDateTime,
        comment: &str,
    ) -> Result<String, AppError> {
        let rec = self.visible_request(by.official(), id)?;
        Ok(approval::statement(&rec, decision, by.id(), at, comment))
    }

    /// Records an officer's signed approval of a pending batch; returns the
    /// approvals given and needed. The batch is run by the caller.
    pub fn approve(
        &self,
        by: &Acting<Officer>,
        id: &str,
        decision: &SignedDecision,
    ) -> Result<(usize, u32), AppError> {
        checked_text("comment", &decision.comment)?;
        // Serialised with batch runs and decisions in every process and
        // node (a blind read-modify-write could otherwise lose an approval).
        let _writer = self.store.writer_lock()?;
        let mut rec = self.store.request(id)?.ok_or_else(|| unknown_request(id))?;
        add_approval(self, &mut rec, by, decision)?;
        Ok((rec.approvals.len(), rec.approvals_required))
    }

    /// Records an officer's signed denial of a pending batch: no lookup is
    /// ever made for it.
    pub fn deny(
        &self,
        by: &Acting<Officer>,
        id: &str,
        decision: &SignedDecision,
    ) -> Result<(), AppError> {
        let comment = checked_text("comment", &decision.comment)?;
        let _writer = self.store.writer_lock()?;
        let mut rec = self.store.request(id)?.ok_or_else(|| unknown_request(id))?;
        if rec.agency == by.official().agency {
            return Err(AppError::Forbidden);
        }
        if rec.status != RequestStatus::PendingReview {
            return Err(AppError::Conflict("the request is not pending review"));
        }
        check_decision(self, &rec, Decision::Deny, by, decision)?;
        rec.denial = Some(Approval {
            officer: by.id().into(),
            at: decision.at,
            comment: comment.clone(),
            signature: Some(decision.signature.clone()),
        });
        rec.status = RequestStatus::Denied;
        rec.updated_at = self.now();
        self.store.put_request(&rec)?;
        self.audit(id, by.id(), AuditAction::Denied, comment)
    }

    /// Records the requester's certificate that a released response was
    /// disposed of.
    pub fn dispose(&self, by: &Acting<Officer>, id: &str, certified: Date) -> Result<(), AppError> {
        let _writer = self.store.writer_lock()?;
        let mut rec = self.store.request(id)?.ok_or_else(|| unknown_request(id))?;
        if rec.completed_at.is_none() {
            return Err(AppError::Conflict(
                "the request has no released response to dispose of",
            ));
        }
        if certified > self.now().date() {
            return Err(AppError::Invalid {
                field: "certified",
                why: "a certificate cannot be dated in the future".into(),
            });
        }
        rec.disposition_certified = Some(certified);
        rec.updated_at = self.now();
        self.store.put_request(&rec)?;
        self.audit(
            id,
            by.id(),
            AuditAction::Disposed,
            format!(
                "certificate dated {}",
                vouch_core::timestamp::format_date(certified)
            ),
        )
    }

    /// Runs a request directory on the command line: intake and checks,
    /// then the approvals of the officers named, each signed on the spot
    /// with that officer's own key (recorded under the run's writer lock, by
    /// the same rules as any approval: a key that is not the officer's
    /// registered key is refused; on a request no longer pending they are
    /// moot and not recorded), then the rest.
    pub fn run_with_approvals(
        &self,
        cfg: &RunConfig<'_>,
        approvers: &[(Acting<Officer>, ed25519_dalek::SigningKey)],
        comment: &str,
    ) -> Result<RunReport, AppError> {
        let mut seen = std::collections::HashSet::new();
        if let Some((twice, _)) = approvers.iter().find(|(a, _)| !seen.insert(a.id())) {
            return Err(AppError::Invalid {
                field: "approve-as",
                why: format!(
                    "{}: the same officer cannot approve a batch twice",
                    twice.id()
                ),
            });
        }
        let mut cached = None;
        let mut run = Run::start(self.store, cfg, &mut cached)?;
        run.review(|_, rec: &mut RequestRecord| {
            for (officer, key) in approvers {
                let pending = rec.status == RequestStatus::PendingReview;
                if pending && !rec.approvals.iter().any(|a| a.officer == officer.id()) {
                    let d =
                        SignedDecision::sign(rec, Decision::Approve, officer.id(), comment, key);
                    add_approval(self, rec, officer, &d)?;
                }
            }
            Ok::<(), AppError>(())
        })?;
        Ok(run.finish()?)
    }

    /// Runs (or resumes) a request the service received, from this node's
    /// copy of its upload (fetched from the store if another node received
    /// it), reusing the service's `ledger`. A written response is kept in
    /// the store for the other nodes.
    pub fn run_batch(
        &self,
        id: &str,
        index_dir: &Path,
        ledger: &mut Option<DynLedger>,
        progress: Option<&std::sync::atomic::AtomicU64>,
    ) -> Result<RunStatus, AppError> {
        let policy = self.active_policy()?;
        if !self.upload_here(id)? {
            return Err(AppError::Files {
                request_id: id.into(),
                why: "the request's files are on no node and not in the store".into(),
            });
        }
        let request_dir = self.uploads_dir().join(id);
        let out_dir = self.responses_dir().join(id);
        let cfg = RunConfig {
            keys: self.keys()?,
            request_dir: &request_dir,
            index_dir,
            out_dir: &out_dir,
            policy: &policy,
            now: self.now(),
            fault: None,
            progress,
        };
        let report = vouch_pipeline::run_request_cached(self.store, &cfg, ledger)?;
        if matches!(report.status, RunStatus::Completed | RunStatus::Rejected) {
            self.keep_response(id)?;
        }
        Ok(report.status)
    }

    /// Requests approved whose run did not finish (a restart resumes them).
    pub fn interrupted(&self) -> Result<Vec<RequestRecord>, AppError> {
        let mut all = self.store.requests()?;
        all.retain(|r| r.status.is_interrupted());
        Ok(all)
    }

    /// Audits that an interrupted run is started again.
    pub fn record_resume(&self, id: &str) -> Result<(), AppError> {
        self.audit(
            id,
            SYSTEM_ACTOR,
            AuditAction::Resumed,
            "after a service restart".into(),
        )
    }

    /// Whether `viewer` may take the response of `rec`: a requester of the
    /// request's own agency, once the batch is completed (a request
    /// rejected whole has a response too, all REJECTED, which the API
    /// serves; the console offers the download of completed ones).
    pub fn may_download(viewer: &OfficialRecord, rec: &RequestRecord) -> bool {
        Acting::<Requester>::check(viewer.clone()).is_ok()
            && viewer.agency == rec.agency
            && rec.status.has_response()
    }

    /// Checks that the approvals on `rec` are the ones its lookups were
    /// released under: every leaf of the request commits to the digest of
    /// the signed approvals counted when it was looked up, and those must
    /// still be on the record, valid, and enough. An approval added,
    /// altered or removed in the store afterwards fails this.
    pub fn check_approvals(&self, ledger: &DynLedger, rec: &RequestRecord) -> Result<(), AppError> {
        let vetted = self.vetted(ledger)?;
        self.check_approvals_vetted(ledger, rec, &vetted)
    }

    fn check_approvals_vetted(
        &self,
        ledger: &DynLedger,
        rec: &RequestRecord,
        vetted: &vouch_pipeline::changes::Vetted,
    ) -> Result<(), AppError> {
        let leaves = ledger.leaves_for_request(&rec.request_id)?;
        let Some((_, first)) = leaves.first() else {
            return Ok(());
        };
        let altered = |why: &str| {
            Err(AppError::ApprovalsAltered {
                request_id: rec.request_id.clone(),
                why: why.into(),
            })
        };
        let signer_of = |id: &str| approval::Signer::vetted(vetted, id);
        let valid = approval::valid_approvals(rec, &signer_of);
        let digest = approval::approvals_digest(rec, &valid);
        let Some(logged) = first.approvals_sha256 else {
            return altered("its lookups carry no signed approvals");
        };
        if leaves
            .iter()
            .any(|(_, l)| l.approvals_sha256 != Some(logged))
        {
            return altered("its lookups name different approvals");
        }
        if logged != digest {
            return altered(
                "the approvals on record are not those its lookups were released under",
            );
        }
        if valid.len() < rec.approvals_required.max(1) as usize {
            return altered("fewer valid approvals than it needed");
        }
        Ok(())
    }

    /// [`App::check_approvals`] for every request with lookups in the
    /// ledger; returns how many were checked.
    pub fn check_all_approvals(&self, ledger: &DynLedger) -> Result<usize, AppError> {
        let mut n = 0;
        let vetted = self.vetted(ledger)?;
        for rec in self.store.requests()? {
            if ledger.leaves_for_request(&rec.request_id)?.is_empty() {
                continue;
            }
            self.check_approvals_vetted(ledger, &rec, &vetted)?;
            n += 1;
        }
        Ok(n)
    }

    /// A file of a request's written response for its requesting agency
    /// (anyone else: unknown), once it is written (else a conflict). The
    /// disclosure leaving the service is recorded first: who took it, when,
    /// through what (`via`). Refused when the request's approvals are not
    /// those its lookups were released under (`ledger` as stored now).
    pub fn release(
        &self,
        by: &Acting<Requester>,
        ledger: &DynLedger,
        id: &str,
        file: ResponseFile,
        via: &str,
    ) -> Result<PathBuf, AppError> {
        let rec = self.store.request(id)?.ok_or_else(|| unknown_request(id))?;
        if rec.agency != by.official().agency {
            return Err(unknown_request(id));
        }
        if !App::may_download(by.official(), &rec) {
            return Err(AppError::Conflict("the response is not ready"));
        }
        // Nothing leaves under approvals that are not the ones recorded.
        self.check_approvals(ledger, &rec)?;
        let path = self.responses_dir().join(id).join(file.name());
        if !self.response_here(id)? || !path.is_file() {
            return Err(AppError::Files {
                request_id: id.into(),
                why: format!("{} missing", file.name()),
            });
        }
        // The answers go only to the people working on each subject's
        // investigation (the court's order of Nov 2025): a recipient gets
        // the rows of the cases the letter assigns them; the letter's
        // signer gets the counts (response.json), not the rows.
        if file == ResponseFile::Csv {
            if by.official().role != vouch_store::Role::Recipient {
                return Err(AppError::Conflict(
                    "the response's rows are released only to the recipients assigned to their cases",
                ));
            }
            let (rows, cases) = self.recipient_rows(id, by.id(), &path)?;
            self.audit(
                id,
                by.id(),
                AuditAction::Downloaded,
                format!(
                    "{}{via}: the rows of {cases} cases assigned to {}",
                    file.name(),
                    by.id()
                ),
            )?;
            return Ok(rows);
        }
        self.audit(
            id,
            by.id(),
            AuditAction::Downloaded,
            format!("{}{via}", file.name()),
        )?;
        Ok(path)
    }

    /// Writes (atomically) and returns the part of `full` (a response.csv)
    /// whose subjects' cases the letter assigns to `recipient`, in order,
    /// and how many cases that is.
    fn recipient_rows(
        &self,
        id: &str,
        recipient: &str,
        full: &Path,
    ) -> Result<(PathBuf, usize), AppError> {
        let files_err = |why: String| AppError::Files {
            request_id: id.into(),
            why,
        };
        if !self.upload_here(id)? {
            return Err(files_err(
                "the letter is not kept: the response cannot be split by case".into(),
            ));
        }
        let files = vouch_formats::request::read_request_dir(&self.uploads_dir().join(id))
            .map_err(|e| files_err(e.to_string()))?;
        if !files.letter.recipients.iter().any(|r| r.id == recipient) {
            return Err(AppError::Conflict(
                "the letter does not name you as a recipient",
            ));
        }
        let cases: std::collections::HashSet<&str> = files
            .letter
            .cases
            .iter()
            .filter(|(r, _)| r == recipient)
            .map(|(_, c)| c.as_str())
            .collect();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(full)
            .map_err(|e| files_err(format!("response.csv: {e}")))?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let header = reader
            .headers()
            .map_err(|e| files_err(format!("response.csv: {e}")))?
            .clone();
        writer
            .write_record(&header)
            .map_err(|e| files_err(e.to_string()))?;
        // One row per subject, in the subjects file's order (formats.md).
        for (row, subject) in reader.records().zip(&files.subjects) {
            let row = row.map_err(|e| files_err(format!("response.csv: {e}")))?;
            if cases.contains(subject.case_number.trim()) {
                writer
                    .write_record(&row)
                    .map_err(|e| files_err(e.to_string()))?;
            }
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| files_err(e.error().to_string()))?;
        crate::checked_id("recipient", recipient)?;
        let path = self
            .responses_dir()
            .join(id)
            .join(format!("response.{recipient}.csv"));
        vouch_formats::atomic::write_atomic(&path, &bytes).map_err(|e| files_err(e.to_string()))?;
        Ok((path, cases.len()))
    }

    /// The counts of a request's written response, once there is one.
    pub fn released_counts(&self, rec: &RequestRecord) -> Result<Option<ReleasedCounts>, AppError> {
        let id = &rec.request_id;
        if !rec.status.has_response() || !self.response_here(id)? {
            return Ok(None);
        }
        let path = self
            .responses_dir()
            .join(id)
            .join(ResponseFile::Json.name());
        let files = |why: String| AppError::Files {
            request_id: id.clone(),
            why,
        };
        let bytes = vouch_formats::keys::read_bounded(&path, RESPONSE_JSON_BYTES_MAX)
            .map_err(|e| files(e.to_string()))?;
        let counts =
            serde_json::from_slice(&bytes).map_err(|e| files(format!("response.json: {e}")))?;
        Ok(Some(counts))
    }

    /// Who uploaded a request over the API, if anyone did (a request run on
    /// the command line names nobody).
    pub fn uploader(&self, id: &str) -> Result<Option<String>, AppError> {
        Ok(self
            .store
            .audit_trail(id)?
            .into_iter()
            .find(|e| e.action == AuditAction::Uploaded)
            .map(|e| e.actor))
    }

    /// The explanation recorded when `subject_ref` of request `id` was
    /// looked up: only for a lookup the ledger holds (`ledger` as stored
    /// now), with the answer the ledger recorded. Each explanation read is
    /// audited.
    pub fn explain(
        &self,
        by: &Acting<Overseer>,
        ledger: &DynLedger,
        id: &str,
        subject_ref: &str,
    ) -> Result<Result<Explained, NoExplanation>, AppError> {
        let rec = self.store.request(id)?.ok_or_else(|| unknown_request(id))?;
        if rec.status != RequestStatus::Completed {
            return Ok(Err(NoExplanation::NotCompleted));
        }
        // Every question is on the record, answered or not: asking whether
        // a reference was looked up is itself worth knowing about.
        self.audit(
            id,
            by.id(),
            AuditAction::Explained,
            format!("subject {subject_ref}"),
        )?;
        let answered = match ledger.find(id, subject_ref)? {
            Some(i) => ledger.leaf(i)?.outcome,
            None => return Ok(Err(NoExplanation::NotLookedUp)),
        };
        let Some(position) = position_of(self.store, id, subject_ref)? else {
            return Ok(Err(NoExplanation::NotLookedUp));
        };
        let key = self.keys()?.explain();
        let Some(rec) = vouch_pipeline::explain::recorded(self.store, key, id, position)? else {
            return Ok(Err(NoExplanation::NoCandidate));
        };
        let mut terms: Vec<ExplainTerm> = rec
            .terms()
            .into_iter()
            .map(|(field, level, weight)| ExplainTerm {
                field,
                level,
                weight,
            })
            .collect();
        let ex = rec.explanation;
        if ex.swap != 0.0 {
            terms.push(ExplainTerm {
                field: "name order",
                level: "swapped",
                weight: f64::from(ex.swap),
            });
        }
        Ok(Ok(Explained {
            subject_ref: subject_ref.into(),
            outcome: match answered {
                LeafOutcome::Confirmed => Outcome::Confirmed,
                _ => Outcome::NotConfirmed,
            },
            prior: f64::from(ex.prior),
            terms,
            total: f64::from(ex.total),
            threshold: rec.threshold,
        }))
    }

    /// Reason counts and the first `sample` rejected subjects of a request's
    /// checks (references and codes only), for the review queue.
    pub fn rejections(
        &self,
        _by: &Acting<Officer>,
        id: &str,
        sample: usize,
    ) -> Result<Rejections, AppError> {
        let Some(bytes) = self.store.request_blob(id, vouch_pipeline::CHECKS_DOC)? else {
            return Ok((BTreeMap::new(), Vec::new()));
        };
        let rows =
            vouch_formats::checks::parse_checks(Path::new(vouch_pipeline::CHECKS_DOC), &bytes)
                .map_err(|e| AppError::Files {
                    request_id: id.into(),
                    why: e.to_string(),
                })?;
        let mut counts = BTreeMap::new();
        let mut first = Vec::new();
        for vouch_formats::checks::StoredCheck {
            subject_ref,
            reasons,
            ..
        } in rows
        {
            if reasons.is_empty() {
                continue;
            }
            for r in &reasons {
                *counts.entry(*r).or_default() += 1;
            }
            if first.len() < sample {
                first.push((subject_ref, reasons));
            }
        }
        Ok((counts, first))
    }
}

/// The position of `subject_ref` in a request, from its recorded checks.
fn position_of(
    store: &dyn StateStore,
    id: &str,
    subject_ref: &str,
) -> Result<Option<usize>, AppError> {
    let Some(bytes) = store.request_blob(id, vouch_pipeline::CHECKS_DOC)? else {
        return Ok(None);
    };
    let rows = vouch_formats::checks::parse_checks(Path::new(vouch_pipeline::CHECKS_DOC), &bytes)
        .map_err(|e| AppError::Files {
        request_id: id.into(),
        why: e.to_string(),
    })?;
    Ok(rows.iter().position(|c| c.subject_ref == subject_ref))
}
