//! The service's shared state: the state store, the ledger it keeps open
//! between runs, the batch slots and the jobs in flight.
//!
//! Concurrency: every pipeline run and every ledger access on this node
//! goes through one writer mutex (the ledger handle has one user); across
//! processes and nodes the store's own writer lock serialises batch runs
//! and decisions (the application layer takes it). Reads of records do not
//! wait for either, so a status query is not held up by a long batch.
//! Blocking calls run on tokio's blocking pool.

use crate::error::{ApiError, ServerError};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vouch_app::App;
use vouch_ledger::DynLedger;
use vouch_pipeline::RunStatus;
use vouch_store::{RequestRecord, RequestStatus, StateStore};

/// Failed jobs remembered for status queries at most (oldest forgotten first).
const FAILED_JOBS_MAX: usize = 1024;

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Batches accepted and not yet finished at most (queued or running);
    /// beyond that an upload or approval is answered 429.
    pub batches_max: usize,
    /// Largest accepted upload (the whole multipart body), in bytes. The
    /// default admits the largest lawful request.
    pub upload_bytes_max: u64,
    /// Largest accepted JSON body, in bytes.
    pub json_body_bytes_max: usize,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_s: u32,
    /// How long an issued API token works, in days (`None`: until revoked).
    pub token_ttl_days: Option<u32>,
    /// Mark the console's cookies `Secure` (set when serving HTTPS).
    pub secure_cookies: bool,
    /// The WebAuthn relying-party id of the console's security keys: the
    /// host name browsers reach the console by, or a parent domain of it
    /// (never an IP address).
    pub rp_id: String,
    /// The console's origin as browsers see it (`https://vouch.example`,
    /// `http://localhost:8080`): a security key answers only for it.
    pub rp_origin: String,
    /// Connection cap and timeouts of the front door.
    pub front_door: crate::front_door::FrontDoor,
    /// Console sign-in attempts allowed per source address, and per token
    /// prefix, within [`ServerConfig::sign_in_window_s`].
    pub sign_in_attempts_max: u32,
    /// The window of the sign-in limit, in seconds.
    pub sign_in_window_s: u32,
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
            rp_id: "localhost".into(),
            rp_origin: "http://localhost:8080".into(),
            front_door: crate::front_door::FrontDoor::default(),
            sign_in_attempts_max: 10,
            sign_in_window_s: 300,
        }
    }
}

