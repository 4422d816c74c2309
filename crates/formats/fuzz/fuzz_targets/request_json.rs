//! Fuzzes `request.json` parsing: any bytes must give a letter or a typed
//! error, never a panic; a letter that parses must survive the round trip
//! through its wire form (`letter_to_dto`, JSON, `parse_letter`) unchanged.
//!
//! It does not check signatures or the subjects file (other targets).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_formats_fuzz::check_request_json(data));
