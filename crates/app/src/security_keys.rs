//! Security keys (WebAuthn): one-time enrolment codes, enrolment, the
//! console's second factor, and the counter check of every live use.
//!
//! An administrator issues an enrolment code for a named official (shown
//! once, kept only as its SHA-256, single use, expiring after
//! [`ENROLMENT_CODE_TTL`]). The official, signed in with their own token,
//! enters it and creates a credential on their key; the code is used and
//! the credential stored in one transaction, and only for the official it
//! was issued for. A console session is complete only once the official
//! has asserted with one of their keys (a random challenge); until then it
//! may do nothing else but enrol. Decisions may be signed with a key too
//! (see `vouch_pipeline::webauthn`).

use crate::{Acting, App, AppError, Officer, Registrar};
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration as StdDuration;
use vouch_pipeline::webauthn::{self as wa, RelyingParty, WebauthnFailure};
use vouch_store::{AuditAction, EnrolmentCodeRecord, SecurityKeyRecord, SessionRecord};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse, Uuid,
};

/// An enrolment code stops working this long after it was issued.
pub const ENROLMENT_CODE_TTL: StdDuration = StdDuration::from_secs(24 * 3600);
/// A WebAuthn ceremony must be finished this long after it started.
pub const CEREMONY_MAX: StdDuration = StdDuration::from_secs(5 * 60);
/// Security keys one official may enrol at most.
pub const SECURITY_KEYS_MAX: usize = 10;

const ENROL: &str = "enrol";
const SIGN_IN: &str = "sign-in";

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// The hex SHA-256 a presented code is stored under, if well formed.
fn code_sha256(presented: &str) -> Option<String> {
    let raw: [u8; 32] = b64url().decode(presented.trim()).ok()?.try_into().ok()?;
    Some(hex::encode(Sha256::digest(raw)))
}

fn refused_code() -> AppError {
    AppError::Invalid {
        field: "code",
        why: "not valid for you (unknown, used, expired, or issued for another official)".into(),
    }
}

fn key_failed(why: WebauthnFailure) -> AppError {
    AppError::Invalid {
        field: "security key",
        why: why.to_string(),
    }
}

fn no_ceremony() -> AppError {
    AppError::Invalid {
        field: "security key",
        why: "no ceremony in progress, or it expired; start again".into(),
    }
}

/// What the enrolment ceremony keeps between its two steps.
#[derive(Serialize, Deserialize)]
struct Enrolling {
    code_sha256: String,
    state: PasskeyRegistration,
}

impl<'s> App<'s> {
    /// The application with the relying party its security-key ceremonies
    /// run for (the service's `--rp-id` and `--rp-origin`).
    pub fn with_relying_party(mut self, rp: &'s RelyingParty) -> App<'s> {
        self.rp = Some(rp);
        self
    }

    fn rp(&self) -> Result<&'s RelyingParty, AppError> {
        self.rp.ok_or(AppError::Invalid {
            field: "security key",
            why: "this service has no relying party configured".into(),
        })
    }

    /// Issues a one-time code with which `official` (and only they) enrols
    /// a security key; returns it (shown once: only its SHA-256 is kept).
    pub fn issue_enrolment_code(&self, by: &Registrar, official: &str) -> Result<String, AppError> {
        if self.store.official(official)?.is_none() {
            return Err(AppError::NotFound {
                what: "official",
                id: official.into(),
            });
        }
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let now = self.now();
        let rec = EnrolmentCodeRecord {
            sha256: hex::encode(Sha256::digest(raw)),
            official: official.into(),
            issued_by: by.actor().into(),
            issued_at: now,
            expires_at: now + ENROLMENT_CODE_TTL,
            used_at: None,
        };
        self.store.add_enrolment_code(&rec)?;
        self.service_audit(
            by.actor(),
            AuditAction::EnrolmentCodeIssued,
            format!("official {official}, code {}", rec.id()),
        )?;
        Ok(b64url().encode(raw))
    }

    /// An official's enrolled security keys.
    pub fn security_keys_of(&self, official: &str) -> Result<Vec<SecurityKeyRecord>, AppError> {
        Ok(self.store.security_keys(official)?)
    }

