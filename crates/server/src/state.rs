//! The service's shared state: the state store (opened once, holding its
//! exclusive lock), the token table, the batch slots and the jobs in flight.
//!
//! Concurrency: every change to the store, every pipeline run and every
//! ledger access goes through one writer mutex, so two batches are never
//! checked at once (the probing guard sees every earlier request) and the
//! ledger's files have one user. Reads of store documents (request records,
//! the registry, audit trails) do not take it: each document is replaced
//! atomically, so a reader sees the old or the new one, and a status query
//! is not held up by a long batch. Blocking calls run on tokio's blocking pool.

use crate::error::{ApiError, ServerError};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vouch_ledger::DynLedger;
use vouch_pipeline::{run_request_cached, PipelineError, RunConfig, RunStatus};
use vouch_store::{
    AuditEvent, OfficialRecord, RequestStatus, Role, StateStore, StoreError, HOME_AGENCY,
};

/// The administrator registered on first start.
pub const BOOTSTRAP_ADMIN: &str = "vouch-admin";
/// Failed jobs remembered for status queries at most (oldest forgotten first).
const FAILED_JOBS_MAX: usize = 1024;

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Batches accepted and not yet finished at most (queued or running);
    /// beyond that an upload or approval is answered 429.
    pub batches_max: usize,
    /// Largest accepted upload (the whole multipart body), in bytes. The
    /// default admits the largest lawful request; on a SQL store
    /// `subjects.csv` is further limited to `REQUEST_BLOB_BYTES_MAX`.
    pub upload_bytes_max: u64,
    /// Largest accepted JSON body, in bytes.
    pub json_body_bytes_max: usize,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_s: u32,
    /// How long an issued API token works, in days (`None`: until revoked).
    pub token_ttl_days: Option<u32>,
    /// Mark the console's cookies `Secure` (set when serving HTTPS).
    pub secure_cookies: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            batches_max: 4,
            upload_bytes_max: crate::limits::UPLOAD_BYTES_MAX_DEFAULT,
            json_body_bytes_max: 64 << 10,
            retry_after_s: 30,
            token_ttl_days: Some(90),
            secure_cookies: false,
        }
    }
}

/// Where a background run stands (until its record says more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobState {
    Queued,
    Running,
    /// The run failed; a data-free category.
    Failed(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub agency: String,
    pub state: JobState,
    seq: u64,
}

/// What the writer mutex guards besides the store's changes.
pub(crate) struct Writer {
    /// The ledger, opened on first use and kept across pipeline runs
    /// (reopened when another process or node appended; dropped when a run
    /// fails).
    ledger: Option<DynLedger>,
}

impl Writer {
    /// The ledger as stored now: reopened when another process or node
    /// appended since it was read.
    pub(crate) fn ledger(&mut self, store: &dyn StateStore) -> Result<&mut DynLedger, ApiError> {
        if let (Some(l), Some(stored)) = (&self.ledger, store.ledger_len()?) {
            if l.size() != stored {
                self.ledger = None;
            }
        }
        if self.ledger.is_none() {
            self.ledger = Some(store.open_ledger()?);
        }
        match self.ledger.as_mut() {
            Some(l) => Ok(l),
            None => Err(ApiError::Internal("ledger not open".into())),
        }
    }
}

pub(crate) struct Core {
    pub store: Box<dyn StateStore>,
    pub writer: Mutex<Writer>,
    /// The ledger's verifier key, once read (it never changes).
    pub verifier: std::sync::OnceLock<vouch_ledger::NoteVerifier>,
    /// Subjects matched so far, per batch running on this node.
    pub progress: Mutex<HashMap<String, Arc<std::sync::atomic::AtomicU64>>>,
    pub explain_index: crate::explain::IndexCache,
    pub jobs: Mutex<HashMap<String, Job>>,
    job_seq: std::sync::atomic::AtomicU64,
    pub batches: Arc<Semaphore>,
    pub config: ServerConfig,
    pub index_dir: PathBuf,
    pub http_counts: Mutex<BTreeMap<u16, u64>>,
}

/// The service's state, shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub(crate) core: Arc<Core>,
}

/// Locks a mutex, recovering from poisoning: a panic inside a pipeline run
/// leaves the store as a crash would, and runs resume from there by design.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The current instant in RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Runs blocking work on tokio's blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task: {e}")))?
}

