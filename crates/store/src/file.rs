//! The embedded file store: JSON documents in one directory, each replaced
//! atomically, under an exclusive lock held for the store's lifetime.

use crate::model::*;
use crate::StoreError;
use rand::RngCore;
use serde::{de::DeserializeOwned, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use vouch_formats::atomic::write_atomic;
use vouch_formats::keys::{decode_base64_line, encode_base64_line};

/// Proof that this process holds the store's exclusive lock.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// The registry document.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Registry {
    format: u32,
    agencies: Vec<AgencyRecord>,
    officials: Vec<OfficialRecord>,
}

const REGISTRY_FORMAT: u32 = 1;

/// A state directory opened for exclusive use.
#[derive(Debug)]
pub struct FileStore {
    root: PathBuf,
    _lock: StoreLock,
    /// The token file, read once (this process holds the store's lock, so
    /// nobody else changes it).
    pub(crate) tokens: std::sync::Mutex<Option<Vec<TokenRecord>>>,
    /// Console sessions: in memory (one process uses the directory store,
    /// so a restart signs everybody out).
    pub(crate) sessions: std::sync::Mutex<std::collections::HashMap<String, SessionRecord>>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

impl FileStore {
    /// Opens (creating if needed) the state directory, waiting for its lock
    /// while another vouch process holds it: commands on one state directory
    /// run one at a time, so two batches are never checked at once.
    pub fn open(root: &Path) -> Result<FileStore, StoreError> {
        Self::open_with(root, true)
    }

    /// Opens the state directory, failing at once if another process holds it.
    pub fn try_open(root: &Path) -> Result<FileStore, StoreError> {
        Self::open_with(root, false)
    }

    fn open_with(root: &Path, wait: bool) -> Result<FileStore, StoreError> {
        fs::create_dir_all(root.join("requests")).map_err(io_err(root))?;
        fs::create_dir_all(root.join("keys")).map_err(io_err(root))?;
        let lock_path = root.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        if wait {
            file.lock().map_err(io_err(&lock_path))?;
            return Ok(FileStore {
                root: root.to_path_buf(),
                _lock: StoreLock { _file: file },
                tokens: Default::default(),
                sessions: Default::default(),
            });
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked { path: lock_path })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
        }
        Ok(FileStore {
            root: root.to_path_buf(),
            _lock: StoreLock { _file: file },
            tokens: Default::default(),
            sessions: Default::default(),
        })
    }

    /// The state directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the ledger keeps its files.
    pub fn ledger_dir(&self) -> PathBuf {
        self.root.join("ledger")
    }

