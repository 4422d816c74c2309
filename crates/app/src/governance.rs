//! The disclosure office's controls: the active policy and the
//! confidential hold list (6103(i)(6)).

use crate::{Acting, Admin, App, AppError, Officer, PolicyOwner, Proposal};
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

    /// Adds (`add`) or removes a witness the ledger asks to cosign its
    /// checkpoints while the registry is not sealed (logged as a founding
    /// change). Once it is sealed, a witness change is proposed and
    /// confirmed by two people ([`App::propose`]).
    pub fn change_witness(
        &self,
        by: &Acting<Admin>,
        verifier: &str,
        url: &str,
        add: bool,
    ) -> Result<(), AppError> {
        self.found(
            by.id(),
            &Proposal::Witness {
                verifier: verifier.into(),
                url: url.into(),
                add,
            },
        )?;
        Ok(())
    }

    /// The witnesses the registry vouches for, each with the size of the
    /// latest checkpoint it cosigned (per the ledger's published
    /// checkpoints) and that cosignature's time (Unix seconds).
    pub fn witnesses(
        &self,
        ledger: &vouch_ledger::DynLedger,
    ) -> Result<Vec<WitnessStatus>, AppError> {
        let vetted = self.vetted(ledger)?;
        Ok(vetted
            .witnesses()
            .map(|w| {
                let last = vouch_pipeline::witnesses::last_cosigned(ledger, w);
                WitnessStatus {
                    name: w.name.clone(),
                    url: w.url.clone(),
                    verifier: w.vkey.clone(),
                    last_size: last.map(|(s, _)| s),
                    last_time: last.map(|(_, t)| t),
                }
            })
            .collect())
    }

    /// How many TINs are held (never which).
    pub fn holds_count(&self) -> Result<usize, AppError> {
        Ok(self.store.held()?.len())
    }
}

/// A configured witness and what it last cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessStatus {
    /// Its name (its key's).
    pub name: String,
    /// Its URL prefix.
    pub url: String,
    /// Its verifier key.
    pub verifier: String,
    /// Size of the latest published checkpoint it cosigned, if any.
    pub last_size: Option<u64>,
    /// That cosignature's timestamp (Unix seconds).
    pub last_time: Option<u64>,
}
