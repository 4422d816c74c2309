//! The disclosure office's controls: the confidential hold list (6103(i)(6)),
//! the active policy file and its activation history.

use crate::model::PolicyActivation;
use crate::{FileStore, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use vouch_formats::atomic::write_atomic;

#[derive(Debug, Default, Serialize, Deserialize)]
struct HoldList {
    format: u32,
    /// Hex HMAC-SHA-256 of each held TIN (the ledger's TIN key): never the TIN.
    tin_hmacs: BTreeSet<String>,
}

const HOLD_FILE: &str = "holds.json";
const POLICY_DIR: &str = "policy";

impl FileStore {
    fn hold_list(&self) -> Result<HoldList, StoreError> {
        let path = self.root().join(HOLD_FILE);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| StoreError::Corrupt {
                path,
                why: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HoldList {
                format: 1,
                ..Default::default()
            }),
            Err(e) => Err(StoreError::Io {
                path,
                why: e.to_string(),
            }),
        }
    }

    fn save_hold_list(&self, list: &HoldList) -> Result<(), StoreError> {
        let path = self.root().join(HOLD_FILE);
        let bytes = serde_json::to_vec_pretty(list).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            why: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(|e| StoreError::Io {
            path,
            why: e.to_string(),
        })
    }

    /// The keyed hashes of every held TIN.
    pub fn held(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        let path = self.root().join(HOLD_FILE);
        self.hold_list()?
            .tin_hmacs
            .iter()
            .map(|h| {
                hex::decode(h)
                    .ok()
                    .and_then(|v| <[u8; 32]>::try_from(v).ok())
                    .ok_or_else(|| StoreError::Corrupt {
                        path: path.clone(),
                        why: "hold entry is not 32 hex bytes".into(),
                    })
            })
            .collect()
    }

    /// Adds (or with `add == false` removes) held TIN hashes; returns how many changed.
    pub fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError> {
        let mut list = self.hold_list()?;
        list.format = 1;
        let mut changed = 0;
        for k in keys {
            let h = hex::encode(k);
            changed += usize::from(if add {
                list.tin_hmacs.insert(h)
            } else {
                list.tin_hmacs.remove(&h)
            });
        }
        self.save_hold_list(&list)?;
        Ok(changed)
    }

    /// The active policy file's text, if one was activated.
    pub fn active_policy(&self) -> Result<Option<String>, StoreError> {
        let path = self.root().join(POLICY_DIR).join("active.toml");
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io {
                path,
                why: e.to_string(),
            }),
        }
    }

    /// Makes `text` the active policy and records who did it and why.
    pub fn activate_policy(
        &self,
        text: &str,
        activation: &PolicyActivation,
    ) -> Result<(), StoreError> {
        let dir = self.root().join(POLICY_DIR);
        let io = |p: &std::path::Path, e: std::io::Error| StoreError::Io {
            path: p.to_path_buf(),
            why: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let kept = dir.join(format!("{}.toml", activation.version));
        write_atomic(&kept, text.as_bytes()).map_err(|e| io(&kept, e))?;
        let log = dir.join("history.jsonl");
        let mut line = serde_json::to_vec(activation).map_err(|e| StoreError::Corrupt {
            path: log.clone(),
            why: e.to_string(),
        })?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| io(&log, e))?;
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(|e| io(&log, e))?;
        let active = dir.join("active.toml");
        write_atomic(&active, text.as_bytes()).map_err(|e| io(&active, e))
    }

    /// Every policy activation, oldest first.
    pub fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError> {
        let path = self.root().join(POLICY_DIR).join("history.jsonl");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(StoreError::Io {
                    path,
                    why: e.to_string(),
                })
            }
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    why: e.to_string(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_list_adds_and_removes_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(s.set_held(&[[1; 32], [2; 32]], true).unwrap(), 2);
        assert_eq!(s.set_held(&[[1; 32]], true).unwrap(), 0);
        assert_eq!(s.set_held(&[[1; 32]], false).unwrap(), 1);
        assert_eq!(s.held().unwrap(), vec![[2; 32]]);
    }

    #[test]
    fn policy_activation_keeps_the_text_and_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(s.active_policy().unwrap(), None);
        let a = PolicyActivation {
            at: "t".into(),
            officer: "o".into(),
            reason: "r".into(),
            version: "v1".into(),
            sha256: "h".into(),
        };
        s.activate_policy("x = 1\n", &a).unwrap();
        assert_eq!(s.active_policy().unwrap().as_deref(), Some("x = 1\n"));
        assert_eq!(s.policy_history().unwrap(), vec![a]);
    }
}
