//! Fuzz target for the address standardiser: any four fields (split from
//! the input on `|`) must standardise without panicking, and the standard
//! street line must be a fixed point. It does not check deliverability.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_normalize_fuzz::check_address(data));
