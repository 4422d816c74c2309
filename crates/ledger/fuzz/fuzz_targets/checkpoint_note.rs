//! Fuzzes the signed checkpoint note and verifier key parsers: arbitrary
//! bytes must never panic, and whatever parses must round-trip through its
//! own text. Deliberately no signature checks beyond "does not panic": a
//! fuzzer cannot forge Ed25519.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_ledger_fuzz::check_checkpoint_note(data));
