//! Fuzz target for Unicode folding, the first stage of every parser: any
//! UTF-8 input must fold without panicking to upper-case ASCII letters,
//! digits and single spaces, and folding must be idempotent. It does not
//! judge transliteration quality.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_normalize_fuzz::check_fold(data));
