//! Fuzz target for the address standardiser: any four fields (split from
//! the input on `|`) must standardise without panicking, and the standard
//! street line must be a fixed point. It does not check deliverability.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.splitn(4, '|');
    let mut next = || fields.next().unwrap_or("");
    let (street, city, state, zip) = (next(), next(), next(), next());
    let a = vouch_normalize::standardize_address(street, city, state, zip);
    let line = a.street_line();
    let b = vouch_normalize::standardize_address(&line, &a.city, state, zip);
    assert_eq!(b.street_line(), line);
    assert_eq!(b.match_key(), a.match_key());
    let _ = (a.standard_line(), a.is_complete(), a.street_key());
    let _ = vouch_normalize::city_similarity(city, &a.city);
});
