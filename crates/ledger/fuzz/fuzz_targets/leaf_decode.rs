//! Fuzzes leaf decoding: arbitrary bytes must never panic; a leaf that
//! decodes must re-encode to exactly the same bytes (the encoding is
//! canonical), and `peek_request_id` must agree with the full decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_ledger::LeafRecord;

fuzz_target!(|data: &[u8]| {
    let peeked = LeafRecord::peek_request_id(data);
    let Ok(rec) = LeafRecord::decode(data) else {
        return;
    };
    assert_eq!(rec.encode().expect("decoded leaf encodes"), data);
    assert_eq!(peeked.expect("full decode succeeded"), rec.request_id);
});
