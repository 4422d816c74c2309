//! Signed approvals. A disclosure officer's approval (or denial) of a batch
//! is a statement — the request, the SHA-256 of its letter and of its
//! subjects file, the decision, the moment, the officer, the SHA-256 of the
//! comment — signed with a credential only that officer holds (an Ed25519
//! key whose public half is registered with the officer). A store writer
//! or an administrator can add an approval row, but cannot sign it: the run
//! counts only approvals whose signature verifies against the officer's
//! registered key, and each lookup's leaf commits to the approvals counted
//! ([`approvals_digest`]), so one altered afterwards is caught by anyone
//! holding the log.
//!
//! The credential is either an Ed25519 key (the signature is base64 of 64
//! bytes) or a security key the officer enrolled (WebAuthn: the signature
//! is an assertion whose challenge is SHA-256 of the statement, see
//! [`crate::webauthn`]). Either is checked offline against the registry.

use base64::Engine;
use sha2::{Digest, Sha256};
use vouch_store::{
    Approval, OfficialRecord, RequestRecord, Role, SecurityKeyRecord, StateStore, HOME_AGENCY,
};

/// What an officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Release the batch for lookup.
    Approve,
    /// Refuse it: no lookup is ever made.
    Deny,
}

impl Decision {
    /// The statement's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Deny => "deny",
        }
    }
}

/// The exact text an officer signs for `decision` on `rec`.
pub fn statement(
    rec: &RequestRecord,
    decision: Decision,
    officer: &str,
    at: time::OffsetDateTime,
    comment: &str,
) -> String {
    format!(
        "vouch-approval-v1\nrequest_id {}\nletter_sha256 {}\nsubjects_sha256 {}\ndecision {}\nat {}\nofficer {}\ncomment_sha256 {}\n",
        rec.request_id,
        rec.letter_sha256,
        rec.subjects_sha256,
        decision.as_str(),
        vouch_core::timestamp::format(at),
        officer,
        hex::encode(Sha256::digest(comment.as_bytes())),
    )
}

/// Why a signed decision does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The decision carries no signature.
    #[error("the decision is not signed")]
    Unsigned,
    /// The official is not a registered disclosure officer of the tax agency.
    #[error("{0} is not a registered disclosure officer")]
    NotAnOfficer(String),
    /// The officer has no key registered to check it with.
    #[error("{0} has no public key registered")]
    NoKey(String),
    /// The signature is not base64 of 64 bytes.
    #[error("the signature is not base64 of 64 bytes")]
    Malformed,
    /// The signature does not verify with the officer's registered key.
    #[error("the signature does not verify with {0}'s registered key")]
    Invalid(String),
    /// A security-key signature that does not hold.
    #[error("{officer}: {why}")]
    SecurityKey {
        /// The officer named.
        officer: String,
        /// Why not.
        why: crate::webauthn::WebauthnFailure,
    },
}

/// An officer as the registry knows them, with what they sign with: their
/// record (an Ed25519 public key, if registered) and their enrolled
/// security keys.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The official's record.
    pub official: OfficialRecord,
    /// Their enrolled security keys.
    pub security_keys: Vec<SecurityKeyRecord>,
}

impl Signer {
    /// `id` as the two-person registry the ledger logs vouches for them
    /// (`vetted`), with the security keys the replay vetted for them.
    pub fn vetted(vetted: &crate::changes::Vetted, id: &str) -> Option<Signer> {
        Some(Signer {
            official: vetted.official(id)?.clone(),
            security_keys: vetted.security_keys(id).to_vec(),
        })
    }

    /// `id` as `store` knows them now; `None` when they are unknown or the
    /// store cannot say (fail closed: a signature that cannot be checked
    /// counts for nothing). Keys that cannot be read are none.
    pub fn in_store(store: &dyn StateStore, id: &str) -> Option<Signer> {
        let official = store.official(id).ok().flatten()?;
        let security_keys = store.security_keys(id).unwrap_or_default();
        Some(Signer {
            official,
            security_keys,
        })
    }
}

/// What a signature that holds was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// The officer's registered Ed25519 key.
    Ed25519,
    /// One of the officer's enrolled security keys.
    SecurityKey(crate::webauthn::Asserted),
}

