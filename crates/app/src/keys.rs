//! The service's keys: made once, into files outside the store; the store
//! registers their public ids, and every use checks the files against them.

use crate::{App, AppError};
use base64::Engine;
use std::path::Path;
use vouch_keys::{KeyName, Made, ServiceKeys};
use vouch_store::{AuditAction, KeyRecord, SYSTEM_ACTOR};

/// What `vouch keys init` did: each key, and whether it was generated or
/// carried over from the store of an earlier version.
pub type KeysMade = Vec<(KeyName, Made)>;

fn record(keys: &ServiceKeys, name: KeyName, at: time::OffsetDateTime) -> KeyRecord {
    let public_key = match name {
        KeyName::Ledger => Some(keys.ledger()),
        KeyName::Response => Some(keys.response()),
        _ => None,
    }
    .map(|k| base64::engine::general_purpose::STANDARD.encode(k.verifying_key().to_bytes()));
    KeyRecord {
        name: name.as_str().into(),
        key_id: keys.id(name).0,
        public_key,
        created_at: at,
        retired_at: None,
    }
}

impl App<'_> {
    /// Makes the service's keys in `dir` (0700, files 0600, never
    /// overwriting) and registers their ids in the store. Secrets an
    /// earlier version kept in the store are carried over to the files
    /// (so its ledger still verifies and its hold list still matches) and
    /// then deleted from the store. Refused on a store that already has
    /// keys registered: a second node copies the key files instead.
    pub fn init_keys(&self, dir: &Path) -> Result<KeysMade, AppError> {
        let _writer = self.store.writer_lock()?;
        if !self.store.service_keys()?.is_empty() {
            return Err(AppError::Conflict(
                "this store has its keys registered already: copy the key files to this node",
            ));
        }
        let mut earlier = Vec::new();
        for k in KeyName::ALL {
            earlier.push((k, self.store.legacy_secret(&k.file_name())?));
        }
        let lookup = |k: KeyName| earlier.iter().find(|(n, _)| *n == k).and_then(|(_, v)| *v);
        let made = ServiceKeys::init(dir, lookup)?;
        let keys = ServiceKeys::load(dir)?;
        let at = self.now();
        let records: Vec<KeyRecord> = KeyName::ALL.iter().map(|k| record(&keys, *k, at)).collect();
        self.store.register_service_keys(&records)?;
        self.store.drop_legacy_secrets()?;
        let carried = made.iter().filter(|(_, m)| *m == Made::CarriedOver).count();
        self.service_audit(
            SYSTEM_ACTOR,
            AuditAction::KeysRegistered,
            format!(
                "{} keys registered, {carried} carried over from the store",
                records.len()
            ),
        )?;
        Ok(made)
    }

    /// Replaces a signing key (`ledger` or `service`) in `dir`, keeps the
    /// old file under `retired/`, and registers the new id (retiring the
    /// old one, whose public key still verifies what it signed).
    pub fn rotate_key(&self, dir: &Path, name: KeyName) -> Result<(String, String), AppError> {
        let _writer = self.store.writer_lock()?;
        let keys = ServiceKeys::load(dir)?;
        App::with_checked_keys(self.store, &keys).check_keys()?;
        let (old, new) = ServiceKeys::rotate(dir, name)?;
        let keys = ServiceKeys::load(dir)?;
        self.store
            .register_service_keys(&[record(&keys, name, self.now())])?;
        self.service_audit(
            SYSTEM_ACTOR,
            AuditAction::KeyRotated,
            format!("{} key {old} retired, {new} in use", name.as_str()),
        )?;
        Ok((old.0, new.0))
    }

    /// Checks the keys this application was given against the ids the store
    /// registered: each must be the current key of its name.
    pub fn check_keys(&self) -> Result<(), AppError> {
        let keys = self.keys()?;
        let registered = self.store.service_keys()?;
        if registered.is_empty() {
            return Err(AppError::Keys(
                "this store has no keys registered: run `vouch keys init`".into(),
            ));
        }
        for name in KeyName::ALL {
            let current = registered
                .iter()
                .find(|r| r.name == name.as_str() && r.retired_at.is_none());
            let id = keys.id(name);
            match current {
                Some(r) if r.key_id == id.0 => {}
                Some(r) => {
                    return Err(AppError::Keys(format!(
                        "{}: the {} key there (id {id}) is not the one this store uses (id {})",
                        keys.dir().join(name.file_name()).display(),
                        name.as_str(),
                        r.key_id
                    )))
                }
                None => {
                    return Err(AppError::Keys(format!(
                        "this store has no {} key registered",
                        name.as_str()
                    )))
                }
            }
        }
        Ok(())
    }
}
