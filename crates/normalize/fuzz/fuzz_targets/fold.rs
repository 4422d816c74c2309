//! Fuzz target for Unicode folding, the first stage of every parser: any
//! UTF-8 input must fold without panicking to upper-case ASCII letters,
//! digits and single spaces, and folding must be idempotent. It does not
//! judge transliteration quality.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folded = vouch_normalize::fold(text);
    assert!(folded
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    assert_eq!(vouch_normalize::fold(&folded), folded);
});
