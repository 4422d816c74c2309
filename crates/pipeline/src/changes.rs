//! The two-person registry. A change to who may act — an official and
//! their key, the active policy, the hold list — is proposed and signed by
//! one official and confirmed and signed by a second, distinct
//! administrator, each with a key only they hold; only then does it take
//! effect, and the SHA-256 of its whole record goes into the ledger as a
//! registry entry (key transparency: an auditor sees when a key appeared
//! and who confirmed it).
//!
//! What counts is not the state store's tables but [`vet`]: a replay of the
//! ledger's registry entries, each checked against the change record the
//! store holds (digest), in log order, each signature against the keys the
//! replay has vetted so far. An official row a store writer inserted, or a
//! key swapped in the officials table, is not in the replay and signs
//! nothing that counts.
//!
//! Founding: until two administrators with keys are vetted (the registry
//! is *sealed*), registrations take effect at once, made by one person
//! (the operator installing the service, or the first administrator), and
//! are logged as founding entries. After the seal, a founding entry in the
//! log makes [`vet`] fail.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::OffsetDateTime;
use vouch_ledger::RegistryEntry;
use vouch_store::{OfficialRecord, RegistryChange, Role, SecurityKeyRecord, HOME_AGENCY};

/// The first line of every registry statement.
pub const STATEMENT_HEADER: &str = "vouch-registry-v1";
/// Kind of a change registering an official.
pub const KIND_OFFICIAL: &str = "official";
/// Kind of a change activating a policy.
pub const KIND_POLICY: &str = "policy";
/// Kind of a change to the hold list.
pub const KIND_HOLDS: &str = "holds";
/// Kind of a change vetting an official's security key (WebAuthn) for
/// signing decisions.
pub const KIND_CREDENTIAL: &str = "credential";
/// Kind of a change adding or removing a witness the ledger asks to
/// cosign its checkpoints (C2SP tlog-witness).
pub const KIND_WITNESS: &str = "witness";
/// Kind of a change putting a court order on file, or lifting one.
pub const KIND_ORDER: &str = "order";
/// Kind of a change withdrawing disclosures found unlawful (a remediation).
pub const KIND_WITHDRAWAL: &str = "withdrawal";
/// Kind of a record of an incident's step (opened, reported, closed): not
/// a change of who may act, so one official records it at any time; it is
/// logged so that no one removes an incident unseen.
pub const KIND_INCIDENT: &str = "incident";

/// The payload of an incident's logged step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentPayload {
    /// The incident.
    pub incident: String,
    /// `opened`, `reported` or `closed`.
    pub step: String,
    /// SHA-256 of the incident's record after the step, hex.
    pub record_sha256: String,
}

/// The payload of a change withdrawing disclosures: the remediation's id
/// and what binds its list of disclosures (kept as a store document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalPayload {
    /// The remediation.
    pub remediation: String,
    /// The requesting agency.
    pub agency: String,
    /// Why (a sentence).
    pub reason: String,
    /// The requests it concerns.
    pub requests: Vec<String>,
    /// How many disclosures it withdraws.
    pub disclosures: u64,
    /// SHA-256 of the sorted list of disclosures
    /// (`remediation::disclosures_sha256`).
    pub disclosures_sha256: String,
}

/// A step of a change, as its statement names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first person proposes.
    Propose,
    /// The second, an administrator, confirms.
    Confirm,
}

impl Step {
    /// The statement's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Propose => "propose",
            Step::Confirm => "confirm",
        }
    }
}

/// The payload of a change registering an official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialPayload {
    /// Registry id.
    pub id: String,
    /// Agency.
    pub agency: String,
    /// Role (`Role::as_str`).
    pub role: String,
    /// Base64 Ed25519 public key, if any.
    pub public_key: Option<String>,
}

/// The payload of a change activating a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyPayload {
    /// The policy file.
    pub text: String,
    /// Why it changes.
    pub reason: String,
    /// Its version.
    pub version: String,
}

