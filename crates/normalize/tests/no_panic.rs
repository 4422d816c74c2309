//! Property tests: every public function of the crate returns (never
//! panics) on any Unicode input, including control characters, combining
//! marks, unassigned and private-use code points, and very long tokens.
//! Outputs are checked only for the invariants each function promises
//! (upper-case ASCII, ranges); quality is the golden tables' business.

use proptest::prelude::*;
use vouch_normalize::{
    are_nickname_equivalent, are_surname_variants, city_similarity, fold, frequency_key,
    nickname_canonical, phonetic_code, phonetic_equivalent, phonetic_primary, standardize_address,
    standardize_city, standardize_name, surname_variant_canonical, token_weight_bits,
    zip_state_consistent, Suffix, PHONETIC_CODE_CHARS_MAX,
};

/// Any string, biased towards the characters that stress folding.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[\\p{M}\\p{Z}\\p{P}\\p{S}a-zA-Z0-9#/'-]{0,40}",
        "[\u{0}-\u{1F}\u{7F}-\u{9F}\u{200B}-\u{200F}\u{FEFF}]{0,8}",
        "[a-zA-Z]{50,300}",
    ]
}

fn is_folded(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fold_never_panics(s in text()) {
        prop_assert!(is_folded(&fold(&s)));
    }

    #[test]
    fn address_functions_never_panic(street in text(), city in text(), state in text(), zip in text()) {
        let a = standardize_address(&street, &city, &state, &zip);
        let _ = (a.street_line(), a.standard_line(), a.is_complete(), a.street_key());
        let _ = a.flags.any_blocking();
        prop_assert!(a.match_key().is_ascii());
    }

    #[test]
    fn city_functions_never_panic(a in text(), b in text(), zip in text()) {
        prop_assert!(is_folded(&standardize_city(&a)));
        let similarity = city_similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&similarity));
        let _ = zip_state_consistent(&zip, &a);
    }

    #[test]
    fn name_functions_never_panic(first in text(), middle in text(), last in text(), suffix in text()) {
        let n = standardize_name(&first, &middle, &last, &suffix);
        let m = standardize_name(&last, &suffix, &first, &middle);
        let _ = (n.first_given(), n.given_all().count(), n.surname_full(), n.surname_paternal());
        let _ = (n.surname_maternal(), n.surname_keys(), n.given_keys(), n.is_placeholder());
        let _ = (n.phonetic_surname(), n.phonetic_given(), n.standard_fields());
        let _ = (n.surname_agreement(&m), n.given_agreement(&m), n.is_swapped_with(&m));
        prop_assert!(n.match_key().is_ascii());
        let _ = Suffix::parse(&suffix).map(Suffix::as_str);
    }

    #[test]
    fn token_functions_never_panic(a in text(), b in text(), share in 0.0f64..=1.0) {
        let _ = (nickname_canonical(&a), are_nickname_equivalent(&a, &b));
        let _ = (surname_variant_canonical(&a), are_surname_variants(&a, &b));
        let code = phonetic_code(&a);
        prop_assert!(code.primary.len() <= PHONETIC_CODE_CHARS_MAX);
        let _ = (phonetic_primary(&a), phonetic_equivalent(&a, &b));
        let _ = frequency_key(&a, |_| share, 0.01).as_key();
        let bits = token_weight_bits(&a, |_| share, 1e-9);
        prop_assert!(bits.is_finite() && bits >= 0.0);
    }
}
