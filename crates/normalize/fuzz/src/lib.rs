//! The properties the fuzz targets check, one function per target, shared
//! by the `fuzz_targets/` binaries and by the ordinary workspace test that
//! replays every crasher kept in `crashers/TARGET/`
//! (`crates/normalize/tests/fuzz_replay.rs`). That test compiles this file
//! in as a module, so it may use only what `vouch-normalize` depends on,
//! never `libfuzzer-sys`.
//!
//! Each function panics when a property fails (that is what the fuzzer
//! reports). Inputs that are not UTF-8 are ignored.
#![deny(missing_docs)]

/// Splits `text` on `|` into four fields, missing ones empty.
fn four_fields(text: &str) -> [&str; 4] {
    let mut fields = text.splitn(4, '|');
    let mut next = || fields.next().unwrap_or("");
    [next(), next(), next(), next()]
}

/// `name`: any four fields (first, middle, last, suffix) standardise
/// without panicking, and the standard form is a fixed point. It does not
/// check matching quality.
pub fn check_name(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let [first, middle, last, suffix] = four_fields(text);
    let name = vouch_normalize::standardize_name(first, middle, last, suffix);
    let [f, m, l, s] = name.standard_fields();
    assert_eq!(vouch_normalize::standardize_name(&f, &m, &l, &s), name);
    let _ = (
        name.match_key(),
        name.surname_keys(),
        name.given_keys(),
        name.is_placeholder(),
    );
    let _ = (name.phonetic_surname(), name.phonetic_given());
}

/// `address`: any four fields (street, city, state, ZIP) standardise
/// without panicking, and the standard street line is a fixed point. It
/// does not check deliverability.
pub fn check_address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let [street, city, state, zip] = four_fields(text);
    let a = vouch_normalize::standardize_address(street, city, state, zip);
    let line = a.street_line();
    let b = vouch_normalize::standardize_address(&line, &a.city, state, zip);
    assert_eq!(b.street_line(), line);
    assert_eq!(b.match_key(), a.match_key());
    let _ = (a.standard_line(), a.is_complete(), a.street_key());
    let _ = vouch_normalize::city_similarity(city, &a.city);
}

/// `city`: any city, second city, ZIP and state standardise and compare
/// without panicking; the standard city is folded text and a fixed point,
/// and the similarity a number in `[0, 1]`. It does not check whether a
/// city exists (no city list is shipped).
pub fn check_city(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let [city, other, zip, state] = four_fields(text);
    let standard = vouch_normalize::standardize_city(city);
    assert!(standard
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    assert_eq!(vouch_normalize::standardize_city(&standard), standard);
    let similarity = vouch_normalize::city_similarity(city, other);
    assert!((0.0..=1.0).contains(&similarity));
    let _ = vouch_normalize::zip_state_consistent(zip, state);
}

/// `fold`: any UTF-8 input folds without panicking to upper-case ASCII
/// letters, digits and single spaces, and folding is idempotent. It does
/// not judge transliteration quality.
pub fn check_fold(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folded = vouch_normalize::fold(text);
    assert!(folded
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    assert_eq!(vouch_normalize::fold(&folded), folded);
}
