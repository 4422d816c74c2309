//! Two people for the registry: registering an official (and with them a
//! signer's, an officer's or an administrator's key), activating a policy
//! and changing the hold list are proposed by one official and take effect
//! only when a second, distinct administrator confirms; each step is a
//! statement signed with the person's own key (a token is not enough: an
//! administrator can issue a token for anyone, not sign with their key).
//! Once in effect, the change is a registry entry in the ledger. See
//! [`vouch_pipeline::changes`] for the statement, the replay and the seal.

use crate::{checked_text, App, AppError, NewOfficial, SIGNED_AT_SKEW_MAX};
use base64::Engine;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use vouch_core::Tin;
use vouch_ledger::DynLedger;
use vouch_pipeline::changes::{
    self as rules, HoldsPayload, OfficialPayload, PolicyPayload, Step, Vetted,
};
use vouch_policy::PolicyConfig;
use vouch_store::{AuditAction, OfficialRecord, PolicyActivation, RegistryChange, StoreError};

/// A change someone proposes.
#[derive(Debug, Clone)]
pub enum Proposal {
    /// Register an official (with their key, where the role needs one).
    Official(NewOfficial),
    /// Make a policy file the active one, with the written reason.
    Policy {
        /// The TOML policy file.
        text: String,
        /// Why (a sentence).
        reason: String,
    },
    /// Vet an official's enrolled security key for signing decisions.
    Credential {
        /// The official.
        official: String,
        /// The enrolled key's credential id.
        credential_id: String,
    },
    /// Add a witness the ledger asks to cosign its checkpoints, or remove one.
    Witness {
        /// The witness's cosignature verifier key (C2SP tlog-cosignature v1).
        verifier: String,
        /// Its URL prefix (`/add-checkpoint` is appended).
        url: String,
        /// Add (`true`) or remove.
        add: bool,
    },
    /// Put a court order on file, or lift one.
    Order(crate::orders::OrderChange),
    /// Withdraw disclosures found unlawful (a remediation, kept first).
    Withdrawal(vouch_pipeline::changes::WithdrawalPayload),
    /// Put TINs on the hold list, or take them off.
    Holds {
        /// The TINs (only their keyed hashes are kept).
        tins: Vec<Tin>,
        /// Add (`true`) or remove.
        add: bool,
    },
}

/// A step of a change as its official signed it.
#[derive(Debug, Clone)]
pub struct SignedStep {
    /// The official signing.
    pub official: String,
    /// The moment the statement names.
    pub at: OffsetDateTime,
    /// Ed25519 signature of the statement, base64.
    pub signature: String,
}

/// Where a registry change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeState {
    /// Waiting for a second administrator.
    Pending,
    /// Confirmed, but not yet logged (an interrupted confirmation: confirm
    /// it again to finish).
    Unlogged,
    /// In effect and logged.
    InEffect,
}

impl ChangeState {
    /// Of a stored change.
    pub fn of(c: &RegistryChange) -> ChangeState {
        match (&c.confirmed_by, c.ledger_index) {
            (None, _) => ChangeState::Pending,
            (Some(_), None) => ChangeState::Unlogged,
            (Some(_), Some(_)) => ChangeState::InEffect,
        }
    }

    /// For listings.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Pending => "pending",
            ChangeState::Unlogged => "confirmed, not logged",
            ChangeState::InEffect => "in effect",
        }
    }
}

fn invalid(field: &'static str, why: impl Into<String>) -> AppError {
    AppError::Invalid {
        field,
        why: why.into(),
    }
}

fn sealed_refusal() -> AppError {
    AppError::Conflict(
        "the registry is sealed: this change needs two people (propose it, signed, then a second administrator confirms it)",
    )
}

