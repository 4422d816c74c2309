//! Fuzzes leaf decoding: arbitrary bytes must never panic; a leaf that
//! decodes must re-encode to exactly the same bytes (the encoding is
//! canonical), and `peek_request_id` must agree with the full decode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_ledger_fuzz::check_leaf_decode(data));
