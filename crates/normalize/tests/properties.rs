//! Property tests: standardisation never panics on any Unicode input, and
//! is idempotent (standardising the standard form again changes nothing).
//! Inputs mix arbitrary Unicode with strings built from the grammar's own
//! vocabulary, so both robustness and the parser's paths are exercised.

use proptest::prelude::*;
use vouch_normalize::{fold, match_key_variant, standardize_address, standardize_name};

const NAME_WORDS: &[&str] = &[
    "José",
    "MARIA",
    "de",
    "la",
    "DEL",
    "y",
    "Y",
    "García-López",
    "O'Brien",
    "Mc",
    "Jr",
    "Sr.",
    "III",
    "V",
    "iv",
    "2nd",
    "Bill",
    "NA",
    "N/A",
    "FNU",
    "X",
    "van",
    "der",
    "Nguyễn",
    "St.",
    "Mr",
    "Dr.",
    "Saint",
    "O",
    "-",
    "'",
    "  ",
    "Ñ",
    "ß",
    "李",
];

const ADDRESS_WORDS: &[&str] = &[
    "123",
    "12-B",
    "1/2",
    "N",
    "North",
    "SW",
    "E",
    "Main",
    "St",
    "St.",
    "Street",
    "Ave",
    "Avenue",
    "Apt",
    "#",
    "#5",
    "5",
    "Unit",
    "Ste",
    "Fl",
    "2nd",
    "Floor",
    "Rear",
    "PO",
    "P.O.",
    "Box",
    "RR",
    "Rural",
    "Route",
    "HC",
    "PSC",
    "CMR",
    "BOX",
    "Calle",
    "Camino",
    "Avenida",
    "State",
    "Highway",
    "Hwy",
    "US",
    "I-95",
    "County",
    "Road",
    "C/O",
    "Care",
    "of",
    "General",
    "Delivery",
    "Jail",
    "Unknown",
    "NA",
    "First",
    "Twenty-First",
    "Mt",
    "Ft",
    "Park",
    "B",
    "N123W456",
    "0",
    "-",
    "/",
    ",",
    "Ñ",
    "李",
    "Urb",
    "Urbanización",
    "Las",
    "Gladiolas",
    "USS",
    "USNS",
    "Nimitz",
    "(CVN-68)",
    "CVN",
    "68",
    "T-AH",
    "DDG51",
];

fn phrase(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(words), 0..8).prop_map(|w| w.join(" "))
}