impl ServerConfig {
    /// The lifetime of an issued token.
    pub(crate) fn token_ttl(&self) -> Option<time::Duration> {
        self.token_ttl_days
            .map(|d| time::Duration::days(i64::from(d)))
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

/// What the writer mutex guards: the ledger, opened on first use and kept
/// across pipeline runs (reopened when another process or node appended;
/// dropped when a run fails).
pub(crate) struct Writer {
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
        match &mut self.ledger {
            Some(l) => Ok(l),
            slot => Ok(slot.insert(store.open_ledger()?)),
        }
    }
}

pub(crate) struct Core {
    pub store: Box<dyn StateStore>,
    /// The service's keys, checked against the store at start.
    pub keys: vouch_app::ServiceKeys,
    pub writer: Mutex<Writer>,
    /// The ledger's verifier key, once read (it never changes).
    pub verifier: std::sync::OnceLock<vouch_ledger::NoteVerifier>,
    /// Subjects matched so far, per batch running on this node.
    pub progress: Mutex<HashMap<String, Arc<AtomicU64>>>,
    pub jobs: Mutex<HashMap<String, Job>>,
    job_seq: AtomicU64,
    pub batches: Arc<Semaphore>,
    pub config: ServerConfig,
    /// The relying party of the console's security keys (from the config).
    pub rp: vouch_app::RelyingParty,
    pub index_dir: PathBuf,
    pub http_counts: Mutex<BTreeMap<u16, u64>>,
    /// Failed console sign-ins, per source and per token prefix.
    pub sign_in_failures: Mutex<HashMap<String, std::collections::VecDeque<std::time::Instant>>>,
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
        keys: vouch_app::ServiceKeys,
        index_dir: &Path,
        config: ServerConfig,
    ) -> Result<(AppState, Option<String>), ServerError> {
        if config.batches_max > Semaphore::MAX_PERMITS || config.batches_max > u32::MAX as usize {
            return Err(ServerError::Config {
                field: "batches_max",
                why: "too large".into(),
            });
        }
        let rp = vouch_app::RelyingParty::new(&config.rp_id, &config.rp_origin).map_err(|e| {
            ServerError::Config {
                field: "rp_id",
                why: e.to_string(),
            }
        })?;
        // Keys that are not the store's stop the service before it starts.
        App::with_keys(store.as_ref(), &keys)?;
        let bootstrap = App::new(store.as_ref()).bootstrap(config.token_ttl())?;
        let core = Core {
            store,
            keys,
            writer: Mutex::new(Writer { ledger: None }),
            verifier: std::sync::OnceLock::new(),
            progress: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
            job_seq: AtomicU64::new(0),
            batches: Arc::new(Semaphore::new(config.batches_max)),
            config,
            rp,
            index_dir: index_dir.to_path_buf(),
            http_counts: Mutex::new(BTreeMap::new()),
            sign_in_failures: Mutex::new(HashMap::new()),
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
        let pending = blocking(move || Ok(core.app().interrupted()?))
            .await
            .map_err(|e| ServerError::Config {
                field: "resume",
                why: e.to_string(),
            })?;
        let mut started = 0;
        for rec in pending {
            let here = {
                let (core, id) = (self.core.clone(), rec.request_id.clone());
                blocking(move || Ok(core.app().upload_here(&id)?))
                    .await
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
            self.core.spawn_run(rec.request_id, true, permit);
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

    /// Shuts the service's state down: waits for the batches in flight,
    /// drops the ledger it kept open and closes the store (its connections
    /// and locks are released before this returns). Every later store call
    /// fails, so call it last.
    pub async fn shut_down(&self) {
        self.wait_idle().await;
        let core = self.core.clone();
        let closed = tokio::task::spawn_blocking(move || {
            lock(&core.writer).ledger = None;
            core.store.close();
        })
        .await;
        if closed.is_err() {
            tracing::error!("closing the state store failed");
        }
    }

    /// The state store the service uses (tests check it is closed after
    /// shutdown).
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &dyn StateStore {
        self.core.store.as_ref()
    }

    /// Holds the writer lock until the guard is dropped: batches queue up
    /// behind it (used by tests of the queue limit).
    #[doc(hidden)]
    pub fn pause_writer(&self) -> impl Drop + '_ {
        lock(&self.core.writer)
    }
}

/// The data-free category of a failed run, shown to those who may see the request.
/// How long a batch waiting for its witnesses' cosignatures waits before
/// it asks them again.
pub const WITNESS_RETRY: std::time::Duration = std::time::Duration::from_secs(30);
/// How long an approved batch a court order holds waits before it looks
/// again whether the order was lifted.
pub const ORDER_RETRY: std::time::Duration = std::time::Duration::from_secs(600);

fn failure_category(e: &vouch_app::AppError) -> &'static str {
    use vouch_app::AppError;
    use vouch_pipeline::PipelineError;
    match e {
        AppError::Pipeline(PipelineError::Format(_)) => "request_unreadable",
        AppError::Pipeline(PipelineError::Refused { .. }) => "signature_refused",
        AppError::Pipeline(PipelineError::IdReused { .. }) => "request_id_reused",
        AppError::Pipeline(PipelineError::WitnessQuorum { .. }) => "witnesses_waiting",
        AppError::Pipeline(PipelineError::OrderHalt { .. }) => "held_by_court_order",
        AppError::Pipeline(PipelineError::WitnessTamper { .. }) => {
            "ledger_not_what_witnesses_cosigned"
        }
        _ => "internal",
    }
}

/// Sources and token prefixes with recent failed sign-ins kept at most:
/// when that many are live, every sign-in waits (fail closed).
const SIGN_IN_KEYS_MAX: usize = 100_000;

impl Core {
    /// Seconds until `keys` may try to sign in again (`None`: now): each
    /// key holds at most `sign_in_attempts_max` failures in the window.
    pub(crate) fn sign_in_wait(&self, keys: &[String]) -> Option<u64> {
        let window = std::time::Duration::from_secs(self.config.sign_in_window_s.into());
        let max = self.config.sign_in_attempts_max as usize;
        let now = std::time::Instant::now();
        let mut failures = lock(&self.sign_in_failures);
        failures.retain(|_, q| {
            while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                q.pop_front();
            }
            !q.is_empty()
        });
        if failures.len() >= SIGN_IN_KEYS_MAX {
            return Some(window.as_secs().max(1));
        }
        keys.iter()
            .filter_map(|k| failures.get(k))
            .filter(|q| q.len() >= max)
            .filter_map(|q| q.front())
            .map(|oldest| (window.saturating_sub(now.duration_since(*oldest))).as_secs() + 1)
            .max()
    }

    /// Counts a failed sign-in against `keys`.
    pub(crate) fn sign_in_failed(&self, keys: &[String]) {
        let now = std::time::Instant::now();
        let mut failures = lock(&self.sign_in_failures);
        // Bounded by `sign_in_wait`, which refuses every attempt while the
        // map is full (never cleared early: clearing would let a flood of
        // sources wipe one token prefix's count).
        for k in keys {
            failures.entry(k.clone()).or_default().push_back(now);
        }
    }

    /// The application over this node's store and keys.
    pub(crate) fn app(&self) -> App<'_> {
        App::with_checked_keys(self.store.as_ref(), &self.keys).with_relying_party(&self.rp)
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
        let seq = self.job_seq.fetch_add(1, Ordering::Relaxed);
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

    /// Runs (or, with `resume`, resumes) a request's batch in the
    /// background, holding a batch slot until it ends.
    pub(crate) fn spawn_run(
        self: &Arc<Self>,
        request_id: String,
        resume: bool,
        permit: OwnedSemaphorePermit,
    ) {
        let core = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            let mut writer = lock(&core.writer);
            core.set_job(&request_id, Some(JobState::Running));
            let app = core.app();
            if resume {
                if let Err(e) = app.record_resume(&request_id) {
                    tracing::error!(request_id = %request_id, error = %e, "audit failed");
                }
            }
            let counter = Arc::new(AtomicU64::new(0));
            lock(&core.progress).insert(request_id.clone(), counter.clone());
            let forget = Forget(&core.progress, &request_id);
            // The run reuses the service's ledger (reopened if stale,
            // dropped if the run fails).
            let result = app.run_batch(
                &request_id,
                &core.index_dir,
                &mut writer.ledger,
                Some(&counter),
            );
            drop(forget);
            drop(writer);
            match result {
                Ok(status) => {
                    let status = match status {
                        RunStatus::Completed => "completed",
                        RunStatus::Rejected => "rejected",
                        RunStatus::PendingReview { .. } => "pending_review",
                        RunStatus::Denied => "denied",
                    };
                    tracing::info!(request_id = %request_id, status, "batch run finished");
                    core.set_job(&request_id, None);
                }
                Err(e) => {
                    tracing::error!(request_id = %request_id, error = %e, "batch run failed");
                    // A refused or unreadable upload is not kept: its files
                    // go (the refusal stays in the audit trail), while this
                    // job still holds the request id, so that a new upload
                    // of the id, claimed once it is released, never loses
                    // its files to this one's discarding.
                    if matches!(
                        failure_category(&e),
                        "signature_refused" | "request_unreadable"
                    ) {
                        if let Err(e) = core.app().discard_upload(&request_id) {
                            tracing::error!(request_id = %request_id, error = %e, "discarding a refused upload failed");
                        }
                    }
                    core.set_job(&request_id, Some(JobState::Failed(failure_category(&e))));
                    // A batch waiting for its witnesses is tried again
                    // later: it completes when they answer (fail closed
                    // until then: no response is released).
                    // So is one a court order holds: it is released once
                    // the order is lifted.
                    match failure_category(&e) {
                        "witnesses_waiting" => {
                            core.retry_later(request_id.clone(), "witnesses_waiting", WITNESS_RETRY)
                        }
                        "held_by_court_order" => {
                            core.retry_later(request_id.clone(), "held_by_court_order", ORDER_RETRY)
                        }
                        _ => {}
                    }
                }
            }
        });
    }

    /// Runs a batch again (resuming) after `delay`, unless it is queued or
    /// running by then, or no longer failed for `category`.
    fn retry_later(
        self: &Arc<Self>,
        request_id: String,
        category: &'static str,
        delay: std::time::Duration,
    ) {
        let core = self.clone();
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        handle.spawn(async move {
            tokio::time::sleep(delay).await;
            let agency = {
                let jobs = lock(&core.jobs);
                match jobs.get(&request_id) {
                    Some(j) if j.state == JobState::Failed(category) => j.agency.clone(),
                    _ => return,
                }
            };
            if !core.claim_job(&request_id, &agency) {
                return;
            }
            let Ok(permit) = core.batches.clone().acquire_owned().await else {
                return;
            };
            tracing::info!(request_id = %request_id, category, "running the batch again");
            core.spawn_run(request_id, true, permit);
        });
    }

    /// The ledger's verifier key (its current key's).
    pub(crate) fn ledger_verifier(&self) -> Result<vouch_ledger::NoteVerifier, ApiError> {
        if let Some(v) = self.verifier.get() {
            return Ok(v.clone());
        }
        let v = vouch_pipeline::ledger_verifier(&self.keys)?;
        Ok(self.verifier.get_or_init(|| v).clone())
    }

    /// Where a queued or running batch stands: subjects matched so far (on
    /// this node; all of them once the lookups are logged) out of all. `None`
    /// when it is not queued or running.
    pub(crate) fn progress(&self, r: &RequestRecord) -> Option<(u64, u64)> {
        let queued = matches!(
            self.job(&r.request_id).map(|j| j.state),
            Some(JobState::Queued | JobState::Running)
        );
        if r.status.is_final() || !(r.status.is_interrupted() || queued) {
            return None;
        }
        let matched = lock(&self.progress)
            .get(&r.request_id)
            .map(|c| c.load(Ordering::Relaxed));
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

/// Removes a batch's progress counter when its run ends, however it ends
/// (a panic included).
struct Forget<'a>(&'a Mutex<HashMap<String, Arc<AtomicU64>>>, &'a str);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        lock(self.0).remove(self.1);
    }
}
