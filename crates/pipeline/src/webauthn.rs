//! Security keys (WebAuthn) as a decision signature, checked offline.
//!
//! An officer may sign a decision statement with an enrolled security key
//! instead of an Ed25519 key: the browser asks the key for an assertion
//! whose challenge is SHA-256 of the statement's text ([`statement_challenge`]),
//! so the assertion (authenticator data and client data, signed by the
//! credential's private key, which never leaves the key) says that this
//! officer, verified by the key (PIN or biometric), approved *that*
//! statement. It is kept in the approval's `signature` as
//! [`SIGNATURE_PREFIX`] followed by the base64url of the assertion's JSON.
//!
//! Checking one needs no browser and no server: the enrolled credential
//! (its public key, as webauthn-rs registered it), the relying-party id and
//! origin it was registered for (recorded with it), and the statement.
//!
//! Why this way: webauthn-rs makes a random challenge for every ceremony
//! and keeps it in a state value, which is opaque unless the
//! `danger-allow-state-serialisation` feature is on. With the feature on,
//! [`bound_state`] starts an ordinary passkey authentication for the one
//! credential (so every other setting, user verification required
//! included, is webauthn-rs's own), and replaces only the challenge in the
//! serialised state with SHA-256 of the statement; webauthn-rs then checks
//! the assertion as in any ceremony (credential, type, challenge, origin,
//! RP id hash, user presence and verification, signature). The
//! alternative, calling `webauthn-rs-core` directly, is marked "unsafe,
//! experts only" by its authors and has the same private state. The state's
//! layout is checked by the tests here, so an upgrade that changes it fails
//! them rather than checking nothing.

use base64::Engine;
use sha2::{Digest, Sha256};
use vouch_store::SecurityKeyRecord;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PublicKeyCredential, RequestChallengeResponse, Url, Webauthn,
    WebauthnBuilder,
};

/// How a security-key signature starts in an approval's `signature`.
pub const SIGNATURE_PREFIX: &str = "webauthn:";

/// Largest security-key signature read (an assertion is about 1 KiB).
pub const SIGNATURE_BYTES_MAX: usize = 16 << 10;

/// What is wrong with a security key, a relying party or an assertion
/// (fixed, data-free phrases).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnFailure {
    /// The relying-party id is not a domain of the origin, or either is malformed.
    #[error(
        "the relying party is not valid (the RP id must be the origin's domain or a parent of it)"
    )]
    RelyingParty,
    /// The signature is not a well-formed security-key assertion.
    #[error("the security-key signature is malformed")]
    Malformed,
    /// The assertion names no security key enrolled by the officer.
    #[error("the assertion is not by a security key the officer enrolled")]
    UnknownKey,
    /// The stored credential cannot be read.
    #[error("the enrolled security key's record is unreadable")]
    Stored,
    /// The assertion does not verify.
    #[error("the security-key assertion does not verify")]
    Invalid,
}

/// The relying party: the RP id and origin browsers check credentials against.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    rp_id: String,
    origin: Url,
    webauthn: Webauthn,
}

impl RelyingParty {
    /// The relying party `rp_id` at `origin` (the RP id must be the
    /// origin's host or a parent domain of it; an IP address is not one).
    pub fn new(rp_id: &str, origin: &str) -> Result<RelyingParty, WebauthnFailure> {
        let url = Url::parse(origin).map_err(|_| WebauthnFailure::RelyingParty)?;
        let webauthn = WebauthnBuilder::new(rp_id, &url)
            .and_then(|b| b.rp_name("vouch").build())
            .map_err(|_| WebauthnFailure::RelyingParty)?;
        Ok(RelyingParty {
            rp_id: rp_id.to_string(),
            origin: url,
            webauthn,
        })
    }

    /// The relying party a security key was registered for.
    pub fn of_key(key: &SecurityKeyRecord) -> Result<RelyingParty, WebauthnFailure> {
        RelyingParty::new(&key.rp_id, &key.origin)
    }

    /// The RP id.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The origin, as browsers write it (`scheme://host[:port]`, no slash).
    pub fn origin(&self) -> String {
        self.origin.origin().ascii_serialization()
    }

    /// webauthn-rs's ceremonies for this relying party.
    pub fn webauthn(&self) -> &Webauthn {
        &self.webauthn
    }
}

/// The challenge a security key signs to sign `statement`: its SHA-256.
pub fn statement_challenge(statement: &str) -> [u8; 32] {
    Sha256::digest(statement.as_bytes()).into()
}

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// The enrolled credential of a key record.
pub fn passkey_of(key: &SecurityKeyRecord) -> Result<Passkey, WebauthnFailure> {
    serde_json::from_str(&key.credential).map_err(|_| WebauthnFailure::Stored)
}