fn field(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![phrase(words), any::<String>(), "\\PC{0,24}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fold_is_idempotent(s in any::<String>()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once.clone());
        prop_assert!(once.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    }

    #[test]
    fn name_standardisation_is_idempotent(
        first in field(NAME_WORDS),
        middle in field(NAME_WORDS),
        last in field(NAME_WORDS),
        suffix in field(NAME_WORDS),
    ) {
        let name = standardize_name(&first, &middle, &last, &suffix);
        let [f, m, l, s] = name.standard_fields();
        let again = standardize_name(&f, &m, &l, &s);
        prop_assert_eq!(&again, &name);
        prop_assert_eq!(again.match_key(), name.match_key());
        let _ = (name.surname_keys(), name.given_keys(), name.phonetic_surname(), name.is_placeholder());
    }

    #[test]
    fn address_standardisation_is_idempotent(
        street in field(ADDRESS_WORDS),
        city in field(&["Los Angeles", "St. Louis", "N Las Vegas", "APO", "FPO", "San Juan", "Unknown", ""]),
        state in prop::sample::select(&["CA", "California", "MO", "AE", "AP", "PR", "ZZ", "", "n.y."][..]),
        zip in prop::sample::select(&["90012", "90012-1234", "63101", "09204", "96620", "00926", "2108", "00000", "", "ABCDE"][..]),
    ) {
        let a = standardize_address(&street, &city, state, zip);
        let zip_again = match (&a.zip5, &a.zip4) {
            (Some(z5), Some(z4)) => format!("{z5}-{z4}"),
            (Some(z5), None) => z5.clone(),
            _ => zip.to_owned(),
        };
        let state_again = a.state.clone().unwrap_or_else(|| state.to_owned());
        let b = standardize_address(&a.street_line(), &a.city, &state_again, &zip_again);
        prop_assert_eq!(b.street_line(), a.street_line());
        prop_assert_eq!(b.match_key(), a.match_key());
        prop_assert_eq!(b.kind, a.kind);
        prop_assert_eq!(&b.city, &a.city);
        prop_assert_eq!(&b.state, &a.state);
        prop_assert_eq!(b.is_complete(), a.is_complete());
        let _ = (a.standard_line(), a.street_key());
    }

    /// A keying-error variant of a match key is the match key the address
    /// would have with that error: another ZIP5, or the unit left out.
    #[test]
    fn match_key_variants_are_the_keys_of_the_mistyped_address(
        street in field(ADDRESS_WORDS),
        zip in prop::sample::select(&["90012", "90012-1234", "63101", "00926"][..]),
        other in prop::sample::select(&["90013", "90112", "63111", "00927"][..]),
        drop_unit in any::<bool>(),
    ) {
        let a = standardize_address(&street, "", "", zip);
        let key = a.match_key();
        if let Some(v) = match_key_variant(&key, Some(other), drop_unit) {
            let mut b = a.clone();
            b.zip5 = Some(other.to_owned());
            if drop_unit {
                b.unit = None;
                b.unit_type = None;
            }
            prop_assert_eq!(v, b.match_key());
            prop_assert!(a.house_number.is_some());
        }
        prop_assert!(match_key_variant(&key, None, false).is_none_or(|v| v == key));
    }
}

/// Minimal counterexamples proptest found during development; each broke
/// idempotency once and is kept as an ordinary regression test.
#[test]
fn idempotency_regressions_stay_fixed() {
    let streets = [
        "First 123",
        "First 12-B",
        "First N",
        "N Apt North",
        "N N #",
        "N Unit Road",
        "N 123 First",
        "N N First",
        "PO Box Street",
        "PO First 123",
        "Route First St",
        "N Twenty-First Fl",
        "St N",
        "PSC First Box North",
        "Unit Apt First",
        "N N Unit # Main",
        "N #5 #5 N",
        "123 Urb 123",
        "5 URB NA Twenty-First",
        "12-B Urbanización Ave O",
        "of 1/2 R # URB Via",
        "Hwy #5 URB Urbanización Twenty-First Lot Lot",
        "URB A URB B 150 Calle A",
        "150 Main St URB Key",
        "USS 2nd Floor",
        "Ste USCGC Key",
        "Office #5 St Main USNS Twenty-First",
        "Key USS Key # US Office CMR",
    ];
    for street in streets {
        let a = standardize_address(street, "", "CA", "90012");
        let b = standardize_address(&a.street_line(), "", "CA", "90012");
        assert_eq!(b.street_line(), a.street_line(), "{street}");
        assert_eq!(b.match_key(), a.match_key(), "{street}");
    }
}

#[test]
fn match_key_variant_of_a_known_address() {
    let a = standardize_address("12 N Main St Apt 4B", "Los Angeles", "CA", "90012-1234");
    let key = a.match_key();
    let b = standardize_address("12 N Main St", "Los Angeles", "CA", "90013");
    assert_eq!(
        match_key_variant(&key, Some("90013"), true),
        Some(b.match_key())
    );
    let c = standardize_address("12 N Main Street #4B", "Los Angeles", "CA", "90112");
    assert_eq!(
        match_key_variant(&key, Some("90112"), false),
        Some(c.match_key())
    );
    // Not a street address with a house number, or not a ZIP.
    let boxed = standardize_address("PO Box 12", "Los Angeles", "CA", "90012");
    assert_eq!(
        match_key_variant(&boxed.match_key(), Some("90013"), false),
        None
    );
    assert_eq!(match_key_variant(&key, Some("9001"), false), None);
}
