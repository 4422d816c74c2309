//! [`SqlStateStore`]: the SQL store behind the synchronous [`StateStore`]
//! interface the pipeline, the service and the command line share.
//!
//! It owns a small tokio runtime of its own; every call is spawned there and
//! waited for on a channel, so it may be called from any thread, including
//! one of another runtime's workers or blocking pool. The ledger's
//! `LeafStore` and `CheckpointStore` over the ledger tables live here too.
//!
//! Several processes (or nodes, on PostgreSQL) may share one store. The
//! writer lock that serialises batch runs is a PostgreSQL session advisory
//! lock held on a connection of its own (released when the guard drops or
//! the process dies), and on SQLite an exclusive lock on a file beside the
//! database, `NAME.writer.lock` (SQLite's own locking serialises each
//! statement, not a batch).

use crate::documents::{DocumentHead, PART_BYTES};
use crate::{SqlStore, StoreError};
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;
use vouch_core::limits;
use vouch_core::probe::ProbeRecord;
use vouch_ledger::store::RECORD_BYTES_MAX;
use vouch_ledger::{CheckpointStore, DynLedger, LeafStore, Ledger};
use vouch_store::*;

/// The advisory lock key of the writer lock ("vouch" in ASCII).
const WRITER_LOCK_KEY: i64 = 0x0076_6f75_6368;

/// Owns the runtime; shuts it down without blocking when the last user goes
/// (dropping a runtime inside another runtime's task would panic).
#[derive(Debug)]
struct Rt {
    rt: Option<tokio::runtime::Runtime>,
    /// Set by [`StateStore::close`]: every later call fails.
    closed: std::sync::atomic::AtomicBool,
}

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Rt {
    fn run<T, F>(&self, fut: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        self.run_always(fut)
    }

    /// [`Rt::run`] even after the store was closed (closing itself, and
    /// releasing what a guard holds).
    fn run_always<T, F>(&self, fut: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let Some(rt) = self.rt.as_ref() else {
            return Err(stopped());
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database {
        op: "runtime",
        why: "the store's runtime stopped".into(),
    }
}

/// The ledger's view of a store failure.
fn le(e: StoreError) -> vouch_ledger::StoreError {
    vouch_ledger::StoreError::Database {
        op: "ledger",
        why: e.to_string(),
    }
}

/// The SQL store as a [`StateStore`].
#[derive(Debug, Clone)]
pub struct SqlStateStore {
    sql: SqlStore,
    rt: Arc<Rt>,
    files_dir: PathBuf,
    /// SQLite: the writer lock's file, beside the database (so processes
    /// with different files directories still share it).
    lock_file: PathBuf,
}

impl SqlStateStore {
    /// Connects to `url` (`sqlite://PATH?mode=rwc` or `postgres://...`),
    /// brings the schema up to date, and keeps uploads and responses under
    /// `files_dir`.
    pub fn connect(url: &str, files_dir: &Path) -> Result<SqlStateStore, StoreError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vouch-sql")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database {
                op: "runtime",
                why: e.to_string(),
            })?;
        std::fs::create_dir_all(files_dir).map_err(|e| StoreError::Io {
            path: files_dir.to_path_buf(),
            why: e.to_string(),
        })?;
        let rt = Arc::new(Rt {
            rt: Some(rt),
            closed: std::sync::atomic::AtomicBool::new(false),
        });
        let url_for_lock = url.to_string();
        let url = url.to_string();
        let sql = rt.run(async move { SqlStore::connect(&url).await })?;
        let lock_file = sqlite_path(&url_for_lock)
            .map(|p| {
                let mut name = p.file_name().unwrap_or_default().to_os_string();
                name.push(".writer.lock");
                p.with_file_name(name)
            })
            .unwrap_or_else(|| files_dir.join("writer.lock"));
        Ok(SqlStateStore {
            sql,
            rt,
            files_dir: files_dir.to_path_buf(),
            lock_file,
        })
    }

    /// The async store underneath.
    pub fn sql(&self) -> &SqlStore {
        &self.sql
    }

    fn run<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(SqlStore) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        self.rt.run(f(self.sql.clone()))
    }
}

