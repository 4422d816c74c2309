//! Fuzzes the RFC 9162 proof verifiers with arbitrary sizes, indices, hashes
//! and proofs (they must return errors, never panic), and checks against the
//! generator: for a small tree chosen by the input, a generated proof
//! verifies and the same proof with one bit flipped does not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_ledger_fuzz::check_proof_verify(data));
