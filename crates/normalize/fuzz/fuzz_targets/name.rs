//! Fuzz target for the name standardiser: any four fields (split from the
//! input on `|`) must standardise without panicking, and the standard form
//! must be a fixed point. It does not check matching quality.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_normalize_fuzz::check_name(data));