impl StateStore for SqlStateStore {
    fn backend(&self) -> &'static str {
        self.sql.backend_name()
    }
    fn files_dir(&self) -> &Path {
        &self.files_dir
    }
    fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        self.run(|s| async move { s.add_agency(agency).await })
    }
    fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        self.run(|s| async move { s.update_agency(agency).await })
    }
    fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError> {
        let id = id.to_string();
        self.run(|s| async move { s.agency(&id).await })
    }
    fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        self.run(|s| async move { s.agencies().await })
    }
    fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError> {
        self.run(|s| async move { s.add_official(official).await })
    }
    fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError> {
        let id = id.to_string();
        self.run(|s| async move { s.official(&id).await })
    }
    fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError> {
        self.run(|s| async move { s.officials().await })
    }
    fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError> {
        let id = request_id.to_string();
        self.run(|s| async move { s.request(&id).await })
    }
    fn requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        self.run(|s| async move { s.requests().await })
    }
    fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        let r = record.clone();
        self.run(|s| async move { s.put_request(&r).await })
    }
    fn put_request_document(
        &self,
        request_id: &str,
        name: &str,
        from: &mut dyn std::io::Read,
    ) -> Result<u64, StoreError> {
        use rand::Rng;
        // Positive, so a version never equals the migrated documents' 0.
        let version = rand::thread_rng().gen_range(1..i64::MAX);
        let written = self.put_parts(request_id, name, version, from);
        let (parts, total) = match written {
            Ok(n) => n,
            Err(e) => {
                // Best effort: the parts are unreferenced either way.
                let (id, nm) = (request_id.to_string(), name.to_string());
                let _ =
                    self.run(|s| async move { s.drop_document_version(&id, &nm, version).await });
                return Err(e);
            }
        };
        let head = DocumentHead {
            version,
            parts,
            bytes_total: total as i64,
        };
        let (id, nm) = (request_id.to_string(), name.to_string());
        self.run(|s| async move { s.commit_document(&id, &nm, head).await })?;
        Ok(total)
    }
    fn delete_request_document(&self, request_id: &str, name: &str) -> Result<bool, StoreError> {
        let (id, nm) = (request_id.to_string(), name.to_string());
        self.run(|s| async move { s.delete_document(&id, &nm).await })
    }
    fn request_document(
        &self,
        request_id: &str,
        name: &str,
        to: &mut dyn std::io::Write,
    ) -> Result<bool, StoreError> {
        let (id, nm) = (request_id.to_string(), name.to_string());
        let Some(head) = self.run(|s| async move { s.document_head(&id, &nm).await })? else {
            return Ok(false);
        };
        let corrupt = |why: String| StoreError::Corrupt {
            table: "request_document_parts",
            why: format!("request {request_id}: {name}: {why}"),
        };
        let mut total: i64 = 0;
        for part in 0..head.parts {
            let (id, nm) = (request_id.to_string(), name.to_string());
            let bytes =
                self.run(|s| async move { s.document_part(&id, &nm, head.version, part).await })?;
            total += bytes.len() as i64;
            if total > head.bytes_total {
                return Err(corrupt("longer than recorded".into()));
            }
            to.write_all(&bytes).map_err(|e| StoreError::Io {
                path: PathBuf::from(name),
                why: e.to_string(),
            })?;
        }
        if total != head.bytes_total {
            return Err(corrupt(format!(
                "{total} bytes in its parts, {} recorded",
                head.bytes_total
            )));
        }
        Ok(true)
    }
    fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        let (id, ev) = (request_id.to_string(), event.clone());
        self.run(|s| async move { s.audit(&id, &ev).await })
    }
    fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let id = request_id.to_string();
        self.run(|s| async move { s.audit_trail(&id).await })
    }
    fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let ev = event.clone();
        self.run(|s| async move { s.service_audit(&ev).await })
    }
    fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError> {
        self.run(|s| async move { s.service_audit_trail().await })
    }
    fn legacy_secret(&self, name: &str) -> Result<Option<[u8; 32]>, StoreError> {
        let name = name.to_string();
        self.run(|s| async move { s.legacy_secret(&name).await })
    }
    fn drop_legacy_secrets(&self) -> Result<(), StoreError> {
        self.run(|s| async move { s.drop_legacy_secrets().await })
    }
    fn service_keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        self.run(|s| async move { s.service_keys().await })
    }
    fn register_service_keys(&self, keys: &[KeyRecord]) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.run(|s| async move { s.register_service_keys(&keys).await })
    }
    fn held(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        self.run(|s| async move { s.held().await })
    }
    fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError> {
        let keys = keys.to_vec();
        self.run(|s| async move { s.set_held(&keys, add).await })
    }
    fn put_registry_change(&self, change: &RegistryChange) -> Result<(), StoreError> {
        let c = change.clone();
        self.run(|s| async move { s.put_registry_change(&c).await })
    }
    fn registry_changes(&self) -> Result<Vec<RegistryChange>, StoreError> {
        self.run(|s| async move { s.registry_changes().await })
    }
    fn active_policy(&self) -> Result<Option<String>, StoreError> {
        self.run(|s| async move { s.active_policy().await })
    }
    fn activate_policy(&self, text: &str, activation: &PolicyActivation) -> Result<(), StoreError> {
        let (text, a) = (text.to_string(), activation.clone());
        self.run(|s| async move { s.activate_policy(&text, &a).await })
    }
    fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError> {
        self.run(|s| async move { s.policy_history().await })
    }
    fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError> {
        self.run(|s| async move { s.probes().await })
    }
    fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError> {
        let records = records.to_vec();
        self.run(|s| async move { s.append_probes(&records).await })
    }
    fn add_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let t = token.clone();
        self.run(|s| async move { s.add_token(&t).await })
    }
    fn token(&self, sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        let h = sha256.to_string();
        self.run(|s| async move { s.token(&h).await })
    }
    fn token_and_official(
        &self,
        sha256: &str,
    ) -> Result<Option<(TokenRecord, Option<OfficialRecord>)>, StoreError> {
        let h = sha256.to_string();
        self.run(|s| async move { s.token_and_official(&h).await })
    }
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.run(|s| async move { s.tokens().await })
    }
    fn revoke_token(&self, id: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.run(|s| async move { s.revoke_token(&id, at).await })
    }
    fn put_session(
        &self,
        session: &SessionRecord,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let s = session.clone();
        self.run(|st| async move { st.put_session(&s, expired_before).await })
    }
    fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        let k = key.to_string();
        self.run(|s| async move { s.session(&k).await })
    }
    fn touch_session(&self, key: &str, seen_at: OffsetDateTime) -> Result<(), StoreError> {
        let k = key.to_string();
        self.run(|s| async move { s.touch_session(&k, seen_at).await })
    }
    fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        let k = key.to_string();
        self.run(|s| async move { s.delete_session(&k).await })
    }
    fn set_session_second_factor(&self, key: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        let k = key.to_string();
        self.run(|s| async move { s.set_session_second_factor(&k, at).await })
    }
    fn put_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
        state: &str,
        at: OffsetDateTime,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (k, p, st) = (
            session_key.to_string(),
            purpose.to_string(),
            state.to_string(),
        );
        self.run(|s| async move { s.put_ceremony(&k, &p, &st, at, expired_before).await })
    }
    fn take_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
        let (k, p) = (session_key.to_string(), purpose.to_string());
        self.run(|s| async move { s.take_ceremony(&k, &p).await })
    }
    fn add_enrolment_code(&self, code: &EnrolmentCodeRecord) -> Result<(), StoreError> {
        let c = code.clone();
        self.run(|s| async move { s.add_enrolment_code(&c).await })
    }
    fn enrolment_code(&self, sha256: &str) -> Result<Option<EnrolmentCodeRecord>, StoreError> {
        let h = sha256.to_string();
        self.run(|s| async move { s.enrolment_code(&h).await })
    }
    fn enrol_security_key(
        &self,
        code_sha256: &str,
        at: OffsetDateTime,
        key: &SecurityKeyRecord,
    ) -> Result<bool, StoreError> {
        let (c, k) = (code_sha256.to_string(), key.clone());
        self.run(|s| async move { s.enrol_security_key(&c, at, &k).await })
    }
    fn security_keys(&self, official: &str) -> Result<Vec<SecurityKeyRecord>, StoreError> {
        let o = official.to_string();
        self.run(|s| async move { s.security_keys(&o).await })
    }
    fn raise_sign_count(&self, credential_id: &str, count: u32) -> Result<bool, StoreError> {
        let c = credential_id.to_string();
        self.run(|s| async move { s.raise_sign_count(&c, count).await })
    }
    fn open_ledger(&self) -> Result<DynLedger, StoreError> {
        let len = self.run(|s| async move { s.ledger_len().await })?;
        let leaves: Box<dyn LeafStore + Send + Sync> = Box::new(SqlLeafStore {
            sql: self.sql.clone(),
            rt: self.rt.clone(),
            len,
            staged: Vec::new(),
        });
        let cps: Box<dyn CheckpointStore + Send + Sync> = Box::new(SqlCheckpointStore {
            sql: self.sql.clone(),
            rt: self.rt.clone(),
        });
        Ledger::with_stores(leaves, cps).map_err(|e| StoreError::Ledger(e.to_string()))
    }
    fn ledger_len(&self) -> Result<Option<u64>, StoreError> {
        self.run(|s| async move { s.ledger_end().await }).map(Some)
    }
    fn writer_lock(&self) -> Result<Box<dyn WriterGuard>, StoreError> {
        match &self.sql.backend {
            crate::Backend::Postgres(pool) => {
                let pool = pool.clone();
                let conn = self.rt.run(async move {
                    let mut conn = pool
                        .acquire()
                        .await
                        .map_err(crate::db("writer lock"))?
                        .detach();
                    sqlx::query("SELECT pg_advisory_lock($1)")
                        .bind(WRITER_LOCK_KEY)
                        .execute(&mut conn)
                        .await
                        .map_err(crate::db("writer lock"))?;
                    Ok(conn)
                })?;
                Ok(Box::new(PgWriterGuard {
                    conn: Some(conn),
                    rt: self.rt.clone(),
                }))
            }
            crate::Backend::Sqlite(_) => {
                let path = self.lock_file.clone();
                let io = |e: std::io::Error| StoreError::Io {
                    path: path.clone(),
                    why: e.to_string(),
                };
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(io)?;
                f.lock().map_err(io)?;
                Ok(Box::new(FileWriterGuard { _file: f }))
            }
        }
    }
    fn close(&self) {
        if self
            .rt
            .closed
            .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return;
        }
        // Waits for connections in use to come back, then closes them all
        // (SQLite's files are released; PostgreSQL sessions end).
        let sql = self.sql.clone();
        let _ = self.rt.run_always(async move {
            sql.close().await;
            Ok(())
        });
    }
}