/// The payload of a change to the hold list (keyed hashes, never TINs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldsPayload {
    /// Put on the list (`true`) or take off.
    pub add: bool,
    /// Hex keyed hashes of the TINs.
    pub tin_hmacs: Vec<String>,
}

/// The payload of a change vetting a security key: the enrolled
/// credential as the store recorded it (public key, relying party).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialPayload {
    /// The official it belongs to.
    pub official: String,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The credential as registered (webauthn-rs `Passkey`, JSON).
    pub credential: String,
    /// Its relying party id.
    pub rp_id: String,
    /// Its origin.
    pub origin: String,
    /// When it was enrolled.
    #[serde(with = "vouch_core::timestamp::moment")]
    pub enrolled_at: OffsetDateTime,
}

impl CredentialPayload {
    /// The security key as the replay vets it.
    pub fn record(&self) -> SecurityKeyRecord {
        SecurityKeyRecord {
            credential_id: self.credential_id.clone(),
            official: self.official.clone(),
            credential: self.credential.clone(),
            rp_id: self.rp_id.clone(),
            origin: self.origin.clone(),
            sign_count: 0,
            enrolled_at: self.enrolled_at,
        }
    }
}

/// The payload of a change to the ledger's witnesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessPayload {
    /// Add (`true`) or remove.
    pub add: bool,
    /// The witness's cosignature verifier key (C2SP tlog-cosignature v1:
    /// `name+keyid+base64(0x04||key)`); its name names the witness.
    pub verifier: String,
    /// The witness's URL prefix (`/add-checkpoint` is appended).
    pub url: String,
}

/// The payload of a change putting a court order on file or lifting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "action", rename_all = "lowercase")]
pub enum OrderPayload {
    /// An order takes effect on its date.
    Add {
        /// The order's id (the docket's, or the office's own).
        id: String,
        /// The court (a line of text).
        court: String,
        /// The day it takes effect (`YYYY-MM-DD`).
        date: String,
        /// Its scope: `all`, `agency:AGENCY` or `pathway:PATHWAY`.
        scope: String,
        /// `halt` (no disclosure in scope) or `restrict` (the policy given
        /// applies in scope instead of the active one).
        effect: String,
        /// SHA-256 of the order's document (PDF or text), hex.
        document_sha256: String,
        /// The policy file in force in scope while a `restrict` order is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        policy: Option<String>,
    },
    /// An order stops having effect from its lift date.
    Lift {
        /// The order's id.
        id: String,
        /// The first day it no longer has effect (`YYYY-MM-DD`).
        date: String,
    },
}

/// What a court order does in its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEffect {
    /// No disclosure: intake refused (`ORDER_HALTED`), approved batches
    /// held unreleased.
    Halt,
    /// The order's policy applies instead of the active one.
    Restrict,
}

impl OrderEffect {
    /// Parses `halt` or `restrict`.
    pub fn parse(s: &str) -> Option<OrderEffect> {
        match s {
            "halt" => Some(OrderEffect::Halt),
            "restrict" => Some(OrderEffect::Restrict),
            _ => None,
        }
    }
    /// Its spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderEffect::Halt => "halt",
            OrderEffect::Restrict => "restrict",
        }
    }
}

/// Whom a court order covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderScope {
    /// Every request.
    All,
    /// One requesting agency's requests.
    Agency(String),
    /// One disclosure pathway's requests.
    Pathway(String),
}

impl OrderScope {
    /// Parses `all`, `agency:AGENCY` or `pathway:PATHWAY`.
    pub fn parse(s: &str) -> Option<OrderScope> {
        match s.split_once(':') {
            None if s == "all" => Some(OrderScope::All),
            Some(("agency", a)) if !a.trim().is_empty() => Some(OrderScope::Agency(a.into())),
            Some(("pathway", p)) if !p.trim().is_empty() => Some(OrderScope::Pathway(p.into())),
            _ => None,
        }
    }
    /// Its spelling.
    pub fn as_text(&self) -> String {
        match self {
            OrderScope::All => "all".into(),
            OrderScope::Agency(a) => format!("agency:{a}"),
            OrderScope::Pathway(p) => format!("pathway:{p}"),
        }
    }
    /// Whether a request of `agency` on `pathway` is in scope.
    pub fn covers(&self, agency: &str, pathway: &str) -> bool {
        match self {
            OrderScope::All => true,
            OrderScope::Agency(a) => a == agency,
            OrderScope::Pathway(p) => p == pathway.trim(),
        }
    }
}

