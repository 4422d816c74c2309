//! Fuzzes the signed checkpoint note and verifier key parsers: arbitrary
//! bytes must never panic, and whatever parses must round-trip through its
//! own text. Deliberately no signature checks beyond "does not panic": a
//! fuzzer cannot forge Ed25519.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_ledger::{NoteVerifier, SignedCheckpoint};

/// A fixed trusted key: signatures found by the fuzzer are checked against it.
fn verifier() -> NoteVerifier {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    NoteVerifier::from_signing_key("fuzz-key", &key).expect("valid key name")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = SignedCheckpoint::parse(text) {
        assert_eq!(cp.text(), text);
        let again = SignedCheckpoint::parse(cp.text()).expect("own text parses");
        assert_eq!(again, cp);
        let _ = cp.verify(&verifier());
    }
    if let Ok(v) = NoteVerifier::parse(text) {
        assert_eq!(
            NoteVerifier::parse(&v.to_string()).expect("own text parses"),
            v
        );
    }
});
