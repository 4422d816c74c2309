//! Fuzzes the inclusion bundle parser: arbitrary bytes must never panic, and
//! a bundle that parses must print to text that parses back to it. `verify`
//! runs too (it must fail cleanly, never panic).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_ledger::bundle::BUNDLE_BYTES_MAX;
use vouch_ledger::{InclusionBundle, NoteVerifier};

/// A fixed trusted key: signatures found by the fuzzer are checked against it.
fn verifier() -> NoteVerifier {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    NoteVerifier::from_signing_key("fuzz-key", &key).expect("valid key name")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(b) = InclusionBundle::parse(text) else {
        return;
    };
    let printed = b.to_text();
    assert!(printed.len() <= BUNDLE_BYTES_MAX || text.len() > BUNDLE_BYTES_MAX);
    assert_eq!(
        InclusionBundle::parse(&printed).expect("own text parses"),
        b
    );
    let _ = b.verify(&verifier());
});
