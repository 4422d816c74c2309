//! Fuzz target for the city and state parsers: any city, second city,
//! ZIP and state (split from the input on `|`) must standardise and
//! compare without panicking; the standard city must be folded text and a
//! fixed point, and the similarity a number in `[0, 1]`. It does not check
//! whether a city exists (no city list is shipped).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_normalize_fuzz::check_city(data));