    /// Starts enrolling a security key for the session's official with an
    /// enrolment code issued for them: the options for
    /// `navigator.credentials.create`. The code is used when it finishes.
    pub fn start_enrolment(
        &self,
        session: &SessionRecord,
        code: &str,
    ) -> Result<CreationChallengeResponse, AppError> {
        let rp = self.rp()?;
        let sha = code_sha256(code).ok_or_else(refused_code)?;
        let now = self.now();
        match self.store.enrolment_code(&sha)? {
            Some(c) if c.usable_by(&session.official, now) => {}
            _ => return Err(refused_code()),
        }
        let existing = self.store.security_keys(&session.official)?;
        if existing.len() >= SECURITY_KEYS_MAX {
            return Err(AppError::Conflict(
                "this official has the most security keys allowed",
            ));
        }
        let exclude = existing
            .iter()
            .filter_map(|k| wa::passkey_of(k).ok())
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let user = Sha256::digest(session.official.as_bytes());
        let user =
            Uuid::from_slice(&user[..16]).map_err(|_| key_failed(WebauthnFailure::Stored))?;
        let (options, state) = rp
            .webauthn()
            .start_passkey_registration(user, &session.official, &session.official, Some(exclude))
            .map_err(|_| key_failed(WebauthnFailure::RelyingParty))?;
        let kept = serde_json::to_string(&Enrolling {
            code_sha256: sha,
            state,
        })
        .map_err(|_| key_failed(WebauthnFailure::Stored))?;
        self.store
            .put_ceremony(&session.key, ENROL, &kept, now, now - CEREMONY_MAX)?;
        Ok(options)
    }

    /// Finishes an enrolment the session started: checks the new
    /// credential (webauthn-rs: challenge, origin, RP id, user verified),
    /// then uses the code and stores the key in one transaction (a code
    /// used or expired meanwhile enrols nothing). Audited without the code.
    pub fn finish_enrolment(
        &self,
        session: &SessionRecord,
        response: &RegisterPublicKeyCredential,
    ) -> Result<SecurityKeyRecord, AppError> {
        let rp = self.rp()?;
        let now = self.now();
        let (kept, started) = self
            .store
            .take_ceremony(&session.key, ENROL)?
            .ok_or_else(no_ceremony)?;
        if now - started > CEREMONY_MAX {
            return Err(no_ceremony());
        }
        let kept: Enrolling = serde_json::from_str(&kept).map_err(|_| no_ceremony())?;
        let passkey = rp
            .webauthn()
            .finish_passkey_registration(response, &kept.state)
            .map_err(|_| key_failed(WebauthnFailure::Invalid))?;
        let key = SecurityKeyRecord {
            credential_id: b64url().encode(passkey.cred_id().as_slice()),
            official: session.official.clone(),
            credential: serde_json::to_string(&passkey)
                .map_err(|_| key_failed(WebauthnFailure::Stored))?,
            rp_id: rp.rp_id().into(),
            origin: rp.origin(),
            sign_count: 0,
            enrolled_at: now,
        };
        let enrolled = match self.store.enrol_security_key(&kept.code_sha256, now, &key) {
            Ok(b) => b,
            Err(vouch_store::StoreError::Exists { .. }) => {
                return Err(AppError::Conflict("this security key is already enrolled"))
            }
            Err(e) => return Err(e.into()),
        };
        if !enrolled {
            return Err(refused_code());
        }
        // While the registry is founding, the key is vetted at once (logged
        // as a founding entry); once sealed it signs decisions only after
        // two administrators vet it (a registry change of kind credential).
        self.found_unless_sealed(
            &session.official,
            &crate::Proposal::Credential {
                official: key.official.clone(),
                credential_id: key.credential_id.clone(),
            },
        )?;
        self.service_audit(
            &session.official,
            AuditAction::SecurityKeyEnrolled,
            format!(
                "code {}, key {}",
                kept.code_sha256.get(..16).unwrap_or_default(),
                key.credential_id.chars().take(16).collect::<String>()
            ),
        )?;
        Ok(key)
    }