impl AppState {
    /// The service over a state store. On first start (no token ever
    /// issued) it registers the administrator `vouch-admin` if needed and
    /// returns a token for it: the only time that token is shown.
    pub fn open(
        store: Box<dyn StateStore>,
        index_dir: &Path,
        config: ServerConfig,
    ) -> Result<(AppState, Option<String>), ServerError> {
        if config.batches_max > Semaphore::MAX_PERMITS || config.batches_max > u32::MAX as usize {
            return Err(ServerError::Config {
                field: "batches_max",
                why: "too large".into(),
            });
        }
        // Under the store's writer lock: nodes starting together on a new
        // store show one administrator token, not one each.
        let bootstrap = {
            let _writer = store.writer_lock()?;
            if store.tokens()?.is_empty() {
                Some(bootstrap_admin(store.as_ref(), &config)?)
            } else {
                None
            }
        };
        let core = Core {
            store,
            writer: Mutex::new(Writer { ledger: None }),
            verifier: std::sync::OnceLock::new(),
            progress: Mutex::new(HashMap::new()),
            explain_index: Default::default(),
            jobs: Mutex::new(HashMap::new()),
            job_seq: std::sync::atomic::AtomicU64::new(0),
            batches: Arc::new(Semaphore::new(config.batches_max)),
            config,
            index_dir: index_dir.to_path_buf(),
            http_counts: Mutex::new(BTreeMap::new()),
        };
        Ok((
            AppState {
                core: Arc::new(core),
            },
            bootstrap,
        ))
    }

    /// Restarts every batch a previous run of the service left approved but
    /// unfinished (status `approved` or `logged`). The pipeline resumes from
    /// the ledger, so no lookup is made twice. Returns how many were started;
    /// waits for batch slots, so call it from a task of its own at start-up.
    pub async fn resume_interrupted(&self) -> Result<usize, ServerError> {
        let core = self.core.clone();
        let pending = tokio::task::spawn_blocking(move || core.store.requests())
            .await
            .map_err(|e| ServerError::Config {
                field: "resume",
                why: e.to_string(),
            })??;
        let mut started = 0;
        for rec in pending {
            let interrupted = matches!(rec.status, RequestStatus::Approved | RequestStatus::Logged);
            if !interrupted {
                continue;
            }
            let here = {
                let (core, id) = (self.core.clone(), rec.request_id.clone());
                tokio::task::spawn_blocking(move || crate::shared_files::upload_here(&core, &id))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(false)
            };
            if !here {
                tracing::error!(request_id = %rec.request_id, "an interrupted batch's files are missing");
                continue;
            }
            if !self.core.claim_job(&rec.request_id, &rec.agency) {
                continue;
            }
            let Ok(permit) = self.core.batches.clone().acquire_owned().await else {
                break;
            };
            tracing::info!(request_id = %rec.request_id, "resuming an interrupted batch");
            self.core
                .spawn_run(rec.request_id, RunReason::Resume, permit);
            started += 1;
        }
        Ok(started)
    }

    /// Waits until no batch is queued or running (tests, graceful shutdown).
    pub async fn wait_idle(&self) {
        let n = self.core.config.batches_max as u32;
        if let Ok(all) = self.core.batches.acquire_many(n).await {
            drop(all);
        }
    }

    /// Holds the writer lock until the guard is dropped: batches queue up
    /// behind it (used by tests of the queue limit).
    #[doc(hidden)]
    pub fn pause_writer(&self) -> impl Drop + '_ {
        lock(&self.core.writer)
    }
}

fn bootstrap_admin(store: &dyn StateStore, config: &ServerConfig) -> Result<String, ServerError> {
    match store.official(BOOTSTRAP_ADMIN)? {
        Some(o) if o.role == Role::Administrator => {}
        Some(_) => {
            return Err(ServerError::Config {
                field: "bootstrap",
                why: format!("official {BOOTSTRAP_ADMIN} exists with another role"),
            })
        }
        None => store.add_official(OfficialRecord {
            id: BOOTSTRAP_ADMIN.into(),
            agency: HOME_AGENCY.into(),
            role: Role::Administrator,
            public_key: None,
            registered_at: now_rfc3339(),
        })?,
    }
    let (token, _) = crate::tokens::issue(
        store,
        BOOTSTRAP_ADMIN,
        "bootstrap",
        OffsetDateTime::now_utc(),
        config.token_ttl(),
    )?;
    service_audit(store, "system", "bootstrap", "administrator token issued")
        .map_err(ServerError::from)?;
    Ok(token)
}