    fn read_json<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<T>, StoreError> {
        match fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt {
                        path: path.to_path_buf(),
                        why: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(path)(e)),
        }
    }

    fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        bytes.push(b'\n');
        write_atomic(path, &bytes).map_err(io_err(path))
    }

    fn registry(&self) -> Result<Registry, StoreError> {
        let path = self.root.join("registry.json");
        let reg: Registry = self.read_json(&path)?.unwrap_or(Registry {
            format: REGISTRY_FORMAT,
            ..Default::default()
        });
        if reg.format != REGISTRY_FORMAT {
            return Err(StoreError::Corrupt {
                path,
                why: format!("unsupported registry format {}", reg.format),
            });
        }
        Ok(reg)
    }

    fn save_registry(&self, reg: &Registry) -> Result<(), StoreError> {
        self.write_json(&self.root.join("registry.json"), reg)
    }

    /// Registers an agency.
    pub fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        let mut reg = self.registry()?;
        if reg.agencies.iter().any(|a| a.id == agency.id) {
            return Err(StoreError::Exists {
                what: "agency",
                id: agency.id,
            });
        }
        reg.agencies.push(agency);
        self.save_registry(&reg)
    }

    /// Replaces a registered agency's record.
    pub fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        let mut reg = self.registry()?;
        let slot = reg
            .agencies
            .iter_mut()
            .find(|a| a.id == agency.id)
            .ok_or_else(|| StoreError::NotFound {
                what: "agency",
                id: agency.id.clone(),
            })?;
        *slot = agency;
        self.save_registry(&reg)
    }

    /// Looks an agency up.
    pub fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError> {
        Ok(self.registry()?.agencies.into_iter().find(|a| a.id == id))
    }

    /// Every agency.
    pub fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        Ok(self.registry()?.agencies)
    }

    /// Registers an official (the agency must be registered, or be the tax agency).
    pub fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError> {
        let mut reg = self.registry()?;
        if reg.officials.iter().any(|o| o.id == official.id) {
            return Err(StoreError::Exists {
                what: "official",
                id: official.id,
            });
        }
        let home = official.agency == HOME_AGENCY;
        if !home && !reg.agencies.iter().any(|a| a.id == official.agency) {
            return Err(StoreError::NotFound {
                what: "agency",
                id: official.agency,
            });
        }
        let home_role = matches!(
            official.role,
            Role::DisclosureOfficer | Role::Auditor | Role::Administrator
        );
        if home != home_role {
            return Err(StoreError::Invalid {
                field: "role",
                why: format!(
                    "role {} belongs to {}",
                    official.role.as_str(),
                    if home_role {
                        "the tax agency (IRS)"
                    } else {
                        "a requesting agency"
                    }
                ),
            });
        }
        if official.role == Role::Signer && official.public_key.is_none() {
            return Err(StoreError::Invalid {
                field: "public_key",
                why: "a signer needs a public key".into(),
            });
        }
        reg.officials.push(official);
        self.save_registry(&reg)
    }

    /// Looks an official up.
    pub fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError> {
        Ok(self.registry()?.officials.into_iter().find(|o| o.id == id))
    }

    /// Every official.
    pub fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError> {
        Ok(self.registry()?.officials)
    }

    fn request_dir(&self, request_id: &str) -> PathBuf {
        self.root.join("requests").join(request_id)
    }

    /// A request's record, if it was seen before.
    pub fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError> {
        self.read_json(&self.request_dir(request_id).join("record.json"))
    }

    /// Every request's record.
    pub fn requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let dir = self.root.join("requests");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            if let Some(rec) = self.read_json(&entry.path().join("record.json"))? {
                out.push(rec);
            }
        }
        out.sort_by(|a: &RequestRecord, b| {
            a.received_at
                .cmp(&b.received_at)
                .then(a.request_id.cmp(&b.request_id))
        });
        Ok(out)
    }

    /// Writes a request's record.
    pub fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        let dir = self.request_dir(&record.request_id);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        self.write_json(&dir.join("record.json"), record)
    }

    /// Stores a named document of a request (e.g. its policy results), atomically.
    pub fn put_request_blob(
        &self,
        request_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let dir = self.request_dir(request_id);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join(name);
        write_atomic(&path, bytes).map_err(io_err(&path))
    }

    /// Reads a named document of a request.
    pub fn request_blob(
        &self,
        request_id: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.request_dir(request_id).join(name);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Appends an event to a request's audit trail, durably.
    pub fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        let dir = self.request_dir(request_id);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        append_jsonl(&dir.join("audit.jsonl"), event)
    }

    /// A request's audit trail.
    pub fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        read_jsonl(&self.request_dir(request_id).join("audit.jsonl"))
    }

    /// A 32-byte secret of the service, created on first use (Ed25519 seeds,
    /// the TIN HMAC key). Kept outside the ledger, readable by the owner only.
    pub fn secret(&self, name: &str) -> Result<[u8; 32], StoreError> {
        let path = self.root.join("keys").join(name);
        match fs::read(&path) {
            Ok(bytes) => {
                decode_base64_line::<32>(&path, name, &bytes).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    why: e.to_string(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                write_atomic(&path, encode_base64_line(&key).as_bytes()).map_err(io_err(&path))?;
                restrict_permissions(&path);
                Ok(key)
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }
}

/// Appends one JSON line to a file, durably (synced before returning).
pub(crate) fn append_jsonl<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let mut line = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    line.push(b'\n');
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(&line).map_err(io_err(path))?;
    f.sync_data().map_err(io_err(path))
}

/// Reads a file of JSON lines. A torn last line (a crash mid-append, never
/// acknowledged) is dropped; anything else bad is corruption.
pub(crate) fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, StoreError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(path)(e)),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        match serde_json::from_str(l) {
            Ok(ev) => out.push(ev),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    why: format!("line {}: {e}", i + 1),
                })
            }
        }
    }
    Ok(out)
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: the key is already written; a failure here is not a reason to lose it.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(id: &str) -> AgencyRecord {
        AgencyRecord {
            id: id.into(),
            ssr_approved: "2025-01-01".into(),
            ai_notifications: vec![],
            findings: vec![],
            registered_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    fn official(id: &str, agency: &str, role: Role, key: bool) -> OfficialRecord {
        OfficialRecord {
            id: id.into(),
            agency: agency.into(),
            role,
            public_key: key.then(|| "AAAA".into()),
            registered_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn registry_round_trips_and_refuses_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        s.add_agency(agency("DHS-ICE")).unwrap();
        assert!(matches!(
            s.add_agency(agency("DHS-ICE")),
            Err(StoreError::Exists { .. })
        ));
        s.add_official(official("dir", "DHS-ICE", Role::Signer, true))
            .unwrap();
        s.add_official(official("do1", HOME_AGENCY, Role::DisclosureOfficer, false))
            .unwrap();
        drop(s);
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(s.official("dir").unwrap().unwrap().role, Role::Signer);
        assert_eq!(s.officials().unwrap().len(), 2);
    }

    #[test]
    fn officials_need_a_registered_agency_and_a_fitting_role() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        assert!(matches!(
            s.add_official(official("a", "NOPE", Role::Recipient, false)),
            Err(StoreError::NotFound { .. })
        ));
        s.add_agency(agency("DHS-ICE")).unwrap();
        assert!(matches!(
            s.add_official(official("b", "DHS-ICE", Role::DisclosureOfficer, false)),
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            s.add_official(official("c", HOME_AGENCY, Role::Signer, true)),
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            s.add_official(official("d", "DHS-ICE", Role::Signer, false)),
            Err(StoreError::Invalid { .. })
        ));
    }

    #[test]
    fn a_second_open_of_the_same_directory_is_refused_while_locked() {
        let dir = tempfile::tempdir().unwrap();
        let _s = FileStore::open(dir.path()).unwrap();
        assert!(matches!(
            FileStore::try_open(dir.path()),
            Err(StoreError::Locked { .. })
        ));
    }

    #[test]
    fn open_waits_for_the_lock_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let first = FileStore::open(dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let s = FileStore::open(&path).map(|_| ());
            tx.send(()).unwrap();
            s
        });
        // Still blocked while the first store is open.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(first);
        assert!(rx.recv_timeout(std::time::Duration::from_secs(10)).is_ok());
        waiter.join().unwrap().unwrap();
    }

    #[test]
    fn secrets_are_created_once_and_then_stable() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        let a = s.secret("service.key").unwrap();
        let b = s.secret("service.key").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, s.secret("other.key").unwrap());
    }

    #[test]
    fn audit_trail_drops_only_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        let ev = AuditEvent {
            at: "t".into(),
            actor: "system".into(),
            action: "received".into(),
            detail: String::new(),
        };
        s.audit("R1", &ev).unwrap();
        s.audit("R1", &ev).unwrap();
        let path = dir.path().join("requests/R1/audit.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"at\":\"t").unwrap();
        assert_eq!(s.audit_trail("R1").unwrap().len(), 2);
    }
}
