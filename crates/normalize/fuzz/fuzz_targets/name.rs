//! Fuzz target for the name standardiser: any four fields (split from the
//! input on `|`) must standardise without panicking, and the standard form
//! must be a fixed point. It does not check matching quality.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.splitn(4, '|');
    let mut next = || fields.next().unwrap_or("");
    let (first, middle, last, suffix) = (next(), next(), next(), next());
    let name = vouch_normalize::standardize_name(first, middle, last, suffix);
    let [f, m, l, s] = name.standard_fields();
    assert_eq!(vouch_normalize::standardize_name(&f, &m, &l, &s), name);
    let _ = (name.match_key(), name.surname_keys(), name.given_keys(), name.is_placeholder());
    let _ = (name.phonetic_surname(), name.phonetic_given());
});