/// Appends an event to the service's own audit trail (registry and token
/// changes, which belong to no request), durably.
pub(crate) fn service_audit(
    store: &dyn StateStore,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), StoreError> {
    store.service_audit(&AuditEvent {
        at: now_rfc3339(),
        actor: actor.into(),
        action: action.into(),
        detail: detail.into(),
    })
}

impl ServerConfig {
    /// The lifetime of an issued token.
    pub(crate) fn token_ttl(&self) -> Option<time::Duration> {
        self.token_ttl_days
            .map(|d| time::Duration::days(i64::from(d)))
    }
}

/// Why a background run starts.
pub(crate) enum RunReason {
    /// A requester uploaded the request (checks only, no approval).
    Upload {
        /// The uploading official.
        by: String,
    },
    /// An officer's approval was recorded (the pipeline checks the officer again).
    Approval {
        /// The officer.
        officer: String,
    },
    /// The service restarted while the batch was approved but unfinished:
    /// run it again, which replays logged lookups from the ledger.
    Resume,
}

/// The data-free category of a failed run, shown to those who may see the request.
fn failure_category(e: &PipelineError) -> &'static str {
    match e {
        PipelineError::Format(_) => "request_unreadable",
        PipelineError::Refused { .. } => "signature_refused",
        PipelineError::IdReused { .. } => "request_id_reused",
        _ => "internal",
    }
}

impl Core {
    pub(crate) fn uploads_dir(&self) -> PathBuf {
        self.store.files_dir().join("uploads")
    }

    pub(crate) fn responses_dir(&self) -> PathBuf {
        self.store.files_dir().join("responses")
    }

    /// Appends to a request's audit trail.
    pub(crate) fn audit(
        &self,
        request_id: &str,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.store.audit(
            request_id,
            &AuditEvent {
                at: now_rfc3339(),
                actor: actor.into(),
                action: action.into(),
                detail: detail.into(),
            },
        )
    }

    /// A job's state, if one is known.
    pub(crate) fn job(&self, request_id: &str) -> Option<Job> {
        lock(&self.jobs).get(request_id).cloned()
    }

    /// Forgets a job claimed by a caller that then failed before starting it.
    pub(crate) fn release_job(&self, request_id: &str) {
        self.set_job(request_id, None);
    }

    /// Registers a queued job unless one is already queued or running.
    pub(crate) fn claim_job(&self, request_id: &str, agency: &str) -> bool {
        let mut jobs = lock(&self.jobs);
        if let Some(j) = jobs.get(request_id) {
            if j.state != JobState::Queued && j.state != JobState::Running {
                jobs.remove(request_id);
            } else {
                return false;
            }
        }
        let seq = self
            .job_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        jobs.insert(
            request_id.into(),
            Job {
                agency: agency.into(),
                state: JobState::Queued,
                seq,
            },
        );
        true
    }