/// Holds the PostgreSQL advisory lock on a connection of its own; closing
/// the connection (or the process dying) releases it.
struct PgWriterGuard {
    conn: Option<sqlx::PgConnection>,
    rt: Arc<Rt>,
}

impl WriterGuard for PgWriterGuard {}

impl Drop for PgWriterGuard {
    fn drop(&mut self) {
        if let (Some(conn), Some(rt)) = (self.conn.take(), self.rt.rt.as_ref()) {
            rt.spawn(async move {
                use sqlx::Connection;
                let _ = conn.close().await;
            });
        }
    }
}

/// Holds an exclusive lock on the database's `.writer.lock` file (released when the file closes).
struct FileWriterGuard {
    _file: File,
}

impl WriterGuard for FileWriterGuard {}

/// The ledger's leaves in `ledger_leaves`; staged leaves are written in one
/// transaction at `sync`.
struct SqlLeafStore {
    sql: SqlStore,
    rt: Arc<Rt>,
    len: u64,
    staged: Vec<Vec<u8>>,
}

impl std::fmt::Debug for SqlLeafStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlLeafStore")
            .field("len", &self.len)
            .finish()
    }
}

impl LeafStore for SqlLeafStore {
    fn len(&self) -> u64 {
        self.len
    }
    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<(), vouch_ledger::StoreError> {
        if let Some(l) = leaves.iter().find(|l| l.len() > RECORD_BYTES_MAX) {
            return Err(vouch_ledger::StoreError::RecordTooLong {
                len: l.len(),
                max: RECORD_BYTES_MAX,
            });
        }
        self.staged.extend_from_slice(leaves);
        Ok(())
    }
    fn discard_staged(&mut self) -> Result<(), vouch_ledger::StoreError> {
        self.staged.clear();
        Ok(())
    }
    fn sync(&mut self) -> Result<(), vouch_ledger::StoreError> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let leaves = std::mem::take(&mut self.staged);
        let n = leaves.len() as u64;
        let (sql, first) = (self.sql.clone(), self.len);
        self.rt
            .run(async move { sql.ledger_append(first, &leaves).await })
            .map_err(le)?;
        self.len += n;
        Ok(())
    }
    fn read(&self, index: u64) -> Result<Vec<u8>, vouch_ledger::StoreError> {
        if index >= self.len {
            return Err(vouch_ledger::StoreError::OutOfRange {
                index,
                len: self.len,
            });
        }
        let mut v = self.read_range(index, 1)?;
        v.pop().ok_or(vouch_ledger::StoreError::OutOfRange {
            index,
            len: self.len,
        })
    }
    fn read_range(&self, start: u64, count: u64) -> Result<Vec<Vec<u8>>, vouch_ledger::StoreError> {
        if start.saturating_add(count) > self.len {
            return Err(vouch_ledger::StoreError::OutOfRange {
                index: start.saturating_add(count).saturating_sub(1),
                len: self.len,
            });
        }
        let sql = self.sql.clone();
        self.rt
            .run(async move { sql.ledger_read(start, count).await })
            .map_err(le)
    }
}

