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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cases: Vec<&'a str>,
}

/// The case-assignment file a letter names for a large batch.
pub const CASES_FILE: &str = "cases.csv";

/// Letters assigning at most this many cases list them inline (each
/// recipient's `cases`); more go to [`CASES_FILE`] (a million case numbers
/// do not fit a letter).
pub const INLINE_CASES_MAX: usize = 5_000;

/// Each distinct case number of the subjects, assigned to one recipient
/// (by a hash of the number: the same case, the same agent): `(recipient
/// index, case number)`, in first-seen order.
pub(crate) fn assignments<'a>(cases: impl Iterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    let mut seen = std::collections::HashSet::new();
    cases
        .map(str::trim)
        .filter(|c| !c.is_empty() && seen.insert(*c))
        .map(|c| {
            let h = c.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            ((splitmix(h) % RECIPIENTS.len() as u64) as usize, c)
        })
        .collect()
}

/// `cases.csv` for some assignments.
pub(crate) fn cases_csv(assigned: &[(usize, &str)]) -> Vec<u8> {
    let mut out = b"recipient_id,case_number\n".to_vec();
    for (r, c) in assigned {
        out.extend_from_slice(RECIPIENTS[*r].0.as_bytes());
        out.push(b',');
        out.extend_from_slice(c.as_bytes());
        out.push(b'\n');
    }
    out
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
    #[serde(skip_serializing_if = "Option::is_none")]
    cases_file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cases_sha256: Option<String>,
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

/// The bytes of `request.json` for a subjects file, assigning `assigned`
/// cases to the recipients inline, or naming `cases_csv` (its bytes) when
/// given.
pub(crate) fn cover_letter(
    request_id: &str,
    submitted_at: &str,
    subjects_csv: &[u8],
    assigned: &[(usize, &str)],
    cases_csv: Option<&[u8]>,
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
            cases: Vec::new(),
        },
        recipients: RECIPIENTS
            .iter()
            .enumerate()
            .map(|(i, &(id, name))| Official {
                id,
                name,
                title: crate::RECIPIENT_TITLE,
                cases: if cases_csv.is_some() {
                    Vec::new()
                } else {
                    assigned
                        .iter()
                        .filter(|(r, _)| *r == i)
                        .map(|(_, c)| *c)
                        .collect()
                },
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
        cases_file: cases_csv.map(|_| CASES_FILE),
        cases_sha256: cases_csv.map(sha256_hex),
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
        let letter =
            cover_letter("SYN-9-1", crate::SUBMITTED_AT, b"subject_ref\n", &[], None).unwrap();
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
