//! Fuzzes the inclusion bundle parser: arbitrary bytes must never panic, and
//! a bundle that parses must print to text that parses back to it. `verify`
//! runs too (it must fail cleanly, never panic).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_ledger_fuzz::check_inclusion_bundle(data));