/// A court order as the registry vouches for it.
#[derive(Debug, Clone)]
pub struct Order {
    /// Its id.
    pub id: String,
    /// The court.
    pub court: String,
    /// The day it takes effect.
    pub date: time::Date,
    /// Whom it covers.
    pub scope: OrderScope,
    /// What it does.
    pub effect: OrderEffect,
    /// SHA-256 of its document, hex.
    pub document_sha256: String,
    /// The policy a `restrict` order puts in force in its scope.
    pub policy: Option<String>,
    /// The first day it no longer has effect, once lifted.
    pub lifted: Option<time::Date>,
    /// The registry changes that put it on file and lifted it.
    pub added_by_change: String,
    /// The change that lifted it.
    pub lifted_by_change: Option<String>,
}

impl Order {
    /// Whether it has effect on `day`.
    pub fn in_force(&self, day: time::Date) -> bool {
        self.date <= day && self.lifted.is_none_or(|l| day < l)
    }
}

/// Checks an order's payload; the order it adds.
pub fn order_of(p: &OrderPayload, change_id: &str) -> Result<Option<Order>, String> {
    let date = |d: &str| {
        vouch_core::timestamp::parse_date(d).ok_or_else(|| format!("date: {d:?} is not YYYY-MM-DD"))
    };
    let OrderPayload::Add {
        id,
        court,
        date: on,
        scope,
        effect,
        document_sha256,
        policy,
    } = p
    else {
        if let OrderPayload::Lift { date: on, .. } = p {
            date(on)?;
        }
        return Ok(None);
    };
    check_order_id(id)?;
    if court.trim().is_empty() || court.len() > 512 {
        return Err("court: empty or longer than 512 bytes".into());
    }
    let effect = OrderEffect::parse(effect).ok_or("effect: not halt or restrict")?;
    let scope =
        OrderScope::parse(scope).ok_or("scope: not all, agency:AGENCY or pathway:PATHWAY")?;
    if document_sha256.len() != 64 || !document_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("document_sha256: not 64 hex digits".into());
    }
    match (effect, policy) {
        (OrderEffect::Restrict, None) => {
            return Err("policy: a restrict order names the policy it puts in force".into())
        }
        (OrderEffect::Halt, Some(_)) => return Err("policy: a halt order takes no policy".into()),
        (OrderEffect::Restrict, Some(text)) => {
            vouch_policy::PolicyConfig::from_toml(text).map_err(|e| format!("policy: {e}"))?;
        }
        (OrderEffect::Halt, None) => {}
    }
    Ok(Some(Order {
        id: id.clone(),
        court: court.trim().to_string(),
        date: date(on)?,
        scope,
        effect,
        document_sha256: document_sha256.to_ascii_lowercase(),
        policy: policy.clone(),
        lifted: None,
        added_by_change: change_id.into(),
        lifted_by_change: None,
    }))
}

/// An order id: 1 to 64 characters of letters, digits, `-`, `_`, `.`, `:`.
pub fn check_order_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err("id: 1 to 64 letters, digits, -, _, . or :".into())
    }
}

/// Longest witness URL accepted.
pub const WITNESS_URL_BYTES_MAX: usize = 512;