/// An authentication of `passkeys` whose challenge is `challenge` instead
/// of a random one: the options for the browser and the state to finish it
/// with (see the module's documentation for why this is sound).
pub fn bound_state(
    rp: &RelyingParty,
    passkeys: &[Passkey],
    challenge: &[u8],
) -> Result<(RequestChallengeResponse, PasskeyAuthentication), WebauthnFailure> {
    let (options, state) = rp
        .webauthn
        .start_passkey_authentication(passkeys)
        .map_err(|_| WebauthnFailure::Stored)?;
    let chosen = serde_json::Value::String(b64url().encode(challenge));
    let mut state = serde_json::to_value(&state).map_err(|_| WebauthnFailure::Stored)?;
    let mut options = serde_json::to_value(&options).map_err(|_| WebauthnFailure::Stored)?;
    for (v, path) in [
        (&mut state, "/ast/challenge"),
        (&mut options, "/publicKey/challenge"),
    ] {
        // The layout is webauthn-rs's; a version that moved the challenge
        // is refused here (and by the tests), never left random.
        match v.pointer_mut(path) {
            Some(slot @ serde_json::Value::String(_)) => *slot = chosen.clone(),
            _ => return Err(WebauthnFailure::Stored),
        }
    }
    let state = serde_json::from_value(state).map_err(|_| WebauthnFailure::Stored)?;
    let options = serde_json::from_value(options).map_err(|_| WebauthnFailure::Stored)?;
    Ok((options, state))
}

/// The browser's options to sign `statement` with one of `keys` (all of
/// one relying party, `rp`).
pub fn statement_options(
    rp: &RelyingParty,
    keys: &[SecurityKeyRecord],
    statement: &str,
) -> Result<RequestChallengeResponse, WebauthnFailure> {
    let passkeys = keys
        .iter()
        .filter(|k| k.rp_id == rp.rp_id && k.origin == rp.origin())
        .map(passkey_of)
        .collect::<Result<Vec<_>, _>>()?;
    if passkeys.is_empty() {
        return Err(WebauthnFailure::UnknownKey);
    }
    Ok(bound_state(rp, &passkeys, &statement_challenge(statement))?.0)
}

/// The signature text of an assertion.
pub fn encode_signature(assertion: &PublicKeyCredential) -> Result<String, WebauthnFailure> {
    let json = serde_json::to_vec(assertion).map_err(|_| WebauthnFailure::Malformed)?;
    let text = format!("{SIGNATURE_PREFIX}{}", b64url().encode(json));
    if text.len() > SIGNATURE_BYTES_MAX {
        return Err(WebauthnFailure::Malformed);
    }
    Ok(text)
}

/// Whether a signature is a security key's (rather than an Ed25519 one).
pub fn is_webauthn_signature(signature: &str) -> bool {
    signature.trim_start().starts_with(SIGNATURE_PREFIX)
}

/// The assertion in a security-key signature.
pub fn decode_signature(signature: &str) -> Result<PublicKeyCredential, WebauthnFailure> {
    let s = signature.trim();
    if s.len() > SIGNATURE_BYTES_MAX {
        return Err(WebauthnFailure::Malformed);
    }
    let body = s
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(WebauthnFailure::Malformed)?;
    let json = b64url()
        .decode(body)
        .map_err(|_| WebauthnFailure::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| WebauthnFailure::Malformed)
}

/// An assertion that verified: by which key, with what signature counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asserted {
    /// The credential id (base64url), as enrolled.
    pub credential_id: String,
    /// The authenticator's signature counter (0 if it keeps none).
    pub counter: u32,
}

/// The enrolled key among `keys` an assertion names, if any.
fn key_named<'k>(
    keys: &'k [SecurityKeyRecord],
    assertion: &PublicKeyCredential,
) -> Option<&'k SecurityKeyRecord> {
    let id = b64url().encode(assertion.raw_id.as_slice());
    keys.iter().find(|k| k.credential_id == id)
}

/// Checks an assertion against `state` (a ceremony this service started,
/// or [`bound_state`]) with the key among `keys` it names.
pub fn finish(
    rp: &RelyingParty,
    keys: &[SecurityKeyRecord],
    assertion: &PublicKeyCredential,
    state: &PasskeyAuthentication,
) -> Result<Asserted, WebauthnFailure> {
    let key = key_named(keys, assertion).ok_or(WebauthnFailure::UnknownKey)?;
    let result = rp
        .webauthn
        .finish_passkey_authentication(assertion, state)
        .map_err(|_| WebauthnFailure::Invalid)?;
    if !result.user_verified() {
        return Err(WebauthnFailure::Invalid);
    }
    Ok(Asserted {
        credential_id: key.credential_id.clone(),
        counter: result.counter(),
    })
}

