//! [`StateStore`] for the embedded file store: the inherent methods, plus
//! the token table (`api-tokens.json`), the service's audit trail
//! (`service-audit.jsonl`) and the ledger's files (`ledger/`).

use crate::file::{append_jsonl, read_jsonl};
use crate::model::*;
use crate::{FileStore, StateStore, StoreError, WriterGuard};
use serde::{Deserialize, Serialize};
use std::path::Path;
use vouch_core::probe::ProbeRecord;
use vouch_formats::atomic::write_atomic;
use vouch_ledger::{CheckpointStore, DynLedger, LeafStore, Ledger};

/// The token file's name in the state directory.
pub const TOKEN_FILE: &str = "api-tokens.json";
const TOKEN_FILE_FORMAT: u32 = 1;
/// Largest token file read (about 50,000 tokens).
const TOKEN_FILE_BYTES_MAX: u64 = 16 << 20;
const SERVICE_AUDIT_FILE: &str = "service-audit.jsonl";

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    format: u32,
    tokens: Vec<TokenRecord>,
}

impl FileStore {
    fn load_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let path = self.root().join(TOKEN_FILE);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let bytes =
            vouch_formats::keys::read_bounded(&path, TOKEN_FILE_BYTES_MAX).map_err(|e| {
                StoreError::Io {
                    path: path.clone(),
                    why: e.to_string(),
                }
            })?;
        let corrupt = |why: String| StoreError::Corrupt {
            path: path.clone(),
            why,
        };
        let file: TokenFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if file.format != TOKEN_FILE_FORMAT {
            return Err(corrupt(format!("unsupported format {}", file.format)));
        }
        for (i, t) in file.tokens.iter().enumerate() {
            let ok = t.sha256.len() == 64 && t.sha256.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(corrupt(format!(
                    "token {}: sha256 is not 32 hex bytes",
                    i + 1
                )));
            }
        }
        Ok(file.tokens)
    }

    /// The token table, read from its file on first use.
    fn token_table(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, Option<Vec<TokenRecord>>>, StoreError> {
        let mut cache = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if cache.is_none() {
            *cache = Some(self.load_tokens()?);
        }
        Ok(cache)
    }

    /// Reads the token table.
    fn read_tokens<T>(&self, f: impl FnOnce(&[TokenRecord]) -> T) -> Result<T, StoreError> {
        Ok(f(self.token_table()?.as_deref().unwrap_or_default()))
    }

    /// Changes a copy of the token table; when `f` says it changed, writes
    /// the copy to the file and only then makes it the table.
    fn change_tokens<T>(
        &self,
        f: impl FnOnce(&mut Vec<TokenRecord>) -> (T, bool),
    ) -> Result<T, StoreError> {
        let mut cache = self.token_table()?;
        let mut next = cache.clone().unwrap_or_default();
        let (out, changed) = f(&mut next);
        if changed {
            let path = self.root().join(TOKEN_FILE);
            let file = TokenFile {
                format: TOKEN_FILE_FORMAT,
                tokens: next,
            };
            let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                why: e.to_string(),
            })?;
            bytes.push(b'\n');
            write_atomic(&path, &bytes).map_err(|e| StoreError::Io {
                path: path.clone(),
                why: e.to_string(),
            })?;
            *cache = Some(file.tokens);
        }
        Ok(out)
    }
}

fn ledger_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Ledger(e.to_string())
}

impl StateStore for FileStore {
    fn backend(&self) -> &'static str {
        "files"
    }
    fn files_dir(&self) -> &Path {
        self.root()
    }
    fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        FileStore::add_agency(self, agency)
    }
    fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        FileStore::update_agency(self, agency)
    }
    fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError> {
        FileStore::agency(self, id)
    }
    fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        FileStore::agencies(self)
    }
    fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError> {
        FileStore::add_official(self, official)
    }
    fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError> {
        FileStore::official(self, id)
    }
    fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError> {
        FileStore::officials(self)
    }
    fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError> {
        FileStore::request(self, request_id)
    }
    fn requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        FileStore::requests(self)
    }
    fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        FileStore::put_request(self, record)
    }
    fn put_request_blob(
        &self,
        request_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        FileStore::put_request_blob(self, request_id, name, bytes)
    }
    fn request_blob(&self, request_id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        FileStore::request_blob(self, request_id, name)
    }
    fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        FileStore::audit(self, request_id, event)
    }
    fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        FileStore::audit_trail(self, request_id)
    }
    fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        append_jsonl(&self.root().join(SERVICE_AUDIT_FILE), event)
    }
    fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError> {
        read_jsonl(&self.root().join(SERVICE_AUDIT_FILE))
    }
    fn secret(&self, name: &str) -> Result<[u8; 32], StoreError> {
        FileStore::secret(self, name)
    }
    fn held(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        FileStore::held(self)
    }
    fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError> {
        FileStore::set_held(self, keys, add)
    }
    fn active_policy(&self) -> Result<Option<String>, StoreError> {
        FileStore::active_policy(self)
    }
    fn activate_policy(&self, text: &str, activation: &PolicyActivation) -> Result<(), StoreError> {
        FileStore::activate_policy(self, text, activation)
    }
    fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError> {
        FileStore::policy_history(self)
    }
    fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError> {
        FileStore::probes(self)
    }
    fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError> {
        FileStore::append_probes(self, records)
    }
    fn add_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.change_tokens(|t| {
            if t.iter().any(|x| x.sha256 == token.sha256) {
                let exists = StoreError::Exists {
                    what: "token",
                    id: token.id().to_string(),
                };
                return (Err(exists), false);
            }
            t.push(token.clone());
            (Ok(()), true)
        })?
    }
    fn token(&self, sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.read_tokens(|t| t.iter().find(|x| x.sha256 == sha256).cloned())
    }
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.read_tokens(<[TokenRecord]>::to_vec)
    }
    fn revoke_token(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        self.change_tokens(|t| {
            match t
                .iter_mut()
                .find(|x| x.id() == id && x.revoked_at.is_none())
            {
                Some(x) => {
                    x.revoked_at = Some(at.to_string());
                    (true, true)
                }
                None => (false, false),
            }
        })
    }
    fn put_session(&self, session: &SessionRecord, expired_before: &str) -> Result<(), StoreError> {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, s| s.started_at.as_str() >= expired_before);
        m.insert(session.key.clone(), session.clone());
        Ok(())
    }
    fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        let m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(m.get(key).cloned())
    }
    fn touch_session(&self, key: &str, seen_at: &str) -> Result<(), StoreError> {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = m.get_mut(key) {
            s.seen_at = seen_at.to_string();
        }
        Ok(())
    }
    fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        m.remove(key);
        Ok(())
    }
    fn open_ledger(&self) -> Result<DynLedger, StoreError> {
        let dir = self.ledger_dir();
        let leaves = vouch_ledger::store::FileLeafStore::open(&dir).map_err(ledger_err)?;
        let cps = vouch_ledger::store::FileCheckpointStore::open(&dir).map_err(ledger_err)?;
        let leaves: Box<dyn LeafStore + Send + Sync> = Box::new(leaves);
        let cps: Box<dyn CheckpointStore + Send + Sync> = Box::new(cps);
        Ledger::with_stores(leaves, cps).map_err(ledger_err)
    }
    fn ledger_len(&self) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }
    fn writer_lock(&self) -> Result<Box<dyn WriterGuard>, StoreError> {
        // This process holds the whole directory's lock already.
        Ok(Box::new(()))
    }
}
