//! API tokens: 32 random bytes shown once as base64url, kept only as SHA-256
//! hashes mapped to an official id, in `api-tokens.json` under the state
//! directory (replaced atomically on every change).
//!
//! The file store has no token table yet; the SQL store will take this over.
//! There is no expiry or revocation here yet: removing an entry from the file
//! (with the service stopped) revokes a token.

use crate::error::ServerError;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The token file's name in the state directory.
pub const TOKEN_FILE: &str = "api-tokens.json";
const TOKEN_FILE_FORMAT: u32 = 1;
/// Largest token file read (about 50,000 tokens).
const TOKEN_FILE_BYTES_MAX: u64 = 16 << 20;
/// Length of a token as presented (base64url of 32 bytes, no padding).
pub const TOKEN_CHARS: usize = 43;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenEntry {
    /// Hex SHA-256 of the raw 32 token bytes.
    sha256: String,
    official: String,
    issued_at: String,
    issued_by: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    format: u32,
    tokens: Vec<TokenEntry>,
}

/// The tokens in memory, mirrored to the file.
#[derive(Debug)]
pub(crate) struct TokenTable {
    path: PathBuf,
    entries: Vec<TokenEntry>,
    by_hash: HashMap<[u8; 32], String>,
}

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn decode_token(presented: &str) -> Option<[u8; 32]> {
    if presented.len() != TOKEN_CHARS {
        return None;
    }
    b64url().decode(presented).ok()?.try_into().ok()
}

fn digest(raw: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(raw).into()
}

impl TokenTable {
    /// Loads the table; `None` when the file does not exist (first start).
    pub(crate) fn load(state_dir: &Path) -> Result<Option<TokenTable>, ServerError> {
        let path = state_dir.join(TOKEN_FILE);
        let bytes = match vouch_formats::keys::read_bounded(&path, TOKEN_FILE_BYTES_MAX) {
            Ok(b) => b,
            Err(_) if !path.exists() => return Ok(None),
            Err(e) => {
                return Err(ServerError::Io {
                    path,
                    why: e.to_string(),
                })
            }
        };
        let corrupt = |why: String| ServerError::Corrupt {
            path: path.clone(),
            why,
        };
        let file: TokenFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if file.format != TOKEN_FILE_FORMAT {
            return Err(corrupt(format!("unsupported format {}", file.format)));
        }
        let mut by_hash = HashMap::with_capacity(file.tokens.len());
        for (i, t) in file.tokens.iter().enumerate() {
            let h: [u8; 32] = hex::decode(&t.sha256)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| corrupt(format!("token {}: sha256 is not 32 hex bytes", i + 1)))?;
            by_hash.insert(h, t.official.clone());
        }
        Ok(Some(TokenTable {
            path,
            entries: file.tokens,
            by_hash,
        }))
    }

    /// An empty table for a state directory (written on the first issue).
    pub(crate) fn empty(state_dir: &Path) -> TokenTable {
        TokenTable {
            path: state_dir.join(TOKEN_FILE),
            entries: Vec::new(),
            by_hash: HashMap::new(),
        }
    }

    /// The official a presented token belongs to.
    pub(crate) fn lookup(&self, presented: &str) -> Option<&str> {
        let raw = decode_token(presented)?;
        self.by_hash.get(&digest(&raw)).map(String::as_str)
    }

    /// Issues a new token for an official and writes the file; returns the
    /// token (the only time it exists outside the caller's hands).
    pub(crate) fn issue(
        &mut self,
        official: &str,
        issued_by: &str,
        at: &str,
    ) -> Result<String, ServerError> {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let h = digest(&raw);
        self.entries.push(TokenEntry {
            sha256: hex::encode(h),
            official: official.into(),
            issued_at: at.into(),
            issued_by: issued_by.into(),
        });
        if let Err(e) = self.save() {
            self.entries.pop();
            return Err(e);
        }
        self.by_hash.insert(h, official.into());
        Ok(b64url().encode(raw))
    }

    fn save(&self) -> Result<(), ServerError> {
        let file = TokenFile {
            format: TOKEN_FILE_FORMAT,
            tokens: self.entries.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| ServerError::Io {
            path: self.path.clone(),
            why: e.to_string(),
        })?;
        bytes.push(b'\n');
        vouch_formats::atomic::write_atomic(&self.path, &bytes).map_err(|e| ServerError::Io {
            path: self.path.clone(),
            why: e.to_string(),
        })?;
        restrict_permissions(&self.path);
        Ok(())
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: the file holds hashes only, but nobody else needs to read it.
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_resolve_after_reload_and_only_hashes_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = TokenTable::empty(dir.path());
        let tok = t
            .issue("irs-do-1", "vouch-admin", "2025-01-01T00:00:00Z")
            .unwrap();
        assert_eq!(tok.len(), TOKEN_CHARS);
        assert_eq!(t.lookup(&tok), Some("irs-do-1"));
        let text = std::fs::read_to_string(dir.path().join(TOKEN_FILE)).unwrap();
        assert!(!text.contains(&tok), "the token itself is never stored");
        let t2 = TokenTable::load(dir.path()).unwrap().unwrap();
        assert_eq!(t2.lookup(&tok), Some("irs-do-1"));
    }

    #[test]
    fn wrong_or_malformed_tokens_resolve_to_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = TokenTable::empty(dir.path());
        let tok = t.issue("a", "b", "c").unwrap();
        let mut other = tok.clone().into_bytes();
        other[0] = if other[0] == b'A' { b'B' } else { b'A' };
        assert_eq!(t.lookup(std::str::from_utf8(&other).unwrap()), None);
        assert_eq!(t.lookup(""), None);
        assert_eq!(t.lookup(&format!("{tok}x")), None);
        assert_eq!(
            t.lookup("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"),
            None
        );
    }

    #[test]
    fn a_missing_file_is_a_first_start_and_a_corrupt_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(TokenTable::load(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join(TOKEN_FILE), b"{not json").unwrap();
        assert!(matches!(
            TokenTable::load(dir.path()),
            Err(ServerError::Corrupt { .. })
        ));
    }
}
