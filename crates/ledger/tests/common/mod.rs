//! Shared helpers for the integration tests: synthetic leaf records and keys.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use vouch_ledger::{LeafOutcome, LeafRecord, NoteVerifier};

pub fn record(request: &str, i: u64) -> LeafRecord {
    LeafRecord {
        request_id: request.to_owned(),
        subject_ref: format!("S-{i}"),
        outcome: match i % 3 {
            0 => LeafOutcome::Confirmed,
            1 => LeafOutcome::NotConfirmed,
            _ => LeafOutcome::NotConfirmedHeld,
        },
        time_unix_ms: 1_750_000_000_000 + i,
        policy_version: "policy-1".into(),
        model_version: "model-1".into(),
        approvers: vec!["officer-7".into()],
        tin_hmac: i.is_multiple_of(2).then_some([(i % 251) as u8; 32]),
        approvals_sha256: None,
    }
}

pub fn records(request: &str, from: u64, n: u64) -> Vec<LeafRecord> {
    (from..from + n).map(|i| record(request, i)).collect()
}

pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

pub const KEY_NAME: &str = "vouch.test/log";
pub const ORIGIN: &str = "vouch.test/ledger";

pub fn verifier() -> NoteVerifier {
    NoteVerifier::from_signing_key(KEY_NAME, &key()).unwrap()
}
