//! The disclosure office's controls: the active policy and the
//! confidential hold list (6103(i)(6)).

use crate::{Acting, App, AppError, Officer, PolicyOwner, Proposal};
use vouch_core::Tin;
use vouch_policy::PolicyConfig;

impl App<'_> {
    /// The active policy: the file activated in the store, else policy.md's
    /// defaults. An active file that no longer validates is an error (fail
    /// closed).
    pub fn active_policy(&self) -> Result<PolicyConfig, AppError> {
        Ok(vouch_pipeline::active_policy(self.store)?)
    }

    /// Validates a policy file and makes it the active one, with the
    /// official's written reason (a sentence: three words at least), while
    /// the registry is not sealed (logged as a founding change). Once it is
    /// sealed, a policy is proposed and confirmed by two people
    /// ([`App::propose`]).
    pub fn activate_policy(
        &self,
        by: &Acting<PolicyOwner>,
        text: &str,
        reason: &str,
    ) -> Result<PolicyConfig, AppError> {
        let (policy, _) = crate::changes::checked_policy(text, reason)?;
        self.found(
            by.id(),
            &Proposal::Policy {
                text: text.into(),
                reason: reason.into(),
            },
        )?;
        Ok(policy)
    }

    /// Puts TINs on the hold list (`add`) or takes them off while the
    /// registry is not sealed (logged as a founding change); returns how
    /// many changed. Only keyed hashes are stored, never a TIN. Once the
    /// registry is sealed, a hold list change is proposed and confirmed by
    /// two people ([`App::propose`]).
    pub fn change_holds(
        &self,
        by: &Acting<Officer>,
        tins: &[Tin],
        add: bool,
    ) -> Result<usize, AppError> {
        let before = self.store.held()?.len();
        self.found(
            by.id(),
            &Proposal::Holds {
                tins: tins.to_vec(),
                add,
            },
        )?;
        Ok(self.store.held()?.len().abs_diff(before))
    }

    /// How many TINs are held (never which).
    pub fn holds_count(&self) -> Result<usize, AppError> {
        Ok(self.store.held()?.len())
    }
}