impl App<'_> {
    /// The registry as the ledger vouches for it (fails when a logged
    /// change was altered or does not hold).
    pub fn vetted(&self, ledger: &DynLedger) -> Result<Vetted, AppError> {
        Ok(rules::vet_stored(self.store, ledger)?)
    }

    /// Whether the registry is sealed (two administrators with keys
    /// vetted): from then on every change needs two people. For listings:
    /// replays the changes where the store records them logged, without
    /// reopening the ledger (seconds at millions of leaves, on every page).
    /// Every use case that relies on the seal replays the ledger itself.
    pub fn registry_sealed(&self) -> Result<bool, AppError> {
        Ok(self.vetted_as_recorded()?.is_sealed())
    }

    /// The registry replayed from the store's record of what was logged,
    /// without reopening the ledger: for listings and banners only (every
    /// decision that relies on the registry replays the ledger itself).
    pub(crate) fn vetted_as_recorded(&self) -> Result<Vetted, AppError> {
        let changes = self.store.registry_changes()?;
        let mut entries: Vec<(u64, vouch_ledger::RegistryEntry)> = changes
            .iter()
            .filter_map(|c| c.ledger_index.map(|i| (i, rules::entry_of(c))))
            .collect();
        entries.sort_by_key(|(i, _)| *i);
        Ok(rules::vet(&changes, &entries).map_err(vouch_pipeline::PipelineError::from)?)
    }

    /// Every registry change, oldest first.
    pub fn registry_changes(&self) -> Result<Vec<RegistryChange>, AppError> {
        Ok(self.store.registry_changes()?)
    }

    /// The change `proposal` by `by` at `at` would be (unsigned): its id
    /// and its statement are what the proposer signs.
    pub fn draft(
        &self,
        proposal: &Proposal,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<RegistryChange, AppError> {
        let at = vouch_core::timestamp::canonical(at);
        let (kind, payload, summary) = self.payload_of(proposal)?;
        Ok(RegistryChange {
            id: rules::change_id(kind, &payload, by, at),
            kind: kind.into(),
            payload,
            summary,
            proposed_by: by.into(),
            proposed_at: at,
            proposal_signature: String::new(),
            confirmed_by: None,
            confirmed_at: None,
            confirmation_signature: None,
            ledger_index: None,
        })
    }

    /// The text `official` signs for `step` of `change` at `at`.
    pub fn change_statement(
        &self,
        change: &RegistryChange,
        step: Step,
        official: &str,
        at: OffsetDateTime,
    ) -> String {
        rules::statement(change, step, official, vouch_core::timestamp::canonical(at))
    }

    /// A stored change by id.
    pub fn registry_change(&self, id: &str) -> Result<RegistryChange, AppError> {
        self.store
            .registry_changes()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::NotFound {
                what: "registry change",
                id: id.into(),
            })
    }

    fn payload_of(&self, p: &Proposal) -> Result<(&'static str, String, String), AppError> {
        Ok(match p {
            Proposal::Official(new) => {
                let rec = self.checked_official(new)?;
                let payload = OfficialPayload {
                    id: rec.id.clone(),
                    agency: rec.agency.clone(),
                    role: rec.role.as_str().into(),
                    public_key: rec.public_key.clone(),
                };
                let summary = format!(
                    "official {} ({}, {}{})",
                    rec.id,
                    rec.agency,
                    rec.role.as_str(),
                    match &rec.public_key {
                        Some(k) =>
                            format!(", key sha256:{}", &hex::encode(Sha256::digest(k))[..16]),
                        None => String::new(),
                    }
                );
                (rules::KIND_OFFICIAL, json(&payload), summary)
            }
            Proposal::Policy { text, reason } => {
                let (policy, reason) = checked_policy(text, reason)?;
                let summary = format!("policy {} ({})", policy.version(), policy.name);
                let payload = PolicyPayload {
                    text: text.clone(),
                    reason,
                    version: policy.version(),
                };
                (rules::KIND_POLICY, json(&payload), summary)
            }
            Proposal::Credential {
                official,
                credential_id,
            } => {
                let key = self
                    .store
                    .security_keys(official)?
                    .into_iter()
                    .find(|k| &k.credential_id == credential_id)
                    .ok_or_else(|| AppError::NotFound {
                        what: "security key",
                        id: credential_id.clone(),
                    })?;
                let summary = format!(
                    "security key {} of {official} ({})",
                    credential_id.chars().take(16).collect::<String>(),
                    key.origin
                );
                let payload = rules::CredentialPayload {
                    official: key.official,
                    credential_id: key.credential_id,
                    credential: key.credential,
                    rp_id: key.rp_id,
                    origin: key.origin,
                    enrolled_at: key.enrolled_at,
                };
                (rules::KIND_CREDENTIAL, json(&payload), summary)
            }
            Proposal::Witness { verifier, url, add } => {
                let payload = rules::WitnessPayload {
                    add: *add,
                    verifier: verifier.trim().to_string(),
                    url: url.trim().trim_end_matches('/').to_string(),
                };
                let w = payload.witness().map_err(|why| {
                    let field = if why.starts_with("url") {
                        "url"
                    } else {
                        "verifier"
                    };
                    invalid(field, why)
                })?;
                let summary = format!(
                    "witness {}: {} at {}",
                    if *add { "add" } else { "remove" },
                    w.name,
                    w.url
                );
                (rules::KIND_WITNESS, json(&payload), summary)
            }
            Proposal::Order(change) => {
                let (payload, summary) = change.payload()?;
                (rules::KIND_ORDER, json(&payload), summary)
            }
            Proposal::Withdrawal(p) => {
                let summary = format!(
                    "withdrawal: remediation {} of {}, {} disclosures in {} requests",
                    p.remediation,
                    p.agency,
                    p.disclosures,
                    p.requests.len()
                );
                (rules::KIND_WITHDRAWAL, json(p), summary)
            }
            Proposal::Holds { tins, add } => {
                let hash = vouch_pipeline::tin_hasher(self.keys()?);
                let mut tin_hmacs: Vec<String> =
                    tins.iter().map(|t| hex::encode(hash(*t))).collect();
                tin_hmacs.sort();
                tin_hmacs.dedup();
                let summary = format!(
                    "hold list: {} {} TINs",
                    if *add { "add" } else { "remove" },
                    tin_hmacs.len()
                );
                let payload = HoldsPayload {
                    add: *add,
                    tin_hmacs,
                };
                (rules::KIND_HOLDS, json(&payload), summary)
            }
        })
    }

    /// Proposes a change, signed by its proposer; it waits for a second
    /// administrator. Only once the registry is sealed (before, changes
    /// take effect at once: [`App::register_official`] and the others).
    pub fn propose(
        &self,
        proposal: &Proposal,
        step: SignedStep,
    ) -> Result<RegistryChange, AppError> {
        self.check_moment(step.at)?;
        let mut change = self.draft(proposal, &step.official, step.at)?;
        let _writer = self.store.writer_lock()?;
        let ledger = self.store.open_ledger()?;
        let vetted = self.vetted(&ledger)?;
        if !vetted.is_sealed() {
            return Err(AppError::Conflict(
                "the registry is not sealed yet: until two administrators with keys are registered, changes take effect at once",
            ));
        }
        if let Proposal::Official(new) = proposal {
            self.refuse_known_official(&new.id)?;
        }
        if self
            .store
            .registry_changes()?
            .iter()
            .any(|c| c.id == change.id)
        {
            return Err(AppError::Conflict("this change was already proposed"));
        }
        vetted
            .check_step(
                &change,
                Step::Propose,
                &step.official,
                change.proposed_at,
                &step.signature,
            )
            .map_err(|why| invalid("signature", why))?;
        change.proposal_signature = step.signature.trim().into();
        self.keep_order_document(proposal)?;
        self.store.put_registry_change(&change)?;
        self.service_audit(
            &step.official,
            AuditAction::ChangeProposed,
            format!("registry change {}: {}", change.id, change.summary),
        )?;
        Ok(change)
    }

    /// Confirms a pending change as a second administrator, signed: it
    /// takes effect and is logged. Confirming a change whose confirmation
    /// was interrupted before it was logged finishes it.
    pub fn confirm_change(&self, id: &str, step: SignedStep) -> Result<RegistryChange, AppError> {
        self.check_moment(step.at)?;
        let at = vouch_core::timestamp::canonical(step.at);
        let _writer = self.store.writer_lock()?;
        let mut ledger = self.store.open_ledger()?;
        let vetted = self.vetted(&ledger)?;
        let mut change = self.registry_change(id)?;
        match ChangeState::of(&change) {
            ChangeState::InEffect => {
                return Err(AppError::Conflict("this change is already in effect"))
            }
            ChangeState::Unlogged => return self.take_effect(&mut ledger, change),
            ChangeState::Pending => {}
        }
        vetted
            .check_step(&change, Step::Confirm, &step.official, at, &step.signature)
            .map_err(|why| invalid("signature", why))?;
        change.confirmed_by = Some(step.official.clone());
        change.confirmed_at = Some(at);
        change.confirmation_signature = Some(step.signature.trim().into());
        self.would_replay(&ledger, &change)?;
        self.store.put_registry_change(&change)?;
        self.take_effect(&mut ledger, change)
    }

    fn check_moment(&self, at: OffsetDateTime) -> Result<(), AppError> {
        let now = self.now();
        if at > now + SIGNED_AT_SKEW_MAX || at < now - SIGNED_AT_SKEW_MAX {
            return Err(invalid(
                "at",
                "the signed moment is more than five minutes from now",
            ));
        }
        Ok(())
    }

    fn refuse_known_official(&self, id: &str) -> Result<(), AppError> {
        if self.store.official(id)?.is_some() {
            return Err(AppError::Conflict("this official is already registered"));
        }
        Ok(())
    }

    /// Makes a one-person (founding) change while the registry is not
    /// sealed: recorded, logged and in effect at once. Refused once sealed.
    pub(crate) fn found_unless_sealed(
        &self,
        actor: &str,
        proposal: &Proposal,
    ) -> Result<bool, AppError> {
        if let Proposal::Credential { official, .. } = proposal {
            // A key of someone the registry does not hold (the bootstrap
            // administrator, an official of an earlier version) is not
            // vetted: it serves sign-in only.
            let ledger = self.store.open_ledger()?;
            if self.vetted(&ledger)?.official(official).is_none() {
                return Ok(false);
            }
        }
        match self.found(actor, proposal) {
            Ok(_) => Ok(true),
            Err(AppError::Conflict(m)) if m.starts_with("the registry is sealed") => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn found(
        &self,
        actor: &str,
        proposal: &Proposal,
    ) -> Result<RegistryChange, AppError> {
        let _writer = self.store.writer_lock()?;
        let mut ledger = self.store.open_ledger()?;
        if self.vetted(&ledger)?.is_sealed() {
            return Err(sealed_refusal());
        }
        if let Proposal::Official(new) = proposal {
            self.refuse_known_official(&new.id)?;
        }
        let now = self.now();
        let mut change = self.draft(proposal, actor, now)?;
        change.confirmed_by = Some(actor.into());
        change.confirmed_at = Some(now);
        self.would_replay(&ledger, &change)?;
        self.keep_order_document(proposal)?;
        self.store.put_registry_change(&change)?;
        self.take_effect(&mut ledger, change)
    }

    /// Logs a record of one official (kind `incident`): a registry entry
    /// made and in effect at once, whether or not the registry is sealed.
    pub(crate) fn record(
        &self,
        by: &str,
        kind: &str,
        payload: String,
        summary: String,
    ) -> Result<(), AppError> {
        let _writer = self.store.writer_lock()?;
        let mut ledger = self.store.open_ledger()?;
        let now = self.now();
        let change = RegistryChange {
            id: rules::change_id(kind, &payload, by, now),
            kind: kind.into(),
            payload,
            summary,
            proposed_by: by.into(),
            proposed_at: now,
            proposal_signature: String::new(),
            confirmed_by: Some(by.into()),
            confirmed_at: Some(now),
            confirmation_signature: None,
            ledger_index: None,
        };
        self.would_replay(&ledger, &change)?;
        self.store.put_registry_change(&change)?;
        self.take_effect(&mut ledger, change)?;
        Ok(())
    }

    /// Logs a confirmed change (unless it is logged already), applies it,
    /// and records where it was logged. Each step can be repeated after a
    /// crash: the entry is looked for before it is appended, and applying
    /// is idempotent.
    fn take_effect(
        &self,
        ledger: &mut DynLedger,
        mut change: RegistryChange,
    ) -> Result<RegistryChange, AppError> {
        let logged = self.would_replay(ledger, &change)?;
        let index = match logged {
            Some(i) => i,
            None => ledger.append_registry(&rules::entry_of(&change))?,
        };
        self.apply(&change)?;
        change.ledger_index = Some(index);
        self.store.put_registry_change(&change)?;
        if let Some(keys) = self.keys {
            let origin = vouch_pipeline::ledger_origin(self.store)?;
            ledger.checkpoint(&origin, vouch_pipeline::LEDGER_KEY_NAME, keys.ledger())?;
        }
        let by = change.confirmed_by.as_deref().unwrap_or("operator");
        self.service_audit(
            by,
            AuditAction::ChangeInEffect,
            format!(
                "registry change {} by {} and {by}, ledger entry {index}: {}",
                change.id, change.proposed_by, change.summary
            ),
        )?;
        Ok(change)
    }

    /// Checks that the replay accepts `change` in effect (logged now, or
    /// where it is logged already): an entry it refuses, once in the log,
    /// would stop everything, so nothing is recorded or logged before.
    /// Returns where it is logged, if it is.
    fn would_replay(
        &self,
        ledger: &DynLedger,
        change: &RegistryChange,
    ) -> Result<Option<u64>, AppError> {
        let mut entries = ledger.registry_entries()?;
        let logged = entries
            .iter()
            .find(|(_, e)| e.change_id == change.id)
            .map(|(i, _)| *i);
        if logged.is_none() {
            entries.push((ledger.size(), rules::entry_of(change)));
        }
        let mut changes = self.store.registry_changes()?;
        changes.retain(|c| c.id != change.id);
        changes.push(change.clone());
        rules::vet(&changes, &entries).map_err(|e| match e {
            // This change is what does not hold (an order on file twice, a
            // lift of an order not on file): the caller's to fix.
            rules::RegistryError::Invalid { change_id, why, .. } if change_id == change.id => {
                AppError::Invalid {
                    field: "change",
                    why,
                }
            }
            other => vouch_pipeline::PipelineError::from(other).into(),
        })?;
        Ok(logged)
    }

    fn apply(&self, change: &RegistryChange) -> Result<(), AppError> {
        let corrupt = |why: String| {
            AppError::Store(StoreError::Corrupt {
                table: "registry_changes",
                why,
            })
        };
        match change.kind.as_str() {
            rules::KIND_OFFICIAL => {
                let rec = rules::official_of(change).map_err(corrupt)?;
                match self.store.add_official(rec.clone()) {
                    Ok(()) => {}
                    Err(StoreError::Exists { .. }) => {
                        let had = self.store.official(&rec.id)?;
                        let same = had.is_some_and(|h| {
                            h.agency == rec.agency
                                && h.role == rec.role
                                && h.public_key == rec.public_key
                        });
                        if !same {
                            return Err(AppError::Conflict(
                                "a different official with this id is in the store",
                            ));
                        }
                    }
                    Err(StoreError::NotFound { id, .. }) => {
                        return Err(AppError::NotFound { what: "agency", id })
                    }
                    Err(e) => return Err(e.into()),
                }
                self.service_audit(
                    change.confirmed_by.as_deref().unwrap_or("operator"),
                    AuditAction::OfficialRegistered,
                    format!(
                        "official {} ({}, {})",
                        rec.id,
                        rec.agency,
                        rec.role.as_str()
                    ),
                )
            }
            rules::KIND_POLICY => {
                let p: PolicyPayload =
                    serde_json::from_str(&change.payload).map_err(|e| corrupt(e.to_string()))?;
                let activation = PolicyActivation {
                    at: change.confirmed_at.unwrap_or(change.proposed_at),
                    officer: change.proposed_by.clone(),
                    reason: p.reason,
                    version: p.version.clone(),
                    sha256: hex::encode(Sha256::digest(p.text.as_bytes())),
                };
                let active = self.store.active_policy()?;
                let history = self.store.policy_history()?;
                // Idempotent: not activated twice by a repeated confirmation.
                if active.as_deref() != Some(p.text.as_str())
                    || history.last().map(|h| h.at) != Some(activation.at)
                {
                    self.store.activate_policy(&p.text, &activation)?;
                }
                self.service_audit(
                    &change.proposed_by,
                    AuditAction::PolicyActivated,
                    format!("policy {}", p.version),
                )
            }
            rules::KIND_HOLDS => {
                let p: HoldsPayload =
                    serde_json::from_str(&change.payload).map_err(|e| corrupt(e.to_string()))?;
                let keys = p
                    .tin_hmacs
                    .iter()
                    .map(|h| {
                        hex::decode(h)
                            .ok()
                            .and_then(|b| <[u8; 32]>::try_from(b).ok())
                            .ok_or_else(|| corrupt("a held TIN hash is not 32 bytes of hex".into()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let changed = self.store.set_held(&keys, p.add)?;
                self.service_audit(
                    &change.proposed_by,
                    if p.add {
                        AuditAction::HoldsAdded
                    } else {
                        AuditAction::HoldsRemoved
                    },
                    format!("{changed} of {} TINs changed", keys.len()),
                )
            }
            // The key is in the store since its enrolment; vetting it is
            // the registry entry itself.
            rules::KIND_CREDENTIAL => Ok(()),
            // The witnesses and the orders are the replay's: nothing in the
            // store to change (an order's document is kept when proposed).
            rules::KIND_WITNESS
            | rules::KIND_ORDER
            | rules::KIND_WITHDRAWAL
            | rules::KIND_INCIDENT => Ok(()),
            other => Err(corrupt(format!("unknown kind {other}"))),
        }
    }

    /// The official `new` would register, once its fields check out.
    pub(crate) fn checked_official(&self, new: &NewOfficial) -> Result<OfficialRecord, AppError> {
        crate::checked_id("id", &new.id)?;
        crate::checked_id("agency", &new.agency)?;
        if !new.role.fits_agency(&new.agency) {
            let owner = if new.role.is_home() {
                "the tax agency (IRS)"
            } else {
                "a requesting agency"
            };
            return Err(invalid(
                "role",
                format!("role {} belongs to {owner}", new.role.as_str()),
            ));
        }
        if self.store.agency(&new.agency)?.is_none() && new.agency != vouch_core::HOME_AGENCY {
            return Err(AppError::NotFound {
                what: "agency",
                id: new.agency.clone(),
            });
        }
        let public_key = match new.public_key {
            Some(raw) => {
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map_err(|_| invalid("public_key", "not a valid Ed25519 public key"))?;
                Some(base64::engine::general_purpose::STANDARD.encode(raw))
            }
            // A signer signs letters; a disclosure officer signs every
            // decision: neither can act without a key.
            None if matches!(
                new.role,
                vouch_store::Role::Signer | vouch_store::Role::DisclosureOfficer
            ) =>
            {
                return Err(invalid(
                    "public_key",
                    format!("a {} needs a public key", new.role.as_str()),
                ))
            }
            None => None,
        };
        Ok(OfficialRecord {
            id: new.id.clone(),
            agency: new.agency.clone(),
            role: new.role,
            public_key,
            registered_at: self.now(),
        })
    }
}

/// Checks a policy file and its reason (a sentence: three words at least).
pub(crate) fn checked_policy(text: &str, reason: &str) -> Result<(PolicyConfig, String), AppError> {
    let reason = checked_text("reason", reason)?;
    if reason.split_whitespace().count() < 3 {
        return Err(invalid(
            "reason",
            "say why the policy changes, in a sentence",
        ));
    }
    let policy = PolicyConfig::from_toml(text).map_err(|e| invalid("policy", e.to_string()))?;
    Ok((policy, reason))
}

/// A payload as canonical JSON (structs of strings, bools and vectors,
/// which cannot fail to serialise).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