/// Checks that `signature` is `signer`'s signature of `text`, made with
/// their registered Ed25519 key or one of their enrolled security keys
/// (a `webauthn:` assertion over SHA-256 of `text`), `signer` being a
/// registered disclosure officer of the tax agency.
pub fn check_signed(
    signer: &Signer,
    text: &str,
    signature: Option<&str>,
) -> Result<Signed, SignatureError> {
    let officer = &signer.official;
    match signature {
        Some(sig) if crate::webauthn::is_webauthn_signature(sig) => {
            if officer.role != Role::DisclosureOfficer || officer.agency != HOME_AGENCY {
                return Err(SignatureError::NotAnOfficer(officer.id.clone()));
            }
            crate::webauthn::check_statement(&signer.security_keys, text, sig)
                .map(Signed::SecurityKey)
                .map_err(|why| SignatureError::SecurityKey {
                    officer: officer.id.clone(),
                    why,
                })
        }
        _ => check_signature(officer, text, signature).map(|()| Signed::Ed25519),
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Checks that `signature` (base64) is `officer`'s Ed25519 signature of `text`,
/// `officer` being a registered disclosure officer of the tax agency with a
/// registered key.
pub fn check_signature(
    officer: &OfficialRecord,
    text: &str,
    signature: Option<&str>,
) -> Result<(), SignatureError> {
    if officer.role != Role::DisclosureOfficer || officer.agency != HOME_AGENCY {
        return Err(SignatureError::NotAnOfficer(officer.id.clone()));
    }
    let sig = signature.ok_or(SignatureError::Unsigned)?;
    verify_registered_key(officer, text, sig).map_err(|f| match f {
        KeyFailure::NoKey => SignatureError::NoKey(officer.id.clone()),
        KeyFailure::Malformed => SignatureError::Malformed,
        KeyFailure::Invalid => SignatureError::Invalid(officer.id.clone()),
    })
}

/// Why a signature by an official's registered Ed25519 key fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFailure {
    /// The official has no valid Ed25519 key registered.
    NoKey,
    /// The signature is not base64 of 64 bytes.
    Malformed,
    /// It does not verify.
    Invalid,
}

/// Checks `signature` (base64) of `text` with `official`'s registered
/// Ed25519 key (strict verification), whatever their role.
pub fn verify_registered_key(
    official: &OfficialRecord,
    text: &str,
    signature: &str,
) -> Result<(), KeyFailure> {
    let key = official
        .public_key
        .as_deref()
        .and_then(|k| b64().decode(k).ok())
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
        .ok_or(KeyFailure::NoKey)?;
    let sig: [u8; 64] = b64()
        .decode(signature.trim())
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or(KeyFailure::Malformed)?;
    key.verify_strict(text.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| KeyFailure::Invalid)
}

/// Checks one recorded approval of `rec` against the registry
/// (`signer_of` looks an official and their security keys up, e.g.
/// [`Signer::in_store`]).
pub fn check_approval(
    rec: &RequestRecord,
    a: &Approval,
    signer_of: &dyn Fn(&str) -> Option<Signer>,
) -> Result<Signed, SignatureError> {
    let signer =
        signer_of(&a.officer).ok_or_else(|| SignatureError::NotAnOfficer(a.officer.clone()))?;
    let text = statement(rec, Decision::Approve, &a.officer, a.at, &a.comment);
    check_signed(&signer, &text, a.signature.as_deref())
}

/// The approvals of `rec` that hold: signed by a registered disclosure
/// officer's registered key or enrolled security key, one per officer (the
/// first), in the order given. An approval that does not hold is not
/// counted, whatever the store says.
pub fn valid_approvals<'r>(
    rec: &'r RequestRecord,
    signer_of: &dyn Fn(&str) -> Option<Signer>,
) -> Vec<&'r Approval> {
    let mut seen = std::collections::HashSet::new();
    rec.approvals
        .iter()
        .filter(|a| check_approval(rec, a, signer_of).is_ok())
        .filter(|a| seen.insert(a.officer.as_str()))
        .collect()
}