/// Signed checkpoint notes in `ledger_checkpoints`.
struct SqlCheckpointStore {
    sql: SqlStore,
    rt: Arc<Rt>,
}

impl std::fmt::Debug for SqlCheckpointStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlCheckpointStore")
    }
}

impl CheckpointStore for SqlCheckpointStore {
    fn load(&self) -> Result<Vec<String>, vouch_ledger::StoreError> {
        let sql = self.sql.clone();
        self.rt
            .run(async move { sql.ledger_checkpoints().await })
            .map_err(le)
    }
    fn append(&mut self, note: &str) -> Result<(), vouch_ledger::StoreError> {
        if note.len() > RECORD_BYTES_MAX {
            return Err(vouch_ledger::StoreError::RecordTooLong {
                len: note.len(),
                max: RECORD_BYTES_MAX,
            });
        }
        let (sql, note) = (self.sql.clone(), note.to_string());
        self.rt
            .run(async move { sql.ledger_add_checkpoint(&note).await })
            .map_err(le)
    }
}

impl SqlStateStore {
    /// Writes `from` as parts of `version` of a document; returns the
    /// number of parts and the length. At most
    /// [`limits::REQUEST_DOCUMENT_BYTES_MAX`] bytes.
    fn put_parts(
        &self,
        request_id: &str,
        name: &str,
        version: i64,
        from: &mut dyn std::io::Read,
    ) -> Result<(i64, u64), StoreError> {
        let mut buf = vec![0u8; PART_BYTES];
        let (mut parts, mut total) = (0i64, 0u64);
        loop {
            let n = fill(from, &mut buf).map_err(|e| StoreError::Io {
                path: PathBuf::from(name),
                why: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limits::REQUEST_DOCUMENT_BYTES_MAX {
                return Err(StoreError::Invalid {
                    field: "document",
                    why: format!(
                        "{name} is larger than REQUEST_DOCUMENT_BYTES_MAX ({} bytes)",
                        limits::REQUEST_DOCUMENT_BYTES_MAX
                    ),
                });
            }
            let (id, nm, bytes) = (request_id.to_string(), name.to_string(), buf[..n].to_vec());
            self.run(
                |s| async move { s.put_document_part(&id, &nm, version, parts, &bytes).await },
            )?;
            parts += 1;
            if n < buf.len() {
                break;
            }
        }
        Ok((parts, total))
    }

    /// Creates (replacing any of that name) database `name` on the
    /// PostgreSQL server of `base_url` and returns its URL: throwaway
    /// databases for tests and trials. `name` must be a plain identifier.
    pub fn create_postgres_database(base_url: &str, name: &str) -> Result<String, StoreError> {
        let plain = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !plain {
            return Err(StoreError::Invalid {
                field: "database name",
                why: "want lower-case letters, digits and _ only".into(),
            });
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database {
                op: "runtime",
                why: e.to_string(),
            })?;
        let base = base_url.to_string();
        let name_ = name.to_string();
        // On a thread of its own: the caller may be inside another runtime.
        let work = move || {
            rt.block_on(async move {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&base)
                    .await
                    .map_err(crate::db("connect"))?;
                for sql in [
                    format!("DROP DATABASE IF EXISTS {name_} WITH (FORCE)"),
                    format!("CREATE DATABASE {name_}"),
                ] {
                    sqlx::query(&sql)
                        .execute(&mut c)
                        .await
                        .map_err(crate::db("create database"))?;
                }
                c.close().await.map_err(crate::db("close"))
            })
        };
        std::thread::spawn(work)
            .join()
            .map_err(|_| stopped())
            .and_then(|r| r)?;
        Ok(with_database(base_url, name))
    }
}

/// The file of a `sqlite://PATH[?...]` URL (not for in-memory databases).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// `base` (a `postgres://` URL) with its database name replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (head, query) = base.split_once('?').unwrap_or((base, ""));
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let path_start = head[scheme_end..]
        .find('/')
        .map_or(head.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &head[..path_start]);
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    url
}

/// Reads from `r` until `buf` is full or `r` ends; returns how much it read.
fn fill(r: &mut dyn std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