/// Checks that `signature` is a security-key assertion over `statement`
/// (challenge = SHA-256 of its text) by one of `keys`, for the relying
/// party and origin that key was registered for. Offline: nothing but the
/// records is needed.
pub fn check_statement(
    keys: &[SecurityKeyRecord],
    statement: &str,
    signature: &str,
) -> Result<Asserted, WebauthnFailure> {
    let assertion = decode_signature(signature)?;
    let key = key_named(keys, &assertion).ok_or(WebauthnFailure::UnknownKey)?;
    let rp = RelyingParty::of_key(key)?;
    let passkey = passkey_of(key)?;
    let (_, state) = bound_state(
        &rp,
        std::slice::from_ref(&passkey),
        &statement_challenge(statement),
    )?;
    finish(&rp, std::slice::from_ref(key), &assertion, &state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_test_support::softkey::SoftKey;
    use webauthn_rs::prelude::Uuid;

    const ORIGIN: &str = "http://localhost:8080";

    fn enrolled(rp: &RelyingParty, key: &mut SoftKey) -> SecurityKeyRecord {
        let (options, reg) = rp
            .webauthn()
            .start_passkey_registration(Uuid::from_u128(7), "do1", "do1", None)
            .unwrap();
        let made = key.create(&serde_json::to_value(&options).unwrap());
        let passkey = rp
            .webauthn()
            .finish_passkey_registration(&serde_json::from_value(made).unwrap(), &reg)
            .unwrap();
        SecurityKeyRecord {
            credential_id: key.credential_id(),
            official: "do1".into(),
            credential: serde_json::to_string(&passkey).unwrap(),
            rp_id: "localhost".into(),
            origin: ORIGIN.into(),
            sign_count: 0,
            enrolled_at: time::macros::datetime!(2026-01-01 00:00 UTC),
        }
    }

    #[test]
    fn the_bound_state_carries_the_chosen_challenge_and_nothing_else_changes() {
        let rp = RelyingParty::new("localhost", ORIGIN).unwrap();
        let mut key = SoftKey::new("localhost", ORIGIN);
        let rec = enrolled(&rp, &mut key);
        let passkey = passkey_of(&rec).unwrap();
        let chosen = [42u8; 32];
        let (options, state) = bound_state(&rp, std::slice::from_ref(&passkey), &chosen).unwrap();
        let (_, random) = rp
            .webauthn()
            .start_passkey_authentication(&[passkey])
            .unwrap();
        let (mut s, mut r) = (
            serde_json::to_value(&state).unwrap(),
            serde_json::to_value(&random).unwrap(),
        );
        assert_eq!(s["ast"]["challenge"], b64url().encode(chosen));
        assert_eq!(
            serde_json::to_value(&options).unwrap()["publicKey"]["challenge"],
            b64url().encode(chosen)
        );
        s["ast"]["challenge"] = serde_json::Value::Null;
        r["ast"]["challenge"] = serde_json::Value::Null;
        assert_eq!(
            s, r,
            "only the challenge differs from webauthn-rs's own state"
        );
    }

    #[test]
    fn a_statement_assertion_holds_for_its_statement_key_and_origin_only() {
        let rp = RelyingParty::new("localhost", ORIGIN).unwrap();
        let mut key = SoftKey::new("localhost", ORIGIN);
        let rec = enrolled(&rp, &mut key);
        let text = "vouch-approval-v1\nrequest_id R-1\n";
        let sign = |key: &mut SoftKey, text: &str| {
            let a = key.assert(&statement_challenge(text));
            encode_signature(&serde_json::from_value(a).unwrap()).unwrap()
        };
        let good = sign(&mut key, text);
        let asserted = check_statement(std::slice::from_ref(&rec), text, &good).unwrap();
        assert_eq!(asserted.credential_id, rec.credential_id);
        assert!(asserted.counter > 0);
        // Another statement, another key, another origin, nothing enrolled,
        // or a malformed text: refused.
        let other = sign(&mut key, "vouch-approval-v1\nrequest_id R-2\n");
        assert_eq!(
            check_statement(std::slice::from_ref(&rec), text, &other),
            Err(WebauthnFailure::Invalid)
        );
        let stranger = sign(&mut SoftKey::new("localhost", ORIGIN), text);
        assert_eq!(
            check_statement(std::slice::from_ref(&rec), text, &stranger),
            Err(WebauthnFailure::UnknownKey)
        );
        let phished = sign(
            &mut key.rewound(0).from_origin("http://localhost:9999"),
            text,
        );
        assert_eq!(
            check_statement(std::slice::from_ref(&rec), text, &phished),
            Err(WebauthnFailure::Invalid)
        );
        assert!(check_statement(&[], text, &good).is_err());
        for bad in [
            "webauthn:",
            "webauthn:!!",
            "AAAA",
            &"webauthn:A".repeat(5000),
        ] {
            assert!(check_statement(std::slice::from_ref(&rec), text, bad).is_err());
        }
        // A record whose relying party is not the key's: refused.
        let mut moved = rec.clone();
        moved.rp_id = "example.com".into();
        moved.origin = "https://example.com".into();
        assert!(check_statement(&[moved], text, &good).is_err());
    }
}