impl WitnessPayload {
    /// The witness as the replay vets it: the key parses and the URL is an
    /// absolute http(s) URL without credentials, query or fragment.
    pub fn witness(&self) -> Result<Witness, String> {
        let verifier = vouch_ledger::cosignature::CosignerVerifier::parse(&self.verifier)
            .map_err(|e| format!("verifier: {e}"))?;
        check_witness_url(&self.url)?;
        Ok(Witness {
            name: verifier.name().to_string(),
            url: self.url.trim_end_matches('/').to_string(),
            vkey: verifier.to_vkey(),
            verifier,
        })
    }
}

/// Checks a witness URL: `http://` or `https://`, a host, printable ASCII,
/// no user information, query or fragment.
pub fn check_witness_url(url: &str) -> Result<(), String> {
    if url.len() > WITNESS_URL_BYTES_MAX {
        return Err(format!("url: longer than {WITNESS_URL_BYTES_MAX} bytes"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("url: must start with http:// or https://")?;
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("url: spaces or characters outside printable ASCII".into());
    }
    if url.contains(['?', '#']) {
        return Err("url: a query or fragment is not allowed".into());
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err("url: no host, or user information in it".into());
    }
    Ok(())
}

/// A witness the registry vouches for.
#[derive(Debug, Clone)]
pub struct Witness {
    /// Its name (the verifier key's name).
    pub name: String,
    /// URL prefix, without a trailing slash.
    pub url: String,
    /// Its verifier key as text.
    pub vkey: String,
    /// Its verifier.
    pub verifier: vouch_ledger::cosignature::CosignerVerifier,
}

/// Why the registry does not replay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The ledger logs a change the store does not hold.
    #[error("registry entry {index} logs change {change_id}, which the state store does not hold")]
    Missing {
        /// Ledger index.
        index: u64,
        /// The change.
        change_id: String,
    },
    /// The store's record of a change is not the one the ledger logged.
    #[error("registry change {change_id} was altered after it was logged (ledger entry {index})")]
    Altered {
        /// Ledger index.
        index: u64,
        /// The change.
        change_id: String,
    },
    /// A logged change does not hold: a signature, a signer, the seal.
    #[error("registry change {change_id} (ledger entry {index}) does not hold: {why}")]
    Invalid {
        /// Ledger index.
        index: u64,
        /// The change.
        change_id: String,
        /// Why.
        why: String,
    },
}

/// The id of a change: from its kind, payload, proposer and time.
pub fn change_id(kind: &str, payload: &str, proposer: &str, at: OffsetDateTime) -> String {
    let mut h = Sha256::new();
    for part in [
        "vouch-registry-change",
        kind,
        payload,
        proposer,
        &vouch_core::timestamp::format(at),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

/// The exact text `official` signs for `step` of `change` at `at`.
pub fn statement(
    change: &RegistryChange,
    step: Step,
    official: &str,
    at: OffsetDateTime,
) -> String {
    format!(
        "{STATEMENT_HEADER}\nchange {}\nkind {}\npayload_sha256 {}\nproposed_by {}\nproposed_at {}\nstep {}\nofficial {}\nat {}\n",
        change.id,
        change.kind,
        hex::encode(Sha256::digest(change.payload.as_bytes())),
        change.proposed_by,
        vouch_core::timestamp::format(change.proposed_at),
        step.as_str(),
        official,
        vouch_core::timestamp::format(at),
    )
}

/// SHA-256 of a change's whole record as logged (its ledger index aside).
pub fn record_digest(change: &RegistryChange) -> [u8; 32] {
    let mut c = change.clone();
    c.ledger_index = None;
    // Serialising a struct of strings and options cannot fail.
    let bytes = serde_json::to_vec(&c).unwrap_or_default();
    Sha256::digest(&bytes).into()
}

/// The ledger entry that logs `change` taking effect.
pub fn entry_of(change: &RegistryChange) -> RegistryEntry {
    let at = change.confirmed_at.unwrap_or(change.proposed_at);
    RegistryEntry {
        change_id: change.id.clone(),
        kind: change.kind.clone(),
        time_unix_ms: u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        record_sha256: record_digest(change),
    }
}

/// Whether a change was a founding registration (one person, no signature).
pub fn is_founding(change: &RegistryChange) -> bool {
    change.confirmation_signature.is_none()
}

/// Checks `signature` (base64 Ed25519) of `text` by `official`'s key.
pub fn check_signed(official: &OfficialRecord, text: &str, signature: &str) -> Result<(), String> {
    use crate::approval::KeyFailure;
    crate::approval::verify_registered_key(official, text, signature).map_err(|f| match f {
        KeyFailure::NoKey => format!("{} has no public key registered", official.id),
        KeyFailure::Malformed => "the signature is not base64 of 64 bytes".into(),
        KeyFailure::Invalid => format!(
            "the signature does not verify with {}'s registered key",
            official.id
        ),
    })
}

/// Which role may propose a change of `kind`.
pub fn may_propose(kind: &str, official: &OfficialRecord) -> bool {
    if official.agency != HOME_AGENCY {
        return false;
    }
    match kind {
        KIND_OFFICIAL => official.role == Role::Administrator,
        KIND_POLICY => matches!(official.role, Role::Administrator | Role::DisclosureOfficer),
        KIND_HOLDS => official.role == Role::DisclosureOfficer,
        KIND_CREDENTIAL => official.role == Role::Administrator,
        KIND_WITNESS => official.role == Role::Administrator,
        KIND_ORDER | KIND_WITHDRAWAL => {
            matches!(official.role, Role::Administrator | Role::DisclosureOfficer)
        }
        _ => false,
    }
}

/// The officials of a change registering one.
pub fn official_of(change: &RegistryChange) -> Result<OfficialRecord, String> {
    let p: OfficialPayload =
        serde_json::from_str(&change.payload).map_err(|e| format!("payload: {e}"))?;
    let role = Role::parse(&p.role).ok_or("payload: unknown role")?;
    Ok(OfficialRecord {
        id: p.id,
        agency: p.agency,
        role,
        public_key: p.public_key,
        registered_at: change.confirmed_at.unwrap_or(change.proposed_at),
    })
}

/// The registry as the ledger vouches for it.
#[derive(Debug, Clone, Default)]
pub struct Vetted {
    officials: HashMap<String, OfficialRecord>,
    security_keys: HashMap<String, Vec<SecurityKeyRecord>>,
    witnesses: std::collections::BTreeMap<String, Witness>,
    orders: std::collections::BTreeMap<String, Order>,
    withdrawals: std::collections::BTreeMap<String, WithdrawalPayload>,
    incidents: std::collections::BTreeMap<String, IncidentPayload>,
    /// Ledger index of the entry that sealed the registry, if sealed.
    pub sealed_at: Option<u64>,
    /// Founding entries logged.
    pub founding: usize,
    /// Two-person changes logged.
    pub confirmed: usize,
}

impl Vetted {
    /// A vetted official (logged, and signed for as the rules require).
    pub fn official(&self, id: &str) -> Option<&OfficialRecord> {
        self.officials.get(id)
    }

    /// An official's vetted security keys (logged, and confirmed by two
    /// administrators once the registry is sealed), oldest first.
    pub fn security_keys(&self, official: &str) -> &[SecurityKeyRecord] {
        self.security_keys
            .get(official)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The witnesses the ledger asks to cosign its checkpoints, by name.
    pub fn witnesses(&self) -> impl Iterator<Item = &Witness> {
        self.witnesses.values()
    }

    /// Every incident the ledger logs, with its latest step.
    pub fn incidents(&self) -> impl Iterator<Item = &IncidentPayload> {
        self.incidents.values()
    }

    /// Every withdrawal of disclosures in effect, by remediation id.
    pub fn withdrawals(&self) -> impl Iterator<Item = &WithdrawalPayload> {
        self.withdrawals.values()
    }

    /// Every court order on file (in force, future, or lifted), by id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    /// The first order (by id) in force on `day` over a request of
    /// `agency` on `pathway` with `effect`.
    pub fn order_over(
        &self,
        agency: &str,
        pathway: &str,
        day: time::Date,
        effect: OrderEffect,
    ) -> Option<&Order> {
        self.orders
            .values()
            .find(|o| o.effect == effect && o.in_force(day) && o.scope.covers(agency, pathway))
    }

    /// Whether two administrators with keys are vetted: from then on every
    /// change needs two people.
    pub fn is_sealed(&self) -> bool {
        self.sealed_at.is_some()
    }

    fn keyed_admins(&self) -> usize {
        self.officials
            .values()
            .filter(|o| {
                o.role == Role::Administrator && o.agency == HOME_AGENCY && o.public_key.is_some()
            })
            .count()
    }

    /// Checks a proposal's or confirmation's signer and signature against
    /// what is vetted so far.
    pub fn check_step(
        &self,
        change: &RegistryChange,
        step: Step,
        official: &str,
        at: OffsetDateTime,
        signature: &str,
    ) -> Result<(), String> {
        let o = self
            .official(official)
            .ok_or_else(|| format!("{official} is not a vetted official"))?;
        match step {
            Step::Propose if !may_propose(&change.kind, o) => {
                return Err(format!(
                    "{official} may not propose a {} change",
                    change.kind
                ))
            }
            Step::Confirm if o.role != Role::Administrator || o.agency != HOME_AGENCY => {
                return Err(format!("{official} is not an administrator"))
            }
            Step::Confirm if official == change.proposed_by => {
                return Err(
                    "the confirming administrator must be someone other than the proposer".into(),
                )
            }
            _ => {}
        }
        check_signed(o, &statement(change, step, official, at), signature)
    }
}

/// Replays the ledger's registry `entries` over the store's `changes`.
pub fn vet(
    changes: &[RegistryChange],
    entries: &[(u64, RegistryEntry)],
) -> Result<Vetted, RegistryError> {
    let by_id: HashMap<&str, &RegistryChange> =
        changes.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut v = Vetted::default();
    for (index, e) in entries {
        let index = *index;
        let invalid = |why: String| RegistryError::Invalid {
            index,
            change_id: e.change_id.clone(),
            why,
        };
        let c = by_id
            .get(e.change_id.as_str())
            .ok_or_else(|| RegistryError::Missing {
                index,
                change_id: e.change_id.clone(),
            })?;
        if record_digest(c) != e.record_sha256 || c.kind != e.kind {
            return Err(RegistryError::Altered {
                index,
                change_id: e.change_id.clone(),
            });
        }
        if c.kind == KIND_INCIDENT {
            // A record, made by one official (registered) at any time.
            if c.confirmed_by.as_deref() != Some(c.proposed_by.as_str())
                || v.official(&c.proposed_by).is_none() && v.is_sealed()
            {
                return Err(invalid(
                    "an incident's step recorded by no registered official".into(),
                ));
            }
            let p: IncidentPayload =
                serde_json::from_str(&c.payload).map_err(|e| invalid(format!("payload: {e}")))?;
            v.incidents.insert(p.incident.clone(), p);
        } else if is_founding(c) {
            if v.is_sealed() {
                return Err(invalid(
                    "a one-person registration after the registry was sealed".into(),
                ));
            }
            v.founding += 1;
        } else {
            let (Some(by), Some(at), Some(sig)) = (
                c.confirmed_by.as_deref(),
                c.confirmed_at,
                c.confirmation_signature.as_deref(),
            ) else {
                return Err(invalid("not confirmed".into()));
            };
            v.check_step(
                c,
                Step::Propose,
                &c.proposed_by,
                c.proposed_at,
                &c.proposal_signature,
            )
            .map_err(|w| invalid(format!("proposal: {w}")))?;
            v.check_step(c, Step::Confirm, by, at, sig)
                .map_err(|w| invalid(format!("confirmation: {w}")))?;
            v.confirmed += 1;
        }
        if c.kind == KIND_OFFICIAL {
            let o = official_of(c).map_err(invalid)?;
            if v.officials.contains_key(&o.id) {
                // An official (and their key) is registered once: a second
                // registration would re-key them behind the store's back.
                return Err(invalid(format!("{} is registered already", o.id)));
            }
            v.officials.insert(o.id.clone(), o);
        }
        if c.kind == KIND_CREDENTIAL {
            let p: CredentialPayload =
                serde_json::from_str(&c.payload).map_err(|e| invalid(format!("payload: {e}")))?;
            if v.official(&p.official).is_none() {
                return Err(invalid(format!(
                    "a security key for {}, whom the registry does not hold",
                    p.official
                )));
            }
            let keys = v.security_keys.entry(p.official.clone()).or_default();
            if !keys.iter().any(|k| k.credential_id == p.credential_id) {
                keys.push(p.record());
            }
        }
        if c.kind == KIND_WITNESS {
            let p: WitnessPayload =
                serde_json::from_str(&c.payload).map_err(|e| invalid(format!("payload: {e}")))?;
            let w = p.witness().map_err(invalid)?;
            match (p.add, v.witnesses.get(&w.name)) {
                (true, Some(_)) => {
                    return Err(invalid(format!(
                        "witness {} is configured already (remove it first)",
                        w.name
                    )))
                }
                (false, Some(had)) if had.vkey != w.vkey => {
                    return Err(invalid(format!(
                        "witness {} is configured with another key",
                        w.name
                    )))
                }
                (false, None) => {
                    return Err(invalid(format!("witness {} is not configured", w.name)))
                }
                (true, None) => {
                    v.witnesses.insert(w.name.clone(), w);
                }
                (false, Some(_)) => {
                    v.witnesses.remove(&w.name);
                }
            }
        }
        if c.kind == KIND_WITHDRAWAL {
            let p: WithdrawalPayload =
                serde_json::from_str(&c.payload).map_err(|e| invalid(format!("payload: {e}")))?;
            if v.withdrawals.contains_key(&p.remediation) {
                return Err(invalid(format!(
                    "remediation {} is in effect already",
                    p.remediation
                )));
            }
            v.withdrawals.insert(p.remediation.clone(), p);
        }
        if c.kind == KIND_ORDER {
            let p: OrderPayload =
                serde_json::from_str(&c.payload).map_err(|e| invalid(format!("payload: {e}")))?;
            match (order_of(&p, &c.id).map_err(&invalid)?, &p) {
                (Some(o), _) => {
                    if v.orders.contains_key(&o.id) {
                        return Err(invalid(format!("order {} is on file already", o.id)));
                    }
                    v.orders.insert(o.id.clone(), o);
                }
                (None, OrderPayload::Lift { id, date }) => {
                    let o = v
                        .orders
                        .get_mut(id)
                        .ok_or_else(|| invalid(format!("order {id} is not on file")))?;
                    if o.lifted.is_some() {
                        return Err(invalid(format!("order {id} is lifted already")));
                    }
                    let day = vouch_core::timestamp::parse_date(date)
                        .ok_or_else(|| invalid("date: not YYYY-MM-DD".into()))?;
                    if day < o.date {
                        return Err(invalid(format!(
                            "order {id} cannot be lifted before it takes effect"
                        )));
                    }
                    o.lifted = Some(day);
                    o.lifted_by_change = Some(c.id.clone());
                }
                (None, OrderPayload::Add { .. }) => {
                    return Err(invalid("payload: an order that cannot be read".into()))
                }
            }
        }
        if v.sealed_at.is_none() && v.keyed_admins() >= 2 {
            v.sealed_at = Some(index);
        }
    }
    Ok(v)
}

/// [`vet`] over the store and ledger as they are.
pub fn vet_stored(
    store: &dyn vouch_store::StateStore,
    ledger: &vouch_ledger::DynLedger,
) -> Result<Vetted, crate::PipelineError> {
    let changes = store.registry_changes()?;
    let entries = ledger.registry_entries()?;
    Ok(vet(&changes, &entries)?)
}
