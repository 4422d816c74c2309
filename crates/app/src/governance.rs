//! The disclosure office's controls: the active policy and the
//! confidential hold list (6103(i)(6)).

use crate::{checked_text, Acting, App, AppError, Officer, PolicyOwner};
use sha2::{Digest, Sha256};
use vouch_core::Tin;
use vouch_policy::PolicyConfig;
use vouch_store::{AuditAction, PolicyActivation};

impl App<'_> {
    /// The active policy: the file activated in the store, else policy.md's
    /// defaults. An active file that no longer validates is an error (fail
    /// closed).
    pub fn active_policy(&self) -> Result<PolicyConfig, AppError> {
        Ok(vouch_pipeline::active_policy(self.store)?)
    }

    /// Validates a policy file and makes it the active one, with the
    /// official's written reason (a sentence: three words at least).
    pub fn activate_policy(
        &self,
        by: &Acting<PolicyOwner>,
        text: &str,
        reason: &str,
    ) -> Result<PolicyConfig, AppError> {
        let reason = checked_text("reason", reason)?;
        if reason.split_whitespace().count() < 3 {
            return Err(AppError::Invalid {
                field: "reason",
                why: "say why the policy changes, in a sentence".into(),
            });
        }
        let policy = PolicyConfig::from_toml(text).map_err(|e| AppError::Invalid {
            field: "policy",
            why: e.to_string(),
        })?;
        let activation = PolicyActivation {
            at: self.now(),
            officer: by.id().into(),
            reason,
            version: policy.version(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        };
        self.store.activate_policy(text, &activation)?;
        self.service_audit(
            by.id(),
            AuditAction::PolicyActivated,
            format!("policy {} ({})", activation.version, policy.name),
        )?;
        Ok(policy)
    }

    /// Puts TINs on the hold list (`add`) or takes them off; returns how
    /// many changed. Only keyed hashes are stored, never a TIN.
    pub fn change_holds(
        &self,
        by: &Acting<Officer>,
        tins: &[Tin],
        add: bool,
    ) -> Result<usize, AppError> {
        let hash = vouch_pipeline::tin_hasher(self.keys()?);
        let keys: Vec<[u8; 32]> = tins.iter().map(|t| hash(*t)).collect();
        let changed = self.store.set_held(&keys, add)?;
        let action = if add {
            AuditAction::HoldsAdded
        } else {
            AuditAction::HoldsRemoved
        };
        self.service_audit(
            by.id(),
            action,
            format!("{changed} of {} TINs changed", keys.len()),
        )?;
        Ok(changed)
    }

    /// How many TINs are held (never which).
    pub fn holds_count(&self) -> Result<usize, AppError> {
        Ok(self.store.held()?.len())
    }
}