/// The digest each lookup leaf records of the approvals that released its
/// batch: SHA-256 of every approval's statement and signature, by officer.
pub fn approvals_digest(rec: &RequestRecord, approvals: &[&Approval]) -> [u8; 32] {
    let mut sorted: Vec<&&Approval> = approvals.iter().collect();
    sorted.sort_by(|a, b| a.officer.cmp(&b.officer));
    let mut h = Sha256::new();
    h.update(b"vouch-approvals-v1\n");
    for a in sorted {
        h.update(statement(rec, Decision::Approve, &a.officer, a.at, &a.comment).as_bytes());
        h.update(b"signature ");
        h.update(a.signature.as_deref().unwrap_or("").as_bytes());
        h.update(b"\n");
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;
    use time::macros::datetime;

    fn rec() -> RequestRecord {
        let t = datetime!(2026-01-01 00:00 UTC);
        RequestRecord {
            request_id: "R-1".into(),
            agency: "DHS-ICE".into(),
            letter_sha256: "ab".repeat(32),
            subjects_sha256: "cd".repeat(32),
            status: vouch_store::RequestStatus::PendingReview,
            subject_count: 3,
            request_reasons: vec![],
            holds: vec![],
            approvals_required: 1,
            approvals: vec![],
            policy_version: "p".into(),
            denial: None,
            completed_at: None,
            disposition_certified: None,
            received_at: t,
            updated_at: t,
        }
    }

    fn officer(id: &str, key: &ed25519_dalek::SigningKey) -> OfficialRecord {
        OfficialRecord {
            id: id.into(),
            agency: HOME_AGENCY.into(),
            role: Role::DisclosureOfficer,
            public_key: Some(b64().encode(key.verifying_key().to_bytes())),
            registered_at: datetime!(2025-01-01 00:00 UTC),
        }
    }

    fn signed(rec: &RequestRecord, id: &str, key: &ed25519_dalek::SigningKey) -> Approval {
        let at = datetime!(2026-01-02 00:00 UTC);
        let text = statement(rec, Decision::Approve, id, at, "ok");
        Approval {
            officer: id.into(),
            at,
            comment: "ok".into(),
            signature: Some(b64().encode(key.sign(text.as_bytes()).to_bytes())),
        }
    }

    #[test]
    fn only_approvals_signed_by_the_registered_key_count_and_each_officer_once() {
        let (k1, k2) = (
            ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
            ed25519_dalek::SigningKey::from_bytes(&[2; 32]),
        );
        let registry = [officer("do1", &k1), officer("do2", &k2)];
        let of = |id: &str| {
            registry.iter().find(|o| o.id == id).map(|o| super::Signer {
                official: o.clone(),
                security_keys: vec![],
            })
        };
        let mut r = rec();
        let good = signed(&r, "do1", &k1);
        let mut unsigned = signed(&r, "do2", &k2);
        unsigned.signature = None;
        let forged = signed(&r, "do2", &k1); // do2's name, do1's key
        let mut altered = signed(&r, "do2", &k2);
        altered.comment = "changed later".into();
        let stranger = signed(&r, "nobody", &k1);
        r.approvals = vec![
            good.clone(),
            good.clone(),
            unsigned,
            forged,
            altered,
            stranger,
        ];
        let valid = valid_approvals(&r, &of);
        assert_eq!(valid.len(), 1);
        assert_eq!(valid[0].officer, "do1");
        r.approvals.push(signed(&r, "do2", &k2));
        assert_eq!(valid_approvals(&r, &of).len(), 2);
        // The same approval on another request (other letter) does not hold.
        let mut other = rec();
        other.letter_sha256 = "ef".repeat(32);
        other.approvals = vec![good];
        assert!(valid_approvals(&other, &of).is_empty());
    }

    #[test]
    fn the_digest_changes_with_any_approval() {
        let k1 = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let r = rec();
        let a = signed(&r, "do1", &k1);
        let d = approvals_digest(&r, &[&a]);
        let mut b = a.clone();
        b.comment = "x".into();
        assert_ne!(approvals_digest(&r, &[&b]), d);
        assert_ne!(approvals_digest(&r, &[]), d);
        assert_eq!(approvals_digest(&r, &[&a]), d);
    }
}
