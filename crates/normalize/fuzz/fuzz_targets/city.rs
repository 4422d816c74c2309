//! Fuzz target for the city and state parsers: any city, second city,
//! ZIP and state (split from the input on `|`) must standardise and
//! compare without panicking; the standard city must be folded text and a
//! fixed point, and the similarity a number in `[0, 1]`. It does not check
//! whether a city exists (no city list is shipped).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.splitn(4, '|');
    let mut next = || fields.next().unwrap_or("");
    let (city, other, zip, state) = (next(), next(), next(), next());
    let standard = vouch_normalize::standardize_city(city);
    assert!(standard
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    assert_eq!(vouch_normalize::standardize_city(&standard), standard);
    let similarity = vouch_normalize::city_similarity(city, other);
    assert!((0.0..=1.0).contains(&similarity));
    let _ = vouch_normalize::zip_state_consistent(zip, state);
});