    fn set_job(&self, request_id: &str, state: Option<JobState>) {
        let mut jobs = lock(&self.jobs);
        match state {
            None => {
                jobs.remove(request_id);
            }
            Some(s) => {
                if let Some(j) = jobs.get_mut(request_id) {
                    j.state = s;
                }
            }
        }
        let failed = jobs
            .values()
            .filter(|j| matches!(j.state, JobState::Failed(_)))
            .count();
        if failed > FAILED_JOBS_MAX {
            let oldest = jobs
                .iter()
                .filter(|(_, j)| matches!(j.state, JobState::Failed(_)))
                .min_by_key(|(_, j)| j.seq)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                jobs.remove(&k);
            }
        }
    }

    /// Runs the pipeline for a request in the background, holding a batch
    /// slot until it ends.
    pub(crate) fn spawn_run(
        self: &Arc<Self>,
        request_id: String,
        why: RunReason,
        permit: OwnedSemaphorePermit,
    ) {
        let core = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            let mut writer = lock(&core.writer);
            core.set_job(&request_id, Some(JobState::Running));
            let approver = match why {
                RunReason::Upload { by } => {
                    let audited = core.audit(
                        &request_id,
                        &by,
                        "uploaded",
                        "request files received over the API",
                    );
                    if let Err(e) = audited {
                        tracing::error!(request_id = %request_id, error = %e, "audit failed");
                        core.set_job(&request_id, Some(JobState::Failed("internal")));
                        return;
                    }
                    None
                }
                RunReason::Approval { officer } => Some(officer),
                RunReason::Resume => {
                    if let Err(e) =
                        core.audit(&request_id, "system", "resumed", "after a service restart")
                    {
                        tracing::error!(request_id = %request_id, error = %e, "audit failed");
                    }
                    None
                }
            };
            // The run reuses the service's ledger (reopened if stale, dropped
            // if the run fails).
            let result = core.run_pipeline(&request_id, approver, &mut writer.ledger);
            drop(writer);
            match result {
                Ok(status) => {
                    tracing::info!(request_id = %request_id, status, "batch run finished");
                    core.set_job(&request_id, None);
                }
                Err(e) => {
                    tracing::error!(request_id = %request_id, error = %e, "batch run failed");
                    core.set_job(&request_id, Some(JobState::Failed(failure_category(&e))));
                }
            }
        });
    }

    fn run_pipeline(
        &self,
        request_id: &str,
        approver: Option<String>,
        ledger: &mut Option<DynLedger>,
    ) -> Result<&'static str, PipelineError> {
        let policy = vouch_pipeline::active_policy(self.store.as_ref())?;
        // The upload may have reached another node: fetch it from the store.
        let here = crate::shared_files::upload_here(self, request_id).map_err(|e| {
            PipelineError::Inconsistent {
                request_id: request_id.to_string(),
                why: format!("the request's files: {e}"),
            }
        })?;
        if !here {
            return Err(PipelineError::Inconsistent {
                request_id: request_id.to_string(),
                why: "the request's files are on no node and not in the store".into(),
            });
        }
        let approvers: Vec<String> = approver.into_iter().collect();
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        lock(&self.progress).insert(request_id.to_string(), counter.clone());
        let _forget = Forget(&self.progress, request_id);
        let cfg = RunConfig {
            request_dir: &self.uploads_dir().join(request_id),
            index_dir: &self.index_dir,
            out_dir: &self.responses_dir().join(request_id),
            approvers: &approvers,
            policy: &policy,
            now: OffsetDateTime::now_utc(),
            fault: None,
            progress: Some(&counter),
        };
        let report = run_request_cached(self.store.as_ref(), &cfg, ledger)?;
        if matches!(report.status, RunStatus::Completed | RunStatus::Rejected) {
            // Other nodes serve the response from the store.
            if let Err(e) = crate::shared_files::keep_response(self, request_id) {
                tracing::error!(request_id = %request_id, error = %e, "response not shared");
            }
        }
        Ok(match report.status {
            RunStatus::Completed => "completed",
            RunStatus::Rejected => "rejected",
            RunStatus::PendingReview { .. } => "pending_review",
            RunStatus::Denied => "denied",
        })
    }

    /// The ledger's verifier key (created on first use, under the writer lock).
    pub(crate) fn ledger_verifier(&self) -> Result<vouch_ledger::NoteVerifier, PipelineError> {
        if let Some(v) = self.verifier.get() {
            return Ok(v.clone());
        }
        let _w = lock(&self.writer);
        let v = vouch_pipeline::ledger_verifier(self.store.as_ref())?;
        Ok(self.verifier.get_or_init(|| v).clone())
    }

    /// Where a queued or running batch stands: subjects matched so far (on
    /// this node; all of them once the lookups are logged) out of all. `None`
    /// when it is not queued or running.
    pub(crate) fn progress(&self, r: &vouch_store::RequestRecord) -> Option<(u64, u64)> {
        let finished = matches!(
            r.status,
            RequestStatus::Completed | RequestStatus::Rejected | RequestStatus::Denied
        );
        let running = matches!(r.status, RequestStatus::Approved | RequestStatus::Logged)
            || matches!(
                self.job(&r.request_id).map(|j| j.state),
                Some(JobState::Queued | JobState::Running)
            );
        if finished || !running {
            return None;
        }
        let matched = lock(&self.progress)
            .get(&r.request_id)
            .map(|c| c.load(std::sync::atomic::Ordering::Relaxed));
        let done = match matched {
            Some(n) => n.min(r.subject_count),
            None if r.status == RequestStatus::Logged => r.subject_count,
            None => 0,
        };
        Some((done, r.subject_count))
    }

    /// Takes a batch slot, or answers 429.
    pub(crate) fn try_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.batches
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::Busy {
                retry_after_s: self.config.retry_after_s,
            })
    }
}

/// Removes a batch's progress counter when its run ends, however it ends.
struct Forget<'a>(
    &'a Mutex<HashMap<String, Arc<std::sync::atomic::AtomicU64>>>,
    &'a str,
);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        lock(self.0).remove(self.1);
    }
}
