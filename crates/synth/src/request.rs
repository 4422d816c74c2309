//! The signed cover letter of a generated request (`request.json`,
//! `request.json.sig`) and the signer's key files, exactly as formats.md
//! sections 2 and 4 describe them. The key pair is derived from the seed, so
//! a data set is reproducible byte for byte.
//!
//! This module does not verify requests (that is the policy stage's job); it
//! only produces them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::people::splitmix;
use crate::{
    SynthError, AGENCY, ATTESTATION, INVESTIGATION, PATHWAY, RECIPIENTS, REQUESTED_ITEM, SIGNER_ID,
    SIGNER_NAME, SIGNER_TITLE, STATUTORY_AUTHORITY, SUBJECTS_FILE, TAXABLE_PERIODS,
};

#[derive(Serialize)]
struct Official<'a> {
    id: &'a str,
    name: &'a str,
    title: &'a str,
}

/// `request.json`, fields in the order of formats.md.
#[derive(Serialize)]
struct CoverLetter<'a> {
    request_id: &'a str,
    pathway: &'a str,
    agency: &'a str,
    submitted_at: &'a str,
    signer: Official<'a>,
    recipients: Vec<Official<'a>>,
    statutory_authority: &'a str,
    investigation: &'a str,
    taxable_periods: &'a [u16],
    requested_items: [&'a str; 1],
    attestation: &'a str,
    ai_analysis: bool,
    ai_notification_id: Option<&'a str>,
    subjects_file: &'a str,
    subjects_sha256: String,
}

/// The signer's key pair for a seed (deterministic).
pub fn signer_key(seed: u64) -> SigningKey {
    let mut rng = ChaCha20Rng::seed_from_u64(splitmix(seed ^ 0x5167_4e00_4b45_5900));
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    SigningKey::from_bytes(&secret)
}

/// The request id of a generated data set: `SYN-<seed>-<subjects>`.
pub fn request_id(seed: u64, subjects: u64) -> String {
    format!("SYN-{seed}-{subjects}")
}

/// Hex SHA-256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bytes of `request.json` for a subjects file.
pub(crate) fn cover_letter(
    request_id: &str,
    submitted_at: &str,
    subjects_csv: &[u8],
) -> Result<Vec<u8>, SynthError> {
    let letter = CoverLetter {
        request_id,
        pathway: PATHWAY,
        agency: AGENCY,
        submitted_at,
        signer: Official {
            id: SIGNER_ID,
            name: SIGNER_NAME,
            title: SIGNER_TITLE,
        },
        recipients: RECIPIENTS
            .iter()
            .map(|&(id, name)| Official {
                id,
                name,
                title: crate::RECIPIENT_TITLE,
            })
            .collect(),
        statutory_authority: STATUTORY_AUTHORITY,
        investigation: INVESTIGATION,
        taxable_periods: &TAXABLE_PERIODS,
        requested_items: [REQUESTED_ITEM],
        attestation: ATTESTATION,
        ai_analysis: false,
        ai_notification_id: None,
        subjects_file: SUBJECTS_FILE,
        subjects_sha256: sha256_hex(subjects_csv),
    };
    let mut bytes = serde_json::to_vec_pretty(&letter).map_err(|e| SynthError::Encode {
        file: "request.json",
        reason: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `request.json.sig`: base64 of the raw 64-byte signature, one line.
pub(crate) fn signature_line(key: &SigningKey, request_json: &[u8]) -> String {
    format!("{}\n", STANDARD.encode(key.sign(request_json).to_bytes()))
}

/// `keys/signer.pub` and `keys/signer.key`: base64 of the raw public key / private seed, one line each.
pub(crate) fn key_lines(key: &SigningKey) -> (String, String) {
    (
        format!("{}\n", STANDARD.encode(key.verifying_key().to_bytes())),
        format!("{}\n", STANDARD.encode(key.to_bytes())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    #[test]
    fn signature_verifies_and_keys_are_deterministic() {
        let key = signer_key(9);
        assert_eq!(key.to_bytes(), signer_key(9).to_bytes());
        assert_ne!(key.to_bytes(), signer_key(10).to_bytes());
        let letter = cover_letter("SYN-9-1", crate::SUBMITTED_AT, b"subject_ref\n").unwrap();
        let sig = STANDARD
            .decode(signature_line(&key, &letter).trim())
            .unwrap();
        let sig = Signature::from_slice(&sig).unwrap();
        assert!(key.verifying_key().verify(&letter, &sig).is_ok());
        let mut tampered = letter.clone();
        tampered[5] ^= 1;
        assert!(key.verifying_key().verify(&tampered, &sig).is_err());
    }
}