    /// The official's keys the relying party can use now.
    fn usable_keys(&self, official: &str) -> Result<Vec<SecurityKeyRecord>, AppError> {
        let rp = self.rp()?;
        let mut keys = self.store.security_keys(official)?;
        keys.retain(|k| k.rp_id == rp.rp_id() && k.origin == rp.origin());
        Ok(keys)
    }

    /// Starts the second factor of a console session: the options for
    /// `navigator.credentials.get` (a random challenge), or `None` when the
    /// official has no security key for this service yet (they enrol one
    /// first, with a code).
    pub fn start_second_factor(
        &self,
        session: &SessionRecord,
    ) -> Result<Option<RequestChallengeResponse>, AppError> {
        let rp = self.rp()?;
        let keys = self.usable_keys(&session.official)?;
        let passkeys = keys
            .iter()
            .map(wa::passkey_of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(key_failed)?;
        if passkeys.is_empty() {
            return Ok(None);
        }
        let (options, state) = rp
            .webauthn()
            .start_passkey_authentication(&passkeys)
            .map_err(|_| key_failed(WebauthnFailure::Stored))?;
        let kept =
            serde_json::to_string(&state).map_err(|_| key_failed(WebauthnFailure::Stored))?;
        let now = self.now();
        self.store
            .put_ceremony(&session.key, SIGN_IN, &kept, now, now - CEREMONY_MAX)?;
        Ok(Some(options))
    }

    /// Finishes the second factor: the assertion must answer the
    /// ceremony's challenge with one of the official's keys (verified by
    /// the key), its counter must have gone up; then the session is complete.
    pub fn finish_second_factor(
        &self,
        session: &SessionRecord,
        assertion: &PublicKeyCredential,
    ) -> Result<(), AppError> {
        let rp = self.rp()?;
        let now = self.now();
        let (kept, started) = self
            .store
            .take_ceremony(&session.key, SIGN_IN)?
            .ok_or_else(no_ceremony)?;
        if now - started > CEREMONY_MAX {
            return Err(no_ceremony());
        }
        let state: PasskeyAuthentication =
            serde_json::from_str(&kept).map_err(|_| no_ceremony())?;
        let keys = self.usable_keys(&session.official)?;
        let asserted = wa::finish(rp, &keys, assertion, &state).map_err(key_failed)?;
        self.accept_counter(&keys, &asserted)?;
        self.store.set_session_second_factor(&session.key, now)?;
        self.service_audit(
            &session.official,
            AuditAction::SecondFactor,
            format!(
                "security key {}",
                asserted.credential_id.chars().take(16).collect::<String>()
            ),
        )
    }

    /// A live assertion's counter must be above the highest seen (unless
    /// the key keeps none): a lower one is a cloned key's.
    pub(crate) fn accept_counter(
        &self,
        keys: &[SecurityKeyRecord],
        asserted: &wa::Asserted,
    ) -> Result<(), AppError> {
        let key = keys
            .iter()
            .find(|k| k.credential_id == asserted.credential_id)
            .ok_or_else(|| key_failed(WebauthnFailure::UnknownKey))?;
        if asserted.counter == 0 && key.sign_count == 0 {
            return Ok(());
        }
        if asserted.counter > key.sign_count
            && self
                .store
                .raise_sign_count(&key.credential_id, asserted.counter)?
        {
            return Ok(());
        }
        Err(AppError::Invalid {
            field: "security key",
            why: "its signature counter went back: it may have been cloned".into(),
        })
    }

    /// The options for signing `statement` with one of the officer's
    /// security keys (challenge = SHA-256 of the statement), or `None`
    /// when they have none for this service.
    pub fn statement_options(
        &self,
        by: &Acting<Officer>,
        statement: &str,
    ) -> Result<Option<RequestChallengeResponse>, AppError> {
        let rp = self.rp()?;
        let keys = self.usable_keys(by.id())?;
        if keys.is_empty() {
            return Ok(None);
        }
        wa::statement_options(rp, &keys, statement)
            .map(Some)
            .map_err(key_failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_codes_have_a_hash() {
        let raw = [5u8; 32];
        let code = b64url().encode(raw);
        assert_eq!(code_sha256(&code), Some(hex::encode(Sha256::digest(raw))));
        assert_eq!(code_sha256(&code[1..]), None);
        assert_eq!(code_sha256("not a code"), None);
    }
}
